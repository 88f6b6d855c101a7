#!/usr/bin/env bash
# usage: bench/run_regwatch.sh N [WORKERS]
# regwatch on the peers' benchmark site (../shared/bench/peers/serve.py): N generated
# announcement pages read with the generic profile (each page's control-list table), timed
# with the peers' own helpers so the figures compare line for line with run_urlwatch.sh and
# run_changedetection.sh:
#   first  — every page new
#   second — after ~1 % of the pages changed
#   third  — nothing changed
# Then the same requests from a minimal client (examples/minclient.rs): the machine's ceiling.
# Env: PEERS_DIR (the peers' scripts), REGWATCH (binary), PEERS (work dirs, default /tmp/peers).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
PEERS_DIR=${PEERS_DIR:-$REPO/../shared/bench/peers}
source "$PEERS_DIR/common.sh"
in_netns "$@"

N=${1:-1000}; WORKERS=${2:-10}
REGWATCH=${REGWATCH:-$REPO/target/release/regwatch}
MINCLIENT=${MINCLIENT:-$REPO/target/release/examples/minclient}
WORK=$PEERS/run/regwatch-$N-$WORKERS$SUFFIX
rm -rf "$WORK"; mkdir -p "$WORK"
start_site "$N" "$WORK"

cat >"$WORK/schedule.toml" <<TOML
[store]
path = "regwatch.db"
[http]
max_body_bytes = 1048576
[politeness]
concurrency = $WORKERS
per_host_concurrency = $WORKERS
min_interval_ms = 0
[[source]]
id = "bench"
profile = "generic"
regime = "bench"
url = "$SITE/index.html"
schedule = "0 * * * *"
robots_txt = false
[source.generic]
links = "ul.ann-list a"
title = "h1.title"
key = 'No\\. (?P<year>\\d{4})-(?P<number>\\d+)'
authority = "BENCH"
date = "span.date"
body = "main#content"
rows = "tr.entry"
code = "td.code"
description = "td.desc"
TOML

RW=("$REGWATCH" --config "$WORK/schedule.toml" -q check --all --format json)
store_kb() { du -ck "$WORK"/regwatch.db* 2>/dev/null | tail -1 | cut -f1; }
changes() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["changes"])' "$WORK/$1.out" 2>/dev/null || echo NA; }

for phase in first second third; do
  [ "$phase" = second ] && mutate "$WORK" >/dev/null
  timed "$WORK" "$phase" "${RW[@]}"
  result tool=regwatch n="$N" workers="$WORKERS" phase="$phase" wall_s="$WALL" peak_rss_mb="$RSS_MB" \
    requests="$REQS" http200="$H200" http304="$H304" changes="$(changes "$phase")" store_kb="$(store_kb)"
done

# The ceiling: the same requests, nothing else.
for phase in first second third; do
  [ "$phase" = second ] && mutate "$WORK" >/dev/null
  timed "$WORK" "min-$phase" "$MINCLIENT" "$SITE/index.html" "$WORKERS" "$WORK/etags.json"
  result tool=minclient n="$N" workers="$WORKERS" phase="$phase" wall_s="$WALL" peak_rss_mb="$RSS_MB" \
    requests="$REQS" http200="$H200" http304="$H304"
done
echo "outputs in $WORK"
