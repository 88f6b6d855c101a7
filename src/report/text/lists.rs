//! The list as of a date, what differs between two dates, and what is scheduled: plain text.

use std::fmt::Write as _;

use chrono::NaiveDate;

use crate::diff::list::{Delta, Event, ListDelta, ListedEntry, Status};
use crate::diff::redline;
use crate::report::short_citation;

/// `regwatch list`: the list as of a date, one line per code, on whose authority each stands.
pub fn list(entries: &[ListedEntry], as_of: NaiveDate, lang: crate::report::Lang) -> String {
    let mut out = format!("Control list as of {as_of} ({} entries)\n", entries.len());
    for e in entries {
        let status = status_words(e);
        let (desc, beneath) = crate::report::describe(
            lang,
            &e.description,
            &e.description_en,
            e.description_en_source,
        );
        let _ = writeln!(
            out,
            "{:<28} {:<12} {}  ({})",
            status,
            e.code,
            desc,
            authority(e)
        );
        if let Some(zh) = beneath {
            let _ = writeln!(out, "{:<28} {:<12} {zh}", "", "");
        }
    }
    if lang != crate::report::Lang::Zh {
        out.push_str(crate::report::PREVAILS);
        out.push('\n');
    }
    crate::safe_text::strip_controls(&out).into_owned()
}

/// On whose authority an entry stands as it does: the listing, and the announcement that set
/// its status when that is another (a suspension is the suspending announcement's), with the day
/// the status began.
fn authority(e: &ListedEntry) -> String {
    let since = e.since.map(|d| format!(" since {d}")).unwrap_or_default();
    if e.status_by != e.announcement {
        format!(
            "{} · {} by {}{since}",
            short_citation(&e.announcement),
            e.status.as_str(),
            short_citation(&e.status_by)
        )
    } else {
        format!(
            "{} · {}{since}",
            short_citation(&e.announcement),
            e.status.as_str()
        )
    }
}

/// "in-force until 2026-11-10" style status words.
fn status_words(e: &ListedEntry) -> String {
    match e.until {
        Some(u) => format!("{} until {u}", e.status.as_str()),
        None => e.status.as_str().to_string(),
    }
}

/// `regwatch compare`: what differs between the list on two dates, one line per code.
pub fn compare(deltas: &[ListDelta<'_>], from: NaiveDate, to: NaiveDate) -> String {
    let mut out = format!(
        "Control list changes from {from} to {to} ({} entries)\n",
        deltas.len()
    );
    for d in deltas {
        let _ = writeln!(out, "  {}", delta_line(&d.delta, d.before, d.after));
    }
    crate::safe_text::strip_controls(&out).into_owned()
}

fn delta_line(delta: &Delta, before: Option<&ListedEntry>, after: Option<&ListedEntry>) -> String {
    let Some(e) = after.or(before) else {
        return String::new();
    };
    let cite = short_citation(&e.announcement);
    match delta {
        Delta::Added => format!(
            "{:<10} {}  {} — {} ({cite})",
            "ADDED",
            e.code,
            e.description,
            status_words(e)
        ),
        Delta::Removed => format!("{:<10} {}  {} ({cite})", "REMOVED", e.code, e.description),
        Delta::Modified { fields } => {
            let fields: Vec<String> = fields
                .iter()
                .map(|f| match f.field {
                    "description" => format!("description: {}", redline(&f.before, &f.after)),
                    _ => format!("{}: {} → {}", f.field, f.before, f.after),
                })
                .collect();
            format!(
                "{:<10} {}  {} — {} ({cite})",
                "MODIFIED",
                e.code,
                fields.join("; "),
                status_words(e)
            )
        }
        Delta::StatusChanged { from, .. } => format!(
            "{:<10} {}  {} — {} → {} ({})",
            "STATUS",
            e.code,
            e.description,
            from.as_str(),
            status_words(e),
            short_citation(&e.status_by)
        ),
    }
}

/// `regwatch upcoming`: dated events ahead, grouped by date.
pub fn upcoming(events: &[Event], today: NaiveDate, until: NaiveDate) -> String {
    if events.is_empty() {
        return format!("Nothing scheduled after {today} up to {until}.\n");
    }
    let mut out = format!("Scheduled after {today} up to {until}\n");
    let mut last = None;
    for ev in events {
        if last != Some(ev.date) {
            let _ = writeln!(out, "\n{}", ev.date);
            last = Some(ev.date);
        }
        let _ = writeln!(out, "  {}", event_words(ev));
    }
    crate::safe_text::strip_controls(&out).into_owned()
}

/// What happens to an entry on an event's date, in words.
pub fn event_words(ev: &Event) -> String {
    let e = &ev.entry;
    let what = match (&ev.delta, ev.previous.as_ref()) {
        (Delta::StatusChanged { from, to }, prev) => match (from, to) {
            (Status::NotYetEffective, Status::InForce) => {
                format!("takes effect ({})", short_citation(&e.announcement))
            }
            (Status::Suspended, Status::InForce) => format!(
                "in force again: the suspension by {} ends",
                prev.map_or(String::new(), |(_, by)| short_citation(by))
            ),
            (_, Status::Suspended) => format!(
                "suspended{} by {}",
                e.until.map(|u| format!(" until {u}")).unwrap_or_default(),
                short_citation(&e.status_by)
            ),
            (_, Status::Repealed) => format!("repealed by {}", short_citation(&e.status_by)),
            (_, Status::Removed) => format!(
                "removed from the {} by {}",
                crate::report::list_name(&e.regime),
                short_citation(&e.status_by)
            ),
            (from, to) => format!("{} → {}", from.as_str(), to.as_str()),
        },
        (Delta::Modified { .. }, _) => {
            format!("restated by {} takes over", short_citation(&e.announcement))
        }
        (Delta::Added, _) => format!("listed ({})", short_citation(&e.announcement)),
        (Delta::Removed, _) => "no longer listed".to_string(),
    };
    // English where there is one (the JSON carries both descriptions beside this summary).
    let (desc, _) = crate::report::describe(
        crate::report::Lang::En,
        &e.description,
        &e.description_en,
        e.description_en_source,
    );
    format!("{:<12} {desc} — {what}", e.code)
}
