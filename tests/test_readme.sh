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
echo "readme: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
