#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback for the seed scenario: `start` prints nothing and
# leaves it running on 127.0.0.1:$PGPORT; `stop` removes it. Needs Debian's postgresql package.
set -euo pipefail

PGPORT="${E2E_PGPORT:-55432}"
DATA="${E2E_PGDATA:-/tmp/mcp-model-shim-e2e-pg}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$BIN/initdb" ] || { echo "postgres.sh: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }

# initdb and postgres refuse to run as root.
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    "$0" stop >/dev/null 2>&1 || true
    mkdir -p "$DATA"
    [ "$(id -u)" = 0 ] && chown postgres "$DATA"
    as_postgres "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 >/dev/null
    as_postgres "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 30 \
      -o "-c listen_addresses=127.0.0.1 -c port=$PGPORT -c unix_socket_directories=$DATA" start >/dev/null
    psql -h 127.0.0.1 -p "$PGPORT" -U postgres -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE DATABASE shim_e2e;
\c shim_e2e
CREATE TABLE tools_seen (id serial PRIMARY KEY, name text NOT NULL);
INSERT INTO tools_seen (name) VALUES ('pg_execute_query'), ('pg_execute_mutation');
SQL
    ;;
  stop)
    if [ -f "$DATA/postmaster.pid" ]; then as_postgres "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null; fi
    rm -rf "$DATA"
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
