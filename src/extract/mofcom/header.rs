//! The announcement's identity: its document number and authorities, title, header block
//! (`【发布文号】`, `【发文日期】`), signature date, and where the article body is on the page.

use super::*;

/// Issuing bodies as they appear in document numbers, with the short names used in keys.
pub(super) const AUTHORITIES: &[(&str, &str)] = &[
    // The unreliable entity list's working mechanism decides on its own number series
    // (`不可靠实体清单工作机制公告〔2031〕7号`, read as `…公告2031年第7号`).
    ("不可靠实体清单工作机制", "UEL"),
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

pub(super) static DOC_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
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
pub(super) static AUTHORITY: LazyLock<Regex> = LazyLock::new(|| {
    let names = AUTHORITIES
        .iter()
        .map(|(zh, _)| *zh)
        .collect::<Vec<_>>()
        .join("|");
    Regex::new(&names).expect("static regex")
});
/// The header block's fields: `【发文日期】2025年10月9日`, or `发文日期：2025年10月9日` on some pages.
pub(super) static HEADER_FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:【\s*(发布单位|发布文号|发文日期)\s*】|(?:^|\s)(发布单位|发布文号|发文日期)\s*[：:])\s*([^【]*)")
        .unwrap()
});
pub(super) static CN_DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日").unwrap());
pub(super) static TIMESTAMP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d{4}-\d{2}-\d{2})\s+\d{1,2}:\d{2}").unwrap());
/// The article body, when the page marks it; chrome around it (navigation, related links) would
/// otherwise be read as part of the announcement.
pub(super) fn content_lines(doc: &Html) -> Option<Vec<String>> {
    let el = content_element(doc)?;
    let lines: Vec<String> = element_lines(el).iter().map(|l| normalise(l)).collect();
    (!lines.is_empty()).then_some(lines)
}

/// The element holding the article body, when the page marks one that has text.
pub(super) fn content_element(doc: &Html) -> Option<scraper::ElementRef<'_>> {
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
pub(super) fn article_lines(page: &[String]) -> Vec<String> {
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
pub(super) struct Header {
    pub(super) doc_number: Option<String>,
    pub(super) issued: Option<NaiveDate>,
}

pub(super) fn header_fields(lines: &[String]) -> Header {
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
pub(super) fn title(doc: &Html, page: &[String]) -> Option<String> {
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
    // A title line begins with its number; a sentence that cites one further in (a news
    // repost's lead, an operative clause) is not the title (patterns.md 27).
    let begins_with_number = |l: &str| {
        DOC_NUMBER
            .find(l)
            .is_some_and(|m| l[..m.start()].chars().count() <= 12)
    };
    let mut t = from_markup.or_else(|| {
        page.iter()
            .find(|l| begins_with_number(l) && !HEADER_FIELD.is_match(l))
            .or_else(|| {
                page.iter()
                    .find(|l| DOC_NUMBER.is_match(l) && !HEADER_FIELD.is_match(l))
            })
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

pub(super) fn authorities(group: &str) -> Vec<String> {
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
pub(super) fn signature_date(lines: &[String]) -> Option<NaiveDate> {
    lines.iter().rev().take(8).find_map(|l| {
        let m = CN_DATE.find(l)?;
        (l.trim().chars().count() <= m.as_str().chars().count() + 2)
            .then(|| parse_date(m.as_str()))
            .flatten()
    })
}
