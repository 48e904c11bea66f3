//! Network I/O: fetching the config, sending beacon batches (`fetch`, and
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
/// the wasm was still downloading and compiling, resolved to the body's text when the answer is
/// ok (read meanwhile too) or to the `Response` when it is not. `init` uses it when its `config`
/// is this same URL (one round trip less before the first message, and no wait for the body),
/// and fetches by itself otherwise.
///
/// ```js
/// // pkg-config/loader.js, before replaying the queued calls:
/// const url = '/shopcue/config.json';
/// bindings.config_fetched(url, fetch(url).then((r) => (r.ok ? r.text() : r)));
/// ```
#[wasm_bindgen]
pub fn config_fetched(url: &str, response: Promise) {
    CONFIG_FETCH.with(|c| *c.borrow_mut() = Some((url.to_string(), response)));
}

thread_local! {
    /// The loader's compiler driver (`pkg-config/compiler.js`), for raw configs only.
    static COMPILER: std::cell::RefCell<Option<js_sys::Function>> = const { std::cell::RefCell::new(None) };
}

/// Hands over how raw configs get compiled: `compile(text)` returns a promise of the compiler
/// module's JSON answer (the runtime config, or `{"code", "message", "problems"}`). The
/// widget's own wasm reads compiled runtime configs only; this is the way round for a page that
/// hands it a raw one.
///
/// ```js
/// // pkg-config/loader.js, before replaying the queued calls:
/// bindings.use_compiler(shopcueCompiler(new URL('shopcue_compile.wasm', base).toString(), fetch));
/// ```
#[wasm_bindgen]
pub fn use_compiler(compile: js_sys::Function) {
    COMPILER.with(|c| *c.borrow_mut() = Some(compile));
}

/// Compiles a raw config's text through the loader's compiler module (fetched now, once), then
/// loads the result. Once it compiles, says as information that publishing the config spares
/// every shopper this; a text that does not compile (not JSON: an HTML page, a config cut short)
/// gets only its error.
pub fn compile_raw(text: String) {
    let compiler = COMPILER.with(|c| c.borrow().clone());
    let answer = compiler.and_then(|f| f.call1(&JsValue::NULL, &text.into()).ok()).and_then(|p| p.dyn_into::<Promise>().ok());
    let Some(promise) = answer else { return config_loaded(Err(compiler_missing())) };
    on_settle(promise, |answer| {
        let config = compiled(answer);
        if config.is_ok() {
            let site = with_shell(|s| s.rt.options().map(|o| o.site.clone())).flatten().unwrap_or_default();
            let mut hint = String::from("[shopcue] this config is raw, so this page fetched the compiler (shopcue_compile.wasm) to read it. Publish it (PUT /api/sites/");
            hint.push_str(&site);
            hint.push_str("/config) or compile it (shopcue-collector config compile), and shoppers skip that download.");
            platform::console("info", &[hint.into()]);
        }
        config_loaded(config)
    });
}

fn compiler_missing() -> Error {
    Error::ConfigUnavailable("a raw config needs the compiler module shopcue_compile.wasm, which could not be loaded".into())
}

/// The compiler module's answer: the runtime config, or the raw config's problems.
fn compiled(answer: JsValue) -> Result<json::Value, Error> {
    let v = json::parse(&answer.as_string().ok_or_else(compiler_missing)?)?;
    if shopcue::config::is_compiled(&v) {
        return Ok(v);
    }
    let list = v.get("problems").and_then(json::Value::as_array).unwrap_or(&[]);
    let text = |p: &json::Value, key| p.get(key).and_then(json::Value::as_str).unwrap_or_default().to_string();
    Err(Error::InvalidConfig(list.iter().map(|p| Problem::new(text(p, "path"), text(p, "message"))).collect()))
}

/// `GET url` as text (or the body of `fetched`, that request already under way or its text
/// already read): `f` gets the body, or why there is none (HTTP status, network). `revalidate`:
/// ask the server every time (`cache: 'no-cache'`, answered by a bodiless 304 while the ETag
/// matches), so that a config published a minute ago is in force on the next page, whatever its
/// max-age.
fn get_text(url: String, fetched: Option<Promise>, revalidate: bool, f: Box<dyn FnOnce(Result<String, String>)>) {
    let promise = fetched.or_else(|| {
        let init = RequestInit::new();
        init.set_method("GET");
        if revalidate {
            init.set_cache(web_sys::RequestCache::NoCache);
            // A control plane that accepts the connection and never answers would otherwise
            // hold the page without a config (and its kept copy) for as long as the browser waits.
            if let Some(signal) = Reflect::get(&js_sys::global(), &"AbortSignal".into())
                .ok()
                .and_then(|a| platform::call(&a, "timeout", &js_sys::Array::of1(&CONFIG_TIMEOUT_MS.into())))
            {
                let _ = Reflect::set(&init, &"signal".into(), &signal);
            }
        }
        web_sys::window().map(|w| w.fetch_with_str_and_init(&url, &init))
    });
    let Some(promise) = promise else { return f(Err(shopcue::text::concat(&["could not fetch ", &url]))) };
    on_settle(promise, move |resp| {
        // The loader's head start has read the body already.
        if let Some(text) = resp.as_string() {
            return f(Ok(text));
        }
        let resp = match resp.dyn_into::<Response>() {
            Ok(r) if r.ok() => r,
            Ok(r) => return f(Err(shopcue::text::concat(&[&url, " answered HTTP ", &json::number_text(f64::from(r.status()))]))),
            Err(_) => return f(Err(shopcue::text::concat(&["could not fetch ", &url]))),
        };
        match resp.text() {
            Ok(text) => {
                on_settle(text, move |t| f(t.as_string().ok_or_else(|| shopcue::text::concat(&[&url, ": unreadable body"]))))
            }
            Err(_) => f(Err(shopcue::text::concat(&[&url, ": unreadable body"]))),
        }
    });
}

/// How long a config request may take before the page gives up on it (and uses its kept copy,
/// if it has one): the same in `pkg-config/loader.js`, which starts the request early.
const CONFIG_TIMEOUT_MS: u32 = 8000;

/// Fetches the config JSON from `url` and hands it to the shell.
///
/// The control plane may be down, slow to restart or misconfigured for a while: when the config
/// cannot be had (network, HTTP error, no answer within [`CONFIG_TIMEOUT_MS`]), the copy this
/// browser kept from the last page that loaded one is used instead, with a warning. The copy is
/// kept (under `shopcue:<site>:config`) only where storage is allowed (personalization
/// consent), and never for a preview's draft.
pub fn load_config(url: String) {
    let fetched = CONFIG_FETCH.with(|c| c.borrow_mut().take()).filter(|(u, _)| *u == url).map(|(_, p)| p);
    get_text(
        url,
        fetched,
        true,
        Box::new(move |text| {
            // The config read (`Ok(Ok)`), a text for the compiler module (`Ok(Err)`), or why
            // there is none.
            let text = text.map(|t| match json::parse(&t) {
                Ok(v) => {
                    // Kept only once it reads as JSON.
                    with_shell(|s| s.keep_config(&t));
                    // A raw config is compiled from its text as written, so that it is read as
                    // publishing reads it (a key written twice refused, not lost). Text that is
                    // no object at all is no config, raw or not: refused without the compiler.
                    if shopcue::config::is_raw(&v) {
                        Err(t)
                    } else {
                        Ok(v)
                    }
                }
                // Not JSON: a raw config with a slip of hand editing (a comma too many, a
                // comment, a config cut short), or an HTML page where the config should be. The
                // compiler module reads it as publishing does: the slip at its line and column,
                // an HTML page named as such (this widget's parser names only the byte).
                Err(_) => Err(t),
            });
            config_loaded(match text {
                Ok(Ok(v)) => Ok(v),
                Ok(Err(raw)) => return compile_raw(raw),
                // `why` names the URL ("/x.json answered HTTP 503").
                Err(why) => match with_shell(|s| s.kept_config()).flatten() {
                    Some(copy) => {
                        let warning =
                            ["[shopcue] config not loaded: ", &why, "; using the copy this browser kept from an earlier page"];
                        platform::console("warn", &[shopcue::text::concat(&warning).into()]);
                        json::parse(&copy)
                    }
                    None => Err(Error::ConfigUnavailable(why)),
                },
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
        false,
        Box::new(|text| {
            with_shell(|s| {
                s.feed_loading = false;
                if let Err(e) = s.rt.apply_feed(text.as_deref().map_err(String::as_str), now()) {
                    let text = shopcue::text::concat(&["[shopcue] product feed not applied: ", &e.message_about("feed")]);
                    platform::console("warn", &[text.into()]);
                }
                s.schedule_persist();
                s.schedule_evaluation();
            });
        }),
    );
}

/// Timer callback: sends the next due batch with `fetch`, then settles it.
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
    // A string body is sent as text/plain: a "simple" request, no CORS preflight. Not as
    // `keepalive`: the browser allows a page 64 KiB of keepalive bodies in flight, counted until
    // each answer is read, and refused every other batch of a burst. Nothing is lost without it:
    // a page going away sends everything queued, this batch too, with `sendBeacon`.
    init.set_body(&JsValue::from_str(&batch.body));
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
            s.schedule_persist();
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
