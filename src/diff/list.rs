//! The consolidated control list at a date, rebuilt from announcements, their effective dates and
//! the relations between them. Pure: the store supplies the inputs.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::Serialize;

use crate::model::{ItemType, RelationKind};
use crate::store::{KnownAnnouncement, StoredEntry};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    InForce,
    NotYetEffective,
    Suspended,
    Repealed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::InForce => "in-force",
            Status::NotYetEffective => "not-yet-effective",
            Status::Suspended => "suspended",
            Status::Repealed => "repealed",
        }
    }
}

/// One row of `regwatch list`, in the JSON shape DESIGN.md documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListedEntry {
    pub regime: String,
    pub code: String,
    pub description: String,
    pub item_type: ItemType,
    pub hs_codes: Vec<String>,
    pub status: Status,
    pub effective_from: Option<NaiveDate>,
    /// When the current status ends, if known (a suspension's end).
    pub until: Option<NaiveDate>,
    pub announcement: String,
    /// The announcement that set the status (the suspending one, for `suspended`).
    pub status_by: String,
    pub url: Option<String>,
}

/// The list on `as_of`: per (regime, code), the entry of the latest announcement issued by then,
/// with its status on that date.
pub fn consolidate(
    entries: &[StoredEntry],
    announcements: &HashMap<String, KnownAnnouncement>,
    as_of: NaiveDate,
) -> Vec<ListedEntry> {
    let issued_by = |key: &str| announcements.get(key).and_then(|a| a.issued);
    let order = |key: &str| {
        announcements
            .get(key)
            .map(|a| (a.issued, a.year, a.number))
            .unwrap_or((None, 0, 0))
    };
    let mut latest: BTreeMap<(&str, &str), &StoredEntry> = BTreeMap::new();
    for e in entries {
        if issued_by(&e.announcement).is_some_and(|d| d > as_of) {
            continue;
        }
        let slot = latest.entry((&e.entry.regime, &e.entry.code)).or_insert(e);
        if order(&e.announcement) > order(&slot.announcement) {
            *slot = e;
        }
    }
    latest
        .into_values()
        .map(|e| {
            let a = announcements.get(&e.announcement);
            let effective_from = a.and_then(|a| {
                a.effective
                    .iter()
                    .filter(|x| x.scope.is_none())
                    .map(|x| x.date)
                    .min()
                    .or_else(|| a.effective.iter().map(|x| x.date).min())
                    .or(a.issued)
            });
            let (status, until, status_by) =
                status_on(&e.announcement, effective_from, announcements, as_of);
            ListedEntry {
                regime: e.entry.regime.clone(),
                code: e.entry.code.clone(),
                description: e.entry.description.clone(),
                item_type: e.entry.item_type,
                hs_codes: e.entry.hs_codes.clone(),
                status,
                effective_from,
                until,
                announcement: e.announcement.clone(),
                status_by,
                url: a.and_then(|a| a.urls.first().cloned()),
            }
        })
        .collect()
}

fn status_on(
    key: &str,
    effective_from: Option<NaiveDate>,
    announcements: &HashMap<String, KnownAnnouncement>,
    as_of: NaiveDate,
) -> (Status, Option<NaiveDate>, String) {
    // Relations aimed at this announcement, from announcements issued by `as_of`, whole-document
    // only (clause-level relations leave the listed items alone).
    let mut acting: Vec<(&KnownAnnouncement, &crate::model::Relation)> = announcements
        .values()
        .filter(|a| a.issued.is_none_or(|d| d <= as_of))
        .flat_map(|a| a.relations.iter().map(move |r| (a, r)))
        .filter(|(_, r)| r.target == key && r.scope.is_none())
        .collect();
    acting.sort_by_key(|(a, _)| (a.issued, a.year, a.number));
    for (a, r) in acting.iter().rev() {
        let from = r.from.or(a.issued);
        if from.is_some_and(|f| f > as_of) {
            continue;
        }
        match r.kind {
            RelationKind::Repeals | RelationKind::Supersedes => {
                return (Status::Repealed, None, a.key.clone());
            }
            RelationKind::Suspends if r.until.is_none_or(|u| as_of <= u) => {
                return (Status::Suspended, r.until, a.key.clone());
            }
            _ => {}
        }
    }
    if effective_from.is_some_and(|d| as_of < d) {
        return (Status::NotYetEffective, effective_from, key.to_string());
    }
    (Status::InForce, None, key.to_string())
}
