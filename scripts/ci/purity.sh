#!/usr/bin/env bash
# The core crate must stay pure: no wasm-bindgen, web-sys, js-sys or gloo anywhere in its
# dependency tree (tests/purity.rs checks the same from `cargo test`).
set -euo pipefail
cd "$(dirname "$0")/../.."
if cargo tree -p shopcue -e normal,build --prefix none | grep -E '^(wasm-bindgen|web-sys|js-sys|gloo)' ; then
  echo "purity: FAIL — the shopcue core depends on a browser binding crate" >&2
  exit 1
fi
echo "purity: ok — shopcue has no platform dependency"
