//! Lists of parties through the whole pipeline: a control-list announcement with its parties in
//! an annex, read by `check`, on `list --regime cn-control-list`, in `changes`, and found by
//! `screen` under any of their names.

use serde_json::Value;

use crate::support::{Server, html};

const LISTING: &str = r#"<html><head><meta charset="utf-8"><meta name="ArticleTitle" content="商务部公告2031年第21号 关于将示例航空技术公司等4家美国实体列入出口管制管控名单的公告"></head><body>
<div class="art-con" ergodic="article">
<div class="art-con-gonggao"><p>【发布单位】商务部</p><p>【发布文号】商务部公告2031年第21号</p><p>【发文日期】2031年4月4日</p></div>
<p>根据有关规定，商务部决定将示例航空技术公司等4家美国实体列入出口管制管控名单（见附件），并采取以下措施：</p>
<p>一、禁止向上述实体出口两用物项；正在开展的相关出口活动应当立即停止。</p>
<p>二、本公告自公布之日起正式实施。</p>
<p>商务部</p><p>2031年4月4日</p>
<p>附件</p><p>出口管制管控名单（2031年4月4日）</p>
<p>1. 示例航空技术公司（Example Aero Technologies, Inc.）</p>
<p>2.示例飞行公司(Example Flight LLC)</p>
<p>3. 美国某某集团</p>
<p>4. 示例洞察公司（Example Insights Inc.）及其分支机构</p>
<p>-Example Insights Europe Limited</p>
<p>5.</p>
</div></body></html>"#;

/// The working mechanism lists a party with one measure, and a later decision adds another.
const UEL_LISTING: &str = r#"<html><head><meta charset="utf-8"></head><body><div class="art-con" ergodic="article">
<p>不可靠实体清单工作机制公告〔2031〕2号</p>
<p>工作机制决定将示例导弹公司（Example Missiles Corporation）列入不可靠实体清单，并采取以下措施：</p>
<p>一、禁止该企业从事与中国有关的进出口活动。</p><p>二、本公告自公布之日起实施。</p>
<p>不可靠实体清单工作机制</p><p>2031年2月4日</p></div></body></html>"#;
const UEL_MEASURES: &str = r#"<html><head><meta charset="utf-8"></head><body><div class="art-con" ergodic="article">
<p>不可靠实体清单工作机制公告〔2031〕4号</p>
<p>工作机制于2031年2月4日将示例导弹公司列入不可靠实体清单。现决定对其采取以下措施：</p>
<p>一、禁止该企业在中国境内新增投资。</p><p>二、本公告自公布之日起实施。</p>
<p>不可靠实体清单工作机制</p><p>2031年3月1日</p></div></body></html>"#;

fn site() -> Server {
    Server::start(|path, _| match path {
        "/list/index.html" => html(
            "<html><body><ul><li><a href=\"/list/art.html\">商务部公告2031年第21号 关于将示例航空技术公司等4家美国实体列入出口管制管控名单的公告</a></li><li><a href=\"/list/uel2.html\">不可靠实体清单工作机制公告〔2031〕2号</a></li><li><a href=\"/list/uel4.html\">不可靠实体清单工作机制公告〔2031〕4号</a></li></ul></body></html>",
        ),
        "/list/art.html" => html(LISTING),
        "/list/uel2.html" => html(UEL_LISTING),
        "/list/uel4.html" => html(UEL_MEASURES),
        _ => ("404 Not Found", Vec::new(), Vec::new()),
    })
}

#[test]
fn parties_are_listed_reported_and_screened_under_any_name() {
    let server = site();
    let dir = tempfile::tempdir().unwrap();
    // Every party reported as added from the first check on (no baseline).
    std::fs::write(
        dir.path().join("schedule.toml"),
        format!(
            "[store]\npath = \"test.db\"\n[politeness]\nmin_interval_ms = 0\n[[source]]\nid = \"aqygzj\"\nprofile = \"mofcom\"\nurl = \"http://{}/list/index.html\"\nschedule = \"0 * * * *\"\nbaseline = false\n",
            server.addr
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = assert_cmd::Command::cargo_bin("regwatch")
            .unwrap()
            .arg("--config")
            .arg(dir.path().join("schedule.toml"))
            .args(args)
            .env("REGWATCH_NOW", "2031-04-05T02:00:00Z")
            .env_remove("REGWATCH_DB")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    run(&["check", "--all"]);

    let list: Value = serde_json::from_str(&run(&[
        "list",
        "--regime",
        "cn-control-list",
        "--format",
        "json",
    ]))
    .unwrap();
    let parties: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["item_type"] == "entity")
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        parties,
        [
            "EXAMPLE-AERO-TECHNOLOGIES",
            "EXAMPLE-FLIGHT",
            "EXAMPLE-INSIGHTS",
            "EXAMPLE-INSIGHTS-EUROPE",
            "美国某某集团"
        ]
    );
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|e| e["status"] == "in-force")
    );

    let changes: Value = serde_json::from_str(&run(&["changes", "--format", "json"])).unwrap();
    assert!(
        changes.as_array().unwrap().iter().any(|c| c["sentence"]
            == "Added to the export control control list (出口管制管控名单): EXAMPLE-AERO-TECHNOLOGIES Example Aero Technologies, Inc. (MOFCOM No. 21 of 2031, effective 2031-04-04)."),
        "{changes:#}"
    );

    let screened = run(&[
        "screen",
        "EXAMPLE AERO TECHNOLOGIES INC",
        "--format",
        "json",
    ]);
    let hit: Value = serde_json::from_str(screened.lines().next().unwrap()).unwrap();
    assert_eq!(hit["hits"][0]["quality"], "exact", "{hit:#}");
    assert_eq!(hit["hits"][0]["party"]["regime"], "cn-control-list");
    assert_eq!(hit["hits"][0]["party"]["since"], "2031-04-04");
    assert_eq!(hit["hits"][0]["party"]["status_by"], "MOFCOM-2031-21");

    // A branch name finds the branch's listing under its parent; a near miss says so.
    let text = run(&[
        "screen",
        "Example Insights Europe Ltd",
        "Example Aerospace Technologies",
        "Nobody Trading Co.",
    ]);
    assert!(
        text.contains("EXACT     Example Insights Europe Limited，示例洞察公司（Example Insights Inc.）的分支机构"),
        "{text}"
    );
    assert!(
        text.contains("NEAR MISS 示例航空技术公司（Example Aero Technologies, Inc.）"),
        "{text}"
    );
    assert!(
        text.contains("Nobody Trading Co.\n  no listed party matches"),
        "{text}"
    );
    assert!(text.contains("export control control list (出口管制管控名单): in-force since 2031-04-04 (MOFCOM No. 21 of 2031)"), "{text}");

    // The measures that apply: the listing's, and a later decision's naming the party.
    let text = run(&["screen", "Example Missiles Corp."]);
    assert!(
        text.contains(
            "measure: 禁止该企业从事与中国有关的进出口活动 (UEL No. 2 of 2031, in-force)"
        ) && text.contains("measure: 禁止该企业在中国境内新增投资 (UEL No. 4 of 2031, in-force)"),
        "{text}"
    );
    // The listing's measures are not every party's on the list.
    let hit: Value = serde_json::from_str(
        run(&["screen", "示例航空技术公司", "--format", "json"])
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    let measures = hit["hits"][0]["measures"].as_array().unwrap();
    assert_eq!(measures.len(), 1, "{hit:#}");
    assert_eq!(measures[0]["code"], "MOFCOM-2031-21#m1");

    // Many names from a file, JSON lines out.
    let names = dir.path().join("names.txt");
    std::fs::write(
        &names,
        "示例飞行有限公司\nExample Flight, L.L.C.\n\n美国某某集团\n",
    )
    .unwrap();
    let lines = run(&[
        "screen",
        "--file",
        names.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let rows: Vec<Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter().all(|r| r["hits"][0]["quality"] == "exact"),
        "{rows:#?}"
    );
}

/// The demo's story of parties: listed on 2025-10-09, suspended for a year from 2025-11-10 by a
/// later decision, in force again on 2026-11-10.
#[test]
fn the_demo_lists_parties_and_ends_their_suspension() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let out = assert_cmd::Command::cargo_bin("regwatch")
        .unwrap()
        .arg("--db")
        .arg(&db)
        .arg("demo")
        .env_remove("REGWATCH_DB")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status = |as_of: &str, code: &str| -> Value {
        let out = assert_cmd::Command::cargo_bin("regwatch")
            .unwrap()
            .arg("--db")
            .arg(&db)
            .args(["list", "--as-of", as_of, "--format", "json"])
            .output()
            .unwrap();
        let list: Value = serde_json::from_slice(&out.stdout).unwrap();
        list.as_array()
            .unwrap()
            .iter()
            .find(|e| e["code"] == code)
            .cloned()
            .unwrap_or_else(|| panic!("{code} not listed on {as_of}"))
    };
    let e = status("2025-10-10", "EXAMPLE-MISSILES");
    assert_eq!(
        (e["regime"].as_str(), e["status"].as_str()),
        (Some("cn-unreliable-entity"), Some("in-force"))
    );
    let e = status("2026-01-01", "EXAMPLE-MISSILES");
    assert_eq!(e["status"], "suspended");
    assert_eq!(e["status_by"], "UEL-2025-12");
    assert_eq!(e["until"], "2026-11-09");
    assert_eq!(
        status("2026-11-10", "EXAMPLE-MISSILES")["status"],
        "in-force"
    );
    let branch = status("2026-01-01", "EXAMPLE-INSIGHTS-EUROPE");
    assert_eq!(branch["regime"], "cn-control-list");
    assert_eq!(
        status("2026-01-01", "美国示例防务集团")["status"],
        "in-force"
    );
}

const REMOVAL: &str = r#"<html><head><meta charset="utf-8"><meta name="ArticleTitle" content="商务部公告2031年第30号 关于将示例飞行公司移出出口管制管控名单的公告"></head><body>
<div class="art-con" ergodic="article">
<p>商务部公告2031年第30号</p>
<p>经核查，商务部决定将示例飞行公司从出口管制管控名单中移出。</p>
<p>本公告自2031年6月1日起施行。</p>
<p>商务部</p><p>2031年5月20日</p>
</div></body></html>"#;

/// entities.md: a removal (`移出`) naming the party by its Chinese name alone takes it off the
/// list from its effective date, whichever of the two pages is read first: `changes` says
/// REMOVED, `upcoming` shows the day, the status pass records it, `screen` says so.
#[test]
fn a_removal_takes_a_party_off_its_list_from_its_date() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    for removal_first in [false, true] {
        // Stage 0 lists one page, stage 1 both.
        let stage = std::sync::Arc::new(AtomicUsize::new(0));
        let s = stage.clone();
        let server = Server::start(move |path, _| {
            let both = s.load(Ordering::SeqCst) == 1;
            let (first, second) = if removal_first {
                ("/list/removal.html", "/list/art.html")
            } else {
                ("/list/art.html", "/list/removal.html")
            };
            match path {
                "/list/index.html" => {
                    let mut items = format!(
                        "<li><a href=\"{first}\">商务部公告2031年第{} 号</a></li>",
                        if removal_first { 30 } else { 21 }
                    );
                    if both {
                        items.push_str(&format!(
                            "<li><a href=\"{second}\">商务部公告2031年第{}号</a></li>",
                            if removal_first { 21 } else { 30 }
                        ));
                    }
                    html(format!(
                        "<html><body><ul>{}</ul></body></html>",
                        items.replace(" 号", "号")
                    ))
                }
                "/list/art.html" => html(LISTING),
                "/list/removal.html" => html(REMOVAL),
                _ => ("404 Not Found", Vec::new(), Vec::new()),
            }
        });
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("schedule.toml"),
            format!(
                "[store]\npath = \"test.db\"\n[politeness]\nmin_interval_ms = 0\n[[source]]\nid = \"aqygzj\"\nprofile = \"mofcom\"\nurl = \"http://{}/list/index.html\"\nschedule = \"0 * * * *\"\n",
                server.addr
            ),
        )
        .unwrap();
        let run = |now: &str, args: &[&str]| {
            let out = assert_cmd::Command::cargo_bin("regwatch")
                .unwrap()
                .arg("--config")
                .arg(dir.path().join("schedule.toml"))
                .args(args)
                .env("REGWATCH_NOW", now)
                .env_remove("REGWATCH_DB")
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout).unwrap()
        };
        run("2031-05-21T02:00:00Z", &["check", "--all"]);
        stage.store(1, Ordering::SeqCst);
        run("2031-05-21T03:00:00Z", &["check", "--all"]);

        let status = |as_of: &str| -> Value {
            let list: Value = serde_json::from_str(&run(
                "2031-05-21T04:00:00Z",
                &[
                    "list",
                    "--regime",
                    "cn-control-list",
                    "--as-of",
                    as_of,
                    "--format",
                    "json",
                ],
            ))
            .unwrap();
            assert!(
                !list
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e["code"] == "示例飞行"),
                "the removal keeps an id of its own: {list:#}"
            );
            list.as_array()
                .unwrap()
                .iter()
                .find(|e| e["code"] == "EXAMPLE-FLIGHT")
                .cloned()
                .unwrap()
        };
        assert_eq!(
            status("2031-05-31")["status"],
            "in-force",
            "{removal_first}"
        );
        let gone = status("2031-06-01");
        assert_eq!(gone["status"], "removed", "{removal_first}");
        assert_eq!(gone["status_by"], "MOFCOM-2031-30");
        assert_eq!(gone["since"], "2031-06-01");
        // The other parties stay.
        let list: Value = serde_json::from_str(&run(
            "2031-05-21T04:00:00Z",
            &[
                "list",
                "--regime",
                "cn-control-list",
                "--as-of",
                "2031-06-02",
                "--format",
                "json",
                "--status",
                "in-force",
            ],
        ))
        .unwrap();
        assert_eq!(
            list.as_array()
                .unwrap()
                .iter()
                .filter(|e| e["item_type"] == "entity")
                .count(),
            4,
            "{list:#}"
        );
        let doubts = run("2031-05-21T04:00:00Z", &["doubts"]);
        assert!(!doubts.contains("removal-not-listed"), "{doubts}");

        let upcoming = run("2031-05-21T04:00:00Z", &["upcoming", "--days", "30"]);
        assert!(
            upcoming.contains("2031-06-01") && upcoming.contains("EXAMPLE-FLIGHT"),
            "{upcoming}"
        );
        if !removal_first {
            let changes: Value = serde_json::from_str(&run(
                "2031-05-21T04:00:00Z",
                &["changes", "--format", "json"],
            ))
            .unwrap();
            assert!(
                changes.as_array().unwrap().iter().any(|c| c["sentence"]
                    == "Removed from the export control control list (出口管制管控名单): EXAMPLE-FLIGHT Example Flight LLC (MOFCOM No. 30 of 2031, effective 2031-06-01)."),
                "{changes:#}"
            );
        }
        // The day comes: the status pass records it once.
        run("2031-06-01T02:00:00Z", &["check", "--all"]);
        let text = run(
            "2031-06-01T02:00:00Z",
            &["changes", "--since", "2031-06-01"],
        );
        assert!(
            text.contains("STATUS     EXAMPLE-FLIGHT  Example Flight LLC — in-force → removed (as of 2031-06-01, MOFCOM No. 30 of 2031)"),
            "{text}"
        );
        let json: Value = serde_json::from_str(&run(
            "2031-06-01T02:00:00Z",
            &["changes", "--since", "2031-06-01", "--format", "json"],
        ))
        .unwrap();
        let moved: Vec<&Value> = json
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["kind"] == "status-changed")
            .collect();
        assert_eq!(moved.len(), 1, "{json:#}");
        assert_eq!(
            moved[0]["sentence"],
            "Removed from the export control control list (出口管制管控名单) as of 2031-06-01 by MOFCOM No. 30 of 2031: EXAMPLE-FLIGHT Example Flight LLC."
        );
        let screened = run("2031-06-01T02:00:00Z", &["screen", "Example Flight LLC"]);
        assert!(
            screened.contains("removed since 2031-06-01 (MOFCOM No. 30 of 2031)"),
            "{screened}"
        );
    }
}
