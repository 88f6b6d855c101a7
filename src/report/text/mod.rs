//! Plain-text renderers, for terminals, cron mail and logs.

use std::fmt::Write as _;

use super::{
    ChangeReport, Group, change_entry, disagreement, relation_targets, short_citation,
    status_transition, targets_phrase, text_edit,
};
use crate::check::CheckSummary;

use crate::diff::DocLine;
use crate::diff::{field_changes, redline};
use crate::store::{ChangeRecord, KnownAnnouncement, TextVersion};

mod lists;
pub use lists::{compare, event_words, list, upcoming};

pub fn changes(report: &ChangeReport<'_>) -> String {
    if report.is_empty() {
        return "No changes.\n".to_string();
    }
    let mut out = String::new();
    let headlines = super::summary::headlines(report);
    if !headlines.is_empty() {
        out.push_str("What happened:\n");
        for h in &headlines {
            let _ = writeln!(out, "  * {}", h.text);
        }
        out.push('\n');
    }
    for g in &report.groups {
        group(&mut out, g, report);
        out.push('\n');
    }
    if report.lang != super::Lang::Zh {
        out.push_str(super::PREVAILS);
        out.push('\n');
    }
    crate::safe_text::strip_controls(&out).into_owned()
}

fn group(out: &mut String, g: &Group<'_>, report: &ChangeReport<'_>) {
    let (known, lang, full) = (&report.known, report.lang, report.full);
    let _ = writeln!(out, "{}{}", g.citation(), dot_prefixed(&g.dates()));
    if let Some(a) = g.announcement {
        let (title, source) = super::title_en(a);
        // An English-language source's title is printed once, as it is.
        let own = title == a.title;
        if lang != super::Lang::Zh && !own {
            let mark = match source {
                crate::gloss::Source::Gloss => " (gloss)",
                crate::gloss::Source::Official => " (MOFCOM's English)",
            };
            let _ = writeln!(out, "  {title}{mark}");
        }
        if lang != super::Lang::En || own {
            let _ = writeln!(out, "  {}", a.title);
        }
    }
    let first = g.first_observed();
    let seen = if g.moved_on.is_some() {
        "recorded"
    } else {
        "first observed"
    };
    if let Some(c) = g.changes.iter().find(|c| c.url.is_some()) {
        let _ = writeln!(out, "  {}", c.url.as_deref().unwrap_or(""));
        let sha = g
            .changes
            .iter()
            .find_map(|c| c.sha256.as_deref())
            .map(|s| format!(" · sha256 {}", s))
            .unwrap_or_default();
        let _ = writeln!(out, "  {seen} {first}{sha}");
    }
    if g.moved_on.is_none()
        && let Some(a) = g.announcement
    {
        for d in super::doubts::of(a, known) {
            let _ = writeln!(out, "  DOUBT      {}: {}", d.kind, d.detail);
        }
    }
    for row in rows(g, full) {
        match row {
            Row::One(c) => {
                let _ = writeln!(out, "  {}", line(c, g, lang));
                let mut notes: Vec<String> = Vec::new();
                if let Some(t) = report.touches.get(&c.uid) {
                    notes.push(format!("touches {}", t.join(", ")));
                }
                if report.show_reviews {
                    notes.push(format!(
                        "{} {}",
                        c.uid,
                        super::touch::review_words(report.reviews.get(&c.uid))
                    ));
                }
                if !notes.is_empty() {
                    let _ = writeln!(out, "  {:<10} {}", "", notes.join(" · "));
                }
            }
            Row::Many(cs) => {
                let t = status_transition(cs[0]);
                let codes: Vec<String> = cs.iter().filter_map(|c| c.code.clone()).collect();
                let _ = writeln!(
                    out,
                    "  {:<10} {} entries → {}{} (as of {}, {}): {} (--full lists each)",
                    "STATUS",
                    cs.len(),
                    t.to,
                    t.until.map(|u| format!(" until {u}")).unwrap_or_default(),
                    t.as_of,
                    short_citation(&t.by),
                    codes.join(", ")
                );
            }
        }
    }
}

/// A report's row: one change, or several status changes with the same cause and kind.
pub(super) enum Row<'a> {
    One(&'a ChangeRecord),
    Many(Vec<&'a ChangeRecord>),
}

/// Rows with the same cause and kind — status changes of one day from one status to another by
/// one announcement — grouped under one row when there are more than three, unless `full`.
pub(super) fn rows<'a>(g: &Group<'a>, full: bool) -> Vec<Row<'a>> {
    let mut out: Vec<Row<'a>> = Vec::new();
    let mut pending: Vec<(String, Vec<&'a ChangeRecord>)> = Vec::new();
    for c in &g.changes {
        if full || c.kind != crate::check::transitions::STATUS_CHANGED {
            out.push(Row::One(c));
            continue;
        }
        let t = status_transition(c);
        let key = format!("{}|{}|{:?}|{}", t.to, t.by, t.until, t.before_by);
        match pending.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(c),
            None => pending.push((key, vec![*c])),
        }
    }
    for (_, cs) in pending {
        if cs.len() > 3 {
            out.push(Row::Many(cs));
        } else {
            out.extend(cs.into_iter().map(Row::One));
        }
    }
    out
}

fn dot_prefixed(s: &str) -> String {
    if s.is_empty() {
        String::new()
    } else {
        format!(" · {s}")
    }
}

/// One change, one line: `ADDED      1E902.a  稀土… — MOFCOM Announcement No. 62 of 2025, issued 2025-10-09`.
pub fn line(c: &ChangeRecord, g: &Group<'_>, lang: super::Lang) -> String {
    let tag = c.kind.to_uppercase();
    let mut cite = match g.announcement.and_then(|a| a.issued) {
        Some(d) => format!("{}, issued {d}", g.citation()),
        None => g.citation(),
    };
    // A version of a US or EU list: the act that made the change.
    if let Some(by) = g
        .announcement
        .and_then(|a| super::attribution::by(c, a, g.all))
    {
        cite.push_str(&format!(", {by}"));
    }
    match c.kind.as_str() {
        "published" => format!("{tag:<10} {}", g.citation()),
        crate::check::BASELINE | crate::check::ingest::TRANSLATED => {
            format!("{tag:<10} {}", super::sentence(c, g, lang))
        }
        "added" | "removed" => {
            let e = change_entry(c);
            let (code, (desc, beneath), hs) = e
                .map(|e| {
                    let d = super::describe_entry(lang, &e.entry, g.listing_of(&e));
                    (e.entry.code, d, e.entry.hs_codes)
                })
                .unwrap_or_default();
            let hs = if hs.is_empty() {
                String::new()
            } else {
                format!(" [HS {}]", hs.join(", "))
            };
            let beneath = beneath
                .map(|zh| format!("\n  {:<10} {:w$}  {zh}", "", "", w = code.chars().count()))
                .unwrap_or_default();
            format!("{tag:<10} {code}  {desc}{hs} — {cite}{beneath}")
        }
        "modified" => {
            let before = c
                .before
                .clone()
                .and_then(|v| serde_json::from_value::<crate::store::StoredEntry>(v).ok());
            let after = change_entry(c);
            let (Some(b), Some(a)) = (before, after) else {
                return format!("{tag:<10} {} — {cite}", c.code.as_deref().unwrap_or(""));
            };
            let fields: Vec<String> = field_changes(&b.entry, &a.entry)
                .into_iter()
                .map(|f| match f.field {
                    "description" => format!("description: {}", redline(&f.before, &f.after)),
                    _ => format!("{}: {} → {}", f.field, f.before, f.after),
                })
                .collect();
            format!("{tag:<10} {}  {} — {cite}", a.entry.code, fields.join("; "))
        }
        crate::check::transitions::STATUS_CHANGED => {
            let t = status_transition(c);
            let e = change_entry(c);
            // One line per status change: the English alone (the Chinese is under the entry's
            // `added` line), or the Chinese alone.
            let (code, desc) = e
                .map(|e| {
                    (
                        e.entry.code.clone(),
                        super::describe_entry(lang, &e.entry, g.listing_of(&e)).0,
                    )
                })
                .unwrap_or_default();
            let until = t.until.map(|u| format!(" until {u}")).unwrap_or_default();
            // A suspension over on an entry that was never in force: it takes effect now.
            let note = if t.from == "suspended" && t.to == "in-force" {
                if t.was_in_force {
                    format!(
                        ", in force again: the suspension by {} ended",
                        short_citation(&t.before_by)
                    )
                } else {
                    format!(
                        ", takes effect (suspension by {} over; never in force before)",
                        short_citation(&t.before_by)
                    )
                }
            } else {
                String::new()
            };
            format!(
                "{:<10} {code}  {desc} — {} → {}{until} (as of {}, {}{note})",
                "STATUS",
                t.from,
                t.to,
                t.as_of,
                short_citation(&t.by)
            )
        }
        crate::check::SOURCE_FAILING
        | crate::check::SOURCE_RECOVERED
        | crate::correction::CORRECTED => {
            format!("{tag:<10} {}", super::sentence(c, g, lang))
        }
        crate::check::ingest::TEXT_EDITED => {
            let (from, to, lines) = text_edit(c);
            format!(
                "{:<10} version {from} → {to}: {lines} line{} changed — regwatch diff {}",
                "EDITED",
                if lines == 1 { "" } else { "s" },
                c.announcement
            )
        }
        crate::check::ingest::COPIES_DISAGREE => {
            let (believed, copy, differences) = disagreement(c);
            format!(
                "{tag:<10} {copy} differs from {believed}: {} — keeping the first copy",
                differences.join("; ")
            )
        }
        _ => {
            let after = c.after.as_ref();
            let targets = relation_targets(c);
            let date = |k: &str| {
                after
                    .and_then(|v| v.get(k))
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            };
            let mut s = format!(
                "{tag:<10} {} · by {}",
                targets_phrase(&targets),
                short_citation(&c.announcement)
            );
            match (date("from"), date("until")) {
                (Some(f), Some(u)) => s.push_str(&format!(" · {f} → {u}")),
                (Some(f), None) => s.push_str(&format!(" · from {f}")),
                (None, Some(u)) => s.push_str(&format!(" · until {u}")),
                (None, None) => {}
            }
            if let Some(scope) = after.and_then(|v| v.get("scope")).and_then(|v| v.as_str()) {
                s.push_str(&format!(" · {scope}"));
            }
            s
        }
    }
}

/// The one-screen summary `regwatch check` prints.
pub fn summary(s: &CheckSummary) -> String {
    let mut out = String::new();
    for src in &s.sources {
        let status = if src.ok { "ok" } else { "FAILED" };
        let _ = writeln!(
            out,
            "{:<16} {status:<6} {} links · {} fetched · {} not modified · {} new versions · {} changes",
            src.id, src.links, src.fetched, src.not_modified, src.new_versions, src.changes
        );
        for f in &src.failures {
            let _ = writeln!(out, "  ! {}: {}", f.url, f.reason);
        }
    }
    if s.status_changes > 0 {
        let _ = writeln!(
            out,
            "{:<16} {} status change{} by date",
            "list",
            s.status_changes,
            if s.status_changes == 1 { "" } else { "s" }
        );
    }
    let failed = s.failed_sources();
    if s.doubts > 0 {
        let _ = writeln!(
            out,
            "{} doubt{} about what was read: regwatch doubts",
            s.doubts,
            if s.doubts == 1 { "" } else { "s" }
        );
    }
    let _ = writeln!(
        out,
        "{} change{} recorded; {} of {} sources failed (checked at {}).",
        s.changes,
        if s.changes == 1 { "" } else { "s" },
        failed,
        s.sources.len(),
        s.checked_at
    );
    crate::safe_text::strip_controls(&out).into_owned()
}

pub fn announcements(
    list: &[KnownAnnouncement],
    corrections: &[crate::correction::Correction],
) -> String {
    let mut out = String::new();
    let known = super::doubts::known(list);
    let none = std::collections::HashMap::new();
    for a in list {
        let g = Group {
            announcement: Some(a),
            key: &a.key,
            moved_on: None,
            changes: Vec::new(),
            all: &none,
        };
        let _ = writeln!(out, "{}{}", a.citation(), dot_prefixed(&g.dates()));
        let _ = writeln!(out, "  {}", a.title);
        let _ = writeln!(
            out,
            "  {} entries · {} relations",
            a.entries.len(),
            a.relations.len()
        );
        for r in &a.relations {
            let mut s = format!("  {} {}", r.kind.as_str(), short_citation(&r.target));
            if let Some(sc) = &r.scope {
                s.push_str(&format!(" ({sc})"));
            }
            if let Some(f) = r.from {
                s.push_str(&format!(" from {f}"));
            }
            if let Some(u) = r.until {
                s.push_str(&format!(" until {u}"));
            }
            let _ = writeln!(out, "{s}");
        }
        for d in super::doubts::of(a, &known) {
            let _ = writeln!(out, "  DOUBT {}: {}", d.kind, d.detail);
        }
        for c in corrections.iter().filter(|c| c.announcement == a.key) {
            let _ = writeln!(
                out,
                "  CORRECTED {} — corrected by {} on {}: {}{}",
                c.fix.describe(),
                c.by,
                c.at.get(..10).unwrap_or(&c.at),
                c.why,
                c.unnecessary_since
                    .as_ref()
                    .map(|t| format!(" (unnecessary since {t}: the page now says the same)"))
                    .unwrap_or_default()
            );
        }
        for u in &a.urls {
            let _ = writeln!(out, "  {u}");
        }
    }
    crate::safe_text::strip_controls(&out).into_owned()
}

/// `regwatch diff`: the text of one announcement between two versions, passage by passage.
pub fn text_diff(a: &KnownAnnouncement, from: &TextVersion, to: &TextVersion) -> String {
    let mut out = format!("{}\n  {}\n", a.citation(), a.title);
    for (label, v) in [("from", from), ("to", to)] {
        let _ = writeln!(
            out,
            "  {label} version {} · observed {} · sha256 {} · {}",
            v.version, v.observed_at, &v.sha256, v.url
        );
    }
    let hunks = crate::diff::text_diff(&from.text, &to.text);
    if hunks.is_empty() {
        out.push_str("\nNo difference in the text.\n");
    }
    for hunk in hunks {
        out.push_str("\n@@\n");
        for line in hunk {
            let (mark, text) = match &line {
                DocLine::Same(t) => (' ', t),
                DocLine::Removed(t) => ('-', t),
                DocLine::Added(t) => ('+', t),
                DocLine::Reworded(t) => ('~', t),
            };
            // Table cells are tab-separated in the stored text.
            let _ = writeln!(out, "{mark} {}", text.replace('\t', " | "));
        }
    }
    crate::safe_text::strip_controls(&out).into_owned()
}

/// "How current this is" for the foot of a report: every source's last successful check, and
/// which are failing, so that stale data is never read as current.
pub fn currency(currency: &[crate::report::Currency]) -> String {
    if currency.is_empty() {
        return String::new();
    }
    let mut out = String::from("How current this is:\n");
    for c in currency {
        let _ = writeln!(out, "  {}", c.line());
    }
    crate::safe_text::strip_controls(&out).into_owned()
}
