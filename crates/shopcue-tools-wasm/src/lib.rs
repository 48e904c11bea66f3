//! The core as a bare wasm module for tools that are never shipped to shoppers: no
//! wasm-bindgen, no imports, exports driven through linear memory.
//!
//! - The condition benchmark (`scripts/bench-conditions.mjs`): Node writes the GrowthBook
//!   conformance cases (`[[name, condition, attributes, expected, savedGroups?], …]`) into
//!   memory from `alloc`, [`load`] compiles them once, and [`run`] / [`run_compiling`]
//!   evaluate every case `rounds` times, returning how many results were right (so that the
//!   work cannot be optimized away, and so that the benchmark checks correctness as it goes).
//! - The marketer playground (`www/playground.html`): [`simulate`] runs
//!   `shopcue::runtime::simulate` on a JSON input and returns its JSON output. Locales the core
//!   does not format itself (`de-DE`, `ko-KR` …) go to the host's `Intl` through the one import
//!   `intl.format` (`www/tools-intl.js` provides it), as they do in the widget.

use std::cell::RefCell;

// `alloc`, `dealloc` and `compile` (the config compiler, which the playground shares with the
// loader) are the compiler module's exports, linked into this module too.
pub use shopcue_compile_wasm::{alloc, compile, dealloc};

use shopcue::condition::Condition;
use shopcue::id::SeededEntropy;
use shopcue::json::{parse, Value};

struct Case {
    raw: Value,
    compiled: Condition,
    attributes: Value,
    groups: Value,
    expected: bool,
}

thread_local! {
    static CASES: RefCell<Vec<Case>> = const { RefCell::new(Vec::new()) };
}

/// The JSON text the host wrote at `ptr` (`len` bytes, from [`alloc`]); `None` when it is
/// not UTF-8 JSON.
///
/// # Safety
/// `ptr` must point to `len` readable bytes.
unsafe fn read_json(ptr: *const u8, len: usize) -> Option<Value> {
    let bytes = unsafe { std::slice::from_raw_parts(ptr, len) };
    std::str::from_utf8(bytes).ok().and_then(|t| parse(t).ok())
}

/// Reads `len` bytes of JSON at `ptr` (written by the caller into memory from `alloc`),
/// compiles every condition once and returns the number of cases (0 when unreadable).
///
/// # Safety
/// `ptr..ptr + len` must be memory returned by `alloc` and fully written.
#[no_mangle]
pub unsafe extern "C" fn load(ptr: *const u8, len: usize) -> u32 {
    // SAFETY: the caller wrote `len` bytes at `ptr`, which came from `alloc(len)`.
    let Some(list) = unsafe { read_json(ptr, len) }.and_then(|v| v.as_array().map(<[Value]>::to_vec)) else {
        return 0;
    };
    let cases: Vec<Case> = list
        .iter()
        .filter_map(|c| {
            let c = c.as_array()?;
            Some(Case {
                raw: c.get(1)?.clone(),
                compiled: Condition::compile_lenient(c.get(1)?),
                attributes: c.get(2)?.clone(),
                groups: c.get(4).cloned().unwrap_or(Value::Null),
                expected: c.get(3)?.as_bool()?,
            })
        })
        .collect();
    let n = cases.len() as u32;
    CASES.with(|s| *s.borrow_mut() = cases);
    n
}

/// Evaluates every compiled case `rounds` times (compile once, evaluate many — how Shopcue
/// runs); returns the number of right answers.
#[no_mangle]
pub extern "C" fn run(rounds: u32) -> u32 {
    count_right(rounds, |c| c.compiled.eval_with_groups(&c.attributes, &c.groups))
}

/// The same, compiling each condition again before every evaluation (how GrowthBook's
/// `evalCondition` works: it interprets the condition object on each call).
#[no_mangle]
pub extern "C" fn run_compiling(rounds: u32) -> u32 {
    count_right(rounds, |c| Condition::compile_lenient(&c.raw).eval_with_groups(&c.attributes, &c.groups))
}

/// Runs `eval` on every loaded case `rounds` times; counts the results that match.
fn count_right(rounds: u32, eval: impl Fn(&Case) -> bool) -> u32 {
    CASES.with(|s| {
        let cases = s.borrow();
        let mut right = 0;
        for _ in 0..rounds {
            for c in cases.iter() {
                right += u32::from(eval(c) == c.expected);
            }
        }
        right
    })
}

#[cfg(target_arch = "wasm32")]
#[link(wasm_import_module = "intl")]
extern "C" {
    /// The host formats `value` (kind: 0 currency `text`, 1 number, 2 percent, 3 km, 4 date
    /// as UTC ms, 5 relative days) for `locale`, writes UTF-8 into `out` (at most `cap` bytes)
    /// and returns its length, or -1 when it cannot (`www/tools-intl.js`).
    #[link_name = "format"]
    fn intl_format(
        kind: u32,
        value: f64,
        text: *const u8,
        text_len: usize,
        locale: *const u8,
        locale_len: usize,
        out: *mut u8,
        cap: usize,
    ) -> i32;
}

/// [`shopcue::template::Formatter`] through the host's `Intl` (the widget's shell does the
/// same with wasm-bindgen).
#[cfg(target_arch = "wasm32")]
#[derive(Debug)]
struct HostIntl;

#[cfg(target_arch = "wasm32")]
impl shopcue::template::Formatter for HostIntl {
    fn format(&self, value: shopcue::template::Formattable<'_>, locale: &str) -> Option<String> {
        use shopcue::template::Formattable::*;
        let (kind, n, text) = match value {
            Currency(n, currency) => (0, n, currency),
            Number(n) => (1, n, ""),
            Percent(n) => (2, n, ""),
            Km(n) => (3, n, ""),
            Date(ms) => (4, ms as f64, ""),
            Days(d) => (5, d as f64, ""),
        };
        let mut out = vec![0u8; 256];
        let cap = out.len();
        // SAFETY: every pointer is valid for its length for the duration of the call; the host
        // writes at most `cap` bytes into `out`.
        let len =
            unsafe { intl_format(kind, n, text.as_ptr(), text.len(), locale.as_ptr(), locale.len(), out.as_mut_ptr(), cap) };
        out.truncate(usize::try_from(len).ok().filter(|&l| l <= cap)?);
        String::from_utf8(out).ok()
    }
}

/// The host's `Intl` where there is one (wasm); none natively (tests link no host).
fn host_formatter() -> Option<std::rc::Rc<dyn shopcue::template::Formatter>> {
    #[cfg(target_arch = "wasm32")]
    return Some(std::rc::Rc::new(HostIntl));
    #[cfg(not(target_arch = "wasm32"))]
    None
}

/// Runs the playground simulation on `len` bytes of JSON at `ptr` (from `alloc`) and returns
/// a pointer to the result: a little-endian `u32` length, then that many bytes of JSON. Free
/// both buffers with `dealloc`.
///
/// # Safety
/// `ptr..ptr + len` must be memory returned by `alloc` and fully written.
#[no_mangle]
pub unsafe extern "C" fn simulate(ptr: *const u8, len: usize) -> *mut u8 {
    // SAFETY: the caller wrote `len` bytes at `ptr`, which came from `alloc(len)`.
    let input = unsafe { read_json(ptr, len) }.unwrap_or(Value::Null);
    let seed = input.get("now").and_then(Value::as_f64).unwrap_or(0.0) as u64;
    shopcue_compile_wasm::framed(&shopcue::runtime::simulate(&input, &mut SeededEntropy(seed), host_formatter()).to_json())
}

type Workload = (shopcue::config::Config, shopcue::profile::Profile, shopcue::engine::Page, shopcue::engine::Env<'static>);

thread_local! {
    /// The engine benchmark's workload ([`shopcue::bench`]), built on first use.
    static WORKLOAD: RefCell<Option<Workload>> = const { RefCell::new(None) };
}

/// Runs the native engine benchmark's decision (50 scenarios over a 1,000-event profile,
/// [`shopcue::bench`]) `rounds` times, so that a host can time it (`scripts/bench-browser.mjs`
/// does, in Chromium); builds the workload on the first call. With `every` set it runs
/// [`shopcue::engine::explain`] instead, which also evaluates the scenarios the page's cap
/// blocks. Returns the messages shown, summed (so the work cannot be optimized away).
#[no_mangle]
pub extern "C" fn bench_decide(rounds: u32, every: u32) -> u32 {
    use shopcue::bench::{config_text, env, page, profile_of_1000_events};
    WORKLOAD.with(|w| {
        let mut w = w.borrow_mut();
        let (config, profile, page, env) = w.get_or_insert_with(|| {
            let config = shopcue::config::Config::parse(&config_text()).expect("the benchmark's config is valid");
            (config, profile_of_1000_events(), page(), env())
        });
        let run = if every == 0 { shopcue::engine::decide } else { shopcue::engine::explain };
        (0..rounds).map(|_| run(config, profile, page, env).shown.len() as u32).sum()
    })
}
