//! Status transitions that happen by date alone: an entry taking effect, a suspension starting or
//! ending, a repeal applying. No page changes on such a day, so a check compares the list as of
//! today with the status each code was last recorded in, and records each difference once.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::clock::format_time;
use crate::diff::list::{Selected, Timeline};
use crate::model::legal_date;
use crate::store::{EntryStatus, NewChange, StoreError, StoredEntry, Tx};

/// The change kind for a status transition.
pub const STATUS_CHANGED: &str = "status-changed";

/// Records every listed code whose status differs from the last one recorded; returns how many.
/// A code seen for the first time is only remembered: its `added` change already reports it.
pub fn record(tx: &Tx<'_>, now: DateTime<Utc>) -> Result<usize, StoreError> {
    let observed_at = format_time(now);
    let announcements: HashMap<String, _> = tx
        .announcement_heads()?
        .into_iter()
        .map(|a| (a.key.clone(), a))
        .collect();
    let entries = tx.all_entries()?;
    let timeline = Timeline::new(&announcements);
    let mut regimes: Vec<&str> = entries.iter().map(|e| e.entry.regime.as_str()).collect();
    regimes.sort();
    regimes.dedup();
    let regimes_count = regimes.len();

    // regime → code → last recorded status. Codes still listed are taken out as they are
    // compared; whatever remains at the end is no longer listed.
    let mut recorded: HashMap<String, HashMap<String, EntryStatus>> = HashMap::new();
    for st in tx.entry_statuses()? {
        recorded
            .entry(st.regime.clone())
            .or_default()
            .insert(st.code.clone(), st);
    }
    let mut changes = 0;
    for regime in regimes {
        let as_of = legal_date(now, regime);
        let of_regime: Vec<StoredEntry>;
        let scope: &[StoredEntry] = if regimes_count == 1 {
            &entries
        } else {
            of_regime = entries
                .iter()
                .filter(|e| e.entry.regime == regime)
                .cloned()
                .collect();
            &of_regime
        };
        for sel in timeline.select(scope, as_of) {
            let e = sel.entry;
            let previous = recorded
                .get_mut(&e.entry.regime)
                .and_then(|codes| codes.remove(&e.entry.code));
            let status = sel.status.as_str();
            let same = previous.as_ref().is_some_and(|r| {
                r.status == status && r.status_by == sel.status_by && r.until == sel.until
            });
            if !same {
                if let Some(before) = &previous {
                    let url = timeline.url_of(&e.announcement);
                    tx.record_change(&NewChange {
                        kind: STATUS_CHANGED,
                        regime: Some(&e.entry.regime),
                        code: Some(&e.entry.code),
                        // The cause: the announcement that set the new status.
                        announcement: &sel.status_by,
                        before: Some(json!({
                            "status": before.status,
                            "status_by": before.status_by,
                            "until": before.until,
                        })),
                        after: Some(after_json(&sel, as_of)),
                        url: url.as_deref(),
                        sha256: None,
                        observed_at: &observed_at,
                    })?;
                    changes += 1;
                }
                tx.put_entry_status(
                    &e.entry.regime,
                    &e.entry.code,
                    Some((status, &sel.status_by, sel.until)),
                    as_of,
                )?;
            }
        }
    }
    for (regime, codes) in recorded {
        for code in codes.keys() {
            tx.put_entry_status(&regime, code, None, legal_date(now, &regime))?;
        }
    }
    Ok(changes)
}

fn after_json(sel: &Selected<'_>, as_of: chrono::NaiveDate) -> serde_json::Value {
    let e = sel.entry;
    json!({
        "status": sel.status.as_str(),
        "status_by": sel.status_by,
        "until": sel.until,
        "as_of": as_of,
        "regime": e.entry.regime,
        "code": e.entry.code,
        "description": e.entry.description,
        "item_type": e.entry.item_type,
        "hs_codes": e.entry.hs_codes,
        "announcement": e.announcement,
    })
}
