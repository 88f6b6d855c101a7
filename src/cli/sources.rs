//! `regwatch sources`: status per configured source.

use std::fmt::Write as _;

use anyhow::Result;

use super::{Ctx, Exit, print};

pub fn run(ctx: &Ctx) -> Result<Exit> {
    let statuses = ctx.open_store()?.source_statuses()?;
    let now = ctx.clock.now();
    let mut out = String::new();
    for s in &ctx.config.sources {
        let st = statuses.iter().find(|x| x.id == s.id.0);
        let next = s
            .schedule
            .cron
            .find_next_occurrence(&now.with_timezone(&s.timezone.0), false)
            .map(|t| t.to_rfc3339())
            .unwrap_or_else(|_| "never".into());
        let _ = writeln!(out, "{}  ({} · {})", s.id, s.profile.as_str(), s.url.0);
        let _ = writeln!(
            out,
            "  schedule    {} ({}) · next {next}",
            s.schedule.expr, s.timezone.0
        );
        match st {
            None => {
                let _ = writeln!(out, "  never checked");
            }
            Some(st) => {
                let _ = writeln!(
                    out,
                    "  last success {}",
                    st.last_success.as_deref().unwrap_or("never")
                );
                if st.consecutive_failures > 0 {
                    let _ = writeln!(
                        out,
                        "  FAILING     {} consecutive failures; last: {}",
                        st.consecutive_failures,
                        st.last_error.as_deref().unwrap_or("")
                    );
                }
            }
        }
    }
    print(&out)?;
    Ok(Exit::Ok)
}
