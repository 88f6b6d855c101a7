//! Which products and watches each change touches, and the review each change is in: what a
//! compliance team filters a change log by.

use std::collections::HashMap;

use crate::diff::list::{ListedEntry, Status};
use crate::impact::{Product, Watch};
use crate::store::review::Review;
use crate::store::{ChangeRecord, KnownAnnouncement};

/// Per change id, the products (`product M1`) and watches (`watch magnets`) it touches.
pub fn touches(
    changes: &[ChangeRecord],
    announcements: &HashMap<String, KnownAnnouncement>,
    products: &[Product],
    watches: &[Watch],
) -> HashMap<String, Vec<String>> {
    let mut out = HashMap::new();
    if products.is_empty() && watches.is_empty() {
        return out;
    }
    for c in changes {
        let Some(e) = super::change_entry(c) else {
            continue;
        };
        let (en, source) = super::english(&e.entry, announcements.get(&e.announcement));
        let listed = ListedEntry {
            regime: e.entry.regime.clone(),
            code: e.entry.code.clone(),
            description: e.entry.description.clone(),
            description_en: en,
            description_en_source: source,
            item_type: e.entry.item_type,
            hs_codes: e.entry.hs_codes.clone(),
            status: Status::InForce,
            effective_from: None,
            until: None,
            announcement: e.announcement.clone(),
            status_by: e.announcement.clone(),
            since: None,
            url: None,
        };
        let t = crate::impact::touches(&listed, products, watches);
        if !t.is_empty() {
            out.insert(c.uid.clone(), t);
        }
    }
    out
}

/// The current review of each change (the last one recorded).
pub fn current(reviews: HashMap<String, Vec<Review>>) -> HashMap<String, Review> {
    reviews
        .into_iter()
        .filter_map(|(k, mut v)| v.pop().map(|r| (k, r)))
        .collect()
}

/// `[reviewed by Ana 2026-11-30: not our HS codes]`, or `[unreviewed]`.
pub fn review_words(r: Option<&Review>) -> String {
    match r {
        Some(r) => format!(
            "[{} by {} {}{}]",
            r.state.as_str(),
            r.by,
            r.at.get(..10).unwrap_or(&r.at),
            if r.note.is_empty() {
                String::new()
            } else {
                format!(": {}", r.note)
            }
        ),
        None => "[unreviewed]".to_string(),
    }
}
