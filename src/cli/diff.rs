//! `regwatch diff`: how an announcement's text changed between two versions regwatch read (a
//! silent edit after publication).

use anyhow::Result;

use super::{Ctx, Exit, Format, print, unsupported, usage};
use crate::report;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The announcement key, e.g. MOFCOM-2025-62 (see `regwatch announcements`).
    announcement: String,
    /// The earlier version (default: the one before --to).
    #[arg(long)]
    from: Option<i64>,
    /// The later version (default: the latest).
    #[arg(long)]
    to: Option<i64>,
    #[arg(long, value_parser = super::formats(&["text", "md", "json"]), default_value = "text")]
    format: Format,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<Exit> {
    let store = ctx.open_store()?;
    // Keys are upper case for announcements (`MOFCOM-2025-62`) but keep a watched page's
    // source id as configured (`PAGE-guidance`): take the key as given, else in upper case.
    let given = args.announcement.trim().to_string();
    let (key, found) = match store.announcement(&given)? {
        Some(a) => (given, Some(a)),
        None => {
            let upper = given.to_ascii_uppercase();
            let a = store.announcement(&upper)?;
            (upper, a)
        }
    };
    let Some(a) = found else {
        return Err(usage(format!(
            "no announcement {key} in {}; `regwatch announcements` lists the known ones",
            ctx.db
        )));
    };
    let versions = store.text_versions(&key)?;
    let latest = versions.last().map_or(0, |v| v.version);
    let to = args.to.unwrap_or(latest);
    let from = args.from.unwrap_or(to - 1);
    let find = |n: i64| versions.iter().find(|v| v.version == n);
    if versions.len() < 2 && args.from.is_none() && args.to.is_none() {
        // Not an error: the page has not changed since regwatch first read it.
        print(&format!(
            "{key} has one text version on record: nothing to compare (no silent edit seen)\n"
        ))?;
        return Ok(Exit::Ok);
    }
    let (Some(from_v), Some(to_v)) = (find(from), find(to)) else {
        return Err(usage(format!(
            "{key} has versions 1 to {latest}; --from {from} --to {to} is not among them"
        )));
    };
    print(&match args.format {
        Format::Json => report::json::text_diff(&a, from_v, to_v),
        Format::Text => report::text::text_diff(&a, from_v, to_v),
        Format::Md => format!(
            "```diff\n{}```\n",
            report::text::text_diff(&a, from_v, to_v).replace("```", "'''")
        ),
        other => return Err(unsupported("diff", other, "text, md or json")),
    })?;
    Ok(Exit::Ok)
}
