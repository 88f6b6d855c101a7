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
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Exit with code 1 when changes were recorded.
    #[arg(long)]
    fail_on_change: bool,
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
    let _lock = ctx.lock()?;
    let store = ctx.open_store()?;
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
    let (db, db_thread) = DbHandle::spawn(store);
    let checker = Checker {
        fetcher: Arc::new(
            Fetcher::new(&ctx.config.http, &ctx.config.politeness)
                .context("while building the HTTP client")?,
        ),
        config: Arc::new(ctx.config.clone()),
        db,
        clock: ctx.clock.clone(),
        stop: Default::default(),
        robots: Default::default(),
    };
    let summary = rt
        .block_on(checker.check_exactly(&ids))
        .context("while recording the check")?;
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
