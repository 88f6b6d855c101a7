//! Announcements and their entries as stored: heads (with relations and URLs), entries, text
//! versions; whole or only what the status pass must look at again.

use super::*;

/// Every announcement without its entries (rebuilding the list needs dates, relations and URLs
/// only, and leaving 10,000 announcements' entries out of memory halves the peak), in issue order. Three
/// queries, whatever the number of announcements: the status pass reads them on every check
/// that changed something, and a query per announcement was most of its time.
pub(in crate::store) fn announcement_heads(
    conn: &Db,
) -> Result<Vec<KnownAnnouncement>, StoreError> {
    heads_where(conn, "TRUE", None, params![])
}

/// The announcements a status pass over the dirty codes reads: those listing a dirty code, and
/// every announcement that acts on another (a suspension, a repeal), whose targets it may be.
/// (One `IN` over a `UNION`: two `IN`s joined by `OR` were planned as a multi-index OR that took
/// three times as long on 10,000 announcements.) On PostgreSQL the keys are gathered first
/// (`= ANY (ARRAY(…))`, the dirty codes looked up one by one, [`DIRTY_ENTRIES_PG`]) and then
/// looked up: joined, the planner hashed every entry and every announcement (the dirty table
/// has no statistics until vacuumed), 5 ms of a 1 % re-check's 10 ms status pass.
pub(in crate::store) fn dirty_heads(conn: &Db) -> Result<Vec<KnownAnnouncement>, StoreError> {
    match conn.dialect() {
        crate::store::sql::Dialect::Sqlite => heads_where(
            conn,
            "key IN (SELECT e.announcement FROM status_dirty d
                     CROSS JOIN entry e ON e.regime = d.regime AND e.code = d.code
                     UNION SELECT announcement FROM relation)",
            None,
            params![],
        ),
        crate::store::sql::Dialect::Postgres => {
            let keys = format!(
                "ANY (ARRAY(SELECT e.announcement FROM {DIRTY_ENTRIES_PG}
                            UNION SELECT announcement FROM relation))"
            );
            heads_where(
                conn,
                &format!("key = {keys}"),
                Some(&format!("announcement = {keys}")),
                params![],
            )
        }
    }
}

/// The entries listing a dirty code, on PostgreSQL: a lookup per dirty code (`OFFSET 0` keeps
/// the subquery from being flattened into a join the planner would hash).
const DIRTY_ENTRIES_PG: &str = "status_dirty d,
     LATERAL (SELECT * FROM entry e WHERE e.regime = d.regime AND e.code = d.code OFFSET 0) AS e";

/// Announcement heads with their relations and URLs, in three queries whatever their number.
/// `children`: the same selection as a condition on the `announcement` column of the tables
/// that refer to announcements, when it can be said more directly than "the announcement is
/// one of those selected" (a few keys: looked up, not hashed against every announcement).
fn heads_where(
    conn: &Db,
    condition: &str,
    children: Option<&str>,
    args: &[&dyn crate::store::sql::ToValue],
) -> Result<Vec<KnownAnnouncement>, StoreError> {
    let mut out = Vec::new();
    let selected = match children {
        Some(c) => c.to_string(),
        None => format!("announcement IN (SELECT key FROM announcement WHERE {condition})"),
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {} FROM announcement WHERE {condition}
         ORDER BY issued IS NULL, issued, year, number, key",
        head(conn)
    ))?;
    let mut rows = stmt.query(args)?;
    while let Some(r) = rows.next()? {
        out.push(head_from_row(&r)?);
    }
    let index = positions(&out);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT announcement, kind, target, from_date, until_date, scope FROM relation
         WHERE {selected} ORDER BY announcement, position"
    ))?;
    let mut rows = stmt.query(args)?;
    while let Some(r) = rows.next()? {
        let Some(&i) = index.get(&r.get::<_, String>(0)?) else {
            continue;
        };
        if let Some(relation) = relation_from_row(&r, 1)? {
            out[i].relations.push(relation);
        }
    }
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT announcement, url FROM announcement_url WHERE {selected}
         ORDER BY announcement, first_seen, url"
    ))?;
    let mut rows = stmt.query(args)?;
    while let Some(r) = rows.next()? {
        if let Some(&i) = index.get(&r.get::<_, String>(0)?) {
            out[i].urls.push(r.get(1)?);
        }
    }
    Ok(out)
}

/// Where each announcement of `out` is, by key.
fn positions(out: &[KnownAnnouncement]) -> HashMap<String, usize> {
    out.iter()
        .enumerate()
        .map(|(i, a)| (a.key.clone(), i))
        .collect()
}

/// `column IN` the keys of the JSON array bound to `?1`, in `conn`'s dialect.
fn in_keys(conn: &Db, column: &str) -> String {
    match conn.dialect() {
        crate::store::sql::Dialect::Sqlite => {
            format!("{column} IN (SELECT value FROM json_each(?1))")
        }
        crate::store::sql::Dialect::Postgres => format!(
            "{column} IN (SELECT k COLLATE \"C\" FROM json_array_elements_text(CAST(?1 AS json)) AS j(k))"
        ),
    }
}

/// The stored announcements among `keys`, whole (heads, entries, relations, URLs), in five
/// queries whatever their number; each with the URL of the version it was read from.
pub(in crate::store) fn announcements_of(
    conn: &Db,
    keys: &[&str],
) -> Result<Vec<(KnownAnnouncement, Option<String>)>, StoreError> {
    let keys = serde_json::to_string(keys)?;
    let mut out = heads_where(
        conn,
        &in_keys(conn, "key"),
        Some(&in_keys(conn, "announcement")),
        params![keys],
    )?;
    let index = positions(&out);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT announcement, regime, code, description, item_type, hs_codes, clause, removal
         FROM entry WHERE {} ORDER BY announcement, position",
        in_keys(conn, "announcement")
    ))?;
    for row in stmt.query_map([&keys], entry_from_row)? {
        let (entry, key) = row?;
        if let Some(&i) = index.get(&key) {
            out[i].entries.push(entry);
        }
    }
    let mut basis = HashMap::new();
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT a.key, s.url FROM announcement a JOIN snapshot s ON s.id = a.snapshot WHERE {}",
        in_keys(conn, "a.key")
    ))?;
    for row in stmt.query_map([&keys], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })? {
        let (key, url) = row?;
        basis.insert(key, url);
    }
    Ok(out
        .into_iter()
        .map(|a| {
            let url = basis.remove(&a.key);
            (a, url)
        })
        .collect())
}

/// The last text version of each of `keys` that has one.
pub(in crate::store) fn latest_text_versions(
    conn: &Db,
    keys: &[&str],
) -> Result<HashMap<String, TextVersion>, StoreError> {
    let keys = serde_json::to_string(keys)?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT v.version, s.sha256, s.url, v.text, v.observed_at, z.body, v.announcement
         FROM announcement_version v JOIN snapshot s ON s.id = v.snapshot
         LEFT JOIN zdict z ON z.id = v.dict
         WHERE {} AND v.version = (SELECT MAX(m.version) FROM announcement_version m
                                   WHERE m.announcement = v.announcement)",
        in_keys(conn, "v.announcement")
    ))?;
    let rows = stmt.query_map([&keys], |r| {
        Ok((r.get::<_, String>(6)?, text_version_row(r)?))
    })?;
    let mut out = HashMap::new();
    for row in rows {
        let (key, version) = row?;
        out.insert(key, text_version(version)?);
    }
    Ok(out)
}

type TextVersionRow = (i64, String, String, Vec<u8>, String, Option<Vec<u8>>);

/// `version, sha256, url, text, observed_at, dict body` from the first columns of `r`.
fn text_version_row(r: &Row<'_>) -> crate::store::sql::Result<TextVersionRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

fn text_version(
    (version, sha256, url, text, observed_at, dict): TextVersionRow,
) -> Result<TextVersion, StoreError> {
    let dict = dict.map(|d| evidence::unpack(&d, None)).transpose()?;
    Ok(TextVersion {
        version,
        sha256,
        url,
        text: String::from_utf8_lossy(&evidence::unpack(&text, dict.as_deref())?).into_owned(),
        observed_at,
    })
}

pub(in crate::store) fn announcements(conn: &Db) -> Result<Vec<KnownAnnouncement>, StoreError> {
    let keys: Vec<String> = conn
        .prepare("SELECT key FROM announcement ORDER BY issued IS NULL, issued, year, number, key")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    keys.iter()
        .filter_map(|k| announcement(conn, k).transpose())
        .collect()
}

pub(in crate::store) fn all_entries(conn: &Db) -> Result<Vec<StoredEntry>, StoreError> {
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
pub(in crate::store) fn entries_between(
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
/// entry and probed the dirty set instead; on PostgreSQL, [`DIRTY_ENTRIES_PG`].)
pub(in crate::store) fn dirty_entries(conn: &Db) -> Result<Vec<StoredEntry>, StoreError> {
    let from = match conn.dialect() {
        crate::store::sql::Dialect::Sqlite => {
            "status_dirty d CROSS JOIN entry e ON e.regime = d.regime AND e.code = d.code"
        }
        crate::store::sql::Dialect::Postgres => DIRTY_ENTRIES_PG,
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT e.announcement, e.regime, e.code, e.description, e.item_type, e.hs_codes, e.clause,
                e.removal
         FROM {from}
         ORDER BY e.regime, e.code, e.announcement"
    ))?;
    stored_entries(stmt.query_map([], entry_from_row)?)
}

pub(in crate::store) fn text_versions(
    conn: &Db,
    key: &str,
) -> Result<Vec<TextVersion>, StoreError> {
    read_text_versions(conn, key, "ORDER BY v.version")
}

/// The last version of an announcement's text: what a new reading is compared with.
pub(in crate::store) fn latest_text_version(
    conn: &Db,
    key: &str,
) -> Result<Option<TextVersion>, StoreError> {
    Ok(read_text_versions(conn, key, "ORDER BY v.version DESC LIMIT 1")?.pop())
}

fn read_text_versions(conn: &Db, key: &str, order: &str) -> Result<Vec<TextVersion>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT v.version, s.sha256, s.url, v.text, v.observed_at, z.body
         FROM announcement_version v JOIN snapshot s ON s.id = v.snapshot
         LEFT JOIN zdict z ON z.id = v.dict
         WHERE v.announcement = ?1 {order}"
    ))?;
    let rows = stmt.query_map([key], text_version_row)?;
    rows.map(|row| text_version(row?)).collect()
}

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

pub(in crate::store) fn announcement(
    conn: &Db,
    key: &str,
) -> Result<Option<KnownAnnouncement>, StoreError> {
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

pub(in crate::store) fn current_entry(
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
