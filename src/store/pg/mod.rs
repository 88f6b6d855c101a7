//! The store on PostgreSQL, for teams that outgrow one machine: its schema (migrations kept
//! beside SQLite's, versioned, applied in one transaction) and the copy of an existing SQLite
//! store into it, verified table by table (`regwatch migrate`).
//!
//! Every command reads and writes either store (`--db postgres://…`, [`crate::store::Location`]);
//! a store copied here holds every snapshot byte, change, delivery, review and correction of
//! the SQLite file, with the same ids.

use std::path::Path;

use sha2::{Digest, Sha256};

/// PostgreSQL's migrations, in order; version N has the first N applied. Version 1 holds the
/// tables of SQLite's store at its migration 16; version 3 matches migration 17, versions 4
/// and 5 migration 18 (5 is PostgreSQL's own: a table's storage setting).
const MIGRATIONS: &[&str] = &[
    include_str!("0001_schema.sql"),
    include_str!("0002_as_sqlite.sql"),
    include_str!("0003_workers.sql"),
    include_str!("0004_removals.sql"),
    include_str!("0005_sighting_room.sql"),
];

/// The SQLite schema version a copy is made from (SQLite's migrations that PostgreSQL's
/// version [`MIGRATIONS`]`.len()` matches).
const SQLITE_VERSION: i64 = 18;

/// Tables in the order a copy fills them (a row's references come first).
pub const TABLES: [&str; 21] = [
    "zdict",
    "snapshot",
    "sighting",
    "page",
    "announcement",
    "announcement_url",
    "announcement_version",
    "entry",
    "relation",
    "change",
    "correction",
    "delivery",
    "entry_status",
    "index_links",
    "meta",
    "problem",
    "review",
    "source_lease",
    "source_status",
    "status_dirty",
    "translation",
];

/// Tables whose `id` is an identity column: its sequence continues after the copied rows.
const IDENTITY: [&str; 6] = [
    "zdict",
    "snapshot",
    "change",
    "correction",
    "problem",
    "review",
];

#[derive(Debug, thiserror::Error)]
pub enum PgError {
    #[error("PostgreSQL: {}", crate::store::sql::postgres_message(.0))]
    Postgres(#[from] postgres::Error),
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{0}")]
    Refused(String),
}

/// Connects to `url` (`postgres://user@host:port/db`); the password, when the URL has none,
/// from `REGWATCH_PG_PASSWORD` (a password in a config file or a command line is read by
/// anyone who can list processes or files).
pub fn connect(url: &str) -> Result<postgres::Client, PgError> {
    let config = postgres::Config::from(config(url)?);
    Ok(crate::store::sql::off_runtime(|| {
        config.connect(postgres::NoTls)
    })?)
}

/// The connection settings of `url`, with the password from `REGWATCH_PG_PASSWORD` when the
/// URL has none.
pub fn config(url: &str) -> Result<tokio_postgres::Config, PgError> {
    let mut config: tokio_postgres::Config = url
        .parse()
        .map_err(|e| PgError::Refused(format!("not a PostgreSQL URL ({e}): {url}")))?;
    if config.get_password().is_none()
        && let Ok(p) = std::env::var("REGWATCH_PG_PASSWORD")
    {
        config.password(p);
    }
    // No JIT compilation: the store's statements are short lookups, and the write
    // transactions' `enable_seqscan = off` prices any scan past `jit_above_cost`, so the server
    // spent 100–250 ms compiling a query that runs in 2 (a first check's status pass read the
    // announcements twice: half its time). Plans made once per statement, as SQLite's are (its
    // query planner stability guarantee is on, `store::configure`): the statements are written
    // for the indexes they use, and a batch's read-ahead was planned afresh on every call
    // (1.3 ms, more than it took to run). Sent in the startup packet: no round trip.
    const SETTINGS: &str = "-c jit=off -c plan_cache_mode=force_generic_plan";
    let options = match config.get_options() {
        Some(o) if !o.trim().is_empty() => format!("{o} {SETTINGS}"),
        _ => SETTINGS.to_string(),
    };
    config.options(options);
    Ok(config)
}

/// Brings the schema to the latest version, in one transaction (a second process waits on the
/// lock, then finds nothing to do). Returns the version it found. A new database is given the
/// latest schema at once ([`fresh_schema`]).
pub fn migrate_schema(client: &mut postgres::Client) -> Result<usize, PgError> {
    migrate_schema_by(client, true)
}

/// [`migrate_schema`] applying every migration in turn, even to a new database: what a database
/// created by an older regwatch went through (the tests hold the two paths to one schema).
#[doc(hidden)]
pub fn migrate_schema_stepwise(client: &mut postgres::Client) -> Result<usize, PgError> {
    migrate_schema_by(client, false)
}

/// The schema the migrations build, in one step, for a new database. Version 2 re-typed every
/// text column of version 1 to compare bytewise: a rewrite of every table and index, half the
/// time a first check spent creating its store. Here version 1's columns are typed so at once
/// and the rest of version 2 follows.
fn fresh_schema() -> String {
    let v1 = MIGRATIONS[0].replace(" TEXT", " TEXT COLLATE \"C\"");
    let v2 = MIGRATIONS[1];
    let functions = v2
        .find(V2_AFTER_RETYPING)
        .map(|at| &v2[at..])
        .expect("version 2 has a part after the re-typing");
    let mut schema = format!("{v1}\n{functions}\n");
    for later in &MIGRATIONS[2..] {
        schema.push_str(later);
        schema.push('\n');
    }
    schema
}

/// Where version 2's statements that follow its re-typing of text columns begin.
const V2_AFTER_RETYPING: &str = "-- JSON is kept as text";

fn migrate_schema_by(client: &mut postgres::Client, at_once: bool) -> Result<usize, PgError> {
    let mut tx = client.transaction()?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS regwatch_schema (version INTEGER NOT NULL);
         LOCK TABLE regwatch_schema IN EXCLUSIVE MODE;",
    )?;
    let found: Option<i32> = tx
        .query_opt("SELECT version FROM regwatch_schema", &[])?
        .map(|r| r.get(0));
    let found = found.unwrap_or(0) as usize;
    if found > MIGRATIONS.len() {
        return Err(PgError::Refused(format!(
            "the database's schema is version {found}, newer than this regwatch's {}: upgrade regwatch",
            MIGRATIONS.len()
        )));
    }
    if found == 0 && at_once {
        tx.batch_execute(&fresh_schema())?;
    } else {
        for sql in &MIGRATIONS[found..] {
            tx.batch_execute(sql)?;
        }
    }
    tx.execute("DELETE FROM regwatch_schema", &[])?;
    tx.execute(
        "INSERT INTO regwatch_schema (version) VALUES ($1)",
        &[&(MIGRATIONS.len() as i32)],
    )?;
    tx.commit()?;
    Ok(found)
}

/// Refuses a database whose schema is not this regwatch's (a reader does not migrate).
pub fn check_schema_on(db: &crate::store::sql::Db) -> Result<(), PgError> {
    let version: Option<i64> = db
        .query_row("SELECT version FROM regwatch_schema", [], |r| r.get(0))
        .ok();
    match version {
        Some(v) if v as usize == MIGRATIONS.len() => Ok(()),
        Some(v) => Err(PgError::Refused(format!(
            "the database's schema is version {v}; this regwatch reads version {} (run a command that writes, such as `check`, to upgrade it)",
            MIGRATIONS.len()
        ))),
        None => Err(PgError::Refused(
            "the database holds no regwatch store yet (run `regwatch check` or `regwatch migrate` first)".into(),
        )),
    }
}

/// One table of a copy: its rows and the hash of their contents, on each side.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TableCheck {
    pub table: String,
    pub rows_sqlite: u64,
    pub rows_postgres: u64,
    pub sha256_sqlite: String,
    pub sha256_postgres: String,
}

impl TableCheck {
    pub fn same(&self) -> bool {
        self.rows_sqlite == self.rows_postgres && self.sha256_sqlite == self.sha256_postgres
    }
}

/// A value as both stores hold it, for hashing rows the same way on each side.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

impl Cell {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Cell::Null => out.push(0),
            Cell::Int(i) => {
                out.push(1);
                out.extend_from_slice(&i.to_be_bytes());
            }
            Cell::Text(s) => {
                out.push(2);
                out.extend_from_slice(&(s.len() as u64).to_be_bytes());
                out.extend_from_slice(s.as_bytes());
            }
            Cell::Bytes(b) => {
                out.push(3);
                out.extend_from_slice(&(b.len() as u64).to_be_bytes());
                out.extend_from_slice(b);
            }
        }
    }
}

/// The columns of a table, in SQLite's order, each with the type PostgreSQL holds it in (the
/// type decides how a value is written and compared: SQLite keeps packed headers as bytes in a
/// column declared TEXT).
fn columns(
    sqlite: &rusqlite::Connection,
    pg: &mut impl postgres::GenericClient,
    table: &str,
) -> Result<Vec<(String, Kind)>, PgError> {
    let mut st = sqlite.prepare(&format!("PRAGMA table_info(\"{table}\")"))?;
    let names = st
        .query_map([], |r| r.get::<_, String>(1))?
        .collect::<Result<Vec<_>, _>>()?;
    let types: std::collections::HashMap<String, String> = pg
        .query(
            "SELECT column_name::text, data_type::text FROM information_schema.columns WHERE table_name = $1",
            &[&table],
        )?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    names
        .into_iter()
        .map(|n| {
            let kind = match types.get(&n).map(String::as_str) {
                Some("bytea") => Kind::Bytes,
                Some("bigint" | "integer") => Kind::Int,
                Some(_) => Kind::Text,
                None => {
                    return Err(PgError::Refused(format!(
                        "PostgreSQL's table {table} has no column {n}: its schema is older than the store's"
                    )));
                }
            };
            Ok((n, kind))
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Text,
    Bytes,
}

fn sqlite_rows(
    sqlite: &rusqlite::Connection,
    table: &str,
    cols: &[(String, Kind)],
) -> Result<Vec<Vec<Cell>>, PgError> {
    let list = cols
        .iter()
        .map(|(c, _)| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let mut st = sqlite.prepare(&format!("SELECT {list} FROM \"{table}\""))?;
    let rows = st
        .query_map([], |r| {
            let mut row = Vec::with_capacity(cols.len());
            for (i, (_, kind)) in cols.iter().enumerate() {
                use rusqlite::types::ValueRef;
                row.push(match (r.get_ref(i)?, kind) {
                    (ValueRef::Null, _) => Cell::Null,
                    (ValueRef::Integer(v), _) => Cell::Int(v),
                    (ValueRef::Text(t), Kind::Bytes) | (ValueRef::Blob(t), Kind::Bytes) => {
                        Cell::Bytes(t.to_vec())
                    }
                    (ValueRef::Text(t), _) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
                    (ValueRef::Blob(b), _) => Cell::Bytes(b.to_vec()),
                    (ValueRef::Real(f), _) => Cell::Text(f.to_string()),
                });
            }
            Ok(row)
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

fn postgres_rows(
    client: &mut postgres::Client,
    table: &str,
    cols: &[(String, Kind)],
) -> Result<Vec<Vec<Cell>>, PgError> {
    let list = cols
        .iter()
        .map(|(c, _)| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let rows = client.query(&format!("SELECT {list} FROM \"{table}\""), &[])?;
    Ok(rows
        .iter()
        .map(|r| {
            cols.iter()
                .enumerate()
                .map(|(i, (_, kind))| match kind {
                    Kind::Int => r.get::<_, Option<i64>>(i).map_or(Cell::Null, Cell::Int),
                    Kind::Text => r.get::<_, Option<String>>(i).map_or(Cell::Null, Cell::Text),
                    Kind::Bytes => r
                        .get::<_, Option<Vec<u8>>>(i)
                        .map_or(Cell::Null, Cell::Bytes),
                })
                .collect()
        })
        .collect())
}

/// The hash of a table's rows, whatever order a store returns them in.
fn digest(rows: &[Vec<Cell>]) -> String {
    let mut encoded: Vec<Vec<u8>> = rows
        .iter()
        .map(|row| {
            let mut out = Vec::new();
            for c in row {
                c.encode(&mut out);
            }
            out
        })
        .collect();
    encoded.sort();
    let mut h = Sha256::new();
    for e in &encoded {
        h.update((e.len() as u64).to_be_bytes());
        h.update(e);
    }
    hex::encode(h.finalize())
}

/// Copies the SQLite store at `from` into the PostgreSQL database (its schema brought up to
/// date first), in one transaction, then reads every table back and compares row counts and
/// content hashes with the source. The target must hold no regwatch data yet: a copy never
/// mixes two stores.
pub fn copy_from_sqlite(
    from: &Path,
    client: &mut postgres::Client,
) -> Result<Vec<TableCheck>, PgError> {
    let sqlite = rusqlite::Connection::open_with_flags(
        from,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let version: i64 = sqlite.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version != SQLITE_VERSION {
        return Err(PgError::Refused(format!(
            "{} is at schema version {version}; this regwatch copies version {SQLITE_VERSION} (open it once with this regwatch to upgrade it)",
            from.display()
        )));
    }
    migrate_schema(client)?;
    // One read transaction on SQLite: a check writing meanwhile is not half copied.
    sqlite.execute_batch("BEGIN")?;
    let mut tx = client.transaction()?;
    for table in TABLES {
        let n: i64 = tx
            .query_one(&format!("SELECT count(*) FROM \"{table}\""), &[])?
            .get(0);
        if n > 0 {
            return Err(PgError::Refused(format!(
                "the target already holds regwatch data ({n} rows in {table}); copy into an empty database"
            )));
        }
    }
    let mut plans = Vec::new();
    for table in TABLES {
        let cols = columns(&sqlite, &mut tx, table)?;
        if cols.is_empty() {
            return Err(PgError::Refused(format!(
                "{} has no table {table}",
                from.display()
            )));
        }
        let rows = sqlite_rows(&sqlite, table, &cols)?;
        insert(&mut tx, table, &cols, &rows)?;
        // Only the count and the hash are kept: one table's rows in memory at a time.
        plans.push((table, cols, rows.len() as u64, digest(&rows)));
    }
    for table in IDENTITY {
        tx.execute(
            &format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT max(id) FROM \"{table}\"), 0) + 1, false)"
            ),
            &[],
        )?;
    }
    tx.commit()?;
    sqlite.execute_batch("COMMIT")?;
    let mut checks = Vec::new();
    for (table, cols, count, hash) in plans {
        let back = postgres_rows(client, table, &cols)?;
        checks.push(TableCheck {
            table: table.to_string(),
            rows_sqlite: count,
            rows_postgres: back.len() as u64,
            sha256_sqlite: hash,
            sha256_postgres: digest(&back),
        });
    }
    Ok(checks)
}

/// Copies a PostgreSQL store back into a new SQLite file at `to` (never over an existing one),
/// in one transaction, then compares every table with its source as [`copy_from_sqlite`] does:
/// a round trip's SQLite store gives the same reports as the one it came from.
pub fn copy_to_sqlite(
    client: &mut postgres::Client,
    to: &Path,
) -> Result<Vec<TableCheck>, PgError> {
    if to.exists() {
        return Err(PgError::Refused(format!(
            "{} exists; copy into a new file",
            to.display()
        )));
    }
    let version: Option<i32> = client
        .query_opt("SELECT version FROM regwatch_schema", &[])
        .ok()
        .flatten()
        .map(|r| r.get(0));
    if version != Some(MIGRATIONS.len() as i32) {
        return Err(PgError::Refused(format!(
            "the database holds no regwatch store of schema version {} (found {version:?})",
            MIGRATIONS.len()
        )));
    }
    // The new file gets SQLite's schema from the store itself.
    crate::store::Store::open(to).map_err(|e| PgError::Refused(e.to_string()))?;
    let mut sqlite = rusqlite::Connection::open(to)?;
    let mut checks = Vec::new();
    let tx = sqlite.transaction()?;
    let mut copied = Vec::new();
    for table in TABLES {
        let cols = columns(&tx, client, table)?;
        let rows = postgres_rows(client, table, &cols)?;
        // Whatever opening the store wrote (its own meta rows) gives way to the copy.
        tx.execute(&format!("DELETE FROM \"{table}\""), [])?;
        let list = cols
            .iter()
            .map(|(c, _)| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let marks = vec!["?"; cols.len()].join(", ");
        let mut st = tx.prepare(&format!(
            "INSERT INTO \"{table}\" ({list}) VALUES ({marks})"
        ))?;
        for row in &rows {
            let values: Vec<rusqlite::types::Value> = row
                .iter()
                .map(|c| match c {
                    Cell::Null => rusqlite::types::Value::Null,
                    Cell::Int(i) => rusqlite::types::Value::Integer(*i),
                    Cell::Text(t) => rusqlite::types::Value::Text(t.clone()),
                    Cell::Bytes(b) => rusqlite::types::Value::Blob(b.clone()),
                })
                .collect();
            st.execute(rusqlite::params_from_iter(values))?;
        }
        copied.push((table, cols, rows.len() as u64, digest(&rows)));
    }
    tx.commit()?;
    for (table, cols, count, hash) in copied {
        let back = sqlite_rows(&sqlite, table, &cols)?;
        checks.push(TableCheck {
            table: table.to_string(),
            rows_sqlite: back.len() as u64,
            rows_postgres: count,
            sha256_sqlite: digest(&back),
            sha256_postgres: hash,
        });
    }
    Ok(checks)
}

/// Rows into a table with the binary COPY protocol (a 1,000-page store's snapshots are one
/// stream, not thousands of statements).
fn insert(
    tx: &mut postgres::Transaction<'_>,
    table: &str,
    cols: &[(String, Kind)],
    rows: &[Vec<Cell>],
) -> Result<(), PgError> {
    use postgres::binary_copy::BinaryCopyInWriter;
    use postgres::types::{ToSql, Type};
    let types: Vec<Type> = cols
        .iter()
        .map(|(_, k)| match k {
            Kind::Int => Type::INT8,
            Kind::Text => Type::TEXT,
            Kind::Bytes => Type::BYTEA,
        })
        .collect();
    let list = cols
        .iter()
        .map(|(c, _)| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let sink = tx.copy_in(&format!(
        "COPY \"{table}\" ({list}) FROM STDIN (FORMAT binary)"
    ))?;
    let mut writer = BinaryCopyInWriter::new(sink, &types);
    for row in rows {
        // Each value in the column's PostgreSQL type (a number SQLite kept in a TEXT column is
        // written as its text, and the reverse).
        let values: Vec<Box<dyn ToSql + Sync>> = row
            .iter()
            .zip(cols)
            .map(|(c, (_, kind))| -> Box<dyn ToSql + Sync> {
                match (c, kind) {
                    (Cell::Null, Kind::Int) => Box::new(None::<i64>),
                    (Cell::Null, Kind::Text) => Box::new(None::<String>),
                    (Cell::Null, Kind::Bytes) => Box::new(None::<Vec<u8>>),
                    (Cell::Int(i), Kind::Int) => Box::new(*i),
                    (Cell::Int(i), Kind::Text) => Box::new(i.to_string()),
                    (Cell::Int(i), Kind::Bytes) => Box::new(i.to_string().into_bytes()),
                    (Cell::Text(t), Kind::Text) => Box::new(t.clone()),
                    (Cell::Text(t), Kind::Int) => Box::new(t.parse::<i64>().ok()),
                    (Cell::Text(t), Kind::Bytes) => Box::new(t.clone().into_bytes()),
                    (Cell::Bytes(b), Kind::Bytes) => Box::new(b.clone()),
                    (Cell::Bytes(b), Kind::Text) => {
                        Box::new(String::from_utf8_lossy(b).into_owned())
                    }
                    (Cell::Bytes(_), Kind::Int) => Box::new(None::<i64>),
                }
            })
            .collect();
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v.as_ref()).collect();
        writer.write(&refs)?;
    }
    writer.finish()?;
    Ok(())
}
