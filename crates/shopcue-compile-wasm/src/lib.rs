//! The config compiler as a bare wasm module, `shopcue_compile.wasm`: no imports, no
//! wasm-bindgen, exports driven through linear memory. The shopper's widget carries no
//! validator, preset library or compiler (`docs/ARCHITECTURE.md`, "Publishing"); when a page
//! hands it a raw config anyway, the loader fetches this module once, and the page pays for it
//! only then.
//!
//! ```js
//! // pkg-config/loader.js (and the npm package) do this:
//! const { instance } = await WebAssembly.instantiate(await (await fetch(url)).arrayBuffer());
//! const x = instance.exports, bytes = new TextEncoder().encode(rawConfigText);
//! const ptr = x.alloc(bytes.length);
//! new Uint8Array(x.memory.buffer, ptr, bytes.length).set(bytes);
//! const out = x.compile(ptr, bytes.length);
//! const len = new DataView(x.memory.buffer).getUint32(out, true);
//! const json = new TextDecoder().decode(new Uint8Array(x.memory.buffer, out + 4, len));
//! x.dealloc(ptr, bytes.length); x.dealloc(out, 4 + len);
//! ```

use shopcue::json::object;

/// The runtime config for the raw config JSON `text`, as JSON: the compiled config (it carries
/// `"runtime"`), or `{"code": …, "message": …, "problems": [{"path", "message"}, …]}` listing
/// every problem when it is not valid.
///
/// ```
/// let out = shopcue_compile_wasm::compile_text(r#"{"version":1,"site":"s","scenarios":[{"preset":"nope"}]}"#);
/// assert!(out.contains("SHOPCUE_INVALID_CONFIG") && out.contains("$.scenarios[0].preset"));
/// ```
pub fn compile_text(text: &str) -> String {
    // Read as publishing reads it: a byte order mark skipped, a key written twice refused, and
    // a JSON slip placed at its line and column.
    match shopcue::config::parse_authored(text).and_then(|raw| shopcue::config::compile(&raw)) {
        Ok(runtime) => runtime.to_json(),
        Err(e) => object([("code", e.code().into()), ("message", e.message_in(text).into()), ("problems", e.problems_in(text))])
            .to_json(),
    }
}

/// Reserves `len` bytes for the caller to write the config text into; free it with [`dealloc`].
#[no_mangle]
pub extern "C" fn alloc(len: usize) -> *mut u8 {
    let mut buf = Vec::<u8>::with_capacity(len);
    let ptr = buf.as_mut_ptr();
    std::mem::forget(buf);
    ptr
}

/// Compiles the `len` bytes of config JSON at `ptr` (from [`alloc`]) and returns a pointer to
/// the result of [`compile_text`]: a little-endian `u32` length, then that many bytes of JSON.
///
/// # Safety
/// `ptr..ptr + len` must be memory returned by [`alloc`] and fully written.
#[no_mangle]
pub unsafe extern "C" fn compile(ptr: *const u8, len: usize) -> *mut u8 {
    // SAFETY: the caller wrote `len` bytes at `ptr`, which came from `alloc(len)`.
    let bytes = unsafe { std::slice::from_raw_parts(ptr, len) };
    framed(&compile_text(&String::from_utf8_lossy(bytes)))
}

/// `out` in a buffer of its own for the host to read: a little-endian `u32` length, then the
/// bytes. The host frees it with [`dealloc`] (`4 +` the length). The tools module
/// (`crates/shopcue-tools-wasm`) answers the same way.
pub fn framed(out: &str) -> *mut u8 {
    let mut buf = Vec::with_capacity(4 + out.len());
    buf.extend_from_slice(&(out.len() as u32).to_le_bytes());
    buf.extend_from_slice(out.as_bytes());
    let result = buf.as_mut_ptr();
    std::mem::forget(buf);
    result
}

/// Frees a buffer from [`alloc`] (its `len`) or from [`compile`] / [`framed`] (`4 +` its length
/// prefix).
///
/// # Safety
/// `ptr` must come from [`alloc`] or [`compile`] with that capacity, and not be used again.
#[no_mangle]
pub unsafe extern "C" fn dealloc(ptr: *mut u8, capacity: usize) {
    // SAFETY: the caller returns a buffer this module allocated with exactly this capacity.
    drop(unsafe { Vec::from_raw_parts(ptr, 0, capacity) });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the loader does, natively: the text in through `alloc`, the answer out of `compile`
    /// as a length and its bytes, both freed.
    fn through_memory(text: &str) -> String {
        let ptr = alloc(text.len());
        // SAFETY: `ptr` holds `text.len()` bytes from `alloc`; `out` is `compile`'s framed answer.
        unsafe {
            std::ptr::copy_nonoverlapping(text.as_ptr(), ptr, text.len());
            let out = compile(ptr, text.len());
            let len = u32::from_le_bytes(std::slice::from_raw_parts(out, 4).try_into().unwrap()) as usize;
            let answer = String::from_utf8(std::slice::from_raw_parts(out.add(4), len).to_vec()).unwrap();
            dealloc(ptr, text.len());
            dealloc(out, 4 + len);
            answer
        }
    }

    use shopcue::json::{parse, Value};

    #[test]
    fn a_raw_config_comes_back_compiled_and_a_bad_one_with_every_problem() {
        let ok = parse(&through_memory(r#"{"version":1,"site":"s","scenarios":[{"preset":"page_low_stock"}]}"#)).unwrap();
        assert!(shopcue::config::is_compiled(&ok), "{ok:?}");
        assert_eq!(ok.get("runtime").and_then(Value::as_f64), Some(shopcue::config::RUNTIME_FORMAT));
        let bad = parse(&through_memory(r#"{"version":1,"scenarios":[{"preset":"page_low_stok"}]}"#)).unwrap();
        assert_eq!(bad.get("code").and_then(Value::as_str), Some("SHOPCUE_INVALID_CONFIG"));
        let paths: Vec<&str> =
            bad.get("problems").and_then(Value::as_array).unwrap().iter().filter_map(|p| p.get("path")?.as_str()).collect();
        assert_eq!(paths, ["$.site", "$.scenarios[0].preset"]);
        let not_json = parse(&through_memory("{\"version\": 1,}")).unwrap();
        assert_eq!(not_json.get("code").and_then(Value::as_str), Some("SHOPCUE_INVALID_JSON"));
        // Read as publishing reads it: a slip placed at its line and column, a key written twice
        // refused (JSON.parse would let the second win), a byte order mark skipped.
        assert_eq!(not_json.get_path("problems.0.line").and_then(Value::as_f64), Some(1.0));
        assert_eq!(not_json.get_path("problems.0.column").and_then(Value::as_f64), Some(15.0));
        let twice = parse(&through_memory("{\"version\": 1,\n \"site\": \"s\",\n \"site\": \"t\", \"scenarios\": []}")).unwrap();
        let message = twice.get("message").and_then(Value::as_str).unwrap();
        assert!(
            message.starts_with("invalid JSON at line 3, column 2") && message.contains("\"site\" is already set"),
            "{message}"
        );
        let bom = parse(&through_memory("\u{feff}{\"version\":1,\"site\":\"s\",\"scenarios\":[]}")).unwrap();
        assert!(shopcue::config::is_compiled(&bom), "{bom:?}");
    }
}
