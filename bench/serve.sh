#!/usr/bin/env bash
# usage: bench/serve.sh DB [PORT]
# The web view's answer times on a store (e.g. the 10,000-page one `bench/compare.sh 10000`
# leaves in $PEERS/run/compare-10000-10/regwatch/regwatch.db): starts `regwatch serve` on it,
# waits for the background warm-up, then asks each page twice with curl and prints the two
# times (first request, and again) in seconds.
# Needs: curl, cargo build --release.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
DB=${1:?usage: bench/serve.sh DB [PORT]}
PORT=${2:-8098}
REGWATCH=${REGWATCH:-$REPO/target/release/regwatch}
"$REGWATCH" --db "$DB" serve --bind "127.0.0.1:$PORT" 2>/dev/null &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
sleep 10
printf '%-10s %-10s %s\n' first again page
for u in / /list "/list?as_of=2025-01-01" "/list?as_of=2025-02-01&page=20" "/list?q=bench" \
         /changes /compare "/compare?from=2025-01-15&to=2025-06-15" /announcements \
         "/entry/bench/BENCH-1" "/announcement/BENCH-2024-102" "/screen?name=bench" /api/list; do
  a=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$PORT$u")
  b=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$PORT$u")
  printf '%-10s %-10s %s\n' "$a" "$b" "$u"
done
