//! Announcements as read: their rows, entries, relations, URLs, text versions, translations,
//! doubts and corrections, and the codes their changes mark for the status pass.

use super::ahead::{ANNOUNCEMENT, CORRECTION, ENTRY, VERSION};
use super::*;
use crate::store::sql::{OptionalExtension, params};

impl Tx<'_> {
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
        // A new announcement has no entries or relations to replace; a stored one read ahead
        // says what it has without asking.
        let new = self.is_absent(ANNOUNCEMENT, &a.key);
        let stored: Option<(Vec<(String, String)>, bool)> = if new {
            Some((Vec::new(), false))
        } else {
            self.prior_of(&a.key, |p| {
                let codes = p.entries.iter().map(|e| (e.regime.clone(), e.code.clone()));
                (codes.collect(), !p.relations.is_empty())
            })
        };
        // The codes this version may move, before and after: its own, and those of the
        // announcements its relations act on. Not needed before the first status pass, which
        // reads everything (and a first check writes thousands of entries).
        let dirty = self.status_pass_ran()?;
        if dirty {
            match &stored {
                Some((codes, false)) => self.mark_codes_dirty(codes)?,
                _ => self.mark_dirty(&a.key)?,
            }
        }
        self.written(ANNOUNCEMENT, &a.key);
        self.put_entries(a)?;
        self.written(ENTRY, &a.key);
        if !matches!(stored, Some((_, false))) {
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
            if a.relations.is_empty() {
                let codes: Vec<(String, String)> = a
                    .entries
                    .iter()
                    .map(|e| (e.regime.clone(), e.code.clone()))
                    .collect();
                self.mark_codes_dirty(&codes)?;
            } else {
                self.mark_dirty(&a.key)?;
            }
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

    /// Marks `codes` for the status pass: rows held with the batch's others (one statement for
    /// the batch on PostgreSQL), each code once a transaction. What [`Tx::mark_dirty`] asks the
    /// store, for an announcement whose codes are known and that acts on no other.
    fn mark_codes_dirty(&self, codes: &[(String, String)]) -> Result<(), StoreError> {
        let mut dirtied = self.dirtied.borrow_mut();
        for (regime, code) in codes {
            if dirtied.insert((regime.clone(), code.clone())) {
                self.tx
                    .defer_row(&rows::STATUS_DIRTY, params![regime, code])?;
            }
        }
        Ok(())
    }

    /// Marks for the status pass the codes the announcement `key` lists as stored now, and
    /// those of the announcements its relations act on.
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
