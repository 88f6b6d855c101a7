//! `regwatch compare`: the entry-level difference between the list on two dates.

use anyhow::Result;

use super::{Ctx, Exit, Format, ListInputs, parse_day, print, unsupported, usage};
use crate::diff::list::{Timeline, compare_lists};
use crate::report;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The earlier date (YYYY-MM-DD).
    #[arg(long)]
    from: String,
    /// The later date (YYYY-MM-DD); today by default.
    #[arg(long)]
    to: Option<String>,
    /// Only this regime (e.g. cn-dual-use).
    #[arg(long)]
    regime: Option<String>,
    #[arg(long, value_parser = super::formats(&["text", "md", "json", "html"]), default_value = "text")]
    format: Format,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<Exit> {
    let from = parse_day("--from", &args.from)?;
    let to = match &args.to {
        Some(s) => parse_day("--to", s)?,
        None => ctx.today(args.regime.as_deref()),
    };
    if to < from {
        return Err(usage(format!("--to {to} is before --from {from}")));
    }
    let inputs = ListInputs::load(ctx, args.regime.as_deref())?;
    let timeline = Timeline::new(&inputs.announcements);
    let before = timeline.list(&inputs.entries, from);
    let after = timeline.list(&inputs.entries, to);
    let deltas = compare_lists(&before, &after);
    let corrected = super::corrections_note(ctx, before.iter().chain(after.iter()))?;
    print(&match args.format {
        Format::Text => format!("{}{corrected}", report::text::compare(&deltas, from, to)),
        Format::Json => report::json::compare(&deltas),
        Format::Md => report::markdown::compare(&deltas, from, to),
        Format::Html => report::html::compare(&deltas, from, to),
        other => return Err(unsupported("compare", other, "text, md, html or json")),
    })?;
    Ok(Exit::Ok)
}
