//! `regwatch changes`: the change report.

use anyhow::Result;

use super::{Ctx, Exit, Format, parse_instant, print};
use crate::report::{self, ChangeReport};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Changes first observed on or after this date (YYYY-MM-DD or RFC 3339).
    #[arg(long)]
    since: Option<String>,
    /// Changes first observed on or before this date.
    #[arg(long)]
    until: Option<String>,
    /// Every row: status changes with the same cause and kind are otherwise grouped under one.
    #[arg(long)]
    full: bool,
    /// Only changes nobody has reviewed yet (`regwatch review`).
    #[arg(long)]
    unreviewed: bool,
    /// Only changes touching this watch (`[[watch]] name`; repeatable).
    #[arg(long, value_name = "NAME")]
    watch: Vec<String>,
    /// Only changes to this list (`cn-dual-use`) or jurisdiction (`cn`, `us`, `eu`; repeatable).
    #[arg(long, value_name = "REGIME")]
    regime: Vec<String>,
    #[arg(long, value_parser = super::formats(&["text", "md", "html", "json", "csv"]), default_value = "text")]
    format: Format,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<Exit> {
    let since = args
        .since
        .as_deref()
        .map(|s| parse_instant(s, false))
        .transpose()?;
    let until = args
        .until
        .as_deref()
        .map(|s| parse_instant(s, true))
        .transpose()?;
    let mut sel = super::select_changes(
        ctx,
        since.as_deref(),
        until.as_deref(),
        args.unreviewed,
        &args.watch,
    )?;
    if !args.regime.is_empty() {
        let announcements = &sel.announcements;
        sel.changes
            .retain(|c| report::concerns(c, announcements, &args.regime));
    }
    let mut r = ChangeReport::new(&sel.changes, &sel.announcements);
    r.lang = ctx.lang;
    r.full = args.full;
    r.show_reviews = true;
    r.reviews = sel.reviews;
    r.touches = sel.touches;
    print(&match args.format {
        Format::Text => format!(
            "{}{}",
            report::text::changes(&r),
            report::text::currency(&ctx.currency()?)
        ),
        Format::Md => format!(
            "{}\n{}",
            report::markdown::changes(&r),
            report::markdown::currency(&ctx.currency()?)
        ),
        Format::Json => report::json::changes(&r),
        Format::Csv => report::csv::changes(&r),
        Format::Html => report::html::changes(&r, "regwatch: regulatory changes", &ctx.currency()?),
    })?;
    Ok(Exit::Ok)
}
