//! Minifies `src/presets.json` into `OUT_DIR` so the wasm bundle carries the preset library
//! without its indentation (the source stays readable). Fails the build if it is not JSON.

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
    let dest = std::path::Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("presets.min.json");
    std::fs::write(&dest, &out).unwrap_or_else(|e| {
        let mut msg = String::new();
        let _ = write!(msg, "cannot write {}: {e}", dest.display());
        panic!("{msg}")
    });
}
