//! Where every message is decided: the context (profile + page + clock + location → derived
//! attributes), scenario evaluation, and deterministic arbitration. Pure: same inputs, same
//! decisions. The other file to read is `config.rs` (what a scenario is).

use std::borrow::Cow;

use crate::bucket::{bucket_ranges, choose_variation, hash};
use crate::condition::{get_path, Fields};
use crate::config::{Caps, Collection, Config, Message, Scenario, Schedule, Store};
use crate::event::Item;
use crate::geo::distance_km;
use crate::json::{object, Value};
use crate::profile::{ItemState, Profile};
use crate::template::{Formatter, Scope, Style};
use crate::time::{calendar_days, civil, parse_iso, parse_until, DAY_MS, WEEKDAYS};
use crate::url::safe_link;

/// Every `reason` an explanation can give (`explain()`; `consent` comes from the runtime), for
/// the generated TypeScript types.
pub const REASONS: &[&str] = &[
    "shown",
    "already_shown",
    "not_triggered",
    "schedule",
    "audience",
    "no_subject",
    "dismissed",
    "cap",
    "global_cap",
    "group",
    "holdout",
    "consent",
];

/// What the engine knows about the current page view.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    /// URL without query string or fragment.
    pub url: String,
    /// Path part of the URL.
    pub path: String,
    /// Names of events tracked during this page view (`page_view` first).
    pub events: Vec<String>,
    /// Items of the last `view_item` on this page.
    pub items: Vec<Item>,
    /// Scenario ids shown on this page view.
    pub shown: Vec<String>,
    /// Scenario ids whose holdout this page view recorded.
    pub held: Vec<String>,
    /// The last `add_to_cart` on this page: when, and whether a cart form gave it.
    pub cart_add: Option<(i64, bool)>,
}

/// The world outside the profile: clock, the site's UTC offset, the shopper's location, and
/// the shell's locale formatting.
#[derive(Debug, Clone, Copy, Default)]
pub struct Env<'a> {
    /// Now, Unix ms.
    pub now: i64,
    /// The site's UTC offset in minutes (Tokyo: 540).
    pub utc_offset_min: i32,
    /// The shopper's location `(lat, lon)`, when they shared it.
    pub location: Option<(f64, f64)>,
    /// The shopper's position is being asked for (they already allowed it): no store picker
    /// until it arrives.
    pub locating: bool,
    /// Formats locales the core does not format itself (`Intl` in the browser).
    pub formatter: Option<&'a dyn Formatter>,
    /// What the shopper browses on, as `page.device` gives it: `"mobile"`, `"tablet"` or
    /// `"desktop"` (the shell tells); `""` where nobody did.
    pub device: &'a str,
}

impl Env<'_> {
    /// An environment at `now` in UTC with no location.
    pub fn at(now: i64) -> Env<'static> {
        Env { now, ..Env::default() }
    }
}

/// A message to show: the output of arbitration, all text already rendered.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The scenario that produced it.
    pub scenario_id: String,
    /// The split-test variant, if the scenario has variants.
    pub variant: Option<String>,
    /// The subject item, if the scenario has one.
    pub item_id: Option<String>,
    /// Placement name (`banner-bottom` …).
    pub placement: &'static str,
    /// For `inline`: the CSS selector of the element the badge follows.
    pub target: Option<String>,
    /// Headline text.
    pub title: String,
    /// Second line.
    pub body: Option<String>,
    /// Call to action `(label, url)`; only safe (http(s) or relative) URLs survive.
    pub cta: Option<(String, String)>,
    /// Image URL (http(s) or relative only), e.g. the subject item's picture.
    pub image: Option<String>,
    /// Show after this delay (the scenario's `trigger.delay_ms`).
    pub delay_ms: u32,
    /// "Choose your store": set when the message needs a store and neither the shopper's
    /// position nor a favorite store is known. The title then asks for a store; the shell
    /// shows the picker, and the choice renders the message for that store
    /// ([`crate::runtime::Runtime::choose_store`]).
    pub picker: Option<StorePicker>,
}

/// The store picker of a "choose your store" message: the stores that have the item and
/// satisfy the scenario (its buttons' texts are [`crate::config::Labels`]).
#[derive(Debug, Clone, PartialEq)]
pub struct StorePicker {
    /// `(store id, label)`, in `config.stores` order; the label names the store and its stock.
    pub stores: Vec<(String, String)>,
}

/// Why a scenario did or did not show, for `explain`.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Shown now.
    Shown,
    /// Decided earlier on this page view.
    AlreadyShown,
    /// None of its trigger events happened on this page, or the path does not match.
    NotTriggered {
        /// What it waits for.
        waiting_for: Vec<String>,
    },
    /// Outside its schedule.
    Schedule {
        /// Which part: `days`, `hours`, `from`, `until`.
        rule: &'static str,
    },
    /// The audience condition failed.
    Audience {
        /// Path of the failing clause.
        path: String,
        /// The value it saw.
        actual: Value,
    },
    /// No item of its collection matched.
    NoSubject {
        /// The collection searched.
        collection: &'static str,
        /// Items looked at.
        candidates: usize,
    },
    /// The shopper dismissed it.
    Dismissed,
    /// One of its own caps is reached.
    Cap {
        /// `per_session`, `per_day`, `per_visitor`, `per_visitor_days`, `min_gap_s`.
        cap: &'static str,
    },
    /// A global cap is reached.
    GlobalCap {
        /// `per_page`, `per_session`, `per_day`, `per_visitor`, `min_gap_s`.
        cap: &'static str,
    },
    /// Another scenario of its exclusion group won.
    GroupTaken {
        /// The group.
        group: String,
        /// The winner.
        winner: String,
    },
    /// The visitor is in this scenario's holdout: recorded as exposed-to-control, nothing shown.
    Holdout,
}

/// One scenario's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// Scenario id.
    pub scenario_id: String,
    /// Priority it ran with.
    pub priority: f64,
    /// What happened.
    pub verdict: Verdict,
}

/// Everything one evaluation decided.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Outcome {
    /// New messages to show, best first.
    pub shown: Vec<Decision>,
    /// Scenarios whose holdout this visitor is in (to record as control exposures).
    pub holdouts: Vec<String>,
    /// Why, for every scenario, in priority order.
    pub explanations: Vec<Explanation>,
}

impl Verdict {
    /// The verdict as JSON for `explain`.
    pub fn to_value(&self) -> Value {
        let reason = |r: &str| ("reason", Value::from(r));
        match self {
            Verdict::Shown => object([reason("shown")]),
            Verdict::AlreadyShown => object([reason("already_shown")]),
            Verdict::NotTriggered { waiting_for } => object([
                reason("not_triggered"),
                ("waiting_for", Value::Array(waiting_for.iter().map(|e| Value::from(e.as_str())).collect())),
            ]),
            Verdict::Schedule { rule } => object([reason("schedule"), ("rule", (*rule).into())]),
            Verdict::Audience { path, actual } => {
                object([reason("audience"), ("path", path.as_str().into()), ("actual", actual.clone())])
            }
            Verdict::NoSubject { collection, candidates } => {
                object([reason("no_subject"), ("collection", (*collection).into()), ("candidates", (*candidates as u32).into())])
            }
            Verdict::Dismissed => object([reason("dismissed")]),
            Verdict::Cap { cap } => object([reason("cap"), ("cap", (*cap).into())]),
            Verdict::GlobalCap { cap } => object([reason("global_cap"), ("cap", (*cap).into())]),
            Verdict::GroupTaken { group, winner } => {
                object([reason("group"), ("group", group.as_str().into()), ("winner", winner.as_str().into())])
            }
            Verdict::Holdout => object([reason("holdout")]),
        }
    }
}

fn days_between(from: Option<i64>, env: &Env) -> Value {
    from.map(|t| calendar_days(t, env.now, env.utc_offset_min) as f64).into()
}

/// A date given as ISO text or Unix ms, in Unix ms.
fn date_value(v: &Value, env: &Env) -> Option<i64> {
    match v {
        Value::Number(n) => Some(*n as i64),
        Value::String(s) => parse_iso(s, env.utc_offset_min),
        _ => None,
    }
}

/// The nearest store that has `item` in stock, its stock there and its distance: by distance
/// from the shopper when their location is known, else their favorite store if it has stock.
fn nearest<'c>(state: &ItemState, config: &'c Config, profile: &Profile, env: &Env) -> Option<(&'c Store, f64, Option<f64>)> {
    let stock = state.item.stores.as_ref()?;
    let stocked = |id: &str| stock.iter().find(|(s, _)| s == id).map_or(0.0, |(_, n)| *n);
    let candidates = config.stores.iter().filter(|s| stocked(&s.id) > 0.0);
    let best = match env.location {
        Some(here) => candidates
            .map(|s| (distance_km(here, (s.lat, s.lon)), s))
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(d, s)| (Some(d), s)),
        None => candidates.filter(|s| profile.favorite_store.as_deref() == Some(s.id.as_str())).map(|s| (None, s)).next(),
    };
    best.map(|(d, s)| (s, stocked(&s.id), d))
}

/// `nearest_store`: [`nearest`] as conditions and templates see it.
fn nearest_store(state: &ItemState, config: &Config, profile: &Profile, env: &Env) -> Value {
    nearest(state, config, profile, env).map_or(Value::Null, |(s, n, d)| store_value(s, n, d))
}

/// A distance as stores show it: to 0.1 km.
fn rounded_km(d: f64) -> f64 {
    (d * 10.0).round() / 10.0
}

/// `nearest_store` / `{{store.*}}`: a store, its stock of the item and its distance if known.
fn store_value(s: &Store, stock: f64, distance_km: Option<f64>) -> Value {
    object([
        ("id", s.id.as_str().into()),
        ("name", s.name.as_str().into()),
        ("distance_km", distance_km.map(rounded_km).into()),
        ("stock", stock.into()),
        ("pickup", s.pickup.into()),
    ])
}

/// The fields of an item's context, in the order `ItemView::to_value` writes them (`stores`,
/// `url` and `image` follow when the item has them): what `subject.where` and `{{item.*}}` read.
pub const ITEM_CONTEXT: &[&str] = ITEM_NAMES.split_at(ItemField::Stores as usize).0;

/// Declares [`ItemField`], its slot order ([`ItemField::ALL`]) and its names (`ITEM_NAMES`) from
/// one list.
macro_rules! item_fields {
    ($($field:ident = $name:literal,)*) => {
        /// An item's fields: [`ITEM_CONTEXT`] in its order, then `stores`, `url`, `image` and the
        /// members of `nearest_store` that conditions read. A subject's condition is resolved to
        /// them once ([`item_slot`]), so evaluating it reads a field by number.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        enum ItemField {
            $($field,)*
        }

        impl ItemField {
            /// Every field, in slot order.
            const ALL: &[ItemField] = &[$(ItemField::$field,)*];
        }

        /// Every [`ItemField`]'s name (or dotted path), in slot order.
        const ITEM_NAMES: &[&str] = &[$($name,)*];
    };
}

item_fields! {
    Id = "id",
    Name = "name",
    Brand = "brand",
    Category = "category",
    Price = "price",
    Stock = "stock",
    LowStock = "low_stock",
    InStock = "in_stock",
    InCart = "in_cart",
    OnPage = "on_page",
    Favorite = "favorite",
    FavoriteBrand = "favorite_brand",
    Notify = "notify",
    BackInStock = "back_in_stock",
    Views = "views",
    Views7d = "views_7d",
    DaysSinceView = "days_since_view",
    FirstPrice = "first_price",
    LowestPrice = "lowest_price",
    ReferencePrice = "reference_price",
    PriceDrop = "price_drop",
    PriceDropPct = "price_drop_pct",
    CartAddedAt = "cart_added_at",
    MinutesSinceCartAdd = "minutes_since_cart_add",
    DaysSincePurchase = "days_since_purchase",
    PurchaseCount = "purchase_count",
    ReleaseDays = "release_days",
    NearestStore = "nearest_store",
    WaitingFor = "waiting_for",
    Stores = "stores",
    Url = "url",
    Image = "image",
    NearestStoreId = "nearest_store.id",
    NearestStoreName = "nearest_store.name",
    NearestStoreDistanceKm = "nearest_store.distance_km",
    NearestStoreStock = "nearest_store.stock",
    NearestStorePickup = "nearest_store.pickup",
}

impl ItemField {
    /// How many of [`ItemField::ALL`] are the item's own fields (the `nearest_store` members
    /// follow them).
    const OWN: usize = ItemField::NearestStoreId as usize;

    /// The field's name (or dotted path) in conditions and templates.
    fn name(self) -> &'static str {
        ITEM_NAMES[self as usize]
    }

    /// The field a name means.
    fn from_name(name: &str) -> Option<ItemField> {
        ItemField::ALL.get(usize::from(item_slot(name)?)).copied()
    }
}

/// The slot of an item field, or of a member of its `nearest_store` (`None` for a name that is
/// none): what a subject's condition is resolved to ([`crate::condition::Condition::resolve`]).
///
/// ```
/// assert_eq!(shopcue::engine::item_slot("id"), Some(0));
/// assert_eq!(shopcue::engine::item_slot("nearest_store.stock"), Some(35));
/// assert_eq!(shopcue::engine::item_slot("stores.s1"), None);
/// ```
pub fn item_slot(name: &str) -> Option<u16> {
    ITEM_NAMES.iter().position(|n| *n == name).map(|i| i as u16)
}

/// The attributes one item exposes to `subject.where` conditions and `{{item.*}}` templates
/// (the names are [`ITEM_CONTEXT`]).
pub fn item_context(state: &ItemState, config: &Config, profile: &Profile, env: &Env, on_page: bool) -> Value {
    let shared = Shared::new(profile);
    ItemView { state, config, profile, env, shared: &shared, on_page }.to_value()
}

/// What every item's view reads of the rest of the profile, gathered once per decision.
struct Shared<'a> {
    /// Items the shopper waits for (asked to be told about, still out of stock), for
    /// `waiting_for`.
    waiting: Vec<&'a ItemState>,
    /// The product pages of the cart's items ([`crate::capture::item_page`]: Shopify's
    /// `/products/<handle>`, カラーミーショップ's `pid=`), for `in_cart`: a product added from a
    /// collection's quick add under its product id is in the cart when its page's variant, under
    /// its sku, is viewed — no browse reminder for it.
    cart_pages: Vec<&'a str>,
}

impl<'a> Shared<'a> {
    /// One pass over the profile's items (plain pushes: a collect per list cost the widget
    /// 200 B more).
    fn new(profile: &'a Profile) -> Shared<'a> {
        let mut shared = Shared { waiting: Vec::new(), cart_pages: Vec::new() };
        for s in profile.items.values() {
            if s.notify_at.is_some() && s.item.stock.is_some_and(|n| n <= 0.0) {
                shared.waiting.push(s);
            }
            if let Some(page) = (s.cart_qty > 0.0).then(|| crate::capture::item_page(&s.item)).flatten() {
                shared.cart_pages.push(page);
            }
        }
        shared
    }
}

/// One item as conditions and templates see it. Each field is computed when it is asked for,
/// so that a `subject.where` over a whole collection pays only for the fields it reads; the
/// item a message is about gets all of them ([`ItemView::to_value`]).
struct ItemView<'a> {
    state: &'a ItemState,
    config: &'a Config,
    profile: &'a Profile,
    env: &'a Env<'a>,
    /// What it reads of the rest of the profile.
    shared: &'a Shared<'a>,
    /// The item is the one this page shows (browse presets leave it to `page_low_stock`).
    on_page: bool,
}

impl ItemView<'_> {
    /// The price the shopper saw when they acted: carted, favorited, else first seen.
    fn reference(&self) -> Option<f64> {
        let s = self.state;
        s.cart_price.filter(|_| s.cart_qty > 0.0).or(s.favorite_price).or(s.first_price)
    }

    /// The drop from the reference price (amount, share), when it is at least the threshold.
    fn drop(&self) -> Option<(f64, f64)> {
        match (self.reference(), self.state.item.price) {
            (Some(r), Some(p)) if r > 0.0 && p < r && (r - p) / r >= self.config.price_drop_pct => Some((r - p, (r - p) / r)),
            _ => None,
        }
    }

    /// One field (`Null` for a name that is none).
    fn field(&self, name: &str) -> Value {
        ItemField::from_name(name).map_or(Value::Null, |f| self.get(f))
    }

    /// One field's value.
    fn get(&self, field: ItemField) -> Value {
        use ItemField as F;
        let (s, env) = (self.state, self.env);
        let it = &s.item;
        let in_stock = it.stock.map(|n| n > 0.0);
        match field {
            F::Id => it.id.as_str().into(),
            F::Name => it.name.clone().unwrap_or_else(|| it.id.clone()).into(),
            F::Brand => it.brand.clone().into(),
            F::Category => it.category.clone().into(),
            F::Price => it.price.into(),
            F::Stock => it.stock.into(),
            F::LowStock => it.stock.is_some_and(|n| n >= 1.0 && n <= self.config.low_stock).into(),
            F::InStock => in_stock.into(),
            F::InCart => {
                let pages = &self.shared.cart_pages;
                (s.cart_qty > 0.0 || !pages.is_empty() && crate::capture::item_page(it).is_some_and(|p| pages.contains(&p)))
                    .into()
            }
            F::OnPage => self.on_page.into(),
            F::Favorite => s.favorite_at.is_some().into(),
            F::FavoriteBrand => it.brand.as_ref().is_some_and(|b| self.profile.favorite_brands.contains(b)).into(),
            F::Notify => s.notify_at.is_some().into(),
            F::BackInStock => (s.notify_at.is_some() && in_stock == Some(true)).into(),
            F::Views => s.view_count.into(),
            F::Views7d => (s.views_within(env.now, 7 * DAY_MS) as u32).into(),
            F::DaysSinceView => days_between(s.views.last().copied(), env),
            F::FirstPrice => s.first_price.into(),
            F::LowestPrice => s.lowest_price.into(),
            F::ReferencePrice => self.reference().into(),
            F::PriceDrop => self.drop().map(|d| d.0).into(),
            F::PriceDropPct => self.drop().map_or(0.0, |d| d.1).into(),
            F::CartAddedAt => s.cart_added_at.into(),
            F::MinutesSinceCartAdd => s.cart_added_at.map(|t| ((env.now - t) / 60_000) as f64).into(),
            F::DaysSincePurchase => days_between(s.purchased_at, env),
            F::PurchaseCount => s.purchase_count.into(),
            F::ReleaseDays => days_between(it.release_date.as_deref().and_then(|d| parse_iso(d, env.utc_offset_min)), env),
            F::NearestStore => nearest_store(s, self.config, self.profile, env),
            F::WaitingFor => {
                let same_line = |w: &&&ItemState| {
                    w.item.id != it.id
                        && ((w.item.category.is_some() && w.item.category == it.category)
                            || (w.item.brand.is_some() && w.item.brand == it.brand))
                };
                self.shared.waiting.iter().find(same_line).map(|w| w.item.id.clone()).into()
            }
            F::Stores => it.stores.as_ref().map_or(Value::Null, |stores| {
                Value::Object(stores.iter().map(|(id, n)| (id.clone(), Value::Number(*n))).collect())
            }),
            F::Url => it.url.as_deref().and_then(safe_link).map_or(Value::Null, Value::from),
            F::Image => it.image.as_deref().and_then(safe_link).map_or(Value::Null, Value::from),
            F::NearestStoreId
            | F::NearestStoreName
            | F::NearestStoreDistanceKm
            | F::NearestStoreStock
            | F::NearestStorePickup => {
                nearest(s, self.config, self.profile, env).map_or(Value::Null, |(store, stock, distance)| match field {
                    F::NearestStoreId => store.id.as_str().into(),
                    F::NearestStoreName => store.name.as_str().into(),
                    F::NearestStoreDistanceKm => distance.map(rounded_km).into(),
                    F::NearestStoreStock => stock.into(),
                    _ => store.pickup.into(),
                })
            }
        }
    }

    /// Every field: what `{{item.*}}` renders from and `explain` shows.
    fn to_value(&self) -> Value {
        let mut fields: Vec<(String, Value)> = Vec::with_capacity(ItemField::OWN);
        for (i, f) in ItemField::ALL[..ItemField::OWN].iter().copied().enumerate() {
            let v = self.get(f);
            // `stores`, `url` and `image` only when the item has them.
            if i < ITEM_CONTEXT.len() || !v.is_null() {
                fields.push((f.name().to_string(), v));
            }
        }
        Value::Object(fields)
    }
}

impl Fields for ItemView<'_> {
    fn lookup(&self, path: &str) -> Cow<'_, Value> {
        // Most paths are a field's name: no search for a '.' first.
        if let Some(f) = ItemField::from_name(path) {
            return Cow::Owned(self.get(f));
        }
        match crate::text::split_once(path, b'.') {
            None => Cow::Owned(Value::Null),
            Some((head, rest)) => Cow::Owned(get_path(&self.field(head), rest).clone()),
        }
    }

    fn lookup_slot(&self, slot: u16, path: &str) -> Cow<'_, Value> {
        match ItemField::ALL.get(usize::from(slot)) {
            Some(field) => Cow::Owned(self.get(*field)),
            None => self.lookup(path),
        }
    }
}

/// What a subject draws from: an item of the profile or the page, or a coupon.
enum Candidate<'a> {
    Item(ItemView<'a>),
    Coupon(Value),
}

impl Candidate<'_> {
    /// The top-level field `key` (what `subject.order` sorts by), in `slot` for an item
    /// ([`item_slot`]).
    fn top(&self, key: &str, slot: Option<u16>) -> Value {
        match self {
            Candidate::Item(view) => slot.map_or(Value::Null, |s| view.lookup_slot(s, key).into_owned()),
            Candidate::Coupon(v) => v.get(key).cloned().unwrap_or(Value::Null),
        }
    }

    /// The whole context, for the message about it.
    fn to_value(&self) -> Value {
        match self {
            Candidate::Item(view) => view.to_value(),
            Candidate::Coupon(v) => v.clone(),
        }
    }
}

impl Fields for Candidate<'_> {
    fn lookup(&self, path: &str) -> Cow<'_, Value> {
        match self {
            Candidate::Item(view) => view.lookup(path),
            Candidate::Coupon(v) => v.lookup(path),
        }
    }

    fn lookup_slot(&self, slot: u16, path: &str) -> Cow<'_, Value> {
        match self {
            Candidate::Item(view) => view.lookup_slot(slot, path),
            Candidate::Coupon(v) => v.lookup(path),
        }
    }
}

fn coupon_context(profile: &Profile, env: &Env) -> Vec<Value> {
    profile
        .coupons
        .iter()
        .map(|c| {
            let expires = date_value(&c.expires_at, env);
            object([
                ("id", c.id.as_str().into()),
                ("name", c.id.as_str().into()),
                ("amount", c.amount.into()),
                ("expires_at", expires.into()),
                ("expires_in_days", expires.map(|t| calendar_days(env.now, t, env.utc_offset_min) as f64).into()),
                ("used", c.used.into()),
            ])
        })
        .collect()
}

/// The visitor/page/time context the `audience` conditions see (`states`: the page's item
/// states, and the items waited for, made once per decision).
fn visitor_context(config: &Config, profile: &Profile, page: &Page, env: &Env, states: &States) -> Value {
    let traits = &profile.traits;
    let trait_time = |k: &str| traits.get(k).and_then(|v| date_value(v, env));
    let last_purchase = profile.last_purchase_at.max(trait_time("last_purchase_at"));
    let first_purchase = match (profile.first_purchase_at, trait_time("first_purchase_at")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let purchase_count =
        f64::from(profile.purchase_count).max(traits.get("purchase_count").and_then(Value::as_f64).unwrap_or(0.0));
    let today = civil(env.now, env.utc_offset_min);
    let birthday_month =
        traits.get("birthday").and_then(Value::as_str).and_then(|b| crate::text::digits(b.get(..2)?)).map(|m| m as u32);
    let cart: Vec<&ItemState> = profile.cart().collect();
    let cart_value = cart.iter().map(|s| s.item.price.unwrap_or(0.0) * s.cart_qty).sum::<f64>();
    let strings = |it: &mut dyn Iterator<Item = Option<String>>| {
        let mut out: Vec<Value> = Vec::new();
        for s in it.flatten() {
            let v = Value::from(s);
            if !out.contains(&v) {
                out.push(v);
            }
        }
        Value::Array(out)
    };
    let purchased = || profile.items.values().filter(|s| s.purchased_at.is_some());
    // Source, medium and campaign, one per line ([`crate::runtime::Runtime::set_traffic`]).
    let mut lines = crate::text::split(&profile.session.traffic, b'\n');
    let mut traffic = || Value::from(lines.next().unwrap_or_default());
    let points = profile.points.as_ref().map_or(Value::Null, |p| {
        let expires = date_value(&p.expires_at, env);
        object([
            ("balance", p.balance.into()),
            ("expiring", p.expiring.into()),
            ("expires_in_days", expires.map(|t| calendar_days(env.now, t, env.utc_offset_min) as f64).into()),
        ])
    });
    let page_item = states
        .page
        .first()
        .map_or(Value::Null, |state| ItemView { state, config, profile, env, shared: &states.shared, on_page: true }.to_value());
    object([
        (
            "visitor",
            object([
                ("sessions", profile.sessions.into()),
                ("visits", profile.sessions.into()),
                ("member", traits.get("member").and_then(Value::as_bool).unwrap_or(false).into()),
                ("purchase_count", purchase_count.into()),
                ("days_since_first_purchase", days_between(first_purchase, env)),
                ("days_since_last_purchase", days_between(last_purchase, env)),
                ("is_birthday_month", (birthday_month == Some(today.month)).into()),
                ("segments", traits.get("segments").cloned().unwrap_or(Value::Array(Vec::new()))),
                ("subscription", traits.get("subscription").and_then(Value::as_bool).unwrap_or(false).into()),
                ("session_source", traffic()),
                ("session_medium", traffic()),
                ("session_campaign", traffic()),
                ("cart_size", (cart.len() as u32).into()),
                ("cart_value", cart_value.into()),
                ("free_shipping_remaining", config.free_shipping.map(|t| (t - cart_value).max(0.0)).into()),
                ("cart_categories", strings(&mut cart.iter().map(|s| s.item.category.clone()))),
                ("purchased_categories", strings(&mut purchased().map(|s| s.item.category.clone()))),
                ("purchased_ids", strings(&mut purchased().map(|s| Some(s.item.id.clone())))),
                ("favorite_brands", Value::Array(profile.favorite_brands.iter().map(|b| Value::from(b.as_str())).collect())),
                ("favorite_store", profile.favorite_store.clone().into()),
                ("page_views_7d", (profile.page_views.iter().filter(|t| env.now - **t <= 7 * DAY_MS).count() as u32).into()),
                (
                    "minutes_since_cart_add",
                    cart.iter().filter_map(|s| s.cart_added_at).max().map(|t| ((env.now - t) / 60_000) as f64).into(),
                ),
                ("coupon_count", (profile.coupons.iter().filter(|c| !c.used).count() as u32).into()),
                ("traits", traits.clone()),
            ]),
        ),
        (
            "page",
            object([
                ("url", page.url.as_str().into()),
                ("path", page.path.as_str().into()),
                ("type", if page.items.is_empty() { "other" } else { "product" }.into()),
                ("device", env.device.into()),
                ("item", page_item),
            ]),
        ),
        (
            "time",
            object([
                ("hour", today.hour.into()),
                ("weekday", WEEKDAYS[today.weekday].into()),
                ("date", crate::time::iso_date(today.year, today.month, today.day).into()),
                ("month", today.month.into()),
                ("day", today.day.into()),
            ]),
        ),
        ("coupons", Value::Array(coupon_context(profile, env))),
        ("points", points),
    ])
}

/// A page item with what the profile knows about it; the page's data is the freshest.
fn page_state(profile: &Profile, it: &Item) -> ItemState {
    let mut s = profile.state_of(it).cloned().unwrap_or_default();
    s.item = it.clone();
    s
}

/// The item states a [`Contexts`] borrows: made first, so that its candidates can point into them.
struct States<'a> {
    /// What item views read of the rest of the profile.
    shared: Shared<'a>,
    /// The page's items with what the profile knows of them ([`page_state`]).
    page: Vec<ItemState>,
}

impl<'a> States<'a> {
    fn new(profile: &'a Profile, page: &Page) -> States<'a> {
        States { shared: Shared::new(profile), page: page.items.iter().map(|it| page_state(profile, it)).collect() }
    }
}

/// Contexts computed at most once per [`decide`] call and shared by every scenario.
struct Contexts<'a> {
    config: &'a Config,
    profile: &'a Profile,
    page: &'a Page,
    env: &'a Env<'a>,
    visitor: Value,
    shared: &'a Shared<'a>,
    /// The page's items with what the profile knows of them ([`page_state`]).
    page_states: &'a [ItemState],
    /// Candidates, each made once: profile items first (in `profile.items` order), then page
    /// items and coupons as their collections are first used.
    pool: Vec<Candidate<'a>>,
    /// Whether the profile items are in `pool` yet.
    profile_built: bool,
    /// Per collection, indexes into `pool`; built on first use.
    collections: [Option<Vec<usize>>; 8],
}

impl<'a> Contexts<'a> {
    /// The visitor context now; items are added lazily, once each.
    fn new(config: &'a Config, profile: &'a Profile, page: &'a Page, env: &'a Env<'a>, states: &'a States<'a>) -> Contexts<'a> {
        Contexts {
            config,
            profile,
            page,
            env,
            visitor: visitor_context(config, profile, page, env, states),
            shared: &states.shared,
            page_states: &states.page,
            pool: Vec::new(),
            profile_built: false,
            collections: Default::default(),
        }
    }

    /// How templates render here: the site's locale, currency and UTC offset, and the shell's
    /// formatter.
    fn style(&self) -> Style<'_> {
        Style { format: &self.config.format, offset_min: self.env.utc_offset_min, formatter: self.env.formatter }
    }

    fn view(&self, state: &'a ItemState, on_page: bool) -> Candidate<'a> {
        let (config, profile, env, shared) = (self.config, self.profile, self.env, self.shared);
        Candidate::Item(ItemView { state, config, profile, env, shared, on_page })
    }

    fn items(&mut self, from: Collection) -> Vec<usize> {
        if let Some(idx) = &self.collections[from as usize] {
            return idx.clone();
        }
        let (profile, page, env) = (self.profile, self.page, self.env);
        let start = self.pool.len();
        let idx: Vec<usize> = match from {
            Collection::Coupons => {
                self.pool.extend(coupon_context(profile, env).into_iter().map(Candidate::Coupon));
                (start..self.pool.len()).collect()
            }
            Collection::Page => {
                for state in self.page_states {
                    let view = self.view(state, true);
                    self.pool.push(view);
                }
                (start..self.pool.len()).collect()
            }
            _ => {
                if !self.profile_built {
                    // Profile items always sit at the front of the pool.
                    let on_page = |s: &ItemState| page.items.iter().any(|i| i.id == s.item.id);
                    let built: Vec<Candidate<'a>> = profile.items.values().map(|s| self.view(s, on_page(s))).collect();
                    self.pool.splice(0..0, built);
                    let shift = profile.items.len();
                    for idx in self.collections.iter_mut().flatten() {
                        idx.iter_mut().for_each(|i| *i += shift);
                    }
                    self.profile_built = true;
                }
                profile
                    .items
                    .values()
                    .enumerate()
                    .filter(|(_, s)| match from {
                        Collection::Cart => s.cart_qty > 0.0,
                        Collection::Favorites => s.favorite_at.is_some(),
                        Collection::Viewed => s.view_count > 0,
                        Collection::Purchased => s.purchased_at.is_some(),
                        Collection::Notify => s.notify_at.is_some(),
                        _ => true,
                    })
                    .map(|(i, _)| i)
                    .collect()
            }
        };
        self.collections[from as usize] = Some(idx.clone());
        idx
    }
}

/// `*` matches any run of characters; everything else literally.
fn glob_match(pattern: &str, text: &str) -> bool {
    let mut parts = crate::text::split(pattern, b'*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else { return false };
    let parts: Vec<&str> = parts.collect();
    for (i, part) in parts.iter().enumerate() {
        if i + 1 == parts.len() {
            return rest.ends_with(part);
        }
        match crate::text::find(rest, part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

fn schedule_blocks(s: &Schedule, env: &Env) -> Option<&'static str> {
    let now = civil(env.now, env.utc_offset_min);
    if s.days.as_ref().is_some_and(|d| !d.contains(&now.weekday)) {
        return Some("days");
    }
    if let Some((from, to)) = s.hours {
        let h = now.hour;
        let inside = if from <= to { h >= from && h < to } else { h >= from || h < to };
        if !inside {
            return Some("hours");
        }
    }
    if s.from.as_deref().and_then(|d| parse_iso(d, env.utc_offset_min)).is_some_and(|t| env.now < t) {
        return Some("from");
    }
    let until = s.until.as_deref().and_then(|d| parse_until(d, env.utc_offset_min));
    if until.is_some_and(|t| env.now >= t) {
        return Some("until");
    }
    None
}

/// Which cap of `caps` blocks one more showing, given showing times `shown` (ms).
fn cap_blocks(caps: &Caps, shown: &[i64], profile: &Profile, env: &Env, on_page: u32) -> Option<&'static str> {
    let today = calendar_days(0, env.now, env.utc_offset_min);
    let count = |f: &dyn Fn(i64) -> bool| shown.iter().filter(|t| f(**t)).count() as u32;
    let over = |cap: Option<u32>, n: u32| cap.is_some_and(|c| n >= c);
    if over(caps.per_page, on_page) {
        return Some("per_page");
    }
    if over(caps.per_session, count(&|t| t >= profile.session.started_at)) {
        return Some("per_session");
    }
    if over(caps.per_day, count(&|t| calendar_days(0, t, env.utc_offset_min) == today)) {
        return Some("per_day");
    }
    if over(caps.per_visitor, shown.len() as u32) {
        return Some("per_visitor");
    }
    let last = shown.iter().max().copied();
    if let (Some(days), Some(last)) = (caps.cooldown_days, last) {
        if (env.now - last) < (days * DAY_MS as f64) as i64 {
            return Some("per_visitor_days");
        }
    }
    if let (Some(gap), Some(last)) = (caps.min_gap_s, last) {
        if (env.now - last) < (gap * 1000.0) as i64 {
            return Some("min_gap_s");
        }
    }
    None
}

/// The subject a scenario is about, and the stores to choose from when it needs one.
struct Pick {
    item: Value,
    stores: Vec<(String, f64)>,
}

/// The stores that would make `item` satisfy `subject`, each with its stock of the item, when
/// the shopper could choose one: the subject reads `nearest_store`, and neither the shopper's
/// position (nor one on its way) nor a favorite store is known.
fn store_choices(item: &Candidate, subject: &crate::config::Subject, cx: &Contexts) -> Vec<(String, f64)> {
    let (config, env) = (cx.config, cx.env);
    let known = env.location.is_some() || env.locating || cx.profile.favorite_store.is_some();
    if config.stores.is_empty() || known || !subject.filter.reads("nearest_store") {
        return Vec::new();
    }
    let item = item.to_value();
    let mut out = Vec::new();
    for s in &config.stores {
        if let Some((with, n)) = at_store(&item, s) {
            if subject.filter.eval_with_groups(&with, &config.saved_groups) {
                out.push((s.id.clone(), n));
            }
        }
    }
    out
}

/// `item` as it would be with `store` as its `nearest_store`, and its stock there; `None` when
/// that store has none of it.
fn at_store(item: &Value, store: &Store) -> Option<(Value, f64)> {
    let n = item.get("stores")?.get(&store.id).and_then(Value::as_f64).filter(|n| *n > 0.0)?;
    let mut with = item.clone();
    with.set("nearest_store", store_value(store, n, None));
    Some((with, n))
}

/// The subject a scenario found: a candidate of the pool (made into a whole context only for a
/// message that is shown), and the stores to choose from when it needs one.
struct Found {
    candidate: usize,
    stores: Vec<(String, f64)>,
}

impl Found {
    fn pick(self, cx: &Contexts) -> Pick {
        Pick { item: cx.pool[self.candidate].to_value(), stores: self.stores }
    }
}

/// Evaluates one scenario: the subject item it would be about (`None` for scenarios without a
/// subject), or why it does not apply.
fn evaluate(sc: &Scenario, cx: &mut Contexts) -> Result<Option<Found>, Verdict> {
    let page = cx.page;
    let triggered = sc.trigger.on.iter().any(|t| page.events.contains(t))
        && (sc.trigger.paths.is_empty() || sc.trigger.paths.iter().any(|g| glob_match(g, &page.path)));
    if !triggered {
        return Err(Verdict::NotTriggered { waiting_for: sc.trigger.on.iter().chain(&sc.trigger.paths).cloned().collect() });
    }
    if let Some(rule) = schedule_blocks(&sc.schedule, cx.env) {
        return Err(Verdict::Schedule { rule });
    }
    let groups = &cx.config.saved_groups;
    if let Some((path, actual)) = sc.audience.first_failure_with_groups(&cx.visitor, groups) {
        return Err(Verdict::Audience { path, actual });
    }
    let Some(subject) = &sc.subject else { return Ok(None) };
    let idx = cx.items(subject.from);
    let candidates = idx.len();
    let mut matching: Vec<usize> = idx.iter().copied().filter(|&i| subject.filter.eval_fields(&cx.pool[i], groups)).collect();
    // Nothing matches without a store: the items that would match with one the shopper picks.
    let mut choices = Vec::new();
    if matching.is_empty() {
        for &i in &idx {
            let stores = store_choices(&cx.pool[i], subject, cx);
            if !stores.is_empty() {
                matching.push(i);
                choices.push((i, stores));
            }
        }
    }
    if let Some((key, desc)) = &subject.order {
        let slot = item_slot(key);
        let mut keyed: Vec<(Value, usize)> = matching.iter().map(|&i| (cx.pool[i].top(key, slot), i)).collect();
        crate::sort::sort_by(&mut keyed, |a, b| {
            let o = cmp_values(Some(&a.0), Some(&b.0));
            if *desc {
                o.reverse()
            } else {
                o
            }
        });
        matching = keyed.into_iter().map(|(_, i)| i).collect();
    }
    match matching.into_iter().take(subject.limit).next() {
        Some(first) => {
            let stores = choices.into_iter().find(|(i, _)| *i == first).map(|c| c.1).unwrap_or_default();
            Ok(Some(Found { candidate: first, stores }))
        }
        None => Err(Verdict::NoSubject { collection: subject.from.name(), candidates }),
    }
}

/// Renders the winning scenario's message for its subject item (or its store picker).
fn render_decision(sc: &Scenario, pick: Option<Pick>, cx: &Contexts) -> Decision {
    let (item, stores) = pick.map_or((None, Vec::new()), |p| (Some(p.item), p.stores));
    let item_id = item.as_ref().and_then(|i| i.get("id")).and_then(Value::as_str).map(str::to_string);
    // The visitor's context with the message's own values laid over it, not copied into it.
    // Without an item, `item` and `store` are null: read as missing, as in the visitor's own.
    let item_value = item.as_ref().unwrap_or(&Value::Null);
    let store = item_value.at_path("nearest_store");
    let layers = [("links", &cx.config.links), ("params", &sc.params), ("item", item_value), ("store", store)];
    let ctx = Scope { base: &cx.visitor, layers: &layers };
    let (variant, message) = pick_variant(sc, &cx.profile.visitor_id);
    let mut d = render(sc, message, variant, item_id, &ctx, cx);
    if !stores.is_empty() {
        let ja = cx.config.format.ja();
        let item_name = ctx.get_path("item.name").and_then(Value::as_str).unwrap_or("");
        d.title = match &message.choose {
            Some(t) => t.render_in(&ctx, &cx.style()),
            None if ja => crate::text::concat(&[item_name, "：受け取り・ご相談の店舗をお選びください"]),
            None => crate::text::concat(&[item_name, ": choose your store"]),
        };
        // Text written for a known store ({{store.*}}) has no store to name yet.
        d.body = None;
        d.cta = None;
        let name = |id: &str| cx.config.stores.iter().find(|s| s.id == id).map_or_else(|| id.to_string(), |s| s.name.clone());
        d.picker = Some(StorePicker {
            stores: stores
                .iter()
                .map(|(id, n)| {
                    // Not `format!`: the widget carries no formatting machinery.
                    let count = crate::json::number_text(*n);
                    let label = if ja {
                        crate::text::concat(&[name(id).as_str(), "（在庫 ", &count, "点）"])
                    } else {
                        crate::text::concat(&[name(id).as_str(), " (", &count, " in stock)"])
                    };
                    (id.clone(), label)
                })
                .collect(),
        });
    }
    d
}

/// The variant this visitor sees: stable across pages and devices' clocks (GrowthBook hash v2).
fn pick_variant<'a>(sc: &'a Scenario, visitor_id: &str) -> (Option<String>, &'a Message) {
    if sc.variants.is_empty() {
        return (None, &sc.message);
    }
    let weights: Vec<f64> = sc.variants.iter().map(|v| v.1).collect();
    let ranges = bucket_ranges(weights.len() as i64, Some(1.0), Some(&weights));
    let n = hash(&sc.id, visitor_id, 2).unwrap_or(0.0);
    let i = choose_variation(n, &ranges).unwrap_or(0);
    (Some(sc.variants[i].0.clone()), &sc.variants[i].2)
}

fn render(sc: &Scenario, m: &Message, variant: Option<String>, item_id: Option<String>, ctx: &Scope, cx: &Contexts) -> Decision {
    let s = &cx.style();
    let cta = m.cta.as_ref().and_then(|(label, url)| {
        let label = label.render_in(ctx, s);
        let url = safe_link(&url.render_in(ctx, s))?;
        (!label.trim().is_empty()).then_some((label, url))
    });
    Decision {
        scenario_id: sc.id.clone(),
        variant,
        item_id,
        placement: m.placement.as_str(),
        target: m.placement.target().map(str::to_string),
        title: m.title.render_in(ctx, s),
        body: m.body.as_ref().map(|b| b.render_in(ctx, s)).filter(|b| !b.trim().is_empty()),
        cta,
        image: m.image.as_ref().map(|i| i.render_in(ctx, s)).filter(|i| !i.trim().is_empty()).and_then(|i| safe_link(&i)),
        delay_ms: sc.trigger.delay_ms,
        picker: None,
    }
}

/// Orders JSON values: numbers and strings by value, missing last.
fn cmp_values(a: Option<&Value>, b: Option<&Value>) -> std::cmp::Ordering {
    use std::cmp::Ordering::*;
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => x.partial_cmp(y).unwrap_or(Equal),
        (Some(Value::String(x)), Some(Value::String(y))) => x.cmp(y),
        (Some(Value::Null) | None, Some(Value::Null) | None) => Equal,
        (Some(Value::Null) | None, _) => Greater,
        (_, Some(Value::Null) | None) => Less,
        _ => Equal,
    }
}

/// One scenario's message rendered now, for a marketer's preview (`?shopcue_preview=<id>`):
/// trigger, schedule, audience, caps and dismissals are ignored. The subject is the first item
/// of its collection that matches its `where`, else the first item of the collection, else
/// `sample` (an item context built from sample data). `None` for an unknown scenario id.
pub fn preview(
    config: &Config,
    profile: &Profile,
    page: &Page,
    env: &Env,
    scenario_id: &str,
    sample: &Value,
) -> Option<Decision> {
    let sc = config.scenarios.iter().find(|s| s.id == scenario_id)?;
    let states = States::new(profile, page);
    let mut cx = Contexts::new(config, profile, page, env, &states);
    let item = sc.subject.as_ref().map(|subject| {
        let idx = cx.items(subject.from);
        let all: Vec<&Candidate> = idx.iter().map(|&i| &cx.pool[i]).collect();
        let matching = all.iter().find(|c| subject.filter.eval_fields(**c, &config.saved_groups));
        let item = matching.or(all.first()).map_or_else(|| sample.clone(), |c| c.to_value());
        Pick { item, stores: Vec::new() }
    });
    Some(render_decision(sc, item, &cx))
}

/// Scenario `scenario_id`'s message about item `item_id` again, now that a store is known: the
/// one the shopper chose in its picker (`store_id`), else the nearest one from their position.
/// `None` when the item does not satisfy the subject with that store (or is gone).
pub fn with_store(
    config: &Config,
    profile: &Profile,
    page: &Page,
    env: &Env,
    scenario_id: &str,
    item_id: &str,
    store_id: Option<&str>,
) -> Option<Decision> {
    let sc = config.scenarios.iter().find(|s| s.id == scenario_id)?;
    let subject = sc.subject.as_ref()?;
    let states = States::new(profile, page);
    let mut cx = Contexts::new(config, profile, page, env, &states);
    let idx = cx.items(subject.from);
    let mut item =
        idx.iter().map(|&i| &cx.pool[i]).find(|c| c.top("id", Some(ItemField::Id as u16)).as_str() == Some(item_id))?.to_value();
    if let Some(id) = store_id {
        item = at_store(&item, config.stores.iter().find(|s| s.id == id)?)?.0;
    }
    subject
        .filter
        .eval_with_groups(&item, &config.saved_groups)
        .then(|| render_decision(sc, Some(Pick { item, stores: Vec::new() }), &cx))
}

/// Arbitrates the scenarios for this page. Highest priority first (config order breaks ties);
/// a scenario must be triggered, in schedule, pass its audience and find a subject; then it must
/// not be dismissed, capped (its own caps, then the global ones), or beaten in its exclusion
/// group. A visitor in its holdout is recorded as control and shown nothing — and the group
/// stays open for the next scenario, as it would be without this one.
///
/// A scenario that could not be shown whatever its conditions say (its own cap reached, its
/// group taken, a global cap reached) is not evaluated, and its holdout records nothing: its
/// verdict names what blocks it. [`explain`] evaluates every scenario instead; both show the
/// same messages and hold out the same scenarios.
///
/// ```
/// use shopcue::{config::Config, engine::{decide, Env, Page}, event::Event, json::parse, profile::Profile};
/// let config = Config::parse(r#"{"version":1,"site":"s","scenarios":[{"preset":"page_low_stock"}]}"#).unwrap();
/// let view = Event::parse("view_item", &parse(r#"{"items":[{"item_id":"a","item_name":"Tee","stock":2}]}"#).unwrap()).unwrap();
/// let page = Page { events: vec!["page_view".into(), "view_item".into()], items: view.items.clone(), ..Page::default() };
/// let out = decide(&config, &Profile::default(), &page, &Env::at(0));
/// assert_eq!(out.shown[0].title, "残りわずか：Teeは残り2点です");
/// ```
pub fn decide(config: &Config, profile: &Profile, page: &Page, env: &Env) -> Outcome {
    arbitrate(config, profile, page, env, false)
}

/// [`decide`], with every scenario evaluated: a blocked scenario's verdict is why its
/// conditions fail, when they do, and what blocks it only when they hold (for `explain`, the
/// debug console and the playground).
///
/// ```
/// use shopcue::{config::Config, engine::{explain, Env, Page, Verdict}, profile::Profile};
/// let config = Config::parse(r#"{"version":1,"site":"s","scenarios":[{"preset":"page_low_stock"}]}"#).unwrap();
/// let out = explain(&config, &Profile::default(), &Page::default(), &Env::at(0));
/// assert!(matches!(out.explanations[0].verdict, Verdict::NotTriggered { .. }));
/// ```
pub fn explain(config: &Config, profile: &Profile, page: &Page, env: &Env) -> Outcome {
    arbitrate(config, profile, page, env, true)
}

fn arbitrate(config: &Config, profile: &Profile, page: &Page, env: &Env, evaluate_all: bool) -> Outcome {
    let mut order: Vec<&Scenario> = config.scenarios.iter().collect();
    crate::sort::sort_by(&mut order, |a, b| b.priority.partial_cmp(&a.priority).unwrap_or(std::cmp::Ordering::Equal));
    let mut out = Outcome::default();
    // Groups already taken on this page (by earlier messages) or now.
    let mut taken: Vec<(String, String)> = config
        .scenarios
        .iter()
        .filter(|s| page.shown.contains(&s.id))
        .filter_map(|s| Some((s.group.clone()?, s.id.clone())))
        .collect();
    let shown_ever: Vec<i64> = profile.shown.values().flatten().copied().collect();
    let mut on_page = page.shown.len() as u32;
    let states = States::new(profile, page);
    let mut cx = Contexts::new(config, profile, page, env, &states);
    for sc in order {
        let verdict = if page.shown.contains(&sc.id) || page.held.contains(&sc.id) {
            Verdict::AlreadyShown
        } else if profile.dismissed.contains_key(&sc.id) {
            Verdict::Dismissed
        } else {
            // What would keep it from being shown if it qualified, in the order checked: its own
            // caps, its group, then the global caps. A visitor in its holdout is held out only
            // where it would have been shown: the control group is the visitors the treatment
            // reaches, not also those a cap keeps it from (that would bias the uplift).
            let own = profile.shown.get(&sc.id).map_or(&[][..], Vec::as_slice);
            let blocked = cap_blocks(&sc.caps, own, profile, env, 0)
                .map(|cap| Verdict::Cap { cap })
                .or_else(|| {
                    let g = sc.group.as_ref()?;
                    let (group, winner) = taken.iter().find(|(tg, _)| tg == g)?;
                    Some(Verdict::GroupTaken { group: group.clone(), winner: winner.clone() })
                })
                .or_else(|| cap_blocks(&config.caps, &shown_ever, profile, env, on_page).map(|cap| Verdict::GlobalCap { cap }));
            let held = blocked.is_none()
                && sc.holdout > 0.0
                && hash(&crate::text::concat(&["holdout:", sc.id.as_str()]), &profile.visitor_id, 2)
                    .is_some_and(|n| n < sc.holdout);
            match (blocked, evaluate_all) {
                (Some(v), false) => v,
                (blocked, _) => match (evaluate(sc, &mut cx), blocked) {
                    (Err(v), _) | (Ok(_), Some(v)) => v,
                    (Ok(_), None) if held => {
                        out.holdouts.push(sc.id.clone());
                        Verdict::Holdout
                    }
                    (Ok(item), None) => {
                        if let Some(g) = &sc.group {
                            taken.push((g.clone(), sc.id.clone()));
                        }
                        on_page += 1;
                        out.shown.push(render_decision(sc, item.map(|found| found.pick(&cx)), &cx));
                        Verdict::Shown
                    }
                },
            }
        };
        out.explanations.push(Explanation { scenario_id: sc.id.clone(), priority: sc.priority, verdict });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;
    use crate::json::parse;

    const CONFIG: &str = r#"{"version":1,"site":"s","locale":"en-US","links":{"cart":"/cart.html"},
        "scenarios":[{"preset":"page_low_stock"},{"preset":"cart_low_stock"}]}"#;

    fn ev(name: &str, json: &str) -> Event {
        Event::parse(name, &parse(json).unwrap()).unwrap()
    }

    fn page(events: &[&str], items: Vec<Item>) -> Page {
        Page { events: events.iter().map(|e| e.to_string()).collect(), items, path: "/".into(), ..Page::default() }
    }

    fn reasons(out: &Outcome) -> Vec<(String, String)> {
        out.explanations
            .iter()
            .map(|e| (e.scenario_id.clone(), e.verdict.to_value().get("reason").and_then(Value::as_str).unwrap().to_string()))
            .collect()
    }

    #[test]
    fn item_slots_name_every_field_once() {
        for (i, f) in ItemField::ALL.iter().copied().enumerate() {
            assert_eq!((f as usize, item_slot(f.name())), (i, Some(i as u16)), "{}", f.name());
        }
        assert_eq!(&ItemField::ALL[..ITEM_CONTEXT.len()].iter().map(|f| f.name()).collect::<Vec<_>>()[..], ITEM_CONTEXT);
        assert_eq!(item_slot("nearest_store.stock"), Some(ItemField::NearestStoreStock as u16));
        assert_eq!((ItemField::OWN, ItemField::ALL.len()), (ITEM_CONTEXT.len() + 3, ITEM_NAMES.len()));
    }

    /// The audience context has exactly the fields the compiler lets a condition name
    /// (`template::VISITOR_FIELDS` & co., which `fields::known` checks): a field added to the
    /// engine and not to the lists would be refused in every config, and one in the lists that
    /// the engine does not set would compare a missing value.
    #[test]
    fn the_audience_context_has_the_fields_the_compiler_knows() {
        use crate::bench::{config_text, env, profile_of_1000_events};
        use crate::template::{PAGE_FIELDS, POINTS_FIELDS, TIME_FIELDS, VISITOR_FIELDS};
        let config = Config::parse(&config_text()).unwrap();
        let mut profile = profile_of_1000_events();
        profile.points = Some(crate::profile::Points { balance: 1200.0, expiring: 300.0, expires_at: Value::from("2026-12-31") });
        let env = env();
        let page = page(&["page_view"], Vec::new());
        let cx = visitor_context(&config, &profile, &page, &env, &States::new(&profile, &page));
        let keys = |root: &str| {
            let mut keys: Vec<&str> = match root {
                "" => cx.as_object(),
                _ => cx.get(root).and_then(Value::as_object),
            }
            .unwrap()
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
            keys.sort_unstable();
            keys
        };
        let listed = |fields: &[&'static str], extra: &[&'static str]| {
            let mut all = [fields, extra].concat();
            all.sort_unstable();
            all
        };
        assert_eq!(keys(""), ["coupons", "page", "points", "time", "visitor"]);
        assert_eq!(keys("visitor"), listed(VISITOR_FIELDS, &["visits"]));
        assert_eq!(keys("page"), listed(PAGE_FIELDS, &["item"]));
        assert_eq!(keys("time"), listed(TIME_FIELDS, &[]));
        assert_eq!(keys("points"), listed(POINTS_FIELDS, &[]));
        for root in ["visitor", "page", "time", "points"] {
            for field in keys(root) {
                let path = [root, ".", field].concat();
                assert!(crate::fields::known(&path, crate::fields::Scope::Audience), "{path}");
            }
        }
    }

    /// Subject conditions read item fields by slot: every one of the benchmark's 50 scenarios
    /// (all presets among them) decides every item of a 1,000-event profile exactly as it does
    /// reading them by name.
    #[test]
    fn conditions_read_by_slot_decide_as_by_name() {
        use crate::bench::{config_text, env, profile_of_1000_events};
        let config = Config::parse(&config_text()).unwrap();
        let profile = profile_of_1000_events();
        let env = env();
        let shared = Shared::new(&profile);
        let mut compared = 0;
        for sc in &config.scenarios {
            let Some(subject) = sc.subject.as_ref().filter(|s| s.from != crate::config::Collection::Coupons) else { continue };
            let mut by_name = subject.filter.clone();
            by_name.resolve(&|_| None);
            for (n, state) in profile.items.values().enumerate() {
                let view =
                    ItemView { state, config: &config, profile: &profile, env: &env, shared: &shared, on_page: n % 5 == 0 };
                assert_eq!(
                    subject.filter.eval_fields(&view, &config.saved_groups),
                    by_name.eval_fields(&view, &config.saved_groups),
                    "{} on {}",
                    sc.id,
                    state.item.id
                );
                compared += 1;
            }
        }
        assert!(compared > 40 * profile.items.len(), "{compared}");
    }

    /// `decide` leaves scenarios that could not be shown unevaluated; over the benchmark's 50
    /// scenarios with page caps of 50, 3 and 1 (the default, also with caps per visitor and a
    /// minimum gap), holdouts, visitors, earlier messages and pages, it shows exactly what
    /// `explain` (every scenario evaluated) shows, holds out the same scenarios, and its verdicts
    /// differ only where a blocked scenario's conditions fail.
    #[test]
    fn scenarios_that_cannot_be_shown_are_not_evaluated_and_change_nothing() {
        use crate::bench::{config_text, env, page, profile_of_1000_events};
        let blocker = |v: &Verdict| matches!(v, Verdict::Cap { .. } | Verdict::GroupTaken { .. } | Verdict::GlobalCap { .. });
        let (mut skipped, mut held, mut shown) = (0, 0, 0);
        for caps in [r#"{"per_page":50}"#, r#"{"per_page":3}"#, r#"{}"#, r#"{"per_visitor":4,"min_gap_s":60}"#] {
            for holdout in ["0", "0.3"] {
                let text =
                    config_text().replacen(r#""caps":{"per_page":3}"#, &format!(r#""caps":{caps},"holdout":{holdout}"#), 1);
                let config = Config::parse(&text).unwrap();
                for visitor in ["v1", "v2", "v3"] {
                    let mut profile = profile_of_1000_events();
                    profile.visitor_id = visitor.into();
                    let env = env();
                    let pages = [page(), Page { events: vec!["page_view".into()], path: "/".into(), ..Page::default() }];
                    for (n, mut page) in pages.into_iter().enumerate() {
                        // A second round: what the first showed is on the page and in the history.
                        for _ in 0..2 {
                            let fast = decide(&config, &profile, &page, &env);
                            let full = explain(&config, &profile, &page, &env);
                            let case = format!("caps {caps}, holdout {holdout}, {visitor}, page {n}");
                            assert_eq!(fast.shown, full.shown, "{case}");
                            assert_eq!(fast.holdouts, full.holdouts, "{case}");
                            assert_eq!(fast.explanations.len(), full.explanations.len(), "{case}");
                            for (f, e) in fast.explanations.iter().zip(&full.explanations) {
                                assert_eq!(f.scenario_id, e.scenario_id, "{case}");
                                if f.verdict != e.verdict {
                                    assert!(blocker(&f.verdict), "{case}: {} {:?} vs {:?}", f.scenario_id, f.verdict, e.verdict);
                                    assert!(
                                        !matches!(e.verdict, Verdict::Shown | Verdict::Holdout) && !blocker(&e.verdict),
                                        "{case}"
                                    );
                                    skipped += 1;
                                }
                            }
                            held += fast.holdouts.len();
                            shown += fast.shown.len();
                            for d in &fast.shown {
                                profile.record_shown(&d.scenario_id, env.now - 120_000);
                                page.shown.push(d.scenario_id.clone());
                            }
                            page.held.extend(fast.holdouts);
                        }
                    }
                }
            }
        }
        assert!(skipped > 500 && held > 5 && shown > 50, "skipped {skipped}, held out {held}, shown {shown}");
    }

    /// A visitor in a scenario's holdout is recorded as control only where the scenario would
    /// have been shown: on a page whose cap another message took, treatment and holdout alike
    /// record nothing, so the control group is the visitors the treatment reaches (recording it
    /// past the cap had put into it visitors no treatment reaches: a biased uplift, and more
    /// control exposures than the holdout's share). Where the cap is free, about half of the
    /// visitors are held out, as configured.
    #[test]
    fn a_holdout_records_only_where_the_scenario_would_have_been_shown() {
        let config = Config::parse(
            r#"{"version":1,"site":"s","caps":{"per_page":1},"scenarios":[
                {"id":"a","priority":2,"trigger":{"on":"page_view","path":"/a"},"message":{"title":"A"}},
                {"id":"b","priority":1,"holdout":0.5,"trigger":{"on":"page_view"},"message":{"title":"B"}}]}"#,
        )
        .unwrap();
        let (mut held, mut shown) = (0, 0);
        for n in 0..40 {
            let profile = Profile { visitor_id: format!("visitor-{n}"), ..Profile::default() };
            let capped = Page { path: "/a".into(), ..page(&["page_view"], vec![]) };
            for out in [decide(&config, &profile, &capped, &Env::at(0)), explain(&config, &profile, &capped, &Env::at(0))] {
                assert_eq!(out.shown.iter().map(|d| d.scenario_id.as_str()).collect::<Vec<_>>(), ["a"]);
                assert!(matches!(out.explanations[1].verdict, Verdict::GlobalCap { cap: "per_page" }), "visitor-{n}");
                assert!(out.holdouts.is_empty(), "visitor-{n}: held out where B could not have been shown");
            }
            let free = page(&["page_view"], vec![]);
            let out = decide(&config, &profile, &free, &Env::at(0));
            match &out.explanations[1].verdict {
                Verdict::Holdout => held += usize::from(out.holdouts == ["b"] && out.shown.is_empty()),
                Verdict::Shown => shown += usize::from(out.holdouts.is_empty()),
                other => panic!("{other:?}"),
            }
        }
        assert!(held > 10 && shown > 10 && held + shown == 40, "held {held}, shown {shown}");
    }

    #[test]
    fn page_low_stock_fires_only_for_stock_1_to_3() {
        let config = Config::parse(CONFIG).unwrap();
        let profile = Profile::default();
        for (stock, fires) in [(0.0, false), (1.0, true), (3.0, true), (4.0, false)] {
            let view = ev("view_item", &format!(r#"{{"items":[{{"item_id":"a","item_name":"Tee","stock":{stock}}}]}}"#));
            let out = decide(&config, &profile, &page(&["page_view", "view_item"], view.items), &Env::at(0));
            assert_eq!(out.shown.len(), usize::from(fires), "stock {stock}");
        }
        let view = ev("view_item", r#"{"items":[{"item_id":"a","item_name":"Tee","stock":2}]}"#);
        let out = decide(&config, &profile, &page(&["page_view", "view_item"], view.items), &Env::at(0));
        assert_eq!(out.shown[0].title, "Only 2 left: Tee");
        assert_eq!(out.shown[0].item_id.as_deref(), Some("a"));
    }

    #[test]
    fn cart_low_stock_uses_the_freshest_stock_and_arbitrates() {
        let config = Config::parse(CONFIG).unwrap();
        let mut profile = Profile::default();
        profile.apply(&ev("add_to_cart", r#"{"items":[{"item_id":"a","item_name":"Tee","stock":8}]}"#), 0);
        let out = decide(&config, &profile, &page(&["page_view"], vec![]), &Env::at(10));
        assert!(out.shown.is_empty());
        assert_eq!(out.explanations[1].verdict, Verdict::NoSubject { collection: "cart", candidates: 1 });
        profile.update_catalog(&ev("view_item", r#"{"items":[{"item_id":"a","stock":2}]}"#).items, 20);
        let out = decide(&config, &profile, &page(&["page_view"], vec![]), &Env::at(30));
        assert_eq!(out.shown[0].scenario_id, "cart_low_stock");
        assert_eq!(out.shown[0].cta, Some(("View cart".into(), "/cart.html".into())));
        assert_eq!(reasons(&out)[0].1, "not_triggered");

        // Both eligible on a product page: one message, the higher priority one, the other explained.
        let view = ev("view_item", r#"{"items":[{"item_id":"b","item_name":"Cap","stock":1}]}"#);
        let out = decide(&config, &profile, &page(&["page_view", "view_item"], view.items), &Env::at(40));
        assert_eq!(out.shown.len(), 1);
        assert_eq!(out.shown[0].scenario_id, "page_low_stock");
        assert_eq!(out.explanations[1].verdict, Verdict::GroupTaken { group: "stock".into(), winner: "page_low_stock".into() });
    }

    #[test]
    fn dismissed_and_already_shown_stay_hidden() {
        let config = Config::parse(CONFIG).unwrap();
        let mut profile = Profile::default();
        profile.apply(&ev("add_to_cart", r#"{"items":[{"item_id":"a","stock":1}]}"#), 0);
        let mut p = page(&["page_view"], vec![]);
        p.shown.push("cart_low_stock".into());
        assert!(decide(&config, &profile, &p, &Env::at(1)).shown.is_empty());
        profile.dismissed.insert("cart_low_stock".into(), 1);
        let out = decide(&config, &profile, &page(&["page_view"], vec![]), &Env::at(2));
        assert!(out.shown.is_empty());
        assert_eq!(out.explanations[1].verdict, Verdict::Dismissed);
    }

    #[test]
    fn unsafe_links_never_reach_a_message() {
        let mut config =
            Config::parse(r#"{"version":1,"site":"s","links":{"cart":"/cart"},"scenarios":[{"preset":"cart_low_stock"}]}"#)
                .unwrap();
        // Publishing refuses such a link; a runtime config edited by hand is not checked again.
        config.links = crate::json::parse(r#"{"cart":"javascript:alert(1)"}"#).unwrap();
        let mut profile = Profile::default();
        profile.apply(&ev("add_to_cart", r#"{"items":[{"item_id":"a","stock":1}]}"#), 0);
        let out = decide(&config, &profile, &page(&["page_view"], vec![]), &Env::at(1));
        assert_eq!(out.shown[0].cta, None);
        assert_eq!(out.shown[0].image, None, "no image template, no image");
    }

    fn custom(extra: &str) -> Config {
        Config::parse(&format!(
            r#"{{"version":1,"site":"s","locale":"en-US","caps":{{"per_page":5}},"scenarios":[{{"id":"x","message":{{"title":"hi"}}{extra}}}]}}"#
        ))
        .unwrap()
    }

    #[test]
    fn schedules_follow_the_site_clock() {
        // 2026-11-27 is a Friday; 19:30 in Tokyo is 10:30 UTC.
        let friday_evening = parse_iso("2026-11-27T19:30", 540).unwrap();
        let env = |t| Env { utc_offset_min: 540, ..Env::at(t) };
        let c = custom(r#","schedule":{"days":["fri","sat"],"hours":[19,24],"from":"2026-11-01","until":"2026-11-30"}"#);
        let p = page(&["page_view"], vec![]);
        let profile = Profile::default();
        assert_eq!(decide(&c, &profile, &p, &env(friday_evening)).shown.len(), 1);
        let why = |t| decide(&c, &profile, &p, &env(t)).explanations[0].verdict.clone();
        assert_eq!(why(friday_evening - 3 * 3_600_000), Verdict::Schedule { rule: "hours" });
        assert_eq!(why(friday_evening - 2 * DAY_MS), Verdict::Schedule { rule: "days" });
        assert_eq!(why(friday_evening + 7 * DAY_MS), Verdict::Schedule { rule: "until" });
        assert_eq!(why(friday_evening - 28 * DAY_MS), Verdict::Schedule { rule: "from" });
        // Until a date includes that whole day: Sunday the 30th is out by day, not by date.
        assert_eq!(why(parse_iso("2026-11-30T20:00", 540).unwrap()), Verdict::Schedule { rule: "days" });
    }

    #[test]
    fn caps_and_cooldowns() {
        let c = custom(r#","caps":{"per_session":2,"per_visitor_days":7}"#);
        let mut profile = Profile::default();
        profile.session.started_at = 0;
        let p = page(&["page_view"], vec![]);
        assert_eq!(decide(&c, &profile, &p, &Env::at(10)).shown.len(), 1);
        profile.record_shown("x", 10);
        let out = decide(&c, &profile, &p, &Env::at(20));
        assert_eq!(out.explanations[0].verdict, Verdict::Cap { cap: "per_visitor_days" });
        assert_eq!(decide(&c, &profile, &p, &Env::at(10 + 7 * DAY_MS)).shown.len(), 1);
        profile.record_shown("x", 10 + 7 * DAY_MS);
        let out = decide(&c, &profile, &p, &Env::at(20 + 14 * DAY_MS));
        assert_eq!(out.explanations[0].verdict, Verdict::Cap { cap: "per_session" });

        let global = Config::parse(
            r#"{"version":1,"site":"s","caps":{"per_page":1,"min_gap_s":30},"scenarios":[{"id":"a","message":{"title":"a"}},{"id":"b","message":{"title":"b"}}]}"#,
        )
        .unwrap();
        let mut profile = Profile::default();
        let out = decide(&global, &profile, &p, &Env::at(100_000));
        assert_eq!(reasons(&out), [("a".into(), "shown".into()), ("b".into(), "global_cap".into())]);
        profile.record_shown("a", 100_000);
        let out = decide(&global, &profile, &page(&["page_view"], vec![]), &Env::at(110_000));
        assert_eq!(out.explanations[1].verdict, Verdict::GlobalCap { cap: "min_gap_s" });
    }

    #[test]
    fn variants_are_stable_per_visitor_and_split_by_weight() {
        let c = custom(r#","variants":[{"id":"a","weight":50},{"id":"b","weight":50,"message":{"title":"B"}}]"#);
        let p = page(&["page_view"], vec![]);
        let mut counts = [0, 0];
        for i in 0..2000 {
            let profile = Profile { visitor_id: format!("visitor-{i}"), ..Profile::default() };
            let first = decide(&c, &profile, &p, &Env::at(0)).shown[0].clone();
            let again = decide(&c, &profile, &p, &Env::at(DAY_MS)).shown[0].clone();
            assert_eq!(first.variant, again.variant, "sticky");
            let b = first.variant.as_deref() == Some("b");
            assert_eq!(first.title, if b { "B" } else { "hi" });
            counts[usize::from(b)] += 1;
        }
        assert!((900..1100).contains(&counts[0]), "{counts:?}");
    }

    #[test]
    fn holdout_shows_nothing_records_control_and_leaves_the_group_open() {
        let c = Config::parse(
            r#"{"version":1,"site":"s","caps":{"per_page":3},"scenarios":[
                {"id":"big","priority":9,"group":"g","holdout":0.5,"message":{"title":"big"}},
                {"id":"small","priority":1,"group":"g","message":{"title":"small"}}]}"#,
        )
        .unwrap();
        let p = page(&["page_view"], vec![]);
        let (mut held, mut total) = (0, 0);
        for i in 0..1000 {
            let profile = Profile { visitor_id: format!("v{i}"), ..Profile::default() };
            let out = decide(&c, &profile, &p, &Env::at(0));
            total += 1;
            if out.holdouts == ["big"] {
                held += 1;
                assert_eq!(out.shown.iter().map(|d| d.scenario_id.as_str()).collect::<Vec<_>>(), ["small"]);
                assert_eq!(out.explanations[0].verdict, Verdict::Holdout);
            } else {
                assert_eq!(out.shown[0].scenario_id, "big");
                assert_eq!(out.explanations[1].verdict, Verdict::GroupTaken { group: "g".into(), winner: "big".into() });
            }
        }
        assert!((400..600).contains(&held), "{held} of {total} held out");
    }

    #[test]
    fn saved_groups_reach_audiences_and_subjects() {
        let c = Config::parse(
            r#"{"version":1,"site":"s","saved_groups":{"staff":["visitor-7"],"house":["Kinari"]},"caps":{"per_page":3},"scenarios":[
                {"id":"staff","audience":{"visitor.traits.id":{"$inGroup":"staff"}},"message":{"title":"hi staff"}},
                {"id":"brand","subject":{"from":"viewed","where":{"brand":{"$inGroup":"house"}}},"message":{"title":"{{item.name}}"}}]}"#,
        )
        .unwrap();
        let mut profile = Profile::default();
        profile.identify(&[("id".into(), Value::from("visitor-7"))]);
        profile.apply(&ev("view_item", r#"{"items":[{"item_id":"a","item_name":"Shirt","item_brand":"Kinari"}]}"#), 0);
        let out = decide(&c, &profile, &page(&["page_view"], vec![]), &Env::at(1));
        assert_eq!(out.shown.iter().map(|d| d.title.as_str()).collect::<Vec<_>>(), ["hi staff", "Shirt"]);
        profile.identify(&[("id".into(), Value::from("visitor-8"))]);
        let out = decide(&c, &profile, &page(&["page_view"], vec![]), &Env::at(1));
        assert_eq!(
            out.explanations[0].verdict,
            Verdict::Audience { path: "visitor.traits.id".into(), actual: "visitor-8".into() }
        );
    }

    #[test]
    fn trigger_paths_and_globs() {
        let c = custom(r#","trigger":{"on":"page_view","path":["/products/*","/sale"],"delay_ms":3000}"#);
        let profile = Profile::default();
        let at = |path: &str| {
            let mut p = page(&["page_view"], vec![]);
            p.path = path.into();
            decide(&c, &profile, &p, &Env::at(0)).shown
        };
        assert_eq!(at("/products/tee-1.html")[0].delay_ms, 3000);
        assert_eq!(at("/sale").len(), 1);
        assert!(at("/sale/x").is_empty());
        assert!(at("/cart").is_empty());
        assert!(glob_match("/a/*/b*", "/a/x/y/bz"));
        assert!(!glob_match("/a/*/b", "/a/x/c"));
    }

    #[test]
    fn nearest_store_by_location_or_favorite() {
        let c = Config::parse(
            r#"{"version":1,"site":"s","locale":"en-US","stores":[
                {"id":"shibuya","name":"Shibuya","lat":35.659,"lon":139.700,"pickup":true},
                {"id":"ginza","name":"Ginza","lat":35.672,"lon":139.765,"pickup":true}],
              "scenarios":[{"id":"pick","subject":{"from":"page","where":{"nearest_store.stock":{"$gte":1}}},
                "message":{"title":"{{store.name}} {{item.nearest_store.distance_km|km}}"}}]}"#,
        )
        .unwrap();
        let view = ev("view_item", r#"{"items":[{"item_id":"a","stores":{"shibuya":0,"ginza":2}}]}"#);
        let p = page(&["page_view", "view_item"], view.items.clone());
        let mut profile = Profile::default();
        // No position and no favorite store: the shopper is asked to choose one that has it.
        let chooser = decide(&c, &profile, &p, &Env::at(0)).shown.remove(0);
        assert_eq!(chooser.title, "a: choose your store");
        let picker = chooser.picker.unwrap();
        assert_eq!(picker.stores, [("ginza".to_string(), "Ginza (2 in stock)".to_string())]);
        let chosen = with_store(&c, &profile, &p, &Env::at(0), "pick", "a", Some("ginza")).unwrap();
        assert_eq!((chosen.title.as_str(), chosen.picker), ("Ginza ", None));
        assert!(with_store(&c, &profile, &p, &Env::at(0), "pick", "a", Some("shibuya")).is_none(), "none in stock there");
        let near_shibuya = Env { location: Some((35.658, 139.7016)), ..Env::at(0) };
        assert_eq!(decide(&c, &profile, &p, &near_shibuya).shown[0].title, "Ginza 5.9 km", "Shibuya has none in stock");
        profile.favorite_store = Some("ginza".into());
        assert_eq!(decide(&c, &profile, &p, &Env::at(0)).shown[0].title, "Ginza ");
    }

    #[test]
    fn choose_your_store_lists_only_the_stores_that_satisfy_the_scenario() {
        let c = Config::parse(
            r#"{"version":1,"site":"s","stores":[
                {"id":"shibuya","name":"渋谷店","lat":35.659,"lon":139.700,"pickup":true},
                {"id":"outlet","name":"アウトレット店","lat":35.0,"lon":139.0,"pickup":false},
                {"id":"umeda","name":"梅田店","lat":34.702,"lon":135.496,"pickup":true}],
              "scenarios":[{"preset":"nearest_store_pickup"},{"id":"plain","subject":{"from":"page","where":{"stock":{"$gte":1}}},
                "message":{"title":"{{item.name}}"}}]}"#,
        )
        .unwrap();
        let view = ev(
            "view_item",
            r#"{"items":[{"item_id":"tee","item_name":"Tシャツ","price":2980,"stock":5,"stores":{"shibuya":2,"outlet":9,"umeda":0}}]}"#,
        );
        let p = page(&["page_view", "view_item"], view.items.clone());
        let out = decide(&c, &Profile::default(), &p, &Env::at(0));
        let pickup = out.shown.iter().find(|d| d.scenario_id == "nearest_store_pickup").unwrap();
        assert_eq!(pickup.title, "Tシャツは店舗受取なら今日受け取れます：店舗をお選びください");
        assert_eq!((pickup.body.as_deref(), &pickup.cta), (None, &None), "text written for a known store waits");
        let picker = pickup.picker.as_ref().unwrap();
        assert_eq!(
            picker.stores,
            [("shibuya".to_string(), "渋谷店（在庫 2点）".to_string())],
            "no pickup at the outlet, none in Umeda"
        );
        let chosen =
            with_store(&c, &Profile::default(), &p, &Env::at(0), "nearest_store_pickup", "tee", Some("shibuya")).unwrap();
        assert_eq!(chosen.title, "渋谷店に在庫あり：店舗受取なら今日受け取れます");
        let locating = Env { locating: true, ..Env::at(0) };
        assert!(
            decide(&c, &Profile::default(), &p, &locating).shown.iter().all(|d| d.picker.is_none()),
            "a position is on its way"
        );
        // A scenario that does not read nearest_store never asks for a store.
        let Config { scenarios, .. } = &c;
        assert!(!scenarios[1].subject.as_ref().unwrap().filter.reads("nearest_store"));
        // An expensive item is not for pickup, with or without a store: no picker.
        let view = ev("view_item", r#"{"items":[{"item_id":"tv","price":198000,"stores":{"shibuya":2}}]}"#);
        let out = decide(&c, &Profile::default(), &page(&["page_view", "view_item"], view.items), &Env::at(0));
        assert!(out.shown.iter().all(|d| d.picker.is_none()));
    }
}
