#!/usr/bin/env bash
# The docs' hello plugin, as a plugin author meets it: the ```c block of
# docs/writing-a-connector/sdk.md is extracted, built out of tree against the installed
# SDK with -Wall -Wextra -Werror (pkg-config dwsdk, as that page shows)
# and must pass the full `dwhost conformance` suite.  The same file built
# with find_package(dwsdk) + DwhostConformance.cmake must pass through
# ctest with dwhost NOT on PATH (the helper defaults to the installed one),
# and conformance-run names a missing dwhost in one line.
set -euo pipefail
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$DWHOST_BUILD_DIR" --prefix "$prefix" >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "cmake --install"; }

python3 - "$DWHOST_SOURCE_DIR/docs/writing-a-connector/sdk.md" "$work/hello.c" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
blocks = re.findall(r"```c\n(.*?)```", text, re.S)
hello = [b for b in blocks if "libsource_hello.so" in b]
if len(hello) != 1:
    sys.exit("%s: expected one ```c block with hello.c, found %d" % (sys.argv[1], len(hello)))
open(sys.argv[2], "w").write(hello[0])
PY

# The plugin is built without sanitizers, as a third party would: the
# installed host (plain or ASan) must load it either way.
export PKG_CONFIG_PATH="$(dirname "$(find "$prefix" -name dwsdk.pc | head -1)")"
mkdir -p "$work/plugins"
env -u CFLAGS cc -std=c11 -Wall -Wextra -Werror -shared -fPIC $(pkg-config --cflags dwsdk) "$work/hello.c" \
  -o "$work/plugins/libsource_hello.so" -Wl,--no-undefined 2>"$work/cc.log" \
  || { cat "$work/cc.log"; fail "the docs hello plugin does not build warning-free"; }
echo '{}' >"$work/hello.json"
out="$(DWHOST_NO_DEFAULT_PLUGIN_DIR=1 "$prefix/bin/dwhost" conformance hello --plugin-dir "$work/plugins" \
  --config "$work/hello.json")" || { echo "$out"; fail "the docs hello plugin fails dwhost conformance (exit $?)"; }
echo "$out"
grep -q "^  PASS  read:greetings " <<<"$out" || fail "hello: no passing read"
grep -q " 0 failed, " <<<"$out" || fail "hello: a check failed"

# find_package(dwsdk) + dwhost_add_conformance_test, dwhost not on PATH.
mkdir -p "$work/cm"
cat >"$work/cm/CMakeLists.txt" <<CM
cmake_minimum_required(VERSION 3.20)
project(hello C)
enable_testing()
find_package(dwsdk REQUIRED)
include(\${dwsdk_DIR}/DwhostConformance.cmake)
add_library(source_hello MODULE "$work/hello.c")
set_target_properties(source_hello PROPERTIES PREFIX "lib")
target_compile_options(source_hello PRIVATE -Wall -Wextra -Werror)
target_link_libraries(source_hello PRIVATE dwsdk::dwsdk)
dwhost_add_conformance_test(conformance_hello SOURCE hello CONFIG "$work/hello.json" PLUGIN_DIR \${CMAKE_BINARY_DIR})
CM
clean_path="$(echo "$PATH" | tr ':' '\n' | while read -r d; do [ -x "$d/dwhost" ] || echo "$d"; done | paste -sd:)"
env -u CFLAGS -u LDFLAGS PATH="$clean_path" cmake -S "$work/cm" -B "$work/cm/build" -DCMAKE_PREFIX_PATH="$prefix" \
  >"$work/cm.log" 2>&1 || { cat "$work/cm.log"; fail "hello find_package(dwsdk) configure"; }
cmake --build "$work/cm/build" >>"$work/cm.log" 2>&1 || { cat "$work/cm.log"; fail "hello find_package build"; }
(cd "$work/cm/build" && env -u DWHOST_BIN PATH="$clean_path" DWHOST_NO_DEFAULT_PLUGIN_DIR=1 ctest --output-on-failure) \
  >"$work/ctest.log" 2>&1 || { cat "$work/ctest.log"; fail "dwhost_add_conformance_test without dwhost on PATH"; }

# A missing dwhost: one line, exit 2, no traceback.
set +e
"$prefix/bin/dwhost-conformance-run" hello --config "$work/hello.json" --dwhost "$work/no/dwhost" >"$work/o" 2>"$work/e"
rc=$?
set -e
[ "$rc" = 2 ] || fail "conformance-run with a missing dwhost exited $rc, not 2"
[ "$(wc -l <"$work/e")" = 1 ] && grep -q "dwhost not found ($work/no/dwhost): pass --dwhost PATH" "$work/e" \
  || fail "conformance-run missing dwhost: $(cat "$work/e")"
echo ok
