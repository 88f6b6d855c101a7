//! Sources configured in schedule.toml alone: three differently built lists read by selectors,
//! a page watched for text changes with its noise ignored, and `try`.

use std::path::{Path, PathBuf};

use crate::support::*;

fn sites() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sites")
}

const SOURCES: &str = r##"
[[source]]
id = "trade-a"
profile = "generic"
regime = "xa-export"
url = "https://www.trade-a.example/notices/index.html"
schedule = "0 * * * *"
[source.generic]
links = "table.list td a"
title = "h1.title"
key = 'No\. (?P<number>\d+) of (?P<year>\d{4})'
authority = "XTA"
date = "p.meta"
date_format = "%d/%m/%Y"
effective = "p.eff"
body = "div.content"
rows = "table.items tr"
code = "td:nth-child(1)"
description = "td:nth-child(2)"
customs = "td:nth-child(3)"
item_type = "td:nth-child(4)"

[[source]]
id = "trade-b"
profile = "generic"
regime = "xb-dual-use"
url = "https://www.trade-b.example/news/index.html"
schedule = "0 * * * *"
[source.generic]
links = "ul.notices li a"
next_page = "a.next"
max_pages = 3
title = "h2.headline"
key = '(?P<number>\d+)/(?P<year>\d{4})'
authority = "XTB"
date = "time.issued"
body = "section.text"
rows = "ul.controls li"
code = ".code"
description = ".desc"

[[source]]
id = "trade-c"
profile = "generic"
regime = "xc-export"
url = "https://www.trade-c.example/bulletins/index.html"
schedule = "0 * * * *"
[source.generic]
links = "div.list a"
title = "h1"
key = 'Bulletin (?P<number>\d+) \((?P<year>\d{4})\)'
authority = "XTC"
date = "#date"
body = "#main"
code_pattern = '\b\d[A-E]\d{3}(?:\.[a-z])?\b'

[[source]]
id = "guidance"
profile = "page"
url = "https://www.notices-d.example/guidance.html"
schedule = "0 * * * *"
[source.page]
include = ["main"]
exclude = [".views"]
ignore = ['\d{4}-\d{2}-\d{2} \d{2}:\d{2}']
"##;

fn workspace(site: &Site, sources: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("schedule.toml"),
        format!(
            "[store]\npath = \"test.db\"\n[http]\nmirror = \"http://{}/\"\n[politeness]\nmin_interval_ms = 0\n{sources}",
            site.addr
        ),
    )
    .unwrap();
    dir
}

fn cmd(dir: &Path, now: &str, args: &[&str]) -> std::process::Output {
    assert_cmd::Command::cargo_bin("regwatch")
        .unwrap()
        .arg("--config")
        .arg(dir.join("schedule.toml"))
        .args(args)
        .env("REGWATCH_NOW", now)
        .env_remove("REGWATCH_DB")
        .output()
        .unwrap()
}

fn json(o: std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&o.stderr)))
}

#[test]
fn three_differently_built_lists_are_read_from_configuration_alone() {
    let site = Site::start(&sites());
    site.at("2026-01-05");
    let dir = workspace(&site, SOURCES);
    let now = "2026-01-05T10:00:00Z";
    let out = cmd(dir.path(), now, &["check", "--all", "--format", "json"]);
    let summary = json(out);
    for s in summary["sources"].as_array().unwrap() {
        assert_eq!(s["ok"], true, "{s:#}");
    }
    let anns = json(cmd(dir.path(), now, &["announcements", "--format", "json"]));
    let by_key = |k: &str| {
        anns.as_array()
            .unwrap()
            .iter()
            .find(|a| a["key"] == k)
            .unwrap_or_else(|| panic!("{k} missing from {anns:#}"))
            .clone()
    };
    // A table-based list, entries in table rows, dates in a chosen format.
    let a = by_key("XTA-2026-12");
    assert_eq!(a["issued"], "2026-01-05");
    assert_eq!(a["effective"][0]["date"], "2026-02-01");
    assert_eq!(a["entries"][0]["code"], "3A991.a");
    assert_eq!(a["entries"][0]["regime"], "xa-export");
    assert_eq!(a["entries"][0]["hs_codes"], serde_json::json!(["85423100"]));
    assert_eq!(a["entries"][1]["item_type"], "technology");
    assert_eq!(
        by_key("XTA-2025-7")["entries"][0]["hs_codes"],
        serde_json::json!(["81129200", "28112990"])
    );
    // A <ul> list over two pages: the second page's announcement is found too.
    let b = by_key("XTB-2025-9");
    assert_eq!(b["issued"], "2025-12-01");
    let codes: Vec<&str> = b["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["6A003.b", "9A012"]);
    by_key("XTB-2026-3");
    // Prose: codes found by a pattern, the rest of the line as description, no duplicates.
    let c = by_key("XTC-2025-44");
    assert_eq!(c["issued"], "2025-12-20");
    let codes: Vec<&str> = c["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["1C350", "2B350"]);
    assert_eq!(c["entries"][0]["hs_codes"], serde_json::json!(["29310095"]));
    // Regimes keep the lists apart.
    let xa = json(cmd(
        dir.path(),
        now,
        &[
            "list",
            "--regime",
            "xa-export",
            "--as-of",
            "2026-03-01",
            "--format",
            "json",
        ],
    ));
    let codes: Vec<&str> = xa
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["1C011", "3A991.a", "3E991"]);
    let feb = json(cmd(
        dir.path(),
        now,
        &[
            "list",
            "--regime",
            "xa-export",
            "--as-of",
            "2026-01-20",
            "--format",
            "json",
        ],
    ));
    let e = feb
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["code"] == "3A991.a")
        .unwrap();
    assert_eq!(e["status"], "not-yet-effective");
}

#[test]
fn a_watched_page_records_real_edits_and_ignores_its_noise() {
    let site = Site::start(&sites());
    let dir = workspace(&site, SOURCES);
    let check = |date: &str| {
        site.at(date);
        let now = format!("{date}T10:00:00Z");
        json(cmd(
            dir.path(),
            &now,
            &["check", "--source", "guidance", "--format", "json"],
        ))
    };
    let first = check("2026-01-05");
    assert_eq!(first["changes"], 1, "{first:#}"); // published
    // Only the view counter and the timestamp changed.
    let second = check("2026-01-06");
    assert_eq!(second["sources"][0]["new_versions"], 1, "{second:#}");
    assert_eq!(second["changes"], 0, "{second:#}");
    // The rule changed.
    let third = check("2026-01-07");
    assert_eq!(third["changes"], 1, "{third:#}");
    let changes = json(cmd(
        dir.path(),
        "2026-01-07T10:00:00Z",
        &["changes", "--format", "json", "--since", "2026-01-07"],
    ));
    assert_eq!(changes[0]["kind"], "text-edited");
    assert_eq!(
        changes[0]["sentence"],
        "Watched page guidance changed: version 1 → 2, 1 line changed (regwatch diff PAGE-guidance)."
    );
    assert_eq!(changes[0]["announcement"], "PAGE-guidance");
    let diff = cmd(
        dir.path(),
        "2026-01-07T10:00:00Z",
        &["diff", "PAGE-guidance"],
    );
    let diff = String::from_utf8(diff.stdout).unwrap();
    assert!(
        diff.contains("~ Licences for the items in Notice 12 are issued within [-45-]{+30+} days."),
        "{diff}"
    );
    assert!(!diff.contains("Page views"), "{diff}");
}

#[test]
fn a_selector_that_matches_nothing_is_a_failure_and_try_names_it() {
    let site = Site::start(&sites());
    site.at("2026-01-05");
    let broken = SOURCES.replace("rows = \"table.items tr\"", "rows = \"table.products tr\"");
    let dir = workspace(&site, &broken);
    let now = "2026-01-05T10:00:00Z";
    let out = cmd(
        dir.path(),
        now,
        &["check", "--source", "trade-a", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(3));
    let summary = json(out);
    let error = summary["sources"][0]["error"].as_str().unwrap();
    assert!(
        error.contains("the rows selector \"table.products tr\" matched nothing"),
        "{error}"
    );
    assert_eq!(summary["changes"], 0);

    let tried = cmd(dir.path(), now, &["try", "trade-a", "--limit", "1"]);
    assert_eq!(tried.status.code(), Some(3));
    let text = String::from_utf8(tried.stdout).unwrap();
    assert!(text.contains("2 announcement link(s)"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.contains("table.products tr") && l.contains(" 0 match(es)")),
        "{text}"
    );
    assert!(
        text.contains("the rows selector \"table.products tr\" matched nothing"),
        "{text}"
    );
    // Only `check` (above) made the database; `try` added nothing to it.
    let conn = rusqlite::Connection::open(dir.path().join("test.db")).unwrap();
    let pages: i64 = conn
        .query_row("SELECT COUNT(*) FROM snapshot", [], |r| r.get(0))
        .unwrap();
    drop(conn);
    let again = cmd(dir.path(), now, &["try", "trade-a", "--limit", "2"]);
    assert_eq!(again.status.code(), Some(3));
    let conn = rusqlite::Connection::open(dir.path().join("test.db")).unwrap();
    let after: i64 = conn
        .query_row("SELECT COUNT(*) FROM snapshot", [], |r| r.get(0))
        .unwrap();
    assert_eq!(pages, after, "try wrote to the store");

    // The working configuration: try shows the entries it would extract.
    let good = workspace(&site, SOURCES);
    let tried = cmd(good.path(), now, &["try", "trade-a", "--format", "json"]);
    assert_eq!(tried.status.code(), Some(0));
    let r = json(tried);
    assert_eq!(r["announcements"][0]["key"], "XTA-2026-12");
    assert_eq!(r["announcements"][0]["entries"][0]["code"], "3A991.a");
    assert!(r["problems"].as_array().unwrap().is_empty(), "{r:#}");
}

#[test]
fn links_are_read_again_when_the_links_selector_changes_even_if_the_index_did_not() {
    let site = Site::start(&sites());
    site.at("2026-01-05");
    let dir = workspace(&site, SOURCES);
    let check = |now: &str| {
        let out = cmd(
            dir.path(),
            now,
            &["check", "--source", "trade-a", "--format", "json"],
        );
        (out.status.code(), json(out)["sources"][0].clone())
    };
    let (code, first) = check("2026-01-05T10:00:00Z");
    assert_eq!(code, Some(0), "{first:#}");
    let links = first["links"].as_u64().unwrap();
    assert!(links > 0);
    // The links read from the index version are kept, so a 304 needs no second reading.
    let conn = rusqlite::Connection::open(dir.path().join("test.db")).unwrap();
    let kept: i64 = conn
        .query_row("SELECT COUNT(*) FROM index_links", [], |r| r.get(0))
        .unwrap();
    assert_eq!(kept, 1);
    drop(conn);

    // Same index bytes (304), another selector: the kept links must not be used.
    let config = dir.path().join("schedule.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let changed = text.replace("links = \"table.list td a\"", "links = \"table.nothing a\"");
    assert_ne!(text, changed);
    std::fs::write(&config, &changed).unwrap();
    let before = site.not_modified();
    let (code, second) = check("2026-01-05T11:00:00Z");
    assert!(
        site.not_modified() > before,
        "the index was not asked conditionally"
    );
    assert_eq!(code, Some(3), "{second:#}");
    assert_eq!(second["ok"], false, "{second:#}");

    // Back to the working selector: the same links as the first time.
    std::fs::write(&config, &text).unwrap();
    let (code, third) = check("2026-01-05T12:00:00Z");
    assert_eq!(code, Some(0), "{third:#}");
    assert_eq!(third["links"].as_u64().unwrap(), links);
}

#[test]
fn generic_configuration_is_checked_when_it_loads() {
    let site = Site::start(&sites());
    let bad_selector =
        SOURCES.replacen("links = \"table.list td a\"", "links = \"table..list\"", 1);
    let dir = workspace(&site, &bad_selector);
    let out = cmd(dir.path(), "2026-01-05T10:00:00Z", &["check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("invalid CSS selector \"table..list\""),
        "{err}"
    );
    let no_regime = SOURCES.replacen("regime = \"xa-export\"\n", "", 1);
    let dir = workspace(&site, &no_regime);
    let out = cmd(dir.path(), "2026-01-05T10:00:00Z", &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("key `regime` is required"));
}
