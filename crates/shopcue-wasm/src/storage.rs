//! `localStorage`, made safe: when storage is disabled, full or throws, Shopcue keeps working
//! from memory and warns once.

use wasm_bindgen::prelude::*;
use web_sys::Storage;

use crate::platform::console;

#[wasm_bindgen]
extern "C" {
    /// `Storage`, for a `getItem` whose result stays in JS (web-sys copies the text into wasm).
    type LeftInJs;
    #[wasm_bindgen(method, catch, js_name = getItem)]
    fn get_item(this: &LeftInJs, key: &str) -> Result<JsValue, JsValue>;
}

/// Storage for one site's keys (`shopcue:<site>:<name>`).
pub struct Store {
    storage: Option<Storage>,
    prefix: String,
    warned: bool,
}

impl Store {
    /// Opens `localStorage` for `site`. A browser that refuses storage gives a memory-only store.
    ///
    /// ```js
    /// // In the browser, the profile lives under these keys:
    /// localStorage.getItem('shopcue:demo-store:profile');
    /// ```
    pub fn open(site: &str) -> Store {
        let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
        let mut store = Store { storage, prefix: shopcue::text::concat(&["shopcue:", site, ":"]), warned: false };
        if store.storage.is_none() {
            store.warn("localStorage is unavailable; keeping the profile in memory for this page");
        }
        store
    }

    /// A store that never persists (consent not given, or for tests).
    pub fn memory(site: &str) -> Store {
        Store { storage: None, prefix: shopcue::text::concat(&["shopcue:", site, ":"]), warned: true }
    }

    /// Reads `name`; `None` when missing or unreadable.
    pub fn get(&self, name: &str) -> Option<String> {
        self.storage.as_ref()?.get_item(&self.key_of(name)).ok().flatten()
    }

    /// Whether `name` is stored (`false` when unreadable), without copying its text into wasm:
    /// a page's stored queue can be hundreds of kilobytes.
    pub fn has(&self, name: &str) -> bool {
        self.storage
            .as_ref()
            .is_some_and(|s| s.unchecked_ref::<LeftInJs>().get_item(&self.key_of(name)).is_ok_and(|v| !v.is_null()))
    }

    /// Writes `name`. Returns `false` (after one console warning) when the write failed.
    pub fn set(&mut self, name: &str, value: &str) -> bool {
        let Some(s) = &self.storage else { return false };
        if s.set_item(&self.key_of(name), value).is_ok() {
            return true;
        }
        self.warn("localStorage refused a write (full?); continuing from memory");
        false
    }

    /// Names (without the site prefix) of this site's keys that start with `start`.
    pub fn names(&self, start: &str) -> Vec<String> {
        let Some(s) = &self.storage else { return Vec::new() };
        let n = s.length().unwrap_or(0);
        (0..n)
            .filter_map(|i| s.key(i).ok().flatten())
            .filter_map(|k| k.strip_prefix(&self.prefix).filter(|name| name.starts_with(start)).map(str::to_string))
            .collect()
    }

    /// The full storage key of `name` (`shopcue:<site>:<name>`), also a good Web Lock name.
    pub fn key_of(&self, name: &str) -> String {
        let mut key = self.prefix.clone();
        key.push_str(name);
        key
    }

    /// Removes `name`.
    pub fn remove(&self, name: &str) {
        if let Some(s) = &self.storage {
            let _ = s.remove_item(&self.key_of(name));
        }
    }

    fn warn(&mut self, message: &str) {
        if !std::mem::replace(&mut self.warned, true) {
            console("warn", &[shopcue::text::concat(&["[shopcue] ", message]).into()]);
        }
    }
}
