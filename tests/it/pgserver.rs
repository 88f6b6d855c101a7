//! A real PostgreSQL server for the tests, from the Debian `postgresql` package (`initdb`,
//! `pg_ctl` on a free port in a temporary directory), never a mock. `.ci/deps` installs the
//! package when it is missing. [`Postgres::start`] gives a test a server of its own;
//! [`shared`] one server for the whole test run (each workspace gets a database of its own),
//! stopped by a watchdog when the test process ends.

use std::os::unix::fs::chown;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A PostgreSQL server of its own, stopped when dropped.
pub struct Postgres {
    dir: tempfile::TempDir,
    /// Kept by [`shared`]: stopped by its watchdog, not when dropped.
    keep: bool,
    bin: PathBuf,
    pub port: u16,
}

/// Where `initdb` and `pg_ctl` are: on the PATH, or in Debian's versioned directory (the
/// package does not put them on the PATH).
fn bin_dir() -> PathBuf {
    if let Ok(p) = which("initdb") {
        return p;
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|b| b.join("initdb").exists())
        .collect();
    found.sort();
    found.pop().unwrap_or_else(|| {
        panic!("PostgreSQL's initdb not found: run `bash .ci/deps` (installs the Debian package postgresql)")
    })
}

fn which(name: &str) -> Result<PathBuf, ()> {
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .find(|d| d.join(name).is_file())
                .map(|d| std::fs::canonicalize(d.join(name)).unwrap_or(d.join(name)))
        })
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .ok_or(())
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// The `postgres` account's uid and gid: initdb refuses to run as root.
fn postgres_account() -> (u32, u32) {
    let id = |flag: &str| -> u32 {
        let out = Command::new("id")
            .args([flag, "postgres"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "no `postgres` account to run the server as (root may not)"
        );
        String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
    };
    (id("-u"), id("-g"))
}

impl Postgres {
    pub fn start() -> Postgres {
        let bin = bin_dir();
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        if is_root() {
            let (uid, gid) = postgres_account();
            chown(dir.path(), Some(uid), Some(gid)).unwrap();
        }
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let pg = Postgres {
            dir,
            bin,
            port,
            keep: false,
        };
        pg.run(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-A",
                "trust",
                "-U",
                "regwatch",
                "-E",
                "UTF8",
                "--no-locale",
                "-N",
            ],
        );
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off",
            pg.dir.path().display()
        );
        pg.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-l",
                pg.dir.path().join("log").to_str().unwrap(),
                "-w",
                "-o",
                &opts,
                "start",
            ],
        );
        pg
    }

    /// One of the server's tools, as the `postgres` account when we are root.
    fn tool(&self, tool: &str) -> Command {
        let exe = self.bin.join(tool);
        if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe);
            c
        } else {
            Command::new(exe)
        }
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let out = self.tool(tool).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{tool} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A new, empty database on the server.
    pub fn database(&self, name: &str) -> String {
        let mut c = postgres::Client::connect(&self.url("postgres"), postgres::NoTls).unwrap();
        c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        self.url(name)
    }

    pub fn url(&self, db: &str) -> String {
        format!("postgres://regwatch@127.0.0.1:{}/{db}", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if self.keep {
            return;
        }
        let data = self.dir.path().join("data");
        let args = ["-D", data.to_str().unwrap_or(""), "-m", "immediate", "stop"];
        let _ = self.tool("pg_ctl").args(args).output();
    }
}

/// Whether this test run keeps its stores on PostgreSQL (`REGWATCH_TEST_STORE=postgres`): the
/// integration tests then run a second time, every workspace on a database of its own.
pub fn on_postgres() -> bool {
    std::env::var("REGWATCH_TEST_STORE").is_ok_and(|v| v == "postgres")
}

/// One server for the whole test run, started on first use. A watchdog stops it and removes
/// its directory once this process has ended (statics are never dropped).
pub fn shared() -> &'static Postgres {
    static SERVER: OnceLock<Postgres> = OnceLock::new();
    SERVER.get_or_init(|| {
        let mut pg = Postgres::start();
        pg.keep = true;
        let data = pg.dir.path().join("data");
        let pg_ctl = pg.bin.join("pg_ctl");
        let stop = format!(
            "{}{} -D {} -m immediate stop",
            if is_root() { "runuser -u postgres -- " } else { "" },
            pg_ctl.display(),
            data.display()
        );
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop} >/dev/null 2>&1; rm -rf {dir}",
            pid = std::process::id(),
            dir = pg.dir.path().display()
        );
        // In the background of a shell that exits at once: the watchdog outlives it, and this
        // process, as an orphan.
        let started = Command::new("sh")
            .args(["-c", &format!("({script}) </dev/null >/dev/null 2>&1 &")])
            .stdin(Stdio::null())
            .status()
            .expect("starting the server's watchdog");
        assert!(started.success());
        pg
    })
}

/// A new database on the shared server, for one workspace.
pub fn fresh_database() -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::SeqCst);
    shared().database(&format!("ws{}_{n}", std::process::id()))
}
