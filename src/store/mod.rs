//! store: SQLite, the only place that speaks SQL.
//!
//! WAL, foreign keys and a busy timeout at open; migrations by `user_version`; one transaction per
//! observation ([`Tx`]). Pages are kept as distinct versions: an unchanged fetch only moves
//! `last_seen`. A connection lives on one thread ([`handle::DbHandle`]) and never crosses an
//! `.await`.

pub mod bundle;
mod evidence;
pub mod handle;
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
pub use read::{
    ChangeRecord, Delivery, EntryStatus, KnownAnnouncement, SourceStatus, StoredEntry, StoredPage,
    TextVersion, Translation, Validators,
};
pub use write::{
    Evidence, IndexLinks, NewChange, PageRole, PageState, PageVersion, RecordedPage, STATUS_PASS,
    sha256_hex,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error("database {location}: {message}")]
    Connect { location: String, message: String },
    #[error("database: {0}")]
    Sql(#[from] sql::Error),
    #[error("stored JSON is malformed: {0}")]
    Json(#[from] serde_json::Error),
    #[error("compressing or decompressing a snapshot: {0}")]
    Compression(#[from] std::io::Error),
    #[error("the database thread has stopped")]
    ThreadGone,
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
}

/// One observation's transaction. Dropped without [`Tx::commit`], it rolls back.
pub struct Tx<'a> {
    tx: &'a Db,
    open: bool,
}

impl Store {
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let open_err = |source| StoreError::Open {
            path: path.display().to_string(),
            source,
        };
        let mut conn = Connection::open(path).map_err(open_err)?;
        configure(&conn).map_err(open_err)?;
        migrations::migrate(&mut conn).map_err(open_err)?;
        Ok(Store {
            conn: Db::Sqlite(conn),
        })
    }

    /// A read-only connection to an existing store (the web view's): never writes, never takes
    /// the writer's lock, so a running `check` or `run` is not held up by readers. The schema
    /// must be current (`open` migrates it).
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        use rusqlite::OpenFlags;
        let open_err = |source| StoreError::Open {
            path: path.display().to_string(),
            source,
        };
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(open_err)?;
        conn.busy_timeout(Duration::from_secs(30))
            .map_err(open_err)?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(Store {
            conn: Db::Sqlite(conn),
        })
    }

    pub fn open_in_memory() -> Result<Store, StoreError> {
        let mut conn = Connection::open_in_memory()?;
        configure(&conn)?;
        migrations::migrate(&mut conn)?;
        Ok(Store {
            conn: Db::Sqlite(conn),
        })
    }

    /// Starts an IMMEDIATE transaction: writers queue on the busy timeout instead of failing
    /// half-way when another process writes at the same time.
    pub fn transaction(&mut self) -> Result<Tx<'_>, StoreError> {
        let tx = &self.conn;
        tx.execute_batch(tx.pick("BEGIN IMMEDIATE", "BEGIN"))?;
        Ok(Tx { tx, open: true })
    }

    pub(crate) fn conn(&self) -> &Db {
        &self.conn
    }
}

impl Tx<'_> {
    pub fn commit(mut self) -> Result<(), StoreError> {
        // A failed COMMIT leaves the transaction open: the drop rolls it back.
        self.tx.execute_batch("COMMIT")?;
        self.open = false;
        Ok(())
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if self.open {
            // Nothing to report to: the error that dropped the transaction is on its way up.
            let _ = self.tx.execute_batch("ROLLBACK");
        }
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
