#!/usr/bin/env bash
# meson install into a temporary root: the tool, libec with its headers
# and pkg-config file, and the example unit and config; then a program
# built only from what was installed (pkg-config) links and runs.
set -u
B=${BUILD_ROOT:?BUILD_ROOT must point to the build directory}
T=$(mktemp -d "${TMPDIR:-/tmp}/ec-test-install-XXXXXX")
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1" >&2; }

meson install -C "$B" --destdir "$T/root" --no-rebuild >"$T/log" 2>&1 && ok "meson install" \
  || { bad "meson install"; tail "$T/log" >&2; }
prefix=$(meson introspect "$B" --buildoptions | python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"][0])')
R="$T/root$prefix"
[ -x "$R/bin/ec" ] && "$R/bin/ec" --version | grep -q '^ec ' && ok "bin/ec runs" || bad "bin/ec"
[ -f "$R/share/doc/ec/examples/ec-node.service" ] && ok "example systemd unit" || bad "example unit"
[ -f "$R/share/doc/ec/examples/node.ini" ] && "$R/bin/ec" node --config "$R/share/doc/ec/examples/node.ini" --print-config >/dev/null \
  && ok "example config is one ec node accepts" || bad "example config"
pc=$(find "$R" -name ec.pc | head -1)
[ -n "$pc" ] && ok "pkg-config file" || bad "pkg-config file"
cat >"$T/prog.c" <<'C'
#include <stdio.h>
#include "core/node.h"
#include "net/daemon.h"
int main(void)
{
    ec_node_config c;
    ec_node_config_default(&c);
    ec_daemon_config d;
    ec_daemon_config_default(&d);
    const char *why = NULL;
    if (ec_node_config_check(&c, &why) != EC_OK) return 1;
    printf("w=%u quorum=%u\n", c.w, c.quorum);
    return 0;
}
C
# A sanitizer build installs an instrumented libec: the program needs the same.
san=$(meson introspect "$B" --buildoptions | python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="b_sanitize"][0])')
[ "$san" != none ] && sanflag="-fsanitize=$san" || sanflag=""
flags=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --define-variable=prefix="$R" --cflags --libs ec 2>"$T/pcerr")
cc $sanflag -o "$T/prog" "$T/prog.c" $flags 2>"$T/ccerr" && ok "a program builds from the installed headers and library" \
  || { bad "build against the install"; cat "$T/pcerr" "$T/ccerr" >&2; }
[ -x "$T/prog" ] && "$T/prog" | grep -q '^w=8 quorum=5$' && ok "and runs" || bad "installed program runs"
echo "install: $pass passed, $fail failed"
[ "$fail" = 0 ]
