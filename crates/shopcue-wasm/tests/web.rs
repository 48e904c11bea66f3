//! Browser tests (headless Chromium via wasm-bindgen-test): storage and rendering.

use shopcue::engine::Decision;
use shopcue::runtime::{Lifecycle, Message};
use shopcue_wasm::render;
use shopcue_wasm::storage::Store;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

// Closed shadow roots are invisible to page scripts by design; the test keeps the roots that
// attachShadow returns, exactly as an attacker-free observer of the page would see them.
#[wasm_bindgen(inline_js = "
export function captureShadowRoots() {
  if (window.__roots) return;
  window.__roots = [];
  const orig = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) { const r = orig.call(this, init); window.__roots.push(r); return r; };
}
export function lastRoot() { return window.__roots[window.__roots.length - 1]; }
export function hostShadowRoot(scenario) {
  const h = document.querySelector('shopcue-message[data-shopcue-scenario=\"' + scenario + '\"]');
  return h ? h.shadowRoot : undefined;
}
export function countHosts() { return document.querySelectorAll('shopcue-message').length; }
export function nextTask() { return new Promise((r) => setTimeout(r, 0)); }
export function countRandomDraws() {
  if (!window.__draws) {
    window.__draws = { calls: 0, bytes: 0 };
    const orig = Crypto.prototype.getRandomValues;
    Crypto.prototype.getRandomValues = function (a) { window.__draws.calls++; window.__draws.bytes += a.length; return orig.call(this, a); };
  }
  window.__draws.calls = 0; window.__draws.bytes = 0;
}
export function randomDraws() { return [window.__draws.calls, window.__draws.bytes]; }
export function press(target, key, shiftKey) {
  const e = new KeyboardEvent('keydown', { key, shiftKey, bubbles: true, composed: true, cancelable: true });
  return !target.dispatchEvent(e);
}
")]
extern "C" {
    fn captureShadowRoots();
    #[wasm_bindgen(js_name = lastRoot)]
    fn last_root() -> web_sys::ShadowRoot;
    #[wasm_bindgen(js_name = hostShadowRoot)]
    fn host_shadow_root(scenario: &str) -> JsValue;
    #[wasm_bindgen(js_name = countHosts)]
    fn count_hosts() -> u32;
    /// Resolves on the next macrotask: a long test awaits it between chunks, so it never holds
    /// the renderer's main thread long enough for the WebDriver session to time out.
    #[wasm_bindgen(js_name = nextTask)]
    fn next_task() -> js_sys::Promise;
    #[wasm_bindgen(js_name = countRandomDraws)]
    fn count_random_draws();
    /// `[calls to crypto.getRandomValues, bytes asked for]` since `count_random_draws()`.
    #[wasm_bindgen(js_name = randomDraws)]
    fn random_draws() -> Vec<u32>;
    /// Dispatches a keydown as a keyboard would (composed: it leaves the shadow root); returns
    /// whether a listener prevented its default.
    fn press(target: &JsValue, key: &str, shift: bool) -> bool;
}

#[wasm_bindgen_test]
fn entropy_comes_from_crypto_in_bulk_and_no_byte_is_handed_out_twice() {
    use shopcue::id::{uuid_v7, Entropy};
    use shopcue_wasm::platform::BrowserEntropy;
    count_random_draws();
    let ids: Vec<String> = (0..1000).map(|_| uuid_v7(1_780_000_000_000, &mut BrowserEntropy)).collect();
    let [calls, bytes] = random_draws()[..] else { panic!("two counters") };
    // 1,000 ids of 10 random bytes each, drawn 256 bytes at a time: 40 draws, not 1,000.
    assert!((39..=41).contains(&calls), "{calls} calls to getRandomValues");
    assert!((10_000..=10_256).contains(&bytes), "{bytes} bytes drawn");
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "every id is different");
    // Consecutive ids share no random bytes (a pool that handed a byte out twice would).
    let tail = |id: &str| id.replace('-', "")[12..].to_string();
    assert!(ids.windows(2).all(|w| tail(&w[0]) != tail(&w[1])));
    // A fill larger than the pool is served in full, from fresh draws.
    let mut big = [0u8; 1000];
    BrowserEntropy.fill(&mut big);
    assert!(big.chunks(100).all(|c| c.iter().any(|b| *b != 0)), "every part of a large fill is random");
}

fn message(scenario: &str, title: &str, cta: Option<(&str, &str)>) -> Message {
    Message {
        id: format!("m-{scenario}"),
        decision: Decision {
            scenario_id: scenario.into(),
            item_id: Some("a".into()),
            placement: "banner-bottom",
            target: None,
            title: title.into(),
            body: Some("body text".into()),
            cta: cta.map(|(l, u)| (l.into(), u.into())),
            image: None,
            variant: None,
            delay_ms: 0,
            picker: None,
        },
        reported: 0,
    }
}

#[wasm_bindgen_test]
fn storage_round_trips_and_is_namespaced_by_site() {
    let mut a = Store::open("site-a");
    let b = Store::open("site-b");
    assert!(a.set("profile", "{\"v\":1}"));
    assert_eq!(a.get("profile").as_deref(), Some("{\"v\":1}"));
    assert_eq!(b.get("profile"), None, "another site's keys are separate");
    let raw = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    assert_eq!(raw.get_item("shopcue:site-a:profile").unwrap().as_deref(), Some("{\"v\":1}"));
    a.remove("profile");
    assert_eq!(a.get("profile"), None);
}

#[wasm_bindgen_test]
fn memory_store_never_touches_local_storage() {
    let mut m = Store::memory("site-m");
    assert!(!m.set("profile", "x"));
    assert_eq!(m.get("profile"), None);
    let raw = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    assert_eq!(raw.get_item("shopcue:site-m:profile").unwrap(), None);
}

fn noop(_: &str, _: Lifecycle) -> bool {
    true
}

/// A site in `locale` (its built-in labels), no theme.
fn site(locale: &str) -> shopcue::config::Config {
    shopcue::config::Config::parse(&format!(r#"{{"version":1,"site":"t","locale":"{locale}","scenarios":[]}}"#)).unwrap()
}

/// Hands the widget the loader's own renderer (`pkg-config/render.js`), as the loader does.
fn use_the_loaders_renderer() {
    let source = concat!(include_str!("../../../pkg-config/render.js"), "\nreturn shopcueRender;");
    let renderer = js_sys::Function::new_no_args(source).call0(&JsValue::NULL).unwrap();
    render::use_renderer(renderer.dyn_into().unwrap());
}

/// Hands the widget the loader's own `Intl` helpers (`pkg-config/intl.js`), as the loader does.
fn use_the_loaders_intl() {
    let source = concat!(include_str!("../../../pkg-config/intl.js"), "\nreturn shopcueIntl;");
    let intl = js_sys::Function::new_no_args(source).call0(&JsValue::NULL).unwrap();
    let helper = |name: &str| js_sys::Reflect::get(&intl, &name.into()).unwrap().dyn_into().unwrap();
    shopcue_wasm::intl::use_intl(helper("offset"), helper("format"), helper("device"), helper("traffic"));
}

fn on(event: fn(&str, Lifecycle) -> bool) -> render::Callbacks {
    use_the_loaders_renderer();
    render::Callbacks { event, pick: |_, _| {} }
}

#[wasm_bindgen_test]
fn renders_a_closed_accessible_banner_with_text_only() {
    captureShadowRoots();
    let hostile = "<img src=x onerror=\"window.__pwned=1\">残り2点";
    let r = render::show(&message("xss", hostile, Some(("カートを見る", "/cart.html"))), &site("ja-JP"), on(noop)).unwrap();
    let root = last_root();
    assert!(host_shadow_root("xss").is_null(), "the shadow root is closed");
    let title = root.query_selector(".title").unwrap().unwrap();
    assert_eq!(title.text_content().as_deref(), Some(hostile), "markup renders literally");
    assert!(root.query_selector("img").unwrap().is_none(), "no element was parsed from text");
    let live = root.query_selector("[aria-live=polite]").unwrap().unwrap();
    assert_eq!(live.get_attribute("role").as_deref(), Some("status"));
    let close = root.query_selector("button.x").unwrap().unwrap();
    assert_eq!(close.get_attribute("aria-label").as_deref(), Some("閉じる"));
    let cta = root.query_selector("a.cta").unwrap().unwrap();
    assert_eq!(cta.get_attribute("href").as_deref(), Some("/cart.html"));
    assert_eq!(count_hosts(), 1);
    drop(r);
    assert_eq!(count_hosts(), 0, "dropping the handle removes the message");
}

#[wasm_bindgen_test]
fn close_button_reports_a_dismissal() {
    use std::cell::Cell;
    thread_local!(static DISMISSED: Cell<bool> = const { Cell::new(false) });
    fn on_event(id: &str, what: Lifecycle) -> bool {
        assert_eq!(id, "m-dismiss");
        if what == Lifecycle::Dismiss {
            DISMISSED.with(|d| d.set(true));
        }
        true
    }
    captureShadowRoots();
    let _r = render::show(&message("dismiss", "t", None), &site("en-US"), on(on_event)).unwrap();
    let root = last_root();
    let close: web_sys::HtmlElement = root.query_selector("button.x").unwrap().unwrap().dyn_into().unwrap();
    assert_eq!(close.get_attribute("aria-label").as_deref(), Some("Close"));
    assert!(root.query_selector("a").unwrap().is_none(), "no CTA without one");
    close.click();
    assert!(DISMISSED.with(|d| d.get()));
}

#[wasm_bindgen_test]
fn a_modal_takes_focus_keeps_tab_inside_closes_on_escape_and_gives_focus_back() {
    use std::cell::Cell;
    thread_local!(static DISMISSALS: Cell<u32> = const { Cell::new(0) });
    fn on_event(id: &str, what: Lifecycle) -> bool {
        if id == "m-modal" && what == Lifecycle::Dismiss {
            DISMISSALS.with(|d| d.set(d.get() + 1));
        }
        true
    }
    captureShadowRoots();
    let doc = web_sys::window().unwrap().document().unwrap();
    let before: web_sys::HtmlElement = doc.create_element("button").unwrap().dyn_into().unwrap();
    doc.body().unwrap().append_child(&before).unwrap();
    before.focus().unwrap();
    let mut m = message("modal", "A modal", Some(("See", "/cart.html")));
    m.decision.placement = "modal";
    let r = render::show(&m, &site("en-US"), on(on_event)).unwrap();
    let root = last_root();
    let dialog = root.query_selector("[role=dialog]").unwrap().unwrap();
    assert_eq!(dialog.get_attribute("aria-modal").as_deref(), Some("true"));
    let cta = root.query_selector("a.cta").unwrap().unwrap();
    let close = root.query_selector("button.x").unwrap().unwrap();
    let active = || root.active_element();
    assert_eq!(active().as_ref(), Some(&cta), "the first control has focus");
    assert!(r.has_focus());
    assert!(press(&cta, "Tab", true), "Shift+Tab on the first control wraps");
    assert_eq!(active().as_ref(), Some(&close), "to the last");
    assert!(press(&close, "Tab", false), "Tab on the last control wraps");
    assert_eq!(active().as_ref(), Some(&cta), "to the first");
    assert!(!press(&cta, "Tab", false), "Tab between controls is the browser's");
    assert_eq!(DISMISSALS.with(|d| d.get()), 0);
    assert!(press(&cta, "Escape", false));
    assert_eq!(DISMISSALS.with(|d| d.get()), 1, "Escape dismisses");
    // The backdrop dismisses; a click inside the dialog does not.
    let overlay: web_sys::HtmlElement = root.query_selector(".ov").unwrap().unwrap().dyn_into().unwrap();
    dialog.dyn_ref::<web_sys::HtmlElement>().unwrap().click();
    assert_eq!(DISMISSALS.with(|d| d.get()), 1);
    overlay.click();
    assert_eq!(DISMISSALS.with(|d| d.get()), 2);
    r.hide();
    assert_eq!(count_hosts(), 0);
    assert_eq!(doc.active_element().as_ref(), Some(before.as_ref()), "focus is back where it was");
    before.remove();
}

#[wasm_bindgen_test]
fn utc_offsets_come_from_intl_time_zones() {
    use shopcue_wasm::intl::utc_offset_minutes;
    use_the_loaders_intl();
    let january = 1_767_268_800_000.0; // 2026-01-01T12:00Z
    let july = 1_783_000_800_000.0; // 2026-07-02T14:00Z
    assert_eq!(utc_offset_minutes("Asia/Tokyo", january), Some(540));
    assert_eq!(utc_offset_minutes("UTC", july), Some(0));
    assert_eq!(utc_offset_minutes("America/New_York", january), Some(-300));
    assert_eq!(utc_offset_minutes("America/New_York", july), Some(-240), "daylight saving time");
    assert_eq!(utc_offset_minutes("Asia/Kolkata", july), Some(330));
    assert_eq!(utc_offset_minutes("Mars/Olympus_Mons", july), None, "an unknown zone is None, never a throw");
}

#[wasm_bindgen_test]
fn the_core_table_of_zones_without_daylight_saving_agrees_with_intl() {
    use shopcue_wasm::intl::intl_offset_minutes;
    use_the_loaders_intl();
    let january = 1_767_268_800_000.0; // 2026-01-01T12:00Z
    let july = 1_783_000_800_000.0; // 2026-07-02T14:00Z
    for (zone, minutes) in shopcue::time::FIXED_ZONES {
        for t in [january, july] {
            assert_eq!(intl_offset_minutes(zone, t), Some(minutes), "{zone} at {t}");
        }
    }
}

#[wasm_bindgen_test]
fn intl_formats_the_locales_the_core_does_not() {
    use shopcue::template::{Formattable::*, Formatter};
    use shopcue_wasm::intl::IntlFormatter;
    use_the_loaders_intl();
    let f = |v, locale| IntlFormatter.format(v, locale);
    let nov_30 = 1_795_996_800_000; // 2026-11-30T00:00Z
    assert_eq!(f(Currency(12800.0, "EUR"), "de-DE").as_deref(), Some("12.800,00\u{a0}€"));
    assert_eq!(f(Number(1234567.0), "fr-FR").as_deref(), Some("1\u{202f}234\u{202f}567"));
    assert_eq!(f(Percent(0.15), "de-DE").as_deref(), Some("15\u{a0}%"));
    assert_eq!(f(Km(3.26), "de-DE").as_deref(), Some("3,3 km"));
    assert_eq!(f(Date(nov_30), "de-DE").as_deref(), Some("30. Nov."));
    assert_eq!(f(Days(1), "de-DE").as_deref(), Some("morgen"));
    assert_eq!(f(Days(3), "ko-KR").as_deref(), Some("3일 후"));
    assert_eq!(f(Number(2026.0), "ar-EG").as_deref(), Some("٢٬٠٢٦"), "Arabic-Indic digits");
    assert_eq!(f(Currency(1.0, "EURO"), "de-DE"), None, "a malformed currency is None, never a throw");
}

#[wasm_bindgen_test]
fn a_store_picker_offers_its_stores_and_reports_the_choice() {
    use shopcue::engine::StorePicker;
    use std::cell::RefCell;
    thread_local!(static PICKED: RefCell<Vec<Option<String>>> = const { RefCell::new(Vec::new()) });
    captureShadowRoots();
    let mut m = message("pick", "Tee: choose your store", None);
    m.decision.picker = Some(StorePicker {
        stores: vec![("shibuya".into(), "Shibuya (2 in stock)".into()), ("umeda".into(), "Umeda (1 in stock)".into())],
    });
    use_the_loaders_renderer();
    let callbacks = render::Callbacks {
        event: noop,
        pick: |id, store| PICKED.with(|p| p.borrow_mut().push(store.filter(|_| id == "m-pick"))),
    };
    let _r = render::show(&m, &site("en-US"), callbacks).unwrap();
    let root = last_root();
    let select = root.query_selector("select").unwrap().unwrap();
    assert_eq!(select.get_attribute("aria-label").as_deref(), Some("Choose a store"));
    let first = select.first_element_child().unwrap();
    let second = first.next_element_sibling().unwrap();
    assert_eq!(
        (first.text_content().unwrap(), first.get_attribute("value").unwrap()),
        ("Shibuya (2 in stock)".into(), "shibuya".into())
    );
    assert_eq!(second.text_content().as_deref(), Some("Umeda (1 in stock)"));
    js_sys::Reflect::set(&select, &"value".into(), &"umeda".into()).unwrap();
    let confirm: web_sys::HtmlElement = root.query_selector(".row .cta").unwrap().unwrap().dyn_into().unwrap();
    confirm.click();
    let locate: web_sys::HtmlElement = root.query_selector(".row .loc").unwrap().unwrap().dyn_into().unwrap();
    locate.click();
    assert_eq!(PICKED.with(|p| p.borrow().clone()), [Some("umeda".to_string()), None]);
}

#[wasm_bindgen_test]
fn the_heap_keeps_every_block_intact_aligned_and_reused() {
    use std::alloc::{alloc, dealloc, realloc, Layout};
    // A deterministic mix of sizes and alignments, freed out of order and grown by realloc;
    // every block is filled with its own byte and checked before it goes.
    let mut seed = 0x2545_f491_u32;
    let mut rand = move |n: u32| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed % n
    };
    let mut live: Vec<(*mut u8, Layout, u8)> = Vec::new();
    for round in 0..20_000u32 {
        if live.len() > 200 || (!live.is_empty() && rand(3) == 0) {
            let (ptr, layout, byte) = live.swap_remove(rand(live.len() as u32) as usize);
            let bytes = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
            assert!(bytes.iter().all(|b| *b == byte), "block of {} bytes overwritten", layout.size());
            if rand(2) == 0 {
                let grown = layout.size() * 2 + 1;
                let p = unsafe { realloc(ptr, layout, grown) };
                let bytes = unsafe { std::slice::from_raw_parts(p, layout.size()) };
                assert!(bytes.iter().all(|b| *b == byte), "realloc kept the contents");
                unsafe { dealloc(p, Layout::from_size_align(grown, layout.align()).unwrap()) };
            } else {
                unsafe { dealloc(ptr, layout) };
            }
        } else {
            let size = [1, 7, 16, 24, 100, 1000, 5000, 70_000][rand(8) as usize] + rand(9) as usize;
            let align = [1, 2, 4, 8, 16, 64][rand(6) as usize];
            let layout = Layout::from_size_align(size, align).unwrap();
            let ptr = unsafe { alloc(layout) };
            assert!(!ptr.is_null());
            assert_eq!(ptr as usize % align, 0, "aligned to {align}");
            let byte = (round % 251) as u8;
            unsafe { ptr.write_bytes(byte, size) };
            live.push((ptr, layout, byte));
        }
    }
    // Freed blocks are reused: the same small request twice in a row gets the same block.
    let layout = Layout::from_size_align(40, 8).unwrap();
    let a = unsafe { alloc(layout) };
    unsafe { dealloc(a, layout) };
    assert_eq!(unsafe { alloc(layout) }, a);
}

/// The heaviest test of this tier. It yields to the event loop every 100 events: on a slow
/// machine a synchronous 5,000-event loop held the renderer for over 30 s, and the WebDriver
/// session gave up. (scripts/ci/browser-tests.sh also builds this tier optimised.)
#[wasm_bindgen_test]
async fn memory_stays_bounded_through_5000_events_with_the_widgets_own_heap() {
    use shopcue::id::SeededEntropy;
    use shopcue::json::parse;
    use shopcue::runtime::Runtime;
    let bytes = || {
        let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().dyn_into().unwrap();
        memory.buffer().dyn_into::<js_sys::ArrayBuffer>().unwrap().byte_length()
    };
    let e = &mut SeededEntropy(11);
    let (mut rt, _) = Runtime::new(None, None, 0, e);
    rt.init(&parse(r#"{"site":"mem","config":{},"endpoint":"/collect"}"#).unwrap()).unwrap();
    let config = r#"{"version":1,"site":"mem","links":{"cart":"/cart"},"scenarios":[{"preset":"page_low_stock"},{"preset":"cart_low_stock"},
        {"preset":"cart_price_drop"},{"preset":"browse_abandonment"},{"preset":"cross_sell_nice"}]}"#;
    rt.set_config(&parse(config).unwrap()).unwrap();
    let mut at_1000 = 0;
    for i in 0..5_000i64 {
        let name = if i % 7 == 0 { "add_to_cart" } else { "view_item" };
        let item = format!(
            r#"{{"items":[{{"item_id":"sku-{}","item_name":"商品 {i}","price":{},"stock":{}}}]}}"#,
            i % 400,
            1000 + i % 50,
            i % 5
        );
        rt.page_view(&format!("https://shop.example/p/{i}"), i * 1000, e);
        rt.track(name, &parse(&item).unwrap(), i * 1000, e).unwrap();
        for m in rt.decide(i * 1000 + 1, e) {
            rt.lifecycle(&m.id, Lifecycle::Impression, i * 1000 + 2, e);
        }
        // What the shell does after each event: store the profile and the queue.
        let _ = (rt.take_profile_json(), rt.take_outbox_json());
        if i == 999 {
            at_1000 = bytes();
        }
        if i % 100 == 99 {
            wasm_bindgen_futures::JsFuture::from(next_task()).await.unwrap();
        }
    }
    let at_5000 = bytes();
    wasm_bindgen_test::console_log!("wasm memory after 1,000 events: {at_1000} B; after 5,000: {at_5000} B");
    assert!(at_5000 <= 32 << 20, "memory stays bounded: {at_5000} B");
    assert!(at_5000 <= at_1000 + (4 << 20), "no steady growth: {at_1000} B → {at_5000} B");
}
