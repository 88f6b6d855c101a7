# Sourced by the benchmarks: `pg_start PORT` starts a PostgreSQL of its own from Debian's
# `postgresql` (initdb + pg_ctl in a temporary directory, as the `postgres` account when run as
# root; fsync on, as a real server runs; PG_SERVER_OPTS adds `-c name=value` settings) and sets
# PG_BASE (postgres://regwatch@127.0.0.1:PORT);
# `pg_stop` stops it and removes the directory (unless PG_KEEP=1); `pg_db NAME` creates a database and prints its URL.
PG_BIN=$(dirname "$(readlink -f "$(command -v initdb 2>/dev/null || ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")")
pg_start() {
  PG_DIR=$(mktemp -d); PG_PORT=$1
  PG_AS=()
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$PG_DIR"; PG_AS=(runuser -u postgres --); fi
  "${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U regwatch -E UTF8 --no-locale -N >/dev/null
  "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 ${PG_SERVER_OPTS:-}" start >/dev/null
  PG_BASE=postgres://regwatch@127.0.0.1:$PG_PORT
}
pg_stop() {  # PG_KEEP=1: left running (to look at the database afterwards); its URL is printed
  [ -n "${PG_DIR:-}" ] || return 0
  if [ "${PG_KEEP:-0}" = 1 ]; then echo "pg.sh: PostgreSQL left running at $PG_BASE (data in $PG_DIR)" >&2; return 0; fi
  "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
  cp "$PG_DIR/log" "${TMPDIR:-/tmp}/regwatch-bench-pg.log" 2>/dev/null || true  # the server's log, kept
  rm -rf "$PG_DIR"; PG_DIR=
}
pg_db() {  # PG_SOCKET=1: the URL reaches the server over its Unix socket instead of TCP
  psql -q -h 127.0.0.1 -p "$PG_PORT" -U regwatch -d postgres -c "CREATE DATABASE $1"
  if [ "${PG_SOCKET:-0}" = 1 ]; then
    echo "postgres:///$1?host=$PG_DIR&port=$PG_PORT&user=regwatch"
  else
    echo "$PG_BASE/$1"
  fi
}
