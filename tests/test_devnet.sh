#!/usr/bin/env bash
# End to end over real UDP: a devnet of 8 `ec node` processes on loopback.
#   - ec devnet up / status / down (and a second up on the same DIR refused)
#   - 200 transactions (100 creates, then 100 transfers of them) submitted
#     through different nodes with --wait: each committed
#   - every token then read back through a node other than the submitter,
#     and its head checked at every node of its neighborhood (each node's
#     store, read with `ec get` one node at a time is not enough: the
#     answer of a non-member comes from a majority of the neighborhood)
#   - one node killed with SIGKILL mid-run, restarted on its store: it
#     comes back with what it had and serves again
#   - garbage and replayed datagrams at a node: it keeps serving and
#     counts them as drops (/metrics)
# Every process it started is stopped at exit, also when a check fails.
set -u
EC=${EC_BIN:?EC_BIN must point to the ec binary}
T=$(mktemp -d "${TMPDIR:-/tmp}/ec-test-devnet-XXXXXX")
D="$T/net"
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1" >&2; }
cleanup() {
  "$EC" devnet down --dir "$D" >/dev/null 2>&1
  # Anything still alive that we started (a restarted node is ours too).
  for f in "$D"/node-*/node.json; do
    [ -f "$f" ] || continue
    pid=$(sed -n 's/.*"pid": \([0-9]*\).*/\1/p' "$f")
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
  done
  [ -n "${RESTARTED:-}" ] && kill -9 "$RESTARTED" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
N=8
http() { python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' "$1" 2>/dev/null; }

"$EC" devnet up -n $N --dir "$D" >"$T/up.out" 2>"$T/up.err" \
  && ok "devnet up -n $N" || { bad "devnet up"; cat "$T/up.err" >&2; exit 1; }
[ "$(grep -c '^[0-9]' "$T/up.out")" = $N ] && ok "up prints a row per node" || bad "up table"
"$EC" devnet up -n 2 --dir "$D" >/dev/null 2>"$T/up2.err"
[ $? = 1 ] && grep -q "already up" "$T/up2.err" && ok "a second up on the same DIR is refused" || bad "second up"

ep() { sed -n "s/.*\"endpoint\": \"\([^\"]*\)\".*/\1/p" "$D/node-$1/node.json"; }
sport() { sed -n 's/.*"status_port": \([0-9]*\).*/\1/p' "$D/node-$1/node.json"; }
for i in $(seq 0 $((N - 1))); do EP[$i]=$(ep $i); done

cd "$T"
"$EC" key new --out alice.key >/dev/null && "$EC" key new --out bob.key >/dev/null
fails=0
declare -a CREATE
for k in $(seq 0 99); do
  CREATE[$k]=$("$EC" tx create --key alice.key --name "t-$k" --out "c$k.tx") || fails=$((fails + 1))
done
[ $fails = 0 ] && ok "100 creates built" || bad "creates built ($fails failed)"

# Submit in parallel waves of 10, each through node k mod N.
submit_all() { # prefix count
  local prefix=$1 fails=0 pids=() k
  for k in $(seq 0 99); do
    "$EC" submit "$prefix$k.tx" --node "${EP[$((k % N))]}" --wait --timeout 60 >"$prefix$k.out" 2>"$prefix$k.err" &
    pids+=($!)
    if [ ${#pids[@]} = 10 ]; then
      for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
      pids=()
    fi
  done
  for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
  echo $fails
}
f=$(submit_all c)
[ "$f" = 0 ] && ok "100 creates committed (submitted through all $N nodes)" \
  || { bad "creates committed: $f failed"; cat c*.err | sort | uniq -c | head >&2; }

# Kill one node mid-run; the transfers go on through the others.
VICTIM=3
vpid=$(sed -n 's/.*"pid": \([0-9]*\).*/\1/p' "$D/node-$VICTIM/node.json")
tokens_before=$(http "http://127.0.0.1:$(sport $VICTIM)/status" | sed -n 's/.*"tokens": \([0-9]*\).*/\1/p')
kill -9 "$vpid"
for k in $(seq 0 99); do
  "$EC" tx transfer --key alice.key --name "t-$k" --prev "${CREATE[$k]}" --to bob.key --out "x$k.tx" >/dev/null \
    || fails=$((fails + 1))
done
# Through every node but the dead one.
for i in $(seq 0 $((N - 1))); do [ $i = $VICTIM ] && EP[$i]=${EP[$(( (i + 1) % N ))]}; done
f=$(submit_all x)
[ "$f" = 0 ] && ok "100 transfers committed with one node killed" \
  || { bad "transfers committed: $f failed"; cat x*.err | sort | uniq -c | head >&2; }

# Restart the killed node on its store.
rm -f "$D/node-$VICTIM/node.json"
"$EC" node --data-dir "$D/node-$VICTIM" --config "$D/node-$VICTIM/node.ini" >>"$D/node-$VICTIM/log" 2>&1 &
RESTARTED=$!
for _ in $(seq 1 200); do [ -f "$D/node-$VICTIM/node.json" ] && break; sleep 0.05; done
sleep 1
tokens_after=$(http "http://127.0.0.1:$(sport $VICTIM)/status" | sed -n 's/.*"tokens": \([0-9]*\).*/\1/p')
[ -n "$tokens_after" ] && [ "$tokens_after" -ge "${tokens_before:-0}" ] \
  && ok "the killed node restarts on its store ($tokens_before tokens before, $tokens_after after)" \
  || bad "restart: tokens before ${tokens_before:-?} after ${tokens_after:-?}"
EP[$VICTIM]=$(ep $VICTIM)
# It asks each token's neighborhood for the head it missed (the core's
# catch-up) and walks its neighbors' commit chains (sync): its own store
# holds all 100 transfers (w = N: every token is its), read from it alone
# (sessionless, no hops).
behind=100
for _ in $(seq 1 60); do
  behind=0
  for k in $(seq 0 99); do
    tid=$(awk '{print $1}' "x$k.out")
    "$EC" get token "t-$k" --node "${EP[$VICTIM]}" --sessionless --hops 0 --timeout 2 --json 2>/dev/null \
      | grep -q "\"tx\": \"$tid\"" || behind=$((behind + 1))
  done
  [ $behind = 0 ] && break
  sleep 0.5
done
st=$(http "http://127.0.0.1:$(sport $VICTIM)/status")
# /status is JSON with the storage-proof and lifecycle sections and each
# peer's state; /metrics has the lifecycle's series (docs/NODE.md).
echo "$st" | python3 -c 'import json,sys; d=json.load(sys.stdin); l=d["lifecycle"]; p=d["storage_proofs"]; sys.exit(0 if {"enabled","identified","pending","connected","trusted","ejected","swaps"} <= set(l) and "region_bits" in p and all("state" in x and "trusted" in x for x in d["peers"]) and len(d["peers"]) > 0 else 1)' \
  && ok "/status: valid JSON with lifecycle, storage proofs and each peer's state" || bad "/status lifecycle ($st)"
http "http://127.0.0.1:$(sport $VICTIM)/metrics" | grep -q '^ec_life_peers{state="connected"} [0-9]' \
  && ok "/metrics: ec_life_peers" || bad "/metrics ec_life_peers"
caught=$(echo "$st" | sed -n 's/.*"caught_up": \([0-9]*\).*/\1/p')
adopted=$(echo "$st" | sed -n 's/.*"adopted": \([0-9]*\).*/\1/p')
[ $behind = 0 ] && ok "the restarted node holds the 100 transfers it missed (catch-up ${caught:-?}, chain sync ${adopted:-?})" \
  || bad "restarted node still misses $behind of 100 transfers (catch-up ${caught:-?}, chain sync ${adopted:-?})"

# Every token's head, read through a node that did not submit it: bob owns it.
wrong=0
for k in $(seq 0 99); do
  tid=$(awk '{print $1}' "x$k.out")
  out=$("$EC" get token "t-$k" --node "${EP[$(( (k + 3) % N ))]}" --json 2>/dev/null)
  echo "$out" | grep -q "\"tx\": \"$tid\"" || wrong=$((wrong + 1))
done
[ $wrong = 0 ] && ok "every head read back through another node is the transfer" || bad "$wrong heads wrong"

# The same, sessionless (one datagram each way, a ticket binds the answer).
wrong=0
for k in $(seq 0 19); do
  tid=$(awk '{print $1}' "x$k.out")
  out=$("$EC" get token "t-$k" --node "${EP[$(( (k + 5) % N ))]}" --sessionless --json 2>/dev/null)
  echo "$out" | grep -q "\"tx\": \"$tid\"" && echo "$out" | grep -q '"answerer"' || wrong=$((wrong + 1))
done
[ $wrong = 0 ] && ok "20 heads read sessionless match the transfers" || bad "$wrong sessionless heads wrong"

# Garbage and a replayed datagram at node 0: counted, and it still serves.
port0=$(sport 0)
python3 - "${EP[0]}" <<'PY'
import os, socket, sys
host, port = sys.argv[1].rsplit(":", 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(300):
    s.sendto(os.urandom(i % 1400 + 1), (host, int(port)))
for t in (1, 2, 3, 4):  # right header, wrong everything else
    s.sendto(bytes([1, 0, t, 0]) + os.urandom(200), (host, int(port)))
PY
sleep 0.5
drops=$(http "http://127.0.0.1:$port0/metrics" | awk '/^ec_drops_total/ {s += $2} END {print s + 0}')
[ "${drops:-0}" -ge 300 ] && ok "garbage counted as drops ($drops)" || bad "garbage drops: ${drops:-none}"
"$EC" get token "t-0" --node "${EP[0]}" >/dev/null && ok "node 0 still serves after garbage" || bad "node 0 after garbage"

# Replayed traffic: a client talks to node 0 through a relay that sends
# every datagram twice and, at the end, all of them once more. The node
# answers once (its replay window and INIT timestamps drop the copies,
# counted) and the submission still commits.
"$EC" tx create --key alice.key --name "replayed" --out r.tx >/dev/null
python3 - "${EP[0]}" "$T/relay.port" <<'PY' &
import select, socket, sys, time
host, port = sys.argv[1].rsplit(":", 1)
node = (host, int(port))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)   # the client's side
s.bind(("127.0.0.1", 0))
n = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)   # the node's side
open(sys.argv[2], "w").write(str(s.getsockname()[1]))
client, seen, end = None, [], time.time() + 20
while time.time() < end:
    r, _, _ = select.select([s, n], [], [], 0.2)
    for sock in r:
        data, addr = sock.recvfrom(2048)
        if sock is s:
            client = addr
            n.sendto(data, node); n.sendto(data, node)   # twice
            seen.append(data)
        elif client:
            s.sendto(data, client)
    if client and seen and not r and time.time() > end - 15:
        for d in seen: n.sendto(d, node)                # all again
        seen = []
PY
RELAY=$!
for _ in $(seq 1 50); do [ -s "$T/relay.port" ] && break; sleep 0.1; done
before=$(http "http://127.0.0.1:$port0/metrics" | awk '/reason="(replay|init_replay|init_flood)"/ {s += $2} END {print s + 0}')
"$EC" submit r.tx --node "127.0.0.1:$(cat "$T/relay.port")" --wait --timeout 20 >/dev/null 2>"$T/relay.err" \
  && ok "a submission through a replaying relay commits" || { bad "submission through the relay"; cat "$T/relay.err" >&2; }
sleep 6
after=$(http "http://127.0.0.1:$port0/metrics" | awk '/reason="(replay|init_replay|init_flood)"/ {s += $2} END {print s + 0}')
kill $RELAY 2>/dev/null; wait $RELAY 2>/dev/null
[ $((after - before)) -ge 3 ] && ok "replayed datagrams dropped and counted ($((after - before)))" \
  || bad "replays counted: $before -> $after"

"$EC" devnet status --dir "$D" --json >"$T/status.json" && grep -q '"running": ' "$T/status.json" \
  && ok "devnet status --json" || bad "devnet status"
"$EC" devnet down --dir "$D" 2>/dev/null && ok "devnet down" || bad "devnet down"
kill "$RESTARTED" 2>/dev/null; wait "$RESTARTED" 2>/dev/null
left=0
for f in "$D"/node-*/node.json; do [ -f "$f" ] && left=$((left + 1)); done
[ $left = 0 ] && ok "no node left running" || bad "$left nodes left"

echo "devnet: $pass passed, $fail failed"
[ $fail = 0 ]
