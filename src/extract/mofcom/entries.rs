//! Listed items: control codes leading or trailing an item, customs codes, lettered sub-items,
//! and the 2023-era positional entries without codes.

use super::*;

pub(super) static CUSTOMS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"参考\s*(?:海关)?(?:商品)?(?:编号|编码|税则号列|税号)\s*[：:]?\s*([0-9\s、，,；;—\-]*)",
    )
    .unwrap()
});
pub(super) static CODE_NOTE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[（(]\s*管制编码\s*[：:]\s*([^）)]*)[）)]").unwrap());
/// `1.` before an item's text (`1.能量密度…`), which the description does not need.
pub(super) static LEADING_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d{1,2}\s*[.．、]\s*").unwrap());
pub(super) static SECTION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([一二三四五六七八九十]+)\s*、").unwrap());
pub(super) static SUBSECTION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[（(]\s*([一二三四五六七八九十]+)\s*[)）]").unwrap());
pub(super) static ITEM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d{1,2})\s*[.．、]\s*(\S.*)$").unwrap());
/// `（1）钐金属`: a sub-item numbered in brackets.
pub(super) static PAREN_ITEM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[（(]\s*(\d{1,2})\s*[)）]\s*(\S.*)$").unwrap());
pub(super) static LETTER_ITEM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([a-z])\s*[.．、]\s*(\S.*)$").unwrap());
/// A control code at the start of `s`, allowing the stray spaces real copies contain
/// (`3B90 1.a`): returns the normalised code and the number of bytes consumed.
pub(super) fn code_at(s: &str) -> Option<(String, usize)> {
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

pub(super) fn item_type_for_code(code: &str) -> ItemType {
    match code.as_bytes().get(1) {
        Some(b'A') => ItemType::Goods,
        Some(b'B') => ItemType::Equipment,
        Some(b'C') => ItemType::Material,
        Some(b'D') => ItemType::Software,
        _ => ItemType::Technology,
    }
}

pub(super) fn item_type_for_text(desc: &str) -> ItemType {
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
pub(super) fn customs_codes(line: &str) -> Vec<String> {
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
pub(super) fn clean_description(s: &str) -> String {
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

pub(super) fn push_hs(entry: &mut ControlEntry, codes: Vec<String>) {
    for c in codes {
        if !entry.hs_codes.contains(&c) {
            entry.hs_codes.push(c);
        }
    }
}

/// Entries of announcements from 2025 on, where every item carries a control code, leading the
/// item (`1E902.a 稀土…技术`) or trailing it (`…（管制编码：1E902.a）`), or in a table cell.
pub(super) fn coded_entries(lines: &[String], doubts: &mut Vec<Doubt>) -> Vec<ControlEntry> {
    let mut out: Vec<ControlEntry> = Vec::new();
    let mut current: Option<usize> = None;
    // Entries whose line ends in a lead-in (`……，包括：`, `如下`): their numbered sub-items follow.
    let mut lead_ins: Vec<String> = Vec::new();
    // Entries that have sub-items appended, by code.
    let mut with_subs: std::collections::HashSet<String> = std::collections::HashSet::new();
    // Codes that share an item with the code before them, to be put right after it.
    let mut follow: Vec<(String, Vec<String>)> = Vec::new();
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
            with_subs.insert(parent.clone());
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
                // Several codes on one item (`1E004、1E101.b．……`): each is an entry with the
                // item's description (patterns.md 20).
                let (more, description) = further_codes(&description);
                if !more.is_empty() {
                    follow.push((code.clone(), more.clone()));
                }
                for extra in more {
                    if !out.iter().any(|e| e.code == extra) {
                        let mut e = ControlEntry {
                            regime: REGIME.to_string(),
                            item_type: item_type_for_code(&extra),
                            code: extra,
                            description: description.clone(),
                            hs_codes: Vec::new(),
                            clause: clause.clone(),
                            removal: false,
                        };
                        push_hs(&mut e, cell_hs.clone());
                        push_hs(&mut e, customs_codes(line));
                        out.push(e);
                    }
                }
                let mut entry = ControlEntry {
                    regime: REGIME.to_string(),
                    item_type: item_type_for_code(&code),
                    code,
                    description,
                    hs_codes: Vec::new(),
                    clause: clause.clone(),
                    removal: false,
                };
                push_hs(&mut entry, cell_hs);
                push_hs(&mut entry, customs_codes(line));
                if entry.description.is_empty() && !out.iter().any(|e| e.code == entry.code) {
                    out.push(entry);
                    current = Some(out.len() - 1);
                    awaiting = current;
                    continue;
                }
                let raw = CUSTOMS.replace(line.trim(), "");
                let raw =
                    raw.trim_end_matches(|c: char| c.is_whitespace() || "（(）)。".contains(c));
                if raw.ends_with('：')
                    || raw.ends_with(':')
                    || raw.ends_with("如下")
                    || raw.ends_with("包括")
                {
                    lead_ins.push(entry.code.clone());
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
                    // `1.钐金属（参考海关商品编号：…）` under a coded item: a sub-item. It stays
                    // with its entry — in the description, with its own customs codes beside it
                    // — so that a search for what it names finds the entry.
                    if let Some(c) = ITEM.captures(line).or_else(|| PAREN_ITEM.captures(line)) {
                        let text = clean_description(&c[2]);
                        if !text.is_empty() {
                            let hs = customs_codes(line);
                            let sub = if hs.is_empty() {
                                format!("{}.{text}", &c[1])
                            } else {
                                format!("{}.{text}（{}）", &c[1], hs.join("、"))
                            };
                            let e = &mut out[i];
                            e.description.push(if with_subs.insert(e.code.clone()) {
                                '：'
                            } else {
                                '；'
                            });
                            e.description.push_str(&sub);
                        }
                    }
                    push_hs(&mut out[i], customs_codes(line));
                    push_hs(&mut out[i], hs_only(line).unwrap_or_default());
                }
            }
        }
    }
    for (main, extras) in follow {
        let moved: Vec<ControlEntry> = extras
            .iter()
            .filter_map(|x| {
                let i = out.iter().position(|e| &e.code == x)?;
                Some(out.remove(i))
            })
            .collect();
        let at = out
            .iter()
            .position(|e| e.code == main)
            .map_or(out.len(), |i| i + 1);
        out.splice(at..at, moved);
    }
    for code in lead_ins {
        if !with_subs.contains(&code) && out.iter().any(|e| e.code == code) {
            doubts.push(Doubt::new(
                "lead-in-without-sub-items",
                format!("{code}: its description introduces sub-items (ends in a lead-in), but none were read"),
            ));
        }
    }
    out.retain(|e| !e.description.is_empty());
    // `1C902 钐相关物项` heads the group `1C902.a`…`.c`: a heading, not an item of its own.
    let codes: Vec<String> = out.iter().map(|e| format!("{}.", e.code)).collect();
    out.retain(|e| !e.hs_codes.is_empty() || !out_has_child(&codes, &e.code));
    out
}

/// `【保留】`: a reserved slot, not a control.
pub(super) fn is_reserved(description: &str) -> bool {
    description.contains("保留") && description.chars().count() <= 6
}

/// A line that is nothing but customs codes (a table cell flattened onto its own line).
pub(super) fn hs_only(line: &str) -> Option<Vec<String>> {
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

pub(super) fn out_has_child(prefixes: &[String], code: &str) -> bool {
    let own = format!("{code}.");
    prefixes
        .iter()
        .any(|p| p.len() > own.len() && p.starts_with(&own))
}

/// A line led by a control code: `1E902.a 稀土…技术`, or a table row whose first (or, after a
/// serial number, second) cell is the code. Returns the code, the description and any customs
/// codes standing alone in table cells.
pub(super) fn leading_code(line: &str) -> Option<(String, String, Vec<String>)> {
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

pub(super) fn trailing_code(line: &str) -> Option<(String, String)> {
    let caps = CODE_NOTE.captures(line)?;
    let (code, _) = code_at(caps[1].trim())?;
    let stripped = ENUMERATOR.replace(line, "");
    let stripped = LEADING_NUMBER.replace(&stripped, "");
    let description = clean_description(&stripped);
    (!description.is_empty()).then_some((code, description))
}

/// Entries of 2023–2024 announcements, which have no control codes: items numbered `1.` inside
/// `（一）…物项` groups of the `一、` sections, keyed by the announcement and their position.
pub(super) fn positional_entries(lines: &[String], key: &str) -> Vec<ControlEntry> {
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
                    removal: false,
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

/// Items under a lead-in (`一、满足以下特性的物项，未经许可，不得出口：` then `（一）……（参考海关商品编号：……）`),
/// for announcements without control codes: each `（N）` line is an item keyed by its clause
/// (`KEY#1.2`), with its customs codes (patterns.md 18). A `（N）` line with numbered items under
/// it is a group heading, read by [`positional_entries`] instead.
pub(super) fn lead_in_items(lines: &[String], key: &str) -> Vec<ControlEntry> {
    let mut out: Vec<ControlEntry> = Vec::new();
    let mut section = 0u32;
    let mut in_lead_in = false;
    let mut last: Option<(usize, bool)> = None; // (index in out, has numbered items under it)
    for line in lines {
        if let Some(c) = SECTION.captures(line) {
            section = parse_number(&c[1]).unwrap_or(section);
            in_lead_in = ITEMS_LEAD_IN.is_match(line);
            last = None;
            continue;
        }
        if !in_lead_in {
            continue;
        }
        if let Some(c) = SUBSECTION.captures(line) {
            let sub = parse_number(&c[1]).unwrap_or(0);
            let text = clean_description(&line[c.get(0).unwrap().end()..]);
            if text.is_empty() || NOT_AN_ITEM.is_match(&text) {
                last = None;
                continue;
            }
            let mut entry = ControlEntry {
                regime: REGIME.to_string(),
                code: format!("{key}#{section}.{sub}"),
                item_type: item_type_for_text(&text),
                description: text,
                hs_codes: Vec::new(),
                clause: Some(format!("{section}.{sub}")),
                removal: false,
            };
            push_hs(&mut entry, customs_codes(line));
            out.push(entry);
            last = Some((out.len() - 1, false));
            continue;
        }
        if ITEM.is_match(line) {
            if let Some((i, _)) = last {
                last = Some((i, true));
            }
            continue;
        }
        if let Some((i, _)) = last {
            push_hs(&mut out[i], customs_codes(line));
        }
    }
    // Headings of numbered groups are not items.
    let groups: Vec<String> = lines
        .iter()
        .zip(lines.iter().skip(1))
        .filter(|(a, b)| SUBSECTION.is_match(a) && ITEM.is_match(b))
        .filter_map(|(a, _)| SUBSECTION.captures(a).and_then(|c| parse_number(&c[1])))
        .map(|n| format!(".{n}"))
        .collect();
    out.retain(|e| {
        !groups
            .iter()
            .any(|g| e.code.ends_with(g.as_str()) && e.hs_codes.is_empty())
    });
    out
}

/// Codes that follow the first on one item (`、1E101.b．示例技术`), and the description after them.
fn further_codes(description: &str) -> (Vec<String>, String) {
    let mut codes = Vec::new();
    let mut rest = description;
    loop {
        let t = rest.trim_start_matches(|c: char| "、，,和及 ".contains(c));
        match code_at(t) {
            Some((code, used)) if t.len() > used || codes.is_empty() => {
                codes.push(code);
                rest = &t[used..];
            }
            _ => break,
        }
    }
    if codes.is_empty() {
        return (codes, description.to_string());
    }
    (codes, clean_description(rest))
}
