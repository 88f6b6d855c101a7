//! The consolidated control list at a date, rebuilt from announcements, their effective dates and
//! the relations between them; and the difference between two such lists. Pure: the store
//! supplies the inputs.
//!
//! The rules, as a trade lawyer reads the announcements:
//! - a code's entry is the one from the latest announcement listing it that is in effect on the
//!   date (or, when none is yet, the latest issued by then — shown as not yet effective);
//! - an entry takes effect on its announcement's effective date, or on the date of the clause it
//!   belongs to when the announcement dates clauses separately (No. 61: clause 一(一)(二) from
//!   2025-12-01, the rest on publication);
//! - a suspension covers the days from its start to its end inclusive (No. 70: 2025-11-07 to
//!   2026-11-10, so in force again on 2026-11-11), a resumption ends one early, a repeal or
//!   supersession ends the entry; a relation scoped to a clause (`第二款`) touches only the
//!   entries of that clause.

use std::collections::HashMap;

use chrono::NaiveDate;
use rustc_hash::FxHashMap;
use serde::Serialize;

use super::{FieldChange, field_changes};
use crate::extract::text::parse_number;
use crate::model::{ItemType, Relation, RelationKind};
use crate::store::{KnownAnnouncement, StoredEntry};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    InForce,
    NotYetEffective,
    Suspended,
    Repealed,
    /// Taken off its list of parties (`移出`) by a later announcement.
    Removed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::InForce => "in-force",
            Status::NotYetEffective => "not-yet-effective",
            Status::Suspended => "suspended",
            Status::Repealed => "repealed",
            Status::Removed => "removed",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "in-force" => Status::InForce,
            "not-yet-effective" => Status::NotYetEffective,
            "suspended" => Status::Suspended,
            "repealed" => Status::Repealed,
            "removed" => Status::Removed,
            _ => return None,
        })
    }
}

/// One row of `regwatch list`, in the JSON shape DESIGN.md documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListedEntry {
    pub regime: String,
    pub code: String,
    pub description: String,
    /// The description in English: an official translation or regwatch's gloss (see
    /// `description_en_source`). The Chinese text prevails.
    pub description_en: String,
    pub description_en_source: crate::gloss::Source,
    pub item_type: ItemType,
    pub hs_codes: Vec<String>,
    pub status: Status,
    pub effective_from: Option<NaiveDate>,
    /// When the current status ends, if known (a suspension's last day; for a not-yet-effective
    /// entry, the day it takes effect).
    pub until: Option<NaiveDate>,
    pub announcement: String,
    /// The announcement that set the status (the suspending one, for `suspended`).
    pub status_by: String,
    /// Since when the entry has this status ("binding since").
    pub since: Option<NaiveDate>,
    pub url: Option<String>,
}

/// One code of the list on a date: the stored entry listing it, and its status.
#[derive(Debug, Clone)]
pub struct Selected<'e> {
    pub entry: &'e StoredEntry,
    /// Where `entry` is in the entries given to [`Timeline::select`].
    pub index: usize,
    /// For a removal (`ControlEntry::removal`), the latest listing of the party: its names
    /// are the party's (a removal often gives the Chinese name alone).
    pub listing: Option<&'e StoredEntry>,
    /// Where `listing` is in the entries given.
    pub listing_index: Option<usize>,
    pub status: Status,
    pub until: Option<NaiveDate>,
    pub status_by: String,
    pub effective_from: Option<NaiveDate>,
}

/// A numbered clause of an announcement: `一、` is article 1, `（二）` under it item 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clause {
    pub article: u32,
    pub item: Option<u32>,
}

/// The clause an entry belongs to, when its code says: control measures (`KEY#m1.2`) and
/// positional entries of the 2023–2024 era (`KEY#1.2.3`). Coded list entries do not carry one.
pub fn clause_of(announcement: &str, code: &str) -> Option<Clause> {
    let rest = code.strip_prefix(announcement)?.strip_prefix('#')?;
    let rest = rest.strip_prefix('m').unwrap_or(rest);
    let mut parts = rest.split('.').map(|p| p.parse::<u32>().ok());
    let article = parts.next()??;
    let item = parts.next().flatten();
    Some(Clause { article, item })
}

/// The clause an entry stands in: as the extractor recorded it (`1.2`), else as its code says.
pub fn entry_clause(e: &StoredEntry) -> Option<Clause> {
    let recorded = e.entry.clause.as_deref().and_then(|c| {
        let mut parts = c.split('.').map(|p| p.parse::<u32>().ok());
        let article = parts.next()??;
        Some(Clause {
            article,
            item: parts.next().flatten(),
        })
    });
    recorded.or_else(|| clause_of(&e.announcement, &e.entry.code))
}

/// The clauses a scope names: `第二款` → [2]; `第一条第（一）项、第（二）项` → [1(1), 1(2)].
/// A scope that names no clause (`出口许可管理`) yields none and so covers nothing in particular.
pub fn parse_scope(scope: &str) -> Vec<Clause> {
    let mut out = Vec::new();
    let mut article: Option<u32> = None;
    let chars: Vec<char> = scope.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '第' {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        let bracketed = matches!(chars.get(j), Some('（' | '('));
        if bracketed {
            j += 1;
        }
        let start = j;
        while j < chars.len()
            && (chars[j].is_ascii_digit() || "一二三四五六七八九十".contains(chars[j]))
        {
            j += 1;
        }
        let number: String = chars[start..j].iter().collect();
        if bracketed && matches!(chars.get(j), Some('）' | ')')) {
            j += 1;
        }
        let (Some(n), Some(unit)) = (parse_number(&number), chars.get(j)) else {
            i = j.max(i + 1);
            continue;
        };
        match unit {
            '条' | '款' if !bracketed => {
                article = Some(n);
                // An article named alone covers all of it; items named after it narrow that.
                let next_is_item = chars.get(j + 1) == Some(&'第');
                if !next_is_item {
                    out.push(Clause {
                        article: n,
                        item: None,
                    });
                }
            }
            '项' => {
                if let Some(a) = article {
                    out.push(Clause {
                        article: a,
                        item: Some(n),
                    });
                }
            }
            _ => {}
        }
        i = j + 1;
    }
    out
}

fn covers(scope: &[Clause], clause: Option<Clause>) -> bool {
    let Some(c) = clause else { return false };
    scope
        .iter()
        .any(|s| s.article == c.article && (s.item.is_none() || s.item == c.item))
}

mod timeline;
pub use timeline::{Event, Timeline};

/// The list on `as_of`: per (regime, code), the entry in force (or latest issued) by then, with its
/// status on that date.
pub fn consolidate(
    entries: &[StoredEntry],
    announcements: &HashMap<String, KnownAnnouncement>,
    as_of: NaiveDate,
) -> Vec<ListedEntry> {
    Timeline::new(announcements).list(entries, as_of)
}

/// How one code differs between two lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Delta {
    Added,
    Removed,
    Modified { fields: Vec<FieldChange> },
    StatusChanged { from: Status, to: Status },
}

impl Delta {
    pub fn kind(&self) -> &'static str {
        match self {
            Delta::Added => "added",
            Delta::Removed => "removed",
            Delta::Modified { .. } => "modified",
            Delta::StatusChanged { .. } => "status-changed",
        }
    }
}

/// One difference between two lists, with both sides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListDelta<'a> {
    #[serde(flatten)]
    pub delta: Delta,
    pub before: Option<&'a ListedEntry>,
    pub after: Option<&'a ListedEntry>,
}

/// The entry-level difference between two lists in (regime, code) order — as [`Timeline::list`]
/// returns them — by one merge pass. An entry whose fields and status both changed is reported
/// as modified, with its new status visible on the `after` side.
pub fn compare_lists<'a>(
    before: &'a [ListedEntry],
    after: &'a [ListedEntry],
) -> Vec<ListDelta<'a>> {
    let key = |e: &'a ListedEntry| (e.regime.as_str(), e.code.as_str());
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < before.len() || j < after.len() {
        let b = before.get(i);
        let a = after.get(j);
        let ord = match (b, a) {
            (Some(b), Some(a)) => key(b).cmp(&key(a)),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        match ord {
            std::cmp::Ordering::Less => {
                out.push(ListDelta {
                    delta: Delta::Removed,
                    before: b,
                    after: None,
                });
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(ListDelta {
                    delta: Delta::Added,
                    before: None,
                    after: a,
                });
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                let (Some(b), Some(a)) = (b, a) else {
                    unreachable!("equal keys come from two entries")
                };
                let fields = field_changes(&listed_as_entry(b), &listed_as_entry(a));
                // A removal may name the party differently from its listing: it is still the
                // party leaving the list.
                let removed = (a.status == Status::Removed) != (b.status == Status::Removed);
                let delta = if !fields.is_empty() && !removed {
                    Some(Delta::Modified { fields })
                } else if b.status != a.status {
                    Some(Delta::StatusChanged {
                        from: b.status,
                        to: a.status,
                    })
                } else {
                    None
                };
                if let Some(delta) = delta {
                    out.push(ListDelta {
                        delta,
                        before: Some(b),
                        after: Some(a),
                    });
                }
                i += 1;
                j += 1;
            }
        }
    }
    out
}

fn listed_as_entry(e: &ListedEntry) -> crate::model::ControlEntry {
    crate::model::ControlEntry {
        regime: e.regime.clone(),
        code: e.code.clone(),
        description: e.description.clone(),
        item_type: e.item_type,
        hs_codes: e.hs_codes.clone(),
        clause: None,
        removal: false,
    }
}

#[cfg(test)]
mod tests;
