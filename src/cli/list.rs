//! `regwatch list`: the consolidated control list at a date.

use std::collections::HashMap;

use anyhow::Result;
use chrono::NaiveDate;

use super::{Ctx, Exit, Format, print, usage};
use crate::diff::list::{ListedEntry, consolidate};
use crate::report;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The date (YYYY-MM-DD); today by default.
    #[arg(long)]
    as_of: Option<String>,
    /// Only this regime (e.g. cn-dual-use).
    #[arg(long)]
    regime: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<Exit> {
    let as_of = match &args.as_of {
        Some(s) => s
            .parse::<NaiveDate>()
            .map_err(|_| usage(format!("invalid --as-of {s:?}: use YYYY-MM-DD")))?,
        None => ctx.clock.now().date_naive(),
    };
    let store = ctx.open_store()?;
    let announcements: HashMap<_, _> = store
        .announcements()?
        .into_iter()
        .map(|a| (a.key.clone(), a))
        .collect();
    let mut entries = consolidate(&store.all_entries()?, &announcements, as_of);
    if let Some(r) = &args.regime {
        entries.retain(|e| &e.regime == r);
    }
    print(&match args.format {
        Format::Text => report::text::list(&entries, as_of),
        Format::Json => report::json::list(&entries),
        Format::Md => markdown(&entries, as_of),
        Format::Csv => csv(&entries),
    })?;
    Ok(Exit::Ok)
}

fn markdown(entries: &[ListedEntry], as_of: NaiveDate) -> String {
    let mut out = format!(
        "# Control list as of {as_of}\n\n| Code | Description | Status | Effective | Announcement |\n|---|---|---|---|---|\n"
    );
    for e in entries {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            e.code,
            e.description.replace('|', "\\|"),
            e.status.as_str(),
            e.effective_from.map(|d| d.to_string()).unwrap_or_default(),
            e.announcement
        ));
    }
    out
}

fn csv(entries: &[ListedEntry]) -> String {
    let field = |s: &str| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out = String::from(
        "regime,code,description,item_type,hs_codes,status,effective_from,until,announcement,url\n",
    );
    for e in entries {
        let row = [
            field(&e.regime),
            field(&e.code),
            field(&e.description),
            e.item_type.as_str().to_string(),
            field(&e.hs_codes.join(" ")),
            e.status.as_str().to_string(),
            e.effective_from.map(|d| d.to_string()).unwrap_or_default(),
            e.until.map(|d| d.to_string()).unwrap_or_default(),
            field(&e.announcement),
            field(e.url.as_deref().unwrap_or("")),
        ];
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}
