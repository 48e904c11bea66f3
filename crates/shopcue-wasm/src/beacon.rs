//! Network I/O: fetching the config, sending beacon batches (`fetch` with `keepalive`, and
//! `sendBeacon` when the page goes away), and the page-exit listeners. The core decides what to
//! send and when; this module only carries it.

use js_sys::{Promise, Reflect};
use shopcue::json;
use shopcue::outbox::Flush;
use shopcue::{Error, Problem};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{RequestInit, Response};

use crate::platform::{self, now};
use crate::{config_loaded, flush_for_exit, with_shell};

/// Calls `f` once with the promise's value, or with its rejection reason. One self-freeing
/// closure serves both outcomes, so nothing leaks whichever way the promise settles.
pub fn on_settle(promise: Promise, f: impl FnOnce(JsValue) + 'static) {
    let cb = platform::once_with(Box::new(f));
    let then = Reflect::get(&promise, &"then".into()).ok().and_then(|t| t.dyn_into::<js_sys::Function>().ok());
    if let Some(then) = then {
        let _ = then.call2(&promise, &cb, &cb);
    }
}

/// `fetch(url, init)`; `f` gets the `Response`, or `None` on a network error.
fn fetch(url: &str, init: &RequestInit, f: impl FnOnce(Option<Response>) + 'static) {
    match web_sys::window().map(|w| w.fetch_with_str_and_init(url, init)) {
        Some(promise) => on_settle(promise, move |v| f(v.dyn_into::<Response>().ok())),
        None => f(None),
    }
}

thread_local! {
    /// The loader's `fetch` of the config URL, begun while the wasm was downloading.
    static CONFIG_FETCH: std::cell::RefCell<Option<(String, Promise)>> = const { std::cell::RefCell::new(None) };
}

/// Hands over the loader's head start on the config: `response` is `fetch(url)`, begun while
/// the wasm was still downloading and compiling. `init` uses it when its `config` is this same
/// URL (one round trip less before the first message), and fetches by itself otherwise.
///
/// ```js
/// // pkg-config/loader.js, before replaying the queued calls:
/// bindings.config_fetched('/shopcue/config.json', fetch('/shopcue/config.json', { method: 'GET' }));
/// ```
#[wasm_bindgen]
pub fn config_fetched(url: &str, response: Promise) {
    CONFIG_FETCH.with(|c| *c.borrow_mut() = Some((url.to_string(), response)));
}

/// `GET url` as text (or the body of `fetched`, that request already under way): `f` gets the
/// body, or why there is none (HTTP status, network).
fn get_text(url: String, fetched: Option<Promise>, f: Box<dyn FnOnce(Result<String, String>)>) {
    let promise = fetched.or_else(|| {
        let init = RequestInit::new();
        init.set_method("GET");
        web_sys::window().map(|w| w.fetch_with_str_and_init(&url, &init))
    });
    let Some(promise) = promise else { return f(Err(format!("could not fetch {url}"))) };
    on_settle(promise, move |resp| {
        let resp = match resp.dyn_into::<Response>() {
            Ok(r) if r.ok() => r,
            Ok(r) => return f(Err(format!("{url} answered HTTP {}", r.status()))),
            Err(_) => return f(Err(format!("could not fetch {url}"))),
        };
        match resp.text() {
            Ok(text) => on_settle(text, move |t| f(t.as_string().ok_or(format!("{url}: unreadable body")))),
            Err(_) => f(Err(format!("{url}: unreadable body"))),
        }
    });
}

/// Fetches the config JSON from `url` and hands it to the shell.
pub fn load_config(url: String) {
    let name = url.clone();
    let fetched = CONFIG_FETCH.with(|c| c.borrow_mut().take()).filter(|(u, _)| *u == url).map(|(_, p)| p);
    get_text(
        url,
        fetched,
        Box::new(move |text| {
            config_loaded(match text {
                Ok(t) => json::parse(&t).map_err(|e| {
                    let mut why = String::from("is not JSON: ");
                    why.push_str(&e.to_string());
                    Error::InvalidConfig(vec![Problem::new("$", why)])
                }),
                Err(why) => Err(Error::ConfigUnavailable(format!("{name}: {why}"))),
            })
        }),
    );
}

/// Fetches the product feed at `url` and applies it; a feed that fails or is malformed is
/// logged once and changes nothing (it is tried again later).
pub fn load_feed(url: String) {
    get_text(
        url,
        None,
        Box::new(|text| {
            with_shell(|s| {
                s.feed_loading = false;
                if let Err(e) = s.rt.apply_feed(text.as_deref().map_err(String::as_str), now()) {
                    platform::console("warn", &["[shopcue] product feed not applied:".into(), platform::js_error(&e)]);
                }
                s.persist();
                s.schedule_evaluation();
            });
        }),
    );
}

/// Timer callback: sends the next due batch with `fetch(keepalive)`, then settles it.
pub fn send_due() {
    let next = with_shell(|s| {
        s.send_timer = None;
        let endpoint = s.rt.options()?.endpoint.clone()?;
        // Never send what another tab adopted from this one while it was frozen.
        s.outbox.reconcile(&mut s.rt, &s.store);
        let batch = s.rt.next_batch(now(), Flush::Timer)?;
        s.sending = true;
        Some((endpoint, batch))
    })
    .flatten();
    let Some((endpoint, batch)) = next else {
        with_shell(|s| s.schedule_send());
        return;
    };
    let init = RequestInit::new();
    init.set_method("POST");
    // A string body is sent as text/plain: a "simple" request, no CORS preflight.
    init.set_body(&JsValue::from_str(&batch.body));
    let _ = Reflect::set(&init, &"keepalive".into(), &true.into());
    fetch(&endpoint, &init, move |resp| {
        let (status, retry_after) = match resp {
            Some(r) => {
                let retry = r.headers().get("Retry-After").ok().flatten().and_then(|v| json::parse_number(&v));
                (r.status(), retry.map(|s| (s * 1000.0) as i64))
            }
            None => (0, None),
        };
        with_shell(|s| {
            s.sending = false;
            s.rt.settle(batch.seq, status, retry_after, now(), platform::jitter());
            s.persist();
            s.schedule_send();
        });
    });
}

/// `navigator.sendBeacon(endpoint, body)`: `true` when the browser accepted it for delivery.
pub fn send_beacon(endpoint: &str, body: &str) -> bool {
    web_sys::window().is_some_and(|w| w.navigator().send_beacon_with_opt_str(endpoint, Some(body)).unwrap_or(false))
}

/// Flushes on `pagehide` and when the page becomes hidden (never on `unload`, which breaks the
/// back/forward cache), and retries at once when the browser comes back `online`. The returned
/// closures must be kept alive.
pub fn listen_for_page_exit() -> Vec<Closure<dyn FnMut(web_sys::Event)>> {
    let Some(window) = web_sys::window() else { return Vec::new() };
    let on_pagehide = Closure::<dyn FnMut(web_sys::Event)>::new(|_| flush_for_exit());
    let on_visibility = Closure::<dyn FnMut(web_sys::Event)>::new(|_| {
        if web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.hidden()) {
            flush_for_exit();
        }
    });
    let on_online = Closure::<dyn FnMut(web_sys::Event)>::new(|_| {
        with_shell(|s| {
            s.rt.online();
            s.schedule_send();
        });
    });
    let _ = window.add_event_listener_with_callback("online", on_online.as_ref().unchecked_ref());
    let _ = window.add_event_listener_with_callback("pagehide", on_pagehide.as_ref().unchecked_ref());
    if let Some(doc) = window.document() {
        let _ = doc.add_event_listener_with_callback("visibilitychange", on_visibility.as_ref().unchecked_ref());
    }
    vec![on_pagehide, on_visibility, on_online]
}
