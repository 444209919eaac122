#!/usr/bin/env bash
# dwhost-new-source --standalone, as installed: the project it writes
# builds outside the tree against the installed SDK only (-Werror, plain
# flags), its tests/config.json validates as it is (no placeholder), and
# its two ctests pass with dwhost not on PATH: structural conformance and
# every check against its fake API.  The plugin passes plugin-audit.  A
# non-empty DIR and a missing DIR are refused in one line.
set -euo pipefail
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$DWHOST_BUILD_DIR" --prefix "$prefix" >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "cmake --install"; }
new="$prefix/bin/dwhost-new-source"
[ -x "$new" ] || fail "dwhost-new-source not installed in bin/"
clean_path="$(echo "$PATH" | tr ':' '\n' | while read -r d; do [ -x "$d/dwhost" ] || echo "$d"; done | paste -sd:)"
export PATH="$clean_path"

proj="$work/acme_orders"
out="$("$new" --standalone acme_orders "$proj")" || fail "dwhost-new-source exited $?: $out"
for f in CMakeLists.txt README.md source.c settings.c acme_orders.c acme_orders.h acme_orders_config.h \
         acme_orders_config.c tests/config.json tests/conformance.json tests/fake_api.py; do
  [ -f "$proj/$f" ] || fail "the standalone scaffold lacks $f"
done
grep -q '^project(acme_orders ' "$proj/CMakeLists.txt" || fail "no project() in CMakeLists.txt"
grep -q 'find_package(dwsdk' "$proj/CMakeLists.txt" || fail "no find_package(dwsdk)"
grep -q '_GNU_SOURCE' "$proj/CMakeLists.txt" || fail "no _GNU_SOURCE"
if grep -q '@' "$proj/tests/config.json"; then fail "tests/config.json holds a placeholder"; fi
if grep -rq 'plugins/common\|dwhost_add_plugin\|CMAKE_SOURCE_DIR}/sdk' "$proj"; then fail "the scaffold refers to the dwhost tree"; fi

# Refusals: one line each, documented exit codes.
set +e
"$new" --standalone acme_orders "$proj" >/dev/null 2>"$work/e1"; rc1=$?
"$new" --standalone acme_orders >/dev/null 2>"$work/e2"; rc2=$?
set -e
[ "$rc1" = 1 ] && [ "$(wc -l <"$work/e1")" = 1 ] && grep -q "$proj exists and is not an empty directory" "$work/e1" \
  || fail "a non-empty DIR: exit $rc1: $(cat "$work/e1")"
[ "$rc2" = 2 ] && [ "$(wc -l <"$work/e2")" = 1 ] && grep -q "DIR goes with --standalone" "$work/e2" \
  || fail "--standalone without DIR: exit $rc2: $(cat "$work/e2")"

env -u CFLAGS -u LDFLAGS cmake -S "$proj" -B "$proj/build" -DCMAKE_PREFIX_PATH="$prefix" >"$work/cm.log" 2>&1 \
  || { cat "$work/cm.log"; fail "configure the standalone project"; }
cmake --build "$proj/build" >>"$work/cm.log" 2>&1 || { cat "$work/cm.log"; fail "build the standalone project"; }
if grep -i "warning" "$work/cm.log"; then fail "the standalone project built with warnings"; fi
so="$proj/build/plugins/libsource_acme_orders.so"
"$prefix/bin/dwhost-plugin-audit" "$so" >/dev/null || fail "the scaffold fails plugin-audit"
(cd "$proj/build" && env -u DWHOST_BIN DWHOST_NO_DEFAULT_PLUGIN_DIR=1 ctest --output-on-failure -V) >"$work/ctest.log" 2>&1 \
  || { cat "$work/ctest.log"; fail "the standalone project's ctests"; }
grep -q "PASS  resume:items" "$work/ctest.log" || { cat "$work/ctest.log"; fail "full conformance did not check resume"; }
grep -q " 0 failed, 0 skipped" "$work/ctest.log" || { cat "$work/ctest.log"; fail "a check failed or was skipped"; }
echo ok
