//! `regwatch digest`: the email digests of changes not yet delivered, sent (`--send`), written
//! as `.eml` files (`--dry-run DIR`), or previewed (neither).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Context, Result};

use super::{Ctx, Exit, Format, print, runtime, unsupported, usage};
use crate::config::DigestConfig;
use crate::notify::{self, Mode};
use crate::report::Currency;
use crate::store::handle::DbHandle;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this digest (by `name` in schedule.toml).
    #[arg(long)]
    name: Option<String>,
    /// Send through the configured SMTP server and record each delivery.
    #[arg(long, conflicts_with = "dry_run")]
    send: bool,
    /// Write each message as an .eml file into DIR instead of sending; records nothing.
    #[arg(long, value_name = "DIR")]
    dry_run: Option<PathBuf>,
    #[arg(long, value_parser = super::formats(&["text", "json"]), default_value = "text")]
    format: Format,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<Exit> {
    if !matches!(args.format, Format::Text | Format::Json) {
        return Err(unsupported("digest", args.format, "text or json"));
    }
    let digests: Vec<&DigestConfig> = match &args.name {
        Some(n) => vec![
            ctx.config
                .digest(n)
                .ok_or_else(|| usage(format!("no digest named {n:?} in the configuration")))?,
        ],
        None => ctx.config.digests.iter().collect(),
    };
    if digests.is_empty() {
        return Err(usage(
            "no [[digest]] in the configuration; README \"Configuration\" shows one",
        ));
    }
    let mode = match (&args.dry_run, args.send) {
        (Some(dir), _) => Mode::DryRun(dir.clone()),
        (None, true) => Mode::Send,
        (None, false) => return preview(ctx, &digests),
    };
    // One sender at a time, or two processes could both send what neither has recorded yet.
    let (_lock, store) = ctx.lock_and_open()?;
    let rt = runtime()?;
    let (db, db_thread) = DbHandle::spawn(store);
    let now = ctx.clock.now();
    let mut outcomes = Vec::new();
    for d in digests {
        let outcome = rt
            .block_on(notify::run_digest(&db, &ctx.config, d, &mode, now))
            .with_context(|| format!("while running digest {:?}", d.name.0))?;
        outcomes.push(outcome);
    }
    drop(db);
    let _ = db_thread.join();
    let failed: usize = outcomes.iter().map(|o| o.failed()).sum();
    print(&match args.format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&outcomes)?;
            s.push('\n');
            s
        }
        _ => {
            let mut out = String::new();
            for o in &outcomes {
                if o.messages.is_empty() {
                    let _ = writeln!(out, "{}: nothing new to send", o.digest);
                }
                for m in &o.messages {
                    let what = match (&m.error, &m.file) {
                        (Some(e), _) => format!("NOT SENT ({e}); retried next run"),
                        (None, Some(f)) => format!("written to {f}"),
                        (None, None) if m.resend => {
                            "sent again (the last attempt was not confirmed)".to_string()
                        }
                        (None, None) => "sent".to_string(),
                    };
                    let _ = writeln!(
                        out,
                        "{}: {} change{} to {} — {what} {}",
                        o.digest,
                        m.changes,
                        if m.changes == 1 { "" } else { "s" },
                        m.recipients.join(", "),
                        m.message_id
                    );
                }
            }
            out
        }
    })?;
    Ok(if failed > 0 {
        Exit::DeliveryFailed
    } else {
        Exit::Ok
    })
}

/// What `--send` would send now, without sending or recording anything.
fn preview(ctx: &Ctx, digests: &[&DigestConfig]) -> Result<Exit> {
    let store = ctx.open_store()?;
    let announcements: HashMap<_, _> = store.announcements_by_key()?;
    let currency = Currency::of(
        &ctx.config.sources,
        &store.source_statuses()?,
        ctx.clock.now(),
    );
    let reviews = crate::report::touch::current(store.reviews()?);
    let mut out = String::new();
    for d in digests {
        let planned = notify::plan(&store, d, &ctx.config.watches)?;
        if planned.is_empty() {
            let _ = writeln!(out, "{}: nothing new to send", d.name.0);
        }
        for p in planned {
            let r = notify::render(d, &p, &announcements, &currency, &reviews);
            let _ = writeln!(
                out,
                "To: {}\nSubject: {}\nMessage-ID: {}\n\n{}",
                p.recipients.join(", "),
                r.subject,
                p.message_id,
                r.text
            );
        }
    }
    print(&out)?;
    Ok(Exit::Ok)
}
