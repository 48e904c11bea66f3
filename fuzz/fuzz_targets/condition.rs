#![no_main]
//! `cargo fuzz run condition` (see `fuzz/targets.rs`).
libfuzzer_sys::fuzz_target!(|data: &[u8]| shopcue_fuzz::targets::condition(data));
