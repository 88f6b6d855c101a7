//! `regwatch correct` and `regwatch corrections`: a person's fix to what was extracted, kept with
//! who, when and why, applied now and on top of every later reading of the page.

use anyhow::{Context, Result};
use chrono::NaiveDate;

use super::{Ctx, Exit, Format, parse_day, print, unsupported, usage};
use crate::clock::format_time;
use crate::correction::{CORRECTED, Fix};
use crate::model::{ItemType, RelationKind};
use crate::store::{Evidence, NewChange, RecordedPage};

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["relation", "remove_relation", "effective", "entry", "remove_entry"])))]
pub struct Args {
    /// The announcement, e.g. MOFCOM-2025-70.
    key: String,
    /// Who makes the correction (kept with it, shown in reports).
    #[arg(long)]
    by: String,
    /// Why: what the text says. Kept with the correction and shown in reports.
    #[arg(long)]
    why: String,
    /// Set a relation's dates or scope (added when the reading missed it): KIND:TARGET, e.g.
    /// suspends:MOFCOM-2025-55, with --from, --until, --scope.
    #[arg(long, value_name = "KIND:TARGET")]
    relation: Option<String>,
    /// Remove a relation read where there is none: KIND:TARGET.
    #[arg(long, value_name = "KIND:TARGET")]
    remove_relation: Option<String>,
    /// The date the announcement (or, with --scope, a clause) takes effect.
    #[arg(long, value_name = "DATE")]
    effective: Option<String>,
    /// Correct an entry (with --description, --hs-codes, --item-type).
    #[arg(long, value_name = "CODE")]
    entry: Option<String>,
    /// Remove an entry read where there is none.
    #[arg(long, value_name = "CODE")]
    remove_entry: Option<String>,
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    #[arg(long, value_name = "DATE")]
    until: Option<String>,
    #[arg(long)]
    scope: Option<String>,
    #[arg(long)]
    description: Option<String>,
    /// Customs codes, comma-separated.
    #[arg(long, value_name = "CODES")]
    hs_codes: Option<String>,
    #[arg(long, value_name = "TYPE")]
    item_type: Option<String>,
}

fn day(flag: &str, v: &Option<String>) -> Result<Option<NaiveDate>> {
    v.as_deref().map(|s| parse_day(flag, s)).transpose()
}

fn kind_target(flag: &str, v: &str) -> Result<(RelationKind, String)> {
    let (kind, target) = v.split_once(':').ok_or_else(|| {
        usage(format!(
            "{flag} takes KIND:TARGET, e.g. suspends:MOFCOM-2025-55"
        ))
    })?;
    let kind = RelationKind::parse(kind).ok_or_else(|| {
        usage(format!(
            "{flag}: unknown relation kind {kind:?} (suspends, resumes, amends, repeals, supersedes)"
        ))
    })?;
    Ok((kind, target.to_string()))
}

fn fix_of(args: &Args) -> Result<Fix> {
    if let Some(v) = &args.relation {
        let (kind, target) = kind_target("--relation", v)?;
        let (from, until) = (day("--from", &args.from)?, day("--until", &args.until)?);
        if from.is_none() && until.is_none() && args.scope.is_none() {
            return Err(usage("--relation needs --from, --until or --scope"));
        }
        return Ok(Fix::Relation {
            kind,
            target,
            scope: args.scope.clone(),
            from,
            until,
        });
    }
    if let Some(v) = &args.remove_relation {
        let (kind, target) = kind_target("--remove-relation", v)?;
        return Ok(Fix::RemoveRelation { kind, target });
    }
    if let Some(d) = &args.effective {
        return Ok(Fix::Effective {
            date: parse_day("--effective", d)?,
            scope: args.scope.clone(),
        });
    }
    if let Some(code) = &args.entry {
        let item_type = match &args.item_type {
            Some(t) => Some(ItemType::parse(t).ok_or_else(|| {
                usage(format!(
                    "--item-type {t:?}: one of goods, equipment, material, software, technology, service, measure"
                ))
            })?),
            None => None,
        };
        let hs_codes = args.hs_codes.as_ref().map(|h| {
            h.split([',', ' '])
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect()
        });
        if args.description.is_none() && hs_codes.is_none() && item_type.is_none() {
            return Err(usage(
                "--entry needs --description, --hs-codes or --item-type",
            ));
        }
        return Ok(Fix::Entry {
            code: code.clone(),
            description: args.description.clone(),
            hs_codes,
            item_type,
        });
    }
    match &args.remove_entry {
        Some(code) => Ok(Fix::RemoveEntry { code: code.clone() }),
        None => Err(usage("say what to correct")),
    }
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<Exit> {
    let fix = fix_of(args)?;
    if args.by.trim().is_empty() || args.why.trim().is_empty() {
        return Err(usage(
            "--by and --why are kept with every correction; neither may be empty",
        ));
    }
    let (_lock, mut store) = ctx.lock_and_open()?;
    let now = format_time(ctx.clock.now());
    let tx = store.transaction()?;
    let prev = tx.announcement(&args.key)?.ok_or_else(|| {
        usage(format!(
            "no announcement {} is known (regwatch announcements lists them)",
            args.key
        ))
    })?;
    let text = tx
        .latest_text_version(&args.key)?
        .map(|v| v.text)
        .unwrap_or_default();
    let read = prev.to_announcement(text);
    if fix.agrees(&read) {
        print(&format!(
            "{} already says so ({}); nothing recorded.\n",
            prev.citation(),
            fix.describe()
        ))?;
        return Ok(Exit::Ok);
    }
    let mut corrected = read.clone();
    fix.apply(&mut corrected).map_err(usage)?;
    let id = tx.add_correction(&args.key, &fix, &args.by, &args.why, &now)?;
    let url = tx
        .snapshot_url(prev.snapshot)?
        .context("the announcement's stored page is missing")?;
    let page = RecordedPage {
        snapshot: prev.snapshot,
        sha256: String::new(),
        new_version: false,
        dictionary: None,
    };
    // The corrected announcement goes through the same path as a new reading: its changes are
    // recorded (an entry modified, a suspension's end moved), then statuses that moved today.
    let changes = match crate::check::ingest::apply(&tx, &url, &page, &corrected, &now, false)? {
        crate::check::ingest::Applied::Recorded { changes } => changes,
        crate::check::ingest::Applied::Rejected(e) => {
            return Err(usage(format!(
                "the corrected announcement was not accepted: {e}"
            )));
        }
    };
    tx.record_change(&NewChange {
        kind: CORRECTED,
        regime: None,
        code: None,
        announcement: &args.key,
        before: None,
        after: Some(serde_json::json!({
            "correction": id,
            "fix": fix.describe(),
            "by": args.by,
            "why": args.why,
            "at": now,
        })),
        evidence: Evidence::Snapshot(prev.snapshot),
        observed_at: &now,
    })?;
    let moved = crate::check::transitions::record(&tx, ctx.clock.now())?;
    tx.commit()?;
    print(&format!(
        "Correction {id} recorded for {}: {} — by {}: {}\n{} change{} recorded, {} status{} moved.\n",
        prev.citation(),
        fix.describe(),
        args.by,
        args.why,
        changes + 1,
        if changes == 0 { "" } else { "s" },
        moved,
        if moved == 1 { "" } else { "es" }
    ))?;
    Ok(Exit::Ok)
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    #[arg(long, value_parser = super::formats(&["text", "json"]), default_value = "text")]
    format: Format,
}

/// `regwatch corrections`: every correction, with who, when, why, and whether a later reading
/// made it unnecessary.
pub fn list(ctx: &Ctx, args: &ListArgs) -> Result<Exit> {
    let corrections = ctx.open_store()?.corrections()?;
    let out = match args.format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&corrections)?;
            s.push('\n');
            s
        }
        Format::Text => {
            let mut s = String::new();
            if corrections.is_empty() {
                s.push_str("No corrections.\n");
            }
            for c in &corrections {
                s.push_str(&format!(
                    "{:>4}  {}  {}\n      by {} on {}: {}\n",
                    c.id,
                    c.announcement,
                    c.fix.describe(),
                    c.by,
                    c.at,
                    c.why
                ));
                if let Some(t) = &c.unnecessary_since {
                    s.push_str(&format!(
                        "      unnecessary since {t}: the page as read now says the same\n"
                    ));
                }
            }
            crate::safe_text::strip_controls(&s).into_owned()
        }
        other => return Err(unsupported("corrections", other, "text or json")),
    };
    print(&out)?;
    Ok(Exit::Ok)
}
