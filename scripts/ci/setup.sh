#!/usr/bin/env bash
# Installs everything the build and the tests need on a fresh machine of this project's kind,
# skipping whatever is already there. Idempotent. `--no-browser` skips Chromium (for the demo).
set -euo pipefail
cd "$(dirname "$0")/../.."
want_browser=1
[ "${1:-}" = "--no-browser" ] && want_browser=0

step() { printf '\n== setup: %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rustup target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# The shopper bundle rebuilds std (scripts/build-widget.sh): it needs the standard library's source.
if ! rustup component list --installed | grep -qx rust-src; then
  step "rustup component rust-src"
  rustup component add rust-src
fi

# wasm-bindgen-cli must match the wasm-bindgen version in Cargo.lock exactly.
wbg=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wbg" ]; then
  step "wasm-bindgen-cli $wbg (about 2 minutes)"
  # No --locked: the lock file it ships pins a yanked transitive dependency, and --locked fails.
  cargo install wasm-bindgen-cli --version "$wbg"
fi

apt_missing=()
command -v sqlite3 >/dev/null || apt_missing+=(sqlite3)
# A real PostgreSQL for the collector's tests (each test starts its own throwaway cluster).
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || apt_missing+=(postgresql)
# The shipped .gz files (scripts/dist.sh): zopfli writes standard gzip, 4–5 % smaller than gzip -9.
command -v zopfli >/dev/null || apt_missing+=(zopfli)
if [ "$want_browser" = 1 ]; then
  command -v chromium >/dev/null || apt_missing+=(chromium)
  command -v chromedriver >/dev/null || apt_missing+=(chromium-driver)
  # Japanese glyphs in screenshots.
  [ -d /usr/share/fonts/opentype/noto ] || apt_missing+=(fonts-noto-cjk)
  # The other engines (tests/e2e/engines.test.mjs): WebKit, Safari's, as WebKitGTK's MiniBrowser
  # under its WebDriver in a virtual display; Gecko as Firefox ESR (its driver: below).
  command -v WebKitWebDriver >/dev/null || apt_missing+=(webkit2gtk-driver)
  command -v Xvfb >/dev/null || apt_missing+=(xvfb)
  command -v firefox-esr >/dev/null || apt_missing+=(firefox-esr)
fi
if [ "${#apt_missing[@]}" -gt 0 ]; then
  step "apt: ${apt_missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${apt_missing[@]}" >/dev/null
fi

# Firefox's WebDriver, which Debian does not package: from crates.io, pinned (about 1.5 minutes).
geckodriver_version=0.37.1
if [ "$want_browser" = 1 ] && [ "$(geckodriver --version 2>/dev/null | awk 'NR==1{print $2}')" != "$geckodriver_version" ]; then
  step "geckodriver $geckodriver_version (about 1.5 minutes)"
  cargo install geckodriver --version "$geckodriver_version" --locked
fi

if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -d node_modules/playwright-core ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "npm ci (binaryen wasm-opt, playwright-core)"
  npm ci --no-audit --no-fund
fi
echo "setup: ok"
