#!/usr/bin/env bash
# Runs every cargo-fuzz target for SECONDS each (default 60) and prints executions and
# findings per target. Needs cargo-fuzz; on a stable toolchain it runs with RUSTC_BOOTSTRAP=1
# because libFuzzer instrumentation uses unstable compiler flags.
#   tests/fuzz.sh 300
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${1:-60}
command -v cargo-fuzz >/dev/null || { echo "install cargo-fuzz: cargo install cargo-fuzz --locked" >&2; exit 2; }
export RUSTC_BOOTSTRAP=1
printf '%-12s %12s %10s %s\n' target executions seconds findings
status=0
for t in $(cargo fuzz list); do
  log=$(mktemp)
  if cargo fuzz run "$t" -- -max_total_time="$seconds" -rss_limit_mb=2048 >"$log" 2>&1; then
    findings=none
  else
    findings="CRASH (see fuzz/artifacts/$t/)"
    status=1
  fi
  runs=$(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "$log" | tail -n 1 | awk '{print $2" "$5}')
  printf '%-12s %12s %10s %s\n' "$t" "${runs% *}" "${runs#* }" "$findings"
  rm -f "$log"
done
exit $status
