#!/usr/bin/env python3
"""Medians of the RESULT lines bench/compare.sh prints, as a Markdown table per N.

usage: bench/summarize.py RESULTS_FILE
"""
import statistics
import sys
from collections import defaultdict

runs = defaultdict(list)
for line in open(sys.argv[1]):
    if not line.startswith("RESULT "):
        continue
    kv = dict(p.split("=", 1) for p in line.split()[1:] if "=" in p)
    runs[(int(kv["n"]), kv["tool"], kv["phase"])].append(kv)

def med(rows, key):
    vals = [float(r[key]) for r in rows if r.get(key, "NA") not in ("NA", "")]
    return statistics.median(vals) if vals else None

order = {"regwatch": 0, "minclient": 1, "urlwatch": 2, "changedetection": 3}
for n in sorted({k[0] for k in runs}):
    print(f"\n### N = {n:,}\n")
    print("| tool | check | wall s | CPU s | peak RSS MB | requests (200 / 304) | changes | store KB | runs |")
    print("|---|---|---:|---:|---:|---|---:|---:|---:|")
    keys = sorted((k for k in runs if k[0] == n), key=lambda k: (order.get(k[1], 9), ["first", "second", "third"].index(k[2])))
    for k in keys:
        rows = runs[k]
        fmt = lambda v, d=2: "–" if v is None else f"{v:.{d}f}"
        print(f"| {k[1]} | {k[2]} | {fmt(med(rows, 'wall_s'))} | {fmt(med(rows, 'cpu_s'))} | "
              f"{fmt(med(rows, 'peak_rss_mb'), 0)} | {fmt(med(rows, 'requests'), 0)} "
              f"({fmt(med(rows, 'http200'), 0)} / {fmt(med(rows, 'http304'), 0)}) | "
              f"{fmt(med(rows, 'changes'), 0)} | {fmt(med(rows, 'store_kb'), 0)} | {len(rows)} |")
