#!/usr/bin/env bash
# Every CI job in order; each is a script you can also run alone. Prints one summary line, and
# repeats the end of each failed job's output last, so a report that keeps only the tail of a
# CI run still says why it failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
scripts/ci/setup.sh || { echo "ci: setup failed"; echo "jobs: 0 passed, 1 failed"; exit 1; }
passed=0; failed=0; failures=()
for job in fmt lint purity native-tests fuzz dist npm browser-tests e2e; do
  printf '\n==================== %s ====================\n' "$job"
  start=$(date +%s)
  if [ "$job" = dist ]; then cmd=(scripts/dist.sh); else cmd=("scripts/ci/$job.sh"); fi
  "${cmd[@]}" 2>&1 | tee "$logs/$job.log"
  if [ "${PIPESTATUS[0]}" -eq 0 ]; then
    passed=$((passed + 1)); echo "ci: $job ok ($(( $(date +%s) - start )) s)"
  else
    failed=$((failed + 1)); failures+=("$job"); echo "ci: $job FAILED ($(( $(date +%s) - start )) s)"
  fi
done
echo
for job in "${failures[@]}"; do
  printf '\n---- the last 40 lines of %s ----\n' "$job"
  tail -n 40 "$logs/$job.log"
done
[ "$failed" -eq 0 ] || echo "ci: failed jobs: ${failures[*]}"
echo "jobs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
