//! The shopper's local profile: what they viewed, carted, favorited and bought, kept in the
//! browser only. Events update it; the engine reads it. Stored as versioned JSON.

use crate::event::{Event, Item};
use crate::id::{uuid_v4, Entropy};
use crate::json::{object, parse, Members, Value};
use crate::map::Map;

/// Version of the stored profile format.
pub const PROFILE_VERSION: u32 = 1;
/// `MIGRATIONS[i]` turns a stored profile of version `i + 1` into version `i + 2`, so a
/// profile of any earlier version is brought up to [`PROFILE_VERSION`] step by step when read.
/// Changing the format means bumping the version and appending a step here, with a test.
pub const MIGRATIONS: [fn(&mut Value); PROFILE_VERSION as usize - 1] = [];
/// Inactivity that ends a session (GA4's default).
pub const SESSION_TIMEOUT_MS: i64 = 30 * 60 * 1000;
/// View timestamps kept per item (enough for "viewed 3 times in 7 days" style rules).
pub const MAX_VIEW_TIMES: usize = 20;
/// Items kept; beyond this the least valuable (viewed-only, oldest) are forgotten first.
pub const MAX_ITEMS: usize = 300;
/// Items forgotten together, beyond the excess, when new ones pass [`MAX_ITEMS`].
pub const FORGET_AT_ONCE: usize = MAX_ITEMS / 20;
/// Page-view times kept (for "20 page views in 7 days" style rules).
pub const MAX_PAGE_VIEWS: usize = 100;
/// Coupons kept.
pub const MAX_COUPONS: usize = 20;
/// Order ids (`transaction_id`s) kept, against counting one purchase twice.
pub const MAX_ORDERS: usize = 20;
/// Why a stored profile was not read ([`Profile::read`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unread {
    /// Corrupt JSON, no version, or wrong shapes.
    Unreadable,
    /// Written by a newer Shopcue (this format version).
    Newer(u32),
}

/// Largest stored profile (bytes of JSON); beyond it the least valuable items go first.
pub const MAX_PROFILE_BYTES: usize = 48 * 1024;
/// An item only ever viewed is forgotten this long after it was last seen.
pub const VIEWED_TTL_MS: i64 = 90 * DAY_MS;
/// An item favorited or carted (not bought) is forgotten this long after it was last seen.
pub const KEPT_TTL_MS: i64 = 365 * DAY_MS;
/// A bought item is forgotten this long after its last purchase (dormancy rules look back
/// up to a year and a half).
pub const PURCHASED_TTL_MS: i64 = 730 * DAY_MS;
const DAY_MS: i64 = 86_400_000;

/// A coupon the shopper holds (`coupon` event).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Coupon {
    /// The site's coupon id.
    pub id: String,
    /// Discount amount (currency units), if known.
    pub amount: Option<f64>,
    /// Expiry as given: ISO date/date-time text or Unix ms; read in the site's time zone.
    pub expires_at: Value,
    /// Already used.
    pub used: bool,
}

/// The shopper's loyalty points (`points` event).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Points {
    /// Current balance.
    pub balance: f64,
    /// Points that expire at `expires_at`.
    pub expiring: f64,
    /// When they expire, as given.
    pub expires_at: Value,
}

/// What the profile knows about one product.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ItemState {
    /// Latest known product data (name, price, stock …), merged from every event.
    pub item: Item,
    /// First price seen.
    pub first_price: Option<f64>,
    /// Lowest price seen.
    pub lowest_price: Option<f64>,
    /// When the stock/price data was last refreshed (ms).
    pub seen_at: i64,
    /// Recent view times (ms), newest last, at most [`MAX_VIEW_TIMES`].
    pub views: Vec<i64>,
    /// Total number of views.
    pub view_count: u32,
    /// Quantity in the cart (0 = not in cart).
    pub cart_qty: f64,
    /// When it was last added to the cart (ms).
    pub cart_added_at: Option<i64>,
    /// Price when it was last added to the cart.
    pub cart_price: Option<f64>,
    /// When it was favorited (ms); `None` when not a favorite.
    pub favorite_at: Option<i64>,
    /// Price when it was favorited.
    pub favorite_price: Option<f64>,
    /// When it was last bought (ms).
    pub purchased_at: Option<i64>,
    /// Times bought.
    pub purchase_count: u32,
    /// When the shopper asked to be told about a restock (`notify_me`).
    pub notify_at: Option<i64>,
}

/// The current browsing session.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Session {
    /// Random session id.
    pub id: String,
    /// When it started (ms).
    pub started_at: i64,
    /// Last activity (ms).
    pub last_at: i64,
    /// Where the visit came from: its source, medium and campaign, one per line
    /// ([`crate::runtime::Runtime::set_traffic`]), taken as it starts; `""` where the shell did
    /// not say.
    pub traffic: String,
}

/// Everything Shopcue remembers about one shopper, in their browser.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Profile {
    /// Random first-party visitor id.
    pub visitor_id: String,
    /// When the visitor was first seen (ms).
    pub created_at: i64,
    /// Number of sessions.
    pub sessions: u32,
    /// The current session.
    pub session: Session,
    /// Products by `item_id`.
    pub items: Map<ItemState>,
    /// Purchases (orders) seen.
    pub purchase_count: u32,
    /// First purchase (ms).
    pub first_purchase_at: Option<i64>,
    /// Last purchase (ms).
    pub last_purchase_at: Option<i64>,
    /// Scenario id → when the shopper dismissed its message (ms).
    pub dismissed: Map<i64>,
    /// Scenario id → recent showing times (ms), newest last, for frequency caps.
    pub shown: Map<Vec<i64>>,
    /// Member traits from `identify` (an object).
    pub traits: Value,
    /// Coupons held.
    pub coupons: Vec<Coupon>,
    /// Loyalty points, when the site reports them.
    pub points: Option<Points>,
    /// Favorite brands (`favorite_brand`).
    pub favorite_brands: Vec<String>,
    /// Favorite store id (`favorite_store`).
    pub favorite_store: Option<String>,
    /// Recent page-view times (ms), newest last.
    pub page_views: Vec<i64>,
    /// The `transaction_id`s of the last [`MAX_ORDERS`] purchases, newest last: a purchase
    /// already counted is not counted again ([`Profile::ordered`]).
    pub orders: Vec<String>,
    /// When the product feed was last applied (ms; 0 = never).
    pub feed_at: i64,
}

impl Profile {
    /// A new, empty profile with a fresh visitor id.
    pub fn new(now: i64, entropy: &mut dyn Entropy) -> Profile {
        Profile { visitor_id: uuid_v4(entropy), created_at: now, ..Profile::default() }
    }

    /// Starts a new session when none is running or the last one timed out, which came from
    /// `traffic` (source, medium and campaign, one per line: what the page that starts it says,
    /// [`crate::runtime::Runtime::set_traffic`]). Returns `true` when a new session began.
    pub fn touch(&mut self, now: i64, entropy: &mut dyn Entropy, traffic: &str) -> bool {
        let expired =
            self.session.id.is_empty() || now - self.session.last_at > SESSION_TIMEOUT_MS || now < self.session.started_at;
        if expired {
            self.session = Session { id: uuid_v4(entropy), started_at: now, last_at: now, traffic: traffic.to_string() };
            self.sessions += 1;
        } else {
            self.session.last_at = now;
        }
        expired
    }

    /// Whether `purchase` params name an order this profile already counted (its
    /// `transaction_id`): a thank-you page reloaded, opened again from the history, or a site
    /// that pushes both a GA4 and a Universal Analytics purchase. GA4 counts such an order once
    /// too. A purchase without a `transaction_id` cannot be told apart and always counts.
    pub fn ordered(&self, params: &Value) -> bool {
        crate::event::order_id(params).is_some_and(|t| self.orders.contains(&t))
    }

    /// Folds one validated event into the profile.
    ///
    /// ```
    /// use shopcue::{event::Event, json::parse, profile::Profile};
    /// let mut p = Profile::default();
    /// let e = Event::parse("add_to_cart", &parse(r#"{"items":[{"item_id":"t1","price":1980,"stock":2}]}"#).unwrap()).unwrap();
    /// p.apply(&e, 1_000);
    /// assert_eq!(p.items["t1"].cart_qty, 1.0);
    /// ```
    pub fn apply(&mut self, event: &Event, now: i64) {
        // The cart page lists what the cart holds (GA4's `view_cart`): what it does not list has
        // left the cart, wherever that happened (another device, a checkout Shopcue never saw);
        // what it lists is in it, since when Shopcue saw it added, else since now (an item that
        // had left the cart before counts from now, not from when it was first added).
        if event.name == "view_cart" && event.params.get("items").is_some() {
            for s in self.items.values_mut() {
                if s.cart_qty == 0.0 {
                    (s.cart_added_at, s.cart_price) = (None, None);
                }
                s.cart_qty = 0.0;
            }
        }
        for item in &event.items {
            let key = self.key_for(item);
            let state = self.items.entry_or_default(&key);
            state.merge(item, now);
            match event.name.as_str() {
                "view_item" => {
                    state.view_count += 1;
                    state.views.push(now);
                    let excess = state.views.len().saturating_sub(MAX_VIEW_TIMES);
                    state.views.drain(..excess);
                }
                "add_to_cart" => {
                    state.cart_qty += item.quantity.unwrap_or(1.0);
                    state.cart_added_at = Some(now);
                    state.cart_price = state.item.price;
                }
                "view_cart" => {
                    state.cart_qty += item.quantity.unwrap_or(1.0);
                    state.cart_added_at.get_or_insert(now);
                    state.cart_price = state.cart_price.or(state.item.price);
                }
                "remove_from_cart" => {
                    state.cart_qty = (state.cart_qty - item.quantity.unwrap_or(state.cart_qty)).max(0.0);
                }
                "add_to_wishlist" => {
                    state.favorite_at.get_or_insert(now);
                    state.favorite_price = state.item.price;
                }
                "remove_from_wishlist" => state.favorite_at = None,
                "purchase" => {
                    state.purchased_at = Some(now);
                    state.purchase_count += 1;
                    state.cart_qty = 0.0;
                }
                "notify_me" => state.notify_at = Some(now),
                _ => {}
            }
        }
        let p = &event.params;
        let text = |k: &str| p.get(k).and_then(Value::as_str).map(str::to_string);
        let amount = |k: &str| p.get(k).and_then(|v| crate::event::parse_amount(v).ok());
        match event.name.as_str() {
            "purchase" => {
                self.purchase_count += 1;
                self.first_purchase_at.get_or_insert(now);
                self.last_purchase_at = Some(now);
                if let Some(order) = crate::event::order_id(p) {
                    remember(&mut self.orders, order, MAX_ORDERS);
                }
                if let Some(used) = text("coupon") {
                    self.coupons.iter_mut().filter(|c| c.id == used).for_each(|c| c.used = true);
                }
            }
            "page_view" => {
                self.page_views.push(now);
                let excess = self.page_views.len().saturating_sub(MAX_PAGE_VIEWS);
                self.page_views.drain(..excess);
            }
            "coupon" => {
                let coupon = Coupon {
                    id: text("coupon_id").unwrap_or_default(),
                    amount: amount("amount"),
                    expires_at: p.get("expires_at").cloned().unwrap_or_default(),
                    used: p.get("used").and_then(Value::as_bool).unwrap_or(false),
                };
                self.coupons.retain(|c| c.id != coupon.id);
                self.coupons.push(coupon);
                let excess = self.coupons.len().saturating_sub(MAX_COUPONS);
                self.coupons.drain(..excess);
            }
            "points" => {
                self.points = Some(Points {
                    balance: amount("balance").unwrap_or(0.0),
                    expiring: amount("expiring").unwrap_or(0.0),
                    expires_at: p.get("expires_at").cloned().unwrap_or_default(),
                })
            }
            "favorite_brand" => {
                if let Some(b) = text("brand").filter(|b| !self.favorite_brands.contains(b)) {
                    remember(&mut self.favorite_brands, b, 20);
                }
            }
            "favorite_store" => self.favorite_store = text("store_id"),
            _ => {}
        }
        self.forget_excess();
    }

    /// What the profile holds for `item`'s product: under its id, else — an item named by its
    /// page's address — under the id of the item whose page that is ([`Profile::apply`]).
    pub fn state_of(&self, item: &Item) -> Option<&ItemState> {
        self.items.get(&item.id).or_else(|| self.items.get(self.alias(item)?))
    }

    /// The id under which the profile knows the product of an `item` named by its link (how a
    /// list's card names a product it gives no sku for, on EC-CUBE and BigCommerce: its page's
    /// address), when another item links to that page.
    fn alias(&self, item: &Item) -> Option<&str> {
        let link = item.url.as_ref().filter(|u| **u == item.id)?;
        let found = self.items.iter().find(|(k, s)| s.item.url.as_ref() == Some(link) && *k != link);
        found.map(|(key, _)| key.as_str())
    }

    /// The key [`Profile::apply`] folds `item` into. A product named by its page's address and
    /// by an id of its own that links to that page (a list card's add, then its product page's
    /// view with its sku) is one item, under its own id: an item named by its link goes to the
    /// item that links there ([`Profile::alias`]), and an item with an id of its own, new to the
    /// profile, takes over what the profile held under its link.
    fn key_for(&mut self, item: &Item) -> String {
        if let Some(key) = self.alias(item) {
            return key.to_string();
        }
        if let Some(s) = item.url.as_deref().and_then(|link| self.items.rename(link, &item.id)) {
            s.item.id.clone_from(&item.id);
        }
        item.id.clone()
    }

    /// Refreshes product data (price, stock …) without counting any shopper action. Unknown
    /// items are kept too (they feed "new arrival" and "alternatives" scenarios), as the least
    /// valuable entries of the profile.
    pub fn update_catalog(&mut self, items: &[Item], now: i64) {
        for item in items {
            self.items.entry_or_default(&item.id).merge(item, now);
        }
        self.forget_excess();
    }

    /// Refreshes product data (price, stock, stores …) of items already in the profile, from a
    /// feed; unknown items are ignored and nothing counts as "seen" by the shopper.
    pub fn refresh_known(&mut self, items: &[Item]) {
        for item in items {
            if let Some(state) = self.items.get_mut(&item.id) {
                let seen = state.seen_at;
                state.merge(item, seen);
            }
        }
    }

    /// Merges member traits from `identify` (`member`, `purchase_count`, `birthday`, `segments` …).
    pub fn identify(&mut self, traits: &[(String, Value)]) {
        if !matches!(self.traits, Value::Object(_)) {
            self.traits = Value::Object(Vec::new());
        }
        for (k, v) in traits.iter().take(50) {
            self.traits.set(k, v.clone());
        }
    }

    /// Records that scenario `id` was shown at `now` (kept for caps, bounded).
    pub fn record_shown(&mut self, id: &str, now: i64) {
        let times = self.shown.entry_or_default(id);
        times.push(now);
        let excess = times.len().saturating_sub(50);
        times.drain(..excess);
    }

    /// Items currently in the cart.
    pub fn cart(&self) -> impl Iterator<Item = &ItemState> {
        self.items.values().filter(|s| s.cart_qty > 0.0)
    }

    /// Makes room when the items pass [`MAX_ITEMS`]: down to [`MAX_ITEMS`] − [`FORGET_AT_ONCE`],
    /// so that a long-time shopper's profile, full, pays one pass over its items for every
    /// [`FORGET_AT_ONCE`] + 1 new ones instead of one pass for each.
    fn forget_excess(&mut self) {
        let excess = self.items.len().saturating_sub(MAX_ITEMS);
        if excess > 0 {
            self.forget_least_valuable(excess + FORGET_AT_ONCE);
        }
    }

    /// Forgets `n` items, least valuable first: viewed-only before favorites, cart and
    /// purchases; within each, the longest unseen first. One pass over the items, whatever `n`
    /// (the `n` least valuable so far are kept in order), and one to remove them.
    fn forget_least_valuable(&mut self, n: usize) {
        if n == 0 {
            return;
        }
        let mut least: Vec<((u8, i64, &String), usize)> = Vec::with_capacity(n + 1);
        for (i, (id, s)) in self.items.iter().enumerate() {
            let weight = if s.cart_qty > 0.0 || s.purchased_at.is_some() { 2 } else { u8::from(s.favorite_at.is_some()) };
            let key = (weight, s.seen_at, id);
            if least.len() == n && least.last().is_some_and(|(last, _)| key >= *last) {
                continue;
            }
            least.push((key, i));
            crate::sort::sort_by(&mut least, |a, b| a.0.cmp(&b.0));
            least.truncate(n);
        }
        let mut gone = vec![false; self.items.len()];
        for (_, i) in least {
            gone[i] = true;
        }
        let mut gone = gone.into_iter();
        self.items.retain(|_, _| !gone.next().unwrap_or(false));
    }

    /// Expires by age (at each page view): items viewed only after [`VIEWED_TTL_MS`],
    /// favorites and cart after [`KEPT_TTL_MS`], purchases after [`PURCHASED_TTL_MS`] — each
    /// counted from when the item was last seen or bought — and page views older than 90 days.
    pub fn compact(&mut self, now: i64) {
        self.items.retain(|_, s| {
            let kept = s.cart_qty > 0.0 || s.favorite_at.is_some() || s.notify_at.is_some();
            match s.purchased_at {
                Some(bought) => now - bought.max(s.seen_at) <= PURCHASED_TTL_MS,
                None if kept => now - s.seen_at <= KEPT_TTL_MS,
                None => now - s.seen_at <= VIEWED_TTL_MS,
            }
        });
        self.page_views.retain(|t| now - t <= VIEWED_TTL_MS);
    }

    /// Serializes for storage within `max_bytes`: when too large, the least valuable tenth of
    /// the items goes, again until it fits (purchases and cart outlive views).
    pub fn to_json_within(&mut self, max_bytes: usize) -> String {
        let mut json = self.to_json();
        while json.len() > max_bytes && !self.items.is_empty() {
            self.forget_least_valuable(self.items.len().div_ceil(10));
            json = self.to_json();
        }
        json
    }

    /// Sizes and counts for `explain()`: stored bytes, items by kind, page views, coupons.
    pub fn stats(&self) -> Value {
        let count = |f: &dyn Fn(&ItemState) -> bool| (self.items.values().filter(|s| f(s)).count() as u32).into();
        object([
            ("bytes", (self.to_json().len() as u32).into()),
            ("items", (self.items.len() as u32).into()),
            ("cart", count(&|s| s.cart_qty > 0.0)),
            ("favorites", count(&|s| s.favorite_at.is_some())),
            ("purchased", count(&|s| s.purchased_at.is_some())),
            ("page_views", (self.page_views.len() as u32).into()),
            ("coupons", (self.coupons.len() as u32).into()),
            ("sessions", self.sessions.into()),
        ])
    }

    /// Serializes for storage, written straight to text ([`Members`]).
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(256 + 320 * self.items.len());
        let mut p = Members::open(&mut out);
        p.number("v", f64::from(PROFILE_VERSION));
        p.string("visitor_id", &self.visitor_id);
        p.number("created_at", self.created_at as f64);
        p.number("sessions", f64::from(self.sessions));
        let mut session = Members::open(p.key("session"));
        session.string("id", &self.session.id);
        session.number("started_at", self.session.started_at as f64);
        session.number("last_at", self.session.last_at as f64);
        session.string("traffic", &self.session.traffic);
        session.close();
        let mut items = Members::open(p.key("items"));
        for (id, s) in self.items.iter() {
            let mut m = Members::open(items.key(id));
            m.value("item", &s.item.to_value());
            // What reads back as its default (none, zero) is left out: a third of a viewed
            // item's bytes, so half as many items again fit in MAX_PROFILE_BYTES.
            let time = |t: Option<i64>| t.map(|t| t as f64);
            for (key, n) in
                [("first_price", s.first_price), ("lowest_price", s.lowest_price), ("seen_at", Some(s.seen_at as f64))]
            {
                n.inspect(|n| m.number(key, *n));
            }
            m.times("views", &s.views);
            m.number("view_count", f64::from(s.view_count));
            for (key, n) in [
                ("cart_qty", (s.cart_qty > 0.0).then_some(s.cart_qty)),
                ("cart_added_at", time(s.cart_added_at)),
                ("cart_price", s.cart_price),
                ("favorite_at", time(s.favorite_at)),
                ("favorite_price", s.favorite_price),
                ("purchased_at", time(s.purchased_at)),
                ("purchase_count", (s.purchase_count > 0).then_some(f64::from(s.purchase_count))),
                ("notify_at", time(s.notify_at)),
            ] {
                n.inspect(|n| m.number(key, *n));
            }
            m.close();
        }
        items.close();
        p.number("purchase_count", f64::from(self.purchase_count));
        p.maybe("first_purchase_at", self.first_purchase_at.map(|t| t as f64));
        p.maybe("last_purchase_at", self.last_purchase_at.map(|t| t as f64));
        let mut dismissed = Members::open(p.key("dismissed"));
        self.dismissed.iter().for_each(|(k, t)| dismissed.number(k, *t as f64));
        dismissed.close();
        let mut shown = Members::open(p.key("shown"));
        self.shown.iter().for_each(|(k, times)| shown.times(k, times));
        shown.close();
        p.value("traits", &self.traits);
        let coupons = p.key("coupons");
        coupons.push('[');
        for (i, c) in self.coupons.iter().enumerate() {
            if i > 0 {
                coupons.push(',');
            }
            let mut m = Members::open(coupons);
            m.string("id", &c.id);
            m.maybe("amount", c.amount);
            m.value("expires_at", &c.expires_at);
            m.key("used").push_str(if c.used { "true" } else { "false" });
            m.close();
        }
        coupons.push(']');
        match &self.points {
            Some(pt) => {
                let mut m = Members::open(p.key("points"));
                m.number("balance", pt.balance);
                m.number("expiring", pt.expiring);
                m.value("expires_at", &pt.expires_at);
                m.close();
            }
            None => p.key("points").push_str("null"),
        }
        p.value("favorite_brands", &texts(&self.favorite_brands));
        match &self.favorite_store {
            Some(s) => p.string("favorite_store", s),
            None => p.key("favorite_store").push_str("null"),
        }
        p.times("page_views", &self.page_views);
        p.value("orders", &texts(&self.orders));
        p.number("feed_at", self.feed_at as f64);
        p.close();
        out
    }

    /// Reads a stored profile, migrating older versions ([`MIGRATIONS`]). Anything unreadable
    /// (corrupt JSON, a newer version, wrong shapes) yields `None`, and the caller starts
    /// afresh; a bad field never panics. [`Profile::read`] tells a newer version apart.
    pub fn from_json(text: &str) -> Option<Profile> {
        Profile::read(text).ok()
    }

    /// [`Profile::from_json`], saying why nothing was read: a version newer than
    /// [`PROFILE_VERSION`] was written by a newer Shopcue (a tab still running an older one
    /// during a rollout), and must be neither read nor overwritten. Parses the text once.
    pub fn read(text: &str) -> Result<Profile, Unread> {
        let mut v = parse(text).map_err(|_| Unread::Unreadable)?;
        let version = v.get("v").and_then(Value::as_f64).ok_or(Unread::Unreadable)? as u32;
        if version > PROFILE_VERSION {
            return Err(Unread::Newer(version));
        }
        if version == 0 {
            return Err(Unread::Unreadable);
        }
        for migrate in &MIGRATIONS[version as usize - 1..] {
            migrate(&mut v);
        }
        let int = |v: &Value, k: &str| v.get(k).and_then(Value::as_f64).map(|n| n as i64);
        let num = |v: &Value, k: &str| v.get(k).and_then(Value::as_f64);
        let list = |v: Option<&Value>| -> Vec<i64> {
            v.and_then(Value::as_array).unwrap_or(&[]).iter().filter_map(|t| t.as_f64().map(|t| t as i64)).collect()
        };
        let members = |k: &str| v.get(k).and_then(Value::as_object).unwrap_or(&[]);
        let session = v.get("session").cloned().unwrap_or_default();
        let mut items = Map::default();
        for (id, s) in members("items") {
            let mut scratch = Vec::new();
            let Some(item) = s.get("item").and_then(|i| Item::parse(i, "$", &mut scratch)) else { continue };
            let state = ItemState {
                item,
                first_price: num(s, "first_price"),
                lowest_price: num(s, "lowest_price"),
                seen_at: int(s, "seen_at").unwrap_or(0),
                views: list(s.get("views")),
                view_count: num(s, "view_count").unwrap_or(0.0) as u32,
                cart_qty: num(s, "cart_qty").unwrap_or(0.0),
                cart_added_at: int(s, "cart_added_at"),
                cart_price: num(s, "cart_price"),
                favorite_at: int(s, "favorite_at"),
                favorite_price: num(s, "favorite_price"),
                purchased_at: int(s, "purchased_at"),
                purchase_count: num(s, "purchase_count").unwrap_or(0.0) as u32,
                notify_at: int(s, "notify_at"),
            };
            items.insert(id.clone(), state);
        }
        let coupons = v
            .get("coupons")
            .and_then(Value::as_array)
            .unwrap_or(&[])
            .iter()
            .filter_map(|c| {
                Some(Coupon {
                    id: c.get("id")?.as_str()?.to_string(),
                    amount: num(c, "amount"),
                    expires_at: c.get("expires_at").cloned().unwrap_or_default(),
                    used: c.get("used").and_then(Value::as_bool).unwrap_or(false),
                })
            })
            .collect();
        let points = v.get("points").filter(|p| p.as_object().is_some()).map(|p| Points {
            balance: num(p, "balance").unwrap_or(0.0),
            expiring: num(p, "expiring").unwrap_or(0.0),
            expires_at: p.get("expires_at").cloned().unwrap_or_default(),
        });
        let visitor_id = v.get("visitor_id").and_then(Value::as_str).ok_or(Unread::Unreadable)?.to_string();
        Ok(Profile {
            visitor_id,
            created_at: int(&v, "created_at").unwrap_or(0),
            sessions: num(&v, "sessions").unwrap_or(0.0) as u32,
            session: Session {
                id: session.get("id").and_then(Value::as_str).unwrap_or_default().to_string(),
                started_at: int(&session, "started_at").unwrap_or(0),
                last_at: int(&session, "last_at").unwrap_or(0),
                traffic: session.get("traffic").and_then(Value::as_str).unwrap_or_default().to_string(),
            },
            items,
            purchase_count: num(&v, "purchase_count").unwrap_or(0.0) as u32,
            first_purchase_at: int(&v, "first_purchase_at"),
            last_purchase_at: int(&v, "last_purchase_at"),
            dismissed: members("dismissed").iter().filter_map(|(k, t)| Some((k.clone(), t.as_f64()? as i64))).collect(),
            shown: members("shown").iter().map(|(k, t)| (k.clone(), list(Some(t)))).collect(),
            traits: v.get("traits").filter(|t| t.as_object().is_some()).cloned().unwrap_or_default(),
            coupons,
            points,
            favorite_brands: strings(v.get("favorite_brands")),
            favorite_store: v.get("favorite_store").and_then(Value::as_str).map(str::to_string),
            page_views: list(v.get("page_views")),
            orders: strings(v.get("orders")),
            feed_at: int(&v, "feed_at").unwrap_or(0),
        })
    }
}

/// Appends `s` to a list that keeps its last `max` entries.
fn remember(list: &mut Vec<String>, s: String, max: usize) {
    list.push(s);
    let excess = list.len().saturating_sub(max);
    list.drain(..excess);
}

/// A list of texts as a JSON array, for storage.
fn texts(list: &[String]) -> Value {
    Value::Array(list.iter().map(|s| Value::from(s.as_str())).collect())
}

/// The texts of a stored JSON array (other elements, or no array, give none).
fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array).unwrap_or(&[]).iter().filter_map(|s| s.as_str().map(str::to_string)).collect()
}

impl ItemState {
    /// Merges newer product data; fields the new data lacks keep their old values.
    fn merge(&mut self, new: &Item, now: i64) {
        let old = &mut self.item;
        if old.id.is_empty() {
            old.id.clone_from(&new.id);
        }
        macro_rules! take {
            ($($f:ident),*) => { $( if new.$f.is_some() { old.$f = new.$f.clone(); } )* };
        }
        take!(name, brand, category, price, stock, url, image, stores, release_date);
        if let Some(p) = new.price {
            self.first_price.get_or_insert(p);
            self.lowest_price = Some(self.lowest_price.map_or(p, |l| l.min(p)));
        }
        self.seen_at = now;
    }

    /// Views within `window_ms` before `now`.
    pub fn views_within(&self, now: i64, window_ms: i64) -> usize {
        self.views.iter().filter(|t| now - **t <= window_ms && **t <= now).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stored format, pinned: profiles already in shoppers' browsers must read back, so a
    /// change to what `to_json` writes is a change of `PROFILE_VERSION` with a migration. (A
    /// member added that reads as empty where it is missing, as `orders` did, needs neither.)
    #[test]
    fn the_stored_format_is_what_it_was() {
        let mut p = Profile::default();
        p.coupons.push(Coupon { id: "c".into(), amount: None, expires_at: Value::Null, used: true });
        p.dismissed.insert("a\"b".into(), 5);
        p.shown.insert("s".into(), vec![1, 2]);
        p.favorite_store = Some("ginza".into());
        p.orders.push("T-1".into());
        let view = crate::event::Event::parse(
            "view_item",
            &parse(r#"{"items":[{"item_id":"t","item_name":"Tee","price":1980,"stock":2}]}"#).unwrap(),
        )
        .unwrap();
        p.apply(&view, 7);
        assert_eq!(
            p.to_json(),
            r#"{"v":1,"visitor_id":"","created_at":0,"sessions":0,"session":{"id":"","started_at":0,"last_at":0,"traffic":""},"items":{"t":{"item":{"item_id":"t","item_name":"Tee","price":1980,"stock":2},"first_price":1980,"lowest_price":1980,"seen_at":7,"views":[7],"view_count":1}},"purchase_count":0,"first_purchase_at":null,"last_purchase_at":null,"dismissed":{"a\"b":5},"shown":{"s":[1,2]},"traits":null,"coupons":[{"id":"c","amount":null,"expires_at":null,"used":true}],"points":null,"favorite_brands":[],"favorite_store":"ginza","page_views":[],"orders":["T-1"],"feed_at":0}"#
        );
        assert_eq!(Profile::from_json(&p.to_json()).map(|back| back.to_json()), Some(p.to_json()));
        // A profile stored before sessions kept their traffic reads with none.
        let before = p.to_json().replace(r#","traffic":"""#, "");
        assert_eq!(Profile::from_json(&before).map(|back| back.to_json()), Some(p.to_json()));
    }
    use crate::id::SeededEntropy;

    fn ev(name: &str, json: &str) -> Event {
        Event::parse(name, &parse(json).unwrap()).unwrap()
    }

    #[test]
    fn the_cart_page_says_what_the_cart_holds() {
        let mut p = Profile::new(0, &mut SeededEntropy(3));
        p.apply(&ev("add_to_cart", r#"{"items":[{"item_id":"a","price":100}]}"#), 10);
        p.apply(&ev("add_to_cart", r#"{"items":[{"item_id":"b","price":200},{"item_id":"gone","price":300}]}"#), 20);
        let cart = |p: &Profile| -> Vec<(String, f64, Option<i64>)> {
            p.items.values().filter(|s| s.cart_qty > 0.0).map(|s| (s.item.id.clone(), s.cart_qty, s.cart_added_at)).collect()
        };
        // Bought on another device, a quantity changed, one added elsewhere.
        p.apply(
            &ev(
                "view_cart",
                r#"{"items":[{"item_id":"a","quantity":2},{"item_id":"b"},{"item_id":"new","price":50},{"item_id":"a"}]}"#,
            ),
            30,
        );
        let listed = [("a".to_string(), 3.0, Some(10)), ("b".to_string(), 1.0, Some(20)), ("new".to_string(), 1.0, Some(30))];
        assert_eq!(cart(&p), listed);
        assert_eq!(p.items["new"].cart_price, Some(50.0));
        // A push that names no items says nothing about them; an empty list empties the cart.
        p.apply(&ev("view_cart", r#"{"currency":"JPY"}"#), 40);
        assert_eq!(cart(&p).len(), 3);
        p.apply(&ev("view_cart", r#"{"items":[]}"#), 50);
        assert_eq!(cart(&p), []);
        // Carted at 10, gone by 50, back in the cart at 60 where Shopcue did not see it: since 60.
        p.apply(&ev("view_cart", r#"{"items":[{"item_id":"a","price":90}]}"#), 60);
        assert_eq!(cart(&p), [("a".to_string(), 1.0, Some(60))]);
        assert_eq!(p.items["a"].cart_price, Some(90.0));
    }

    #[test]
    fn old_items_expire_by_what_the_shopper_did_with_them() {
        let day = DAY_MS;
        let mut p = Profile::new(0, &mut SeededEntropy(1));
        p.apply(&ev("view_item", r#"{"items":[{"item_id":"viewed"}]}"#), 0);
        p.apply(&ev("add_to_wishlist", r#"{"items":[{"item_id":"fav"}]}"#), 0);
        p.apply(&ev("purchase", r#"{"items":[{"item_id":"bought"}]}"#), 0);
        p.apply(&ev("view_item", r#"{"items":[{"item_id":"recent"}]}"#), 100 * day);
        p.apply(&ev("page_view", "{}"), 0);
        p.compact(100 * day);
        let ids = |p: &Profile| {
            let mut ids = p.items.keys().cloned().collect::<Vec<_>>();
            ids.sort();
            ids
        };
        assert_eq!(ids(&p), ["bought", "fav", "recent"], "viewed-only items go after 90 days");
        assert!(p.page_views.is_empty());
        p.compact(400 * day);
        assert_eq!(ids(&p), ["bought"], "favorites after a year unseen; recent views after 90 days");
        p.compact(731 * day);
        assert!(p.items.is_empty(), "purchases after two years");
    }

    #[test]
    fn the_stored_profile_stays_within_its_byte_budget_and_keeps_what_matters() {
        let mut p = Profile::new(0, &mut SeededEntropy(1));
        let long = "x".repeat(150);
        for i in 0..300 {
            p.apply(&ev("view_item", &format!(r#"{{"items":[{{"item_id":"v{i}","item_name":"{long}"}}]}}"#)), i);
        }
        p.apply(&ev("add_to_cart", r#"{"items":[{"item_id":"v0"}]}"#), 1_000);
        p.apply(&ev("purchase", r#"{"items":[{"item_id":"v1"}]}"#), 1_000);
        let json = p.to_json_within(MAX_PROFILE_BYTES);
        assert!(json.len() <= MAX_PROFILE_BYTES, "{} bytes", json.len());
        assert!(p.items.len() < 300);
        assert!(p.items.contains_key("v0") && p.items.contains_key("v1"), "cart and purchases outlive views");
        assert!(p.items.contains_key("v299") && !p.items.contains_key("v2"), "the oldest views go first");
        assert_eq!(Profile::from_json(&json).unwrap().items.len(), p.items.len());
        assert_eq!(p.stats().get("bytes").and_then(Value::as_f64), Some(json.len() as f64));
        // A viewed-only item stores no empty fields (they read back as their defaults).
        let stored = crate::json::parse(&json).unwrap();
        let viewed = stored.get_path("items.v299").and_then(Value::as_object).unwrap();
        let keys: Vec<&str> = viewed.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["item", "seen_at", "views", "view_count"]);
        // With the empty fields written out, 102 of these items fit.
        assert!(p.items.len() >= 180, "{} items kept in {} bytes", p.items.len(), json.len());
    }

    #[test]
    fn versions_newer_than_this_build_are_not_read() {
        let p = Profile::new(0, &mut SeededEntropy(1));
        let json = p.to_json();
        assert_eq!(Profile::read(&json), Ok(p.clone()));
        let newer = json.replacen(&format!(r#""v":{PROFILE_VERSION}"#), r#""v":99"#, 1);
        assert_eq!(Profile::read(&newer), Err(Unread::Newer(99)));
        assert_eq!(Profile::from_json(&newer), None);
        assert_eq!(Profile::from_json(&json.replacen(&format!(r#""v":{PROFILE_VERSION}"#), r#""v":0"#, 1)), None);
    }

    #[test]
    fn events_update_the_profile() {
        let mut p = Profile::new(0, &mut SeededEntropy(1));
        p.apply(&ev("view_item", r#"{"items":[{"item_id":"a","item_name":"Tee","price":2000,"stock":5}]}"#), 10);
        p.apply(&ev("view_item", r#"{"items":[{"item_id":"a","price":1800,"stock":2}]}"#), 20);
        p.apply(&ev("add_to_cart", r#"{"items":[{"item_id":"a","quantity":2}]}"#), 30);
        let a = &p.items["a"];
        assert_eq!(a.view_count, 2);
        assert_eq!(a.item.name.as_deref(), Some("Tee"), "a later event without a name keeps the old name");
        assert_eq!((a.item.price, a.first_price, a.lowest_price), (Some(1800.0), Some(2000.0), Some(1800.0)));
        assert_eq!((a.cart_qty, a.cart_added_at, a.cart_price), (2.0, Some(30), Some(1800.0)));
        assert_eq!(p.cart().count(), 1);
        p.apply(&ev("purchase", r#"{"items":[{"item_id":"a"}]}"#), 40);
        assert_eq!((p.purchase_count, p.items["a"].cart_qty), (1, 0.0));
        assert_eq!(p.cart().count(), 0);
    }

    /// A list's card names a product it gives no sku for by its page's address (EC-CUBE,
    /// BigCommerce); the product page names it by its sku, with that page as its link. In
    /// either order, they are one item under the sku.
    #[test]
    fn a_product_named_by_its_page_and_by_its_sku_is_one_item() {
        let page = "https://shop.example/products/detail/8";
        let card = |qty: u32| {
            let items = crate::text::concat(&[
                r#"{"items":[{"item_id":""#,
                page,
                r#"","item_name":"Sand","price":3080,"url":""#,
                page,
                r#"","quantity":"#,
                &qty.to_string(),
                "}]}",
            ]);
            ev("add_to_cart", &items)
        };
        let view =
            ev("view_item", &crate::text::concat(&[r#"{"items":[{"item_id":"sand-01","stock":2,"url":""#, page, r#""}]}"#]));
        // The card's add, then the product page's view: the view takes over the card's item, in
        // its place.
        let mut p = Profile::new(0, &mut SeededEntropy(1));
        p.apply(&card(3), 10);
        p.apply(&ev("view_item", r#"{"items":[{"item_id":"other","url":"https://shop.example/products/detail/9"}]}"#), 15);
        p.apply(&view, 20);
        assert_eq!(p.items.keys().collect::<Vec<_>>(), ["sand-01", "other"]);
        let s = &p.items["sand-01"];
        assert_eq!((s.item.id.as_str(), s.item.name.as_deref(), s.item.stock), ("sand-01", Some("Sand"), Some(2.0)));
        assert_eq!(
            (s.cart_qty, s.cart_added_at, s.cart_price, s.view_count, s.views.clone()),
            (3.0, Some(10), Some(3080.0), 1, vec![20])
        );
        // Another add from the list, after the view: the same item.
        p.apply(&card(1), 30);
        assert_eq!((p.items.len(), p.items["sand-01"].cart_qty, p.items["sand-01"].item.id.as_str()), (2, 4.0, "sand-01"));
        assert!(
            p.to_json().contains(r#""item_id":"sand-01""#) && !p.to_json().contains(r#""item_id":"https"#),
            "stored under the sku"
        );
        // The product page's view first, then the card's add; and the card's item, as a page's
        // item, reads what the profile holds for it.
        let mut q = Profile::new(0, &mut SeededEntropy(1));
        q.apply(&view, 10);
        q.apply(&card(2), 20);
        assert_eq!(q.items.keys().collect::<Vec<_>>(), ["sand-01"]);
        assert_eq!((q.items["sand-01"].cart_qty, q.items["sand-01"].view_count), (2.0, 1));
        let named_by_page = Item { id: page.into(), url: Some(page.into()), ..Item::default() };
        assert_eq!(q.state_of(&Item { id: "sand-01".into(), ..Item::default() }).map(|s| s.cart_qty), Some(2.0));
        assert_eq!(q.state_of(&named_by_page).map(|s| s.cart_qty), Some(2.0));
        // Items on other pages, or with no link, or a link with another query, stay apart.
        q.apply(&ev("add_to_cart", r#"{"items":[{"item_id":"https://shop.example/products/detail/80"}]}"#), 30);
        q.apply(&ev("view_item", r#"{"items":[{"item_id":"sand-02","url":"https://shop.example/products/detail/8?v=2"}]}"#), 40);
        assert_eq!(q.items.keys().collect::<Vec<_>>(), ["sand-01", "https://shop.example/products/detail/80", "sand-02"]);
    }

    #[test]
    fn round_trips_through_storage_and_survives_corruption() {
        let mut p = Profile::new(5, &mut SeededEntropy(2));
        p.touch(5, &mut SeededEntropy(3), "");
        p.apply(&ev("add_to_wishlist", r#"{"items":[{"item_id":"x","item_name":"\"quoted\" 名前","price":"¥1,980"}]}"#), 9);
        p.dismissed.insert("cart_low_stock".into(), 11);
        assert_eq!(Profile::from_json(&p.to_json()), Some(p));
        for corrupt in ["", "{", "null", "[]", r#"{"v":99,"visitor_id":"x"}"#, r#"{"v":1}"#] {
            assert_eq!(Profile::from_json(corrupt), None, "{corrupt}");
        }
        // A damaged item is skipped; the rest is kept.
        let partial = r#"{"v":1,"visitor_id":"v","items":{"bad":{"item":7},"ok":{"item":{"item_id":"ok"},"cart_qty":1}}}"#;
        let p = Profile::from_json(partial).unwrap();
        assert_eq!(p.items.keys().collect::<Vec<_>>(), ["ok"]);
    }

    #[test]
    fn sessions_time_out() {
        let mut e = SeededEntropy(4);
        let mut p = Profile::new(0, &mut e);
        assert!(p.touch(0, &mut e, "a\nb\nc"));
        assert!(!p.touch(SESSION_TIMEOUT_MS, &mut e, "(direct)\n(none)\n"));
        assert_eq!(p.session.traffic, "a\nb\nc", "a session keeps where it came from");
        assert!(p.touch(2 * SESSION_TIMEOUT_MS + 1, &mut e, "(direct)\n(none)\n"));
        assert_eq!(p.session.traffic, "(direct)\n(none)\n");
        assert_eq!(p.sessions, 2);
    }

    #[test]
    fn bounded_and_keeps_what_matters() {
        let mut p = Profile::default();
        p.apply(&ev("add_to_cart", r#"{"items":[{"item_id":"keep"}]}"#), 0);
        for i in 0..MAX_ITEMS + 50 {
            p.apply(&ev("view_item", &format!(r#"{{"items":[{{"item_id":"v{i}"}}]}}"#)), 1 + i as i64);
        }
        // Each time the items passed 300, the 16 least valuable went at once (301 → 285): at the
        // 301st item, then every 16 more; the last 2 of the 351 came after that.
        assert_eq!(p.items.len(), MAX_ITEMS - FORGET_AT_ONCE + 2);
        assert!(p.items.contains_key("keep"), "cart items outlive views");
        let views: Vec<&String> = p.items.keys().filter(|k| *k != "keep").collect();
        let first = 350 - views.len();
        assert_eq!(views[0], &format!("v{first}"), "the oldest views went first, and only they");
        assert_eq!(views.last().unwrap(), &"v349");
    }

    #[test]
    fn a_full_profile_forgets_the_least_valuable_at_once_in_order() {
        let mut p = Profile::default();
        // Views from newest to oldest in insertion order, a favorite and a cart item among them.
        for i in 0..MAX_ITEMS {
            p.apply(&ev("view_item", &format!(r#"{{"items":[{{"item_id":"v{i}"}}]}}"#)), 10_000 - i as i64);
        }
        p.apply(&ev("add_to_wishlist", r#"{"items":[{"item_id":"v299"}]}"#), 1);
        p.apply(&ev("add_to_cart", r#"{"items":[{"item_id":"v298"}]}"#), 1);
        assert_eq!(p.items.len(), MAX_ITEMS);
        p.apply(&ev("view_item", r#"{"items":[{"item_id":"new"}]}"#), 20_000);
        assert_eq!(p.items.len(), MAX_ITEMS - FORGET_AT_ONCE);
        // The 16 forgotten: the views unseen longest (v297 back to v282), not the favorite
        // or the cart item, though they were seen before any of them.
        for i in 0..MAX_ITEMS {
            let kept = p.items.contains_key(&format!("v{i}"));
            assert_eq!(kept, !(282..=297).contains(&i), "v{i}");
        }
        assert!(p.items.contains_key("new"));
        // The order of the rest is kept.
        let order: Vec<&String> = p.items.keys().take(3).collect();
        assert_eq!(order, ["v0", "v1", "v2"]);
    }

    #[test]
    fn forgets_views_then_favorites_then_cart_and_purchases_oldest_first() {
        let mut p = Profile::default();
        p.apply(&ev("add_to_cart", r#"{"items":[{"item_id":"cart"}]}"#), 0);
        p.apply(&ev("purchase", r#"{"transaction_id":"t1","items":[{"item_id":"bought"}]}"#), 1);
        p.apply(&ev("add_to_wishlist", r#"{"items":[{"item_id":"fav"}]}"#), 2);
        p.apply(&ev("view_item", r#"{"items":[{"item_id":"new"}]}"#), 4);
        p.apply(&ev("view_item", r#"{"items":[{"item_id":"old"}]}"#), 3);
        p.apply(&ev("view_item", r#"{"items":[{"item_id":"new"}]}"#), 5);
        let mut gone = Vec::new();
        while !p.items.is_empty() {
            let before: Vec<String> = p.items.keys().cloned().collect();
            p.forget_least_valuable(1);
            gone.extend(before.into_iter().filter(|id| !p.items.contains_key(id)));
        }
        assert_eq!(gone, ["old", "new", "fav", "cart", "bought"]);
        p.forget_least_valuable(3); // nothing left to forget: no panic
    }
}
