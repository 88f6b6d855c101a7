//! `regwatch serve`: every route over HTTP (status, content type, key content, escaping of a
//! hostile title, security headers, the token), and the pages in headless Chromium.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use assert_cmd::cargo::CommandCargoExt;

pub(crate) use crate::support::demo_db;
use crate::support::{Server, chromium, html};

/// A running `regwatch serve`, stopped when dropped.
pub(crate) struct Serving {
    child: Child,
    pub addr: SocketAddr,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn serve(db: &str, extra: &[&str], env: &[(&str, &str)]) -> Serving {
    let mut cmd = Command::cargo_bin("regwatch").unwrap();
    cmd.arg("--db")
        .arg(db)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .args(extra)
        .env("REGWATCH_NOW", "2026-11-30T00:00:00Z")
        .env_remove("REGWATCH_TOKEN")
        .stderr(Stdio::piped())
        .stdout(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .rsplit("http://")
        .next()
        .unwrap()
        .trim_end_matches('/')
        .parse()
        .unwrap_or_else(|_| panic!("no address in {line:?}"));
    Serving { child, addr }
}

/// A GET over a plain socket: status, headers (lower-case names), body.
pub(crate) fn get(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut body = raw[split + 4..].to_vec();
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let hs: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    if hs
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    (status, hs, body)
}

/// A form POST over a plain socket: status and headers.
fn post(
    addr: SocketAddr,
    path: &str,
    form: &str,
    headers: &[(&str, &str)],
) -> (u16, Vec<(String, String)>) {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut req = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
        form.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(form);
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let head = String::from_utf8_lossy(&raw).into_owned();
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let hs = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, hs)
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = b.windows(2).position(|w| w == b"\r\n") {
        let n = usize::from_str_radix(std::str::from_utf8(&b[..eol]).unwrap().trim(), 16).unwrap();
        if n == 0 {
            break;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + n]);
        b = &b[eol + 2 + n + 2..];
    }
    out
}

pub(crate) fn header<'a>(h: &'a [(String, String)], name: &str) -> &'a str {
    h.iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

#[test]
fn every_route_answers_with_its_content_and_the_security_headers() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let s = serve(&db, &[], &[]);
    let page = |path: &str| -> String {
        let (status, h, body) = get(s.addr, path, &[]);
        assert_eq!(status, 200, "{path}");
        assert_eq!(
            header(&h, "content-type"),
            "text/html; charset=utf-8",
            "{path}"
        );
        let csp = header(&h, "content-security-policy");
        assert!(
            csp.contains("default-src 'none'") && !csp.contains("script-src"),
            "{path}: {csp}"
        );
        assert_eq!(header(&h, "x-content-type-options"), "nosniff");
        // The templates escape `/` too (`&#x2f;`): as a browser reads it.
        String::from_utf8(body).unwrap().replace("&#x2f;", "/")
    };
    let overview = page("/");
    for want in [
        "MOFCOM No. 62 of 2025 (effective 2025-10-09) added 3 entries",
        "MOFCOM No. 70 of 2025 suspended 23 entries",
        "2026-11-11: the suspension by MOFCOM No. 70 of 2025 ended",
        "<svg",
        "mofcom-policy",
    ] {
        assert!(overview.contains(want), "overview lacks {want:?}");
    }
    assert!(!overview.contains("<script"));
    let list = page("/list?as_of=2026-01-01&hs=8507");
    assert!(
        list.contains("3A001") && list.contains("suspended") && !list.contains("1C902.a"),
        "{list}"
    );
    let list = page("/list?as_of=2026-11-30&q=samarium-cobalt");
    assert!(list.contains("1C902.a"), "{list}");
    let entry = page("/entry/cn-dual-use/1E902.a");
    assert!(
        entry.contains("suspended until 2026-11-10") && entry.contains("<svg class=\"timeline\"")
    );
    assert!(
        entry.contains("listed, in force")
            && entry.contains("in force again (the suspension ended)"),
        "{entry}"
    );
    // Both languages where MOFCOM's English site has the announcement.
    let a62 = page("/announcement/MOFCOM-2025-62");
    assert!(
        a62.contains("MOFCOM's English version")
            && a62.contains("1E902.a Technologies for rare earth mining")
    );
    assert!(a62.contains("稀土开采"));
    let a = page("/announcement/MOFCOM-2025-61");
    assert!(
        a.contains("<del>将</del>") && a.contains("<ins>就</ins>"),
        "the silent edit's redline"
    );
    assert!(page("/changes").contains("SUSPENDED"));
    // One jurisdiction at a time.
    let us = page("/changes?regime=us");
    assert!(
        us.contains("FR Doc. 2025-18811") && !us.contains("MOFCOM No. 70"),
        "{us}"
    );
    let cn = page("/changes?regime=cn");
    assert!(cn.contains("MOFCOM No. 70") && !cn.contains("FR Doc. 2025-18811"));
    assert!(page("/compare?from=2025-10-10&to=2026-01-01").contains("in-force → suspended"));
    assert!(page("/screen?name=EXAMPLE+MISSILES+CORP").contains("exact"));
    // The US Entity List beside China's lists, and a code across regimes.
    assert!(page("/screen?name=JERS").contains("US Entity List"));
    let code = page("/code?code=3b993&as_of=2026-01-01");
    assert!(
        code.contains("3B993")
            && code.contains("rare earth permanent magnets")
            && code.contains("no counterpart: numbers in 9xx"),
        "{code}"
    );
    assert!(page("/announcements").contains("MOFCOM Announcement No. 62 of 2025"));
    let (status, h, _) = get(s.addr, "/static/style.css", &[]);
    assert_eq!(
        (status, header(&h, "content-type")),
        (200, "text/css; charset=utf-8")
    );

    // The API, in the CLI's shapes.
    let api = |path: &str| -> serde_json::Value {
        let (status, h, body) = get(s.addr, path, &[]);
        assert_eq!(status, 200, "{path}");
        assert_eq!(header(&h, "content-type"), "application/json");
        serde_json::from_slice(&body).unwrap()
    };
    let list = api("/api/list?as_of=2026-01-01");
    let e = list
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["code"] == "1E902.a")
        .unwrap();
    assert_eq!(
        (e["status"].as_str(), e["status_by"].as_str()),
        (Some("suspended"), Some("MOFCOM-2025-70"))
    );
    assert!(api("/api/changes").as_array().unwrap().len() > 20);
    assert!(api("/api/announcements").as_array().unwrap().len() > 5);
    assert_eq!(
        api("/api/entry/cn-dual-use/1E902.a")["history"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        api("/api/screen?name=Example%20Missiles")["hits"][0]["quality"],
        "exact"
    );

    // Evidence: a stored version's bytes, as a download, with their hash.
    let a = page("/announcement/MOFCOM-2025-62");
    let at = a.find("/version/").unwrap();
    let link: String = a[at..].chars().take_while(|c| *c != '"').collect();
    let (status, h, body) = get(s.addr, &link, &[]);
    assert_eq!(status, 200);
    assert!(header(&h, "content-disposition").starts_with("attachment"));
    assert_eq!(
        header(&h, "x-content-sha256"),
        regwatch::store::sha256_hex(&body)
    );

    // The overview remembers the visit: next time, "since your last visit" is one click.
    let (_, h, _) = get(s.addr, "/", &[]);
    assert!(header(&h, "set-cookie").starts_with("regwatch_last_visit=2026-11-30;"));
    let (_, _, body) = get(s.addr, "/", &[("Cookie", "regwatch_last_visit=2026-11-01")]);
    let body = String::from_utf8(body).unwrap().replace("&#x2f;", "/");
    assert!(
        body.contains("since your last visit (2026-11-01)"),
        "{body}"
    );
    let since = page("/?since=2026-11-01");
    assert!(
        since.contains("2026-11-11: the suspension by MOFCOM No. 70 of 2025 ended")
            && !since.contains("added 3 entries")
    );

    // A write to the store (a review, while serving) shows at once: nothing stale is kept.
    let before = page("/changes");
    assert!(!before.contains("[reviewed by ana"));
    let id = api("/api/changes")[0]["id"].as_str().unwrap().to_string();
    let out = Command::cargo_bin("regwatch")
        .unwrap()
        .arg("--db")
        .arg(&db)
        .args(["review", &id, "--as", "reviewed", "--by", "ana"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(page("/changes").contains("[reviewed by ana"));

    // Not found, bad dates.
    assert_eq!(get(s.addr, "/announcement/NOPE-1-1", &[]).0, 404);
    assert_eq!(get(s.addr, "/entry/cn-dual-use/9Z999", &[]).0, 404);
    assert_eq!(get(s.addr, "/list?as_of=yesterday", &[]).0, 400);
    assert_eq!(get(s.addr, "/api/screen", &[]).0, 400);
}

const HOSTILE: &str = r#"<html><head><meta charset="utf-8"><meta name="ArticleTitle" content="商务部公告2031年第5号 关于&lt;img src=x onerror=alert(1)&gt;的公告"></head><body>
<div class="art-con" ergodic="article"><p>商务部公告2031年第5号</p>
<p>一、对以下物项实施出口管制：</p><p>1C999.a 示例材料&lt;script&gt;alert(2)&lt;/script&gt;</p>
<p>本公告自公布之日起实施。</p><p>商务部</p><p>2031年4月4日</p></div></body></html>"#;

#[test]
fn scraped_text_is_escaped_and_another_address_needs_a_token() {
    let server = Server::start(|path, _| match path {
        "/list/index.html" => html(
            "<html><body><ul><li><a href=\"/list/art.html\">商务部公告2031年第5号</a></li></ul></body></html>",
        ),
        "/list/art.html" => html(HOSTILE),
        _ => ("404 Not Found", Vec::new(), Vec::new()),
    });
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("schedule.toml");
    std::fs::write(
        &config,
        format!(
            "[store]\npath = \"test.db\"\n[politeness]\nmin_interval_ms = 0\n[[source]]\nid = \"s\"\nprofile = \"mofcom\"\nurl = \"http://{}/list/index.html\"\nschedule = \"0 * * * *\"\n",
            server.addr
        ),
    )
    .unwrap();
    let out = Command::cargo_bin("regwatch")
        .unwrap()
        .arg("--config")
        .arg(&config)
        .args(["check", "--all"])
        .env("REGWATCH_NOW", "2031-04-05T00:00:00Z")
        .env_remove("REGWATCH_DB")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let db = dir.path().join("test.db").display().to_string();
    let s = serve(&db, &[], &[]);
    for path in [
        "/announcement/MOFCOM-2031-5",
        "/announcements",
        "/list?as_of=2031-04-05",
        "/changes",
        "/",
    ] {
        let (status, _, body) = get(s.addr, path, &[]);
        let body = String::from_utf8(body).unwrap();
        assert_eq!(status, 200, "{path}");
        assert!(
            !body.contains("<img src=x") && !body.contains("<script>alert"),
            "{path}: {body}"
        );
    }
    let (_, _, body) = get(s.addr, "/announcement/MOFCOM-2031-5", &[]);
    assert!(
        String::from_utf8(body)
            .unwrap()
            .contains("&lt;img src=x onerror=alert(1)&gt;")
    );
    drop(s);

    // Another address without a token or --read-only: refused (exit 2).
    let out = Command::cargo_bin("regwatch")
        .unwrap()
        .arg("--db")
        .arg(&db)
        .args(["serve", "--bind", "0.0.0.0:0"])
        .env_remove("REGWATCH_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("REGWATCH_TOKEN"));
    // With a token, requests need it.
    let s = serve(&db, &[], &[("REGWATCH_TOKEN", "s3cret-token")]);
    assert_eq!(get(s.addr, "/", &[]).0, 401);
    assert_eq!(
        get(s.addr, "/", &[("Authorization", "Bearer wrong")]).0,
        401
    );
    assert_eq!(
        get(s.addr, "/", &[("Authorization", "Bearer s3cret-token")]).0,
        200
    );
    let (status, h, _) = get(s.addr, "/?token=s3cret-token", &[]);
    assert_eq!(status, 303);
    assert!(
        header(&h, "set-cookie")
            .starts_with("regwatch_token=s3cret-token; HttpOnly; SameSite=Strict")
    );
    assert_eq!(
        get(
            s.addr,
            "/list",
            &[("Cookie", "regwatch_token=s3cret-token")]
        )
        .0,
        200
    );

    // With the token, the changes page records reviews: a form with a CSRF token.
    let cookie = ("Cookie", "regwatch_token=s3cret-token");
    let (_, _, page) = get(s.addr, "/changes", &[cookie]);
    let page = String::from_utf8(page).unwrap();
    let at = page.find("name=\"csrf\" value=\"").expect("a review form");
    let csrf: String = page[at + 19..].chars().take_while(|c| *c != '"').collect();
    let at = page.find("name=\"id\" value=\"").unwrap();
    let id: String = page[at + 17..].chars().take_while(|c| *c != '"').collect();
    let form = format!("id={id}&state=not-applicable&note=ok&by=ana&csrf={csrf}");
    assert_eq!(post(s.addr, "/review", &form, &[]).0, 401, "no token");
    let bad = format!("id={id}&state=reviewed&by=ana&csrf=forged");
    assert_eq!(
        post(s.addr, "/review", &bad, &[cookie]).0,
        403,
        "no CSRF token"
    );
    assert_eq!(
        post(
            s.addr,
            "/review",
            &form,
            &[cookie, ("Origin", "https://evil.example")]
        )
        .0,
        403,
        "another origin"
    );
    let (status, h) = post(s.addr, "/review", &form, &[cookie]);
    assert_eq!(status, 303);
    assert_eq!(header(&h, "location"), format!("/changes#{id}"));
    let (_, _, page) = get(s.addr, "/changes", &[cookie]);
    assert!(
        String::from_utf8(page)
            .unwrap()
            .contains("[not-applicable by ana")
    );
    drop(s);
    // Without a token the view is read-only: no forms, and a POST is refused.
    let s = serve(&db, &[], &[]);
    let (_, _, page) = get(s.addr, "/changes", &[]);
    assert!(
        !String::from_utf8(page)
            .unwrap()
            .contains("<form method=\"post\"")
    );
    assert_eq!(post(s.addr, "/review", &form, &[]).0, 403);
}

fn chrome(dir: &Path, args: &[String]) -> std::process::Output {
    Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1280,900",
        ])
        .arg(format!("--user-data-dir={}", dir.display()))
        .args(args)
        .output()
        .unwrap()
}

/// The page as Chromium built it (after parsing, layout and any script: none here).
fn dom(dir: &Path, url: &str) -> String {
    let out = chrome(
        dir,
        &[
            "--virtual-time-budget=3000".into(),
            "--dump-dom".into(),
            url.into(),
        ],
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A screenshot, kept under target/tmp/browser/, and checked not to be blank.
fn shot(dir: &Path, url: &str, name: &str) {
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&shots).unwrap();
    let png = shots.join(format!("{name}.png"));
    let _ = std::fs::remove_file(&png);
    chrome(
        dir,
        &[format!("--screenshot={}", png.display()), url.into()],
    );
    let bytes = std::fs::read(&png).unwrap_or_else(|_| panic!("no screenshot of {url}"));
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    // A blank 1280×900 page compresses to a few kilobytes; text, tables and charts do not.
    assert!(
        bytes.len() > 20_000,
        "{name}.png looks blank ({} bytes)",
        bytes.len()
    );
}

#[test]
fn the_pages_in_a_real_browser() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let s = serve(&db, &[], &[]);
    let base = format!("http://{}", s.addr);
    let profile = dir.path().join("chrome");
    // A font with Chinese glyphs is there, so Chinese renders as text, not boxes.
    let fonts = Command::new("fc-list")
        .arg(":lang=zh")
        .output()
        .map(|o| o.stdout)
        .unwrap_or_default();
    assert!(
        !fonts.is_empty(),
        "no CJK font: run `bash .ci/deps` (fonts-wqy-microhei)"
    );

    // The overview: the October additions, the No. 70 suspension and its end.
    let overview = dom(&profile, &format!("{base}/"));
    assert!(
        overview.contains("MOFCOM No. 70 of 2025 suspended 23 entries"),
        "{overview}"
    );
    assert!(overview.contains("2026-11-11: the suspension by MOFCOM No. 70 of 2025 ended"));
    shot(&profile, &format!("{base}/"), "overview");

    // Follow a change to its announcement.
    let changes = dom(&profile, &format!("{base}/changes"));
    let at = changes
        .find("href=\"/announcement/MOFCOM-2025-70\"")
        .expect("a change links its announcement");
    let link: String = changes[at + 6..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    let a = dom(&profile, &format!("{base}{link}"));
    assert!(
        a.contains("MOFCOM/GAC Announcement No. 70 of 2025")
            || a.contains("Announcement No. 70 of 2025"),
        "{a}"
    );
    assert!(a.contains("suspends"));
    shot(&profile, &format!("{base}{link}"), "announcement");

    // Switch the list's date, filter by HS prefix.
    let jan = dom(&profile, &format!("{base}/list?as_of=2026-01-01&hs=8507"));
    assert!(
        jan.contains("3A001") && jan.contains("suspended until 2026-11-10"),
        "{jan}"
    );
    let dec = dom(&profile, &format!("{base}/list?as_of=2026-12-01&hs=8507"));
    assert!(
        dec.contains("3A001") && !dec.contains("suspended until"),
        "{dec}"
    );
    shot(&profile, &format!("{base}/list?as_of=2026-01-01"), "list");

    // A redline, and an entry's history.
    let redline = dom(
        &profile,
        &format!("{base}/announcement/MOFCOM-2025-61?from=1&to=2"),
    );
    assert!(
        redline.contains("<del>将</del>") && redline.contains("<ins>就</ins>"),
        "{redline}"
    );
    shot(
        &profile,
        &format!("{base}/announcement/MOFCOM-2025-61?from=1&to=2"),
        "redline",
    );
    shot(
        &profile,
        &format!("{base}/entry/cn-dual-use/1E902.a"),
        "entry",
    );
}

#[test]
fn the_list_filters_by_product_and_watch() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    std::fs::write(
        dir.path().join("products.csv"),
        "id,name,hs_codes,control_codes,keywords\nB2,cell,85076000,,\nM1,magnet,,,钐钴\n",
    )
    .unwrap();
    let config = dir.path().join("schedule.toml");
    std::fs::write(
        &config,
        "products = \"products.csv\"\n[[watch]]\nname = \"superhard\"\ncodes = [\"2C902\"]\n",
    )
    .unwrap();
    let s = serve(&db, &["--config", config.to_str().unwrap()], &[]);
    let body = |path: &str| {
        let (status, _, b) = get(s.addr, path, &[]);
        assert_eq!(status, 200, "{path}");
        String::from_utf8(b).unwrap()
    };
    let cell = body("/list?as_of=2026-01-01&product=B2");
    assert!(
        cell.contains("3A001") && cell.contains("1 entries"),
        "{cell}"
    );
    let magnet = body("/list?product=M1");
    assert!(magnet.contains("1C902.a") && !magnet.contains("3A001"));
    let watch = body("/list?watch=superhard");
    assert!(watch.contains("2C902.a") && watch.contains("2C902.d") && !watch.contains("1C902.a"));
    assert!(watch.contains("<option selected>superhard</option>"));
    assert_eq!(get(s.addr, "/list?product=NOPE", &[]).0, 400);
    let api = get(s.addr, "/api/list?product=B2", &[]).2;
    let api: serde_json::Value = serde_json::from_slice(&api).unwrap();
    assert_eq!(api.as_array().unwrap().len(), 1);
}
