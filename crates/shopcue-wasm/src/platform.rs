//! Small platform helpers: clock, entropy, console, timers, JSON crossing. Every call here is
//! fallible-safe: a broken or patched host global never turns into a panic.

use js_sys::{Function, Reflect, JSON};
use shopcue::id::Entropy;
use shopcue::json::Value;
use shopcue::Error;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Wall-clock time in Unix milliseconds.
pub fn now() -> i64 {
    js_sys::Date::now() as i64
}

/// `crypto.getRandomValues`, falling back to `Math.random` where crypto is missing or patched.
///
/// Bytes are drawn from the browser 256 at a time and handed out from a pool: every event gets
/// a UUIDv7 id (10 random bytes), and three crossings into JS per id (`window`, `crypto`,
/// `getRandomValues`) were a fifth of `track()`'s time in Chromium.
pub struct BrowserEntropy;

/// How many random bytes one `getRandomValues` call draws for the pool.
const POOL: usize = 256;

thread_local! {
    /// Random bytes not handed out yet: `(bytes, how many are used)`.
    static RANDOM: std::cell::RefCell<([u8; POOL], usize)> = const { std::cell::RefCell::new(([0; POOL], POOL)) };
}

fn draw(buf: &mut [u8]) {
    let ok = web_sys::window().and_then(|w| w.crypto().ok()).is_some_and(|c| c.get_random_values_with_u8_array(buf).is_ok());
    if !ok {
        for b in buf.iter_mut() {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
}

impl Entropy for BrowserEntropy {
    fn fill(&mut self, buf: &mut [u8]) {
        RANDOM.with(|pool| {
            let (bytes, used) = &mut *pool.borrow_mut();
            for chunk in buf.chunks_mut(POOL) {
                if *used + chunk.len() > POOL {
                    draw(bytes);
                    *used = 0;
                }
                chunk.copy_from_slice(&bytes[*used..*used + chunk.len()]);
                *used += chunk.len(); // each byte is handed out once
            }
        });
    }
}

/// A random number in `[0, 1)` for retry jitter.
pub fn jitter() -> f64 {
    js_sys::Math::random()
}

/// Converts core JSON to a JS value.
pub fn from_value(v: &Value) -> JsValue {
    JSON::parse(&v.to_json()).unwrap_or(JsValue::NULL)
}

/// Converts the core error into a JS `Error` with a stable `code` and `problems` array.
pub fn js_error(e: &Error) -> JsValue {
    js_error_about(e, "event")
}

/// [`js_error`] for a command whose invalid arguments are not an event: `noun` names them
/// ("invalid init options (1 problem)"; see [`Error::message_about`]).
pub fn js_error_about(e: &Error, noun: &str) -> JsValue {
    let err = js_sys::Error::new(&shopcue::text::concat(&["[shopcue] ", &e.message_about(noun)]));
    let _ = Reflect::set(&err, &"code".into(), &e.code().into());
    let _ = Reflect::set(&err, &"problems".into(), &from_value(&e.problems_value()));
    err.into()
}

/// Logs `e` as text: its message, each problem on a line of its own. Not as the JS `Error` of
/// [`js_error`], whose stack into the widget's minified code reads like a crash of the page.
pub fn log(level: &str, e: &Error) {
    console(level, &[shopcue::text::concat(&["[shopcue] ", &e.message_about("event")]).into()]);
}

/// Calls `console[level](...args)` if the host's console still works.
pub fn console(level: &str, args: &[JsValue]) {
    if let Ok(console) = Reflect::get(&js_sys::global(), &"console".into()) {
        let _ = call(&console, level, &args.iter().collect());
    }
}

/// `setTimeout(f, ms)`; returns the handle (0 when the host has no window).
pub fn set_timeout(f: &Function, ms: i32) -> i32 {
    web_sys::window().and_then(|w| w.set_timeout_with_callback_and_timeout_and_arguments_0(f, ms).ok()).unwrap_or(0)
}

/// `queueMicrotask(f)`: `f` runs as soon as the running script ends, before the browser's next
/// task. False when the host has no `queueMicrotask`.
pub fn queue_microtask(f: &Function) -> bool {
    call(&js_sys::global(), "queueMicrotask", &js_sys::Array::of1(f)).is_some()
}

/// Calls `f` once on `DOMContentLoaded` when the document is still being parsed and returns
/// true; returns false (and does nothing) when the DOM is already complete.
pub fn when_dom_ready(f: &Function) -> bool {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return false };
    doc.ready_state() == "loading" && doc.add_event_listener_with_callback("DOMContentLoaded", f).is_ok()
}

/// `target[method](...args)` through `Reflect`: `None` when there is no such method or it
/// throws (a patched or missing host API never throws through wasm).
pub fn call(target: &JsValue, method: &str, args: &js_sys::Array) -> Option<JsValue> {
    let f: Function = Reflect::get(target, &method.into()).ok()?.dyn_into().ok()?;
    Reflect::apply(&f, target, args).ok()
}

/// A JS function that runs `f` once and then frees itself. Every one-shot callback goes
/// through this one type (`Box<dyn FnOnce>`), so the wasm holds one copy of the closure glue
/// instead of one per closure.
pub fn once(f: Box<dyn FnOnce()>) -> JsValue {
    Closure::once_into_js(f)
}

/// [`once`] for callbacks that take the event's or promise's value.
pub fn once_with(f: Box<dyn FnOnce(JsValue)>) -> JsValue {
    Closure::once_into_js(f)
}

/// `setInterval(f, ms)` for the page's lifetime; the closure is returned to be kept alive
/// (`None` when the host has no window).
pub fn set_interval(f: fn(), ms: i32) -> Option<Closure<dyn FnMut()>> {
    let closure = Closure::<dyn FnMut()>::new(f);
    let w = web_sys::window()?;
    w.set_interval_with_callback_and_timeout_and_arguments_0(closure.as_ref().unchecked_ref(), ms).ok()?;
    Some(closure)
}

/// Runs `f` holding the Web Lock `name` if nobody else holds it
/// (`navigator.locks.request(name, {ifAvailable: true}, …)`); `f` does not run when the lock is
/// taken. Returns false, without running `f`, when the browser has no Web Locks (old browsers,
/// insecure contexts): the caller then does the work itself. Nothing is held past `f`, so the
/// back/forward cache is never blocked.
pub fn with_lock(name: &str, f: impl FnOnce() + 'static) -> bool {
    let Some(nav) = web_sys::window().map(|w| w.navigator()) else { return false };
    let locks = Reflect::get(&nav, &"locks".into()).unwrap_or(JsValue::UNDEFINED);
    let Ok(request) = Reflect::get(&locks, &"request".into()).and_then(|r| r.dyn_into::<Function>()) else { return false };
    let options = js_sys::Object::new();
    let _ = Reflect::set(&options, &"ifAvailable".into(), &true.into());
    let callback = once_with(Box::new(move |lock: JsValue| {
        if !lock.is_null() {
            f();
        }
    }));
    match request.call3(&locks, &name.into(), &options, &callback) {
        Ok(promise) => {
            // A rejection (an opaque origin) must not surface as an unhandled one.
            if let Ok(p) = promise.dyn_into::<js_sys::Promise>() {
                crate::beacon::on_settle(p, |_| {});
            }
            true
        }
        Err(_) => false,
    }
}

/// `navigator.geolocation.getCurrentPosition` (cached up to 10 minutes, coarse); `done` gets
/// `(latitude, longitude)`, or `None` when refused, unavailable or timed out. One self-freeing
/// callback serves both outcomes.
pub fn locate(done: fn(Option<(f64, f64)>)) {
    let Some(nav) = web_sys::window().map(|w| w.navigator()) else { return done(None) };
    let geo = Reflect::get(&nav, &"geolocation".into()).unwrap_or(JsValue::UNDEFINED);
    let Ok(get) = Reflect::get(&geo, &"getCurrentPosition".into()).and_then(|f| f.dyn_into::<Function>()) else {
        return done(None);
    };
    let callback = once_with(Box::new(move |position: JsValue| {
        let coords = Reflect::get(&position, &"coords".into()).unwrap_or(JsValue::UNDEFINED);
        let num = |k: &str| Reflect::get(&coords, &k.into()).ok().and_then(|v| v.as_f64());
        done(num("latitude").zip(num("longitude")));
    }));
    let options = js_sys::Object::new();
    let _ = Reflect::set(&options, &"maximumAge".into(), &600_000.into());
    let _ = Reflect::set(&options, &"timeout".into(), &15_000.into());
    let _ = get.call3(&geo, &callback, &callback, &options);
}

/// [`locate`], but only when the site already has the shopper's permission (Permissions API):
/// never a prompt the shopper did not ask for. `done(None)` when it has not (or cannot tell).
pub fn locate_if_granted(done: fn(Option<(f64, f64)>)) {
    let Some(nav) = web_sys::window().map(|w| w.navigator()) else { return done(None) };
    let permissions = Reflect::get(&nav, &"permissions".into()).unwrap_or(JsValue::UNDEFINED);
    let descriptor = js_sys::Object::new();
    let _ = Reflect::set(&descriptor, &"name".into(), &"geolocation".into());
    match call(&permissions, "query", &js_sys::Array::of1(&descriptor)).map(|p| p.dyn_into::<js_sys::Promise>()) {
        Some(Ok(promise)) => crate::beacon::on_settle(promise, move |status| {
            if Reflect::get(&status, &"state".into()).ok().and_then(|s| s.as_string()).as_deref() == Some("granted") {
                locate(done);
            } else {
                done(None);
            }
        }),
        _ => done(None),
    }
}

/// `clearTimeout(handle)`.
pub fn clear_timeout(handle: i32) {
    if let Some(w) = web_sys::window() {
        w.clear_timeout_with_handle(handle);
    }
}
