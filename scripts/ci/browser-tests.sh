#!/usr/bin/env bash
# wasm-bindgen-test in headless Chromium (storage, rendering) — crates/shopcue-wasm/webdriver.json
# points chromedriver at Debian's Chromium. Built with the `browser-test` profile (opt-level 2,
# debug assertions on): a debug build of the heaviest test blocked the renderer for over 30 s on a
# 2-core machine. WASM_BINDGEN_TEST_TIMEOUT bounds the whole run.
set -euo pipefail
cd "$(dirname "$0")/../../crates/shopcue-wasm"
# No -q: cargo passes --quiet on to wasm-bindgen-test-runner, which rejects it.
CHROMEDRIVER=$(command -v chromedriver) WASM_BINDGEN_TEST_TIMEOUT=${WASM_BINDGEN_TEST_TIMEOUT:-120} \
  cargo test --target wasm32-unknown-unknown --profile browser-test
