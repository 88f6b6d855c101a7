//! Which Federal Register rules a change between two versions of a US list comes from (the
//! eCFR gives the lists' state, the Federal Register the acts that changed it; us-eu.md §6):
//! a citation new in an Entity List row names its rule; otherwise the rules amending the part
//! that took effect after the version before and by this one.

use std::collections::HashMap;

use serde_json::Value;

use crate::extract::ecfr::entity_list::citations;
use crate::extract::federal_register::{citation_in_title, parts_in_title};
use crate::model::{SNAPSHOT_CCL, SNAPSHOT_ENTITY_LIST};
use crate::store::{ChangeRecord, KnownAnnouncement};

fn first_day(a: &KnownAnnouncement) -> Option<chrono::NaiveDate> {
    a.effective.iter().map(|e| e.date).min().or(a.issued)
}

/// The rules, oldest first; none when `version` is not a version of a US list or no rule
/// known explains the change.
pub fn rules<'a>(
    c: &ChangeRecord,
    version: &KnownAnnouncement,
    all: &'a HashMap<String, KnownAnnouncement>,
) -> Vec<&'a KnownAnnouncement> {
    let family = version.authorities.first().map(String::as_str);
    let part = match family {
        Some(SNAPSHOT_CCL) => 774,
        Some(SNAPSHOT_ENTITY_LIST) => 744,
        _ => return Vec::new(),
    };
    let rules = || all.values().filter(|a| a.key.starts_with("FR-"));
    let cited = |v: Option<&Value>| {
        v.and_then(|v| v.get("description"))
            .and_then(Value::as_str)
            .map(citations)
            .unwrap_or_default()
    };
    let before = cited(c.before.as_ref());
    let new: Vec<String> = cited(c.after.as_ref())
        .into_iter()
        .filter(|x| !before.contains(x))
        .collect();
    let mut out: Vec<&KnownAnnouncement> = rules()
        .filter(|a| citation_in_title(&a.title).is_some_and(|t| new.contains(&t)))
        .collect();
    if out.is_empty() {
        let Some(day) = first_day(version) else {
            return Vec::new();
        };
        let previous = all
            .values()
            .filter(|a| a.authorities.first().map(String::as_str) == family)
            .filter_map(first_day)
            .filter(|d| *d < day)
            .max();
        out = rules()
            .filter(|a| parts_in_title(&a.title).contains(&part))
            .filter(|a| first_day(a).is_some_and(|d| d <= day && previous.is_none_or(|p| d > p)))
            .collect();
    }
    out.sort_by(|a, b| (first_day(a), &a.key).cmp(&(first_day(b), &b.key)));
    out
}

/// What made the change `c` recorded under `version`, in words: the rules for a version of a
/// US list, the delegated regulation for a version of the EU's Annex I; nothing otherwise.
pub fn by(
    c: &ChangeRecord,
    version: &KnownAnnouncement,
    all: &HashMap<String, KnownAnnouncement>,
) -> Option<String> {
    if version.authorities.first().map(String::as_str) == Some(crate::model::SNAPSHOT_EU) {
        // "Annex I as replaced by Commission Delegated Regulation (EU) 2024/2547 of … (…)"
        let act = version.title.split_once(" as replaced by ")?.1;
        let act = act.rsplit_once(" (consolidated").map_or(act, |(a, _)| a);
        // "… of 5 September 2024 (CELEX 32024R2547; OJ L, 2024/2547, 7.11.2024)": all of it.
        return Some(format!("by {act}"));
    }
    phrase(&rules(c, version, all))
}

/// "by BIS rule FR Doc. 2025-05426 (90 FR 14057)", or nothing.
pub fn phrase(rules: &[&KnownAnnouncement]) -> Option<String> {
    if rules.is_empty() {
        return None;
    }
    Some(format!(
        "by {}",
        rules
            .iter()
            .map(|a| match citation_in_title(&a.title) {
                Some(fr) => format!("{} ({fr})", a.citation()),
                None => a.citation(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    ))
}
