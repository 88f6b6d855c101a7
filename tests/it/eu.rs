//! The EU's Annex I end to end: a local server answers as EUR-Lex does (its list of consolidated
//! versions, each version's XHTML; fixtures under `snapshots/eu/`), and two checks read a
//! replacement of the whole annex.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::support::{Reply, Server};

fn fixture(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("snapshots/eu/eurlex")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn html(body: String) -> Reply {
    (
        "200 OK",
        vec![("Content-Type".into(), "text/html; charset=UTF-8".into())],
        body.into_bytes(),
    )
}

#[test]
fn an_annex_replacement_by_control_code_with_its_act() {
    let later = Arc::new(Mutex::new(false));
    let flag = later.clone();
    let server = Server::start(move |path, _| {
        let later = *flag.lock().unwrap();
        match path {
            "/eur-lex.europa.eu/legal-content/EN/ALL/?uri=CELEX:32021R0821" => {
                let list = fixture("consolidations.html");
                html(if later {
                    list
                } else {
                    // Before November 2024 the list ends at the 2023 version.
                    list.lines()
                        .filter(|l| !l.contains("20241108"))
                        .collect::<Vec<_>>()
                        .join("\n")
                })
            }
            "/eur-lex.europa.eu/legal-content/EN/TXT/HTML/?uri=CELEX:02021R0821-20231216" => {
                html(fixture("02021R0821-20231216.html"))
            }
            "/eur-lex.europa.eu/legal-content/EN/TXT/HTML/?uri=CELEX:02021R0821-20241108"
                if later =>
            {
                html(fixture("02021R0821-20241108.html"))
            }
            _ => ("404 Not Found", Vec::new(), Vec::new()),
        }
    });
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("schedule.toml"),
        format!(
            r#"
[store]
path = "eu.db"

[http]
mirror = "http://{}/"
timeout_secs = 5

[politeness]
min_interval_ms = 0

[[source]]
id = "eu-annex-i"
profile = "eurlex"
url = "https://eur-lex.europa.eu/legal-content/EN/ALL/?uri=CELEX:32021R0821"
schedule = "30 9 * * 1-5"
timezone = "Europe/Brussels"
min_entries = 3
baseline = false
"#,
            server.addr
        ),
    )
    .unwrap();
    let run = |now: &str, args: &[&str]| {
        let out = assert_cmd::Command::cargo_bin("regwatch")
            .unwrap()
            .arg("--config")
            .arg(dir.path().join("schedule.toml"))
            .env("REGWATCH_NOW", now)
            .env_remove("REGWATCH_DB")
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    run("2024-01-10T10:00:00Z", &["check", "--all"]);
    *later.lock().unwrap() = true;
    run("2024-11-20T10:00:00Z", &["check", "--all"]);

    let list: Value = serde_json::from_str(&run(
        "2024-11-20T10:00:00Z",
        &["list", "--regime", "eu-dual-use", "--format", "json"],
    ))
    .unwrap();
    let status = |code: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|e| e["code"] == code)
            .map(|e| e["status"].as_str().unwrap().to_string())
    };
    assert_eq!(status("1C907").as_deref(), Some("in-force"));
    assert_eq!(
        status("1C240").as_deref(),
        Some("removed"),
        "dropped by the replacement"
    );
    assert_eq!(status("3A001").as_deref(), Some("in-force"));
    assert_eq!(status("def:superalloys").as_deref(), Some("in-force"));

    let changes: Value = serde_json::from_str(&run(
        "2024-11-20T10:00:00Z",
        &["changes", "--since", "2024-11-01", "--format", "json"],
    ))
    .unwrap();
    let kinds: Vec<(String, String)> = changes
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| Some((c["kind"].as_str()?.into(), c["code"].as_str()?.into())))
        .collect();
    for (k, c) in [
        ("added", "1C907"),
        ("modified", "1C011"),
        ("modified", "def:superalloys"),
        ("status-changed", "1C240"),
    ] {
        assert!(
            kinds.contains(&(k.into(), c.into())),
            "{k} {c} not in {kinds:?}"
        );
    }
    assert!(
        !kinds.iter().any(|(_, c)| c == "3A001"),
        "an unchanged entry is not a change: {kinds:?}"
    );
    let text = run(
        "2024-11-20T10:00:00Z",
        &["changes", "--since", "2024-11-01"],
    );
    assert!(
        text.contains("by Commission Delegated Regulation (EU) 2024/2547 of 5 September 2024"),
        "the replacement names its act:\n{text}"
    );
    // Side by side with the US CCL's number: the EU's entry.
    let code = run("2024-11-20T10:00:00Z", &["code", "3A001"]);
    assert!(code.contains("eu-dual-use\n  3A001  in-force"), "{code}");
    assert!(code.contains("us-ccl\n  us-ccl is not tracked"), "{code}");
}
