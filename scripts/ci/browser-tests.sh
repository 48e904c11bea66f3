#!/usr/bin/env bash
# wasm-bindgen-test in headless Chromium (storage, rendering) — crates/shopcue-wasm/webdriver.json
# points chromedriver at Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")/../../crates/shopcue-wasm"
# No -q: it would reach the test runner (shared/TOOLCHAIN.md).
CHROMEDRIVER=$(command -v chromedriver) cargo test --target wasm32-unknown-unknown
