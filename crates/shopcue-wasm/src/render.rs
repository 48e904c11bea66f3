//! Renders messages inside a closed shadow root: text nodes only, safe links only, no layout
//! shift of the host page (banners, toasts and modals hang from a fixed, zero-sized host
//! element; an inline badge follows its target element), screen-reader announced, keyboard
//! operable (a modal traps focus, Escape closes it, focus returns where it was).

use crate::platform::call;
use shopcue::config::Config;
use shopcue::runtime::{Lifecycle, Message};
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element, ShadowRootInit, ShadowRootMode};

/// Tag name of the host element appended to `<body>`.
pub const HOST_TAG: &str = "shopcue-message";

const CSS: &str = r#":host{all:initial}
.sc{box-sizing:border-box;position:fixed;left:0;right:0;bottom:0;margin:0 auto;max-width:960px;display:flex;align-items:center;gap:12px;padding:12px 16px;background:var(--shopcue-bg,#1f2937);color:var(--shopcue-fg,#fff);font:14px/1.5 var(--shopcue-font,system-ui,-apple-system,"Hiragino Sans","Noto Sans JP",sans-serif);border-radius:var(--shopcue-radius,10px) var(--shopcue-radius,10px) 0 0;box-shadow:0 -4px 18px rgba(0,0,0,.25);animation:in .2s ease-out}
.sc.top{top:0;bottom:auto;border-radius:0 0 var(--shopcue-radius,10px) var(--shopcue-radius,10px)}
.t{flex:1;min-width:0;overflow-wrap:anywhere}
.img{flex:none;width:48px;height:48px;object-fit:cover;border-radius:6px;background:rgba(255,255,255,.12)}
.sc.inline .img{display:none}
.title{display:block;font-weight:700}
.body{display:block;opacity:.85}
.cta{flex:none;background:var(--shopcue-accent,#f59e0b);color:var(--shopcue-accent-fg,#111827);padding:8px 14px;border-radius:6px;text-decoration:none;font-weight:700}
.x{flex:none;background:none;border:0;color:inherit;font:inherit;font-size:22px;line-height:1;cursor:pointer;padding:6px 10px;border-radius:6px}
.x:hover{background:rgba(255,255,255,.12)}
:focus-visible{outline:3px solid var(--shopcue-focus,#60a5fa);outline-offset:2px}
.sc.toast{inset-inline-start:auto;inset-inline-end:16px;bottom:16px;max-width:380px;border-radius:var(--shopcue-radius,10px);box-shadow:0 6px 24px rgba(0,0,0,.3)}
.ov{position:fixed;inset:0;background:rgba(17,24,39,.55);display:flex;align-items:center;justify-content:center;padding:16px}
.sc.modal{position:relative;left:auto;right:auto;bottom:auto;max-width:min(480px,100%);flex-wrap:wrap;padding:24px;border-radius:var(--shopcue-radius,12px)}
.sc.modal .t{flex-basis:calc(100% - 48px)}
.sc.inline{position:static;display:inline-flex;max-width:none;gap:4px;padding:2px 4px 2px 10px;font-size:12px;border-radius:999px;box-shadow:none;background:var(--shopcue-badge-bg,#b91c1c);vertical-align:middle;animation:none;margin:0;margin-inline-start:.5em}
.sc.inline .title{font-weight:700}.sc.inline .body,.sc.inline .cta{display:none}.sc.inline .x{font-size:14px;padding:0 6px}
.sc.pick{flex-wrap:wrap}.row{order:1;flex-basis:100%;display:flex;flex-wrap:wrap;gap:8px;align-items:center}
.row select{font:inherit;color:#111827;background:#fff;border:0;border-radius:6px;padding:7px 8px;max-width:100%;min-width:0;flex:1 1 12em}
.row button{font:inherit;cursor:pointer;border-radius:6px;padding:7px 12px}.row .cta{border:0}.row .loc{background:none;color:inherit;border:1px solid currentColor}
@media (prefers-color-scheme:dark){.sc.modal,.sc.toast{background:var(--shopcue-bg,#111827)}}
@keyframes in{from{opacity:0}}
@media (prefers-reduced-motion:reduce){.sc{animation:none}}.sc.still{animation:none}
@media (max-width:600px){.sc{flex-wrap:wrap;border-radius:0}.t{flex-basis:calc(100% - 48px)}.sc.toast{left:8px;right:8px;bottom:8px;max-width:none;border-radius:var(--shopcue-radius,10px)}.sc.inline{flex-wrap:nowrap;border-radius:999px}.sc.modal{border-radius:var(--shopcue-radius,12px)}}"#;

/// What a rendered message reports back to the shell.
#[derive(Clone, Copy)]
pub struct Callbacks {
    /// An impression, click or dismissal of message `id`; returns whether it was counted.
    pub event: fn(&str, Lifecycle) -> bool,
    /// "Choose your store": the shopper chose store `Some(id)` in message `id`'s picker, or
    /// asked to use their position (`None`).
    pub pick: fn(&str, Option<String>),
}

/// A message on screen. Dropping it removes it from the page and frees its listeners.
pub struct Rendered {
    /// The message id.
    pub message_id: String,
    host: Element,
    /// The first control (store picker, call to action or close button).
    first: Option<web_sys::HtmlElement>,
    /// Where focus was before a modal took it (given back when the modal goes).
    return_focus: Option<web_sys::HtmlElement>,
    /// The IntersectionObserver of an inline badge (its impression waits for visibility).
    observer: Option<JsValue>,
    _listeners: Vec<Closure<dyn FnMut(web_sys::Event)>>,
    _observed: Option<Closure<dyn FnMut(JsValue)>>,
    /// A `banner-top` docked below the site's header: the window scroll/resize listener that
    /// keeps it there (removed with the message).
    dock: Option<Closure<dyn FnMut(web_sys::Event)>>,
}

impl Drop for Rendered {
    fn drop(&mut self) {
        self.hide();
    }
}

impl Rendered {
    /// Moves keyboard focus to the message's first control (after its picker was replaced,
    /// so focus is not lost with the button that had it).
    pub fn focus(&self) {
        if let Some(f) = &self.first {
            let _ = f.focus();
        }
    }

    /// Whether keyboard focus is inside this message.
    pub fn has_focus(&self) -> bool {
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.active_element())
            .is_some_and(|a| a.is_same_node(Some(&self.host)))
    }

    /// Takes the message off the page now (its listeners are freed when dropped).
    pub fn hide(&self) {
        if let Some(o) = &self.observer {
            let _ = call(o, "disconnect", &js_sys::Array::new());
        }
        if let (Some(f), Some(w)) = (&self.dock, web_sys::window()) {
            for kind in ["scroll", "resize"] {
                let _ = w.remove_event_listener_with_callback(kind, f.as_ref().unchecked_ref());
            }
        }
        let had_focus = self.host.is_connected();
        self.host.remove();
        if let (true, Some(el)) = (had_focus, &self.return_focus) {
            let _ = el.focus();
        }
    }
}

/// Whether an inline placement's target is on the page (an invalid selector is never there).
pub fn target_exists(selector: &str) -> bool {
    web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.query_selector(selector).ok().flatten().is_some())
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

/// Shows `message` in its placement, in the look `config` gives (language, theme, labels);
/// `on` hears its clicks, dismissals, store choices and (for an inline badge) its impression.
///
/// ```js
/// // What a page sees: one host element; its shadow root is closed.
/// document.querySelector('shopcue-message[data-shopcue-scenario="page_low_stock"]');
/// ```
pub fn show(message: &Message, config: &Config, on: Callbacks) -> Result<Rendered, JsValue> {
    let (lang, labels, on_event) = (config.format.lang(), &config.labels, on.event);
    let doc = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let body = doc.body().ok_or("no body")?;
    let d = &message.decision;
    let inline_target = match &d.target {
        Some(selector) => Some(doc.query_selector(selector)?.ok_or("inline target not on the page")?),
        None => None,
    };
    let host = doc.create_element(HOST_TAG)?;
    host.set_attribute("data-shopcue-scenario", &d.scenario_id)?;
    let mut style = String::from(if inline_target.is_some() {
        "all:initial!important;display:inline-block!important;vertical-align:middle!important"
    } else {
        "all:initial!important;display:block!important;position:fixed!important;width:0!important;height:0!important;z-index:2147483647!important"
    });
    // The config's theme (values checked by the core: no `;`, braces or quotes).
    for (name, value) in &config.theme {
        for part in [";", name, ":", value] {
            style.push_str(part);
        }
    }
    host.set_attribute("style", &style)?;
    let root = host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Closed))?;
    let style = doc.create_element("style")?;
    style.append_child(&doc.create_text_node(CSS))?;
    root.append_child(&style)?;

    let modal = d.placement == "modal";
    let class = match d.placement {
        "banner-top" => "sc top",
        "toast" => "sc toast",
        "modal" => "sc modal",
        "inline" => "sc inline",
        _ => "sc",
    };
    let bar = el(&doc, "div", class)?;
    if d.picker.is_some() {
        bar.class_list().add_1("pick")?;
    }
    if message.reported != 0 {
        // Shown again in place (a store was chosen): no second slide-in.
        bar.class_list().add_1("still")?;
    }
    if modal {
        bar.set_attribute("role", "dialog")?;
        bar.set_attribute("aria-modal", "true")?;
        bar.set_attribute("aria-labelledby", "shopcue-title")?;
    } else {
        bar.set_attribute("role", "region")?;
        bar.set_attribute("aria-label", &labels.notice)?;
    }
    bar.set_attribute("lang", lang)?;
    bar.set_attribute("data-placement", d.placement)?;
    // A live region that exists before its text is added, so screen readers announce it.
    let live = el(&doc, "div", "t")?;
    live.set_attribute("role", "status")?;
    live.set_attribute("aria-live", "polite")?;
    live.set_attribute("aria-atomic", "true")?;
    bar.append_child(&live)?;
    if let Some(src) = &d.image {
        // Fixed size, so the message never reflows when the picture arrives; decorative (the
        // title names the item), so screen readers skip it.
        let img = el(&doc, "img", "img")?;
        img.set_attribute("alt", "")?;
        img.set_attribute("width", "48")?;
        img.set_attribute("height", "48")?;
        img.set_attribute("loading", "lazy")?;
        img.set_attribute("decoding", "async")?;
        img.set_attribute("referrerpolicy", "no-referrer")?;
        img.set_attribute("src", src)?; // already checked by the core: http(s) or relative only
        bar.insert_before(&img, Some(&live))?;
    }
    let overlay = if modal {
        let ov = el(&doc, "div", "ov")?;
        ov.append_child(&bar)?;
        root.append_child(&ov)?;
        Some(ov)
    } else {
        root.append_child(&bar)?;
        None
    };
    match &inline_target {
        Some(target) => target.after_with_node_1(&host)?,
        None => {
            body.append_child(&host)?;
        }
    }

    let title = text(&doc, &live, "strong", "title", &d.title)?;
    title.set_id("shopcue-title");
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
    if let Some(p) = &d.picker {
        // "Choose your store": a list of the stores that have the item, a button to confirm,
        // and one to use the shopper's position instead (their click allows the browser to ask).
        let row = el(&doc, "div", "row")?;
        let select = el(&doc, "select", "")?;
        select.set_attribute("aria-label", &labels.choose_store)?;
        for (id, label) in &p.stores {
            let option = text(&doc, &select, "option", "", label)?;
            option.set_attribute("value", id)?;
        }
        row.append_child(&select)?;
        let confirm = text(&doc, &row, "button", "cta", &labels.use_store)?;
        confirm.set_attribute("type", "button")?;
        let (id, pick, chosen) = (message.id.clone(), on.pick, select.clone());
        let on_confirm = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            pick(&id, js_sys::Reflect::get(&chosen, &"value".into()).ok().and_then(|v| v.as_string()));
        });
        confirm.add_event_listener_with_callback("click", on_confirm.as_ref().unchecked_ref())?;
        listeners.push(on_confirm);
        let geolocation = web_sys::window().and_then(|w| js_sys::Reflect::get(&w.navigator(), &"geolocation".into()).ok());
        if geolocation.is_some_and(|g| g.is_object()) {
            let locate = text(&doc, &row, "button", "loc", &labels.locate)?;
            locate.set_attribute("type", "button")?;
            let (id, pick) = (message.id.clone(), on.pick);
            let on_locate = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| pick(&id, None));
            locate.add_event_listener_with_callback("click", on_locate.as_ref().unchecked_ref())?;
            listeners.push(on_locate);
        }
        // Before the close button for the keyboard, after it on screen (CSS `order`).
        bar.insert_before(&row, Some(&close))?;
    }
    close.set_attribute("aria-label", &labels.close)?;
    let id = message.id.clone();
    let on_close = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        on_event(&id, Lifecycle::Dismiss);
    });
    close.add_event_listener_with_callback("click", on_close.as_ref().unchecked_ref())?;
    listeners.push(on_close);

    let mut return_focus = None;
    if let Some(ov) = overlay {
        // The backdrop closes the dialog; Escape closes it; Tab stays inside it.
        let id = message.id.clone();
        let dialog = bar.clone();
        let on_backdrop = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            if e.target().and_then(|t| t.dyn_into::<Element>().ok()).is_some_and(|t| !dialog.contains(Some(&t))) {
                on_event(&id, Lifecycle::Dismiss);
            }
        });
        ov.add_event_listener_with_callback("click", on_backdrop.as_ref().unchecked_ref())?;
        listeners.push(on_backdrop);
        let id = message.id.clone();
        let focusables: Vec<web_sys::HtmlElement> =
            js_sys::Array::from(&JsValue::from(bar.query_selector_all("a,button,select")?))
                .iter()
                .filter_map(|e| e.dyn_into().ok())
                .collect();
        let first = focusables.first().cloned();
        let last = focusables.last().cloned();
        let shadow = root.clone();
        let on_key = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            let key = js_sys::Reflect::get(&e, &"key".into()).ok().and_then(|k| k.as_string()).unwrap_or_default();
            let shift = js_sys::Reflect::get(&e, &"shiftKey".into()).ok().and_then(|k| k.as_bool()).unwrap_or(false);
            if key == "Escape" {
                e.prevent_default();
                on_event(&id, Lifecycle::Dismiss);
            } else if key == "Tab" {
                let active = shadow.active_element();
                let (edge, wrap) = if shift { (&first, &last) } else { (&last, &first) };
                let at_edge = match (edge, &active) {
                    (Some(edge), Some(a)) => edge.is_same_node(Some(a)),
                    _ => true,
                };
                if at_edge {
                    e.prevent_default();
                    if let Some(w) = wrap {
                        let _ = w.focus();
                    }
                }
            }
        });
        host.add_event_listener_with_callback("keydown", on_key.as_ref().unchecked_ref())?;
        listeners.push(on_key);
        return_focus = doc.active_element().and_then(|a| a.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(f) = focusables.first() {
            let _ = f.focus();
        }
    }

    // An inline badge may be out of view: its impression waits until half of it is visible.
    let (mut observer, mut observed) = (None, None);
    if inline_target.is_some() {
        let id = message.id.clone();
        let seen = Closure::<dyn FnMut(JsValue)>::new(move |entries: JsValue| {
            let visible = js_sys::Array::from(&entries)
                .iter()
                .any(|e| js_sys::Reflect::get(&e, &"isIntersecting".into()).ok().and_then(|v| v.as_bool()).unwrap_or(false));
            if visible {
                on_event(&id, Lifecycle::Impression);
            }
        });
        let ctor = js_sys::Reflect::get(&js_sys::global(), &"IntersectionObserver".into())?;
        let options = js_sys::Object::new();
        js_sys::Reflect::set(&options, &"threshold".into(), &0.5.into())?;
        let io =
            js_sys::Reflect::construct(ctor.unchecked_ref::<js_sys::Function>(), &js_sys::Array::of2(seen.as_ref(), &options))?;
        let _ = call(&io, "observe", &js_sys::Array::of1(&host));
        observer = Some(io);
        observed = Some(seen);
    }
    let dock = match (&config.banner_top_below, d.placement) {
        (Some(selector), "banner-top") => dock_below(&doc, &bar, selector),
        _ => None,
    };
    let first = bar.query_selector("select,a,button")?.and_then(|e| e.dyn_into().ok());
    Ok(Rendered {
        dock,
        message_id: message.id.clone(),
        host,
        first,
        return_focus,
        observer,
        _listeners: listeners,
        _observed: observed,
    })
}

/// Keeps `bar` (a `banner-top`) just below the element `selector` names while it is in view,
/// and at the top of the window once it scrolled away: the store's header (logo, cart link)
/// stays uncovered. Nothing happens when the selector matches nothing or is invalid.
fn dock_below(doc: &Document, bar: &Element, selector: &str) -> Option<Closure<dyn FnMut(web_sys::Event)>> {
    let header = doc.query_selector(selector).ok().flatten()?;
    let place = {
        let bar = bar.clone();
        move || {
            let rect = call(&header, "getBoundingClientRect", &js_sys::Array::new());
            let bottom = rect.and_then(|r| js_sys::Reflect::get(&r, &"bottom".into()).ok()).and_then(|b| b.as_f64());
            let mut style = String::from("top:");
            shopcue::json::format_number(bottom.unwrap_or(0.0).max(0.0).round(), &mut style);
            style.push_str("px");
            let _ = bar.set_attribute("style", &style);
        }
    };
    place();
    let on_move = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| place());
    let window = web_sys::window()?;
    for kind in ["scroll", "resize"] {
        let _ = window.add_event_listener_with_callback(kind, on_move.as_ref().unchecked_ref());
    }
    Some(on_move)
}
