//! Nothing lost, nothing invented: a fault-injecting server behind one source per fault, beside a
//! healthy source. Each run completes, each fault is recorded with its reason, no change comes
//! from a faulty source, the exit code says sources failed, and when the server heals the next
//! run reads everything.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::support::*;

const ARTICLE: &str = "snapshots/mofcom/2025-10-09/www.mofcom.gov.cn/zwgk/zcfb/art/2025/art_7f2b9d4e6a1c3e5b8d0f2a4c6e8b0d62.html";

/// The faults, by the path of the index page that shows them, and a word the recorded reason
/// must contain.
const FAULTS: &[(&str, &str)] = &[
    ("status-500", "HTTP 500"),
    ("status-429", "HTTP 429"),
    ("slow", "timed out"),
    ("stall", "timed out"),
    ("truncated", "end of file before message length reached"),
    ("no-response", "connection closed before message completed"),
    ("reset", "Connection reset by peer"),
    ("redirect-loop", "more than 5 redirects"),
    ("redirect-offsite", "outside the source's allowed hosts"),
    (
        "redirect-file",
        "redirect to a non-HTTP URL (file:///etc/passwd) refused",
    ),
    ("gzip-bomb", "larger than"),
    ("huge", "larger than"),
    ("wrong-charset", "lists no announcement links"),
    ("invalid-bytes", "lists no announcement links"),
    ("not-html", "not an HTML page"),
    ("empty-index", "lists no announcement links"),
    ("error-page", "lists no announcement links"),
    // 304 to a request that carried no validators: there is no stored version to confirm.
    (
        "not-modified",
        "304 Not Modified for a page with no stored version",
    ),
    // The same faults on the announcement page behind a healthy index.
    ("art-status-500", "HTTP 500"),
    ("art-truncated", "end of file before message length reached"),
    ("art-huge", "larger than"),
    ("art-wrong-charset", "no document number"),
    ("art-not-html", "not an HTML page"),
    ("art-error-page", "no document number"),
    (
        "art-not-modified",
        "304 Not Modified for a page with no stored version",
    ),
];

struct FaultServer {
    addr: SocketAddr,
    healthy: Arc<AtomicBool>,
}

fn respond(mut s: TcpStream, status: &str, headers: &[(&str, String)], body: &[u8]) {
    let mut head = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-length"))
    {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let _ = s.write_all(head.as_bytes());
    let _ = s.write_all(body);
}

fn html() -> (&'static str, String) {
    ("Content-Type", "text/html; charset=utf-8".to_string())
}

fn serve(s: TcpStream, path: &str, addr: SocketAddr, healthy: bool) {
    let article =
        std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(ARTICLE)).unwrap();
    let fault = path
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or("")
        .to_string();
    if path.ends_with("robots.txt") {
        return respond(s, "404 Not Found", &[], b"");
    }
    // `art-…` faults hit the announcement page; the others the index.
    let at_article = fault.starts_with("art-");
    let is_article = path.ends_with("/art.html");
    if is_article && (!at_article || healthy) {
        return respond(s, "200 OK", &[html()], &article);
    }
    let index = format!(
        "<html><body><ul><li><a href=\"/{fault}/art.html\">商务部公告2025年第62号 关于对稀土相关技术实施出口管制的决定</a></li></ul></body></html>"
    );
    if healthy || fault == "good" || (at_article && !is_article) {
        return respond(s, "200 OK", &[html()], index.as_bytes());
    }
    // What the faulty page would have been.
    let page: Vec<u8> = if is_article {
        article.clone()
    } else {
        index.clone().into_bytes()
    };
    let mut s = s;
    match fault.trim_start_matches("art-") {
        "status-500" => respond(s, "500 Internal Server Error", &[], b"oops"),
        "status-429" => respond(
            s,
            "429 Too Many Requests",
            &[("Retry-After", "1".into())],
            b"",
        ),
        "slow" => {
            std::thread::sleep(Duration::from_secs(4));
            respond(s, "200 OK", &[html()], index.as_bytes());
        }
        "stall" => {
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n<html><body>");
            std::thread::sleep(Duration::from_secs(4));
        }
        "truncated" => {
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5000\r\n\r\n<html><body><ul><li>");
            // Close early: fewer bytes than promised.
        }
        // The connection closes without a byte of response.
        "no-response" => drop(s),
        // A TCP reset: linger zero, then close.
        "reset" => {
            let _ = socket2::SockRef::from(&s).set_linger(Some(Duration::ZERO));
            drop(s);
        }
        "redirect-loop" => respond(
            s,
            "302 Found",
            &[("Location", format!("/{fault}/index.html"))],
            b"",
        ),
        "redirect-offsite" => respond(
            s,
            "302 Found",
            &[(
                "Location",
                format!("http://localhost:{}/elsewhere/index.html", addr.port()),
            )],
            b"",
        ),
        "redirect-file" => respond(
            s,
            "302 Found",
            &[("Location", "file:///etc/passwd".into())],
            b"",
        ),
        // 64 MiB of zeros in a few kilobytes.
        "gzip-bomb" => respond(
            s,
            "200 OK",
            &[html(), ("Content-Encoding", "gzip".into())],
            &gzip_zeros(64 << 20),
        ),
        "huge" => {
            let _ = s.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n",
            );
            let chunk = vec![b'x'; 1 << 20];
            for _ in 0..100 {
                if s.write_all(&chunk).is_err() {
                    break;
                }
            }
        }
        // GBK bytes declared as UTF-8.
        "wrong-charset" => {
            let text = String::from_utf8_lossy(&page).replace("charset=\"utf-8\"", "");
            let (gbk, _, _) = encoding_rs::GBK.encode(&text);
            respond(
                s,
                "200 OK",
                &[("Content-Type", "text/html; charset=utf-8".into())],
                &gbk,
            )
        }
        "invalid-bytes" => {
            let bytes: Vec<u8> = (0..4096u32).map(|i| (i * 131 % 251) as u8 | 0x80).collect();
            respond(s, "200 OK", &[html()], &bytes)
        }
        "not-html" => respond(
            s,
            "200 OK",
            &[("Content-Type", "image/png".into())],
            b"\x89PNG\r\n\x1a\n",
        ),
        "empty-index" => respond(
            s,
            "200 OK",
            &[html()],
            b"<html><body><p>Nothing here</p></body></html>",
        ),
        "error-page" => respond(
            s,
            "200 OK",
            &[html()],
            "<html><body><h1>系统维护中</h1></body></html>".as_bytes(),
        ),
        "not-modified" => respond(s, "304 Not Modified", &[], b""),
        _ => respond(s, "404 Not Found", &[], b""),
    }
}

/// A gzip stream of `n` zero bytes: kilobytes on the wire, `n` bytes when decoded.
fn gzip_zeros(n: usize) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..(n >> 20) {
        enc.write_all(&zeros).unwrap();
    }
    enc.finish().unwrap()
}

impl FaultServer {
    fn start() -> FaultServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let healthy = Arc::new(AtomicBool::new(false));
        let h = healthy.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let h = h.clone();
                std::thread::spawn(move || {
                    let mut stream = stream;
                    let mut buf = [0u8; 4096];
                    let n = stream.read(&mut buf).unwrap_or(0);
                    let request = String::from_utf8_lossy(&buf[..n]);
                    let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
                    serve(stream, &path, addr, h.load(Ordering::SeqCst));
                });
            }
        });
        FaultServer { addr, healthy }
    }
}

#[test]
fn every_fault_is_recorded_and_nothing_is_invented() {
    let faults = FaultServer::start();
    let dir = tempfile::tempdir().unwrap();
    // Short timeouts so that slow and stalled responses time out quickly; a 1 MiB cap.
    let mut config = String::from(
        "[store]\npath = \"test.db\"\n[http]\ntimeout_secs = 2\nconnect_timeout_secs = 1\nmax_body_bytes = 1048576\n[politeness]\nmin_interval_ms = 0\nconcurrency = 16\n",
    );
    for name in std::iter::once("good").chain(FAULTS.iter().map(|f| f.0)) {
        config.push_str(&format!(
            "\n[[source]]\nid = \"{name}\"\nprofile = \"mofcom\"\nurl = \"http://{}/{name}/index.html\"\nschedule = \"0 * * * *\"\n",
            faults.addr
        ));
    }
    let config_path = dir.path().join("schedule.toml");
    std::fs::write(&config_path, config).unwrap();
    let run = |now: &str, args: &[&str]| {
        assert_cmd::Command::cargo_bin("regwatch")
            .unwrap()
            .arg("--config")
            .arg(&config_path)
            .args(args)
            .env("REGWATCH_NOW", now)
            .env_remove("REGWATCH_DB")
            .output()
            .unwrap()
    };
    let json = |o: std::process::Output| -> serde_json::Value {
        serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&o.stderr)))
    };

    let t1 = "2025-10-09T02:00:00Z";
    let out = run(t1, &["check", "--all", "--format", "json"]);
    assert_eq!(out.status.code(), Some(3));
    let summary = json(out);
    let sources = summary["sources"].as_array().unwrap();
    let good = sources.iter().find(|s| s["id"] == "good").unwrap();
    assert_eq!(good["ok"], true, "{good:#}");
    assert!(good["changes"].as_u64().unwrap() > 0);
    for (name, reason) in FAULTS {
        let s = sources.iter().find(|s| s["id"] == *name).unwrap();
        assert_eq!(s["ok"], false, "{name}: {s:#}");
        assert_eq!(s["changes"], 0, "{name}: {s:#}");
        let error = s["error"].as_str().unwrap();
        assert!(error.contains(reason), "{name}: {error}");
    }
    // Every change came from the healthy source; nothing was marked removed.
    let changes = json(run(t1, &["changes", "--format", "json"]));
    let good_prefix = format!("http://{}/good/", faults.addr);
    assert!(
        changes.as_array().unwrap().iter().all(|c| c["url"]
            .as_str()
            .is_none_or(|u| u.starts_with(&good_prefix))),
        "{changes:#}"
    );
    assert!(changes_of_kind(&changes, "removed").is_empty());
    let before = changes.as_array().unwrap().len();
    // Each fault is recorded with its reason, and `sources` says so.
    let status = String::from_utf8(run(t1, &["sources"]).stdout).unwrap();
    assert_eq!(status.matches("FAILING").count(), FAULTS.len(), "{status}");

    // The server heals: the next run reads every source. The faulty ones only add URLs to the
    // announcement already known (the same No. 62), so no change is invented either.
    faults.healthy.store(true, Ordering::SeqCst);
    let t2 = "2025-10-09T03:00:00Z";
    let out = run(t2, &["check", "--all", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let changes = json(run(t2, &["changes", "--format", "json"]));
    assert_eq!(changes.as_array().unwrap().len(), before, "{changes:#}");
    let anns = json(run(t2, &["announcements", "--format", "json"]));
    let a62 = anns
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["key"] == "MOFCOM-2025-62")
        .unwrap();
    assert_eq!(a62["urls"].as_array().unwrap().len(), FAULTS.len() + 1);
}
