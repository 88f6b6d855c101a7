//! `regwatch screen`: is a counterparty on a Chinese list of parties, under any of its names?

use std::fmt::Write as _;

use anyhow::{Context, Result};

use super::{Ctx, Exit, Format, ListInputs, parse_day, print, unsupported, usage};
use crate::diff::list::Timeline;
use crate::model::ItemType;
use crate::report::short_citation;
use crate::screen::{Hit, Screener};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Names to screen (Chinese or English; case, punctuation and legal forms do not count).
    names: Vec<String>,
    /// Screen every name in this file, one a line (JSON lines out with --format json).
    #[arg(long, value_name = "FILE")]
    file: Option<std::path::PathBuf>,
    /// The date the lists are read at (YYYY-MM-DD); today in Beijing by default.
    #[arg(long)]
    as_of: Option<String>,
    #[arg(long, value_parser = super::formats(&["text", "json"]), default_value = "text")]
    format: Format,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<Exit> {
    let mut names = args.names.clone();
    if let Some(f) = &args.file {
        let text =
            std::fs::read_to_string(f).with_context(|| format!("while reading {}", f.display()))?;
        names.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string),
        );
    }
    if names.is_empty() {
        return Err(usage("name at least one party to screen, or give --file"));
    }
    let as_of = match &args.as_of {
        Some(s) => parse_day("--as-of", s)?,
        None => ctx.today(Some("cn-control-list")),
    };
    let inputs = ListInputs::load(ctx, None)?;
    let (listed, measures): (Vec<_>, Vec<_>) = Timeline::new(&inputs.announcements)
        .list(&inputs.entries, as_of)
        .into_iter()
        .filter(|e| matches!(e.item_type, ItemType::Entity | ItemType::Measure))
        .partition(|e| e.item_type == ItemType::Entity);
    let screener = Screener::new(&listed);
    let store = ctx.open_store()?;
    // Announcements' texts, read once each, for the later decisions naming a party.
    let mut texts: std::collections::HashMap<String, String> = Default::default();
    let mut names_in = |key: &str, names: &[String]| -> bool {
        let text = texts.entry(key.to_string()).or_insert_with(|| {
            let text = store
                .text_versions(key)
                .ok()
                .and_then(|v| v.into_iter().last())
                .map(|v| v.text)
                .unwrap_or_default();
            crate::extract::text::normalise(&text)
        });
        names
            .iter()
            .filter(|n| n.chars().count() >= 4)
            .any(|n| text.contains(&crate::extract::text::normalise(n)))
    };
    let results: Vec<(String, Vec<Hit>)> = names
        .iter()
        .map(|n| {
            let mut hits = screener.screen(n);
            for h in &mut hits {
                h.measures = crate::screen::measures_for(&h.party, &measures, &mut names_in);
            }
            (n.clone(), hits)
        })
        .collect();
    let out = match args.format {
        Format::Json => {
            // One JSON line per name screened.
            let mut s = String::new();
            for (name, hits) in &results {
                s.push_str(&serde_json::to_string(&serde_json::json!({
                    "name": name,
                    "as_of": as_of,
                    "hits": hits,
                }))?);
                s.push('\n');
            }
            s
        }
        Format::Text => {
            let mut s = String::new();
            for (name, hits) in &results {
                let _ = writeln!(s, "{name}");
                if hits.is_empty() {
                    let _ = writeln!(s, "  no listed party matches (lists as of {as_of})");
                }
                for h in hits {
                    let p = &h.party;
                    let _ = writeln!(
                        s,
                        "  {:<9} {} — {}",
                        h.quality.as_str().to_uppercase(),
                        p.description,
                        h.why
                    );
                    let _ = writeln!(
                        s,
                        "            {}: {}{}{} ({})",
                        crate::report::list_name(&p.regime),
                        p.status.as_str(),
                        p.since.map(|d| format!(" since {d}")).unwrap_or_default(),
                        p.until.map(|d| format!(" until {d}")).unwrap_or_default(),
                        short_citation(&p.status_by)
                    );
                    if let Some(u) = &p.url {
                        let _ = writeln!(s, "            {u}");
                    }
                    for m in &h.measures {
                        let _ = writeln!(
                            s,
                            "            measure: {} ({}, {})",
                            m.description,
                            short_citation(&m.announcement),
                            m.status.as_str()
                        );
                    }
                }
            }
            crate::safe_text::strip_controls(&s).into_owned()
        }
        other => return Err(unsupported("screen", other, "text or json")),
    };
    print(&out)?;
    Ok(Exit::Ok)
}
