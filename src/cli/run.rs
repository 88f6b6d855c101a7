//! `regwatch run`: the daemon. Checks and digests on their cron schedules until SIGTERM/SIGINT.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use tokio::sync::Notify;

use super::{Ctx, Exit, runtime, usage};
use crate::check::{Checker, Stop};
use crate::daemon;
use crate::fetch::Fetcher;
use crate::store::handle::DbHandle;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Stop after this many check passes (default: run until stopped).
    #[arg(long, value_name = "N")]
    max_checks: Option<usize>,
    /// This worker's name, shown by `sources` as the last to check each source
    /// (default: the host's name and this process's id).
    #[arg(long, value_name = "NAME")]
    worker: Option<String>,
    /// Check the sources pinned to this label (`regions` in a source) besides the unpinned
    /// ones; repeat for several. Workers in a region whose network reaches a ministry's site
    /// take that site's sources.
    #[arg(long = "label", value_name = "LABEL")]
    labels: Vec<String>,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<Exit> {
    if ctx.clock.is_fixed() {
        return Err(usage(
            "REGWATCH_NOW fixes the clock; `run` follows the real one (unset REGWATCH_NOW)",
        ));
    }
    let rt = runtime()?;
    let (db, db_thread) = DbHandle::spawn(ctx.open_store()?);
    let stop = Stop::default();
    let wake = Arc::new(Notify::new());
    let mut checker = Checker::new(
        Arc::new(ctx.config.clone()),
        Arc::new(
            Fetcher::for_sources(
                &ctx.config.http,
                &ctx.config.politeness,
                &ctx.config.sources,
            )
            .map_err(|e| super::usage(e.to_string()))?,
        ),
        db,
        ctx.clock.clone(),
    );
    checker.stop = stop.clone();
    let summary = rt.block_on(async {
        let (s, w) = (stop.clone(), wake.clone());
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("stop requested; finishing the current write");
            s.request();
            w.notify_one();
        });
        let options = daemon::Options {
            max_checks: args.max_checks,
            lock: Some((ctx.db.clone(), ctx.lock_wait.max(Duration::from_secs(600)))),
            worker: args.worker.clone().unwrap_or_else(default_worker),
            labels: args.labels.clone(),
        };
        tracing::info!(
            worker = options.worker,
            labels = options.labels.join(","),
            "worker started"
        );
        daemon::run(checker, stop, wake, options).await
    })?;
    rt.shutdown_timeout(Duration::from_secs(5));
    let _ = db_thread.join();
    tracing::info!(
        checks = summary.checks,
        digests = summary.digests,
        "stopped"
    );
    Ok(Exit::Ok)
}

/// `host:pid`: unique among workers on one store, and says where to look.
fn default_worker() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname writes at most that many bytes.
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
    let host = if ok {
        let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
        String::from_utf8_lossy(&buf[..end]).into_owned()
    } else {
        "localhost".to_string()
    };
    format!("{host}:{}", std::process::id())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
