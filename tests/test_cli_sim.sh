#!/usr/bin/env bash
# End-to-end tests of ec sim run: scenario files, overrides, errors, JSON.
set -u
EC=${EC_BIN:?EC_BIN must point to the ec binary}
here=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/ec-test-cli-sim-XXXXXX")
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1" >&2; }
expect() {
  local name=$1 code=$2; shift 2
  "$@" >"$T/out" 2>"$T/err"; local rc=$?
  if [ "$rc" -eq "$code" ]; then ok "$name"; else bad "$name (exit $rc, wanted $code)"; cat "$T/err" >&2; fi
}
has() { if grep -q -- "$2" "$3"; then ok "$1"; else bad "$1 ('$2' not in $3)"; cat "$3" >&2; fi; }

expect "sim run --help" 0 "$EC" sim run --help
has "help shows usage" "usage: ec sim run" "$T/out"
expect "missing scenario exits 2" 2 "$EC" sim run
expect "bad --nodes exits 2" 2 "$EC" sim run "$here/scenarios/small.conf" --nodes 1
expect "missing file exits 1" 1 "$EC" sim run "$T/none.conf"
printf 'nodes = 50\nlatency = sideways 5\n' >"$T/bad.conf"
expect "bad key value exits 1" 1 "$EC" sim run "$T/bad.conf"
has "error names file, line and key" "bad.conf:2: latency:" "$T/err"
printf 'nodez = 50\n' >"$T/typo.conf"
expect "unknown key exits 1" 1 "$EC" sim run "$T/typo.conf"
has "unknown key reported" "unknown key" "$T/err"

expect "small scenario runs" 0 "$EC" sim run "$here/scenarios/small.conf" --nodes 30 --txs 40 --no-wall --csv "$T/run.csv"
python3 - "$T/out" <<'PY' && ok "summary has the required keys" || bad "summary keys"
import json, sys
d = json.load(open(sys.argv[1]))
for k in ["seed", "nodes", "submitted", "committed", "partially_committed", "conflicting_commits",
          "latency", "messages_per_commit", "bytes_per_commit", "messages_by_type",
          "events_per_second", "wall_seconds", "peak_rss_mb", "digest"]:
    assert k in d, k
assert d["nodes"] == 30 and d["submitted"] == 40 and d["committed"] == 40, d
assert d["conflicting_commits"] == 0 and d["wall_seconds"] == 0
for k in ["p50", "p95", "p99"]: assert k in d["latency"]
PY
cp "$T/out" "$T/first"
head -1 "$T/run.csv" | grep -q '^second,submitted,committed,messages' && ok "csv header" || bad "csv header"
[ "$(wc -l <"$T/run.csv")" -gt 2 ] && ok "csv has rows" || bad "csv has rows"
"$EC" sim run "$here/scenarios/small.conf" --nodes 30 --txs 40 --no-wall >"$T/second" 2>/dev/null
cmp -s "$T/first" "$T/second" && ok "same seed, same bytes" || bad "same seed, same bytes"
"$EC" sim run "$here/scenarios/small.conf" --nodes 30 --txs 40 --no-wall --seed 9 >"$T/third" 2>/dev/null
cmp -s "$T/first" "$T/third" && bad "another seed, other bytes" || ok "another seed, other bytes"
printf 'nodes = 40\ntxs = 30\nlatency = rounds 100 0.5\nloss = 0.02\n' >"$T/r.conf"
expect "round model reports latency_rounds" 0 "$EC" sim run "$T/r.conf" --no-wall
has "latency_rounds present" '"latency_rounds"' "$T/out"
printf 'nodes = 40\ntxs = 30\ntokens_min = 2\ntokens_max = 2\nvote_relay = direct\ncatchup = false\n' >"$T/d.conf"
expect "direct relay, no catch-up" 0 "$EC" sim run "$T/d.conf" --no-wall
has "summary names the relay" '"vote_relay": "direct"' "$T/out"
has "summary names catch-up off" '"catchup": false' "$T/out"
printf 'vote_relay = carrier-pigeon\n' >"$T/v.conf"
expect "bad vote_relay exits 1" 1 "$EC" sim run "$T/v.conf"
has "vote_relay error says the choices" "direct or bundle" "$T/err"
echo "cli-sim: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
