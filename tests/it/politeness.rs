//! Politeness and robots.txt against a local server that records when each request came.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::support::*;

#[derive(Clone, Default)]
struct Log {
    /// (path, start, end) per request.
    requests: Arc<Mutex<Vec<(String, Instant, Instant)>>>,
    in_flight: Arc<Mutex<(usize, usize)>>,
    /// Requests answered 429 so far on /busy/index.html.
    busy: Arc<Mutex<u32>>,
}

const ARTICLE: &str = "snapshots/mofcom/2025-10-09/www.mofcom.gov.cn/zwgk/zcfb/art/2025/art_7f2b9d4e6a1c3e5b8d0f2a4c6e8b0d62.html";

async fn page(State(log): State<Log>, Path(path): Path<String>) -> Response {
    let start = Instant::now();
    {
        let mut f = log.in_flight.lock().unwrap();
        f.0 += 1;
        f.1 = f.1.max(f.0);
    }
    // Slow enough that overlapping requests would be seen.
    tokio::time::sleep(Duration::from_millis(40)).await;
    let response = if path == "robots.txt" {
        (StatusCode::NOT_FOUND, "").into_response()
    } else if path.starts_with("broken/") {
        (StatusCode::INTERNAL_SERVER_ERROR, "oops").into_response()
    } else if path == "busy/index.html" && {
        let mut n = log.busy.lock().unwrap();
        *n += 1;
        *n == 1
    } {
        let mut h = HeaderMap::new();
        h.insert(header::RETRY_AFTER, "1".parse().unwrap());
        (StatusCode::TOO_MANY_REQUESTS, h, "slow down").into_response()
    } else if path.ends_with("index.html") {
        let prefix = path.trim_end_matches("index.html");
        let items: String = (1..=4)
            .map(|i| format!("<li><a href=\"/{prefix}a{i}.html\">商务部公告2025年第62号 关于对稀土相关技术实施出口管制的决定</a></li>"))
            .collect();
        (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            format!("<html><body><ul>{items}</ul></body></html>"),
        )
            .into_response()
    } else {
        let body =
            std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(ARTICLE)).unwrap();
        ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
    };
    log.in_flight.lock().unwrap().0 -= 1;
    log.requests
        .lock()
        .unwrap()
        .push((path, start, Instant::now()));
    response
}

/// A server on 127.0.0.1 that answers every path (see [`page`]) and records the requests.
fn start(log: Log) -> std::net::SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let app = Router::new()
                .route("/{*path}", axum::routing::get(page))
                .with_state(log);
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    rx.recv().unwrap()
}

fn config(
    dir: &std::path::Path,
    addr: std::net::SocketAddr,
    sources: &[&str],
) -> std::path::PathBuf {
    let mut text = "[store]\npath = \"test.db\"\n[http]\ntimeout_secs = 5\n[politeness]\nconcurrency = 4\nper_host_concurrency = 1\nmin_interval_ms = 150\n".to_string();
    for s in sources {
        text.push_str(&format!(
            "[[source]]\nid = \"{s}\"\nprofile = \"mofcom\"\nurl = \"http://{addr}/{s}/index.html\"\nschedule = \"0 * * * *\"\n"
        ));
    }
    let path = dir.join("schedule.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn check(config: &std::path::Path) -> std::process::Output {
    assert_cmd::Command::cargo_bin("regwatch")
        .unwrap()
        .arg("--config")
        .arg(config)
        .args(["check", "--all", "--format", "json"])
        .env_remove("REGWATCH_NOW")
        .env_remove("REGWATCH_DB")
        .output()
        .unwrap()
}

#[test]
fn one_request_at_a_time_per_host_spaced_by_the_minimum_interval() {
    let log = Log::default();
    let addr = start(log.clone());
    let dir = tempfile::tempdir().unwrap();
    let out = check(&config(dir.path(), addr, &["policy"]));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let requests = log.requests.lock().unwrap().clone();
    // robots.txt, the index, four articles.
    assert_eq!(
        requests.len(),
        6,
        "{:?}",
        requests.iter().map(|r| &r.0).collect::<Vec<_>>()
    );
    assert_eq!(
        log.in_flight.lock().unwrap().1,
        1,
        "two requests to one host were in flight at once"
    );
    let mut starts: Vec<Instant> = requests.iter().map(|r| r.1).collect();
    starts.sort();
    for pair in starts.windows(2) {
        // Lower bound only: 150 ms between starts (a little slack for timer granularity).
        assert!(
            pair[1] - pair[0] >= Duration::from_millis(140),
            "{:?}",
            pair[1] - pair[0]
        );
    }
}

#[test]
fn retry_after_is_honoured_and_a_failing_source_does_not_stop_the_others() {
    let log = Log::default();
    let addr = start(log.clone());
    let dir = tempfile::tempdir().unwrap();
    let out = check(&config(dir.path(), addr, &["busy", "broken"]));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The source answering 500 failed; the one that said "429, retry after 1 s" was read.
    assert_eq!(out.status.code(), Some(3), "{summary:#}");
    assert_eq!(summary["sources"][0]["id"], "busy");
    assert_eq!(summary["sources"][0]["ok"], true, "{summary:#}");
    assert_eq!(summary["sources"][0]["links"], 4);
    assert_eq!(summary["sources"][1]["ok"], false);
    assert!(
        summary["sources"][1]["error"]
            .as_str()
            .unwrap()
            .contains("HTTP 500")
    );
    let requests = log.requests.lock().unwrap().clone();
    let at =
        |p: &str| -> Vec<Instant> { requests.iter().filter(|r| r.0 == p).map(|r| r.1).collect() };
    let busy = at("busy/index.html");
    assert_eq!(busy.len(), 2, "one 429, then the retry");
    assert!(
        busy[1] - busy[0] >= Duration::from_millis(950),
        "retried after {:?}",
        busy[1] - busy[0]
    );
    // Transient: tried three times (the first and two retries), then recorded as failing.
    assert_eq!(at("broken/index.html").len(), 3);
    let sources = assert_cmd::Command::cargo_bin("regwatch")
        .unwrap()
        .arg("--config")
        .arg(dir.path().join("schedule.toml"))
        .arg("sources")
        .output()
        .unwrap();
    let sources = String::from_utf8(sources.stdout).unwrap();
    assert!(
        sources.contains("FAILING") && sources.contains("HTTP 500"),
        "{sources}"
    );
}

#[test]
fn robots_txt_is_respected_unless_the_source_opts_out() {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&repo_snapshots(), tmp.path());
    let robots = tmp
        .path()
        .join("mofcom/2025-10-09/www.mofcom.gov.cn/robots.txt");
    std::fs::write(
        &robots,
        "User-agent: *\nDisallow: /zwgk/zcfb/art/2025/art_7f2b\n\nUser-agent: SomeBot\nDisallow: /\n",
    )
    .unwrap();
    let site = Site::start(tmp.path());
    site.at("2025-10-09");
    let ws = Workspace::new(&site, "");
    let (code, summary) = ws.check("2025-10-09T02:00:00Z");
    assert_eq!(code, 3, "{summary:#}");
    let failures = summary["sources"][0]["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 1, "{summary:#}");
    assert!(failures[0]["url"].as_str().unwrap().contains("art_7f2b"));
    assert!(
        failures[0]["reason"]
            .as_str()
            .unwrap()
            .contains("robots.txt")
    );
    let anns = ws.json(
        "2025-10-09T02:00:00Z",
        &["announcements", "--format", "json"],
    );
    assert!(
        anns.as_array()
            .unwrap()
            .iter()
            .all(|a| a["key"] != "MOFCOM-2025-62")
    );

    let text = std::fs::read_to_string(ws.config()).unwrap().replace(
        "allowed_hosts = [\"www.mofcom.gov.cn\"]",
        "allowed_hosts = [\"www.mofcom.gov.cn\"]\nrobots_txt = false",
    );
    std::fs::write(ws.config(), text).unwrap();
    let (code, _) = ws.check("2025-10-09T03:00:00Z");
    assert_eq!(code, 0);
    let anns = ws.json(
        "2025-10-09T03:00:00Z",
        &["announcements", "--format", "json"],
    );
    assert!(
        anns.as_array()
            .unwrap()
            .iter()
            .any(|a| a["key"] == "MOFCOM-2025-62")
    );
}
