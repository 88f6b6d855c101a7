//! `regwatch doubts`: what regwatch is unsure of in what it read, to look at again.

use anyhow::Result;

use super::{Ctx, Exit, Format, print, unsupported};
use crate::report;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long, value_parser = super::formats(&["text", "md", "json"]), default_value = "text")]
    format: Format,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<Exit> {
    let list = ctx.open_store()?.announcements()?;
    print(&match args.format {
        Format::Text => report::doubts::text(&list),
        Format::Md => report::doubts::markdown(&list),
        Format::Json => report::doubts::json(&list),
        other => return Err(unsupported("doubts", other, "text, md or json")),
    })?;
    Ok(Exit::Ok)
}
