#!/usr/bin/env bash
# bench/registry_scan.sh [N] -- time `dwhost list-plugins` over N plugins
# (default 200): copies of the regt_good test plugin with patched names.
# Run after a build:  bench/registry_scan.sh 500
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
n="${1:-200}"
build="${DWHOST_BUILD_DIR:-$root/build}"
src="$build/tests/registry/plugins/libsource_regt_good.so"
[ -f "$src" ] || { echo "bench: build first ($src missing)" >&2; exit 2; }
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
python3 - "$src" "$dir" "$n" <<'PY'
import sys
src, d, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(src, "rb").read()
for i in range(n):
    name = b"regt_%04d" % i  # same length as regt_good
    open(f"{d}/libsource_{name.decode()}.so", "wb").write(data.replace(b"regt_good", name))
PY
for mode in "" --activate; do
  /usr/bin/time -f "list-plugins $mode over $n plugins: %e s wall, %M KB max RSS" \
    env DWHOST_NO_DEFAULT_PLUGIN_DIR=1 "$build/dwhost" list-plugins $mode --plugin-dir "$dir" >/dev/null
done
