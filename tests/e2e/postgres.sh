#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback for the seed scenario, in the folder $E2E_PGDATA (made
# by the caller, e.g. with mktemp -d). `start` prints the port it listens on and leaves it running;
# `stop` removes it. Needs Debian's postgresql package.
set -euo pipefail

DATA="${E2E_PGDATA:?E2E_PGDATA must name a fresh folder for the cluster}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$BIN/initdb" ] || { echo "postgres.sh: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }

# initdb and postgres refuse to run as root.
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# A port the kernel says is free now. It is in the ephemeral range, so an outgoing connection may
# take it before the server binds: start tries again on a new one when the bind fails.
free_port() {
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'
}

case "${1:-}" in
  start)
    mkdir -p "$DATA"
    [ "$(id -u)" = 0 ] && chown postgres "$DATA"
    as_postgres "$BIN/initdb" -D "$DATA/cluster" -U postgres --auth=trust -E UTF8 >/dev/null
    for attempt in 1 2 3 4 5; do
      port="$(free_port)"
      if as_postgres "$BIN/pg_ctl" -D "$DATA/cluster" -l "$DATA/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$DATA" start >/dev/null; then
        break
      fi
      if [ "$attempt" = 5 ] || ! grep -q "could not bind" "$DATA/server.log"; then
        cat "$DATA/server.log" >&2
        exit 1
      fi
      echo "postgres.sh: port $port was taken before PostgreSQL bound it; trying another" >&2
    done
    psql -h 127.0.0.1 -p "$port" -U postgres -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE DATABASE shim_e2e;
\c shim_e2e
CREATE TABLE tools_seen (id serial PRIMARY KEY, name text NOT NULL);
INSERT INTO tools_seen (name) VALUES ('pg_execute_query'), ('pg_execute_mutation');
SQL
    echo "$port"
    ;;
  stop)
    if [ -f "$DATA/cluster/postmaster.pid" ]; then as_postgres "$BIN/pg_ctl" -D "$DATA/cluster" -m fast -w stop >/dev/null; fi
    rm -rf "$DATA"
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
