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

/// Runs until `stop` is requested (and `wake` notified). `max_checks` ends the loop after that
/// many check passes (for tests and one-off runs); `None` runs forever.
pub async fn run(
    checker: Checker,
    stop: Stop,
    wake: Arc<Notify>,
    max_checks: Option<usize>,
    lock: Option<(crate::store::Location, Duration)>,
) -> anyhow::Result<RunSummary> {
    let config = checker.config.clone();
    let start = checker.clock.now();
    let mut jobs: Vec<(Job, Option<DateTime<Utc>>)> = (0..config.sources.len())
        .map(Job::Source)
        .chain((0..config.digests.len()).map(Job::Digest))
        .map(|j| (j, next_run(&config, j, start)))
        .collect();
    for (job, at) in &jobs {
        let (_, _, id, _) = schedule_of(&config, *job);
        match at {
            Some(t) => tracing::info!(job = id, next = %format_time(*t), "scheduled"),
            None => tracing::warn!(job = id, "its schedule names no future time; never run"),
        }
    }
    let mut summary = RunSummary::default();
    loop {
        if stop.requested() {
            break;
        }
        let Some(when) = jobs.iter().filter_map(|(_, t)| *t).min() else {
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
        let _guard = match &lock {
            None => None,
            Some((db, wait)) => {
                let (db, wait) = (db.clone(), *wait);
                match tokio::task::spawn_blocking(move || StoreLock::acquire_at(&db, wait)).await? {
                    Ok(g) => Some(g),
                    Err(e) => {
                        tracing::warn!(error = %e, "skipping this round");
                        let after = checker.clock.now();
                        for (job, t) in &mut jobs {
                            if t.is_some_and(|t| t <= after) {
                                *t = next_run(&config, *job, after);
                            }
                        }
                        continue;
                    }
                }
            }
        };
        let now = checker.clock.now();
        let due: Vec<Job> = jobs
            .iter()
            .filter(|(_, t)| t.is_some_and(|t| t <= now))
            .map(|(j, _)| *j)
            .collect();
        let sources: Vec<String> = due
            .iter()
            .filter_map(|j| match j {
                Job::Source(i) => Some(config.sources[*i].id.0.clone()),
                Job::Digest(_) => None,
            })
            .collect();
        if !sources.is_empty() {
            let s = checker.check(&sources).await?;
            summary.checks += 1;
            tracing::info!(
                sources = sources.join(","),
                changes = s.changes,
                failed = s.failed_sources(),
                "check done"
            );
        }
        for job in &due {
            let Job::Digest(i) = job else { continue };
            if stop.requested() {
                break;
            }
            let d = &config.digests[*i];
            match notify::run_digest(&checker.db, &config, d, &Mode::Send, now).await {
                Ok(o) => {
                    summary.digests += 1;
                    tracing::info!(digest = %d.name, messages = o.messages.len(), failed = o.failed(), "digest done");
                }
                Err(e) => {
                    tracing::error!(digest = %d.name, error = %format!("{e:#}"), "digest failed; retried at its next time")
                }
            }
        }
        // Next occurrences from now: a job that overran its next slot is not run twice to catch up.
        let after = checker.clock.now().max(now);
        for (job, t) in &mut jobs {
            if due.contains(job) {
                *t = next_run(&config, *job, after);
            }
        }
        if max_checks.is_some_and(|m| summary.checks >= m) {
            break;
        }
    }
    Ok(summary)
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
