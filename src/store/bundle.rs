//! Reading what an evidence bundle holds: every stored version of the pages behind an
//! announcement, byte for byte, with what the server said and when regwatch saw it.

use super::sql::params_from_iter;

use super::{Headers, Store, StoreError, read};

/// One stored version of a page, as evidence.
#[derive(Debug, Clone)]
pub struct StoredVersion {
    pub id: i64,
    pub url: String,
    pub final_url: String,
    pub status: i64,
    pub headers: Headers,
    pub sha256: String,
    pub first_seen: String,
    pub last_seen: String,
    pub body: Vec<u8>,
}

impl Store {
    /// Every stored version of the pages at `urls`, and the versions with the ids in `also` (the
    /// evidence of changes), oldest first, without duplicates.
    pub fn versions_of(
        &self,
        urls: &[String],
        also: &[i64],
    ) -> Result<Vec<StoredVersion>, StoreError> {
        let mut ids: Vec<i64> = Vec::new();
        if !urls.is_empty() {
            let marks = vec!["?"; urls.len()].join(", ");
            let mut stmt = self.conn().prepare(&format!(
                "SELECT id FROM snapshot WHERE url IN ({marks}) ORDER BY id"
            ))?;
            let rows = stmt.query_map(params_from_iter(urls.iter()), |r| r.get::<_, i64>(0))?;
            for r in rows {
                ids.push(r?);
            }
        }
        ids.extend(also.iter().copied().filter(|id| *id > 0));
        ids.sort_unstable();
        ids.dedup();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let (url, final_url, status, sha256): (String, String, i64, String) =
                self.conn().query_row(
                    "SELECT url, CASE final_url WHEN '' THEN url ELSE final_url END, status, sha256
                     FROM snapshot WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )?;
            let (body, headers) = read::snapshot_body(self.conn(), id)?;
            let (first_seen, last_seen) = self.snapshot_seen(id)?.unwrap_or_default();
            out.push(StoredVersion {
                id,
                url,
                final_url,
                status,
                headers,
                sha256,
                first_seen,
                last_seen,
                body,
            });
        }
        Ok(out)
    }

    /// The snapshot ids the changes caused by `key` cite as their evidence.
    pub fn change_snapshots(&self, key: &str) -> Result<Vec<i64>, StoreError> {
        let mut stmt = self.conn().prepare(
            "SELECT DISTINCT snapshot FROM change WHERE announcement = ?1 AND snapshot IS NOT NULL",
        )?;
        let rows = stmt.query_map([key], |r| r.get::<_, i64>(0))?;
        Ok(rows.collect::<crate::store::sql::Result<_>>()?)
    }
}
