//! The widget's whole state as one pure object: commands in, messages and beacon batches out.
//! The wasm shell owns one [`Runtime`], feeds it time, randomness and stored text, and carries
//! out what it returns (render, send, store).

use crate::capture::{event_from, Source, Switches};
use crate::config::{Config, PageFormat};
use crate::engine::{decide, Decision, Env, Page};
use crate::error::{element, member, Error, Problem};
use crate::event::{Event, Item, Rank, RANKED_FIELDS};
use crate::feed::FeedSource;
use crate::id::{uuid_v7, Entropy};
use crate::json::{self, object, parse, Value};
use crate::outbox::{Batch, Entry, Flush, Outbox, Outcome};
use crate::profile::{Profile, Unread};
use crate::template::Formatter;
use crate::url::{path_of, strip_query};
use std::rc::Rc;

/// Where the config comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigSource {
    /// Fetch it from this URL, then call [`Runtime::set_config`].
    Url(String),
    /// It was given inline: pass it to [`Runtime::set_config`] (as for a fetched one).
    Inline(Value),
}

/// Validated `init` options the shell needs.
#[derive(Debug, Clone, PartialEq)]
pub struct InitOptions {
    /// Site id.
    pub site: String,
    /// Collection endpoint; `None` sends nothing.
    pub endpoint: Option<String>,
    /// Where the config comes from.
    pub config: ConfigSource,
    /// Log each decision to the console.
    pub debug: bool,
    /// Consent at start: everything granted unless the site said `consent: "required"` (or
    /// gave an explicit `{analytics, personalization}`).
    pub consent: Consent,
    /// The page's own `locale` / `currency`, over the config's.
    pub format: PageFormat,
}

/// What the shopper allowed. `analytics` governs the beacon queue (stored and sent);
/// `personalization` governs the profile (stored) and the messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Consent {
    /// Events may be queued, stored and sent.
    pub analytics: bool,
    /// The profile may be stored and messages shown.
    pub personalization: bool,
}

impl Consent {
    /// Everything allowed (sites that do not require consent).
    pub const GRANTED: Consent = Consent { analytics: true, personalization: true };
    /// Nothing allowed yet.
    pub const REQUIRED: Consent = Consent { analytics: false, personalization: false };

    /// The consent at start from `init` options: granted when `consent` is absent, nothing
    /// for `"required"`, or the explicit `{analytics, personalization}`. The shell uses this
    /// too, to know which stored state it may read before the runtime exists.
    pub fn from_init_options(options: &Value) -> Result<Consent, Problem> {
        match options.get("consent") {
            None | Some(Value::Null) => Ok(Consent::GRANTED),
            Some(Value::String(s)) if s == "required" => Ok(Consent::REQUIRED),
            Some(v @ Value::Object(_)) => Ok(Consent {
                analytics: v.get("analytics").and_then(Value::as_bool).unwrap_or(false),
                personalization: v.get("personalization").and_then(Value::as_bool).unwrap_or(false),
            }),
            Some(_) => Err(Problem::new("$.consent", "must be \"required\" or {analytics, personalization}")),
        }
    }
}

/// What a consent change asks the shell to do with storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConsentChange {
    /// Remove the stored profile (personalization was revoked).
    pub purge_profile: bool,
    /// Remove the stored queue (analytics was revoked).
    pub purge_outbox: bool,
    /// Something was granted: storage may now be read (see [`Runtime::restore`]).
    pub granted: bool,
}

/// A message with its id, ready to render.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// Unique id of this showing (UUIDv7), carried by its impression/click/dismiss beacons.
    pub id: String,
    /// What to show.
    pub decision: Decision,
    /// Lifecycle events already recorded for it (bits of [`Lifecycle`]): each counts once.
    pub reported: u8,
}

impl Message {
    /// Whether `what` was already recorded for it (a closed message stays closed: nothing
    /// renders it again).
    pub fn was(&self, what: Lifecycle) -> bool {
        self.reported & what.bit() != 0
    }

    /// The message as JSON for JS (`on('message')`, the renderer).
    pub fn to_value(&self) -> Value {
        let d = &self.decision;
        let mut v = object([
            ("id", self.id.as_str().into()),
            ("scenario_id", d.scenario_id.as_str().into()),
            ("variant", d.variant.clone().into()),
            ("item_id", d.item_id.clone().into()),
            ("delay_ms", d.delay_ms.into()),
            ("placement", d.placement.into()),
            ("title", d.title.as_str().into()),
            ("body", d.body.clone().into()),
        ]);
        if let Some((label, url)) = &d.cta {
            v.set("cta", object([("label", label.as_str().into()), ("url", url.as_str().into())]));
        }
        if let Some(target) = &d.target {
            v.set("target", target.as_str().into());
        }
        if let Some(image) = &d.image {
            v.set("image", image.as_str().into());
        }
        if let Some(p) = &d.picker {
            let stores =
                p.stores.iter().map(|(id, label)| object([("id", id.as_str().into()), ("label", label.as_str().into())]));
            v.set("stores", Value::Array(stores.collect()));
        }
        v
    }

    /// What the page's renderer draws (`pkg-config/render.js`): the message as
    /// [`Message::to_value`] gives it, and the look `config` gives it: language, the chrome's
    /// labels, the theme's custom properties, the header a `banner-top` docks below, and
    /// whether it is shown again in place (`still`: no second slide-in).
    pub fn view(&self, config: &Config) -> Value {
        let l = &config.labels;
        let labels = object([
            ("notice", l.notice.as_str().into()),
            ("close", l.close.as_str().into()),
            ("choose_store", l.choose_store.as_str().into()),
            ("use_store", l.use_store.as_str().into()),
            ("locate", l.locate.as_str().into()),
        ]);
        let theme = config.theme.iter().map(|(k, v)| Value::Array(vec![k.as_str().into(), v.as_str().into()]));
        object([
            ("message", self.to_value()),
            ("still", (self.reported != 0).into()),
            ("lang", config.format.lang().into()),
            ("labels", labels),
            ("theme", Value::Array(theme.collect())),
            ("dock", config.banner_top_below.clone().into()),
        ])
    }
}

/// What happened to a shown message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    /// It became visible.
    Impression,
    /// Its call to action was followed.
    Click,
    /// The shopper closed it.
    Dismiss,
}

impl Lifecycle {
    /// Its bit in [`Message::reported`].
    fn bit(self) -> u8 {
        1 << self as u8
    }

    /// Its name in the JS API: the command a self-rendering site calls and the `on()` event
    /// (`impression`, `click`, `dismiss`).
    pub fn name(self) -> &'static str {
        match self {
            Lifecycle::Impression => "impression",
            Lifecycle::Click => "click",
            Lifecycle::Dismiss => "dismiss",
        }
    }

    /// The lifecycle event called `name` in the JS API.
    pub fn parse(name: &str) -> Option<Lifecycle> {
        [Lifecycle::Impression, Lifecycle::Click, Lifecycle::Dismiss].into_iter().find(|l| l.name() == name)
    }

    fn event_name(self) -> &'static str {
        match self {
            Lifecycle::Impression => "shopcue_impression",
            Lifecycle::Click => "shopcue_click",
            Lifecycle::Dismiss => "shopcue_dismiss",
        }
    }
}

/// The widget state.
#[derive(Debug, Clone)]
pub struct Runtime {
    options: Option<InitOptions>,
    config: Option<Config>,
    /// The local profile.
    pub profile: Profile,
    /// The beacon queue.
    pub outbox: Outbox,
    page: Page,
    /// Who gave each product fact of `page.items` ([`Item::merge_ranked`]).
    page_ranks: Vec<[u8; RANKED_FIELDS]>,
    /// The page's address as a product link (query kept, fragment and tracking parameters
    /// dropped): the `url` of a viewed item that names none. Never sent in a beacon.
    page_link: String,
    /// Items this page viewed and then replaced by another (a variant priced apart, chosen on
    /// the page): chosen again, they are the page's item without a second view.
    page_before: Vec<String>,
    /// What this page's relative links are read against: its `<base href>` where it has one
    /// ([`Runtime::set_link_base`]), else its address (empty: the page's address).
    link_base: String,
    /// `shopcue('catalog', …)` facts, kept (bounded) for items not viewed yet on this page.
    catalog_facts: Vec<Item>,
    /// No config could be had (not fetched, not JSON, or invalid): capture goes on under the
    /// default settings instead of waiting.
    config_failed: bool,
    messages: Vec<Message>,
    utc_offset_min: i32,
    /// What the shopper browses on ([`Runtime::set_device`]).
    device: String,
    /// Where a session that starts on this page came from ([`Runtime::set_traffic`]).
    traffic: String,
    location: Option<(f64, f64)>,
    /// A position is on its way (permission already granted): no store picker meanwhile.
    locating: bool,
    /// The shell's locale formatting (`Intl` in the browser), for locales the core does not
    /// format itself.
    formatter: Option<Rc<dyn Formatter>>,
    consent: Consent,
    /// This page previews a draft config (`?shopcue_preview=draft.…`): nothing it does is
    /// queued, stored or sent, whatever consent says.
    previewing_draft: bool,
    /// Events of this page view, replayed onto a stored profile when consent arrives later.
    page_log: Vec<(Event, i64)>,
    /// Captured values that arrived before the config (which says whether to take them).
    captured: Vec<(Source, Value)>,
    /// `debug: true`: what the console is told of recorded events, a line each, until
    /// [`Runtime::take_notes`].
    notes: String,
    /// Events applied since the profile was last handed out for storage: replayed onto a
    /// profile another tab stored meanwhile ([`Runtime::rebase_profile`]).
    unsynced: Vec<(Event, i64)>,
    /// The stored profile was written by a newer Shopcue: never overwrite it.
    profile_frozen: bool,
    profile_dirty: bool,
    outbox_dirty: bool,
}

/// How close a cart form's add and the store's own report of it come (a GA4 push after the
/// cart's answer on a slow network included).
const SAME_CART_ADD_MS: i64 = 10_000;

/// Most captured values held while the config loads.
const MAX_CAPTURED_EARLY: usize = 50;

/// Most `catalog` facts kept for items not viewed yet.
const MAX_CATALOG_FACTS: usize = 200;

/// Query parameters that say how the shopper arrived, not which product the page shows: left
/// out of the product link taken from the page address.
const TRACKING_PARAMS: &[&str] = &["utm_", "gclid", "fbclid", "msclkid", "yclid", "_ga", "_gl", "mc_", "shopcue_preview"];

impl Runtime {
    /// Restores state from storage text (either may be missing or corrupt). Returns the
    /// runtime and warnings about what could not be read.
    pub fn new(
        stored_profile: Option<&str>,
        stored_outbox: Option<&str>,
        now: i64,
        entropy: &mut dyn Entropy,
    ) -> (Runtime, Vec<String>) {
        let mut warnings = Vec::new();
        let mut frozen = false;
        let profile = match stored_profile.map(Profile::read) {
            Some(Ok(p)) => p,
            Some(Err(Unread::Newer(v))) => {
                warnings.push(crate::text::concat(&[
                    "the stored profile is from a newer Shopcue (format ",
                    &crate::json::number_text(f64::from(v)),
                    "); this page works from memory and leaves it untouched",
                ]));
                frozen = true;
                Profile::new(now, entropy)
            }
            Some(Err(Unread::Unreadable)) => {
                warnings.push("stored profile was unreadable; starting a new one".to_string());
                Profile::new(now, entropy)
            }
            None => Profile::new(now, entropy),
        };
        let outbox = stored_outbox.map(Outbox::from_json).unwrap_or_default();
        let rt = Runtime {
            options: None,
            config: None,
            profile,
            outbox,
            page: Page::default(),
            page_ranks: Vec::new(),
            page_link: String::new(),
            page_before: Vec::new(),
            link_base: String::new(),
            catalog_facts: Vec::new(),
            config_failed: false,
            messages: Vec::new(),
            utc_offset_min: 540,
            device: String::new(),
            traffic: String::new(),
            location: None,
            locating: false,
            formatter: None,
            consent: Consent::GRANTED,
            previewing_draft: false,
            page_log: Vec::new(),
            captured: Vec::new(),
            notes: String::new(),
            unsynced: Vec::new(),
            profile_frozen: frozen,
            profile_dirty: stored_profile.is_none(),
            outbox_dirty: false,
        };
        (rt, warnings)
    }

    /// Validates `init` options (`{site, config, endpoint, debug, render, consent, locale,
    /// currency}`). The config itself is loaded separately with [`Runtime::set_config`], so a
    /// bad config never stops tracking.
    pub fn init(&mut self, options: &Value) -> Result<InitOptions, Error> {
        let mut problems = Vec::new();
        let site = match options.get("site") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => {
                problems.push(Problem::new("$.site", "is required: the site id from your config"));
                String::new()
            }
        };
        let endpoint = match options.get("endpoint") {
            None | Some(Value::Null) => None,
            Some(Value::String(e)) if crate::url::safe_link(e).is_some() => Some(e.clone()),
            Some(_) => {
                problems.push(Problem::new("$.endpoint", "must be an http(s) or relative URL"));
                None
            }
        };
        let config = match options.get("config") {
            Some(Value::String(url)) if crate::url::safe_link(url).is_some() => ConfigSource::Url(url.clone()),
            Some(v @ Value::Object(_)) => ConfigSource::Inline(v.clone()),
            _ => {
                problems.push(Problem::new("$.config", "is required: a config URL or a config object"));
                ConfigSource::Inline(Value::Null)
            }
        };
        // `render: "false"` would draw every message: refused, as `consent`'s flags are. The
        // shell reads `render`, as it draws the messages.
        let debug = flag(options, "debug", false).unwrap_or_else(|e| {
            problems.push(e);
            false
        });
        if let Err(e) = flag(options, "render", true) {
            problems.push(e);
        }
        let consent = Consent::from_init_options(options).unwrap_or_else(|problem| {
            problems.push(problem);
            Consent::REQUIRED
        });
        let format = PageFormat::from_init_options(options, &mut problems);
        if !problems.is_empty() {
            return Err(Error::InvalidEvent(problems));
        }
        self.consent = consent;
        let opts = InitOptions { site, endpoint, config, debug, consent, format };
        self.options = Some(opts.clone());
        Ok(opts)
    }

    /// Loads a config (fetched or inline). An invalid config is rejected whole and the
    /// previous one, if any, stays in force.
    pub fn set_config(&mut self, v: &Value) -> Result<(), Error> {
        let options = self.options.as_ref().ok_or(Error::NotInitialized)?;
        let site = &options.site;
        let config = Config::for_page(v, &options.format)?;
        if &config.site != site {
            return Err(Error::InvalidConfig(vec![Problem::new(
                "$.site",
                crate::text::concat(&["config is for site \"", &config.site, "\", but init said \"", site, "\""]),
            )]));
        }
        self.config = Some(config);
        self.config_failed = false;
        Ok(())
    }

    /// Says that no config could be had: it was not fetched, was not JSON, or was invalid. With
    /// no config in force, what automatic capture found stops waiting for one and is recorded
    /// under the default capture settings (and so is everything captured later), so tracking
    /// goes on. Returns the problems of captured values that were not valid events.
    pub fn config_failed(&mut self, now: i64, entropy: &mut dyn Entropy) -> Vec<Error> {
        if self.config.is_none() {
            self.config_failed = true;
        }
        self.replay_captured(now, entropy)
    }

    /// Starts a new page view at `url`; open messages belong to the old page and are closed.
    pub fn page_view(&mut self, url: &str, now: i64, entropy: &mut dyn Entropy) {
        self.outbox.unblock();
        self.page = Page { url: strip_query(url).to_string(), path: path_of(url).to_string(), ..Page::default() };
        self.page_ranks.clear();
        self.page_link = product_link(url);
        self.page_before.clear();
        self.link_base.clear();
        self.messages.clear();
        self.profile.compact(now);
        self.profile.touch(now, entropy, &self.traffic);
        if let Ok(view) = Event::parse("page_view", &Value::Null) {
            self.profile.apply(&view, now);
        }
        self.profile_dirty = true;
        self.page.events.push("page_view".into());
        self.enqueue("page_view", &Value::Object(Vec::new()), now, entropy);
    }

    /// Reads this page's relative links (an item's `url` and `image`) against `base`, the
    /// address its `<base href>` gives (`document.baseURI`), instead of the page's own address,
    /// as the browser does. Until the next [`Runtime::page_view`].
    ///
    /// ```
    /// use shopcue::{id::SeededEntropy, json::parse, runtime::Runtime};
    /// let e = &mut SeededEntropy(1);
    /// let (mut rt, _) = Runtime::new(None, None, 0, e);
    /// rt.page_view("https://shop.example/store/tee.html", 0, e);
    /// rt.set_link_base("https://shop.example/"); // <base href="/">
    /// rt.catalog(&parse(r#"[{"item_id":"tee","image":"img/tee.jpg"}]"#).unwrap(), 1).unwrap();
    /// // The item's image is now https://shop.example/img/tee.jpg, as the page showed it.
    /// ```
    pub fn set_link_base(&mut self, base: &str) {
        self.link_base = base.to_string();
    }

    /// Sets the site's UTC offset in minutes (the shell computes it for the config's time
    /// zone; 540 for Tokyo until told otherwise).
    pub fn set_utc_offset(&mut self, minutes: i32) {
        self.utc_offset_min = minutes.clamp(-24 * 60, 24 * 60);
    }

    /// Says what the shopper browses on, for `page.device`: `"mobile"`, `"tablet"` or
    /// `"desktop"` (the shell reads it from the browser once a page).
    pub fn set_device(&mut self, device: &str) {
        device.clone_into(&mut self.device);
    }

    /// Says where a visit that starts a session on this page came from, for
    /// `visitor.session_source`, `session_medium` and `session_campaign`: the three on separate
    /// lines (`"instagram\npaid_social\nfw26"`), as the shell reads them from the page's
    /// address and referrer (the loader's `shopcueIntl.traffic`) before each page view. A session
    /// keeps what it started with.
    pub fn set_traffic(&mut self, traffic: &str) {
        traffic.clone_into(&mut self.traffic);
    }

    /// Hands the core the shell's locale formatting (`Intl` in the browser) for locales it does
    /// not format itself ([`crate::template::Format::native`]).
    pub fn set_formatter(&mut self, formatter: Rc<dyn Formatter>) {
        self.formatter = Some(formatter);
    }

    /// Whether the shell is asking for the shopper's position (they already allowed it): while
    /// it is, "choose your store" pickers wait, since the position may name the store.
    pub fn set_locating(&mut self, locating: bool) {
        self.locating = locating;
    }

    /// Sets (or clears) the shopper's location, for nearest-store scenarios.
    pub fn set_location(&mut self, location: Option<(f64, f64)>) {
        self.location = location.filter(|(lat, lon)| (-90.0..=90.0).contains(lat) && (-180.0..=180.0).contains(lon));
    }

    /// The IANA time zone of the loaded config (`Asia/Tokyo` until one is loaded).
    pub fn timezone(&self) -> &str {
        self.config.as_ref().map_or("Asia/Tokyo", |c| c.timezone.as_str())
    }

    /// Merges member traits (`shopcue('identify', traits)`).
    pub fn identify(&mut self, traits: &Value) -> Result<(), Error> {
        let Some(members) = traits.as_object() else {
            return Err(Error::InvalidEvent(vec![Problem::new("$", "identify takes an object of traits")]));
        };
        let mut problems = Vec::new();
        for (k, v) in members {
            // What a known trait must be, when it is not.
            let wrong = match k.as_str() {
                "member" | "subscription" => v.as_bool().is_none().then_some("must be true or false"),
                "purchase_count" => (!v.as_f64().is_some_and(|n| n >= 0.0)).then_some("must be a number ≥ 0"),
                "birthday" => (!v.as_str().is_some_and(|b| {
                    let (m, d) = crate::text::split_once(b, b'-').unwrap_or(("", ""));
                    m.len() == 2
                        && d.len() == 2
                        && crate::text::digits(m).is_some_and(|m| (1..=12).contains(&m))
                        && crate::text::digits(d).is_some_and(|d| (1..=31).contains(&d))
                }))
                .then_some("must be \"MM-DD\": a month 01–12 and a day 01–31"),
                "first_purchase_at" | "last_purchase_at" => (!(v.as_f64().is_some()
                    || v.as_str().is_some_and(|d| crate::time::parse_iso(d, 0).is_some())))
                .then_some("must be an ISO date or Unix milliseconds"),
                "segments" => (!v.as_array().is_some_and(|a| a.iter().all(|s| s.as_str().is_some())))
                    .then_some("must be an array of strings"),
                _ => None,
            };
            if let Some(why) = wrong {
                problems.push(Problem::new(member("$", k), why));
            }
        }
        if !problems.is_empty() {
            return Err(Error::InvalidEvent(problems));
        }
        self.profile.identify(members);
        self.profile_dirty = true;
        Ok(())
    }

    fn env(&self, now: i64) -> Env<'_> {
        Env {
            now,
            utc_offset_min: self.utc_offset_min,
            location: self.location,
            locating: self.locating,
            formatter: self.formatter.as_deref(),
            device: &self.device,
        }
    }

    /// Records an event: validates it, updates the profile and queues its beacon. A
    /// `view_item` of an item this page view already recorded (from automatic capture, say)
    /// adds its facts to that item instead and counts no second view; its facts win over
    /// captured ones. A `purchase` whose `transaction_id` the profile already counted (a
    /// thank-you page reloaded) is not recorded again ([`Profile::ordered`]), nor an
    /// `add_to_cart` that the page's cart form already reported. Returns whether it became an
    /// event of its own (`debug: true` says why it did not).
    pub fn track(&mut self, name: &str, params: &Value, now: i64, entropy: &mut dyn Entropy) -> Result<bool, Error> {
        self.record(name, params, Rank::Track, now, entropy)
    }

    /// [`Runtime::track`] for facts from `rank`; returns whether it became an event (false when
    /// it only added facts to an item already viewed on this page, or was an order already
    /// counted).
    fn record(&mut self, name: &str, params: &Value, rank: Rank, now: i64, entropy: &mut dyn Entropy) -> Result<bool, Error> {
        if self.options.is_none() {
            return Err(Error::NotInitialized);
        }
        if name.starts_with("shopcue_") {
            return Err(Error::InvalidEvent(vec![Problem::new("$name", "shopcue_* events are reserved for Shopcue itself")]));
        }
        // What the site tracks is checked as written; what capture found on the page loses a field
        // it cannot read, not the event.
        let mut event = Event::read(name, params, rank != Rank::Track)?;
        for p in &event.left_out {
            self.note(&["captured ", name, ": left out ", &p.path, " (", &p.message, ")"]);
        }
        self.own_links(&mut event.items);
        if name == "view_item" && self.view_on_page(&mut event, rank, now)
            || name == "purchase" && self.profile.ordered(&event.params)
            || name == "add_to_cart" && self.cart_add_again(rank == Rank::Form, now)
        {
            if rank == Rank::Track {
                let why = match name {
                    "purchase" => "order counted already in this browser",
                    "add_to_cart" => "the page's cart form counted this add",
                    _ => "merged into this page's view of the item",
                };
                self.note(&["track('", name, "'): not counted again: ", why]);
            }
            return Ok(false);
        }
        self.profile.touch(now, entropy, &self.traffic);
        self.profile.apply(&event, now);
        self.profile_dirty = true;
        self.happened(name);
        self.enqueue(name, &event.params, now, entropy);
        // Kept to be applied again: to the stored profile once personalization is allowed
        // (page_log), or on top of another tab's newer profile (unsynced).
        let kept = if self.consent.personalization { &mut self.unsynced } else { &mut self.page_log };
        if kept.len() < 200 {
            kept.push((event, now));
        }
        Ok(true)
    }

    /// The links of items read on this page made to lead to the same place from every page
    /// (`tee.html` written on `/store/a.html` is `/store/tee.html` on any page); an item named
    /// by its link (a product without an id of its own) is named by where it leads.
    fn own_links(&self, items: &mut [Item]) {
        // `id`: the item's name, which follows its link when it is that link (an image names
        // nothing: a scratch string).
        let base = if self.link_base.is_empty() { &self.page.url } else { &self.link_base };
        let own = |link: &mut Option<String>, id: &mut String| {
            if let Some(l) = link {
                let to = crate::url::resolve(base, l);
                if id == l {
                    id.clone_from(&to);
                }
                *l = to;
            }
        };
        for item in items {
            own(&mut item.url, &mut item.id);
            own(&mut item.image, &mut String::new());
        }
    }

    /// The page's own address as the id of a product that names none ([`crate::capture::json_ld`]:
    /// Next.js Commerce's JSON-LD): without its query, unless its path names a file
    /// (`detail.php?product_id=5`, a script whose query names the product).
    fn page_id(&self) -> &str {
        if self.page.path.bytes().any(|b| b == b'.') {
            &self.page_link
        } else {
            &self.page.url
        }
    }

    /// Whether an `add_to_cart` (`by_form`: from a cart form the page submitted or a product
    /// card's add button) is one this page already counted. A store that tracks its cart form
    /// itself (a GA4 push, `track`, a `data-shopcue-track` button) reports the same add just
    /// before or after the form does: a form's add and another within [`SAME_CART_ADD_MS`] are
    /// one. Two of one kind are two.
    fn cart_add_again(&mut self, by_form: bool, now: i64) -> bool {
        let again = self.page.cart_add.is_some_and(|(at, form)| form != by_form && now - at < SAME_CART_ADD_MS);
        if !again {
            self.page.cart_add = Some((now, by_form));
        }
        again
    }

    /// A `view_item` from `rank`. When its item was already viewed on this page, its facts are
    /// merged into that item field by field ([`Item::merge_ranked`]) and into the profile, and
    /// this returns true: one view, however many sources describe it. Otherwise its item
    /// becomes the page's, completed from `catalog` facts and, for its link, from the page
    /// address; returns false, or true for an item the page had before the one it replaces
    /// (a variant chosen on the page, then another, then it again: [`Runtime::relink`]).
    fn view_on_page(&mut self, event: &mut Event, rank: Rank, now: i64) -> bool {
        let Some(new) = event.items.first_mut() else { return false };
        let at = match self.page.items.iter().position(|i| i.id == new.id) {
            Some(at) => {
                self.page.items[at].merge_ranked(&mut self.page_ranks[at], new, rank);
                at
            }
            None => {
                let mut ranks = new.ranks(rank);
                if let Some(fact) = self.catalog_facts.iter().find(|f| f.id == new.id) {
                    new.merge_ranked(&mut ranks, fact, Rank::Catalog);
                }
                if new.url.is_none() && !self.page_link.is_empty() {
                    // Rank 0: any source that names a link replaces the page's.
                    new.url = Some(self.page_link.clone());
                }
                // A variant chosen again on the page: its item again, not a second view.
                let again = self.page_before.contains(&new.id);
                if let Some(old) = self.page.items.first() {
                    self.page_before.push(old.id.clone());
                }
                self.page.items = event.items.clone();
                self.page_ranks = event.items.iter().map(|i| i.ranks(rank)).collect();
                self.page_ranks[0] = ranks;
                if !again {
                    return false;
                }
                0
            }
        };
        self.profile.update_catalog(std::slice::from_ref(&self.page.items[at]), now);
        self.profile_dirty = true;
        true
    }

    /// The page's address replaced on the same path, as a variant picker does (Shopify's themes
    /// write `?variant=…`): the page's product is read at this address from then on, so that
    /// the loader's JSON-LD, sent again, gives the chosen variant's price and stock, and, priced
    /// apart, its item ([`crate::capture::json_ld`]), which a cart form then adds.
    ///
    /// ```
    /// use shopcue::{id::SeededEntropy, json::parse, runtime::Runtime};
    /// let e = &mut SeededEntropy(1);
    /// let (mut rt, _) = Runtime::new(None, None, 0, e);
    /// rt.init(&parse(r#"{"site":"s","config":"/c.json"}"#).unwrap()).unwrap();
    /// rt.config_failed(0, e); // capture under the default settings
    /// rt.page_view("https://shop.example/products/tee", 0, e);
    /// let ld = r#"[{"@type": "Product", "name": "Tee", "url": "https://shop.example/products/tee", "offers": [
    ///   {"@type": "Offer", "sku": "tee-S", "price": 2500, "url": "https://shop.example/products/tee?variant=1"},
    ///   {"@type": "Offer", "sku": "tee-L", "price": 2900, "url": "https://shop.example/products/tee?variant=2"}]}]"#;
    /// assert_eq!(rt.capture("jsonld", &ld.into(), 1, e), Ok(true));
    /// rt.relink("https://shop.example/products/tee?variant=2");
    /// assert_eq!(rt.capture("jsonld", &ld.into(), 2, e), Ok(true), "L, priced apart: a view of its own");
    /// rt.relink("https://shop.example/products/tee?variant=1");
    /// assert_eq!(rt.capture("jsonld", &ld.into(), 3, e), Ok(false), "S again: the page's item, no second view");
    /// ```
    pub fn relink(&mut self, url: &str) {
        self.page_link = product_link(url);
    }

    /// Records what automatic capture found on the page ([`crate::capture`]): `source` is
    /// `datalayer` (a dataLayer entry), `jsonld` (a JSON-LD script's text; the loader sends the
    /// scripts one scan of the page found as one text, `[script, script, …]`, so that a listing's
    /// cards read as several products) or `attributes`.
    /// Returns whether it became an event. Before the config is loaded the value waits (the
    /// config may switch the source off); see [`Runtime::replay_captured`]. A `view_item` of
    /// the item this page already viewed is not counted twice (a page with both JSON-LD and a
    /// dataLayer push).
    pub fn capture(&mut self, source: &str, v: &Value, now: i64, entropy: &mut dyn Entropy) -> Result<bool, Error> {
        let Some(source) = Source::parse(source) else {
            return Err(Error::InvalidEvent(vec![Problem::new(
                "$[0]",
                "capture source must be datalayer, jsonld, attributes, form or cart",
            )]));
        };
        let parsed;
        let v = match (source, v) {
            (Source::JsonLd, Value::String(text)) => {
                parsed = parse(text).map_err(|e| {
                    Error::InvalidEvent(vec![Problem::new(
                        "$jsonld",
                        crate::text::concat(&["JSON-LD is not JSON: ", &e.message()]),
                    )])
                })?;
                &parsed
            }
            _ => v,
        };
        self.capture_value(source, v, now, entropy)
    }

    /// [`Runtime::capture`] once the source is known and JSON-LD text is parsed.
    fn capture_value(&mut self, source: Source, v: &Value, now: i64, entropy: &mut dyn Entropy) -> Result<bool, Error> {
        let switches = match &self.config {
            Some(config) => config.capture,
            None if self.config_failed => Switches::default(),
            None => {
                if self.captured.len() < MAX_CAPTURED_EARLY {
                    self.captured.push((source, v.clone()));
                }
                return Ok(false);
            }
        };
        if !switches.allows(source) {
            return Ok(false);
        }
        let mut page_add = None;
        let (name, params) = match source {
            // The store's own cart: what is not in it left it where Shopcue could not see
            // (bought on Shopify's checkout, removed in a cart drawer, on another device), and
            // leaves Shopcue's; what it holds in another quantity (changed in a cart drawer)
            // takes that quantity; none of that is sent. What it holds of items the shopper
            // viewed and Shopcue's cart lacks was added where Shopcue could not see (a theme's or
            // an app's button that calls the cart's API itself): one add of them, sent. It was
            // an earlier page's, so it pairs with none of this page's adds.
            Source::Cart => {
                let Some(lines) = v.get("items").and_then(Value::as_array) else { return Ok(false) };
                let (mut added, mut unknown) = (Vec::new(), false);
                // A viewed item whose product page an item in Shopcue's cart has is that item's
                // product (a card's quick add under the product's id, the page's view under its
                // sku): no add of its own.
                use crate::capture::item_page;
                let mut carted = String::new();
                for s in self.profile.cart() {
                    carted.push_str(item_page(&s.item).unwrap_or_default());
                    carted.push(' ');
                }
                for s in self.profile.items.values_mut() {
                    match crate::capture::in_cart(&s.item, lines) {
                        Some(held) if s.cart_qty > 0.0 => s.cart_qty = held,
                        Some(held)
                            if held > 0.0
                                && !item_page(&s.item).is_some_and(|p| crate::text::split(&carted, b' ').any(|c| c == p)) =>
                        {
                            added.push(crate::capture::added(&s.item, held))
                        }
                        None if s.cart_qty > 0.0 => unknown = true,
                        _ => {}
                    }
                }
                self.profile_dirty = true;
                // An item in Shopcue's cart that cannot be told apart from the lines (a tag
                // manager's push may name a viewed product by another id) may be that add.
                if added.is_empty() || unknown {
                    return Ok(false);
                }
                page_add = Some(self.page.cart_add.take());
                ("add_to_cart".to_string(), object([("items", Value::Array(added))]))
            }
            Source::Form => match crate::capture::cart_form(v, self.page.items.first()) {
                Some(params) => ("add_to_cart".to_string(), params),
                None => return Ok(false),
            },
            Source::JsonLd => match crate::capture::json_ld(v, self.page_id(), &self.page_link) {
                Some(params) => ("view_item".to_string(), params),
                None => return Ok(false),
            },
            _ => match event_from(source, v) {
                Some(event) => event,
                None => return Ok(false),
            },
        };
        let rank = match source {
            Source::DataLayer => Rank::DataLayer,
            Source::JsonLd => Rank::JsonLd,
            Source::Attributes => Rank::Attributes,
            _ => Rank::Form,
        };
        let recorded = self.record(&name, &params, rank, now, entropy);
        if let Some(add) = page_add {
            self.page.cart_add = add;
        }
        recorded
    }

    /// A moment of this page view that the loader reports and nothing records
    /// ([`crate::event::PAGE_MOMENTS`]: `exit_intent`, `scroll_50` …): scenarios triggered on it
    /// may show at the next decision. Any other name changes nothing.
    ///
    /// ```
    /// use shopcue::{config::compile, id::SeededEntropy, json::parse, runtime::Runtime};
    /// let e = &mut SeededEntropy(1);
    /// let (mut rt, _) = Runtime::new(None, None, 0, e);
    /// rt.init(&parse(r#"{"site":"s","config":"/c.json"}"#).unwrap()).unwrap();
    /// let raw = parse(r#"{"version":1,"site":"s","scenarios":[{"id":"stay","trigger":{"on":["exit_intent","purchase"]},
    ///   "message":{"placement":"modal","title":"Before you go"}}]}"#).unwrap();
    /// rt.set_config(&compile(&raw).unwrap()).unwrap();
    /// rt.page_view("https://shop.example/", 1, e);
    /// assert!(rt.decide(2, e).is_empty());
    /// rt.page_moment("purchase"); // not a moment: no purchase
    /// assert!(rt.decide(3, e).is_empty());
    /// rt.page_moment("exit_intent");
    /// assert_eq!(rt.decide(4, e)[0].decision.scenario_id, "stay");
    /// ```
    pub fn page_moment(&mut self, name: &str) {
        if crate::event::PAGE_MOMENTS.contains(&name) {
            self.happened(name);
        }
    }

    /// `name` happened on this page, for the scenarios triggered on it.
    fn happened(&mut self, name: &str) {
        if !self.page.events.iter().any(|e| e == name) {
            self.page.events.push(name.to_string());
        }
    }

    /// `debug: true`: what the console is told of the events recorded since the last call — a
    /// valid `track` that counted nothing new, and why; a field capture left out of an event (a
    /// price `""` in a tag manager's push), at its path and why —, a line each (empty: nothing).
    pub fn take_notes(&mut self) -> String {
        std::mem::take(&mut self.notes)
    }

    /// Adds a line to [`Runtime::take_notes`] under `debug: true`.
    fn note(&mut self, parts: &[&str]) {
        if self.options.as_ref().is_some_and(|o| o.debug) {
            let notes = &mut self.notes;
            notes.push_str(if notes.is_empty() { "[shopcue] " } else { "\n[shopcue] " });
            parts.iter().for_each(|p| notes.push_str(p));
        }
    }

    /// Takes the values captured before the config loaded, as far as the config allows;
    /// returns the problems of those that were not valid events.
    pub fn replay_captured(&mut self, now: i64, entropy: &mut dyn Entropy) -> Vec<Error> {
        let early = std::mem::take(&mut self.captured);
        early.into_iter().filter_map(|(s, v)| self.capture_value(s, &v, now, entropy).err()).collect()
    }

    /// The feed URL to fetch now, if the config has a feed and the last one applied (or
    /// failed) is older than its `max_age_s`. Only with personalization consent.
    pub fn feed_due(&self, now: i64) -> Option<String> {
        let feed = self.config.as_ref()?.feed.as_ref()?;
        let at = self.profile.feed_at;
        let fresh = at > 0 && at <= now && now - at < feed.max_age_ms();
        (self.consent.personalization && !fresh).then(|| feed.url.clone())
    }

    /// Applies a fetched feed (`Ok(text)`) to the items in the profile, or records that it
    /// could not be had (`Err(reason)`: retried in 5 minutes). Returns how many items were
    /// refreshed; a malformed feed is an error and changes nothing.
    pub fn apply_feed(&mut self, fetched: Result<&str, &str>, now: i64) -> Result<usize, Error> {
        let max_age_ms = self.config.as_ref().and_then(|c| c.feed.as_ref()).map_or(3_600_000, FeedSource::max_age_ms);
        let retry_soon = now - max_age_ms + 5 * 60_000;
        let parsed = fetched
            .map_err(|reason| Error::InvalidEvent(vec![Problem::new("$feed", reason)]))
            .and_then(|text| crate::feed::parse_feed(text, &|id| self.profile.items.contains_key(id)));
        self.profile_dirty = true;
        match parsed {
            Ok(items) => {
                self.profile.refresh_known(&items);
                self.profile.feed_at = now;
                Ok(items.len())
            }
            Err(e) => {
                self.profile.feed_at = retry_soon.min(now);
                Err(e)
            }
        }
    }

    /// The loaded config (its locale, theme and labels are how messages look).
    pub fn config(&self) -> Option<&Config> {
        self.config.as_ref()
    }

    /// Whether the config lists physical stores (then the shell looks for the shopper's position).
    pub fn has_stores(&self) -> bool {
        self.config.as_ref().is_some_and(|c| !c.stores.is_empty())
    }

    /// Whether History API navigation counts as a page view (`config.capture.history`).
    pub fn captures_history(&self) -> bool {
        self.config.as_ref().is_none_or(|c| c.capture.history)
    }

    /// Fresh product facts (`shopcue('catalog', items)`): price, stock, per-store stock … They
    /// refresh the profile's items and the page's item now, and are kept (bounded) for items
    /// not viewed yet, to complete them when a view arrives in whatever order. They win over
    /// automatic capture and lose to an explicit `track`.
    pub fn catalog(&mut self, items: &Value, now: i64) -> Result<(), Error> {
        let mut problems = Vec::new();
        let mut list: Vec<Item> = match items.as_array() {
            Some(a) => a.iter().enumerate().filter_map(|(i, v)| Item::parse(v, &element("$", i), &mut problems)).collect(),
            None => return Err(Error::InvalidEvent(vec![Problem::new("$", "catalog takes an array of items")])),
        };
        self.own_links(&mut list);
        self.profile.update_catalog(&list, now);
        for item in &list {
            if let Some(at) = self.page.items.iter().position(|i| i.id == item.id) {
                self.page.items[at].merge_ranked(&mut self.page_ranks[at], item, Rank::Catalog);
            }
            match self.catalog_facts.iter_mut().find(|f| f.id == item.id) {
                Some(fact) => fact.merge_ranked(&mut [0; RANKED_FIELDS], item, Rank::Catalog),
                None => self.catalog_facts.push(item.clone()),
            }
        }
        let excess = self.catalog_facts.len().saturating_sub(MAX_CATALOG_FACTS);
        self.catalog_facts.drain(..excess);
        self.profile_dirty = true;
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::InvalidEvent(problems))
        }
    }

    /// The consent in force.
    pub fn consent(&self) -> Consent {
        self.consent
    }

    /// Applies `shopcue('consent', {analytics, personalization})` (missing keys keep their
    /// value). Revoking purges what it covered, in memory now and (via the returned change)
    /// in storage.
    pub fn set_consent(&mut self, v: &Value, now: i64, entropy: &mut dyn Entropy) -> Result<ConsentChange, Error> {
        if v.as_object().is_none() {
            return Err(Error::InvalidEvent(vec![Problem::new("$", "consent takes {analytics, personalization}")]));
        }
        let next = match (flag(v, "analytics", self.consent.analytics), flag(v, "personalization", self.consent.personalization))
        {
            (Ok(analytics), Ok(personalization)) => Consent { analytics, personalization },
            (a, p) => return Err(Error::InvalidEvent([a.err(), p.err()].into_iter().flatten().collect())),
        };
        let before = std::mem::replace(&mut self.consent, next);
        let mut change = ConsentChange {
            granted: (next.analytics && !before.analytics) || (next.personalization && !before.personalization),
            ..ConsentChange::default()
        };
        if before.analytics && !next.analytics {
            self.outbox = Outbox::default();
            change.purge_outbox = true;
        }
        if before.personalization && !next.personalization {
            self.profile = Profile::new(now, entropy);
            self.profile.touch(now, entropy, &self.traffic);
            self.messages.clear();
            // What was done before the revocation must not come back: not through a rebase onto
            // another tab's profile, nor through a later grant's replay.
            self.unsynced.clear();
            self.page_log.clear();
            self.page.items.clear();
            self.page_ranks.clear();
            change.purge_profile = true;
        }
        self.profile_dirty = next.personalization;
        self.outbox_dirty = next.analytics;
        Ok(change)
    }

    /// After consent arrived: adopts the profile storage held from earlier visits (read only
    /// now) and replays this page view's events onto it, so nothing the shopper did is lost.
    /// (Queued events of earlier pages are adopted by the shell with [`Runtime::adopt_outbox`].)
    pub fn restore(&mut self, stored_profile: Option<&str>) {
        if self.consent.personalization {
            if let Some(mut stored) = stored_profile.and_then(Profile::from_json) {
                stored.session = self.profile.session.clone();
                for (event, at) in std::mem::take(&mut self.page_log) {
                    stored.apply(&event, at);
                }
                self.profile = stored;
            }
            self.page_log.clear();
            self.profile_dirty = true;
        }
        if self.counts() {
            self.outbox_dirty = true;
        }
    }

    /// Runs the engine and returns the new messages to show; each is recorded as an exposure,
    /// and so is each holdout (as control, with nothing shown). Nothing without personalization
    /// consent.
    pub fn decide(&mut self, now: i64, entropy: &mut dyn Entropy) -> Vec<Message> {
        if !self.consent.personalization {
            return Vec::new();
        }
        let Some(config) = &self.config else { return Vec::new() };
        let outcome = decide(config, &self.profile, &self.page, &self.env(now));
        for id in outcome.holdouts {
            let params = self.with_goal(object([("scenario_id", id.as_str().into()), ("variant", "holdout".into())]), &id);
            self.page.held.push(id);
            self.enqueue("shopcue_exposure", &params, now, entropy);
        }
        let mut out = Vec::new();
        for decision in outcome.shown {
            let message = Message { id: uuid_v7(now, entropy), decision, reported: 0 };
            self.page.shown.push(message.decision.scenario_id.clone());
            self.profile.record_shown(&message.decision.scenario_id, now);
            self.profile_dirty = true;
            let params = self.with_goal(lifecycle_params(&message), &message.decision.scenario_id);
            self.enqueue("shopcue_exposure", &params, now, entropy);
            self.messages.push(message.clone());
            out.push(message);
        }
        out
    }

    /// Records an impression, click or dismissal of message `message_id`, each at most once
    /// per message. Unknown ids (a message of a previous page) and repeats return `false`.
    pub fn lifecycle(&mut self, message_id: &str, what: Lifecycle, now: i64, entropy: &mut dyn Entropy) -> bool {
        let Some(open) = self.messages.iter_mut().find(|m| m.id == message_id && !m.was(what)) else {
            return false;
        };
        open.reported |= what.bit();
        let message = open.clone();
        if what == Lifecycle::Dismiss {
            self.profile.dismissed.insert(message.decision.scenario_id.clone(), now);
            self.profile_dirty = true;
        }
        self.enqueue(what.event_name(), &lifecycle_params(&message), now, entropy);
        true
    }

    /// The shopper chose store `store_id` in message `message_id`'s picker ("choose your
    /// store"): it becomes their favorite store (a `favorite_store` event), the choice counts
    /// as the message's click, and the message is rendered again for that store — same id, so
    /// its impression, click and dismissal stay one message. Returns the message and whether
    /// this was its first click; `None` (and nothing recorded) when the message has no picker
    /// or the store is not one of its choices.
    pub fn choose_store(
        &mut self,
        message_id: &str,
        store_id: &str,
        now: i64,
        entropy: &mut dyn Entropy,
    ) -> Option<(Message, bool)> {
        let open = self.messages.iter().find(|m| m.id == message_id && !m.was(Lifecycle::Dismiss))?;
        let picker = open.decision.picker.as_ref()?;
        if !picker.stores.iter().any(|(id, _)| id == store_id) {
            return None;
        }
        let (scenario, item) = (open.decision.scenario_id.clone(), open.decision.item_id.clone()?);
        let config = self.config.as_ref()?;
        let decision =
            crate::engine::with_store(config, &self.profile, &self.page, &self.env(now), &scenario, &item, Some(store_id))?;
        let params = object([("store_id", store_id.into())]);
        // A valid event by construction (a store id from the config).
        let _ = self.track("favorite_store", &params, now, entropy);
        let clicked = self.lifecycle(message_id, Lifecycle::Click, now, entropy);
        Some((self.replace_decision(message_id, decision)?, clicked))
    }

    /// The shopper's position arrived while "choose your store" messages are open: each whose
    /// item the nearest store now satisfies is rendered again for that store (same id).
    /// Returns the messages that changed.
    pub fn relocate(&mut self, now: i64) -> Vec<Message> {
        let Some(config) = &self.config else { return Vec::new() };
        let env = self.env(now);
        let redone: Vec<(String, Decision)> = self
            .messages
            .iter()
            .filter(|m| m.decision.picker.is_some() && !m.was(Lifecycle::Dismiss))
            .filter_map(|m| {
                let (scenario, item) = (&m.decision.scenario_id, m.decision.item_id.as_deref()?);
                let d = crate::engine::with_store(config, &self.profile, &self.page, &env, scenario, item, None)?;
                Some((m.id.clone(), d))
            })
            .collect();
        redone.into_iter().filter_map(|(id, d)| self.replace_decision(&id, d)).collect()
    }

    fn replace_decision(&mut self, message_id: &str, decision: Decision) -> Option<Message> {
        let m = self.messages.iter_mut().find(|m| m.id == message_id)?;
        m.decision = Decision { delay_ms: 0, ..decision };
        Some(m.clone())
    }

    /// Scenario `scenario_id` as it would look now, for `?shopcue_preview=<id>`: rendered with
    /// the shopper's own data where the profile has a fitting item, else with a sample item
    /// (a 20 % price drop, 2 left, 1.2 km from the first store). Never counted: the message
    /// is not tracked, so no exposure, impression, click or dismissal is recorded for it.
    pub fn preview(&self, scenario_id: &str, now: i64, entropy: &mut dyn Entropy) -> Option<Message> {
        let config = self.config.as_ref()?;
        let ja = config.format.ja();
        let sample = crate::profile::ItemState {
            item: Item {
                id: "sample".into(),
                name: Some(if ja { "サンプル商品" } else { "Sample item" }.into()),
                brand: Some("Shopcue".into()),
                price: Some(1980.0),
                stock: Some(2.0),
                url: Some("/".into()),
                stores: config.stores.first().map(|s| vec![(s.id.clone(), 3.0)]),
                ..Item::default()
            },
            first_price: Some(2480.0),
            lowest_price: Some(1980.0),
            seen_at: now - 86_400_000,
            views: vec![now - 86_400_000, now - 3_600_000],
            view_count: 2,
            cart_qty: 1.0,
            cart_added_at: Some(now - 3 * 3_600_000),
            cart_price: Some(2480.0),
            ..crate::profile::ItemState::default()
        };
        let env = Env {
            location: self.location.or_else(|| config.stores.first().map(|s| (s.lat + 0.008, s.lon + 0.008))),
            ..self.env(now)
        };
        let sample = crate::engine::item_context(&sample, config, &self.profile, &env, false);
        let decision = crate::engine::preview(config, &self.profile, &self.page, &env, scenario_id, &sample)?;
        Some(Message { id: crate::text::concat(&["preview-", &uuid_v7(now, entropy)]), decision, reported: 0 })
    }

    /// For every scenario: shown or not, and why. Includes where this visit came from (its
    /// session's traffic, [`Runtime::set_traffic`]), and profile and outbox figures.
    pub fn explain(&self, now: i64) -> Value {
        let scenarios = match &self.config {
            None => Vec::new(),
            Some(config) => crate::engine::explain(config, &self.profile, &self.page, &self.env(now))
                .explanations
                .into_iter()
                .map(|e| {
                    let mut v =
                        if self.consent.personalization { e.verdict.to_value() } else { object([("reason", "consent".into())]) };
                    v.set("scenario_id", e.scenario_id.as_str().into());
                    v.set("priority", e.priority.into());
                    v
                })
                .collect(),
        };
        // As the conditions read it (`visitor.session_source` …); null where the page did not say.
        let mut lines = crate::text::split(&self.profile.session.traffic, b'\n');
        let mut next = || Value::from(lines.next().unwrap_or_default());
        let traffic = match self.profile.session.traffic.is_empty() {
            true => Value::Null,
            false => object([("source", next()), ("medium", next()), ("campaign", next())]),
        };
        object([
            ("config_loaded", self.config.is_some().into()),
            (
                "consent",
                object([("analytics", self.consent.analytics.into()), ("personalization", self.consent.personalization.into())]),
            ),
            ("scenarios", Value::Array(scenarios)),
            ("traffic", traffic),
            ("profile", self.profile.stats()),
            ("outbox", object([("queued", (self.outbox.len() as u32).into()), ("dropped", self.outbox.dropped.into())])),
        ])
    }

    /// The next beacon batch, if one is due (or everything, on [`Flush::Unload`]).
    pub fn next_batch(&mut self, now: i64, flush: Flush) -> Option<Batch> {
        if !self.counts() {
            return None;
        }
        let site = &self.options.as_ref()?.site;
        self.options.as_ref()?.endpoint.as_ref()?;
        let header = crate::text::concat(&["\"v\":1,\"site\":", &Value::from(site.as_str()).to_json()]);
        self.outbox.next_batch(now, flush, &header)
    }

    /// Reports how a batch ended (HTTP status, 0 for a network error).
    pub fn settle(&mut self, seq: u32, status: u16, retry_after_ms: Option<i64>, now: i64, jitter: f64) {
        let before = self.outbox.len();
        self.outbox.settle(seq, Outcome::from_status(status, retry_after_ms), now, jitter);
        self.outbox_dirty |= self.outbox.len() != before;
    }

    /// When the outbox next wants a [`Flush::Timer`] poll.
    pub fn next_due(&self) -> Option<i64> {
        if !self.counts() {
            return None;
        }
        self.options.as_ref()?.endpoint.as_ref()?;
        self.outbox.next_due()
    }

    /// The profile as JSON text if it changed since the last call.
    pub fn take_profile_json(&mut self) -> Option<String> {
        if !self.consent.personalization || self.profile_frozen || !std::mem::take(&mut self.profile_dirty) {
            return None;
        }
        self.unsynced.clear();
        Some(self.profile.to_json_within(crate::profile::MAX_PROFILE_BYTES))
    }

    /// Another tab stored the profile (`storage` event): take it as the base, keep this tab's
    /// session, and replay what this tab did since it last stored, so neither tab's updates
    /// are lost. Unreadable text is ignored. Returns whether this tab has more to store.
    pub fn rebase_profile(&mut self, stored: &str) -> bool {
        if !self.consent.personalization || self.profile_frozen {
            return false;
        }
        let Some(mut base) = Profile::from_json(stored) else { return false };
        base.session = self.profile.session.clone();
        base.sessions = base.sessions.max(self.profile.sessions);
        for (event, at) in &self.unsynced {
            base.apply(event, *at);
        }
        self.profile = base;
        self.profile_dirty = !self.unsynced.is_empty();
        self.profile_dirty
    }

    /// The outbox as JSON text if it changed since the last call. While the endpoint is blocked
    /// nothing new is persisted: the page view's events stay in memory only.
    pub fn take_outbox_json(&mut self) -> Option<String> {
        if !self.outbox_dirty {
            return None;
        }
        let json = self.outbox_json()?;
        self.outbox_dirty = false;
        Some(json)
    }

    /// The outbox as JSON text, changed or not (`None` while blocked or without consent).
    pub fn outbox_json(&self) -> Option<String> {
        (!self.outbox.blocked() && self.counts()).then(|| self.outbox.to_json())
    }

    /// Adopts the events of another page's stored outbox (a page that is gone, see
    /// [`crate::outbox::orphaned`]); returns how many were new. Only with analytics consent.
    pub fn adopt_outbox(&mut self, stored: &str) -> usize {
        if !self.counts() {
            return 0;
        }
        let adopted = self.outbox.adopt(Outbox::from_json(stored));
        self.outbox_dirty |= adopted > 0;
        adopted
    }

    /// Drops queued events another page adopted while this one was frozen (see
    /// [`Outbox::forget`]); returns how many.
    pub fn forget_outbox(&mut self, ids: &[String]) -> usize {
        let forgotten = self.outbox.forget(ids);
        self.outbox_dirty |= forgotten > 0;
        forgotten
    }

    /// Ids of the queued events, oldest first.
    pub fn outbox_ids(&self) -> Vec<String> {
        self.outbox.ids().map(str::to_string).collect()
    }

    /// The browser is back online: send what waits now.
    pub fn online(&mut self) {
        self.outbox.unblock();
    }

    /// Whether this page shows a preview link's draft ([`Runtime::preview_draft`]).
    pub fn previewing_draft(&self) -> bool {
        self.previewing_draft
    }

    /// Whether events are queued, stored and sent: with analytics consent, and not while
    /// previewing a draft.
    fn counts(&self) -> bool {
        self.consent.analytics && !self.previewing_draft
    }

    /// Previews a draft config if the page's address carries a preview link's token
    /// (`?shopcue_preview=draft.<hex>`, from the collector's `POST /api/sites/{site}/preview`):
    /// the config URL asks for that draft (`preview=<token>`), and nothing this page does is
    /// queued, stored or sent — the preview is never counted, and the events other pages left
    /// queued stay stored for them. Returns the token; `None` (and no change) without one, or
    /// for an inline config.
    ///
    /// ```
    /// use shopcue::{id::SeededEntropy, json::parse, runtime::{ConfigSource, Runtime}};
    /// let e = &mut SeededEntropy(1);
    /// let (mut rt, _) = Runtime::new(None, None, 0, e);
    /// rt.init(&parse(r#"{"site":"s","config":"/shopcue/sites/s/config.json","endpoint":"/collect"}"#).unwrap()).unwrap();
    /// assert!(rt.preview_draft("https://shop.example/p?id=1&shopcue_preview=draft.0123456789abcdef0123456789abcdef").is_some());
    /// let ConfigSource::Url(url) = &rt.options().unwrap().config else { panic!() };
    /// assert_eq!(url, "/shopcue/sites/s/config.json?preview=draft.0123456789abcdef0123456789abcdef");
    /// rt.track("view_item", &parse(r#"{"items":[{"item_id":"t"}]}"#).unwrap(), 1, e).unwrap();
    /// assert!(rt.next_batch(2, shopcue::outbox::Flush::Unload).is_none(), "never counted");
    /// ```
    pub fn preview_draft(&mut self, href: &str) -> Option<String> {
        let query = crate::text::before(crate::text::split_once(href, b'?')?.1, b'#');
        let token = crate::text::split(query, b'&').find_map(|kv| kv.strip_prefix("shopcue_preview="))?;
        let hex = token.strip_prefix("draft.")?;
        if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let ConfigSource::Url(url) = &mut self.options.as_mut()?.config else { return None };
        url.push(if url.bytes().any(|b| b == b'?') { '&' } else { '?' });
        url.push_str("preview=");
        url.push_str(token);
        self.previewing_draft = true;
        Some(token.to_string())
    }

    /// `init` options, once given.
    pub fn options(&self) -> Option<&InitOptions> {
        self.options.as_ref()
    }

    /// An exposure's params, with scenario `id`'s goal where that is not a purchase.
    fn with_goal(&self, mut params: Value, id: &str) -> Value {
        if let Some(goal) = self.config.as_ref().and_then(|c| c.scenarios.iter().find(|s| s.id == id)?.goal.as_deref()) {
            params.set("goal", goal.into());
        }
        params
    }

    fn enqueue(&mut self, name: &str, params: &Value, now: i64, entropy: &mut dyn Entropy) {
        if self.options.is_none() || !self.counts() {
            return;
        }
        let id = uuid_v7(now, entropy);
        // Written straight to text (the event is only sent, never read again), members in the
        // order of the beacon protocol.
        let mut json = String::with_capacity(192 + self.page.url.len());
        json.push_str("{\"id\":");
        json::write_string(&id, &mut json);
        json.push_str(",\"name\":");
        json::write_string(name, &mut json);
        json.push_str(",\"ts\":");
        json::format_number(now as f64, &mut json);
        json.push_str(",\"visitor_id\":");
        json::write_string(&self.profile.visitor_id, &mut json);
        json.push_str(",\"session_id\":");
        json::write_string(&self.profile.session.id, &mut json);
        json.push_str(",\"session_number\":");
        json::format_number(f64::from(self.profile.sessions), &mut json);
        json.push_str(",\"traffic\":");
        json::write_string(&self.profile.session.traffic, &mut json);
        json.push_str(",\"url\":");
        json::write_string(&self.page.url, &mut json);
        json.push_str(",\"params\":");
        json::write_value(params, &mut json);
        json.push('}');
        self.outbox.push(Entry { id, at: now, json });
        self.outbox_dirty = true;
    }
}

fn lifecycle_params(m: &Message) -> Value {
    object([
        ("message_id", m.id.as_str().into()),
        ("scenario_id", m.decision.scenario_id.as_str().into()),
        ("variant", m.decision.variant.clone().into()),
        ("item_id", m.decision.item_id.clone().into()),
        ("placement", m.decision.placement.into()),
    ])
}

/// The playground's engine run (`www/playground.html`): a fresh runtime with `config`, the
/// shopper's past events replayed at their times, then the current page — everything a
/// marketer needs to see what would show and why, with nothing stored or sent.
///
/// Input: `{"config": {…}, "events": [[name, params, minutes_ago], …], "now": ms,
/// "url": "…", "utc_offset_min": 540, "location": [lat, lon] | null, "device": "mobile" |
/// "tablet" | "desktop" (the default), "traffic": "source\nmedium\ncampaign"}` — events with
/// `minutes_ago` 0 (or missing) happen on the current page, the others on earlier pages; every
/// session the shopper starts comes from `traffic` ([`Runtime::set_traffic`]).
/// `formatter` formats the locales the core does not (the playground passes the page's `Intl`).
/// Output: `{"config_problems": [{path, message}], "event_problems": [{index, problems}],
/// "messages": [message…], "explain": {…}}`.
///
/// ```
/// use shopcue::{id::SeededEntropy, json::parse, runtime::simulate};
/// let out = simulate(&parse(r#"{"config":{"version":1,"site":"s","scenarios":[{"preset":"page_low_stock"}]},
///   "events":[["view_item",{"items":[{"item_id":"a","item_name":"Tee","stock":2}]}]],"now":1790000000000}"#).unwrap(),
///   &mut SeededEntropy(1), None);
/// assert_eq!(out.get_path("messages.0.title").and_then(|v| v.as_str()), Some("残りわずか：Teeは残り2点です"));
/// ```
pub fn simulate(input: &Value, entropy: &mut dyn Entropy, formatter: Option<Rc<dyn Formatter>>) -> Value {
    let now = input.get("now").and_then(Value::as_f64).unwrap_or(0.0) as i64;
    let config = input.get("config").cloned().unwrap_or(Value::Null);
    let problems = |e: Error| e.problems_value();
    let events: Vec<(usize, String, Value, i64)> = input
        .get("events")
        .and_then(Value::as_array)
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let name = e.get_path("0").and_then(Value::as_str).unwrap_or_default().to_string();
            let params = e.get_path("1").cloned().unwrap_or(Value::Object(Vec::new()));
            let ago = e.get_path("2").and_then(Value::as_f64).unwrap_or(0.0).max(0.0);
            (i, name, params, now - (ago * 60_000.0) as i64)
        })
        .collect();
    let start = events.iter().map(|e| e.3).min().unwrap_or(now).min(now);
    let (mut rt, _) = Runtime::new(None, None, start, entropy);
    if let Some(f) = formatter {
        rt.set_formatter(f);
    }
    let site = config.get("site").and_then(Value::as_str).unwrap_or("playground").to_string();
    let _ = rt.init(&object([("site", site.as_str().into()), ("config", config.clone())]));
    let config_problems = match rt.set_config(&config) {
        Ok(()) => Value::Array(Vec::new()),
        Err(e) => problems(e),
    };
    let mut event_problems = Vec::new();
    let mut apply = |rt: &mut Runtime, (i, name, params, at): &(usize, String, Value, i64), entropy: &mut dyn Entropy| {
        let result = if name == "identify" { rt.identify(params) } else { rt.track(name, params, *at, entropy).map(|_| ()) };
        if let Err(e) = result {
            event_problems.push(object([("index", (*i as u32).into()), ("problems", problems(e))]));
        }
    };
    rt.set_traffic(input.get("traffic").and_then(Value::as_str).unwrap_or_default());
    let mut earlier: Vec<&(usize, String, Value, i64)> = events.iter().filter(|e| e.3 < now).collect();
    crate::sort::sort_by(&mut earlier, |a, b| a.3.cmp(&b.3));
    for e in earlier {
        rt.page_view("https://playground.invalid/earlier", e.3, entropy);
        apply(&mut rt, e, entropy);
    }
    rt.set_utc_offset(input.get("utc_offset_min").and_then(Value::as_f64).unwrap_or(540.0) as i32);
    rt.set_device(input.get("device").and_then(Value::as_str).unwrap_or("desktop"));
    let location = input.get("location").and_then(|l| Some((l.get_path("0")?.as_f64()?, l.get_path("1")?.as_f64()?)));
    rt.set_location(location);
    let url = input.get("url").and_then(Value::as_str).unwrap_or("https://playground.invalid/");
    rt.page_view(url, now, entropy);
    for e in events.iter().filter(|e| e.3 >= now) {
        apply(&mut rt, e, entropy);
    }
    // Explained before deciding, so the winners read "shown" rather than "already_shown".
    let explain = rt.explain(now);
    let messages = rt.decide(now, entropy);
    object([
        ("config_problems", config_problems),
        ("event_problems", Value::Array(event_problems)),
        ("messages", Value::Array(messages.iter().map(Message::to_value).collect())),
        ("explain", explain),
    ])
}

/// `url` as a product link: the fragment and the query parameters that only say how the
/// shopper arrived ([`TRACKING_PARAMS`]) dropped; the rest of the query kept, since it often
/// names the product (`/product?id=…`).
fn product_link(url: &str) -> String {
    let url = crate::text::before(url, b'#');
    let Some((base, query)) = crate::text::split_once(url, b'?') else { return url.to_string() };
    let kept: Vec<&str> = crate::text::split(query, b'&')
        .filter(|p| !p.is_empty() && !TRACKING_PARAMS.iter().any(|t| crate::text::before(p, b'=').starts_with(t)))
        .collect();
    if kept.is_empty() {
        base.to_string()
    } else {
        let mut link = String::with_capacity(url.len());
        link.push_str(base);
        link.push('?');
        link.push_str(&crate::text::join(&kept, "&"));
        link
    }
}

/// `v`'s member `key` as true or false: `default` when it is absent, a problem when it is of
/// another type (`"render": "false"`).
fn flag(v: &Value, key: &str, default: bool) -> Result<bool, Problem> {
    match v.get(key) {
        None => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(Problem::new(member("$", key), "must be true or false")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::SeededEntropy;
    use crate::json::parse;

    fn init_options() -> Value {
        parse(
            r#"{"site":"demo","endpoint":"/collect","config":{"version":1,"site":"demo","locale":"en-US","links":{"cart":"/cart"},
                "scenarios":[{"preset":"page_low_stock"},{"preset":"cart_low_stock"}]}}"#,
        )
        .unwrap()
    }

    fn init(rt: &mut Runtime) {
        match rt.init(&init_options()).unwrap().config {
            ConfigSource::Inline(c) => rt.set_config(&c).unwrap(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_pages_locale_and_currency_win_over_the_configs() {
        let e = &mut SeededEntropy(9);
        let config = r#""config":{"version":1,"site":"demo","locale":"ja-JP","currency":"JPY",
            "scenarios":[{"preset":"page_low_stock","message":{"title":{"ja":"残り{{item.stock}}点 {{item.price|currency}}",
            "en":"Only {{item.stock}} left at {{item.price|currency}}"}}}]}"#;
        let mut shown = |page: &str| {
            let (mut rt, _) = Runtime::new(None, None, 0, e);
            let opts = parse(&format!(r#"{{"site":"demo",{page}{config}}}"#)).unwrap();
            let ConfigSource::Inline(c) = rt.init(&opts).unwrap().config else { unreachable!() };
            rt.set_config(&c).unwrap();
            rt.page_view("https://s/p", 0, e);
            let item = r#"{"items":[{"item_id":"a","item_name":"Tee","price":1980,"stock":2}]}"#;
            rt.track("view_item", &parse(item).unwrap(), 1, e).unwrap();
            let m = rt.decide(2, e).remove(0);
            (m.decision.title, rt.config.as_ref().unwrap().labels.close.clone())
        };
        assert_eq!(shown(""), ("残り2点 ¥1,980".to_string(), "閉じる".to_string()));
        assert_eq!(shown(r#""locale":"en-US","#), ("Only 2 left at ¥1,980".to_string(), "Close".to_string()));
        assert_eq!(shown(r#""locale":"en-US","currency":"USD","#).0, "Only 2 left at $1,980.00");

        let (mut rt, _) = Runtime::new(None, None, 0, e);
        let bad =
            parse(r#"{"site":"demo","locale":"english!","currency":"yen","config":"/c.json","debug":"yes","render":"false"}"#)
                .unwrap();
        let Err(Error::InvalidEvent(problems)) = rt.init(&bad) else { panic!("accepted") };
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["$.debug", "$.render", "$.locale", "$.currency"]);
        assert_eq!(problems[1].message, "must be true or false");
        let flags = parse(r#"{"site":"demo","config":"/c.json","debug":true,"render":false}"#).unwrap();
        assert!(rt.init(&flags).unwrap().debug);
    }

    #[test]
    fn an_exposure_names_its_scenarios_goal_unless_a_purchase() {
        // The goals each visitor's exposures carry: shown, and held out (half the visitors).
        let exposures = |goal: &str| {
            let mut seen = Vec::new();
            for seed in 0..40 {
                let e = &mut SeededEntropy(seed);
                let (mut rt, _) = Runtime::new(None, None, 0, e);
                let config = format!(
                    r#"{{"site":"demo","endpoint":"/collect","config":{{"version":1,"site":"demo","scenarios":[{{"id":"join","holdout":0.5,
                    "message":{{"title":"Join us"}}{goal}}}]}}}}"#
                );
                let ConfigSource::Inline(c) = rt.init(&parse(&config).unwrap()).unwrap().config else { unreachable!() };
                rt.set_config(&c).unwrap();
                rt.page_view("https://s/", 0, e);
                rt.decide(1, e);
                let body = parse(&rt.next_batch(2, Flush::Unload).unwrap().body).unwrap();
                let exposure = body.get_path("events.1").unwrap();
                assert_eq!(exposure.get("name").and_then(Value::as_str), Some("shopcue_exposure"));
                let params = exposure.get("params").unwrap();
                let variant = params.get("variant").and_then(Value::as_str).unwrap_or("shown").to_string();
                seen.push((variant, params.get("goal").and_then(Value::as_str).map(str::to_string)));
            }
            seen.sort();
            seen.dedup();
            seen
        };
        let sign_up = Some("sign_up".to_string());
        assert_eq!(exposures(r#","goal":"sign_up""#), [("holdout".into(), sign_up.clone()), ("shown".into(), sign_up)]);
        assert_eq!(exposures(""), [("holdout".into(), None), ("shown".into(), None)]);
        assert_eq!(exposures(r#","goal":"purchase""#), [("holdout".into(), None), ("shown".into(), None)], "the default");
    }

    #[test]
    fn a_page_visit_end_to_end() {
        let e = &mut SeededEntropy(9);
        let (mut rt, warnings) = Runtime::new(None, None, 1_000, e);
        assert!(warnings.is_empty());
        init(&mut rt);
        rt.page_view("https://shop.example/product.html?id=a&email=x@y", 1_000, e);
        rt.track("view_item", &parse(r#"{"items":[{"item_id":"a","item_name":"Tee","stock":2}]}"#).unwrap(), 1_001, e).unwrap();
        let shown = rt.decide(1_002, e);
        assert_eq!(shown.len(), 1);
        assert!(rt.decide(1_003, e).is_empty(), "not shown twice on one page");
        assert!(rt.lifecycle(&shown[0].id, Lifecycle::Impression, 1_004, e));
        assert!(!rt.lifecycle("unknown", Lifecycle::Click, 1_004, e));

        let batch = rt.next_batch(1_005, Flush::Unload).unwrap();
        let body = parse(&batch.body).unwrap();
        let names: Vec<_> =
            body.get("events").unwrap().as_array().unwrap().iter().map(|e| e.get("name").unwrap().as_str().unwrap()).collect();
        assert_eq!(names, ["page_view", "view_item", "shopcue_exposure", "shopcue_impression"]);
        assert_eq!(body.get_path("events.0.url").unwrap().as_str(), Some("https://shop.example/product.html"), "no query string");
        assert_eq!(body.get("site").unwrap().as_str(), Some("demo"));
        // Each event's members, in the protocol's order, exactly as its text was written.
        let view = body.get_path("events.1").unwrap();
        let keys: Vec<&str> = match view {
            Value::Object(members) => members.iter().map(|(k, _)| k.as_str()).collect(),
            _ => panic!("an object"),
        };
        assert_eq!(keys, ["id", "name", "ts", "visitor_id", "session_id", "session_number", "traffic", "url", "params"]);
        assert_eq!(view.get("ts").and_then(Value::as_f64), Some(1_001.0));
        assert_eq!(view.get("session_number").and_then(Value::as_f64), Some(1.0));
        assert_eq!(view.get("visitor_id").and_then(Value::as_str), Some(rt.profile.visitor_id.as_str()));
        assert_eq!(view.get_path("params.items.0.item_name").and_then(Value::as_str), Some("Tee"));
        rt.settle(batch.seq, 204, None, 1_006, 0.5);
        assert!(rt.outbox.is_empty());

        // State survives a reload through its stored text.
        let (profile, outbox) = (rt.take_profile_json().unwrap(), rt.outbox.to_json());
        let (rt2, warnings) = Runtime::new(Some(&profile), Some(&outbox), 2_000, e);
        assert!(warnings.is_empty());
        assert_eq!(rt2.profile, rt.profile);
    }

    #[test]
    fn bad_commands_are_rejected_and_the_rest_keeps_working() {
        let e = &mut SeededEntropy(1);
        let (mut rt, warnings) = Runtime::new(Some("{corrupt"), None, 0, e);
        assert_eq!(warnings.len(), 1, "a corrupt stored profile is reported and replaced");
        assert_eq!(rt.track("view_item", &Value::Null, 0, e), Err(Error::NotInitialized));
        let err = rt.init(&parse(r#"{"endpoint":"javascript:x"}"#).unwrap()).unwrap_err();
        assert_eq!(err.problems().len(), 3);
        init(&mut rt);
        rt.page_view("/", 0, e);
        assert!(rt.track("add_to_cart", &parse(r#"{"items":[{"price":"free"}]}"#).unwrap(), 1, e).is_err());
        assert!(rt.track("shopcue_click", &Value::Null, 1, e).is_err());
        rt.track("add_to_cart", &parse(r#"{"items":[{"item_id":"a","stock":3}]}"#).unwrap(), 2, e).unwrap();
        assert_eq!(rt.decide(3, e)[0].decision.scenario_id, "cart_low_stock");
        let bad = rt.set_config(&parse(r#"{"version":1,"site":"other","scenarios":[]}"#).unwrap());
        assert_eq!(bad.unwrap_err().problems()[0].path, "$.site");
        assert!(rt.explain(4).get("config_loaded").unwrap().as_bool().unwrap(), "the old config stays");
    }

    /// The calls the README's table of Shopcue's own events shows, as written there (in JSON).
    #[test]
    fn the_readme_s_own_events_and_traits_are_taken_as_written() {
        let e = &mut SeededEntropy(5);
        // Each taken, and what each records as the table says (then a purchase naming the coupon).
        let mut profile = crate::profile::Profile::default();
        for (name, params) in [
            ("coupon", r#"{"coupon_id":"WELCOME","amount":500,"expires_at":"2026-12-31"}"#),
            ("points", r#"{"balance":1200,"expiring":300,"expires_at":"2026-12-31"}"#),
            ("notify_me", r#"{"items":[{"item_id":"linen-shirt"}]}"#),
            ("favorite_brand", r#"{"brand":"Acme"}"#),
            ("favorite_store", r#"{"store_id":"shibuya"}"#),
            ("store_reservation", r#"{"store_id":"shibuya"}"#),
            ("purchase", r#"{"transaction_id":"1","coupon":"WELCOME","items":[{"item_id":"tee","price":1}]}"#),
        ] {
            let event = crate::event::Event::parse(name, &parse(params).unwrap());
            profile.apply(&event.unwrap_or_else(|err| panic!("{name}: {err:?}")), 1);
        }
        assert_eq!(
            (profile.coupons[0].id.as_str(), profile.coupons[0].amount, profile.coupons[0].used),
            ("WELCOME", Some(500.0), true)
        );
        assert_eq!(profile.points.as_ref().map(|p| (p.balance, p.expiring)), Some((1200.0, 300.0)));
        assert_eq!(
            (profile.favorite_brands.as_slice(), profile.favorite_store.as_deref()),
            (&["Acme".to_string()][..], Some("shibuya"))
        );
        // A wrong or missing parameter is refused with its path.
        let missing = crate::event::Event::parse("points", &parse(r#"{"expiring":300}"#).unwrap()).unwrap_err();
        assert_eq!(missing.problems()[0].path, "$.balance");
        let (mut rt, _) = Runtime::new(None, None, 0, e);
        let traits = r#"{"member":true,"subscription":false,"birthday":"07-14","segments":["vip"],"purchase_count":3,"first_purchase_at":"2024-05-01","shoe_size":27}"#;
        rt.identify(&parse(traits).unwrap()).unwrap();
        assert_eq!(rt.profile.traits.get("shoe_size").and_then(Value::as_f64), Some(27.0), "any other trait is kept");
    }

    #[test]
    fn identify_says_what_each_wrong_trait_must_be_and_keeps_nothing_of_a_wrong_call() {
        let e = &mut SeededEntropy(3);
        let (mut rt, _) = Runtime::new(None, None, 0, e);
        let wrong = parse(
            r#"{"member":"yes","subscription":1,"purchase_count":-1,"birthday":"13-45","first_purchase_at":"last week",
                "last_purchase_at":true,"segments":["vip",3],"favorite_color":"any value is kept"}"#,
        )
        .unwrap();
        let problems = rt.identify(&wrong).unwrap_err().problems().to_vec();
        let said: Vec<(&str, &str)> = problems.iter().map(|p| (p.path.as_str(), p.message.as_str())).collect();
        assert_eq!(
            said,
            [
                ("$.member", "must be true or false"),
                ("$.subscription", "must be true or false"),
                ("$.purchase_count", "must be a number ≥ 0"),
                ("$.birthday", "must be \"MM-DD\": a month 01–12 and a day 01–31"),
                ("$.first_purchase_at", "must be an ISO date or Unix milliseconds"),
                ("$.last_purchase_at", "must be an ISO date or Unix milliseconds"),
                ("$.segments", "must be an array of strings"),
            ]
        );
        assert_eq!(rt.profile.traits.get("favorite_color"), None, "a rejected call changes nothing");
        for birthday in ["+1-05", "1-05", "00-10", "12-32"] {
            let traits = parse(&crate::text::concat(&["{\"birthday\":\"", birthday, "\"}"])).unwrap();
            assert!(rt.identify(&traits).is_err(), "{birthday}");
        }
        let right =
            parse(r#"{"member":true,"purchase_count":2,"birthday":"02-29","last_purchase_at":"2026-11-12","segments":[]}"#);
        rt.identify(&right.unwrap()).unwrap();
        assert_eq!(rt.profile.traits.get("birthday").and_then(Value::as_str), Some("02-29"));
    }

    #[test]
    fn consent_required_means_nothing_stored_sent_or_shown_until_granted() {
        let e = &mut SeededEntropy(5);
        let (mut rt, _) = Runtime::new(None, None, 0, e);
        let mut opts = init_options();
        opts.set("consent", "required".into());
        match rt.init(&opts).unwrap().config {
            ConfigSource::Inline(c) => rt.set_config(&c).unwrap(),
            other => panic!("{other:?}"),
        }
        rt.page_view("/p", 0, e);
        rt.track("add_to_cart", &parse(r#"{"items":[{"item_id":"a","stock":1}]}"#).unwrap(), 1, e).unwrap();
        assert!(rt.decide(2, e).is_empty(), "no message without personalization consent");
        assert_eq!((rt.take_profile_json(), rt.take_outbox_json()), (None, None), "nothing to store");
        assert_eq!(rt.next_batch(10_000, Flush::Unload), None, "nothing to send");
        assert_eq!(rt.explain(3).get_path("scenarios.0.reason").and_then(Value::as_str), Some("consent"));

        // An earlier visit's profile, read only once consent arrives; this page's events are kept.
        let mut earlier = Profile::new(0, e);
        earlier.apply(&Event::parse("purchase", &parse(r#"{"items":[{"item_id":"z"}]}"#).unwrap()).unwrap(), 0);
        let change = rt.set_consent(&parse(r#"{"analytics":true,"personalization":true}"#).unwrap(), 4, e).unwrap();
        assert!(change.granted);
        rt.restore(Some(&earlier.to_json()));
        assert_eq!(rt.profile.purchase_count, 1);
        assert!(rt.profile.items.get("a").is_some_and(|s| s.cart_qty == 1.0), "this page's cart add survives");
        assert_eq!(rt.decide(5, e)[0].decision.scenario_id, "cart_low_stock");
        assert!(rt.take_profile_json().is_some() && rt.next_batch(10_000, Flush::Unload).is_some());

        // Revoking purges, in memory and (via the change) in storage.
        let change = rt.set_consent(&parse(r#"{"analytics":false,"personalization":false}"#).unwrap(), 6, e).unwrap();
        assert_eq!((change.purge_profile, change.purge_outbox), (true, true));
        assert!(rt.outbox.is_empty() && rt.profile.items.is_empty());
        assert_ne!(rt.profile.visitor_id, earlier.visitor_id, "a new, unlinked visitor id");
        assert!(rt.set_consent(&parse(r#"{"analytics":"yes"}"#).unwrap(), 7, e).is_err());
    }

    #[test]
    fn consent_at_start_is_read_the_same_way_everywhere() {
        let at = |json: &str| Consent::from_init_options(&parse(json).unwrap());
        assert_eq!(at(r#"{}"#), Ok(Consent::GRANTED));
        assert_eq!(at(r#"{"consent":"required"}"#), Ok(Consent::REQUIRED));
        assert_eq!(at(r#"{"consent":{"analytics":true,"personalization":true}}"#), Ok(Consent::GRANTED));
        assert_eq!(at(r#"{"consent":{"analytics":true}}"#), Ok(Consent { analytics: true, personalization: false }));
        assert!(at(r#"{"consent":"yes"}"#).is_err());
    }

    #[test]
    fn captured_values_wait_for_the_config_and_obey_its_switches() {
        let e = &mut SeededEntropy(9);
        let (mut rt, _) = Runtime::new(None, None, 0, e);
        let opts = init_options();
        let config = opts.get("config").cloned().unwrap();
        rt.init(&opts).unwrap();
        rt.page_view("https://shop.example/p/ls", 1, e);
        let ld = Value::from(
            r#"{"@type":"Product","sku":"LS","name":"Linen","offers":{"price":6980,"priceCurrency":"JPY","inventoryLevel":2}}"#,
        );
        let push = parse(r#"{"event":"view_item","ecommerce":{"items":[{"item_id":"LS","price":6980,"stock":2}]}}"#).unwrap();
        assert_eq!(rt.capture("jsonld", &ld, 2, e), Ok(false), "waits for the config");
        assert_eq!(rt.capture("datalayer", &push, 3, e), Ok(false));
        rt.set_config(&config).unwrap();
        assert_eq!(rt.replay_captured(4, e), Vec::<Error>::new());
        assert_eq!(
            rt.profile.items.get("LS").map(|s| s.views.len()),
            Some(1),
            "JSON-LD and dataLayer views of one item count once"
        );
        assert_eq!(rt.decide(5, e)[0].decision.scenario_id, "page_low_stock", "captured stock drives scenarios");
        let cart = parse(r#"["event","add_to_cart",{"items":[{"item_id":"LS","price":"¥6,980"}]}]"#).unwrap();
        assert_eq!(rt.capture("datalayer", &cart, 6, e), Ok(true));
        assert!(rt.capture("jsonld", &Value::from("{nope"), 7, e).is_err(), "malformed JSON-LD is reported");
        assert!(rt.capture("cookies", &Value::Null, 7, e).is_err());

        let mut off = config.clone();
        off.set("capture", parse(r#"{"datalayer":false,"history":false}"#).unwrap());
        rt.set_config(&off).unwrap();
        assert_eq!(rt.capture("datalayer", &cart, 8, e), Ok(false), "switched off in the config");
        assert!(!rt.captures_history());
        off.set("capture", parse(r#"{"datalayer":"no","cookies":true}"#).unwrap());
        let Err(Error::InvalidConfig(problems)) = rt.set_config(&off) else { panic!("invalid capture switches") };
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["$.capture.cookies", "$.capture.datalayer"]);
    }

    #[test]
    fn a_pages_json_ld_scripts_are_read_together() {
        // The loader hands one scan's scripts over as one array: `[script, script, …]`.
        let e = &mut SeededEntropy(9);
        let card = |sku: &str| format!(r#"{{"@type":"Product","sku":"{sku}","name":"{sku}","offers":{{"price":100}}}}"#);
        let scripts = |texts: &[&str]| Value::from(format!("[{}]", texts.join(",")).as_str());
        // A listing that marks up each card: no view.
        let mut rt = on_product_page(e, &["page_low_stock"], "https://shop.example/c/shirts");
        assert_eq!(rt.capture("jsonld", &scripts(&[&card("A"), &card("B"), &card("C")]), 2, e), Ok(false));
        assert!(rt.profile.items.is_empty());
        // A product page: a review app's Product without an offer, a breadcrumb, the product.
        let mut rt = on_product_page(e, &["page_low_stock"], "https://shop.example/p/ls");
        let review = r#"{"@type":"Product","@id":"https://shop.example/p/ls#reviews","name":"Linen","aggregateRating":{"ratingValue":4.6,"reviewCount":31}}"#;
        let crumbs = r#"{"@type":"BreadcrumbList","itemListElement":[]}"#;
        assert_eq!(rt.capture("jsonld", &scripts(&[review, crumbs, LD_PRODUCT]), 2, e), Ok(true));
        assert_eq!(rt.profile.items.keys().collect::<Vec<_>>(), ["LS"], "the product with an offer");
        assert_eq!(rt.profile.items["LS"].views.len(), 1);
        assert_eq!(rt.decide(3, e)[0].decision.scenario_id, "page_low_stock");
    }

    /// A hand-written product page whose JSON-LD links relative to its folder: the item keeps
    /// links that lead to the same place from the pages that show it later.
    #[test]
    fn links_relative_to_a_product_page_are_kept_as_they_lead_from_it() {
        let e = &mut SeededEntropy(17);
        let mut rt = on_product_page(e, &["page_low_stock"], "https://shop.example/store/items/tee.html?ref=mail");
        let tee = r#"{"@type":"Product","sku":"TEE","name":"Tee","url":"tee.html","image":"img/tee.jpg","offers":{"price":25,"url":"?size=m"}}"#;
        assert_eq!(rt.capture("jsonld", &Value::from(format!("[{tee}]").as_str()), 1, e), Ok(true));
        let cap = r#"[{"item_id":"CAP","url":"../cap.html","image":"/img/cap.jpg"}]"#;
        assert_eq!(rt.catalog(&parse(cap).unwrap(), 2), Ok(()));
        rt.page_view("https://shop.example/", 3, e);
        assert!(rt.track("view_item", &parse(r#"{"items":[{"item_id":"CAP"}]}"#).unwrap(), 4, e).unwrap());
        let links = |rt: &Runtime, id: &str| {
            let item = &rt.profile.items[id].item;
            (item.url.clone(), item.image.clone())
        };
        let some = |url: &str, image: &str| (Some(url.to_string()), Some(image.to_string()));
        assert_eq!(
            links(&rt, "TEE"),
            some("https://shop.example/store/items/tee.html", "https://shop.example/store/items/img/tee.jpg")
        );
        assert_eq!(links(&rt, "CAP"), some("https://shop.example/store/items/../cap.html", "/img/cap.jpg"));
        // A product with no id of its own is named by its link: by where it leads, from any page.
        rt.page_view("https://shop.example/store/items/hat.html", 5, e);
        let hat = r#"{"@type":"Product","name":"Hat","url":"hat.html","offers":{"price":12}}"#;
        assert_eq!(rt.capture("jsonld", &Value::from(format!("[{hat}]").as_str()), 6, e), Ok(true));
        let url = "https://shop.example/store/items/hat.html";
        assert_eq!(rt.profile.items[url].item.url.as_deref(), Some(url));
        // A page with a `<base href>` has its links read against it, as the browser reads them;
        // the next page is read against its own address again.
        rt.page_view("https://shop.example/store/items/bag.html", 7, e);
        rt.set_link_base("https://shop.example/");
        let bag = r#"{"@type":"Product","sku":"BAG","url":"store/bag.html","image":"img/bag.jpg","offers":{"price":30}}"#;
        assert_eq!(rt.capture("jsonld", &Value::from(format!("[{bag}]").as_str()), 8, e), Ok(true));
        rt.page_view("https://shop.example/store/items/belt.html", 9, e);
        assert_eq!(rt.catalog(&parse(r#"[{"item_id":"BELT","image":"belt.jpg"}]"#).unwrap(), 10), Ok(()));
        assert_eq!(links(&rt, "BAG"), some("https://shop.example/store/bag.html", "https://shop.example/img/bag.jpg"));
        assert_eq!(rt.catalog_facts.last().and_then(|i| i.image.as_deref()), Some("https://shop.example/store/items/belt.jpg"));
    }

    /// Shopify: a product quick-added from a collection (under its product id) and then viewed
    /// on its page (under the variant's sku) is in the cart for the browse reminders, which
    /// remind of the shopper's other viewed products instead.
    #[test]
    fn a_viewed_variant_of_a_carted_product_is_in_the_cart() {
        let e = &mut SeededEntropy(18);
        let mut rt = on_product_page(e, &["browse_abandonment"], "https://shop.example/collections/all");
        assert!(track_one(&mut rt, "add_to_cart", CAP_QUICK_ADD, 2, e));
        let cap =
            r#"{"item_id":"CAP-M","item_name":"Canvas cap","url":"https://shop.example/ja/products/canvas-cap?variant=99"}"#;
        let hat = r#"{"item_id":"HAT","item_name":"Hat","url":"https://shop.example/products/hat"}"#;
        for (n, item) in [cap, cap, cap, cap, hat, hat, hat].into_iter().enumerate() {
            rt.page_view("https://shop.example/products/x", 10 + 10 * n as i64, e);
            track_one(&mut rt, "view_item", item, 11 + 10 * n as i64, e);
        }
        rt.page_view("https://shop.example/", 100, e);
        let shown = rt.decide(101, e);
        assert_eq!(shown.iter().map(|d| d.decision.title.as_str()).collect::<Vec<_>>(), ["Still thinking about Hat?"]);
        // Where the query names the product (EC-CUBE 2), the products' pages are not one page.
        let mut rt = on_product_page(e, &["browse_abandonment"], "https://shop.example/");
        let at = |id: &str| {
            format!(r#"{{"item_id":"{id}","item_name":"{id}","url":"https://shop.example/products/detail.php?product_id={id}"}}"#)
        };
        assert!(track_one(&mut rt, "add_to_cart", &at("1"), 2, e));
        for n in 0..3 {
            rt.page_view("https://shop.example/products/detail.php?product_id=2", 10 + 10 * n, e);
            track_one(&mut rt, "view_item", &at("2"), 11 + 10 * n, e);
        }
        rt.page_view("https://shop.example/", 100, e);
        assert_eq!(rt.decide(101, e).iter().map(|d| d.decision.title.as_str()).collect::<Vec<_>>(), ["Still thinking about 2?"]);
    }

    /// Shopify: a collection card's quick add goes under the product's id, and its page's view
    /// under the variant's sku. The store's cart, read on the next page, holds that product once:
    /// it is the card's add, not another add of the viewed item.
    #[test]
    fn a_quick_add_and_its_product_pages_view_are_one_add_when_the_cart_is_read() {
        let e = &mut SeededEntropy(16);
        let mut rt = on_product_page(e, &["page_low_stock"], "https://shop.example/collections/all");
        assert!(track_one(&mut rt, "add_to_cart", CAP_QUICK_ADD, 1, e));
        rt.page_view("https://shop.example/ja/products/canvas-cap", 2, e);
        let view = r#"{"item_id":"CAP-M","url":"https://shop.example/ja/products/canvas-cap?variant=99"}"#;
        assert!(track_one(&mut rt, "view_item", view, 3, e));
        let queued = rt.outbox.entries().count();
        let line = r#"{"items":[["7009", "99", "CAP-M", "canvas-cap", "/ja/products/canvas-cap?variant=99", 1]]}"#;
        assert_eq!(rt.capture("cart", &parse(line).unwrap(), 4, e), Ok(false));
        assert_eq!((rt.profile.cart().count(), rt.outbox.entries().count()), (1, queued), "no second add, nothing sent");
        // Another product of the store's cart, viewed and not in Shopcue's: an add, as before.
        rt.page_view("https://shop.example/products/hat", 5, e);
        assert!(track_one(&mut rt, "view_item", r#"{"item_id":"HAT","url":"https://shop.example/products/hat"}"#, 6, e));
        let both = r#"{"items":[["7009", "99", "CAP-M", "canvas-cap", "/ja/products/canvas-cap?variant=99", 1], ["7010", "98", "HAT", "hat", "/products/hat?variant=98", 1]]}"#;
        assert_eq!(rt.capture("cart", &parse(both).unwrap(), 7, e), Ok(true));
        assert_eq!(rt.profile.cart().map(|s| s.item.id.as_str()).collect::<Vec<_>>(), ["7009", "HAT"]);
    }

    #[test]
    fn a_captured_push_loses_the_field_it_cannot_read_not_the_purchase() {
        let e = &mut SeededEntropy(16);
        let mut rt = on_product_page(e, &["f2_conversion"], "https://shop.example/thanks");
        let ecommerce =
            r#"{"transaction_id":"T9","value":3960,"currency":"JPY","items":[{"item_id":"A","price":"","item_brand":7}]}"#;
        // Tracked by the site: refused as written, with both reasons.
        let Err(Error::InvalidEvent(problems)) = rt.track("purchase", &parse(ecommerce).unwrap(), 2, e) else {
            panic!("a tracked purchase with an unreadable price")
        };
        assert_eq!(problems.iter().map(|p| p.path.as_str()).collect::<Vec<_>>(), ["$.items[0].item_brand", "$.items[0].price"]);
        // Pushed to the page's dataLayer: the purchase counts, without the price and the brand.
        let push = parse(&["{\"event\":\"purchase\",\"ecommerce\":", ecommerce, "}"].concat()).unwrap();
        rt.options.as_mut().unwrap().debug = true;
        assert_eq!(rt.capture("datalayer", &push, 3, e), Ok(true));
        assert_eq!(rt.profile.orders, ["T9"]);
        assert!(rt.outbox.entries().any(|x| x.json.contains(r#""name":"purchase""#)));
        // `debug: true` is told what was left out, once.
        assert_eq!(
            rt.take_notes(),
            "[shopcue] captured purchase: left out $.items[0].item_brand (must be a string)\n\
             [shopcue] captured purchase: left out $.items[0].price (\"\" is not a readable amount)"
        );
        assert_eq!(rt.take_notes(), "");
        // An item without a readable id is still refused.
        let no_id = parse(r#"{"event":"add_to_cart","ecommerce":{"items":[{"item_id":"","price":""}]}}"#).unwrap();
        assert!(rt.capture("datalayer", &no_id, 4, e).is_err());
    }

    #[test]
    fn a_json_ld_product_without_an_id_is_named_by_its_page() {
        let e = &mut SeededEntropy(15);
        let ld = r#"{"@type":"Product","name":"Acme Shirt","offers":{"@type":"AggregateOffer","priceCurrency":"USD","lowPrice":"20.0"}}"#;
        let mut rt =
            on_product_page(e, &["browse_abandonment"], "https://shop.example/product/acme-shirt?color=Black&utm_source=x#top");
        assert_eq!(rt.capture("jsonld", &Value::from(ld), 2, e), Ok(true));
        // Its address without the query (a variant chosen, a campaign's tag): one product.
        assert_eq!(rt.profile.items["https://shop.example/product/acme-shirt"].item.price, Some(20.0));
        // A script's page keeps the query that names its product, without the campaign's tags.
        rt.page_view("https://shop.example/products/detail.php?product_id=5&utm_source=x", 3, e);
        assert_eq!(rt.capture("jsonld", &Value::from(ld), 4, e), Ok(true));
        assert!(rt.profile.items.contains_key("https://shop.example/products/detail.php?product_id=5"));
        // A price that reads as no amount costs the price, not the view; `debug: true` names it.
        let call = r#"{"@type":"Product","sku":"ASK","offers":{"@type":"Offer","price":"Call for price"}}"#;
        rt.options.as_mut().unwrap().debug = true;
        rt.page_view("https://shop.example/p/ask", 5, e);
        assert_eq!(rt.capture("jsonld", &Value::from(call), 6, e), Ok(true));
        assert_eq!(rt.profile.items["ASK"].item.price, None);
        assert_eq!(
            rt.take_notes(),
            "[shopcue] captured view_item: left out $.items[0].price (\"Call for price\" is not a readable amount)"
        );
    }

    #[test]
    fn a_cart_form_adds_the_pages_product_once_whoever_else_reports_it() {
        let e = &mut SeededEntropy(14);
        let adds = |rt: &Runtime| rt.outbox.entries().filter(|x| x.json.contains(r#""name":"add_to_cart""#)).count();
        let form = |n: f64| crate::json::object([("quantity", n.into())]);
        // A listing: no product on the page, so a quick-add form adds nothing Shopcue can name.
        let mut rt = on_product_page(e, &["cart_abandonment"], "https://shop.example/collections/all");
        assert_eq!(rt.capture("form", &form(1.0), 2, e), Ok(false));
        // A product page (JSON-LD); its form asks for two.
        rt.page_view("https://shop.example/p/ls", 3, e);
        assert_eq!(rt.capture("jsonld", &Value::from(LD_PRODUCT), 4, e), Ok(true));
        assert_eq!(rt.capture("form", &form(2.0), 5, e), Ok(true));
        let ls = &rt.profile.items["LS"];
        assert_eq!((ls.cart_qty, ls.cart_added_at, ls.cart_price), (2.0, Some(5), Some(7200.0)));
        assert!(rt.outbox.entries().any(|x| x.json.contains(r#""items":[{"item_id":"LS","price":7200,"quantity":2}]"#)));
        // The store's own GA4 push for that add, after the cart answered: the same add.
        let ga4 = parse(r#"{"event":"add_to_cart","ecommerce":{"items":[{"item_id":"ls-001","quantity":2}]}}"#).unwrap();
        assert_eq!(rt.capture("datalayer", &ga4, 3_000, e), Ok(false));
        // The form sent again (another add), then a push long after it: each counts.
        assert_eq!(rt.capture("form", &form(0.0), 20_000, e), Ok(true));
        assert_eq!(rt.profile.items["LS"].cart_qty, 3.0, "a quantity below one adds one");
        assert_eq!(rt.capture("datalayer", &ga4, 40_000, e), Ok(true));
        assert_eq!(adds(&rt), 3);
        // A tracked add just before the form (a store that tracks its button's click): one add.
        rt.page_view("https://shop.example/p/ls", 50_000, e);
        assert_eq!(rt.capture("jsonld", &Value::from(LD_PRODUCT), 50_001, e), Ok(true));
        rt.track("add_to_cart", &parse(r#"{"items":[{"item_id":"LS"}]}"#).unwrap(), 50_002, e).unwrap();
        assert_eq!(rt.capture("form", &form(1.0), 50_003, e), Ok(false));
        assert_eq!(adds(&rt), 4);
        // Shopify's cart, read on a later page: what it holds stays, in the quantity it holds
        // (LS by its sku, raised to 5 in the cart drawer; the cap by its link); a product page
        // it does not hold leaves (the hat); an item known by another id and no such link stays
        // as it was (ls-001, a tag manager's); an empty cart (bought on Shopify's checkout)
        // empties Shopcue's. Nothing is sent.
        let in_cart = |rt: &Runtime| rt.profile.cart().count();
        let cart = |items: &str| parse(&format!(r#"{{"items":{items}}}"#)).unwrap();
        let both = r#"[["7001", "41", "LS", "linen", "/products/linen?variant=41", 5], ["7002", "42", "", "cap", "/ja/products/cap?variant=42", 1]]"#;
        for (id, at) in [("cap", 59_000), ("hat", 59_001)] {
            let add = format!(r#"{{"items":[{{"item_id":"{id}","url":"https://shop.example/products/{id}"}}]}}"#);
            rt.track("add_to_cart", &parse(&add).unwrap(), at, e).unwrap();
        }
        assert_eq!(in_cart(&rt), 4);
        assert_eq!(rt.capture("cart", &cart(both), 60_000, e), Ok(false));
        assert_eq!(rt.profile.items["hat"].cart_qty, 0.0, "it left the store's cart");
        assert_eq!(in_cart(&rt), 3);
        let qty = |id: &str| rt.profile.items[id].cart_qty;
        assert_eq!((qty("LS"), qty("cap")), (5.0, 1.0));
        let queued = rt.outbox.entries().count();
        assert_eq!(rt.capture("cart", &cart("[]"), 60_001, e), Ok(false));
        assert_eq!((in_cart(&rt), rt.outbox.entries().count()), (0, queued));
        // What the store's cart holds of an item the shopper viewed and Shopcue's cart lacks
        // (the hat, added again by a theme's own button) is an add, sent as one, in the quantity
        // the store's cart holds; it pairs with none of the page's own adds.
        let hat = r#"[["7003", "43", "", "hat", "/products/hat?variant=43", 2]]"#;
        assert_eq!(rt.capture("cart", &cart(hat), 60_002, e), Ok(true));
        assert_eq!((rt.profile.items["hat"].cart_qty, in_cart(&rt), rt.outbox.entries().count()), (2.0, 1, queued + 1));
        assert_eq!(rt.page.cart_add, Some((59_001, false)), "the page's own last add");
        assert_eq!(rt.capture("cart", &cart(hat), 60_003, e), Ok(false), "held already: no second add");
        // A tag manager's add of the cap under another id (no link): it may be the cart's cap,
        // so the cap the shopper viewed is not added again from the cart.
        let tagged = parse(r#"{"event":"add_to_cart","ecommerce":{"items":[{"item_id":"GTM-CAP"}]}}"#).unwrap();
        assert_eq!(rt.capture("datalayer", &tagged, 70_000, e), Ok(true));
        let both_again = r#"[["7003", "43", "", "hat", "/products/hat?variant=43", 2], ["7002", "42", "", "cap", "/products/cap?variant=42", 1]]"#;
        assert_eq!(rt.capture("cart", &cart(both_again), 70_001, e), Ok(false));
        assert_eq!((rt.profile.items["cap"].cart_qty, in_cart(&rt)), (0.0, 2));
        // Switched off in the config.
        rt.set_config(&parse(r#"{"version":1,"site":"demo","capture":{"forms":false},"scenarios":[]}"#).unwrap()).unwrap();
        assert_eq!(rt.capture("form", &form(1.0), 90_000, e), Ok(false));
        assert_eq!(adds(&rt), 8, "four, the cap's, the hat's, the hat's again and the tag manager's");
        rt.track("add_to_cart", &parse(r#"{"items":[{"item_id":"LS"}]}"#).unwrap(), 90_001, e).unwrap();
        assert_eq!(rt.capture("cart", &cart("[]"), 90_002, e), Ok(false));
        assert_eq!(in_cart(&rt), 3, "the LS tracked, the hat and GTM-CAP: the store's cart is not read");
    }

    #[test]
    fn a_cards_add_to_cart_adds_the_cards_product_not_the_pages() {
        let e = &mut SeededEntropy(15);
        let card = |price: &str| {
            parse(&format!(
                r#"{{"quantity":2,"card":{{"item_id":"CAP-1","item_name":"Canvas cap","price":"{price}","url":"https://shop.example/p/cap"}}}}"#
            ))
            .unwrap()
        };
        // A listing's button (WooCommerce's, a Shopify collection's quick add): the card's item,
        // with the name, link and price the card shows.
        let mut rt = on_product_page(e, &["cart_abandonment"], "https://shop.example/shop");
        assert_eq!(rt.capture("form", &card("¥2,480"), 2, e), Ok(true));
        let cap = &rt.profile.items["CAP-1"];
        assert_eq!((cap.cart_qty, cap.cart_price, cap.item.name.as_deref()), (2.0, Some(2480.0), Some("Canvas cap")));
        assert_eq!(cap.item.url.as_deref(), Some("https://shop.example/p/cap"));
        // On a product page, a related product's card adds the card's product, not the page's;
        // the page's own form (no card), the page's.
        rt.page_view("https://shop.example/p/ls", 20_000, e);
        assert_eq!(rt.capture("jsonld", &Value::from(LD_PRODUCT), 20_001, e), Ok(true));
        assert_eq!(rt.capture("form", &card("¥2,480"), 20_002, e), Ok(true));
        assert_eq!((rt.profile.items["LS"].cart_qty, rt.profile.items["CAP-1"].cart_qty), (0.0, 4.0));
        assert_eq!(rt.capture("form", &parse(r#"{"quantity":1}"#).unwrap(), 40_000, e), Ok(true));
        assert_eq!(rt.profile.items["LS"].cart_qty, 1.0);
        // A price the card shows in words it cannot read ("from ¥1,980") is left out; the add stays.
        assert_eq!(rt.capture("form", &card("from ¥1,980"), 60_000, e), Ok(true));
        let cap = &rt.profile.items["CAP-1"];
        assert_eq!((cap.cart_qty, cap.cart_price), (6.0, Some(2480.0)));
    }

    #[test]
    fn an_order_is_counted_once_whatever_pushes_it_again() {
        let e = &mut SeededEntropy(12);
        let mut rt = on_product_page(e, &["f2_conversion"], "https://shop.example/thanks");
        let ga4 = |id: &str| {
            parse(&format!(
                r#"{{"event":"purchase","ecommerce":{{"transaction_id":{id},"value":6980,"items":[{{"item_id":"LS"}}]}}}}"#
            ))
            .unwrap()
        };
        let purchases = |rt: &Runtime| rt.outbox.entries().filter(|x| x.json.contains(r#""name":"purchase""#)).count();
        assert_eq!(rt.capture("datalayer", &ga4(r#""T-1""#), 2, e), Ok(true));
        // The same order tracked by the site as well, then the thank-you page reloaded.
        let again = parse(r#"{"transaction_id":"T-1","items":[{"item_id":"LS"}]}"#).unwrap();
        assert_eq!(rt.record("purchase", &again, Rank::Track, 3, e), Ok(false));
        rt.page_view("https://shop.example/thanks", 4, e);
        assert_eq!(rt.capture("datalayer", &ga4(r#""T-1""#), 5, e), Ok(false));
        assert_eq!((rt.profile.purchase_count, rt.profile.items["LS"].purchase_count, purchases(&rt)), (1, 1, 1));
        // Another order, a number as its id, counts; so does one without an id, each time.
        assert_eq!(rt.capture("datalayer", &ga4("1002"), 6, e), Ok(true));
        assert_eq!(rt.capture("datalayer", &ga4(r#""1002""#), 6, e), Ok(false), "1002 and \"1002\" are one order");
        for no_id in [r#"{"items":[{"item_id":"LS"}]}"#, r#"{"transaction_id":"","items":[{"item_id":"LS"}]}"#] {
            let no_id = parse(no_id).unwrap();
            assert_eq!(rt.record("purchase", &no_id, Rank::Track, 7, e), Ok(true));
            assert_eq!(rt.record("purchase", &no_id, Rank::Track, 8, e), Ok(true));
        }
        assert_eq!((rt.profile.purchase_count, purchases(&rt)), (6, 6));
        // The order ids outlive the page: the stored profile keeps them.
        let stored = Profile::from_json(&rt.profile.to_json()).unwrap();
        assert_eq!(stored.orders, ["T-1", "1002"]);
        assert!(stored.ordered(&parse(r#"{"transaction_id":"T-1"}"#).unwrap()));
    }

    /// A Shopify collection card's quick add: the product's id, and its page's address.
    const CAP_QUICK_ADD: &str = r#"{"item_id":"7009","url":"https://shop.example/ja/products/canvas-cap"}"#;

    /// `track(name, {"items": [item]})`: whether it counted as an event of its own.
    fn track_one(rt: &mut Runtime, name: &str, item: &str, at: i64, e: &mut SeededEntropy) -> bool {
        rt.track(name, &parse(&format!(r#"{{"items":[{item}]}}"#)).unwrap(), at, e).unwrap()
    }

    /// A runtime on a product page with `scenarios` (preset names), the config loaded.
    fn on_product_page(e: &mut SeededEntropy, scenarios: &[&str], url: &str) -> Runtime {
        let (mut rt, _) = Runtime::new(None, None, 0, e);
        let list: Vec<String> = scenarios.iter().map(|p| format!(r#"{{"preset":"{p}"}}"#)).collect();
        let opts = parse(&format!(
            r#"{{"site":"demo","endpoint":"/collect","config":{{"version":1,"site":"demo","locale":"en-US","links":{{"cart":"/cart"}},"scenarios":[{}]}}}}"#,
            list.join(",")
        ))
        .unwrap();
        let ConfigSource::Inline(c) = rt.init(&opts).unwrap().config else { unreachable!() };
        rt.set_config(&c).unwrap();
        rt.page_view(url, 1, e);
        rt
    }

    /// A product whose variants are priced apart, viewed at one variant's address and then at
    /// another's: no price drop, which would only be their gap; a real drop of a variant still
    /// shows.
    #[test]
    fn variants_priced_apart_keep_their_own_price_history() {
        let e = &mut SeededEntropy(5);
        let ld = |small: &str| {
            Value::from(
                r#"{"@type":"Product","name":"Tee","offers":[
                {"@type":"Offer","sku":"TEE-S","availability":"http://schema.org/InStock","price":"SMALL","priceCurrency":"JPY","url":"https://shop.example/products/tee?variant=1"},
                {"@type":"Offer","sku":"TEE-M","availability":"http://schema.org/InStock","price":"2700","priceCurrency":"JPY","url":"https://shop.example/products/tee?variant=2"}]}"#
                    .replace("SMALL", small),
            )
        };
        const DAY: i64 = 86_400_000;
        let mut rt = on_product_page(e, &["browse_price_drop"], "https://shop.example/products/tee?variant=2");
        let mut visit = |rt: &mut Runtime, url: &str, day: i64, small: &str| {
            rt.page_view(url, day * DAY, e);
            if url.contains("/products/") {
                rt.capture("jsonld", &ld(small), day * DAY + 1, e).unwrap();
            }
            rt.decide(day * DAY + 2, e).iter().map(|m| m.decision.title.clone()).collect::<Vec<_>>()
        };
        visit(&mut rt, "https://shop.example/products/tee?variant=2", 0, "2500");
        visit(&mut rt, "https://shop.example/products/tee", 1, "2500");
        assert_eq!(visit(&mut rt, "https://shop.example/", 2, "2500"), Vec::<String>::new(), "M's ¥2,700, then S's ¥2,500");
        let mut keys: Vec<_> = rt.profile.items.keys().cloned().collect();
        keys.sort();
        assert_eq!(keys, ["TEE-M", "TEE-S"]);
        // S down to ¥2,200: a drop of its own.
        visit(&mut rt, "https://shop.example/products/tee", 3, "2200");
        let shown = visit(&mut rt, "https://shop.example/", 4, "2200");
        assert_eq!(shown.len(), 1, "{shown:?}");
        assert!(shown[0].contains("¥2,200"), "{shown:?}");
    }

    /// A variant chosen on the page (the address replaced, the page's JSON-LD read again): priced
    /// apart, it is viewed as an item of its own and is what the cart form adds; chosen again
    /// after another, it is the page's item without a second view.
    #[test]
    fn a_variant_chosen_on_the_page_is_the_one_its_cart_form_adds() {
        let e = &mut SeededEntropy(8);
        let ld = Value::from(
            r#"{"@type":"Product","name":"Tee","sku":"TEE-S","offers":[
            {"@type":"Offer","sku":"TEE-S","availability":"http://schema.org/InStock","inventoryLevel":4,"price":"2500","url":"https://shop.example/products/tee?variant=1"},
            {"@type":"Offer","sku":"TEE-XS","availability":"http://schema.org/InStock","inventoryLevel":1,"price":"2500","url":"https://shop.example/products/tee?variant=3"},
            {"@type":"Offer","sku":"TEE-M","availability":"http://schema.org/InStock","price":"2700","url":"https://shop.example/products/tee?variant=2"}]}"#,
        );
        let mut rt = on_product_page(e, &["page_low_stock"], "https://shop.example/products/tee");
        assert_eq!(rt.capture("jsonld", &ld, 1, e), Ok(true));
        let mut choose = |rt: &mut Runtime, variant: &str, at: i64| {
            rt.relink(&["https://shop.example/products/tee?variant=", variant].concat());
            rt.capture("jsonld", &ld, at, e).unwrap()
        };
        // XS, priced as S: the same item, at XS's stock.
        assert!(!choose(&mut rt, "3", 2));
        assert_eq!(rt.profile.items["TEE-S"].item.stock, Some(1.0));
        // M, priced apart: viewed; S again, and M again: no more views.
        assert!(choose(&mut rt, "2", 3));
        assert!(!choose(&mut rt, "1", 4));
        assert!(!choose(&mut rt, "2", 5));
        let views: Vec<_> = ["TEE-S", "TEE-M"].iter().map(|id| rt.profile.items[*id].view_count).collect();
        assert_eq!(views, [1, 1]);
        assert_eq!(rt.profile.items["TEE-S"].item.stock, Some(4.0), "S's own stock, read when it was chosen again");
        // The cart form adds M, at its price.
        assert_eq!(rt.capture("form", &parse(r#"{"quantity":1}"#).unwrap(), 6, e), Ok(true));
        let added = rt
            .outbox
            .entries()
            .filter(|x| x.json.contains(r#""name":"add_to_cart""#))
            .map(|x| x.json.clone())
            .collect::<Vec<_>>();
        assert_eq!(added.len(), 1);
        assert!(added[0].contains(r#""item_id":"TEE-M""#) && added[0].contains(r#""price":2700"#), "{added:?}");
    }

    const GA4_VIEW: &str = r#"{"event":"view_item","ecommerce":{"currency":"JPY","items":[{"item_id":"LS","item_name":"Linen shirt","price":6980}]}}"#;
    const LD_PRODUCT: &str = r#"{"@context":"https://schema.org","@type":"Product","sku":"LS","name":"リネンシャツ",
        "image":"https://shop.example/ls.jpg","brand":{"@type":"Brand","name":"Kinari"},
        "offers":{"@type":"Offer","price":"7,200","priceCurrency":"JPY","url":"https://shop.example/p/ls",
        "availability":"https://schema.org/LimitedAvailability","inventoryLevel":{"@type":"QuantitativeValue","value":2}}}"#;

    #[test]
    fn ga4_and_json_ld_of_one_item_merge_field_by_field_in_either_order() {
        let e = &mut SeededEntropy(21);
        let mut seen = Vec::new();
        for ga4_first in [true, false] {
            let mut rt = on_product_page(e, &["page_low_stock"], "https://shop.example/p/ls");
            let (ga4, ld) = (parse(GA4_VIEW).unwrap(), Value::from(LD_PRODUCT));
            let first = if ga4_first { rt.capture("datalayer", &ga4, 2, e) } else { rt.capture("jsonld", &ld, 2, e) };
            let second = if ga4_first { rt.capture("jsonld", &ld, 3, e) } else { rt.capture("datalayer", &ga4, 3, e) };
            assert_eq!((first, second), (Ok(true), Ok(false)), "one view event, the second source merges");
            let state = &rt.profile.items["LS"];
            assert_eq!(state.view_count, 1, "still one view");
            let it = &state.item;
            assert_eq!(
                (it.name.as_deref(), it.price, it.stock, it.brand.as_deref(), it.url.as_deref(), it.image.is_some()),
                (Some("Linen shirt"), Some(6980.0), Some(2.0), Some("Kinari"), Some("https://shop.example/p/ls"), true),
                "GA4's name and price win over JSON-LD's; JSON-LD fills stock, brand, link and image"
            );
            let shown = rt.decide(4, e);
            assert_eq!(shown.len(), 1, "the low-stock message shows");
            assert_eq!(shown[0].decision.title, "Only 2 left: Linen shirt");
            let views = rt.outbox.entries().filter(|x| x.json.contains(r#""name":"view_item""#)).count();
            assert_eq!(views, 1, "one view_item beacon");
            seen.push(rt.page.items.clone());
        }
        assert_eq!(seen[0], seen[1], "the order of arrival does not matter");

        // An explicit track wins over automatic capture, whenever it comes.
        let mut rt = on_product_page(e, &["page_low_stock"], "https://shop.example/p/ls");
        rt.capture("jsonld", &Value::from(LD_PRODUCT), 2, e).unwrap();
        let own = parse(r#"{"items":[{"item_id":"LS","item_name":"Own name","stock":1}]}"#).unwrap();
        rt.track("view_item", &own, 3, e).unwrap();
        rt.capture("datalayer", &parse(GA4_VIEW).unwrap(), 4, e).unwrap();
        let it = &rt.page.items[0];
        assert_eq!((it.name.as_deref(), it.stock, it.price), (Some("Own name"), Some(1.0), Some(6980.0)));
        assert_eq!(rt.profile.items["LS"].view_count, 1);
    }

    #[test]
    fn catalog_facts_wait_for_items_not_viewed_yet() {
        let e = &mut SeededEntropy(22);
        let mut rt = on_product_page(e, &["page_low_stock"], "https://shop.example/p/ls");
        rt.catalog(&parse(r#"[{"item_id":"LS","stock":2},{"item_id":"other","price":10}]"#).unwrap(), 2).unwrap();
        rt.capture("datalayer", &parse(GA4_VIEW).unwrap(), 3, e).unwrap();
        assert_eq!(rt.page.items[0].stock, Some(2.0), "the catalog's stock completes the GA4 item");
        assert_eq!(rt.decide(4, e)[0].decision.scenario_id, "page_low_stock");

        // And after the view: the page's item is refreshed at once.
        let mut rt = on_product_page(e, &["page_low_stock"], "https://shop.example/p/ls");
        rt.capture("datalayer", &parse(GA4_VIEW).unwrap(), 2, e).unwrap();
        assert!(rt.decide(3, e).is_empty(), "no stock known yet");
        rt.catalog(&parse(r#"[{"item_id":"LS","stock":1}]"#).unwrap(), 4).unwrap();
        assert_eq!(rt.decide(5, e)[0].decision.title, "Only 1 left: Linen shirt");

        // Bounded: the oldest facts go first.
        let many: Vec<String> = (0..MAX_CATALOG_FACTS + 10).map(|i| format!(r#"{{"item_id":"x{i}","stock":1}}"#)).collect();
        rt.catalog(&parse(&format!("[{}]", many.join(","))).unwrap(), 6).unwrap();
        assert_eq!(rt.catalog_facts.len(), MAX_CATALOG_FACTS);
        assert!(rt.catalog_facts.iter().all(|f| f.id != "x0"));
    }

    #[test]
    fn a_viewed_item_without_a_link_gets_the_pages_address() {
        let e = &mut SeededEntropy(23);
        let mut rt =
            on_product_page(e, &["page_low_stock"], "https://shop.example/product.html?id=ls&utm_source=mail&gclid=x#reviews");
        rt.capture("datalayer", &parse(GA4_VIEW).unwrap(), 2, e).unwrap();
        assert_eq!(rt.page.items[0].url.as_deref(), Some("https://shop.example/product.html?id=ls"));
        rt.capture("jsonld", &Value::from(LD_PRODUCT), 3, e).unwrap();
        assert_eq!(rt.page.items[0].url.as_deref(), Some("https://shop.example/p/ls"), "a named link wins");
        assert_eq!(product_link("https://s/p?utm_medium=x"), "https://s/p");
        assert_eq!(product_link("/p/1"), "/p/1");
    }

    #[test]
    fn browse_presets_leave_the_item_on_the_page_to_page_low_stock() {
        let e = &mut SeededEntropy(24);
        let mut rt = on_product_page(e, &["browse_low_stock"], "https://shop.example/p/ls");
        rt.capture("jsonld", &Value::from(LD_PRODUCT), 2, e).unwrap();
        assert!(rt.decide(3, e).is_empty(), "not on the product's own page");
        rt.page_view("https://shop.example/", 10, e);
        assert_eq!(rt.decide(11, e)[0].decision.scenario_id, "browse_low_stock", "on any other page");
    }

    #[test]
    fn capture_goes_on_under_default_settings_when_the_config_fails() {
        let e = &mut SeededEntropy(25);
        let (mut rt, _) = Runtime::new(None, None, 0, e);
        rt.init(&parse(r#"{"site":"demo","endpoint":"/collect","config":"/c.json"}"#).unwrap()).unwrap();
        rt.page_view("https://shop.example/p/ls", 1, e);
        let cart = parse(r#"{"event":"add_to_cart","ecommerce":{"items":[{"item_id":"LS","price":6980}]}}"#).unwrap();
        assert_eq!(rt.capture("datalayer", &cart, 2, e), Ok(false), "waits while the config loads");
        let bad = parse(r#"{"version":1,"site":"demo","scenarios":[{"preset":"page_lowstock"}]}"#).unwrap();
        let Err(Error::InvalidConfig(problems)) = rt.set_config(&bad) else { panic!("invalid") };
        assert!(problems[0].message.contains("Did you mean \"page_low_stock\"?"), "{}", problems[0].message);
        assert_eq!(rt.config_failed(3, e), Vec::<Error>::new());
        assert_eq!(rt.profile.items["LS"].cart_qty, 1.0, "the waiting add_to_cart is recorded");
        assert_eq!(rt.capture("jsonld", &Value::from(LD_PRODUCT), 4, e), Ok(true), "and what comes later");
        let names: Vec<String> =
            rt.outbox.entries().filter_map(|x| parse(&x.json).ok()?.get("name")?.as_str().map(str::to_string)).collect();
        assert_eq!(names, ["page_view", "add_to_cart", "view_item"]);
    }

    #[test]
    fn revoking_personalization_drops_what_was_not_stored_yet() {
        let e = &mut SeededEntropy(26);
        let (mut a, _) = Runtime::new(None, None, 0, e);
        init(&mut a);
        a.page_view("https://s/", 0, e);
        let base = a.take_profile_json().unwrap();
        a.track("add_to_cart", &parse(r#"{"items":[{"item_id":"before"}]}"#).unwrap(), 1, e).unwrap();
        a.set_consent(&parse(r#"{"personalization":false}"#).unwrap(), 2, e).unwrap();
        a.set_consent(&parse(r#"{"personalization":true}"#).unwrap(), 3, e).unwrap();
        a.rebase_profile(&base);
        a.restore(Some(&base));
        assert!(a.profile.items.get("before").is_none(), "nothing from before the revocation comes back");
    }

    #[test]
    fn two_tabs_rebase_on_each_other_without_losing_updates() {
        let e = &mut SeededEntropy(3);
        let (mut a, _) = Runtime::new(None, None, 0, e);
        init(&mut a);
        a.page_view("https://s/", 0, e);
        let stored = a.take_profile_json().unwrap();
        let (mut b, _) = Runtime::new(Some(&stored), None, 1, e);
        init(&mut b);
        let cart = |id: &str| parse(&format!(r#"{{"items":[{{"item_id":"{id}"}}]}}"#)).unwrap();
        a.track("add_to_cart", &cart("from-a"), 2, e).unwrap();
        let from_a = a.take_profile_json().unwrap();
        b.track("add_to_wishlist", &cart("from-b"), 3, e).unwrap();
        // B hears A's write before storing its own: A's base plus B's wishlist add.
        assert!(b.rebase_profile(&from_a), "B still has its own update to store");
        let from_b = b.take_profile_json().unwrap();
        assert!(!a.rebase_profile(&from_b), "A had nothing new");
        for rt in [&a, &b] {
            assert_eq!(rt.profile.items.get("from-a").map(|s| s.cart_qty), Some(1.0));
            assert!(rt.profile.items.get("from-b").is_some_and(|s| s.favorite_at.is_some()));
        }
        assert!(!b.rebase_profile("{corrupt"), "unreadable text is ignored");
        assert!(b.profile.items.get("from-a").is_some());
    }

    #[test]
    fn a_feed_refreshes_known_items_on_any_page_and_a_bad_one_changes_nothing() {
        let e = &mut SeededEntropy(5);
        let (mut rt, _) = Runtime::new(None, None, 0, e);
        let mut opts = init_options();
        let mut config = opts.get("config").cloned().unwrap();
        config.set("feed", parse(r#"{"url":"/feed.json","max_age_s":600}"#).unwrap());
        opts.set("config", config.clone());
        init(&mut rt);
        rt.set_config(&config).unwrap();
        rt.page_view("https://s/", 0, e);
        rt.track("add_to_cart", &parse(r#"{"items":[{"item_id":"a","item_name":"Tee","stock":10}]}"#).unwrap(), 1, e).unwrap();
        assert!(rt.decide(2, e).is_empty(), "stock 10 is not low");
        assert_eq!(rt.feed_due(3).as_deref(), Some("/feed.json"));
        let feed = r#"[{"id":"a","quantity":1,"price":"1,980 JPY"},{"id":"stranger","quantity":1}]"#;
        assert_eq!(rt.apply_feed(Ok(feed), 3), Ok(1));
        assert!(rt.profile.items.get("stranger").is_none(), "the feed never grows the profile");
        assert_eq!(rt.profile.items.get("a").map(|s| s.seen_at), Some(1), "a feed is not a view");
        rt.page_view("https://s/other", 4, e);
        assert_eq!(rt.decide(5, e)[0].decision.title, "Tee in your cart: only 1 left");
        assert_eq!(rt.feed_due(3 + 599_000), None, "fresh for max_age_s");
        assert!(rt.feed_due(3 + 600_000).is_some());
        assert!(rt.apply_feed(Ok("<xml>"), 700_000).is_err());
        assert!(rt.apply_feed(Err("HTTP 500"), 700_000).is_err());
        assert_eq!(rt.profile.items.get("a").and_then(|s| s.item.stock), Some(1.0), "a bad feed changes nothing");
        assert_eq!(rt.feed_due(700_000 + 299_000), None);
        assert!(rt.feed_due(700_000 + 300_000).is_some(), "a failed feed is retried after 5 minutes");
    }

    const TEE: &str = r#"{"items":[{"item_id":"tee","item_name":"Tee","price":2980,"stores":{"shibuya":2,"umeda":1}}]}"#;

    /// A shopper on a product page of a store with pickup at Shibuya and Umeda (the item is in
    /// stock at both), with neither a position nor a favorite store.
    fn pickup_shopper(e: &mut SeededEntropy) -> Runtime {
        let (mut rt, _) = Runtime::new(None, None, 0, e);
        init(&mut rt);
        let config = parse(
            r#"{"version":1,"site":"demo","locale":"en-US","stores":[
                {"id":"shibuya","name":"Shibuya","lat":35.659,"lon":139.700,"pickup":true},
                {"id":"umeda","name":"Umeda","lat":34.702,"lon":135.496,"pickup":true}],
              "scenarios":[{"preset":"nearest_store_pickup"}]}"#,
        )
        .unwrap();
        rt.set_config(&config).unwrap();
        rt.page_view("https://s/tee", 0, e);
        rt.track("view_item", &parse(TEE).unwrap(), 1, e).unwrap();
        rt
    }

    #[test]
    fn a_store_chosen_in_the_message_becomes_the_favorite_and_renders_the_message_for_it() {
        let e = &mut SeededEntropy(8);
        let mut rt = pickup_shopper(e);
        let shown = rt.decide(2, e);
        let m = &shown[0];
        assert_eq!(m.decision.title, "Pick up Tee in store today: choose your store");
        let stores = m.to_value().get("stores").cloned().unwrap();
        assert_eq!(stores.get_path("1.label").and_then(Value::as_str), Some("Umeda (1 in stock)"));
        assert!(rt.choose_store(&m.id, "ginza", 3, e).is_none(), "not one of its stores");
        assert!(rt.choose_store("unknown", "umeda", 3, e).is_none());
        let queued = rt.outbox.len();
        let (chosen, clicked) = rt.choose_store(&m.id, "umeda", 3, e).unwrap();
        assert!(clicked);
        assert_eq!((chosen.id.as_str(), chosen.decision.title.as_str()), (m.id.as_str(), "In stock at Umeda: pick it up today"));
        assert_eq!(chosen.decision.body.as_deref(), Some("1 in stock"));
        assert!(chosen.decision.picker.is_none());
        assert_eq!(rt.profile.favorite_store.as_deref(), Some("umeda"));
        let names: Vec<String> = rt
            .outbox
            .entries()
            .skip(queued)
            .filter_map(|e| parse(&e.json).ok()?.get("name")?.as_str().map(str::to_string))
            .collect();
        assert_eq!(names, ["favorite_store", "shopcue_click"]);
        assert!(!rt.lifecycle(&m.id, Lifecycle::Click, 4, e), "the choice was the message's click");

        // Next page: the favorite store answers at once, no picker.
        rt.page_view("https://s/tee", 10, e);
        rt.track("view_item", &parse(TEE).unwrap(), 11, e).unwrap();
        assert_eq!(rt.decide(12, e)[0].decision.title, "In stock at Umeda: pick it up today");
    }

    #[test]
    fn a_position_arriving_later_turns_an_open_picker_into_the_nearest_store() {
        let e = &mut SeededEntropy(8);
        let mut rt = pickup_shopper(e);
        let id = rt.decide(2, e)[0].id.clone();
        assert!(rt.relocate(3).is_empty(), "no position yet");
        let mut closed = pickup_shopper(&mut SeededEntropy(9));
        let closed_id = closed.decide(2, e)[0].id.clone();
        closed.lifecycle(&closed_id, Lifecycle::Dismiss, 3, e);
        closed.set_location(Some((34.70, 135.50)));
        assert!(closed.relocate(4).is_empty(), "a closed picker stays closed");
        assert!(closed.choose_store(&closed_id, "umeda", 4, e).is_none());
        rt.set_location(Some((34.70, 135.50)));
        let moved = rt.relocate(4);
        assert_eq!(moved.len(), 1);
        assert_eq!(
            (moved[0].id.as_str(), moved[0].decision.title.as_str()),
            (id.as_str(), "In stock at Umeda: pick it up today")
        );
        assert!(rt.relocate(5).is_empty(), "already resolved");
    }

    #[test]
    fn previews_render_any_scenario_now_with_sample_data_and_are_never_counted() {
        let e = &mut SeededEntropy(6);
        let (mut rt, _) = Runtime::new(None, None, 0, e);
        init(&mut rt);
        let config = parse(
            r#"{"version":1,"site":"demo","locale":"ja-JP","links":{"cart":"/cart"},"scenarios":[{"preset":"page_low_stock"},{"preset":"cart_price_drop"},
                {"preset":"cart_abandonment"}]}"#,
        )
        .unwrap();
        rt.set_config(&config).unwrap();
        rt.page_view("https://s/", 0, e);
        let now = 1_790_000_000_000;
        for id in ["page_low_stock", "cart_price_drop", "cart_abandonment"] {
            let m = rt.preview(id, now, e).unwrap_or_else(|| panic!("{id}"));
            assert!(m.decision.title.contains("サンプル商品"), "{id}: {}", m.decision.title);
            assert!(!rt.lifecycle(&m.id, Lifecycle::Impression, now, e), "a preview is never counted");
        }
        assert!(rt.preview("nope", now, e).is_none());
        let queued = rt.outbox.len();
        rt.track("add_to_cart", &parse(r#"{"items":[{"item_id":"real","item_name":"本物","stock":1}]}"#).unwrap(), now, e)
            .unwrap();
        assert!(rt.preview("page_low_stock", now, e).is_some());
        assert!(
            rt.preview("cart_price_drop", now, e).unwrap().decision.title.contains("本物"),
            "the shopper's own cart item first"
        );
        assert_eq!(rt.outbox.len(), queued + 1, "previews queue nothing (only the add_to_cart)");
    }

    #[test]
    fn the_playground_replays_a_simulated_shopper_and_lists_every_problem() {
        let e = &mut SeededEntropy(8);
        let now = 1_790_000_000_000.0;
        let input = parse(&format!(
            r#"{{"now":{now},"url":"https://shop.example/","config":{{"version":1,"site":"s","locale":"en-US","links":{{"cart":"/cart"}},
                "scenarios":[{{"preset":"page_low_stock"}},{{"preset":"cart_low_stock"}}]}},
                "events":[["add_to_cart",{{"items":[{{"item_id":"a","item_name":"Tee","stock":1}}]}},4320],
                          ["view_item",{{"items":[{{"price":"abc"}}]}},0],
                          ["identify",{{"member":true}}]]}}"#
        ))
        .unwrap();
        let out = simulate(&input, e, None);
        assert_eq!(out.get_path("messages.0.title").and_then(Value::as_str), Some("Tee in your cart: only 1 left"));
        assert_eq!(out.get_path("event_problems.0.index").and_then(Value::as_f64), Some(1.0));
        let reason = |id: &str| {
            let list = out.get_path("explain.scenarios").and_then(Value::as_array).unwrap();
            list.iter().find(|s| s.get("scenario_id").and_then(Value::as_str) == Some(id)).and_then(|s| s.get("reason").cloned())
        };
        assert_eq!(reason("page_low_stock"), Some(Value::from("not_triggered")), "the invalid view is not a view");
        assert_eq!(reason("cart_low_stock"), Some(Value::from("shown")));
        let mut bad = input.clone();
        bad.set("config", parse(r#"{"version":1,"site":"s","scenarios":[{"preset":"nope"}]}"#).unwrap());
        let out = simulate(&bad, e, None);
        assert_eq!(out.get_path("config_problems.0.path").and_then(Value::as_str), Some("$.scenarios[0].preset"));
        assert_eq!(out.get_path("messages").and_then(Value::as_array).map(<[Value]>::len), Some(0));
    }

    /// A moment the loader reports, or an app's own `track` of it (the npm package has no
    /// loader), triggers the same scenarios; only the tracked one is an event that is sent.
    #[test]
    fn a_moment_reported_or_tracked_triggers_its_scenarios() {
        let e = &mut SeededEntropy(11);
        let config = parse(
            r#"{"version":1,"site":"s","caps":{"per_page":9},"scenarios":[
                {"id":"stay","trigger":{"on":"exit_intent"},"message":{"title":"t"}},
                {"id":"half","trigger":{"on":"scroll_50"},"message":{"title":"t"}}]}"#,
        )
        .unwrap();
        for tracked in [false, true] {
            let (mut rt, _) = Runtime::new(None, None, 0, e);
            rt.init(&parse(r#"{"site":"s","config":"/c.json","endpoint":"/collect"}"#).unwrap()).unwrap();
            rt.set_config(&crate::config::compile(&config).unwrap()).unwrap();
            rt.page_view("https://shop.example/", 1, e);
            assert!(rt.decide(2, e).is_empty());
            let queued = rt.outbox.len();
            if tracked {
                rt.track("exit_intent", &Value::Null, 3, e).unwrap();
            } else {
                rt.page_moment("exit_intent");
            }
            let shown: Vec<String> = rt.decide(4, e).into_iter().map(|m| m.decision.scenario_id).collect();
            assert_eq!(shown, ["stay"], "tracked: {tracked}");
            let sent = rt.outbox.entries().any(|x| x.json.contains(r#""name":"exit_intent""#));
            assert_eq!((sent, rt.outbox.len() > queued), (tracked, true), "the exposure is queued either way");
        }
    }

    /// A session's traffic is what the shell said on the page that started it: kept on its later
    /// pages (which say otherwise), across a reload of the stored profile, and taken again by the
    /// next session; audiences and templates read it.
    #[test]
    fn a_session_keeps_where_it_came_from() {
        let e = &mut SeededEntropy(10);
        let (mut rt, _) = Runtime::new(None, None, 0, e);
        let opts = parse(
            r#"{"site":"demo","endpoint":"/collect","config":{"version":1,"site":"demo","locale":"en-US","scenarios":[
                {"id":"ig","audience":{"visitor.session_source":"instagram","visitor.session_campaign":"fw26"},
                 "message":{"title":"Welcome from {{visitor.session_source}} ({{visitor.session_medium}})"}}]}}"#,
        )
        .unwrap();
        let ConfigSource::Inline(c) = rt.init(&opts).unwrap().config else { unreachable!() };
        rt.set_config(&c).unwrap();
        let title =
            |rt: &mut Runtime, now: i64, e: &mut SeededEntropy| rt.decide(now, e).first().map(|m| m.decision.title.clone());
        assert_eq!(rt.explain(0).get("traffic"), Some(&Value::Null), "no page has said yet");
        rt.set_traffic("(direct)\n(none)\n");
        rt.page_view("https://shop.example/", 1, e);
        assert_eq!(rt.profile.session.traffic, "(direct)\n(none)\n");
        assert_eq!(title(&mut rt, 2, e), None);
        // Forty minutes later, from an ad: a new session, tagged.
        rt.set_traffic("instagram\npaid_social\nfw26");
        rt.page_view("https://shop.example/?utm_source=instagram", 40 * 60_000, e);
        // Its next page comes from the shop itself: the same session keeps the ad's traffic.
        rt.set_traffic("(direct)\n(none)\n");
        rt.page_view("https://shop.example/products/tee", 41 * 60_000, e);
        assert_eq!(title(&mut rt, 41 * 60_000 + 1, e).as_deref(), Some("Welcome from instagram (paid_social)"));
        let stored = rt.take_profile_json().unwrap();
        assert_eq!(Profile::read(&stored).unwrap().session.traffic, "instagram\npaid_social\nfw26");
        assert_eq!(
            rt.explain(41 * 60_000 + 1).get("traffic").map(Value::to_json).as_deref(),
            Some(r#"{"source":"instagram","medium":"paid_social","campaign":"fw26"}"#)
        );
        // Every event says its session's traffic (the collector's channel).
        let batch = parse(&rt.next_batch(41 * 60_000 + 2, Flush::Unload).unwrap().body).unwrap();
        let views: Vec<&str> = (batch.get("events").and_then(Value::as_array).unwrap().iter())
            .filter(|e| e.get("name").and_then(Value::as_str) == Some("page_view"))
            .map(|e| e.get("traffic").and_then(Value::as_str).unwrap())
            .collect();
        assert_eq!(views, ["(direct)\n(none)\n", "instagram\npaid_social\nfw26", "instagram\npaid_social\nfw26"]);
        // The next session, from a search engine; a shell that says nothing (no helper): "".
        rt.set_traffic("google\norganic\n");
        rt.page_view("https://shop.example/products/tee", 120 * 60_000, e);
        assert_eq!(rt.profile.session.traffic, "google\norganic\n");
        rt.set_traffic("");
        rt.page_view("https://shop.example/", 200 * 60_000, e);
        assert_eq!(rt.profile.session.traffic, "");
        assert_eq!(title(&mut rt, 200 * 60_000 + 1, e), None);
    }

    /// `page.device` is what the shell says (the playground's choice here), desktop by default.
    #[test]
    fn scenarios_target_the_device_the_shopper_browses_on() {
        let e = &mut SeededEntropy(9);
        let mut input = parse(
            r#"{"now":1790000000000,"url":"https://shop.example/","config":{"version":1,"site":"s","locale":"en-US","scenarios":[
                {"id":"phone","audience":{"page.device":"mobile"},"message":{"title":"On a phone"}},
                {"id":"big","audience":{"page.device":{"$in":["tablet","desktop"]}},"message":{"title":"On a big screen"}}]},
              "events":[]}"#,
        )
        .unwrap();
        let shown = |input: &Value, e: &mut SeededEntropy| {
            simulate(input, e, None).get_path("messages.0.scenario_id").and_then(Value::as_str).map(String::from)
        };
        assert_eq!(shown(&input, e).as_deref(), Some("big"));
        input.set("device", "mobile".into());
        assert_eq!(shown(&input, e).as_deref(), Some("phone"));
        input.set("device", "tablet".into());
        assert_eq!(shown(&input, e).as_deref(), Some("big"));
    }

    #[test]
    fn a_profile_from_a_newer_version_is_left_untouched() {
        let e = &mut SeededEntropy(4);
        let newer = r#"{"v":99,"visitor_id":"future"}"#;
        let (mut rt, warnings) = Runtime::new(Some(newer), None, 0, e);
        assert!(warnings[0].contains("newer Shopcue"), "{warnings:?}");
        init(&mut rt);
        rt.track("add_to_cart", &parse(r#"{"items":[{"item_id":"a"}]}"#).unwrap(), 1, e).unwrap();
        assert_eq!(rt.take_profile_json(), None, "never overwritten");
        assert!(rt.profile.items.get("a").is_some(), "but this page works from memory");
    }

    #[test]
    fn dismissal_is_remembered_across_page_views() {
        let e = &mut SeededEntropy(2);
        let (mut rt, _) = Runtime::new(None, None, 0, e);
        init(&mut rt);
        rt.page_view("/", 0, e);
        rt.track("add_to_cart", &parse(r#"{"items":[{"item_id":"a","stock":1}]}"#).unwrap(), 1, e).unwrap();
        let m = rt.decide(2, e);
        let queued = rt.outbox.len();
        for what in [Lifecycle::Impression, Lifecycle::Click, Lifecycle::Dismiss] {
            assert!(rt.lifecycle(&m[0].id, what, 3, e));
            assert!(!rt.lifecycle(&m[0].id, what, 3, e), "{what:?} counts once per message");
        }
        assert_eq!(rt.outbox.len(), queued + 3);
        assert!(!rt.lifecycle("unknown", Lifecycle::Click, 3, e));
        rt.page_view("/other", 4, e);
        assert!(rt.decide(5, e).is_empty());
        let explain = rt.explain(6);
        assert_eq!(explain.get_path("scenarios.1.reason").unwrap().as_str(), Some("dismissed"));
    }
}
