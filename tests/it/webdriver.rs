//! The web view driven as a person uses it, through WebDriver (Debian's `chromium-driver`) in
//! headless Chromium: click from the overview to the changes and from a change to its
//! announcement, switch the list's date and filter it by HS prefix with the form, view a redline,
//! download a stored version; a screenshot of each page is kept under `target/tmp/browser/` and
//! checked not to be blank.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

use crate::serve::{demo_db, serve};

/// The W3C key of an element reference in WebDriver answers.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Driver {
    child: Child,
    base: String,
    session: String,
    client: reqwest::Client,
    rt: tokio::runtime::Runtime,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let url = format!("{}/session/{}", self.base, self.session);
        let _ = self
            .rt
            .block_on(async { self.client.delete(url).send().await });
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn which(names: &[&str], env: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(env) {
        return PathBuf::from(p);
    }
    for name in names {
        if let Ok(out) = Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .output()
            && out.status.success()
        {
            return PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        }
    }
    panic!("the browser tests need {names:?}: run `bash .ci/deps` (or set {env})");
}

impl Driver {
    fn start(profile: &Path) -> Driver {
        let chromedriver = which(&["chromedriver"], "REGWATCH_CHROMEDRIVER");
        let chromium = which(
            &["chromium", "chromium-browser", "google-chrome"],
            "REGWATCH_CHROMIUM",
        );
        let port = free_port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let client = reqwest::Client::new();
        // Wait for the driver to listen.
        let mut ready = false;
        for _ in 0..100 {
            let status = rt.block_on(async { client.get(format!("{base}/status")).send().await });
            if status.is_ok() {
                ready = true;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert!(ready, "chromedriver did not start");
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--window-size=1280,900",
                     format!("--user-data-dir={}", profile.display())],
        }}}});
        let mut d = Driver {
            child,
            base,
            session: String::new(),
            client,
            rt,
        };
        let v = d.call("POST", "/session", Some(caps));
        d.session = v["sessionId"].as_str().expect("a session").to_string();
        // Finding an element waits up to 10 s for it to appear (a page still loading after a
        // navigation, on a loaded machine), instead of failing at once.
        d.call(
            "POST",
            &d.s("/timeouts"),
            Some(json!({"implicit": 10_000, "pageLoad": 60_000})),
        );
        d
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{}", self.base, path);
        let text = self.rt.block_on(async {
            let req = match method {
                "POST" => self
                    .client
                    .post(url)
                    .header("content-type", "application/json")
                    .body(body.unwrap_or(json!({})).to_string()),
                _ => self.client.get(url),
            };
            req.send().await.unwrap().text().await.unwrap()
        });
        let v: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{text}"));
        if v["value"]["error"].is_string() {
            panic!("WebDriver {method} {path}: {}", v["value"]);
        }
        v["value"].clone()
    }

    fn s(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    fn go(&self, url: &str) {
        self.call("POST", &self.s("/url"), Some(json!({ "url": url })));
    }

    fn url(&self) -> String {
        self.call("GET", &self.s("/url"), None)
            .as_str()
            .unwrap()
            .to_string()
    }

    fn source(&self) -> String {
        self.call("GET", &self.s("/source"), None)
            .as_str()
            .unwrap()
            .to_string()
    }

    fn find(&self, css: &str) -> String {
        let v = self.call(
            "POST",
            &self.s("/element"),
            Some(json!({"using": "css selector", "value": css})),
        );
        v[ELEMENT].as_str().unwrap().to_string()
    }

    /// Clicks a link or a submit button and waits (up to 15 s) until the browser is on another
    /// page and has loaded it: the click command may return before a form's navigation has
    /// begun, or while the new page loads.
    fn click(&self, css: &str) {
        let before = self.url();
        let e = self.find(css);
        self.call("POST", &self.s(&format!("/element/{e}/click")), None);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        let loaded = || {
            self.call(
                "POST",
                &self.s("/execute/sync"),
                Some(json!({"script": "return document.readyState", "args": []})),
            ) == "complete"
        };
        while (self.url() == before || !loaded()) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.call("POST", &self.s(&format!("/element/{e}/clear")), None);
        self.call(
            "POST",
            &self.s(&format!("/element/{e}/value")),
            Some(json!({ "text": text })),
        );
    }

    /// Sets a field's value as a person picking a date would end up with (date inputs take keys
    /// in the locale's order; the value is what the form sends).
    fn set_value(&self, css: &str, value: &str) {
        let e = self.find(css);
        self.call(
            "POST",
            &self.s("/execute/sync"),
            Some(json!({"script": "arguments[0].value = arguments[1];", "args": [{ELEMENT: e}, value]})),
        );
    }

    fn screenshot(&self, name: &str) {
        let b64 = self.call("GET", &self.s("/screenshot"), None);
        let png = base64(b64.as_str().unwrap());
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert!(
            png.len() > 20_000,
            "{name}.png looks blank ({} bytes)",
            png.len()
        );
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("webdriver-{name}.png")), png).unwrap();
    }
}

fn base64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => 0,
    };
    let bytes: Vec<u8> = s.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let pad = chunk.iter().filter(|c| **c == b'=').count();
        let n = chunk.iter().fold(0u32, |acc, c| {
            (acc << 6) | u32::from(if *c == b'=' { 0 } else { val(*c) })
        });
        let b = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&b[..3 - pad]);
    }
    out
}

#[test]
fn a_person_clicks_through_the_web_view() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let s = serve(&db, &[], &[]);
    let base = format!("http://{}", s.addr);
    let d = Driver::start(&dir.path().join("chrome"));

    // The overview: the October additions, the No. 70 suspension and its end.
    d.go(&format!("{base}/"));
    let page = d.source();
    assert!(page.contains("MOFCOM No. 62 of 2025 (effective 2025-10-09) added 3 entries"));
    assert!(page.contains("MOFCOM No. 70 of 2025 suspended 23 entries"));
    assert!(page.contains("2026-11-11: the suspension by MOFCOM No. 70 of 2025 ended"));
    d.screenshot("overview");

    // To the changes, and from a change to its announcement.
    d.click("nav a[href='/changes']");
    assert!(d.url().ends_with("/changes"), "{}", d.url());
    d.click("a[href='/announcement/MOFCOM-2025-70']");
    assert!(d.url().ends_with("/announcement/MOFCOM-2025-70"));
    let page = d.source();
    assert!(page.contains("suspends") && page.contains("MOFCOM-2025-62"));
    d.screenshot("announcement");

    // The list: another date, then only HS 8507…, with the form.
    d.go(&format!("{base}/list"));
    d.set_value("input[name=as_of]", "2026-01-01");
    d.type_into("input[name=hs]", "8507");
    d.click("form.filters button");
    let url = d.url();
    assert!(
        url.contains("as_of=2026-01-01") && url.contains("hs=8507"),
        "{url}"
    );
    let page = d.source();
    assert!(page.contains("3A001") && page.contains("suspended until 2026-11-10"));
    assert!(!page.contains("1E902.a"));
    d.screenshot("list");

    // A redline between two versions of No. 61, chosen in the form.
    d.go(&format!("{base}/announcement/MOFCOM-2025-61"));
    d.click("form.filters button");
    let page = d.source();
    assert!(
        page.contains("<del>将</del>") && page.contains("<ins>就</ins>"),
        "{page}"
    );
    d.screenshot("redline");

    // The evidence: a stored version's bytes, from the announcement's link.
    let link = {
        let page = d.source();
        let at = page.find("/version/").unwrap();
        page[at..]
            .chars()
            .take_while(|c| *c != '"')
            .collect::<String>()
    };
    let (status, headers, body) = crate::serve::get(s.addr, &link, &[]);
    assert_eq!(status, 200);
    assert_eq!(
        crate::serve::header(&headers, "x-content-sha256"),
        regwatch::store::sha256_hex(&body)
    );
}
