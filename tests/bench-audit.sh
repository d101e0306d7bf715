#!/usr/bin/env bash
# Issue 3 benchmark: `amanat audit log` over HTTPS against a real server whose log holds
# ENTRIES (default 1,000,000) document entries plus the keyring entry. Release builds.
#   tests/bench-audit.sh [ENTRIES]
set -euo pipefail
cd "$(dirname "$0")/.."
entries=${1:-1000000}
cargo build --release -q -p amanat-server --bins
cargo build --release -q -p amanat-cli
bin=$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/release
work=$(mktemp -d)
trap 'kill ${pid:-0} 2>/dev/null || true; rm -rf "$work"' EXIT
export AMANAT_PASSPHRASE="benchmark passphrase, not secret" HOME="$work"
cd "$work"
"$bin/amanat" admin init --out root.key > init.txt
pub=$(sed -n '/Root public key/{n;p}' init.txt | tr -d ' ')
fp=$(sed -n '/Root fingerprint/{n;n;p}' init.txt | tr -d ' ')
"$bin/amanat-server" init --data srv --root-key "$pub" > srv.txt
cert=$(sed -n 's/^certificate sha256: //p' srv.txt)
origin=$(sed -n 's/^log origin: //p' srv.txt)
logkey=$(sed -n 's/^log key: //p' srv.txt)
echo "filling the log with $entries entries (log-bench)…"
"$bin/log-bench" --entries "$entries" --sqlite srv/amanat.db > fill.txt
"$bin/amanat-server" serve --config srv/config.toml --listen 127.0.0.1:0 > out.txt 2> err.txt &
pid=$!
for _ in $(seq 1 100); do grep -q "listening on" out.txt 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' out.txt)
"$bin/amanat" staff keygen --id r --name R --out r.key --public-out r.pub > /dev/null
"$bin/amanat" admin keyring add --root-key root.key --staff r.pub > /dev/null
"$bin/amanat" admin keyring set-log --root-key root.key --origin "$origin" --key "$logkey" > /dev/null
"$bin/amanat" admin keyring publish --server "$url" --server-cert "$cert" > /dev/null
echo "auditing…"
/usr/bin/time -f "audit wall %e s, peak RSS %M KiB" \
  "$bin/amanat" audit log --server "$url" --server-cert "$cert" --root "$fp" --json > audit.json
python3 -c "import json;d=json.load(open('audit.json'));print('entries',d['entries'],'documents',d['documents_by_kind'],'problems',len(d['problems']))"
echo "monitoring through tlog-tiles (first run reads every entry bundle, second only what is new)…"
/usr/bin/time -f "monitor first run wall %e s, peak RSS %M KiB" \
  "$bin/amanat" audit monitor --server "$url" --server-cert "$cert" --root "$fp" --state mon --json > mon1.json
/usr/bin/time -f "monitor second run wall %e s, peak RSS %M KiB" \
  "$bin/amanat" audit monitor --server "$url" --server-cert "$cert" --root "$fp" --state mon --json > mon2.json
python3 -c "import json;d=json.load(open('mon1.json'))['report'];print('monitor entries',d['to'],'documents',d['documents_by_kind'],'problems',len(d['problems']))"
ls -l mon/monitor.json | awk '{print "monitor state bytes", $5}'
