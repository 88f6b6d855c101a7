//! PostgreSQL as the store: a real server from the Debian `postgresql` package, started by the
//! test in a temporary directory (`initdb`, `pg_ctl` on a free port), never a mock. `.ci/deps`
//! installs the package when it is missing.

use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};

use crate::pgserver::Postgres;

use assert_cmd::cargo::CommandCargoExt as _;
use serde_json::Value;

fn migrate(db: &Path, url: &str) -> (i32, Value, String) {
    let out = Command::cargo_bin("regwatch")
        .unwrap()
        .args(["migrate", "--to", url, "--from"])
        .arg(db)
        .args(["--format", "json"])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_demo_store_copied_to_postgres_verifies_table_by_table() {
    let pg = Postgres::start();
    let dir = tempfile::tempdir().unwrap();
    let db = crate::support::demo_sqlite(dir.path());
    let url = pg.database("regwatch");

    let (code, out, err) = migrate(&db, &url);
    assert_eq!(code, 0, "{err}\n{out:#}");
    assert_eq!(out["intact"], true);
    let tables = out["tables"].as_array().unwrap();
    assert_eq!(tables.len(), regwatch::store::pg::TABLES.len());
    let rows = |t: &str| {
        tables
            .iter()
            .find(|x| x["table"] == t)
            .map(|x| x["rows_postgres"].as_u64().unwrap())
            .unwrap()
    };
    // Every snapshot byte and change, the same count as SQLite holds.
    let sqlite = rusqlite::Connection::open(&db).unwrap();
    for t in [
        "snapshot",
        "change",
        "announcement",
        "entry",
        "relation",
        "announcement_version",
    ] {
        let n: i64 = sqlite
            .query_row(&format!("SELECT count(*) FROM \"{t}\""), [], |r| r.get(0))
            .unwrap();
        assert!(n > 0, "{t}");
        assert_eq!(rows(t) as i64, n, "{t}");
    }

    // The PostgreSQL schema has every column SQLite's has, table by table.
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    for t in regwatch::store::pg::TABLES {
        let mut st = sqlite
            .prepare(&format!("PRAGMA table_info(\"{t}\")"))
            .unwrap();
        let mut lite: Vec<String> = st
            .query_map([], |r| r.get::<_, String>(1))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let mut pgcols: Vec<String> = client
            .query(
                "SELECT column_name::text FROM information_schema.columns WHERE table_name = $1",
                &[&t],
            )
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        lite.sort();
        pgcols.sort();
        assert_eq!(pgcols, lite, "{t}");
    }
    // The bytes of a page as fetched, byte for byte.
    let (id, body): (i64, Vec<u8>) = sqlite
        .query_row(
            "SELECT id, body FROM snapshot ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let copied: Vec<u8> = client
        .query_one("SELECT body FROM snapshot WHERE id = $1", &[&id])
        .unwrap()
        .get(0);
    assert_eq!(copied, body);
    // A round trip: copied back into a new SQLite file, the store gives byte-identical reports.
    let back = dir.path().join("back.db");
    let out = Command::cargo_bin("regwatch")
        .unwrap()
        .args(["migrate", "--from", &url, "--to"])
        .arg(&back)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Copied and verified"));
    let report = |db: &Path, args: &[&str]| -> Vec<u8> {
        let out = Command::cargo_bin("regwatch")
            .unwrap()
            .arg("--db")
            .arg(db)
            .args(args)
            .env("REGWATCH_NOW", "2026-11-30T00:00:00Z")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    for args in [
        &["changes", "--format", "md"][..],
        &["changes", "--format", "json"],
        &["list", "--as-of", "2026-01-01", "--format", "json"],
        &["announcements", "--format", "json"],
        &["upcoming", "--days", "400"],
        &["doubts"],
    ] {
        let (a, b) = (report(&db, args), report(&back, args));
        assert!(!a.is_empty(), "{args:?}");
        assert!(a == b, "{args:?} differs after the round trip");
    }
    // Never over an existing file.
    let out = Command::cargo_bin("regwatch")
        .unwrap()
        .args(["migrate", "--from", &url, "--to"])
        .arg(&back)
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));

    // New rows continue the ids.
    let next: i64 = client
        .query_one(
            "INSERT INTO problem (source, at, kind, message) VALUES ('s', 't', 'fetch', 'm') RETURNING id",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(next, 1);
    let next: i64 = client
        .query_one(
            "INSERT INTO change (kind, announcement, observed_at) VALUES ('x', 'y', 'z') RETURNING id",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(next, rows("change") as i64 + 1);

    // A second copy into the same database is refused: two stores never mix.
    let (code, _, err) = migrate(&db, &url);
    assert_ne!(code, 0);
    assert!(err.contains("already holds regwatch data"), "{err}");

    // The commands run on the copy as on the file (and make no file named after the URL).
    let list = |db: &str| {
        let out = Command::cargo_bin("regwatch")
            .unwrap()
            .current_dir(dir.path())
            .env("REGWATCH_NOW", "2026-11-30T00:00:00Z")
            .args([
                "--db",
                db,
                "list",
                "--as-of",
                "2026-01-01",
                "--format",
                "json",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    assert_eq!(list(&url), list(db.to_str().unwrap()));
    assert!(!dir.path().join("postgres:").exists());

    // The schema is versioned: applying it again finds it current.
    let version = regwatch::store::pg::migrate_schema(&mut client).unwrap();
    assert_eq!(
        regwatch::store::pg::migrate_schema(&mut client).unwrap(),
        version
    );
}

/// Everything a schema is made of, one line per column, index, constraint and function.
fn schema_of(client: &mut postgres::Client) -> Vec<String> {
    client
        .query(
            "SELECT format('column %s.%s #%s %s collate=%s null=%s default=%s', table_name,
                           column_name, ordinal_position, data_type, collation_name, is_nullable,
                           column_default)
             FROM information_schema.columns WHERE table_schema = current_schema()
             UNION ALL
             SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = current_schema()
             UNION ALL
             SELECT format('constraint %s %s %s', conrelid::regclass, conname,
                           pg_get_constraintdef(oid))
             FROM pg_constraint WHERE connamespace = current_schema()::regnamespace
             UNION ALL
             SELECT 'function ' || pg_get_functiondef(oid)
             FROM pg_proc WHERE pronamespace = current_schema()::regnamespace
             UNION ALL
             SELECT 'version ' || version FROM regwatch_schema
             ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[test]
fn a_new_database_gets_the_schema_its_migrations_build_step_by_step() {
    let at_once = crate::pgserver::fresh_database();
    let stepwise = crate::pgserver::fresh_database();
    let mut a = regwatch::store::pg::connect(&at_once).unwrap();
    let mut b = regwatch::store::pg::connect(&stepwise).unwrap();
    assert_eq!(regwatch::store::pg::migrate_schema(&mut a).unwrap(), 0);
    assert_eq!(
        regwatch::store::pg::migrate_schema_stepwise(&mut b).unwrap(),
        0
    );
    let (a, b) = (schema_of(&mut a), schema_of(&mut b));
    assert!(a.len() > 100, "{a:#?}");
    // Every text column compares bytewise, as on SQLite.
    assert!(
        a.iter()
            .filter(|l| l.contains(" text collate="))
            .all(|l| l.contains("collate=C ")),
        "{a:#?}"
    );
    let only = |x: &[String], y: &[String]| -> Vec<String> {
        x.iter().filter(|l| !y.contains(l)).cloned().collect()
    };
    assert_eq!(
        (only(&a, &b), only(&b, &a)),
        (vec![], vec![]),
        "the schema given at once, and the one built step by step, differ"
    );
}

/// Reads sent ahead (`Db::prefetch`) are answered as if asked when taken, all in one round
/// trip; a write between them and the call that takes one is seen; a write among them is
/// refused; an answer not yet taken (large, or failed) holds up nothing and hides no error.
#[test]
fn reads_sent_ahead_are_answered_together_and_never_stale() {
    use regwatch::store::sql::{Db, Error};
    let url = crate::pgserver::fresh_database();
    let (tx, rx) = std::sync::mpsc::channel();
    // On a thread of its own: a connection held up by an answer not taken would hang the test.
    let worker = std::thread::spawn(move || {
        let db = connection(&url);
        db.execute_batch(
            "CREATE TABLE t (k TEXT PRIMARY KEY, v BIGINT NOT NULL);
             INSERT INTO t SELECT 'k' || i, i FROM generate_series(1, 20000) AS i",
        )
        .unwrap();
        let all = |db: &Db| -> Result<Vec<(String, i64)>, Error> {
            db.prepare_cached("SELECT k, v FROM t ORDER BY v")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect()
        };
        let count = |db: &Db, min: i64| -> Result<i64, Error> {
            db.query_row("SELECT COUNT(*) FROM t WHERE v >= ?1", [min], |r| r.get(0))
        };
        // Asked directly first (which also prepares the statements).
        let (every, from_10) = (all(&db).unwrap(), count(&db, 10).unwrap());
        assert_eq!((every.len(), from_10), (20000, 19991));

        let before = db.round_trips();
        db.prefetch(|| {
            let _ = all(&db);
            let _ = count(&db, 10);
            let _ = count(&db, 19990);
        });
        // A read not sent ahead, while 20,000 rows wait to be taken.
        assert_eq!(count(&db, 5).unwrap(), 19996);
        assert_eq!(all(&db).unwrap(), every);
        assert_eq!(count(&db, 10).unwrap(), 19991);
        assert_eq!(count(&db, 19990).unwrap(), 11);
        assert_eq!(db.round_trips() - before, 1, "four reads, one round trip");

        // A write after the read was sent: its answer is not the one taken.
        db.prefetch(|| {
            let _ = count(&db, 10);
        });
        db.execute("DELETE FROM t WHERE v < 100", []).unwrap();
        assert_eq!(count(&db, 10).unwrap(), 19901);

        // A write among the reads is refused, and not made.
        let mut refused = None;
        db.prefetch(|| refused = Some(db.execute("DELETE FROM t", [])));
        assert!(
            matches!(refused, Some(Err(Error::WriteWhilePrefetching))),
            "{refused:?}"
        );
        assert_eq!(count(&db, 0).unwrap(), 19901);

        // A read sent ahead that fails: the error is the one the next call reports (not
        // that the transaction had failed).
        db.execute_batch("BEGIN").unwrap();
        db.prefetch(|| {
            let _ = db.query_row("SELECT 1 / (v - 500) FROM t WHERE v = ?1", [500], |r| {
                r.get::<_, i64>(0)
            });
        });
        let failed = count(&db, 0).unwrap_err().to_string();
        assert!(failed.contains("division by zero"), "{failed}");
        db.execute_batch("ROLLBACK").unwrap();
        assert_eq!(count(&db, 0).unwrap(), 19901);
        tx.send(()).unwrap();
    });
    match rx.recv_timeout(std::time::Duration::from_secs(120)) {
        Ok(()) => worker.join().unwrap(),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            std::panic::resume_unwind(worker.join().unwrap_err())
        }
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("a read was held up by an answer not taken")
        }
    }
}

/// A statement's first run costs one round trip, its prepare included (the run goes unnamed
/// right after the prepare, parameters as text for the server to type); later runs use the
/// prepared statement. Either way the values are the same: bytes, text with backslashes and
/// quotes, numbers, NULL, JSON.
#[test]
fn a_statement_runs_before_it_is_prepared_with_the_same_values() {
    use regwatch::store::sql::{Error, ToValue, Value};
    let url = crate::pgserver::fresh_database();
    let db = connection(&url);
    db.execute_batch(
        "CREATE TABLE t (id BIGINT PRIMARY KEY, b BYTEA, s TEXT, f DOUBLE PRECISION, ok BOOLEAN, j JSON)",
    )
    .unwrap();
    let bytes: Vec<u8> = (0..=255u8).collect();
    let texts = [
        "plain",
        "back\\slash \\x00 'quoted' \"double\"",
        "中文 ‎ zero-width\u{200b}",
    ];
    let insert = "INSERT INTO t (id, b, s, f, ok, j) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
    for (id, text) in texts.iter().enumerate() {
        let before = db.round_trips();
        let json = r#"{"k": [1, "é"]}"#;
        let values: &[&dyn ToValue] = &[&(id as i64), &bytes, text, &(0.1 + id as f64), &1, &json];
        db.execute(insert, values).unwrap();
        assert_eq!(db.round_trips() - before, 1, "run {id}: one round trip");
    }
    let nothing: &[&dyn ToValue] = &[
        &9,
        &None::<Vec<u8>>,
        &None::<String>,
        &None::<f64>,
        &0,
        &None::<String>,
    ];
    db.execute(insert, nothing).unwrap();
    let select = "SELECT b, s, f, ok, CAST(j AS TEXT) FROM t WHERE id = ?1";
    for (id, text) in texts.iter().enumerate() {
        let row: (Vec<u8>, String, f64, bool, String) = db
            .query_row(select, [id as i64], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .unwrap();
        assert_eq!(
            row,
            (
                bytes.clone(),
                text.to_string(),
                0.1 + id as f64,
                true,
                r#"{"k": [1, "é"]}"#.to_string()
            )
        );
    }
    let nulls: Vec<Value> = db
        .query_row(select, [9], |r| {
            (0..5).map(|i| r.get::<_, Value>(i)).collect()
        })
        .unwrap();
    assert_eq!(
        nulls,
        [
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Integer(0),
            Value::Null
        ]
    );
    // A statement the server refuses names itself, on its first run as on any.
    let refused = db
        .execute("INSERT INTO no_such_table (x) VALUES (?1)", [1])
        .unwrap_err();
    assert!(
        matches!(&refused, Error::Prepare { sql, .. } if sql.contains("no_such_table")),
        "{refused:?}"
    );
}

/// A generated site for [`a_check_waits_for_the_store_once_a_batch`]: an index listing
/// `n` announcement pages (`asked` counts their requests), each answered with a 304 when asked
/// with its current ETag. Page
/// `i` is at version `versions[i]`; every tenth page shares a code with the page before it
/// (a code listed by two announcements is looked up in the list, not only in the page).
fn batch_site(
    n: usize,
    versions: Arc<Mutex<Vec<u32>>>,
    asked: Arc<std::sync::atomic::AtomicUsize>,
) -> crate::support::Server {
    use crate::support::{Server, html};
    Server::start_seeing(move |seen, _| {
        let path = seen.path.as_str();
        if path == "/index.html" {
            let links: String = (0..n)
                .map(|i| format!("<li><a href=\"/ann/{i:04}.html\">No. 2025-{i}</a></li>"))
                .collect();
            return html(format!(
                "<html><body><ul class=\"ann-list\">{links}</ul></body></html>"
            ));
        }
        let Some(i) = path
            .strip_prefix("/ann/")
            .and_then(|p| p.strip_suffix(".html"))
            .and_then(|p| p.parse::<usize>().ok())
            .filter(|i| *i < n)
        else {
            return ("404 Not Found", Vec::new(), Vec::new());
        };
        asked.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let version = versions.lock().unwrap()[i];
        let etag = format!("\"{i}-{version}\"");
        let asked = seen.head.lines().any(|l| {
            l.split_once(':').is_some_and(|(k, v)| {
                k.trim().eq_ignore_ascii_case("if-none-match") && v.trim() == etag
            })
        });
        if asked {
            return ("304 Not Modified", vec![("ETag".into(), etag)], Vec::new());
        }
        let shared = if i % 10 == 1 { i - 1 } else { i };
        let rows: String = (0..4 + version)
            .map(|k| {
                let code = if k == 0 { format!("9X{shared:03}.a") } else { format!("9X{i:03}.{k}") };
                format!("<tr class=\"entry\"><td class=\"code\">{code}</td><td class=\"desc\">item {k} of {i}, v{version}</td></tr>")
            })
            .collect();
        let mut reply = html(format!(
            "<html><body><h1 class=\"title\">Announcement No. 2025-{i}</h1>\
             <span class=\"date\">2025-10-09</span><main id=\"content\"><p>Items.</p>\
             <table>{rows}</table></main></body></html>"
        ));
        reply.1.push(("ETag".into(), etag));
        reply
    })
}

/// A configuration watching [`batch_site`] at `addr`, its store at `url`.
fn batch_config(dir: &Path, url: &str, addr: &str) -> std::path::PathBuf {
    let generic = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/generic-source.toml"),
    )
    .unwrap();
    let config = dir.join("schedule.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[store]
url = "{url}"
[politeness]
concurrency = 8
per_host_concurrency = 8
min_interval_ms = 0
[[source]]
id = "batches"
profile = "generic"
regime = "batches"
url = "http://{addr}/index.html"
schedule = "0 * * * *"
robots_txt = false
{generic}
"#
        ),
    )
    .unwrap();
    config
}

/// A store slow to answer does not hold up the fetching of pages that did not change: while
/// the recording of a batch waits (here on a table another session has locked), every 304 of
/// a 300-page re-check is fetched, and queued; the check then records them all. (Behind a
/// queue of 64 observations, the fetching stopped until the store answered: a PostgreSQL
/// connection planning its first statements held up a tenth of a 1 % re-check.)
#[test]
fn fetching_runs_ahead_of_a_store_slow_to_answer() {
    use std::sync::atomic::Ordering;
    const PAGES: usize = 300;
    let versions = Arc::new(Mutex::new(vec![0u32; PAGES]));
    let asked = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let site = batch_site(PAGES, versions.clone(), asked.clone());
    let dir = tempfile::tempdir().unwrap();
    let url = crate::pgserver::fresh_database();
    let config = batch_config(dir.path(), &url, &site.addr.to_string());
    let check = |now: &str| {
        let mut c = Command::cargo_bin("regwatch").unwrap();
        c.args(["--config"])
            .arg(&config)
            .args(["-q", "check", "--all", "--format", "json"])
            .env("REGWATCH_NOW", now)
            .env_remove("REGWATCH_DB")
            .stdout(std::process::Stdio::piped());
        c
    };
    assert!(check("2025-10-10T08:00:00Z").status().unwrap().success());

    // The first page listed changes: the first batch holds it, and reading what is stored of
    // its announcement waits for the lock (the index and the 304s need no such read).
    versions.lock().unwrap()[0] = 1;
    let mut blocker = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let mut lock = blocker.transaction().unwrap();
    lock.batch_execute("LOCK TABLE correction IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    asked.store(0, Ordering::SeqCst);
    let mut child = check("2025-10-11T08:00:00Z").spawn().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while asked.load(Ordering::SeqCst) < PAGES && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let fetched = asked.load(Ordering::SeqCst);
    let waiting = child.try_wait().unwrap().is_none();
    lock.commit().unwrap();
    let out = child.wait_with_output().unwrap();
    // (At least: a page asked twice, were a request retried, is still fetched.)
    assert!(
        fetched >= PAGES,
        "{fetched} of {PAGES} pages fetched while the store was locked"
    );
    assert!(waiting, "the check ended while the store was locked");
    assert!(out.status.success());
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    let outcome = &summary["sources"][0];
    assert_eq!(
        (&outcome["new_versions"], &outcome["not_modified"]),
        (&Value::from(1), &Value::from(PAGES - 1)),
        "{summary:#}"
    );
}

/// On PostgreSQL a statement waited for costs a round trip: recording a check's pages asks
/// the store what it holds of a batch in one (its pages, its announcements, their codes, the
/// first new snapshot id, all sent ahead together) and does not wait for its commit, whatever
/// the batch holds, on a first check (every page new, codes listed twice) and on a re-check
/// with a few pages changed among confirmations. (Before the reads went ahead together, a
/// first check's batch cost five round trips and each code listed twice one more; before the
/// commits went unwaited, one more a batch.) Counted from the store's own log (`round_trips`
/// when the connection closes) against the batches recorded (`recording a batch`); the
/// check's other work (its start, the index, the status pass: 27–28 round trips here) is
/// bounded apart.
#[test]
fn a_check_waits_for_the_store_once_a_batch() {
    const PAGES: usize = 300;
    let versions = Arc::new(Mutex::new(vec![0u32; PAGES]));
    let site = batch_site(PAGES, versions.clone(), Arc::default());
    let dir = tempfile::tempdir().unwrap();
    let url = crate::pgserver::fresh_database();
    let config = batch_config(dir.path(), &url, &site.addr.to_string());
    let check = |now: &str| -> (Value, u64, u64) {
        let out = Command::cargo_bin("regwatch")
            .unwrap()
            .args(["--config"])
            .arg(&config)
            .args(["check", "--all", "--format", "json"])
            .env("REGWATCH_NOW", now)
            .env(
                "REGWATCH_LOG",
                "regwatch::store::sql=debug,regwatch::check=trace",
            )
            .env_remove("REGWATCH_DB")
            .output()
            .unwrap();
        let log = String::from_utf8_lossy(&out.stderr);
        let log = strip_ansi(&log);
        assert!(out.status.success(), "{log}");
        let batches = log.matches("recording a batch").count() as u64;
        let trips = log
            .lines()
            .filter(|l| l.contains("PostgreSQL connection closed"))
            .filter_map(|l| l.split("round_trips=").nth(1))
            .filter_map(|r| r.split_whitespace().next()?.parse::<u64>().ok())
            .sum::<u64>();
        assert!(batches > 0 && trips > 0, "{log}");
        (serde_json::from_slice(&out.stdout).unwrap(), batches, trips)
    };

    let (first, batches, trips) = check("2025-10-10T08:00:00Z");
    assert_eq!(first["changes"], PAGES as u64, "{first:#}");
    assert!(
        trips <= batches + 36,
        "first check: {trips} round trips for {batches} batches"
    );

    // Three pages change (a new entry each); the rest are confirmed by 304s.
    for i in [5, 150, 299] {
        versions.lock().unwrap()[i] = 1;
    }
    let (second, batches, trips) = check("2025-10-11T08:00:00Z");
    let outcome = &second["sources"][0];
    assert_eq!(
        (&outcome["new_versions"], &outcome["not_modified"]),
        (&Value::from(3), &Value::from(PAGES - 3)),
        "{second:#}"
    );
    assert!(
        trips <= batches + 30,
        "re-check: {trips} round trips for {batches} batches"
    );
}

/// `s` without terminal colour sequences (the log colours its fields even into a pipe).
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A batch's commit is not waited for (`Db::commit_unwaited`): it costs no round trip, what
/// it wrote is seen by the next statement, and a failure in it (a write refused) is reported
/// by the next statement that waits, even when that statement's own transaction is being
/// rolled back, never lost.
#[test]
fn a_commit_not_waited_for_still_reports_its_failure() {
    use regwatch::store::sql::Db;
    let url = crate::pgserver::fresh_database();
    let db = connection(&url);
    db.execute_batch("CREATE TABLE t (k BIGINT PRIMARY KEY)")
        .unwrap();
    let count = |db: &Db| -> i64 {
        db.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .unwrap()
    };

    let before = db.round_trips();
    db.queue_batch("BEGIN").unwrap();
    db.defer("INSERT INTO t (k) VALUES (?1), (?2)", [1, 2])
        .unwrap();
    db.commit_unwaited().unwrap();
    assert_eq!(db.round_trips(), before, "nothing waited for");
    assert_eq!(count(&db), 2, "the next statement sees what it committed");

    // A duplicate key: refused by the server after `commit_unwaited` has returned.
    db.queue_batch("BEGIN").unwrap();
    db.defer("INSERT INTO t (k) VALUES (?1)", [2]).unwrap();
    db.commit_unwaited().unwrap();
    // The next transaction is rolled back before it waits for anything (as a dropped `Tx`
    // does): its own writes are forgotten, the committed one's failure is not.
    db.queue_batch("BEGIN").unwrap();
    db.defer("INSERT INTO t (k) VALUES (?1)", [3]).unwrap();
    db.discard();
    let failed = db.execute_batch("ROLLBACK");
    let message = format!("{:?}", failed.expect_err("the failed commit is reported"));
    assert!(message.contains("duplicate key"), "{message}");
    assert_eq!(
        count(&db),
        2,
        "neither the refused row nor the rolled-back one"
    );
}

/// An unwaited commit reaches the server at once, not with the connection's next statement: a
/// batch transaction holds the writers' lock (a transaction-level advisory lock) until its
/// `COMMIT` is read, and another worker must not wait for this one's next statement to get it.
#[test]
fn an_unwaited_commit_reaches_the_server_without_another_statement() {
    let url = crate::pgserver::fresh_database();
    let a = connection(&url);
    a.execute_batch("CREATE TABLE t (k BIGINT PRIMARY KEY)")
        .unwrap();
    a.queue_batch("BEGIN; SELECT pg_advisory_xact_lock(42)")
        .unwrap();
    a.defer("INSERT INTO t (k) VALUES (?1)", [1]).unwrap();
    a.commit_unwaited().unwrap();
    // Nothing more on `a`. Another session sees the row committed and takes the lock.
    let mut b = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let (rows, locked) = loop {
        let rows: i64 = b.query_one("SELECT COUNT(*) FROM t", &[]).unwrap().get(0);
        let locked: bool = b
            .query_one("SELECT pg_try_advisory_lock(42)", &[])
            .unwrap()
            .get(0);
        if (rows == 1 && locked) || std::time::Instant::now() > deadline {
            break (rows, locked);
        }
        if locked {
            b.execute("SELECT pg_advisory_unlock(42)", &[]).unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(
        (rows, locked),
        (1, true),
        "the commit sent without waiting never reached the server"
    );
    drop(a);
}

/// The store's own kind of connection to the database at `url`, as the binary opens it.
fn connection(url: &str) -> regwatch::store::sql::Db {
    let config = regwatch::store::pg::config(url).unwrap();
    let conn = regwatch::store::sql::PgConn::connect(&config).unwrap();
    regwatch::store::sql::Db::Postgres(Box::new(conn))
}
