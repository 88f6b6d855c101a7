//! The MOFCOM profile: index (list) pages and announcement articles of China's Ministry of Commerce.
//!
//! Written from the publishing patterns (header block, document numbers, two numbering eras,
//! control codes leading or trailing an item, customs codes after `参考…：`), not from particular
//! announcements. Works on normalised lines of text so that markup changes matter little.

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;
use scraper::{Html, Selector};
use url::Url;

use super::text::{document_lines, element_lines, normalise, parse_date, parse_number};
use super::{ExtractError, IndexLink, meta_content};
use crate::model::{
    Announcement, ControlEntry, Doubt, Effective, ItemType, Relation, RelationKind,
};

/// The shape of a dual-use list code: category, group, three digits, then letters and numbers.
static CODE_SHAPE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[0-9][A-E][0-9]{3}(?:\.[a-z](?:\.[0-9]{1,2}(?:\.[a-z])?)?)?$").unwrap()
});

mod dates;
mod entries;
mod header;
mod measures;
mod parties;
mod qa;
mod relations;

use dates::*;
use entries::*;
use header::*;
use measures::*;
use parties::*;
pub use qa::is_acting_qa_title;
use qa::qa;
use relations::*;

/// The control list MOFCOM's announcements amend.
pub const REGIME: &str = "cn-dual-use";
/// Whether a list item's title is an announcement's: it carries a document number (a Q&A about
/// an announcement names it too, and is not it).
pub fn is_announcement_title(title: &str) -> bool {
    let t = normalise(title);
    DOC_NUMBER.is_match(&t) && !t.contains("答记者问")
}

/// Announcement links on a MOFCOM list page, in page order, without duplicates. The sidebar of
/// policy explanations (`aside.jgRBox`, `section.rColumnBox`) cites announcements by number but
/// is not the list.
pub fn index(base: &Url, html: &str) -> Result<Vec<IndexLink>, ExtractError> {
    let doc = Html::parse_document(html);
    let anchors = Selector::parse("a[href]").expect("static selector");
    let sidebar =
        Selector::parse("aside.jgRBox a[href], .rColumnBox a[href]").expect("static selector");
    let in_sidebar: std::collections::HashSet<_> = doc.select(&sidebar).map(|a| a.id()).collect();
    let mut links: Vec<IndexLink> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for a in doc.select(&anchors) {
        if in_sidebar.contains(&a.id()) {
            continue;
        }
        let text = normalise(&a.text().collect::<String>());
        let title = a
            .value()
            .attr("title")
            .map(normalise)
            .filter(|t| !t.trim().is_empty())
            .unwrap_or(text);
        let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
        // List items are announcements; navigation and footer links are not.
        if !DOC_NUMBER.is_match(&title) {
            continue;
        }
        let Some(url) = super::link_target(base, a) else {
            continue;
        };
        if !seen.insert(url.clone()) {
            continue;
        }
        links.push(IndexLink { url, title });
    }
    if links.is_empty() {
        return Err(ExtractError::EmptyIndex);
    }
    Ok(links)
}

/// Documents an article links as its annexes (附件): links in the article body whose text says
/// 附件 or that point at a document file. Links to other announcements are not annexes.
pub fn annex_links(base: &Url, html: &str) -> Vec<IndexLink> {
    const DOCUMENT: &[&str] = &[
        ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".wps", ".et", ".ofd", ".zip", ".rar",
    ];
    let doc = Html::parse_document(html);
    let anchors = Selector::parse("a[href]").expect("static selector");
    // Without a marked article body, only links that say 附件 are trusted: the rest of such a page
    // is navigation and footers.
    let container = content_element(&doc);
    let marked = container.is_some();
    let scope = container.unwrap_or_else(|| doc.root_element());
    let mut out: Vec<IndexLink> = Vec::new();
    // `附件：1. <a>…</a>` then `2. <a>…</a>`: once the annex list has begun, its later links are
    // annexes even when only the first says so.
    let mut in_annex_list = false;
    for a in scope.select(&anchors) {
        let text = normalise(&a.text().collect::<String>());
        let title = a.value().attr("title").map(normalise).unwrap_or_default();
        let block = a
            .parent()
            .and_then(scraper::ElementRef::wrap)
            .map(|p| normalise(&p.text().collect::<String>()))
            .unwrap_or_default();
        in_annex_list |= marked && (block.contains("附件") || title.contains("附件"));
        let label = if text.trim().is_empty() {
            title.clone()
        } else {
            text
        };
        let label = label.split_whitespace().collect::<Vec<_>>().join(" ");
        let Some(url) = super::link_target(base, a).filter(|u| u != base) else {
            continue;
        };
        let path = url.path().to_ascii_lowercase();
        // The CMS's download gateway (`/api-gateway/jpaas-web-server/front/document/download
        // ?fileUrl=…&fileName=…`) answers with a redirect to the file.
        let gateway = path.ends_with("/front/document/download");
        let file_name = url
            .query_pairs()
            .find(|(k, _)| k == "fileName")
            .map(|(_, v)| v.to_ascii_lowercase())
            .unwrap_or_default();
        let is_document = gateway
            || DOCUMENT
                .iter()
                .any(|ext| path.ends_with(ext) || file_name.ends_with(ext));
        let named = label.contains("附件") || title.contains("附件") || in_annex_list;
        let named = named || block.starts_with("附件");
        if !(named || (is_document && marked)) || DOC_NUMBER.is_match(&label) {
            continue;
        }
        if !out.iter().any(|l| l.url == url) {
            out.push(IndexLink { url, title: label });
        }
    }
    out
}

/// Adds what an annex lists to its announcement: entries (merged by code) and text.
pub fn merge_annex(a: &mut Announcement, n: usize, lines: &[String]) {
    let lines: Vec<String> = lines.iter().map(|l| normalise(l)).collect();
    let mut found = coded_entries(&lines, &mut a.doubts);
    if found.is_empty() && a.year <= 2024 {
        found = positional_entries(&lines, &format!("{}-annex{n}", a.key));
    }
    for mut e in found {
        // Headings inside an annex are not the announcement's clauses.
        e.clause = None;
        match a
            .entries
            .iter_mut()
            .find(|x| x.regime == e.regime && x.code == e.code)
        {
            Some(existing) => push_hs(existing, e.hs_codes),
            None => a.entries.push(e),
        }
    }
    // `废止11个公告（见附件2）`: the targets of a relation listed only in this annex (patterns.md 15).
    let marker = format!("附件{n}");
    let stated = a
        .text
        .split(['。', '；', '\n'])
        .find(|s| s.contains(&marker) && relation_kind(s).is_some())
        .map(str::to_string);
    if let Some(sentence) = stated
        && let Some(kind) = relation_kind(&sentence)
    {
        let from = a
            .effective
            .iter()
            .filter(|e| e.scope.is_none())
            .map(|e| e.date)
            .min()
            .or(a.issued);
        let (listed, _) = relations(
            &format!("自本公告施行之日起废止{}", lines.join("、")),
            a.issued,
            &a.effective,
            &a.key,
        );
        for mut r in listed {
            r.kind = kind;
            r.from = from;
            if !a
                .relations
                .iter()
                .any(|x| x.kind == r.kind && x.target == r.target)
            {
                a.relations.push(r);
            }
        }
    }
    a.text.push_str(&format!("\n\n附件{n}\n"));
    a.text.push_str(&lines.join("\n"));
}

/// One announcement article.
pub fn announcement(html: &str) -> Result<Announcement, ExtractError> {
    let doc = Html::parse_document(html);
    let page: Vec<String> = document_lines(&doc).iter().map(|l| normalise(l)).collect();
    let body = content_lines(&doc).unwrap_or_else(|| article_lines(&page));

    let header = header_fields(&page);
    // A spokesperson's Q&A names announcements (in its title, too) and is none of them.
    let page_title = meta_content(&doc, "ArticleTitle").or_else(|| {
        let sel = Selector::parse("title").ok()?;
        doc.select(&sel)
            .next()
            .map(|t| t.text().collect::<String>())
    });
    // `PubDate` is when the page was published (Beijing time, minute precision); `MakeTime` is
    // when it was built, never a publication date.
    let pub_date = meta_content(&doc, "PubDate").and_then(|d| parse_date(&d));
    if page_title
        .as_ref()
        .is_some_and(|t| normalise(t).contains("答记者问"))
    {
        return qa(page_title.as_deref(), &page, &body, &header, pub_date);
    }
    let title = title(&doc, &page).unwrap_or_default();
    // The number: the header block's, the title's, then a line that begins with one (a title
    // line, possibly spaced out as a letterhead or split over two lines), and only then any line
    // — a news repost's lead paragraph cites other announcements first (patterns.md 2, 4, 27).
    let squeezed: Vec<String> = page
        .iter()
        .take(40)
        .enumerate()
        .flat_map(|(i, _)| {
            // One line, and with the next one or two: a letterhead spaced over three lines
            // (`不 可 靠 实 体 清 单 工 作 机 制` / `公　　告` / `2031年 第7号`).
            let squeeze = |n: usize| -> Option<String> {
                let joined: String = page
                    .get(i..i + n)?
                    .iter()
                    .flat_map(|l| l.split_whitespace())
                    .collect();
                Some(normalise(&joined))
            };
            (1..=3).filter_map(squeeze).collect::<Vec<_>>()
        })
        .collect();
    let leading = squeezed.iter().filter(|l| {
        DOC_NUMBER
            .find(l)
            .is_some_and(|m| l[..m.start()].chars().count() <= 12)
    });
    let number_source = header
        .doc_number
        .iter()
        .chain(std::iter::once(&title))
        .chain(leading)
        .chain(page.iter().take(40))
        .find_map(|s| {
            DOC_NUMBER
                .captures(s)
                .map(|c| c.get(0).unwrap().as_str().to_string())
        });
    let Some(number_source) = number_source else {
        // No number: a spokesperson's Q&A may still be what changes a list (patterns.md 17).
        return qa(page_title.as_deref(), &page, &body, &header, pub_date);
    };
    let caps = DOC_NUMBER
        .captures(&number_source)
        .ok_or(ExtractError::NoDocumentNumber)?;
    let authorities = authorities(&caps[1]);
    let year: i32 = caps[2]
        .parse()
        .map_err(|_| ExtractError::NoDocumentNumber)?;
    let number = parse_number(&caps[3]).ok_or(ExtractError::NoDocumentNumber)?;
    let key = format!(
        "{}-{year}-{number}",
        authorities.first().map_or("MOFCOM", String::as_str)
    );
    let issued = header
        .issued
        .or_else(|| signature_date(&body))
        .or(pub_date)
        .or_else(|| {
            page.iter()
                .find_map(|l| TIMESTAMP.captures(l))
                .and_then(|c| parse_date(&c[1]))
        });

    let text = body.join("\n");
    let mut doubts = Vec::new();
    let effective = effective_dates(&text, issued, &mut doubts);
    let (relations, relation_doubts) = relations(&text, issued, &effective, &key);
    doubts.extend(relation_doubts);
    let mut entries = coded_entries(&body, &mut doubts);
    // Before the unified list (December 2024) announcements had no control codes.
    if entries.is_empty() && year <= 2024 {
        entries = positional_entries(&body, &key);
    }
    // Items under a lead-in, without codes, in any year.
    if entries.is_empty() {
        entries = lead_in_items(&body, &key);
    }
    let mut measures = measures(&body, &key);
    // A listing of parties: the parties are its entries, and its measures are that list's.
    let listed = parties(&body, &mut doubts);
    // The working mechanism's decisions are about its list, with or without parties in them (a
    // later decision adding measures to a party listed before names none anew).
    let regime = listed.first().map(|p| p.regime.clone()).or_else(|| {
        key.starts_with("UEL-")
            .then(|| "cn-unreliable-entity".to_string())
    });
    if let Some(regime) = regime {
        for m in &mut measures {
            m.regime = regime.clone();
        }
    }
    entries.extend(listed);
    entries.extend(measures);
    // A control code of a shape the Chinese list does not use (`1C902.a`, `3B901.c.1`): a
    // reading to look at again.
    for e in &entries {
        let positional = e.code.starts_with(&format!("{key}#"));
        if !positional && e.item_type != ItemType::Entity && !CODE_SHAPE.is_match(&e.code) {
            doubts.push(Doubt::new(
                "unusual-code",
                format!(
                    "{} does not have the shape of a code of the dual-use list (e.g. 1C902.a)",
                    e.code
                ),
            ));
        }
    }
    // Said where entries take effect on it; an announcement that only acts on others dates
    // its relations instead.
    let mut effective = effective;
    if effective.is_empty()
        && !entries.is_empty()
        && let Some(issued) = issued
    {
        doubts.push(Doubt::new(
            "effective-not-stated",
            format!("the text states no date of effect; the issue date {issued} is taken"),
        ));
        effective.push(Effective {
            date: issued,
            scope: None,
            stated: false,
        });
    }

    Ok(Announcement {
        key,
        authorities,
        year,
        number,
        // A page title without a number (`……工作机制关于将……列入不可靠实体清单的公告`) still
        // says what the announcement is: after the number read from the text.
        title: match page_title.map(|t| normalise(&t)) {
            _ if !title.is_empty() => title,
            Some(t) if !t.trim().is_empty() => {
                let t = t.split(" - ").next().unwrap_or("").trim().to_string();
                format!("{number_source} {t}")
            }
            _ => number_source,
        },
        issued,
        effective,
        entries,
        relations,
        doubts,
        text,
    })
}

#[cfg(test)]
mod tests;
