#!/usr/bin/env bash
# ec node, ec devnet, ec submit and ec get as a new user meets them: bad
# settings named by FILE:LINE, a second node on one directory refused, a
# node that is not there reported as such, usage errors exit 2.
set -u
EC=${EC_BIN:?EC_BIN must point to the ec binary}
T=$(mktemp -d "${TMPDIR:-/tmp}/ec-test-cli-node-XXXXXX")
NODEPID=""
trap '[ -n "$NODEPID" ] && kill "$NODEPID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1" >&2; }
expect() { # name, wanted exit, stderr pattern, command...
  local name=$1 want=$2 pat=$3; shift 3
  "$@" >"$T/out" 2>"$T/err"; local rc=$?
  if [ $rc = "$want" ] && grep -q -- "$pat" "$T/err"; then ok "$name"
  else bad "$name (exit $rc, wanted $want; stderr: $(head -c 300 "$T/err"))"; fi
}

printf '[node]\nlisten = 127.0.0.1:0\n\n[consensus]\nw = 8\nquorum = nine\n' >"$T/bad.ini"
expect "a bad value names FILE:LINE" 2 "bad.ini:6: consensus.quorum: 'nine' is not a whole number" \
  "$EC" node --data-dir "$T/d" --config "$T/bad.ini"
printf '[node]\nlisten = 127.0.0.1:0\ncolour = blue\n' >"$T/unknown.ini"
expect "an unknown key names FILE:LINE" 2 "unknown.ini:3: unknown setting node.colour" \
  "$EC" node --data-dir "$T/d" --config "$T/unknown.ini"
printf '[node]\nthis is not ini\n' >"$T/syntax.ini"
expect "a line that is not INI" 2 "syntax.ini:2: not an INI line" "$EC" node --data-dir "$T/d" --config "$T/syntax.ini"
expect "a missing config file" 1 "nope.ini: No such file" "$EC" node --data-dir "$T/d" --config "$T/nope.ini"
expect "quorum must be a majority" 1 "quorum must be a majority" \
  "$EC" node --data-dir "$T/d" --listen 127.0.0.1:0 --status 127.0.0.1:0 --set consensus.quorum=3 \
  --set identity.bits=0 --set identity.memory_kib=8 --set identity.iterations=1
expect "lifecycle votes need elections" 1 "life_votes needs life" \
  "$EC" node --data-dir "$T/d" --listen 127.0.0.1:0 --status 127.0.0.1:0 --set lifecycle.votes=true \
  --set identity.bits=0 --set identity.memory_kib=8 --set identity.iterations=1
expect "--set needs SECTION.KEY=VALUE" 2 "--set takes SECTION.KEY=VALUE" "$EC" node --data-dir "$T/d" --set quorum
expect "--data-dir is required" 2 "missing --data-dir" "$EC" node --listen 127.0.0.1:0
"$EC" node --print-config --set consensus.w=12 --set consensus.quorum=7 >"$T/printed.ini" 2>/dev/null \
  && "$EC" node --config "$T/printed.ini" --print-config >"$T/again.ini" && cmp -s "$T/printed.ini" "$T/again.ini" \
  && grep -q '^w = 12$' "$T/printed.ini" && ok "--print-config reads back as the same settings" || bad "print-config round trip"

# One node on a directory: a second start is refused while it runs.
"$EC" node --data-dir "$T/n" --listen 127.0.0.1:0 --status 127.0.0.1:0 --set identity.bits=0 \
  --set identity.memory_kib=8 --set identity.iterations=1 >"$T/node.log" 2>&1 &
NODEPID=$!
for _ in $(seq 1 100); do [ -f "$T/n/node.json" ] && break; sleep 0.05; done
[ -f "$T/n/node.json" ] && ok "node.json written once listening" || bad "node.json"
expect "a second node on the same directory" 1 "another ec node is running on" \
  "$EC" node --data-dir "$T/n" --listen 127.0.0.1:0 --status 127.0.0.1:0
ep=$(sed -n 's/.*"endpoint": "\([^"]*\)".*/\1/p' "$T/n/node.json")
"$EC" get tx 0000000000000000000000000000000000000000000000000000000000000000 --node "$ep" --json >"$T/out" 2>/dev/null
[ $? = 1 ] && grep -q '"found": false' "$T/out" && ok "get tx of an unknown id: found false, exit 1" || bad "get unknown tx"
# ec evidence list reads the status port (node.json's status_port): a
# fresh node has convicted no one. (The loop answered get: its pages exist.)
sp=$(sed -n 's/.*"status_port": \([0-9]*\).*/\1/p' "$T/n/node.json")
"$EC" evidence list --node "127.0.0.1:$sp" >"$T/out" 2>"$T/err"
[ $? = 0 ] && grep -q "no evidence" "$T/out" && [ ! -s "$T/err" ] && ok "evidence list of a fresh node: empty, exit 0" \
  || bad "evidence list ($(cat "$T/out" "$T/err"))"
"$EC" evidence list --node "127.0.0.1:$sp" --json >"$T/out" 2>"$T/err"
[ $? = 0 ] && grep -q '"evidence": \[\]' "$T/out" && grep -q '"count": 0' "$T/out" \
  && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["evidence"]==[] and d["count"]==0 and d["claims"]==[] and d["claims_count"]==0 and d["chains"]==[] and d["chains_count"]==0 and d["chains_truncated"] is False else 1)' "$T/out" \
  && ok "evidence list --json: valid JSON, empty lists (votes, claims, chains)" || bad "evidence list --json ($(cat "$T/out" "$T/err"))"
expect "evidence list of the UDP port (not HTTP)" 1 "cannot reach" "$EC" evidence list --node "$ep"
kill -TERM $NODEPID; wait $NODEPID; rc=$?; NODEPID=""
[ $rc = 0 ] && ok "SIGTERM: exit 0" || bad "SIGTERM exit $rc"
grep -q "event=stop signal=15" "$T/node.log" && ok "the stop is logged" || bad "stop logged"
[ ! -f "$T/n/node.json" ] && ok "node.json removed at exit" || bad "node.json left"

# A lost store: the identity stays, the store goes. Signing again with the
# same key could sign evidence against itself, so the start is refused
# until the operator says so (or takes a new identity).
[ -s "$T/n/store.bond" ] && ok "store.bond written beside the key" || bad "store.bond"
rm -rf "$T/n/store"
expect "a lost store is refused" 1 "is not the store this identity signed with" \
  "$EC" node --data-dir "$T/n" --listen 127.0.0.1:0 --status 127.0.0.1:0
bond=$(cat "$T/n/store.bond")
"$EC" node --data-dir "$T/n" --listen 127.0.0.1:0 --status 127.0.0.1:0 --accept-store-loss >"$T/node.log" 2>&1 &
NODEPID=$!
for _ in $(seq 1 100); do [ -f "$T/n/node.json" ] && break; sleep 0.05; done
kill -TERM $NODEPID; wait $NODEPID; rc=$?; NODEPID=""
[ $rc = 0 ] && grep -q "accept-store-loss" "$T/node.log" && [ "$(cat "$T/n/store.bond")" != "$bond" ] \
  && ok "--accept-store-loss starts with a warning and a new bond" || bad "accept-store-loss (rc $rc)"
"$EC" node --data-dir "$T/n" --listen 127.0.0.1:0 --status 127.0.0.1:0 >"$T/node.log" 2>&1 &
NODEPID=$!
for _ in $(seq 1 100); do [ -f "$T/n/node.json" ] && break; sleep 0.05; done
[ -f "$T/n/node.json" ] && ok "the new bond holds: the next start is a plain one" || bad "restart after accept"
kill -TERM $NODEPID; wait $NODEPID; NODEPID=""
cp "$T/n/store.bond" "$T/bond.keep"
printf 'not a bond\n' >"$T/n/store.bond"
expect "a damaged store.bond is refused" 1 "is not a store bond" \
  "$EC" node --data-dir "$T/n" --listen 127.0.0.1:0 --status 127.0.0.1:0
cp "$T/bond.keep" "$T/n/store.bond"

# IPv6: a one-node network (w = 1) on [::1] commits and reads back
# (skipped where loopback has no IPv6).
if python3 -c 'import socket; s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind(("::1", 0))' 2>/dev/null; then
  "$EC" node --data-dir "$T/v6" --listen "[::1]:0" --status 127.0.0.1:0 --set identity.bits=0 \
    --set identity.memory_kib=8 --set identity.iterations=1 --set consensus.w=1 --set consensus.quorum=1 \
    --set consensus.vote_threshold=1 --set consensus.catchup_agree=1 >"$T/v6.log" 2>&1 &
  NODEPID=$!
  for _ in $(seq 1 100); do [ -f "$T/v6/node.json" ] && break; sleep 0.05; done
  ep6=$(sed -n 's/.*"endpoint": "\([^"]*\)".*/\1/p' "$T/v6/node.json")
  "$EC" key new --out "$T/k6" >/dev/null && "$EC" tx create --key "$T/k6" --name six --out "$T/six.tx" >/dev/null
  "$EC" submit "$T/six.tx" --node "$ep6" --wait --timeout 10 >"$T/out" 2>"$T/err" && grep -q committed "$T/out" \
    && "$EC" get token six --node "$ep6" --json | grep -q '"found": true' \
    && ok "IPv6: a node on $ep6 commits and reads back" || bad "IPv6 node ($(cat "$T/err"))"
  kill -TERM $NODEPID; wait $NODEPID; NODEPID=""
else
  ok "IPv6: skipped (no IPv6 on loopback)"
fi

# Clients against nothing, and usage errors.
"$EC" key new --out "$T/k" >/dev/null && "$EC" tx create --key "$T/k" --name x --out "$T/x.tx" >/dev/null
expect "submit to a port where no node runs" 1 "no answer from 127.0.0.1:9" "$EC" submit "$T/x.tx" --node 127.0.0.1:9
expect "submit without --node" 2 "missing --node" "$EC" submit "$T/x.tx"
expect "--timeout without --wait" 2 "--timeout applies to --wait" "$EC" submit "$T/x.tx" --node 127.0.0.1:9 --timeout 5
expect "--node that is not HOST:PORT" 2 "--node takes HOST:PORT" "$EC" get token x --node nonsense
expect "get needs token or tx" 2 "say token or tx" "$EC" get thing x --node 127.0.0.1:9
expect "evidence list without --node" 2 "missing --node" "$EC" evidence list
expect "evidence list --node that is not HOST:PORT" 2 "--node takes HOST:PORT" "$EC" evidence list --node nonsense
expect "evidence list with an extra argument" 2 "unexpected argument 'x'" "$EC" evidence list --node 127.0.0.1:9 x
expect "evidence list --node twice" 2 "given twice" "$EC" evidence list --node 127.0.0.1:9 --node 127.0.0.1:8
expect "evidence list where no node runs" 1 "cannot reach 127.0.0.1:9" "$EC" evidence list --node 127.0.0.1:9
expect "evidence without a command" 2 "usage" "$EC" evidence
# The table from a page with one entry (a canned /evidence page, as the
# node writes it, served by a stand-in HTTP server).
v=$(printf '5e%.0s' $(seq 32)); ta=$(printf 'a1%.0s' $(seq 32)); tb=$(printf 'b2%.0s' $(seq 32))
mkdir -p "$T/www" && printf '{\n  "evidence": [\n    {"voter": "%s", "tx_a": "%s", "tx_b": "%s", "key": "%s", "bytes": "01"}\n  ],\n  "count": 1,\n  "truncated": false\n}\n' \
  "$v" "$ta" "$tb" "$v" >"$T/www/evidence"
python3 - "$T/www" "$T/port" <<'PY' 2>/dev/null &
import functools, http.server, sys
h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
s = http.server.HTTPServer(("127.0.0.1", 0), h)
open(sys.argv[2] + ".tmp", "w").write(str(s.server_port)); __import__("os").rename(sys.argv[2] + ".tmp", sys.argv[2])
s.handle_request(); s.handle_request(); s.handle_request(); s.handle_request()
PY
WWWPID=$!
for _ in $(seq 1 100); do [ -f "$T/port" ] && break; sleep 0.05; done
wp=$(cat "$T/port" 2>/dev/null)
"$EC" evidence list --node "127.0.0.1:$wp" >"$T/out" 2>"$T/err"
[ $? = 0 ] && [ "$(sed -n 2p "$T/out")" = "5e5e5e5e5e5e5e5e  a1a1a1a1a1a1a1a1  b2b2b2b2b2b2b2b2" ] \
  && head -1 "$T/out" | grep -q '^voter  *tx_a  *tx_b' && [ "$(wc -l <"$T/out")" = 2 ] \
  && ok "evidence list: a row per voter (16 hex digits of each id)" || bad "evidence table ($(cat "$T/out" "$T/err"))"
"$EC" evidence list --node "127.0.0.1:$wp" --json | cmp -s - "$T/www/evidence" \
  && ok "evidence list --json: the page as the node wrote it" || bad "evidence --json passthrough"
# No vote evidence, one forked chain: its table alone (signer, height).
printf '{\n  "evidence": [],\n  "count": 0,\n  "truncated": false,\n  "claims": [],\n  "claims_count": 0,\n  "claims_truncated": false,\n  "chains": [\n    {"signer": "%s", "height": 42, "key": "%s", "bytes": "03"}\n  ],\n  "chains_count": 1,\n  "chains_truncated": false\n}\n' \
  "$v" "$v" >"$T/www/evidence"
"$EC" evidence list --node "127.0.0.1:$wp" >"$T/out" 2>"$T/err"
[ $? = 0 ] && [ "$(sed -n 2p "$T/out")" = "5e5e5e5e5e5e5e5e  42" ] \
  && head -1 "$T/out" | grep -q '^signer  *height  *(two blocks signed at one height' && [ "$(wc -l <"$T/out")" = 2 ] \
  && ok "evidence list: a row per forked chain (signer, height)" || bad "chains table ($(cat "$T/out" "$T/err"))"
rm "$T/www/evidence"
expect "evidence list of a page that is not there" 1 "answered HTTP 404" "$EC" evidence list --node "127.0.0.1:$wp" --json
kill "$WWWPID" 2>/dev/null; wait "$WWWPID" 2>/dev/null
"$EC" evidence list --help >"$T/out" 2>&1 && grep -q "usage: ec evidence list --node HOST:PORT" "$T/out" \
  && ok "evidence list --help: usage, exit 0" || bad "evidence list --help"
expect "devnet without a command" 2 "usage" "$EC" devnet
expect "devnet -n out of range" 2 "-n must be 1..64" "$EC" devnet up -n 0 --dir "$T/dn"
expect "devnet status of nothing" 1 "no devnet in" "$EC" devnet status --dir "$T"
echo "cli-node: $pass passed, $fail failed"
[ "$fail" = 0 ]
