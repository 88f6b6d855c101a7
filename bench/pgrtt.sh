#!/usr/bin/env bash
# usage: bench/pgrtt.sh — one statement's round trip on a local PostgreSQL (started by bench/pg.sh),
# over TCP and over the Unix socket: waited for, and pipelined (examples/pgrtt.rs).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
source "$REPO/bench/pg.sh"
pg_start "${PG_PORT:-55444}"
trap pg_stop EXIT
cargo build --release --quiet --example pgrtt --manifest-path "$REPO/Cargo.toml"
echo "TCP:";    "$REPO/target/release/examples/pgrtt" "$PG_BASE/postgres"
echo "socket:"; "$REPO/target/release/examples/pgrtt" "host=$PG_DIR port=$PG_PORT user=regwatch dbname=postgres"
