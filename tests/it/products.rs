//! What a change means for a company's products, who has looked at it, and proof of what the
//! ministry said: `impact`, watches, `review`, `evidence` and `verify`, on the demo's store and on
//! the snapshot server.

use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;

use crate::support::*;

const PRODUCTS: &str = "id,name,hs_codes,control_codes,keywords\n\
M1,Samarium-cobalt magnet SC-26,,,钐钴\n\
B2,Lithium-ion cell 320 Wh/kg,85076000,,\n\
X9,Office chair,94013000,,office chair\n";

fn run(db: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("regwatch")
        .unwrap()
        .arg("--db")
        .arg(db)
        .args(args)
        .env("REGWATCH_NOW", "2026-11-30T00:00:00Z")
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn impact_finds_the_products_an_entry_covers_and_why() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let products = dir.path().join("products.csv");
    std::fs::write(&products, PRODUCTS).unwrap();
    let p = products.to_str().unwrap();
    let at = |date: &str| -> Value {
        let (code, out, err) = run(
            &db,
            &[
                "impact",
                "--products",
                p,
                "--as-of",
                date,
                "--format",
                "json",
            ],
        );
        assert_eq!(code, 0, "{err}");
        serde_json::from_str(&out).unwrap()
    };
    let product = |v: &Value, id: &str| -> Value {
        v.as_array()
            .unwrap()
            .iter()
            .find(|x| x["product"]["id"] == id)
            .unwrap()
            .clone()
    };
    let jan = at("2026-01-01");
    // The magnet, by keyword only: No. 18's samarium entry, in force (No. 70 did not touch No. 18).
    let m1 = product(&jan, "M1");
    let e = &m1["entries"][0];
    assert_eq!(m1["entries"].as_array().unwrap().len(), 1, "{m1:#}");
    assert_eq!(e["entry"]["code"], "1C902.a");
    assert_eq!(e["entry"]["status"], "in-force");
    assert_eq!(e["entry"]["announcement"], "MOFCOM-2025-18");
    assert!(e["why"][0].as_str().unwrap().contains("钐钴"), "{e:#}");
    // The cell, by HS code: 3A001, suspended by No. 70 on that day.
    let b2 = product(&jan, "B2");
    let e = &b2["entries"][0];
    assert_eq!(e["entry"]["code"], "3A001");
    assert_eq!(e["entry"]["status"], "suspended");
    assert_eq!(e["entry"]["status_by"], "MOFCOM-2025-70");
    assert_eq!(e["why"][0], "HS 85076000");
    // The chair: nothing.
    assert_eq!(product(&jan, "X9")["entries"], Value::Array(Vec::new()));

    let nov = at("2026-11-30");
    for id in ["M1", "B2"] {
        assert_eq!(
            product(&nov, id)["entries"][0]["entry"]["status"],
            "in-force",
            "{id}"
        );
    }
    // The English keyword finds the magnet too (in MOFCOM's English for No. 18).
    let english = dir.path().join("en.csv");
    std::fs::write(&english, "id,name,keywords\nM1,magnet,samarium cobalt\n").unwrap();
    let (_, out, _) = run(
        &db,
        &[
            "impact",
            "--products",
            english.to_str().unwrap(),
            "--as-of",
            "2026-01-01",
        ],
    );
    assert!(
        out.contains("1C902.a") && out.contains("in the English (official)"),
        "{out}"
    );
    // CSV for the spreadsheet, with a BOM.
    let (_, csv, _) = run(&db, &["impact", "--products", p, "--format", "csv"]);
    assert!(
        csv.starts_with("\u{feff}product_id,product,code,status"),
        "{csv}"
    );
}

#[test]
fn reviews_survive_a_recheck_show_in_digests_and_shrink_the_unreviewed() {
    let site = Site::start(&repo_snapshots());
    let extra = format!(
        "{}\n[[watch]]\nname = \"batteries\"\ncodes = [\"3A001\"]\nhs_prefixes = [\"8507\"]\n",
        digest_config(1)
    );
    let ws = Workspace::new(&site, &extra);
    site.at("2025-10-09");
    ws.check("2025-10-09T02:00:00Z");
    let now = "2025-10-09T03:00:00Z";
    let unreviewed = |ws: &Workspace| -> Vec<Value> {
        ws.json(now, &["review", "--unreviewed", "--format", "json"])
            .as_array()
            .unwrap()
            .clone()
    };
    let before = unreviewed(&ws);
    assert!(before.len() > 10);
    // A watch on batteries: only the changes touching it.
    let watched = ws.json(
        now,
        &["changes", "--watch", "batteries", "--format", "json"],
    );
    let watched = watched.as_array().unwrap();
    assert!(!watched.is_empty());
    assert!(
        watched.iter().all(|c| c["touches"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "watch batteries")),
        "{watched:#?}"
    );
    assert!(watched.iter().any(|c| c["code"] == "3A001"));
    let ids: Vec<String> = watched
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    // The feed follows the watch too.
    let feed = ws
        .cmd(now)
        .args(["feed", "--watch", "batteries"])
        .output()
        .unwrap();
    let feed = String::from_utf8(feed.stdout).unwrap();
    assert_eq!(feed.matches("<entry>").count(), watched.len(), "{feed}");

    let out = ws
        .cmd(now)
        .args(["review"])
        .args(&ids)
        .args([
            "--as",
            "not-applicable",
            "--by",
            "ana",
            "--note",
            "we ship no cells",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(unreviewed(&ws).len(), before.len() - ids.len());
    // An unknown id is refused, and nothing is recorded.
    let out = ws
        .cmd(now)
        .args([
            "review",
            "c0000000000000000",
            "--as",
            "reviewed",
            "--by",
            "ana",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));

    // A re-check that reads the pages again (new versions on 2025-11-07) keeps the reviews.
    site.at("2025-11-07");
    ws.check("2025-11-07T02:00:00Z");
    let later = "2025-11-07T03:00:00Z";
    let changes = ws.json(later, &["changes", "--format", "json"]);
    let reviewed: Vec<&Value> = changes
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| ids.contains(&c["id"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(reviewed.len(), ids.len());
    assert!(
        reviewed
            .iter()
            .all(|c| c["review"]["state"] == "not-applicable" && c["review"]["by"] == "ana")
    );
    // A later review supersedes an earlier one.
    let other = before
        .iter()
        .find(|c| c["kind"] == "added" && !ids.contains(&c["id"].as_str().unwrap().to_string()))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    for (state, by) in [("reviewed", "ana"), ("needs-action", "bo")] {
        let out = ws
            .cmd(later)
            .args(["review", &other, "--as", state, "--by", by])
            .output()
            .unwrap();
        assert!(out.status.success());
    }
    let changes = ws.json(later, &["changes", "--format", "json"]);
    let c = changes
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == other.as_str())
        .unwrap();
    assert_eq!(c["review"]["state"], "needs-action");
    assert_eq!(c["review"]["by"], "bo");

    // The digest shows each change's review state.
    let out = ws.cmd(later).args(["digest"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("[not-applicable by ana 2025-10-09: we ship no cells]"),
        "{text}"
    );
    assert!(text.contains("[needs-action by bo 2025-11-07]"), "{text}");
    assert!(text.contains("[unreviewed]"), "{text}");
    // And the change log as CSV, with the review column.
    let out = ws
        .cmd(later)
        .args(["changes", "--format", "csv"])
        .output()
        .unwrap();
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(
        csv.starts_with("\u{feff}id,kind,regime,code,announcement,citation"),
        "{csv}"
    );
    assert!(csv.contains(",not-applicable,ana,"), "{csv}");
}

#[test]
fn an_evidence_bundle_verifies_and_a_flipped_byte_fails_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let file = dir.path().join("no62.tar");
    let (code, out, err) = run(
        &db,
        &[
            "evidence",
            "MOFCOM-2025-62",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("MOFCOM Announcement No. 62 of 2025"), "{out}");
    let (code, out, err) = run(&db, &["verify", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("intact"), "{out}");

    // The bundle holds the page as served, the extraction and the changes.
    let bytes = std::fs::read(&file).unwrap();
    let mut archive = tar::Archive::new(&bytes[..]);
    let names: Vec<String> = archive
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned())
        .collect();
    for want in [
        "regwatch-evidence/announcement.json",
        "regwatch-evidence/changes.json",
        "regwatch-evidence/manifest.json",
        "regwatch-evidence/texts/v1.txt",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} not in {names:?}");
    }
    assert!(names.iter().any(|n| n.ends_with("/body")));
    let at = bytes
        .windows("关于对稀土相关技术".len())
        .position(|w| w == "关于对稀土相关技术".as_bytes())
        .expect("the page's own bytes are in the bundle");
    let mut bad = bytes.clone();
    bad[at] ^= 0x01;
    std::fs::write(&file, &bad).unwrap();
    let (code, _, err) = run(&db, &["verify", file.to_str().unwrap()]);
    assert_eq!(code, 7, "{err}");
    assert!(
        err.contains("regwatch-evidence/") && err.contains("altered"),
        "{err}"
    );

    // A change id names its announcement's evidence too.
    let (_, changes, _) = run(&db, &["changes", "--format", "json"]);
    let changes: Value = serde_json::from_str(&changes).unwrap();
    let id = changes
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["announcement"] == "MOFCOM-2025-70")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let file70 = dir.path().join("c.tar");
    let (code, out, err) = run(&db, &["evidence", &id, "--out", file70.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("No. 70 of 2025"), "{out}");
}
