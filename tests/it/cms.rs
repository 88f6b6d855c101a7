//! MOFCOM's sites as they are served (`../shared/facts/mofcom-site.md`): a local server that
//! behaves like the live CMS — a JavaScript shell naming the unit API, JSON answers with a new
//! `traceId` on every call, 15 rows a page, articles without a charset header, an attachment
//! behind the download gateway's redirect, and a first connection that is reset.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::support::{RESET, Reply, Server, redirect};

const UNIT: &str = "/api-gateway/jpaas-publish-server/front/page/build/unit";
const PAGE_ID: &str = "fc8bdff48fa345a48b651c1285b70b8f";

fn snapshot(rel: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("snapshots/mofcom")
            .join(rel),
    )
    .unwrap()
}

/// The articles served, by path: (title, page) — the snapshot pages without their `<meta
/// charset>`, served as `text/html` with no charset, like aqygzj and www.
fn articles() -> Vec<(String, String, String)> {
    let art = |date: &str, file: &str| {
        snapshot(&format!(
            "{date}/www.mofcom.gov.cn/zwgk/zcfb/art/2025/{file}"
        ))
        .replace("<meta charset=\"utf-8\">", "")
    };
    let gateway = format!(
        "<p>附件：<a href=\"{}?fileUrl=Q2ZEeHBsb2FkL2F0dGFjaA%3D%3D&amp;fileName=%E9%99%84%E4%BB%B6.doc\">附件1.相关物项清单</a></p>\n</div>",
        "/api-gateway/jpaas-web-server/front/document/download"
    );
    vec![
        (
            "/zwgk/zcfb/art/2025/art_7f2b9d4e6a1c3e5b8d0f2a4c6e8b0d62.html".into(),
            "商务部公告2025年第62号 关于对稀土相关技术实施出口管制的决定".into(),
            art("2025-10-09", "art_7f2b9d4e6a1c3e5b8d0f2a4c6e8b0d62.html").replacen(
                "</div>\n<div class=\"related\">",
                &format!("{gateway}\n<div class=\"related\">"),
                1,
            ),
        ),
        (
            "/zwgk/zcfb/art/2025/art_9a41c0d7e25b4f3a8c6d1e0f2b3a4c55.html".into(),
            "商务部 海关总署公告2025年第55号 关于对超硬材料相关物项实施出口管制的决定".into(),
            art("2025-10-09", "art_9a41c0d7e25b4f3a8c6d1e0f2b3a4c55.html"),
        ),
        (
            "/zwgk/zcfb/art/2025/art_0b6f1c2d3e4a5b6c7d8e9f0a1b2c3d18.html".into(),
            "商务部 海关总署公告2025年第18号 关于对部分中重稀土相关物项实施出口管制的决定".into(),
            art("2025-04-04", "art_0b6f1c2d3e4a5b6c7d8e9f0a1b2c3d18.html"),
        ),
    ]
}

/// The column's items, newest first: No. 62 and No. 55 on page 1 among notices, No. 18 on page 2.
fn items() -> Vec<(String, String)> {
    let arts = articles();
    let mut items = vec![
        (arts[0].0.clone(), arts[0].1.clone()),
        (arts[1].0.clone(), arts[1].1.clone()),
    ];
    for i in 0..14 {
        items.push((
            format!("/zwgk/zcfb/art/2025/art_{i:032x}.html"),
            format!("关于做好第{i}批外贸企业服务工作的通知"),
        ));
    }
    items.push((arts[2].0.clone(), arts[2].1.clone()));
    items
}

struct Cms {
    server: Server,
    /// The list API answers failure while set.
    failing: Arc<AtomicBool>,
}

impl Cms {
    fn start() -> Cms {
        let failing = Arc::new(AtomicBool::new(false));
        let trace = Arc::new(AtomicUsize::new(0));
        let first = Arc::new(Mutex::new(true));
        let f = failing.clone();
        let server = Server::start(move |path, _| {
            let no_charset = |body: String| -> Reply {
                (
                    "200 OK",
                    vec![("Content-Type".into(), "text/html".into())],
                    body.into_bytes(),
                )
            };
            if path == "/zwgk/zcfb/index.html" {
                // The site resets a first connection now and then; the next one is served.
                let mut first = first.lock().unwrap();
                if std::mem::take(&mut *first) {
                    return (RESET, Vec::new(), Vec::new());
                }
                return no_charset(snapshot(
                    "2025-04-04/www.mofcom.gov.cn/zwgk/zcfb/index.html",
                ));
            }
            if let Some(query) = path.strip_prefix(&format!("{UNIT}?")) {
                let url = url::Url::parse(&format!("http://x/?{query}")).unwrap();
                let q = |k: &str| {
                    url.query_pairs()
                        .find(|(n, _)| n == k)
                        .map(|(_, v)| v.into_owned())
                };
                assert_eq!(q("pageId").as_deref(), Some(PAGE_ID), "{path}");
                let page = q("paramJson")
                    .and_then(|p| serde_json::from_str::<Value>(&p).ok())
                    .and_then(|v| v["pageNo"].as_u64())
                    .unwrap_or(1) as usize;
                let n = trace.fetch_add(1, Ordering::SeqCst);
                let body = if f.load(Ordering::SeqCst) {
                    serde_json::json!({"success": false, "code": "500", "message": "系统繁忙，请稍后再试", "data": null, "traceId": format!("{n:032x}")})
                } else {
                    let all = items();
                    let lis: String = all
                        .iter()
                        .skip((page - 1) * 15)
                        .take(15)
                        .map(|(href, title)| {
                            format!("<li><a href=\"{href}\" title=\"{title}\" target=\"_blank\">{}</a><span>[2025-10-09]</span></li>", title.chars().take(20).collect::<String>())
                        })
                        .collect();
                    let html = format!(
                        "<div id=\"分页列表\"><div class=\"page-content\"><ul class=\"txtList_01\">{lis}</ul></div><div class=\"pagination\" rows=\"15\" count=\"{}\" pageNo=\"{page}\"></div></div>",
                        all.len()
                    );
                    serde_json::json!({"roles": null, "permissions": null, "success": true, "message": "操作成功", "code": "200", "data": {"html": html}, "traceId": format!("{n:032x}")})
                };
                return (
                    "200 OK",
                    vec![(
                        "Content-Type".into(),
                        "application/json; charset=UTF-8".into(),
                    )],
                    body.to_string().into_bytes(),
                );
            }
            if path.starts_with("/api-gateway/jpaas-web-server/front/document/download?") {
                return redirect(
                    "/cms_files/filemanager/1077459795/attach/202510/5f0c2a8e4b6d4f1a9c3e7b5d1f3a5c7e.doc?fileName=%E9%99%84%E4%BB%B6.doc",
                );
            }
            if path.starts_with("/cms_files/filemanager/") {
                return (
                    "200 OK",
                    vec![("Content-Type".into(), "application/msword".into())],
                    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 a Word file".to_vec(),
                );
            }
            match articles().into_iter().find(|(p, _, _)| p == path) {
                Some((_, _, page)) => no_charset(page),
                None => ("404 Not Found", Vec::new(), Vec::new()),
            }
        });
        Cms { server, failing }
    }

    fn list_page_hits(&self, page: u32) -> usize {
        let marker = format!("%22pageNo%22%3A{page}%2C");
        self.server
            .seen()
            .iter()
            .filter(|s| s.path.starts_with(UNIT) && s.path.contains(&marker))
            .count()
    }
}

struct Ws {
    dir: tempfile::TempDir,
}

impl Ws {
    fn new(cms: &Cms) -> Ws {
        let dir = tempfile::tempdir().unwrap();
        let config = format!(
            "[store]\npath = \"test.db\"\n[http]\ntimeout_secs = 10\n[politeness]\nmin_interval_ms = 0\n\
             [[source]]\nid = \"mofcom-policy\"\nprofile = \"mofcom\"\nurl = \"http://{}/zwgk/zcfb/index.html\"\nschedule = \"7 8-20/2 * * *\"\n",
            cms.server.addr
        );
        std::fs::write(dir.path().join("schedule.toml"), config).unwrap();
        Ws { dir }
    }

    fn run(&self, now: &str, args: &[&str]) -> std::process::Output {
        assert_cmd::Command::cargo_bin("regwatch")
            .unwrap()
            .arg("--config")
            .arg(self.dir.path().join("schedule.toml"))
            .args(args)
            .env("REGWATCH_NOW", now)
            .env_remove("REGWATCH_DB")
            .output()
            .unwrap()
    }

    fn check(&self, now: &str, extra: &[&str]) -> (i32, Value) {
        let mut args = vec!["check", "--all", "--format", "json"];
        args.extend_from_slice(extra);
        let out = self.run(now, &args);
        let summary = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|_| panic!("no summary: {}", String::from_utf8_lossy(&out.stderr)));
        (out.status.code().unwrap(), summary)
    }

    fn json(&self, now: &str, args: &[&str]) -> Value {
        let out = self.run(now, args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn versions(&self) -> i64 {
        regwatch::store::Store::open(&self.dir.path().join("test.db"))
            .unwrap()
            .snapshot_stats()
            .unwrap()
            .0
    }
}

#[test]
fn the_column_list_is_read_from_the_cms_api_as_the_live_site_serves_it() {
    let cms = Cms::start();
    let ws = Ws::new(&cms);

    // First check: the shell (after a reset), every page of the list, each announcement once.
    let (code, summary) = ws.check("2025-10-09T02:00:00Z", &[]);
    assert_eq!(code, 0, "{summary:#}");
    let s = &summary["sources"][0];
    assert_eq!(s["ok"], true, "{s:#}");
    assert_eq!(
        s["links"], 3,
        "three announcements among seventeen items: {s:#}"
    );
    assert_eq!(cms.list_page_hits(2), 1, "a first check reads page 2");
    assert!(
        cms.server.hits("/zwgk/zcfb/index.html") >= 2,
        "the reset was retried"
    );
    let anns = ws.json(
        "2025-10-09T02:00:00Z",
        &["announcements", "--format", "json"],
    );
    let mut keys: Vec<&str> = anns
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["key"].as_str().unwrap())
        .collect();
    keys.sort();
    assert_eq!(keys, ["MOFCOM-2025-18", "MOFCOM-2025-55", "MOFCOM-2025-62"]);
    // Charset-less UTF-8 read as UTF-8.
    let a62 = anns
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["key"] == "MOFCOM-2025-62")
        .unwrap();
    assert_eq!(
        a62["title"],
        "商务部公告2025年第62号 关于对稀土相关技术实施出口管制的决定"
    );
    assert_eq!(a62["entries"][0]["code"], "1E902.a");
    // The attachment: the gateway's redirect was followed on the same host; a Word file is
    // recorded as not read, and the announcement stands.
    assert_eq!(cms.server.hits("/cms_files/filemanager/"), 1);
    let changes = ws.json("2025-10-09T02:00:00Z", &["changes", "--format", "json"]);
    let published = changes
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "baseline")
        .count();
    // The source's first check: what exists is its baseline, one record per announcement.
    assert_eq!(published, 3);
    let versions = ws.versions();

    // An unchanged re-check: the list API answers with new bytes (a new traceId), which is not a
    // new version; page 2 is not read again, nothing is recorded.
    let (code, summary) = ws.check("2025-10-09T04:00:00Z", &[]);
    assert_eq!(code, 0, "{summary:#}");
    assert_eq!(summary["changes"], 0, "{summary:#}");
    assert_eq!(summary["sources"][0]["new_versions"], 0, "{summary:#}");
    assert_eq!(ws.versions(), versions);
    assert_eq!(
        cms.list_page_hits(2),
        1,
        "an ordinary check reads page 1 only"
    );

    // Asked to, it reads further pages.
    let (code, _) = ws.check("2025-10-09T06:00:00Z", &["--backfill", "2"]);
    assert_eq!(code, 0);
    assert_eq!(cms.list_page_hits(2), 2);
    assert_eq!(ws.versions(), versions);

    // `try` reads the column the same way (its first page), and writes nothing.
    let out = ws.run(
        "2025-10-09T07:00:00Z",
        &["try", "mofcom-policy", "--format", "json", "--limit", "1"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tried: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(tried["links"].as_array().unwrap().len(), 2, "{tried:#}");
    assert_eq!(tried["announcements"][0]["key"], "MOFCOM-2025-62");
    assert_eq!(ws.versions(), versions);

    // The API says it failed: the source fails with the API's reason; nothing is removed.
    cms.failing.store(true, Ordering::SeqCst);
    let (code, summary) = ws.check("2025-10-09T08:00:00Z", &[]);
    assert_eq!(code, 3, "{summary:#}");
    let error = summary["sources"][0]["error"].as_str().unwrap();
    assert!(
        error.contains("success=false") && error.contains("系统繁忙"),
        "{error}"
    );
    let changes = ws.json("2025-10-09T08:00:00Z", &["changes", "--format", "json"]);
    assert!(
        changes
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["kind"] != "removed"),
        "{changes:#}"
    );
    let list = ws.json("2025-10-10T00:00:00Z", &["list", "--format", "json"]);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|e| e["code"] == "1E902.a")
    );
}
