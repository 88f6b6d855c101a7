//! Append-only schema migrations keyed by `PRAGMA user_version`, applied in one exclusive
//! transaction (the pattern of cargo's `util/sqlite.rs`). Never edit a released step: add one.

use rusqlite::{Connection, TransactionBehavior};

const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    r#"
    -- Every distinct version of every page: the evidence of what it said and when.
    CREATE TABLE snapshot (
        id          INTEGER PRIMARY KEY,
        url         TEXT NOT NULL,
        sha256      TEXT NOT NULL,
        final_url   TEXT NOT NULL,
        status      INTEGER NOT NULL,
        headers     TEXT NOT NULL,      -- JSON [[name, value], ...]
        body        BLOB NOT NULL,      -- zstd
        size        INTEGER NOT NULL,   -- uncompressed bytes
        first_seen  TEXT NOT NULL,
        last_seen   TEXT NOT NULL,
        UNIQUE (url, sha256)
    );
    -- The pages a source watches: current version and HTTP validators.
    CREATE TABLE page (
        url           TEXT PRIMARY KEY,
        source        TEXT NOT NULL,
        role          TEXT NOT NULL,    -- index | announcement | annex
        snapshot      INTEGER REFERENCES snapshot(id),
        etag          TEXT,
        last_modified TEXT,
        last_checked  TEXT,
        last_error    TEXT
    );
    CREATE TABLE announcement (
        key         TEXT PRIMARY KEY,   -- MOFCOM-2025-62
        authorities TEXT NOT NULL,      -- JSON ["MOFCOM", "GAC"]
        year        INTEGER NOT NULL,
        number      INTEGER NOT NULL,
        title       TEXT NOT NULL,
        issued      TEXT,
        effective   TEXT NOT NULL,      -- JSON [{date, scope}]
        snapshot    INTEGER NOT NULL REFERENCES snapshot(id),
        first_seen  TEXT NOT NULL,
        updated     TEXT NOT NULL
    );
    CREATE TABLE announcement_url (
        announcement TEXT NOT NULL REFERENCES announcement(key),
        url          TEXT NOT NULL,
        first_seen   TEXT NOT NULL,
        PRIMARY KEY (announcement, url)
    ) WITHOUT ROWID;
    CREATE TABLE entry (
        announcement TEXT NOT NULL REFERENCES announcement(key),
        regime       TEXT NOT NULL,
        code         TEXT NOT NULL,
        position     INTEGER NOT NULL,
        description  TEXT NOT NULL,
        item_type    TEXT NOT NULL,
        hs_codes     TEXT NOT NULL,     -- JSON ["71051020"]
        PRIMARY KEY (announcement, regime, code)
    ) WITHOUT ROWID;
    CREATE INDEX entry_by_code ON entry (regime, code);
    CREATE TABLE relation (
        announcement TEXT NOT NULL REFERENCES announcement(key),
        position     INTEGER NOT NULL,
        kind         TEXT NOT NULL,
        target       TEXT NOT NULL,
        from_date    TEXT,
        until_date   TEXT,
        scope        TEXT,
        PRIMARY KEY (announcement, position)
    ) WITHOUT ROWID;
    CREATE INDEX relation_by_target ON relation (target);
    -- The change log: append-only, one row per change, recorded in the observation's transaction.
    CREATE TABLE change (
        id           INTEGER PRIMARY KEY,
        kind         TEXT NOT NULL,
        regime       TEXT,
        code         TEXT,
        announcement TEXT NOT NULL,     -- the cause
        before       TEXT,              -- JSON
        after        TEXT,              -- JSON
        url          TEXT,
        sha256       TEXT,
        observed_at  TEXT NOT NULL
    );
    CREATE INDEX change_by_time ON change (observed_at);
    CREATE TABLE source_status (
        id                   TEXT PRIMARY KEY,
        last_attempt         TEXT,
        last_success         TEXT,
        last_error           TEXT,
        consecutive_failures INTEGER NOT NULL DEFAULT 0
    );
    -- Fetch and extraction failures, each with its reason.
    CREATE TABLE problem (
        id      INTEGER PRIMARY KEY,
        source  TEXT NOT NULL,
        url     TEXT,
        at      TEXT NOT NULL,
        kind    TEXT NOT NULL,          -- fetch | extract
        message TEXT NOT NULL
    );
    "#,
    // 2: announcement text versions (silent edits), the status each listed code was last seen
    // in (status transitions are recorded once), entry clauses, and stable change ids.
    r#"
    CREATE TABLE announcement_version (
        announcement TEXT NOT NULL REFERENCES announcement(key),
        version      INTEGER NOT NULL,  -- 1, 2, … in the order regwatch read them
        snapshot     INTEGER NOT NULL REFERENCES snapshot(id),
        sha256       TEXT NOT NULL,
        url          TEXT NOT NULL,
        text         BLOB NOT NULL,     -- zstd
        observed_at  TEXT NOT NULL,
        PRIMARY KEY (announcement, version)
    ) WITHOUT ROWID;
    CREATE TABLE entry_status (
        regime     TEXT NOT NULL,
        code       TEXT NOT NULL,
        status     TEXT NOT NULL,
        status_by  TEXT NOT NULL,
        until      TEXT,
        as_of      TEXT NOT NULL,       -- the date it was computed for
        PRIMARY KEY (regime, code)
    ) WITHOUT ROWID;
    ALTER TABLE entry ADD COLUMN clause TEXT;   -- "1", "1.2": the clause the entry stands in
    ALTER TABLE change ADD COLUMN uid TEXT;
    UPDATE change SET uid = 'c' || id;
    CREATE UNIQUE INDEX change_by_uid ON change (uid);
    "#,
    // 3: the outbox, and when each source last failed. One row per change, channel and recipient; `sending` is written (and
    // committed) before the message leaves, `sent` after the server accepted it, so a crash in
    // between leaves `sending` rows that the next run sends again under the same Message-ID.
    r#"
    CREATE TABLE delivery (
        change      TEXT NOT NULL,      -- change.uid
        channel     TEXT NOT NULL,      -- email:<digest name>
        recipient   TEXT NOT NULL,
        message_id  TEXT NOT NULL,
        state       TEXT NOT NULL,      -- sending | sent | failed
        attempts    INTEGER NOT NULL DEFAULT 0,
        last_error  TEXT,
        updated_at  TEXT NOT NULL,
        sent_at     TEXT,
        PRIMARY KEY (change, channel, recipient)
    ) WITHOUT ROWID;
    CREATE INDEX delivery_by_message ON delivery (message_id);
    ALTER TABLE source_status ADD COLUMN last_failure TEXT;
    "#,
    // 4: compression dictionaries. A source's pages share their markup; one of its pages, kept
    // once, lets every other be stored as the difference (see store::evidence).
    r#"
    CREATE TABLE zdict (
        id       INTEGER PRIMARY KEY,
        source   TEXT NOT NULL,
        sha256   TEXT NOT NULL UNIQUE,
        body     BLOB NOT NULL,       -- zstd of the dictionary: the raw bytes of a page
        created  TEXT NOT NULL
    );
    ALTER TABLE snapshot ADD COLUMN dict INTEGER REFERENCES zdict(id);  -- NULL: plain zstd
    "#,
    // 5: a change points at the snapshot that shows it instead of repeating its URL and hash
    // (a hundred bytes on each of thousands of rows). `url` stays for changes with no snapshot
    // (status changes), `sha256` for rows recorded before, should one have no snapshot.
    r#"
    ALTER TABLE change ADD COLUMN snapshot INTEGER REFERENCES snapshot(id);
    UPDATE change SET snapshot = (SELECT s.id FROM snapshot s
                                  WHERE s.url = change.url AND s.sha256 = change.sha256)
     WHERE sha256 IS NOT NULL;
    UPDATE change SET url = NULL, sha256 = NULL WHERE snapshot IS NOT NULL;
    -- A text version's URL and hash were its snapshot's; its text may use the dictionary.
    ALTER TABLE announcement_version DROP COLUMN sha256;
    ALTER TABLE announcement_version DROP COLUMN url;
    ALTER TABLE announcement_version ADD COLUMN dict INTEGER REFERENCES zdict(id);
    "#,
    // 6: what the status pass needs to do only what changed: `meta` holds small facts about the
    // store (`status_pass`: the dates the last pass ran for), `status_dirty` the codes whose status
    // may have moved since (those of announcements written since, and of the announcements their
    // relations act on).
    r#"
    CREATE TABLE meta (
        key    TEXT PRIMARY KEY,
        value  TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE status_dirty (
        regime TEXT NOT NULL,
        code   TEXT NOT NULL,
        PRIMARY KEY (regime, code)
    ) WITHOUT ROWID;
    "#,
    // 7: a page's current version is confirmed on the page row (`confirmed`), not by rewriting
    // the snapshot: snapshots hold the page bytes, so moving `last_seen` on every 304 dirtied
    // nearly every page of the table and wrote it to the WAL on each check. A snapshot's
    // `last_seen` is brought up to date when the page moves off it; while it is current, its
    // last sighting is the later of the two (`Store::snapshot_seen`).
    r#"
    ALTER TABLE page ADD COLUMN confirmed TEXT;
    UPDATE page SET confirmed = (SELECT last_seen FROM snapshot WHERE id = page.snapshot);
    "#,
    // 8: the links read from an index version, so that an index answering 304 is not parsed
    // again (a tenth of a re-check of 10,000 pages). Keyed by the version and by what read it
    // (`Reader::index_key`): another selector or another regwatch reads the page again.
    r#"
    CREATE TABLE index_links (
        url      TEXT PRIMARY KEY,
        snapshot INTEGER NOT NULL REFERENCES snapshot(id),
        reader   TEXT NOT NULL,
        links    TEXT NOT NULL      -- JSON {"links": [url, ...], "next": url | null}
    ) WITHOUT ROWID;
    "#,
    // 9: the last sighting of a page's current version in a narrow table of its own, keyed by
    // the snapshot. A re-check confirms every page (a 304 each), and writing that on the wide
    // page rows dirtied all of them (386 database pages at 10,000 pages), each written to the WAL
    // and checkpointed on every check; a sighting is a few bytes. `page.last_checked` goes: it
    // was rewritten on every check and read by nothing (`problem` keeps when fetches failed).
    r#"
    CREATE TABLE sighting (
        snapshot INTEGER PRIMARY KEY REFERENCES snapshot(id),
        at       TEXT NOT NULL      -- the last fetch or 304 that found this version current
    );
    INSERT INTO sighting (snapshot, at)
        SELECT snapshot, max(confirmed) FROM page
        WHERE snapshot IS NOT NULL AND confirmed IS NOT NULL GROUP BY snapshot;
    ALTER TABLE page DROP COLUMN confirmed;
    ALTER TABLE page DROP COLUMN last_checked;
    "#,
    // 10: what a version says, apart from its bytes, for pages whose bytes change on every
    // request with the same content (MOFCOM's list API stamps each answer with a `traceId`): a
    // new answer with the same key confirms the version instead of storing another.
    r#"
    ALTER TABLE snapshot ADD COLUMN content_key TEXT;
    "#,
    // 11: what the reader was unsure of in each announcement (`Announcement::doubts`, JSON).
    r#"
    ALTER TABLE announcement ADD COLUMN doubts TEXT NOT NULL DEFAULT '[]';
    "#,
    // 12: people's fixes to what was extracted, applied on top of every reading
    // (`crate::correction`). Kept apart from extraction, never rewritten by it.
    r#"
    CREATE TABLE correction (
        id                INTEGER PRIMARY KEY,
        announcement      TEXT NOT NULL,
        fix               TEXT NOT NULL,     -- JSON, `correction::Fix`
        by                TEXT NOT NULL,
        why               TEXT NOT NULL,
        at                TEXT NOT NULL,
        unnecessary_since TEXT               -- a reading already said the same
    );
    CREATE INDEX correction_by_announcement ON correction (announcement, id);
    "#,
    // 13: entries that take a party off its list (`移出`) rather than put it on
    // (`ControlEntry::removal`).
    r#"
    ALTER TABLE entry ADD COLUMN removal INTEGER NOT NULL DEFAULT 0;
    "#,
    // 14: MOFCOM's English versions of announcements, paired by key: the latest one read (its
    // page versions are kept like any page's).
    r#"
    CREATE TABLE translation (
        announcement TEXT PRIMARY KEY,   -- the Chinese announcement's key
        title_en     TEXT NOT NULL,
        entries      TEXT NOT NULL,      -- JSON {code: English description}
        url          TEXT NOT NULL,
        snapshot     INTEGER NOT NULL REFERENCES snapshot(id),
        observed_at  TEXT NOT NULL
    ) WITHOUT ROWID;
    "#,
    // 15: the day a status was computed for was written and never read: a tenth of the table.
    r#"
    ALTER TABLE entry_status DROP COLUMN as_of;
    "#,
    // 16: people's reviews of changes (`store::review`): every one kept, the last one counts.
    r#"
    CREATE TABLE review (
        id      INTEGER PRIMARY KEY,
        change  TEXT NOT NULL,          -- change.uid
        state   TEXT NOT NULL,          -- reviewed | not-applicable | needs-action
        note    TEXT NOT NULL,
        by      TEXT NOT NULL,
        at      TEXT NOT NULL
    );
    CREATE INDEX review_by_change ON review (change, id);
    "#,
    // 17: several workers share the sources: a lease per source (who checks it, until when,
    // and the scheduled time it last checked it for), and who checked each source last.
    r#"
    CREATE TABLE source_lease (
        source   TEXT PRIMARY KEY,
        worker   TEXT,
        until    TEXT,
        done_for TEXT
    );
    ALTER TABLE source_status ADD COLUMN worker TEXT;
    "#,
    // 18: the removed parties, indexed apart: after every check that changed something, those
    // whose listing is not known are looked for (every entry was read to find the few).
    r#"
    CREATE INDEX entry_removals ON entry (regime, code) WHERE removal = 1;
    "#,
];

pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    // A current schema is the common case: read its version without taking the write lock or
    // writing anything (every command opens the store).
    let current = conn.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))?;
    if current as usize == MIGRATIONS.len() {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Exclusive)?;
    let version: usize =
        tx.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))? as usize;
    if version > MIGRATIONS.len() {
        return Err(rusqlite::Error::InvalidParameterName(format!(
            "database schema version {version} is newer than this regwatch ({}); upgrade regwatch",
            MIGRATIONS.len()
        )));
    }
    for sql in &MIGRATIONS[version..] {
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", MIGRATIONS.len() as i64)?;
    tx.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database file as schema `version` left it, with `rows` inserted.
    fn database_at(
        path: &std::path::Path,
        version: usize,
        rows: impl FnOnce(&rusqlite::Transaction<'_>),
    ) {
        let mut conn = Connection::open(path).unwrap();
        let tx = conn.transaction().unwrap();
        for sql in &MIGRATIONS[..version] {
            tx.execute_batch(sql).unwrap();
        }
        tx.pragma_update(None, "user_version", version as i64)
            .unwrap();
        rows(&tx);
        tx.commit().unwrap();
    }

    #[test]
    fn migrating_twice_is_a_no_op() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        migrate(&mut conn).unwrap();
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, MIGRATIONS.len() as i64);
    }

    #[test]
    fn version_5_reads_url_and_hash_from_the_snapshot_and_loses_none() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("old.db");
        // A database as version 4 left it: changes and text versions carry URL and hash.
        database_at(&path, 4, |tx| {
            let text = zstd::bulk::compress(b"Announcement No. 62", 3).unwrap();
            tx.execute_batch(
                "INSERT INTO snapshot (id, url, sha256, final_url, status, headers, body, size,
                                       first_seen, last_seen)
                 VALUES (7, 'https://example.gov/a.html', 'aaaa', 'https://example.gov/a.html',
                         200, '[]', x'', 0, 't', 't');
                 INSERT INTO announcement (key, authorities, year, number, title, effective,
                                           snapshot, first_seen, updated)
                 VALUES ('MOFCOM-2025-62', '[]', 2025, 62, 'No. 62', '[]', 7, 't', 't');
                 INSERT INTO change (uid, kind, announcement, url, sha256, observed_at)
                 VALUES ('c1', 'published', 'MOFCOM-2025-62', 'https://example.gov/a.html',
                         'aaaa', '2025-10-09T00:00:00Z'),
                        ('c2', 'in-force', 'MOFCOM-2025-62', 'https://example.gov/a.html',
                         NULL, '2025-10-10T00:00:00Z'),
                        ('c3', 'published', 'MOFCOM-2025-62', 'https://example.gov/gone.html',
                         'bbbb', '2025-10-11T00:00:00Z');",
            )
            .unwrap();
            tx.execute(
                "INSERT INTO announcement_version (announcement, version, snapshot, sha256, url,
                                                  text, observed_at)
                 VALUES ('MOFCOM-2025-62', 1, 7, 'aaaa', 'https://example.gov/a.html', ?1, 't')",
                [text],
            )
            .unwrap();
        });
        let store = crate::store::Store::open(&path).unwrap();
        let seen: Vec<_> = store
            .changes(None, None)
            .unwrap()
            .into_iter()
            .map(|c| (c.uid, c.url, c.sha256))
            .collect();
        let some = |s: &str| Some(s.to_string());
        assert_eq!(
            seen,
            [
                (
                    "c1".into(),
                    some("https://example.gov/a.html"),
                    some("aaaa")
                ),
                ("c2".into(), some("https://example.gov/a.html"), None),
                // No snapshot has these: they stay on the row.
                (
                    "c3".into(),
                    some("https://example.gov/gone.html"),
                    some("bbbb")
                ),
            ]
        );
        let v = &store.text_versions("MOFCOM-2025-62").unwrap()[0];
        assert_eq!(
            (v.url.as_str(), v.sha256.as_str(), v.text.as_str()),
            ("https://example.gov/a.html", "aaaa", "Announcement No. 62")
        );
    }

    #[test]
    fn version_7_carries_a_current_versions_last_sighting_to_its_page() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("old.db");
        database_at(&path, 6, |tx| {
            tx.execute_batch(
                "INSERT INTO snapshot (id, url, sha256, final_url, status, headers, body, size,
                                       first_seen, last_seen)
                 VALUES (7, 'https://example.gov/a.html', 'aaaa', 'https://example.gov/a.html',
                         200, '[]', x'', 0, '2025-10-09T00:00:00Z', '2025-11-01T00:00:00Z');
                 INSERT INTO page (url, source, role, snapshot, last_checked)
                 VALUES ('https://example.gov/a.html', 'mofcom', 'announcement', 7,
                         '2025-11-01T00:00:00Z');",
            )
            .unwrap();
        });
        let store = crate::store::Store::open(&path).unwrap();
        assert_eq!(
            store.snapshot_seen(7).unwrap(),
            Some((
                "2025-10-09T00:00:00Z".to_string(),
                "2025-11-01T00:00:00Z".to_string()
            ))
        );
        // Carried on through version 9, to the sighting of the page's current version.
        let sighting: String = store
            .conn()
            .query_row("SELECT at FROM sighting WHERE snapshot = 7", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(sighting, "2025-11-01T00:00:00Z");
    }
}
