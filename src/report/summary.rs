//! Summary first: what happened, one line per cause — an announcement (`MOFCOM No. 70 of 2025
//! suspended 23 entries of Nos. 55–58, 61, 62, 2025-11-07 → 2026-11-10`) or a date rule
//! (`2026-11-11: the suspension by No. 70 ended; 23 entries apply again, incl. 1E902.a …`).
//! Every report and digest opens with these lines; the digest's subject is the weightiest.

use super::{
    ChangeReport, Group, Lang, change_entry, list_name, relation_targets, short_citation,
    status_transition,
};
use crate::check::transitions::STATUS_CHANGED;
use crate::store::ChangeRecord;

/// One line of the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Headline {
    /// What kind of event it is, for styling: `removed`, `suspended`, `repealed`, `added`,
    /// `ended` (a suspension over), `took-effect`, `modified`, `edited`, `published`, `other`.
    pub kind: &'static str,
    /// How much it matters: 0 (a list shrinks: suspensions, removals, repeals) to 6.
    pub weight: u8,
    pub text: String,
}

/// The headlines of a report, in the report's order (when each was first observed).
pub fn headlines(report: &ChangeReport<'_>) -> Vec<Headline> {
    // What already existed when regwatch began is one line, however many announcements.
    let baseline: Vec<String> = report
        .groups
        .iter()
        .filter(|g| g.changes.iter().any(|c| c.kind == crate::check::BASELINE))
        .map(|g| {
            let n = g
                .changes
                .iter()
                .find(|c| c.kind == crate::check::BASELINE)
                .and_then(|c| c.after.as_ref())
                .and_then(|v| v.get("entries"))
                .and_then(|v| v.as_u64())
                .unwrap_or(0);
            format!(
                "{} ({})",
                short_citation(g.key),
                plural(n as usize, "entry", "entries")
            )
        })
        .collect();
    let mut out = Vec::new();
    if !baseline.is_empty() {
        let mut shown: Vec<String> = baseline.iter().take(4).cloned().collect();
        if baseline.len() > 4 {
            shown.push(format!("and {} more", baseline.len() - 4));
        }
        out.push(Headline {
            kind: "baseline",
            weight: 6,
            text: format!(
                "Already published when regwatch began (baseline, not each reported): {}",
                shown.join(", ")
            ),
        });
    }
    out.extend(report.groups.iter().flat_map(|g| group(g, report)));
    out
}

/// The headlines events that change a list (suspensions, additions, ends…), and the others
/// (edits, translations, the baseline) as the lines shown beneath them.
pub fn split(headlines: &[Headline]) -> (Vec<&Headline>, Vec<String>) {
    let main = headlines.iter().filter(|h| h.weight <= 3).collect();
    let also = headlines
        .iter()
        .filter(|h| h.weight > 3)
        .map(|h| h.text.clone())
        .collect();
    (main, also)
}

/// The weightiest headline (the first of equals), for a digest's subject.
pub fn top(headlines: &[Headline]) -> Option<&Headline> {
    headlines.iter().min_by_key(|h| h.weight)
}

/// `code English` of up to `n` entries, then "and N more".
fn sample(entries: &[(String, String)], n: usize) -> String {
    let mut out: Vec<String> = entries
        .iter()
        .take(n)
        .map(|(code, desc)| format!("{code} {}", shorten(desc, 70)))
        .collect();
    if entries.len() > n {
        out.push(format!("and {} more", entries.len() - n));
    }
    out.join("; ")
}

/// The text cut at a word boundary near `max` characters, with an ellipsis.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    let cut = match cut.rfind([' ', ',', ';']) {
        Some(i) if i > max / 2 => cut[..i].to_string(),
        _ => cut,
    };
    format!("{}…", cut.trim_end_matches([',', ';', ' ']))
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// (code, English or Chinese description) of a change's entry.
fn entry_of(
    c: &ChangeRecord,
    lang: Lang,
    g: &Group<'_>,
) -> Option<(String, String, crate::model::ItemType, String)> {
    let e = change_entry(c)?;
    let (en, _) = super::english(&e.entry, g.listing_of(&e));
    let desc = if lang == Lang::Zh {
        e.entry.description.clone()
    } else {
        en
    };
    Some((e.entry.code, desc, e.entry.item_type, e.entry.regime))
}

/// Whether the report holds `key`'s own change of `kind` (read from its page).
fn announced_in(report: &ChangeReport<'_>, key: &str, kind: &str) -> bool {
    report
        .groups
        .iter()
        .any(|g| g.key == key && g.moved_on.is_none() && g.changes.iter().any(|c| c.kind == kind))
}

fn group(g: &Group<'_>, report: &ChangeReport<'_>) -> Vec<Headline> {
    let lang = report.lang;
    let cite = short_citation(g.key);
    let mut out = Vec::new();
    if let Some(day) = &g.moved_on {
        // Statuses that moved on a day: one line per (from, to).
        // One line per status reached (a suspension starting covers entries in force and
        // entries not yet in force alike).
        let mut pairs: Vec<((String, String), Vec<&ChangeRecord>)> = Vec::new();
        for c in g.changes.iter().filter(|c| c.kind == STATUS_CHANGED) {
            let t = status_transition(c);
            let from = if t.to == "suspended" {
                String::new()
            } else {
                t.from.clone()
            };
            match pairs
                .iter_mut()
                .find(|(k, _)| *k == (from.clone(), t.to.clone()))
            {
                Some((_, v)) => v.push(c),
                None => pairs.push(((from, t.to), vec![*c])),
            }
        }
        for ((from, to), changes) in pairs {
            let t = status_transition(changes[0]);
            // A suspension starting when its announcement was read is that announcement's
            // own line already.
            if to == "suspended" && announced_in(report, &t.by, "suspended") {
                continue;
            }
            let entries: Vec<(String, String)> = changes
                .iter()
                .filter_map(|c| entry_of(c, lang, g))
                .map(|(code, desc, ..)| (code, desc))
                .collect();
            let n = entries.len();
            let incl = format!(", incl. {}", sample(&entries, 1));
            let (kind, weight, text) = match (from.as_str(), to.as_str()) {
                ("suspended", "in-force") => (
                    "ended",
                    2,
                    format!(
                        "{day}: the suspension by {} ended; {} again{incl}",
                        short_citation(&t.before_by),
                        plural(n, "entry applies", "entries apply")
                    ),
                ),
                (_, "suspended") => (
                    "suspended",
                    0,
                    format!(
                        "{day}: {} suspended by {}{}{incl}",
                        plural(n, "entry", "entries"),
                        short_citation(&t.by),
                        t.until.map(|u| format!(" until {u}")).unwrap_or_default()
                    ),
                ),
                (_, "removed") => (
                    "removed",
                    0,
                    format!(
                        "{day}: {} removed by {}{incl}",
                        plural(n, "party", "parties"),
                        short_citation(&t.by)
                    ),
                ),
                (_, "repealed") => (
                    "repealed",
                    0,
                    format!(
                        "{day}: {} repealed by {}{incl}",
                        plural(n, "entry", "entries"),
                        short_citation(&t.by)
                    ),
                ),
                (_, "in-force") => (
                    "took-effect",
                    2,
                    format!(
                        "{day}: {} took effect ({}){incl}",
                        plural(n, "entry", "entries"),
                        short_citation(&t.by)
                    ),
                ),
                (from, to) => (
                    "other",
                    3,
                    format!(
                        "{day}: {} went from {from} to {to} ({}){incl}",
                        plural(n, "entry", "entries"),
                        short_citation(&t.by)
                    ),
                ),
            };
            out.push(Headline { kind, weight, text });
        }
        return out;
    }
    let effective = g
        .announcement
        .and_then(|a| a.effective.iter().map(|e| e.date).min())
        .map(|d| format!(" (effective {d})"))
        .unwrap_or_default();
    let of_kind = |kind: &str| -> Vec<(String, String, crate::model::ItemType, String)> {
        g.changes
            .iter()
            .filter(|c| c.kind == kind)
            .filter_map(|c| entry_of(c, lang, g))
            .collect()
    };
    // Relations first: they are what an announcement that acts on others is for. An amendment
    // of the list by an announcement that adds to it says nothing its additions do not.
    let adds = g.changes.iter().any(|c| c.kind == "added");
    for c in &g.changes {
        if adds && c.kind == "amended" {
            continue;
        }
        let verb = match c.kind.as_str() {
            "suspended" => "suspended",
            "resumed" => "resumed",
            "repealed" => "repealed",
            "superseded" => "superseded",
            "amended" => "amended",
            _ => continue,
        };
        let targets = relation_targets(c);
        let count: usize = targets
            .iter()
            .filter_map(|t| report.announcements.get(t.as_str()))
            .map(|a| a.entries.len())
            .sum();
        let after = c.after.as_ref();
        let date = |k: &str| after.and_then(|v| v.get(k)).and_then(|v| v.as_str());
        let period = match (date("from"), date("until")) {
            (Some(f), Some(u)) => format!(", {f} → {u}"),
            (Some(f), None) => format!(", from {f}"),
            _ => String::new(),
        };
        let what = if count > 0 {
            format!(
                "{} of {}",
                plural(count, "entry", "entries"),
                super::targets_phrase(&targets)
            )
        } else {
            super::targets_phrase(&targets)
        };
        let (kind, weight) = match verb {
            "suspended" => ("suspended", 0),
            "repealed" | "superseded" => ("repealed", 0),
            _ => ("modified", 3),
        };
        out.push(Headline {
            kind,
            weight,
            text: format!("{cite} {verb} {what}{period}"),
        });
    }
    let added = of_kind("added");
    if !added.is_empty() {
        let parties = added.iter().all(|e| e.2 == crate::model::ItemType::Entity);
        let list = match added.iter().find(|e| e.2 == crate::model::ItemType::Entity) {
            Some(p) => list_name(&p.3),
            None => "export control list",
        };
        let entries: Vec<(String, String)> = added
            .iter()
            .map(|(c, d, ..)| (c.clone(), d.clone()))
            .collect();
        out.push(Headline {
            kind: "added",
            weight: 1,
            text: format!(
                "{cite}{effective} added {} to the {list}: {}",
                plural(
                    entries.len(),
                    if parties { "party" } else { "entry" },
                    if parties { "parties" } else { "entries" }
                ),
                sample(&entries, 1)
            ),
        });
    }
    let removed = of_kind("removed");
    if !removed.is_empty() {
        let entries: Vec<(String, String)> = removed
            .iter()
            .map(|(c, d, ..)| (c.clone(), d.clone()))
            .collect();
        out.push(Headline {
            kind: "removed",
            weight: 0,
            text: format!(
                "{cite}{effective} removed {}: {}",
                plural(entries.len(), "entry", "entries"),
                sample(&entries, 2)
            ),
        });
    }
    let modified = of_kind("modified");
    if !modified.is_empty() {
        let entries: Vec<(String, String)> = modified
            .iter()
            .map(|(c, d, ..)| (c.clone(), d.clone()))
            .collect();
        out.push(Headline {
            kind: "modified",
            weight: 3,
            text: format!(
                "{cite} modified {}: {}",
                plural(entries.len(), "entry", "entries"),
                sample(&entries, 2)
            ),
        });
    }
    for c in &g.changes {
        let (kind, weight, text) = match c.kind.as_str() {
            crate::check::ingest::TEXT_EDITED => (
                "edited",
                4,
                format!("{cite}: its text was changed after publication (a silent edit)"),
            ),
            crate::check::ingest::COPIES_DISAGREE => {
                ("other", 4, format!("{cite}: two copies disagree"))
            }
            crate::correction::CORRECTED => ("other", 5, format!("{cite}: corrected by a person")),
            crate::check::ingest::TRANSLATED => (
                "other",
                5,
                format!("{cite}: MOFCOM's English version read (it replaces the gloss)"),
            ),
            crate::check::SOURCE_FAILING | crate::check::SOURCE_RECOVERED => {
                ("other", 4, super::sentence(c, g, lang))
            }
            crate::check::BASELINE => continue,
            _ => continue,
        };
        out.push(Headline { kind, weight, text });
    }
    if out.is_empty() && g.changes.iter().any(|c| c.kind == "published") {
        let title = g
            .announcement
            .map(|a| super::title_en(a).0)
            .unwrap_or_else(|| g.citation());
        out.push(Headline {
            kind: "published",
            weight: 5,
            text: format!("Published: {}", shorten(&title, 160)),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_descriptions_are_cut_at_a_word() {
        let s = shorten(
            "technologies for rare-earth mining, smelting and separation, metal smelting",
            40,
        );
        assert_eq!(s, "technologies for rare-earth mining…");
        assert_eq!(shorten("short", 40), "short");
    }
}
