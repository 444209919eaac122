#!/usr/bin/env bash
# The examples as an author outside the tree builds them: cmake --install to
# a temporary prefix, then
#   examples/c     find_package(dwsdk) (CMake) and pkg-config (cc), -Werror
#   examples/cpp   find_package(dwsdk), C++17, -Wall -Wextra -Werror
#   examples/rust  cargo build --release --offline (std only; build.rs reads
#                  the installed dwsdk.h's ABI numbers through pkg-config)
# Each exports only dwhost_source, passes the installed plugin-audit and
# `dwhost conformance` over examples/data, and syncs into a warehouse; the
# three warehouses hold the same rows.
set -euo pipefail
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
fail() { echo "FAIL: $*" >&2; exit 1; }
src="$DWHOST_SOURCE_DIR/examples"

if ! command -v cargo >/dev/null; then
  echo "SKIP: cargo not found: install Rust 1.77 or newer (rustup.rs) to build examples/rust"
  exit 77
fi

cmake --install "$DWHOST_BUILD_DIR" --prefix "$prefix" >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "cmake --install"; }
export PKG_CONFIG_PATH="$(dirname "$(find "$prefix" -name dwsdk.pc | head -1)")"
plugins="$work/plugins"
mkdir -p "$plugins" "$work/pc"

# Plain builds, as a third party would make them (no sanitizer flags): the
# installed host (plain or ASan) must load them either way.
for lang in c cpp; do
  env -u CFLAGS -u CXXFLAGS -u LDFLAGS cmake -S "$src/$lang" -B "$work/$lang" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$work/$lang.log" 2>&1 || { cat "$work/$lang.log"; fail "examples/$lang: configure"; }
  cmake --build "$work/$lang" >>"$work/$lang.log" 2>&1 || { cat "$work/$lang.log"; fail "examples/$lang: build"; }
  if grep -i "warning" "$work/$lang.log"; then fail "examples/$lang built with warnings"; fi
  cp "$work/$lang/libsource_jsonl_$lang.so" "$plugins/"
done
# The C one with pkg-config too (the same flags the CMake package gives).
env -u CFLAGS cc -std=c11 -Wall -Wextra -Werror -shared -fPIC $(pkg-config --cflags dwsdk) "$src/c/jsonl.c" \
  -o "$work/pc/libsource_jsonl_c.so" -Wl,--no-undefined -Wl,--version-script="$(pkg-config --variable=exportmap dwsdk)" || fail "examples/c with pkg-config"
cmp -s <(nm -D --defined-only "$work/pc/libsource_jsonl_c.so" | awk '{print $3}') <(echo dwhost_source) \
  || fail "examples/c (pkg-config) exports more than dwhost_source"

# Rust: a copy of the crate (cargo writes Cargo.lock beside it), no network
# (no crates), the header found through PKG_CONFIG_PATH only.
cp -r "$src/rust" "$work/rust-src"
rm -rf "$work/rust-src/target" "$work/rust-src/Cargo.lock"
(cd "$work/rust-src" && env -u RUSTFLAGS -u DWSDK_INCLUDE_DIR CARGO_TARGET_DIR="$work/rust" \
  cargo build --release --offline --quiet) >"$work/rust.log" 2>&1 || { cat "$work/rust.log"; fail "examples/rust: cargo build"; }
if grep -i "warning" "$work/rust.log"; then fail "examples/rust built with warnings"; fi
cp "$work/rust/release/libsource_jsonl_rust.so" "$plugins/"

# build.rs refuses a header of another ABI (one line naming both).
sed 's/^#define DW_ABI_MAJOR 1$/#define DW_ABI_MAJOR 2/' "$prefix/include/dwsdk.h" >"$work/dwsdk.h"
set +e
(cd "$work/rust-src" && CARGO_TARGET_DIR="$work/rust2" DWSDK_INCLUDE_DIR="$work" cargo build --release --offline --quiet) \
  >"$work/rust2.log" 2>&1
rc=$?
set -e
[ "$rc" != 0 ] || fail "examples/rust built against an ABI 2.x header"
grep -Eq "dwsdk.h is ABI 2\.[0-9]+; src/dwsdk.rs is written for 1\.8" "$work/rust2.log" || { cat "$work/rust2.log"; fail "build.rs: no clear line"; }

echo "{\"path\": \"$src/data\", \"page_rows\": 100}" >"$work/config.json"
export DWHOST_NO_DEFAULT_PLUGIN_DIR=1
for lang in c cpp rust; do
  name="jsonl_$lang"
  so="$plugins/libsource_$name.so"
  exported="$(nm -D --defined-only "$so" | awk '{print $3}')"
  [ "$exported" = "dwhost_source" ] || fail "$name exports more than dwhost_source: $exported"
  # Rust's std: its init_array entry and syscall import are the runtime's (tools/audit/audit_runtime.h)
  out="$("$prefix/bin/dwhost-plugin-audit" "$so")" || fail "$name fails plugin-audit: $out"
  out="$("$prefix/bin/dwhost" conformance "$name" --plugin-dir "$plugins" --config "$work/config.json")" \
    || { echo "$out"; fail "$name fails dwhost conformance"; }
  echo "$out"
  for s in cities people; do
    for c in read full_refresh resume; do
      grep -q "^  PASS  $c:$s " <<<"$out" || fail "$name: $c:$s did not pass"
    done
  done
  out="$("$prefix/bin/dwhost" sync "$name" --plugin-dir "$plugins" --config "$work/config.json" \
    --warehouse "$work/$lang.db")" || { echo "$out"; fail "$name: sync exited $?"; }
done

# The same rows from all three (column order and types included).
python3 - "$work" <<'PY'
import sqlite3, sys
work = sys.argv[1]
def rows(lang, schema):
    db = sqlite3.connect("%s/%s.db" % (work, lang))
    cur = db.execute('select * from "jsonl_%s_%s" order by id' % (lang, schema))
    cols = [d[0] for d in cur.description if not d[0].startswith("_")]
    keep = [i for i, d in enumerate(cur.description) if not d[0].startswith("_")]
    return cols, [tuple(r[i] for i in keep) for r in cur.fetchall()]
for schema, n in (("cities", 7), ("people", 12)):
    c = rows("c", schema)
    if len(c[1]) != n:
        sys.exit("FAIL: jsonl_c_%s has %d rows, not %d" % (schema, len(c[1]), n))
    for lang in ("cpp", "rust"):
        if rows(lang, schema) != c:
            sys.exit("FAIL: jsonl_%s_%s differs from jsonl_c_%s" % (lang, schema, schema))
PY
echo ok
