#![no_main]
//! `cargo fuzz run session` (see `fuzz/targets.rs`).
libfuzzer_sys::fuzz_target!(|data: &[u8]| shopcue_fuzz::targets::session(data));
