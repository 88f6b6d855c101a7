//! Markdown renderers, for tickets, wikis and chat.

use std::fmt::Write as _;

use chrono::NaiveDate;

use super::{ChangeReport, sentence, short_citation, text};
use crate::diff::list::{Delta, Event, ListDelta, ListedEntry};

/// Escapes the characters that would break a Markdown table cell or inline text.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' | '\\' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

pub fn changes(report: &ChangeReport<'_>) -> String {
    if report.is_empty() {
        return "No changes.\n".to_string();
    }
    let mut out = String::from("# Regulatory changes\n");
    let headlines = super::summary::headlines(report);
    if !headlines.is_empty() {
        out.push_str("\n## What happened\n\n");
        for h in &headlines {
            let strong = h.weight == 0;
            let _ = writeln!(
                out,
                "- {}{}{}",
                if strong { "**" } else { "" },
                esc(&h.text),
                if strong { "**" } else { "" }
            );
        }
    }
    for g in &report.groups {
        let _ = writeln!(out, "\n## {}\n", esc(&g.citation()));
        if let Some(a) = g.announcement {
            let (title, source) = super::title_en(a);
            let own = title == a.title;
            if report.lang != super::Lang::Zh && !own {
                let _ = writeln!(
                    out,
                    "{}{}  ",
                    esc(&title),
                    match source {
                        crate::gloss::Source::Gloss => " (gloss)",
                        crate::gloss::Source::Official => " (MOFCOM's English)",
                    }
                );
            }
            if report.lang != super::Lang::En || own {
                let _ = writeln!(out, "*{}*  ", esc(&a.title));
            }
        }
        let dates = g.dates();
        if !dates.is_empty() {
            let _ = writeln!(out, "{}  ", esc(&dates));
        }
        if let Some(c) = g.changes.iter().find(|c| c.url.is_some()) {
            let url = c.url.as_deref().unwrap_or("");
            let _ = writeln!(
                out,
                "Source: <{}>, {} {}{}",
                url.replace('>', "%3E"),
                if g.moved_on.is_some() {
                    "recorded"
                } else {
                    "first observed"
                },
                g.first_observed(),
                g.changes
                    .iter()
                    .find_map(|c| c.sha256.as_deref())
                    .map(|h| format!(", sha256 `{h}`"))
                    .unwrap_or_default()
            );
        }
        if g.moved_on.is_none()
            && let Some(a) = g.announcement
        {
            for d in super::doubts::of(a, &report.known) {
                let _ = writeln!(out, "\n> **Doubt** ({}): {}", esc(&d.kind), esc(&d.detail));
            }
        }
        out.push_str("\n| Change | Summary |\n|---|---|\n");
        for row in text::rows(g, report.full) {
            match row {
                text::Row::One(c) => {
                    let zh = super::change_entry(c)
                        .filter(|_| report.lang == super::Lang::Both)
                        .map(|e| e.entry.description)
                        .filter(|d| d.chars().any(crate::gloss::is_cjk))
                        .map(|d| format!("<br>{}", esc(&d)))
                        .unwrap_or_default();
                    let mut notes = String::new();
                    if let Some(t) = report.touches.get(&c.uid) {
                        notes.push_str(&format!("<br>touches {}", esc(&t.join(", "))));
                    }
                    if report.show_reviews {
                        notes.push_str(&format!(
                            "<br>`{}` {}",
                            c.uid,
                            esc(&super::touch::review_words(report.reviews.get(&c.uid)))
                        ));
                    }
                    let _ = writeln!(
                        out,
                        "| {} | {}{zh}{notes} |",
                        c.kind.to_uppercase(),
                        esc(&sentence(c, g, report.lang))
                    );
                }
                text::Row::Many(cs) => {
                    let t = super::status_transition(cs[0]);
                    let codes: Vec<String> = cs.iter().filter_map(|c| c.code.clone()).collect();
                    let _ = writeln!(
                        out,
                        "| STATUS | {} entries → {}{} on {} ({}): {} |",
                        cs.len(),
                        t.to,
                        t.until.map(|u| format!(" until {u}")).unwrap_or_default(),
                        t.as_of,
                        esc(&super::short_citation(&t.by)),
                        esc(&codes.join(", "))
                    );
                }
            }
        }
    }
    crate::safe_text::strip_controls(&out).into_owned()
}

/// `list --format md`: a table a lawyer can paste into a memo.
pub fn list(entries: &[ListedEntry], as_of: NaiveDate) -> String {
    let mut out = format!(
        "# Control list as of {as_of}\n\n| Code | Description | Status | Since | Status set by | Effective | Announcement |\n|---|---|---|---|---|---|---|\n"
    );
    for e in entries {
        let mut status = e.status.as_str().to_string();
        if let Some(u) = e.until {
            status.push_str(&format!(" until {u}"));
        }
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            esc(&e.code),
            esc(&e.description),
            status,
            e.since.map(|d| d.to_string()).unwrap_or_default(),
            esc(&short_citation(&e.status_by)),
            e.effective_from.map(|d| d.to_string()).unwrap_or_default(),
            esc(&short_citation(&e.announcement))
        );
    }
    crate::safe_text::strip_controls(&out).into_owned()
}

/// `compare --format md`.
pub fn compare(deltas: &[ListDelta<'_>], from: NaiveDate, to: NaiveDate) -> String {
    let mut out = format!(
        "# Control list changes from {from} to {to}\n\n| Change | Code | Description | Status | Announcement |\n|---|---|---|---|---|\n"
    );
    for d in deltas {
        let Some(e) = d.after.or(d.before) else {
            continue;
        };
        let status = match &d.delta {
            Delta::StatusChanged { from, to } => format!("{} → {}", from.as_str(), to.as_str()),
            _ => e.status.as_str().to_string(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            d.delta.kind(),
            esc(&e.code),
            esc(&e.description),
            status,
            esc(&short_citation(&e.status_by))
        );
    }
    crate::safe_text::strip_controls(&out).into_owned()
}

/// `upcoming --format md`.
pub fn upcoming(events: &[Event], today: NaiveDate, until: NaiveDate) -> String {
    let mut out = format!(
        "# Scheduled after {today} up to {until}\n\n| Date | Code | What happens |\n|---|---|---|\n"
    );
    for ev in events {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            ev.date,
            esc(&ev.entry.code),
            esc(&text::event_words(ev))
        );
    }
    crate::safe_text::strip_controls(&out).into_owned()
}

/// "How current this is", as a Markdown list.
pub fn currency(currency: &[crate::report::Currency]) -> String {
    if currency.is_empty() {
        return String::new();
    }
    let mut out = String::from("**How current this is**\n\n");
    for c in currency {
        let _ = writeln!(out, "- {}", esc(&c.line()));
    }
    crate::safe_text::strip_controls(&out).into_owned()
}
