//! extract: pure functions from the bytes of a page to owned data. No I/O, no panics on any
//! input, one file per source profile.

pub mod annex;
pub mod charset;
pub mod cms;
pub mod ecfr;
pub mod eurlex;
pub mod federal_register;
pub mod generic;
pub mod mofcom;
pub mod mofcom_en;
pub mod page;
pub mod text;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::model::Announcement;

/// A source profile: how to read a source's list pages and articles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    /// China's Ministry of Commerce, read by built-in rules.
    Mofcom,
    /// MOFCOM's English site: official English versions, paired with the Chinese announcements.
    MofcomEn,
    /// Any list and announcement pages, read with the selectors in `[source.generic]`.
    Generic,
    /// One page's text, watched as a document (`[source.page]`).
    Page,
    /// The Federal Register's API: BIS rules, the events that change the US lists.
    FederalRegister,
    /// The eCFR's versioner API: the Commerce Control List and the Entity List at each date
    /// they changed.
    Ecfr,
    /// EUR-Lex: Annex I of Regulation (EU) 2021/821 in each consolidated version.
    Eurlex,
}

impl Profile {
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Mofcom => "mofcom",
            Profile::MofcomEn => "mofcom-en",
            Profile::Generic => "generic",
            Profile::Page => "page",
            Profile::FederalRegister => "federal-register",
            Profile::Ecfr => "ecfr",
            Profile::Eurlex => "eurlex",
        }
    }
}

/// A profile with what it needs to read pages: the selectors and regime of a generic source,
/// the watch settings of a page. Cheap to clone.
#[derive(Debug, Clone)]
pub enum Reader {
    Mofcom,
    MofcomEn,
    Generic {
        spec: Arc<generic::GenericSpec>,
        regime: String,
    },
    Page {
        spec: Arc<page::PageSpec>,
        source: String,
    },
    FederalRegister,
    Ecfr {
        /// The sanity gate: a list read with fewer entries is an extraction failure
        /// ([`ecfr::MIN_CCL`], [`ecfr::MIN_ENTITY_LIST`] unless the source says otherwise).
        min_entries: Option<usize>,
    },
    Eurlex {
        /// The sanity gate ([`eurlex::MIN_ENTRIES`] unless the source says otherwise).
        min_entries: Option<usize>,
    },
}

impl Reader {
    /// What the links read from an index page depend on besides its bytes: the reader, its
    /// link settings, and this regwatch's version (an upgrade may read links differently).
    pub fn index_key(&self) -> String {
        let version = env!("CARGO_PKG_VERSION");
        match self {
            // "cms": column shells are followed to their list API (a store from before read the shell)
            Reader::Mofcom => format!("{version} mofcom cms"),
            Reader::MofcomEn => format!("{version} mofcom-en cms"),
            Reader::Generic { spec, .. } => format!(
                "{version} generic {:?} {:?}",
                spec.links.text,
                spec.next_page.as_ref().map(|n| &n.text)
            ),
            Reader::Page { .. } => format!("{version} page"),
            Reader::FederalRegister => format!("{version} federal-register"),
            Reader::Ecfr { .. } => format!("{version} ecfr"),
            Reader::Eurlex { .. } => format!("{version} eurlex"),
        }
    }

    /// Whether an index page of this reader may list nothing and still be read fine: a JSON
    /// API's answer (a year without rules, no version since), not a page whose layout broke.
    pub fn index_may_be_empty(&self, url: &Url) -> bool {
        match self {
            Reader::FederalRegister | Reader::Ecfr { .. } => true,
            _ => cms::is_unit_call(url),
        }
    }
}

/// A page as fetched: the bytes and what the server said they are.
#[derive(Debug, Clone, Copy)]
pub struct Page<'a> {
    pub url: &'a Url,
    pub body: &'a [u8],
    pub content_type: Option<&'a str>,
}

/// An announcement link found on an index page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexLink {
    pub url: Url,
    pub title: String,
}

/// Why a page could not be read. Each is reported as an extraction failure for the source and
/// never turned into "entries removed".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    #[error("the index page lists no announcement links; its layout may have changed")]
    EmptyIndex,
    #[error(
        "no document number (…公告YYYY年第N号) found; not an announcement, or its layout changed"
    )]
    NoDocumentNumber,
    #[error(
        "elements nest more than {limit} deep; not read (a broken or hostile page: parsing it would take minutes)"
    )]
    TooDeep { limit: usize },
    #[error("column list: {0}")]
    ListApi(String),
    #[error("not an HTML page (Content-Type {0})")]
    NotHtml(String),
    #[error(
        "entries collapsed from {before} to {after}; the page layout probably changed, keeping the previous version"
    )]
    EntriesCollapsed { before: usize, after: usize },
    #[error("annex format not read (Content-Type {0}); only HTML and PDF annexes are")]
    UnsupportedAnnex(String),
    #[error("PDF annex unreadable: {0}")]
    Pdf(String),
    #[error(
        "the {what} selector {selector:?} matched nothing on this page; its layout may have changed"
    )]
    SelectorMatchedNothing {
        what: &'static str,
        selector: String,
    },
    #[error("the {what} pattern {pattern:?} matched nothing on this page")]
    PatternMatchedNothing { what: &'static str, pattern: String },
    #[error(
        "read {found} {what}, fewer than the {min} a whole list has: the page did not read, not a mass removal"
    )]
    TooFew {
        found: usize,
        min: usize,
        what: &'static str,
    },
}

/// What reading an announcement with its annexes produced: the announcement, and the annexes
/// that could not be read (reported, while the rest is believed).
#[derive(Debug)]
pub struct Extracted {
    pub announcement: Announcement,
    pub unread: Vec<(Url, ExtractError)>,
}

/// A whole-list version ([`crate::model::is_snapshot`]) of `authority` on `date`: keyed by the
/// date (`ECFR774-2025-1014`, the number being month and day), in effect from it, its text the
/// entries one per line.
pub(crate) fn whole_list_version(
    authority: &str,
    date: chrono::NaiveDate,
    title: String,
    entries: Vec<crate::model::ControlEntry>,
    doubts: Vec<crate::model::Doubt>,
) -> Announcement {
    use chrono::Datelike;
    let number = date.month() * 100 + date.day();
    let text = entries
        .iter()
        .map(|e| format!("{}: {}", e.code, e.description))
        .collect::<Vec<_>>()
        .join("\n");
    Announcement {
        key: format!("{authority}-{}-{number}", date.year()),
        authorities: vec![authority.to_string()],
        year: date.year(),
        number,
        title,
        issued: Some(date),
        effective: vec![crate::model::Effective::stated(date, None)],
        entries,
        relations: Vec::new(),
        doubts,
        text,
    }
}

/// A link's target as an absolute http(s) URL without fragment, or `None` for anything else
/// (`javascript:`, `mailto:`, unparsable).
pub(crate) fn link_target(base: &Url, a: scraper::ElementRef<'_>) -> Option<Url> {
    let mut url = base.join(a.value().attr("href")?.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    url.set_fragment(None);
    // A scraped `http://user:pass@host/…` must not make us send (and keep) someone's password.
    crate::fetch::strip_userinfo(&mut url);
    Some(url)
}

/// A `<meta name=…>` value, trimmed, when present and not empty.
pub(crate) fn meta_content(doc: &scraper::Html, name: &str) -> Option<String> {
    let sel = scraper::Selector::parse(&format!("meta[name=\"{name}\"]")).ok()?;
    doc.select(&sel)
        .next()?
        .value()
        .attr("content")
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

pub(crate) fn html(page: &Page<'_>) -> Result<String, ExtractError> {
    if let Some(ct) = page.content_type {
        let mime = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if !mime.is_empty() && !mime.contains("html") && !mime.starts_with("text/") {
            return Err(ExtractError::NotHtml(mime));
        }
    }
    let text = charset::decode(page.body, page.content_type).text;
    if text::nesting_depth(&text, text::MAX_NESTING) > text::MAX_NESTING {
        return Err(ExtractError::TooDeep {
            limit: text::MAX_NESTING,
        });
    }
    Ok(text)
}

/// Announcement links on a source's index page, and the next index page when the source is
/// paginated.
pub fn index(
    reader: &Reader,
    page: &Page<'_>,
) -> Result<(Vec<IndexLink>, Option<Url>), ExtractError> {
    if matches!(reader, Reader::Mofcom | Reader::MofcomEn)
        && (cms::is_unit_call(page.url) || page.content_type.is_some_and(|ct| ct.contains("json")))
    {
        return mofcom_list(page, reader);
    }
    let (mut links, next) = match reader {
        // The APIs answer JSON, not HTML.
        Reader::FederalRegister => federal_register::index(page.url, page.body)?,
        Reader::Ecfr { .. } => ecfr::index(page.url, page.body)?,
        // A column shell: its list is one API call away (and its sidebar is not the list).
        Reader::Mofcom => {
            let html = html(page)?;
            match cms::shell_call(page.url, &html) {
                Some(call) => (Vec::new(), Some(call)),
                None => mofcom::index(page.url, &html).map(|links| (links, None))?,
            }
        }
        // The English site is the same CMS: a shell, or a static list.
        Reader::MofcomEn => {
            let html = html(page)?;
            match cms::shell_call(page.url, &html) {
                Some(call) => (Vec::new(), Some(call)),
                None => mofcom_en::index(page.url, &html).map(|links| (links, None))?,
            }
        }
        Reader::Generic { spec, .. } => generic::index(spec, page.url, &html(page)?)?,
        Reader::Eurlex { .. } => eurlex::index(page.url, &html(page)?)?,
        // A watched page is its own "announcement".
        Reader::Page { .. } => (
            vec![IndexLink {
                url: page.url.clone(),
                title: String::new(),
            }],
            None,
        ),
    };
    for l in &mut links {
        crate::safe_text::scrub(&mut l.title);
    }
    Ok((links, next))
}

/// One page of a MOFCOM column's list from the unit API: the items that are announcements (their
/// titles carry a document number; the column also lists notices, rules and news), and the next
/// page while there is one. A list of items none of which is an announcement is read fine.
fn mofcom_list(
    page: &Page<'_>,
    reader: &Reader,
) -> Result<(Vec<IndexLink>, Option<Url>), ExtractError> {
    let english = matches!(reader, Reader::MofcomEn);
    let list = cms::read_unit(page.url, page.body)?;
    let this = list.page_no.unwrap_or_else(|| cms::page_of(page.url));
    let next = list
        .pages()
        .filter(|pages| this < *pages)
        .map(|_| cms::page_url(page.url, this + 1));
    let mut links: Vec<IndexLink> = list
        .items
        .into_iter()
        .filter(|l| {
            if english {
                mofcom_en::key_of(&l.title).is_some()
            } else {
                mofcom::is_announcement_title(&l.title) || mofcom::is_acting_qa_title(&l.title)
            }
        })
        .collect();
    for l in &mut links {
        crate::safe_text::scrub(&mut l.title);
    }
    Ok((links, next))
}

/// The announcement on an article page.
pub fn announcement(reader: &Reader, page: &Page<'_>) -> Result<Announcement, ExtractError> {
    let mut a = match reader {
        // The APIs' documents are JSON and XML, not HTML.
        Reader::FederalRegister => federal_register::announcement(page.url, page.body)?,
        Reader::Ecfr { min_entries } => ecfr::announcement(page.url, page.body, *min_entries)?,
        Reader::Mofcom => mofcom::announcement(&html(page)?)?,
        Reader::MofcomEn => mofcom_en::announcement(&html(page)?)?,
        Reader::Generic { spec, regime } => {
            generic::announcement(spec, regime, page.url, &html(page)?)?
        }
        Reader::Page { spec, source } => page::announcement(spec, source, &html(page)?),
        Reader::Eurlex { min_entries } => {
            eurlex::announcement(page.url, &html(page)?, *min_entries)?
        }
    };
    a.scrub_controls();
    Ok(a)
}

/// Annexes an article links to (附件: HTML pages, PDFs and other documents).
pub fn annex_links(reader: &Reader, page: &Page<'_>) -> Vec<IndexLink> {
    let Ok(html) = html(page) else {
        return Vec::new();
    };
    match reader {
        Reader::Mofcom => mofcom::annex_links(page.url, &html),
        Reader::MofcomEn
        | Reader::Generic { .. }
        | Reader::Page { .. }
        | Reader::FederalRegister
        | Reader::Ecfr { .. }
        | Reader::Eurlex { .. } => Vec::new(),
    }
}

/// An announcement read from its article and the annexes it links, in link order.
pub fn announcement_with_annexes(
    reader: &Reader,
    article: &Page<'_>,
    annexes: &[Page<'_>],
) -> Result<Extracted, ExtractError> {
    let mut a = announcement(reader, article)?;
    let mut unread = Vec::new();
    for (n, annex) in annexes.iter().enumerate() {
        match annex::lines(annex) {
            Ok(lines) => {
                if let Reader::Mofcom = reader {
                    mofcom::merge_annex(&mut a, n + 1, &lines)
                }
            }
            Err(e) => {
                a.doubts.push(crate::model::Doubt::new(
                    "annex-not-read",
                    format!("annex {} ({}): {e}", n + 1, annex.url),
                ));
                unread.push((annex.url.clone(), e));
            }
        }
    }
    // PDF annexes bring text that did not pass the HTML walk.
    a.scrub_controls();
    Ok(Extracted {
        announcement: a,
        unread,
    })
}

#[cfg(test)]
mod fixture_tests {
    use super::*;
    use chrono::NaiveDate;

    fn read(path: &str) -> Announcement {
        let full = format!("{}/snapshots/mofcom/{path}", env!("CARGO_MANIFEST_DIR"));
        let body = std::fs::read(&full).unwrap();
        let url = Url::parse("https://www.mofcom.gov.cn/x.html").unwrap();
        let page = Page {
            url: &url,
            body: &body,
            content_type: Some("text/html"),
        };
        announcement(&Reader::Mofcom, &page).unwrap()
    }

    #[test]
    fn gbk_reprint_reads_like_the_original() {
        let original = read(
            "2025-10-09/www.mofcom.gov.cn/zwgk/zcfb/art/2025/art_7f2b9d4e6a1c3e5b8d0f2a4c6e8b0d62.html",
        );
        let reprint = read(
            "2025-10-10/xkzj.mofcom.gov.cn/tzgg/art/2025/art_8b0d2f4a6c8e0b2d4f6a8c0e2b4d6f62.html",
        );
        assert_eq!(original.key, "MOFCOM-2025-62");
        assert_eq!(original, reprint);
        let codes: Vec<&str> = original.entries.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, ["1E902.a", "1E902.b", "MOFCOM-2025-62#m2"]);
        assert_eq!(original.issued, NaiveDate::from_ymd_opt(2025, 10, 9));
        assert_eq!(
            original.effective[0].date,
            NaiveDate::from_ymd_opt(2025, 10, 9).unwrap()
        );
        assert_eq!(original.effective[0].scope, None);
    }

    #[test]
    fn heading_codes_are_not_entries() {
        let a = read(
            "2025-04-04/www.mofcom.gov.cn/zwgk/zcfb/art/2025/art_0b6f1c2d3e4a5b6c7d8e9f0a1b2c3d18.html",
        );
        assert_eq!(a.entries.len(), 21);
        assert!(a.entries.iter().all(|e| e.code.contains('.')));
        // The group's numbered products stay with it (patterns.md 19).
        assert!(
            a.entries[0]
                .description
                .starts_with("钐金属、合金及相关产品：1.钐金属")
                && a.entries[0]
                    .description
                    .contains("4.钐钴永磁体等钐磁性材料"),
            "{}",
            a.entries[0].description
        );
        assert_eq!(
            a.entries[0].hs_codes,
            ["2805301910", "3824999922", "8486909110"]
        );
    }
}
