#!/usr/bin/env python3
"""A/B timing of regwatch builds on the same local site, in alternating runs.

usage: bench/ab.py [--n 1000] [--rounds 15] [--port 8766] BIN [BIN ...]

For each binary, three checks of the peers' generated site (../shared/bench/peers/serve.py)
served by nginx on 127.0.0.1, as in compare.sh:
  first  — an empty store, every page new
  second — the store after `first`, with 1 % of the pages rewritten
  third  — nothing changed since the last check
and the minimal client (target/release/examples/minclient) on the same requests. Each round
runs every binary once per phase, in turn, so that a noisy machine hurts all of them alike;
the medians and minimums of wall time are printed. Needs nginx and
`cargo build --release --example minclient`. A binary keeps its own stores (an older build
may not open a newer schema).
"""
import argparse, os, shutil, statistics, subprocess, sys, tempfile, time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS = os.path.join(REPO, "..", "shared", "bench", "peers")
SERVE = os.path.join(PEERS, "serve.py")
MINCLIENT = os.path.join(REPO, "target", "release", "examples", "minclient")

CONFIG = """[store]
path = "{db}"
[http]
max_body_bytes = 1048576
[politeness]
concurrency = 10
per_host_concurrency = 10
min_interval_ms = 0
[[source]]
id = "bench"
profile = "generic"
regime = "bench"
url = "http://127.0.0.1:{port}/index.html"
schedule = "0 * * * *"
robots_txt = false
"""
# The benchmark source's reader, shared with compare.sh.
GENERIC = open(os.path.join(REPO, "bench", "generic-source.toml")).read()

NGINX = """worker_processes 1;
pid {w}/nginx.pid;
error_log {w}/error.log;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {w}/body; proxy_temp_path {w}/proxy; fastcgi_temp_path {w}/fastcgi;
  uwsgi_temp_path {w}/uwsgi; scgi_temp_path {w}/scgi;
  types {{ text/html html; }}
  charset utf-8;
  if_modified_since before;
  keepalive_requests 1000000;
  server {{ listen 127.0.0.1:{port} backlog=4096; root {w}/site; }}
}}
"""


def run(cmd):
    t = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)}: exit {r.returncode}\n{r.stdout.decode()}{r.stderr.decode()}")
    return (time.perf_counter() - t) * 1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--port", type=int, default=8766)
    ap.add_argument("bins", nargs="+")
    a = ap.parse_args()
    w = tempfile.mkdtemp(prefix="regwatch-ab-")
    os.chmod(w, 0o755)  # nginx's workers read the site as another user
    py = sys.executable
    # Two versions of the site: as generated, and with 1 % of the pages rewritten.
    subprocess.run([py, SERVE, "dump", "--n", str(a.n), "--state", f"{w}/a.json", "--out", f"{w}/siteA"],
                   check=True, stdout=subprocess.DEVNULL)
    shutil.copytree(f"{w}/siteA", f"{w}/siteB", copy_function=shutil.copy2)
    shutil.copyfile(f"{w}/a.json", f"{w}/b.json")
    subprocess.run([py, SERVE, "mutate", "--state", f"{w}/b.json", "--fraction", "0.01", "--seed", "1"],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run([py, SERVE, "dump", "--n", str(a.n), "--state", f"{w}/b.json", "--out", f"{w}/siteB"],
                   check=True, stdout=subprocess.DEVNULL)
    open(f"{w}/nginx.conf", "w").write(NGINX.format(w=w, port=a.port))
    site = f"{w}/site"
    show = lambda v: (os.path.lexists(site) and os.unlink(site), os.symlink(f"{w}/site{v}", site))
    show("A")
    subprocess.run(["nginx", "-c", f"{w}/nginx.conf", "-e", f"{w}/error.log"], check=True)
    try:
        time.sleep(0.3)
        names = {b: f"{i}-{os.path.basename(b)}" for i, b in enumerate(a.bins)}
        for b, name in names.items():  # each binary's store after the first check, to copy from
            os.makedirs(f"{w}/{name}")
            open(f"{w}/{name}/schedule.toml", "w").write(CONFIG.format(db=f"{w}/{name}/r.db", port=a.port) + GENERIC)
            run([b, "--config", f"{w}/{name}/schedule.toml", "-q", "check", "--all"])
            shutil.copyfile(f"{w}/{name}/r.db", f"{w}/{name}/after-first.db")
        url = f"http://127.0.0.1:{a.port}/index.html"
        run([MINCLIENT, url, "10", f"{w}/etags-first.json"])
        times = {}

        def check(b, name, phase):
            cfg = f"{w}/{name}/schedule.toml"
            if phase == "first":
                for f in ("r.db", "r.db-wal", "r.db-shm"):
                    if os.path.exists(f"{w}/{name}/{f}"):
                        os.unlink(f"{w}/{name}/{f}")
            elif phase == "second":
                shutil.copyfile(f"{w}/{name}/after-first.db", f"{w}/{name}/r.db")
                # The copy is the harness's work: on disk before the run, or the store's first
                # fsync (a checkpoint) writes it back and bills regwatch for it.
                fd = os.open(f"{w}/{name}/r.db", os.O_RDONLY)
                os.fsync(fd)
                os.close(fd)
            return run([b, "--config", cfg, "-q", "check", "--all"])

        for _ in range(a.rounds):
            for phase, version in (("first", "A"), ("second", "B"), ("third", "B")):
                show(version)
                for b, name in names.items():
                    times.setdefault((phase, name), []).append(check(b, name, phase))
                if phase == "second":
                    shutil.copyfile(f"{w}/etags-first.json", f"{w}/etags.json")
                elif phase == "first" and os.path.exists(f"{w}/etags.json"):
                    os.unlink(f"{w}/etags.json")
                times.setdefault((phase, "minclient"), []).append(run([MINCLIENT, url, "10", f"{w}/etags.json"]))
        for (phase, name), v in times.items():
            print(f"{phase:6} {name:24} median {statistics.median(v):7.1f} ms  min {min(v):7.1f}  n={len(v)}")
        # The ratios the README quotes: each build's median over the minimal client's, per phase.
        for phase in ("first", "second", "third"):
            ceiling = statistics.median(times[(phase, "minclient")])
            for name in names.values():
                print(f"{phase:6} {name:24} {statistics.median(times[(phase, name)]) / ceiling:5.2f}x the minimal client")
    finally:
        subprocess.run(["nginx", "-c", f"{w}/nginx.conf", "-s", "stop"], stderr=subprocess.DEVNULL)
        shutil.rmtree(w, ignore_errors=True)


if __name__ == "__main__":
    main()
