//! `regwatch upcoming`: dated events ahead — entries taking effect, suspensions starting or ending,
//! repeals applying.

use anyhow::Result;

use super::{Ctx, Exit, Format, ListInputs, print, unsupported, usage};
use crate::diff::list::Timeline;
use crate::report;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many days ahead to look.
    #[arg(long, default_value_t = 90)]
    days: u32,
    /// Only this regime (e.g. cn-dual-use).
    #[arg(long)]
    regime: Option<String>,
    #[arg(long, value_parser = super::formats(&["text", "md", "json"]), default_value = "text")]
    format: Format,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<Exit> {
    let today = ctx.today(args.regime.as_deref());
    let until = today
        .checked_add_days(chrono::Days::new(args.days.into()))
        .ok_or_else(|| usage(format!("--days {} is too far ahead", args.days)))?;
    let inputs = ListInputs::load(ctx, args.regime.as_deref())?;
    let events = Timeline::new(&inputs.announcements).upcoming(&inputs.entries, today, until);
    let corrected = super::corrections_note(ctx, events.iter().map(|e| &e.entry))?;
    // What comes next beyond the window, so that "nothing scheduled" is never the whole story.
    let next = Timeline::new(&inputs.announcements).next_events(&inputs.entries, until);
    let beyond = match next.first() {
        Some(ev) => format!(
            "\nNext after {until}: {} — {}{} (--days {} includes it)\n",
            ev.date,
            report::text::event_words(ev),
            if next.len() > 1 {
                format!(" and {} more that day", next.len() - 1)
            } else {
                String::new()
            },
            (ev.date - today).num_days()
        ),
        None => format!("\nNothing is scheduled after {until} either.\n"),
    };
    print(&match args.format {
        Format::Text => format!(
            "{}{beyond}{corrected}",
            report::text::upcoming(&events, today, until)
        ),
        Format::Json => report::json::upcoming(&events),
        Format::Md => format!(
            "{}{beyond}",
            report::markdown::upcoming(&events, today, until)
        ),
        other => return Err(unsupported("upcoming", other, "text, md or json")),
    })?;
    Ok(Exit::Ok)
}
