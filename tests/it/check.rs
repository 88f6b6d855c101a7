//! `regwatch check` against the snapshot server: additions, 304s, modifications, URLs, failures.

use crate::support::*;

const APR: &str = "2025-04-04T02:00:00Z";
const OCT: &str = "2025-10-09T02:00:00Z";
const OCT10: &str = "2025-10-10T02:00:00Z";
const NOV: &str = "2025-11-07T02:00:00Z";

#[test]
fn first_check_records_additions_with_citations() {
    let site = Site::start(&repo_snapshots());
    let ws = Workspace::new(&site, "");
    site.at("2025-10-09");
    let (code, summary) = ws.check(OCT);
    assert_eq!(code, 0, "{summary}");
    assert!(summary["changes"].as_u64().unwrap() > 20);

    let changes = ws.json(OCT, &["changes", "--format", "json"]);
    let added = changes_of_kind(&changes, "added");
    let e = added
        .iter()
        .find(|c| c["code"] == "1E902.a")
        .expect("1E902.a added");
    assert_eq!(e["announcement"], "MOFCOM-2025-62");
    assert_eq!(e["citation"], "MOFCOM Announcement No. 62 of 2025");
    assert_eq!(e["issued"], "2025-10-09");
    assert_eq!(e["observed_at"], OCT);
    assert!(
        e["url"]
            .as_str()
            .unwrap()
            .starts_with("https://www.mofcom.gov.cn/zwgk/zcfb/art/2025/")
    );
    assert_eq!(e["sha256"].as_str().unwrap().len(), 64);
    assert!(
        e["sentence"]
            .as_str()
            .unwrap()
            .starts_with("Added to the export control list: 1E902.a technologies for rare-earth mining, smelting and separation")
    );

    let text = ws.cmd(OCT).args(["changes"]).output().unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.lines().any(|l| l.contains("ADDED")
            && l.contains("1E902.a")
            && l.ends_with("— MOFCOM Announcement No. 62 of 2025, issued 2025-10-09")),
        "{text}"
    );
}

#[test]
fn unchanged_recheck_is_answered_with_304s_and_records_nothing() {
    let site = Site::start(&repo_snapshots());
    let ws = Workspace::new(&site, "");
    site.at("2025-10-09");
    ws.check(OCT);
    let before = site.not_modified();
    let stored = ws.store().snapshot_stats().unwrap().0;
    // Two articles whose last fetch had failed (as a timeout leaves them): a 304 clears that.
    // (This year's: a re-check reads the first page of the policy column's list.)
    let articles = "role = 'announcement' AND snapshot IS NOT NULL AND url LIKE '%/art/2025/%'";
    let failing = ws.execute(&format!(
        "UPDATE page SET last_error = 'timed out' WHERE url IN (
             SELECT url FROM page WHERE {articles} ORDER BY url LIMIT 2)"
    ));
    assert_eq!(failing, 2);
    let (code, summary) = ws.check("2025-10-09T04:00:00Z");
    assert_eq!(
        ws.count(&format!(
            "SELECT COUNT(*) FROM page WHERE {articles} AND last_error IS NOT NULL"
        )),
        0
    );
    assert_eq!(code, 0);
    assert_eq!(summary["changes"], 0);
    let mut answered_304 = 0;
    for s in summary["sources"].as_array().unwrap() {
        // The policy column's list comes from the CMS API, which sends no validators and a new
        // `traceId` in every answer: fetched whole, judged unchanged by the list it carries.
        let api_answers = u64::from(s["id"] == "mofcom-policy");
        assert_eq!(s["fetched"], api_answers, "{s}");
        assert_eq!(s["new_versions"], 0, "{s}");
        // Every other page (the column shell, the articles) answered 304.
        assert_eq!(
            s["not_modified"].as_u64().unwrap(),
            s["links"].as_u64().unwrap() + 1,
            "{s}"
        );
        answered_304 += s["not_modified"].as_u64().unwrap();
    }
    assert_eq!(site.not_modified() - before, answered_304);
    // No new version of anything was stored, the list API's answer included.
    let after = ws.store().snapshot_stats().unwrap().0;
    assert_eq!(after, stored);
    let changes = ws.json(
        OCT,
        &[
            "changes",
            "--format",
            "json",
            "--since",
            "2025-10-09T03:00:00Z",
        ],
    );
    assert_eq!(changes.as_array().unwrap().len(), 0);
    // No copy of any page was added (the WAL may hold page updates, not new snapshots).
    let store = ws.store();
    let (versions, _, _) = store.snapshot_stats().unwrap();
    // The column shell, two pages of its list (a first check reads them all), six articles; the
    // licensing bureau's index and reprint.
    assert_eq!(versions, 3 + 6 + 2);
}

/// The demo's snapshots in `dir`, with a later capture (2025-10-20) in which No. 55's
/// micropowder threshold is corrected from 50 to 40 µm; returns the article's path on its site.
fn no_55_corrected_on_10_20(dir: &std::path::Path) -> &'static str {
    copy_tree(&repo_snapshots(), dir);
    let rel = "www.mofcom.gov.cn/zwgk/zcfb/art/2025/art_9a41c0d7e25b4f3a8c6d1e0f2b3a4c55.html";
    let original = std::fs::read_to_string(dir.join("mofcom/2025-10-09").join(rel)).unwrap();
    let edited = original.replace("平均粒径不大于50微米", "平均粒径不大于40微米");
    assert_ne!(original, edited);
    let later = dir.join("mofcom/2025-10-20").join(rel);
    std::fs::create_dir_all(later.parent().unwrap()).unwrap();
    std::fs::write(&later, edited).unwrap();
    rel
}

#[test]
fn a_changed_page_records_a_modification_with_a_redline() {
    let tmp = tempfile::tempdir().unwrap();
    no_55_corrected_on_10_20(tmp.path());

    let site = Site::start(tmp.path());
    let ws = Workspace::new(&site, "");
    site.at("2025-10-09");
    ws.check(OCT);
    site.at("2025-10-20");
    let (code, summary) = ws.check("2025-10-20T02:00:00Z");
    assert_eq!(code, 0);
    // The entry's modification, and the edit of the text as a document.
    assert_eq!(summary["changes"], 2, "{summary}");
    let changes = ws.json(
        OCT,
        &["changes", "--format", "json", "--since", "2025-10-20"],
    );
    let edited = changes_of_kind(&changes, "text-edited");
    assert_eq!(edited.len(), 1);
    assert_eq!(edited[0]["announcement"], "MOFCOM-2025-55");
    assert_eq!(edited[0]["before"]["version"], 1);
    assert_eq!(edited[0]["after"]["version"], 2);
    assert_eq!(edited[0]["after"]["changed_lines"], 1);
    assert!(
        edited[0]["sentence"].as_str().unwrap().starts_with(
            "Text of MOFCOM/GAC Announcement No. 55 of 2025 edited after publication: version 1 → 2"
        ),
        "{}",
        edited[0]
    );
    let diff = ws
        .cmd(OCT)
        .args(["diff", "MOFCOM-2025-55"])
        .output()
        .unwrap();
    assert!(diff.status.success());
    let diff = String::from_utf8(diff.stdout).unwrap();
    assert!(
        diff.contains("~ 2C902.a | 人造金刚石微粉，平均粒径不大于[-50-]{+40+}微米 | 71051020"),
        "{diff}"
    );
    assert!(
        diff.contains("from version 1 · observed 2025-10-09T02:00:00Z"),
        "{diff}"
    );
    let json = ws.json(
        OCT,
        &[
            "diff",
            "mofcom-2025-55",
            "--from",
            "1",
            "--to",
            "2",
            "--format",
            "json",
        ],
    );
    assert_eq!(json["hunks"][0][1]["op"], "reworded");
    let none = ws
        .cmd(OCT)
        .args(["diff", "MOFCOM-2025-62"])
        .output()
        .unwrap();
    // Nothing to compare is an answer, not a bad command line.
    assert_eq!(none.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&none.stdout)
            .contains("one text version on record: nothing to compare")
    );
    let m = changes_of_kind(&changes, "modified");
    assert_eq!(m.len(), 1);
    assert_eq!(m[0]["code"], "2C902.a");
    assert_eq!(
        m[0]["before"]["description"],
        "人造金刚石微粉，平均粒径不大于50微米"
    );
    assert_eq!(
        m[0]["after"]["description"],
        "人造金刚石微粉，平均粒径不大于40微米"
    );
    let text = ws
        .cmd(OCT)
        .args(["changes", "--since", "2025-10-20"])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains(
            "MODIFIED   2C902.a  description: 人造金刚石微粉，平均粒径不大于[-50-]{+40+}微米"
        ),
        "{text}"
    );
    // Both versions are kept as evidence.
    let store = ws.store();
    // 11 pages on 10-09 (the column shell, two pages of its list, six articles, the licensing
    // bureau's two), the edit, and the licensing bureau's 10-10 index and reprint.
    assert_eq!(store.snapshot_stats().unwrap().0, 11 + 1 + 2);
}

#[test]
fn a_page_version_keeps_when_it_was_last_seen_after_the_page_moves_on() {
    let tmp = tempfile::tempdir().unwrap();
    let url = format!("https://{}", no_55_corrected_on_10_20(tmp.path()));

    let site = Site::start(tmp.path());
    let ws = Workspace::new(&site, "");
    let current = |ws: &Workspace| {
        let store = ws.store();
        store.page_body(&url).unwrap().unwrap().snapshot
    };
    site.at("2025-10-09");
    ws.check(OCT);
    let v1 = current(&ws);
    // A 304 confirms the version without rewriting the stored page.
    let before = site.not_modified();
    ws.check("2025-10-09T04:00:00Z");
    assert!(site.not_modified() > before);
    let store = ws.store();
    assert_eq!(
        store.snapshot_seen(v1).unwrap(),
        Some((OCT.to_string(), "2025-10-09T04:00:00Z".to_string()))
    );
    drop(store);

    site.at("2025-10-20");
    ws.check("2025-10-20T02:00:00Z");
    let v2 = current(&ws);
    assert_ne!(v1, v2);
    let store = ws.store();
    // The old version was last seen at its last confirmation, not when it was replaced.
    assert_eq!(
        store.snapshot_seen(v1).unwrap(),
        Some((OCT.to_string(), "2025-10-09T04:00:00Z".to_string()))
    );
    assert_eq!(
        store.snapshot_seen(v2).unwrap(),
        Some((
            "2025-10-20T02:00:00Z".to_string(),
            "2025-10-20T02:00:00Z".to_string()
        ))
    );
    drop(store);
    ws.check("2025-10-21T02:00:00Z");
    let store = ws.store();
    assert_eq!(
        store.snapshot_seen(v2).unwrap().unwrap().1,
        "2025-10-21T02:00:00Z"
    );
}

#[test]
fn one_announcement_at_two_urls_is_one_announcement() {
    let site = Site::start(&repo_snapshots());
    let ws = Workspace::new(&site, "");
    site.at("2025-10-09");
    ws.check(OCT);
    site.at("2025-10-10");
    let (code, summary) = ws.check(OCT10);
    assert_eq!(code, 0);
    // The GBK reprint (charset only in <meta>) reads exactly like the original: no change.
    assert_eq!(summary["changes"], 0, "{summary}");
    let anns = ws.json(OCT10, &["announcements", "--format", "json"]);
    let a62: Vec<_> = anns
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["key"] == "MOFCOM-2025-62")
        .collect();
    assert_eq!(a62.len(), 1);
    let urls: Vec<&str> = a62[0]["urls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap())
        .collect();
    assert_eq!(urls.len(), 2, "{urls:?}");
    assert!(
        urls.iter()
            .any(|u| u.starts_with("https://www.mofcom.gov.cn/"))
    );
    assert!(
        urls.iter()
            .any(|u| u.starts_with("https://xkzj.mofcom.gov.cn/"))
    );
    assert_eq!(a62[0]["authorities"], serde_json::json!(["MOFCOM"]));
    let codes: Vec<&str> = a62[0]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    // The two listed technologies and the catch-all licensing rule of clause 二.
    assert_eq!(codes, ["1E902.a", "1E902.b", "MOFCOM-2025-62#m2"]);
}

#[test]
fn suspension_is_recorded_and_the_list_follows_the_dates() {
    let site = Site::start(&repo_snapshots());
    let ws = Workspace::new(&site, "");
    for (date, now) in [
        ("2025-04-04", APR),
        ("2025-10-09", OCT),
        ("2025-11-07", NOV),
    ] {
        site.at(date);
        assert_eq!(ws.check(now).0, 0);
    }
    let changes = ws.json(
        NOV,
        &["changes", "--format", "json", "--since", "2025-11-07"],
    );
    let s = changes_of_kind(&changes, "suspended");
    assert_eq!(s.len(), 1);
    assert_eq!(s[0]["announcement"], "MOFCOM-2025-70");
    assert_eq!(
        s[0]["after"]["targets"],
        serde_json::json!([
            "MOFCOM-2025-55",
            "MOFCOM-2025-56",
            "MOFCOM-2025-57",
            "MOFCOM-2025-58",
            "MOFCOM-2025-61",
            "MOFCOM-2025-62"
        ])
    );
    assert_eq!(s[0]["after"]["from"], "2025-11-07");
    assert_eq!(s[0]["after"]["until"], "2026-11-10");

    let status = |as_of: &str, code: &str| {
        let list = ws.json(NOV, &["list", "--as-of", as_of, "--format", "json"]);
        list.as_array()
            .unwrap()
            .iter()
            .find(|e| e["code"] == code)
            .cloned()
    };
    let e = status("2025-10-20", "2C902.a").unwrap();
    assert_eq!(e["status"], "not-yet-effective");
    assert_eq!(e["effective_from"], "2025-11-08");
    let e = status("2026-01-01", "1E902.a").unwrap();
    assert_eq!(e["status"], "suspended");
    assert_eq!(e["until"], "2026-11-10");
    // Listed by No. 62, suspended by No. 70 since its first day.
    assert_eq!(e["announcement"], "MOFCOM-2025-62");
    assert_eq!(e["status_by"], "MOFCOM-2025-70");
    assert_eq!(e["since"], "2025-11-07");
    assert!(e["url"].as_str().unwrap().starts_with("https://"));
    assert_eq!(
        status("2026-11-11", "1E902.a").unwrap()["status"],
        "in-force"
    );
    assert_eq!(
        status("2026-01-01", "1C902.a").unwrap()["status"],
        "in-force"
    );
    assert!(
        status("2025-01-01", "1E902.a").is_none(),
        "not listed before it was issued"
    );
}

#[test]
fn a_missing_source_fails_alone_and_the_exit_code_says_so() {
    let site = Site::start(&repo_snapshots());
    let ws = Workspace::new(
        &site,
        r#"
[[source]]
id = "gone"
profile = "mofcom"
url = "https://www.mofcom.gov.cn/no/such/index.html"
schedule = "0 * * * *"
"#,
    );
    site.at("2025-10-09");
    let (code, summary) = ws.check(OCT);
    assert_eq!(code, 3, "{summary}");
    let sources = summary["sources"].as_array().unwrap();
    let gone = sources.iter().find(|s| s["id"] == "gone").unwrap();
    assert_eq!(gone["ok"], false);
    assert!(
        gone["error"].as_str().unwrap().contains("HTTP 404"),
        "{gone}"
    );
    let policy = sources.iter().find(|s| s["id"] == "mofcom-policy").unwrap();
    assert_eq!(policy["ok"], true);
    assert!(policy["changes"].as_u64().unwrap() > 0);
    let status = ws.cmd(OCT).arg("sources").output().unwrap();
    let status = String::from_utf8(status.stdout).unwrap();
    assert!(
        status.contains("FAILING       1 consecutive failure (last 2025-10-09T02:00:00Z): HTTP 404 from https://www.mofcom.gov.cn/no/such/index.html"),
        "{status}"
    );
    assert!(
        status.contains("known         6 announcements · 58 entries"),
        "{status}"
    );
    assert!(status.contains("next due 2025-10-09T02:07:00Z"), "{status}");
}

#[test]
fn a_failing_source_is_reported_once_when_it_fails_and_once_when_it_recovers() {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&repo_snapshots(), tmp.path());
    // From 10-20 the missing list exists.
    let later = tmp
        .path()
        .join("mofcom/2025-10-20/www.mofcom.gov.cn/no/such/index.html");
    std::fs::create_dir_all(later.parent().unwrap()).unwrap();
    std::fs::copy(
        tmp.path()
            .join("mofcom/2025-04-04/www.mofcom.gov.cn/zwgk/zcfb/index.html"),
        &later,
    )
    .unwrap();
    let site = Site::start(tmp.path());
    let ws = Workspace::new(
        &site,
        r#"
[[source]]
id = "gone"
profile = "mofcom"
url = "https://www.mofcom.gov.cn/no/such/index.html"
schedule = "0 * * * *"
"#,
    );
    site.at("2025-10-09");
    let health = |now: &str| -> Vec<String> {
        let changes = ws.json(now, &["changes", "--format", "json"]);
        changes
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["kind"].as_str().unwrap().starts_with("source-"))
            .map(|c| {
                format!(
                    "{} {}",
                    c["kind"].as_str().unwrap(),
                    c["observed_at"].as_str().unwrap()
                )
            })
            .collect()
    };
    for hour in 2..=5 {
        let now = format!("2025-10-09T{hour:02}:00:00Z");
        assert_eq!(ws.check(&now).0, 3);
    }
    // The default threshold is 3: reported at the third failure, not at the fourth.
    assert_eq!(
        health("2025-10-09T05:00:00Z"),
        ["source-failing 2025-10-09T04:00:00Z"]
    );
    let changes = ws.json("2025-10-09T05:00:00Z", &["changes", "--format", "json"]);
    let failing = changes_of_kind(&changes, "source-failing");
    assert!(
        failing[0]["sentence"].as_str().unwrap().starts_with(
            "Source gone is failing: 3 consecutive checks failed, the last with: HTTP 404"
        ),
        "{}",
        failing[0]
    );
    site.at("2025-10-20");
    assert_eq!(ws.check("2025-10-20T02:00:00Z").0, 0);
    assert_eq!(ws.check("2025-10-20T03:00:00Z").0, 0);
    assert_eq!(
        health("2025-10-20T03:00:00Z"),
        [
            "source-failing 2025-10-09T04:00:00Z",
            "source-recovered 2025-10-20T02:00:00Z"
        ]
    );
    // Reports say how current each source is.
    let text = ws
        .cmd("2025-10-20T03:00:00Z")
        .args(["changes"])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains(
            "How current this is:\n  mofcom-policy: last successful check 2025-10-20T03:00:00Z"
        ),
        "{text}"
    );
}

#[test]
fn a_dead_server_is_a_failed_source_not_a_crash() {
    // Bind then drop a listener: nothing listens on that port any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("schedule.toml");
    std::fs::write(
        &config,
        format!(
            "[http]\ntimeout_secs = 2\nconnect_timeout_secs = 1\n[[source]]\nid = \"dead\"\nprofile = \"mofcom\"\nurl = \"http://127.0.0.1:{port}/index.html\"\nschedule = \"0 * * * *\"\n"
        ),
    )
    .unwrap();
    let out = assert_cmd::Command::cargo_bin("regwatch")
        .unwrap()
        .arg("--config")
        .arg(&config)
        .args(["check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("dead") && stdout.contains("FAILED") && stdout.contains("cannot connect"),
        "{stdout}"
    );
}

#[test]
fn an_index_that_lists_nothing_is_an_extraction_failure_not_a_mass_removal() {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&repo_snapshots(), tmp.path());
    let broken = tmp
        .path()
        .join("mofcom/2025-10-20/www.mofcom.gov.cn/zwgk/zcfb/index.html");
    std::fs::create_dir_all(broken.parent().unwrap()).unwrap();
    std::fs::write(
        &broken,
        "<html><body><div id=app></div><script>render()</script></body></html>",
    )
    .unwrap();
    let site = Site::start(tmp.path());
    let ws = Workspace::new(&site, "");
    site.at("2025-10-09");
    ws.check(OCT);
    site.at("2025-10-20");
    let (code, summary) = ws.check("2025-10-20T02:00:00Z");
    assert_eq!(code, 3);
    assert_eq!(summary["changes"], 0);
    let policy = &summary["sources"][0];
    assert!(
        policy["error"]
            .as_str()
            .unwrap()
            .contains("lists no announcement links"),
        "{policy}"
    );
    let list = ws.json(OCT, &["list", "--as-of", "2025-10-20", "--format", "json"]);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|e| e["code"] == "1E902.a")
    );
}

#[test]
fn an_error_page_served_with_200_is_reported_every_run_and_removes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&repo_snapshots(), tmp.path());
    let rel = "www.mofcom.gov.cn/zwgk/zcfb/art/2025/art_7f2b9d4e6a1c3e5b8d0f2a4c6e8b0d62.html";
    let broken = tmp.path().join("mofcom/2025-10-20").join(rel);
    std::fs::create_dir_all(broken.parent().unwrap()).unwrap();
    std::fs::write(
        &broken,
        "<html><body><h1>系统维护中，请稍后访问</h1></body></html>",
    )
    .unwrap();
    // On 10-30 the page is back, byte for byte.
    let fixed = tmp.path().join("mofcom/2025-10-30").join(rel);
    std::fs::create_dir_all(fixed.parent().unwrap()).unwrap();
    std::fs::copy(tmp.path().join("mofcom/2025-10-09").join(rel), &fixed).unwrap();

    let site = Site::start(tmp.path());
    let ws = Workspace::new(&site, "");
    site.at("2025-10-09");
    ws.check(OCT);
    site.at("2025-10-20");
    for now in ["2025-10-20T02:00:00Z", "2025-10-20T04:00:00Z"] {
        let (code, summary) = ws.check(now);
        assert_eq!(
            code, 3,
            "the broken page is reported on every run: {summary}"
        );
        assert_eq!(summary["changes"], 0);
        let failures = summary["sources"][0]["failures"].as_array().unwrap();
        assert_eq!(failures.len(), 1);
        assert!(
            failures[0]["reason"]
                .as_str()
                .unwrap()
                .contains("no document number")
        );
    }
    let list = ws.json(OCT, &["list", "--as-of", "2025-10-21", "--format", "json"]);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|e| e["code"] == "1E902.a")
    );
    site.at("2025-10-30");
    let (code, summary) = ws.check("2025-10-30T02:00:00Z");
    assert_eq!(code, 0, "{summary}");
    assert_eq!(summary["changes"], 0);
    let changes = ws.json(
        OCT,
        &["changes", "--format", "json", "--since", "2025-10-10"],
    );
    assert_eq!(changes.as_array().unwrap().len(), 0, "{changes}");
}

#[test]
fn a_reprint_that_disagrees_is_recorded_and_not_believed() {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&repo_snapshots(), tmp.path());
    // The licensing bureau's GBK reprint of No. 62 loses 1E902.b.
    let reprint = tmp.path().join(
        "mofcom/2025-10-10/xkzj.mofcom.gov.cn/tzgg/art/2025/art_8b0d2f4a6c8e0b2d4f6a8c0e2b4d6f62.html",
    );
    let bytes = std::fs::read(&reprint).unwrap();
    let (text, _, _) = encoding_rs::GBK.decode(&bytes);
    let cut: String = text
        .lines()
        .filter(|l| !l.contains("1E902.b"))
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(cut.len(), text.len());
    std::fs::write(&reprint, encoding_rs::GBK.encode(&cut).0).unwrap();

    let site = Site::start(tmp.path());
    let ws = Workspace::new(&site, "");
    for (date, now) in [("2025-10-09", OCT), ("2025-10-10", OCT10)] {
        site.at(date);
        assert_eq!(ws.check(now).0, 0);
    }
    let changes = ws.json(
        OCT10,
        &["changes", "--format", "json", "--since", "2025-10-10"],
    );
    let all = changes.as_array().unwrap();
    assert_eq!(all.len(), 1, "{changes:#}");
    let d = &all[0];
    assert_eq!(d["kind"], "copies-disagree");
    assert_eq!(d["announcement"], "MOFCOM-2025-62");
    assert!(d["url"].as_str().unwrap().starts_with("https://xkzj."));
    assert_eq!(
        d["after"]["differences"],
        serde_json::json!(["entries missing: 1E902.b"])
    );
    assert!(
        d["sentence"]
            .as_str()
            .unwrap()
            .contains("which regwatch keeps"),
        "{d}"
    );
    // And it is a doubt about No. 62, until someone looks.
    let doubts = ws.json(OCT10, &["doubts", "--format", "json"]);
    assert!(
        doubts
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["kind"] == "copies-disagree"
                && x["announcement"] == "MOFCOM-2025-62"
                && x["detail"]
                    .as_str()
                    .unwrap()
                    .contains("entries missing: 1E902.b")),
        "{doubts:#}"
    );

    // The first copy stays authoritative: 1E902.b is still listed; and a second look at the same
    // pages records nothing new.
    let list = ws.json(
        OCT10,
        &["list", "--format", "json", "--as-of", "2025-10-10"],
    );
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|e| e["code"] == "1E902.b")
    );
    let (code, summary) = ws.check(OCT10);
    assert_eq!(
        (code, summary["changes"].as_u64()),
        (0, Some(0)),
        "{summary}"
    );
}

/// A capture layer with the 2026-8 fixture: its article lists nothing itself, its entries are in
/// a PDF and an HTML annex.
fn annex_layer(root: &std::path::Path, date: &str, article: &str, annex2: &str) {
    let fixtures =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mofcom/annex");
    let dir = root
        .join("mofcom")
        .join(date)
        .join("www.mofcom.gov.cn/zwgk/zcfb");
    std::fs::create_dir_all(dir.join("art/2026")).unwrap();
    std::fs::write(
        dir.join("index.html"),
        r#"<html><body><ul><li><a href="/zwgk/zcfb/art/2026/art_8.html">商务部 海关总署公告2026年第8号 关于对部分稀土永磁材料相关物项实施出口管制的决定</a></li></ul></body></html>"#,
    )
    .unwrap();
    std::fs::write(dir.join("art/2026/art_8.html"), article).unwrap();
    std::fs::copy(
        fixtures.join("2026-8-annex1.pdf"),
        dir.join("art/2026/P020260415_1.pdf"),
    )
    .unwrap();
    std::fs::write(dir.join("art/2026/annex_8_2.html"), annex2).unwrap();
}

#[test]
fn annexes_are_followed_their_changes_reported_and_a_missing_one_blocks_nothing_else() {
    let fixtures =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mofcom/annex");
    let article = std::fs::read_to_string(fixtures.join("2026-8-article.html")).unwrap();
    let annex2 = std::fs::read_to_string(fixtures.join("2026-8-annex2.html")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&repo_snapshots(), tmp.path());
    annex_layer(tmp.path(), "2026-04-15", &article, &annex2);
    // Five days later only the HTML annex changed.
    let edited = annex2.replace("专门设计用于", "专门设计或改进用于");
    annex_layer(tmp.path(), "2026-04-20", &article, &edited);
    // Then the article points at an annex the server does not have.
    let broken = article.replace("P020260415_1.pdf", "P020260425_1.pdf");
    annex_layer(tmp.path(), "2026-04-25", &broken, &edited);

    let site = Site::start(tmp.path());
    let ws = Workspace::new(&site, "");
    let (t1, t2, t3) = (
        "2026-04-15T09:00:00Z",
        "2026-04-20T09:00:00Z",
        "2026-04-25T09:00:00Z",
    );
    site.at("2026-04-15");
    ws.check(t1);
    let list = ws.json(t1, &["list", "--format", "json", "--as-of", "2026-05-01"]);
    let codes: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    for code in ["1C909.a", "1C909.c", "1B909", "1E909", "1D909"] {
        assert!(codes.contains(&code), "{code} not in {codes:?}");
    }
    let pdf_entry = list
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["code"] == "1C909.a")
        .unwrap();
    assert_eq!(pdf_entry["hs_codes"], serde_json::json!(["85051110"]));

    site.at("2026-04-20");
    let (code, summary) = ws.check(t2);
    assert_eq!(
        (code, summary["changes"].as_u64()),
        (0, Some(2)),
        "the entry and the text: {summary}"
    );
    let changes = ws.json(
        t2,
        &["changes", "--format", "json", "--since", "2026-04-20"],
    );
    let modified = changes_of_kind(&changes, "modified");
    assert_eq!(modified.len(), 1, "{changes:#}");
    assert_eq!(modified[0]["code"], "1D909");
    assert_eq!(
        changes_of_kind(&changes, "text-edited").len(),
        1,
        "{changes:#}"
    );
    assert_eq!(changes.as_array().unwrap().len(), 2, "{changes:#}");

    site.at("2026-04-25");
    let (code, summary) = ws.check(t3);
    assert_eq!(code, 3, "a missing annex fails the source: {summary}");
    let failure = summary["sources"][0]["failures"][0]["reason"]
        .as_str()
        .unwrap();
    assert!(failure.contains("P020260425_1.pdf"), "{failure}");
    let changes = ws.json(
        t3,
        &["changes", "--format", "json", "--since", "2026-04-25"],
    );
    assert_eq!(
        changes.as_array().unwrap().len(),
        0,
        "nothing removed: {changes:#}"
    );
    let list = ws.json(t3, &["list", "--format", "json", "--as-of", "2026-05-01"]);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|e| e["code"] == "1C909.a")
    );
    // The article was put back to its previous version, so the next check reads it again.
    let (code, _) = ws.check(t3);
    assert_eq!(code, 3);
}

#[test]
fn a_sharp_drop_in_entries_is_an_extraction_failure_not_removals() {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&repo_snapshots(), tmp.path());
    // No. 18's page comes back with its groups for gadolinium … yttrium lost (a template change
    // that dropped most paragraphs): 3 of 21 entries remain.
    let rel = "www.mofcom.gov.cn/zwgk/zcfb/art/2025/art_0b6f1c2d3e4a5b6c7d8e9f0a1b2c3d18.html";
    let page = std::fs::read_to_string(tmp.path().join("mofcom/2025-04-04").join(rel)).unwrap();
    let damaged: String = page
        .lines()
        .filter(|l| {
            !["1C903", "1C904", "1C905", "1C906", "1C907", "1C908"]
                .iter()
                .any(|c| l.contains(c))
        })
        .collect::<Vec<_>>()
        .join("\n");
    let later = tmp.path().join("mofcom/2025-10-09").join(rel);
    std::fs::create_dir_all(later.parent().unwrap()).unwrap();
    std::fs::write(&later, damaged).unwrap();

    let site = Site::start(tmp.path());
    let ws = Workspace::new(&site, "");
    site.at("2025-04-04");
    ws.check(APR);
    site.at("2025-10-09");
    let (code, summary) = ws.check(OCT);
    assert_eq!(code, 3, "{summary}");
    let reasons: Vec<&str> = summary["sources"][0]["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("entries collapsed from 21 to 3")),
        "{reasons:?}"
    );
    let changes = ws.json(
        OCT,
        &["changes", "--format", "json", "--since", "2025-10-09"],
    );
    assert!(
        changes_of_kind(&changes, "removed").is_empty(),
        "{changes:#}"
    );
    let list = ws.json(OCT, &["list", "--format", "json", "--as-of", "2025-10-09"]);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|e| e["code"] == "1C908.c")
    );
}

#[test]
fn dates_passing_are_recorded_once_as_status_changes() {
    let site = Site::start(&repo_snapshots());
    let ws = Workspace::new(&site, "");
    for (date, now) in [
        ("2025-04-04", APR),
        ("2025-10-09", OCT),
        ("2025-11-07", NOV),
    ] {
        site.at(date);
        ws.check(now);
    }
    // 23:30 in Beijing on 2026-11-10, the suspension's last day: nothing moves yet.
    let (code, summary) = ws.check("2026-11-10T15:30:00Z");
    assert_eq!(
        (code, summary["status_changes"].as_u64()),
        (0, Some(0)),
        "{summary}"
    );
    // Half an hour after midnight in Beijing: the suspended controls apply again, with no new page.
    let (code, summary) = ws.check("2026-11-10T16:30:00Z");
    assert_eq!(code, 0);
    let moved = summary["status_changes"].as_u64().unwrap();
    assert_eq!(summary["changes"].as_u64(), Some(moved));
    let changes = ws.json(
        "2026-11-10T16:30:00Z",
        &[
            "changes",
            "--format",
            "json",
            "--since",
            "2026-11-10T16:00:00Z",
        ],
    );
    let status = changes_of_kind(&changes, "status-changed");
    assert_eq!(status.len() as u64, moved);
    let e = status.iter().find(|c| c["code"] == "1E902.a").unwrap();
    assert_eq!(e["before"]["status"], "suspended");
    assert_eq!(e["after"]["status"], "in-force");
    // The cause: No. 70's end date passing, cited with No. 70's page and its hash.
    assert_eq!(e["announcement"], "MOFCOM-2025-70");
    assert!(
        e["url"]
            .as_str()
            .unwrap()
            .contains("art_e1d3c5b7a9f0e2d4c6b8a0f1e3d5c770"),
        "{e}"
    );
    assert_eq!(e["sha256"].as_str().map(str::len), Some(64), "{e}");
    assert!(
        e["sentence"].as_str().unwrap().starts_with(
            "In force again from 2026-11-11: 1E902.a technologies for rare-earth mining"
        ) && e["sentence"]
            .as_str()
            .unwrap()
            .ends_with("(the suspension by MOFCOM No. 70 of 2025 has ended)."),
        "{e}"
    );
    // Every suspended entry of Nos. 55, 58, 61 and 62, and nothing of No. 18 (never suspended).
    let codes: Vec<&str> = status.iter().map(|c| c["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"2C902.a") && codes.contains(&"3A001"));
    assert!(codes.iter().all(|c| !c.starts_with("1C90")), "{codes:?}");
    // Recorded once: later checks find nothing new.
    for now in ["2026-11-11T02:00:00Z", "2026-12-01T02:00:00Z"] {
        let (_, summary) = ws.check(now);
        assert_eq!(summary["changes"].as_u64(), Some(0), "{summary}");
    }
    let list = ws.json(
        "2026-11-11T02:00:00Z",
        &["list", "--format", "json", "--as-of", "2026-11-11"],
    );
    let e = list
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["code"] == "1E902.a")
        .unwrap();
    assert_eq!(e["status"], "in-force");
}

#[test]
fn check_runs_only_the_sources_that_are_due() {
    let site = Site::start(&repo_snapshots());
    let ws = Workspace::new(&site, "");
    site.at("2025-10-09");
    let due = |now: &str| -> Vec<String> {
        let out = ws
            .cmd(now)
            .args(["check", "--format", "json"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["sources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect()
    };
    // 10:00 in Beijing: never checked, so both are due.
    assert_eq!(
        due("2025-10-09T02:00:00Z"),
        ["mofcom-policy", "mofcom-xkzj"]
    );
    // 10:30: the policy column's 10:07 slot has passed; the bureau's next is 12:37.
    assert_eq!(due("2025-10-09T02:30:00Z"), ["mofcom-policy"]);
    assert!(due("2025-10-09T02:31:00Z").is_empty());
    assert_eq!(
        due("2025-10-09T04:40:00Z"),
        ["mofcom-policy", "mofcom-xkzj"]
    );
}

#[test]
fn two_checks_at_once_record_each_change_once() {
    let site = Site::start(&repo_snapshots());
    site.at("2025-10-09");
    let ws = Workspace::new(&site, "");
    let spawn = || {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("regwatch"))
            .arg("--config")
            .arg(ws.config())
            .args(["check", "--all", "--format", "json"])
            .env("REGWATCH_NOW", OCT)
            .env_remove("REGWATCH_DB")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert_eq!((a.status.code(), b.status.code()), (Some(0), Some(0)));
    let changes = |o: &std::process::Output| {
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["changes"].as_u64().unwrap()
    };
    // One of them found everything, the other (after waiting for the lock) nothing new.
    let (ca, cb) = (changes(&a), changes(&b));
    assert!(ca.min(cb) == 0 && ca.max(cb) > 20, "{ca} {cb}");
    let total = ws.count("SELECT COUNT(*) FROM change");
    assert_eq!(total as u64, ca.max(cb));
    ws.integrity();
}

#[test]
fn a_busy_database_is_a_clear_error_with_its_own_exit_code() {
    let site = Site::start(&repo_snapshots());
    let ws = Workspace::new(&site, "");
    let _held =
        regwatch::store::lock::StoreLock::acquire_at(&ws.location(), std::time::Duration::ZERO)
            .unwrap();
    let out = ws
        .cmd(OCT)
        .args(["--lock-wait", "1", "check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(6));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("another regwatch (")
            && err.contains(if ws.pg.is_some() {
                "(the session of server process "
            } else {
                "(pid "
            })
            && err.contains("waited 1s"),
        "{err}"
    );
}

/// The first check of a source records what already exists as a baseline — one record per
/// announcement, the list complete — and what appears later is reported as new.
#[test]
fn the_first_check_is_a_baseline_and_later_ones_report_as_now() {
    let site = Site::start(&repo_snapshots());
    let ws = Workspace::new(&site, "");
    let config = std::fs::read_to_string(ws.config()).unwrap();
    std::fs::write(ws.config(), config.replace("baseline = false\n", "")).unwrap();
    site.at("2025-04-04");
    let (code, summary) = ws.check(APR);
    assert_eq!(code, 0, "{summary}");
    let changes = ws.json(APR, &["changes", "--format", "json"]);
    let kinds: std::collections::BTreeSet<&str> = changes
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        ["baseline"],
        "{changes:#}"
    );
    let baseline = changes_of_kind(&changes, "baseline");
    let b18 = baseline
        .iter()
        .find(|c| c["announcement"] == "MOFCOM-2025-18")
        .expect("No. 18 in the baseline");
    assert_eq!(b18["after"]["entries"], 21);
    assert_eq!(b18["sha256"].as_str().map(str::len), Some(64));
    // The list is complete all the same.
    let list = ws.json(APR, &["list", "--format", "json"]);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|e| e["code"] == "1C902.a")
    );

    site.at("2025-10-09");
    ws.check(OCT);
    let changes = ws.json(
        OCT,
        &["changes", "--since", "2025-10-09", "--format", "json"],
    );
    assert!(
        changes_of_kind(&changes, "added")
            .iter()
            .any(|c| c["code"] == "1E902.a"),
        "{changes:#}"
    );
    assert!(changes_of_kind(&changes, "baseline").is_empty());
}
