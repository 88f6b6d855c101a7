//! store: SQLite, the only place that speaks SQL.
//!
//! WAL, foreign keys and a busy timeout at open; migrations by `user_version`; one transaction per
//! observation ([`Tx`]). Pages are kept as distinct versions: an unchanged fetch only moves
//! `last_seen`. A connection lives on one thread ([`handle::DbHandle`]) and never crosses an
//! `.await`.

pub mod bundle;
mod evidence;
pub mod handle;
pub mod lease;
mod location;
pub mod lock;
mod migrations;
pub mod pg;
mod read;
pub mod review;
pub mod sql;
mod write;

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;
use rusqlite::config::DbConfig;

use sql::Db;

pub use evidence::{Dictionary, Packed, pack};
pub use location::{Location, redact};
pub use read::{
    ChangeRecord, Delivery, EntryStatus, KnownAnnouncement, KnownPage, SourceStatus, StoredEntry,
    StoredPage, TextVersion, Translation, Validators,
};
pub use write::{
    BatchReads, Evidence, IndexLinks, NewChange, PageRole, PageState, PageVersion, RecordedPage,
    STATUS_PASS, sha256_hex,
};

#[derive(Debug, thiserror::Error)]
// The cause is part of each message and not also a `source()`: a report printing the chain
// (`{:#}`) would otherwise say it twice.
pub enum StoreError {
    #[error("database {path}: {error}")]
    Open {
        path: String,
        error: rusqlite::Error,
    },
    #[error("database {location}: {message}")]
    Connect { location: String, message: String },
    #[error("database: {0}")]
    Sql(sql::Error),
    #[error("stored JSON is malformed: {0}")]
    Json(serde_json::Error),
    #[error("compressing or decompressing a snapshot: {0}")]
    Compression(std::io::Error),
    #[error("the database thread has stopped")]
    ThreadGone,
}

impl From<sql::Error> for StoreError {
    fn from(e: sql::Error) -> StoreError {
        StoreError::Sql(e)
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> StoreError {
        StoreError::Json(e)
    }
}

impl From<std::io::Error> for StoreError {
    fn from(e: std::io::Error) -> StoreError {
        StoreError::Compression(e)
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        StoreError::Sql(e.into())
    }
}

/// Response headers as kept with a snapshot: `[(name, value)]`, names lower-case.
pub type Headers = Vec<(String, String)>;

pub struct Store {
    conn: Db,
    /// Facts committed transactions read or wrote that no transaction changes afterwards
    /// (a dictionary's row id by its hash; that a status pass has run): asked of the store once
    /// per connection, not once per transaction. Kept only once their transaction committed.
    settled: std::cell::RefCell<std::collections::HashMap<String, String>>,
}

/// One observation's transaction. Dropped without [`Tx::commit`], it rolls back.
pub struct Tx<'a> {
    tx: &'a Db,
    open: bool,
    /// A batch's transaction ([`Store::batch_transaction`]): its commit is not waited for.
    unwaited: bool,
    /// The pages of a batch read ahead ([`Tx::read_ahead`]): one query for the batch instead
    /// of three per page (a round trip each on PostgreSQL). A page this transaction writes is
    /// forgotten here.
    heads: std::cell::RefCell<std::collections::HashMap<String, write::PageRow>>,
    /// Rows this transaction has read or written that no one else can change while it holds
    /// the writers' turn: `meta` values and dictionary ids by hash (each read once per
    /// transaction, not once per page).
    known: std::cell::RefCell<std::collections::HashMap<String, Option<String>>>,
    /// `(table, announcement)` pairs a batch's read-ahead found without rows
    /// ([`Tx::read_ahead_announcements`]): a new announcement's head, entries, text versions and
    /// corrections need not be asked for. A write to that table for that announcement removes
    /// its pair.
    absent: std::cell::RefCell<std::collections::HashSet<(&'static str, String)>>,
    /// The snapshot ids this transaction hands out: the first the largest stored plus one, the
    /// next ones counted here (writers take turns, so no one else takes them), and
    /// PostgreSQL's sequence moved past the last at commit (for anyone inserting by default). A new page's insert
    /// then needs no `RETURNING`: on PostgreSQL it is sent with the other writes instead of
    /// waiting for its answer.
    snapshot_ids: std::cell::Cell<Option<(i64, i64)>>,
    /// `(regime, code)` → the announcements listing it, for the codes a batch's pages list
    /// ([`Tx::read_ahead_codes`]), kept current by this transaction's entry writes: whether a
    /// code is listed elsewhere is then answered here, not in a round trip per page.
    listing: std::cell::RefCell<
        std::collections::HashMap<(String, String), std::collections::BTreeSet<String>>,
    >,
    /// The stored announcements a batch's pages were read as, whole, with their last text
    /// version ([`Tx::read_ahead_prior`]): re-reading an amended page then asks nothing of
    /// them (a dozen round trips a page on PostgreSQL). Forgotten for an announcement as soon
    /// as this transaction writes any of its rows.
    prior: std::cell::RefCell<std::collections::HashMap<String, write::Prior>>,
    /// Snapshot ids and the URLs they were fetched from (which never change).
    snapshot_urls: std::cell::RefCell<std::collections::HashMap<i64, String>>,
    /// The codes this transaction marked for the status pass (`status_dirty`) row by row: a
    /// code marked again sends nothing.
    dirtied: std::cell::RefCell<std::collections::HashSet<(String, String)>>,
    /// The store's settled facts ([`Store::settled`]), and those this transaction learned,
    /// added to them when it commits.
    settled: &'a std::cell::RefCell<std::collections::HashMap<String, String>>,
    learned: std::cell::RefCell<Vec<(String, String)>>,
}

/// The settled fact ([`Store::settled`]) that a status pass has run.
pub(crate) const STATUS_PASS_RAN: &str = "status pass ran";

impl Store {
    /// Opens (creating or upgrading) the store at `location`.
    pub fn open_at(location: &Location) -> Result<Store, StoreError> {
        match location {
            Location::Sqlite(path) => Store::open(path),
            Location::Postgres(url) => Store::open_postgres(url, true),
        }
    }

    /// A connection that only reads (the web view's, the reports').
    pub fn open_read_only_at(location: &Location) -> Result<Store, StoreError> {
        match location {
            Location::Sqlite(path) => Store::open_read_only(path),
            Location::Postgres(url) => Store::open_postgres(url, false),
        }
    }

    /// A PostgreSQL store; `migrate`: bring its schema up to date first (one transaction under
    /// a lock, so workers starting together apply it once).
    fn open_postgres(url: &str, migrate: bool) -> Result<Store, StoreError> {
        sql::off_runtime(|| Store::open_postgres_here(url, migrate))
    }

    fn open_postgres_here(url: &str, migrate: bool) -> Result<Store, StoreError> {
        let store = Store::connect_postgres_here(url)?;
        if migrate {
            store.migrate_postgres(url)?;
        } else {
            pg::check_schema_on(&store.conn).map_err(|e| pg_failed(url, e))?;
        }
        Ok(store)
    }

    /// A connection to the PostgreSQL store at `url`, its schema not yet looked at: what the
    /// writers' lock is taken on ([`crate::store::lock::StoreLock::on_store`]) before
    /// [`Store::migrate_postgres`].
    pub fn connect_postgres(url: &str) -> Result<Store, StoreError> {
        sql::off_runtime(|| Store::connect_postgres_here(url))
    }

    fn connect_postgres_here(url: &str) -> Result<Store, StoreError> {
        let config = pg::config(url).map_err(|e| pg_failed(url, e))?;
        let conn = sql::PgConn::connect(&config).map_err(|e| pg_failed(url, e.into()))?;
        Ok(Store::over(Db::Postgres(Box::new(conn))))
    }

    /// Brings the schema of the PostgreSQL store at `url` (this store's) up to date. Not from
    /// a thread that drives async tasks (as every call on a PostgreSQL store).
    pub fn migrate_postgres(&self, url: &str) -> Result<(), StoreError> {
        // A current schema is seen on the store's own connection; one to bring up to date is
        // migrated on a connection of its own (the migrations run as one transaction under a
        // lock), then closed. (Opening that connection every time was a tenth of a re-check.)
        if pg::check_schema_on(&self.conn).is_err() {
            let mut client = pg::connect(url).map_err(|e| pg_failed(url, e))?;
            pg::migrate_schema(&mut client).map_err(|e| pg_failed(url, e))?;
            sql::close(client);
        }
        Ok(())
    }

    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let open_err = |error| StoreError::Open {
            path: path.display().to_string(),
            error,
        };
        let mut conn = Connection::open(path).map_err(open_err)?;
        configure(&conn).map_err(open_err)?;
        migrations::migrate(&mut conn).map_err(open_err)?;
        Ok(Store::over(Db::Sqlite(conn)))
    }

    /// A read-only connection to an existing store (the web view's): never writes, never takes
    /// the writer's lock, so a running `check` or `run` is not held up by readers. The schema
    /// must be current (`open` migrates it).
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        use rusqlite::OpenFlags;
        let open_err = |error| StoreError::Open {
            path: path.display().to_string(),
            error,
        };
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(open_err)?;
        conn.busy_timeout(Duration::from_secs(30))
            .map_err(open_err)?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(Store::over(Db::Sqlite(conn)))
    }

    pub fn open_in_memory() -> Result<Store, StoreError> {
        let mut conn = Connection::open_in_memory()?;
        configure(&conn)?;
        migrations::migrate(&mut conn)?;
        Ok(Store::over(Db::Sqlite(conn)))
    }

    /// Starts an IMMEDIATE transaction: writers queue on the busy timeout instead of failing
    /// half-way when another process writes at the same time.
    ///
    /// On PostgreSQL the transaction takes a transaction-level advisory lock first: writers on
    /// every machine take turns as SQLite's do, so what one observation reads and then writes
    /// (an announcement's doubts, the status pass) is never interleaved with another's. The
    /// fetching, the slow part, stays parallel.
    pub fn transaction(&mut self) -> Result<Tx<'_>, StoreError> {
        self.begin("")
    }

    /// A transaction recording a batch of a check's pages. On PostgreSQL its commit does not
    /// wait for the disk, as SQLite's does not in the store's mode (WAL, `synchronous =
    /// NORMAL`): a crash of the server may lose the last batches of a check in progress,
    /// whose pages keep their old validators and are fetched again, and never leaves the
    /// store inconsistent. The transaction that ends a source's check (its outcome, written
    /// every time) waits, and with it every batch before it (the log is flushed in order):
    /// nothing is reported or mailed from a batch that could still be lost. A commit waiting
    /// for the disk was a fifth of a re-check's time on PostgreSQL.
    ///
    /// Nor does the commit wait for the server's answer ([`sql::Db::commit_unwaited`]): the
    /// next batch is recorded while the server writes this one, and a failure comes back with
    /// the next statement waited for (the check fails then, its outcome never written). A
    /// transaction that learned a settled fact waits, so that no fact of a transaction that
    /// did not commit is kept.
    pub fn batch_transaction(&mut self) -> Result<Tx<'_>, StoreError> {
        let mut tx = self.begin("SET LOCAL synchronous_commit = off;")?;
        tx.unwaited = true;
        Ok(tx)
    }

    fn begin(&mut self, postgres_settings: &str) -> Result<Tx<'_>, StoreError> {
        let tx = &self.conn;
        match tx.dialect() {
            sql::Dialect::Sqlite => tx.execute_batch("BEGIN IMMEDIATE")?,
            // The writes look rows up by key. A table that grew since the planner last
            // counted it (a first check fills `entry` with thousands of rows in seconds; the
            // statistics lag by a minute) must not be scanned whole once per page: index paths
            // while this transaction lasts. Sent with the transaction's first statement, not
            // in a round trip of its own.
            sql::Dialect::Postgres => tx.queue_batch(&format!(
                "BEGIN; SET LOCAL enable_seqscan = off; {postgres_settings}
                 SELECT pg_advisory_xact_lock({})",
                lock::PG_WRITE_KEY
            ))?,
        }
        Ok(Tx::begun(tx, &self.settled))
    }

    /// A transaction without the writers' turn (claims lock only the rows they claim).
    fn lease_transaction(&mut self) -> Result<Tx<'_>, StoreError> {
        let tx = &self.conn;
        tx.execute_batch(tx.pick("BEGIN IMMEDIATE", "BEGIN"))?;
        Ok(Tx::begun(tx, &self.settled))
    }

    fn over(conn: Db) -> Store {
        Store {
            conn,
            settled: Default::default(),
        }
    }

    pub(crate) fn conn(&self) -> &Db {
        &self.conn
    }

    /// Whether a status pass has run on this store (once it has, it always has), settled when
    /// it has: a check's batches then need not ask (nor wait for their commits to keep it).
    pub fn status_pass_ran(&self) -> Result<bool, StoreError> {
        if self.settled.borrow().contains_key(STATUS_PASS_RAN) {
            return Ok(true);
        }
        use sql::OptionalExtension as _;
        let ran = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = ?1",
                [STATUS_PASS],
                |r| r.get::<_, String>(0),
            )
            .optional()?
            .is_some();
        if ran {
            self.settle(STATUS_PASS_RAN.to_string(), String::new());
        }
        Ok(ran)
    }

    /// Keeps a settled fact read from committed rows ([`Store::settled`]).
    fn settle(&self, key: String, value: String) {
        self.settled.borrow_mut().insert(key, value);
    }

    /// Sends the queries `reads` makes ahead of the calls that take their answers
    /// ([`sql::Db::prefetch`]), outside a transaction.
    pub fn prefetch(&self, reads: impl FnOnce()) {
        self.conn.prefetch(reads);
    }
}

impl<'a> Tx<'a> {
    /// A transaction just begun on `tx`, nothing read ahead or counted yet.
    fn begun(
        tx: &'a Db,
        settled: &'a std::cell::RefCell<std::collections::HashMap<String, String>>,
    ) -> Tx<'a> {
        Tx {
            tx,
            settled,
            learned: Default::default(),
            open: true,
            unwaited: false,
            heads: Default::default(),
            known: Default::default(),
            absent: Default::default(),
            snapshot_ids: Default::default(),
            listing: Default::default(),
            prior: Default::default(),
            snapshot_urls: Default::default(),
            dirtied: Default::default(),
        }
    }

    /// Sends the queries `reads` makes ahead of the calls that take their answers
    /// ([`sql::Db::prefetch`]): `reads` must only read, and keep nothing it read (its answers
    /// are empty).
    pub fn prefetch(&self, reads: impl FnOnce()) {
        self.tx.prefetch(reads);
    }

    pub fn commit(mut self) -> Result<(), StoreError> {
        if let Some((first, next)) = self.snapshot_ids.get()
            && next > first
            && self.tx.dialect() == sql::Dialect::Postgres
        {
            self.tx.defer(
                "SELECT setval(pg_get_serial_sequence('snapshot', 'id'), ?1)",
                [next - 1],
            )?;
        }
        if self.unwaited && self.learned.borrow().is_empty() {
            self.tx.commit_unwaited()?;
            self.open = false;
            return Ok(());
        }
        // A failed COMMIT leaves the transaction open: the drop rolls it back.
        self.tx.execute_batch("COMMIT")?;
        self.open = false;
        self.settled
            .borrow_mut()
            .extend(std::mem::take(&mut *self.learned.borrow_mut()));
        Ok(())
    }

    /// A settled fact ([`Store::settled`]) this connection knows.
    pub(crate) fn settled(&self, key: &str) -> Option<String> {
        self.settled.borrow().get(key).cloned()
    }

    /// `key` is settled as `value` once this transaction commits.
    pub(crate) fn learn(&self, key: String, value: String) {
        self.learned.borrow_mut().push((key, value));
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if self.open {
            // Nothing to report to: the error that dropped the transaction is on its way up.
            self.tx.discard();
            let _ = self.tx.execute_batch("ROLLBACK");
        }
    }
}

/// A PostgreSQL store that could not be reached or brought up to date.
fn pg_failed(url: &str, e: pg::PgError) -> StoreError {
    StoreError::Connect {
        location: redact(url),
        message: e.to_string(),
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(30))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.set_prepared_statement_cache_capacity(64);
    // The bundled SQLite is built with STAT4, which re-plans a statement whenever a value bound
    // to an indexed `col = ?` changes: every cached lookup was parsed and planned again on each
    // call (a quarter of a first check's CPU). Our plans do not depend on the values, so keep
    // them stable.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    Ok(())
}
