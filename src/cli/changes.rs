//! `regwatch changes`: the change report.

use std::collections::HashMap;

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
    let store = ctx.open_store()?;
    let mut changes = store.changes(since.as_deref(), until.as_deref())?;
    let announcements: HashMap<_, _> = store.announcements_by_key()?;
    let (reviews, touches) = super::annotate(
        ctx,
        &store,
        &mut changes,
        &announcements,
        args.unreviewed,
        &args.watch,
    )?;
    let mut r = ChangeReport::new(&changes, &announcements);
    r.lang = ctx.lang;
    r.full = args.full;
    r.show_reviews = true;
    r.reviews = reviews;
    r.touches = touches;
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
