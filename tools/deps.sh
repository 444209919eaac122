#!/usr/bin/env bash
# tools/deps.sh -- installs the Debian packages dwhost needs, only those missing.
# Sourced by tools/test and tools/demo; safe to run on its own.
set -euo pipefail
DWHOST_DEPS=(build-essential cmake pkg-config clang libclang-rt-14-dev
  libcurl4-openssl-dev libjson-c-dev libhiredis-dev libsqlite3-dev libffi-dev libyajl-dev libcmocka-dev
  libcsv-dev libssl-dev redis-server python3 sqlite3 binutils)
missing=()
for p in "${DWHOST_DEPS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "dwhost: installing missing packages: ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
