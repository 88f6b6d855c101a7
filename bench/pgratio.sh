#!/usr/bin/env bash
# usage: bench/pgratio.sh [RUNS] — SQLite and PostgreSQL side by side on the 1,000-page site:
# RUNS rounds (default 8) of `TOOLS="regwatch regwatch-pg" bench/compare.sh 1000`, each regwatch
# process timed in milliseconds (compare.sh's own `wall_s` has 10 ms steps, a sixth of a
# re-check), then per phase the median and range of each store, the ratio of the medians and
# the median of each round's own ratio.
# Env: REGWATCH (the binary, default target/release/regwatch), VERBOSE=1 (each round's figures
# too), and compare.sh's.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${1:-8}
BIN=${REGWATCH:-$REPO/target/release/regwatch}
[ -x "$BIN" ] || cargo build --release --quiet --manifest-path "$REPO/Cargo.toml"
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
cat >"$WORK/timed" <<W
#!/usr/bin/env bash
t0=\$(date +%s%N)
"$BIN" "\$@"; rc=\$?
echo \$(( (\$(date +%s%N) - t0) / 1000000 )) >> "$WORK/ms"
exit \$rc
W
chmod +x "$WORK/timed"
for _ in $(seq "$RUNS"); do
  REGWATCH="$WORK/timed" TOOLS="regwatch regwatch-pg" bash "$REPO/bench/compare.sh" 1000 >/dev/null
done
# compare.sh runs regwatch (first, second, third check), then regwatch-pg: six times a round.
python3 - "$WORK/ms" ${VERBOSE:+-v} <<'PY'
import statistics, sys
v = [int(x) for x in open(sys.argv[1]).read().split()]
for p, name in enumerate(["first", "second", "third"]):
    # Each round's own ratio too: the machine's speed drifts between rounds, less within one.
    pairs = statistics.median(b / a for a, b in zip(v[p::6], v[3 + p::6]))
    s, g = sorted(v[p::6]), sorted(v[3 + p::6])
    ms, mg = statistics.median(s), statistics.median(g)
    print(f"{name:6}  SQLite {ms:.0f} ms ({s[0]}–{s[-1]})  PostgreSQL {mg:.0f} ms ({g[0]}–{g[-1]})  ratio {mg / ms:.2f} (per round {pairs:.2f})")
    if "-v" in sys.argv[2:]:  # each round's figures, in order
        print("        rounds: " + "  ".join(f"{a}/{b}" for a, b in zip(v[p::6], v[3 + p::6])))
PY
