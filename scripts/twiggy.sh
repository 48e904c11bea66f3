#!/usr/bin/env bash
# Where do the wasm bytes go? Builds a name-preserving optimized copy of the widget, then
#   scripts/twiggy.sh [N]     twiggy's top N items (default 40)
#   scripts/twiggy.sh areas   raw and gzip bytes by area of the code (scripts/size-areas.mjs)
set -euo pipefail
cd "$(dirname "$0")/.."
widget=$(scripts/build-widget.sh)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
wasm-bindgen --target no-modules --no-typescript --out-dir "$tmp" "$widget"
node scripts/prune-table.mjs "$tmp/shopcue_wasm_bg.wasm" # as dist.sh does
# shellcheck disable=SC2046
node_modules/.bin/wasm-opt -g $(grep -v -e '^#' -e strip pkg-config/wasm-opt.flags) "$tmp/shopcue_wasm_bg.wasm" -o "$tmp/named.wasm"
if [ "${1:-}" = areas ]; then
  presets=$(ls -t target/widget/wasm32-unknown-unknown/release/build/shopcue-*/out/presets.min.json | head -1)
  node scripts/size-areas.mjs "$tmp/named.wasm" "$presets"
  exit
fi
command -v twiggy >/dev/null || cargo install twiggy --version 0.8.0
twiggy top -n "${1:-40}" "$tmp/named.wasm"
