//! Pages and text shaped by an attacker on the path to a ministry's site: none may hurt the run,
//! the other sources, the store or the people reading the reports. Every page is generated here,
//! served from 127.0.0.1.

use std::path::{Path, PathBuf};

use proptest::prelude::*;

use crate::support::{Server, html, outcome, redirect};
use serde_json::Value;

const ARTICLE: &str = "snapshots/mofcom/2025-10-09/www.mofcom.gov.cn/zwgk/zcfb/art/2025/art_7f2b9d4e6a1c3e5b8d0f2a4c6e8b0d62.html";
const TITLE: &str = "商务部公告2025年第62号 关于对稀土相关技术实施出口管制的决定";

fn article() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(ARTICLE)).unwrap()
}

fn index_of(links: &[&str]) -> String {
    let items: String = links
        .iter()
        .map(|l| format!("<li><a href=\"{l}\">{TITLE}</a></li>"))
        .collect();
    format!("<html><body><ul>{items}</ul></body></html>")
}

/// A scratch directory with a config of `sources` (`[[source]]` tables) and the binary.
struct Run {
    dir: tempfile::TempDir,
}

impl Run {
    fn new(sources: &str) -> Run {
        let dir = tempfile::tempdir().unwrap();
        let config = format!(
            "[store]\npath = \"test.db\"\n[http]\ntimeout_secs = 20\n[politeness]\nmin_interval_ms = 0\nconcurrency = 8\nper_host_concurrency = 4\n{sources}"
        );
        std::fs::write(dir.path().join("schedule.toml"), config).unwrap();
        Run { dir }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("test.db")
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        assert_cmd::Command::cargo_bin("regwatch")
            .unwrap()
            .arg("--config")
            .arg(self.dir.path().join("schedule.toml"))
            .args(args)
            .env("REGWATCH_NOW", "2025-10-09T02:00:00Z")
            .env_remove("REGWATCH_DB")
            .output()
            .unwrap()
    }

    fn check(&self) -> (i32, Value) {
        let out = self.run(&["check", "--all", "--format", "json"]);
        let summary = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
            panic!(
                "no summary (exit {:?}); stderr: {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code().unwrap(), summary)
    }

    fn stdout(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

fn source(id: &str, url: &str, extra: &str) -> String {
    format!(
        "\n[[source]]\nid = \"{id}\"\nprofile = \"mofcom\"\nurl = \"{url}\"\nschedule = \"0 * * * *\"\n{extra}\n"
    )
}

/// The article inside `depth` nested `<div>`s.
fn nested(depth: usize, inner: &str) -> String {
    format!(
        "<html><body>{}{inner}{}</body></html>",
        "<div>".repeat(depth),
        "</div>".repeat(depth)
    )
}

#[test]
fn a_deeply_nested_page_fails_alone_and_the_healthy_sources_are_recorded() {
    const DEEP: usize = 100_000;
    let server = Server::start(|path, _| {
        let body = article();
        let inner = body
            .split_once("<body>")
            .and_then(|(_, b)| b.split_once("</body>"))
            .map(|(b, _)| b.to_string())
            .unwrap();
        match path {
            "/good/index.html" => html(index_of(&["/good/art.html"])),
            "/good/art.html" => html(body),
            // Deep, but within what real pages could be: read as usual.
            "/fine/index.html" => html(index_of(&["/fine/art.html"])),
            "/fine/art.html" => html(nested(200, &inner)),
            "/deep-article/index.html" => html(index_of(&["/deep-article/art.html"])),
            "/deep-article/art.html" => html(nested(DEEP, &inner)),
            "/deep-index/index.html" => html(nested(
                DEEP,
                &index_of(&["/deep-index/art.html"]).replace("<html><body>", ""),
            )),
            "/deep-index/art.html" => html(body),
            "/deep-page/page.html" => html(nested(DEEP, "<p>watched</p>")),
            _ => ("404 Not Found", Vec::new(), Vec::new()),
        }
    });
    let base = format!("http://{}", server.addr);
    let mut sources = String::new();
    for id in ["good", "fine", "deep-article", "deep-index"] {
        sources.push_str(&source(id, &format!("{base}/{id}/index.html"), ""));
    }
    sources.push_str(
        &source("deep-page", &format!("{base}/deep-page/page.html"), "")
            .replace("profile = \"mofcom\"", "profile = \"page\""),
    );
    let run = Run::new(&sources);
    let (code, summary) = run.check();
    // Not 134 (an abort on a stack overflow): the run finished, and said sources failed.
    assert_eq!(code, 3, "{summary:#}");
    let good = outcome(&summary, "good");
    assert_eq!(good["ok"], true, "{good:#}");
    // 200 levels is read as usual: the same No. 62, at one more URL (whichever of the two
    // sources recorded it first has the changes).
    let fine = outcome(&summary, "fine");
    assert_eq!(fine["ok"], true, "{fine:#}");
    assert!(
        good["changes"].as_u64().unwrap() + fine["changes"].as_u64().unwrap() > 0,
        "{summary:#}"
    );
    let anns = run.stdout(&["announcements", "--format", "json"]);
    assert!(anns.contains("/fine/art.html"), "{anns}");
    for id in ["deep-article", "deep-index", "deep-page"] {
        let s = outcome(&summary, id);
        assert_eq!(s["ok"], false, "{id}: {s:#}");
        assert_eq!(s["changes"], 0, "{id}: {s:#}");
        let error = s["error"].as_str().unwrap();
        assert!(error.contains("nest more than 4096 deep"), "{id}: {error}");
    }
    // The failures are on record, with their reasons, for `sources`.
    let status = run.stdout(&["sources", "--format", "json"]);
    assert!(status.contains("nest more than 4096 deep"), "{status}");
}

#[test]
fn links_and_redirects_stay_on_the_index_origin() {
    // Another server on the same address, another port: another origin, never to be asked.
    let other = Server::start(|_, _| html(article()));
    let q = other.addr.port();
    let server = Server::start(move |path, addr| {
        let p = addr.port();
        match path {
            "/ports/index.html" => html(index_of(&[
                &format!("http://127.0.0.1:{p}/ports/art.html"),
                &format!("http://127.0.0.1:{q}/a1.html"),
                &format!("http://127.0.0.1.:{q}/a2.html"),
                &format!("http://0x7f.0.0.1:{q}/a3.html"),
                &format!("http://2130706433:{q}/a4.html"),
                &format!("http://１２７.０.０.１:{q}/a5.html"),
                &format!("http://localhost:{q}/a6.html"),
            ])),
            "/ports/art.html" => html(article()),
            "/redirect/index.html" => html(index_of(&["/redirect/art.html"])),
            "/redirect/art.html" => redirect(&format!("http://0x7f.0.0.1:{q}/a7.html")),
            "/gopher/index.html" => html(index_of(&["/gopher/art.html"])),
            "/gopher/art.html" => redirect("gopher://127.0.0.1/1"),
            "/creds/index.html" => html(index_of(&[&format!(
                "http://hunter:s3cr3t-pw@127.0.0.1:{p}/creds/art.html"
            )])),
            "/creds/art.html" => html(article()),
            "/creds-redirect/index.html" => html(index_of(&["/creds-redirect/art.html"])),
            "/creds-redirect/art.html" => redirect(&format!(
                "http://hunter:s3cr3t-pw@127.0.0.1:{p}/creds-redirect/final.html"
            )),
            "/creds-redirect/final.html" => html(article()),
            _ => ("404 Not Found", Vec::new(), Vec::new()),
        }
    });
    let base = format!("http://{}", server.addr);
    let mut sources = String::new();
    for id in ["ports", "redirect", "gopher", "creds", "creds-redirect"] {
        sources.push_str(&source(id, &format!("{base}/{id}/index.html"), ""));
    }
    let run = Run::new(&sources);
    let (code, summary) = run.check();
    assert_eq!(code, 3, "{summary:#}");
    assert!(
        other.seen().is_empty(),
        "the other port was asked: {:?}",
        other.seen()
    );

    let ports = outcome(&summary, "ports");
    assert_eq!(ports["ok"], true, "{ports:#}");
    assert_eq!(
        ports["links"], 1,
        "only the link on the index's own origin: {ports:#}"
    );

    let error = outcome(&summary, "redirect")["error"].as_str().unwrap();
    assert!(
        error.contains("redirected to http://127.0.0.1:") && error.contains("outside"),
        "{error}"
    );
    // A redirect to another scheme is permanent: asked once, not three times.
    let error = outcome(&summary, "gopher")["error"].as_str().unwrap();
    assert!(error.contains("non-HTTP URL"), "{error}");
    assert_eq!(server.hits("/gopher/art.html"), 1);

    // Credentials in a scraped link or a redirect are neither sent nor kept nor shown.
    for id in ["creds", "creds-redirect"] {
        assert_eq!(outcome(&summary, id)["ok"], true, "{summary:#}");
    }
    assert!(server.hits("/creds/art.html") >= 1);
    assert!(server.hits("/creds-redirect/final.html") >= 1);
    for seen in server.seen() {
        assert!(
            !seen.head.to_ascii_lowercase().contains("authorization"),
            "{seen:?}"
        );
    }
    let mut shown = String::new();
    for args in [
        &["changes", "--format", "json"][..],
        &["announcements", "--format", "json"],
        &["list", "--format", "csv", "--as-of", "2025-10-10"],
        &["feed"],
        &["sources", "--format", "json"],
    ] {
        shown.push_str(&run.stdout(args));
    }
    assert!(shown.contains("/creds/art.html"), "{shown}");
    assert!(
        !shown.contains("s3cr3t") && !shown.contains("hunter"),
        "{shown}"
    );
    // Nor in the store, but for the index page's own bytes: the evidence of what it said.
    let db = rusqlite::Connection::open(run.db()).unwrap();
    let tables: Vec<String> = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('snapshot', 'zdict')")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(tables.iter().any(|t| t == "page"), "{tables:?}");
    for t in tables {
        let mut stmt = db.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let columns = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..columns {
                let v = row.get_ref(i).unwrap();
                let text = match v {
                    rusqlite::types::ValueRef::Text(b) | rusqlite::types::ValueRef::Blob(b) => {
                        String::from_utf8_lossy(b).into_owned()
                    }
                    _ => continue,
                };
                assert!(!text.contains("s3cr3t"), "{t}: {text}");
            }
        }
    }
}

/// Every byte a terminal, feed reader or spreadsheet could be hurt by.
fn has_controls(s: &str) -> bool {
    s.chars().any(|c| c.is_control() && c != '\n' && c != '\t')
}

#[test]
fn control_characters_never_reach_readers() {
    let hostile = article()
        .replace(
            "关于对稀土相关技术",
            "关于对稀土\u{1b}]0;pwned\u{7}相关技术",
        )
        .replace(
            "1E902.a 稀土开采",
            "1E902.a &#x1b;[2J&#x9b;31m稀土\u{1b}[5m开采",
        );
    let server = Server::start(move |path, _| match path {
        "/x/index.html" => html(index_of(&["/x/art.html"])),
        "/x/art.html" => html(hostile.clone()),
        _ => ("404 Not Found", Vec::new(), Vec::new()),
    });
    let run = Run::new(&source(
        "x",
        &format!("http://{}/x/index.html", server.addr),
        "",
    ));
    let (code, summary) = run.check();
    assert_eq!(code, 0, "{summary:#}");
    let reports = |run: &Run| -> Vec<(String, String)> {
        [
            &["changes"][..],
            &["changes", "--format", "md"],
            &["changes", "--format", "html"],
            &["list", "--as-of", "2025-10-10"],
            &["list", "--as-of", "2025-10-10", "--format", "md"],
            &["list", "--as-of", "2025-10-10", "--format", "csv"],
            &["announcements"],
            &["compare", "--from", "2025-10-01", "--to", "2025-10-10"],
            &["upcoming", "--days", "3650"],
            &["feed"],
        ]
        .iter()
        .map(|args| (args.join(" "), run.stdout(args)))
        .collect()
    };
    for (args, out) in reports(&run) {
        assert!(!has_controls(&out), "{args}: {out:?}");
    }
    // Extraction removed them: the text is what the page says, less the controls.
    let anns = run.stdout(&["announcements", "--format", "json"]);
    assert!(anns.contains("稀土]0;pwned相关技术"), "{anns}");
    assert!(!anns.contains("\\u001b"), "{anns}");

    // A store written before extraction removed them (or by anything else): every renderer
    // removes them on its own, and the feed stays well-formed XML.
    let db = rusqlite::Connection::open(run.db()).unwrap();
    db.execute_batch(
        "UPDATE announcement SET title = title || char(27) || ']0;x' || char(7);
         UPDATE entry SET description = char(27) || '[2J' || description || char(155);
         UPDATE change SET after = replace(after, '稀土', '\\u001b]0;x\\u0007稀土\\u0085');",
    )
    .unwrap();
    drop(db);
    for (args, out) in reports(&run) {
        assert!(!has_controls(&out), "{args}: {out:?}");
    }
    let feed = run.stdout(&["feed"]);
    let parsed = atom_syndication::Feed::read_from(feed.as_bytes());
    assert!(parsed.is_ok(), "{parsed:?}");
    assert!(!parsed.unwrap().entries().is_empty());
}

#[test]
fn csv_cells_cannot_run_as_formulas() {
    let server = Server::start(|path, _| match path {
        "/x/index.html" => html(index_of(&["/x/art.html"])),
        "/x/art.html" => html(article()),
        _ => ("404 Not Found", Vec::new(), Vec::new()),
    });
    let run = Run::new(&source(
        "x",
        &format!("http://{}/x/index.html", server.addr),
        "",
    ));
    assert_eq!(run.check().0, 0);
    let db = rusqlite::Connection::open(run.db()).unwrap();
    db.execute_batch(
        "UPDATE entry SET description = '=HYPERLINK(\"http://evil.example/\",\"click\")' WHERE code = '1E902.a';
         UPDATE entry SET description = '+cmd|'' /C calc''!A0' WHERE code = '1E902.b';
         UPDATE entry SET description = '-2' WHERE code LIKE '%#m2';",
    )
    .unwrap();
    drop(db);
    let csv = run.stdout(&["list", "--as-of", "2025-10-10", "--format", "csv"]);
    assert!(
        csv.starts_with('\u{feff}'),
        "a UTF-8 BOM for Excel: {csv:?}"
    );
    assert!(
        csv.contains(",\"'=HYPERLINK(\"\"http://evil.example/\"\",\"\"click\"\")\","),
        "{csv}"
    );
    assert!(csv.contains(",'+cmd|' /C calc'!A0,"), "{csv}");
    assert!(csv.contains(",-2,"), "a number stays a number: {csv}");
    for line in csv.lines() {
        for cell in line.split(',') {
            assert!(
                !cell.starts_with(['=', '+', '@']) && !cell.starts_with("\"="),
                "{cell} in {line}"
            );
        }
    }
}

#[test]
fn an_index_with_too_many_links_is_capped_and_said_so() {
    let server = Server::start(|path, _| match path {
        "/many/index.html" => {
            let mut page = String::from("<html><body><ul>");
            for i in 0..200_000 {
                page.push_str(&format!(
                    "<li><a href=\"/many/a{i}.html\">商务部公告2025年第62号</a></li>"
                ));
            }
            html(page)
        }
        _ => html(article()),
    });
    let run = Run::new(&source(
        "many",
        &format!("http://{}/many/index.html", server.addr),
        "max_links = 25",
    ))
    .replace_config("[http]\n", "[http]\nmax_body_bytes = 67108864\n");
    let (code, summary) = run.check();
    assert_eq!(code, 3, "{summary:#}");
    let s = outcome(&summary, "many");
    assert_eq!(s["links"], 25, "{s:#}");
    let error = s["error"].as_str().unwrap();
    assert!(
        error.contains("lists 200000 announcement links; only the first 25 were read"),
        "{error}"
    );
    // The articles behind the first 25 links were read; nothing else was asked.
    assert_eq!(server.hits("/many/a"), 25);
}

#[test]
fn the_feed_file_keeps_a_mode_a_web_server_can_read() {
    use std::os::unix::fs::PermissionsExt;
    let run = Run::new(&source("x", "http://127.0.0.1:9/index.html", ""));
    let out = run.dir.path().join("feed.xml");
    std::fs::write(&out, "old").unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o644)).unwrap();
    run.stdout(&["feed", "--out", out.to_str().unwrap()]);
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644);
    assert!(std::fs::read_to_string(&out).unwrap().contains("<feed"));
    // A new file follows the umask (022 here: 0644), not a temporary file's 0600.
    let fresh = run.dir.path().join("fresh.xml");
    run.stdout(&["feed", "--out", fresh.to_str().unwrap()]);
    let mode = std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777;
    assert_ne!(mode & 0o044, 0, "{mode:o}");
    // No temporary files left behind.
    let names: Vec<String> = std::fs::read_dir(run.dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
}

#[test]
fn numbers_out_of_range_are_config_errors_naming_the_line() {
    for (key, value) in [
        ("jitter_secs", "18446744073709551615"),
        ("jitter_secs", "1000000000000000"),
        ("max_links", "0"),
    ] {
        let run = Run::new(&source(
            "x",
            "http://127.0.0.1:9/index.html",
            &format!("{key} = {value}"),
        ));
        let out = run.run(&["check", "--all"]);
        assert_eq!(out.status.code(), Some(2), "{key} = {value}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("schedule.toml:15") && err.contains(&format!("source.{key}")),
            "{err}"
        );
        assert!(err.contains("out of range"), "{err}");
    }
    let run = Run::new("").replace_config("[http]\ntimeout_secs = 20", "[http]\ntimeout_secs = 0");
    let out = run.run(&["check", "--all"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("http.timeout_secs") && err.contains(":4"),
        "{err}"
    );
}

impl Run {
    fn replace_config(self, from: &str, to: &str) -> Run {
        let path = self.dir.path().join("schedule.toml");
        let text = std::fs::read_to_string(&path).unwrap().replace(from, to);
        std::fs::write(&path, text).unwrap();
        self
    }
}

#[test]
fn a_config_without_sources_has_nothing_to_check() {
    let run = Run::new("");
    let out = run.run(&["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to check"));
}

#[test]
fn the_demo_hint_works_or_is_not_given() {
    let out = assert_cmd::Command::cargo_bin("regwatch")
        .unwrap()
        .arg("demo")
        .env_remove("REGWATCH_DB")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let last = text.lines().last().unwrap();
    assert!(
        last.contains("temporary") && last.contains("--db demo.db demo"),
        "{last}"
    );
    assert!(!last.contains("/tmp"), "{last}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    /// Random trees up to 200,000 deep through the text walk (on a small stack, as a worker
    /// thread's) and through the extractors: no panic, no overflow, the text in order.
    #[test]
    fn random_deep_trees_never_overflow(
        depth in 0usize..200_000,
        tags in prop::collection::vec(0usize..6, 1..6),
        text_every in 1usize..5_000,
        close in any::<bool>(),
    ) {
        // Tags the tree builder nests without quadratic scope checks (not `<div>`, nor `<a>`
        // among formatting elements), so that the walk itself is tested at full depth.
        const FAST: [&str; 6] = ["span", "b", "font", "em", "strong", "i"];
        let mut page = String::from("<html><body>");
        let mut texts = Vec::new();
        for i in 0..depth {
            page.push('<');
            page.push_str(FAST[tags[i % tags.len()]]);
            page.push('>');
            if i % text_every == 0 {
                let t = format!("t{i}\u{1b}");
                page.push_str(&t);
                texts.push(format!("t{i}"));
            }
        }
        if close {
            for i in (0..depth).rev() {
                page.push_str(&format!("</{}>", FAST[tags[i % tags.len()]]));
            }
        }
        let walked = std::thread::Builder::new()
            .stack_size(512 * 1024)
            .spawn({
                let page = page.clone();
                move || {
                    regwatch::extract::text::document_lines(&scraper::Html::parse_document(&page))
                }
            })
            .unwrap()
            .join();
        prop_assert!(walked.is_ok(), "the walk panicked or overflowed");
        let joined = walked.unwrap().join(" ");
        let expected = texts.join(" ");
        prop_assert_eq!(joined.replace(' ', ""), expected.replace(' ', ""));

        let url = url::Url::parse("https://www.mofcom.gov.cn/a.html").unwrap();
        let p = regwatch::extract::Page { url: &url, body: page.as_bytes(), content_type: None };
        let reader = regwatch::extract::Reader::Mofcom;
        let read = regwatch::extract::announcement(&reader, &p);
        let listed = regwatch::extract::index(&reader, &p);
        if depth > regwatch::extract::text::MAX_NESTING {
            let refused = |r: &Result<_, regwatch::extract::ExtractError>| {
                matches!(r, Err(regwatch::extract::ExtractError::TooDeep { .. }))
            };
            prop_assert!(refused(&read.map(|_| ())), "a deep page read as an announcement");
            prop_assert!(refused(&listed.map(|_| ())), "a deep page read as an index");
        }
    }
}

#[test]
fn the_cost_of_refusing_a_deep_page_is_one_linear_pass() {
    // Not a timing assertion: the refusal happens before the tree builder, which is what would
    // take tens of seconds on 100,000 nested <div>s. The page is refused for its depth.
    let page = nested(100_000, "x");
    let url = url::Url::parse("https://www.mofcom.gov.cn/a.html").unwrap();
    let p = regwatch::extract::Page {
        url: &url,
        body: page.as_bytes(),
        content_type: Some("text/html"),
    };
    let r = regwatch::extract::index(&regwatch::extract::Reader::Mofcom, &p);
    assert!(
        matches!(
            r,
            Err(regwatch::extract::ExtractError::TooDeep { limit: 4_096 })
        ),
        "{r:?}"
    );
}
