//! Doubts: what regwatch is unsure of, said out loud. Most are found while reading a page and
//! stored with the announcement (`Announcement::doubts`); some need the whole store to see, such
//! as a relation whose target no page has shown (`referenced but not seen`).

use std::collections::HashSet;
use std::fmt::Write as _;

use serde_json::json;

use crate::model::{Doubt, RelationKind};
use crate::store::KnownAnnouncement;

/// The consolidated list's own announcement: every list update "amends" it, and it is not a
/// page regwatch expects to read.
const UNIFIED_LIST: &str = "MOFCOM-2024-51";

/// An announcement's doubts: those found when it was read, and those the store shows.
pub fn of(a: &KnownAnnouncement, known: &HashSet<&str>) -> Vec<Doubt> {
    let mut out = a.doubts.clone();
    for r in &a.relations {
        let the_list = r.kind == RelationKind::Amends && r.target == UNIFIED_LIST;
        if !the_list && !known.contains(r.target.as_str()) {
            let d = Doubt::new(
                "target-not-seen",
                format!(
                    "{} {}: referenced but not seen (no page of it has been read), so its entries are not on the list",
                    r.kind.as_str(),
                    r.target
                ),
            );
            if !out.contains(&d) {
                out.push(d);
            }
        }
    }
    out
}

/// The keys of every known announcement, for [`of`].
pub fn known(list: &[KnownAnnouncement]) -> HashSet<&str> {
    list.iter().map(|a| a.key.as_str()).collect()
}

/// One row per doubt: announcement, citation, kind, detail, URL.
fn rows(list: &[KnownAnnouncement]) -> Vec<(&KnownAnnouncement, Doubt)> {
    let known = known(list);
    list.iter()
        .flat_map(|a| of(a, &known).into_iter().map(move |d| (a, d)))
        .collect()
}

/// `regwatch doubts`: every doubt, by announcement.
pub fn text(list: &[KnownAnnouncement]) -> String {
    let rows = rows(list);
    let mut out = String::new();
    if rows.is_empty() {
        out.push_str("No doubts: every announcement read as expected.\n");
    }
    let mut last = "";
    for (a, d) in &rows {
        if a.key != last {
            let _ = writeln!(out, "{} — {}", a.citation(), a.title);
            if let Some(u) = a.urls.first() {
                let _ = writeln!(out, "  {u}");
            }
            last = &a.key;
        }
        let _ = writeln!(out, "  DOUBT  {:<24} {}", d.kind, d.detail);
    }
    crate::safe_text::strip_controls(&out).into_owned()
}

/// `regwatch doubts --format md`.
pub fn markdown(list: &[KnownAnnouncement]) -> String {
    let rows = rows(list);
    let mut out = String::from("# Doubts\n\n| announcement | kind | detail |\n|---|---|---|\n");
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    for (a, d) in &rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            cell(&a.citation()),
            cell(&d.kind),
            cell(&d.detail)
        );
    }
    crate::safe_text::strip_controls(&out).into_owned()
}

/// `regwatch doubts --format json`: `[{announcement, citation, kind, detail, url}]`.
pub fn json(list: &[KnownAnnouncement]) -> String {
    let rows: Vec<_> = rows(list)
        .into_iter()
        .map(|(a, d)| {
            json!({
                "announcement": a.key,
                "citation": a.citation(),
                "kind": d.kind,
                "detail": d.detail,
                "url": a.urls.first(),
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&rows).unwrap_or_else(|_| "[]".into());
    s.push('\n');
    s
}
