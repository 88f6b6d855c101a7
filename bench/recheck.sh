#!/usr/bin/env bash
# usage: bench/recheck.sh ROUNDS BIN [BIN…] — A/B of builds on the 1 % re-check alone, both stores.
# The peers' 1,000-page site (static files, nginx on 127.0.0.1, compare.sh's configuration from
# bench/config.sh) is checked once by each binary into a SQLite file and a PostgreSQL database of
# its own (bench/pg.sh; the database kept as a template), then 1 % of the pages change; each
# round restores every store to its state after that first check and times each binary's
# re-check on SQLite and on PostgreSQL in turn (milliseconds, the whole process), so that a
# noisy machine hurts every build alike and no round depends on the one before (compare.sh
# re-checks once per round, right after a first check that leaves the server busy). Prints, per
# binary, the medians, the ratio of the medians, the median of each round's own ratio and
# PostgreSQL's fastest run.
# Env: LOGRUN=FILTER: instead of rounds, one re-check of the first binary on each store with
#      REGWATCH_LOG=FILTER, the logs kept as $RUN/lite.log and $RUN/pg.log (with
#      PG_SERVER_OPTS="-c log_min_duration_statement=0", the server's times in
#      ${TMPDIR:-/tmp}/regwatch-bench-pg.log and their sum for the check printed);
#      RUN (work directory, default ${TMPDIR:-/tmp}/regwatch-recheck); PORT, PG_PORT (default
#      55450); compare.sh's PEERS_DIR.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
PEERS_DIR=${PEERS_DIR:-$REPO/../shared/bench/peers}
source "$PEERS_DIR/common.sh"
source "$REPO/bench/config.sh"
in_netns "$@"
[ $# -ge 2 ] || { echo "usage: bench/recheck.sh ROUNDS BIN [BIN…]" >&2; exit 2; }
ROUNDS=$1; shift
BINS=()
for b in "$@"; do BINS+=("$(readlink -f "$b")"); done
N=1000
RUN=${RUN:-${TMPDIR:-/tmp}/regwatch-recheck}
rm -rf "$RUN"; mkdir -p "$RUN"
SITE_DIR=$RUN/site
python3 "$HERE/serve.py" dump --n $N --state "$RUN/site.json" --out "$SITE_DIR" >/dev/null
cat >"$RUN/nginx.conf" <<CONF
worker_processes 1;
pid $RUN/nginx.pid;
error_log $RUN/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $RUN/body; proxy_temp_path $RUN/proxy; fastcgi_temp_path $RUN/fcgi;
  uwsgi_temp_path $RUN/uwsgi; scgi_temp_path $RUN/scgi;
  types { text/html html; }
  charset utf-8; sendfile on; if_modified_since before; keepalive_requests 1000000;
  server { listen 127.0.0.1:$PORT backlog=4096; root $SITE_DIR; }
}
CONF
nginx -c "$RUN/nginx.conf" -e "$RUN/error.log"
source "$REPO/bench/pg.sh"
pg_start "${PG_PORT:-55450}"
trap 'kill "$(cat "$RUN/nginx.pid")" 2>/dev/null || true; pg_stop' EXIT
for _ in $(seq 100); do curl -fsS -o /dev/null "$SITE/index.html" 2>/dev/null && break; sleep 0.1; done

sql() { psql -q -h 127.0.0.1 -p "$PG_PORT" -U regwatch -d postgres -c "$1"; }
check() { "$1" --config "$2" -q check --all --format json >/dev/null; }

# Each binary's first check, on each store; the states kept.
for i in "${!BINS[@]}"; do
  d=$RUN/b$i; mkdir -p "$d"
  bench_config 'path = "regwatch.db"' 10 >"$d/lite.toml"
  bench_config "url = \"$PG_BASE/w$i\"" 10 >"$d/pg.toml"
  sql "CREATE DATABASE w$i"
  (cd "$d" && check "${BINS[$i]}" lite.toml && cp regwatch.db first.db && rm -f regwatch.db-wal regwatch.db-shm)
  (cd "$d" && check "${BINS[$i]}" pg.toml)
  sql "CREATE DATABASE first$i TEMPLATE w$i"
done
python3 "$HERE/serve.py" mutate --state "$RUN/site.json" --fraction 0.01 --seed 1 >/dev/null
python3 "$HERE/serve.py" dump --n $N --state "$RUN/site.json" --out "$SITE_DIR" >/dev/null

restore() {  # usage: restore I — binary I's stores as its first check left them
  local d=$RUN/b$1
  rm -f "$d"/regwatch.db*; cp "$d/first.db" "$d/regwatch.db"
  sql "DROP DATABASE w$1"; sql "CREATE DATABASE w$1 TEMPLATE first$1"
  sync
}
if [ -n "${LOGRUN:-}" ]; then
  restore 0
  (cd "$RUN/b0" && REGWATCH_LOG=$LOGRUN "${BINS[0]}" --config lite.toml check --all --format json >/dev/null 2>"$RUN/lite.log")
  (cd "$RUN/b0" && REGWATCH_LOG=$LOGRUN "${BINS[0]}" --config pg.toml check --all --format json >/dev/null 2>"$RUN/pg.log")
  echo "logs: $RUN/lite.log $RUN/pg.log"
  # With the server's statement times logged: their sum for the check's connection (the last).
  python3 - "$PG_DIR/log" <<'SUM'
import re, sys
found = [re.search(r"\[(\d+)\] LOG:  duration: ([0-9.]+) ms", l) for l in open(sys.argv[1])]
found = [m for m in found if m]
if found:
    pid = found[-1].group(1)
    ms = [float(m.group(2)) for m in found if m.group(1) == pid]
    print(f"server: {sum(ms):.1f} ms over {len(ms)} protocol messages (parse, bind, execute)")
SUM
  exit 0
fi
ms() {  # usage: ms CMD… — the command's wall time in milliseconds
  local t0; t0=$(date +%s%N); "$@"; echo $(( ($(date +%s%N) - t0) / 1000000 ))
}
for r in $(seq "$ROUNDS"); do
  for i in "${!BINS[@]}"; do
    restore "$i"
    lite=$(cd "$RUN/b$i" && ms check "${BINS[$i]}" lite.toml)
    pg=$(cd "$RUN/b$i" && ms check "${BINS[$i]}" pg.toml)
    echo "$r $i $lite $pg"
  done
done >"$RUN/times"
python3 - "$RUN/times" "${BINS[@]}" <<'PY'
import collections, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    _, i, lite, pg = map(int, line.split())
    runs[i].append((lite, pg))
for i, v in sorted(runs.items()):
    lite, pg = [a for a, _ in v], [b for _, b in v]
    ml, mp = statistics.median(lite), statistics.median(pg)
    per_round = statistics.median(b / a for a, b in v)
    print(f"{sys.argv[2 + i]}: SQLite {ml:.0f} ms  PostgreSQL {mp:.0f} ms (fastest {min(pg)})  "
          f"ratio {mp / ml:.2f} (per round {per_round:.2f})")
PY
