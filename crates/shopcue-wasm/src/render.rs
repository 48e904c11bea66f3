//! Puts messages on the page through the loader's renderer (`pkg-config/render.js`, handed over
//! by [`use_renderer`]): the core decides and describes each message ([`Message::view`]); the
//! renderer draws it in a closed shadow root (text nodes only, no layout shift, keyboard and
//! screen-reader ready) and reports the shopper's clicks, dismissals, store choices and an inline
//! badge's impression back here. Drawing in JS costs every shopper about 4 KB gzip less than
//! building the same elements through the DOM bindings.

use std::cell::RefCell;

use js_sys::Function;
use shopcue::config::Config;
use shopcue::runtime::{Lifecycle, Message};
use wasm_bindgen::prelude::*;

thread_local! {
    static RENDERER: RefCell<Option<Function>> = const { RefCell::new(None) };
}

/// Takes the message renderer: `shopcueRender(viewJson, on)` (see `pkg-config/render.js`). The
/// loader and the npm package call this once, before any command; without it no message is
/// drawn (each one is logged as a warning, and `on('message')` listeners still hear it).
///
/// ```js
/// // pkg-config/loader.js, before replaying the queued calls:
/// bindings.use_renderer(shopcueRender);
/// ```
#[wasm_bindgen]
pub fn use_renderer(render: Function) {
    RENDERER.with(|r| *r.borrow_mut() = Some(render));
}

/// What the renderer reports, as the shell handles it.
#[derive(Clone, Copy)]
pub struct Callbacks {
    /// An impression, click or dismissal of message `id`; returns whether it was counted.
    pub event: fn(&str, Lifecycle) -> bool,
    /// "Choose your store": the shopper chose store `Some(id)` in message `id`'s picker, or
    /// asked to use their position (`None`).
    pub pick: fn(&str, Option<String>),
}

/// A message on screen. Dropping it takes it off the page (and its listeners with it).
pub struct Rendered {
    /// The message id.
    pub message_id: String,
    /// The renderer's control: 0 hides, 1 focuses the first control, 2 asks about focus.
    control: Function,
    /// What the renderer's listeners call (freed with the message, which is off the page then).
    _report: Closure<dyn FnMut(String, String, JsValue)>,
}

impl Drop for Rendered {
    fn drop(&mut self) {
        self.hide();
    }
}

impl Rendered {
    fn control(&self, op: u32) -> bool {
        self.control.call1(&JsValue::NULL, &op.into()).ok().and_then(|v| v.as_bool()).unwrap_or(false)
    }

    /// Moves keyboard focus to the message's first control (after its picker was replaced,
    /// so focus is not lost with the button that had it).
    pub fn focus(&self) {
        self.control(1);
    }

    /// Whether keyboard focus is inside this message.
    pub fn has_focus(&self) -> bool {
        self.control(2)
    }

    /// Takes the message off the page now; focus goes back where it was before a modal.
    pub fn hide(&self) {
        self.control(0);
    }
}

/// Whether an inline placement's target is on the page (an invalid selector is never there).
pub fn target_exists(selector: &str) -> bool {
    web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.query_selector(selector).ok().flatten().is_some())
}

/// Shows `message` in its placement, in the look `config` gives (language, theme, labels);
/// `on` hears its clicks, dismissals, store choices and (for an inline badge) its impression.
/// Fails when there is no renderer or it could not place the message (no body, an inline
/// target gone).
///
/// ```js
/// // What a page sees: one host element; its shadow root is closed.
/// document.querySelector('shopcue-message[data-shopcue-scenario="page_low_stock"]');
/// ```
pub fn show(message: &Message, config: &Config, on: Callbacks) -> Result<Rendered, JsValue> {
    let render = RENDERER.with(|r| r.borrow().clone()).ok_or("no renderer")?;
    let report =
        Closure::<dyn FnMut(String, String, JsValue)>::new(
            move |kind: String, id: String, store: JsValue| match Lifecycle::parse(&kind) {
                Some(what) => {
                    (on.event)(&id, what);
                }
                None => (on.pick)(&id, store.as_string()),
            },
        );
    let control = render.call2(&JsValue::NULL, &message.view(config).to_json().into(), report.as_ref())?;
    Ok(Rendered { message_id: message.id.clone(), control: control.dyn_into()?, _report: report })
}
