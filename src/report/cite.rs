//! Announcements named briefly: one key (`MOFCOM No. 62 of 2025`, `FR Doc. 2025-05426`) or
//! several grouped by authority and year.

use super::*;

/// "MOFCOM Nos. 55, 56, 57, 58, 61, 62 of 2025" for a list of announcement keys.
pub fn targets_phrase(targets: &[String]) -> String {
    let mut groups: Vec<(String, i32, Vec<u32>)> = Vec::new();
    let mut odd: Vec<String> = Vec::new();
    for t in targets {
        match parse_key(t) {
            // Named otherwise than "No. N of YYYY": a Federal Register document, a list's version.
            Some((auth, ..))
                if t.starts_with("FR-")
                    || t.starts_with("FRPI-")
                    || crate::model::is_snapshot(auth) =>
            {
                odd.push(short_citation(t))
            }
            Some((auth, year, n)) => match groups.iter_mut().find(|g| g.0 == auth && g.1 == year) {
                Some(g) => g.2.push(n),
                None => groups.push((auth.to_string(), year, vec![n])),
            },
            None => odd.push(t.clone()),
        }
    }
    let mut parts: Vec<String> = groups
        .into_iter()
        .map(|(auth, year, nums)| {
            let list = nums
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            let no = if nums.len() == 1 { "No." } else { "Nos." };
            format!("{auth} {no} {list} of {year}")
        })
        .collect();
    parts.extend(odd);
    parts.join("; ")
}

/// "No. 70 of 2025" for a key.
pub fn short_citation(key: &str) -> String {
    if let Some(doc) = key.strip_prefix("FR-") {
        return format!("FR Doc. {doc}");
    }
    if let Some(doc) = key.strip_prefix("FRPI-") {
        return format!("FR Doc. {doc} (public inspection)");
    }
    match parse_key(key) {
        Some((crate::model::SNAPSHOT_CCL, year, n)) => {
            format!("CCL of {year}-{:02}-{:02}", n / 100, n % 100)
        }
        Some((crate::model::SNAPSHOT_ENTITY_LIST, year, n)) => {
            format!("Entity List of {year}-{:02}-{:02}", n / 100, n % 100)
        }
        Some((crate::model::SNAPSHOT_EU, year, n)) => {
            format!("EU Annex I of {year}-{:02}-{:02}", n / 100, n % 100)
        }
        Some(("QA", year, n)) => format!("Q&A of {year}-{:02}-{:02}", n / 100, n % 100),
        Some((auth, year, n)) => format!("{auth} No. {n} of {year}"),
        None => key.to_string(),
    }
}
