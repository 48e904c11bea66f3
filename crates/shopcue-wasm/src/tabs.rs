//! Several tabs of one store. One stored outbox per page, so that two tabs never send the same
//! event (the rules are in [`shopcue::outbox`]): this page writes its queue under its own key
//! with a heartbeat, adopts the queues of pages that are gone, and forgets what another page
//! adopted from it. One shared profile: when another tab stores it, this tab rebases on it
//! ([`shopcue::Runtime::rebase_profile`]), so neither tab's updates are lost.

use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use shopcue::outbox::{orphaned, stored};
use shopcue::Runtime;

use crate::platform::BrowserEntropy;
use crate::storage::Store;
use shopcue::id::uuid_v4;

/// Storage names of outboxes start with this (`outbox` alone is the shared key of earlier
/// versions, adopted like an orphan).
const PREFIX: &str = "outbox";

/// This page's stored outbox.
pub struct PageOutbox {
    /// `outbox:<random>`: this page's storage name.
    key: String,
    /// Ids last written under `key`.
    stored_ids: Vec<String>,
    /// When other pages' outboxes were last looked at (ms).
    pub scanned_at: i64,
}

impl PageOutbox {
    /// A new page's outbox under a random name.
    pub fn new() -> PageOutbox {
        let id = uuid_v4(&mut BrowserEntropy);
        PageOutbox { key: shopcue::text::concat(&[PREFIX, ":", &id]), stored_ids: Vec::new(), scanned_at: 0 }
    }

    /// Writes the queue under this page's key when it changed (`heartbeat`: also when it did
    /// not, to show this page is alive). An empty queue removes the key.
    pub fn persist(&mut self, rt: &mut Runtime, store: &mut Store, now: i64, heartbeat: bool) {
        self.reconcile(rt, store);
        let json = if heartbeat && !self.stored_ids.is_empty() { rt.outbox_json() } else { rt.take_outbox_json() };
        let Some(json) = json else { return };
        let ids = rt.outbox_ids();
        if ids.is_empty() {
            store.remove(&self.key);
            self.stored_ids = ids;
        } else if store.set(&self.key, &stored(&json, now)) {
            self.stored_ids = ids;
        } else {
            // Storage refused (full, disabled): nothing of ours is stored, so a missing key
            // later must not read as "adopted by another tab", and an older copy of ours must
            // not be adopted by one. The queue lives in memory.
            store.remove(&self.key);
            self.stored_ids.clear();
        }
    }

    /// When this page's key vanished although it wrote events there, another page adopted
    /// them while this one was frozen (a background tab, the back/forward cache): drop them
    /// here instead of sending them twice.
    pub fn reconcile(&mut self, rt: &mut Runtime, store: &Store) {
        if !self.stored_ids.is_empty() && !store.has(&self.key) {
            rt.forget_outbox(&std::mem::take(&mut self.stored_ids));
        }
    }

    /// Storage names of other pages' outboxes whose pages are gone.
    pub fn orphans(&mut self, store: &Store, now: i64) -> Vec<String> {
        self.scanned_at = now;
        store.names(PREFIX).into_iter().filter(|k| *k != self.key && store.get(k).is_some_and(|v| orphaned(&v, now))).collect()
    }

    /// Takes over the orphaned outbox `key` (still orphaned now: another page may have been
    /// first): its events join this page's queue, are written here, and then the key goes.
    pub fn adopt(&mut self, rt: &mut Runtime, store: &mut Store, key: &str, now: i64) {
        let Some(text) = store.get(key).filter(|v| orphaned(v, now)) else { return };
        rt.adopt_outbox(&text);
        self.persist(rt, store, now, false);
        store.remove(key);
    }

    /// Consent to analytics was withdrawn: every queued event of this site goes.
    pub fn purge(&mut self, store: &Store) {
        for k in store.names(PREFIX) {
            store.remove(&k);
        }
        self.stored_ids.clear();
    }
}

/// Listens for the profile that other tabs store (`storage` events fire only in the other
/// documents of the origin). The returned closure must be kept alive.
pub fn listen_for_other_tabs(profile_key: String) -> Option<Closure<dyn FnMut(web_sys::Event)>> {
    let window = web_sys::window()?;
    let on_storage = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
        let text = |k: &str| Reflect::get(&e, &k.into()).ok().and_then(|v| v.as_string());
        if text("key").as_deref() != Some(profile_key.as_str()) {
            return;
        }
        let Some(stored) = text("newValue") else { return };
        crate::with_shell(|s| {
            if s.rt.rebase_profile(&stored) {
                s.persist();
            }
            s.schedule_evaluation();
        });
    });
    window.add_event_listener_with_callback("storage", on_storage.as_ref().unchecked_ref()).ok()?;
    Some(on_storage)
}
