//! The fuzz targets' bodies (`targets.rs`), with the collector modules the batch target reads
//! through, as one library for the cargo-fuzz binaries in `fuzz_targets/` (each a line that
//! names its target).
#[path = "../crates/shopcue-collector/src/batch.rs"]
#[allow(dead_code)]
mod batch;
#[path = "../crates/shopcue-collector/src/goal.rs"]
#[allow(dead_code)]
mod goal;
#[path = "../crates/shopcue-collector/src/segment.rs"]
#[allow(dead_code)]
mod segment;
pub mod targets;
