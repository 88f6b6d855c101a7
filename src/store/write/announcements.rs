//! Announcements as read: their rows, entries, relations, URLs, text versions, translations,
//! doubts and corrections, and the codes their changes mark for the status pass.

use super::*;
use crate::store::sql::{OptionalExtension, params};

/// The tables [`Tx::read_ahead_announcements`] looks in, as named in `absent`.
const ANNOUNCEMENT: &str = "announcement";
const ENTRY: &str = "entry";
const VERSION: &str = "announcement_version";
const CORRECTION: &str = "correction";

impl Tx<'_> {
    /// Reads ahead, for the announcements a batch's pages were read as, which have no rows yet
    /// (in `announcement`, `entry`, `announcement_version`, `correction`): recording a new
    /// announcement then asks none of these (five round trips a page on PostgreSQL).
    pub fn read_ahead_announcements(&self, keys: &[&str]) -> Result<(), StoreError> {
        if keys.is_empty() {
            return Ok(());
        }
        let keys_json = serde_json::to_string(keys)?;
        let mut stmt = self.tx.prepare_cached(self.tx.pick(
            "SELECT k.value,
                    NOT EXISTS (SELECT 1 FROM announcement a WHERE a.key = k.value),
                    NOT EXISTS (SELECT 1 FROM entry e WHERE e.announcement = k.value),
                    NOT EXISTS (SELECT 1 FROM announcement_version v WHERE v.announcement = k.value),
                    NOT EXISTS (SELECT 1 FROM correction c WHERE c.announcement = k.value)
             FROM json_each(?1) AS k",
            // A lookup per key (`LIMIT`): as `NOT EXISTS`, the planner hashed each table whole.
            "SELECT k.key,
                    (SELECT 1 FROM announcement a WHERE a.key = k.key COLLATE \"C\" LIMIT 1) IS NULL,
                    (SELECT 1 FROM entry e WHERE e.announcement = k.key COLLATE \"C\" LIMIT 1) IS NULL,
                    (SELECT 1 FROM announcement_version v
                     WHERE v.announcement = k.key COLLATE \"C\" LIMIT 1) IS NULL,
                    (SELECT 1 FROM correction c WHERE c.announcement = k.key COLLATE \"C\" LIMIT 1) IS NULL
             FROM json_array_elements_text(CAST(?1 AS json)) AS k(key)",
        ))?;
        let rows = stmt.query_map([keys_json], |r| {
            Ok((
                r.get::<_, String>(0)?,
                [r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?],
            ))
        })?;
        let mut absent = self.absent.borrow_mut();
        for row in rows {
            let (key, none): (String, [bool; 4]) = row?;
            for (table, none) in [ANNOUNCEMENT, ENTRY, VERSION, CORRECTION]
                .into_iter()
                .zip(none)
            {
                if none {
                    absent.insert((table, key.clone()));
                }
            }
        }
        Ok(())
    }

    /// Reads ahead the stored announcements among `keys` (those a batch's pages were read as),
    /// whole, with their last text versions: [`Tx::announcement`], [`Tx::latest_text_version`],
    /// the doubts and entries an amendment replaces, and the version number it takes are then
    /// known without asking, until this transaction writes to the announcement.
    pub fn read_ahead_prior(&self, keys: &[&str]) -> Result<(), StoreError> {
        let stored: Vec<&str> = keys
            .iter()
            .copied()
            .filter(|k| !self.is_absent(ANNOUNCEMENT, k))
            .collect();
        if stored.is_empty() {
            return Ok(());
        }
        let mut latest = read::latest_text_versions(self.tx, &stored)?;
        let mut prior = self.prior.borrow_mut();
        let mut urls = self.snapshot_urls.borrow_mut();
        for (announcement, basis) in read::announcements_of(self.tx, &stored)? {
            if let Some(url) = basis {
                urls.insert(announcement.snapshot, url);
            }
            let key = announcement.key.clone();
            prior.insert(
                key.clone(),
                Prior {
                    announcement: Some(announcement),
                    latest: Some(latest.remove(&key)),
                },
            );
        }
        Ok(())
    }

    /// The codes a stored announcement listed, as read ahead (none when it was not).
    pub fn prior_codes(&self, key: &str) -> Vec<(String, String)> {
        self.prior_of(key, |a| {
            a.entries
                .iter()
                .map(|e| (e.regime.clone(), e.code.clone()))
                .collect()
        })
        .unwrap_or_default()
    }

    /// What was read ahead of a stored announcement, if nothing of it was written since.
    fn prior_of<T>(&self, key: &str, f: impl FnOnce(&KnownAnnouncement) -> T) -> Option<T> {
        self.prior
            .borrow()
            .get(key)
            .and_then(|p| p.announcement.as_ref())
            .map(f)
    }

    /// The last text version read ahead of a stored announcement (`Some(None)`: none), if no
    /// version was added since.
    fn prior_latest(&self, key: &str) -> Option<Option<read::TextVersion>> {
        self.prior.borrow().get(key).and_then(|p| p.latest.clone())
    }

    /// This transaction writes to the announcement: what was read ahead of it is stale.
    fn forget_prior(&self, key: &str) {
        if let Some(p) = self.prior.borrow_mut().get_mut(key) {
            p.announcement = None;
        }
    }

    /// Whether the read-ahead found `table` without rows for `key`, none written since.
    fn is_absent(&self, table: &'static str, key: &str) -> bool {
        self.absent.borrow().contains(&(table, key.to_string()))
    }

    /// `table` now has rows for `key`.
    fn written(&self, table: &'static str, key: &str) {
        self.absent.borrow_mut().remove(&(table, key.to_string()));
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
        if self.is_absent(ANNOUNCEMENT, key) {
            return Ok(Vec::new());
        }
        if let Some(doubts) = self.prior_of(key, |a| a.doubts.clone()) {
            return Ok(doubts);
        }
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
            self.forget_prior(key);
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
        self.forget_prior(key);
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
        self.forget_prior(announcement);
        for code in [from, to] {
            self.listing
                .borrow_mut()
                .remove(&(regime.to_string(), code.to_string()));
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
        self.written(CORRECTION, announcement);
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
        if self.is_absent(CORRECTION, announcement) {
            return Ok(Vec::new());
        }
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

    /// The last version of an announcement's text, if it has one.
    pub fn latest_text_version(&self, key: &str) -> Result<Option<read::TextVersion>, StoreError> {
        if let Some(latest) = self.prior_latest(key) {
            return Ok(latest);
        }
        read::latest_text_version(self.tx, key)
    }

    /// Adds a version of an announcement's text; returns its number.
    pub fn add_text_version(
        &self,
        key: &str,
        page: &RecordedPage,
        text: &str,
        now: &str,
    ) -> Result<i64, StoreError> {
        let ahead = self
            .prior_latest(key)
            .map(|latest| latest.map_or(1, |v| v.version + 1));
        let version: i64 = if self.is_absent(VERSION, key) {
            1
        } else if let Some(next) = ahead {
            next
        } else {
            self.tx
                .prepare_cached(
                    "SELECT COALESCE(MAX(version), 0) + 1 FROM announcement_version WHERE announcement = ?1",
                )?
                .query_row([key], |r| r.get(0))?
        };
        // Kept compressed, against the page's dictionary when it has one (the text's words are
        // in the page it was read from): the text of every version of every announcement is
        // the bulk of the store otherwise.
        let dict = page.dictionary.as_ref();
        let text = evidence::compress(text.as_bytes(), dict.map(|(_, d)| &**d))?;
        self.tx.defer_row(
            &rows::VERSION,
            params![
                key,
                version,
                page.snapshot,
                text,
                now,
                dict.map(|(id, _)| *id)
            ],
        )?;
        self.written(VERSION, key);
        if let Some(p) = self.prior.borrow_mut().get_mut(key) {
            p.latest = None;
        }
        Ok(version)
    }

    pub fn announcement(&self, key: &str) -> Result<Option<KnownAnnouncement>, StoreError> {
        if self.is_absent(ANNOUNCEMENT, key) {
            return Ok(None);
        }
        if let Some(a) = self.prior_of(key, KnownAnnouncement::clone) {
            return Ok(Some(a));
        }
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

    /// Reads ahead which announcements list each of `codes` (`(regime, code)` pairs, those a
    /// batch's pages list): [`Tx::codes_listed_elsewhere`] then answers for them without asking.
    pub fn read_ahead_codes(&self, codes: &[(&str, &str)]) -> Result<(), StoreError> {
        if codes.is_empty() {
            return Ok(());
        }
        let pairs = serde_json::to_string(codes)?;
        let mut stmt = self.tx.prepare_cached(self.tx.pick(
            "SELECT json_extract(c.value, '$[0]'), json_extract(c.value, '$[1]'), e.announcement
             FROM json_each(?1) AS c
             CROSS JOIN entry e ON e.regime = json_extract(c.value, '$[0]')
                               AND e.code = json_extract(c.value, '$[1]')",
            // A lookup per code (`OFFSET 0` keeps the subquery from being flattened into a
            // hash join over every entry).
            "SELECT c.pair->>0, c.pair->>1, e.announcement
             FROM json_array_elements(CAST(?1 AS json)) AS c(pair),
             LATERAL (SELECT announcement FROM entry e
                      WHERE e.regime = (c.pair->>0) COLLATE \"C\"
                        AND e.code = (c.pair->>1) COLLATE \"C\" OFFSET 0) AS e",
        ))?;
        let rows = stmt.query_map([pairs], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        let mut listing = self.listing.borrow_mut();
        for (regime, code) in codes {
            listing
                .entry((regime.to_string(), code.to_string()))
                .or_default();
        }
        for row in rows {
            let (regime, code, announcement): (String, String, String) = row?;
            listing
                .entry((regime, code))
                .or_default()
                .insert(announcement);
        }
        Ok(())
    }

    /// Which of `codes` an announcement of `regime` other than `except` lists: answered from
    /// the batch's read-ahead where it can, the rest in one query, so that codes no other
    /// announcement lists (every code, on a first check; most, when an announcement is
    /// amended) need no lookup of the entry the list holds.
    pub fn codes_listed_elsewhere<'c>(
        &self,
        regime: &str,
        codes: impl IntoIterator<Item = &'c str>,
        except: &str,
    ) -> Result<std::collections::HashSet<String>, StoreError> {
        let mut found = std::collections::HashSet::new();
        let mut ask = Vec::new();
        {
            let listing = self.listing.borrow();
            for code in codes {
                match listing.get(&(regime.to_string(), code.to_string())) {
                    Some(by) => {
                        if by.iter().any(|a| a != except) {
                            found.insert(code.to_string());
                        }
                    }
                    None => ask.push(code),
                }
            }
        }
        if ask.is_empty() {
            return Ok(found);
        }
        let codes = serde_json::to_string(&ask)?;
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
        for code in stmt.query_map(params![regime, codes, except], |r| r.get(0))? {
            found.insert(code?);
        }
        Ok(found)
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
        self.tx.defer_row(
            &rows::ANNOUNCEMENT,
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
        // A new announcement has no relations to replace.
        let new = self.is_absent(ANNOUNCEMENT, &a.key);
        self.written(ANNOUNCEMENT, &a.key);
        self.put_entries(a)?;
        self.written(ENTRY, &a.key);
        if !new {
            self.run("DELETE FROM relation WHERE announcement = ?1", [&a.key])?;
        }
        {
            for (i, r) in a.relations.iter().enumerate() {
                self.tx.defer_row(
                    &rows::RELATION,
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
        self.add_url(&a.key, url, now)?;
        self.forget_prior(&a.key);
        Ok(())
    }

    /// An announcement's entries as `a` lists them (the first of duplicate codes), writing only
    /// the rows that differ. Deleting and inserting them all touched, for every code it lists,
    /// a leaf of the `entry_by_code` index scattered across the file: most of the pages an
    /// amended announcement wrote, when one entry of seven had moved.
    fn put_entries(&self, a: &Announcement) -> Result<(), StoreError> {
        let new = self.is_absent(ENTRY, &a.key);
        let ahead = self.prior_of(&a.key, |p| {
            p.entries
                .iter()
                .map(|e| (e.regime.clone(), e.code.clone()))
                .collect()
        });
        let stored: std::collections::HashSet<(String, String)> = if new {
            Default::default()
        } else if let Some(stored) = ahead {
            stored
        } else {
            self.tx
                .prepare_cached("SELECT regime, code FROM entry WHERE announcement = ?1")?
                .query_map([&a.key], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<crate::store::sql::Result<_>>()?
        };
        use crate::store::sql::Value;
        let mut listed = std::collections::HashSet::new();
        let mut rows = Vec::with_capacity(a.entries.len());
        for (i, e) in a.entries.iter().enumerate() {
            // The first of duplicate codes (one statement's rows must not conflict).
            if !listed.insert((e.regime.as_str(), e.code.as_str())) {
                continue;
            }
            rows.push(vec![
                Value::Text(a.key.clone()),
                Value::Text(e.regime.clone()),
                Value::Text(e.code.clone()),
                Value::Integer(i as i64),
                Value::Text(e.description.clone()),
                Value::Text(e.item_type.as_str().to_string()),
                Value::Text(serde_json::to_string(&e.hs_codes)?),
                e.clause.clone().map_or(Value::Null, Value::Text),
                Value::Integer(e.removal as i64),
            ]);
        }
        for row in &rows {
            let values: Vec<&dyn crate::store::sql::ToValue> = row
                .iter()
                .map(|v| v as &dyn crate::store::sql::ToValue)
                .collect();
            // A new announcement's rows conflict with none: a plain insert (the server checks
            // for a conflict, and prepares to update, for every row of an upsert).
            self.tx
                .defer_row(if new { &rows::NEW_ENTRY } else { &rows::ENTRY }, &values)?;
        }
        // What the batch read ahead of these codes follows.
        {
            let mut listing = self.listing.borrow_mut();
            for (regime, code) in &stored {
                if let Some(by) = listing.get_mut(&(regime.clone(), code.clone())) {
                    by.remove(&a.key);
                }
            }
            for (regime, code) in &listed {
                if let Some(by) = listing.get_mut(&(regime.to_string(), code.to_string())) {
                    by.insert(a.key.clone());
                }
            }
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

    pub fn add_url(&self, key: &str, url: &str, now: &str) -> Result<(), StoreError> {
        self.forget_prior(key);
        self.tx
            .defer_row(&rows::ANNOUNCEMENT_URL, params![key, url, now])?;
        Ok(())
    }
}
