//! Status transitions that happen by date alone: an entry taking effect, a suspension starting or
//! ending, a repeal applying. No page changes on such a day, so a check compares the list as of
//! today with the status each code was last recorded in, and records each difference once.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

use crate::clock::format_time;
use crate::diff::list::{Selected, Timeline};
use crate::model::legal_date;
use crate::store::{EntryStatus, Evidence, NewChange, STATUS_PASS, StoreError, StoredEntry, Tx};

/// The change kind for a status transition.
pub const STATUS_CHANGED: &str = "status-changed";

/// Records every listed code whose status differs from the last one recorded; returns how many.
/// A code seen for the first time is only remembered: its `added` change already reports it.
///
/// Statuses are a function of the announcements and the date alone. On the day of the last pass
/// only the codes announcements written since could move (`status_dirty`, kept by the store) are
/// compared — none, on a check that changed nothing; when the day moved, all are.
pub fn record(tx: &Tx<'_>, now: DateTime<Utc>) -> Result<usize, StoreError> {
    record_in_slices(tx, now, SLICE_CODES)
}

/// [`record`], with a full pass `slice` codes at a time.
pub(crate) fn record_in_slices(
    tx: &Tx<'_>,
    now: DateTime<Utc>,
    slice: usize,
) -> Result<usize, StoreError> {
    let last: Option<PassStamp> = tx
        .meta(STATUS_PASS)?
        .and_then(|s| serde_json::from_str(&s).ok());
    let same_day = last.is_some_and(|l| l.as_of.iter().all(|(r, d)| legal_date(now, r) == *d));
    if same_day && !tx.any_dirty()? {
        return Ok(0);
    }
    let changes = pass(tx, now, same_day, slice)?;
    tx.clear_dirty()?;
    let as_of = tx
        .regimes()?
        .into_iter()
        .map(|r| {
            let d = legal_date(now, &r);
            (r, d)
        })
        .collect();
    tx.set_meta(STATUS_PASS, &serde_json::to_string(&PassStamp { as_of })?)?;
    Ok(changes)
}

/// The day in each regime the last status pass ran for.
#[derive(serde::Serialize, serde::Deserialize)]
struct PassStamp {
    as_of: std::collections::BTreeMap<String, NaiveDate>,
}

/// Codes compared at a time in a full pass. The list is rebuilt a slice of codes at a time
/// (every announcement is read, their entries a slice at a time): holding the 60,000 entries of a
/// 10,000-page store at once was most of a first check's peak memory.
const SLICE_CODES: usize = 4096;

/// Compares the list as of `now` with the recorded statuses, for every code or only the dirty
/// ones.
fn pass(
    tx: &Tx<'_>,
    now: DateTime<Utc>,
    only_dirty: bool,
    slice: usize,
) -> Result<usize, StoreError> {
    let observed_at = format_time(now);
    if only_dirty {
        // What a pass over the dirty codes reads goes out at once (one round trip on
        // PostgreSQL instead of five); the calls below take the answers.
        tx.prefetch(|| {
            let _ = tx.dirty_heads();
            let _ = tx.dirty_entries();
            let _ = tx.each_dirty_entry_status(|_| Ok(()));
        });
    }
    let heads = match only_dirty {
        false => tx.announcement_heads()?,
        true => tx.dirty_heads()?,
    };
    let announcements: HashMap<String, _> = heads.into_iter().map(|a| (a.key.clone(), a)).collect();
    let timeline = Timeline::new(&announcements);
    if only_dirty {
        let entries = tx.dirty_entries()?;
        return compare(tx, &timeline, now, &observed_at, &entries, |f| {
            tx.each_dirty_entry_status(f)
        });
    }
    let mut changes = 0;
    let mut after = (String::new(), String::new());
    loop {
        let upto = tx.code_after(&after, slice.max(1))?;
        let entries = tx.entries_between(&after, upto.as_ref())?;
        changes += compare(tx, &timeline, now, &observed_at, &entries, |f| {
            tx.each_entry_status_between(&after, upto.as_ref(), f)
        })?;
        match upto {
            Some(upto) => after = upto,
            None => return Ok(changes),
        }
    }
}

/// Compares the list as of `now` over `entries` (ordered by regime, then code) with the recorded
/// statuses of the same codes, handed over by `statuses` in the same order, and records the
/// differences.
fn compare(
    tx: &Tx<'_>,
    timeline: &Timeline<'_>,
    now: DateTime<Utc>,
    observed_at: &str,
    entries: &[StoredEntry],
    statuses: impl FnOnce(
        &mut dyn FnMut(EntryStatus) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>,
) -> Result<usize, StoreError> {
    // The list as of today in each regime's time zone, in (regime, code) order.
    let mut selected: Vec<(NaiveDate, Selected<'_>)> = Vec::new();
    let mut start = 0;
    while start < entries.len() {
        let regime = entries[start].entry.regime.as_str();
        let end = start
            + entries[start..]
                .iter()
                .position(|e| e.entry.regime != regime)
                .unwrap_or(entries.len() - start);
        let as_of = legal_date(now, regime);
        selected.extend(
            timeline
                .select(&entries[start..end], as_of)
                .into_iter()
                .map(|s| (as_of, s)),
        );
        start = end;
    }

    // Walk the recorded statuses beside it (same order), keeping only the differences.
    enum Diff {
        New(usize),
        Changed(usize, EntryStatus),
        /// The same status now set by the next version of a whole list: remembered, not a
        /// change (every entry of a list is restated by each version; what differs between
        /// two versions is recorded when the version is read).
        Restated(usize),
        Gone(String, String),
    }
    fn version(key: &str) -> bool {
        crate::model::parse_key(key).is_some_and(|(a, _, _)| crate::model::is_snapshot(a))
    }
    fn key<'a>(s: &'a Selected<'_>) -> (&'a str, &'a str) {
        (s.entry.entry.regime.as_str(), s.entry.entry.code.as_str())
    }
    let mut diffs: Vec<Diff> = Vec::new();
    let mut i = 0;
    statuses(&mut |st| {
        let recorded = (st.regime.as_str(), st.code.as_str());
        while i < selected.len() && key(&selected[i].1) < recorded {
            diffs.push(Diff::New(i));
            i += 1;
        }
        if i < selected.len() && key(&selected[i].1) == recorded {
            let s = &selected[i].1;
            let same = st.status == s.status.as_str()
                && st.status_by == s.status_by
                && st.until == s.until;
            let restated = st.status == s.status.as_str()
                && st.until == s.until
                && version(&st.status_by)
                && version(&s.status_by);
            match (same, restated) {
                (true, _) => {}
                (false, true) => diffs.push(Diff::Restated(i)),
                (false, false) => diffs.push(Diff::Changed(i, st)),
            }
            i += 1;
        } else {
            diffs.push(Diff::Gone(st.regime, st.code));
        }
        Ok(())
    })?;
    diffs.extend((i..selected.len()).map(Diff::New));

    let mut changes = 0;
    // The statuses to remember, written together after the loop (a statement per chunk): of
    // codes with none stored (inserted), and of the others (replaced).
    let (mut first, mut remember) = (Vec::new(), Vec::new());
    for d in diffs {
        match d {
            Diff::Gone(regime, code) => {
                tx.put_entry_status(&regime, &code, None)?;
            }
            Diff::New(i) | Diff::Restated(i) => {
                // First seen: only remembered; its `added` change already reports it.
                let (_, s) = &selected[i];
                let e = &s.entry.entry;
                let to = if matches!(d, Diff::New(_)) {
                    &mut first
                } else {
                    &mut remember
                };
                to.push((
                    e.regime.as_str(),
                    e.code.as_str(),
                    s.status.as_str(),
                    s.status_by.as_str(),
                    s.until,
                ));
            }
            Diff::Changed(i, before) => {
                let (as_of, s) = &selected[i];
                let e = s.entry;
                // The cause: the announcement whose date rule moved the status. A suspension that
                // ends is the suspending announcement's doing (its end date), not the listing's;
                // otherwise the announcement that set the new status.
                let cause = if before.status == "suspended" && s.status.as_str() == "in-force" {
                    before.status_by.clone()
                } else {
                    s.status_by.clone()
                };
                let url = timeline.url_of(&cause);
                let evidence = match timeline.snapshot_of(&cause) {
                    Some(id) => Evidence::Snapshot(id),
                    None => url.as_deref().map_or(Evidence::None, Evidence::Url),
                };
                tx.record_change(&NewChange {
                    kind: STATUS_CHANGED,
                    regime: Some(&e.entry.regime),
                    code: Some(&e.entry.code),
                    announcement: &cause,
                    before: Some(json!({
                        "status": before.status,
                        "status_by": before.status_by,
                        "until": before.until,
                    })),
                    after: Some({
                        let mut after = after_json(s, *as_of);
                        // A suspension that ends on an entry that was not yet in force when it
                        // began: the entry takes effect now, it is not "in force again".
                        if before.status == "suspended" && s.status.as_str() == "in-force" {
                            let start =
                                timeline.suspension_start(&before.status_by, &e.announcement);
                            let was = match (s.effective_from, start) {
                                (Some(from), Some(start)) => from < start,
                                _ => true,
                            };
                            after["was_in_force"] = json!(was);
                        }
                        after
                    }),
                    evidence,
                    observed_at,
                })?;
                changes += 1;
                remember.push((
                    e.entry.regime.as_str(),
                    e.entry.code.as_str(),
                    s.status.as_str(),
                    s.status_by.as_str(),
                    s.until,
                ));
            }
        }
    }
    tx.put_entry_statuses(&first, true)?;
    tx.put_entry_statuses(&remember, false)?;
    Ok(changes)
}

fn after_json(sel: &Selected<'_>, as_of: chrono::NaiveDate) -> serde_json::Value {
    let e = sel.entry;
    json!({
        "status": sel.status.as_str(),
        "status_by": sel.status_by,
        "until": sel.until,
        "as_of": as_of,
        "effective_from": sel.effective_from,
        "regime": e.entry.regime,
        "code": e.entry.code,
        // A removed party under the names its listing gave.
        "description": sel.listing.unwrap_or(e).entry.description,
        "item_type": e.entry.item_type,
        "hs_codes": e.entry.hs_codes,
        "announcement": e.announcement,
    })
}
