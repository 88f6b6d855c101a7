//! Applying one new version of an announcement page to the store, inside the observation's
//! transaction: guard rails, the consolidated-list diff, and the change records.

use std::collections::BTreeSet;

use serde_json::json;

use crate::diff;
use crate::extract::ExtractError;
use crate::model::{Announcement, ControlEntry, Relation};
use crate::store::{
    Evidence, KnownAnnouncement, NewChange, RecordedPage, StoreError, StoredEntry, Tx,
};

/// What applying a version did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Changes were recorded (possibly none, for a reprint or a cosmetic edit).
    Recorded { changes: usize },
    /// The page was stored as evidence but not believed: see the reason.
    Rejected(ExtractError),
}

/// An entry count that falls below half of what the announcement listed before (or to zero) is
/// a broken page, not a mass removal.
fn collapsed(before: usize, after: usize) -> bool {
    before > 0 && (after == 0 || (before >= 4 && after * 2 < before))
}

pub fn apply(
    tx: &Tx<'_>,
    url: &str,
    page: &RecordedPage,
    a: &Announcement,
    now: &str,
    baseline: bool,
) -> Result<Applied, StoreError> {
    let previous = tx.announcement(&a.key)?;
    // The last version of the text read: compared with this one, here and below.
    let mut last_text = None;
    if let Some(prev) = &previous {
        if collapsed(prev.entries.len(), a.entries.len()) {
            return Ok(Applied::Rejected(ExtractError::EntriesCollapsed {
                before: prev.entries.len(),
                after: a.entries.len(),
            }));
        }
        let differences = differences(prev, a);
        let basis = tx.snapshot_url(prev.snapshot)?;
        if basis.as_deref() != Some(url) {
            // Another copy (a reprint, another column, another site). The copy first believed
            // stays authoritative; a copy that says something else is recorded, not applied, so
            // that two disagreeing pages cannot flip the list back and forth on every check.
            tx.add_url(&a.key, url, now)?;
            if differences.is_empty() {
                return Ok(Applied::Recorded { changes: 0 });
            }
            tx.add_doubt(
                &a.key,
                &crate::model::Doubt::new(
                    COPIES_DISAGREE,
                    format!(
                        "the copy at {url} differs from the one believed: {}",
                        differences.join("; ")
                    ),
                ),
            )?;
            tx.record_change(&NewChange {
                kind: COPIES_DISAGREE,
                regime: None,
                code: None,
                announcement: &a.key,
                before: Some(json!({ "url": basis })),
                after: Some(json!({ "url": url, "differences": differences })),
                evidence: Evidence::Snapshot(page.snapshot),
                observed_at: now,
            })?;
            return Ok(Applied::Recorded { changes: 1 });
        }
        last_text = tx.latest_text_version(&a.key)?;
        let text_same = last_text.as_ref().is_none_or(|v| v.text == a.text);
        if differences.is_empty() && prev.title == a.title && text_same {
            // Markup around the text changed, nothing a reader would see.
            return Ok(Applied::Recorded { changes: 0 });
        }
    }

    if previous.is_none() && baseline {
        // The first check of a source: what already existed is one record, not one `added` per
        // entry (the list is complete all the same). No entry the list held before is
        // compared, so none is looked up (a first check's codes listed twice cost a round
        // trip each on PostgreSQL, for nothing).
        tx.put_announcement(a, page.snapshot, url, now)?;
        tx.record_change(&NewChange {
            kind: super::BASELINE,
            regime: None,
            code: None,
            announcement: &a.key,
            before: None,
            // Counts only: the announcement row holds its title and dates (a first check of a
            // large source writes thousands of these).
            after: Some(json!({
                "entries": a.entries.len(),
                "relations": a.relations.len(),
            })),
            evidence: Evidence::Snapshot(page.snapshot),
            observed_at: now,
        })?;
        // (Not stored, it has no text version yet.)
        tx.add_text_version(&a.key, page, &a.text, now)?;
        return Ok(Applied::Recorded { changes: 1 });
    }

    let codes: BTreeSet<(String, String)> = previous
        .iter()
        .flat_map(|p| p.entries.iter())
        .chain(a.entries.iter())
        .map(|e| (e.regime.clone(), e.code.clone()))
        .collect();
    let mut elsewhere = BTreeSet::new();
    for regime in codes.iter().map(|(r, _)| r).collect::<BTreeSet<_>>() {
        let in_regime = codes.iter().filter(|(r, _)| r == regime);
        for code in tx.codes_listed_elsewhere(regime, in_regime.map(|(_, c)| c.as_str()), &a.key)? {
            elsewhere.insert((regime.clone(), code));
        }
    }
    // A code no other announcement lists has, in the list, this announcement's entry: the
    // stored version's before, this page's after (its first row: `put_announcement` keeps the
    // first of duplicates), or none. Only the others need the list looked up.
    let own = |entries: &[ControlEntry], code: &(String, String)| {
        entries
            .iter()
            .find(|e| e.regime == code.0 && e.code == code.1)
            .map(|e| StoredEntry {
                entry: e.clone(),
                announcement: a.key.clone(),
            })
    };
    let current = |code: &(String, String), before: bool| match (elsewhere.contains(code), before) {
        (true, _) => tx.current_entry(&code.0, &code.1),
        (false, true) => Ok(previous.as_ref().and_then(|p| own(&p.entries, code))),
        (false, false) => Ok(own(&a.entries, code)),
    };
    let before = codes
        .iter()
        .map(|c| current(c, true))
        .collect::<Result<Vec<_>, _>>()?;
    tx.put_announcement(a, page.snapshot, url, now)?;

    let record = |kind: &str,
                  regime: Option<&str>,
                  code: Option<&str>,
                  before: Option<serde_json::Value>,
                  after: Option<serde_json::Value>| {
        tx.record_change(&NewChange {
            kind,
            regime,
            code,
            announcement: &a.key,
            before,
            after,
            evidence: Evidence::Snapshot(page.snapshot),
            observed_at: now,
        })
    };

    let mut changes = 0;
    if previous.is_none() {
        record(
            "published",
            None,
            None,
            None,
            Some(json!({
                "key": a.key,
                "title": a.title,
                "issued": a.issued,
                "effective": a.effective,
            })),
        )?;
        changes += 1;
    }
    for (listed_code, before) in codes.iter().zip(before) {
        let (regime, code) = listed_code;
        let after = current(listed_code, false)?;
        if let Some(kind) = diff::compare(before.as_ref(), after.as_ref()) {
            record(
                kind.as_str(),
                Some(regime),
                Some(code),
                before.map(serde_json::to_value).transpose()?,
                after.map(serde_json::to_value).transpose()?,
            )?;
            changes += 1;
        }
    }
    // The text as read, versioned: a later version is a silent edit, whatever else it changed.
    // (A first sighting has none: versions belong to a stored announcement.)
    if last_text.as_ref().is_none_or(|v| v.text != a.text) {
        let n = tx.add_text_version(&a.key, page, &a.text, now)?;
        if let Some(last) = last_text {
            let changed_lines = diff::text_diff(&last.text, &a.text)
                .into_iter()
                .flatten()
                .filter(|l| !matches!(l, diff::DocLine::Same(_)))
                .count();
            record(
                TEXT_EDITED,
                None,
                None,
                Some(json!({ "version": last.version, "sha256": last.sha256, "url": last.url })),
                Some(
                    json!({ "version": n, "sha256": page.sha256, "url": url, "changed_lines": changed_lines }),
                ),
            )?;
            changes += 1;
        }
    }
    let old: &[Relation] = previous.as_ref().map_or(&[], |p| &p.relations);
    for group in relation_groups(a.relations.iter().filter(|r| !old.contains(r))) {
        let first = group[0];
        record(
            relation_change_kind(first),
            None,
            None,
            None,
            Some(json!({
                "kind": first.kind,
                "targets": group.iter().map(|r| &r.target).collect::<Vec<_>>(),
                "from": first.from,
                "until": first.until,
                "scope": first.scope,
            })),
        )?;
        changes += 1;
    }
    Ok(Applied::Recorded { changes })
}

/// A removal (`移出`) often names a party by its Chinese name alone, where the listing gave an
/// English one too (and the party's id comes from the English): a removed party not listed
/// under its own id takes the id of the listed party of the same list with one of its names.
/// One not found on the list is still recorded, with a doubt.
pub fn reconcile_removals(tx: &Tx<'_>, a: &mut Announcement) -> Result<(), StoreError> {
    use crate::screen::same_party;
    let mut parties: std::collections::HashMap<String, Vec<(String, String)>> = Default::default();
    for e in a.entries.iter_mut().filter(|e| e.removal) {
        if !parties.contains_key(&e.regime) {
            parties.insert(e.regime.clone(), tx.listed_parties(&e.regime)?);
        }
        let listed = &parties[&e.regime];
        if listed.iter().any(|(code, _)| *code == e.code) {
            continue;
        }
        let matches: Vec<&String> = listed
            .iter()
            .filter(|(_, d)| same_party(d, &e.description))
            .map(|(code, _)| code)
            .collect();
        match matches.as_slice() {
            [code] => e.code = (*code).clone(),
            _ => a.doubts.push(crate::model::Doubt::new(
                REMOVAL_NOT_LISTED,
                format!(
                    "{} is removed from the {}, but regwatch knows no listing of it{}",
                    e.description,
                    crate::report::list_name(&e.regime),
                    if matches.len() > 1 {
                        " under one id (several parties have its names)"
                    } else {
                        ""
                    }
                ),
            )),
        }
    }
    Ok(())
}

/// After a check: removals read before the listing they undo (pages are read in any order, and
/// a removal may come from another source) take the listing's id once it is known.
pub fn rekey_removals(tx: &Tx<'_>) -> Result<usize, StoreError> {
    let mut done = 0;
    for (key, regime, code, description) in tx.unmatched_removals()? {
        let listed = tx.listed_parties(&regime)?;
        let matches: Vec<&String> = listed
            .iter()
            .filter(|(_, d)| crate::screen::same_party(d, &description))
            .map(|(c, _)| c)
            .collect();
        if let [to] = matches.as_slice() {
            tx.rekey_entry(&key, &regime, &code, to, REMOVAL_NOT_LISTED, &description)?;
            done += 1;
        }
    }
    Ok(done)
}

/// The doubt said of a removed party regwatch knows no listing of.
pub const REMOVAL_NOT_LISTED: &str = "removal-not-listed";

/// The change kind recorded when MOFCOM's own English version of an announcement is read (or
/// changes): one record for the announcement, however many entries it translates.
pub const TRANSLATED: &str = "translated";

/// Keeps an official English version read from MOFCOM's English site, paired with its Chinese
/// announcement by key (which may not be read yet: it pairs when it is). A translation is
/// evidence like any page; a new or changed one is one change, never one per entry.
pub fn apply_translation(
    tx: &Tx<'_>,
    url: &str,
    page: &RecordedPage,
    a: &Announcement,
    now: &str,
) -> Result<Applied, StoreError> {
    let t = crate::store::Translation {
        title: a.title.clone(),
        entries: a
            .entries
            .iter()
            .map(|e| (e.code.clone(), e.description.clone()))
            .collect(),
        url: url.to_string(),
        observed_at: now.to_string(),
    };
    let previous = tx.translation(&a.key)?;
    if previous
        .as_ref()
        .is_some_and(|p| p.title == t.title && p.entries == t.entries)
    {
        return Ok(Applied::Recorded { changes: 0 });
    }
    tx.put_translation(&a.key, &t, page.snapshot)?;
    tx.record_change(&NewChange {
        kind: TRANSLATED,
        regime: None,
        code: None,
        announcement: &a.key,
        before: previous.map(|p| json!({ "title": p.title, "entries": p.entries.len(), "url": p.url })),
        after: Some(json!({ "title": t.title, "entries": t.entries.len(), "codes": t.entries.keys().collect::<Vec<_>>(), "url": url })),
        evidence: Evidence::Snapshot(page.snapshot),
        observed_at: now,
    })?;
    Ok(Applied::Recorded { changes: 1 })
}

/// The change kind recorded when an announcement's text changed after regwatch first read it.
pub const TEXT_EDITED: &str = "text-edited";

/// The change kind recorded when two copies of one announcement say different things.
pub const COPIES_DISAGREE: &str = "copies-disagree";

/// What another copy says differently, in words: `entries: 1E902.b missing`,
/// `effective dates: 2025-10-09 vs 2025-10-10`.
fn differences(believed: &KnownAnnouncement, copy: &Announcement) -> Vec<String> {
    let mut out = Vec::new();
    if believed.issued != copy.issued {
        let d = |d: Option<chrono::NaiveDate>| d.map_or("none".to_string(), |d| d.to_string());
        out.push(format!(
            "issue date: {} vs {}",
            d(believed.issued),
            d(copy.issued)
        ));
    }
    if believed.effective != copy.effective {
        let dates = |e: &[crate::model::Effective]| {
            e.iter()
                .map(|e| e.date.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.push(format!(
            "effective dates: {} vs {}",
            dates(&believed.effective),
            dates(&copy.effective)
        ));
    }
    let code = |e: &ControlEntry| (e.regime.clone(), e.code.clone());
    let missing: Vec<&str> = believed
        .entries
        .iter()
        .filter(|b| !copy.entries.iter().any(|c| code(c) == code(b)))
        .map(|e| e.code.as_str())
        .collect();
    let extra: Vec<&str> = copy
        .entries
        .iter()
        .filter(|c| !believed.entries.iter().any(|b| code(b) == code(c)))
        .map(|e| e.code.as_str())
        .collect();
    let differing: Vec<&str> = copy
        .entries
        .iter()
        .filter(|c| {
            believed
                .entries
                .iter()
                .any(|b| code(b) == code(c) && b != *c)
        })
        .map(|e| e.code.as_str())
        .collect();
    for (what, codes) in [
        ("missing", missing),
        ("extra", extra),
        ("worded differently", differing),
    ] {
        if !codes.is_empty() {
            out.push(format!("entries {what}: {}", codes.join(", ")));
        }
    }
    if believed.relations != copy.relations {
        out.push("relations differ".to_string());
    }
    out
}

fn relation_change_kind(r: &Relation) -> &'static str {
    use crate::model::RelationKind::*;
    match r.kind {
        Suspends => "suspended",
        Resumes => "resumed",
        Amends => "amended",
        Repeals => "repealed",
        Supersedes => "superseded",
    }
}

/// Relations that differ only by target (`暂停实施…第55号、56号…`) report as one change.
fn relation_groups<'a>(relations: impl Iterator<Item = &'a Relation>) -> Vec<Vec<&'a Relation>> {
    let mut groups: Vec<Vec<&Relation>> = Vec::new();
    for r in relations {
        match groups.iter_mut().find(|g| {
            let f = g[0];
            f.kind == r.kind && f.from == r.from && f.until == r.until && f.scope == r.scope
        }) {
            Some(g) => g.push(r),
            None => groups.push(vec![r]),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::collapsed;

    #[test]
    fn collapse_threshold() {
        assert!(collapsed(2, 0));
        assert!(collapsed(10, 4));
        assert!(!collapsed(10, 5));
        assert!(!collapsed(3, 1)); // small announcements may legitimately lose an entry
        assert!(!collapsed(0, 0));
    }
}
