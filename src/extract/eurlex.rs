//! EUR-Lex: Annex I of Regulation (EU) 2021/821 (the EU's dual-use list), from the regulation's
//! consolidated versions (CELEX `02021R0821-YYYYMMDD`, XHTML).
//!
//! Each delegated regulation replaces Annex I whole, so there are no amendments to apply: each
//! consolidated version is read into one whole-list version (key `EUANNEX-2024-1108`), which
//! replaces the one before ([`crate::model::is_snapshot`]), and the difference between two
//! versions by control code *is* the change, attributed to the act the version names last in its
//! "Amended by" table (the act that replaced the annex). Part I's definitions are records of
//! their own (`def:superalloys`): a changed definition changes what the entries using it control.
//! Facts: `shared/facts/us-eu.md` §4, §7 (markers ►M4 … ◄ and ▼B stripped, "ANNEX Ia" is
//! another annex).

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;
use scraper::{ElementRef, Html, Selector};
use url::Url;

use super::{ExtractError, IndexLink};
use crate::model::{Announcement, ControlEntry, Doubt, ItemType, SNAPSHOT_EU};

pub const REGIME: &str = "eu-dual-use";
/// A whole Annex I has many more first-level control codes than this **[U]** (its 2024 version
/// runs to some 400 pages); fewer is a version that did not read.
pub const MIN_ENTRIES: usize = 300;

const BASE: &str = "02021R0821";

// Compiled once: `clean` runs on every element of a 400-page annex.
static VERSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"02021R0821-(\d{4})(\d{2})(\d{2})").expect("valid pattern"));
static MARKER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[▼►][BMCA]\d*|◄").expect("valid pattern"));

/// The dates of the consolidated versions a text names (`02021R0821-20241108`): wherever it is
/// written, in a link, an option or text, the number is the same (a colon before it may be
/// percent-encoded; the number never is).
fn consolidation_dates(s: &str) -> impl Iterator<Item = NaiveDate> + '_ {
    VERSION.captures_iter(s).filter_map(|c| {
        NaiveDate::from_ymd_opt(c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?)
    })
}

/// The URL of a consolidated version's text.
pub fn version_url(base: &Url, date: NaiveDate) -> Option<Url> {
    base.join(&format!(
        "/legal-content/EN/TXT/HTML/?uri=CELEX:{BASE}-{}",
        date.format("%Y%m%d")
    ))
    .ok()
}

/// The consolidated versions a page links to (EUR-Lex's list of them for the regulation, or
/// any page naming them), oldest first, each once.
pub fn index(url: &Url, html: &str) -> Result<(Vec<IndexLink>, Option<Url>), ExtractError> {
    let mut dates: Vec<NaiveDate> = consolidation_dates(html).collect();
    dates.sort();
    dates.dedup();
    let links = dates
        .into_iter()
        .filter_map(|d| {
            Some(IndexLink {
                url: version_url(url, d)?,
                title: format!("Regulation (EU) 2021/821, consolidated version of {d}"),
            })
        })
        .collect();
    Ok((links, None))
}

/// Text with the consolidation's markers (▼B, ▼M4, ►M4 … ◄, ▼C1) and spacing removed.
pub fn clean(s: &str) -> String {
    crate::extract::ecfr::collapse(&MARKER.replace_all(s, " "))
}

fn text(e: ElementRef<'_>) -> String {
    clean(&e.text().collect::<Vec<_>>().join(" "))
}

/// `1C010`, `3A001`, `1C907` (an EU-autonomous 9xx).
fn code(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    (b.len() >= 5
        && b[0].is_ascii_digit()
        && b"ABCDE".contains(&b[1])
        && b[2..5].iter().all(u8::is_ascii_digit)
        && b.get(5).is_none_or(|c| !c.is_ascii_alphanumeric()))
    .then(|| &s[..5])
}

/// One block of Annex I in document order: a row of a table (mark, text), a paragraph, or a
/// heading (a part, category or group: `1C Materials`), which ends the entry before it.
enum Block {
    Row(String, String),
    Para(String),
    Heading(String),
}

fn kind_of(code: &str) -> ItemType {
    match code.as_bytes()[1] {
        b'A' | b'B' => ItemType::Equipment,
        b'C' => ItemType::Material,
        b'D' => ItemType::Software,
        b'E' => ItemType::Technology,
        _ => ItemType::Goods,
    }
}

/// The act that last replaced the annex, from the "Amended by" table: "►M4 Commission
/// Delegated Regulation (EU) 2024/2547 of 5 September 2024" with its CELEX number and its
/// Official Journal reference, "(CELEX 32024R2547; OJ L, 2024/2547, 7.11.2024)".
fn last_act(doc: &Html) -> Option<String> {
    let tr = Selector::parse("tr").expect("valid selector");
    let re = Regex::new(r"^►M(\d+)$").expect("valid pattern");
    let number = Regex::new(r"\(EU\)\s*(?:No\s*)?(\d{4})/(\d+)").expect("valid pattern");
    let (_, cells) = doc
        .select(&tr)
        .filter_map(|row| {
            let cells: Vec<String> = row
                .children()
                .filter_map(ElementRef::wrap)
                .map(|c| crate::extract::ecfr::collapse(&c.text().collect::<String>()))
                .collect();
            let m: u32 = re.captures(cells.first()?)?[1].parse().ok()?;
            cells.get(1)?;
            Some((m, cells))
        })
        .max_by_key(|(m, _)| *m)?;
    let act = cells[1].clone();
    let mut about = Vec::new();
    if let Some(c) = number.captures(&act) {
        about.push(format!("CELEX 3{}R{:0>4}", &c[1], &c[2]));
    }
    // The Official Journal: "L 3 1 6.1.2022" in three cells, or "OJ L, 2024/2547, 7.11.2024".
    let oj: Vec<&str> = cells[2..]
        .iter()
        .map(String::as_str)
        .filter(|c| !c.is_empty())
        .collect();
    if let Some(last) = oj.last() {
        match oj.as_slice() {
            _ if last.starts_with("OJ") => about.push(last.to_string()),
            [no, page, date] => about.push(format!("OJ {no}, p. {page}, {date}")),
            _ => about.push(format!("OJ {}", oj.join(" "))),
        }
    }
    Some(if about.is_empty() {
        act
    } else {
        format!("{act} ({})", about.join("; "))
    })
}

/// A consolidated version's Annex I as one whole-list version.
pub fn announcement(
    url: &Url,
    html: &str,
    min_entries: Option<usize>,
) -> Result<Announcement, ExtractError> {
    let doc = Html::parse_document(html);
    let date = consolidation_dates(url.as_str())
        .next()
        .or_else(|| {
            let hd = Selector::parse("p.hd-date").ok()?;
            let t = doc.select(&hd).next().map(text)?;
            NaiveDate::parse_from_str(t.trim(), "%d.%m.%Y").ok()
        })
        .ok_or(ExtractError::NoDocumentNumber)?;

    // Annex I's blocks: from its title to the next annex's.
    let mut blocks = Vec::new();
    let mut in_annex = false;
    let mut found = false;
    for node in doc.root_element().descendants() {
        let Some(e) = ElementRef::wrap(node) else {
            continue;
        };
        let name = e.value().name();
        if name == "p" && e.value().classes().any(|c| c == "title-annex-1") {
            in_annex = text(e) == "ANNEX I";
            found |= in_annex;
            continue;
        }
        if !in_annex {
            continue;
        }
        let grid = |el: &ElementRef<'_>| {
            el.value()
                .classes()
                .any(|c| c.starts_with("grid-container"))
        };
        if name == "div"
            && grid(&e)
            && !e.ancestors().filter_map(ElementRef::wrap).any(|a| grid(&a))
        {
            // The newer rendering of a numbered paragraph: a grid of a mark and its text.
            let cells: Vec<String> = e
                .children()
                .filter_map(ElementRef::wrap)
                .map(text)
                .collect();
            match cells.as_slice() {
                [mark, rest @ ..] if !rest.is_empty() => {
                    blocks.push(Block::Row(mark.clone(), rest.join(" ")))
                }
                [only] if !only.is_empty() => blocks.push(Block::Para(only.clone())),
                _ => {}
            }
        } else if name == "tr" {
            let cells: Vec<String> = e
                .children()
                .filter_map(ElementRef::wrap)
                .filter(|c| c.value().name() == "td")
                .map(text)
                .collect();
            match cells.as_slice() {
                [mark, rest @ ..] if !rest.is_empty() => {
                    blocks.push(Block::Row(mark.clone(), rest.join(" ")))
                }
                [only] if !only.is_empty() => blocks.push(Block::Para(only.clone())),
                _ => {}
            }
        } else if name == "p"
            && !e
                .ancestors()
                .filter_map(ElementRef::wrap)
                .any(|a| a.value().name() == "table" || (a.value().name() == "div" && grid(&a)))
            && !e.value().classes().any(|c| c == "arrow")
        {
            let t = text(e);
            if t.is_empty() {
            } else if e.value().classes().any(|c| c.starts_with("ti-grseq")) {
                blocks.push(Block::Heading(t));
            } else {
                blocks.push(Block::Para(t));
            }
        }
    }
    if !found {
        return Err(ExtractError::SelectorMatchedNothing {
            what: "annex",
            selector: "p.title-annex-1 \"ANNEX I\"".into(),
        });
    }

    let mut entries: Vec<ControlEntry> = Vec::new();
    let mut current: Option<(String, String, Vec<String>)> = None;
    let mut in_definitions = false;
    let flush = |current: &mut Option<(String, String, Vec<String>)>,
                 out: &mut Vec<ControlEntry>| {
        if let Some((code, heading, body)) = current.take()
            && !out.iter().any(|e| e.code == code)
        {
            let mut d = heading;
            for b in body {
                d.push(' ');
                d.push_str(&b);
            }
            out.push(ControlEntry {
                regime: REGIME.into(),
                item_type: kind_of(&code),
                code,
                description: d,
                hs_codes: Vec::new(),
                clause: None,
                removal: false,
            });
        }
    };
    let term = Regex::new(r#"^["“‘']([^"”’']+)["”’']\s*(\(|means|,)"#).expect("valid pattern");
    for b in blocks {
        match b {
            Block::Heading(t) | Block::Para(t) if t.starts_with("DEFINITIONS OF TERMS") => {
                flush(&mut current, &mut entries);
                in_definitions = true;
            }
            Block::Heading(t) => {
                if t.starts_with("PART ") || t.starts_with("CATEGORY ") {
                    in_definitions = false;
                }
                flush(&mut current, &mut entries);
            }
            Block::Para(t) if in_definitions => {
                if let Some(c) = term.captures(&t) {
                    let key = format!("def:{}", c[1].trim().to_lowercase());
                    if !entries.iter().any(|e| e.code == key) {
                        entries.push(ControlEntry {
                            regime: REGIME.into(),
                            code: key,
                            description: t.clone(),
                            item_type: ItemType::Definition,
                            hs_codes: Vec::new(),
                            clause: None,
                            removal: false,
                        });
                    }
                }
            }
            Block::Row(mark, rest) if code(&mark) == Some(mark.as_str()) => {
                flush(&mut current, &mut entries);
                current = Some((mark, rest, Vec::new()));
            }
            Block::Para(t) if code(&t).is_some() && !in_definitions => {
                // A code and heading in one paragraph.
                flush(&mut current, &mut entries);
                let c = code(&t).unwrap_or_default().to_string();
                let heading = t[c.len()..].trim().to_string();
                current = Some((c, heading, Vec::new()));
            }
            Block::Row(mark, rest) => {
                if let Some((_, _, body)) = current.as_mut() {
                    body.push(format!("{mark} {rest}"));
                }
            }
            Block::Para(t) => {
                if let Some((_, _, body)) = current.as_mut() {
                    body.push(t);
                }
            }
        }
    }
    flush(&mut current, &mut entries);
    let codes = entries
        .iter()
        .filter(|e| e.item_type != ItemType::Definition)
        .count();
    let min = min_entries.unwrap_or(MIN_ENTRIES);
    if codes < min {
        return Err(ExtractError::TooFew {
            found: codes,
            min,
            what: "Annex I control codes",
        });
    }
    let mut doubts = Vec::new();
    let act = last_act(&doc);
    if act.is_none() {
        doubts.push(Doubt::new(
            "no-amending-act",
            "the consolidated version names no act in its \"Amended by\" table: its changes are attributed to no delegated regulation",
        ));
    }
    let title = match &act {
        Some(act) => format!("Annex I as replaced by {act} (consolidated version of {date})"),
        None => format!("Annex I (consolidated version of {date})"),
    };
    Ok(super::whole_list_version(
        SNAPSHOT_EU,
        date,
        title,
        entries,
        doubts,
    ))
}

#[cfg(test)]
mod tests;
