//! `regwatch run`: checks each source and sends each digest on its own schedule, until stopped.
//!
//! One loop: sleep until the earliest job is due (or a stop is requested), run every job that is
//! due — the due sources in one check, then the due digests — and schedule each again from its
//! cron expression. A stop (SIGTERM, SIGINT) during the sleep ends the loop at once; during work,
//! pages not yet started are skipped, the write in progress is finished, and the loop ends.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;

use crate::check::{Checker, Stop};
use crate::clock::format_time;
use crate::config::{Config, CronSchedule, TimeZone};
use crate::notify::{self, Mode};
use crate::schedule::next_after;
use crate::store::lease::Claim;
use crate::store::lock::StoreLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Job {
    Source(usize),
    Digest(usize),
}

/// What a daemon run did, for its last log line and for tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunSummary {
    pub checks: usize,
    pub digests: usize,
}

/// A deterministic delay in `0..=jitter` seconds for one occurrence of one job: spreads
/// installations without a random number generator, and is the same on a rerun.
fn jitter(id: &str, at: DateTime<Utc>, jitter_secs: u64) -> chrono::Duration {
    if jitter_secs == 0 {
        return chrono::Duration::zero();
    }
    let h = crate::store::sha256_hex(format!("{id}@{}", at.timestamp()).as_bytes());
    let n = u64::from_str_radix(&h[..12], 16).unwrap_or(0);
    // The configured range (0..=86,400) is checked at load; the saturating add and the cap keep
    // this total even without it.
    let secs = n % jitter_secs.saturating_add(1);
    chrono::Duration::seconds(secs.min(86_400) as i64)
}

fn schedule_of(config: &Config, job: Job) -> (&CronSchedule, TimeZone, &str, u64) {
    match job {
        Job::Source(i) => {
            let s = &config.sources[i];
            (&s.schedule, s.timezone, &s.id.0, s.jitter_secs)
        }
        Job::Digest(i) => {
            let d = &config.digests[i];
            (&d.schedule, d.timezone, &d.name.0, 0)
        }
    }
}

fn next_run(config: &Config, job: Job, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let (cron, tz, id, jitter_secs) = schedule_of(config, job);
    let at = next_after(cron, tz, after)?;
    Some(at + jitter(id, at, jitter_secs))
}

/// How this worker runs beside others.
#[derive(Debug, Clone)]
pub struct Options {
    /// Ends the loop after that many check passes (for tests and one-off runs); `None` runs
    /// forever.
    pub max_checks: Option<usize>,
    /// The store's writer lock and how long to wait for it: held for each round on SQLite (one
    /// writer at a time; a `check` from cron runs between rounds), and while sending each digest
    /// on PostgreSQL (the outbox's rows are sent by one worker at a time). `None`: no lock.
    pub lock: Option<(crate::store::Location, Duration)>,
    /// This worker's name, recorded as the last to check each source it checks.
    pub worker: String,
    /// The labels of the sources this worker may check (`regions` in a source).
    pub labels: Vec<String>,
}

/// One scheduled job: when to look at it next, and the occurrence it is due for.
struct Slot {
    job: Job,
    wake: Option<DateTime<Utc>>,
    due: Option<DateTime<Utc>>,
}

/// Runs until `stop` is requested (and `wake` notified).
///
/// Each due source is claimed first ([`crate::store::lease`]): among workers sharing the store,
/// one checks each occurrence; a source held by another is looked at again when its lease
/// expires (its worker may have died) or at its next occurrence, whichever is first.
pub async fn run(
    checker: Checker,
    stop: Stop,
    wake: Arc<Notify>,
    options: Options,
) -> anyhow::Result<RunSummary> {
    let config = checker.config.clone();
    let lease = chrono::Duration::seconds(config.workers.lease_secs as i64);
    let start = checker.clock.now();
    let mut slots: Vec<Slot> = (0..config.sources.len())
        .filter(|i| config.sources[*i].for_worker(&options.labels))
        .map(Job::Source)
        .chain((0..config.digests.len()).map(Job::Digest))
        .map(|job| {
            let at = next_run(&config, job, start);
            Slot {
                job,
                wake: at,
                due: at,
            }
        })
        .collect();
    for slot in &slots {
        let (_, _, id, _) = schedule_of(&config, slot.job);
        match slot.wake {
            Some(t) => tracing::info!(job = id, next = %format_time(t), "scheduled"),
            None => tracing::warn!(job = id, "its schedule names no future time; never run"),
        }
    }
    let round_lock = options.lock.as_ref().filter(|(db, _)| !db.is_postgres());
    let digest_lock = options.lock.as_ref().filter(|(db, _)| db.is_postgres());
    let mut summary = RunSummary::default();
    loop {
        if stop.requested() {
            break;
        }
        let Some(when) = slots.iter().filter_map(|s| s.wake).min() else {
            tracing::warn!("nothing is scheduled; waiting for a stop");
            wake.notified().await;
            continue;
        };
        let wait = (when - checker.clock.now())
            .to_std()
            .unwrap_or(Duration::ZERO);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = wake.notified() => continue,
        }
        // The writer's lock, only while working: a `check` from cron can run between cycles.
        let _guard = match round_lock {
            None => None,
            Some((db, wait)) => match take_lock(db, *wait).await? {
                Ok(g) => Some(g),
                Err(e) => {
                    tracing::warn!(error = %e, "skipping this round");
                    let after = checker.clock.now();
                    for slot in &mut slots {
                        if slot.wake.is_some_and(|t| t <= after) {
                            slot.due = next_run(&config, slot.job, after);
                            slot.wake = slot.due;
                        }
                    }
                    continue;
                }
            },
        };
        let now = checker.clock.now();
        let mut claimed: Vec<(usize, String, DateTime<Utc>)> = Vec::new();
        for (n, slot) in slots.iter_mut().enumerate() {
            let (Job::Source(i), Some(due)) = (slot.job, slot.due) else {
                continue;
            };
            if slot.wake.is_none_or(|t| t > now) {
                continue;
            }
            let id = config.sources[i].id.0.clone();
            let (worker, times) = (
                options.worker.clone(),
                [format_time(due), format_time(now), format_time(now + lease)],
            );
            let source = id.clone();
            let claim = checker
                .db
                .call(move |s| s.claim(&source, &worker, &times[0], &times[1], &times[2]))
                .await?;
            match claim {
                Claim::Taken => claimed.push((n, id, due)),
                Claim::Done => {
                    slot.due = next_run(&config, slot.job, now.max(due));
                    slot.wake = slot.due;
                }
                Claim::Held { by, until } => {
                    let expiry = until
                        .and_then(|u| DateTime::parse_from_rfc3339(&u).ok())
                        .map_or(now, |u| u.with_timezone(&Utc))
                        + chrono::Duration::seconds(1);
                    let next = next_run(&config, slot.job, now.max(due));
                    tracing::debug!(job = id, held_by = by, "checked by another worker");
                    if next.is_some_and(|n| n < expiry) {
                        slot.due = next;
                        slot.wake = next;
                    } else {
                        slot.wake = Some(expiry);
                    }
                }
            }
        }
        if !claimed.is_empty() {
            let ids: Vec<String> = claimed.iter().map(|(_, id, _)| id.clone()).collect();
            let s = check_renewing(&checker, &ids, &options.worker, lease).await?;
            summary.checks += 1;
            tracing::info!(
                sources = ids.join(","),
                changes = s.changes,
                failed = s.failed_sources(),
                worker = options.worker,
                "check done"
            );
            let after = checker.clock.now().max(now);
            for (n, id, due) in &claimed {
                let (worker, due_text, id) =
                    (options.worker.clone(), format_time(*due), id.clone());
                checker
                    .db
                    .call(move |s| s.release(&id, &worker, &due_text))
                    .await?;
                // Next occurrences from now: a job that overran its next slot is not run twice
                // to catch up.
                let slot = &mut slots[*n];
                slot.due = next_run(&config, slot.job, after);
                slot.wake = slot.due;
            }
        }
        for slot in &mut slots {
            let Job::Digest(i) = slot.job else { continue };
            if slot.wake.is_none_or(|t| t > now) || stop.requested() {
                continue;
            }
            let d = &config.digests[i];
            // One worker at a time sends: the next finds the changes delivered.
            let guard = match digest_lock {
                None => None,
                Some((db, wait)) => match take_lock(db, *wait).await? {
                    Ok(g) => Some(g),
                    Err(e) => {
                        tracing::warn!(digest = %d.name, error = %e, "digest skipped; retried at its next time");
                        slot.due = next_run(&config, slot.job, checker.clock.now().max(now));
                        slot.wake = slot.due;
                        continue;
                    }
                },
            };
            match notify::run_digest(&checker.db, &config, d, &Mode::Send, now).await {
                Ok(o) => {
                    summary.digests += 1;
                    tracing::info!(digest = %d.name, messages = o.messages.len(), failed = o.failed(), "digest done");
                }
                Err(e) => {
                    tracing::error!(digest = %d.name, error = %format!("{e:#}"), "digest failed; retried at its next time")
                }
            }
            drop_lock(guard).await;
            slot.due = next_run(&config, slot.job, checker.clock.now().max(now));
            slot.wake = slot.due;
        }
        if max_checks_reached(options.max_checks, &summary) {
            break;
        }
    }
    Ok(summary)
}

fn max_checks_reached(max: Option<usize>, summary: &RunSummary) -> bool {
    max.is_some_and(|m| summary.checks >= m)
}

/// Takes the store's lock off the async threads (it waits, and on PostgreSQL connects).
async fn take_lock(
    db: &crate::store::Location,
    wait: Duration,
) -> anyhow::Result<Result<StoreLock, crate::store::lock::LockError>> {
    let db = db.clone();
    Ok(tokio::task::spawn_blocking(move || StoreLock::acquire_at(&db, wait)).await?)
}

async fn drop_lock(guard: Option<StoreLock>) {
    if let Some(g) = guard {
        let _ = tokio::task::spawn_blocking(move || drop(g)).await;
    }
}

/// Checks `ids`, renewing this worker's leases on them every third of the lease while it works.
async fn check_renewing(
    checker: &Checker,
    ids: &[String],
    worker: &str,
    lease: chrono::Duration,
) -> Result<crate::check::CheckSummary, crate::store::StoreError> {
    let every = (lease / 3).to_std().unwrap_or(Duration::from_secs(1));
    let check = checker.check_exactly(ids);
    tokio::pin!(check);
    loop {
        tokio::select! {
            r = &mut check => return r,
            _ = tokio::time::sleep(every) => {
                let until = format_time(checker.clock.now() + lease);
                let (worker, ids) = (worker.to_string(), ids.to_vec());
                checker.db.call(move |s| s.renew(&worker, &ids, &until)).await?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_in_bounds_and_is_repeatable() {
        let at: DateTime<Utc> = "2025-10-09T02:07:00Z".parse().unwrap();
        for secs in [0u64, 1, 30, 600] {
            let j = jitter("mofcom-policy", at, secs);
            assert!(j >= chrono::Duration::zero() && j <= chrono::Duration::seconds(secs as i64));
            assert_eq!(j, jitter("mofcom-policy", at, secs));
        }
    }
}
