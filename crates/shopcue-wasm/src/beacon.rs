//! Network I/O: fetching the config, sending beacon batches (`fetch` with `keepalive`, and
//! `sendBeacon` when the page goes away), and the page-exit listeners. The core decides what to
//! send and when; this module only carries it.

use js_sys::Reflect;
use shopcue::json;
use shopcue::outbox::Flush;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{RequestInit, Response};

use crate::platform::{self, now};
use crate::{config_loaded, flush_for_exit, with_shell};

async fn fetch(url: &str, init: &RequestInit) -> Result<Response, JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let resp = JsFuture::from(window.fetch_with_str_and_init(url, init)).await?;
    resp.dyn_into::<Response>()
}

/// Fetches the config JSON from `url` and hands it to the shell.
pub fn load_config(url: String) {
    spawn_local(async move {
        let result = async {
            let init = RequestInit::new();
            init.set_method("GET");
            let resp = fetch(&url, &init).await.map_err(|_| format!("could not fetch {url}"))?;
            if !resp.ok() {
                return Err(format!("{url} answered HTTP {}", resp.status()));
            }
            let text = JsFuture::from(resp.text().map_err(|_| "unreadable body".to_string())?)
                .await
                .ok()
                .and_then(|t| t.as_string())
                .unwrap_or_default();
            json::parse(&text).map_err(|e| format!("{url}: {e}"))
        }
        .await;
        config_loaded(result);
    });
}

/// Timer callback: sends the next due batch with `fetch(keepalive)`, then settles it.
pub fn send_due() {
    let next = with_shell(|s| {
        s.send_timer = None;
        let endpoint = s.rt.options()?.endpoint.clone()?;
        let batch = s.rt.next_batch(now(), Flush::Timer)?;
        s.sending = true;
        Some((endpoint, batch))
    })
    .flatten();
    let Some((endpoint, batch)) = next else {
        with_shell(|s| s.schedule_send());
        return;
    };
    spawn_local(async move {
        let init = RequestInit::new();
        init.set_method("POST");
        // A string body is sent as text/plain: a "simple" request, no CORS preflight.
        init.set_body(&JsValue::from_str(&batch.body));
        let _ = Reflect::set(&init, &"keepalive".into(), &true.into());
        let (status, retry_after) = match fetch(&endpoint, &init).await {
            Ok(resp) => {
                let retry = resp.headers().get("Retry-After").ok().flatten().and_then(|v| shopcue::json::parse_number(&v));
                (resp.status(), retry.map(|s| (s * 1000.0) as i64))
            }
            Err(_) => (0, None),
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
/// back/forward cache). The returned closures must be kept alive.
pub fn listen_for_page_exit() -> Vec<Closure<dyn FnMut(web_sys::Event)>> {
    let Some(window) = web_sys::window() else { return Vec::new() };
    let on_pagehide = Closure::<dyn FnMut(web_sys::Event)>::new(|_| flush_for_exit());
    let on_visibility = Closure::<dyn FnMut(web_sys::Event)>::new(|_| {
        if web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.hidden()) {
            flush_for_exit();
        }
    });
    let _ = window.add_event_listener_with_callback("pagehide", on_pagehide.as_ref().unchecked_ref());
    if let Some(doc) = window.document() {
        let _ = doc.add_event_listener_with_callback("visibilitychange", on_visibility.as_ref().unchecked_ref());
    }
    vec![on_pagehide, on_visibility]
}
