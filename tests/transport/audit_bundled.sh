#!/usr/bin/env bash
# Audits every bundled plugin (build/plugins/*.so): none may bypass the
# tracked transport.  usage: audit_bundled.sh AUDIT_BIN PLUGIN_DIR
set -euo pipefail
shopt -s nullglob
plugins=("$2"/*.so)
if ((${#plugins[@]} == 0)); then
  echo "plugin-audit: no bundled plugins in $2 (nothing to audit)"
  exit 0
fi
exec "$1" "${plugins[@]}"
