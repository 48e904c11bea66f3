#!/usr/bin/env bash
# Builds the shopper-facing wasm (release) and prints its path. The standard library is rebuilt
# (-Zbuild-std, allowed on the stable toolchain by RUSTC_BOOTSTRAP=1; needs the rust-src
# component, which scripts/ci/setup.sh adds) with panic=immediate-abort: a panic traps at once,
# as panic=abort did, but without the message-formatting machinery (std's string-slicing and
# fmt Debug code): 7 KB gzip less on every page view. std's `optimize_for_size` feature picks
# its smaller implementations (integer formatting, slice algorithms; the core sorts with its
# own): 0.9 KB less. `-Zlocation-detail=none` drops the source locations that panics and
# RefCell borrows would report (file paths of this build machine, useless once a panic traps):
# 0.3 KB less. Without the reference-types and multivalue features, wasm-bindgen keeps JS
# objects in its JS-side slab instead of a wasm externref table and returns pairs through
# memory: 0.9 KB less (pkg-config/wasm-opt.flags leaves both features off, so dist fails should
# either come back). In its own target dir, so the other builds keep their caches.
set -euo pipefail
cd "$(dirname "$0")/.."
RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none \
  -Ctarget-feature=-reference-types,-multivalue" \
  cargo build --release -p shopcue-wasm --target wasm32-unknown-unknown \
  -Z build-std=std,panic_abort -Z build-std-features=optimize_for_size --target-dir target/widget >&2
echo target/widget/wasm32-unknown-unknown/release/shopcue_wasm.wasm
