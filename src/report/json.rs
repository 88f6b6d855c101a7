//! JSON renderers: the shapes DESIGN.md documents, for scripts and other tools.

use serde_json::{Value, json};

use super::{ChangeReport, sentence};
use crate::check::CheckSummary;
use crate::diff::list::{Event, ListDelta, ListedEntry};
use crate::store::{KnownAnnouncement, TextVersion};

fn pretty(v: &impl serde::Serialize) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("serialising plain data cannot fail");
    s.push('\n');
    s
}

pub fn changes(report: &ChangeReport<'_>) -> String {
    let rows: Vec<Value> = report
        .groups
        .iter()
        .flat_map(|g| {
            g.changes.iter().map(move |c| {
                let english =
                    super::change_entry(c).map(|e| super::english(&e.entry, g.announcement));
                json!({
                    "id": c.uid,
                    "kind": c.kind,
                    "regime": c.regime,
                    "code": c.code,
                    "announcement": c.announcement,
                    "citation": g.citation(),
                    "issued": g.announcement.and_then(|a| a.issued),
                    "effective": g.announcement.map(|a| &a.effective),
                    "sentence": sentence(c, g, report.lang),
                    "title_en": g.announcement.map(|a| super::title_en(a).0),
                    "description_en": english.as_ref().map(|(en, _)| en),
                    "description_en_source": english.as_ref().map(|(_, s)| s),
                    "before": c.before,
                    "after": c.after,
                    "url": c.url,
                    "sha256": c.sha256,
                    "observed_at": c.observed_at,
                    "review": report.reviews.get(&c.uid),
                    "touches": report.touches.get(&c.uid).cloned().unwrap_or_default(),
                })
            })
        })
        .collect();
    pretty(&rows)
}

pub fn summary(s: &CheckSummary) -> String {
    pretty(s)
}

pub fn list(entries: &[ListedEntry]) -> String {
    pretty(&entries)
}

/// `compare --format json`: `[{kind, fields?, from?, to?, before, after}]`.
pub fn compare(deltas: &[ListDelta<'_>]) -> String {
    pretty(&deltas)
}

/// `upcoming --format json`: `[{date, kind, from?, to?, entry, description}]`, with the
/// sentence the text report prints.
pub fn upcoming(events: &[Event]) -> String {
    let rows: Vec<Value> = events
        .iter()
        .map(|ev| {
            let mut v = serde_json::to_value(ev).expect("plain data");
            v["summary"] = Value::String(super::text::event_words(ev));
            v
        })
        .collect();
    pretty(&rows)
}

pub fn announcements(
    list: &[KnownAnnouncement],
    corrections: &[crate::correction::Correction],
) -> String {
    let known = super::doubts::known(list);
    let rows: Vec<Value> = list
        .iter()
        .map(|a| {
            let corrected: Vec<_> = corrections
                .iter()
                .filter(|c| c.announcement == a.key)
                .collect();
            json!({
                "doubts": super::doubts::of(a, &known),
                "corrections": corrected,
                "key": a.key,
                "authorities": a.authorities,
                "year": a.year,
                "number": a.number,
                "title": a.title,
                "title_en": super::title_en(a).0,
                "title_en_source": super::title_en(a).1,
                "issued": a.issued,
                "effective": a.effective,
                "relations": a.relations,
                "entries": a.entries.iter().map(|e| {
                    let (en, source) = super::english(e, Some(a));
                    let mut v = serde_json::to_value(e).expect("plain data");
                    v["description_en"] = Value::String(en);
                    v["description_en_source"] = Value::String(source.as_str().to_string());
                    v
                }).collect::<Vec<_>>(),
                "urls": a.urls,
            })
        })
        .collect();
    pretty(&rows)
}

/// `diff --format json`: `{announcement, from{version, observed_at, sha256, url}, to{…}, hunks[[{op, text}]]}`.
pub fn text_diff(a: &KnownAnnouncement, from: &TextVersion, to: &TextVersion) -> String {
    let meta = |v: &TextVersion| json!({"version": v.version, "observed_at": v.observed_at, "sha256": v.sha256, "url": v.url});
    pretty(&json!({
        "announcement": a.key,
        "citation": a.citation(),
        "from": meta(from),
        "to": meta(to),
        "hunks": crate::diff::text_diff(&from.text, &to.text),
    }))
}
