#!/usr/bin/env bash
# usage: bench/pgschema.sh [RUNS] — milliseconds PostgreSQL takes to create regwatch's schema in
# a new database (examples/pgschema.rs, RUNS fresh databases, default 5), on a server of its own
# (bench/pg.sh) with its default `fsync = on` and again with `fsync = off`: what of a first
# check's fixed cost is the disk's (a new index's file is synced as it is built) and what is
# the server's own work.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${1:-5}
source "$REPO/bench/pg.sh"
cargo build --release --quiet --example pgschema --manifest-path "$REPO/Cargo.toml"
trap pg_stop EXIT
for fsync in on off; do
  PG_SERVER_OPTS="-c fsync=$fsync" pg_start "${PG_PORT:-55490}"
  times=()
  for i in $(seq "$RUNS"); do
    times+=("$("$REPO/target/release/examples/pgschema" "$(pg_db "schema$i")")")
  done
  pg_stop
  printf '%s\n' "${times[@]}" | sort -n | awk -v f="$fsync" \
    '{a[NR]=$1} END {printf "fsync = %-3s  median %s ms (%s–%s) of %d\n", f, a[int((NR+1)/2)], a[1], a[NR], NR}'
done
