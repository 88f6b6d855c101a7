//! The change log, its deliveries, and how each source's checks went.

use super::*;
use crate::store::sql::{OptionalExtension, params};

impl Tx<'_> {
    /// Records, before a message leaves, that it carries these changes to these recipients. A
    /// crash after this leaves `sending` rows: the next run sends the same message again.
    pub fn mark_sending(
        &self,
        channel: &str,
        message_id: &str,
        changes: &[String],
        recipients: &[String],
        now: &str,
    ) -> Result<(), StoreError> {
        for c in changes {
            for r in recipients {
                self.run(
                    "INSERT INTO delivery (change, channel, recipient, message_id, state, attempts, updated_at)
                     VALUES (?1, ?2, ?3, ?4, 'sending', 1, ?5)
                     ON CONFLICT (change, channel, recipient) DO UPDATE SET message_id = ?4,
                        state = 'sending', attempts = delivery.attempts + 1, updated_at = ?5",
                    params![c, channel, r, message_id, now],
                )?;
            }
        }
        Ok(())
    }

    /// The server accepted the message (`Ok`), or refused it or could not be reached (`Err`).
    pub fn mark_outcome(
        &self,
        channel: &str,
        message_id: &str,
        outcome: Result<(), &str>,
        now: &str,
    ) -> Result<(), StoreError> {
        match outcome {
            Ok(()) => self.run(
                "UPDATE delivery SET state = 'sent', sent_at = ?3, updated_at = ?3, last_error = NULL
                 WHERE channel = ?1 AND message_id = ?2",
                params![channel, message_id, now],
            )?,
            Err(e) => self.run(
                "UPDATE delivery SET state = 'failed', last_error = ?3, updated_at = ?4
                 WHERE channel = ?1 AND message_id = ?2",
                params![channel, message_id, e, now],
            )?,
        };
        Ok(())
    }

    /// Appends a change, with a stable id derived from its content: the same observation of the
    /// same pages yields the same id in any database (two replays of the demo agree), so ids can
    /// be quoted in tickets and mails.
    pub fn record_change(&self, c: &NewChange<'_>) -> Result<String, StoreError> {
        let before = c.before.as_ref().map(|v| v.to_string());
        let after = c.after.as_ref().map(|v| v.to_string());
        let identity = [
            c.kind,
            c.regime.unwrap_or(""),
            c.code.unwrap_or(""),
            c.announcement,
            before.as_deref().unwrap_or(""),
            after.as_deref().unwrap_or(""),
            c.observed_at,
        ]
        .join("\u{1f}");
        let uid = format!("c{}", &sha256_hex(identity.as_bytes())[..15]);
        self.tx.defer_row(
            &rows::CHANGE,
            params![
                uid,
                c.kind,
                c.regime,
                c.code,
                c.announcement,
                before,
                after,
                match c.evidence {
                    Evidence::Url(u) => Some(u),
                    _ => None,
                },
                match c.evidence {
                    Evidence::Snapshot(id) => Some(id),
                    _ => None,
                },
                c.observed_at
            ],
        )?;
        Ok(uid)
    }

    /// The outcome of one source's check, for `regwatch sources` and the reports' currency line.
    pub fn source_last_success(&self, source: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .one(
                "SELECT last_success FROM source_status WHERE id = ?1",
                [source],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    /// Records how a source's check went; returns its consecutive failures before and after,
    /// so the caller can report a source that starts failing, or recovers, once.
    pub fn record_source_outcome(
        &self,
        source: &str,
        error: Option<&str>,
        now: &str,
    ) -> Result<(i64, i64), StoreError> {
        let before: i64 = self
            .one(
                "SELECT consecutive_failures FROM source_status WHERE id = ?1",
                [source],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0);
        match error {
            None => self.run(
                "INSERT INTO source_status (id, last_attempt, last_success, consecutive_failures)
                 VALUES (?1, ?2, ?2, 0)
                 ON CONFLICT (id) DO UPDATE SET last_attempt = ?2, last_success = ?2, consecutive_failures = 0,
                    worker = NULL",
                params![source, now],
            )?,
            Some(e) => self.run(
                "INSERT INTO source_status (id, last_attempt, last_error, last_failure, consecutive_failures)
                 VALUES (?1, ?2, ?3, ?2, 1)
                 ON CONFLICT (id) DO UPDATE SET last_attempt = ?2, last_error = ?3, last_failure = ?2,
                    consecutive_failures = source_status.consecutive_failures + 1, worker = NULL",
                params![source, now, e],
            )?,
        };
        let after = if error.is_some() { before + 1 } else { 0 };
        Ok((before, after))
    }
}
