//! PostgreSQL as the store: a real server from the Debian `postgresql` package, started by the
//! test in a temporary directory (`initdb`, `pg_ctl` on a free port), never a mock. `.ci/deps`
//! installs the package when it is missing.

use std::path::Path;
use std::process::Command;

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
