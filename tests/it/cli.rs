//! Command-line behaviour: config errors, the demo, exit codes.

use assert_cmd::Command;

use crate::support::{Site, Workspace, repo_snapshots};

#[test]
fn a_bad_config_line_names_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("schedule.toml");
    std::fs::write(
        &path,
        "[[source]]\nid = \"x\"\nprofile = \"mofcom\"\nurl = \"https://www.mofcom.gov.cn/\"\nschedule = \"0 * * * *\"\nshedule_tz = \"UTC\"\n",
    )
    .unwrap();
    let out = Command::cargo_bin("regwatch")
        .unwrap()
        .arg("--config")
        .arg(&path)
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("schedule.toml"), "{err}");
    assert!(err.contains("line 6"), "{err}");
    assert!(err.contains("shedule_tz"), "{err}");

    std::fs::write(&path, "[[source]]\nid = \"x\"\nprofile = \"mofcom\"\nurl = \"ftp://example.org/\"\nschedule = \"0 * * * *\"\n").unwrap();
    let out = Command::cargo_bin("regwatch")
        .unwrap()
        .arg("--config")
        .arg(&path)
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("line 4") && err.contains("ftp://example.org/"),
        "{err}"
    );
}

#[test]
fn a_missing_config_file_is_a_usage_error() {
    let out = Command::cargo_bin("regwatch")
        .unwrap()
        .args(["--config", "/nonexistent/regwatch.toml", "check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("/nonexistent/regwatch.toml")
    );
}

#[test]
fn demo_tells_the_2025_story() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let out = Command::cargo_bin("regwatch")
        .unwrap()
        .arg("--db")
        .arg(&db)
        .arg("demo")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let step = |date: &str| {
        let start = text
            .find(&format!("=== {date}"))
            .unwrap_or_else(|| panic!("no step {date}:\n{text}"));
        let rest = &text[start + 4..];
        let end = rest.find("=== ").unwrap_or(rest.len());
        rest[..end].to_string()
    };
    // The first check records what already existed as a baseline, one line per announcement.
    let april = step("2025-04-04");
    assert!(
        april.contains("BASELINE   Already published when regwatch began reading its source (MOFCOM/GAC No. 18 of 2025, effective 2025-04-04): 21 entries on the list"),
        "{april}"
    );
    assert!(!april.contains("ADDED"), "{april}");
    let october = step("2025-10-09");
    assert!(
        october.contains("ADDED      1E902.a  technologies for rare-earth mining"),
        "{october}"
    );
    assert!(
        october.contains("ADDED      1E902.b  technologies for the assembly, commissioning"),
        "{october}"
    );
    assert!(
        october.contains("MOFCOM Announcement No. 61 of 2025"),
        "{october}"
    );
    assert!(
        !october.contains("1C902.a"),
        "April's entries are not re-added in October"
    );
    let november = step("2025-11-07");
    assert!(november.contains("SUSPENDED  MOFCOM Nos. 55, 56, 57, 58, 61, 62 of 2025 · by MOFCOM No. 70 of 2025 · 2025-11-07 → 2026-11-10"), "{november}");
    // The US and EU lists, each change with the act that made it.
    assert!(
        october.contains(
            "ADDED      CHINA, PEOPLE'S REPUBLIC OF: jiangxi example rare earth smelting"
        ) && october.contains("by BIS rule FR Doc. 2025-16001 (90 FR 44321)"),
        "an Entity List rule adding a party:\n{october}"
    );
    assert!(
        november.contains("ADDED      1C998")
            && november.contains("MODIFIED   3B993")
            && november.contains("by BIS rule FR Doc. 2025-18811 (90 FR 47201)"),
        "a CCL revision:\n{november}"
    );
    assert!(
        november.contains("BIS document on public inspection, FR Doc. 2025-20500")
            && november.contains("to be published 2025-11-10"),
        "an early warning:\n{november}"
    );
    // One number, three lists: China's battery cells, the US CCL's and the EU's electronics.
    let code = Command::cargo_bin("regwatch")
        .unwrap()
        .arg("--db")
        .arg(&db)
        .args(["code", "3A001", "--as-of", "2026-01-01", "--format", "json"])
        .output()
        .unwrap();
    let code: serde_json::Value = serde_json::from_slice(&code.stdout).unwrap();
    for regime in ["cn-dual-use", "us-ccl", "eu-dual-use"] {
        let side = code["regimes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["regime"] == regime)
            .unwrap();
        assert_eq!(side["entries"][0]["code"], "3A001", "{regime}: {code}");
    }
    let eu = step("2025-11-17");
    assert!(
        eu.contains("ADDED      3B904")
            && eu.contains("by Commission Delegated Regulation (EU) 2025/2003 of 8 September 2025"),
        "an EU annex replacement:\n{eu}"
    );
    // The report opens with what happened, one line per cause: the No. 62 addition, the
    // No. 70 suspension, the day it ended.
    let report = Command::cargo_bin("regwatch")
        .unwrap()
        .arg("--db")
        .arg(&db)
        // China's story (the demo also replays the US and EU lists).
        .args(["changes", "--regime", "cn"])
        .output()
        .unwrap();
    let report = String::from_utf8(report.stdout).unwrap();
    let summary = &report[..report.find("\n\n").unwrap()];
    assert!(summary.starts_with("What happened:\n  * Already published when regwatch began (baseline, not each reported): MOFCOM No. 23 of 2023 (14 entries), MOFCOM No. 18 of 2025 (21 entries)"), "{summary}");
    let at = |needle: &str| {
        summary
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} not in the summary:\n{summary}"))
    };
    let added = at(
        "* MOFCOM No. 62 of 2025 (effective 2025-10-09) added 3 entries to the export control list: 1E902.a Technologies for rare earth mining",
    );
    let suspended = at(
        "* MOFCOM No. 70 of 2025 suspended 23 entries of MOFCOM Nos. 55, 56, 57, 58, 61, 62 of 2025, 2025-11-07 → 2026-11-10",
    );
    let ended = at(
        "* 2026-11-11: the suspension by MOFCOM No. 70 of 2025 ended; 23 entries apply again, incl. 1E902.a",
    );
    assert!(added < suspended && suspended < ended, "{summary}");
    // The 23 status changes of that day are one row under their cause.
    assert!(
        report
            .contains("STATUS     23 entries → in-force (as of 2026-11-11, MOFCOM No. 62 of 2025)")
            || report.contains("entries → in-force (as of 2026-11-11"),
        "{report}"
    );
    assert!(report.contains("the Chinese text prevails"));

    // Small things a new user hits on the demo's database.
    let run = |now: &str, args: &[&str]| -> (i32, String) {
        let out = Command::cargo_bin("regwatch")
            .unwrap()
            .arg("--db")
            .arg(&db)
            .args(args)
            .env("REGWATCH_NOW", now)
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    // The silent edit in the snapshots, word by word.
    let (code, diff) = run("2026-11-30T00:00:00Z", &["diff", "MOFCOM-2025-61"]);
    assert_eq!(code, 0);
    assert!(diff.contains("现[-将-]{+就+}有关事项公告如下"), "{diff}");
    // An RFC 3339 time is the day it is in Beijing.
    assert_eq!(
        run(
            "2026-11-30T00:00:00Z",
            &[
                "list",
                "--as-of",
                "2026-11-10T20:00:00Z",
                "--format",
                "json"
            ]
        )
        .1,
        run(
            "2026-11-30T00:00:00Z",
            &["list", "--as-of", "2026-11-11", "--format", "json"]
        )
        .1
    );
    // The next event beyond the window, and the stale sources, are said.
    let (_, ahead) = run("2025-10-10T00:00:00Z", &["upcoming", "--days", "5"]);
    assert!(
        ahead.contains("Next after 2025-10-15: 2025-11-07 — "),
        "{ahead}"
    );
    let (_, stale) = run("2026-11-30T00:00:00Z", &["changes"]);
    assert!(
        stale.contains("mofcom-policy: STALE: last checked 18 days ago; last successful check 2026-11-11T02:00:00Z"),
        "{stale}"
    );
    // English for every entry: MOFCOM's own where its English site has the announcement (No. 18
    // in part, No. 62 weeks later), the gloss elsewhere; almost no Chinese left in the English.
    let (_, list) = run("2026-11-30T00:00:00Z", &["list", "--format", "json"]);
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    let rows = list.as_array().unwrap();
    let row = |code: &str| rows.iter().find(|e| e["code"] == code).unwrap().clone();
    assert_eq!(row("1E902.a")["description_en_source"], "official");
    assert!(
        row("1E902.a")["description_en"]
            .as_str()
            .unwrap()
            .starts_with("Technologies for rare earth mining, smelting and separation")
    );
    assert_eq!(row("1C902.b")["description_en_source"], "official");
    assert_eq!(row("1C903.b")["description_en_source"], "gloss");
    assert_eq!(
        row("1C903.b")["description_en"],
        "gadolinium oxide and mixtures thereof"
    );
    let chinese_left = rows
        .iter()
        .filter(|e| {
            e["description_en"]
                .as_str()
                .unwrap()
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
        })
        .count();
    assert!(
        rows.len() >= 60 && chinese_left * 20 <= rows.len(),
        "{chinese_left} of {}",
        rows.len()
    );
    // The translation that came weeks later is one change, not one per entry.
    let (_, changes) = run("2026-11-30T00:00:00Z", &["changes", "--format", "json"]);
    let changes: serde_json::Value = serde_json::from_str(&changes).unwrap();
    let translated: Vec<_> = changes
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "translated")
        .collect();
    assert_eq!(translated.len(), 2, "{translated:#?}");
    assert!(translated.iter().any(
        |c| c["announcement"] == "MOFCOM-2025-62" && c["observed_at"] == "2025-11-07T02:00:00Z"
    ));
    // `--lang en` has the English alone; `--lang zh` the Chinese alone.
    let (_, en) = run("2026-11-30T00:00:00Z", &["--lang", "en", "list"]);
    assert!(
        en.contains("Technologies for rare earth mining") && !en.contains("稀土开采"),
        "{en}"
    );
    let (_, zh) = run("2026-11-30T00:00:00Z", &["--lang", "zh", "list"]);
    assert!(
        !zh.contains("Technologies for rare earth mining") && zh.contains("稀土开采"),
        "{zh}"
    );

    // `--help` offers only the formats a command renders.
    let (_, help) = run("2026-11-30T00:00:00Z", &["list", "--help"]);
    assert!(
        help.contains("[possible values: text, md, csv, json, html]"),
        "{help}"
    );
    let (_, help) = run("2026-11-30T00:00:00Z", &["screen", "--help"]);
    assert!(help.contains("[possible values: text, json]"), "{help}");

    // The database it leaves behind answers the other commands.
    let list = Command::cargo_bin("regwatch")
        .unwrap()
        .arg("--db")
        .arg(&db)
        .args(["list", "--as-of", "2026-01-01", "--format", "json"])
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|e| e["code"] == "1E902.a" && e["status"] == "suspended")
    );
}

#[test]
fn reports_render_identically_from_the_same_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    Command::cargo_bin("regwatch")
        .unwrap()
        .arg("--db")
        .arg(&db)
        .arg("demo")
        .assert()
        .success();
    for format in ["text", "md", "json"] {
        let run = || {
            Command::cargo_bin("regwatch")
                .unwrap()
                .arg("--db")
                .arg(&db)
                .args(["changes", "--format", format])
                .output()
                .unwrap()
                .stdout
        };
        let first = run();
        assert!(!first.is_empty());
        assert_eq!(first, run(), "{format} output differs between runs");
    }
}

#[test]
fn under_cron_check_draws_no_progress() {
    let site = Site::start(&repo_snapshots());
    site.at("2025-10-09");
    let ws = Workspace::new(&site, "");
    // stderr is a pipe here, as under cron: no bar, no spinner, no control characters.
    let out = ws
        .cmd("2025-10-09T02:00:00Z")
        .arg("check")
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("pages") && !err.contains('\u{1b}'), "{err}");
}
