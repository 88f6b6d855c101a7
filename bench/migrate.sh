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
source "$REPO/bench/pg.sh"
pg_start "${PORT:-55439}"
trap pg_stop EXIT
n=0
for store in "$@"; do
  n=$((n + 1))
  # A copy: migrate reads stores of the current schema version; opening one upgrades it.
  cp "$store" "$PG_DIR/store$n.db"
  "$REGWATCH" --db "$PG_DIR/store$n.db" sources >/dev/null 2>&1 || true
  url=$(pg_db "m$n")
  printf '%-60s %8s bytes  ' "$store" "$(stat -c %s "$store")"
  /usr/bin/time -f '%e s  %M KB peak' "$REGWATCH" migrate --from "$PG_DIR/store$n.db" \
    --to "$url" 2>&1 >/dev/null | tail -1
done
