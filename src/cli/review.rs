//! `regwatch review`: who has looked at which change, and what they decided.
//!
//! Without `--as`, lists changes with their review state (`--unreviewed`: the ones left to look
//! at). With `--as STATE`, records a review of the changes named by id; a later review of a
//! change supersedes the earlier one, and every review is kept.

use std::fmt::Write as _;

use anyhow::Result;

use super::{Ctx, Exit, Format, print, usage};
use crate::clock::format_time;
use crate::report::touch::review_words;
use crate::store::review::{Review, ReviewState};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Change ids to review (`c…`, as `changes` shows them). Without `--as`, lists changes.
    ids: Vec<String>,
    /// Record this decision for the changes named.
    #[arg(long = "as", value_enum, value_name = "STATE")]
    state: Option<ReviewState>,
    /// Why, in a sentence (kept with the review).
    #[arg(long, default_value = "")]
    note: String,
    /// Who reviewed (default: $USER).
    #[arg(long)]
    by: Option<String>,
    /// List only changes nobody has reviewed yet.
    #[arg(long)]
    unreviewed: bool,
    /// List only changes touching this watch (repeatable).
    #[arg(long, value_name = "NAME")]
    watch: Vec<String>,
    #[arg(long, value_parser = super::formats(&["text", "json"]), default_value = "text")]
    format: Format,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<Exit> {
    match args.state {
        Some(state) => record(ctx, args, state),
        None if !args.ids.is_empty() => Err(usage(
            "say what you decided: --as reviewed|not-applicable|needs-action",
        )),
        None => list(ctx, args),
    }
}

fn record(ctx: &Ctx, args: &Args, state: ReviewState) -> Result<Exit> {
    let by = args
        .by
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .filter(|b| !b.trim().is_empty())
        .ok_or_else(|| usage("say who reviewed: --by NAME"))?;
    let (_lock, mut store) = ctx.lock_and_open()?;
    let at = format_time(ctx.clock.now());
    let tx = store.transaction()?;
    for id in &args.ids {
        let review = Review {
            change: id.clone(),
            state,
            note: args.note.clone(),
            by: by.clone(),
            at: at.clone(),
        };
        if !tx.add_review(&review)? {
            return Err(usage(format!(
                "no change has the id {id:?} (`regwatch review` lists them); nothing recorded"
            )));
        }
    }
    tx.commit()?;
    print(&format!(
        "{} change{} marked {} by {by}.\n",
        args.ids.len(),
        if args.ids.len() == 1 { "" } else { "s" },
        state.as_str()
    ))?;
    Ok(Exit::Ok)
}

fn list(ctx: &Ctx, args: &Args) -> Result<Exit> {
    let super::Selection {
        changes,
        announcements,
        reviews,
        touches,
    } = super::select_changes(ctx, None, None, args.unreviewed, &args.watch)?;
    let report = crate::report::ChangeReport::new(&changes, &announcements);
    let out = match args.format {
        Format::Json => {
            let rows: Vec<serde_json::Value> = report
                .groups
                .iter()
                .flat_map(|g| {
                    let (reviews, touches) = (&reviews, &touches);
                    g.changes.iter().map(move |c| {
                        serde_json::json!({
                            "id": c.uid,
                            "kind": c.kind,
                            "code": c.code,
                            "announcement": c.announcement,
                            "sentence": crate::report::sentence(c, g, ctx.lang),
                            "observed_at": c.observed_at,
                            "review": reviews.get(&c.uid),
                            "touches": touches.get(&c.uid).cloned().unwrap_or_default(),
                        })
                    })
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&rows)?;
            s.push('\n');
            s
        }
        _ => {
            let n: usize = report.groups.iter().map(|g| g.changes.len()).sum();
            let open = report
                .groups
                .iter()
                .flat_map(|g| &g.changes)
                .filter(|c| !reviews.contains_key(&c.uid))
                .count();
            let mut s = format!("{n} changes, {open} unreviewed\n");
            for g in &report.groups {
                for c in &g.changes {
                    let _ = writeln!(
                        s,
                        "{} {:<14} {} {}",
                        c.uid,
                        c.kind.to_uppercase(),
                        review_words(reviews.get(&c.uid)),
                        crate::report::sentence(c, g, ctx.lang)
                    );
                    if let Some(t) = touches.get(&c.uid) {
                        let _ = writeln!(s, "{:<16} touches {}", "", t.join(", "));
                    }
                }
            }
            crate::safe_text::strip_controls(&s).into_owned()
        }
    };
    print(&out)?;
    Ok(Exit::Ok)
}
