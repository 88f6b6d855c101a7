//! `regwatch sources`: per source, what regwatch knows and how current it is.

use std::fmt::Write as _;

use anyhow::Result;
use serde_json::json;

use super::{Ctx, Exit, Format, print, unsupported};
use crate::schedule::next_after;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long, value_parser = super::formats(&["text", "json"]), default_value = "text")]
    format: Format,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<Exit> {
    let store = ctx.open_store()?;
    let statuses = store.source_statuses()?;
    let counts = store.source_counts()?;
    let doubts = store.source_doubts()?;
    let now = ctx.clock.now();
    let mut rows = Vec::new();
    for s in &ctx.config.sources {
        let st = statuses.iter().find(|x| x.id == s.id.0);
        let last_attempt = st
            .and_then(|st| st.last_attempt.as_deref())
            .and_then(|t| t.parse::<chrono::DateTime<chrono::Utc>>().ok());
        // Due now if never checked; else the first slot after the last attempt.
        let next_due = match last_attempt {
            None => Some("now (never checked)".to_string()),
            Some(t) => next_after(&s.schedule, s.timezone, t).map(|due| {
                if due <= now {
                    format!("now (due since {})", crate::clock::format_time(due))
                } else {
                    crate::clock::format_time(due)
                }
            }),
        };
        let (announcements, entries) = counts.get(&s.id.0).copied().unwrap_or((0, 0));
        rows.push(json!({
            "id": s.id.0,
            "profile": s.profile.as_str(),
            // `{YYYY}` as written, not percent-encoded.
            "url": s.url.0.as_str().replace("%7BYYYY%7D", "{YYYY}"),
            "schedule": s.schedule.expr,
            "timezone": s.timezone.0.name(),
            "next_due": next_due,
            "last_attempt": st.and_then(|st| st.last_attempt.clone()),
            "last_success": st.and_then(|st| st.last_success.clone()),
            // The `run` worker that checked it last (`None` when a `check` did, or never).
            "last_worker": st.and_then(|st| st.worker.clone()),
            "regions": s.regions,
            "last_failure": st.and_then(|st| st.last_failure.clone()),
            "last_error": st.filter(|st| st.consecutive_failures > 0).and_then(|st| st.last_error.clone()),
            // What kind of failure it is: unreachable from this network, the page changed, …
            "failure_kind": st
                .filter(|st| st.consecutive_failures > 0)
                .and_then(|st| st.last_error.as_deref())
                .map(|e| crate::check::cause::Cause::of(e).as_str()),
            "consecutive_failures": st.map_or(0, |st| st.consecutive_failures),
            "announcements": announcements,
            "entries": entries,
            "doubts": doubts.get(&s.id.0).copied().unwrap_or(0),
        }));
    }
    let out = match args.format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&rows)?;
            s.push('\n');
            s
        }
        Format::Text => text(&rows),
        other => return Err(unsupported("sources", other, "text or json")),
    };
    print(&out)?;
    Ok(Exit::Ok)
}

fn text(rows: &[serde_json::Value]) -> String {
    let mut out = String::new();
    let f = |v: &serde_json::Value, k: &str| v[k].as_str().unwrap_or("").to_string();
    for r in rows {
        let _ = writeln!(
            out,
            "{}  ({} · {})",
            f(r, "id"),
            f(r, "profile"),
            f(r, "url")
        );
        let _ = writeln!(
            out,
            "  schedule      {} ({}) · next due {}",
            f(r, "schedule"),
            f(r, "timezone"),
            f(r, "next_due")
        );
        let never = "never".to_string();
        let last_success = Some(f(r, "last_success")).filter(|s| !s.is_empty());
        let _ = writeln!(
            out,
            "  last success  {}",
            last_success.as_ref().unwrap_or(&never)
        );
        if let Some(w) = r["last_worker"].as_str() {
            let _ = writeln!(out, "  checked by    {w}");
        }
        if let Some(regions) = r["regions"].as_array().filter(|a| !a.is_empty()) {
            let names: Vec<&str> = regions.iter().filter_map(|v| v.as_str()).collect();
            let _ = writeln!(out, "  workers       labelled {}", names.join(" or "));
        }
        let failures = r["consecutive_failures"].as_i64().unwrap_or(0);
        let last_failure = f(r, "last_failure");
        if failures > 0 {
            let error = f(r, "last_error");
            let _ = writeln!(
                out,
                "  FAILING       {failures} consecutive failure{} (last {last_failure}): {}",
                if failures == 1 { "" } else { "s" },
                error
            );
            let _ = writeln!(
                out,
                "  why           {}",
                crate::check::cause::Cause::of(&error).describe()
            );
        } else if !last_failure.is_empty() {
            let _ = writeln!(out, "  last failure  {last_failure}");
        }
        let _ = writeln!(
            out,
            "  known         {} announcements · {} entries · {} doubts (regwatch doubts)",
            r["announcements"], r["entries"], r["doubts"]
        );
    }
    out
}
