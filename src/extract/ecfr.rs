//! The eCFR's versioner API (`ecfr.gov/api/versioner/v1`): the *state* of the US lists at a
//! date — the Commerce Control List (15 CFR 774, Supplement No. 1) and the Entity List (15 CFR
//! 744, Supplement No. 4).
//!
//! The index is `versions/title-15.json?part=…&issue_date[gte]=…`: the dates on which the
//! supplement changed. Each date's list is read from `full/{date}/title-15.xml?part=…&appendix=…`
//! and becomes one whole-list version (key `ECFR774-2025-1014`, the number being month and day):
//! each version replaces the one before it ([`crate::model::is_snapshot`]), so a code missing
//! from a later version has left the list, and the differences between two versions are
//! attributed to the Federal Register rules amending the part that took effect between them.
//! Facts: `shared/facts/us-eu.md` §2, §3, §7.

use chrono::NaiveDate;
use serde::Deserialize;
use url::Url;

use super::{ExtractError, IndexLink};
use crate::model::{Announcement, ControlEntry, ItemType, SNAPSHOT_CCL, SNAPSHOT_ENTITY_LIST};

pub mod ccl;
pub mod entity_list;

pub const REGIME_CCL: &str = "us-ccl";
pub const REGIME_ENTITY_LIST: &str = "us-entity-list";

/// A whole CCL has more than 600 ECCNs (633 at the eCFR issue of 2026-07-23): fewer is a page
/// that did not read, never a mass removal.
pub const MIN_CCL: usize = 600;
/// A whole Entity List has more than 2,000 rows.
pub const MIN_ENTITY_LIST: usize = 2_000;

/// The supplements read, by part.
fn supplement(part: u32) -> Option<&'static str> {
    match part {
        774 => Some("Supplement No. 1 to Part 774"),
        744 => Some("Supplement No. 4 to Part 744"),
        _ => None,
    }
}

fn query(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn part_of(url: &Url) -> Result<u32, ExtractError> {
    query(url, "part")
        .and_then(|p| p.parse().ok())
        .filter(|p| supplement(*p).is_some())
        .ok_or_else(|| {
            ExtractError::ListApi(
                "eCFR: the URL names no part read here (part=774, the CCL, or part=744, the Entity List)"
                    .into(),
            )
        })
}

#[derive(Debug, Deserialize)]
struct Versions {
    #[serde(default)]
    content_versions: Vec<Version>,
    #[serde(default)]
    meta: Option<VersionsMeta>,
}

#[derive(Debug, Deserialize)]
struct Version {
    #[serde(default)]
    amendment_date: Option<NaiveDate>,
    // Deprecated alias of `amendment_date`.
    #[serde(default)]
    date: Option<NaiveDate>,
    #[serde(default)]
    identifier: String,
    #[serde(default)]
    name: String,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    removed: bool,
}

#[derive(Debug, Deserialize)]
struct VersionsMeta {
    #[serde(default)]
    latest_issue_date: Option<NaiveDate>,
}

/// The dates on which the part's supplement changed, each as the URL of that day's list.
/// Dates past the title's latest issue are not asked for (the eCFR is not yet up to date there).
pub fn index(url: &Url, body: &[u8]) -> Result<(Vec<IndexLink>, Option<Url>), ExtractError> {
    let part = part_of(url)?;
    let supp = supplement(part).unwrap_or_default();
    let v: Versions = serde_json::from_slice(body)
        .map_err(|e| ExtractError::ListApi(format!("eCFR versions: not the API's JSON ({e})")))?;
    let latest = v.meta.and_then(|m| m.latest_issue_date);
    let mut dates: Vec<NaiveDate> = v
        .content_versions
        .iter()
        .filter(|c| {
            !c.removed
                && c.kind.eq_ignore_ascii_case("appendix")
                && (c
                    .identifier
                    .to_ascii_lowercase()
                    .starts_with(&supp.to_ascii_lowercase())
                    || c.name
                        .to_ascii_lowercase()
                        .starts_with(&supp.to_ascii_lowercase()))
        })
        .filter_map(|c| c.amendment_date.or(c.date))
        .filter(|d| latest.is_none_or(|l| *d <= l))
        .collect();
    dates.sort();
    dates.dedup();
    let links = dates
        .into_iter()
        .filter_map(|d| {
            let mut u = url
                .join(&format!("/api/versioner/v1/full/{d}/title-15.xml"))
                .ok()?;
            u.query_pairs_mut()
                .append_pair("part", &part.to_string())
                .append_pair("appendix", supp);
            Some(IndexLink {
                url: u,
                title: format!("{supp} as of {d}"),
            })
        })
        .collect();
    Ok((links, None))
}

/// The date and part of a `full/{date}/title-15.xml?part=…` URL.
fn full_call(url: &Url) -> Result<(NaiveDate, u32), ExtractError> {
    let date = url
        .path_segments()
        .and_then(|mut s| {
            s.find(|p| *p == "full")?;
            s.next()
        })
        .and_then(|d| d.parse::<NaiveDate>().ok())
        .ok_or_else(|| ExtractError::ListApi("eCFR: not a full/{date}/title-15.xml call".into()))?;
    Ok((date, part_of(url)?))
}

/// The list on one date, from the part's XML, as one whole-list version. `min_entries` is the
/// sanity gate ([`MIN_CCL`], [`MIN_ENTITY_LIST`] unless the source says otherwise).
pub fn announcement(
    url: &Url,
    body: &[u8],
    min_entries: Option<usize>,
) -> Result<Announcement, ExtractError> {
    let (date, part) = full_call(url)?;
    let text = String::from_utf8_lossy(body);
    let doc = roxmltree::Document::parse_with_options(
        &text,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            // A whole CCL is a few hundred thousand nodes; entities expanding without end (a
            // hostile or broken answer) stop here instead of filling memory.
            nodes_limit: 5_000_000,
            ..Default::default()
        },
    )
    .map_err(|e| ExtractError::ListApi(format!("eCFR: not well-formed XML ({e})")))?;
    let supp = supplement(part).unwrap_or_default();
    let appendix = doc
        .descendants()
        .find(|n| {
            n.is_element()
                && n.attribute("TYPE")
                    .is_some_and(|t| t.eq_ignore_ascii_case("APPENDIX"))
                && n.attribute("N")
                    .is_some_and(|a| a.trim().eq_ignore_ascii_case(supp))
        })
        .ok_or_else(|| ExtractError::SelectorMatchedNothing {
            what: "supplement",
            selector: format!("DIV9[TYPE=APPENDIX][N={supp:?}]"),
        })?;
    let (authority, entries, min, what) = match part {
        774 => (
            SNAPSHOT_CCL,
            ccl::entries(appendix),
            min_entries.unwrap_or(MIN_CCL),
            "ECCNs",
        ),
        _ => (
            SNAPSHOT_ENTITY_LIST,
            entity_list::entries(appendix),
            min_entries.unwrap_or(MIN_ENTITY_LIST),
            "Entity List rows",
        ),
    };
    if entries.len() < min {
        return Err(ExtractError::TooFew {
            found: entries.len(),
            min,
            what,
        });
    }
    let title = format!("{supp} as of {date} (eCFR)");
    Ok(super::whole_list_version(
        authority,
        date,
        title,
        entries,
        Vec::new(),
    ))
}

/// An element's text, its children's included, with whitespace collapsed.
pub(crate) fn text_of(n: roxmltree::Node<'_, '_>) -> String {
    let mut out = String::new();
    for d in n.descendants().filter(|d| d.is_text()) {
        out.push_str(d.text().unwrap_or(""));
        out.push(' ');
    }
    collapse(&out)
}

pub(crate) fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // Zero-width characters (U+200B–U+200D, U+2060, U+FEFF) hide inside names as served: a key
    // must not depend on them.
    let visible: String = s
        .chars()
        .filter(|c| !matches!(c, '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}'))
        .collect();
    for w in visible.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    // "word ." from text split around an element.
    out.replace(" .", ".").replace(" ,", ",").replace(" :", ":")
}

fn entry(regime: &str, code: String, description: String, item_type: ItemType) -> ControlEntry {
    ControlEntry {
        regime: regime.to_string(),
        code,
        description,
        item_type,
        hs_codes: Vec::new(),
        clause: None,
        removal: false,
    }
}

#[cfg(test)]
mod tests;
