//! `regwatch check`: one pass over the sources, for cron.

use std::sync::Arc;

use anyhow::{Context, Result};

use super::{Ctx, Exit, Format, print, runtime, usage};
use crate::check::Checker;
use crate::fetch::Fetcher;
use crate::report;
use crate::schedule::is_due;
use crate::store::handle::DbHandle;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Check only this source (repeatable), whether due or not.
    #[arg(long = "source", value_name = "ID")]
    sources: Vec<String>,
    /// Check every source now, whether due or not.
    #[arg(long, conflicts_with = "sources")]
    all: bool,
    #[arg(long, value_parser = super::formats(&["text", "json"]), default_value = "text")]
    format: Format,
    /// Exit with code 1 when changes were recorded.
    #[arg(long)]
    fail_on_change: bool,
    /// Read the first N pages of paginated column lists (a first check reads them all; an
    /// ordinary one the first, and more only while they list nothing seen before).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=500))]
    backfill: Option<u32>,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<Exit> {
    for id in &args.sources {
        if ctx.config.source(id).is_none() {
            return Err(usage(format!(
                "no source with id {id:?} in the configuration"
            )));
        }
    }
    if !matches!(args.format, Format::Text | Format::Json) {
        return Err(usage("check prints text or json"));
    }
    if ctx.config.sources.is_empty() {
        // "0 of 0 sources checked" and exit 0 would let a broken deployment look healthy.
        return Err(usage(
            "nothing to check: the configuration has no [[source]] tables",
        ));
    }
    // The HTTP client loads the system's trust roots, a few milliseconds of parsing: do it beside
    // taking the lock and opening the store rather than after.
    let fetcher = {
        let (http, politeness) = (ctx.config.http.clone(), ctx.config.politeness.clone());
        let sources = ctx.config.sources.clone();
        std::thread::spawn(move || Fetcher::for_sources(&http, &politeness, &sources))
    };
    let (_lock, store) = ctx.lock_and_open()?;
    // By default, the sources whose schedule has come round since their last attempt.
    let ids: Vec<String> = if !args.sources.is_empty() {
        args.sources.clone()
    } else if args.all {
        ctx.config.sources.iter().map(|s| s.id.0.clone()).collect()
    } else {
        let statuses = store.source_statuses()?;
        let now = ctx.clock.now();
        ctx.config
            .sources
            .iter()
            .filter(|s| {
                let last = statuses
                    .iter()
                    .find(|st| st.id == s.id.0)
                    .and_then(|st| st.last_attempt.as_deref())
                    .and_then(|t| t.parse().ok());
                is_due(&s.schedule, s.timezone, last, now)
            })
            .map(|s| s.id.0.clone())
            .collect()
    };
    if ids.is_empty() {
        tracing::info!("no source is due; `--all` checks them anyway");
    }
    let rt = runtime()?;
    let fetcher = fetcher
        .join()
        .map_err(|_| anyhow::anyhow!("building the HTTP client panicked"))?
        .map_err(|e| usage(e.to_string()))?;
    let (db, db_thread) = DbHandle::spawn(store);
    let mut checker = Checker::new(
        Arc::new(ctx.config.clone()),
        Arc::new(fetcher),
        db,
        ctx.clock.clone(),
    );
    checker.backfill = args.backfill.unwrap_or(0);
    // A progress bar for a person at a terminal; nothing under cron, in pipes, or with -q.
    let bar = (ctx.interactive && !ids.is_empty()).then(|| Arc::new(Bar::new()));
    if let Some(b) = &bar {
        checker.progress = Some(b.clone());
    }
    let summary = rt
        .block_on(checker.check_exactly(&ids))
        .context("while recording the check")?;
    if let Some(b) = bar {
        b.0.finish_and_clear();
    }
    drop(checker);
    let _ = db_thread.join();
    for s in summary.sources.iter().filter(|s| !s.ok) {
        tracing::warn!(source = %s.id, error = s.error.as_deref().unwrap_or(""), "source failed");
    }
    print(&match args.format {
        Format::Json => report::json::summary(&summary),
        _ => report::text::summary(&summary),
    })?;
    Ok(if summary.failed_sources() > 0 {
        Exit::SourcesFailed
    } else if args.fail_on_change && summary.changes > 0 {
        Exit::Changes
    } else {
        Exit::Ok
    })
}

/// The terminal progress bar: pages done of pages found, across the sources being checked.
struct Bar(indicatif::ProgressBar);

impl Bar {
    fn new() -> Bar {
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(0),
            indicatif::ProgressDrawTarget::stderr(),
        );
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} pages")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_message("checking");
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Bar(bar)
    }
}

impl crate::check::Progress for Bar {
    fn found(&self, source: &str, pages: usize) {
        self.0.inc_length(pages as u64);
        self.0.set_message(format!("checking {source}"));
    }

    fn done(&self, _source: &str) {
        self.0.inc(1);
    }
}
