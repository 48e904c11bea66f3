//! Renders messages inside a closed shadow root: text nodes only, safe links only, no layout
//! shift of the host page (the host element is fixed and zero-sized), screen-reader announced.

use shopcue::runtime::{Lifecycle, Message};
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element, ShadowRootInit, ShadowRootMode};

/// Tag name of the host element appended to `<body>`.
pub const HOST_TAG: &str = "shopcue-message";

const CSS: &str = r#":host{all:initial}
.sc{box-sizing:border-box;position:fixed;left:0;right:0;bottom:0;margin:0 auto;max-width:960px;display:flex;align-items:center;gap:12px;padding:12px 16px;background:var(--shopcue-bg,#1f2937);color:var(--shopcue-fg,#fff);font:14px/1.5 var(--shopcue-font,system-ui,-apple-system,"Hiragino Sans","Noto Sans JP",sans-serif);border-radius:var(--shopcue-radius,10px) var(--shopcue-radius,10px) 0 0;box-shadow:0 -4px 18px rgba(0,0,0,.25);animation:up .25s ease-out}
.sc.top{top:0;bottom:auto;border-radius:0 0 var(--shopcue-radius,10px) var(--shopcue-radius,10px);animation-name:down}
.t{flex:1;min-width:0;overflow-wrap:anywhere}
.title{display:block;font-weight:700}
.body{display:block;opacity:.85}
.cta{flex:none;background:var(--shopcue-accent,#f59e0b);color:var(--shopcue-accent-fg,#111827);padding:8px 14px;border-radius:6px;text-decoration:none;font-weight:700}
.x{flex:none;background:none;border:0;color:inherit;font:inherit;font-size:22px;line-height:1;cursor:pointer;padding:6px 10px;border-radius:6px}
.x:hover{background:rgba(255,255,255,.12)}
:focus-visible{outline:3px solid var(--shopcue-focus,#60a5fa);outline-offset:2px}
@keyframes up{from{transform:translateY(100%)}}
@keyframes down{from{transform:translateY(-100%)}}
@media (prefers-reduced-motion:reduce){.sc{animation:none}}
@media (max-width:600px){.sc{flex-wrap:wrap;border-radius:0}.t{flex-basis:calc(100% - 48px)}}"#;

/// A message on screen. Dropping it removes it from the page and frees its listeners.
pub struct Rendered {
    /// The message id.
    pub message_id: String,
    host: Element,
    _listeners: Vec<Closure<dyn FnMut(web_sys::Event)>>,
}

impl Drop for Rendered {
    fn drop(&mut self) {
        self.host.remove();
    }
}

impl Rendered {
    /// Takes the message off the page now (its listeners are freed when dropped).
    pub fn hide(&self) {
        self.host.remove();
    }
}

fn el(doc: &Document, tag: &str, class: &str) -> Result<Element, JsValue> {
    let e = doc.create_element(tag)?;
    e.set_class_name(class);
    Ok(e)
}

fn text(doc: &Document, parent: &Element, tag: &str, class: &str, content: &str) -> Result<Element, JsValue> {
    let e = el(doc, tag, class)?;
    // Text nodes only: whatever the content, it is never parsed as HTML.
    e.append_child(&doc.create_text_node(content))?;
    parent.append_child(&e)?;
    Ok(e)
}

/// Shows `message` as a banner. `on_event(message_id, what)` is called on click and dismiss.
///
/// ```js
/// // What a page sees: one host element; its shadow root is closed.
/// document.querySelector('shopcue-message[data-shopcue-scenario="page_low_stock"]');
/// ```
pub fn show(message: &Message, lang: &str, on_event: fn(&str, Lifecycle) -> bool) -> Result<Rendered, JsValue> {
    let doc = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let body = doc.body().ok_or("no body")?;
    let d = &message.decision;
    let host = doc.create_element(HOST_TAG)?;
    host.set_attribute("data-shopcue-scenario", &d.scenario_id)?;
    host.set_attribute(
        "style",
        "all:initial!important;display:block!important;position:fixed!important;width:0!important;height:0!important;z-index:2147483647!important",
    )?;
    let root = host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Closed))?;
    let style = doc.create_element("style")?;
    style.append_child(&doc.create_text_node(CSS))?;
    root.append_child(&style)?;

    let top = d.placement == "banner-top";
    let bar = el(&doc, "div", if top { "sc top" } else { "sc" })?;
    bar.set_attribute("role", "region")?;
    bar.set_attribute("aria-label", if lang == "ja" { "お知らせ" } else { "Notice" })?;
    bar.set_attribute("lang", lang)?;
    bar.set_attribute("data-placement", d.placement)?;
    // A live region that exists before its text is added, so screen readers announce it.
    let live = el(&doc, "div", "t")?;
    live.set_attribute("role", "status")?;
    live.set_attribute("aria-live", "polite")?;
    live.set_attribute("aria-atomic", "true")?;
    bar.append_child(&live)?;
    root.append_child(&bar)?;
    body.append_child(&host)?;

    text(&doc, &live, "strong", "title", &d.title)?;
    if let Some(b) = &d.body {
        text(&doc, &live, "span", "body", b)?;
    }
    let mut listeners = Vec::new();
    if let Some((label, url)) = &d.cta {
        let a = text(&doc, &bar, "a", "cta", label)?;
        a.set_attribute("href", url)?; // already checked by the core: http(s) or relative only
        let id = message.id.clone();
        let on_click = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            on_event(&id, Lifecycle::Click);
        });
        a.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref())?;
        listeners.push(on_click);
    }
    let close = text(&doc, &bar, "button", "x", "×")?;
    close.set_attribute("type", "button")?;
    close.set_attribute("aria-label", if lang == "ja" { "閉じる" } else { "Close" })?;
    let id = message.id.clone();
    let on_close = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        on_event(&id, Lifecycle::Dismiss);
    });
    close.add_event_listener_with_callback("click", on_close.as_ref().unchecked_ref())?;
    listeners.push(on_close);
    Ok(Rendered { message_id: message.id.clone(), host, _listeners: listeners })
}
