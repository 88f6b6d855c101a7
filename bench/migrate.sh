#!/usr/bin/env bash
# usage: bench/migrate.sh STORE [STORE...]
# `regwatch migrate` into a local PostgreSQL of its own: starts one from Debian's `postgresql`
# (initdb + pg_ctl in a temporary directory, as the `postgres` account when run as root), copies
# each store into a fresh database and prints wall time and peak memory. The stores of
# `bench/compare.sh 1000` and `10000` are in $PEERS/run/compare-N-10/regwatch/regwatch.db.
# Needs: postgresql (bash .ci/deps), /usr/bin/time, cargo build --release.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
REGWATCH=${REGWATCH:-$REPO/target/release/regwatch}
BIN=$(dirname "$(readlink -f "$(command -v initdb 2>/dev/null || ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")")
DIR=$(mktemp -d)
PORT=${PORT:-55439}
as_pg=()
if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$DIR"; as_pg=(runuser -u postgres --); fi
"${as_pg[@]}" "$BIN/initdb" -D "$DIR/data" -A trust -U regwatch -E UTF8 --no-locale -N >/dev/null
"${as_pg[@]}" "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1" start >/dev/null
trap '"${as_pg[@]}" "$BIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null; rm -rf "$DIR"' EXIT
n=0
for store in "$@"; do
  n=$((n + 1))
  # A copy: migrate reads stores of the current schema version; opening one upgrades it.
  cp "$store" "$DIR/store$n.db"
  "$REGWATCH" --db "$DIR/store$n.db" sources >/dev/null 2>&1 || true
  psql -q -h 127.0.0.1 -p "$PORT" -U regwatch -d postgres -c "CREATE DATABASE m$n"
  printf '%-60s %8s bytes  ' "$store" "$(stat -c %s "$store")"
  /usr/bin/time -f '%e s  %M KB peak' "$REGWATCH" migrate --from "$DIR/store$n.db" \
    --to "postgres://regwatch@127.0.0.1:$PORT/m$n" 2>&1 >/dev/null | tail -1
done
