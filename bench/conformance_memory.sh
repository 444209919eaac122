#!/usr/bin/env bash
# bench/conformance_memory.sh [ROWS] -- peak RSS and wall time of
# `dwhost conformance` on the pager test source (ROWS rows, pages of 1000;
# default 200000): with the default row cap (100000 per read), and with
# --max-rows 0 (every row).  Run after a plain (non-ASan) build; never a
# test.  Prints one line per run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rows="${1:-200000}"
build="${DWHOST_BUILD_DIR:-$root/build}"
[ -x "$build/dwhost" ] || { echo "bench: build first ($build/dwhost missing)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench: needs /usr/bin/time (GNU time: apt-get install time)" >&2; exit 2; }
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
echo "{\"total_rows\":$rows,\"page_rows\":1000}" >"$dir/pager.json"
run() { # <label> <extra args...>
  local label="$1"; shift
  # Exit 10 is expected: pager has no docs_url, so `descriptor` fails.
  /usr/bin/time -f "%e %M" -o "$dir/time" "$build/dwhost" conformance pager --plugin-dir "$build/test-plugins" \
    --config "$dir/pager.json" "$@" >"$dir/out" 2>&1 || [ $? -eq 10 ] || { cat "$dir/out"; exit 1; }
  # GNU time puts "Command exited with non-zero status 10" first.
  local secs kb read_line
  read -r secs kb < <(tail -n 1 "$dir/time")
  read_line="$(grep -E '^  (PASS|FAIL)  read:items' "$dir/out" | sed 's/  */ /g')"
  awk -v l="$label" -v s="$secs" -v k="$kb" -v r="$read_line" \
    'BEGIN { printf "%-26s %6.2f s %7.1f MB max RSS |%s\n", l, s, k / 1024, r }'
}
echo "dwhost conformance pager, $rows rows:"
run "default cap (100000)"
run "--max-rows 0 (every row)" --max-rows 0
