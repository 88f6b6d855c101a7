#!/usr/bin/env python3
"""What whole-list versions cost: a generated Entity List of ROWS rows in VERSIONS versions (one
row more in each), served locally as the eCFR's versioner API answers, read by one check into a
fresh store, then checked again. Prints wall time, peak memory and the store's size.

usage: python3 bench/el_versions.py [ROWS] [VERSIONS]   (after cargo build --release)
Needs: /usr/bin/time (Debian `time`).
"""
import http.server, json, os, random, socketserver, subprocess, sys, tempfile, threading, urllib.parse

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 2500
VERSIONS = int(sys.argv[2]) if len(sys.argv) > 2 else 20
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REGWATCH = os.environ.get("REGWATCH", os.path.join(REPO, "target", "release", "regwatch"))

random.seed(1)
countries = ["CHINA, PEOPLE'S REPUBLIC OF", "RUSSIA", "IRAN", "UNITED ARAB EMIRATES", "PAKISTAN"]
base = sorted((random.choice(countries), f"Example Company {i} Co., Ltd.", f"{i} Example Road, City") for i in range(ROWS))
dates = [f"{2025 + v // 24}-{1 + (v // 2) % 12:02d}-{1 + (v % 2) * 14:02d}" for v in range(VERSIONS)]


def xml(v):
    rows, last = [], None
    for i, (c, n, a) in enumerate(base[: ROWS - VERSIONS + v + 1]):
        cc = c if c != last else ""
        last = c
        cit = "84 FR 22961, 5/21/19." + (f" 90 FR {1000 + v}, 3/1/25." if i % 50 == v % 50 else "")
        rows.append(f"<TR><TD>{cc}</TD><TD>{n}, a.k.a., the following alias:<BR/>—EC{i}.<BR/>{a}.</TD>"
                    f"<TD>For all items subject to the EAR.</TD><TD>Presumption of denial.</TD><TD>{cit}</TD></TR>")
    return ('<?xml version="1.0" encoding="UTF-8"?><DIV5 N="744" TYPE="PART"><DIV9 N="Supplement No. 4 to Part 744" '
            'TYPE="APPENDIX"><TABLE><TBODY>' + "\n".join(rows) + "</TBODY></TABLE></DIV9></DIV5>").encode()


versions = json.dumps({"content_versions": [
    {"date": d, "amendment_date": d, "issue_date": d, "identifier": "Supplement No. 4 to Part 744", "name": "",
     "part": "744", "substantive": True, "removed": False, "type": "appendix"} for d in dates],
    "meta": {"latest_issue_date": "2099-01-01"}}).encode()
bodies = {d: xml(i) for i, d in enumerate(dates)}


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        path = urllib.parse.urlparse(self.path).path
        if path.endswith("/versions/title-15.json"):
            body, ct = versions, "application/json"
        elif "/full/" in path and path.split("/")[-2] in bodies:
            body, ct = bodies[path.split("/")[-2]], "application/xml"
        else:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", ct)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
with tempfile.TemporaryDirectory() as d:
    with open(os.path.join(d, "schedule.toml"), "w") as f:
        f.write(f"""[store]
path = "{d}/el.db"
[http]
mirror = "http://127.0.0.1:{server.server_address[1]}/"
timeout_secs = 60
[politeness]
min_interval_ms = 0
[[source]]
id = "us-entity-list"
profile = "ecfr"
url = "https://www.ecfr.gov/api/versioner/v1/versions/title-15.json?part=744&issue_date[gte]=2025-01-01"
schedule = "45 7 * * 1-5"
timezone = "US/Eastern"
min_entries = 1
""")
    for label, args in [("first check", ["check", "--all"]), ("re-check", ["check", "--all"]),
                        ("list", ["list", "--regime", "us-entity-list", "--format", "json"])]:
        out = subprocess.run(["/usr/bin/time", "-f", "%e %M", REGWATCH, "--config", f"{d}/schedule.toml", *args],
                             capture_output=True, text=True)
        secs, kb = out.stderr.strip().splitlines()[-1].split()
        print(f"{label:<12} {float(secs):6.2f} s  {int(kb) / 1024:6.1f} MB peak")
    size = sum(os.path.getsize(os.path.join(d, n)) for n in os.listdir(d) if n.startswith("el.db"))
    print(f"store        {size / 1e6:6.1f} MB  ({ROWS} rows x {VERSIONS} versions)")
server.shutdown()
