//! Writes, each inside an observation's transaction.

use super::sql::{OptionalExtension, params};
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

/// What a page pointed at before an observation.
#[derive(Debug, Clone)]
pub struct PageState {
    snapshot: Option<i64>,
    etag: Option<String>,
    last_modified: Option<String>,
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

    /// Records a fetched page. Identical bytes only confirm the current version (its
    /// `sighting`); new bytes become a new snapshot (or revive an older identical one when a
    /// page flips back), and the version the page moves off keeps when it was last confirmed.
    pub fn record_page(
        &self,
        source: &str,
        url: &str,
        role: PageRole,
        version: &PageVersion<'_>,
        now: &str,
    ) -> Result<RecordedPage, StoreError> {
        // Read ahead as a confirmation, recorded now as a version: forget what was read.
        self.heads.borrow_mut().remove(url);
        let sha = match version.packed {
            Some(p) => p.sha256.clone(),
            None => sha256_hex(version.body),
        };
        let current = self.current_version(url)?;
        let mut dictionary = None;
        let (snapshot, new_version) = match current {
            Some((id, ref current_sha, _)) if *current_sha == sha => (id, false),
            Some((id, _, Some(ref key))) if version.content_key == Some(key.as_str()) => {
                (id, false)
            }
            _ => {
                if let Some((old, _, _)) = current {
                    self.leave_snapshot(old)?;
                }
                let existing: Option<i64> = self
                    .one(
                        "SELECT id FROM snapshot WHERE url = ?1 AND sha256 = ?2",
                        params![url, sha],
                        |r| r.get(0),
                    )
                    .optional()?;
                let id = match existing {
                    Some(id) => id,
                    None => {
                        let (compressed, dict) = match version.packed {
                            Some(p) => (
                                std::borrow::Cow::Borrowed(&p.bytes[..]),
                                match &p.dict {
                                    Some(d) => {
                                        let id = self.dictionary_id(source, d, now)?;
                                        dictionary = Some((id, d.clone()));
                                        Some(id)
                                    }
                                    None => None,
                                },
                            ),
                            None => (compress(version.body)?.into(), None),
                        };
                        self.one(
                            "INSERT INTO snapshot (url, sha256, final_url, status, headers, body, size, first_seen, last_seen, dict, content_key)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?10) RETURNING id",
                            params![
                                url,
                                sha,
                                // Empty when it is the URL itself (most pages): read back as it.
                                if version.final_url == url { "" } else { version.final_url },
                                version.status,
                                evidence::pack_headers(&serde_json::to_string(version.headers)?)?,
                                compressed,
                                version.body.len() as i64,
                                now,
                                dict,
                                version.content_key
                            ],
                            |r| r.get(0),
                        )?
                    }
                };
                (id, true)
            }
        };
        self.run(
            "INSERT INTO page (url, source, role, snapshot, etag, last_modified, last_error)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL)
             ON CONFLICT (url) DO UPDATE SET source = excluded.source, role = excluded.role,
                snapshot = excluded.snapshot, etag = excluded.etag,
                last_modified = excluded.last_modified, last_error = NULL",
            params![
                url,
                source,
                role.as_str(),
                snapshot,
                version.etag,
                version.last_modified
            ],
        )?;
        self.sighted(snapshot, now)?;
        Ok(RecordedPage {
            snapshot,
            sha256: sha,
            new_version,
            dictionary,
        })
    }

    /// The doubts of an announcement that outlive a re-reading of its page (copies that
    /// disagree).
    fn kept_doubts(&self, key: &str) -> Result<Vec<crate::model::Doubt>, StoreError> {
        Ok(self
            .stored_doubts(key)?
            .into_iter()
            .filter(|d| d.kind == "copies-disagree")
            .collect())
    }

    /// A stored announcement's doubts (none when it is not stored).
    fn stored_doubts(&self, key: &str) -> Result<Vec<crate::model::Doubt>, StoreError> {
        let stored: Option<String> = self
            .one(
                "SELECT doubts FROM announcement WHERE key = ?1",
                [key],
                |r| r.get(0),
            )
            .optional()?;
        Ok(stored
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default())
    }

    /// Adds a doubt to a stored announcement (once).
    pub fn add_doubt(&self, key: &str, doubt: &crate::model::Doubt) -> Result<(), StoreError> {
        let mut all = self.stored_doubts(key)?;
        if !all.contains(doubt) {
            all.push(doubt.clone());
            self.run(
                "UPDATE announcement SET doubts = ?2 WHERE key = ?1",
                params![key, serde_json::to_string(&all)?],
            )?;
        }
        Ok(())
    }

    /// The official English version stored for an announcement, if any.
    pub fn translation(&self, key: &str) -> Result<Option<crate::store::Translation>, StoreError> {
        let row: Option<(String, String, String, String)> = self
            .tx
            .query_row(
                "SELECT title_en, entries, url, observed_at FROM translation WHERE announcement = ?1",
                [key],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        Ok(match row {
            Some((title, entries, url, observed_at)) => Some(crate::store::Translation {
                title,
                entries: serde_json::from_str(&entries)?,
                url,
                observed_at,
            }),
            None => None,
        })
    }

    /// Keeps the official English version of an announcement (the latest read).
    pub fn put_translation(
        &self,
        key: &str,
        t: &crate::store::Translation,
        snapshot: i64,
    ) -> Result<(), StoreError> {
        self.run(
            "INSERT INTO translation (announcement, title_en, entries, url, snapshot, observed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (announcement) DO UPDATE SET title_en = excluded.title_en,
                entries = excluded.entries, url = excluded.url, snapshot = excluded.snapshot,
                observed_at = excluded.observed_at",
            params![
                key,
                t.title,
                serde_json::to_string(&t.entries)?,
                t.url,
                snapshot,
                t.observed_at
            ],
        )?;
        Ok(())
    }

    /// Removed parties (`ControlEntry::removal`) whose code no listing in their list has:
    /// (announcement, regime, code, description).
    pub fn unmatched_removals(&self) -> Result<Vec<(String, String, String, String)>, StoreError> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT e.announcement, e.regime, e.code, e.description FROM entry e
             WHERE e.removal = 1 AND NOT EXISTS (
                 SELECT 1 FROM entry x WHERE x.regime = e.regime AND x.code = e.code AND x.removal = 0)
             ORDER BY e.announcement, e.regime, e.code",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        Ok(rows.collect::<crate::store::sql::Result<_>>()?)
    }

    /// Gives an announcement's entry another code (a removed party found under its listing's id),
    /// drops the doubts of `kind` that name it, and marks both codes for the status pass.
    pub fn rekey_entry(
        &self,
        announcement: &str,
        regime: &str,
        from: &str,
        to: &str,
        doubt_kind: &str,
        description: &str,
    ) -> Result<(), StoreError> {
        for code in [from, to] {
            self.run(
                "INSERT INTO status_dirty (regime, code) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                params![regime, code],
            )?;
        }
        self.run(
            "UPDATE entry SET code = ?4 WHERE announcement = ?1 AND regime = ?2 AND code = ?3
               AND NOT EXISTS (SELECT 1 FROM entry o
                               WHERE o.announcement = ?1 AND o.regime = ?2 AND o.code = ?4)",
            params![announcement, regime, from, to],
        )?;
        // The announcement already had the other code: the duplicate goes.
        self.run(
            "DELETE FROM entry WHERE announcement = ?1 AND regime = ?2 AND code = ?3",
            params![announcement, regime, from],
        )?;
        let mut doubts = self.stored_doubts(announcement)?;
        let before = doubts.len();
        doubts.retain(|d| !(d.kind == doubt_kind && d.detail.contains(description)));
        if doubts.len() != before {
            self.run(
                "UPDATE announcement SET doubts = ?2 WHERE key = ?1",
                params![announcement, serde_json::to_string(&doubts)?],
            )?;
        }
        Ok(())
    }

    /// Keeps a person's correction; returns its id.
    pub fn add_correction(
        &self,
        announcement: &str,
        fix: &crate::correction::Fix,
        by: &str,
        why: &str,
        at: &str,
    ) -> Result<i64, StoreError> {
        Ok(self.one(
            "INSERT INTO correction (announcement, fix, by, why, at) VALUES (?1, ?2, ?3, ?4, ?5)
             RETURNING id",
            params![announcement, serde_json::to_string(fix)?, by, why, at],
            |r| r.get(0),
        )?)
    }

    /// An announcement's corrections, oldest first.
    pub fn corrections(
        &self,
        announcement: &str,
    ) -> Result<Vec<crate::correction::Correction>, StoreError> {
        read::corrections(self.tx, Some(announcement))
    }

    /// A reading of the page already says what correction `id` says.
    pub fn correction_unnecessary(&self, id: i64, at: &str) -> Result<(), StoreError> {
        self.run(
            "UPDATE correction SET unnecessary_since = ?2 WHERE id = ?1 AND unnecessary_since IS NULL",
            params![id, at],
        )?;
        Ok(())
    }

    /// Remembers that a page's current version was found current at `now`.
    fn sighted(&self, snapshot: i64, now: &str) -> Result<(), StoreError> {
        self.run(
            "INSERT INTO sighting (snapshot, at) VALUES (?1, ?2)
             ON CONFLICT (snapshot) DO UPDATE SET at = excluded.at",
            params![snapshot, now],
        )?;
        Ok(())
    }

    /// A page moves off a version: the version keeps its last sighting on its own row (as
    /// `last_seen`), and `sighting` keeps one row per page.
    fn leave_snapshot(&self, snapshot: i64) -> Result<(), StoreError> {
        self.run(
            "UPDATE snapshot SET last_seen = (SELECT at FROM sighting WHERE snapshot = ?1)
             WHERE id = ?1 AND last_seen < (SELECT at FROM sighting WHERE snapshot = ?1)",
            [snapshot],
        )?;
        self.run("DELETE FROM sighting WHERE snapshot = ?1", [snapshot])?;
        Ok(())
    }

    /// The snapshot id, SHA-256 and content key of the page's believed version.
    #[allow(clippy::type_complexity)]
    fn current_version(
        &self,
        url: &str,
    ) -> Result<Option<(i64, String, Option<String>)>, StoreError> {
        Ok(self.one(
                "SELECT s.id, s.sha256, s.content_key FROM page p JOIN snapshot s ON s.id = p.snapshot WHERE p.url = ?1",
                [url],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?)
    }

    /// The page's believed version and validators, to restore if a new version is rejected.
    pub fn page_state(&self, url: &str) -> Result<Option<PageState>, StoreError> {
        Ok(self
            .one(
                "SELECT snapshot, etag, last_modified FROM page WHERE url = ?1",
                [url],
                |r| {
                    Ok(PageState {
                        snapshot: r.get(0)?,
                        etag: r.get(1)?,
                        last_modified: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    /// Puts back the believed version after a new one was rejected (a broken layout, an error
    /// page served with 200). The rejected bytes stay stored as evidence; because the page does
    /// not point at them, the next check reads them again and reports the failure again, instead
    /// of treating a broken page as current.
    pub fn restore_page(&self, url: &str, prior: Option<&PageState>) -> Result<(), StoreError> {
        match prior {
            // The version put back keeps its last sighting: leaving it for the rejected one folded
            // the sighting into its `last_seen`, and the next 304 records a new one.
            Some(p) => self.run(
                "UPDATE page SET snapshot = ?1, etag = ?2, last_modified = ?3 WHERE url = ?4",
                params![p.snapshot, p.etag, p.last_modified, url],
            )?,
            None => self.run(
                "UPDATE page SET snapshot = NULL, etag = NULL, last_modified = NULL WHERE url = ?1",
                [url],
            )?,
        };
        Ok(())
    }

    /// A 304: the current version was seen again. Returns its snapshot, or `None` if the page
    /// has no stored version (the server answered 304 to validators we never sent).
    pub fn record_not_modified(&self, url: &str, now: &str) -> Result<Option<i64>, StoreError> {
        let ahead = self.heads.borrow_mut().remove(url);
        let current: Option<(i64, bool)> = match ahead {
            Some(head) => Some(head),
            None => self
                .one(
                    "SELECT snapshot, last_error IS NOT NULL FROM page
                     WHERE url = ?1 AND snapshot IS NOT NULL",
                    [url],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?,
        };
        let Some((snapshot, failed_before)) = current else {
            return Ok(None);
        };
        // The page row is written only when there is something to clear: most 304s write a
        // sighting and nothing else.
        if failed_before {
            self.run("UPDATE page SET last_error = NULL WHERE url = ?1", [url])?;
        }
        self.sighted(snapshot, now)?;
        Ok(Some(snapshot))
    }

    /// Reads ahead the current versions of the pages at `urls`, for the confirmations of a
    /// batch ([`Tx::record_not_modified`] then needs no query of its own).
    pub fn read_ahead(&self, urls: &[&str]) -> Result<(), StoreError> {
        if urls.len() < 2 {
            return Ok(());
        }
        let urls_json = serde_json::to_string(urls)?;
        let mut stmt = self.tx.prepare_cached(self.tx.pick(
            "SELECT url, snapshot, last_error IS NOT NULL FROM page
             WHERE url IN (SELECT value FROM json_each(?1)) AND snapshot IS NOT NULL",
            "SELECT p.url, p.snapshot, p.last_error IS NOT NULL
             FROM json_array_elements_text(CAST(?1 AS json)) AS u(url)
             JOIN page p ON p.url = u.url COLLATE \"C\"
             WHERE p.snapshot IS NOT NULL",
        ))?;
        let rows = stmt.query_map([urls_json], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?;
        let mut heads = self.heads.borrow_mut();
        for row in rows {
            let (url, head): (String, (i64, bool)) = row?;
            heads.insert(url, head);
        }
        Ok(())
    }

    /// The links read earlier from this version of an index page by the same reader, if any.
    pub fn index_links(
        &self,
        url: &str,
        snapshot: i64,
        reader: &str,
    ) -> Result<Option<IndexLinks>, StoreError> {
        let links: Option<String> = self
            .one(
                "SELECT links FROM index_links WHERE url = ?1 AND snapshot = ?2 AND reader = ?3",
                params![url, snapshot, reader],
                |r| r.get(0),
            )
            .optional()?;
        Ok(links.map(|l| serde_json::from_str(&l)).transpose()?)
    }

    /// Remembers the links read from a version of an index page (replacing older ones).
    pub fn put_index_links(
        &self,
        url: &str,
        snapshot: i64,
        reader: &str,
        links: &IndexLinks,
    ) -> Result<(), StoreError> {
        self.run(
            "INSERT INTO index_links (url, snapshot, reader, links) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (url) DO UPDATE SET snapshot = excluded.snapshot,
                reader = excluded.reader, links = excluded.links",
            params![url, snapshot, reader, serde_json::to_string(links)?],
        )?;
        Ok(())
    }

    /// A page that could not be fetched or read: remembered on the page and in the problem log.
    pub fn record_problem(
        &self,
        source: &str,
        url: Option<&str>,
        kind: &str,
        message: &str,
        now: &str,
    ) -> Result<(), StoreError> {
        if let Some(url) = url {
            self.run(
                "UPDATE page SET last_error = ?1 WHERE url = ?2",
                params![message, url],
            )?;
        }
        self.run(
            "INSERT INTO problem (source, url, at, kind, message) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![source, url, now, kind, message],
        )?;
        Ok(())
    }

    pub fn snapshot_body(&self, id: i64) -> Result<(Vec<u8>, Headers), StoreError> {
        read::snapshot_body(self.tx, id)
    }

    /// The current version of a page, if it has one.
    pub fn page_body(&self, url: &str) -> Result<Option<read::StoredPage>, StoreError> {
        read::page_body(self.tx, url)
    }

    pub fn announcements(&self) -> Result<Vec<KnownAnnouncement>, StoreError> {
        read::announcements(self.tx)
    }

    pub fn announcement_heads(&self) -> Result<Vec<KnownAnnouncement>, StoreError> {
        read::announcement_heads(self.tx)
    }

    /// The listed code `n` codes after `after` in (regime, code) order (`n` = 1: the next one),
    /// or `None` when fewer remain: where a slice of the list ends.
    pub fn code_after(
        &self,
        after: &(String, String),
        n: usize,
    ) -> Result<Option<(String, String)>, StoreError> {
        Ok(self
            .one(
                "SELECT DISTINCT regime, code FROM entry WHERE (regime, code) > (?1, ?2)
                 ORDER BY regime, code LIMIT 1 OFFSET ?3",
                params![after.0, after.1, n.saturating_sub(1) as i64],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// The entries of the codes after `after` up to `upto` (to the end when `None`).
    pub fn entries_between(
        &self,
        after: &(String, String),
        upto: Option<&(String, String)>,
    ) -> Result<Vec<StoredEntry>, StoreError> {
        read::entries_between(self.tx, after, upto)
    }

    /// The recorded statuses of the codes after `after` up to `upto` (to the end when `None`), in
    /// (regime, code) order, one at a time.
    pub fn each_entry_status_between(
        &self,
        after: &(String, String),
        upto: Option<&(String, String)>,
        f: impl FnMut(read::EntryStatus) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        const COLUMNS: &str = "regime, code, status, status_by, until";
        match upto {
            Some(upto) => {
                let mut stmt = self.tx.prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM entry_status
                     WHERE (regime, code) > (?1, ?2) AND (regime, code) <= (?3, ?4)
                     ORDER BY regime, code"
                ))?;
                each_status(stmt.query(params![after.0, after.1, upto.0, upto.1])?, f)
            }
            None => {
                let mut stmt = self.tx.prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM entry_status WHERE (regime, code) > (?1, ?2)
                     ORDER BY regime, code"
                ))?;
                each_status(stmt.query(params![after.0, after.1])?, f)
            }
        }
    }

    /// The recorded statuses of the dirty codes in (regime, code) order, one at a time: the
    /// status pass walks them beside the rebuilt list instead of holding both in memory.
    pub fn each_dirty_entry_status(
        &self,
        f: impl FnMut(read::EntryStatus) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut stmt = self.tx.prepare_cached(&format!(
            "SELECT s.regime, s.code, s.status, s.status_by, s.until
             FROM status_dirty d {} entry_status s ON s.regime = d.regime AND s.code = d.code
             ORDER BY s.regime, s.code",
            read::outer_first(self.tx)
        ))?;
        each_status(stmt.query([])?, f)
    }

    /// The last version of an announcement's text, if it has one.
    pub fn latest_text_version(&self, key: &str) -> Result<Option<read::TextVersion>, StoreError> {
        read::latest_text_version(self.tx, key)
    }

    /// Records the status a code is in (`None` forgets a code no longer listed).
    pub fn put_entry_status(
        &self,
        regime: &str,
        code: &str,
        status: Option<(&str, &str, Option<NaiveDate>)>,
    ) -> Result<(), StoreError> {
        match status {
            Some((status, by, until)) => self.run(
                "INSERT INTO entry_status (regime, code, status, status_by, until)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (regime, code) DO UPDATE SET status = ?3, status_by = ?4, until = ?5",
                params![regime, code, status, by, until.map(|d| d.to_string())],
            )?,
            None => self.run(
                "DELETE FROM entry_status WHERE regime = ?1 AND code = ?2",
                params![regime, code],
            )?,
        };
        Ok(())
    }

    /// Adds a version of an announcement's text; returns its number.
    pub fn add_text_version(
        &self,
        key: &str,
        page: &RecordedPage,
        text: &str,
        now: &str,
    ) -> Result<i64, StoreError> {
        let version: i64 = self
            .tx
            .prepare_cached(
                "SELECT COALESCE(MAX(version), 0) + 1 FROM announcement_version WHERE announcement = ?1",
            )?
            .query_row([key], |r| r.get(0))?;
        // Kept compressed, against the page's dictionary when it has one (the text's words are
        // in the page it was read from): the text of every version of every announcement is
        // the bulk of the store otherwise.
        let dict = page.dictionary.as_ref();
        let text = evidence::compress(text.as_bytes(), dict.map(|(_, d)| &**d))?;
        self.run(
            "INSERT INTO announcement_version (announcement, version, snapshot, text, observed_at, dict)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![key, version, page.snapshot, text, now, dict.map(|(id, _)| *id)],
        )?;
        Ok(version)
    }

    /// Records, before a message leaves, that it carries these changes to these recipients. A
    /// crash after this leaves `sending` rows: the next run sends the same message again.
    pub fn mark_sending(
        &self,
        channel: &str,
        message_id: &str,
        changes: &[String],
        recipients: &[String],
        now: &str,
    ) -> Result<(), StoreError> {
        for c in changes {
            for r in recipients {
                self.run(
                    "INSERT INTO delivery (change, channel, recipient, message_id, state, attempts, updated_at)
                     VALUES (?1, ?2, ?3, ?4, 'sending', 1, ?5)
                     ON CONFLICT (change, channel, recipient) DO UPDATE SET message_id = ?4,
                        state = 'sending', attempts = delivery.attempts + 1, updated_at = ?5",
                    params![c, channel, r, message_id, now],
                )?;
            }
        }
        Ok(())
    }

    /// The server accepted the message (`Ok`), or refused it or could not be reached (`Err`).
    pub fn mark_outcome(
        &self,
        channel: &str,
        message_id: &str,
        outcome: Result<(), &str>,
        now: &str,
    ) -> Result<(), StoreError> {
        match outcome {
            Ok(()) => self.run(
                "UPDATE delivery SET state = 'sent', sent_at = ?3, updated_at = ?3, last_error = NULL
                 WHERE channel = ?1 AND message_id = ?2",
                params![channel, message_id, now],
            )?,
            Err(e) => self.run(
                "UPDATE delivery SET state = 'failed', last_error = ?3, updated_at = ?4
                 WHERE channel = ?1 AND message_id = ?2",
                params![channel, message_id, e, now],
            )?,
        };
        Ok(())
    }

    /// The URL a stored page version was fetched from.
    pub fn snapshot_url(&self, id: i64) -> Result<Option<String>, StoreError> {
        Ok(self
            .one("SELECT url FROM snapshot WHERE id = ?1", [id], |r| r.get(0))
            .optional()?)
    }

    pub fn announcement(&self, key: &str) -> Result<Option<KnownAnnouncement>, StoreError> {
        read::announcement(self.tx, key)
    }

    /// The entry the consolidated list currently holds for a code: the one from the latest
    /// announcement (by issue date, then year and number) that lists it.
    pub fn current_entry(
        &self,
        regime: &str,
        code: &str,
    ) -> Result<Option<StoredEntry>, StoreError> {
        read::current_entry(self.tx, regime, code)
    }

    /// The parties a list holds, as listed (not removed): (code, description), one row per code.
    pub fn listed_parties(&self, regime: &str) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT code, MIN(description) FROM entry
             WHERE regime = ?1 AND item_type = 'entity' AND removal = 0 GROUP BY code",
        )?;
        let rows = stmt.query_map([regime], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<crate::store::sql::Result<_>>()?)
    }

    /// The regimes any entry belongs to.
    pub fn regimes(&self) -> Result<Vec<String>, StoreError> {
        // Jumping from one regime to the next through the index, not reading every entry.
        let mut stmt = self.tx.prepare_cached(
            "WITH RECURSIVE r(regime) AS (
                 SELECT MIN(regime) FROM entry
                 UNION ALL
                 SELECT (SELECT MIN(regime) FROM entry WHERE regime > r.regime) FROM r
                 WHERE r.regime IS NOT NULL
             )
             SELECT regime FROM r WHERE regime IS NOT NULL",
        )?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A fact about the store (see migration 6).
    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .one("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.run(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }

    /// The row of a source's compression dictionary, stored the first time a page uses it.
    fn dictionary_id(&self, source: &str, d: &Dictionary, now: &str) -> Result<i64, StoreError> {
        let known = self
            .one("SELECT id FROM zdict WHERE sha256 = ?1", [&d.sha256], |r| {
                r.get(0)
            })
            .optional()?;
        if let Some(id) = known {
            return Ok(id);
        }
        Ok(self.one(
            "INSERT INTO zdict (source, sha256, body, created) VALUES (?1, ?2, ?3, ?4) RETURNING id",
            params![source, d.sha256, compress(&d.raw)?, now],
            |r| r.get(0),
        )?)
    }

    /// Which of `codes` an announcement of `regime` other than `except` lists: one query for a
    /// page's codes, so that codes no other announcement lists (every code, on a first check;
    /// most, when an announcement is amended) need no lookup of the entry the list holds.
    pub fn codes_listed_elsewhere<'c>(
        &self,
        regime: &str,
        codes: impl IntoIterator<Item = &'c str>,
        except: &str,
    ) -> Result<std::collections::HashSet<String>, StoreError> {
        let codes = serde_json::to_string(&codes.into_iter().collect::<Vec<_>>())?;
        let mut stmt = self.tx.prepare_cached(self.tx.pick(
            "SELECT DISTINCT code FROM entry
             WHERE regime = ?1 AND code IN (SELECT value FROM json_each(?2)) AND announcement <> ?3",
            // From the page's few codes to the index, one lookup each, whatever the planner's
            // estimates (stale while a first check fills the table; `LIMIT` keeps the lookup
            // from being turned into a hash of every entry of the list).
            "SELECT DISTINCT c.code FROM json_array_elements_text(CAST(?2 AS json)) AS c(code),
             LATERAL (SELECT 1 FROM entry e WHERE e.regime = ?1 AND e.code = c.code COLLATE \"C\"
                      AND e.announcement <> ?3 LIMIT 1) AS elsewhere",
        ))?;
        let rows = stmt.query_map(params![regime, codes, except], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Stores an announcement version, replacing its entries and relations, keeping its first
    /// sighting and adding `url` to the URLs it was seen at.
    pub fn put_announcement(
        &self,
        a: &Announcement,
        snapshot: i64,
        url: &str,
        now: &str,
    ) -> Result<(), StoreError> {
        // Doubts that no reading of this page can answer — another copy that disagrees — stay.
        let mut doubts = a.doubts.clone();
        for d in self.kept_doubts(&a.key)? {
            if !doubts.contains(&d) {
                doubts.push(d);
            }
        }
        self.run(
            "INSERT INTO announcement (key, authorities, year, number, title, issued, effective, snapshot, first_seen, updated, doubts)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10)
             ON CONFLICT (key) DO UPDATE SET authorities = excluded.authorities, year = excluded.year,
                number = excluded.number, title = excluded.title, issued = excluded.issued,
                effective = excluded.effective, snapshot = excluded.snapshot, updated = excluded.updated,
                doubts = excluded.doubts",
            params![
                a.key,
                serde_json::to_string(&a.authorities)?,
                a.year,
                a.number,
                a.title,
                a.issued.map(|d| d.to_string()),
                serde_json::to_string(&a.effective)?,
                snapshot,
                now,
                serde_json::to_string(&doubts)?
            ],
        )?;
        // The codes this version may move, before and after: its own, and those of the
        // announcements its relations act on. Not needed before the first status pass, which
        // reads everything (and a first check writes thousands of entries).
        let dirty = self.meta(STATUS_PASS)?.is_some();
        if dirty {
            self.mark_dirty(&a.key)?;
        }
        self.put_entries(a)?;
        self.run("DELETE FROM relation WHERE announcement = ?1", [&a.key])?;
        {
            for (i, r) in a.relations.iter().enumerate() {
                self.run(
                    "INSERT INTO relation (announcement, position, kind, target, from_date, until_date, scope)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                    a.key,
                    i as i64,
                    r.kind.as_str(),
                    r.target,
                    r.from.map(|d| d.to_string()),
                    r.until.map(|d| d.to_string()),
                    r.scope
                ],
                )?;
            }
        }
        if dirty {
            self.mark_dirty(&a.key)?;
        }
        self.add_url(&a.key, url, now)
    }

    /// An announcement's entries as `a` lists them (the first of duplicate codes), writing only
    /// the rows that differ. Deleting and inserting them all touched, for every code it lists,
    /// a leaf of the `entry_by_code` index scattered across the file: most of the pages an
    /// amended announcement wrote, when one entry of seven had moved.
    fn put_entries(&self, a: &Announcement) -> Result<(), StoreError> {
        let stored: std::collections::HashSet<(String, String)> = self
            .tx
            .prepare_cached("SELECT regime, code FROM entry WHERE announcement = ?1")?
            .query_map([&a.key], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<crate::store::sql::Result<_>>()?;
        const UPSERT: &str =
            "INSERT INTO entry (announcement, regime, code, position, description, item_type, hs_codes, clause,
                                removal)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (announcement, regime, code) DO UPDATE SET
                position = excluded.position, description = excluded.description,
                item_type = excluded.item_type, hs_codes = excluded.hs_codes, clause = excluded.clause,
                removal = excluded.removal
             WHERE (entry.position, entry.description, entry.item_type, entry.hs_codes,
                    entry.clause, entry.removal)
                IS DISTINCT FROM (excluded.position, excluded.description, excluded.item_type,
                        excluded.hs_codes, excluded.clause, excluded.removal)";
        let mut listed = std::collections::HashSet::new();
        for (i, e) in a.entries.iter().enumerate() {
            if !listed.insert((e.regime.as_str(), e.code.as_str())) {
                continue;
            }
            self.run(
                UPSERT,
                params![
                    a.key,
                    e.regime,
                    e.code,
                    i as i64,
                    e.description,
                    e.item_type.as_str(),
                    serde_json::to_string(&e.hs_codes)?,
                    e.clause,
                    e.removal as i64
                ],
            )?;
        }
        for (regime, code) in &stored {
            if !listed.contains(&(regime.as_str(), code.as_str())) {
                self.run(
                    "DELETE FROM entry WHERE announcement = ?1 AND regime = ?2 AND code = ?3",
                    params![a.key, regime, code],
                )?;
            }
        }
        Ok(())
    }

    fn mark_dirty(&self, key: &str) -> Result<(), StoreError> {
        self.run(
            "INSERT INTO status_dirty (regime, code)
             SELECT regime, code FROM entry WHERE announcement = ?1 ON CONFLICT DO NOTHING",
            [key],
        )?;
        self.run(
            "INSERT INTO status_dirty (regime, code)
             SELECT e.regime, e.code FROM relation r JOIN entry e ON e.announcement = r.target
             WHERE r.announcement = ?1 ON CONFLICT DO NOTHING",
            [key],
        )?;
        Ok(())
    }

    /// Whether any code's status may have moved since the last pass.
    pub fn any_dirty(&self) -> Result<bool, StoreError> {
        Ok(
            self.one("SELECT EXISTS (SELECT 1 FROM status_dirty)", [], |r| {
                r.get(0)
            })?,
        )
    }

    /// The announcements the dirty codes' statuses depend on (`read::dirty_heads`).
    pub fn dirty_heads(&self) -> Result<Vec<KnownAnnouncement>, StoreError> {
        read::dirty_heads(self.tx)
    }

    /// The entries listing the dirty codes, in (regime, code) order, as
    /// [`Tx::entries_between`] gives a slice of the list.
    pub fn dirty_entries(&self) -> Result<Vec<StoredEntry>, StoreError> {
        read::dirty_entries(self.tx)
    }

    pub fn clear_dirty(&self) -> Result<(), StoreError> {
        self.run("DELETE FROM status_dirty", [])?;
        Ok(())
    }

    pub fn add_url(&self, key: &str, url: &str, now: &str) -> Result<(), StoreError> {
        self.run(
            "INSERT INTO announcement_url (announcement, url, first_seen) VALUES (?1, ?2, ?3)
             ON CONFLICT DO NOTHING",
            params![key, url, now],
        )?;
        Ok(())
    }

    /// Appends a change, with a stable id derived from its content: the same observation of the
    /// same pages yields the same id in any database (two replays of the demo agree), so ids can
    /// be quoted in tickets and mails.
    pub fn record_change(&self, c: &NewChange<'_>) -> Result<String, StoreError> {
        let before = c.before.as_ref().map(|v| v.to_string());
        let after = c.after.as_ref().map(|v| v.to_string());
        let identity = [
            c.kind,
            c.regime.unwrap_or(""),
            c.code.unwrap_or(""),
            c.announcement,
            before.as_deref().unwrap_or(""),
            after.as_deref().unwrap_or(""),
            c.observed_at,
        ]
        .join("\u{1f}");
        let uid = format!("c{}", &sha256_hex(identity.as_bytes())[..15]);
        self.run(
                "INSERT INTO change (uid, kind, regime, code, announcement, before, after, url, snapshot, observed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT (uid) DO NOTHING",
            params![
                uid,
                c.kind,
                c.regime,
                c.code,
                c.announcement,
                before,
                after,
                match c.evidence {
                    Evidence::Url(u) => Some(u),
                    _ => None,
                },
                match c.evidence {
                    Evidence::Snapshot(id) => Some(id),
                    _ => None,
                },
                c.observed_at
            ],
        )?;
        Ok(uid)
    }

    /// The outcome of one source's check, for `regwatch sources` and the reports' currency line.
    pub fn source_last_success(&self, source: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .one(
                "SELECT last_success FROM source_status WHERE id = ?1",
                [source],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    /// Records how a source's check went; returns its consecutive failures before and after,
    /// so the caller can report a source that starts failing, or recovers, once.
    pub fn record_source_outcome(
        &self,
        source: &str,
        error: Option<&str>,
        now: &str,
    ) -> Result<(i64, i64), StoreError> {
        let before: i64 = self
            .one(
                "SELECT consecutive_failures FROM source_status WHERE id = ?1",
                [source],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0);
        match error {
            None => self.run(
                "INSERT INTO source_status (id, last_attempt, last_success, consecutive_failures)
                 VALUES (?1, ?2, ?2, 0)
                 ON CONFLICT (id) DO UPDATE SET last_attempt = ?2, last_success = ?2, consecutive_failures = 0,
                    worker = NULL",
                params![source, now],
            )?,
            Some(e) => self.run(
                "INSERT INTO source_status (id, last_attempt, last_error, last_failure, consecutive_failures)
                 VALUES (?1, ?2, ?3, ?2, 1)
                 ON CONFLICT (id) DO UPDATE SET last_attempt = ?2, last_error = ?3, last_failure = ?2,
                    consecutive_failures = source_status.consecutive_failures + 1, worker = NULL",
                params![source, now, e],
            )?,
        };
        let after = if error.is_some() { before + 1 } else { 0 };
        Ok((before, after))
    }
}

/// Hands each row of a `regime, code, status, status_by, until` query to `f`.
fn each_status(
    mut rows: crate::store::sql::Rows<'_>,
    mut f: impl FnMut(read::EntryStatus) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    while let Some(r) = rows.next()? {
        f(read::EntryStatus {
            regime: r.get(0)?,
            code: r.get(1)?,
            status: r.get(2)?,
            status_by: r.get(3)?,
            until: r.get::<_, Option<String>>(4)?.and_then(|d| d.parse().ok()),
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
