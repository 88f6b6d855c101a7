//! `regwatch demo`: the whole pipeline, offline. The shipped `schedule.toml` is pointed at a local
//! server replaying `snapshots/` one capture date after another; after each date the check runs
//! for real (HTTP, conditional GETs, SQLite) and the changes it recorded are printed.

pub mod server;

use crate::extract::Profile;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use chrono::{NaiveDate, TimeZone, Utc};

use crate::check::Checker;
use crate::clock::{Clock, format_time};
use crate::config::{Config, DEFAULT_CONFIG, HttpUrl};
use crate::diff::list::Timeline;
use crate::fetch::Fetcher;
use crate::report::{self, ChangeReport};
use crate::store::Store;
use crate::store::handle::DbHandle;
use server::SnapshotSite;

/// Where the snapshots are: `./snapshots` when run from a checkout, else the ones this binary
/// was built from.
pub fn default_snapshots_dir() -> PathBuf {
    let here = PathBuf::from("snapshots");
    if here.is_dir() {
        here
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots")
    }
}

/// A capture date's check runs at 10:00 in Beijing (02:00 UTC), after the day's publications.
fn check_time(date: NaiveDate) -> chrono::DateTime<Utc> {
    let t = date.and_hms_opt(2, 0, 0).expect("valid time");
    Utc.from_utc_datetime(&t)
}

/// `kept`: whether the store outlives the demo (the user named it with `--db`).
pub async fn run(
    snapshots: &Path,
    db_path: &crate::store::Location,
    kept: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let site = Arc::new(SnapshotSite::load(snapshots)?);
    let (addr, server) = server::serve(site.clone()).await?;
    let mut config = Config::parse(DEFAULT_CONFIG, "schedule.toml (embedded)")?;
    // Only the sources the captures hold pages of.
    let hosts = site.hosts();
    config
        .sources
        .retain(|s| s.url.0.host_str().is_some_and(|h| hosts.contains(h)));
    // The captures of the US and EU lists hold a few entries each, not the 600 ECCNs, 2,000
    // Entity List rows or 300 Annex I codes a real version has: the sanity gate is lowered here.
    for s in &mut config.sources {
        if matches!(s.profile, Profile::Ecfr | Profile::Eurlex) {
            s.min_entries = Some(1);
        }
    }
    config.http.mirror =
        Some(HttpUrl::try_from(format!("http://{addr}/")).map_err(anyhow::Error::msg)?);
    // The replay server is local: no need to wait between requests.
    config.politeness.min_interval_ms = 0;
    let store = Store::open_at(db_path).with_context(|| format!("opening {db_path}"))?;
    let (db, db_thread) = DbHandle::spawn(store);
    let clock = Clock::fixed(check_time(site.dates()[0]));
    let fetcher = Arc::new(Fetcher::for_sources(
        &config.http,
        &config.politeness,
        &config.sources,
    )?);
    let mut checker = Checker::new(Arc::new(config), fetcher, db.clone(), clock.clone());
    // The same on every run: which of two columns' copies of an announcement is believed
    // must not depend on which answered first.
    checker.sources_at_once = 1;
    writeln!(
        out,
        "regwatch demo: replaying {} capture dates from {} through http://{addr}/ into {}\n",
        site.dates().len(),
        snapshots.display(),
        db_path
    )?;
    let captures = site.dates().to_vec();
    let mut steps: Vec<(NaiveDate, &str)> = captures.iter().map(|d| (*d, "")).collect();
    let mut i = 0;
    while i < steps.len() {
        let (date, note) = steps[i];
        site.set_step(captures.iter().rposition(|d| *d <= date).unwrap_or(0));
        let at = check_time(date);
        clock.set(at);
        // The changes this step records are the ones after the last recorded before it (on a
        // database kept from an earlier run, older steps' changes carry later times).
        let before = db
            .call(|s| {
                Ok(s.changes(None, None)?
                    .iter()
                    .map(|c| c.id)
                    .max()
                    .unwrap_or(0))
            })
            .await?;
        let summary = checker.check(&[]).await?;
        writeln!(out, "=== {date}: check at {}{note} ===", format_time(at))?;
        write!(out, "{}", report::text::summary(&summary))?;
        let (changes, announcements) = db
            .call(move |s| {
                let mut changes = s.changes(None, None)?;
                changes.retain(|c| c.id > before);
                let anns: HashMap<_, _> = s.announcements_by_key()?;
                Ok((changes, anns))
            })
            .await?;
        writeln!(out)?;
        write!(
            out,
            "{}",
            report::text::changes(&ChangeReport::new(&changes, &announcements))
        )?;
        if i + 1 == captures.len() {
            // After the last capture, the days on which a status changes by date alone (an
            // entry taking effect, a suspension ending): the check then records it with no new
            // page at all.
            let last = date;
            let later: Vec<NaiveDate> = Timeline::new(&announcements)
                .event_dates()
                .into_iter()
                .filter(|d| *d > last)
                .collect();
            steps.extend(
                later
                    .into_iter()
                    .map(|d| (d, " (no new pages; dates passing)")),
            );
        }
        i += 1;
    }
    if kept {
        writeln!(
            out,
            "Done. Explore it: regwatch --db {} list --as-of 2026-01-01 · changes --format md · announcements",
            db_path
        )?;
    } else {
        // The temporary database goes when the demo ends: a hint naming it would not work.
        writeln!(
            out,
            "Done. The database was temporary; to keep one to explore: regwatch --db demo.db demo, then regwatch --db demo.db list --as-of 2026-01-01"
        )?;
    }
    drop(checker);
    drop(db);
    let _ = db_thread.join();
    server.abort();
    Ok(())
}
