#!/usr/bin/env bash
# End-to-end: the built widget on the demo store, served by the real collector (SQLite), in
# headless Chromium via playwright-core. Screenshots land in test-artifacts/.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f dist/shopcue/shopcue.js ] && [ -f dist/npm/index.js ] || scripts/dist.sh
cargo build -p shopcue-collector
node --test --test-concurrency=1 tests/e2e/
