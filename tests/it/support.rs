//! Shared helpers: a snapshot server on 127.0.0.1, configs pointing at it, the binary.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;

use assert_cmd::Command;
use regwatch::demo::server::{SnapshotSite, serve};
use serde_json::Value;

pub fn repo_snapshots() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots")
}

/// A snapshot server running on its own thread and runtime for the rest of the test.
pub struct Site {
    pub addr: SocketAddr,
    pub site: Arc<SnapshotSite>,
}

impl Site {
    pub fn start(root: &Path) -> Site {
        let site = Arc::new(SnapshotSite::load(root).expect("loading snapshots"));
        let (tx, rx) = std::sync::mpsc::channel();
        let s = site.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let (addr, task) = serve(s).await.unwrap();
                tx.send(addr).unwrap();
                let _ = task.await;
            });
        });
        let addr = rx.recv().unwrap();
        Site { addr, site }
    }

    /// Serves the site as of the capture on `date`.
    pub fn at(&self, date: &str) {
        let i = self
            .site
            .dates()
            .iter()
            .position(|d| d.to_string() == date)
            .unwrap_or_else(|| panic!("no capture dated {date}"));
        self.site.set_step(i);
    }

    pub fn not_modified(&self) -> u64 {
        self.site
            .not_modified
            .load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// A scratch directory with a config replaying `site` and extra `[[source]]` text; its store
/// a SQLite file, or a database of its own on the shared PostgreSQL server when the run is on
/// PostgreSQL ([`crate::pgserver::on_postgres`]).
pub struct Workspace {
    pub dir: tempfile::TempDir,
    /// The PostgreSQL database, when the store is there.
    pub pg: Option<String>,
}

impl Workspace {
    pub fn new(site: &Site, extra: &str) -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        let pg = crate::pgserver::on_postgres().then(crate::pgserver::fresh_database);
        let store = match &pg {
            Some(url) => format!("url = \"{url}\""),
            None => "path = \"test.db\"".to_string(),
        };
        let config = format!(
            r#"
[store]
{store}

[http]
mirror = "http://{}/"
timeout_secs = 5

[politeness]
min_interval_ms = 0
concurrency = 4

# These tests follow each check entry by entry from the first one on; the baseline a first
# check records instead has tests of its own (`baseline = true`, the default).
[[source]]
id = "mofcom-policy"
profile = "mofcom"
url = "https://www.mofcom.gov.cn/zwgk/zcfb/index.html"
schedule = "7 8-20/2 * * *"
timezone = "Asia/Shanghai"
allowed_hosts = ["www.mofcom.gov.cn"]
baseline = false

[[source]]
id = "mofcom-xkzj"
profile = "mofcom"
url = "https://xkzj.mofcom.gov.cn/tzgg/index.html"
schedule = "37 8-20/4 * * *"
baseline = false
{extra}
"#,
            site.addr
        );
        std::fs::write(dir.path().join("schedule.toml"), config).unwrap();
        Workspace { dir, pg }
    }

    /// Where the store is.
    pub fn location(&self) -> regwatch::store::Location {
        match &self.pg {
            Some(url) => regwatch::store::Location::Postgres(url.clone()),
            None => regwatch::store::Location::Sqlite(self.db()),
        }
    }

    /// A number one query answers (`SELECT COUNT(*) …`), on either store.
    pub fn count(&self, sql: &str) -> i64 {
        match &self.pg {
            Some(url) => postgres::Client::connect(url, postgres::NoTls)
                .unwrap()
                .query_one(sql, &[])
                .unwrap()
                .get(0),
            None => rusqlite::Connection::open(self.db())
                .unwrap()
                .query_row(sql, [], |r| r.get(0))
                .unwrap(),
        }
    }

    /// The text one query answers, if any row, on either store.
    pub fn text(&self, sql: &str) -> Option<String> {
        match &self.pg {
            Some(url) => postgres::Client::connect(url, postgres::NoTls)
                .ok()?
                .query_opt(sql, &[])
                .ok()??
                .get(0),
            None => rusqlite::Connection::open(self.db())
                .ok()?
                .query_row(sql, [], |r| r.get(0))
                .ok(),
        }
    }

    /// The first column of every row a query answers, on either store.
    pub fn texts(&self, sql: &str) -> Vec<String> {
        match &self.pg {
            Some(url) => postgres::Client::connect(url, postgres::NoTls)
                .unwrap()
                .query(sql, &[])
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect(),
            None => rusqlite::Connection::open(self.db())
                .unwrap()
                .prepare(sql)
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap(),
        }
    }

    /// Runs a statement (to stage a state a test needs), on either store; rows changed.
    pub fn execute(&self, sql: &str) -> u64 {
        match &self.pg {
            Some(url) => postgres::Client::connect(url, postgres::NoTls)
                .unwrap()
                .execute(sql, &[])
                .unwrap(),
            None => rusqlite::Connection::open(self.db())
                .unwrap()
                .execute(sql, [])
                .unwrap() as u64,
        }
    }

    /// SQLite's own check of the file; PostgreSQL keeps its files consistent itself (a killed
    /// client's transaction is rolled back by the server).
    pub fn integrity(&self) {
        if self.pg.is_none() && self.db().exists() {
            assert_eq!(self.text("PRAGMA integrity_check").as_deref(), Some("ok"));
        }
    }

    /// The store, opened as the binary opens it.
    pub fn store(&self) -> regwatch::store::Store {
        regwatch::store::Store::open_at(&self.location()).unwrap()
    }

    pub fn config(&self) -> PathBuf {
        self.dir.path().join("schedule.toml")
    }

    /// The SQLite file (tests that read it with SQLite itself skip the PostgreSQL run).
    pub fn db(&self) -> PathBuf {
        self.dir.path().join("test.db")
    }

    /// The binary with this workspace's config, at a fixed time.
    pub fn cmd(&self, now: &str) -> Command {
        let mut c = Command::cargo_bin("regwatch").unwrap();
        c.arg("--config")
            .arg(self.config())
            .env("REGWATCH_NOW", now)
            .env_remove("REGWATCH_DB");
        c
    }

    pub fn json(&self, now: &str, args: &[&str]) -> Value {
        let out = self.cmd(now).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// `check --format json`, returning the exit code and the summary.
    pub fn check(&self, now: &str) -> (i32, Value) {
        let out = self
            .cmd(now)
            .args(["check", "--all", "--format", "json"])
            .output()
            .unwrap();
        let code = out.status.code().unwrap();
        let summary = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
            panic!(
                "no JSON summary; stderr: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (code, summary)
    }
}

/// Copies a snapshots tree so a test can add captures of its own.
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

pub fn changes_of_kind<'a>(changes: &'a Value, kind: &str) -> Vec<&'a Value> {
    changes
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == kind)
        .collect()
}

/// A message as the SMTP server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: Vec<u8>,
}

#[derive(Clone)]
struct Inbox {
    received: Arc<std::sync::Mutex<Vec<Received>>>,
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

impl mailin_embedded::Handler for Inbox {
    fn data_start(
        &mut self,
        _domain: &str,
        from: &str,
        _is8bit: bool,
        to: &[String],
    ) -> mailin_embedded::Response {
        self.from = from.to_string();
        self.to = to.to_vec();
        self.data.clear();
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> mailin_embedded::Response {
        self.received.lock().unwrap().push(Received {
            from: self.from.clone(),
            to: self.to.clone(),
            data: std::mem::take(&mut self.data),
        });
        mailin_embedded::response::OK
    }
}

/// A real SMTP server (mailin-embedded) on 127.0.0.1, keeping what it receives.
impl Received {
    /// The message's Message-ID header.
    pub fn message_id(&self) -> String {
        mailparse::parse_mail(&self.data)
            .unwrap()
            .headers
            .iter()
            .find(|h| h.get_key().eq_ignore_ascii_case("Message-ID"))
            .map(|h| h.get_value())
            .expect("a Message-ID")
    }
}

pub struct SmtpServer {
    pub port: u16,
    received: Arc<std::sync::Mutex<Vec<Received>>>,
}

impl SmtpServer {
    pub fn start() -> SmtpServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(std::sync::Mutex::new(Vec::new()));
        let inbox = Inbox {
            received: received.clone(),
            from: String::new(),
            to: Vec::new(),
            data: Vec::new(),
        };
        let mut server = mailin_embedded::Server::new(inbox);
        server
            .with_name("smtp.test")
            .with_num_threads(2)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        SmtpServer { port, received }
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

/// `[smtp]` and one `[[digest]]` for a workspace config, sending to `port` on 127.0.0.1.
pub fn digest_config(port: u16) -> String {
    format!(
        r#"
[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
from = "regwatch <regwatch@example.com>"
timeout_secs = 5

[[digest]]
name = "legal"
to = ["Legal <legal@example.com>", "compliance@example.com"]
schedule = "0 9 * * *"
timezone = "Europe/Berlin"
subject_prefix = "[export controls]"
"#
    )
}

/// What the server answers: status line, headers, body.
/// A route answering with this status resets the connection instead.
pub const RESET: &str = "reset";

pub type Reply = (&'static str, Vec<(String, String)>, Vec<u8>);

pub fn html(body: impl Into<Vec<u8>>) -> Reply {
    (
        "200 OK",
        vec![("Content-Type".into(), "text/html; charset=utf-8".into())],
        body.into(),
    )
}

pub fn redirect(to: &str) -> Reply {
    (
        "302 Found",
        vec![("Location".into(), to.into())],
        Vec::new(),
    )
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub head: String,
}

/// An HTTP/1.1 server on 127.0.0.1 answering each request with `route(path, own address)`,
/// keeping every request it received.
pub struct Server {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    pub fn start(route: impl Fn(&str, SocketAddr) -> Reply + Send + Sync + 'static) -> Server {
        Server::start_seeing(move |seen, addr| route(&seen.path, addr))
    }

    /// [`Server::start`] with a route that reads the whole request (its validators).
    pub fn start_seeing(
        route: impl Fn(&Seen, SocketAddr) -> Reply + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (route, log) = (Arc::new(route), seen.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (route, log) = (route.clone(), log.clone());
                std::thread::spawn(move || answer(stream, addr, &*route, &log));
            }
        });
        Server { addr, seen }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn hits(&self, path_start: &str) -> usize {
        self.seen()
            .iter()
            .filter(|s| s.path.starts_with(path_start))
            .count()
    }
}

fn answer(
    mut s: TcpStream,
    addr: SocketAddr,
    route: &(dyn Fn(&Seen, SocketAddr) -> Reply + Send + Sync),
    log: &Mutex<Vec<Seen>>,
) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let head = String::from_utf8_lossy(&buf).to_string();
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
    let seen = Seen { path, head };
    log.lock().unwrap().push(seen.clone());
    let (status, headers, body) = if seen.path == "/robots.txt" {
        ("404 Not Found", Vec::new(), Vec::new())
    } else {
        route(&seen, addr)
    };
    if status == RESET {
        // A TCP reset instead of an answer: linger zero, then close.
        let _ = socket2::SockRef::from(&s).set_linger(Some(std::time::Duration::ZERO));
        return;
    }
    let mut out = format!(
        "HTTP/1.1 {status}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    let _ = s.write_all(out.as_bytes());
    let _ = s.write_all(&body);
}

/// One source's outcome in a `check --format json` summary.
pub fn outcome<'a>(summary: &'a Value, id: &str) -> &'a Value {
    summary["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no source {id} in {summary:#}"))
}

/// The Chromium the browser tests drive: `REGWATCH_CHROMIUM`, else the first on the PATH.
/// `.ci/deps` installs it when missing.
pub fn chromium() -> PathBuf {
    if let Some(p) = std::env::var_os("REGWATCH_CHROMIUM") {
        return PathBuf::from(p);
    }
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if let Ok(out) = std::process::Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .output()
            && out.status.success()
        {
            return PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        }
    }
    panic!(
        "the browser tests need Chromium: run `bash .ci/deps` (it installs Debian's chromium, chromium-driver and fonts-wqy-microhei), or set REGWATCH_CHROMIUM"
    );
}

/// The demo replayed into `dir/demo.db`, or into a database of its own on the shared
/// PostgreSQL server when the run is on PostgreSQL: what `--db` takes.
pub fn demo_db(dir: &Path) -> String {
    if !crate::pgserver::on_postgres() {
        return demo_sqlite(dir).display().to_string();
    }
    let db = crate::pgserver::fresh_database();
    replay_demo(&db);
    db
}

/// The demo replayed into the SQLite file `dir/demo.db`.
pub fn demo_sqlite(dir: &Path) -> PathBuf {
    let db = dir.join("demo.db");
    replay_demo(db.as_os_str());
    db
}

fn replay_demo(db: &(impl AsRef<std::ffi::OsStr> + ?Sized)) {
    let out = Command::cargo_bin("regwatch")
        .unwrap()
        .arg("--db")
        .arg(db)
        .arg("demo")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
