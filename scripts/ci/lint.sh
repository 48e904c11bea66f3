#!/usr/bin/env bash
# Clippy with warnings as errors, natively and for the wasm target.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p shopcue --lib --target wasm32-unknown-unknown -- -D warnings
cargo clippy -p shopcue-wasm --all-targets --target wasm32-unknown-unknown -- -D warnings
cargo clippy -p shopcue-tools-wasm --target wasm32-unknown-unknown -- -D warnings
