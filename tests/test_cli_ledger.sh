#!/usr/bin/env bash
# End-to-end tests of ec tx and ec ledger: files, exit codes, messages, JSON.
set -u
EC=${EC_BIN:?EC_BIN must point to the ec binary}
T=$(mktemp -d "${TMPDIR:-/tmp}/ec-test-cli-ledger-XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T"
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1" >&2; }
expect() {
  local name=$1 code=$2; shift 2
  "$@" >out 2>err; local rc=$?
  if [ "$rc" -eq "$code" ]; then ok "$name"; else bad "$name (exit $rc, wanted $code)"; cat err >&2; fi
}
has() { if grep -q -- "$2" "$3"; then ok "$1"; else bad "$1 ('$2' not in $3)"; cat "$3" >&2; fi; }

for c in "tx create" "tx transfer" "tx destroy" "tx inspect" "ledger apply" "ledger get"; do
  expect "ec $c --help" 0 $EC $c --help
  has "ec $c --help shows usage" "usage: ec $c" out
done
$EC key new --out a.key >/dev/null; $EC key new --out b.key >/dev/null
bpub=$($EC key show b.key --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["public_key"])')
bhash=$($EC key show b.key --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["key_hash"])')

expect "create without --key exits 2" 2 $EC tx create --random
expect "create without token exits 2" 2 $EC tx create --key a.key
expect "create with bad --token exits 2" 2 $EC tx create --key a.key --token 12zz
expect "create with 7 tokens exits 2" 2 $EC tx create --key a.key --random --random --random --random --random --random --random
has "7 tokens message" "at most 6 tokens" err
expect "create with 6 tokens" 0 $EC tx create --key a.key --random --random --random --random --random --random --out six.tx
expect "inspect 6-token tx" 0 $EC tx inspect six.tx --json
[ "$(python3 -c 'import json,sys; print(len(json.load(open("out"))["mappings"]))')" = 6 ] && ok "six mappings" || bad "six mappings"
[ "$(stat -c %s six.tx)" -le 1200 ] && ok "6-token tx fits 1200 bytes" || bad "6-token tx size"
expect "create to stdout as hex" 0 $EC tx create --key a.key --name x
grep -qE '^[0-9a-f]+$' out && ok "hex output" || bad "hex output"
expect "transfer with --prev count mismatch exits 2" 2 $EC tx transfer --key a.key --name x --to b.key
has "prev mismatch message" "one --prev for each" err
expect "transfer without --to exits 2" 2 $EC tx transfer --key a.key --name x --prev "$(printf '1%.0s' {1..64})"
expect "create refuses --prev" 2 $EC tx create --key a.key --name x --prev "$(printf '1%.0s' {1..64})"

c=$($EC tx create --key a.key --name t1 --out c.tx)
expect "tx file never overwritten" 1 $EC tx create --key a.key --name t1 --out c.tx
has "overwrite message" "already exists" err
expect "inspect json" 0 $EC tx inspect c.tx --json
for k in id timestamp mappings token_id owner_key_hash previous_tx_id signatures_valid; do has "inspect json has $k" "\"$k\"" out; done
has "inspect id equals printed id" "\"id\": \"$c\"" out
python3 -c 'import json; json.load(open("out"))' && ok "inspect json parses" || bad "inspect json parses"
head -c 100 c.tx >short.tx
expect "inspect truncated tx exits 1" 1 $EC tx inspect short.tx
has "truncated reason" "truncated" err
expect "apply create" 0 $EC ledger apply --db db c.tx
has "apply prints committed id" "committed $c" out
expect "get by name json" 0 $EC ledger get --db db --name t1 --json
has "owner is a's key hash" "\"owner_key_hash\": \"$($EC key show a.key --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["key_hash"])')\"" out
tok=$(python3 -c 'import json; print(json.load(open("out"))["token_id"])')
expect "get by hex" 0 $EC ledger get --db db "$tok"
expect "get unknown token exits 1" 1 $EC ledger get --db db --name nobody
has "unknown token message" "unknown" err
expect "get on missing store exits 1" 1 $EC ledger get --db nodb --name t1
for to in "$bpub" "hash:$bhash" b.key; do
  expect "transfer --to ${to:0:5}" 0 $EC tx transfer --key a.key --name t1 --prev "$c" --to "$to"
  hex=$(cat out)
  printf '%s' "$hex" | xxd -r -p >"to-${to:0:3}.tx"
  $EC tx inspect "to-${to:0:3}.tx" --json >insp
  has "--to ${to:0:5} gives b's key hash" "\"owner_key_hash\": \"$bhash\"" insp
done
expect "apply missing file exits 1" 1 $EC ledger apply --db db nope.tx
printf 'garbage' >g.tx
expect "apply garbage exits 1" 1 $EC ledger apply --db db g.tx
has "garbage is malformed" "refused: malformed" err
far=$(( ($(date +%s) + 3 * 3600) * 1000 ))
$EC tx create --key a.key --name future --timestamp-ms $far --out future.tx >/dev/null
expect "future timestamp refused" 1 $EC ledger apply --db db future.tx
has "future reason" "timestamp_future" err
$EC tx transfer --key a.key --name t1 --prev "$(printf 'ab%.0s' {1..32})" --to b.key --out ooo.tx >/dev/null
expect "unknown prev refused" 1 $EC ledger apply --db db ooo.tx
has "missing history reason" "missing_history" err
expect "apply several, one refused, exit 1" 1 $EC ledger apply --db db future.tx to-b.k.tx

# An option that does not apply is named, not its value ("option b.key").
expect "destroy refuses --to" 2 $EC tx destroy --key a.key --name t1 --prev "$c" --to b.key
has "the refused option is named" "option --to does not apply here" err
expect "destroy refuses --to=VALUE" 2 $EC tx destroy --key a.key --name t1 --prev "$c" --to=b.key
has "the refused --to= option is named" "option --to does not apply here" err
# An option given twice is refused: the last one silently won.
expect "--out given twice exits 2" 2 $EC tx create --key a.key --name twice --out o1.tx --out o2.tx
has "twice message" "option --out given twice" err
[ ! -e o1.tx ] && [ ! -e o2.tx ] && ok "nothing written when --out is given twice" || bad "nothing written"
expect "--db given twice exits 2" 2 $EC ledger get --db db --db other --name t1
expect "--now-ms given twice exits 2" 2 $EC ledger apply --db db --now-ms 1 --now-ms 2 c.tx
expect "--name repeats in tx create (one per token)" 0 $EC tx create --key a.key --name r1 --name r2
# A file over the size limit is "too large", not "value out of range".
head -c 1300 /dev/urandom >big.tx
expect "inspect oversized tx exits 1" 1 $EC tx inspect big.tx
has "inspect says too large" "too large" err
expect "apply oversized tx exits 1" 1 $EC ledger apply --db db big.tx
has "apply says too large" "big.tx: cannot read: too large" err

# The hex that tx create/transfer/destroy print without --out is read back.
$EC tx create --key a.key --name hexform >hex.tx
expect "inspect reads the printed hex" 0 $EC tx inspect hex.tx --json
hexid=$(python3 -c 'import json; print(json.load(open("out"))["id"])')
expect "apply reads the printed hex" 0 $EC ledger apply --db db hex.tx
has "hex form committed with its id" "hex.tx: committed $hexid" out
expect "create --help says the hex is read back" 0 $EC tx create --help
has "create help names the readers of the hex" "ec ledger apply' read like a file" out
expect "apply --help says it reads hex" 0 $EC ledger apply --help
has "apply help documents the hex form" "or as the hex those commands print" out
has "apply help documents the committed line" "'FILE: committed <tx id>'" out

# A store this user may not open says so ("input/output error" before).
# As root, the check runs as nobody: root is never denied.
mkdir perm && chmod 755 "$T" perm
$EC ledger apply --db perm/db c.tx >/dev/null 2>&1
chmod 700 perm/db
as_other=()
if [ "$(id -u)" -eq 0 ]; then
  command -v setpriv >/dev/null && as_other=(setpriv --reuid=65534 --regid=65534 --clear-groups) || as_other=(skip)
fi
if [ "${as_other[0]:-}" = skip ]; then
  ok "permission denied (skipped: root without setpriv)"
else
  expect "get on a forbidden store exits 1" 1 "${as_other[@]}" $EC ledger get --db perm/db --name t1
  has "get says permission denied" "permission denied" err
  expect "apply on a forbidden store exits 1" 1 "${as_other[@]}" $EC ledger apply --db perm/db c.tx
  has "apply says permission denied" "permission denied" err
fi
echo "cli-ledger: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
