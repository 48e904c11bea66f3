#!/usr/bin/env bash
# Where do the wasm bytes go? Builds a name-preserving optimized copy and prints twiggy's top items.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v twiggy >/dev/null || cargo install twiggy --version 0.8.0
widget=$(scripts/build-widget.sh)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
wasm-bindgen --target no-modules --no-typescript --out-dir "$tmp" "$widget"
# shellcheck disable=SC2046
node_modules/.bin/wasm-opt -g $(grep -v -e '^#' -e strip pkg-config/wasm-opt.flags) "$tmp/shopcue_wasm_bg.wasm" -o "$tmp/named.wasm"
twiggy top -n "${1:-40}" "$tmp/named.wasm"
