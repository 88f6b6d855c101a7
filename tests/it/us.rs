//! The US lists end to end: a local server answers as the Federal Register API and the eCFR's
//! versioner do (fixtures in their real shapes under `snapshots/us/`), and `check` reads BIS
//! rules, the Entity List and the CCL at each date they changed.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::support::{Reply, Server};

fn fixture(path: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("snapshots/us")
        .join(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn json(body: Vec<u8>) -> Reply {
    (
        "200 OK",
        vec![("Content-Type".into(), "application/json".into())],
        body,
    )
}

fn xml(body: Vec<u8>) -> Reply {
    (
        "200 OK",
        vec![("Content-Type".into(), "application/xml".into())],
        body,
    )
}

/// The two APIs as a mirror sees them (`/{host}/{path}?{query}`); `later` switches the eCFR
/// and the Federal Register to what they say after the October rule.
fn route(path: &str, later: bool) -> Reply {
    let (p, q) = path.split_once('?').unwrap_or((path, ""));
    let q = url::form_urlencoded::parse(q.as_bytes())
        .into_owned()
        .collect::<std::collections::HashMap<String, String>>();
    let not_found = ("404 Not Found", Vec::new(), Vec::new());
    match p {
        "/www.federalregister.gov/api/v1/documents.json" => {
            match q
                .get("conditions[publication_date][gte]")
                .map(String::as_str)
            {
                Some("2025-01-01") if later => json(fixture("federalregister/search-2025.json")),
                Some("2025-01-01") => {
                    // In June the October rule is not published yet.
                    let mut v: Value =
                        serde_json::from_slice(&fixture("federalregister/search-2025.json"))
                            .unwrap();
                    v["results"]
                        .as_array_mut()
                        .unwrap()
                        .retain(|d| d["document_number"] != "2025-18811");
                    v["count"] = 2.into();
                    json(serde_json::to_vec(&v).unwrap())
                }
                _ => json(fixture("federalregister/search-empty.json")),
            }
        }
        "/www.federalregister.gov/api/v1/documents/2025-05426.json" => {
            json(fixture("federalregister/2025-05426.json"))
        }
        "/www.federalregister.gov/api/v1/documents/2025-18811.json" if later => {
            json(fixture("federalregister/2025-18811.json"))
        }
        "/www.federalregister.gov/api/v1/documents/C1-2025-05426.json" => {
            json(fixture("federalregister/C1-2025-05426.json"))
        }
        "/www.ecfr.gov/api/versioner/v1/versions/title-15.json" => {
            match q.get("part").map(String::as_str) {
                Some("744") => json(fixture("ecfr/versions-744.json")),
                Some("774") if later => json(fixture("ecfr/versions-774.json")),
                Some("774") => {
                    // Before October: only the March version.
                    let v: Value =
                        serde_json::from_slice(&fixture("ecfr/versions-774.json")).unwrap();
                    let mut v = v;
                    v["content_versions"]
                        .as_array_mut()
                        .unwrap()
                        .retain(|c| c["date"] == "2025-03-25");
                    json(serde_json::to_vec(&v).unwrap())
                }
                _ => not_found,
            }
        }
        _ if p.starts_with("/www.ecfr.gov/api/versioner/v1/full/") => {
            let date = p.split('/').nth(6).unwrap_or("");
            let part = q.get("part").cloned().unwrap_or_default();
            // The title is being reprocessed: the first call for March's Entity List is a 503
            // with Retry-After, as the eCFR answers then.
            if date == "2025-03-25"
                && part == "744"
                && !REPROCESSED.swap(true, std::sync::atomic::Ordering::SeqCst)
            {
                return (
                    "503 Service Unavailable",
                    vec![("Retry-After".into(), "1".into())],
                    b"title 15 is being processed".to_vec(),
                );
            }
            match std::fs::read(
                PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .join(format!("snapshots/us/ecfr/part-{part}-{date}.xml")),
            ) {
                Ok(body) => xml(body),
                Err(_) => not_found,
            }
        }
        _ => not_found,
    }
}

static REPROCESSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

struct Us {
    dir: tempfile::TempDir,
    later: Arc<Mutex<bool>>,
    _server: Server,
}

impl Us {
    fn start() -> Us {
        let later = Arc::new(Mutex::new(false));
        let flag = later.clone();
        let server = Server::start(move |path, _| route(path, *flag.lock().unwrap()));
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("schedule.toml"),
            format!(
                r#"
[store]
path = "us.db"

[http]
mirror = "http://{addr}/"
timeout_secs = 5

[politeness]
min_interval_ms = 0
concurrency = 2

[[source]]
id = "bis-rules"
profile = "federal-register"
url = "https://www.federalregister.gov/api/v1/documents.json?conditions[agencies][]=industry-and-security-bureau&conditions[type][]=RULE&conditions[publication_date][gte]=2025-01-01&per_page=1000&order=oldest"
schedule = "15 7 * * 1-5"
timezone = "US/Eastern"
baseline = false

[[source]]
id = "us-entity-list"
profile = "ecfr"
url = "https://www.ecfr.gov/api/versioner/v1/versions/title-15.json?part=744&issue_date[gte]=2025-01-01"
schedule = "45 7 * * 1-5"
timezone = "US/Eastern"
min_entries = 3
baseline = false

[[source]]
id = "us-ccl"
profile = "ecfr"
url = "https://www.ecfr.gov/api/versioner/v1/versions/title-15.json?part=774&issue_date[gte]=2025-01-01"
schedule = "50 7 * * 1-5"
timezone = "US/Eastern"
min_entries = 5
baseline = false

[[watch]]
name = "magnet-makers"
parties = ["SERET"]
"#,
                addr = server.addr
            ),
        )
        .unwrap();
        Us {
            dir,
            later,
            _server: server,
        }
    }

    fn cmd(&self, now: &str) -> assert_cmd::Command {
        let mut c = assert_cmd::Command::cargo_bin("regwatch").unwrap();
        c.arg("--config")
            .arg(self.dir.path().join("schedule.toml"))
            .env("REGWATCH_NOW", now)
            .env_remove("REGWATCH_DB");
        c
    }

    fn json(&self, now: &str, args: &[&str]) -> Value {
        let out = self.cmd(now).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn text(&self, now: &str, args: &[&str]) -> String {
        let out = self.cmd(now).args(args).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

fn row<'v>(list: &'v Value, code: &str) -> &'v Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|e| e["code"] == code)
        .unwrap_or_else(|| panic!("{code} not listed"))
}

#[test]
fn bis_rules_the_entity_list_and_the_ccl_over_two_checks() {
    let us = Us::start();
    let out = us
        .cmd("2025-06-02T12:00:00Z")
        .args(["check", "--all", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The 503 was waited out (Retry-After) and asked again within the check: March's Entity
    // List twice, March's CCL once.
    assert_eq!(
        us._server
            .hits("/www.ecfr.gov/api/versioner/v1/full/2025-03-25/title-15.xml"),
        3
    );

    // The rules, each with its citation and effective date (2025-05426's only in its text).
    let anns = us.json(
        "2025-06-02T12:00:00Z",
        &["announcements", "--format", "json"],
    );
    let keys: Vec<&str> = anns
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["key"].as_str())
        .collect();
    for k in [
        "FR-2025-05426",
        "FR-C1-2025-05426",
        "ECFR744-2025-102",
        "ECFR744-2025-325",
        "ECFR774-2025-325",
    ] {
        assert!(keys.contains(&k), "{k} not in {keys:?}");
    }

    // The Entity List on 2025-06-02: the party the March rule added, the row it modified.
    let list = us.json(
        "2025-06-02T12:00:00Z",
        &["list", "--regime", "us-entity-list", "--format", "json"],
    );
    let added = row(
        &list,
        "CHINA, PEOPLE'S REPUBLIC OF: shenzhen example rare earth technology",
    );
    assert_eq!(added["status"], "in-force");
    assert_eq!(added["since"], "2025-03-25");
    // Before the version that added it, it was not listed.
    let january = us.json(
        "2025-06-02T12:00:00Z",
        &[
            "list",
            "--regime",
            "us-entity-list",
            "--as-of",
            "2025-02-01",
            "--format",
            "json",
        ],
    );
    assert_eq!(january.as_array().unwrap().len(), 4);

    // The change log attributes the Entity List's changes to the rule whose citation is new in
    // the row, and the screener finds the US-listed party by an alias.
    let changes = us.text("2025-06-02T12:00:00Z", &["changes", "--format", "text"]);
    assert!(
        changes.contains("FR Doc. 2025-05426") && changes.contains("90 FR 14057"),
        "{changes}"
    );
    // A watch on a party reaches the US Entity List as it does China's lists.
    let watched = us.json(
        "2025-06-02T12:00:00Z",
        &["changes", "--watch", "magnet-makers", "--format", "json"],
    );
    assert!(
        watched
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["kind"] == "added"
                && c["code"]
                    == "CHINA, PEOPLE'S REPUBLIC OF: shenzhen example rare earth technology"),
        "{watched}"
    );
    let hits = us.json(
        "2025-06-02T12:00:00Z",
        &["screen", "SERET", "--format", "json"],
    );
    assert_eq!(
        hits["hits"][0]["party"]["regime"], "us-entity-list",
        "{hits}"
    );
    assert_eq!(hits["hits"][0]["quality"], "exact", "{hits}");
    // An English-language list is its own English.
    assert!(
        hits["hits"][0]["party"]["description_en"]
            .as_str()
            .unwrap()
            .starts_with("Shenzhen Example Rare Earth Technology Co., Ltd. (a.k.a. SERET)"),
        "{hits}"
    );

    // October: a CCL revision. 3B993 is modified, 1C998 added, 0A919 gone.
    *us.later.lock().unwrap() = true;
    let out = us
        .cmd("2025-10-20T12:00:00Z")
        .args(["check", "--all", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ccl = us.json(
        "2025-10-20T12:00:00Z",
        &["list", "--regime", "us-ccl", "--format", "json"],
    );
    assert_eq!(row(&ccl, "1C998")["status"], "in-force");
    assert!(
        row(&ccl, "3B993")["description"]
            .as_str()
            .unwrap()
            .contains("rare earth permanent magnets")
    );
    assert_eq!(row(&ccl, "0A919")["status"], "removed");
    assert_eq!(row(&ccl, "0A919")["since"], "2025-10-14");
    let changes = us.json(
        "2025-10-20T12:00:00Z",
        &["changes", "--since", "2025-10-01", "--format", "json"],
    );
    let kinds: Vec<(&str, &str)> = changes
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| Some((c["kind"].as_str()?, c["code"].as_str()?)))
        .collect();
    assert!(kinds.contains(&("modified", "3B993")), "{kinds:?}");
    assert!(kinds.contains(&("added", "1C998")), "{kinds:?}");
    assert!(kinds.contains(&("status-changed", "0A919")), "{kinds:?}");
    // Every entry is restated by the new version; only what differs is a change.
    assert!(!kinds.iter().any(|(_, c)| *c == "3A001"), "{kinds:?}");
    let text = us.text(
        "2025-10-20T12:00:00Z",
        &["changes", "--since", "2025-10-01", "--format", "text"],
    );
    assert!(
        text.contains("FR Doc. 2025-18811"),
        "the CCL revision names its rule:\n{text}"
    );

    // One code across regimes.
    let side = us.json(
        "2025-10-20T12:00:00Z",
        &["code", "3a001", "--format", "json"],
    );
    let regimes = side["regimes"].as_array().unwrap();
    let us_ccl = regimes.iter().find(|r| r["regime"] == "us-ccl").unwrap();
    assert_eq!(us_ccl["entries"][0]["code"], "3A001", "{side}");
    let eu = regimes
        .iter()
        .find(|r| r["regime"] == "eu-dual-use")
        .unwrap();
    assert!(
        eu["none"].as_str().unwrap().contains("not tracked"),
        "{side}"
    );
    let text = us.text("2025-10-20T12:00:00Z", &["code", "1C998"]);
    assert!(text.contains("1C998  in-force since 2025-10-14"), "{text}");
}
