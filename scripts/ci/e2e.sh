#!/usr/bin/env bash
# End-to-end: the built widget on the demo store, served by the real collector (SQLite), in
# headless Chromium via playwright-core, and the shopper's journey in WebKit and Firefox through
# WebDriver (tests/e2e/engines.test.mjs). Screenshots land in test-artifacts/.
# Every process the run starts carries SHOPCUE_E2E_RUN in its environment; when the tests end,
# none may be left (tests/e2e/harness.mjs kills what a test file leaves behind as it exits, and
# this checks that it did).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f dist/shopcue/shopcue.js ] && [ -f dist/npm/index.js ] || scripts/dist.sh
cargo build -p shopcue-collector
run="$$-$(date +%s%N)"
leftovers() {
  grep -lsz -x "SHOPCUE_E2E_RUN=$run" /proc/[0-9]*/environ 2>/dev/null | sed 's|/proc/\([0-9]*\)/environ|\1|' || true
}
status=0
SHOPCUE_E2E_RUN=$run node --test --test-concurrency=1 tests/e2e/ || status=$?
sleep 1
left=$(leftovers)
if [ -n "$left" ]; then
  echo "e2e: FAILED — processes outlived the run:"
  for pid in $left; do ps -o pid=,args= -p "$pid" | cut -c1-160; done
  kill -9 $left 2>/dev/null || true
  status=1
else
  echo "e2e: no process outlived the run"
fi
exit "$status"
