//! Reads, shared by transactions (while ingesting) and by the report commands.

use std::collections::HashMap;

use super::sql::{Db, OptionalExtension, Row, params};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::evidence::{self, Dictionary};
use super::{Headers, Store, StoreError};
use crate::model::{ControlEntry, Effective, ItemType, Relation, RelationKind};

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

pub(super) fn snapshot_body(conn: &Db, id: i64) -> Result<(Vec<u8>, Headers), StoreError> {
    let (body, headers, dict): (Vec<u8>, crate::store::sql::Value, Option<Vec<u8>>) = conn
        .query_row(
            "SELECT s.body, s.headers, z.body FROM snapshot s LEFT JOIN zdict z ON z.id = s.dict
             WHERE s.id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
    let dict = dict.map(|d| evidence::unpack(&d, None)).transpose()?;
    Ok((
        evidence::unpack(&body, dict.as_deref())?,
        serde_json::from_str(&evidence::unpack_headers(headers)?)?,
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

pub(super) fn page_body(conn: &Db, url: &str) -> Result<Option<StoredPage>, StoreError> {
    let row = conn
        .query_row(
            "SELECT s.id, s.sha256, CASE s.final_url WHEN '' THEN s.url ELSE s.final_url END
             FROM page p JOIN snapshot s ON s.id = p.snapshot
             WHERE p.url = ?1",
            [url],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            },
        )
        .optional()?;
    let Some((snapshot, sha256, final_url)) = row else {
        return Ok(None);
    };
    let (body, headers) = snapshot_body(conn, snapshot)?;
    let content_type = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.clone());
    Ok(Some(StoredPage {
        snapshot,
        sha256,
        final_url,
        body,
        content_type,
    }))
}

/// Every announcement without its entries (rebuilding the list needs dates, relations and URLs
/// only, and leaving 10,000 announcements' entries out of memory halves the peak), in issue order. Three
/// queries, whatever the number of announcements: the status pass reads them on every check
/// that changed something, and a query per announcement was most of its time.
pub(super) fn announcement_heads(conn: &Db) -> Result<Vec<KnownAnnouncement>, StoreError> {
    heads_where(conn, "TRUE")
}

/// The announcements a status pass over the dirty codes reads: those listing a dirty code, and
/// every announcement that acts on another (a suspension, a repeal), whose targets it may be.
/// (One `IN` over a `UNION`: two `IN`s joined by `OR` were planned as a multi-index OR that took
/// three times as long on 10,000 announcements.)
pub(super) fn dirty_heads(conn: &Db) -> Result<Vec<KnownAnnouncement>, StoreError> {
    heads_where(
        conn,
        &format!(
            "key IN (SELECT e.announcement FROM status_dirty d
                     {} entry e ON e.regime = d.regime AND e.code = d.code
                     UNION SELECT announcement FROM relation)",
            outer_first(conn)
        ),
    )
}

/// An inner join whose left table SQLite must loop over (`CROSS JOIN` is SQLite's way of
/// saying so; PostgreSQL's planner has statistics and no such syntax).
pub(super) fn outer_first(conn: &Db) -> &'static str {
    conn.pick("CROSS JOIN", "JOIN")
}

/// Announcement heads with their relations and URLs, in three queries whatever their number.
fn heads_where(conn: &Db, condition: &str) -> Result<Vec<KnownAnnouncement>, StoreError> {
    let mut out = Vec::new();
    let selected = format!("SELECT key FROM announcement WHERE {condition}");
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {} FROM announcement WHERE {condition}
         ORDER BY issued IS NULL, issued, year, number, key",
        head(conn)
    ))?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        out.push(head_from_row(&r)?);
    }
    let index: HashMap<String, usize> = out
        .iter()
        .enumerate()
        .map(|(i, a)| (a.key.clone(), i))
        .collect();
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT announcement, kind, target, from_date, until_date, scope FROM relation
         WHERE announcement IN ({selected}) ORDER BY announcement, position"
    ))?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let Some(&i) = index.get(&r.get::<_, String>(0)?) else {
            continue;
        };
        if let Some(relation) = relation_from_row(&r, 1)? {
            out[i].relations.push(relation);
        }
    }
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT announcement, url FROM announcement_url WHERE announcement IN ({selected})
         ORDER BY announcement, first_seen, url"
    ))?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        if let Some(&i) = index.get(&r.get::<_, String>(0)?) {
            out[i].urls.push(r.get(1)?);
        }
    }
    Ok(out)
}

pub(super) fn announcements(conn: &Db) -> Result<Vec<KnownAnnouncement>, StoreError> {
    let keys: Vec<String> = conn
        .prepare("SELECT key FROM announcement ORDER BY issued IS NULL, issued, year, number, key")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    keys.iter()
        .filter_map(|k| announcement(conn, k).transpose())
        .collect()
}

pub(super) fn all_entries(conn: &Db) -> Result<Vec<StoredEntry>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT announcement, regime, code, description, item_type, hs_codes, clause, removal FROM entry
         ORDER BY regime, code, announcement",
    )?;
    stored_entries(stmt.query_map([], entry_from_row)?)
}

fn stored_entries(
    rows: impl Iterator<Item = crate::store::sql::Result<(ControlEntry, String)>>,
) -> Result<Vec<StoredEntry>, StoreError> {
    rows.map(|r| {
        r.map(|(entry, announcement)| StoredEntry {
            entry,
            announcement,
        })
        .map_err(StoreError::from)
    })
    .collect()
}

/// The entries of the codes after `after` up to `upto` (inclusive; to the last code when `None`),
/// in (regime, code) order: the full status pass reads the list a slice at a time.
pub(super) fn entries_between(
    conn: &Db,
    after: &(String, String),
    upto: Option<&(String, String)>,
) -> Result<Vec<StoredEntry>, StoreError> {
    const COLUMNS: &str =
        "announcement, regime, code, description, item_type, hs_codes, clause, removal";
    match upto {
        Some(upto) => {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM entry
                 WHERE (regime, code) > (?1, ?2) AND (regime, code) <= (?3, ?4)
                 ORDER BY regime, code, announcement"
            ))?;
            stored_entries(
                stmt.query_map(params![after.0, after.1, upto.0, upto.1], entry_from_row)?,
            )
        }
        None => {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM entry WHERE (regime, code) > (?1, ?2)
                 ORDER BY regime, code, announcement"
            ))?;
            stored_entries(stmt.query_map(params![after.0, after.1], entry_from_row)?)
        }
    }
}

/// (`CROSS JOIN` keeps the few dirty codes outside: without statistics the planner walked every
/// entry and probed the dirty set instead.)
pub(super) fn dirty_entries(conn: &Db) -> Result<Vec<StoredEntry>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT e.announcement, e.regime, e.code, e.description, e.item_type, e.hs_codes, e.clause,
                e.removal
         FROM status_dirty d {} entry e ON e.regime = d.regime AND e.code = d.code
         ORDER BY e.regime, e.code, e.announcement",
        outer_first(conn)
    ))?;
    stored_entries(stmt.query_map([], entry_from_row)?)
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

pub(super) fn text_versions(conn: &Db, key: &str) -> Result<Vec<TextVersion>, StoreError> {
    read_text_versions(conn, key, "ORDER BY v.version")
}

/// The last version of an announcement's text: what a new reading is compared with.
pub(super) fn latest_text_version(conn: &Db, key: &str) -> Result<Option<TextVersion>, StoreError> {
    Ok(read_text_versions(conn, key, "ORDER BY v.version DESC LIMIT 1")?.pop())
}

fn read_text_versions(conn: &Db, key: &str, order: &str) -> Result<Vec<TextVersion>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT v.version, s.sha256, s.url, v.text, v.observed_at, z.body
         FROM announcement_version v JOIN snapshot s ON s.id = v.snapshot
         LEFT JOIN zdict z ON z.id = v.dict
         WHERE v.announcement = ?1 {order}"
    ))?;
    let rows = stmt.query_map([key], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Vec<u8>>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, Option<Vec<u8>>>(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (version, sha256, url, text, observed_at, dict) = row?;
        let dict = dict.map(|d| evidence::unpack(&d, None)).transpose()?;
        out.push(TextVersion {
            version,
            sha256,
            url,
            text: String::from_utf8_lossy(&evidence::unpack(&text, dict.as_deref())?).into_owned(),
            observed_at,
        });
    }
    Ok(out)
}

/// A relation whose target no page has shown (`r` is the relation).
const UNSEEN: &str = "NOT EXISTS (SELECT 1 FROM announcement t WHERE t.key = r.target)
     AND NOT (r.kind = 'amends' AND r.target = 'MOFCOM-2024-51')";

/// An announcement's row without its entries, relations and URLs: its columns in `conn`'s
/// dialect (the English translation as one JSON object).
fn head(conn: &Db) -> &'static str {
    conn.pick(
        "key, authorities, year, number, title, issued, effective, first_seen, snapshot, doubts,
         (SELECT json_object('title', t.title_en, 'entries', json(t.entries), 'url', t.url,
                             'observed_at', t.observed_at)
          FROM translation t WHERE t.announcement = announcement.key)",
        "key, authorities, year, number, title, issued, effective, first_seen, snapshot, doubts,
         (SELECT CAST(json_build_object('title', t.title_en, 'entries', CAST(t.entries AS json),
                                        'url', t.url, 'observed_at', t.observed_at) AS text)
          FROM translation t WHERE t.announcement = announcement.key)",
    )
}

fn head_from_row(r: &Row<'_>) -> Result<KnownAnnouncement, StoreError> {
    Ok(KnownAnnouncement {
        key: r.get(0)?,
        authorities: serde_json::from_str(&r.get::<_, String>(1)?)?,
        year: r.get(2)?,
        number: r.get::<_, i64>(3)? as u32,
        title: r.get(4)?,
        issued: date(r.get(5)?),
        effective: serde_json::from_str(&r.get::<_, String>(6)?)?,
        entries: Vec::new(),
        relations: Vec::new(),
        urls: Vec::new(),
        first_seen: r.get(7)?,
        snapshot: r.get(8)?,
        doubts: serde_json::from_str(&r.get::<_, String>(9)?).unwrap_or_default(),
        english: r
            .get::<_, Option<String>>(10)?
            .and_then(|j| serde_json::from_str(&j).ok()),
    })
}

/// A relation from `kind, target, from_date, until_date, scope` starting at column `at`; `None`
/// for a kind this regwatch does not know.
fn relation_from_row(r: &Row<'_>, at: usize) -> crate::store::sql::Result<Option<Relation>> {
    Ok(
        RelationKind::parse(&r.get::<_, String>(at)?).map(|kind| Relation {
            kind,
            target: r.get(at + 1).unwrap_or_default(),
            from: date(r.get(at + 2).unwrap_or_default()),
            until: date(r.get(at + 3).unwrap_or_default()),
            scope: r.get(at + 4).unwrap_or_default(),
        }),
    )
}

pub(super) fn announcement(conn: &Db, key: &str) -> Result<Option<KnownAnnouncement>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {} FROM announcement WHERE key = ?1",
        head(conn)
    ))?;
    let mut rows = stmt.query([key])?;
    let Some(r) = rows.next()? else {
        return Ok(None);
    };
    let mut a = head_from_row(&r)?;
    let mut stmt = conn.prepare_cached(
        "SELECT announcement, regime, code, description, item_type, hs_codes, clause, removal FROM entry
         WHERE announcement = ?1 ORDER BY position",
    )?;
    a.entries = stmt
        .query_map([key], entry_from_row)?
        .map(|r| r.map(|(e, _)| e))
        .collect::<Result<Vec<_>, _>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT kind, target, from_date, until_date, scope FROM relation
         WHERE announcement = ?1 ORDER BY position",
    )?;
    a.relations = stmt
        .query_map([key], |r| relation_from_row(r, 0))?
        .filter_map(|r| r.transpose())
        .collect::<Result<Vec<_>, _>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT url FROM announcement_url WHERE announcement = ?1 ORDER BY first_seen, url",
    )?;
    a.urls = stmt
        .query_map([key], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(Some(a))
}

pub(super) fn current_entry(
    conn: &Db,
    regime: &str,
    code: &str,
) -> Result<Option<StoredEntry>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.announcement, e.regime, e.code, e.description, e.item_type, e.hs_codes, e.clause,
                e.removal
         FROM entry e JOIN announcement a ON a.key = e.announcement
         WHERE e.regime = ?1 AND e.code = ?2
         ORDER BY a.issued IS NULL, a.issued DESC, a.year DESC, a.number DESC LIMIT 1",
    )?;
    Ok(stmt
        .query_row(params![regime, code], entry_from_row)
        .optional()?
        .map(|(entry, announcement)| StoredEntry {
            entry,
            announcement,
        }))
}

impl Store {
    /// The current version of a page, if it has one.
    pub fn page_body(&self, url: &str) -> Result<Option<StoredPage>, StoreError> {
        page_body(self.conn(), url)
    }

    /// ETag / Last-Modified of one of a source's pages, as [`Store::validators`] has them.
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

    /// ETag / Last-Modified per URL of a source, for conditional GETs.
    pub fn validators(&self, source: &str) -> Result<HashMap<String, Validators>, StoreError> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT url, etag, last_modified FROM page WHERE source = ?1 AND snapshot IS NOT NULL",
        )?;
        let rows = stmt.query_map([source], |r| {
            Ok((
                r.get::<_, String>(0)?,
                Validators {
                    etag: r.get(1)?,
                    last_modified: r.get(2)?,
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
        let body: Option<Vec<u8>> = self
            .conn()
            .query_row(
                "SELECT body FROM zdict WHERE source = ?1 ORDER BY id DESC LIMIT 1",
                [source],
                |r| r.get(0),
            )
            .optional()?;
        Ok(match body {
            Some(b) => Some(Dictionary::new(evidence::unpack(&b, None)?)),
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
