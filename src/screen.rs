//! Screening: is this counterparty on a Chinese list of parties, under any of its names? Names
//! are compared normalised (case, punctuation, full-width forms, invisible characters and legal
//! forms do not count); each hit says how good it is and why.

use std::collections::HashSet;

use serde::Serialize;

use crate::diff::list::ListedEntry;
use crate::model::{ItemType, normal_name};

/// How well a listed name matches the name screened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Quality {
    /// The same name, once case, punctuation and legal form are set aside.
    Exact,
    /// One name contains the other (a shorter or longer form of it).
    Partial,
    /// Most words (or characters) in common: worth a look, not a match.
    NearMiss,
}

impl Quality {
    pub fn as_str(self) -> &'static str {
        match self {
            Quality::Exact => "exact",
            Quality::Partial => "partial",
            Quality::NearMiss => "near miss",
        }
    }
}

/// One listed party a screened name matches.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub query: String,
    pub quality: Quality,
    /// The listed name that matched.
    pub matched: String,
    pub why: String,
    pub party: ListedEntry,
    /// The control measures that apply to the party on the date: its listing's clauses and those
    /// of later decisions naming it (`现决定对其采取以下措施`), each with its own status.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub measures: Vec<AppliedMeasure>,
}

/// A control measure applying to a party, from the list on the date.
#[derive(Debug, Clone, Serialize)]
pub struct AppliedMeasure {
    pub announcement: String,
    pub code: String,
    pub description: String,
    pub status: crate::diff::list::Status,
}

/// The measures on the list (`measures`: its entries of type `measure`) that apply to `party`:
/// those of the announcement listing it, and those of other announcements of its list whose text
/// names it (`names_in(key, names)`). None for a party taken off its list.
pub fn measures_for(
    party: &ListedEntry,
    measures: &[ListedEntry],
    mut names_in: impl FnMut(&str, &[String]) -> bool,
) -> Vec<AppliedMeasure> {
    if party.status == crate::diff::list::Status::Removed {
        return Vec::new();
    }
    let names = names_of(&party.description);
    let mut named: std::collections::HashMap<&str, bool> = Default::default();
    measures
        .iter()
        .filter(|m| m.item_type == ItemType::Measure && m.regime == party.regime)
        .filter(|m| {
            m.announcement == party.announcement
                || *named
                    .entry(m.announcement.as_str())
                    .or_insert_with(|| names_in(&m.announcement, &names))
        })
        .map(|m| AppliedMeasure {
            announcement: m.announcement.clone(),
            code: m.code.clone(),
            description: m.description.clone(),
            status: m.status,
        })
        .collect()
}

/// The names a party is listed under: `中文（English）`, or a branch `Name，中文的分支机构`.
pub fn names_of(description: &str) -> Vec<String> {
    let d = description.trim();
    // The US Entity List's rows: "Name (a.k.a. A; B) — address. License requirement: …".
    if !d.contains('（') && (d.contains(" — ") || d.contains(" (a.k.a. ")) {
        let head = d.split(" — ").next().unwrap_or(d).trim();
        return match head.split_once(" (a.k.a. ") {
            Some((name, aliases)) => std::iter::once(name.trim())
                .chain(aliases.trim_end_matches(')').split("; ").map(str::trim))
                .filter(|n| !n.is_empty())
                .map(str::to_string)
                .collect(),
            None => vec![head.to_string()],
        };
    }
    let d = d.split('，').next().unwrap_or(d);
    match d.split_once('（') {
        Some((zh, rest)) => {
            let en = rest.trim_end_matches('）');
            vec![zh.trim().to_string(), en.trim().to_string()]
        }
        None => vec![d.to_string()],
    }
}

/// Whether two descriptions of parties share a name (normalised): the same party written two
/// ways, e.g. `示例公司` in a removal and `示例公司（Example Co., Ltd.）` in its listing.
pub fn same_party(a: &str, b: &str) -> bool {
    let names = |d: &str| -> Vec<String> {
        names_of(d)
            .iter()
            .map(|n| normal_name(n))
            .filter(|n| !n.is_empty())
            .collect()
    };
    let b = names(b);
    names(a).iter().any(|n| b.contains(n))
}

/// Why a listed party matches any of `names` (exactly or partly, as `screen` says; a near miss is
/// not a match): what a watch on parties asks.
pub fn screen_one(names: &[String], e: &ListedEntry) -> Vec<String> {
    if names.is_empty() || e.item_type != ItemType::Entity {
        return Vec::new();
    }
    let listed = [e.clone()];
    names
        .iter()
        .flat_map(|n| screen(n, &listed))
        .filter(|h| h.quality != Quality::NearMiss)
        .map(|h| format!("party {} ({})", h.matched, h.quality.as_str()))
        .collect()
}

/// Words (Latin) or characters (Chinese) of a normalised name, for the near-miss measure.
fn tokens(n: &str) -> HashSet<String> {
    n.split(' ')
        .flat_map(|w| {
            if w.is_ascii() {
                vec![w.to_string()]
            } else {
                w.chars().map(|c| c.to_string()).collect()
            }
        })
        .filter(|t| !t.is_empty())
        .collect()
}

/// The listed parties prepared for screening many names: every name normalised once, an index
/// from words (or Chinese characters) to names, so a name is compared only with the names it
/// shares a word with.
pub struct Screener<'a> {
    parties: Vec<&'a ListedEntry>,
    /// (party index, name as listed, normalised name, its tokens)
    names: Vec<(usize, String, String, HashSet<String>)>,
    by_token: std::collections::HashMap<String, Vec<usize>>,
    by_name: std::collections::HashMap<String, Vec<usize>>,
}

/// A word in more names than this is too common to pick candidates by (`technology`, `example`);
/// the rarest words of a name do.
const COMMON: usize = 64;

impl<'a> Screener<'a> {
    pub fn new(listed: &'a [ListedEntry]) -> Screener<'a> {
        let parties: Vec<&ListedEntry> = listed
            .iter()
            .filter(|e| e.item_type == ItemType::Entity)
            .collect();
        let mut names = Vec::new();
        let mut by_token: std::collections::HashMap<String, Vec<usize>> = Default::default();
        let mut by_name: std::collections::HashMap<String, Vec<usize>> = Default::default();
        for (p, party) in parties.iter().enumerate() {
            for name in names_of(&party.description) {
                let n = normal_name(&name);
                if n.is_empty() {
                    continue;
                }
                let t = tokens(&n);
                for tok in &t {
                    by_token.entry(tok.clone()).or_default().push(names.len());
                }
                by_name.entry(n.clone()).or_default().push(names.len());
                names.push((p, name, n, t));
            }
        }
        Screener {
            parties,
            names,
            by_token,
            by_name,
        }
    }

    /// The parties `query` matches, best first.
    pub fn screen(&self, query: &str) -> Vec<Hit> {
        let q = normal_name(query);
        if q.is_empty() {
            return Vec::new();
        }
        let qt = tokens(&q);
        // Candidates: the names with exactly this name, and those sharing one of the query's
        // rarer words (every partial match and near miss shares a word; a word in most names
        // picks no one out).
        let postings = |tok: &String| self.by_token.get(tok).map_or(&[][..], Vec::as_slice);
        let mut rare: Vec<&String> = qt.iter().filter(|t| postings(t).len() <= COMMON).collect();
        if rare.is_empty() {
            rare.extend(qt.iter().min_by_key(|t| postings(t).len()));
        }
        let mut candidates: HashSet<usize> = self
            .by_name
            .get(&q)
            .map(|v| v.iter().copied().collect())
            .unwrap_or_default();
        for tok in rare {
            candidates.extend(postings(tok));
        }
        let mut best: std::collections::HashMap<usize, (Quality, usize, String)> =
            Default::default();
        for i in candidates {
            let (p, _, n, nt) = &self.names[i];
            let common = qt.intersection(nt).count();
            let found = if *n == q {
                Some((
                    Quality::Exact,
                    "the same name without case, punctuation or legal form".to_string(),
                ))
            } else if (n.contains(&q) || q.contains(n.as_str()))
                && q.chars().count().min(n.chars().count()) >= 4
            {
                Some((
                    Quality::Partial,
                    if n.contains(&q) {
                        "the name screened is part of the listed name".to_string()
                    } else {
                        "the listed name is part of the name screened".to_string()
                    },
                ))
            } else {
                let total = qt.len() + nt.len() - common;
                (common * 2 >= total.max(1) && common >= 2).then(|| {
                    (
                        Quality::NearMiss,
                        format!("{common} of {total} words in common"),
                    )
                })
            };
            if let Some((quality, why)) = found
                && best.get(p).is_none_or(|(b, ..)| quality < *b)
            {
                best.insert(*p, (quality, i, why));
            }
        }
        let mut hits: Vec<Hit> = best
            .into_iter()
            .map(|(p, (quality, i, why))| Hit {
                query: query.to_string(),
                quality,
                matched: self.names[i].1.clone(),
                why,
                party: self.parties[p].clone(),
                measures: Vec::new(),
            })
            .collect();
        hits.sort_by(|a, b| {
            (a.quality, &a.party.regime, &a.party.code).cmp(&(
                b.quality,
                &b.party.regime,
                &b.party.code,
            ))
        });
        hits
    }
}

/// The parties of `listed` that `query` matches, best first.
pub fn screen(query: &str, listed: &[ListedEntry]) -> Vec<Hit> {
    Screener::new(listed).screen(query)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::list::Status;

    fn party(code: &str, description: &str) -> ListedEntry {
        ListedEntry {
            regime: "cn-unreliable-entity".into(),
            code: code.into(),
            description: description.into(),
            description_en: String::new(),
            description_en_source: crate::gloss::Source::Gloss,
            item_type: ItemType::Entity,
            hs_codes: vec![],
            status: Status::InForce,
            effective_from: None,
            until: None,
            announcement: "UEL-2031-7".into(),
            status_by: "UEL-2031-7".into(),
            since: None,
            url: None,
        }
    }

    #[test]
    fn every_name_of_a_party_finds_it() {
        let listed = vec![
            party(
                "EXAMPLE-AERO-TECHNOLOGIES",
                "示例航空技术公司（Example Aero Technologies, Inc.）",
            ),
            party(
                "EXAMPLE-INSIGHTS-EUROPE",
                "Example Insights Europe Limited，示例洞察公司的分支机构",
            ),
        ];
        let hits = screen("EXAMPLE AERO TECHNOLOGIES INC", &listed);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].quality, Quality::Exact);
        assert_eq!(hits[0].matched, "Example Aero Technologies, Inc.");
        assert_eq!(
            screen("示例航空技术有限公司", &listed)[0].quality,
            Quality::Exact
        );
        assert_eq!(
            screen("ｅｘａｍｐｌｅ insights europe ltd.", &listed)[0]
                .party
                .code,
            "EXAMPLE-INSIGHTS-EUROPE"
        );
        let near = screen("Example Aero Tech", &listed);
        assert_eq!(near[0].quality, Quality::Partial, "{near:?}");
        let miss = screen("Example Aerospace Technologies", &listed);
        assert_eq!(miss[0].quality, Quality::NearMiss, "{miss:?}");
        assert!(screen("Unrelated Trading", &listed).is_empty());
    }
}
