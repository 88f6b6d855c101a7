#!/usr/bin/env bash
# usage: bench/compare.sh N [WORKERS]
# regwatch beside urlwatch 2.29 and changedetection.io 0.60.10 on the same work: N generated
# announcement pages (the peers' serve.py site, dumped to static files) served by nginx on
# 127.0.0.1, so the server is not what limits anyone. Per tool, three checks:
#   first  — every page new
#   second — after ~1 % of the pages changed (rewritten files get a new ETag/Last-Modified)
#   third  — nothing changed
# and the same requests from a minimal client (examples/minclient.rs): the machine's ceiling.
# Timing, RSS and result lines come from the peers' common.sh (`timed`, `result`), with the
# site's counters read from nginx's access log instead of serve.py's /_stats.
#
# Needs: nginx (Debian: apt-get install nginx-light), /usr/bin/time, curl, the peers installed by
# ../shared/bench/peers/setup.sh into $PEERS, and
#   cargo build --release && cargo build --release --example minclient
# `regwatch-pg` is regwatch with its store on a local PostgreSQL 15 of its own (bench/pg.sh;
# needs postgresql, which `bash .ci/deps` installs).
# Env: TOOLS (default "regwatch regwatch-pg minclient urlwatch changedetection"), PEERS_DIR, PEERS,
#      PORT, FRACTION, REGWATCH, MINCLIENT, PG_PORT.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
PEERS_DIR=${PEERS_DIR:-$REPO/../shared/bench/peers}
source "$PEERS_DIR/common.sh"
source "$REPO/bench/config.sh"
in_netns "$@"

N=${1:-1000}; WORKERS=${2:-10}
TOOLS=${TOOLS:-regwatch regwatch-pg minclient urlwatch changedetection}
REGWATCH=${REGWATCH:-$REPO/target/release/regwatch}
MINCLIENT=${MINCLIENT:-$REPO/target/release/examples/minclient}
RUN=$PEERS/run/compare-$N-$WORKERS
need() { command -v "$1" >/dev/null || [ -x "$1" ] || { echo "compare.sh: $1 not found: $2" >&2; exit 1; }; }
need nginx "apt-get install nginx-light"
need /usr/bin/time "apt-get install time"
need curl "apt-get install curl"
for tool in $TOOLS; do
  case $tool in
    regwatch) need "$REGWATCH" "cargo build --release" ;;
    regwatch-pg) need "$REGWATCH" "cargo build --release"; need psql "bash .ci/deps" ;;
    minclient) need "$MINCLIENT" "cargo build --release --example minclient" ;;
    urlwatch) need "$PEERS/urlwatch/bin/python" "bash $PEERS_DIR/setup.sh" ;;
    changedetection) need "$PEERS/cdio/bin/changedetection.io" "bash $PEERS_DIR/setup.sh" ;;
    *) echo "compare.sh: unknown tool $tool (regwatch, regwatch-pg, minclient, urlwatch, changedetection)" >&2; exit 1 ;;
  esac
done
rm -rf "$RUN"; mkdir -p "$RUN"

# --- the site: static files + nginx -------------------------------------------------------
SITE_DIR=$RUN/site
LOG=$RUN/nginx/access.log
start_site() {  # usage: start_site N  (replaces common.sh's serve.py site)
  mkdir -p "$RUN/nginx"
  python3 "$HERE/serve.py" dump --n "$1" --state "$RUN/site.json" --out "$SITE_DIR" >/dev/null
  cat >"$RUN/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $RUN/nginx/nginx.pid;
error_log $RUN/nginx/error.log;
events { worker_connections 4096; }
http {
  log_format stats '\$msec \$status \$request_uri';
  access_log $LOG stats;
  client_body_temp_path $RUN/nginx/body;
  proxy_temp_path $RUN/nginx/proxy;
  fastcgi_temp_path $RUN/nginx/fastcgi;
  uwsgi_temp_path $RUN/nginx/uwsgi;
  scgi_temp_path $RUN/nginx/scgi;
  types { text/html html; }
  charset utf-8;
  sendfile on;
  if_modified_since before;  # a 304 for any If-Modified-Since at or after the file's time, as RFC 9110 says (nginx's default wants an exact match)
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$PORT backlog=4096;
    root $SITE_DIR;
  }
}
CONF
  nginx -c "$RUN/nginx/nginx.conf" -e "$RUN/nginx/error.log"
  trap 'kill "$(cat "$RUN/nginx/nginx.pid" 2>/dev/null)" 2>/dev/null || true' EXIT
  for _ in $(seq 100); do curl -fsS -o /dev/null "$SITE/index.html" 2>/dev/null && return 0; sleep 0.1; done
  echo "nginx did not start, see $RUN/nginx/error.log" >&2; exit 1
}

# "requests 200s 304s first_ts last_ts" as common.sh's `timed` expects: counts over the whole
# log, the time window over the lines since the last `site_stats "?reset=1"`.
site_stats() {
  python3 - "$LOG" "$RUN/nginx/window" "${1:-}" <<'EOF'
import os, sys
log, mark, arg = sys.argv[1:4]
size = os.path.getsize(log) if os.path.exists(log) else 0
start = int(open(mark).read()) if os.path.exists(mark) else 0
reqs = ok = nm = 0; first = last = 0.0
with open(log, "rb") as f:
    for pos_line in f:
        ts, status, uri = pos_line.split()[:3]
        reqs += 1; ok += status == b"200"; nm += status == b"304"
    f.seek(start)
    for line in f:
        ts = float(line.split()[0]); first = first or ts; last = ts
print(reqs, ok, nm, first, last)
if arg == "?reset=1":
    open(mark, "w").write(str(size))
EOF
}

mutate() {  # usage: mutate  — bump ~FRACTION of the pages and rewrite only those files
  python3 "$HERE/serve.py" mutate --state "$RUN/site.json" --fraction "$FRACTION" --seed "$SEED" >/dev/null
  python3 "$HERE/serve.py" dump --n "$N" --state "$RUN/site.json" --out "$SITE_DIR" >/dev/null
}

# --- the tools ----------------------------------------------------------------------------
# Each gets its own copy of the site's state, so every tool sees the same three versions.
phases() {  # usage: phases TOOL DIR PRINT_EXTRA CMD...  — first / second / third
  local tool=$1 dir=$2 extra=$3; shift 3
  cp "$RUN/site.json.orig" "$RUN/site.json"
  python3 "$HERE/serve.py" dump --n "$N" --state "$RUN/site.json" --out "$SITE_DIR" >/dev/null
  for phase in first second third; do
    [ "$phase" = second ] && mutate
    timed "$dir" "$phase" "$@"
    result tool="$tool" n="$N" workers="$WORKERS" phase="$phase" wall_s="$WALL" peak_rss_mb="$RSS_MB" \
      requests="$REQS" http200="$H200" http304="$H304" $($extra "$dir" "$phase")
  done
}

regwatch_extra() {
  local changes store_kb
  changes=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["changes"])' "$1/$2.out" 2>/dev/null || echo NA)
  if [ -f "$1/pg.url" ]; then  # the database's size on the server
    store_kb=$(psql -Atq "$(cat "$1/pg.url")" -c "SELECT pg_database_size(current_database()) / 1024")
  else
    store_kb=$(du -ck "$1"/regwatch.db* | tail -1 | cut -f1)
  fi
  echo "changes=$changes store_kb=$store_kb"
}
run_regwatch() {  # usage: run_regwatch [TOOL STORE_TOML]
  local tool=${1:-regwatch} store=${2:-'path = "regwatch.db"'}
  local dir=$RUN/$tool; mkdir -p "$dir"
  bench_config "$store" "$WORKERS" >"$dir/schedule.toml"
  phases "$tool" "$dir" regwatch_extra "$REGWATCH" --config "$dir/schedule.toml" -q check --all --format json
}
run_regwatch-pg() {
  source "$REPO/bench/pg.sh"
  pg_start "${PG_PORT:-55440}"
  local url; url=$(pg_db bench)
  mkdir -p "$RUN/regwatch-pg"; echo "$url" >"$RUN/regwatch-pg/pg.url"
  run_regwatch regwatch-pg "url = \"$url\""
  pg_stop
}

none_extra() { :; }
run_minclient() {
  local dir=$RUN/minclient; mkdir -p "$dir"
  phases minclient "$dir" none_extra "$MINCLIENT" "$SITE/index.html" "$WORKERS" "$dir/etags.json"
}

urlwatch_extra() {
  local c; c=$(grep -Ec "^[0-9]+\. (NEW|CHANGED): " "$1/$2.out" || true)
  echo "changes=$c errors=$(grep -Ec "^[0-9]+\. ERROR: " "$1/$2.out" || true) store_kb=$(du -sk "$1/cache.db" | cut -f1)"
}
run_urlwatch() {  # as ../shared/bench/peers/run_urlwatch.sh, threads patched to WORKERS
  local dir=$RUN/urlwatch; mkdir -p "$dir"
  python3 - "$N" "$SITE" >"$dir/urls.yaml" <<'EOF'
import sys
n, site = int(sys.argv[1]), sys.argv[2]
for i in range(1, n + 1):
    print("---" if i > 1 else "", f"name: ann-{i:04d}", f"url: {site}/ann/{i:04d}.html",
          "filter: [{html2text: {}}]", sep="\n")
EOF
  cat >"$dir/urlwatch.yaml" <<'EOF'
display: {new: true, error: true, unchanged: false, empty-diff: true}
report:
  stdout: {enabled: true, color: false}
  text: {details: true, footer: false, minimal: false}
EOF
  phases urlwatch "$dir" urlwatch_extra "$PEERS/urlwatch/bin/python" -c "import sys, urlwatch.worker as w; \
w.MAX_WORKERS=int(sys.argv.pop(1)); sys.argv[0]='urlwatch'; from urlwatch.cli import main; main()" \
    "$WORKERS" --urls "$dir/urls.yaml" --config "$dir/urlwatch.yaml" --cache "$dir/cache.db" --hooks "$dir/hooks.py"
}

cd_extra() {  # new history entries (snapshots) since the previous phase
  local s before; s=$(cat "$1"/ds/*/history.txt 2>/dev/null | grep -c . || true)
  before=$(cat "$1/snapshots" 2>/dev/null || echo 0); echo "$s" >"$1/snapshots"
  echo "changes=$((s - before)) store_kb=$(du -sk "$1/ds" | cut -f1)"
}
run_changedetection() {  # batch mode, as ../shared/bench/peers/run_changedetection.sh
  local dir=$RUN/changedetection; mkdir -p "$dir"
  export ALLOW_IANA_RESTRICTED_ADDRESSES=true DISABLE_VERSION_CHECK=true LITELLM_LOCAL_MODEL_COST_MAP=True
  export FETCH_WORKERS=$WORKERS
  # The first phase adds the watches, the later ones recheck them all.
  { echo '#!/usr/bin/env bash'
    echo "CD=$PEERS/cdio/bin/changedetection.io; DS=$dir/ds"
    echo 'if [ -d "$DS" ]; then exec "$CD" -d "$DS" -b -h 127.0.0.1 -p 15999 -l INFO -r all; fi'
    printf 'exec "$CD" -d "$DS" -C -b -h 127.0.0.1 -p 15999 -l INFO'
    for i in $(seq -f %04g 1 "$N"); do printf ' -u %s' "$SITE/ann/$i.html"; done; echo
  } >"$dir/cd.sh"
  phases changedetection "$dir" cd_extra bash "$dir/cd.sh"
}

start_site "$N"
cp "$RUN/site.json" "$RUN/site.json.orig"
for tool in $TOOLS; do "run_$tool"; done
echo "outputs in $RUN"
