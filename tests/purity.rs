//! The core stays pure: no browser binding crate in its dependency tree, and no reading of the
//! clock or of randomness in its source (time and entropy come in as arguments).

use std::process::Command;

#[test]
fn core_depends_on_no_browser_bindings() {
    let out = Command::new(env!("CARGO"))
        .args(["tree", "-p", "shopcue", "-e", "normal,build", "--prefix", "none", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(tree.starts_with("shopcue v"), "unexpected cargo tree output: {tree}");
    for banned in ["wasm-bindgen", "web-sys", "js-sys", "gloo"] {
        assert!(!tree.lines().any(|l| l.starts_with(banned)), "the core depends on {banned}:\n{tree}");
    }
}

#[test]
fn core_source_reads_no_clock_and_no_randomness() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            for banned in ["SystemTime", "Instant::now", "thread_rng", "getrandom", "std::env::"] {
                assert!(!text.contains(banned), "{} uses {banned}: inject it instead", path.display());
            }
        }
    }
}
