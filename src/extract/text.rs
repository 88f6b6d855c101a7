//! Text helpers shared by extractors: HTML to lines, width and script normalisation, Chinese dates
//! and numerals. All pure; none panics on any input.

use chrono::NaiveDate;
use scraper::{ElementRef, Html, Node, Selector};

/// Elements that end a line of text when rendered.
const BLOCK: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "ul",
    "ol",
    "section",
    "article",
    "header",
    "footer",
    "title",
    "dd",
    "dt",
    "blockquote",
    "pre",
];
const SKIP: &[&str] = &["script", "style", "noscript", "template", "head"];

/// The visible text under `root`, one block element per line, with cells of a table row separated
/// by tabs. Lines are trimmed and empty lines dropped.
pub fn element_lines(root: ElementRef<'_>) -> Vec<String> {
    let mut out = String::new();
    walk(root, &mut out);
    out.lines()
        .map(|l| collapse_spaces(l.trim()))
        .filter(|l| !l.is_empty())
        .collect()
}

/// The visible text of a whole document (its `<body>`, or everything when there is none).
pub fn document_lines(doc: &Html) -> Vec<String> {
    let body = Selector::parse("body").expect("static selector");
    match doc.select(&body).next() {
        Some(b) => element_lines(b),
        None => element_lines(doc.root_element()),
    }
}

fn walk(el: ElementRef<'_>, out: &mut String) {
    // Iterative over children, recursive over elements: depth is bounded by html5ever's tree
    // builder, which caps nesting, so hostile input cannot blow the stack here.
    for child in el.children() {
        match child.value() {
            Node::Text(t) => out.push_str(&t.replace(['\n', '\r', '\t'], " ")),
            Node::Element(e) => {
                let name = e.name();
                if SKIP.contains(&name) {
                    continue;
                }
                let Some(child_el) = ElementRef::wrap(child) else {
                    continue;
                };
                let block = BLOCK.contains(&name);
                if block {
                    out.push('\n');
                }
                walk(child_el, out);
                match name {
                    "td" | "th" => out.push('\t'),
                    _ if block => out.push('\n'),
                    _ => {}
                }
            }
            _ => {}
        }
    }
}

fn collapse_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_space = false;
    let mut last_tab = false;
    for c in s.chars() {
        if c == '\t' {
            if !last_tab {
                // a tab swallows the spaces around it
                while out.ends_with(' ') {
                    out.pop();
                }
                out.push('\t');
            }
            last_tab = true;
            last_space = true;
        } else if c.is_whitespace() || c == '\u{a0}' {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
            last_tab = false;
        }
    }
    out.trim_matches(|c: char| c == ' ' || c == '\t')
        .to_string()
}

/// Folds full-width ASCII (digits, Latin letters, `．`) and the ideographic space to ASCII, and the
/// traditional forms of the characters our patterns key on to simplified ones. Chinese punctuation
/// such as `，：（）` is kept: it carries meaning in descriptions.
pub fn normalise(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' | '．' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            _ => simplified(c),
        })
        .collect()
}

/// Traditional → simplified for the characters that matter to extraction (document numbers,
/// dates, relation verbs, authorities). Not a general converter.
fn simplified(c: char) -> char {
    match c {
        '號' => '号',
        '暫' => '暂',
        '實' => '实',
        '務' => '务',
        '關' => '关',
        '總' => '总',
        '發' => '发',
        '項' => '项',
        '單' => '单',
        '與' => '与',
        '對' => '对',
        '於' => '于',
        '條' => '条',
        '廢' => '废',
        '復' => '复',
        '執' => '执',
        '訂' => '订',
        '碼' => '码',
        '編' => '编',
        '稅' => '税',
        '則' => '则',
        '參' => '参',
        '資' => '资',
        '產' => '产',
        '業' => '业',
        '門' => '门',
        '國' => '国',
        '屬' => '属',
        '據' => '据',
        '術' => '术',
        '開' => '开',
        '採' => '采',
        '錄' => '录',
        '規' => '规',
        '準' => '准',
        '許' => '许',
        '證' => '证',
        '簽' => '签',
        '時' => '时',
        '間' => '间',
        '數' => '数',
        '錶' => '表',
        '鋰' => '锂',
        '電' => '电',
        '礦' => '矿',
        '離' => '离',
        '體' => '体',
        '製' => '制',
        '設' => '设',
        '備' => '备',
        '鎵' => '镓',
        '鏈' => '链',
        '權' => '权',
        '辦' => '办',
        '價' => '价',
        '審' => '审',
        '應' => '应',
        '當' => '当',
        '軍' => '军',
        '戶' => '户',
        '終' => '终',
        '經' => '经',
        '營' => '营',
        '貨' => '货',
        '佈' => '布',
        '鍺' => '锗',
        _ => c,
    }
}

/// The value of a Chinese or Arabic numeral up to the thousands: `62`, `六十二`, `第一` → 1.
pub fn parse_number(s: &str) -> Option<u32> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if s.chars().all(|c| c.is_ascii_digit()) {
        return s.parse().ok();
    }
    let mut total: u32 = 0;
    let mut digit: Option<u32> = None;
    for c in s.chars() {
        let d = match c {
            '零' | '〇' => Some(0),
            '一' | '壹' => Some(1),
            '二' | '两' | '贰' => Some(2),
            '三' | '叁' => Some(3),
            '四' | '肆' => Some(4),
            '五' | '伍' => Some(5),
            '六' | '陆' => Some(6),
            '七' | '柒' => Some(7),
            '八' | '捌' => Some(8),
            '九' | '玖' => Some(9),
            _ => None,
        };
        if let Some(d) = d {
            digit = Some(digit.unwrap_or(0).checked_mul(10)?.checked_add(d)?);
            continue;
        }
        let unit = match c {
            '十' | '拾' => 10,
            '百' | '佰' => 100,
            '千' | '仟' => 1000,
            _ => return None,
        };
        total = total.checked_add(digit.unwrap_or(1).checked_mul(unit)?)?;
        digit = None;
    }
    total.checked_add(digit.unwrap_or(0))
}

/// A date written as `2025年10月9日`, `2025年04月04日`, `20251009`, `2025-10-09` or `2025.10.09`.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = normalise(s);
    let s = s.trim();
    let digits: Vec<u32> = s
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.parse().ok())
        .collect();
    match digits.as_slice() {
        [y, m, d, ..] if *y >= 1900 => NaiveDate::from_ymd_opt(*y as i32, *m, *d),
        [compact] if (19_000_000..30_000_000).contains(compact) => NaiveDate::from_ymd_opt(
            (*compact / 10_000) as i32,
            (compact / 100) % 100,
            compact % 100,
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numerals() {
        assert_eq!(parse_number("一"), Some(1));
        assert_eq!(parse_number("十"), Some(10));
        assert_eq!(parse_number("十二"), Some(12));
        assert_eq!(parse_number("六十二"), Some(62));
        assert_eq!(parse_number("一百零五"), Some(105));
        assert_eq!(parse_number("62"), Some(62));
        assert_eq!(parse_number("x"), None);
        assert_eq!(parse_number(""), None);
    }

    #[test]
    fn dates_in_every_published_form() {
        let d = NaiveDate::from_ymd_opt(2025, 10, 9).unwrap();
        assert_eq!(parse_date("2025年10月9日"), Some(d));
        assert_eq!(parse_date("2025年10月09日"), Some(d));
        assert_eq!(parse_date("20251009"), Some(d));
        assert_eq!(parse_date("2025-10-09"), Some(d));
        assert_eq!(parse_date("２０２５年１０月９日"), Some(d));
        assert_eq!(parse_date("2025年13月45日"), None);
        assert_eq!(parse_date("soon"), None);
    }

    #[test]
    fn full_width_and_traditional_fold() {
        assert_eq!(normalise("１Ｅ９０２．ａ"), "1E902.a");
        assert_eq!(normalise("公告2025年第62號"), "公告2025年第62号");
        assert_eq!(normalise("暫停實施"), "暂停实施");
        assert_eq!(normalise("（管制编码）"), "（管制编码）");
    }

    #[test]
    fn lines_follow_blocks_and_cells() {
        let doc = Html::parse_document(
            "<body><p>a <b>b</b></p><table><tr><td>1E902.a</td><td>x</td></tr></table>\
             <script>no()</script>c<br>d</body>",
        );
        assert_eq!(document_lines(&doc), vec!["a b", "1E902.a\tx", "c", "d"]);
    }
}
