//! MOFCOM's English site (`english.mofcom.gov.cn`, Policies → Announcements & Orders;
//! `../shared/facts/mofcom-site.md` §4): official English versions of some announcements, partial
//! and late, titles that vary ("Announcement No. 18 of 2025 on …", "MOFCOM and GAC Announcement
//! No. 18 of 2025", "Unreliable Entity List Working Mechanism Announcement [2025] No. 9"). Each is
//! paired with its Chinese announcement by issuer, year and number, and its entries by control
//! code. The Chinese text prevails; the English replaces the gloss.

use std::sync::LazyLock;

use regex::Regex;
use scraper::{Html, Selector};
use url::Url;

use super::text::{document_lines, normalise};
use super::{ExtractError, IndexLink, meta_content};
use crate::model::{Announcement, ControlEntry, ItemType};

/// `Announcement No. 62 of 2025`, `Announcement [2025] No. 9`, `Announcement No.62, 2025`.
static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)announcement\s*(?:\[(?P<y1>\d{4})\]\s*)?no\.?\s*(?P<n>\d{1,4})(?:\s*(?:of|,)\s*(?:the\s+year\s+)?\[?(?P<y2>\d{4})\]?)?",
    )
    .unwrap()
});
/// An entry line: a control code, then its English description.
static ENTRY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:\(?[0-9]{1,2}[.)]\s*)?([0-9][A-E][0-9]{3}(?:\.[a-z](?:\.[0-9]{1,2})?)?)[\s:：.]+(\S.*)$")
        .unwrap()
});

/// The key of the Chinese announcement an English title names, if it names one.
pub fn key_of(title: &str) -> Option<String> {
    let t = normalise(title);
    let c = NUMBER.captures(&t)?;
    let year = c.name("y1").or(c.name("y2"))?.as_str();
    let n: u32 = c["n"].parse().ok()?;
    let lower = t.to_lowercase();
    let issuer = if lower.contains("unreliable entity") {
        "UEL"
    } else {
        "MOFCOM"
    };
    Some(format!("{issuer}-{year}-{n}"))
}

/// Links on the English site's list to announcements it has in English.
pub fn index(base: &Url, html: &str) -> Result<Vec<IndexLink>, ExtractError> {
    let doc = Html::parse_document(html);
    let anchors = Selector::parse("a[href]").expect("static selector");
    let mut out: Vec<IndexLink> = Vec::new();
    for a in doc.select(&anchors) {
        let text = normalise(&a.text().collect::<String>());
        let title = a
            .value()
            .attr("title")
            .map(normalise)
            .filter(|t| !t.trim().is_empty())
            .unwrap_or(text);
        let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
        if key_of(&title).is_none() {
            continue;
        }
        let Some(url) = super::link_target(base, a) else {
            continue;
        };
        if !out.iter().any(|l| l.url == url) {
            out.push(IndexLink { url, title });
        }
    }
    if out.is_empty() {
        return Err(ExtractError::EmptyIndex);
    }
    Ok(out)
}

/// An English version: keyed by the Chinese announcement it translates, its title, its entries
/// (control code and English description), its text. Dates and relations are the Chinese
/// announcement's and are not read here.
pub fn announcement(html: &str) -> Result<Announcement, ExtractError> {
    let doc = Html::parse_document(html);
    let lines: Vec<String> = document_lines(&doc).iter().map(|l| normalise(l)).collect();
    let title = meta_content(&doc, "ArticleTitle")
        .or_else(|| {
            ["h1", ".art-title", "title"].iter().find_map(|css| {
                let sel = Selector::parse(css).ok()?;
                doc.select(&sel)
                    .next()
                    .map(|e| e.text().collect::<String>())
            })
        })
        .map(|t| {
            normalise(&t)
                .split(" - ")
                .next()
                .unwrap_or("")
                .trim()
                .to_string()
        })
        .unwrap_or_default();
    let key = key_of(&title)
        .or_else(|| lines.iter().take(30).find_map(|l| key_of(l)))
        .ok_or(ExtractError::NoDocumentNumber)?;
    let (authority, year, number) = crate::model::parse_key(&key)
        .map(|(a, y, n)| (a.to_string(), y, n))
        .ok_or(ExtractError::NoDocumentNumber)?;
    let mut entries: Vec<ControlEntry> = Vec::new();
    for l in &lines {
        if let Some(c) = ENTRY.captures(l)
            && !entries.iter().any(|e| e.code == c[1])
        {
            entries.push(ControlEntry {
                regime: super::mofcom::REGIME.to_string(),
                code: c[1].to_string(),
                description: c[2].trim().trim_end_matches([';', '.']).to_string(),
                item_type: ItemType::Goods,
                hs_codes: Vec::new(),
                clause: None,
                removal: false,
            });
        }
    }
    Ok(Announcement {
        key,
        authorities: vec![authority],
        year,
        number,
        title,
        issued: None,
        effective: Vec::new(),
        entries,
        relations: Vec::new(),
        doubts: Vec::new(),
        text: lines.join("\n"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_name_the_chinese_announcement() {
        assert_eq!(
            key_of("MOFCOM Announcement No. 62 of 2025 on Implementing Export Control on Rare Earth Related Technologies").as_deref(),
            Some("MOFCOM-2025-62")
        );
        assert_eq!(
            key_of("MOFCOM and GAC Announcement No.18, 2025").as_deref(),
            Some("MOFCOM-2025-18")
        );
        assert_eq!(
            key_of("Unreliable Entity List Working Mechanism Announcement [2025] No. 9").as_deref(),
            Some("UEL-2025-9")
        );
        assert_eq!(key_of("Regular Press Conference of MOFCOM"), None);
    }

    #[test]
    fn entries_by_control_code() {
        let a = announcement(
            r#"<html><head><meta name="ArticleTitle" content="MOFCOM Announcement No. 62 of 2025 on Export Control of Rare-Earth Technologies"></head><body>
<p>In accordance with the Export Control Law …, it is decided to implement export control on the following:</p>
<p>1. 1E902.a Technologies for rare-earth mining, smelting and separation, metal smelting, magnet manufacturing and secondary-resource recycling, and their carriers;</p>
<p>(2) 1E902.b: Technologies for assembly, commissioning, maintenance, repair and upgrading of the related production lines.</p></body></html>"#,
        )
        .unwrap();
        assert_eq!(a.key, "MOFCOM-2025-62");
        let codes: Vec<&str> = a.entries.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, ["1E902.a", "1E902.b"]);
        assert!(
            a.entries[0]
                .description
                .starts_with("Technologies for rare-earth mining")
        );
        assert!(a.entries[0].description.ends_with("and their carriers"));
    }
}
