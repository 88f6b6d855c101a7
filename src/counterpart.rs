//! One control code across regimes: China's entry (or family: `1C902` → `1C902.a`, `.b`), the
//! US CCL's and the EU's entries with the same number, or why there is none. The Wassenaar
//! numbering is shared (category, group, number), so the same number usually means the same
//! item; numbers in 9xx are each regime's own, and the US 500/600 series exist only there.

use serde::Serialize;

use crate::diff::list::ListedEntry;
use crate::model::ItemType;

/// The item lists compared, in this order, besides any other item list in the store.
pub const REGIMES: [&str; 3] = ["cn-dual-use", "us-ccl", "eu-dual-use"];

#[derive(Debug, Clone, Serialize)]
pub struct Side<'a> {
    pub regime: String,
    /// Whether the store holds this list at all.
    pub tracked: bool,
    pub entries: Vec<&'a ListedEntry>,
    /// Why there is no counterpart, when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub none: Option<String>,
}

/// `3a001` → `3A001`; `1C902.A` → `1C902.a` (paragraphs are lower case).
pub fn normalise(code: &str) -> String {
    let code = code.trim();
    match code.split_once('.') {
        Some((head, rest)) => format!(
            "{}.{}",
            head.to_ascii_uppercase(),
            rest.to_ascii_lowercase()
        ),
        None => code.to_ascii_uppercase(),
    }
}

fn matches(entry: &str, code: &str) -> bool {
    entry.eq_ignore_ascii_case(code)
        || (entry.len() > code.len()
            && entry[..code.len()].eq_ignore_ascii_case(code)
            && entry.as_bytes()[code.len()] == b'.')
}

/// Why a number has no counterpart in `regime`.
fn why_none(code: &str, regime: &str, tracked: bool) -> String {
    if !tracked {
        return format!("{regime} is not tracked in this store");
    }
    let b = code.as_bytes();
    let number = |i: usize| b.get(i).copied().unwrap_or(b'0');
    if b.len() >= 5 && number(2) == b'9' {
        return "no counterpart: numbers in 9xx are each regime's own (China's, the EU's autonomous, the US's anti-terrorism-only), not shared".into();
    }
    if b.len() >= 5 && matches!(number(2), b'5' | b'6') && regime != "us-ccl" {
        return "no counterpart: the 500 and 600 series are US-only".into();
    }
    "no counterpart: no entry with this number".into()
}

/// The sides for `code` in a list on one date.
pub fn sides<'a>(list: &'a [ListedEntry], code: &str) -> Vec<Side<'a>> {
    let code = normalise(code);
    let mut regimes: Vec<String> = REGIMES.iter().map(|r| r.to_string()).collect();
    for e in list {
        if !matches!(e.item_type, ItemType::Entity | ItemType::Measure)
            && !regimes.contains(&e.regime)
        {
            regimes.push(e.regime.clone());
        }
    }
    regimes
        .into_iter()
        .map(|regime| {
            let tracked = list.iter().any(|e| e.regime == regime);
            let entries: Vec<&ListedEntry> = list
                .iter()
                .filter(|e| e.regime == regime && matches(&e.code, &code))
                .collect();
            let none = entries
                .is_empty()
                .then(|| why_none(&code, &regime, tracked));
            Side {
                regime,
                tracked,
                entries,
                none,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::list::Status;

    fn e(regime: &str, code: &str) -> ListedEntry {
        ListedEntry {
            regime: regime.into(),
            code: code.into(),
            description: format!("{code} item"),
            description_en: format!("{code} item"),
            description_en_source: crate::gloss::Source::Official,
            item_type: ItemType::Material,
            hs_codes: Vec::new(),
            status: Status::InForce,
            effective_from: None,
            until: None,
            announcement: "X-2025-1".into(),
            status_by: "X-2025-1".into(),
            since: None,
            url: None,
        }
    }

    #[test]
    fn a_code_across_regimes() {
        let list = vec![
            e("cn-dual-use", "1C902.a"),
            e("cn-dual-use", "1C902.b"),
            e("cn-dual-use", "1C9020"),
            e("us-ccl", "3A001"),
            e("eu-dual-use", "3A001"),
            e("eu-dual-use", "3A001.a"),
        ];
        let s = sides(&list, "3a001");
        assert_eq!(s[0].regime, "cn-dual-use");
        assert!(s[0].entries.is_empty());
        assert_eq!(
            s[0].none.as_deref(),
            Some("no counterpart: no entry with this number")
        );
        assert_eq!(s[1].entries.len(), 1);
        assert_eq!(s[2].entries.len(), 2, "the entry and its paragraphs");

        let s = sides(&list, "1C902");
        let codes: Vec<&str> = s[0].entries.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(
            codes,
            ["1C902.a", "1C902.b"],
            "a family, not a longer number"
        );
        assert!(s[1].none.as_deref().unwrap().contains("9xx"));

        let s = sides(&list[..3], "0A521");
        assert!(s[1].none.as_deref().unwrap().contains("not tracked"));
        let s = sides(&list, "0A521");
        assert!(s[0].none.as_deref().unwrap().contains("US-only"));
    }
}
