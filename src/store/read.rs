//! Reads, shared by transactions (while ingesting) and by the report commands.

use std::collections::HashMap;

use super::sql::{Db, OptionalExtension, Row, params};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::evidence::{self, Dictionary};
use super::{Headers, Store, StoreError};
use crate::model::{ControlEntry, Effective, ItemType, Relation, RelationKind};

mod announcements;
mod pages;

pub(in crate::store) use announcements::*;
pub(in crate::store) use pages::*;

/// A control entry with the announcement that lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredEntry {
    #[serde(flatten)]
    pub entry: ControlEntry,
    pub announcement: String,
}

/// An announcement as stored: its latest version and where it was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownAnnouncement {
    pub key: String,
    pub authorities: Vec<String>,
    pub year: i32,
    pub number: u32,
    pub title: String,
    pub issued: Option<NaiveDate>,
    pub effective: Vec<Effective>,
    pub entries: Vec<ControlEntry>,
    pub relations: Vec<Relation>,
    pub urls: Vec<String>,
    pub first_seen: String,
    pub snapshot: i64,
    /// What the reader was unsure of when it read the announcement.
    pub doubts: Vec<crate::model::Doubt>,
    /// MOFCOM's own English version, when one was read (`profile = "mofcom-en"`).
    pub english: Option<Translation>,
}

/// An official English version of an announcement: its title and its entries' descriptions by
/// control code, and where it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Translation {
    pub title: String,
    pub entries: std::collections::BTreeMap<String, String>,
    pub url: String,
    pub observed_at: String,
}

impl KnownAnnouncement {
    /// The announcement as extraction gives it, with `text` (the last version read).
    pub fn to_announcement(&self, text: String) -> crate::model::Announcement {
        crate::model::Announcement {
            key: self.key.clone(),
            authorities: self.authorities.clone(),
            year: self.year,
            number: self.number,
            title: self.title.clone(),
            issued: self.issued,
            effective: self.effective.clone(),
            entries: self.entries.clone(),
            relations: self.relations.clone(),
            doubts: self.doubts.clone(),
            text,
        }
    }

    pub fn citation(&self) -> String {
        crate::model::cite(&self.key, &self.authorities, self.year, self.number)
    }
}

/// One row of the change log.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeRecord {
    /// Insertion order, for sorting within one database.
    pub id: i64,
    /// The stable id shown to users (`c` and 15 hex digits).
    pub uid: String,
    pub kind: String,
    pub regime: Option<String>,
    pub code: Option<String>,
    pub announcement: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub url: Option<String>,
    pub sha256: Option<String>,
    pub observed_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceStatus {
    pub id: String,
    pub last_attempt: Option<String>,
    pub last_success: Option<String>,
    pub last_error: Option<String>,
    pub last_failure: Option<String>,
    pub consecutive_failures: i64,
    /// The worker that checked it last (`run --worker`), when known.
    pub worker: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// What the store holds of one of a source's pages as a check begins: the validators to ask
/// with, and the hash of the bytes believed (new bytes are told from those already stored
/// without asking the store again).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KnownPage {
    pub validators: Validators,
    /// The version believed: its snapshot and that snapshot's hash.
    pub snapshot: i64,
    pub sha256: String,
    /// The page's last fetch failed (its error is cleared when it is next confirmed).
    pub failing: bool,
}

fn date(s: Option<String>) -> Option<NaiveDate> {
    s.and_then(|s| s.parse().ok())
}

fn entry_from_row(r: &Row<'_>) -> crate::store::sql::Result<(ControlEntry, String)> {
    let hs: String = r.get("hs_codes")?;
    let item_type: String = r.get("item_type")?;
    Ok((
        ControlEntry {
            regime: r.get("regime")?,
            code: r.get("code")?,
            description: r.get("description")?,
            item_type: ItemType::parse(&item_type).unwrap_or(ItemType::Goods),
            hs_codes: serde_json::from_str(&hs).unwrap_or_default(),
            clause: r.get("clause")?,
            removal: r.get::<_, i64>("removal")? != 0,
        },
        r.get("announcement")?,
    ))
}

/// A page's current version: the bytes, what the server said they were, and where they came from.
#[derive(Debug, Clone)]
pub struct StoredPage {
    pub snapshot: i64,
    pub sha256: String,
    pub final_url: String,
    pub body: Vec<u8>,
    pub content_type: Option<String>,
}

/// The status a listed code was last recorded in, so that a transition is recorded once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryStatus {
    pub regime: String,
    pub code: String,
    pub status: String,
    pub status_by: String,
    pub until: Option<NaiveDate>,
}

/// One change's delivery to one recipient over one channel (the outbox).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub change: String,
    pub recipient: String,
    pub message_id: String,
    /// `sending` (written before the message left), `sent`, or `failed`.
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
}

pub(super) fn deliveries(conn: &Db, channel: &str) -> Result<Vec<Delivery>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT change, recipient, message_id, state, attempts, last_error FROM delivery
         WHERE channel = ?1 ORDER BY message_id, change, recipient",
    )?;
    let rows = stmt.query_map([channel], |r| {
        Ok(Delivery {
            change: r.get(0)?,
            recipient: r.get(1)?,
            message_id: r.get(2)?,
            state: r.get(3)?,
            attempts: r.get(4)?,
            last_error: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One version of an announcement's text, as regwatch read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextVersion {
    pub version: i64,
    pub sha256: String,
    pub url: String,
    pub text: String,
    pub observed_at: String,
}

/// A relation whose target no page has shown (`r` is the relation).
const UNSEEN: &str = "NOT EXISTS (SELECT 1 FROM announcement t WHERE t.key = r.target)
     AND NOT (r.kind = 'amends' AND r.target = 'MOFCOM-2024-51')";

impl Store {
    /// The current version of a page, if it has one.
    pub fn page_body(&self, url: &str) -> Result<Option<StoredPage>, StoreError> {
        page_body(self.conn(), url)
    }

    /// ETag / Last-Modified of one of a source's pages, as [`Store::known_pages`] has them.
    pub fn page_validators(&self, source: &str, url: &str) -> Result<Validators, StoreError> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT etag, last_modified FROM page
             WHERE url = ?1 AND source = ?2 AND snapshot IS NOT NULL",
        )?;
        Ok(stmt
            .query_row([url, source], |r| {
                Ok(Validators {
                    etag: r.get(0)?,
                    last_modified: r.get(1)?,
                })
            })
            .optional()?
            .unwrap_or_default())
    }

    /// Every page of a source with a version believed: its validators, for conditional GETs,
    /// that version (snapshot and hash), and whether its last fetch failed.
    pub fn known_pages(&self, source: &str) -> Result<HashMap<String, KnownPage>, StoreError> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT p.url, p.etag, p.last_modified, s.id, s.sha256, p.last_error IS NOT NULL
             FROM page p JOIN snapshot s ON s.id = p.snapshot WHERE p.source = ?1",
        )?;
        let rows = stmt.query_map([source], |r| {
            Ok((
                r.get::<_, String>(0)?,
                KnownPage {
                    validators: Validators {
                        etag: r.get(1)?,
                        last_modified: r.get(2)?,
                    },
                    snapshot: r.get(3)?,
                    sha256: r.get(4)?,
                    failing: r.get(5)?,
                },
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn announcement(&self, key: &str) -> Result<Option<KnownAnnouncement>, StoreError> {
        announcement(self.conn(), key)
    }

    /// Every announcement, oldest issue first.
    pub fn announcements(&self) -> Result<Vec<KnownAnnouncement>, StoreError> {
        announcements(self.conn())
    }

    /// Every announcement without its entries: what rebuilding the list needs.
    /// Every announcement, whole, by key: what a change report cites.
    pub fn announcements_by_key(&self) -> Result<HashMap<String, KnownAnnouncement>, StoreError> {
        Ok(self
            .announcements()?
            .into_iter()
            .map(|a| (a.key.clone(), a))
            .collect())
    }

    pub fn announcement_heads(&self) -> Result<Vec<KnownAnnouncement>, StoreError> {
        announcement_heads(self.conn())
    }

    /// Every entry of every announcement, for rebuilding the consolidated list.
    pub fn all_entries(&self) -> Result<Vec<StoredEntry>, StoreError> {
        all_entries(self.conn())
    }

    /// Every version of an announcement's text regwatch has read, oldest first.
    pub fn text_versions(&self, key: &str) -> Result<Vec<TextVersion>, StoreError> {
        text_versions(self.conn(), key)
    }

    /// The outbox of one channel (`email:<digest>`).
    pub fn deliveries(&self, channel: &str) -> Result<Vec<Delivery>, StoreError> {
        deliveries(self.conn(), channel)
    }

    /// The dictionary the source's pages were last compressed against, if any.
    pub fn dictionary(&self, source: &str) -> Result<Option<Dictionary>, StoreError> {
        let row: Option<(i64, Vec<u8>)> = self
            .conn()
            .query_row(
                "SELECT id, body FROM zdict WHERE source = ?1 ORDER BY id DESC LIMIT 1",
                [source],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(match row {
            Some((id, b)) => {
                let d = Dictionary::new(evidence::unpack(&b, None)?);
                // Its row id, settled: the pages stored with it need not look it up (nor wait
                // for their batch's commit to keep it).
                self.settle(format!("zdict:{}", d.sha256), id.to_string());
                Some(d)
            }
            None => None,
        })
    }

    /// The source each watched URL belongs to.
    pub fn url_sources(&self) -> Result<HashMap<String, String>, StoreError> {
        let mut stmt = self.conn().prepare("SELECT url, source FROM page")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The change log between two instants (RFC 3339, inclusive), in the order recorded.
    pub fn changes(
        &self,
        since: Option<&str>,
        until: Option<&str>,
    ) -> Result<Vec<ChangeRecord>, StoreError> {
        let mut stmt = self.conn().prepare(
            "SELECT c.id, c.kind, c.regime, c.code, c.announcement, c.before, c.after,
                    COALESCE(s.url, c.url), COALESCE(s.sha256, c.sha256), c.observed_at, c.uid
             FROM change c LEFT JOIN snapshot s ON s.id = c.snapshot
             WHERE (c.observed_at >= ?1 OR ?1 IS NULL) AND (c.observed_at <= ?2 OR ?2 IS NULL)
             ORDER BY c.id",
        )?;
        let rows = stmt.query_map(params![since, until], |r| {
            let json = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
            Ok(ChangeRecord {
                id: r.get(0)?,
                kind: r.get(1)?,
                regime: r.get(2)?,
                code: r.get(3)?,
                announcement: r.get(4)?,
                before: json(r.get(5)?),
                after: json(r.get(6)?),
                url: r.get(7)?,
                sha256: r.get(8)?,
                observed_at: r.get(9)?,
                uid: r.get(10)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn source_statuses(&self) -> Result<Vec<SourceStatus>, StoreError> {
        let mut stmt = self.conn().prepare(
            "SELECT id, last_attempt, last_success, last_error, consecutive_failures, last_failure,
                    worker
             FROM source_status ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(SourceStatus {
                id: r.get(0)?,
                last_attempt: r.get(1)?,
                last_success: r.get(2)?,
                last_error: r.get(3)?,
                consecutive_failures: r.get(4)?,
                last_failure: r.get(5)?,
                worker: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Per source: the announcements seen at its pages and the entries they list.
    pub fn source_counts(&self) -> Result<HashMap<String, (i64, i64)>, StoreError> {
        let mut stmt = self.conn().prepare(
            "SELECT p.source, COUNT(DISTINCT au.announcement),
                    (SELECT COUNT(*) FROM entry e WHERE e.announcement IN
                        (SELECT au2.announcement FROM announcement_url au2
                         JOIN page p2 ON p2.url = au2.url WHERE p2.source = p.source))
             FROM announcement_url au JOIN page p ON p.url = au.url GROUP BY p.source",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Doubts held about the announcements read: those stored with them, and relations whose
    /// target no page has shown (as `report::doubts` counts them; the consolidated list's own
    /// announcement, which every list update amends, is not expected).
    pub fn doubt_count(&self) -> Result<usize, StoreError> {
        let n: i64 = self.conn().query_row(
            &format!(
                "SELECT CAST((SELECT coalesce(SUM(json_array_length(doubts)), 0) FROM announcement)
                      + (SELECT COUNT(*) FROM relation r WHERE {UNSEEN}) AS BIGINT)"
            ),
            [],
            |r| r.get(0),
        )?;
        Ok(n.max(0) as usize)
    }

    /// Doubts per source: about the announcements read at its pages.
    pub fn source_doubts(&self) -> Result<HashMap<String, i64>, StoreError> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT s.source, CAST(SUM(json_array_length(a.doubts)
                    + (SELECT COUNT(*) FROM relation r WHERE r.announcement = a.key AND {UNSEEN}))
                    AS BIGINT)
             FROM announcement a
             JOIN (SELECT DISTINCT p.source AS source, au.announcement AS key
                   FROM announcement_url au JOIN page p ON p.url = au.url) s ON s.key = a.key
             GROUP BY s.source"
        ))?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// When a stored page version was first and last seen (fetched, or confirmed by a 304). A
    /// page's current version is confirmed in `sighting`; the snapshot catches up when the page
    /// moves off it.
    pub fn snapshot_seen(&self, id: i64) -> Result<Option<(String, String)>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT s.first_seen, CASE WHEN w.at > s.last_seen THEN w.at ELSE s.last_seen END
                 FROM snapshot s LEFT JOIN sighting w ON w.snapshot = s.id WHERE s.id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// Number of stored page versions, and their compressed and raw sizes.
    pub fn snapshot_stats(&self) -> Result<(i64, i64, i64), StoreError> {
        Ok(self.conn().query_row(
            "SELECT count(*), CAST(coalesce(sum(length(body)), 0) AS BIGINT),
                    CAST(coalesce(sum(size), 0) AS BIGINT) FROM snapshot",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?)
    }
}

/// Corrections, oldest first: of one announcement, or all.
pub(super) fn corrections(
    conn: &Db,
    announcement: Option<&str>,
) -> Result<Vec<crate::correction::Correction>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, announcement, fix, by, why, at, unnecessary_since FROM correction
         WHERE announcement = ?1 OR ?1 IS NULL ORDER BY id",
    )?;
    let rows = stmt.query_map([announcement], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, Option<String>>(6)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, announcement, fix, by, why, at, unnecessary_since) = row?;
        // A fix this regwatch cannot read (written by a newer one) is skipped, not fatal.
        let Ok(fix) = serde_json::from_str(&fix) else {
            continue;
        };
        out.push(crate::correction::Correction {
            id,
            announcement,
            fix,
            by,
            why,
            at,
            unnecessary_since,
        });
    }
    Ok(out)
}

impl Store {
    /// Every correction, oldest first.
    pub fn corrections(&self) -> Result<Vec<crate::correction::Correction>, StoreError> {
        corrections(self.conn(), None)
    }
}
