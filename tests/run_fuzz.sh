#!/usr/bin/env bash
# run_fuzz.sh <fuzzer> <seed corpus dir> <dict> <seconds> <work dir>
# Runs a libFuzzer binary for a bounded time over a copy of the seed corpus
# (new inputs land in the work dir, never in the source tree).  Fails on any
# crash, leak, timeout or sanitizer report; the reproducer is left in the
# work dir and named in the output.
set -euo pipefail
fuzzer="$1" seeds="$2" dict="$3" seconds="$4" work="$5"
mkdir -p "$work/corpus" "$work/artifacts"
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -dict="$dict" \
  -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$work/corpus" "$seeds"
