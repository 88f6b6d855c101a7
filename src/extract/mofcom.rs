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
use crate::model::{Announcement, ControlEntry, Effective, ItemType, Relation, RelationKind};

/// The control list MOFCOM's announcements amend.
pub const REGIME: &str = "cn-dual-use";
/// The announcement that published the unified dual-use list (MOFCOM/MIIT/GAC/SCA No. 51 of 2024):
/// "the list is updated accordingly" amends it.
const UNIFIED_LIST: &str = "MOFCOM-2024-51";

/// Issuing bodies as they appear in document numbers, with the short names used in keys.
const AUTHORITIES: &[(&str, &str)] = &[
    ("商务部", "MOFCOM"),
    ("海关总署", "GAC"),
    ("工业和信息化部", "MIIT"),
    ("国家密码管理局", "SCA"),
    ("国家密码局", "SCA"),
    ("国家原子能机构", "CAEA"),
    ("国家国防科技工业局", "SASTIND"),
    ("国防科工局", "SASTIND"),
    ("中央军委装备发展部", "CMC-EDD"),
    ("外交部", "MFA"),
    ("科技部", "MOST"),
    ("国家发展和改革委员会", "NDRC"),
];

static DOC_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    let names = AUTHORITIES
        .iter()
        .map(|(zh, _)| *zh)
        .collect::<Vec<_>>()
        .join("|");
    Regex::new(&format!(
        r"((?:(?:{names})[\s、和]*)+)公告\s*(\d{{4}})\s*年\s*第\s*([0-9一二三四五六七八九十百零〇两]+)\s*号?"
    ))
    .expect("static regex")
});
static AUTHORITY: LazyLock<Regex> = LazyLock::new(|| {
    let names = AUTHORITIES
        .iter()
        .map(|(zh, _)| *zh)
        .collect::<Vec<_>>()
        .join("|");
    Regex::new(&names).expect("static regex")
});
/// The header block's fields: `【发文日期】2025年10月9日`, or `发文日期：2025年10月9日` on some pages.
static HEADER_FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:【\s*(发布单位|发布文号|发文日期)\s*】|(?:^|\s)(发布单位|发布文号|发文日期)\s*[：:])\s*([^【]*)")
        .unwrap()
});
static CN_DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日").unwrap());
static TIMESTAMP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d{4}-\d{2}-\d{2})\s+\d{1,2}:\d{2}").unwrap());
static EFFECTIVE_ON: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"自\s*(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*起\s*(?:正式)?(?:施行|实施|执行|生效)",
    )
    .unwrap()
});
static EFFECTIVE_ON_ISSUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"自\s*(?:公布|发布|印发|公告)之日起\s*(?:正式)?(?:施行|实施|执行|生效)").unwrap()
});
/// A cited announcement: optional authorities, `公告2025年第55号`, then `、56号、第57号` continuations
/// and an optional clause (`第二款`).
static CITED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"公告\s*(\d{4})\s*年\s*第\s*([0-9一二三四五六七八九十百零〇两]+)\s*号?((?:\s*[、，,和及与]\s*(?:第\s*)?[0-9一二三四五六七八九十百零〇两]+\s*号)*)(第[一二三四五六七八九十0-9]+[条款项](?:第[（(]?[一二三四五六七八九十0-9]+[)）]?[项款])?)?",
    )
    .unwrap()
});
static CONTINUATION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"([0-9一二三四五六七八九十百零〇两]+)\s*号").unwrap());
static OWN_START: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"自\s*本公告\s*(?:施行|实施|生效)之日起").unwrap());
static UNTIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"至\s*(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)").unwrap());
static FROM_DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"自\s*(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*起").unwrap());
static CUSTOMS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"参考\s*(?:海关)?(?:商品)?(?:编号|编码|税则号列|税号)\s*[：:]?\s*([0-9\s、，,；;—\-]*)",
    )
    .unwrap()
});
static CODE_NOTE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[（(]\s*管制编码\s*[：:]\s*([^）)]*)[）)]").unwrap());
/// `1.` before an item's text (`1.能量密度…`), which the description does not need.
static LEADING_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d{1,2}\s*[.．、]\s*").unwrap());
static SECTION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([一二三四五六七八九十]+)\s*、").unwrap());
static SUBSECTION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[（(]\s*([一二三四五六七八九十]+)\s*[)）]").unwrap());
static ITEM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d{1,2})\s*[.．、]\s*(\S.*)$").unwrap());
/// Words that make a clause a control measure: licensing, bans, refusals, case-by-case review,
/// value thresholds.
static MEASURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"许可|不得出口|禁止|不予|逐案|审查|审批|价值比例|[0-9.]+\s*[%％]").unwrap()
});
/// Licensing procedure and penalties, which restate the law rather than add a control…
static PROCEDURE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"办理[^，。；]*许可手续|行政处罚|刑事责任").unwrap());
/// …unless the clause also says something substantive: a refusal, a review, a ban, a threshold,
/// a catch-all, a user or place.
static SUBSTANTIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"不予|逐案|禁止|不得出口|价值比例|[%％]|知道或者应当知道|最终用户|军事|境外")
        .unwrap()
});
static LIST_LEAD_IN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:以下|附件[^，。；]{0,12}所列)物项").unwrap());
/// What makes a clause that names listed items more than their lead-in: who, where, how much.
static BEYOND_THE_LIST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"不予|逐案|价值比例|[%％]|知道或者应当知道|最终用户|军事|境外|向[^，。；]{1,12}出口",
    )
    .unwrap()
});
static LETTER_ITEM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([a-z])\s*[.．、]\s*(\S.*)$").unwrap());
static ENUMERATOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[（(]\s*[一二三四五六七八九十\d]+\s*[)）]|[一二三四五六七八九十]+\s*、|\d{1,2}\s*、|\d{1,2}[.．]\s)\s*")
        .unwrap()
});

/// Whether a list item's title is an announcement's: it carries a document number.
pub fn is_announcement_title(title: &str) -> bool {
    DOC_NUMBER.is_match(&normalise(title))
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
    let mut found = coded_entries(&lines);
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
    a.text.push_str(&format!("\n\n附件{n}\n"));
    a.text.push_str(&lines.join("\n"));
}

/// One announcement article.
pub fn announcement(html: &str) -> Result<Announcement, ExtractError> {
    let doc = Html::parse_document(html);
    let page: Vec<String> = document_lines(&doc).iter().map(|l| normalise(l)).collect();
    let body = content_lines(&doc).unwrap_or_else(|| article_lines(&page));

    let header = header_fields(&page);
    let title = title(&doc, &page).unwrap_or_default();
    let number_source = header
        .doc_number
        .iter()
        .chain(std::iter::once(&title))
        .chain(page.iter().take(40))
        .find_map(|s| {
            DOC_NUMBER
                .captures(s)
                .map(|c| c.get(0).unwrap().as_str().to_string())
        })
        .ok_or(ExtractError::NoDocumentNumber)?;
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

    // `PubDate` is when the page was published (Beijing time, minute precision); `MakeTime` is
    // when it was built, never a publication date.
    let pub_date = meta_content(&doc, "PubDate").and_then(|d| parse_date(&d));
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
    let effective = effective_dates(&text, issued);
    let relations = relations(&text, issued, &effective, &key);
    let mut entries = coded_entries(&body);
    // Before the unified list (December 2024) announcements had no control codes.
    if entries.is_empty() && year <= 2024 {
        entries = positional_entries(&body, &key);
    }
    entries.extend(measures(&body, &key));

    Ok(Announcement {
        key,
        authorities,
        year,
        number,
        title: if title.is_empty() {
            number_source
        } else {
            title
        },
        issued,
        effective,
        entries,
        relations,
        text,
    })
}

/// The article body, when the page marks it; chrome around it (navigation, related links) would
/// otherwise be read as part of the announcement.
fn content_lines(doc: &Html) -> Option<Vec<String>> {
    let el = content_element(doc)?;
    let lines: Vec<String> = element_lines(el).iter().map(|l| normalise(l)).collect();
    (!lines.is_empty()).then_some(lines)
}

/// The element holding the article body, when the page marks one that has text.
fn content_element(doc: &Html) -> Option<scraper::ElementRef<'_>> {
    const CONTAINERS: &[&str] = &[
        // The live sites' article body (facts: mofcom-site.md §2).
        "div.art-con[ergodic=article]",
        "#zoom",
        ".art-con",
        ".article-content",
        ".TRS_Editor",
        "#article",
        "article",
    ];
    CONTAINERS.iter().find_map(|css| {
        let sel = Selector::parse(css).ok()?;
        doc.select(&sel)
            .next()
            .filter(|el| el.text().any(|t| !t.trim().is_empty()))
    })
}

/// The article in a page with no marked content container: from the header block (or the
/// document number) to the first line of chrome after it. Related-article lists below an article
/// cite other announcements with verbs like 暂停实施 in their titles and must not be read as the
/// article's own text.
fn article_lines(page: &[String]) -> Vec<String> {
    const CHROME: &[&str] = &[
        "相关稿件",
        "相关链接",
        "相关文章",
        "相关阅读",
        "相关新闻",
        "责任编辑",
        "关闭窗口",
        "主办单位",
        "版权所有",
        "网站地图",
        "分享到",
        "【打印",
        "【关闭",
    ];
    let start = page
        .iter()
        .position(|l| HEADER_FIELD.is_match(l))
        // The title line itself names what the announcement acts on, without dates: skip it.
        .or_else(|| {
            page.iter()
                .position(|l| DOC_NUMBER.is_match(l))
                .map(|n| n + 1)
        })
        .unwrap_or(0);
    let end = page[start..]
        .iter()
        .position(|l| CHROME.iter().any(|c| l.starts_with(c)))
        .map_or(page.len(), |n| start + n);
    page.get(start..end)
        .map(<[String]>::to_vec)
        .unwrap_or_default()
}

#[derive(Default)]
struct Header {
    doc_number: Option<String>,
    issued: Option<NaiveDate>,
}

fn header_fields(lines: &[String]) -> Header {
    let mut h = Header::default();
    for line in lines {
        for c in HEADER_FIELD.captures_iter(line) {
            let value = c[3].trim().to_string();
            let field = c.get(1).or(c.get(2)).map_or("", |m| m.as_str());
            // In the colon form the next field may follow on the same line.
            let value = value
                .split(['：', ':'])
                .next()
                .map(|v| {
                    v.trim_end_matches(|ch: char| !ch.is_ascii_digit() && ch != '日' && ch != '号')
                        .to_string()
                })
                .filter(|v| !v.is_empty())
                .unwrap_or(value);
            match field {
                "发布文号" if h.doc_number.is_none() && !value.is_empty() => {
                    h.doc_number = Some(value)
                }
                "发文日期" if h.issued.is_none() => h.issued = parse_date(&value),
                _ => {}
            }
        }
    }
    h
}

/// The announcement's title: the first heading that carries a document number (a `<title>` or
/// heading may name only the column), completed with the `关于…` line when the heading is only the
/// number.
fn title(doc: &Html, page: &[String]) -> Option<String> {
    let tidy = |t: &str| {
        let t = normalise(t)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        // `<title>` carries the site name after a separator.
        t.split(" - ").next().unwrap_or("").trim().to_string()
    };
    // The live sites name the article in `<meta name="ArticleTitle">`; visible titles vary.
    let from_meta = meta_content(doc, "ArticleTitle").map(|t| tidy(&t));
    let from_markup = from_meta
        .into_iter()
        .chain(
            [".art-title", "h1", "h2", ".headline", "title"]
                .iter()
                .filter_map(|css| Selector::parse(css).ok())
                .flat_map(|sel| {
                    doc.select(&sel)
                        .next()
                        .map(|el| tidy(&el.text().collect::<String>()))
                }),
        )
        .find(|t| DOC_NUMBER.is_match(t));
    let mut t = from_markup.or_else(|| {
        page.iter()
            .find(|l| DOC_NUMBER.is_match(l) && !HEADER_FIELD.is_match(l))
            .map(|l| tidy(l))
    })?;
    let number_only = DOC_NUMBER
        .find(&t)
        .is_some_and(|m| t[m.end()..].trim().is_empty() && t[..m.start()].trim().is_empty());
    if number_only {
        let fuller = page
            .iter()
            .map(|l| tidy(l))
            .find(|l| l.starts_with(&t) && l.len() > t.len());
        let next = || {
            let at = page.iter().position(|l| tidy(l) == t)?;
            page.get(at + 1)
                .filter(|l| l.starts_with("关于"))
                .map(|l| format!("{t} {}", tidy(l)))
        };
        if let Some(better) = fuller.or_else(next) {
            t = better;
        }
    }
    (!t.is_empty()).then_some(t)
}

fn authorities(group: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for m in AUTHORITY.find_iter(group) {
        if let Some((_, short)) = AUTHORITIES.iter().find(|(zh, _)| *zh == m.as_str())
            && !out.iter().any(|a| a == short)
        {
            out.push(short.to_string());
        }
    }
    out
}

/// The signature line at the end of the body: the last line that is only a date.
fn signature_date(lines: &[String]) -> Option<NaiveDate> {
    lines.iter().rev().take(8).find_map(|l| {
        let m = CN_DATE.find(l)?;
        (l.trim().chars().count() <= m.as_str().chars().count() + 2)
            .then(|| parse_date(m.as_str()))
            .flatten()
    })
}

/// Sentences: split at `。` and `；`, and at line ends.
fn sentences(text: &str) -> impl Iterator<Item = &str> {
    text.split(['。', '；', ';', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn effective_dates(text: &str, issued: Option<NaiveDate>) -> Vec<Effective> {
    let mut out: Vec<Effective> = Vec::new();
    for sentence in sentences(text) {
        // A period in a suspension is the relation's, not the announcement's.
        if sentence.contains("暂停") {
            continue;
        }
        for clause in sentence.split(['，', ',']) {
            let (date, at) = if let Some(c) = EFFECTIVE_ON.captures(clause) {
                (parse_date(&c[1]), c.get(0).unwrap().start())
            } else if let Some(m) = EFFECTIVE_ON_ISSUE.find(clause) {
                (issued, m.start())
            } else {
                continue;
            };
            let Some(date) = date else { continue };
            let scope = scope_of(&clause[..at]);
            let e = Effective { date, scope };
            if !out.contains(&e) {
                out.push(e);
            }
        }
    }
    out.sort_by(|a, b| a.date.cmp(&b.date).then(a.scope.cmp(&b.scope)));
    out
}

/// The words before "自…起实施" name what takes effect; "本公告" (this announcement) means all of it.
fn scope_of(prefix: &str) -> Option<String> {
    let s = ENUMERATOR.replace(prefix.trim(), "");
    let s = s
        .trim()
        .trim_start_matches("本公告")
        .trim_matches(|c: char| c.is_whitespace() || "，,、".contains(c));
    let s = s.trim_end_matches(['均', '将']).trim();
    // "其他规定" (the other provisions) is the announcement's default date, not a scope.
    let rest = s.starts_with("其他") || s.starts_with("其余");
    (!s.is_empty() && !rest && s.chars().count() <= 80).then(|| s.to_string())
}

fn relations(
    text: &str,
    issued: Option<NaiveDate>,
    effective: &[Effective],
    own_key: &str,
) -> Vec<Relation> {
    // "自本公告施行之日起废止": from the day this announcement (as a whole) takes effect.
    let own_start = effective
        .iter()
        .filter(|e| e.scope.is_none())
        .map(|e| e.date)
        .min()
        .or(issued);
    let mut out = Vec::new();
    for sentence in sentences(text) {
        if sentence.contains("清单")
            && (sentence.contains("同步予以更新") || sentence.contains("同步更新"))
        {
            if own_key != UNIFIED_LIST {
                out.push(Relation {
                    kind: RelationKind::Amends,
                    target: UNIFIED_LIST.to_string(),
                    from: None,
                    until: None,
                    scope: Some("两用物项出口管制清单".to_string()),
                });
            }
            continue;
        }
        let Some(kind) = relation_kind(sentence) else {
            continue;
        };
        let from = if sentence.contains("自即日起") || EFFECTIVE_ON_ISSUE.is_match(sentence) {
            issued
        } else if OWN_START.is_match(sentence) {
            own_start
        } else {
            FROM_DATE.captures(sentence).and_then(|c| parse_date(&c[1]))
        };
        let until = UNTIL.captures(sentence).and_then(|c| parse_date(&c[1]));
        for cited in CITED.captures_iter(sentence) {
            let Ok(year) = cited[1].parse::<i32>() else {
                continue;
            };
            let lead = lead_authority_before(sentence, cited.get(0).unwrap().start());
            let mut numbers: Vec<u32> = parse_number(&cited[2]).into_iter().collect();
            if let Some(more) = cited.get(3) {
                numbers.extend(
                    CONTINUATION
                        .captures_iter(more.as_str())
                        .filter_map(|c| parse_number(&c[1])),
                );
            }
            let scope = cited.get(4).map(|m| m.as_str().to_string());
            for n in numbers {
                let target = format!("{lead}-{year}-{n}");
                if target == own_key {
                    continue;
                }
                let r = Relation {
                    kind,
                    target,
                    from,
                    until,
                    scope: scope.clone(),
                };
                if !out.contains(&r) {
                    out.push(r);
                }
            }
        }
    }
    out
}

fn relation_kind(sentence: &str) -> Option<RelationKind> {
    if sentence.contains("暂停实施")
        || sentence.contains("暂停执行")
        || sentence.contains("暂停适用")
    {
        Some(RelationKind::Suspends)
    } else if sentence.contains("恢复实施") || sentence.contains("恢复执行") {
        Some(RelationKind::Resumes)
    } else if sentence.contains("废止")
        || sentence.contains("停止执行")
        || sentence.contains("不再执行")
    {
        Some(RelationKind::Repeals)
    } else if sentence.contains("代替") || sentence.contains("取代") || sentence.contains("替代")
    {
        Some(RelationKind::Supersedes)
    } else if sentence.contains("修改") || sentence.contains("修订") {
        Some(RelationKind::Amends)
    } else {
        None
    }
}

/// The lead authority of a citation: the first authority named in the run of authority names
/// directly before `公告`; MOFCOM when none is named.
fn lead_authority_before(sentence: &str, at: usize) -> String {
    let before = &sentence[..at];
    // Walk back over authority names and separators.
    let mut start = before.len();
    loop {
        let head = before[..start].trim_end_matches([' ', '、', '和']);
        match AUTHORITIES.iter().find(|(zh, _)| head.ends_with(zh)) {
            Some((zh, _)) => start = head.len() - zh.len(),
            None => break,
        }
    }
    authorities(&before[start..])
        .into_iter()
        .next()
        .unwrap_or_else(|| "MOFCOM".to_string())
}

/// A control code at the start of `s`, allowing the stray spaces real copies contain
/// (`3B90 1.a`): returns the normalised code and the number of bytes consumed.
fn code_at(s: &str) -> Option<(String, usize)> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut code = String::new();
    let skip_space = |i: &mut usize| {
        if *i < b.len() && b[*i] == b' ' {
            *i += 1;
        }
    };
    let expect = |i: &mut usize, ok: fn(u8) -> bool, code: &mut String, allow_space: bool| {
        let save = *i;
        if allow_space && *i < b.len() && b[*i] == b' ' {
            *i += 1;
        }
        if *i < b.len() && ok(b[*i]) {
            code.push(b[*i] as char);
            *i += 1;
            true
        } else {
            *i = save;
            false
        }
    };
    let digit = |c: u8| c.is_ascii_digit();
    if !expect(&mut i, digit, &mut code, false)
        || !expect(&mut i, |c| (b'A'..=b'E').contains(&c), &mut code, true)
        || !expect(&mut i, digit, &mut code, true)
        || !expect(&mut i, digit, &mut code, true)
        || !expect(&mut i, digit, &mut code, true)
    {
        return None;
    }
    // `.a` and `.a.1` suffixes
    let save = i;
    skip_space(&mut i);
    if i + 1 < b.len() && b[i] == b'.' {
        let mut j = i + 1;
        skip_space(&mut j);
        if j < b.len()
            && b[j].is_ascii_lowercase()
            && !b.get(j + 1).is_some_and(u8::is_ascii_alphanumeric)
        {
            code.push('.');
            code.push(b[j] as char);
            i = j + 1;
            let save2 = i;
            if i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_digit() {
                let mut k = i + 1;
                let mut num = String::new();
                while k < b.len() && b[k].is_ascii_digit() && num.len() < 2 {
                    num.push(b[k] as char);
                    k += 1;
                }
                code.push('.');
                code.push_str(&num);
                i = k;
            } else {
                i = save2;
            }
        } else {
            i = save;
        }
    } else {
        i = save;
    }
    // A code glued to more letters or digits is something else (`1E9021`, `3A001x`).
    if b.get(i).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    // `3A001项所管制物项` is a cross-reference, not an item.
    if s[i..].trim_start().starts_with('项') {
        return None;
    }
    Some((code, i))
}

fn item_type_for_code(code: &str) -> ItemType {
    match code.as_bytes().get(1) {
        Some(b'A') => ItemType::Goods,
        Some(b'B') => ItemType::Equipment,
        Some(b'C') => ItemType::Material,
        Some(b'D') => ItemType::Software,
        _ => ItemType::Technology,
    }
}

fn item_type_for_text(desc: &str) -> ItemType {
    if desc.contains("技术") {
        ItemType::Technology
    } else if desc.contains("软件") {
        ItemType::Software
    } else if desc.contains("设备") || desc.contains("装置") || desc.contains("仪器") {
        ItemType::Equipment
    } else if desc.contains("服务") {
        ItemType::Service
    } else if [
        "金属",
        "材料",
        "化合物",
        "氧化",
        "粉",
        "锭",
        "晶",
        "合金",
        "镓",
        "锗",
    ]
    .iter()
    .any(|k| desc.contains(k))
    {
        ItemType::Material
    } else {
        ItemType::Goods
    }
}

/// Customs codes in the `参考…：` part of a line: 8 or 10 digits, spaces inside tolerated.
fn customs_codes(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    for c in CUSTOMS.captures_iter(line) {
        for part in c[1].split(['、', '，', ',', '；', ';']) {
            let digits: String = part.chars().filter(|c| !c.is_whitespace()).collect();
            if (digits.len() == 8 || digits.len() == 10)
                && digits.bytes().all(|b| b.is_ascii_digit())
            {
                out.push(digits);
            }
        }
    }
    out
}

/// The description of an item line: without enumerator, code annotation and customs codes.
fn clean_description(s: &str) -> String {
    let s = CODE_NOTE.replace_all(s, "");
    let s = match CUSTOMS.find(&s) {
        Some(m) => s[..m.start()].to_string(),
        None => s.to_string(),
    };
    let s = s.replace('\t', " ");
    let s = s
        .trim()
        .trim_start_matches(|c: char| "：:，,、.".contains(c) || c.is_whitespace())
        .trim_end_matches(|c: char| "。；;，,：:（(".contains(c) || c.is_whitespace());
    // "…及相关产品，包括：" introduces sub-items listed below.
    let s = s
        .strip_suffix("包括")
        .map_or(s, |s| s.trim_end_matches(|c: char| "，,：:".contains(c)));
    s.to_string()
}

fn push_hs(entry: &mut ControlEntry, codes: Vec<String>) {
    for c in codes {
        if !entry.hs_codes.contains(&c) {
            entry.hs_codes.push(c);
        }
    }
}

/// Entries of announcements from 2025 on, where every item carries a control code, leading the
/// item (`1E902.a 稀土…技术`) or trailing it (`…（管制编码：1E902.a）`), or in a table cell.
fn coded_entries(lines: &[String]) -> Vec<ControlEntry> {
    let mut out: Vec<ControlEntry> = Vec::new();
    let mut current: Option<usize> = None;
    let mut awaiting: Option<usize> = None;
    // The last unsuffixed code (`1C226`), which `a.`/`b.` lines below it extend.
    let mut lettered_under: Option<String> = None;
    // The clause (`一、` > `（二）`) the lines are in.
    let (mut section, mut sub): (Option<u32>, Option<u32>) = (None, None);
    for line in lines {
        if let Some(c) = SECTION.captures(line) {
            (section, sub) = (parse_number(&c[1]), None);
        } else if let Some(c) = SUBSECTION.captures(line) {
            sub = parse_number(&c[1]);
        }
        let clause = match (section, sub) {
            (Some(s), Some(g)) => Some(format!("{s}.{g}")),
            (Some(s), None) => Some(s.to_string()),
            _ => None,
        };
        let stripped = ENUMERATOR.replace(line, "");
        let found = leading_code(&stripped).or_else(|| {
            trailing_code(line).map(|(code, description)| (code, description, Vec::new()))
        });
        // A code alone on its line (a table flattened by a PDF): its text follows on the next.
        let found = found.or_else(|| {
            let t = stripped.trim();
            code_at(t)
                .filter(|(_, used)| *used == t.len())
                .map(|(code, _)| (code, String::new(), Vec::new()))
        });
        // `a.钨含量…` under `1C226 钨合金：`: a lettered sub-item of the coded item above.
        if let Some((code, ..)) = &found {
            lettered_under = (!code.contains('.')).then(|| code.clone());
        }
        let found = found.or_else(|| {
            let parent = lettered_under.as_ref()?;
            let c = LETTER_ITEM.captures(line)?;
            Some((
                format!("{parent}.{}", &c[1]),
                clean_description(&c[2]),
                Vec::new(),
            ))
        });
        if found.is_none()
            && let Some(i) = awaiting.take()
            && hs_only(line).is_none()
            && !SECTION.is_match(line)
        {
            out[i].description = clean_description(line);
            push_hs(&mut out[i], customs_codes(line));
            if is_reserved(&out[i].description) {
                out.remove(i);
                current = None;
            }
            continue;
        }
        match found {
            Some((code, description, cell_hs)) => {
                if is_reserved(&description) {
                    current = None;
                    continue;
                }
                let mut entry = ControlEntry {
                    regime: REGIME.to_string(),
                    item_type: item_type_for_code(&code),
                    code,
                    description,
                    hs_codes: Vec::new(),
                    clause: clause.clone(),
                };
                push_hs(&mut entry, cell_hs);
                push_hs(&mut entry, customs_codes(line));
                if entry.description.is_empty() && !out.iter().any(|e| e.code == entry.code) {
                    out.push(entry);
                    current = Some(out.len() - 1);
                    awaiting = current;
                    continue;
                }
                if let Some(i) = out.iter().position(|e| e.code == entry.code) {
                    // The same code twice (a table and a summary): merge.
                    let hs = std::mem::take(&mut entry.hs_codes);
                    push_hs(&mut out[i], hs);
                    current = Some(i);
                } else {
                    out.push(entry);
                    current = Some(out.len() - 1);
                }
            }
            None => {
                if SECTION.is_match(line) && customs_codes(line).is_empty() {
                    current = None;
                    continue;
                }
                if let Some(i) = current {
                    push_hs(&mut out[i], customs_codes(line));
                    push_hs(&mut out[i], hs_only(line).unwrap_or_default());
                }
            }
        }
    }
    out.retain(|e| !e.description.is_empty());
    // `1C902 钐相关物项` heads the group `1C902.a`…`.c`: a heading, not an item of its own.
    let codes: Vec<String> = out.iter().map(|e| format!("{}.", e.code)).collect();
    out.retain(|e| !e.hs_codes.is_empty() || !out_has_child(&codes, &e.code));
    out
}

/// `【保留】`: a reserved slot, not a control.
fn is_reserved(description: &str) -> bool {
    description.contains("保留") && description.chars().count() <= 6
}

/// A line that is nothing but customs codes (a table cell flattened onto its own line).
fn hs_only(line: &str) -> Option<Vec<String>> {
    let digits: String = line.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.is_empty()
        || !digits
            .chars()
            .all(|c| c.is_ascii_digit() || "、，,；;".contains(c))
    {
        return None;
    }
    let codes: Vec<String> = digits
        .split(['、', '，', ',', '；', ';'])
        .filter(|d| !d.is_empty())
        .map(str::to_string)
        .collect();
    codes
        .iter()
        .all(|d| d.len() == 8 || d.len() == 10)
        .then_some(codes)
}

fn out_has_child(prefixes: &[String], code: &str) -> bool {
    let own = format!("{code}.");
    prefixes
        .iter()
        .any(|p| p.len() > own.len() && p.starts_with(&own))
}

/// A line led by a control code: `1E902.a 稀土…技术`, or a table row whose first (or, after a
/// serial number, second) cell is the code. Returns the code, the description and any customs
/// codes standing alone in table cells.
fn leading_code(line: &str) -> Option<(String, String, Vec<String>)> {
    let cells: Vec<&str> = line.split('\t').map(str::trim).collect();
    for (n, cell) in cells.iter().enumerate().take(2) {
        if let Some((code, used)) = code_at(cell) {
            let mut parts = vec![clean_description(&cell[used..])];
            let mut hs = Vec::new();
            for rest in &cells[n + 1..] {
                let digits: String = rest.chars().filter(|c| !c.is_whitespace()).collect();
                let is_codes = !digits.is_empty()
                    && digits
                        .chars()
                        .all(|c| c.is_ascii_digit() || "、，,；;".contains(c));
                if is_codes {
                    hs.extend(
                        digits
                            .split(['、', '，', ',', '；', ';'])
                            .filter(|d| d.len() == 8 || d.len() == 10)
                            .map(str::to_string),
                    );
                } else {
                    parts.push(clean_description(rest));
                }
            }
            let mut description = parts
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join("，");
            // A table flattened to one line (PDF text) ends with its customs-code cell.
            while let Some((rest, last)) = description.rsplit_once(' ') {
                if hs_only(last).is_none() {
                    break;
                }
                hs.splice(0..0, hs_only(last).unwrap_or_default());
                description = rest.trim_end().to_string();
            }
            return (!description.is_empty()).then_some((code, description, hs));
        }
        // Only a serial-number cell may come before the code.
        if !cell.chars().all(|c| c.is_ascii_digit()) {
            break;
        }
    }
    None
}

fn trailing_code(line: &str) -> Option<(String, String)> {
    let caps = CODE_NOTE.captures(line)?;
    let (code, _) = code_at(caps[1].trim())?;
    let stripped = ENUMERATOR.replace(line, "");
    let stripped = LEADING_NUMBER.replace(&stripped, "");
    let description = clean_description(&stripped);
    (!description.is_empty()).then_some((code, description))
}

/// Entries of 2023–2024 announcements, which have no control codes: items numbered `1.` inside
/// `（一）…物项` groups of the `一、` sections, keyed by the announcement and their position.
fn positional_entries(lines: &[String], key: &str) -> Vec<ControlEntry> {
    let mut out: Vec<ControlEntry> = Vec::new();
    let (mut section, mut group) = (0u32, 0u32);
    let mut in_items = false;
    let mut current: Option<usize> = None;
    for line in lines {
        if let Some(c) = SECTION.captures(line) {
            section = parse_number(&c[1]).unwrap_or(section);
            group = 0;
            in_items = false;
            current = None;
            continue;
        }
        if let Some(c) = SUBSECTION.captures(line) {
            group = parse_number(&c[1]).unwrap_or(group);
            in_items = line.contains("物项");
            current = None;
            continue;
        }
        if let Some(c) = ITEM.captures(line)
            && in_items
        {
            {
                let position: u32 = c[1].parse().unwrap_or(0);
                let description = clean_description(&c[2]);
                if description.is_empty() {
                    continue;
                }
                let mut entry = ControlEntry {
                    regime: REGIME.to_string(),
                    code: format!("{key}#{section}.{group}.{position}"),
                    item_type: item_type_for_text(&description),
                    description,
                    hs_codes: Vec::new(),
                    clause: Some(format!("{section}.{group}")),
                };
                push_hs(&mut entry, customs_codes(line));
                out.push(entry);
                current = Some(out.len() - 1);
                continue;
            }
        }
        if let Some(i) = current {
            push_hs(&mut out[i], customs_codes(line));
        }
    }
    out
}

/// Whether a clause's text states a control measure of its own.
fn is_measure(text: &str) -> bool {
    let is_relation = relation_kind(text).is_some() || text.contains("同步予以更新");
    let procedural = PROCEDURE.is_match(text) && !SUBSTANTIVE.is_match(text);
    // "对附件1所列物项实施出口管制，未经许可，不得出口" introduces the list; the list is the control.
    let lead_in = LIST_LEAD_IN.is_match(text) && !BEYOND_THE_LIST.is_match(text);
    !is_relation && !procedural && !lead_in && MEASURE.is_match(text)
}

/// A numbered clause of the body (`二、…` or `（一）…`), for [`measures`].
struct Clause {
    section: u32,
    sub: Option<u32>,
    text: String,
    /// Item lines (coded, numbered, or carrying customs codes) follow it: it introduces a list.
    lists_items: bool,
    /// `（一）` sub-clauses follow it: it is their lead-in.
    has_subs: bool,
}

/// Control measures that are not list items — catch-all licensing, value thresholds, end-user and
/// destination rules — one per numbered clause that states one, keyed `KEY#m{clause}`. A clause
/// that introduces items, acts on another announcement or only dates this one is not a measure.
fn measures(lines: &[String], key: &str) -> Vec<ControlEntry> {
    let mut clauses: Vec<Clause> = Vec::new();
    let mut section = 0u32;
    for line in lines {
        if let Some(c) = SECTION.captures(line) {
            section = parse_number(&c[1]).unwrap_or(0);
            clauses.push(Clause {
                section,
                sub: None,
                text: line[c.get(0).unwrap().end()..].trim().to_string(),
                lists_items: false,
                has_subs: false,
            });
            continue;
        }
        if line.starts_with("附件") {
            // The annex list: what follows is not part of the numbered clauses.
            section = 0;
            continue;
        }
        if section == 0 {
            continue;
        }
        if let Some(c) = SUBSECTION.captures(line) {
            if let Some(parent) = clauses.iter_mut().rev().find(|c| c.sub.is_none()) {
                parent.has_subs = true;
            }
            clauses.push(Clause {
                section,
                sub: parse_number(&c[1]),
                text: line[c.get(0).unwrap().end()..].trim().to_string(),
                lists_items: false,
                has_subs: false,
            });
            continue;
        }
        let stripped = ENUMERATOR.replace(line, "");
        let is_item = leading_code(&stripped).is_some()
            || trailing_code(line).is_some()
            || ITEM.is_match(line)
            || LETTER_ITEM.is_match(line)
            || !customs_codes(line).is_empty();
        if is_item && let Some(last) = clauses.last_mut() {
            last.lists_items = true;
        }
    }

    if clauses.is_empty() {
        // An announcement without numbered clauses: each paragraph that states a measure is one,
        // numbered in order of appearance.
        for line in lines {
            if line.starts_with("附件") {
                break;
            }
            let stripped = ENUMERATOR.replace(line, "");
            let is_item = leading_code(&stripped).is_some()
                || trailing_code(line).is_some()
                || ITEM.is_match(line)
                || LETTER_ITEM.is_match(line);
            if !is_item && !HEADER_FIELD.is_match(line) {
                clauses.push(Clause {
                    section: clauses.len() as u32 + 1,
                    sub: None,
                    text: line.clone(),
                    lists_items: false,
                    has_subs: false,
                });
            }
        }
        clauses.retain(|c| is_measure(&c.text));
        for (n, c) in clauses.iter_mut().enumerate() {
            c.section = n as u32 + 1;
        }
    }

    let mut out = Vec::new();
    for (i, c) in clauses.iter().enumerate() {
        if c.has_subs || c.lists_items || c.text.is_empty() {
            continue;
        }
        let head = match c.sub {
            Some(_) => clauses[..i]
                .iter()
                .rev()
                .find(|p| p.sub.is_none())
                .map_or("", |p| p.text.as_str()),
            None => "",
        };
        let text = format!("{head}{}", c.text);
        if !is_measure(&text) {
            continue;
        }
        let code = match c.sub {
            Some(n) => format!("{key}#m{}.{n}", c.section),
            None => format!("{key}#m{}", c.section),
        };
        if out.iter().any(|e: &ControlEntry| e.code == code) {
            continue;
        }
        out.push(ControlEntry {
            regime: REGIME.to_string(),
            code,
            description: text
                .trim_end_matches(|c: char| "。；;，,".contains(c))
                .to_string(),
            item_type: ItemType::Measure,
            hs_codes: Vec::new(),
            clause: Some(match c.sub {
                Some(n) => format!("{}.{n}", c.section),
                None => c.section.to_string(),
            }),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An article as www serves it: the title only in `meta[name=ArticleTitle]` (the heading
    /// names the column), the publication time in `PubDate`, a later `MakeTime`, the body in
    /// `div.art-con[ergodic=article]` and no signature date.
    const LIVE: &str = r#"<html><head><meta name="ArticleTitle" content="商务部公告2026年第3号 关于对部分物项实施出口管制的决定">
<meta name="PubDate" content="2026-01-05 17:40"><meta name="MakeTime" content="2026-01-20 09:00:00"></head><body>
<h2>政策发布</h2><div class="art-con art-con-bottonmLine" ergodic="article">
<p>一、以下物项未经许可，不得出口：</p><p>1C999.a 示例材料。</p></div>
<section class="article-tool">分享到</section></body></html>"#;

    #[test]
    fn live_articles_read_title_and_date_from_their_meta() {
        let a = announcement(LIVE).unwrap();
        assert_eq!(a.key, "MOFCOM-2026-3");
        assert_eq!(
            a.title,
            "商务部公告2026年第3号 关于对部分物项实施出口管制的决定"
        );
        assert_eq!(
            a.issued,
            NaiveDate::from_ymd_opt(2026, 1, 5),
            "PubDate, not MakeTime"
        );
        assert_eq!(a.entries[0].code, "1C999.a");
    }

    #[test]
    fn header_fields_in_the_colon_form() {
        let page = LIVE.replace(
            "<p>一、",
            "<p>发布文号：商务部公告2026年第3号</p><p>发文日期：2026年1月6日</p><p>一、",
        );
        let a = announcement(&page).unwrap();
        assert_eq!(a.issued, NaiveDate::from_ymd_opt(2026, 1, 6));
    }

    #[test]
    fn the_sidebar_is_not_the_list() {
        let base = Url::parse("https://www.mofcom.gov.cn/zcfb/blgg/gg/2025/index.html").unwrap();
        let page = r#"<body><aside class="jgRBox"><section class="rColumnBox"><ul>
<li><a href="/zcjd/art/2025/art_1.html">商务部公告2025年第62号政策解读</a></li></ul></section></aside>
<ul><li><a href="/zcfb/blgg/gg/2025/art/2025/art_2.html">商务部公告2025年第61号 关于…</a></li></ul></body>"#;
        let links = index(&base, page).unwrap();
        assert_eq!(links.len(), 1);
        assert!(links[0].url.path().ends_with("art_2.html"));
    }

    #[test]
    fn codes_with_noise() {
        assert_eq!(code_at("1E902.a 稀土"), Some(("1E902.a".into(), 7)));
        assert_eq!(
            code_at("3B90 1.a 设备").map(|c| c.0),
            Some("3B901.a".into())
        );
        assert_eq!(
            code_at("3C901.a.1 磷酸铁锂").map(|c| c.0),
            Some("3C901.a.1".into())
        );
        assert_eq!(code_at("2E902 工艺技术").map(|c| c.0), Some("2E902".into()));
        assert_eq!(code_at("3A001项所管制物项"), None);
        assert_eq!(code_at("2025年"), None);
        assert_eq!(code_at("1E9021"), None);
        assert_eq!(code_at(""), None);
    }

    #[test]
    fn customs_code_lists() {
        assert_eq!(
            customs_codes("（参考海关商品编号：2846901940、2846901993、3824999922）"),
            vec!["2846901940", "2846901993", "3824999922"]
        );
        assert_eq!(customs_codes("参考税则号列：285 39030"), vec!["28539030"]);
        assert_eq!(customs_codes("参考税则号列：——"), Vec::<String>::new());
    }

    #[test]
    fn suspension_targets_and_period() {
        let issued = NaiveDate::from_ymd_opt(2025, 11, 7);
        let text = "自即日起至2026年11月10日，暂停实施商务部 海关总署公告2025年第55号、56号、57号、58号及商务部公告2025年第61号、62号。";
        let r = relations(text, issued, &[], "MOFCOM-2025-70");
        let targets: Vec<&str> = r.iter().map(|r| r.target.as_str()).collect();
        assert_eq!(
            targets,
            [
                "MOFCOM-2025-55",
                "MOFCOM-2025-56",
                "MOFCOM-2025-57",
                "MOFCOM-2025-58",
                "MOFCOM-2025-61",
                "MOFCOM-2025-62"
            ]
        );
        assert!(r.iter().all(|r| r.kind == RelationKind::Suspends
            && r.from == issued
            && r.until == NaiveDate::from_ymd_opt(2026, 11, 10)));
    }

    #[test]
    fn clause_level_suspension() {
        let r = relations(
            "商务部公告2025年第61号第二款暂停实施。",
            NaiveDate::from_ymd_opt(2025, 11, 7),
            &[],
            "MOFCOM-2025-70",
        );
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].scope.as_deref(), Some("第二款"));
    }

    #[test]
    fn effective_dates_with_scopes() {
        let issued = NaiveDate::from_ymd_opt(2025, 10, 9);
        let e = effective_dates(
            "本公告第一条第（一）项、第（二）项自2025年12月1日起实施，其他规定自公布之日起实施。",
            issued,
        );
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].date, issued.unwrap());
        assert_eq!(e[1].date, NaiveDate::from_ymd_opt(2025, 12, 1).unwrap());
        assert!(e[1].scope.as_deref().unwrap().contains("第一条"));
    }
}
