#![no_main]
//! `cargo +nightly fuzz run session` (see `fuzz/targets.rs`).
#[path = "../../crates/shopcue-collector/src/batch.rs"]
#[allow(dead_code)]
mod batch;
#[path = "../../crates/shopcue-collector/src/segment.rs"]
#[allow(dead_code)]
mod segment;
#[path = "../targets.rs"]
#[allow(dead_code)]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::session(data));
