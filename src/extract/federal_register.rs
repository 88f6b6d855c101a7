//! The Federal Register's public API (`federalregister.gov/api/v1`, no key): the rules of the
//! Bureau of Industry and Security as announcements — the *events* that change the US lists.
//!
//! The index is a search (`documents.json?conditions[agencies][]=industry-and-security-bureau…`),
//! read one publication-year window at a time ([`windows`]): the API silently answers page 1 for
//! a page past 50 or past 10,000 results, so a query must stay small enough to be paged whole.
//! Each document is read from its own JSON (`documents/{number}.json`). Facts:
//! `shared/facts/us-eu.md` §1, §3, §7.

use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use url::Url;

use super::{ExtractError, IndexLink};
use crate::model::{Announcement, Doubt, Effective, Relation, RelationKind};

/// The authority of every announcement read here; `citation` names it "BIS rule".
pub const AUTHORITY: &str = "BIS";
/// The API pages no further than this (a later page is silently page 1).
const MAX_PAGE: u32 = 50;
/// Nor past this many results.
const MAX_RESULTS: u64 = 10_000;

#[derive(Debug, Deserialize)]
struct Search {
    #[serde(default)]
    count: u64,
    #[serde(default)]
    total_pages: Option<u32>,
    #[serde(default)]
    next_page_url: Option<String>,
    // Absent when `count` is 0.
    #[serde(default)]
    results: Vec<Listed>,
}

#[derive(Debug, Deserialize)]
struct Listed {
    document_number: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    json_url: Option<String>,
    #[serde(default)]
    agencies: Vec<Agency>,
}

#[derive(Debug, Deserialize)]
struct Agency {
    #[serde(default)]
    slug: Option<String>,
    #[serde(default)]
    raw_name: Option<String>,
}

/// BIS, by its slug or (unmatched agencies carry only `raw_name`) its name.
const BIS_SLUG: &str = "industry-and-security-bureau";

impl Agency {
    fn is_bis(&self) -> bool {
        self.slug.as_deref() == Some(BIS_SLUG)
            || self
                .raw_name
                .as_deref()
                .is_some_and(|n| n.to_ascii_lowercase().contains("industry and security"))
    }
}

/// Whether a URL is of the documents on public inspection (filed, not yet published).
pub fn is_public_inspection(url: &Url) -> bool {
    url.path().contains("/public-inspection-documents")
}

fn query(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn with_query(url: &Url, set: &[(&str, String)]) -> Url {
    let mut out = url.clone();
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !set.iter().any(|(s, _)| s == k))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    {
        let mut q = out.query_pairs_mut();
        q.clear();
        for (k, v) in &kept {
            q.append_pair(k, v);
        }
        for (k, v) in set {
            q.append_pair(k, v);
        }
    }
    out
}

const GTE: &str = "conditions[publication_date][gte]";
const LTE: &str = "conditions[publication_date][lte]";

/// The search split into publication-year windows from the year it starts
/// (`conditions[publication_date][gte]`, else this year) to `today`'s: each window is small
/// enough to be paged whole (BIS publishes a few hundred documents a year).
pub fn windows(url: &Url, today: NaiveDate) -> Vec<Url> {
    if !url.path().ends_with("/documents.json") {
        // Not a search (the documents on public inspection today): read as it is.
        return vec![url.clone()];
    }
    let start = query(url, GTE)
        .and_then(|d| d.parse::<NaiveDate>().ok())
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today));
    let end = query(url, LTE)
        .and_then(|d| d.parse::<NaiveDate>().ok())
        .map_or(today, |d| d.min(today));
    (start.year()..=end.year())
        .filter_map(|y| {
            let from = NaiveDate::from_ymd_opt(y, 1, 1)?.max(start);
            let to = NaiveDate::from_ymd_opt(y, 12, 31)?.min(end);
            Some(with_query(
                url,
                &[(GTE, from.to_string()), (LTE, to.to_string())],
            ))
        })
        .collect()
}

/// The documents on one page of a search, and the next page of its window.
pub fn index(url: &Url, body: &[u8]) -> Result<(Vec<IndexLink>, Option<Url>), ExtractError> {
    let bad = |m: String| ExtractError::ListApi(format!("Federal Register search: {m}"));
    let search: Search =
        serde_json::from_slice(body).map_err(|e| bad(format!("not the API's JSON ({e})")))?;
    let page: u32 = query(url, "page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let per_page: u64 = query(url, "per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(20);
    if page > MAX_PAGE || u64::from(page) * per_page > MAX_RESULTS {
        return Err(bad(format!(
            "page {page} of {per_page} is past what the API pages (it would answer page 1 again); narrow the window"
        )));
    }
    if search.count > MAX_RESULTS {
        return Err(bad(format!(
            "{} results in one window, more than the {MAX_RESULTS} the API pages; narrow the query",
            search.count
        )));
    }
    if page > 1 && search.total_pages.is_some_and(|t| page > t) {
        return Err(bad(format!(
            "page {page} asked of {} pages: the answer is page 1 again",
            search.total_pages.unwrap_or(0)
        )));
    }
    let base = Url::parse("https://www.federalregister.gov/api/v1/documents/")
        .map_err(|e| bad(e.to_string()))?;
    // The documents on public inspection cannot be asked for by agency: BIS's are picked here.
    let inspection = is_public_inspection(url);
    let links = search
        .results
        .into_iter()
        .filter(|d| !inspection || d.agencies.iter().any(Agency::is_bis))
        .filter_map(|d| {
            let own = d
                .json_url
                .as_deref()
                .and_then(|u| url.join(u).ok())
                .map(|mut u| {
                    // `?publication_date=…` names the same document; one URL per document.
                    u.set_query(None);
                    u
                });
            let kind = if inspection {
                "public-inspection-documents"
            } else {
                "documents"
            };
            let url = own.or_else(|| {
                url.join(&format!("/api/v1/{kind}/{}.json", d.document_number))
                    .ok()
                    .or_else(|| base.join(&format!("{}.json", d.document_number)).ok())
            })?;
            Some(IndexLink {
                url,
                title: d.title.unwrap_or_default(),
            })
        })
        .collect();
    let next = search
        .next_page_url
        .as_deref()
        .and_then(|n| url.join(n).ok())
        .filter(|n| {
            let p: u32 = query(n, "page").and_then(|p| p.parse().ok()).unwrap_or(1);
            p > page && p <= MAX_PAGE
        });
    Ok((links, next))
}

#[derive(Debug, Deserialize)]
struct Document {
    document_number: String,
    #[serde(default)]
    title: String,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    publication_date: Option<NaiveDate>,
    #[serde(default)]
    effective_on: Option<NaiveDate>,
    #[serde(default)]
    dates: Option<String>,
    #[serde(default)]
    citation: Option<String>,
    #[serde(default)]
    cfr_references: Vec<CfrReference>,
    #[serde(default)]
    correction_of: Option<String>,
    #[serde(default)]
    html_url: Option<String>,
    #[serde(default, rename = "abstract")]
    summary: Option<String>,
    /// On public inspection: when it was filed ("2025-03-25T08:45:00.000-04:00").
    #[serde(default)]
    filed_at: Option<String>,
}

#[derive(Debug, Deserialize)]
struct CfrReference {
    #[serde(default)]
    title: Option<u32>,
    #[serde(default)]
    part: Option<u32>,
}

/// `2025-05426` → (year 2025, number 5426, correction prefix); `C1-2024-12345` is a correction.
/// Numbers from before 2002 (`99-13351`, `E9-17295`) are not read.
fn document_number(n: &str) -> Option<(i32, u32, Option<&str>)> {
    let (prefix, rest) = match n.split_once('-') {
        Some((p, rest)) if p.starts_with('C') && p.len() <= 3 && rest.contains('-') => {
            (Some(p), rest)
        }
        _ => (None, n),
    };
    let (year, number) = rest.split_once('-')?;
    if year.len() != 4 {
        return None;
    }
    Some((year.parse().ok()?, number.parse().ok()?, prefix))
}

/// The key of a document: `FR-2025-05426`, `FR-C1-2024-12345` for a correction.
pub fn key_of(number: &str) -> Option<String> {
    document_number(number).map(|_| format!("FR-{number}"))
}

/// CFR parts a rule amends: "15 CFR 744, 774".
fn parts(refs: &[CfrReference]) -> Vec<u32> {
    let mut parts: Vec<u32> = refs
        .iter()
        .filter(|r| r.title.is_none_or(|t| t == 15))
        .filter_map(|r| r.part)
        .collect();
    parts.sort_unstable();
    parts.dedup();
    parts
}

/// The effective date written in the free-text `dates` ("Effective date: This rule is effective
/// March 25, 2025."), when the structured field is empty.
fn effective_in_dates(dates: &str) -> Option<NaiveDate> {
    let lower = dates.to_ascii_lowercase();
    let at = lower.find("effective")?;
    let tail = &dates[at..];
    static DATE: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"(January|February|March|April|May|June|July|August|September|October|November|December)\s+(\d{1,2}),\s*(\d{4})",
        )
        .expect("valid pattern")
    });
    let c = DATE.captures(tail)?;
    let month = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
    .iter()
    .position(|m| *m == &c[1])? as u32
        + 1;
    NaiveDate::from_ymd_opt(c[3].parse().ok()?, month, c[2].parse().ok()?)
}

/// A document of the Federal Register, from its JSON, as an announcement: key `FR-2025-05426`,
/// authority BIS, the title followed by its citation and CFR parts ("… (90 FR 14957; 15 CFR
/// 744)"), issued on publication, effective on `effective_on` or the date in `dates`; a
/// correction amends the document it corrects. It lists no entries: the eCFR's versions of the
/// parts carry those, and are attributed to it.
pub fn announcement(url: &Url, body: &[u8]) -> Result<Announcement, ExtractError> {
    let d: Document = serde_json::from_slice(body).map_err(|e| {
        ExtractError::ListApi(format!(
            "Federal Register document: not the API's JSON ({e})"
        ))
    })?;
    let (year, number, _) =
        document_number(&d.document_number).ok_or(ExtractError::NoDocumentNumber)?;
    if is_public_inspection(url) || d.filed_at.is_some() {
        return Ok(on_inspection(&d, year, number));
    }
    let key = format!("FR-{}", d.document_number);
    let parts = parts(&d.cfr_references);
    let mut doubts = Vec::new();
    let effective = match (
        d.effective_on,
        d.dates.as_deref().and_then(effective_in_dates),
    ) {
        (Some(e), _) => Some(e),
        (None, Some(e)) => {
            doubts.push(Doubt::new(
                "effective-from-text",
                format!(
                    "no effective_on: the effective date {e} is read from the text of `dates` ({:?})",
                    d.dates.as_deref().unwrap_or("")
                ),
            ));
            Some(e)
        }
        (None, None) => None,
    };
    if let (Some(e), Some(p)) = (effective, d.publication_date)
        && e < p
    {
        doubts.push(Doubt::new(
            "effective-before-publication",
            format!(
                "effective {e}, before its publication on {p} (on public inspection, as BIS rules may be)"
            ),
        ));
    }
    let mut relations = Vec::new();
    if let Some(corrected) = d.correction_of.as_deref().and_then(|c| {
        // `correction_of` is the corrected document's URL or number.
        let n = c.trim_end_matches('/').rsplit('/').next().unwrap_or(c);
        let n = n.trim_end_matches(".json");
        key_of(n).or_else(|| {
            // …/documents/2024/05/01/2024-12345/title-words
            c.split('/').find_map(key_of)
        })
    }) {
        relations.push(Relation {
            kind: RelationKind::Amends,
            target: corrected,
            from: d.publication_date,
            until: None,
            scope: None,
        });
    }
    let mut about = Vec::new();
    if let Some(c) = d.citation.as_deref().filter(|c| !c.trim().is_empty()) {
        about.push(c.trim().to_string());
    }
    let title = titled(&d.title, about, &parts);
    let mut text = vec![title.clone()];
    for (label, v) in [
        ("Type", d.kind.as_deref()),
        ("Action", d.action.as_deref()),
        ("Dates", d.dates.as_deref()),
        ("Summary", d.summary.as_deref()),
        ("URL", d.html_url.as_deref()),
    ] {
        if let Some(v) = v.filter(|v| !v.trim().is_empty()) {
            text.push(format!("{label}: {}", v.trim()));
        }
    }
    Ok(Announcement {
        key,
        authorities: vec![AUTHORITY.to_string()],
        year,
        number,
        title,
        issued: d.publication_date,
        effective: effective
            .map(|e| vec![Effective::stated(e, None)])
            .unwrap_or_default(),
        entries: Vec::new(),
        relations,
        doubts,
        text: text.join("\n"),
    })
}

/// A document on public inspection: filed, to be published on `publication_date` — an early
/// warning, keyed apart from the published document (`FRPI-2025-05426`), which follows with its
/// citation and effective date. It lists no entries and takes effect on no date of its own.
fn on_inspection(d: &Document, year: i32, number: u32) -> Announcement {
    let filed = d
        .filed_at
        .as_deref()
        .and_then(|f| f.get(..10))
        .and_then(|f| f.parse::<NaiveDate>().ok());
    let mut about = Vec::new();
    if let Some(f) = filed {
        about.push(format!("on public inspection {f}"));
    }
    if let Some(p) = d.publication_date {
        about.push(format!("to be published {p}"));
    }
    let parts = parts(&d.cfr_references);
    let title = titled(&d.title, about, &parts);
    let mut text = vec![title.clone()];
    for (label, v) in [("Type", d.kind.as_deref()), ("URL", d.html_url.as_deref())] {
        if let Some(v) = v.filter(|v| !v.trim().is_empty()) {
            text.push(format!("{label}: {}", v.trim()));
        }
    }
    Announcement {
        key: format!("FRPI-{}", d.document_number),
        authorities: vec![AUTHORITY.to_string()],
        year,
        number,
        title,
        issued: filed.or(d.publication_date),
        effective: Vec::new(),
        entries: Vec::new(),
        relations: Vec::new(),
        doubts: Vec::new(),
        text: text.join("\n"),
    }
}

/// A document's title followed by what identifies it and the CFR parts it amends:
/// "Additions to the Entity List (90 FR 14057; 15 CFR 744)".
fn titled(title: &str, mut about: Vec<String>, parts: &[u32]) -> String {
    if !parts.is_empty() {
        let parts: Vec<String> = parts.iter().map(u32::to_string).collect();
        about.push(format!("15 CFR {}", parts.join(", ")));
    }
    if about.is_empty() {
        title.trim().to_string()
    } else {
        format!("{} ({})", title.trim(), about.join("; "))
    }
}

/// The CFR parts named in an announcement's title ("… (90 FR 14957; 15 CFR 744, 774)").
pub fn parts_in_title(title: &str) -> Vec<u32> {
    let Some(at) = title.rfind("15 CFR ") else {
        return Vec::new();
    };
    let tail = &title[at + 7..];
    let end = tail.find([')', ';']).unwrap_or(tail.len());
    tail[..end]
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

/// The Federal Register citation in an announcement's title ("90 FR 14957").
pub fn citation_in_title(title: &str) -> Option<String> {
    // Asked of every rule for every change a report attributes: compiled once.
    static CITATION: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"\((\d{1,3} FR \d+)[;)]").expect("valid pattern"));
    CITATION.captures(title).map(|c| c[1].to_string())
}

#[cfg(test)]
mod tests;
