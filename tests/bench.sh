#!/usr/bin/env bash
# The benchmark suite (docs/benchmarks.md): builds the release binaries, then runs
# `bench` from the same target folder so it drives the real amanat-server and amanat.
#   tests/bench.sh b1 --runs 5        (see `tests/bench.sh --help`)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p amanat-server -p amanat-cli -p amanat-tests --bins
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
exec "$target_dir/release/bench" "$@"
