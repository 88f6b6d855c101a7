//! Lists of parties (`../shared/facts/entities.md`): foreign companies and institutes put on the
//! export-control control list (出口管制管控名单), the watch list (关注名单) or the unreliable entity
//! list (不可靠实体清单). Each party is an entry (`item_type = entity`) of its list's regime, keyed by
//! a stable id from its normalised name, described by its names in Chinese and English; a parent's
//! branches are parties of their own.

use super::*;

/// `决定将示例航空技术公司等16家美国实体列入出口管制管控名单（见附件）`: who is listed, on which list.
/// Only a decision lists (`决定将……列入`), within one sentence: a clause about end users "列入管控名单的"
/// lists no one.
static LISTING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"决定将([^。；\n]{1,600}?)列入(?:出口管制)?(管控名单|关注名单|不可靠实体清单)")
        .unwrap()
});
/// `决定将示例公司等3家实体移出关注名单`, `决定将……从不可靠实体清单中移出`: who is taken off which list.
static REMOVAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"决定(?:将|把)([^。；\n]{1,600}?)(?:从(?:出口管制)?(管控名单|关注名单|不可靠实体清单)中?移(?:出|除)|移(?:出|除)(?:出口管制)?(管控名单|关注名单|不可靠实体清单))",
    )
    .unwrap()
});
/// `（见附件）`, `见附件2`: the annex a decision's parties are in.
static ANNEX_REF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"见附件\s*([0-9一二三四五六七八九十]*)").unwrap());
/// The stated count: `等16家`, `等十六家`.
static COUNT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"等\s*([0-9一二三四五六七八九十百两]+)\s*家").unwrap());
/// `1. 示例航空技术公司（Example Aero Technologies, Inc.）`, also without a space after the number.
static PARTY_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(\d{1,3})\s*[.．、]\s*(.*)$").unwrap());
/// `-Example Insights Europe Limited` under a parent `……及其分支机构`.
static BRANCH_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*[-－—–]\s*(\S.*)$").unwrap());
/// A name with its English in brackets of either width.
static NAMED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(.*?)\s*[（(]\s*([^（）()]*[A-Za-z][^（）()]*)\s*[)）]\s*(及其分支机构)?\s*[。；;，,]?$",
    )
    .unwrap()
});

/// The regime of a list, by its name in the text.
fn regime_of(list: &str) -> &'static str {
    match list {
        "关注名单" => "cn-watch-list",
        "不可靠实体清单" => "cn-unreliable-entity",
        _ => "cn-control-list",
    }
}

/// A party's stable id: its English name, or else its Chinese one, without case, punctuation,
/// spaces or legal-form suffixes — the same company listed twice is one party.
pub fn party_id(zh: &str, en: Option<&str>) -> String {
    let base = match en.filter(|e| !e.trim().is_empty()) {
        Some(en) => crate::model::normal_name(en),
        None => crate::model::normal_name(zh),
    };
    base.replace(' ', "-").to_uppercase()
}

/// One party's names from its line: `中文（English）` or either alone; and whether branches follow.
fn names(text: &str) -> Option<(String, Option<String>, bool)> {
    let text = text.trim().trim_end_matches(['。', '；', ';', '，', ',']);
    if text.is_empty() {
        return None;
    }
    if let Some(c) = NAMED.captures(text) {
        let zh = c[1].trim().to_string();
        let en = c[2].trim().to_string();
        let zh = if zh.is_empty() { en.clone() } else { zh };
        return Some((zh, Some(en), c.get(3).is_some()));
    }
    let branches = text.ends_with("及其分支机构");
    let name = text.trim_end_matches("及其分支机构").trim().to_string();
    // A name written in Latin letters is its English name.
    let en = name
        .chars()
        .all(|c| c.is_ascii() || c.is_whitespace())
        .then(|| name.clone());
    Some((name, en, branches))
}

fn party(
    regime: &str,
    zh: &str,
    en: Option<&str>,
    parent: Option<&str>,
    removal: bool,
) -> ControlEntry {
    let mut description = match en {
        Some(en) if en != zh => format!("{zh}（{en}）"),
        _ => zh.to_string(),
    };
    if let Some(p) = parent {
        description.push_str(&format!("，{p}的分支机构"));
    }
    ControlEntry {
        regime: regime.to_string(),
        code: party_id(zh, en),
        description,
        item_type: ItemType::Entity,
        hs_codes: Vec::new(),
        clause: None,
        removal,
    }
}

/// One decision about parties: the list, whether it takes them off (`移出`), the stated count,
/// the words naming them, and the annex it refers to (`见附件2` → 2, `见附件` → 0).
struct Decision {
    regime: &'static str,
    removal: bool,
    stated: Option<u32>,
    who: String,
    annex: Option<u32>,
}

/// The decisions about parties in a text, in order: listings and removals.
fn decisions(text: &str) -> Vec<Decision> {
    let mut found: Vec<(usize, Decision)> = Vec::new();
    let annex_of = |rest: &str| {
        let sentence = rest.split(['。', '；', '\n']).next().unwrap_or("");
        ANNEX_REF
            .captures(sentence)
            .map(|c| c.get(1).and_then(|n| parse_number(n.as_str())).unwrap_or(0))
    };
    // The words of one decision only: a match that starts at an earlier `决定将` runs over it.
    let last_decision = |who: &str| -> String {
        let cut = ["决定将", "决定把"]
            .iter()
            .filter_map(|d| who.rfind(d).map(|i| i + d.len()))
            .max()
            .unwrap_or(0);
        who[cut..].to_string()
    };
    for c in LISTING.captures_iter(text) {
        let m = c.get(0).unwrap();
        let who = last_decision(&c[1]);
        found.push((
            m.start(),
            Decision {
                regime: regime_of(&c[2]),
                removal: false,
                stated: COUNT.captures(&who).and_then(|n| parse_number(&n[1])),
                who,
                annex: annex_of(&text[m.end()..]),
            },
        ));
    }
    for c in REMOVAL.captures_iter(text) {
        let m = c.get(0).unwrap();
        let list = c.get(2).or(c.get(3)).map_or("", |l| l.as_str());
        let who = last_decision(c[1].trim_end_matches('从'));
        found.push((
            m.start(),
            Decision {
                regime: regime_of(list),
                removal: true,
                stated: COUNT.captures(&who).and_then(|n| parse_number(&n[1])),
                annex: annex_of(&text[m.end()..]).or_else(|| annex_of(&who)),
                who,
            },
        ));
    }
    found.sort_by_key(|(at, _)| *at);
    found.into_iter().map(|(_, d)| d).collect()
}

/// The annexes of a text: (number, lines after the annex's heading) — `附件`/`附：` alone is
/// number 0; `附件2` starts annex 2.
fn annexes(lines: &[String]) -> Vec<(u32, &[String])> {
    let starts: Vec<(usize, u32)> = lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| {
            let t = l.trim();
            let head =
                t.starts_with("附件") || t.starts_with("附：") || t.starts_with("附:") || t == "附";
            // A sentence citing an annex (`……见附件。`) is not its heading.
            (head && !t.contains('。')).then(|| {
                let n: String = t
                    .trim_start_matches("附件")
                    .chars()
                    .take_while(|c| c.is_ascii_digit() || "一二三四五六七八九十".contains(*c))
                    .collect();
                (i, parse_number(&n).unwrap_or(0))
            })
        })
        .collect();
    starts
        .iter()
        .enumerate()
        .map(|(k, (i, n))| {
            let end = starts.get(k + 1).map_or(lines.len(), |(j, _)| *j);
            (*n, &lines[i + 1..end])
        })
        .collect()
}

/// The parties of an annex: numbered lines, branches under their parent. Returns the parties and
/// how many numbered (top-level) parties there were.
fn annex_parties(
    lines: &[String],
    regime: &str,
    removal: bool,
    out: &mut Vec<ControlEntry>,
) -> usize {
    let mut top = 0;
    let mut parent: Option<String> = None;
    for line in lines {
        if let Some(c) = PARTY_LINE.captures(line) {
            // A stray number after the last party (`29.`) is not a party.
            let Some((zh, en, branches)) = names(&c[2]) else {
                continue;
            };
            out.push(party(regime, &zh, en.as_deref(), None, removal));
            top += 1;
            // A branch names its parent as listed, both names.
            parent = branches.then(|| match &en {
                Some(en) if *en != zh => format!("{zh}（{en}）"),
                _ => zh.clone(),
            });
            continue;
        }
        if let (Some(c), Some(p)) = (BRANCH_LINE.captures(line), &parent)
            && let Some((zh, en, _)) = names(&c[1])
        {
            out.push(party(regime, &zh, en.as_deref(), Some(p), removal));
        }
    }
    top
}

/// The parties named inline: `将示例导弹公司（Example Missiles Corporation）、示例陆地系统公司（……）
/// 等3家实体`. The names come before `等3家实体`; a collective (`上述实体`) names no one.
fn inline_parties(who: &str, regime: &str, removal: bool, out: &mut Vec<ControlEntry>) -> usize {
    let who = match COUNT.find(who) {
        Some(m) => &who[..m.start()],
        None => who,
    };
    let mut top = 0;
    for part in split_names(who) {
        let part = part
            .trim()
            .trim_start_matches("决定")
            .trim_end_matches('从');
        if part.is_empty()
            || (part.contains("实体") || part.contains("企业") || part.contains("上述"))
                && !part.contains('（')
                && !part.contains('(')
        {
            continue;
        }
        if let Some((zh, en, _)) = names(part) {
            out.push(party(regime, &zh, en.as_deref(), None, removal));
            top += 1;
        }
    }
    top
}

/// Splits a run of names at `、`, `和` and `及` outside brackets (an English name may say `and`,
/// a Chinese one contain 和).
fn split_names(who: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in who.char_indices() {
        match c {
            '（' | '(' => depth += 1,
            '）' | ')' => depth -= 1,
            '、' | '和' | '及' if depth <= 0 => {
                // `及其分支机构` belongs to the name before it.
                if c == '及' && who[i..].starts_with("及其分支机构") {
                    continue;
                }
                out.push(&who[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    out.push(&who[start..]);
    out
}

/// The parties an announcement lists or removes: from an annex (`附件`/`附：` then numbered
/// lines, branches under their parent) or, for a short decision, named inline in the decision.
/// Each stated count is checked against what was read.
pub(super) fn parties(lines: &[String], doubts: &mut Vec<Doubt>) -> Vec<ControlEntry> {
    let text = lines.join("\n");
    let decisions = decisions(&text);
    let annexes = annexes(lines);
    let mut out: Vec<ControlEntry> = Vec::new();
    let single = decisions.len() == 1;
    for d in &decisions {
        let mut found = Vec::new();
        // The annex the decision refers to; one decision alone takes the annex it has.
        let annex = match d.annex {
            Some(0) | None if single => annexes.first(),
            Some(0) => annexes.first(),
            Some(n) => annexes.iter().find(|(k, _)| *k == n),
            None => None,
        };
        let mut top = annex.map_or(0, |(_, lines)| {
            annex_parties(lines, d.regime, d.removal, &mut found)
        });
        if found.is_empty() {
            top = inline_parties(&d.who, d.regime, d.removal, &mut found);
        }
        if let Some(n) = d.stated
            && n as usize != top
        {
            doubts.push(Doubt::new(
                "count-mismatch",
                format!(
                    "the text says {n} parties are {}; {top} were read",
                    if d.removal { "removed" } else { "listed" }
                ),
            ));
        }
        out.extend(found);
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|e| seen.insert((e.regime.clone(), e.code.clone())));
    out
}
