#!/usr/bin/env bash
# Formatting: rustfmt on the whole workspace.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo fmt --all -- --check
