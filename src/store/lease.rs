//! Several workers sharing the sources: a source's occurrence (the scheduled time it is due for)
//! is checked by one worker. A worker claims it with a lease (`source_lease`): free, or held past
//! its expiry by a worker that died, and not yet checked for that occurrence. On PostgreSQL the
//! row is locked while claiming (`FOR UPDATE SKIP LOCKED`: a worker never waits on another's
//! claim); SQLite's write transactions are exclusive already.

use super::sql::{OptionalExtension, params};
use super::{Store, StoreError};

/// What a claim found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This worker holds the lease: it checks the source.
    Taken,
    /// Another worker holds it until `until` (`None`: it is claiming it at this moment).
    Held { by: String, until: Option<String> },
    /// The occurrence has been checked already.
    Done,
}

impl Store {
    /// Claims `source` for the occurrence due at `due`, until `until` unless renewed. Times are
    /// the store's (`YYYY-MM-DDTHH:MM:SSZ`), which compare as text.
    pub fn claim(
        &mut self,
        source: &str,
        worker: &str,
        due: &str,
        now: &str,
        until: &str,
    ) -> Result<Claim, StoreError> {
        let tx = self.lease_transaction()?;
        tx.tx.execute(
            "INSERT INTO source_lease (source) VALUES (?1) ON CONFLICT DO NOTHING",
            [source],
        )?;
        let row: Option<(Option<String>, Option<String>, Option<String>)> = tx
            .tx
            .query_row(
                tx.tx.pick(
                    "SELECT worker, until, done_for FROM source_lease WHERE source = ?1",
                    "SELECT worker, until, done_for FROM source_lease WHERE source = ?1
                     FOR UPDATE SKIP LOCKED",
                ),
                [source],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let claim = match row {
            None => Claim::Held {
                by: "another worker".into(),
                until: None,
            },
            Some((_, _, Some(done))) if done.as_str() >= due => Claim::Done,
            Some((Some(by), Some(held), _)) if held.as_str() > now && by != worker => Claim::Held {
                by,
                until: Some(held),
            },
            Some(_) => {
                tx.tx.execute(
                    "UPDATE source_lease SET worker = ?2, until = ?3 WHERE source = ?1",
                    [source, worker, until],
                )?;
                Claim::Taken
            }
        };
        tx.commit()?;
        Ok(claim)
    }

    /// Extends this worker's leases on `sources` to `until` (a long check keeps them).
    pub fn renew(&self, worker: &str, sources: &[String], until: &str) -> Result<(), StoreError> {
        for s in sources {
            self.conn().execute(
                "UPDATE source_lease SET until = ?3 WHERE source = ?1 AND worker = ?2",
                [s.as_str(), worker, until],
            )?;
        }
        Ok(())
    }

    /// Gives the lease back with the occurrence checked, and names this worker as the one that
    /// checked the source last.
    pub fn release(&self, source: &str, worker: &str, due: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE source_lease SET worker = NULL, until = NULL,
                done_for = CASE WHEN done_for > ?3 THEN done_for ELSE ?3 END
             WHERE source = ?1 AND worker = ?2",
            params![source, worker, due],
        )?;
        self.conn().execute(
            "UPDATE source_status SET worker = ?2 WHERE id = ?1",
            params![source, worker],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_occurrence_is_claimed_once_and_a_dead_workers_lease_expires() {
        let mut s = Store::open_in_memory().unwrap();
        let t = |m: u32| format!("2026-11-30T08:{m:02}:00Z");
        assert_eq!(
            s.claim("src", "a", &t(0), &t(0), &t(10)).unwrap(),
            Claim::Taken
        );
        // Another worker, same occurrence, while the lease holds.
        assert_eq!(
            s.claim("src", "b", &t(0), &t(1), &t(11)).unwrap(),
            Claim::Held {
                by: "a".into(),
                until: Some(t(10))
            }
        );
        s.release("src", "a", &t(0)).unwrap();
        // Done for that occurrence, whoever asks.
        assert_eq!(
            s.claim("src", "b", &t(0), &t(2), &t(12)).unwrap(),
            Claim::Done
        );
        // The next occurrence: b takes it, then dies; past the expiry, c takes it over.
        assert_eq!(
            s.claim("src", "b", &t(5), &t(5), &t(15)).unwrap(),
            Claim::Taken
        );
        assert!(matches!(
            s.claim("src", "c", &t(5), &t(14), &t(24)).unwrap(),
            Claim::Held { .. }
        ));
        assert_eq!(
            s.claim("src", "c", &t(5), &t(16), &t(26)).unwrap(),
            Claim::Taken
        );
        // b's late release does not undo c's lease.
        s.release("src", "b", &t(5)).unwrap();
        assert!(matches!(
            s.claim("src", "d", &t(5), &t(17), &t(27)).unwrap(),
            Claim::Held { .. }
        ));
    }
}
