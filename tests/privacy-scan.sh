#!/usr/bin/env bash
# Runs the end-to-end suite and sums the server-log privacy scans (tests/src/privacy.rs):
# every amanat-server a test started had its whole log searched, when it stopped, for every
# codename, token, file name and form canary the tests saw or planted, for IP addresses other
# than the server's own listen line, and for user-agent strings.
#   tests/privacy-scan.sh                       # the whole amanat-tests suite
#   AMANAT_TEST_SERVER_LOG=debug tests/privacy-scan.sh --test journey   # servers log at trace by default
# Extra arguments go to `cargo test -p amanat-tests`. Set AMANAT_TEST_POSTGRES_URL for the
# PostgreSQL variants.
set -uo pipefail
cd "$(dirname "$0")/.."
summary=target/amanat-privacy-scan.txt
# Others may run tests in this checkout at the same time: count only this run's lines.
PRIVACY_SCAN_RUN=$(date +%s)-$$
export PRIVACY_SCAN_RUN
cargo test -p amanat-tests "$@"
status=$?
if ! grep -q " run=$PRIVACY_SCAN_RUN " "$summary" 2>/dev/null; then
  echo "no server log was scanned" >&2
  exit 1
fi
grep " run=$PRIVACY_SCAN_RUN " "$summary" | awk '{
  for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
  logs++; lines += v["log_lines"]; findings += v["findings"]
  if (v["secrets"] > secrets) secrets = v["secrets"]
} END {
  printf "%d server logs, %d lines scanned, %d findings (up to %d registered secrets per scan)\n", logs, lines, findings, secrets
}'
grep " run=$PRIVACY_SCAN_RUN " "$summary" | grep -v " findings=0 " || true
exit $status
