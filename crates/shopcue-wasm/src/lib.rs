//! # shopcue-wasm
//!
//! The browser shell of Shopcue. It owns one [`shopcue::Runtime`] (the pure core) and only
//! moves data between it and the browser: commands in, storage, rendering, beacons out.
//! Every decision is made in the core; nothing here decides what to show.
//!
//! The loader (`www/…/shopcue.js`, built by `./x dist`) forwards every `shopcue(…)` call to
//! [`command`]. Errors are returned as JS `Error`s with a stable `code`; the loader logs them,
//! so nothing ever throws into the host page.
#![warn(missing_docs)]

mod beacon;
pub mod heap;
pub mod intl;
pub mod platform;
pub mod render;
pub mod storage;
mod tabs;

/// The widget's allocator (see [`heap`]): a few hundred bytes instead of dlmalloc's ~7 KB.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static HEAP: heap::Heap = heap::Heap::new();

use std::cell::RefCell;

use js_sys::{Array, Function};
use shopcue::json::Value;
use shopcue::outbox::Flush;
use shopcue::runtime::{ConfigSource, Consent, Lifecycle, Message};
use shopcue::text::{concat, join};
use shopcue::{Error, Runtime};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use platform::{console, from_value, js_error, now, BrowserEntropy};
use render::Rendered;
use storage::Store;
use tabs::PageOutbox;

/// The live widget: the core runtime plus what the browser side holds.
struct Shell {
    rt: Runtime,
    store: Store,
    /// This page's queue in storage, apart from other tabs'.
    outbox: PageOutbox,
    render: bool,
    listeners: Vec<(String, Function)>,
    rendered: Vec<Rendered>,
    /// Messages decided but waiting for their `trigger.delay_ms`.
    pending: Vec<Message>,
    /// When the site's UTC offset was last asked of `Intl` (ms; 0 = never).
    offset_checked_at: i64,
    /// Stored profile / queue already read (only once consent allows it).
    profile_read: bool,
    outbox_read: bool,
    /// Messages taken off the page from inside their own event handler; freed on the next turn.
    closed: Vec<Rendered>,
    /// An evaluation is already scheduled (a microtask, a timer, or the document's
    /// DOMContentLoaded).
    eval_scheduled: bool,
    /// The page's first decision with a config has been made (later ones wait for a timer).
    decided: bool,
    /// The send timer's handle and when it fires (Unix ms).
    send_timer: Option<(i32, i64)>,
    sending: bool,
    /// A product feed request is in flight.
    feed_loading: bool,
    /// A persist is queued (for the end of this task, or on a timer during a burst).
    persist_scheduled: bool,
    /// When storage was last written (Unix ms; 0 = never).
    persisted_at: i64,
    /// Inline messages waiting for their target element: (message id, checks so far).
    inline_waits: Vec<(String, u32)>,
    _page_listeners: Vec<Closure<dyn FnMut(web_sys::Event)>>,
    _heartbeat: Option<Closure<dyn FnMut()>>,
    _other_tabs: Option<Closure<dyn FnMut(web_sys::Event)>>,
}

thread_local! {
    static SHELL: RefCell<Option<Shell>> = const { RefCell::new(None) };
    /// `on()` listeners registered before `init` (the snippet's queue may hold them first):
    /// `init` takes them, so they hear what `init` itself reports, such as an invalid inline
    /// config.
    static EARLY_LISTENERS: RefCell<Vec<(String, Function)>> = const { RefCell::new(Vec::new()) };
    /// [`evaluate`] as one JS function for the page's lifetime: a decision scheduled after each
    /// task that recorded something reuses it, rather than wrapping a new one-shot closure.
    static EVALUATE: Closure<dyn FnMut()> = Closure::new(evaluate);
}

/// Events for `on()` listeners, delivered after the shell is released (listeners may call back).
type Emitted = Vec<(&'static str, JsValue)>;

fn with_shell<R>(f: impl FnOnce(&mut Shell) -> R) -> Option<R> {
    SHELL.with(|s| s.try_borrow_mut().ok()?.as_mut().map(f))
}

fn emit(events: Emitted) {
    for (kind, payload) in events {
        let fns: Vec<Function> =
            with_shell(|s| s.listeners.iter().filter(|(k, _)| k == kind).map(|(_, f)| f.clone()).collect()).unwrap_or_default();
        for f in fns {
            if let Err(e) = f.call1(&JsValue::UNDEFINED, &payload) {
                console("error", &["[shopcue] an on('".into(), kind.into(), "') listener threw:".into(), e]);
            }
        }
    }
}

/// Runs one `shopcue(name, ...args)` command. `values` is `args` as JSON text, written by the
/// loader (`pkg-config/values.js`) so that the arguments cross into wasm as one string instead
/// of member by member; `args` itself is read only for `on`'s callback.
///
/// ```js
/// // The loader calls this for every shopcue(…) call, in order:
/// shopcue('init', { site: 'demo-store', config: '/shopcue/config.json', endpoint: '/collect' });
/// shopcue('track', 'add_to_cart', { items: [{ item_id: 'tee-01', price: 1980, stock: 2 }] });
/// const why = shopcue('explain'); // { scenarios: [{ scenario_id, reason, … }], … }
/// ```
#[wasm_bindgen]
pub fn command(name: &str, args: Array, values: &str) -> Result<JsValue, JsValue> {
    let values = shopcue::json::parse(values).unwrap_or(Value::Null);
    let arg = |i: usize| values.as_array().and_then(|a| a.get(i)).unwrap_or(&Value::Null);
    let text = |i: usize| arg(i).as_str().unwrap_or_default();
    let initialized = SHELL.with(|s| s.borrow().is_some());
    if name == "init" {
        if initialized {
            console("warn", &["[shopcue] init was called again; the first init stays in force".into()]);
            return Ok(JsValue::UNDEFINED);
        }
        return init(arg(0));
    }
    if name == "on" {
        return listen(text(0).to_string(), args.get(1));
    }
    if !initialized {
        return Err(js_error(&Error::NotInitialized));
    }
    let t = now();
    if name == "explain" {
        // Read only: no decision, stored profile or send follows it, so that asking why a
        // message did not show (from the console, say) cannot show one.
        return Ok(with_shell(|s| from_value(&s.rt.explain(t))).unwrap_or_default());
    }
    let result = match name {
        "track" => with_shell(|s| {
            s.rt.track(text(0), arg(1), t, &mut BrowserEntropy)?;
            Ok(JsValue::UNDEFINED)
        }),
        "catalog" => with_shell(|s| s.rt.catalog(arg(0), t).map(|_| JsValue::UNDEFINED)),
        "identify" => with_shell(|s| s.rt.identify(arg(0)).map(|_| JsValue::UNDEFINED)),
        "consent" => with_shell(|s| s.consent(arg(0), t)),
        "page" => with_shell(|s| {
            s.new_page(t);
            Ok(JsValue::UNDEFINED)
        }),
        // Internal: what the loader's automatic capture found (see shopcue::capture).
        "capture" => with_shell(|s| match arg(0).as_str() {
            Some("history") => {
                if s.rt.captures_history() {
                    s.new_page(t);
                }
                Ok(JsValue::UNDEFINED)
            }
            Some("moment") => {
                s.rt.page_moment(text(1));
                Ok(JsValue::UNDEFINED)
            }
            // The address replaced on the same path: a variant chosen on the page.
            Some("link") => {
                s.rt.relink(text(1));
                Ok(JsValue::UNDEFINED)
            }
            source => s.rt.capture(source.unwrap_or_default(), arg(1), t, &mut BrowserEntropy).map(JsValue::from),
        }),
        // "Choose your store" in a site's own UI (`render: false`): the message for that store.
        "choose" => Some(match on_store_chosen(text(0), text(1)) {
            Some(m) => Ok(from_value(&m.to_value())),
            None => Err(Error::InvalidEvent(vec![shopcue::Problem::new(
                "$[1]",
                "no open message with a store picker offering this store",
            )])),
        }),
        // Call from a shopper's action (a "stores near me" button): the browser may ask.
        "locate" => {
            platform::locate(on_position);
            Some(Ok(JsValue::UNDEFINED))
        }
        // Sites that render messages themselves (`render: false`) report what the shopper saw:
        // `impression`, `click`, `dismiss`.
        other => Some(match Lifecycle::parse(other) {
            Some(what) if on_message_event(text(0), what) => Ok(JsValue::UNDEFINED),
            Some(_) => {
                Err(Error::InvalidEvent(vec![shopcue::Problem::new("$[0]", "no open message with this id, or already reported")]))
            }
            None => Err(Error::UnknownCommand(other.to_string())),
        }),
    };
    let result = result.unwrap_or(Err(Error::NotInitialized));
    with_shell(|s| {
        s.report_notes();
        s.schedule_persist();
        s.schedule_evaluation();
        s.schedule_send();
    });
    // `track` and the loader's `capture` take events; the other commands other arguments
    // (`identify`'s traits, `consent`'s choices, a catalog, a message id).
    let noun = if name == "track" || name == "capture" { "event" } else { "arguments" };
    result.map_err(|e| platform::js_error_about(&e, noun))
}

/// `shopcue('on', kind, f)`: before `init` too.
fn listen(kind: String, f: JsValue) -> Result<JsValue, JsValue> {
    let Ok(f) = f.dyn_into::<Function>() else {
        let e = Error::InvalidEvent(vec![shopcue::Problem::new("$[1]", "on() needs a callback function")]);
        return Err(platform::js_error_about(&e, "arguments"));
    };
    if !["message", "impression", "click", "dismiss", "error"].contains(&kind.as_str()) {
        return Err(js_error(&Error::UnknownCommand(concat(&["on('", &kind, "')"]))));
    }
    if with_shell(|s| s.listeners.push((kind.clone(), f.clone()))).is_none() {
        EARLY_LISTENERS.with(|l| l.borrow_mut().push((kind, f)));
    }
    Ok(JsValue::UNDEFINED)
}

fn init(opts: &Value) -> Result<JsValue, JsValue> {
    let site = opts.get("site").and_then(Value::as_str).unwrap_or_default().to_string();
    let store = Store::open(&site);
    let t = now();
    // Storage is read only as far as consent allows (the same rule the runtime applies).
    let consent = Consent::from_init_options(opts).unwrap_or(Consent::REQUIRED);
    let profile_text = consent.personalization.then(|| store.get("profile")).flatten();
    // The queue starts empty: events other pages left behind are adopted below, once.
    let (mut rt, warnings) = Runtime::new(profile_text.as_deref(), None, t, &mut BrowserEntropy);
    rt.set_formatter(std::rc::Rc::new(intl::IntlFormatter));
    rt.set_device(&intl::device());
    for w in warnings {
        console("warn", &[concat(&["[shopcue] ", &w]).into()]);
    }
    let init = rt.init(opts).map_err(|e| platform::js_error_about(&e, "init options"))?;
    let href = web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default();
    // A preview link's draft: fetched instead of the live config, and nothing is counted.
    let previewing = rt.preview_draft(&href).is_some();
    if previewing {
        console("info", &["[shopcue] previewing a draft config: nothing on this page is recorded or sent".into()]);
    }
    view_page(&mut rt, &href, t);
    let profile_key = store.key_of("profile");
    let shell = Shell {
        rt,
        store,
        outbox: PageOutbox::new(),
        render: opts.get("render").and_then(Value::as_bool).unwrap_or(true),
        listeners: EARLY_LISTENERS.with(|l| std::mem::take(&mut *l.borrow_mut())),
        rendered: Vec::new(),
        pending: Vec::new(),
        closed: Vec::new(),
        offset_checked_at: 0,
        profile_read: consent.personalization,
        outbox_read: consent.analytics && !previewing,
        eval_scheduled: false,
        decided: false,
        send_timer: None,
        sending: false,
        feed_loading: false,
        persist_scheduled: false,
        persisted_at: 0,
        inline_waits: Vec::new(),
        _page_listeners: beacon::listen_for_page_exit(),
        _heartbeat: platform::set_interval(heartbeat, shopcue::outbox::HEARTBEAT_MS as i32),
        _other_tabs: tabs::listen_for_other_tabs(profile_key),
    };
    SHELL.with(|s| *s.borrow_mut() = Some(shell));
    with_shell(|s| s.adopt_orphans(t));
    let config = with_shell(|s| s.rt.options().map(|o| o.config.clone())).flatten().unwrap_or(init.config);
    match config {
        ConfigSource::Url(url) => beacon::load_config(url),
        ConfigSource::Inline(config) => config_loaded(Ok(config)),
    }
    with_shell(|s| {
        s.persist();
        s.schedule_evaluation();
        s.schedule_send();
    });
    Ok(JsValue::UNDEFINED)
}

/// A page view of the page at `href`, whose relative links are read against
/// `document.baseURI` as the browser reads them: its `<base href>` where it has one, else
/// `href`.
fn view_page(rt: &mut Runtime, href: &str, t: i64) {
    rt.set_traffic(&intl::traffic());
    rt.page_view(href, t, &mut BrowserEntropy);
    let base = web_sys::window().and_then(|w| w.document()).and_then(|d| js_sys::Reflect::get(&d, &"baseURI".into()).ok());
    let base = base.and_then(|b| b.as_string());
    if let Some(base) = base {
        rt.set_link_base(&base);
    }
}

/// Loads a fetched or inline config (or reports why it could not be had); a raw one goes through
/// the lazily loaded compiler first (`beacon::compile_raw`). A config that cannot
/// be had or is invalid is logged as one console error, its message with every problem, and
/// reaches `on('error')` as an Error with its code and problems; tracking and automatic
/// capture go on without scenarios.
fn config_loaded(config: Result<Value, Error>) {
    if let Some(raw) = config.as_ref().ok().filter(|c| shopcue::config::is_raw(c)) {
        return beacon::compile_raw(raw.to_json());
    }
    let result = with_shell(|s| {
        let r = config.and_then(|c| s.rt.set_config(&c));
        if r.is_err() {
            for e in s.rt.config_failed(now(), &mut BrowserEntropy) {
                platform::log("warn", &e);
            }
        } else {
            if intl::utc_offset_minutes(s.rt.timezone(), now() as f64).is_none() {
                let zone = s.rt.timezone().to_string();
                console(
                    "warn",
                    &[concat(&["[shopcue] unknown time zone \"", &zone, "\" in the config; schedules use Asia/Tokyo"]).into()],
                );
            }
            s.offset_checked_at = 0; // the config's time zone applies from the next evaluation
            for e in s.rt.replay_captured(now(), &mut BrowserEntropy) {
                platform::log("warn", &e);
            }
            s.report_notes();
            s.show_preview();
            if s.rt.has_stores() {
                // Only where the shopper already allowed it: Shopcue never prompts by itself.
                // Until the answer, no "choose your store" picker (the position may name it).
                s.rt.set_locating(true);
                platform::locate_if_granted(on_position);
            }
            s.fetch_feed_if_due(now());
            s.schedule_evaluation();
        }
        r
    });
    if let Some(Err(error)) = result {
        platform::log("error", &error);
        emit(vec![("error", js_error(&error))]);
    }
}

/// What rendered messages report to.
const CALLBACKS: render::Callbacks = render::Callbacks { event: on_message_event, pick: on_pick };

/// A store picker's buttons: a store chosen (`Some`), or "use my location" (`None`).
fn on_pick(message_id: &str, store_id: Option<String>) {
    match store_id {
        Some(store) => {
            on_store_chosen(message_id, &store);
        }
        // The shopper's click: the browser may ask for permission now.
        None => platform::locate(on_position),
    }
}

/// The shopper chose a store in a message's picker (its button, or `choose` from a site that
/// renders messages itself): the message is shown again for that store. `None` when the
/// message has no picker offering that store.
fn on_store_chosen(message_id: &str, store_id: &str) -> Option<Message> {
    let (message, emitted) = with_shell(|s| {
        let (m, clicked) = s.rt.choose_store(message_id, store_id, now(), &mut BrowserEntropy)?;
        let mut out: Emitted = if clicked { vec![("click", JsValue::from_str(&m.id))] } else { Vec::new() };
        out.extend(s.replace_rendered(&m));
        s.persist();
        s.schedule_send();
        Some((m, out))
    })
    .flatten()?;
    emit(emitted);
    Some(message)
}

/// An impression, click or dismissal of a message (from its rendered element, or reported by
/// a site that renders messages itself). Returns false for an unknown or already-reported id.
fn on_message_event(message_id: &str, what: Lifecycle) -> bool {
    let payload = with_shell(|s| {
        let counted = s.rt.lifecycle(message_id, what, now(), &mut BrowserEntropy);
        // A preview is never counted, but its close button still closes it.
        let closing_preview = what == Lifecycle::Dismiss && message_id.starts_with("preview-");
        if !(counted || closing_preview) {
            return None;
        }
        if what == Lifecycle::Dismiss {
            if let Some(i) = s.rendered.iter().position(|r| r.message_id == message_id) {
                let r = s.rendered.remove(i);
                r.hide();
                s.closed.push(r); // freed later: we are inside its own listener
            }
        }
        s.persist();
        s.schedule_send();
        counted.then(|| message_id.to_string())
    })
    .flatten();
    let Some(id) = payload else { return false };
    emit(vec![(what.name(), JsValue::from_str(&id))]);
    true
}

impl Shell {
    /// Puts `message` on the page in the config's look (messages exist only once it is loaded).
    fn render(&self, message: &Message) -> Result<Rendered, JsValue> {
        // Unreachable in practice: the runtime decides nothing before a config is loaded.
        let Some(config) = self.rt.config() else { return Err(JsValue::NULL) };
        render::show(message, config, CALLBACKS)
    }

    /// A new page view (an SPA navigation, or `shopcue('page')`): messages of the old page
    /// close and delayed ones are cancelled.
    fn new_page(&mut self, t: i64) {
        self.rendered.clear();
        self.pending.clear();
        self.inline_waits.clear();
        let href = web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default();
        view_page(&mut self.rt, &href, t);
        self.fetch_feed_if_due(t);
    }

    /// `?shopcue_preview=<scenario id>` in the page URL: that scenario's message now, with the
    /// shopper's data or sample data, never counted (a marketer checking a scenario).
    fn show_preview(&mut self) {
        let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
        let id = shopcue::text::split(shopcue::text::trim_start(&search, b'?'), b'&')
            .find_map(|kv| kv.strip_prefix("shopcue_preview="));
        let Some(id) = id else { return };
        // `draft.…` is a preview link's draft config (`Runtime::preview_draft`), not a scenario.
        if id.starts_with("draft.") {
            if !self.rt.previewing_draft() {
                console("warn", &["[shopcue] shopcue_preview: the draft is not shown: a preview link needs init's config to be the URL it is published at, not inline".into()]);
            }
            return;
        }
        match self.rt.preview(id, now(), &mut BrowserEntropy) {
            Some(m) => match self.render(&m) {
                Ok(r) => self.rendered.push(r),
                Err(e) => console("warn", &["[shopcue] could not render the preview:".into(), e]),
            },
            None => console("warn", &[concat(&["[shopcue] shopcue_preview: no scenario \"", id, "\" in the config"]).into()]),
        }
    }

    /// Starts fetching the product feed when the config has one and the last copy is stale.
    fn fetch_feed_if_due(&mut self, t: i64) {
        if self.feed_loading {
            return;
        }
        if let Some(url) = self.rt.feed_due(t) {
            self.feed_loading = true;
            beacon::load_feed(url);
        }
    }

    /// Applies a consent change: purges storage on revocation, reads it on a grant.
    fn consent(&mut self, v: &Value, t: i64) -> Result<JsValue, Error> {
        let change = self.rt.set_consent(v, t, &mut BrowserEntropy)?;
        if change.purge_profile {
            self.store.remove("profile");
            self.store.remove("config");
            self.rendered.clear();
            self.pending.clear();
        }
        if change.purge_outbox {
            self.outbox.purge(&self.store);
        }
        let c = self.rt.consent();
        let profile = (c.personalization && !self.profile_read).then(|| self.store.get("profile")).flatten();
        let adopt = c.analytics && !self.outbox_read;
        if change.granted {
            self.rt.restore(profile.as_deref());
            self.profile_read |= c.personalization;
            self.outbox_read |= c.analytics;
        }
        if adopt {
            self.adopt_orphans(t);
        }
        Ok(JsValue::UNDEFINED)
    }

    /// Keeps `text`, the config just loaded, for a page that cannot fetch it
    /// ([`beacon::load_config`]): where storage is allowed, and not a preview's draft.
    fn keep_config(&mut self, text: &str) {
        if self.keeps_config() {
            self.store.set("config", text);
        }
    }

    /// The config an earlier page kept ([`Shell::keep_config`]).
    fn kept_config(&self) -> Option<String> {
        self.keeps_config().then(|| self.store.get("config")).flatten()
    }

    fn keeps_config(&self) -> bool {
        self.rt.consent().personalization && !self.rt.previewing_draft()
    }

    /// Adopts the stored queues of pages that are gone (closed or killed with events unsent).
    /// Under a Web Lock per queue where the browser has them, so two pages never adopt the
    /// same one; without, a rare double adoption is deduplicated by the collector.
    fn adopt_orphans(&mut self, t: i64) {
        if !self.rt.consent().analytics {
            return;
        }
        for key in self.outbox.orphans(&self.store, t) {
            let name = key.clone();
            let locked = platform::with_lock(&self.store.key_of(&key), move || {
                with_shell(|s| {
                    s.outbox.adopt(&mut s.rt, &mut s.store, &name, now());
                    s.schedule_send();
                });
            });
            if !locked {
                self.outbox.adopt(&mut self.rt, &mut self.store, &key, t);
            }
        }
    }

    /// `debug: true`: the core's notes on the events it recorded (a `track` that counted nothing
    /// new, a captured field left out: [`Runtime::take_notes`]), in one console message.
    fn report_notes(&mut self) {
        let notes = self.rt.take_notes();
        if !notes.is_empty() {
            console("info", &[notes.into()]);
        }
    }

    /// Persists at the end of the current task (a microtask): a page that fires fifty events
    /// in one task pays for one write, not fifty. During a burst of tasks (infinite scroll, a
    /// tag manager replaying its queue) storage is written at most once per
    /// [`PERSIST_GAP_MS`], the last write on a timer: each write serializes the whole profile
    /// and queue, which cost the host page 15–20 ms per task when every task wrote. Leaving
    /// the page (`pagehide`, or hidden) writes at once, and so do the shopper's own acts on a
    /// message (dismiss, a store chosen); a crash loses at most that gap's updates.
    fn schedule_persist(&mut self) {
        if std::mem::replace(&mut self.persist_scheduled, true) {
            return;
        }
        let wait = self.persisted_at + PERSIST_GAP_MS - now();
        if wait <= 0 {
            beacon::on_settle(js_sys::Promise::resolve(&JsValue::UNDEFINED), |_| persist_now());
        } else {
            platform::set_timeout(platform::once(Box::new(persist_now)).unchecked_ref(), wait as i32);
        }
    }

    /// Write-through persistence of whatever changed.
    fn persist(&mut self) {
        self.persist_scheduled = false;
        self.persisted_at = now();
        if let Some(p) = self.rt.take_profile_json() {
            self.store.set("profile", &p);
        }
        self.outbox.persist(&mut self.rt, &mut self.store, now(), false);
    }

    /// Evaluates once for a burst of commands (the loader replays its queue synchronously, so a
    /// page's init + track calls are judged together). While the document is still being parsed
    /// it waits for DOMContentLoaded: the page's own scripts that run later in the document (a
    /// product page's `view_item`) are part of the first decision, however fast the wasm and the
    /// config arrived from the cache.
    ///
    /// Otherwise the page's first decision comes as soon as the running script ends (a
    /// microtask), so that the first message does not queue behind the page's own tasks, layout
    /// and paint (10–50 ms on a busy page); later ones wait for a timer, which also gathers the
    /// commands of several tasks into one evaluation.
    fn schedule_evaluation(&mut self) {
        if self.eval_scheduled {
            return;
        }
        self.eval_scheduled = true;
        // Once the page has had a decision its DOM is complete (the first waits for it), and
        // later ones wait behind the page's own tasks.
        EVALUATE.with(|f| {
            let f = f.as_ref().unchecked_ref();
            if self.decided || !platform::when_dom_ready(f) && !platform::queue_microtask(f) {
                platform::set_timeout(f, 0);
            }
        });
    }

    fn schedule_send(&mut self) {
        if self.sending {
            return;
        }
        let Some(due) = self.rt.next_due() else { return };
        let t = now();
        let fires = due.clamp(t, t + 120_000);
        // A timer that fires by then already does it: a burst of track() calls sets one timer,
        // not one per call.
        match self.send_timer {
            Some((_, at)) if at <= fires => return,
            Some((handle, _)) => platform::clear_timeout(handle),
            None => {}
        }
        let f = platform::once(Box::new(beacon::send_due));
        self.send_timer = Some((platform::set_timeout(f.unchecked_ref(), (fires - t) as i32), fires));
    }

    /// Shows `message` again in place of its earlier rendering (same id: a store was chosen or
    /// the shopper's position arrived). Keyboard focus follows it if it was inside.
    fn replace_rendered(&mut self, message: &Message) -> Emitted {
        if let Some(waiting) = self.pending.iter_mut().find(|m| m.id == message.id) {
            // Not on screen yet (delayed, or an inline badge waiting for its element).
            waiting.decision = message.decision.clone();
            return Vec::new();
        }
        let out: Emitted = vec![("message", from_value(&message.to_value()))];
        if !self.render {
            return out;
        }
        // Only a message on screen is shown again (not one closed, or never placed).
        let Some(i) = self.rendered.iter().position(|r| r.message_id == message.id) else { return out };
        let old = self.rendered.remove(i);
        let had_focus = old.has_focus();
        old.hide();
        self.closed.push(old); // freed later: we may be inside its own listener
        match self.render(message) {
            Ok(r) => {
                if had_focus {
                    r.focus();
                }
                self.rendered.push(r);
            }
            Err(e) => console("warn", &["[shopcue] could not render a message:".into(), e]),
        }
        out
    }

    fn show(&mut self, message: &Message, t: i64) -> Emitted {
        let delay = message.decision.delay_ms;
        if delay > 0 {
            // Shown later, if the shopper is still on this page (a page change clears `pending`).
            self.pending.push(message.clone());
            let id = message.id.clone();
            let f = platform::once(Box::new(move || show_delayed(&id)));
            platform::set_timeout(f.unchecked_ref(), delay.min(600_000) as i32);
            return Vec::new();
        }
        if self.render {
            if let Some(selector) = message.decision.target.as_deref().filter(|sel| !render::target_exists(sel)) {
                // An inline badge waits for its element (single-page apps render late): checked
                // every 250 ms for 10 s, then given up with a warning.
                let tries = match self.inline_waits.iter().position(|(id, _)| *id == message.id) {
                    Some(i) => {
                        self.inline_waits[i].1 += 1;
                        self.inline_waits[i].1
                    }
                    None => {
                        self.inline_waits.push((message.id.clone(), 0));
                        0
                    }
                };
                if tries >= 40 {
                    console(
                        "warn",
                        &[concat(&["[shopcue] no element matches \"", selector, "\" after 10 s; inline message not shown"])
                            .into()],
                    );
                    return Vec::new();
                }
                self.pending.push(message.clone());
                let id = message.id.clone();
                platform::set_timeout(platform::once(Box::new(move || show_delayed(&id))).unchecked_ref(), 250);
                return Vec::new();
            }
        }
        let mut out: Emitted = vec![("message", from_value(&message.to_value()))];
        if !self.render {
            return out;
        }
        match self.render(message) {
            Ok(r) => {
                self.rendered.push(r);
                // Banners, toasts and modals are fixed to the viewport: on screen as soon as they
                // are rendered. An inline badge reports its impression when it scrolls into view.
                if message.decision.target.is_none() {
                    self.rt.lifecycle(&message.id, Lifecycle::Impression, t, &mut BrowserEntropy);
                    out.push(("impression", JsValue::from_str(&message.id)));
                }
            }
            Err(e) => console("warn", &["[shopcue] could not render a message:".into(), e]),
        }
        out
    }
}

/// The shortest time between two scheduled writes of the profile and queue (see
/// [`Shell::schedule_persist`]).
const PERSIST_GAP_MS: i64 = 500;

/// Writes what changed (the end of a task, or a burst's timer).
fn persist_now() {
    with_shell(|s| s.persist());
}

/// Every [`shopcue::outbox::HEARTBEAT_MS`]: shows other tabs this page is alive while it has
/// events queued, and once a minute looks for queues that pages left behind.
fn heartbeat() {
    with_shell(|s| {
        let t = now();
        s.outbox.persist(&mut s.rt, &mut s.store, t, true);
        if t - s.outbox.scanned_at >= 60_000 {
            s.adopt_orphans(t);
        }
        s.schedule_send();
    });
}

/// Timer callback for a delayed message.
fn show_delayed(message_id: &str) {
    let emitted = with_shell(|s| {
        let i = s.pending.iter().position(|m| m.id == message_id)?;
        let mut message = s.pending.remove(i);
        message.decision.delay_ms = 0;
        let out = s.show(&message, now());
        s.schedule_persist();
        s.schedule_send();
        Some(out)
    })
    .flatten();
    emit(emitted.unwrap_or_default());
}

fn evaluate() {
    let emitted = with_shell(|s| {
        s.eval_scheduled = false;
        s.closed.clear();
        let t = now();
        // The site's UTC offset changes only with daylight saving: ask Intl every 15 minutes.
        if t - s.offset_checked_at >= 15 * 60_000 {
            if let Some(offset) = intl::utc_offset_minutes(s.rt.timezone(), t as f64) {
                s.rt.set_utc_offset(offset);
            }
            s.offset_checked_at = t;
        }
        // Explained before deciding, so that what this decision shows reads "shown", not
        // "already_shown".
        let debug = s.rt.options().is_some_and(|o| o.debug);
        let explain = if debug { s.rt.explain(t) } else { Value::Null };
        let messages = s.rt.decide(t, &mut BrowserEntropy);
        s.decided |= s.rt.config().is_some();
        if explain.get("config_loaded").and_then(Value::as_bool) == Some(true) {
            debug_group(&explain, &messages);
        }
        let emitted: Emitted = messages.iter().flat_map(|m| s.show(m, t)).collect();
        s.schedule_persist();
        s.schedule_send();
        emitted
    });
    emit(emitted.unwrap_or_default());
}

/// The Geolocation API answered: open store pickers turn into the nearest store where it
/// satisfies their scenario, and nearest-store scenarios use it from the next evaluation.
fn on_position(position: Option<(f64, f64)>) {
    let emitted = with_shell(|s| {
        s.rt.set_locating(false);
        s.schedule_evaluation();
        if position.is_none() {
            return Vec::new();
        }
        s.rt.set_location(position);
        let moved = s.rt.relocate(now());
        moved.iter().flat_map(|m| s.replace_rendered(m)).collect()
    });
    emit(emitted.unwrap_or_default());
}

/// `debug: true`: one collapsed console group per decision — what was shown, then a line per
/// scenario with its reason and details — and the whole `explain()` object last.
fn debug_group(explain: &Value, shown: &[Message]) {
    let names: Vec<&str> = shown.iter().map(|m| m.decision.scenario_id.as_str()).collect();
    let head = if names.is_empty() { "nothing shown".to_string() } else { concat(&["shown: ", &join(&names, ", ")]) };
    console("groupCollapsed", &[concat(&["[shopcue] decision — ", &head]).into()]);
    for sc in explain.get("scenarios").and_then(Value::as_array).unwrap_or(&[]) {
        let id = sc.get("scenario_id").and_then(Value::as_str).unwrap_or("?");
        let reason = sc.get("reason").and_then(Value::as_str).unwrap_or("?");
        console("log", &[concat(&[id, ": ", reason]).into(), from_value(sc)]);
    }
    console("log", &["explain()".into(), from_value(explain)]);
    console("groupEnd", &[]);
}

/// Sends everything queued right now with `sendBeacon` and writes what is not stored yet (the
/// page is going away).
fn flush_for_exit() {
    with_shell(|s| {
        if let Some(endpoint) = s.rt.options().and_then(|o| o.endpoint.clone()) {
            s.outbox.reconcile(&mut s.rt, &s.store);
            while let Some(batch) = s.rt.next_batch(now(), Flush::Unload) {
                let accepted = beacon::send_beacon(&endpoint, &batch.body);
                s.rt.settle(batch.seq, if accepted { 202 } else { 0 }, None, now(), platform::jitter());
                if !accepted {
                    break;
                }
            }
        }
        s.persist();
    });
}
