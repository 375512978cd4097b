#!/usr/bin/env python3
"""Checks the layering the guide asks for, on the source itself.

1. Folders: a file in src/<layer>/ includes only headers of its own layer or
   of a lower one (base < crypto < wire < ledger < core < {net, sim} < cli;
   net and sim are sibling drivers and never include each other).
2. Inside src/core: the module map in src/core/node_internal.h (the lines
   after "Module map") orders the modules; a function defined in one module
   is called only by that module or by modules further down the map (node.c
   and its helpers excepted: logging, timers and RTT glue are called from
   anywhere, and node.c itself calls everything).

Prints each violation and exits 1; exits 0 with a count of what it checked.
It refuses to pass on nothing: fewer than 20 core modules or 100
cross-module calls found means the parser broke, and that fails too.
"""
import os
import re
import sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
src = os.path.join(root, "src")
bad = []

# ---- 1. folders ----------------------------------------------------------
rank = {"base": 0, "crypto": 1, "wire": 2, "ledger": 3, "core": 4, "net": 5, "sim": 5, "cli": 6}
includes = 0
for layer in sorted(os.listdir(src)):
    if layer not in rank:
        bad.append(f"src/{layer}: a folder the layer list does not know")
        continue
    for f in sorted(os.listdir(os.path.join(src, layer))):
        if not f.endswith((".c", ".h")):
            continue
        text = open(os.path.join(src, layer, f), encoding="utf-8").read()
        for inc in re.findall(r'^#include "([a-z0-9_]+)/[^"]+"', text, re.M):
            includes += 1
            if inc not in rank:
                bad.append(f"src/{layer}/{f}: includes unknown layer {inc}/")
            elif inc != layer and rank[inc] >= rank[layer]:
                bad.append(f"src/{layer}/{f}: includes {inc}/ (a higher or sibling layer)")

# ---- 2. core modules -----------------------------------------------------
core = os.path.join(src, "core")
hdr = open(os.path.join(core, "node_internal.h"), encoding="utf-8").read()
m = re.search(r"Module map.*?\*/", hdr, re.S)
if not m:
    print("check_layers: no module map in src/core/node_internal.h", file=sys.stderr)
    sys.exit(1)
order = []
for line in m.group(0).splitlines():
    line = re.sub(r"\(\+ ([^)]*)\)", r"\1", line)  # "(+ peers.c rtt.c)"
    order += re.findall(r"([a-z_]+)\.c", line)
pos = {mod: i for i, mod in enumerate(order)}
glue = {"node"}  # node.c: dispatch on top, helpers for all

defs = {}
srcs = {}
for f in sorted(os.listdir(core)):
    if not f.endswith(".c"):
        continue
    mod = f[:-2]
    text = open(os.path.join(core, f), encoding="utf-8").read()
    srcs[mod] = text
    for name in re.findall(r"^[a-z][\w \*]*?\b((?:ec_)?node_\w+)\(", text, re.M):
        defs[name] = mod
calls = 0
for mod, text in srcs.items():
    if mod not in pos and mod not in glue:
        continue  # node_check.c, node_config.c, vote_sig.c: leaves
    for name in sorted(set(re.findall(r"\b((?:ec_)?node_\w+)\(", text))):
        d = defs.get(name)
        if d is None or d == mod:
            continue
        calls += 1
        if d in glue or mod in glue or d not in pos:
            continue
        if pos[d] > pos[mod]:
            bad.append(f"src/core/{mod}.c calls {name}() of {d}.c, which comes later in the map (a higher layer)")

if len(order) < 20 or calls < 100:
    bad.append(f"parser found only {len(order)} core modules and {calls} cross-module calls")
for b in bad:
    print("FAIL", b)
if bad:
    sys.exit(1)
print(f"ok   {includes} includes across {len(rank)} layers, "
      f"{len(order)} core modules, {calls} cross-module calls: no call goes up")
