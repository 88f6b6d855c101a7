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

/// Depth-first over `root`'s subtree with an explicit open/close traversal rather than recursion:
/// html5ever does not cap nesting, and a page of 100,000 nested elements must be that page's
/// problem, not a stack overflow that aborts the whole run.
fn walk(root: ElementRef<'_>, out: &mut String) {
    use ego_tree::iter::Edge;
    // The node of a skipped subtree (script, style…) being passed over, if any.
    let mut skipping = None;
    for edge in root.traverse() {
        match edge {
            Edge::Open(node) => {
                if skipping.is_some() || node.id() == root.id() {
                    continue;
                }
                match node.value() {
                    Node::Text(t) => push_text(out, t),
                    Node::Element(e) => {
                        let name = e.name();
                        if SKIP.contains(&name) {
                            skipping = Some(node.id());
                        } else if BLOCK.contains(&name) {
                            out.push('\n');
                        }
                    }
                    _ => {}
                }
            }
            Edge::Close(node) => {
                if let Some(id) = skipping {
                    if id == node.id() {
                        skipping = None;
                    }
                    continue;
                }
                if node.id() == root.id() {
                    continue;
                }
                if let Node::Element(e) = node.value() {
                    match e.name() {
                        "td" | "th" => out.push('\t'),
                        name if BLOCK.contains(&name) => out.push('\n'),
                        _ => {}
                    }
                }
            }
        }
    }
}

/// Appends a text node's characters: line breaks and tabs become spaces (layout comes from the
/// elements), and other control characters are dropped, so an ESC or BEL in a page never reaches
/// a terminal, a feed or a spreadsheet through extracted text.
fn push_text(out: &mut String, text: &str) {
    out.extend(text.chars().filter_map(|c| match c {
        '\n' | '\r' | '\t' => Some(' '),
        c if c.is_control() => None,
        c => Some(c),
    }));
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

/// How deep elements may nest in a page we parse. Real pages nest a few dozen levels; the HTML
/// tree builder's scope checks cost time proportional to the depth for each element, so 100,000
/// nested `<div>`s take 20 s of CPU to parse (quadratic), and a page may hold millions.
pub const MAX_NESTING: usize = 4_096;

/// Elements that never hold content.
const VOID: &[&str] = &[
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input",
    "keygen", "link", "meta", "param", "source", "track", "wbr",
];
/// Elements whose end tag may be left out: a new one closes an open one of the same name, so a
/// page of unclosed `<p>`s or `<li>`s is not mistaken for a deep one.
const OPTIONAL_END: &[&str] = &[
    "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "rb", "rt", "rp", "rtc",
    "colgroup", "caption", "thead", "tbody", "tfoot", "html", "head", "body",
];
/// Elements whose content is text up to their end tag.
const RAW_TEXT: &[&str] = &[
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript",
];

/// How far down the open elements an end tag (or an implied one) is matched: misnesting in real
/// pages is shallow, and a bounded search keeps the scan linear.
const MATCH_WINDOW: usize = 32;

/// An estimate of how deep the elements of `html` nest, stopping once it passes `limit`: one
/// linear pass over the tags, before the (quadratic on deep input) tree builder sees them.
///
/// It models the tree builder loosely: an end tag closes the nearest open element of its name
/// (within [`MATCH_WINDOW`]), a stray one closes nothing (`<div></x>` repeated nests the `<div>`s
/// all the same); `<p>`, `<li>`, `<td>`… close an open one of their own name, as their
/// optional end tags imply.
pub fn nesting_depth(html: &str, limit: usize) -> usize {
    let b = html.as_bytes();
    let (mut i, mut max) = (0usize, 0usize);
    let mut open: Vec<&[u8]> = Vec::new();
    let find = |from: usize, needle: &[u8]| -> Option<usize> {
        b.get(from..)?
            .windows(needle.len())
            .position(|w| w.eq_ignore_ascii_case(needle))
            .map(|p| from + p)
    };
    let close = |open: &mut Vec<&[u8]>, name: &[u8]| {
        if let Some(pos) = open
            .iter()
            .rev()
            .take(MATCH_WINDOW)
            .position(|n| n.eq_ignore_ascii_case(name))
        {
            open.truncate(open.len() - 1 - pos);
        }
    };
    while let Some(lt) = b.get(i..).and_then(|r| r.iter().position(|&c| c == b'<')) {
        i += lt + 1;
        match b.get(i) {
            Some(b'!') if b[i..].starts_with(b"!--") => {
                i = find(i + 3, b"-->").map_or(b.len(), |e| e + 3);
            }
            Some(b'!' | b'?') => i = find(i, b">").map_or(b.len(), |e| e + 1),
            Some(b'/') => close(&mut open, tag_name(&b[i + 1..])),
            Some(c) if c.is_ascii_alphabetic() => {
                let start = i;
                let name = tag_name(&b[start..]);
                i += name.len();
                // The end of the tag, past quoted attribute values that may hold `>`.
                let mut quote = None;
                while let Some(&c) = b.get(i) {
                    match (quote, c) {
                        (None, b'"' | b'\'') => quote = Some(c),
                        (Some(q), c) if c == q => quote = None,
                        (None, b'>') => break,
                        _ => {}
                    }
                    i += 1;
                }
                if listed(RAW_TEXT, name) {
                    let mut end = Vec::with_capacity(name.len() + 2);
                    end.extend_from_slice(b"</");
                    end.extend_from_slice(name);
                    i = find(i, &end).unwrap_or(b.len());
                } else if !listed(VOID, name) {
                    if listed(OPTIONAL_END, name) {
                        close(&mut open, name);
                    }
                    open.push(name);
                    max = max.max(open.len());
                    if max > limit {
                        return max;
                    }
                }
            }
            _ => {}
        }
    }
    max
}

fn tag_name(b: &[u8]) -> &[u8] {
    let end = b
        .iter()
        .position(|c| c.is_ascii_whitespace() || matches!(c, b'/' | b'>'))
        .unwrap_or(b.len());
    &b[..end]
}

fn listed(names: &[&str], name: &[u8]) -> bool {
    names
        .iter()
        .any(|n| n.as_bytes().eq_ignore_ascii_case(name))
}

static BRACKET_NUMBER: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"公告\s*[〔［\[]\s*([0-9０-９]{4})\s*[〕］\]]\s*第?\s*([0-9０-９一二三四五六七八九十百零〇两]+)\s*号")
        .expect("static regex")
});

/// Folds full-width ASCII (digits, Latin letters, `．`) and the ideographic space to ASCII, and the
/// traditional forms of the characters our patterns key on to simplified ones. Chinese punctuation
/// such as `，：（）` is kept: it carries meaning in descriptions.
pub fn normalise(s: &str) -> String {
    // Entities a copy left undecoded (`&ensp;` from `&amp;ensp;`) are spaces.
    let s: std::borrow::Cow<'_, str> = if s.contains('&') {
        let mut t = s.to_string();
        for e in ["&ensp;", "&emsp;", "&nbsp;", "&thinsp;", "&#12288;"] {
            t = t.replace(e, " ");
        }
        t.into()
    } else {
        s.into()
    };
    // A bracketed number (`公告〔2031〕7号`, the working mechanism's style) reads as the usual one.
    let s: std::borrow::Cow<'_, str> = if s.contains('〔') || s.contains('［') {
        BRACKET_NUMBER
            .replace_all(&s, "公告${1}年第${2}号")
            .into_owned()
            .into()
    } else {
        s
    };
    s.chars()
        // Zero-width characters inside names and numbers (U+200B–U+200D, U+2060, U+FEFF) hide
        // `商务部公告` from every pattern; they carry nothing.
        .filter(|c| !matches!(c, '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}'))
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
    fn nesting_is_estimated_without_parsing() {
        assert_eq!(
            nesting_depth("<div><p>a<p>b<br><img src='>'></div>", 100),
            2
        );
        // Unclosed inline elements close with their block; stray end tags close nothing.
        let sloppy = "<table><tr><td><font>a<tr><td><font>b</table>".repeat(5_000);
        assert!(nesting_depth(&sloppy, 4_096) < 10);
        let stray = "<div></x>".repeat(5_000);
        assert!(nesting_depth(&stray, 4_096) > 4_096);
        assert_eq!(
            nesting_depth("<ul><li>a<li>b</ul><div><div></div></div>", 100),
            2
        );
        // Tags inside comments and scripts are not tags.
        let script = "<script>for(;;)'<div><div><div>'</script><!-- <div><div> -->";
        assert_eq!(nesting_depth(script, 100), 0);
        let deep = "<div>".repeat(10_000);
        assert_eq!(nesting_depth(&deep, 4_096), 4_097);
        let deep = "<div/>".repeat(10_000);
        assert!(nesting_depth(&deep, 4_096) > 4_096);
    }

    #[test]
    fn the_text_walk_does_not_recurse() {
        // Beyond what a recursive walk survives on a 2 MB thread stack.
        // `<b>` nests without the tree builder's quadratic scope checks, so 200,000 levels parse
        // quickly; the walk must still get through them.
        let deep = format!("<body>{}稀土", "<b>".repeat(200_000));
        let lines = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || document_lines(&Html::parse_document(&deep)))
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(lines, vec!["稀土"]);
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
