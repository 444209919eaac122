#!/usr/bin/env bash
# tools/deps.sh -- installs the Debian packages dwhost needs, only those missing.
# Run by tools/test and tools/demo; safe to run on its own.
set -euo pipefail
DWHOST_DEPS=(build-essential cmake pkg-config clang libclang-rt-14-dev
  libcurl4-openssl-dev libjson-c-dev libhiredis-dev libsqlite3-dev libffi-dev libyajl-dev libcmocka-dev
  libcsv-dev libssl-dev libmicrohttpd-dev redis-server python3 sqlite3 binutils libpq-dev postgresql)
missing=()
for p in "${DWHOST_DEPS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  # a line per step and per package (an install takes minutes on a fresh
  # machine); apt's whole output is printed if it fails
  echo "dwhost: installing ${#missing[@]} missing packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  log="$(mktemp "${TMPDIR:-/tmp}/dwhost-deps.XXXXXX")"
  trap 'rm -f "$log"' EXIT
  echo "dwhost: apt-get update (the package lists)"
  if ! $SUDO apt-get update -q >"$log" 2>&1; then
    cat "$log"; echo "dwhost: apt-get update failed (output above)" >&2; exit 1
  fi
  echo "dwhost: apt-get install (a line per package as it is set up)"
  if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" 2>&1 |
      tee "$log" | { grep --line-buffered '^Setting up ' || true; } | sed -u 's/^/  /'; then
    cat "$log"; echo "dwhost: installing the packages failed (output above)" >&2; exit 1
  fi
  echo "dwhost: packages installed"
fi
