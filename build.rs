//! Minifies `src/presets.json` into `OUT_DIR` so the wasm bundle carries the preset library
//! without its indentation and without each preset's human-readable `name` (documentation
//! only: nothing reads it, and it cost every shopper 1.6 KB). The source stays readable.
//! Fails the build if it is not JSON.

use std::fmt::Write;

fn main() {
    println!("cargo:rerun-if-changed=src/presets.json");
    let text = std::fs::read_to_string("src/presets.json").expect("src/presets.json");
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    assert!(!in_string && out.starts_with('{') && out.ends_with('}'), "src/presets.json is not a JSON object");
    let out = strip_names(&out);
    let dest = std::path::Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("presets.min.json");
    std::fs::write(&dest, &out).unwrap_or_else(|e| {
        let mut msg = String::new();
        let _ = write!(msg, "cannot write {}: {e}", dest.display());
        panic!("{msg}")
    });
}

/// Drops `"name":"…",` where it opens a preset (`…:{"name":"…",`).
fn strip_names(json: &str) -> String {
    const KEY: &str = ":{\"name\":\"";
    let mut out = String::with_capacity(json.len());
    let mut rest = json;
    while let Some(at) = rest.find(KEY) {
        out.push_str(&rest[..at + 2]); // keep ":{"
        let value = &rest[at + KEY.len()..];
        let mut escaped = false;
        let end = value
            .char_indices()
            .find(|&(_, c)| {
                let close = !escaped && c == '"';
                escaped = !escaped && c == '\\';
                close
            })
            .map(|(i, _)| i)
            .expect("an unterminated preset name");
        rest = value[end + 1..].strip_prefix(',').expect("a preset with more than a name");
    }
    out.push_str(rest);
    out
}
