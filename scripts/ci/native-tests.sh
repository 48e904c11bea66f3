#!/usr/bin/env bash
# Native tests: the pure core (unit, golden, doc tests), its purity check, and the collector
# over real HTTP with a real SQLite file.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo test -p shopcue -p shopcue-collector
