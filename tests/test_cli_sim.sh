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
has "help states the exit codes" "Exit: 0 ran, 1" "$T/out"
expect "missing scenario exits 2" 2 "$EC" sim run
expect "bad --nodes exits 2" 2 "$EC" sim run "$here/scenarios/small.conf" --nodes 1
expect "missing file exits 1" 1 "$EC" sim run "$T/none.conf"
# A bad setting in a file is the mistake a bad option is: both exit 2.
printf 'nodes = 50\nlatency = sideways 5\n' >"$T/bad.conf"
expect "bad key value exits 2, like a bad option" 2 "$EC" sim run "$T/bad.conf"
has "error names file, line and key" "bad.conf:2: latency:" "$T/err"
printf 'nodez = 50\n' >"$T/typo.conf"
expect "unknown key exits 2" 2 "$EC" sim run "$T/typo.conf"
has "unknown key reported" "unknown key" "$T/err"
expect "w larger than --nodes exits 2" 2 "$EC" sim run "$here/scenarios/small.conf" --nodes 4
expect "--seed given twice exits 2" 2 "$EC" sim run "$here/scenarios/small.conf" --seed 1 --seed 2
has "twice names the option" "option --seed given twice" "$T/err"

# Every number must be finite: nan passed every range check (crash, or
# 'txs = nan' ran the defaults). timeout: the old parser could hang or crash.
n=0
for kv in "txs = nan" "quorum = nan" "nodes = nan" "loss = inf" "rate = -inf" \
          "latency = constant nan" "latency = uniform 5 inf" "partition = 1 nan 0.5" "crash = 1 2 nan"; do
  n=$((n + 1)); key=${kv%% *}
  printf 'nodes = 20\ntxs = 5\n%s\n' "$kv" >"$T/nan$n.conf"
  expect "'$kv' refused (exit 2)" 2 timeout 20 "$EC" sim run "$T/nan$n.conf" --no-wall
  has "'$kv': message names the key" "nan$n.conf:3: $key:" "$T/err"
done
printf 'nodes = 2.5\n' >"$T/frac.conf"
expect "integer key refuses 2.5" 2 timeout 20 "$EC" sim run "$T/frac.conf" --no-wall
has "integer key says integer" "nodes: must be an integer" "$T/err"
printf 'nodes = 20\ntxs = 5 apples\n' >"$T/junk.conf"
expect "trailing junk refused" 2 timeout 20 "$EC" sim run "$T/junk.conf" --no-wall
printf 'nodes = 20\nlatency = uniform 1 2 3\n' >"$T/extra.conf"
expect "a latency with an extra number is refused" 2 timeout 20 "$EC" sim run "$T/extra.conf" --no-wall
printf 'tokens_min = 3\ntokens_max = 2\n' >"$T/tok.conf"
expect "tokens_min > tokens_max refused" 2 timeout 20 "$EC" sim run "$T/tok.conf" --no-wall
has "tokens message" "tokens_min (3) must not exceed tokens_max (2)" "$T/err"

# The seed is an integer: a file's seed must give what --seed gives (through
# a double, 123456789012345679 became ...680), over the whole uint64 range.
for s in 123456789012345679 18446744073709551615; do
  printf 'nodes = 20\ntxs = 5\nseed = %s\n' "$s" >"$T/seed.conf"
  printf 'nodes = 20\ntxs = 5\n' >"$T/noseed.conf"
  expect "file seed $s runs" 0 "$EC" sim run "$T/seed.conf" --no-wall
  has "file seed $s kept exactly" "\"seed\": $s," "$T/out"
  "$EC" sim run "$T/noseed.conf" --no-wall --seed "$s" >"$T/flagseed" 2>/dev/null
  cmp -s "$T/out" "$T/flagseed" && ok "file seed $s = --seed $s" || bad "file seed $s = --seed $s"
done

# Only a regular text file with settings is a scenario: these ran the
# defaults and exited 0, and /dev/zero never ended.
expect "a directory is refused" 2 timeout 20 "$EC" sim run "$T" --no-wall
has "directory message" "it is a directory" "$T/err"
expect "/dev/null is refused" 2 timeout 20 "$EC" sim run /dev/null --no-wall
has "/dev/null message" "not a regular file" "$T/err"
expect "/dev/zero is refused at once" 2 timeout 20 "$EC" sim run /dev/zero --no-wall
head -c 64 /dev/zero >"$T/nul.conf"
expect "a file of NUL bytes is refused" 2 timeout 20 "$EC" sim run "$T/nul.conf" --no-wall
has "NUL message" "NUL byte" "$T/err"
printf '# nothing here\n\n' >"$T/empty.conf"
expect "a scenario with no settings is refused" 2 timeout 20 "$EC" sim run "$T/empty.conf" --no-wall
has "no settings message" "no settings" "$T/err"
{ printf 'nodes = 20\n'; head -c 1100000 /dev/zero | tr '\0' '#'; printf '\n'; } >"$T/huge.conf"
expect "a scenario over 1 MiB is refused" 2 timeout 20 "$EC" sim run "$T/huge.conf" --no-wall
has "too large message" "too large" "$T/err"
# An over-long line is reported at its own number (the old reader split it
# into 511-byte pieces and named a later line).
{ printf 'nodes = 20\ntxs = 5\nloss = 0'; printf ' %.0s' {1..1100}; printf 'x\nseed = 3\n'; } >"$T/long.conf"
expect "an over-long line is refused" 2 timeout 20 "$EC" sim run "$T/long.conf" --no-wall
has "over-long line named by its number" "long.conf:3: line longer than" "$T/err"

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
# The lifecycle (elections, swaps, coordinated peers sampled) is just as
# deterministic: same seed, same bytes.
{ cat "$here/scenarios/small.conf"; printf 'life = true\npreload = 5000\ncoord = 0.2\nlife_swap_ms = 20000\n'; } >"$T/l.conf"
"$EC" sim run "$T/l.conf" --nodes 20 --txs 20 --no-wall >"$T/l1" 2>/dev/null
"$EC" sim run "$T/l.conf" --nodes 20 --txs 20 --no-wall --csv "$T/l.csv" >"$T/l2" 2>/dev/null
grep -q '"lifecycle": {"elections": [1-9]' "$T/l1" && cmp -s "$T/l1" "$T/l2" && ok "lifecycle: same seed, same bytes" \
  || bad "lifecycle: same seed, same bytes"
# With the lifecycle on, the CSV adds the latest sample: honest nodes up,
# with >= 1 / >= 4 connected, with a coordinated / an honest quorum.
python3 - "$T/l.csv" "$T/l1" <<'PY' && ok "csv: lifecycle columns agree with the summary" || bad "csv: lifecycle columns"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert list(rows[0])[6:] == ["sampled", "connected_1", "connected_4", "coord_quorum", "honest_quorum"], list(rows[0])
n = [{k: int(v) for k, v in r.items()} for r in rows]
for r in n:
    assert r["connected_4"] <= r["connected_1"] <= r["sampled"] <= 20, r
    assert r["coord_quorum"] <= r["sampled"] and r["honest_quorum"] <= r["sampled"], r
assert n[0]["sampled"] == 0 and n[-1]["sampled"] > 0, (n[0], n[-1])
life = json.load(open(sys.argv[2]))["lifecycle"]
assert any(r["connected_1"] > 0 for r in n) == (life["connected_live_any_permille"] > 0), life
# a peer that is up and connected is connected
assert life["connected_live_any_permille"] <= life["connected_any_permille"], life
assert life["connected_live_4_permille"] <= life["connected_4_permille"], life
PY
printf 'nodes = 40\ntxs = 30\nlatency = rounds 100 0.5\nloss = 0.02\n' >"$T/r.conf"
expect "round model reports latency_rounds" 0 "$EC" sim run "$T/r.conf" --no-wall
has "latency_rounds present" '"latency_rounds"' "$T/out"
printf 'nodes = 40\ntxs = 30\ntokens_min = 2\ntokens_max = 2\nvote_relay = direct\ncatchup = false\n' >"$T/d.conf"
expect "direct relay, no catch-up" 0 "$EC" sim run "$T/d.conf" --no-wall
has "summary names the relay" '"vote_relay": "direct"' "$T/out"
has "summary names catch-up off" '"catchup": false' "$T/out"
printf 'vote_relay = carrier-pigeon\n' >"$T/v.conf"
expect "bad vote_relay exits 2" 2 "$EC" sim run "$T/v.conf"
has "vote_relay error says the choices" "direct or bundle" "$T/err"
printf 'nodes = 30\nquorum = 4\n' >"$T/q.conf"
expect "a minority quorum exits 2" 2 "$EC" sim run "$T/q.conf"
has "quorum error says why" "quorum must be a majority of w" "$T/err"
printf 'nodes = 30\ntxs = 10\nquorum = 4\nunsafe_quorum = true\nvolatile_votes = true\n' >"$T/q2.conf"
expect "unsafe_quorum allows it, for measuring" 0 "$EC" sim run "$T/q2.conf" --no-wall
has "summary names the quorum" '"quorum": 4' "$T/out"

# ec sim pos: the proof of aligned storage measured (docs/LIFECYCLE.md).
expect "sim pos --help" 0 "$EC" sim pos --help
has "pos help shows usage" "usage: ec sim pos" "$T/out"
has "pos help states the exit codes" "Exit: 0 measured, 1" "$T/out"
expect "pos: --universe below the minimum exits 2" 2 "$EC" sim pos --universe 10
expect "pos: density 0 exits 2" 2 "$EC" sim pos --densities 0,0.5
expect "pos: a density above 1 exits 2" 2 "$EC" sim pos --densities 1.5
expect "pos: an empty density exits 2" 2 "$EC" sim pos --densities 0.5,,0.6
expect "pos: a nan density exits 2" 2 "$EC" sim pos --densities nan
expect "pos: a trailing comma exits 2" 2 "$EC" sim pos --densities 0.5,
expect "pos: --trials 0 exits 2" 2 "$EC" sim pos --trials 0
expect "pos: an unknown --store exits 2" 2 "$EC" sim pos --store disk
expect "pos: an argument exits 2" 2 "$EC" sim pos extra
expect "pos: --seed given twice exits 2" 2 "$EC" sim pos --seed 1 --seed 2
has "pos: twice names the option" "option --seed given twice" "$T/err"
pos=(--universe 5000 --trials 50 --densities 1,0.5 --json)
expect "sim pos runs" 0 "$EC" sim pos "${pos[@]}" --no-progress
cp "$T/out" "$T/pos1"
[ -s "$T/err" ] && bad "pos: --no-progress writes nothing on stderr" || ok "pos: --no-progress writes nothing on stderr"
"$EC" sim pos "${pos[@]}" --no-progress >"$T/pos2" 2>/dev/null
cmp -s "$T/pos1" "$T/pos2" && ok "pos: same seed, same bytes" || bad "pos: same seed, same bytes"
"$EC" sim pos "${pos[@]}" --progress >"$T/pos2" 2>"$T/err"
cmp -s "$T/pos1" "$T/pos2" && ok "pos: the progress bar leaves stdout alone" || bad "pos: the progress bar leaves stdout alone"
has "pos: --progress draws on stderr" "100%" "$T/err"
# The sorted-array store (the default) answers what the library's memory
# store answers, byte for byte.
"$EC" sim pos "${pos[@]}" --no-progress --store mem >"$T/pos3" 2>/dev/null
cmp -s "$T/pos1" "$T/pos3" && ok "pos: array store = memory store" || bad "pos: array store = memory store"
"$EC" sim pos "${pos[@]}" --no-progress --seed 2 >"$T/pos4" 2>/dev/null
cmp -s "$T/pos1" "$T/pos4" && bad "pos: another seed, other bytes" || ok "pos: another seed, other bytes"
# A density's figures do not depend on the others listed.
"$EC" sim pos --universe 5000 --trials 50 --densities 0.5 --json --no-progress >"$T/pos5" 2>/dev/null
python3 - "$T/pos1" "$T/pos5" <<'PY' && ok "pos: JSON figures" || bad "pos: JSON figures"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["universe"] == 5000 and d["trials"] == 50 and d["min_agree"] == 8, d
full, half = d["densities"]
assert full["density"] == 1 and half["density"] == 0.5
assert full["stored"] == 5000 and 2000 < half["stored"] < 3000
s = full["selection"]
assert s["same_ten"] == 1.0 and s["accepted"] == 1.0 and s["shared_mean"] == 1.0 and s["elected"] == 1.0, s
assert half["selection"]["accepted"] < 0.5, half["selection"]
for r in d["densities"]:
    assert r["fabricated"]["accepted"] == 0 and r["fabricated"]["agree_hist"][0] == 50, r["fabricated"]
    assert r["ids_without_heads"]["accepted"] == 0 and r["ids_without_heads"]["contradicted_mean"] == 10
    assert sum(r["agree_hist"]) == 50 and len(r["agree_hist"]) == 11
    assert [y["k"] for y in r["sybil"]] == [2, 4] and [y["k"] for y in r["copies"]] == [2, 4]
for k in ("examined", "tokens_passed"):  # density 1 answers every challenge
    x = full["search"][k]
    assert 0 < x["p50"] <= x["p95"], x
alone = json.load(open(sys.argv[2]))["densities"][0]
assert alone == half, (alone, half)
PY
expect "sim pos prints tables" 0 "$EC" sim pos --universe 5000 --trials 20 --densities 0.9 --no-progress
has "pos: search distance table" "a. Search distance" "$T/out"
has "pos: selection table" "b. Selection rate" "$T/out"
has "pos: attackers table" "d. Attackers" "$T/out"
has "pos: bound table" "e. Agreement" "$T/out"
echo "cli-sim: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
