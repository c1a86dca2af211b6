#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for trying the validator on PostgreSQL by hand:
# initdb into a temp dir, start on a free loopback port (as the `postgres` user when run as root),
# print its URL, and stop and remove everything on Ctrl-C. The tests start their own clusters
# (packages/validator/src/storage/testing/postgresServer.ts) and do not need this script.
#
#   bash scripts/postgres/start-test-server.sh
#   SUBNET_VALIDATOR_DATABASE_URL=<printed URL> pnpm validator keys list
set -euo pipefail

bin="${PG_BIN_DIR:-}"
if [[ -z "$bin" ]]; then
  newest="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [[ -n "$newest" && -x "$newest/initdb" ]]; then
    bin="$newest"
  elif command -v initdb >/dev/null 2>&1; then
    bin="$(dirname "$(command -v initdb)")"
  fi
fi
if [[ -z "$bin" || ! -x "$bin/initdb" || ! -x "$bin/pg_ctl" ]]; then
  echo "postgres: initdb/pg_ctl not found; run: bash scripts/postgres/install.sh" \
    "(apt-get update && apt-get install -y postgresql), or set PG_BIN_DIR" >&2
  exit 1
fi

root="$(mktemp -d /tmp/validator-pg-XXXXXX)"
as=()
if [[ "$(id -u)" -eq 0 ]]; then
  chown postgres: "$root"
  as=(runuser -u postgres --)
fi
port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"

stop() {
  "${as[@]}" "$bin/pg_ctl" stop -D "$root/data" -m fast -w >/dev/null 2>&1 || true
  rm -rf "$root"
  echo "postgres: stopped and removed $root" >&2
}
trap stop EXIT
trap 'exit 0' INT TERM

"${as[@]}" "$bin/initdb" -D "$root/data" -U postgres --auth=trust -E UTF8 -N >/dev/null
"${as[@]}" "$bin/pg_ctl" start -D "$root/data" -l "$root/server.log" -w -t 60 \
  -o "-p $port -k $root -c listen_addresses=127.0.0.1" >/dev/null

echo "postgres://postgres@127.0.0.1:$port/postgres"
echo "postgres: running from $root (log: $root/server.log); Ctrl-C stops it" >&2
while true; do sleep 3600 & wait $!; done
