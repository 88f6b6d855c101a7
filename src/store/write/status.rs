//! Statuses: what the last status pass recorded per code, the codes marked since, the regimes,
//! and the store's own notes (`meta`).

use super::*;
use crate::store::sql::{OptionalExtension, params};

impl Tx<'_> {
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
        // A lookup per dirty code, as `read::dirty_entries` does.
        let mut stmt = self.tx.prepare_cached(self.tx.pick(
            "SELECT s.regime, s.code, s.status, s.status_by, s.until
             FROM status_dirty d CROSS JOIN entry_status s ON s.regime = d.regime AND s.code = d.code
             ORDER BY s.regime, s.code",
            "SELECT s.regime, s.code, s.status, s.status_by, s.until
             FROM status_dirty d,
                  LATERAL (SELECT * FROM entry_status s
                           WHERE s.regime = d.regime AND s.code = d.code OFFSET 0) AS s
             ORDER BY s.regime, s.code",
        ))?;
        each_status(stmt.query([])?, f)
    }

    /// Records many codes' statuses (`regime, code, status, status_by, until`), a statement per
    /// chunk of rows. Each code once; `new`: none of them has a status stored.
    pub fn put_entry_statuses(
        &self,
        rows: &[(&str, &str, &str, &str, Option<NaiveDate>)],
        new: bool,
    ) -> Result<(), StoreError> {
        let table = if new {
            &rows::ENTRY_STATUS_NEW
        } else {
            &rows::ENTRY_STATUS
        };
        use crate::store::sql::Value;
        let rows: Vec<Vec<Value>> = rows
            .iter()
            .map(|(regime, code, status, by, until)| {
                vec![
                    Value::Text(regime.to_string()),
                    Value::Text(code.to_string()),
                    Value::Text(status.to_string()),
                    Value::Text(by.to_string()),
                    until.map_or(Value::Null, |d| Value::Text(d.to_string())),
                ]
            })
            .collect();
        for row in &rows {
            let values: Vec<&dyn crate::store::sql::ToValue> = row
                .iter()
                .map(|v| v as &dyn crate::store::sql::ToValue)
                .collect();
            self.tx.defer_row(table, &values)?;
        }
        Ok(())
    }

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
        let slot = format!("meta:{key}");
        if let Some(v) = self.known.borrow().get(&slot) {
            return Ok(v.clone());
        }
        let value: Option<String> = self
            .one("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?;
        if !self.tx.is_prefetching() {
            // (Sent ahead, the answer is no row: not to be kept.)
            self.known.borrow_mut().insert(slot, value.clone());
        }
        Ok(value)
    }

    /// Whether a status pass has run on this store (once it has, it always has).
    pub fn status_pass_ran(&self) -> Result<bool, StoreError> {
        use crate::store::STATUS_PASS_RAN as RAN;
        if self.settled(RAN).is_some() {
            return Ok(true);
        }
        let ran = self.meta(STATUS_PASS)?.is_some();
        if ran {
            self.learn(RAN.to_string(), String::new());
        }
        Ok(ran)
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.run(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        self.known
            .borrow_mut()
            .insert(format!("meta:{key}"), Some(value.to_string()));
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
