//! `regwatch announcements`: what is known, with dates, relations and URLs.

use anyhow::Result;

use super::{Ctx, Exit, Format, print, usage};
use crate::report;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long, value_parser = super::formats(&["text", "json"]), default_value = "text")]
    format: Format,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<Exit> {
    let store = ctx.open_store()?;
    let list = store.announcements()?;
    let corrections = store.corrections()?;
    print(&match args.format {
        Format::Text => report::text::announcements(&list, &corrections),
        Format::Json => report::json::announcements(&list, &corrections),
        _ => return Err(usage("announcements prints text or json")),
    })?;
    Ok(Exit::Ok)
}
