#!/usr/bin/env bash
# bench/read_throughput.sh [ROWS] -- times `dwhost read` to /dev/null:
# the pager test source (ROWS rows, pages of 1000) and the files connector
# on generated CSV and JSON Lines files of ROWS/2 rows each (default ROWS
# 1000000).  Prints seconds and max RSS.  Run after a build.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rows="${1:-1000000}"
build="${DWHOST_BUILD_DIR:-$root/build}"
[ -x "$build/dwhost" ] || { echo "bench: build first ($build/dwhost missing)" >&2; exit 2; }
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
half=$((rows / 2))
python3 - "$dir" "$half" <<'PY'
import json, sys
d, n = sys.argv[1], int(sys.argv[2])
with open(f"{d}/big.csv", "w") as f:
    f.write("id,name,email,amount,note,updated_at\n")
    for i in range(n):
        f.write(f'{i},"Name {i}, Jr.",user{i}@example.com,{i*1.5:.2f},"a ""quoted"" note",2024-01-01T00:00:{i%60:02d}Z\n')
with open(f"{d}/big.jsonl", "w") as f:
    for i in range(n):
        f.write(json.dumps({"id": i, "name": f"Name {i}", "email": f"user{i}@example.com", "amount": i * 1.5,
                            "tags": ["a", "b"], "updated_at": "2024-01-01T00:00:00Z"}) + "\n")
PY
echo "{\"total_rows\":$rows,\"page_rows\":1000}" >"$dir/pager.json"
echo "{\"directory\":\"$dir\"}" >"$dir/files.json"
t() { /usr/bin/time -f "$1: %e s, %M KB max RSS" "${@:2}" >/dev/null; }
t "pager $rows rows" "$build/dwhost" read pager --plugin-dir "$build/test-plugins" --config "$dir/pager.json" --schema items
t "files CSV $half rows ($(du -h "$dir/big.csv" | cut -f1))" "$build/dwhost" read files --plugin-dir "$build/plugins" \
  --config "$dir/files.json" --schema big_csv
t "files JSONL $half rows ($(du -h "$dir/big.jsonl" | cut -f1))" "$build/dwhost" read files --plugin-dir "$build/plugins" \
  --config "$dir/files.json" --schema big_jsonl
