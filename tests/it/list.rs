//! The list at any date through the whole pipeline: clause-level suspension, repeal, compare,
//! upcoming.

use std::path::Path;

use serde_json::Value;

use crate::support::*;

/// A capture layer with an index listing `pages` (fixture file, article path, title).
fn layer(root: &Path, date: &str, pages: &[(&str, &str, &str)]) {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR"));
    let host = root.join("mofcom").join(date).join("www.mofcom.gov.cn");
    let mut items = String::new();
    for (file, path, title) in pages {
        let target = host.join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(fixtures.join(file), &target).unwrap();
        items.push_str(&format!("<li><a href=\"/{path}\">{title}</a></li>\n"));
    }
    let index = host.join("zwgk/zcfb/index.html");
    std::fs::create_dir_all(index.parent().unwrap()).unwrap();
    std::fs::write(index, format!("<html><body><ul>{items}</ul></body></html>")).unwrap();
}

/// A site with two captures, `(date, pages)` each, and a workspace watching it. The directory is
/// returned so that it outlives the site.
fn two_captures(
    first: (&str, &[(&str, &str, &str)]),
    second: (&str, &[(&str, &str, &str)]),
) -> (tempfile::TempDir, Site, Workspace) {
    let tmp = tempfile::tempdir().unwrap();
    layer(tmp.path(), first.0, first.1);
    layer(tmp.path(), second.0, second.1);
    let site = Site::start(tmp.path());
    let ws = Workspace::new(&site, "");
    (tmp, site, ws)
}

const P46: (&str, &str, &str) = (
    "tests/fixtures/mofcom/2024-46-destination-ban.html",
    "zwgk/zcfb/art/2024/art_46.html",
    "商务部公告2024年第46号 关于加强相关两用物项对美国出口管制的公告",
);
const P72: (&str, &str, &str) = (
    "tests/fixtures/mofcom/2025-72-traditional-clause-suspension.html",
    "zwgk/zcfb/art/2025/art_72.html",
    "商务部公告2025年第七十二号 关于暂停实施商务部公告2024年第46号第二款的公告",
);
const P23: (&str, &str, &str) = (
    "snapshots/mofcom/2025-04-04/www.mofcom.gov.cn/zwgk/zcfb/art/2023/art_5d0c7a1e3b2f4c6a9e8d7b6a5c4f3e21.html",
    "zwgk/zcfb/art/2023/art_23.html",
    "商务部 海关总署公告2023年第23号 关于对镓、锗相关物项实施出口管制的公告",
);
const P3: (&str, &str, &str) = (
    "tests/fixtures/mofcom/2026-3-repeal-supersede-resume.html",
    "zwgk/zcfb/art/2026/art_3.html",
    "商务部 海关总署公告2026年第3号 关于调整部分两用物项出口管制措施的公告",
);

fn entry<'a>(list: &'a Value, code: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|e| e["code"] == code)
        .unwrap_or_else(|| panic!("{code} not listed"))
}

#[test]
fn a_clause_level_suspension_touches_only_that_clause() {
    let (_tmp, site, ws) = two_captures(("2024-12-03", &[P46]), ("2025-11-09", &[P72, P46]));
    site.at("2024-12-03");
    ws.check("2024-12-03T08:00:00Z");
    site.at("2025-11-09");
    ws.check("2025-11-09T08:00:00Z");

    let list = ws.json(
        "2025-11-09T08:00:00Z",
        &["list", "--format", "json", "--as-of", "2025-11-09"],
    );
    let ban = entry(&list, "MOFCOM-2024-46#m1");
    assert_eq!(ban["status"], "in-force");
    assert_eq!(ban["item_type"], "measure");
    let clause2 = entry(&list, "MOFCOM-2024-46#m2");
    assert_eq!(clause2["status"], "suspended");
    assert_eq!(clause2["until"], "2026-11-27");
    assert_eq!(clause2["status_by"], "MOFCOM-2025-72");
    let after = ws.json(
        "2025-11-09T08:00:00Z",
        &["list", "--format", "json", "--as-of", "2026-11-28"],
    );
    assert_eq!(entry(&after, "MOFCOM-2024-46#m2")["status"], "in-force");

    // The suspension's end is ahead, and only clause 二 is in it.
    let ahead = ws.json(
        "2025-11-09T08:00:00Z",
        &["upcoming", "--days", "400", "--format", "json"],
    );
    let events = ahead.as_array().unwrap();
    assert_eq!(events.len(), 1, "{ahead:#}");
    assert_eq!(events[0]["date"], "2026-11-28");
    assert_eq!(events[0]["entry"]["code"], "MOFCOM-2024-46#m2");
    assert_eq!(events[0]["kind"], "status-changed");
    assert!(
        events[0]["summary"]
            .as_str()
            .unwrap()
            .contains("in force again: the suspension by MOFCOM No. 72 of 2025 ends"),
        "{ahead:#}"
    );
}

#[test]
fn a_repeal_takes_effect_on_its_date_and_compare_shows_it() {
    let (_tmp, site, ws) = two_captures(("2025-04-04", &[P23]), ("2026-01-20", &[P3, P23]));
    site.at("2025-04-04");
    ws.check("2025-04-04T02:00:00Z");
    site.at("2026-01-20");
    let now = "2026-01-20T02:00:00Z";
    ws.check(now);

    let feb = ws.json(now, &["list", "--format", "json", "--as-of", "2026-02-28"]);
    assert_eq!(entry(&feb, "MOFCOM-2023-23#1.1.1")["status"], "in-force");
    assert_eq!(entry(&feb, "1C910.a")["status"], "not-yet-effective");
    let mar = ws.json(now, &["list", "--format", "json", "--as-of", "2026-03-01"]);
    let gallium = entry(&mar, "MOFCOM-2023-23#1.1.1");
    assert_eq!(gallium["status"], "repealed");
    assert_eq!(gallium["status_by"], "MOFCOM-2026-3");
    assert_eq!(entry(&mar, "1C910.a")["status"], "in-force");

    let diff = ws.json(
        now,
        &[
            "compare",
            "--from",
            "2026-02-28",
            "--to",
            "2026-03-01",
            "--format",
            "json",
        ],
    );
    let rows = diff.as_array().unwrap();
    // 14 gallium/germanium items repealed, 4 holmium items taking effect.
    assert_eq!(rows.len(), 18, "{diff:#}");
    assert!(rows.iter().all(|r| r["kind"] == "status-changed"));
    let g = rows
        .iter()
        .find(|r| r["after"]["code"] == "MOFCOM-2023-23#1.1.1")
        .unwrap();
    assert_eq!(
        (g["from"].as_str(), g["to"].as_str()),
        (Some("in-force"), Some("repealed"))
    );
    let text = ws
        .cmd(now)
        .args(["compare", "--from", "2026-02-28", "--to", "2026-03-01"])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("STATUS     1C910.a  钬金属、合金及相关产品：1.钬金属；2.钬合金 — not-yet-effective → in-force (MOFCOM No. 3 of 2026)"),
        "{text}"
    );

    let ahead = ws
        .cmd(now)
        .args(["upcoming", "--days", "60"])
        .output()
        .unwrap();
    let ahead = String::from_utf8(ahead.stdout).unwrap();
    assert!(ahead.contains("\n2026-03-01\n"), "{ahead}");
    assert!(
        ahead.contains("1C910.a      holmium metal, alloys and related products: 1. holmium metal; 2. holmium alloys (gloss) — takes effect (MOFCOM No. 3 of 2026)"),
        "{ahead}"
    );
    assert!(
        ahead.contains("repealed by MOFCOM No. 3 of 2026"),
        "{ahead}"
    );

    let bad = ws
        .cmd(now)
        .args(["compare", "--from", "2026-03-01", "--to", "2026-02-01"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn a_date_passing_is_recorded_by_the_next_check_and_only_once() {
    let (_tmp, site, ws) = two_captures(("2025-04-04", &[P23]), ("2026-01-20", &[P3, P23]));
    site.at("2025-04-04");
    ws.check("2025-04-04T02:00:00Z");
    site.at("2026-01-20");
    ws.check("2026-01-20T02:00:00Z");
    // (The fixture's second source has no pages: its failures are changes of their own.)
    let changes = |s: &Value| s["status_changes"].as_u64().unwrap();

    // The same day, nothing new on the site: nothing to record.
    let (_, same_day) = ws.check("2026-01-20T09:00:00Z");
    assert_eq!(changes(&same_day), 0, "{same_day:#}");
    // 1 March (Beijing): the repeal and the holmium items take effect with no page changing.
    let (_, march) = ws.check("2026-03-01T02:00:00Z");
    assert_eq!(changes(&march), 18, "{march:#}");
    let (_, again) = ws.check("2026-03-01T03:00:00Z");
    assert_eq!(changes(&again), 0, "{again:#}");
    let log = ws.json(
        "2026-03-01T03:00:00Z",
        &["changes", "--since", "2026-02-01", "--format", "json"],
    );
    let log: Vec<_> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "status-changed")
        .collect();
    assert_eq!(log.len(), 18, "recorded once: {log:#?}");
}

#[test]
fn a_suspension_read_later_the_same_day_moves_the_status_of_what_it_suspends() {
    let (_tmp, site, ws) = two_captures(("2024-12-03", &[P46]), ("2025-11-09", &[P72, P46]));
    // 2025-11-09: first No. 46 alone, then, the same day, No. 72 suspending its clause 二.
    site.at("2024-12-03");
    ws.check("2025-11-09T01:00:00Z");
    site.at("2025-11-09");
    let (_, later) = ws.check("2025-11-09T08:00:00Z");
    assert_eq!(later["status_changes"], 1, "{later:#}");
    let (_, next_day) = ws.check("2025-11-10T08:00:00Z");
    assert_eq!(next_day["status_changes"], 0, "{next_day:#}");

    let log = ws.json("2025-11-10T08:00:00Z", &["changes", "--format", "json"]);
    let moved: Vec<_> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "status-changed")
        .collect();
    assert_eq!(moved.len(), 1, "{moved:#?}");
    assert_eq!(moved[0]["code"], "MOFCOM-2024-46#m2");
    assert_eq!(moved[0]["after"]["status"], "suspended");
    assert_eq!(moved[0]["after"]["status_by"], "MOFCOM-2025-72");
}

const P2031_3: (&str, &str, &str) = (
    "tests/fixtures/mofcom/2031-3-listing.html",
    "zwgk/zcfb/art/2031/art_3.html",
    "商务部公告2031年第3号 关于对部分磁性材料实施出口管制的决定",
);
const P2031_9: (&str, &str, &str) = (
    "tests/fixtures/mofcom/2031-9-restated-title-suspension.html",
    "zwgk/zcfb/art/2031/art_9.html",
    "商务部 海关总署公告2031年第9号 公布暂停实施2031年第3号公告的决定",
);

/// patterns.md 1 through the whole pipeline: a suspension whose title is restated in its body
/// (traditional script, `、` between the authorities, no header block) is one dated relation; the
/// entry is suspended through the last day, in force the day after, and the suspension is the
/// suspending announcement's.
#[test]
fn a_restated_title_suspension_ends_on_its_date() {
    let (_tmp, site, ws) = two_captures(
        ("2031-06-02", &[P2031_3]),
        ("2031-11-07", &[P2031_3, P2031_9]),
    );
    site.at("2031-11-07");
    ws.check("2031-11-07T08:00:00Z");
    let anns = ws.json(
        "2031-11-07T08:00:00Z",
        &["announcements", "--format", "json"],
    );
    let a9 = anns
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["key"] == "MOFCOM-2031-9")
        .unwrap_or_else(|| panic!("{anns:#}"));
    assert_eq!(a9["issued"], "2031-11-07");
    let relations = a9["relations"].as_array().unwrap();
    assert_eq!(relations.len(), 1, "{relations:#?}");
    assert_eq!(relations[0]["kind"], "suspends");
    assert_eq!(relations[0]["target"], "MOFCOM-2031-3");
    assert_eq!(relations[0]["from"], "2031-11-07");
    assert_eq!(relations[0]["until"], "2032-03-01");
    assert!(a9["doubts"].as_array().unwrap().is_empty(), "{a9:#}");

    let entry = |as_of: &str| -> Value {
        let list = ws.json(
            "2031-11-07T08:00:00Z",
            &["list", "--as-of", as_of, "--format", "json"],
        );
        list.as_array()
            .unwrap()
            .iter()
            .find(|e| e["code"] == "1C999.a")
            .cloned()
            .unwrap_or_else(|| panic!("{list:#}"))
    };
    let during = entry("2032-03-01");
    assert_eq!(during["status"], "suspended");
    assert_eq!(during["status_by"], "MOFCOM-2031-9");
    assert_eq!(during["hs_codes"][0], "8505111000");
    let after = entry("2032-03-02");
    assert_eq!(after["status"], "in-force", "{after:#}");
    assert_eq!(after["status_by"], "MOFCOM-2031-3");
}

/// The demo as a lawyer reads it: the suspension is No. 70's; 3A001, which No. 70 suspended
/// before it took effect, takes effect when the suspension ends (it is not "in force again");
/// the announcements No. 70 names but no page showed are doubts.
#[test]
fn the_demo_credits_statuses_and_says_what_it_has_not_seen() {
    let site = Site::start(&repo_snapshots());
    let ws = Workspace::new(&site, "");
    for (date, now) in [
        ("2025-04-04", "2025-04-04T02:00:00Z"),
        ("2025-10-09", "2025-10-09T02:00:00Z"),
        ("2025-11-07", "2025-11-07T02:00:00Z"),
    ] {
        site.at(date);
        ws.check(now);
    }
    let later = "2026-11-11T02:00:00Z";
    ws.check(later);
    let list = ws.json(
        later,
        &["list", "--as-of", "2026-01-01", "--format", "json"],
    );
    let e = list
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["code"] == "1E902.a")
        .unwrap();
    assert_eq!(e["status"], "suspended");
    assert_eq!(e["status_by"], "MOFCOM-2025-70");
    let changes = ws.json(later, &["changes", "--format", "json"]);
    let moved: Vec<&str> = changes
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "status-changed" && c["code"] == "3A001")
        .map(|c| c["sentence"].as_str().unwrap())
        .collect();
    assert!(
        moved
            .iter()
            .any(|s| s.starts_with("Took effect on 2026-11-11: 3A001")
                && s.contains("not yet in force when the suspension began")),
        "{moved:#?}"
    );
    assert!(
        !moved.iter().any(|s| s.contains("In force again")),
        "{moved:#?}"
    );
    let doubts = ws.json(later, &["doubts", "--format", "json"]);
    let unseen: Vec<&str> = doubts
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "target-not-seen")
        .map(|d| d["detail"].as_str().unwrap())
        .collect();
    assert_eq!(unseen.len(), 2, "{doubts:#}");
    assert!(unseen[0].contains("MOFCOM-2025-56") && unseen[1].contains("MOFCOM-2025-57"));
    // Counted where people look first: the check's summary and `sources`.
    let (_, summary) = ws.check("2026-11-12T02:00:00Z");
    assert_eq!(
        summary["doubts"],
        doubts.as_array().unwrap().len(),
        "{summary:#}"
    );
    let sources = ws.json(later, &["sources", "--format", "json"]);
    let policy = sources
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "mofcom-policy")
        .unwrap();
    assert!(policy["doubts"].as_i64().unwrap() >= 2, "{policy:#}");
    // And in the change report, under the announcement they are about.
    let text = ws.cmd(later).args(["changes"]).output().unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("DOUBT      target-not-seen: suspends MOFCOM-2025-56"),
        "{text}"
    );
}

/// A person's correction: applied now (the list follows), kept over a re-read of a page that
/// still says otherwise, and said to be unnecessary once the page says the same.
#[test]
fn a_correction_holds_over_rereads_until_the_page_agrees() {
    let tmp = tempfile::tempdir().unwrap();
    let fixture =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(P2031_9.0)).unwrap();
    // No. 9 as first published: the suspension's end is missing.
    let variant = |name: &str, operative: &str| -> String {
        let page = fixture.replace(
            "经批准，自即日起至2032年3月1日，商务部公告2031年第3号暂停实施。",
            operative,
        );
        let path = tmp.path().join(name);
        std::fs::write(&path, page).unwrap();
        path.to_str().unwrap().to_string()
    };
    let no_end = variant(
        "9a.html",
        "经批准，自即日起，商务部公告2031年第3号暂停实施。",
    );
    let reworded = variant(
        "9b.html",
        "经研究，自即日起，商务部公告2031年第3号暂停实施。",
    );
    let agrees = variant(
        "9c.html",
        "经批准，自即日起至2032年3月1日，商务部公告2031年第3号暂停实施。",
    );
    let site_root = tmp.path().join("site");
    let p9 = |file: &str| (file.to_string(), P2031_9.1, P2031_9.2);
    for (date, nine) in [
        ("2031-06-02", None),
        ("2031-11-07", Some(p9(&no_end))),
        ("2031-11-20", Some(p9(&reworded))),
        ("2031-12-01", Some(p9(&agrees))),
    ] {
        let mut pages: Vec<(&str, &str, &str)> = vec![P2031_3];
        if let Some((f, path, title)) = &nine {
            pages.push((f.as_str(), path, title));
        }
        layer(&site_root, date, &pages);
    }
    let site = Site::start(&site_root);
    let ws = Workspace::new(&site, "");
    let status_on = |now: &str, as_of: &str| -> String {
        let list = ws.json(now, &["list", "--as-of", as_of, "--format", "json"]);
        list.as_array()
            .unwrap()
            .iter()
            .find(|e| e["code"] == "1C999.a")
            .map(|e| e["status"].as_str().unwrap().to_string())
            .unwrap()
    };
    site.at("2031-06-02");
    ws.check("2031-06-02T08:00:00Z");
    site.at("2031-11-07");
    let now = "2031-11-07T08:00:00Z";
    ws.check(now);
    let doubts = ws.json(now, &["doubts", "--format", "json"]);
    assert!(
        doubts
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["kind"] == "suspension-without-end"),
        "{doubts:#}"
    );
    assert_eq!(status_on(now, "2032-06-01"), "suspended");

    let now = "2031-11-08T08:00:00Z";
    let out = ws
        .cmd(now)
        .args([
            "correct",
            "MOFCOM-2031-9",
            "--relation",
            "suspends:MOFCOM-2031-3",
            "--until",
            "2032-03-01",
            "--by",
            "Jane Roe",
            "--why",
            "the signed original says 至2032年3月1日",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(status_on(now, "2032-03-01"), "suspended");
    assert_eq!(status_on(now, "2032-06-01"), "in-force");
    // Reports on the list say which values are a person's.
    for args in [
        &["list", "--as-of", "2032-03-01"][..],
        &["compare", "--from", "2032-03-01", "--to", "2032-03-02"],
    ] {
        let text = String::from_utf8(ws.cmd(now).args(args).output().unwrap().stdout).unwrap();
        assert!(
            text.contains("Corrected: MOFCOM No. 9 of 2031 — suspends MOFCOM-2031-3: until 2032-03-01 — corrected by Jane Roe on 2031-11-08"),
            "{args:?}: {text}"
        );
    }
    let doubts = ws.json(now, &["doubts", "--format", "json"]);
    assert!(
        !doubts
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["kind"] == "suspension-without-end"),
        "{doubts:#}"
    );
    let changes = ws.json(
        now,
        &["changes", "--format", "json", "--since", "2031-11-08"],
    );
    let corrected = changes_of_kind(&changes, "corrected");
    assert_eq!(corrected.len(), 1);
    assert!(
        corrected[0]["sentence"].as_str().unwrap().starts_with(
            "Corrected by Jane Roe on 2031-11-08: suspends MOFCOM-2031-3: until 2032-03-01"
        ),
        "{corrected:#?}"
    );

    // The page changes but still states no end: the correction stays on top of the reading.
    site.at("2031-11-20");
    let now = "2031-11-20T08:00:00Z";
    ws.check(now);
    assert_eq!(status_on(now, "2032-06-01"), "in-force");
    let corrections = ws.json(now, &["corrections", "--format", "json"]);
    assert_eq!(corrections[0]["unnecessary_since"], Value::Null);
    let anns = ws.json(now, &["announcements", "--format", "json"]);
    let a9 = anns
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["key"] == "MOFCOM-2031-9")
        .unwrap();
    assert_eq!(a9["relations"][0]["until"], "2032-03-01");
    assert_eq!(a9["corrections"][0]["by"], "Jane Roe");

    // The page now says what the correction says: it is unnecessary, and said to be.
    site.at("2031-12-01");
    let now = "2031-12-01T08:00:00Z";
    ws.check(now);
    let corrections = ws.json(now, &["corrections", "--format", "json"]);
    assert_eq!(corrections[0]["unnecessary_since"], now, "{corrections:#}");
    assert_eq!(status_on(now, "2032-06-01"), "in-force");
}
