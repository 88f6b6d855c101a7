//! What a batch reads ahead, in a few queries for all its pages, so that recording each asks
//! nothing of the store: which announcements have no rows yet, what is stored of the others
//! (whole, with their last text version), and which announcements list each code. Every
//! answer read ahead is forgotten, or kept current, as soon as the transaction writes what it
//! answers for.

use super::*;
use crate::store::sql::params;

/// The tables [`Tx::read_ahead_announcements`] looks in, as named in `absent`.
pub(super) const ANNOUNCEMENT: &str = "announcement";
pub(super) const ENTRY: &str = "entry";
pub(super) const VERSION: &str = "announcement_version";
pub(super) const CORRECTION: &str = "correction";

/// What a batch of a check's observations is about to record, for [`Tx::read_ahead_batch`].
pub struct BatchReads<'a> {
    /// Its pages but those only confirmed: each URL, with the hash of the bytes fetched now.
    pub pages: &'a [(&'a str, Option<&'a str>)],
    /// The announcements its new pages were read as.
    pub keys: &'a [&'a str],
    /// Some of those pages had a version believed as the check began: their announcements are
    /// most likely stored.
    pub stored_likely: bool,
    /// The codes its pages list, sorted.
    pub codes: &'a [(&'a str, &'a str)],
    /// Some page has new bytes: the batch hands out snapshot ids.
    pub new_versions: bool,
    /// The batch is part of a source's first check, whose new announcements are recorded as a
    /// baseline: no entry is compared with the list's, so which announcements list their
    /// codes is not asked (a tenth of a first check's work on the server).
    pub baseline: bool,
}

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

    /// Reads ahead what recording a batch asks of the store ([`BatchReads`]): its pages' rows
    /// ([`Tx::read_ahead`]), which of its announcements have no rows yet
    /// ([`Tx::read_ahead_announcements`]), what is stored of the others
    /// ([`Tx::read_ahead_prior`]), which announcements list its codes
    /// ([`Tx::read_ahead_codes`]: those its pages list; then those their stored versions listed
    /// and they no longer do), the first new snapshot's id and whether a status pass has run.
    /// On PostgreSQL these queries go out together, one round trip instead of six; what is
    /// stored of the announcements is sent ahead only when some are likely stored, and asked
    /// afterwards when the first read finds some that were not expected.
    pub fn read_ahead_batch(&self, b: &BatchReads<'_>) -> Result<(), StoreError> {
        self.tx.prefetch(|| {
            // Answered with no rows: an error here (none is expected) comes back when the
            // same query is made below.
            let _ = self.batch_reads(b, true);
        });
        self.batch_reads(b, false)
    }

    fn batch_reads(&self, b: &BatchReads<'_>, ahead: bool) -> Result<(), StoreError> {
        self.read_ahead(b.pages)?;
        self.read_ahead_announcements(b.keys)?;
        if b.stored_likely || !ahead {
            self.read_ahead_prior(b.keys)?;
        }
        // Known only once the first read is answered: whether every announcement is new.
        let all_new = !ahead && b.keys.iter().all(|k| self.is_absent(ANNOUNCEMENT, k));
        let compared = !b.baseline || (ahead && b.stored_likely) || (!ahead && !all_new);
        if compared {
            self.read_ahead_codes(b.codes)?;
        }
        if !ahead {
            let dropped: std::collections::BTreeSet<(String, String)> = b
                .keys
                .iter()
                .flat_map(|k| self.prior_codes(k))
                .filter(|(r, c)| b.codes.binary_search(&(r.as_str(), c.as_str())).is_err())
                .collect();
            let dropped: Vec<(&str, &str)> = dropped
                .iter()
                .map(|(r, c)| (r.as_str(), c.as_str()))
                .collect();
            self.read_ahead_codes(&dropped)?;
        }
        if b.new_versions {
            self.read_ahead_snapshot_id()?;
        }
        if !b.keys.is_empty() {
            // Recording an announcement asks it (whether to mark its codes for the pass).
            self.status_pass_ran()?;
        }
        Ok(())
    }

    /// Reads ahead the stored announcements among `keys` (those a batch's pages were read as),
    /// whole, with their last text versions: [`Tx::announcement`], [`Tx::latest_text_version`],
    /// the doubts and entries an amendment replaces, and the version number it takes are then
    /// known without asking, until this transaction writes to the announcement. Nothing is
    /// asked when [`Tx::read_ahead_announcements`] found none of them stored; else all are
    /// (those without rows are not found), so that the queries are the ones
    /// [`Tx::read_ahead_of`] sent ahead.
    pub fn read_ahead_prior(&self, keys: &[&str]) -> Result<(), StoreError> {
        if keys.iter().all(|k| self.is_absent(ANNOUNCEMENT, k)) {
            return Ok(());
        }
        let mut latest = read::latest_text_versions(self.tx, keys)?;
        let mut prior = self.prior.borrow_mut();
        let mut urls = self.snapshot_urls.borrow_mut();
        for (announcement, basis) in read::announcements_of(self.tx, keys)? {
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
    pub(super) fn prior_codes(&self, key: &str) -> Vec<(String, String)> {
        self.prior_of(key, |a| {
            a.entries
                .iter()
                .map(|e| (e.regime.clone(), e.code.clone()))
                .collect()
        })
        .unwrap_or_default()
    }

    /// What was read ahead of a stored announcement, if nothing of it was written since.
    pub(super) fn prior_of<T>(
        &self,
        key: &str,
        f: impl FnOnce(&KnownAnnouncement) -> T,
    ) -> Option<T> {
        self.prior
            .borrow()
            .get(key)
            .and_then(|p| p.announcement.as_ref())
            .map(f)
    }

    /// The last text version read ahead of a stored announcement (`Some(None)`: none), if no
    /// version was added since.
    pub(super) fn prior_latest(&self, key: &str) -> Option<Option<read::TextVersion>> {
        self.prior.borrow().get(key).and_then(|p| p.latest.clone())
    }

    /// This transaction writes to the announcement: what was read ahead of it is stale.
    pub(super) fn forget_prior(&self, key: &str) {
        if let Some(p) = self.prior.borrow_mut().get_mut(key) {
            p.announcement = None;
        }
    }

    /// Whether the read-ahead found `table` without rows for `key`, none written since.
    pub(super) fn is_absent(&self, table: &'static str, key: &str) -> bool {
        self.absent.borrow().contains(&(table, key.to_string()))
    }

    /// `table` now has rows for `key`.
    pub(super) fn written(&self, table: &'static str, key: &str) {
        self.absent.borrow_mut().remove(&(table, key.to_string()));
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
        if self.tx.is_prefetching() {
            // Sent ahead, answered with no rows: nothing to keep.
            return Ok(());
        }
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
}
