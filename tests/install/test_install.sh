#!/usr/bin/env bash
# cmake --install to a temp prefix; build one plugin with `pkg-config
# --cflags dwsdk` and one with find_package(dwsdk); the installed dwhost
# must list both.
set -euo pipefail
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
find "$prefix" -name "libdwhost.so*" | grep -q . || fail "libdwhost.so not installed"

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
echo "$out" | grep -q "^ext_cmake .* $plugins/libsource_ext_cmake.so$" || fail "ext_cmake not listed"
echo "$out" | grep -q "^ext_pc .* $plugins/libsource_ext_pc.so$" || fail "ext_pc not listed"
echo ok
