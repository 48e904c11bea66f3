//! Replays, on stable Rust, every input kept for the cargo-fuzz targets: the seed corpus
//! (`fuzz/corpus/<target>/`) and every input that once crashed a target
//! (`fuzz/regressions/<target>/` — copy `fuzz/artifacts/<target>/crash-*` there when a fuzz run
//! finds one). The target bodies are the same functions the fuzzers run (`fuzz/targets.rs`).

#[path = "../crates/shopcue-collector/src/batch.rs"]
#[allow(dead_code)]
mod batch;
#[path = "../crates/shopcue-collector/src/goal.rs"]
#[allow(dead_code)]
mod goal;
#[path = "../crates/shopcue-collector/src/segment.rs"]
#[allow(dead_code)]
mod segment;
#[path = "../fuzz/targets.rs"]
mod targets;

use std::path::Path;

#[test]
fn every_kept_fuzz_input_runs_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut total = 0;
    for (name, target) in targets::TARGETS {
        let mut n = 0;
        for kind in ["corpus", "regressions"] {
            let Ok(dir) = std::fs::read_dir(root.join(kind).join(name)) else { continue };
            for entry in dir.flatten() {
                let data = std::fs::read(entry.path()).unwrap();
                let path = entry.path();
                if let Err(e) = std::panic::catch_unwind(|| target(&data)) {
                    panic!("fuzz target {name} panics on {}: {e:?}", path.display());
                }
                n += 1;
            }
        }
        assert!(n > 0, "no kept inputs for fuzz target {name}");
        println!("fuzz corpus {name}: {n} inputs ok");
        total += n;
    }
    println!("fuzz corpus: {total} inputs replayed");
}
