//! The Commerce Control List (15 CFR 774, Supplement No. 1) from the eCFR's XML: one entry per
//! ECCN, keyed by its number, with heading, reasons for control, items by paragraph and related
//! controls.
//!
//! Traps (us-eu.md §7): entries are anchored on headings only (a bold `3A001 …` opening an
//! `FP-1`/`FP-2`), never on a cross-reference in text ("See ECCN 3A001.z"); the a./b. of a `NOTE`
//! are not items; numbered notes are not items; an entry may have no items at all (heading
//! only, "subject to the ITAR") or be `[Reserved]` (not on the list).

use super::{collapse, entry, text_of};
use crate::model::{ControlEntry, ItemType};

/// `3A090`, `0Y521`, `1C998` at the start of a heading.
fn eccn(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    (b.len() >= 5
        && b[0].is_ascii_digit()
        && (b[1].is_ascii_uppercase() && b"ABCDEY".contains(&b[1]))
        && b[2..5].iter().all(u8::is_ascii_digit)
        && b.get(5).is_none_or(|c| !c.is_ascii_alphanumeric()))
    .then(|| &s[..5])
}

/// The ECCN a block opens with, when it is a heading: its first child element is bold and
/// starts with the number.
fn heading(n: roxmltree::Node<'_, '_>) -> Option<(String, String)> {
    let first = n
        .children()
        .find(|c| c.is_element() || c.text().is_some_and(|t| !t.trim().is_empty()))?;
    // Bold as the eCFR writes it (`<B>`), or as GPO's XML does (`<E T="04">`, `<E T="02">`).
    let bold = first.is_element()
        && (first.tag_name().name() == "B"
            || (first.tag_name().name() == "E"
                && matches!(first.attribute("T"), Some("04" | "02"))));
    if !bold {
        return None;
    }
    let bold = text_of(first);
    let code = eccn(&bold)?.to_string();
    let rest = text_of(n);
    let heading = rest[rest.find(&code).map_or(0, |i| i + code.len())..]
        .trim()
        .to_string();
    Some((code, heading))
}

struct Building {
    code: String,
    heading: String,
    reasons: Option<String>,
    related: Option<String>,
    items: Vec<String>,
    in_items: bool,
}

impl Building {
    fn finish(self, out: &mut Vec<ControlEntry>) {
        if self.heading.contains("[Reserved]") {
            // Removed and reserved: not on the list.
            return;
        }
        let mut d = self.heading.trim_end_matches('.').to_string();
        d.push('.');
        if let Some(r) = &self.reasons {
            d.push_str(&format!(" Reason for Control: {r}."));
        }
        if !self.items.is_empty() {
            d.push_str(&format!(" Items: {}", self.items.join(" ")));
        }
        if let Some(r) = &self.related {
            d.push_str(&format!(" Related Controls: {r}"));
        }
        let kind = match self.code.as_bytes()[1] {
            b'A' => ItemType::Equipment,
            b'B' => ItemType::Equipment,
            b'C' => ItemType::Material,
            b'D' => ItemType::Software,
            b'E' => ItemType::Technology,
            _ => ItemType::Goods,
        };
        out.push(entry(super::REGIME_CCL, self.code, collapse(&d), kind));
    }
}

/// `a.`, `b.1.`, `c.` opening a paragraph: an item.
fn item_paragraph(t: &str) -> bool {
    let mut chars = t.chars();
    matches!((chars.next(), chars.next()), (Some(c), Some('.')) if c.is_ascii_lowercase())
}

/// The CCL's entries, in document order (the first of a repeated ECCN kept).
pub fn entries(appendix: roxmltree::Node<'_, '_>) -> Vec<ControlEntry> {
    let mut out = Vec::new();
    let mut current: Option<Building> = None;
    for n in appendix.descendants().filter(|n| n.is_element()) {
        let tag = n.tag_name().name();
        // Blocks only; what is inside a note is the note's.
        if !matches!(tag, "FP" | "FP-1" | "FP-2" | "P" | "HD1" | "HD2") {
            continue;
        }
        if n.ancestors()
            .any(|a| matches!(a.tag_name().name(), "NOTE" | "TABLE" | "GPOTABLE"))
        {
            continue;
        }
        if tag == "HD1" {
            // A category or group heading ends the entry before it; "License Requirements" and
            // "List of Items Controlled" are HD1s inside an entry.
            let t = text_of(n);
            let group = t.as_bytes().get(1) == Some(&b'.') && t.as_bytes()[0].is_ascii_uppercase();
            if t.starts_with("Category ") || group {
                if let Some(b) = current.take() {
                    b.finish(&mut out);
                }
            } else if let Some(b) = current.as_mut() {
                b.in_items = t.starts_with("List of Items Controlled");
            }
            continue;
        }
        if let Some((code, heading)) = heading(n) {
            if let Some(b) = current.take() {
                b.finish(&mut out);
            }
            if out.iter().any(|e: &ControlEntry| e.code == code) {
                continue;
            }
            current = Some(Building {
                code,
                heading,
                reasons: None,
                related: None,
                items: Vec::new(),
                in_items: false,
            });
            continue;
        }
        let Some(b) = current.as_mut() else { continue };
        let t = text_of(n);
        // Italic labels (`<I>Reason for Control:</I>`, in GPO's XML `<E T="03">`).
        let label = n
            .children()
            .find(|c| {
                c.is_element()
                    && (c.tag_name().name() == "I"
                        || (c.tag_name().name() == "E" && c.attribute("T") == Some("03")))
            })
            .map(text_of)
            .unwrap_or_default();
        if label.starts_with("Reason for Control") {
            b.reasons = Some(
                t.split_once(':')
                    .map_or(t.as_str(), |(_, r)| r)
                    .trim()
                    .trim_end_matches('.')
                    .to_string(),
            );
        } else if label.starts_with("Related Controls") {
            b.related = Some(
                t.split_once(':')
                    .map_or(t.as_str(), |(_, r)| r)
                    .trim()
                    .to_string(),
            );
            b.in_items = false;
        } else if label.starts_with("Related Definitions") || label.starts_with("Technical Note") {
            b.in_items = false;
        } else if label.starts_with("Items") {
            b.in_items = true;
            let rest = t
                .strip_prefix("Items:")
                .or_else(|| t.strip_prefix("Items"))
                .unwrap_or(&t)
                .trim();
            if !rest.is_empty() {
                b.items.push(rest.to_string());
            }
        } else if b.in_items && item_paragraph(&t) {
            b.items.push(t);
        } else if tag == "HD2" && t.contains("List of Items Controlled") {
            b.in_items = true;
        } else if item_paragraph(&t) && b.items.is_empty() && b.reasons.is_some() {
            // No "Items" marker (5A001): paragraphs after the licence section are items.
            b.items.push(t);
            b.in_items = true;
        }
    }
    if let Some(b) = current.take() {
        b.finish(&mut out);
    }
    out
}
