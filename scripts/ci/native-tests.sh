#!/usr/bin/env bash
# Native tests: the pure core (unit, golden, doc tests), its purity check, and the collector
# over real HTTP with a real SQLite file.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo test -p shopcue -p shopcue-collector
# The shell's pure parts (the heap's size classes); the rest of it runs in Chromium (browser-tests.sh).
cargo test -p shopcue-wasm --lib
# The compiler module a page fetches for a raw config, and the playground's tools, natively:
# their doc and unit tests (in the browser they run in the end-to-end tests and the benches).
cargo test -p shopcue-compile-wasm -p shopcue-tools-wasm
