//! Pages and their versions: a fetched page recorded as a version (or a sighting of the one it
//! still is), its validators, the links read from an index, problems, dictionaries.

use super::*;
use crate::store::sql::{OptionalExtension, params};

impl Tx<'_> {
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
        let sha = match version.packed {
            Some(p) => p.sha256.clone(),
            None => sha256_hex(version.body),
        };
        // Read ahead as a confirmation, recorded now as a version: forget what was read (and
        // use it only if it was read for these bytes: the versions are read for those alone).
        let ahead = self.heads.borrow_mut().remove(url).filter(|row| {
            row.same_bytes
                .as_ref()
                .is_some_and(|(asked, _)| *asked == sha)
        });
        let current = match &ahead {
            Some(row) => row.current.clone(),
            None => self.current_version(url)?,
        };
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
                let existing: Option<i64> = match &ahead {
                    // No version of this page is stored: nothing to look up.
                    Some(row) if !row.has_versions => None,
                    Some(PageRow {
                        same_bytes: Some((_, id)),
                        ..
                    }) => *id,
                    _ => self
                        .one(
                            "SELECT id FROM snapshot WHERE url = ?1 AND sha256 = ?2",
                            params![url, sha],
                            |r| r.get(0),
                        )
                        .optional()?,
                };
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
                        let headers =
                            evidence::pack_headers(&serde_json::to_string(version.headers)?)?;
                        // Empty when it is the URL itself (most pages): read back as it.
                        let final_url = if version.final_url == url {
                            ""
                        } else {
                            version.final_url
                        };
                        let id = self.next_snapshot_id()?;
                        self.tx.defer_row(
                            &rows::SNAPSHOT,
                            params![
                                id,
                                url,
                                sha,
                                final_url,
                                version.status,
                                headers,
                                compressed,
                                version.body.len() as i64,
                                now,
                                now,
                                dict,
                                version.content_key
                            ],
                        )?;
                        id
                    }
                };
                (id, true)
            }
        };
        self.tx.defer_row(
            &rows::PAGE,
            params![
                url,
                source,
                role.as_str(),
                snapshot,
                version.etag,
                version.last_modified,
                None::<&str>
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

    /// The id the next new snapshot takes (see `Tx::snapshot_ids`): the first of a transaction
    /// the largest stored plus one (SQLite's next rowid, as SQLite chooses it; on PostgreSQL
    /// writers take turns, and the sequence is moved past the last at commit), the next ones
    /// counted on.
    fn next_snapshot_id(&self) -> Result<i64, StoreError> {
        self.read_ahead_snapshot_id()?;
        let (first, next) = self.snapshot_ids.get().expect("read ahead");
        self.snapshot_ids.set(Some((first, next + 1)));
        Ok(next)
    }

    /// Reads the first snapshot id this transaction hands out, if it has not yet: a plain
    /// read, sent ahead with a batch's others ([`Tx::read_ahead_batch`]).
    pub(super) fn read_ahead_snapshot_id(&self) -> Result<(), StoreError> {
        if self.snapshot_ids.get().is_none() {
            // (No row only when sent ahead: nothing is kept then.)
            let first: Option<i64> = self
                .one(
                    "SELECT COALESCE(MAX(id), 0) + 1 FROM snapshot",
                    params![],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(first) = first {
                self.snapshot_ids.set(Some((first, first)));
            }
        }
        Ok(())
    }

    /// Remembers that a page's current version was found current at `now`.
    fn sighted(&self, snapshot: i64, now: &str) -> Result<(), StoreError> {
        self.tx.defer_row(&rows::SIGHTING, params![snapshot, now])?;
        Ok(())
    }

    /// A page moves off a version: the version keeps its last sighting on its own row (as
    /// `last_seen`), and `sighting` keeps one row per page.
    fn leave_snapshot(&self, snapshot: i64) -> Result<(), StoreError> {
        match self.tx.dialect() {
            crate::store::sql::Dialect::Sqlite => {
                self.run(
                    "UPDATE snapshot SET last_seen = (SELECT at FROM sighting WHERE snapshot = ?1)
                     WHERE id = ?1 AND last_seen < (SELECT at FROM sighting WHERE snapshot = ?1)",
                    [snapshot],
                )?;
                self.run("DELETE FROM sighting WHERE snapshot = ?1", [snapshot])?;
            }
            // One statement, not two: the server's work per statement is most of a write's.
            crate::store::sql::Dialect::Postgres => {
                self.run(
                    "WITH gone AS (DELETE FROM sighting WHERE snapshot = ?1 RETURNING at)
                     UPDATE snapshot SET last_seen = gone.at FROM gone
                     WHERE id = ?1 AND last_seen < gone.at",
                    [snapshot],
                )?;
            }
        }
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

    /// Whether the batch's read-ahead found `sha256` to be the page's believed version.
    pub fn is_current(&self, url: &str, sha256: &str) -> bool {
        self.heads
            .borrow()
            .get(url)
            .and_then(|row| row.current.as_ref())
            .is_some_and(|(_, sha, _)| sha == sha256)
    }

    /// Whether the batch's read-ahead found a version of the page believed (it was recorded
    /// before).
    pub fn was_recorded(&self, url: &str) -> bool {
        self.heads
            .borrow()
            .get(url)
            .is_some_and(|row| row.current.is_some())
    }

    /// The page's believed version and validators, to restore if a new version is rejected.
    pub fn page_state(&self, url: &str) -> Result<Option<PageState>, StoreError> {
        if let Some(row) = self.heads.borrow().get(url) {
            return Ok(row.state.clone());
        }
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
        self.heads.borrow_mut().remove(url);
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
            Some(row) => row
                .state
                .and_then(|s| s.snapshot)
                .map(|id| (id, row.failed)),
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

    /// Records 304s to conditional requests (`(snapshot, when)`: the version believed as the
    /// check began, whose validators were sent): each version was seen again, and the errors
    /// of the pages `failing` (as the check began) are cleared, with no statement when none
    /// was. Nothing is read first: a batch of confirmations costs PostgreSQL no round trip
    /// before its commit. On SQLite one statement for all of them; on PostgreSQL rows held
    /// with the batch's other sightings (one statement, the ids sent as an array: a lookup of
    /// each page by URL was a third of the server's work for a thousand 304s).
    pub fn confirm_pages(
        &self,
        pages: &[(i64, String)],
        failing: &[String],
    ) -> Result<(), StoreError> {
        if pages.is_empty() {
            return Ok(());
        }
        match self.tx.dialect() {
            crate::store::sql::Dialect::Sqlite => {
                let pairs = serde_json::to_string(pages)?;
                // (`WHERE TRUE`: SQLite's parser takes `ON` after a bare `FROM` for a join's.)
                self.tx.defer(
                    "INSERT INTO sighting (snapshot, at)
                     SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]')
                     FROM json_each(?1) WHERE TRUE
                     ON CONFLICT (snapshot) DO UPDATE SET at = excluded.at",
                    [&pairs],
                )?;
            }
            crate::store::sql::Dialect::Postgres => {
                for (snapshot, at) in pages {
                    self.sighted(*snapshot, at)?;
                }
            }
        }
        if failing.is_empty() {
            return Ok(());
        }
        let failing = serde_json::to_string(failing)?;
        self.tx.defer(
            self.tx.pick(
                "UPDATE page SET last_error = NULL
                 WHERE url IN (SELECT value FROM json_each(?1))
                   AND last_error IS NOT NULL AND snapshot IS NOT NULL",
                "UPDATE page SET last_error = NULL
                 WHERE url = ANY (ARRAY(SELECT u COLLATE \"C\"
                                        FROM json_array_elements_text(CAST(?1 AS json)) AS f(u)))
                   AND last_error IS NOT NULL AND snapshot IS NOT NULL",
            ),
            [&failing],
        )?;
        Ok(())
    }

    /// Reads ahead what recording the pages at `urls` reads of each (its row, its believed
    /// version, whether any version is stored, and which holds the bytes just fetched when
    /// their hash is given): one query for a batch, so that [`Tx::page_state`],
    /// [`Tx::record_page`] and [`Tx::record_not_modified`] need none of their own.
    pub fn read_ahead(&self, urls: &[(&str, Option<&str>)]) -> Result<(), StoreError> {
        if urls.is_empty() {
            return Ok(());
        }
        let urls_json = serde_json::to_string(urls)?;
        let mut stmt = self.tx.prepare_cached(self.tx.pick(
            "SELECT u.url, p.url IS NOT NULL, p.snapshot, p.etag, p.last_modified,
                    p.last_error IS NOT NULL, s.id, s.sha256, s.content_key,
                    EXISTS (SELECT 1 FROM snapshot v WHERE v.url = u.url),
                    u.sha, (SELECT v.id FROM snapshot v WHERE v.url = u.url AND v.sha256 = u.sha)
             FROM (SELECT json_extract(value, '$[0]') AS url, json_extract(value, '$[1]') AS sha
                   FROM json_each(?1)) AS u
             LEFT JOIN page p ON p.url = u.url
             LEFT JOIN snapshot s ON s.id = p.snapshot",
            // Each URL looked up on its own (`LATERAL`, `LIMIT`): joined or hashed, the
            // planner read every page and every version to find a batch's 64. The versions
            // only for new bytes (a 304 needs the page's row alone).
            "SELECT u.url, p.url IS NOT NULL, p.snapshot, p.etag, p.last_modified,
                    p.last_error IS NOT NULL, s.id, s.sha256, s.content_key,
                    CASE WHEN u.sha IS NOT NULL THEN
                        (SELECT 1 FROM snapshot v WHERE v.url = u.url COLLATE \"C\" LIMIT 1) IS NOT NULL
                    END,
                    u.sha,
                    CASE WHEN u.sha IS NOT NULL THEN
                        (SELECT v.id FROM snapshot v
                         WHERE v.url = u.url COLLATE \"C\" AND v.sha256 = u.sha COLLATE \"C\")
                    END
             FROM (SELECT e.pair->>0 AS url, e.pair->>1 AS sha
                   FROM json_array_elements(CAST(?1 AS json)) AS e(pair)) AS u
             LEFT JOIN LATERAL (SELECT * FROM page p WHERE p.url = u.url COLLATE \"C\" LIMIT 1) p ON TRUE
             LEFT JOIN LATERAL (SELECT * FROM snapshot s
                                WHERE s.id = p.snapshot AND u.sha IS NOT NULL LIMIT 1) s ON TRUE",
        ))?;
        let rows = stmt.query_map([urls_json], |r| {
            let url: String = r.get(0)?;
            let exists: bool = r.get(1)?;
            let current = match r.get::<_, Option<i64>>(6)? {
                Some(id) => Some((id, r.get(7)?, r.get(8)?)),
                None => None,
            };
            Ok((
                url,
                PageRow {
                    state: exists
                        .then(|| -> crate::store::sql::Result<PageState> {
                            Ok(PageState {
                                snapshot: r.get(2)?,
                                etag: r.get(3)?,
                                last_modified: r.get(4)?,
                            })
                        })
                        .transpose()?,
                    failed: r.get(5)?,
                    current,
                    has_versions: r.get::<_, Option<bool>>(9)?.unwrap_or(false),
                    same_bytes: match r.get::<_, Option<String>>(10)? {
                        Some(sha) => Some((sha, r.get(11)?)),
                        None => None,
                    },
                },
            ))
        })?;
        let mut heads = self.heads.borrow_mut();
        for row in rows {
            let (url, page) = row?;
            heads.insert(url, page);
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
            self.heads.borrow_mut().remove(url);
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

    /// The URL a stored page version was fetched from.
    pub fn snapshot_url(&self, id: i64) -> Result<Option<String>, StoreError> {
        if let Some(url) = self.snapshot_urls.borrow().get(&id) {
            return Ok(Some(url.clone()));
        }
        Ok(self
            .one("SELECT url FROM snapshot WHERE id = ?1", [id], |r| r.get(0))
            .optional()?)
    }

    /// The row of a source's compression dictionary, stored the first time a page uses it.
    fn dictionary_id(&self, source: &str, d: &Dictionary, now: &str) -> Result<i64, StoreError> {
        let slot = format!("zdict:{}", d.sha256);
        // A dictionary's row is never changed or removed once stored.
        if let Some(id) = self
            .known
            .borrow()
            .get(&slot)
            .cloned()
            .flatten()
            .or_else(|| self.settled(&slot))
        {
            return Ok(id.parse().expect("an id this store stored"));
        }
        let known: Option<i64> = self
            .one("SELECT id FROM zdict WHERE sha256 = ?1", [&d.sha256], |r| {
                r.get(0)
            })
            .optional()?;
        let id = match known {
            Some(id) => id,
            None => self.one(
                "INSERT INTO zdict (source, sha256, body, created) VALUES (?1, ?2, ?3, ?4) RETURNING id",
                params![source, d.sha256, compress(&d.raw)?, now],
                |r| r.get(0),
            )?,
        };
        self.known
            .borrow_mut()
            .insert(slot.clone(), Some(id.to_string()));
        self.learn(slot, id.to_string());
        Ok(id)
    }
}
