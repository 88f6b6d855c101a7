//! Writes, each inside an observation's transaction.

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use std::sync::Arc;

use super::evidence::{self, Dictionary, Packed};
use super::read::{self, KnownAnnouncement, StoredEntry};
use super::{Headers, StoreError, Tx};
use crate::model::Announcement;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageRole {
    Index,
    Announcement,
    /// A file an announcement links as its annex (附件).
    Annex,
}

impl PageRole {
    fn as_str(self) -> &'static str {
        match self {
            PageRole::Index => "index",
            PageRole::Announcement => "announcement",
            PageRole::Annex => "annex",
        }
    }
}

/// A page version as the server sent it.
pub struct PageVersion<'a> {
    pub final_url: &'a str,
    pub status: u16,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
    pub etag: Option<&'a str>,
    pub last_modified: Option<&'a str>,
    /// `body` already hashed and compressed where it was fetched, if it was.
    pub packed: Option<&'a Packed>,
    /// What the page says, when its bytes change with nothing said changing (a list API's
    /// per-request `traceId`): equal keys are the same version.
    pub content_key: Option<&'a str>,
}

#[derive(Debug, Clone)]
pub struct RecordedPage {
    pub snapshot: i64,
    pub sha256: String,
    /// False when the bytes equal the page's current version (a 304, or a 200 with the same body).
    pub new_version: bool,
    /// The dictionary the new snapshot was compressed against (and its row): what is read from
    /// the page is compressed against it too.
    pub dictionary: Option<(i64, Arc<Dictionary>)>,
}

/// A stored announcement as a batch's read-ahead found it.
#[derive(Debug, Clone)]
pub(crate) struct Prior {
    /// `None` once this transaction wrote any of its rows.
    announcement: Option<KnownAnnouncement>,
    /// Its last text version (`Some(None)`: it has none); `None` once this transaction added
    /// one.
    latest: Option<Option<read::TextVersion>>,
}

/// What a page pointed at before an observation.
#[derive(Debug, Clone)]
pub struct PageState {
    snapshot: Option<i64>,
    etag: Option<String>,
    last_modified: Option<String>,
}

/// A page as a batch's read-ahead found it.
#[derive(Debug, Clone)]
pub(crate) struct PageRow {
    /// Its row: the believed version and validators (`None`: no row).
    state: Option<PageState>,
    /// Its last fetch failed.
    failed: bool,
    /// The believed version's id, hash and content key.
    current: Option<(i64, String, Option<String>)>,
    /// Any version of it is stored.
    has_versions: bool,
    /// The hash asked about, and the stored version with those bytes, if any.
    same_bytes: Option<(String, Option<i64>)>,
}

/// The links an index page version lists, and its next page.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IndexLinks {
    pub links: Vec<String>,
    pub next: Option<String>,
}

/// A change to append to the log.
#[derive(Debug, Clone)]
pub struct NewChange<'a> {
    pub kind: &'a str,
    pub regime: Option<&'a str>,
    pub code: Option<&'a str>,
    pub announcement: &'a str,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    /// The page that shows the change: its snapshot when there is one (URL and hash are read
    /// from it), else only a URL (a status change points at the announcement that caused it).
    pub evidence: Evidence<'a>,
    pub observed_at: &'a str,
}

#[derive(Debug, Clone, Copy)]
pub enum Evidence<'a> {
    None,
    Url(&'a str),
    Snapshot(i64),
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The `meta` key of the last status pass's stamp (see `check::transitions`).
pub const STATUS_PASS: &str = "status_pass";

fn compress(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    evidence::compress(bytes, None)
}

impl Tx<'_> {
    /// A write through the statement cache (the same few statements run for every page, and
    /// compiling them each time showed in profiles), deferred on PostgreSQL: sent with the
    /// others before the transaction next reads or commits ([`crate::store::sql::Db::defer`]).
    fn run<P: crate::store::sql::Params>(
        &self,
        sql: &str,
        params: P,
    ) -> crate::store::sql::Result<()> {
        self.tx.defer(sql, params)
    }

    /// One row through the statement cache.
    fn one<
        T,
        P: crate::store::sql::Params,
        F: FnOnce(&crate::store::sql::Row<'_>) -> crate::store::sql::Result<T>,
    >(
        &self,
        sql: &str,
        params: P,
        f: F,
    ) -> crate::store::sql::Result<T> {
        self.tx.prepare_cached(sql)?.query_row(params, f)
    }
}

mod ahead;
pub use ahead::BatchReads;
mod announcements;
mod log;
mod pages;
mod rows;
mod status;

#[cfg(test)]
mod tests;
