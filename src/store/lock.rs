//! One writer at a time: an advisory lock on `<database>.lock`, held by `check`, by `run` while
//! it works (not while it sleeps), and by `digest` while it sends. SQLite alone keeps the file
//! consistent; the lock keeps two runs from fetching, diffing and mailing the same things at once.
//! On PostgreSQL the same lock is a session advisory lock (`pg_advisory_lock`) held on a
//! connection of its own, or on the store's own connection for the commands that write:
//! released when that connection closes, or by the server when the holder dies.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another regwatch ({holder}) is working on {db}; waited {waited}s. It will finish on its own; run again later, or raise --lock-wait"
    )]
    Busy {
        db: String,
        holder: String,
        waited: u64,
    },
    #[error("cannot take the lock on {db}: {message}")]
    Postgres { db: String, message: String },
    #[error("cannot open the lock file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Held until dropped.
pub enum StoreLock {
    File(File),
    /// On a connection of its own (`None` while being dropped), or, `None` from the start,
    /// on the store's connection ([`StoreLock::on_store`]): held as long as that is open.
    Postgres(Option<Box<postgres::Client>>),
}

impl Drop for StoreLock {
    fn drop(&mut self) {
        // Closing the session releases the lock; the client must close off async threads.
        if let StoreLock::Postgres(c) = self
            && let Some(c) = c.take()
        {
            crate::store::sql::close(*c);
        }
    }
}

impl std::fmt::Debug for StoreLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StoreLock::File(_) => "StoreLock::File",
            StoreLock::Postgres(_) => "StoreLock::Postgres",
        })
    }
}

/// The advisory lock's key: "regwatch" in ASCII, the same for every regwatch on the database.
pub const PG_LOCK_KEY: i64 = 0x7265_6777_6174_6368;

/// The key of the writers' turn, a transaction-level advisory lock (see `Store::transaction`):
/// "regwrite".
pub const PG_WRITE_KEY: i64 = 0x7265_6777_7269_7465;

/// Asks for the session lock until it is given or `wait` has passed: `ask(sql)` runs `sql`
/// with the lock's key as its one parameter and returns its first column.
fn wait_for_postgres(
    url: &str,
    wait: Duration,
    ask: &mut dyn FnMut(&str) -> Result<Option<i64>, String>,
) -> Result<(), LockError> {
    let failed = |e: String| LockError::Postgres {
        db: crate::store::redact(url),
        message: e,
    };
    let start = Instant::now();
    loop {
        let got =
            ask("SELECT CAST(CASE WHEN pg_try_advisory_lock(?1) THEN 1 ELSE 0 END AS BIGINT)")
                .map_err(failed)?;
        if got == Some(1) {
            return Ok(());
        }
        if start.elapsed() >= wait {
            let holder = ask(
                "SELECT CAST(pid AS BIGINT) FROM pg_locks WHERE locktype = 'advisory' AND granted
                   AND ((classid::bigint << 32) | objid::bigint) = ?1 LIMIT 1",
            )
            .ok()
            .flatten();
            return Err(LockError::Busy {
                db: crate::store::redact(url),
                holder: match holder {
                    Some(pid) => format!("the session of server process {pid}"),
                    None => "another process".into(),
                },
                waited: start.elapsed().as_secs(),
            });
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub fn lock_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".lock");
    PathBuf::from(p)
}

impl StoreLock {
    /// Takes the lock on the store at `location`, waiting up to `wait`.
    pub fn acquire_at(
        location: &crate::store::Location,
        wait: Duration,
    ) -> Result<StoreLock, LockError> {
        match location {
            crate::store::Location::Sqlite(path) => StoreLock::acquire(path, wait),
            crate::store::Location::Postgres(url) => StoreLock::acquire_postgres(url, wait),
        }
    }

    fn acquire_postgres(url: &str, wait: Duration) -> Result<StoreLock, LockError> {
        let mut client = crate::store::pg::connect(url).map_err(|e| LockError::Postgres {
            db: crate::store::redact(url),
            message: e.to_string(),
        })?;
        let mut held = |sql: &str| -> Result<Option<i64>, String> {
            Ok(client
                .query_opt(&sql.replace("?1", "$1"), &[&PG_LOCK_KEY])
                .map_err(|e| e.to_string())?
                .map(|r| r.get::<_, i64>(0)))
        };
        wait_for_postgres(url, wait, &mut held)?;
        Ok(StoreLock::Postgres(Some(Box::new(client))))
    }

    /// The writers' lock taken on the store's own connection (a session advisory lock,
    /// released when that connection closes): a process that writes then opens one
    /// connection, not two (each costs the server a process, and a few milliseconds).
    pub fn on_store(
        store: &crate::store::Store,
        url: &str,
        wait: Duration,
    ) -> Result<StoreLock, LockError> {
        let db = store.conn();
        let mut held = |sql: &str| -> Result<Option<i64>, String> {
            use crate::store::sql::OptionalExtension as _;
            db.query_row(sql, [PG_LOCK_KEY], |r| r.get::<_, i64>(0))
                .optional()
                .map_err(|e| e.to_string())
        };
        wait_for_postgres(url, wait, &mut held)?;
        Ok(StoreLock::Postgres(None))
    }

    /// Takes the lock, waiting up to `wait` for another process to release it.
    pub fn acquire(db: &Path, wait: Duration) -> Result<StoreLock, LockError> {
        let path = lock_path(db);
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        // A symlink planted at the lock's path would have us truncate and write its target.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW);
        let mut file = options.open(&path).map_err(|e| match e.raw_os_error() {
            #[cfg(unix)]
            Some(libc::ELOOP) => io(std::io::Error::other(
                "it is a symbolic link; refusing to follow it (remove it if it is yours)",
            )),
            _ => io(e),
        })?;
        let start = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) if start.elapsed() < wait => {
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(TryLockError::WouldBlock) => {
                    let mut holder = String::new();
                    let _ = file.read_to_string(&mut holder);
                    return Err(LockError::Busy {
                        db: db.display().to_string(),
                        holder: match holder.trim() {
                            "" => "another process".to_string(),
                            h => h.to_string(),
                        },
                        waited: start.elapsed().as_secs(),
                    });
                }
                Err(TryLockError::Error(e)) => return Err(io(e)),
            }
        }
        // Who holds it, for the message the next one prints.
        let _ = file.set_len(0);
        let _ = file.seek(SeekFrom::Start(0));
        let _ = write!(file, "pid {}", std::process::id());
        let _ = file.flush();
        Ok(StoreLock::File(file))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_waits_then_gives_up_with_the_first_ones_pid() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        let first = StoreLock::acquire(&db, Duration::ZERO).unwrap();
        let err = StoreLock::acquire(&db, Duration::from_millis(300)).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("pid {}", std::process::id())),
            "{msg}"
        );
        drop(first);
        assert!(StoreLock::acquire(&db, Duration::ZERO).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_lock_file_is_refused_and_its_target_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        std::os::unix::fs::symlink(&victim, lock_path(&db)).unwrap();
        let err = StoreLock::acquire(&db, Duration::ZERO)
            .unwrap_err()
            .to_string();
        assert!(err.contains("symbolic link"), "{err}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    }
}
