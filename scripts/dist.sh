#!/usr/bin/env bash
# Builds the shippable widget into dist/shopcue/: release wasm → wasm-bindgen → prune-table → wasm-opt (npm
# binaryen, never Debian's) → loader with the glue inlined → .br/.gz siblings. Prints raw, gzip
# (the shipped .gz), gzip -9 (for comparison) and brotli sizes, and fails when the shipped gzip
# total exceeds pkg-config/size-budget.json. Also builds the npm package (ESM, same wasm) into
# dist/npm/ from pkg-config/npm/.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=dist/shopcue
WASM_OPT=node_modules/.bin/wasm-opt
[ -x "$WASM_OPT" ] || { echo "dist: $WASM_OPT missing; run scripts/ci/setup.sh" >&2; exit 1; }

widget=$(scripts/build-widget.sh)
# Generic std machinery the widget does without, each several hundred bytes to kilobytes of wasm
# for texts of a few words (its function names tell): core::fmt::write (what every format!,
# write! and to_string() of a number or an error needs; numbers go through json::number_text),
# the slice join behind [..].concat() and .join() of &str (specialised for every separator
# length), and the char searcher behind str::split / split_once / find / trim_matches of a char
# (with memchr). shopcue::text has the small versions.
for banned in '4core3fmt5write:format!, write! or to_string(); build the text with shopcue::text::concat / push_str and json::number_text' \
  'join_generic_copy:[..].concat() or .join() of &str; use shopcue::text::concat / join' \
  'CharSearcher:str::split, split_once, find or trim_matches with a char; use shopcue::text::split / split_once / before / trim_start / trim_end'; do
  if grep -qa "${banned%%:*}" "$widget"; then
    echo "dist: FAILED — the widget links ${banned%%:*} (std) on its code path: a ${banned#*:}" >&2
    exit 1
  fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
wasm-bindgen --target no-modules --no-typescript --out-dir "$tmp" "$widget"
# Closure shims that only wasm-bindgen's (deleted) descriptors referred to, out of the table.
node scripts/prune-table.mjs "$tmp/shopcue_wasm_bg.wasm"
mkdir -p "$OUT"
# shellcheck disable=SC2046
"$WASM_OPT" $(grep -v '^#' pkg-config/wasm-opt.flags) "$tmp/shopcue_wasm_bg.wasm" -o "$tmp/opt.wasm"
# Short import/export names in the wasm; the glue is rewritten to match (scripts/minify-names.mjs).
# shellcheck disable=SC2046
"$WASM_OPT" $(grep -e '^--enable' pkg-config/wasm-opt.flags) --minify-imports-and-exports-and-modules \
  "$tmp/opt.wasm" -o "$OUT/shopcue_bg.wasm" >"$tmp/names.json"
# The build's id, in a custom section of the wasm and in shopcue.js: the loader starts only a
# pair of one build (scripts/build-id.mjs).
build=$(node scripts/build-id.mjs "$OUT/shopcue_bg.wasm")
SHOPCUE_BUILD=$build node scripts/build-loader.mjs "$tmp/shopcue_wasm.js" pkg-config/loader.js "$OUT/shopcue.js" "$tmp/names.json"

# The npm package: ESM glue (wasm-bindgen --target web) + the same optimized wasm + the
# wrapper and the types generated from the core (tests/typescript.rs keeps them current).
NPM=dist/npm
rm -rf "$NPM" && mkdir -p "$NPM"
wasm-bindgen --target web --no-typescript --out-dir "$tmp/web" "$widget"
node scripts/minify-names.mjs "$tmp/names.json" "$tmp/web/shopcue_wasm.js" "$NPM/shopcue_wasm.js"
cp "$OUT/shopcue_bg.wasm" "$NPM/shopcue_wasm_bg.wasm"
cp pkg-config/npm/index.js pkg-config/npm/index.d.ts pkg-config/npm/README.md "$NPM/"
version=$(awk -F'"' '/^version = /{print $2; exit}' Cargo.toml)
sed "s/\"version\": \"0.0.0\"/\"version\": \"$version\"/" pkg-config/npm/package.json >"$NPM/package.json"

# The marketer playground's engine (never shipped to shoppers; not in the size budget), and the
# config compiler that the loader fetches only for a raw config (not on the critical path).
cargo build --release -p shopcue-tools-wasm -p shopcue-compile-wasm --target wasm32-unknown-unknown
mkdir -p dist/playground
# shellcheck disable=SC2046
"$WASM_OPT" $(grep -v '^#' pkg-config/wasm-opt.flags) target/wasm32-unknown-unknown/release/shopcue_tools_wasm.wasm -o dist/playground/shopcue_tools.wasm
# shellcheck disable=SC2046
"$WASM_OPT" $(grep -v '^#' pkg-config/wasm-opt.flags) target/wasm32-unknown-unknown/release/shopcue_compile_wasm.wasm -o "$OUT/shopcue_compile.wasm"
cp "$OUT/shopcue_compile.wasm" "$NPM/shopcue_compile.wasm"
# The custom pixel a Shopify store pastes into its admin for orders placed on Shopify's checkout.
cp pkg-config/shopify-pixel.js "$OUT/shopify-pixel.js"
# The demo store's config, compiled for static hosting at /shopcue/config.json (the collector
# serves dist/ before www/, where the authored source lives).
node scripts/compile-config.mjs "$OUT/shopcue_compile.wasm" www/shopcue/config.json >"$OUT/config.json"
# The JS parts the loader inlines, as ES modules of the package (each defines shopcue<Part>).
for part in compiler values render intl moments; do
  { cat "pkg-config/$part.js"; echo "export { shopcue${part^} };"; } >"$NPM/$part.js"
done

# Precompressed siblings (.br, .gz) for servers that send them as they are. The .gz files are
# zopfli's: standard gzip that any browser inflates, 4–5 % smaller than `gzip -9` at the cost of
# a second of compression here (no name, no time stamp: the same bytes on every build).
shipped=("$OUT/shopcue.js" "$OUT/shopcue_bg.wasm" "$OUT/shopcue_compile.wasm" dist/playground/shopcue_tools.wasm)
node scripts/precompress.mjs "${shipped[@]}"
for f in "${shipped[@]}"; do zopfli -c "$f" >"$f.gz"; done

budget=$(node -p 'require("./pkg-config/size-budget.json").total_gzip_bytes')
target=$(node -p 'require("./pkg-config/size-budget.json").target_gzip_bytes')
total=0
total9=0
printf '%-22s %10s %10s %10s %10s\n' file raw gzip 'gzip -9' brotli
for f in "$OUT/shopcue.js" "$OUT/shopcue_bg.wasm"; do
  raw=$(wc -c <"$f"); gz=$(wc -c <"$f.gz"); gz9=$(gzip -9 -n -c "$f" | wc -c)
  br=$(wc -c <"$f.br")
  printf '%-22s %10d %10d %10d %10s\n' "$(basename "$f")" "$raw" "$gz" "$gz9" "$br"
  total=$((total + gz)); total9=$((total9 + gz9))
done
printf '%-22s %10s %10d %10d   (budget %d bytes: the shipped .gz files)\n' TOTAL '' "$total" "$total9" "$budget"
f="$OUT/shopcue_compile.wasm"
printf '%-22s %10d %10d %10d %10s   (lazy: fetched only for a raw config)\n' "$(basename "$f")" "$(wc -c <"$f")" \
  "$(wc -c <"$f.gz")" "$(gzip -9 -n -c "$f" | wc -c)" "$(wc -c <"$f.br")"
if [ "$total" -gt "$budget" ]; then
  echo "dist: FAIL — gzip total $total exceeds the budget of $budget bytes (pkg-config/size-budget.json)" >&2
  exit 1
fi
# The compiler module is fetched only for a raw config, but then on the page's critical path:
# it has a ratchet of its own. (std's float parser and float formatting, pulled in by one
# str::parse::<f64> or one f64 in a format!, once added 23 KB gzip to it unnoticed.)
lazy=$(wc -c <"$f.gz")
lazy_budget=$(node -p 'require("./pkg-config/size-budget.json").compile_gzip_bytes')
if [ "$lazy" -gt "$lazy_budget" ]; then
  echo "dist: FAIL — shopcue_compile.wasm is $lazy bytes gzip, over its budget of $lazy_budget (pkg-config/size-budget.json); a float parsed or formatted by std? use json::parse / json::format_number" >&2
  exit 1
fi
if [ "$total" -gt "$target" ]; then
  echo "dist: note — gzip total $total is over the $target-byte target (pkg-config/size-budget.json); see twiggy: scripts/twiggy.sh"
fi
echo "dist: ok — $OUT"
