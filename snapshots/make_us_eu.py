#!/usr/bin/env python3
"""Builds the demo's captures of the US and EU sources (snapshots/us-eu/DATE/HOST/...) from the
fixtures in the APIs' real shapes (snapshots/us/, snapshots/eu/). An API call is kept under its
path followed by `@name=value` for the query parameter that tells it apart (see
src/demo/server.rs, QUERY_KEYS). Run from the repository root: python3 snapshots/make_us_eu.py
"""
import json, os, re, shutil

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)))
US = os.path.join(ROOT, "us")
EU = os.path.join(ROOT, "eu", "eurlex")
OUT = os.path.join(ROOT, "us-eu")
FR = "www.federalregister.gov/api/v1"
ECFR = "www.ecfr.gov/api/versioner/v1"
EURLEX = "eur-lex.europa.eu/legal-content/EN"


def put(date, rel, data):
    path = os.path.join(OUT, date, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(path, mode) as f:
        f.write(data)


def read(*parts):
    with open(os.path.join(*parts), encoding="utf-8") as f:
        return f.read()


def search(docs):
    base = json.loads(read(US, "federalregister", "search-2025.json"))
    by_number = {d["document_number"]: d for d in base["results"]}
    by_number["2025-16001"] = {
        "title": "Additions to the Entity List", "type": "Rule", "document_number": "2025-16001",
        "publication_date": "2025-09-16",
        "json_url": "https://www.federalregister.gov/api/v1/documents/2025-16001.json?publication_date=2025-09-16",
    }
    results = [by_number[d] for d in docs]
    return json.dumps({"count": len(results), "description": "Documents from Industry and Security Bureau", "total_pages": 1, "results": results})


def versions(part, dates, latest):
    v = json.loads(read(US, "ecfr", f"versions-{part}.json"))
    supp = "Supplement No. 1 to Part 774" if part == 774 else "Supplement No. 4 to Part 744"
    rows = [r for r in v["content_versions"] if r["type"] != "appendix" or r["identifier"] != supp]
    for d in dates:
        rows.append({"date": d, "amendment_date": d, "issue_date": d, "identifier": supp, "name": supp, "part": str(part),
                     "substantive": True, "removed": False, "subpart": None, "title": "15", "type": "appendix"})
    v["content_versions"] = rows
    v["meta"]["latest_issue_date"] = latest
    return json.dumps(v)


shutil.rmtree(OUT, ignore_errors=True)

# April: what was already there (the first check records it as a baseline).
d = "2025-04-04"
put(d, f"{FR}/documents.json@gte=2025-01-01", search(["2025-05426"]))
put(d, f"{FR}/documents.json@gte=2026-01-01", read(US, "federalregister", "search-empty.json"))
put(d, f"{FR}/documents/2025-05426.json", read(US, "federalregister", "2025-05426.json"))
put(d, f"{FR}/public-inspection-documents/current.json", json.dumps({"count": 0, "results": []}))
put(d, f"{ECFR}/versions/title-15.json@part=744", versions(744, ["2025-01-02", "2025-03-25"], "2025-04-01"))
put(d, f"{ECFR}/versions/title-15.json@part=774", versions(774, ["2025-03-25"], "2025-04-01"))
for date in ["2025-01-02", "2025-03-25"]:
    put(d, f"{ECFR}/full/{date}/title-15.xml@part=744", read(US, "ecfr", f"part-744-{date}.xml"))
put(d, f"{ECFR}/full/2025-03-25/title-15.xml@part=774", read(US, "ecfr", "part-774-2025-03-25.xml"))
consolidations = read(EU, "consolidations.html")
put(d, f"{EURLEX}/ALL/index.html@uri=CELEX_32021R0821", consolidations)
for date in ["20231216", "20241108"]:
    put(d, f"{EURLEX}/TXT/HTML/index.html@uri=CELEX_02021R0821-{date}", read(EU, f"02021R0821-{date}.html"))

# October: a BIS rule adds a party to the Entity List; its correction of the March rule.
d = "2025-10-09"
put(d, f"{FR}/documents.json@gte=2025-01-01", search(["2025-05426", "C1-2025-05426", "2025-16001"]))
put(d, f"{FR}/documents/C1-2025-05426.json", read(US, "federalregister", "C1-2025-05426.json"))
rule = json.loads(read(US, "federalregister", "2025-05426.json"))
rule.update({"document_number": "2025-16001", "citation": "90 FR 44321", "start_page": 44321, "end_page": 44324,
             "publication_date": "2025-09-16", "effective_on": "2025-09-16", "dates": "Effective date: This rule is effective September 16, 2025.",
             "abstract": "BIS amends the EAR by adding one entity under the destination of China to the Entity List.",
             "corrections": [], "html_url": "https://www.federalregister.gov/documents/2025/09/16/2025-16001/additions-to-the-entity-list",
             "json_url": "https://www.federalregister.gov/api/v1/documents/2025-16001.json"})
put(d, f"{FR}/documents/2025-16001.json", json.dumps(rule))
put(d, f"{ECFR}/versions/title-15.json@part=744", versions(744, ["2025-01-02", "2025-03-25", "2025-09-16"], "2025-10-03"))
march = read(US, "ecfr", "part-744-2025-03-25.xml")
added = ('<TR><TD/><TD align="left" class="gpotbl_cell">Jiangxi Example Rare Earth Smelting Co., Ltd., a.k.a., the following alias:<BR/>'
         '—JERS.<BR/>88 Example Road, Ganzhou, Jiangxi, China.</TD><TD align="left" class="gpotbl_cell">For all items subject to the EAR.</TD>'
         '<TD align="left" class="gpotbl_cell">Presumption of denial.</TD><TD align="left" class="gpotbl_cell">90 FR 44321, 9/16/25.</TD></TR>\n')
september = march.replace('<TR><TD align="left" class="gpotbl_cell">RUSSIA</TD>', added + '<TR><TD align="left" class="gpotbl_cell">RUSSIA</TD>', 1)
assert september != march
put(d, f"{ECFR}/full/2025-09-16/title-15.xml@part=744", september)

# November: a CCL revision (3B993 revised, 1C998 added, 0A919 gone).
d = "2025-11-07"
put(d, f"{FR}/documents.json@gte=2025-01-01", search(["2025-05426", "C1-2025-05426", "2025-16001", "2025-18811"]))
put(d, f"{FR}/documents/2025-18811.json", read(US, "federalregister", "2025-18811.json"))
# The day before: a BIS rule filed for public inspection, to be published on 2025-11-10.
pi = json.loads(read(US, "federalregister", "public-inspection-current.json"))
doc = json.loads(read(US, "federalregister", "public-inspection-2025-16001.json"))
doc.update({"document_number": "2025-20500", "filed_at": "2025-11-06T08:45:00.000-05:00", "publication_date": "2025-11-10",
            "html_url": "https://www.federalregister.gov/public-inspection/2025-20500/additions-to-the-entity-list",
            "json_url": "https://www.federalregister.gov/api/v1/public-inspection-documents/2025-20500.json",
            "pdf_url": "https://public-inspection.federalregister.gov/2025-20500.pdf?1762436700"})
listed = dict(pi["results"][0])
listed.update({k: doc[k] for k in ["document_number", "filed_at", "publication_date", "html_url", "json_url", "pdf_url"]})
put(d, f"{FR}/public-inspection-documents/current.json", json.dumps({"count": 2, "results": [listed, pi["results"][1]]}))
put(d, f"{FR}/public-inspection-documents/2025-20500.json", json.dumps(doc))
put(d, f"{ECFR}/versions/title-15.json@part=774", versions(774, ["2025-03-25", "2025-10-14"], "2025-10-31"))
put(d, f"{ECFR}/full/2025-10-14/title-15.xml@part=774", read(US, "ecfr", "part-774-2025-10-14.xml"))

# Mid-November: the EU replaces Annex I (Delegated Regulation 2025/2003, in force 2025-11-15).
d = "2025-11-17"
put(d, f"{FR}/public-inspection-documents/current.json", json.dumps({"count": 0, "results": []}))
put(d, f"{EURLEX}/ALL/index.html@uri=CELEX_32021R0821", consolidations.replace(
    '<li><a href="./../../../legal-content/EN/AUTO/?uri=CELEX:02021R0821-20241108">',
    '<li><a href="./../../../legal-content/EN/AUTO/?uri=CELEX:02021R0821-20251115">02021R0821-20251115</a> <span>15/11/2025</span></li>\n'
    '<li><a href="./../../../legal-content/EN/AUTO/?uri=CELEX:02021R0821-20241108">', 1))
v2024 = read(EU, "02021R0821-20241108.html")
m5 = ('<tr><td><p class="norm">►M5</p></td><td><p class="norm">Commission Delegated Regulation (EU) 2025/2003 of 8 September 2025</p></td>'
      '<td><p class="norm">L </p></td><td><p class="norm">1</p></td><td><p class="norm">OJ L, 2025/2003, 14.11.2025</p></td></tr>\n')
v2025 = re.sub(r'(<tr><td><p class="norm">►M4</p>.*?</tr>\n)', lambda m: m.group(1) + m5, v2024, count=1)
v2025 = v2025.replace("08.11.2024", "15.11.2025").replace("►M4</p>", "►M4 ►M5</p>", 1)
new_entry = ('<p class="arrow">▼M5</p>\n<p class="ti-grseq-1">3B Test, Inspection and Production Equipment</p>\n'
             '<table width="100%" border="0" cellspacing="0" cellpadding="0"><col width="10%"/><col width="90%"/><tbody><tr><td valign="top"><p class="norm">3B904</p></td>'
             '<td valign="top"><p class="norm">Equipment for the production of rare earth permanent magnets, as follows:</p></td></tr></tbody></table>\n'
             '<table width="100%" border="0" cellspacing="0" cellpadding="0"><col width="4%"/><col width="96%"/><tbody><tr><td valign="top"><p class="norm">a.</p></td>'
             '<td valign="top"><p class="norm">Grain boundary diffusion equipment for dysprosium or terbium.</p></td></tr></tbody></table>\n')
v2025 = v2025.replace('<p class="arrow">▼B</p>\n<p class="title-annex-1">ANNEX Ia</p>', new_entry + '<p class="arrow">▼B</p>\n<p class="title-annex-1">ANNEX Ia</p>', 1)
assert "3B904" in v2025 and "►M5" in v2025
put(d, f"{EURLEX}/TXT/HTML/index.html@uri=CELEX_02021R0821-20251115", v2025)
print("written", OUT)
