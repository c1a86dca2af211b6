#!/usr/bin/env bash
# Installs the PostgreSQL server binaries (initdb, pg_ctl, postgres) that the validator's storage
# tests start throwaway clusters with. Debian/Ubuntu; does nothing when they are already there.
set -euo pipefail

if [[ -n "${PG_BIN_DIR:-}" && -x "$PG_BIN_DIR/initdb" ]] \
  || compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null \
  || command -v initdb >/dev/null 2>&1; then
  exit 0
fi

sudo=()
if [[ "$(id -u)" -ne 0 ]]; then sudo=(sudo); fi
echo "postgres: installing the PostgreSQL server (apt-get install -y postgresql)" >&2
"${sudo[@]}" apt-get update -q >&2
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q postgresql >&2
