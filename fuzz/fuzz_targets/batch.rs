#![no_main]
//! `cargo fuzz run batch` (see `fuzz/targets.rs`).
libfuzzer_sys::fuzz_target!(|data: &[u8]| shopcue_fuzz::targets::batch(data));
