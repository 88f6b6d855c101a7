//! The generic profile: any ministry's announcement list, read with the CSS selectors and
//! patterns in the source's `[source.generic]` table. Every selector and pattern is checked when
//! the configuration loads; one that matches nothing on a fetched page is an extraction failure
//! naming it, never an empty list.

use chrono::NaiveDate;
use regex::Regex;
use scraper::{ElementRef, Html, Selector};
use serde::Deserialize;
use url::Url;

use super::text::{element_lines, normalise, parse_date};
use super::{ExtractError, IndexLink};
use crate::model::{Announcement, ControlEntry, Effective, ItemType};

/// A CSS selector, parsed when the configuration is read.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct Css {
    pub text: String,
    pub selector: Selector,
}

impl TryFrom<String> for Css {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Selector::parse(&s)
            .map(|selector| Css {
                text: s.clone(),
                selector,
            })
            .map_err(|e| format!("invalid CSS selector {s:?}: {e}"))
    }
}

/// A regular expression, compiled when the configuration is read.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct Pattern(pub Regex);

impl TryFrom<String> for Pattern {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Regex::new(&s)
            .map(Pattern)
            .map_err(|e| format!("invalid pattern {s:?}: {e}"))
    }
}

/// Where the announcement key comes from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyFrom {
    #[default]
    Title,
    Url,
}

/// `[source.generic]`: how to read one ministry's list and announcements.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenericSpec {
    /// Announcement links on the index page: `a` elements, or elements containing one.
    pub links: Css,
    /// The link to the next index page, followed up to `max_pages` pages in all.
    pub next_page: Option<Css>,
    #[serde(default = "one")]
    pub max_pages: usize,
    /// The announcement's title.
    pub title: Css,
    /// Its key: a pattern with named groups `year` and `number` (and optionally `authority`),
    /// matched against the title or the URL.
    pub key: Pattern,
    #[serde(default)]
    pub key_from: KeyFrom,
    /// The issuing authority's short name, when the key pattern has no `authority` group.
    pub authority: String,
    /// The element holding the issue date, and its `chrono` format (`%Y-%m-%d`); without a
    /// format, the common forms (`2025-10-09`, `2025年10月9日`, `20251009`) are read.
    pub date: Option<Css>,
    pub date_format: Option<String>,
    /// The element holding the effective date (the issue date when absent).
    pub effective: Option<Css>,
    /// The announcement's text.
    pub body: Css,
    /// Entries as table rows (or list items): the row, then each field within it.
    pub rows: Option<Css>,
    pub code: Option<Css>,
    pub description: Option<Css>,
    pub customs: Option<Css>,
    pub item_type: Option<Css>,
    /// Entries in prose: a control-code pattern over the body's lines; the rest of the line is
    /// the description.
    pub code_pattern: Option<Pattern>,
}

fn one() -> usize {
    1
}

impl GenericSpec {
    /// Checks that go beyond each value on its own; `Err` names the key.
    pub fn validate(&self) -> Result<(), String> {
        let names: Vec<&str> = self.key.0.capture_names().flatten().collect();
        if !names.contains(&"year") || !names.contains(&"number") {
            return Err(
                "key `generic.key`: the pattern needs named groups (?P<year>…) and (?P<number>…)"
                    .into(),
            );
        }
        if self.rows.is_some() && (self.code.is_none() || self.description.is_none()) {
            return Err("key `generic.rows`: rows need `code` and `description` selectors".into());
        }
        if self.rows.is_none() && self.code_pattern.is_none() {
            return Err(
                "key `generic`: say where entries are, with `rows` (+ `code`, `description`) or `code_pattern`"
                    .into(),
            );
        }
        if self.max_pages == 0 {
            return Err("key `generic.max_pages`: must be at least 1".into());
        }
        Ok(())
    }
}

fn nothing(what: &'static str, css: &Css) -> ExtractError {
    ExtractError::SelectorMatchedNothing {
        what,
        selector: css.text.clone(),
    }
}

fn text_of(el: ElementRef<'_>) -> String {
    normalise(&el.text().collect::<String>())
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The announcement links on an index page, and the next page if the spec names one.
pub fn index(
    spec: &GenericSpec,
    base: &Url,
    html: &str,
) -> Result<(Vec<IndexLink>, Option<Url>), ExtractError> {
    let doc = Html::parse_document(html);
    let anchor = Selector::parse("a[href]").expect("static selector");
    let mut links: Vec<IndexLink> = Vec::new();
    // Seen URLs in a set: an index of 10,000 links compared each with all before it was a
    // quarter of a re-check.
    let mut seen = std::collections::HashSet::new();
    for el in doc.select(&spec.links.selector) {
        let a = if el.value().name() == "a" {
            Some(el)
        } else {
            el.select(&anchor).next()
        };
        let Some(a) = a else { continue };
        let Some(url) = super::link_target(base, a) else {
            continue;
        };
        if !seen.insert(url.clone()) {
            continue;
        }
        let title = a
            .value()
            .attr("title")
            .map(normalise)
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| text_of(a));
        links.push(IndexLink { url, title });
    }
    if links.is_empty() {
        return Err(nothing("announcement links", &spec.links));
    }
    let next = spec.next_page.as_ref().and_then(|css| {
        let el = doc.select(&css.selector).next()?;
        let a = if el.value().name() == "a" {
            el
        } else {
            el.select(&anchor).next()?
        };
        super::link_target(base, a).filter(|u| u != base)
    });
    Ok((links, next))
}

fn first<'a>(doc: &'a Html, css: &Css) -> Option<ElementRef<'a>> {
    doc.select(&css.selector).next()
}

fn date(spec: &GenericSpec, text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    if let Some(f) = &spec.date_format {
        // The format may cover only part of the text ("发布日期：2025-10-09").
        if let Ok((d, _)) = NaiveDate::parse_and_remainder(text, f) {
            return Some(d);
        }
        for (i, _) in text.char_indices() {
            if let Ok((d, _)) = NaiveDate::parse_and_remainder(&text[i..], f) {
                return Some(d);
            }
        }
    }
    static DATE: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
        Regex::new(r"\d{4}\s*[-年./]\s*\d{1,2}\s*[-月./]\s*\d{1,2}|\d{8}").expect("static regex")
    });
    DATE.find(&normalise(text))
        .and_then(|m| parse_date(m.as_str()))
}

fn item_type(code: &str, text: Option<&str>) -> ItemType {
    if let Some(t) = text.and_then(|t| ItemType::parse(&t.trim().to_ascii_lowercase())) {
        return t;
    }
    // Wassenaar-style codes name the category in their second character.
    match code.as_bytes().get(1) {
        Some(b'A') => ItemType::Goods,
        Some(b'B') => ItemType::Equipment,
        Some(b'C') => ItemType::Material,
        Some(b'D') => ItemType::Software,
        Some(b'E') => ItemType::Technology,
        _ => ItemType::Goods,
    }
}

fn customs(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in text.split(|c: char| !c.is_ascii_digit() && !c.is_whitespace()) {
        let digits: String = part.chars().filter(char::is_ascii_digit).collect();
        if (digits.len() == 8 || digits.len() == 10) && !out.contains(&digits) {
            out.push(digits);
        }
    }
    out
}

fn normalise_code(s: &str) -> String {
    normalise(s).split_whitespace().collect::<String>()
}

/// One announcement page.
pub fn announcement(
    spec: &GenericSpec,
    regime: &str,
    url: &Url,
    html: &str,
) -> Result<Announcement, ExtractError> {
    let doc = Html::parse_document(html);
    let title = first(&doc, &spec.title)
        .map(text_of)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| nothing("title", &spec.title))?;
    let key_text = match spec.key_from {
        KeyFrom::Title => title.clone(),
        KeyFrom::Url => url.as_str().to_string(),
    };
    let caps =
        spec.key
            .0
            .captures(&key_text)
            .ok_or_else(|| ExtractError::PatternMatchedNothing {
                what: "key",
                pattern: spec.key.0.as_str().to_string(),
            })?;
    let year: i32 = caps["year"]
        .parse()
        .map_err(|_| ExtractError::NoDocumentNumber)?;
    let number =
        super::text::parse_number(&caps["number"]).ok_or(ExtractError::NoDocumentNumber)?;
    let authority = caps
        .name("authority")
        .map(|m| m.as_str().to_ascii_uppercase())
        .unwrap_or_else(|| spec.authority.clone());
    let key = format!("{authority}-{year}-{number}");

    let issued = match &spec.date {
        Some(css) => {
            let el = first(&doc, css).ok_or_else(|| nothing("date", css))?;
            Some(
                date(spec, &text_of(el)).ok_or_else(|| ExtractError::PatternMatchedNothing {
                    what: "date",
                    pattern: spec.date_format.clone().unwrap_or_else(|| "a date".into()),
                })?,
            )
        }
        None => None,
    };
    let effective = match &spec.effective {
        Some(css) => first(&doc, css).and_then(|el| date(spec, &text_of(el))),
        None => None,
    }
    .or(issued)
    .map(|date| vec![Effective::stated(date, None)])
    .unwrap_or_default();

    let body = first(&doc, &spec.body).ok_or_else(|| nothing("body", &spec.body))?;
    let lines: Vec<String> = element_lines(body).iter().map(|l| normalise(l)).collect();

    let mut entries: Vec<ControlEntry> = Vec::new();
    let mut push = |e: ControlEntry| {
        if !e.code.is_empty() && !entries.iter().any(|x| x.code == e.code) {
            entries.push(e);
        }
    };
    if let Some(rows) = &spec.rows {
        let (Some(code_css), Some(desc_css)) = (&spec.code, &spec.description) else {
            return Err(nothing("rows", rows));
        };
        let mut matched = false;
        for row in doc.select(&rows.selector) {
            matched = true;
            let field = |css: &Option<Css>| -> Option<String> {
                css.as_ref()
                    .and_then(|c| row.select(&c.selector).next())
                    .map(text_of)
            };
            let Some(code) = field(&spec.code).map(|c| normalise_code(&c)) else {
                continue; // a header row
            };
            let Some(description) = field(&spec.description) else {
                continue;
            };
            if code.is_empty() || row.select(&code_css.selector).next().is_none() {
                continue;
            }
            let _ = desc_css;
            push(ControlEntry {
                regime: regime.to_string(),
                item_type: item_type(&code, field(&spec.item_type).as_deref()),
                hs_codes: field(&spec.customs)
                    .map(|t| customs(&t))
                    .unwrap_or_default(),
                code,
                description,
                clause: None,
                removal: false,
            });
        }
        if !matched {
            return Err(nothing("rows", rows));
        }
    }
    if let Some(pattern) = &spec.code_pattern {
        for line in &lines {
            for m in pattern.0.find_iter(line) {
                let rest = line[m.end()..]
                    .trim_start_matches(|c: char| c.is_whitespace() || "：:—-–".contains(c))
                    .trim();
                let description = rest
                    .split(['。', ';', '；'])
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_string();
                let code = normalise_code(m.as_str());
                push(ControlEntry {
                    regime: regime.to_string(),
                    item_type: item_type(&code, None),
                    hs_codes: customs(rest),
                    code,
                    description,
                    clause: None,
                    removal: false,
                });
            }
        }
    }
    if entries.is_empty() {
        // Rows or a pattern were configured for a reason: finding none is a failure to read.
        return Err(match (&spec.rows, &spec.code_pattern) {
            (Some(rows), _) => nothing("entries in rows", rows),
            (None, Some(p)) => ExtractError::PatternMatchedNothing {
                what: "code_pattern",
                pattern: p.0.as_str().to_string(),
            },
            (None, None) => ExtractError::NoDocumentNumber,
        });
    }
    Ok(Announcement {
        key,
        authorities: vec![authority],
        year,
        number,
        title,
        issued,
        effective,
        entries,
        relations: Vec::new(),
        doubts: Vec::new(),
        text: lines.join("\n"),
    })
}

/// How many elements each configured selector matches on a page, for `regwatch try`, and
/// whether the selector must match (a required one matching nothing is a problem; an optional
/// one — a next-page link on the last page, an effective date — may not).
pub fn diagnose(
    spec: &GenericSpec,
    html: &str,
    index_page: bool,
) -> Vec<(String, String, usize, bool)> {
    let doc = Html::parse_document(html);
    let count = |css: &Css| doc.select(&css.selector).count();
    let mut out = Vec::new();
    let mut add = |name: &str, css: Option<&Css>, required: bool| {
        if let Some(c) = css {
            out.push((name.to_string(), c.text.clone(), count(c), required));
        }
    };
    if index_page {
        add("links", Some(&spec.links), true);
        add("next_page", spec.next_page.as_ref(), false);
    } else {
        add("title", Some(&spec.title), true);
        add("date", spec.date.as_ref(), true);
        add("effective", spec.effective.as_ref(), false);
        add("body", Some(&spec.body), true);
        add("rows", spec.rows.as_ref(), true);
        if let Some(rows) = &spec.rows {
            // Field selectors count within the rows.
            for (name, css, required) in [
                ("code", &spec.code, true),
                ("description", &spec.description, true),
                ("customs", &spec.customs, false),
                ("item_type", &spec.item_type, false),
            ] {
                if let Some(c) = css {
                    let n: usize = doc
                        .select(&rows.selector)
                        .map(|r| r.select(&c.selector).count())
                        .sum();
                    out.push((name.to_string(), c.text.clone(), n, required));
                }
            }
        }
    }
    out
}
