#!/usr/bin/env bash
# cargo-fuzz (libFuzzer) over every target in fuzz/: config, condition, template, stored
# profile, collector batch, and a shopper's session (any events through the whole pipeline).
# It runs on the machine's own stable toolchain with RUSTC_BOOTSTRAP=1
# (cargo-fuzz only needs nightly for -Zsanitizer, and stable ships the sanitizer runtimes):
# machines of this kind cannot fetch a nightly toolchain, so depending on one made the job
# fail on a clean machine. Bounded in CI (SHOPCUE_FUZZ_SECONDS per target, default 10);
# run longer on demand: SHOPCUE_FUZZ_SECONDS=600 scripts/ci/fuzz.sh. New inputs go to a
# scratch copy of the corpus; a crash fails the job and leaves its input in
# fuzz/artifacts/<target>/ — copy it to fuzz/regressions/<target>/ with the fix, and the stable
# test tests/fuzz_corpus.rs replays it forever. (The kept corpus is replayed on stable Rust
# by native-tests.sh whether or not this job can run.)
set -euo pipefail
cd "$(dirname "$0")/../../fuzz"
seconds=${SHOPCUE_FUZZ_SECONDS:-10}
export RUSTC_BOOTSTRAP=1
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --version 0.12.0
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cargo fuzz build -O
for target in config condition template profile batch session; do
  # An empty regressions folder is not in git: on a clean checkout it must be made, or
  # libFuzzer stops at once ("No such file or directory") — what failed the last CI run.
  mkdir -p "$scratch/$target" "regressions/$target"
  out=$(cargo fuzz run -O "$target" "$scratch/$target" "corpus/$target" "regressions/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=5 2>&1) || { echo "$out" | tail -40; echo "fuzz: $target FAILED"; exit 1; }
  echo "fuzz: $target ok — $(echo "$out" | grep -Eo 'Done [0-9]+ runs in [0-9]+ second\(s\)')"
done
