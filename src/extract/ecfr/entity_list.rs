//! The Entity List (15 CFR 744, Supplement No. 4) from the eCFR's XML: one table of Country |
//! Entity | License requirement | License review policy | Federal Register citation.
//!
//! Each row is a party keyed by destination and normalised name (one party may sit under
//! several destinations); its description gives the name, its aliases, its address, the licence
//! requirement, the review policy and the FR citations (the last one names the rule that last
//! touched the row). Traps (us-eu.md §7): the country cell is empty on continuation rows and
//! carried forward; cells may be self-closing (`<TD/>`); aliases come as "a.k.a., the following
//! two aliases: —A; and —B." (or f.k.a.); footnote superscripts.

use super::{collapse, entry, text_of};
use crate::model::{ControlEntry, ItemType, normal_name};

/// Words that continue a company name after a comma ("Co., Ltd.", "Example, Inc.").
const LEGAL_FORMS: [&str; 18] = [
    "ltd",
    "ltd.",
    "limited",
    "inc",
    "inc.",
    "llc",
    "l.l.c.",
    "co",
    "co.",
    "corp",
    "corp.",
    "corporation",
    "company",
    "plc",
    "gmbh",
    "s.a.",
    "jsc",
    "pte",
];

/// A row's entity cell: the name, its aliases, and the rest (the address).
pub fn split_entity(cell: &str) -> (String, Vec<String>, String) {
    let cell = collapse(cell);
    let lower = cell.to_ascii_lowercase();
    let aka = ["a.k.a.", "f.k.a."]
        .iter()
        .filter_map(|m| lower.find(m))
        .min();
    if let Some(at) = aka {
        let name = cell[..at].trim().trim_end_matches(',').trim().to_string();
        let rest = &cell[at..];
        let mut aliases = Vec::new();
        let mut address = String::new();
        if rest.contains('—') {
            let parts: Vec<&str> = rest.split('—').skip(1).collect();
            for (i, p) in parts.iter().enumerate() {
                let p = p.trim();
                if i + 1 == parts.len() {
                    // The last alias ends at its full stop; the address follows.
                    match p.find(". ") {
                        Some(end) => {
                            aliases.push(p[..end].to_string());
                            address = p[end + 2..].trim().to_string();
                        }
                        None => aliases.push(p.trim_end_matches('.').to_string()),
                    }
                } else {
                    aliases.push(
                        p.trim_end_matches("and")
                            .trim()
                            .trim_end_matches([';', ','])
                            .trim()
                            .to_string(),
                    );
                }
            }
        } else {
            // "a.k.a. Example Tech. Address…"
            let body = rest[6..].trim().trim_start_matches(',').trim();
            match body.find(". ") {
                Some(end) => {
                    aliases.push(body[..end].to_string());
                    address = body[end + 2..].trim().to_string();
                }
                None => aliases.push(body.trim_end_matches('.').to_string()),
            }
        }
        aliases.retain(|a| !a.is_empty());
        return (name, aliases, address);
    }
    // No aliases: the name runs to the first comma not followed by a legal form.
    let parts: Vec<&str> = cell.split(", ").collect();
    let mut n = 1;
    while n < parts.len() {
        let next = parts[n].trim().to_ascii_lowercase();
        let word = next.split([' ', ',']).next().unwrap_or("");
        if LEGAL_FORMS.contains(&word) {
            n += 1;
        } else {
            break;
        }
    }
    let mut name = parts[..n].join(", ");
    if n == parts.len() {
        name = name.trim_end_matches('.').to_string();
    }
    let address = parts[n..].join(", ");
    (name, Vec::new(), address)
}

/// Footnote superscripts (¹ ²) and markers dropped from a cell.
fn clean(s: &str) -> String {
    collapse(&s.replace(['¹', '²', '³', '⁴', '*'], ""))
}

/// Every row of the supplement's table(s), the country carried forward.
pub fn entries(appendix: roxmltree::Node<'_, '_>) -> Vec<ControlEntry> {
    let mut out: Vec<ControlEntry> = Vec::new();
    let mut country = String::new();
    for row in appendix
        .descendants()
        .filter(|n| n.is_element() && matches!(n.tag_name().name(), "TR" | "ROW"))
    {
        let cells: Vec<String> = row
            .children()
            .filter(|c| c.is_element() && matches!(c.tag_name().name(), "TD" | "ENT"))
            .map(|c| clean(&text_of(c)))
            .collect();
        if cells.len() < 2 {
            continue;
        }
        if !cells[0].is_empty() {
            country = cells[0].trim_end_matches(['.', ':']).trim().to_string();
        }
        let entity = &cells[1];
        if entity.is_empty() || entity.chars().all(|c| c == '*' || c.is_whitespace()) {
            continue;
        }
        let (name, aliases, address) = split_entity(entity);
        let key = normal_name(&name);
        if key.is_empty() || country.is_empty() {
            continue;
        }
        let code = format!("{country}: {key}");
        if out.iter().any(|e| e.code == code) {
            continue;
        }
        let mut d = name.clone();
        if !aliases.is_empty() {
            d.push_str(&format!(" (a.k.a. {})", aliases.join("; ")));
        }
        if !address.is_empty() {
            d.push_str(&format!(" — {address}"));
        }
        for (label, v) in [
            ("License requirement", cells.get(2)),
            ("License review policy", cells.get(3)),
            ("Federal Register citation", cells.get(4)),
        ] {
            if let Some(v) = v.filter(|v| !v.is_empty()) {
                d.push_str(&format!(" {label}: {}", v.trim_end_matches('.')));
                d.push('.');
            }
        }
        out.push(entry(super::REGIME_ENTITY_LIST, code, d, ItemType::Entity));
    }
    out
}

/// The Federal Register citations in a row's description, in order ("85 FR 34503").
pub fn citations(description: &str) -> Vec<String> {
    let Some(at) = description.find("Federal Register citation:") else {
        return Vec::new();
    };
    static FR: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(\d{1,3})\s*FR\s*(\d+)").expect("valid pattern")
    });
    FR.captures_iter(&description[at..])
        .map(|c| format!("{} FR {}", &c[1], &c[2]))
        .collect()
}
