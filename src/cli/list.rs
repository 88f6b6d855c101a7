//! `regwatch list`: the consolidated control list at a date.

use anyhow::Result;

use super::{Ctx, Exit, Format, ListInputs, parse_day, print};
use crate::diff::list::{Status, Timeline};
use crate::report;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The date (YYYY-MM-DD); today in the regime's time zone (Beijing for cn-dual-use) by default.
    #[arg(long)]
    as_of: Option<String>,
    /// Only this regime (e.g. cn-dual-use).
    #[arg(long)]
    regime: Option<String>,
    /// Only entries in these statuses (repeatable, or comma-separated).
    #[arg(long, value_enum, value_delimiter = ',')]
    status: Vec<StatusArg>,
    #[arg(long, value_parser = super::formats(&["text", "md", "csv", "json", "html"]), default_value = "text")]
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum StatusArg {
    InForce,
    NotYetEffective,
    Suspended,
    Repealed,
    Removed,
}

impl StatusArg {
    fn status(self) -> Status {
        match self {
            StatusArg::InForce => Status::InForce,
            StatusArg::NotYetEffective => Status::NotYetEffective,
            StatusArg::Suspended => Status::Suspended,
            StatusArg::Repealed => Status::Repealed,
            StatusArg::Removed => Status::Removed,
        }
    }
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<Exit> {
    let as_of = match &args.as_of {
        Some(s) => parse_day("--as-of", s)?,
        None => ctx.today(args.regime.as_deref()),
    };
    let inputs = ListInputs::load(ctx, args.regime.as_deref())?;
    let mut entries = Timeline::new(&inputs.announcements).list(&inputs.entries, as_of);
    if !args.status.is_empty() {
        entries.retain(|e| args.status.iter().any(|s| s.status() == e.status));
    }
    // Values a person corrected are said to be so (the announcements listed and setting statuses).
    let corrected = super::corrections_note(ctx, &entries)?;
    print(&match args.format {
        Format::Text => format!(
            "{}{corrected}{}",
            report::text::list(&entries, as_of, ctx.lang),
            report::text::currency(&ctx.currency()?)
        ),
        Format::Json => report::json::list(&entries),
        Format::Md => format!(
            "{}\n{}{}",
            report::markdown::list(&entries, as_of),
            corrected
                .lines()
                .map(|l| format!("*{l}*  \n"))
                .collect::<String>(),
            report::markdown::currency(&ctx.currency()?)
        ),
        Format::Csv => report::csv::list(&entries),
        Format::Html => report::html::list(&entries, as_of, &ctx.currency()?),
    })?;
    Ok(Exit::Ok)
}
