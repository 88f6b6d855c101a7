//! `regwatch impact`: per product, the listed entries that may cover it on a date, why, their
//! status and on whose authority, and the changes that touched them since a date.

use std::fmt::Write as _;

use anyhow::{Context, Result};

use super::{Ctx, Exit, Format, ListInputs, parse_day, parse_instant, print, usage};
use crate::diff::list::{ListedEntry, Timeline};
use crate::impact::{Product, exposures};
use crate::report::short_citation;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The date the list is read at (YYYY-MM-DD or RFC 3339); today in Beijing by default.
    #[arg(long)]
    as_of: Option<String>,
    /// Also the changes that touched each product's entries since this date.
    #[arg(long)]
    since: Option<String>,
    /// The products file (CSV); `products` in the configuration by default.
    #[arg(long, value_name = "FILE")]
    products: Option<std::path::PathBuf>,
    #[arg(long, value_parser = super::formats(&["text", "md", "csv", "json"]), default_value = "text")]
    format: Format,
}

/// The products named by `--products` or the configuration.
pub fn load_products(ctx: &Ctx, path: Option<&std::path::Path>) -> Result<Vec<Product>> {
    let Some(path) = path.or(ctx.config.products.as_deref()) else {
        return Err(usage(
            "no products: give --products FILE or set `products` in the configuration",
        ));
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("while reading the products file {}", path.display()))?;
    crate::impact::parse_products(&text).map_err(|e| usage(format!("{}: {e}", path.display())))
}

fn status_words(e: &ListedEntry) -> String {
    let mut s = e.status.as_str().to_string();
    if let Some(u) = e.until {
        s.push_str(&format!(" until {u}"));
    }
    if let Some(d) = e.since {
        s.push_str(&format!(" since {d}"));
    }
    s.push_str(&format!(" ({})", short_citation(&e.status_by)));
    s
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<Exit> {
    let products = load_products(ctx, args.products.as_deref())?;
    let as_of = match &args.as_of {
        Some(s) => parse_day("--as-of", s)?,
        None => ctx.today(None),
    };
    let since = args
        .since
        .as_deref()
        .map(|s| parse_instant(s, false))
        .transpose()?;
    let inputs = ListInputs::load(ctx, None)?;
    let list = Timeline::new(&inputs.announcements).list(&inputs.entries, as_of);
    let found = exposures(&products, &list);
    // The changes since `--since` to each product's entries.
    let changes = match &since {
        Some(s) => ctx.open_store()?.changes(Some(s), None)?,
        None => Vec::new(),
    };
    let touching = |codes: &[&ListedEntry]| -> Vec<&crate::store::ChangeRecord> {
        changes
            .iter()
            .filter(|c| {
                codes.iter().any(|e| {
                    c.regime.as_deref() == Some(e.regime.as_str())
                        && c.code.as_deref() == Some(e.code.as_str())
                })
            })
            .collect()
    };
    let out = match args.format {
        Format::Json => {
            let rows: Vec<serde_json::Value> = found
                .iter()
                .map(|x| {
                    let codes: Vec<&ListedEntry> = x.entries.iter().map(|c| c.entry).collect();
                    serde_json::json!({
                        "product": x.product,
                        "as_of": as_of,
                        "entries": x.entries,
                        "changes": touching(&codes).iter().map(|c| serde_json::json!({
                            "id": c.uid, "kind": c.kind, "code": c.code,
                            "announcement": c.announcement, "observed_at": c.observed_at,
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&rows)?;
            s.push('\n');
            s
        }
        Format::Csv => {
            let mut rows = vec![vec![
                "product_id".to_string(),
                "product".into(),
                "code".into(),
                "status".into(),
                "since".into(),
                "until".into(),
                "status_by".into(),
                "announcement".into(),
                "why".into(),
                "description_en".into(),
                "description".into(),
            ]];
            for x in &found {
                for c in &x.entries {
                    let e = c.entry;
                    rows.push(vec![
                        x.product.id.clone(),
                        x.product.name.clone(),
                        e.code.clone(),
                        e.status.as_str().into(),
                        e.since.map(|d| d.to_string()).unwrap_or_default(),
                        e.until.map(|d| d.to_string()).unwrap_or_default(),
                        e.status_by.clone(),
                        e.announcement.clone(),
                        c.why.join("; "),
                        e.description_en.clone(),
                        e.description.clone(),
                    ]);
                }
            }
            crate::report::csv::table(&rows)
        }
        Format::Md => {
            let mut s = format!("# Impact as of {as_of}\n");
            for x in &found {
                let _ = writeln!(s, "\n## {} — {}\n", x.product.id, x.product.name);
                if x.entries.is_empty() {
                    s.push_str("No listed entry covers it.\n");
                    continue;
                }
                s.push_str("| Code | Status | Why | Entry |\n|---|---|---|---|\n");
                for c in &x.entries {
                    let _ = writeln!(
                        s,
                        "| {} | {} | {} | {} |",
                        c.entry.code,
                        status_words(c.entry),
                        c.why.join("; ").replace('|', "\\|"),
                        c.entry.description_en.replace('|', "\\|")
                    );
                }
            }
            s
        }
        _ => {
            let mut s = format!(
                "Impact as of {as_of}: {} product{}\n",
                found.len(),
                if found.len() == 1 { "" } else { "s" }
            );
            for x in &found {
                let _ = writeln!(s, "\n{}  {}", x.product.id, x.product.name);
                if x.entries.is_empty() {
                    let _ = writeln!(s, "  no listed entry covers it");
                }
                for c in &x.entries {
                    let e = c.entry;
                    let _ = writeln!(s, "  {:<12} {}", e.code, status_words(e));
                    let _ = writeln!(s, "  {:<12} {}", "", e.description_en);
                    let _ = writeln!(s, "  {:<12} why: {}", "", c.why.join("; "));
                }
                let codes: Vec<&ListedEntry> = x.entries.iter().map(|c| c.entry).collect();
                for c in touching(&codes) {
                    let _ = writeln!(
                        s,
                        "  changed: {} {} ({}, {})",
                        c.kind.to_uppercase(),
                        c.code.as_deref().unwrap_or(""),
                        short_citation(&c.announcement),
                        c.observed_at
                    );
                }
            }
            crate::safe_text::strip_controls(&s).into_owned()
        }
    };
    print(&out)?;
    Ok(Exit::Ok)
}
