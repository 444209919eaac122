#!/usr/bin/env bash
# cmake --install to a temp prefix (not the configured one); build one
# plugin with `pkg-config --cflags dwsdk` and one with find_package(dwsdk);
# the installed dwhost must list both, and find its own installed plugins
# without being told where.  Then build a tiny embedding program against
# libdwhost with `pkg-config dwhost` (shared and static) and with
# find_package(dwhost), and run each.
set -euo pipefail
# (no `producer | grep -q` below, not even `echo "$out" | grep -q`: grep -q exits at the first match, the producer
# can then die of SIGPIPE, and pipefail turns that into a spurious failure)
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$DWHOST_BUILD_DIR" --prefix "$prefix" >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "cmake --install"; }
pc="$(find "$prefix" -name dwsdk.pc | head -1)"
[ -n "$pc" ] || fail "dwsdk.pc not installed"
[ -f "$prefix/include/dwsdk.h" ] || fail "dwsdk.h not installed"
[ -f "$prefix/include/dwhost.h" ] || fail "dwhost.h not installed"
[ -x "$prefix/bin/dwhost" ] || fail "dwhost not installed"
find "$prefix" -name "libdwhost.so*" | grep . >/dev/null || fail "libdwhost.so not installed"
# The docs, as in the source tree, under share/doc/dwhost (docs/install.md).
doc="$prefix/share/doc/dwhost"
for f in README.md LICENSE CHANGELOG.md SOURCES.md docs/README.md docs/cli/sync.md docs/cli/exit-codes.md \
         docs/writing-a-connector/sdk.md docs/form-json.md; do
  cmp -s "$DWHOST_SOURCE_DIR/$f" "$doc/$f" || fail "$f not installed as $doc/$f (or it differs from the source tree's)"
done
# dwhost(1) and the bash completion, generated from the option tables
[ -f "$prefix/share/man/man1/dwhost.1" ] || fail "share/man/man1/dwhost.1 not installed"
grep -F -- '\-\-plugin\-dir' "$prefix/share/man/man1/dwhost.1" >/dev/null || fail "dwhost.1 lacks --plugin-dir"
[ -f "$prefix/share/bash-completion/completions/dwhost" ] || fail "bash completion not installed"
cmp -s "$prefix/share/bash-completion/completions/dwhost" <("$prefix/bin/dwhost" completion bash) \
  || fail "the installed completion is not what the installed dwhost generates"
# the build tree's marker is never installed: an installed dwhost does not
# take <bindir>/plugins for a build tree's
[ ! -e "$prefix/bin/dwhost-build-tree.txt" ] || fail "the build tree marker was installed"

plugins="$work/plugins"
mkdir -p "$plugins"

# 1. pkg-config, from the temp prefix (dwsdk.pc is relocatable).
cflags="$(PKG_CONFIG_PATH="$(dirname "$pc")" pkg-config --cflags dwsdk)"
case "$cflags" in *"$prefix"*) ;; *) fail "pkg-config --cflags dwsdk points outside the prefix: $cflags" ;; esac
cc -std=c11 -Wall -Wextra -Werror -Wno-unused-parameter -shared -fPIC $cflags -DEXT_NAME='"ext_pc"' \
  "$here/ext_plugin.c" -o "$plugins/libsource_ext_pc.so" -Wl,--no-undefined || fail "pkg-config build"

# 2. find_package(dwsdk).
mkdir -p "$work/cm"
cat >"$work/cm/CMakeLists.txt" <<CM
cmake_minimum_required(VERSION 3.20)
project(ext_cmake C)
find_package(dwsdk REQUIRED)
add_library(source_ext_cmake MODULE "$here/ext_plugin.c")
set_target_properties(source_ext_cmake PROPERTIES PREFIX "lib" LIBRARY_OUTPUT_DIRECTORY "$plugins")
target_compile_definitions(source_ext_cmake PRIVATE EXT_NAME="ext_cmake")
target_link_libraries(source_ext_cmake PRIVATE dwsdk::dwsdk)
CM
# A plain (non-sanitizer) build, as a third party would do.
env -u CFLAGS -u LDFLAGS cmake -S "$work/cm" -B "$work/cm/build" -DCMAKE_PREFIX_PATH="$prefix" >"$work/cm.log" 2>&1 \
  || { cat "$work/cm.log"; fail "find_package(dwsdk) configure"; }
cmake --build "$work/cm/build" >>"$work/cm.log" 2>&1 || { cat "$work/cm.log"; fail "find_package build"; }

# Only dwhost_source is exported.
exported="$(nm -D --defined-only "$plugins/libsource_ext_cmake.so" | awk '$2 ~ /[A-Z]/ && $3 !~ /^_/ {print $3}')"
[ "$exported" = "dwhost_source" ] || fail "find_package plugin exports more than dwhost_source: $exported"

out="$(DWHOST_NO_DEFAULT_PLUGIN_DIR=1 "$prefix/bin/dwhost" list-plugins --plugin-dir "$plugins")" \
  || fail "installed dwhost list-plugins exited $?: $out"
echo "$out"
grep -q "^ext_cmake .* $plugins/libsource_ext_cmake.so$" <<<"$out" || fail "ext_cmake not listed"
grep -q "^ext_pc .* $plugins/libsource_ext_pc.so$" <<<"$out" || fail "ext_pc not listed"

# 3. The installed dwhost finds its own installed plugins (the prefix
#    differs from the configured one), and so does libdwhost.so.
unset DWHOST_PLUGIN_PATH DWHOST_NO_DEFAULT_PLUGIN_DIR
out="$("$prefix/bin/dwhost" list-plugins)" || fail "installed dwhost list-plugins (default dir) exited $?: $out"
for s in files github stripe; do
  grep -q "^$s .* $prefix/lib/dwhost/plugins/libsource_$s.so$" <<<"$out" || fail "default dir: $s not listed: $out"
done
json="$("$prefix/bin/dwhost" list-plugins --json)"
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["dirs"]==[sys.argv[2]], d["dirs"]' \
  "$json" "$prefix/lib/dwhost/plugins" || fail "default dir is not $prefix/lib/dwhost/plugins"
grep -q 'DWSDK_PLUGIN_DIR "${PACKAGE_PREFIX_DIR}/lib/dwhost/plugins"' "$prefix/lib/cmake/dwsdk/dwsdkConfig.cmake" \
  || fail "dwsdkConfig.cmake's DWSDK_PLUGIN_DIR is not relocatable"
[ "$(PKG_CONFIG_PATH="$(dirname "$pc")" pkg-config --variable=plugindir dwsdk)" -ef "$prefix/lib/dwhost/plugins" ] \
  || fail "dwsdk.pc plugindir is not the installed plugin dir"
# A plugin directory holding nothing: exit 3 and one line saying where and what to do.
mkdir -p "$work/empty"
set +e
out="$(DWHOST_NO_DEFAULT_PLUGIN_DIR=1 "$prefix/bin/dwhost" list-plugins --plugin-dir "$work/empty" 2>"$work/err")"; rc=$?
set -e
[ "$rc" = 3 ] || fail "list-plugins with no plugins exited $rc, not 3"
grep -q "no plugins found in $work/empty; put libsource_<name>.so files there" "$work/err" || fail "no hint: $(cat "$work/err")"

# 4. Embedding programs.  When libdwhost was built with sanitizers (the
#    ASan pass), the program must be too, or the runtime refuses to load.
san=""
if readelf -d "$prefix/lib/libdwhost.so" | grep 'libasan' >/dev/null; then san="-fsanitize=address,undefined"; fi
data="$DWHOST_SOURCE_DIR/examples/files"
pcdir="$(dirname "$(find "$prefix" -name dwhost.pc | head -1)")"
[ -f "$pcdir/dwhost.pc" ] || fail "dwhost.pc not installed"
export PKG_CONFIG_PATH="$pcdir"
libs="$(pkg-config --libs dwhost)"
case "$libs" in *"-L$prefix/"*"-ldwhost"*) ;; *) fail "pkg-config --libs dwhost: $libs" ;; esac
static_libs="$(pkg-config --static --libs dwhost)"
for l in -ljson-c -lcurl -lhiredis -lsqlite3 -lffi -ldl; do
  case " $static_libs " in *" $l "*) ;; *) fail "pkg-config --static --libs dwhost lacks $l: $static_libs" ;; esac
done
libdir="$(cd "$(pkg-config --variable=libdir dwhost)" && pwd)"
# 4a. pkg-config, shared: finds the installed plugins through libdwhost.so's location.
cc -std=c11 -Wall -Wextra -Werror $san "$here/embed_app.c" -o "$work/app_pc" \
  $(pkg-config --cflags --libs dwhost) -Wl,-rpath,"$libdir" || fail "pkg-config dwhost build"
ldd "$work/app_pc" | grep "$prefix/lib/libdwhost.so" >/dev/null || fail "app_pc does not use the installed libdwhost.so"
out="$("$work/app_pc" "$data")" || fail "app_pc exited $?: $out"
[ "$out" = "files $prefix/lib/dwhost/plugins/libsource_files.so: 36 rows" ] || fail "app_pc: $out"
# 4b. libdwhost.a: dwhost.pc's Requires.private + Libs.private must resolve
#     everything it needs (linked against the shared system libraries here:
#     a fully static curl needs -dev packages of all its own dependencies).
reqs="$(pkg-config --print-requires-private dwhost | awk '{print $1}' | tr '\n' ' ')"
privs="$(pkg-config --static --libs dwhost | tr ' ' '\n' | grep -E '^-l(dl|pthread|m)$' | tr '\n' ' ')"
cc -std=c11 -Wall -Wextra -Werror $san "$here/embed_app.c" -o "$work/app_static" \
  $(pkg-config --cflags dwhost) "$libdir/libdwhost.a" $(pkg-config --libs $reqs) $privs \
  || fail "libdwhost.a with dwhost.pc's private requirements ($reqs$privs)"
if ldd "$work/app_static" | grep -q libdwhost; then fail "app_static still needs libdwhost.so"; fi
out="$("$work/app_static" "$data" "$prefix/lib/dwhost/plugins")" || fail "app_static exited $?: $out"
[ "$out" = "files $prefix/lib/dwhost/plugins/libsource_files.so: 36 rows" ] || fail "app_static: $out"
# 4c. find_package(dwhost) -> dwhost::dwhost.
mkdir -p "$work/emb"
cat >"$work/emb/CMakeLists.txt" <<CM
cmake_minimum_required(VERSION 3.20)
project(embed_app C)
find_package(dwhost 0.1 REQUIRED)
add_executable(embed_app "$here/embed_app.c")
target_compile_options(embed_app PRIVATE -Wall -Wextra -Werror)
target_link_libraries(embed_app PRIVATE dwhost::dwhost)
if(NOT DWHOST_PLUGIN_DIR STREQUAL "$prefix/lib/dwhost/plugins" OR NOT EXISTS "\${DWHOST_EXECUTABLE}")
  message(FATAL_ERROR "dwhostConfig: DWHOST_PLUGIN_DIR=\${DWHOST_PLUGIN_DIR} DWHOST_EXECUTABLE=\${DWHOST_EXECUTABLE}")
endif()
CM
env -u CFLAGS -u LDFLAGS cmake -S "$work/emb" -B "$work/emb/build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_FLAGS="$san" -DCMAKE_EXE_LINKER_FLAGS="$san" >"$work/emb.log" 2>&1 \
  || { cat "$work/emb.log"; fail "find_package(dwhost) configure"; }
cmake --build "$work/emb/build" >>"$work/emb.log" 2>&1 || { cat "$work/emb.log"; fail "find_package(dwhost) build"; }
out="$("$work/emb/build/embed_app" "$data")" || fail "find_package app exited $?: $out"
[ "$out" = "files $prefix/lib/dwhost/plugins/libsource_files.so: 36 rows" ] || fail "find_package app: $out"

# 5. Moving the whole installation keeps it working (nothing absolute).
mv "$prefix" "$work/moved"
prefix="$work/moved"
out="$("$prefix/bin/dwhost" list-plugins)" || fail "moved dwhost list-plugins exited $?: $out"
grep -q "^files .* $prefix/lib/dwhost/plugins/libsource_files.so$" <<<"$out" || fail "moved: files not listed: $out"
echo ok
