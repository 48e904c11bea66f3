#!/usr/bin/env bash
# Clippy with warnings as errors, natively and for the wasm target.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p shopcue --lib --target wasm32-unknown-unknown -- -D warnings
cargo clippy -p shopcue-wasm --all-targets --target wasm32-unknown-unknown -- -D warnings
cargo clippy -p shopcue-tools-wasm --target wasm32-unknown-unknown -- -D warnings
cargo clippy -p shopcue-compile-wasm --target wasm32-unknown-unknown -- -D warnings
# The shopper's runtime flavour of the core (no `compiler` feature), as the widget builds it.
cargo clippy -p shopcue --lib --no-default-features --target wasm32-unknown-unknown -- -D warnings
# The core's and the collector's docs: every intra-doc link resolves (a broken one, or one to a
# private item, is an error, not a warning).
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps -p shopcue -p shopcue-collector -q
