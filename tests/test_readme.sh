#!/usr/bin/env bash
# Runs the README's worked example exactly as written and checks its output.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
EC=${EC_BIN:?EC_BIN must point to the ec binary}
T=$(mktemp -d "${TMPDIR:-/tmp}/ec-test-readme-XXXXXX")
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1" >&2; }

# The first ```sh block after the "Worked example" heading.
awk '/^## Worked example/{f=1} f&&/^```sh$/{g=1;next} g&&/^```$/{exit} g' "$here/README.md" >"$T/example.sh"
[ -s "$T/example.sh" ] && ok "README has the worked example" || bad "README has the worked example"
# The example runs from the repository root with build/ec; point it at EC_BIN.
mkdir -p "$T/repo/build" && ln -s "$EC" "$T/repo/build/ec"
(cd "$T/repo" && bash "$T/example.sh") >"$T/out" 2>"$T/err"
grep -q "steal.tx: refused: wrong_key (mapping 0): not signed by the token's current owner" "$T/err" \
  && ok "wrong-key transfer refused with its reason" || bad "wrong-key transfer refused"
grep -q "to-bob.tx: refused: already_committed: transaction is already committed" "$T/err" \
  && ok "replay refused with its reason" || bad "replay refused"
[ "$(grep -c ': committed ' "$T/out")" -eq 4 ] && ok "create, two transfers and destroy committed" \
  || bad "four commits (got $(grep -c ': committed ' "$T/out"))"
grep -q '"destroyed": true' "$T/out" && ok "ticket ends destroyed" || bad "ticket ends destroyed"
grep -q '"kind": "destroy"' "$T/out" && ok "inspect shows the destroy mapping" || bad "inspect destroy"
[ "$(grep -c refused "$T/err")" -eq 2 ] && ok "exactly two refusals" || { bad "exactly two refusals"; cat "$T/err" >&2; }
# Every folder the Layout table names exists (it listed src/net, never written).
awk '/^## Layout/{f=1;next} /^## /{f=0} f' "$here/README.md" | grep -o '^| `[^`]*`' | tr -d '|` ' >"$T/folders"
[ -s "$T/folders" ] && ok "layout table found" || bad "layout table found"
while read -r d; do
  [ -d "$here/$d" ] && ok "layout folder $d exists" || bad "layout folder $d exists"
done <"$T/folders"
# The tool section says what `ec` is before using it bare.
awk '/^## The `ec` tool/{f=1;next} f&&/^```/{exit} f' "$here/README.md" | grep -q 'build/ec' \
  && ok "README says ec is build/ec before using it" || bad "README says ec is build/ec before using it"
# The network walkthrough: the first ```sh block after its heading, run as
# written (8 nodes on loopback); the devnet is taken down even on failure.
awk '/^## A network on this machine/{f=1} f&&/^```sh$/{g=1;next} g&&/^```$/{exit} g' "$here/README.md" >"$T/net.sh"
[ -s "$T/net.sh" ] && ok "README has the network walkthrough" || bad "README has the network walkthrough"
sed -i 's|cd "$(mktemp -d)"|cd "$NETDIR"|' "$T/net.sh"
mkdir -p "$T/netrun"
(cd "$T/repo" && NETDIR="$T/netrun" bash -e "$T/net.sh") >"$T/nout" 2>"$T/nerr"; nrc=$?
"$EC" devnet down --dir "$T/netrun/net" >/dev/null 2>&1
[ $nrc = 0 ] && ok "network walkthrough runs (exit 0)" || { bad "network walkthrough exit $nrc"; tail -20 "$T/nerr" >&2; }
[ "$(grep -c ' committed$' "$T/nout")" = 2 ] && ok "create and transfer committed" || bad "two commits over the network"
bobhash=$(sed -n 's/.*"key_hash": "\([0-9a-f]*\)".*/\1/p' "$T/nout")
[ -n "$bobhash" ] && grep -q "\"owner\": \"$bobhash\"" "$T/nout" \
  && ok "read through another node: bob owns the seat" || bad "owner read back is bob's key hash"
echo "readme: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
