//! The plain-language sentence for a change, as a lawyer would write it in a memo.

use super::*;

/// The plain-language sentence for a change, as a lawyer would write it in a memo.
pub fn sentence(c: &ChangeRecord, group: &Group<'_>, lang: Lang) -> String {
    let cite = match group.announcement {
        Some(a) => {
            let mut s = a.citation().replace(" Announcement", "");
            if let Some(d) = a.effective.iter().map(|e| e.date).min() {
                s.push_str(&format!(", effective {d}"));
            }
            // A version of a US or EU list: the act(s) that made the change.
            if let Some(by) = attribution::by(c, a, group.all) {
                s.push_str(&format!(", {by}"));
            }
            s
        }
        None => group.key.to_string(),
    };
    let entry = change_entry(c);
    let code_desc = entry
        .as_ref()
        .map(|e| {
            let (en, _) = english(&e.entry, group.listing_of(e));
            let desc = if lang == Lang::Zh {
                &e.entry.description
            } else {
                &en
            };
            format!("{} {desc}", e.entry.code)
        })
        .unwrap_or_default();
    let measure = entry
        .as_ref()
        .is_some_and(|e| e.entry.item_type == crate::model::ItemType::Measure);
    let party_list = entry
        .as_ref()
        .filter(|e| e.entry.item_type == crate::model::ItemType::Entity)
        .map(|e| list_name(&e.entry.regime));
    match c.kind.as_str() {
        "added" if party_list.is_some() => format!(
            "Added to the {}: {code_desc} ({cite}).",
            party_list.unwrap_or_default()
        ),
        "removed" if party_list.is_some() => format!(
            "Removed from the {}: {code_desc} ({cite}).",
            party_list.unwrap_or_default()
        ),
        "published" if group.key.starts_with("PAGE-") => {
            format!("Now watching: {}.", group.citation())
        }
        "published" => format!("Published: {} ({cite}).", group.citation()),
        crate::check::ingest::TRANSLATED => {
            let after = c.after.as_ref();
            let n = after
                .and_then(|v| v.get("entries"))
                .and_then(|v| v.as_u64())
                .unwrap_or(0);
            format!(
                "MOFCOM's English version of {} read: \u{201c}{}\u{201d} ({n} {} in MOFCOM's English instead of the gloss; the Chinese text prevails).",
                group.citation(),
                after.and_then(|v| str_field(v, "title")).unwrap_or(""),
                if n == 1 { "entry" } else { "entries" }
            )
        }
        crate::check::BASELINE => {
            let n = c
                .after
                .as_ref()
                .and_then(|v| v.get("entries"))
                .and_then(|v| v.as_u64())
                .unwrap_or(0);
            format!(
                "Already published when regwatch began reading its source ({cite}): {n} {} on the list, not each reported as added.",
                if n == 1 { "entry" } else { "entries" }
            )
        }
        "added" if measure => format!("New control measure: {code_desc} ({cite})."),
        "removed" if measure => format!("Control measure withdrawn: {code_desc} ({cite})."),
        "modified" if measure => format!("Control measure modified: {code_desc} ({cite})."),
        "added" => format!("Added to the export control list: {code_desc} ({cite})."),
        "removed" => format!("Removed from the export control list: {code_desc} ({cite})."),
        "modified" => format!("Modified on the export control list: {code_desc} ({cite})."),
        crate::check::transitions::STATUS_CHANGED => {
            let t = status_transition(c);
            let by = short_citation(&t.by);
            match (t.from.as_str(), t.to.as_str()) {
                ("not-yet-effective", "in-force") => {
                    format!("Took effect on {}: {code_desc} ({by}).", t.as_of)
                }
                ("suspended", "in-force") if !t.was_in_force => format!(
                    "Took effect on {}: {code_desc} (the suspension by {} has ended; it was not yet in force when the suspension began).",
                    t.as_of,
                    short_citation(&t.before_by)
                ),
                ("suspended", "in-force") => format!(
                    "In force again from {}: {code_desc} (the suspension by {} has ended).",
                    t.as_of,
                    short_citation(&t.before_by)
                ),
                (_, "suspended") => format!(
                    "Suspended{} by {by}: {code_desc}.",
                    t.until.map(|u| format!(" until {u}")).unwrap_or_default()
                ),
                (_, "repealed") => format!("Repealed by {by} as of {}: {code_desc}.", t.as_of),
                (_, "removed") => format!(
                    "Removed from the {} as of {} by {by}: {code_desc}.",
                    party_list.unwrap_or("list"),
                    t.as_of
                ),
                (from, to) => format!(
                    "Status changed from {from} to {to} on {} ({by}): {code_desc}.",
                    t.as_of
                ),
            }
        }
        crate::correction::CORRECTED => {
            let a = c.after.as_ref();
            let field = |k: &str| a.and_then(|v| str_field(v, k)).unwrap_or("").to_string();
            format!(
                "Corrected by {} on {}: {} — {} ({}).",
                field("by"),
                field("at").get(..10).unwrap_or(""),
                field("fix"),
                field("why"),
                group.citation()
            )
        }
        crate::check::SOURCE_FAILING | crate::check::SOURCE_RECOVERED => {
            let a = c.after.as_ref();
            let field = |k: &str| a.and_then(|v| str_field(v, k)).unwrap_or("").to_string();
            let source = field("source");
            let last = match a.and_then(|v| str_field(v, "last_success")) {
                Some(t) => format!("last successful check {t}"),
                None => "never checked successfully".to_string(),
            };
            if c.kind == crate::check::SOURCE_FAILING {
                let n = a
                    .and_then(|v| v.get("consecutive_failures"))
                    .and_then(Value::as_i64)
                    .unwrap_or(0);
                format!(
                    "Source {source} is failing: {n} consecutive checks failed, the last with: {}. Its data may be out of date ({last}).",
                    field("error")
                )
            } else {
                format!(
                    "Source {source} recovered: checked successfully at {}.",
                    c.observed_at
                )
            }
        }
        crate::check::ingest::TEXT_EDITED if group.key.starts_with("PAGE-") => {
            let (from, to, lines) = text_edit(c);
            format!(
                "{} changed: version {from} → {to}, {lines} line{} changed (regwatch diff {}).",
                group.citation(),
                if lines == 1 { "" } else { "s" },
                group.key
            )
        }
        crate::check::ingest::TEXT_EDITED => {
            let (from, to, lines) = text_edit(c);
            format!(
                "Text of {} edited after publication: version {from} → {to}, {lines} line{} changed (regwatch diff {}).",
                group.citation(),
                if lines == 1 { "" } else { "s" },
                group.key
            )
        }
        crate::check::ingest::COPIES_DISAGREE => {
            let (believed, copy, differences) = disagreement(c);
            format!(
                "Two copies of {} disagree ({}): {copy} differs from {believed}, which regwatch keeps.",
                group.citation(),
                differences.join("; ")
            )
        }
        kind => {
            let after = c.after.as_ref();
            let targets = relation_targets(c);
            let until = after.and_then(|v| str_field(v, "until"));
            let verb = match kind {
                "suspended" => "Suspended",
                "resumed" => "Resumed",
                "repealed" => "Repealed",
                "superseded" => "Superseded",
                "amended" => "Amended",
                other => other,
            };
            let period = until.map(|u| format!(" until {u}")).unwrap_or_default();
            format!(
                "{verb}{period} by {}: {}.",
                group.citation().replace(" Announcement", ""),
                targets_phrase(&targets)
            )
        }
    }
}
