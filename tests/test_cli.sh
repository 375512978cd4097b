#!/usr/bin/env bash
# End-to-end tests of the ec tool: exit codes, files, messages, JSON.
set -u
EC=${EC_BIN:?EC_BIN must point to the ec binary}
T=$(mktemp -d "${TMPDIR:-/tmp}/ec-test-cli-XXXXXX")
trap 'rm -rf "$T"' EXIT
pass=0 fail=0

ok()   { pass=$((pass + 1)); echo "ok   $1"; }
bad()  { fail=$((fail + 1)); echo "FAIL $1" >&2; }
# expect NAME CODE CMD...: runs CMD, checks its exit code
expect() {
  local name=$1 code=$2; shift 2
  "$@" >"$T/out" 2>"$T/err"; local rc=$?
  if [ "$rc" -eq "$code" ]; then ok "$name"; else bad "$name (exit $rc, wanted $code)"; cat "$T/err" >&2; fi
}
has() { if grep -q -- "$2" "$3"; then ok "$1"; else bad "$1 ('$2' not in $3)"; cat "$3" >&2; fi; }

FAST=(--memory-kib 8 --iterations 1 --threads 2)

# help and usage errors
expect "top-level --help exits 0" 0 "$EC" --help
has "top-level help lists identity" identity "$T/out"
for c in "key new" "key show" "identity mine" "identity verify" "identity show"; do
  expect "ec $c --help exits 0" 0 $EC $c --help
  has "ec $c --help shows usage" "usage: ec $c" "$T/out"
done
expect "unknown command exits 2" 2 "$EC" frobnicate
has "unknown command says so in one line" "unknown command 'frobnicate'" "$T/err"
[ "$(wc -l <"$T/err")" -eq 1 ] && ok "usage error is one line" || bad "usage error is one line"
expect "unknown option exits 2" 2 "$EC" key new --bogus
has "unknown option named" "unknown option --bogus" "$T/err"
expect "missing option value exits 2" 2 "$EC" identity mine --key
expect "bad --bits exits 2" 2 "$EC" identity mine --key x --bits lots
expect "mine without --key exits 2" 2 "$EC" identity mine --bits 3
expect "top-level --help (exit codes)" 0 "$EC" --help
has "help states the exit codes" "2 usage error" "$T/out"
expect "ec --version exits 0" 0 "$EC" --version
cp "$T/out" "$T/version1"
"$EC" version >"$T/version2"
cmp -s "$T/version1" "$T/version2" && ok "--version prints what 'ec version' prints" || bad "--version = version"
expect "option given twice exits 2" 2 "$EC" key new --out "$T/twice1" --out "$T/twice2"
has "twice names the option" "option --out given twice" "$T/err"
[ ! -e "$T/twice1" ] && [ ! -e "$T/twice2" ] && ok "no key written when --out is given twice" || bad "no key written"
expect "--bits given twice exits 2" 2 "$EC" identity mine --key x --bits 3 --bits 4
expect "a value given to a flag exits 2" 2 "$EC" key show x --json=yes
has "flag value message names the option" "option --json takes no value" "$T/err"
expect "unknown short option exits 2" 2 "$EC" key new --out "$T/k0" -z
has "unknown short option named" "unknown option -z" "$T/err"

# keys
expect "key new --out" 0 "$EC" key new --out "$T/k"
[ "$(stat -c %a "$T/k")" = 600 ] && ok "key file mode 0600" || bad "key file mode 0600"
pub=$(cat "$T/out")
expect "key new refuses to overwrite" 1 "$EC" key new --out "$T/k"
has "overwrite refusal message" "already exists" "$T/err"
[ "$(sed -n 3p "$T/k" | cut -d' ' -f2)" = "$pub" ] && ok "key file unchanged after refusal" || bad "key file unchanged"
expect "key show --json" 0 "$EC" key show "$T/k" --json
has "key show json public_key" "\"public_key\": \"$pub\"" "$T/out"
has "key show json key_hash" '"key_hash": "' "$T/out"
kh=$(grep key_hash "$T/out" | cut -d'"' -f4)
want=$(printf '%s' "$pub" | xxd -r -p | b3sum --no-names 2>/dev/null || true)
if [ -n "$want" ]; then [ "$kh" = "$want" ] && ok "key_hash equals b3sum of public key" || bad "key_hash equals b3sum"; fi
expect "key new to stdout" 0 "$EC" key new
has "stdout key has header" "ec-key v1" "$T/out"
expect "key show missing file" 1 "$EC" key show "$T/nope"
has "missing key message" "does not exist" "$T/err"
head -c 50 "$T/k" >"$T/trunc"
expect "key show truncated file" 1 "$EC" key show "$T/trunc"
has "truncated key message" "truncated" "$T/err"
sed 's/^seed \(.\)/seed f/' "$T/k" >"$T/corrupt"; sed -i 's/^seed ff/seed 0f/' "$T/corrupt"
cmp -s "$T/k" "$T/corrupt" && sed -i 's/^seed \(.\)/seed e/' "$T/corrupt"
expect "key show corrupt file" 1 "$EC" key show "$T/corrupt"
has "corrupt key message" "corrupt" "$T/err"

# mining, verifying, showing
expect "identity mine (8 bits, small params)" 0 "$EC" identity mine --key "$T/k" --bits 8 "${FAST[@]}" --out "$T/id"
addr=$(cat "$T/out")
[ ${#addr} -eq 64 ] && ok "mine prints a 64-hex address" || bad "mine prints address"
has "mine states expected work" "expected work: 2^8" "$T/err"
[ ! -e "$T/id.ckpt" ] && ok "checkpoint removed after success" || bad "checkpoint removed"
expect "identity verify valid" 0 "$EC" identity verify "$T/id"
has "verify prints the address" "$addr" "$T/out"
expect "identity show --json" 0 "$EC" identity show "$T/id" --json
for k in public_key salt difficulty_bits timestamp memory_kib iterations pow address; do
  has "show json has $k" "\"$k\":" "$T/out"
done
has "show json address matches" "\"address\": \"$addr\"" "$T/out"
has "show json valid" '"valid": true' "$T/out"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/out" && ok "show json parses" || bad "show json parses"
expect "mine refuses to overwrite identity" 1 "$EC" identity mine --key "$T/k" --bits 1 "${FAST[@]}" --out "$T/id"

# Flip byte 40 (in the salt): writing a fixed value left it unchanged when
# the salt already held that value (1 run in 256).
cp "$T/id" "$T/id-bad"
python3 -c 'import sys; p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[40] ^= 0xff; open(p, "wb").write(b)' "$T/id-bad"
expect "verify tampered salt fails" 1 "$EC" identity verify "$T/id-bad"
has "tampered reason on stderr" "self-signature" "$T/err"
head -c 100 "$T/id" >"$T/id-short"
expect "verify truncated record fails" 1 "$EC" identity verify "$T/id-short"
has "truncated reason" "truncated" "$T/err"
{ cat "$T/id"; printf 'x'; } >"$T/id-long"
expect "verify oversized record fails" 1 "$EC" identity verify "$T/id-long"
has "oversized reason" "trailing" "$T/err"
expect "verify missing file fails" 1 "$EC" identity verify "$T/none"

expect "mine into a missing folder fails before mining" 1 "$EC" identity mine --key "$T/k" --bits 40 "${FAST[@]}" --out "$T/no/such/dir/id"
has "unwritable output reported up front" "cannot write checkpoint" "$T/err"

# neighborhood prefix
expect "mine with --prefix" 0 "$EC" identity mine --key "$T/k" --bits 2 --prefix 4:a "${FAST[@]}" --out "$T/idp"
case "$(cat "$T/out")" in a*) ok "prefix address starts with a";; *) bad "prefix address";; esac
has "prefix multiplies expected work" "x 2^4 for the 4-bit neighborhood prefix" "$T/err"
expect "bad --prefix exits 2" 2 "$EC" identity mine --key "$T/k" --bits 2 --prefix 12:a
# The help says what --prefix takes: BITS/4 digits rounded up, read from the left.
expect "mine --help" 0 "$EC" identity mine --help
has "prefix help: digits needed" "HEX needs at least BITS/4" "$T/out"
has "mine help: SIGTERM exit" "143 (SIGTERM)" "$T/out"
expect "--prefix 5:a has too few digits" 2 "$EC" identity mine --key "$T/k" --bits 1 --prefix 5:a "${FAST[@]}" --out "$T/idq"
expect "--prefix 5:a8 mines" 0 "$EC" identity mine --key "$T/k" --bits 1 --prefix 5:a8 "${FAST[@]}" --out "$T/idq"
case "$(cat "$T/out")" in a[89a-f]*) ok "5-bit prefix a8 gives an address 1010 1...";; *) bad "5-bit prefix address";; esac

# interrupt and resume: 40 bits never finishes; SIGINT saves a checkpoint, exit 130
"$EC" identity mine --key "$T/k" --bits 40 "${FAST[@]}" --out "$T/idr" --log-interval 1 2>"$T/err" &
pid=$!
sleep 1.5; kill -INT $pid; wait $pid; rc=$?
[ $rc -eq 130 ] && ok "SIGINT exits 130" || bad "SIGINT exits 130 (got $rc)"
[ -s "$T/idr.ckpt" ] && ok "SIGINT leaves a checkpoint" || bad "SIGINT leaves a checkpoint"
has "plain log lines without a TTY" "mining: tried=" "$T/err"
n1=$(sed -n 's/^next //p' "$T/idr.ckpt")
[ "${n1:-0}" -gt 0 ] && ok "checkpoint records progress" || bad "checkpoint records progress"
"$EC" identity mine --key "$T/k" --bits 40 "${FAST[@]}" --out "$T/idr" 2>"$T/err" &
pid=$!
sleep 1.5; kill -TERM $pid; wait $pid; rc=$?
[ $rc -eq 143 ] && ok "SIGTERM exits 143" || bad "SIGTERM exits 143 (got $rc)"
has "resume announced" "resuming from" "$T/err"
n2=$(sed -n 's/^next //p' "$T/idr.ckpt")
[ "${n2:-0}" -gt "${n1:-0}" ] && ok "resume continues past the checkpoint" || bad "resume continues ($n1 -> $n2)"
expect "checkpoint of other params refused" 1 "$EC" identity mine --key "$T/k" --bits 39 "${FAST[@]}" --out "$T/idr"
has "mismatch message" "belongs to another" "$T/err"

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
