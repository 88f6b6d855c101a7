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

fn party(regime: &str, zh: &str, en: Option<&str>, parent: Option<&str>) -> ControlEntry {
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
    }
}

/// The list a listing announcement puts parties on, and the count it states.
pub(super) fn listing(lines: &[String]) -> Option<(&'static str, Option<u32>, String)> {
    let text = lines.join("\n");
    let c = LISTING.captures(&text)?;
    let who = c[1].to_string();
    let count = COUNT.captures(&who).and_then(|n| parse_number(&n[1]));
    Some((regime_of(&c[2]), count, who))
}

/// The parties a listing announcement lists: from its annex (`附件`/`附：` then numbered lines,
/// branches under their parent) or, for a short decision, named inline in the listing sentence.
/// The stated count is checked against what was read.
pub(super) fn parties(lines: &[String], doubts: &mut Vec<Doubt>) -> Vec<ControlEntry> {
    let Some((regime, stated, who)) = listing(lines) else {
        return Vec::new();
    };
    let mut out: Vec<ControlEntry> = Vec::new();
    let mut top = 0usize;
    let annex_at = lines.iter().position(|l| {
        let t = l.trim();
        t.starts_with("附件") || t.starts_with("附：") || t.starts_with("附:") || t == "附"
    });
    if let Some(at) = annex_at {
        let mut parent: Option<String> = None;
        for line in &lines[at + 1..] {
            if let Some(c) = PARTY_LINE.captures(line) {
                // A stray number after the last party (`29.`) is not a party.
                let Some((zh, en, branches)) = names(&c[2]) else {
                    continue;
                };
                out.push(party(regime, &zh, en.as_deref(), None));
                top += 1;
                parent = branches.then(|| zh.clone());
                continue;
            }
            if let (Some(c), Some(p)) = (BRANCH_LINE.captures(line), &parent)
                && let Some((zh, en, _)) = names(&c[1])
            {
                out.push(party(regime, &zh, en.as_deref(), Some(p)));
            }
        }
    }
    if out.is_empty() {
        // Inline: `将示例导弹公司（Example Missiles Corporation）、示例陆地系统公司（……）列入……`.
        // The names come before `等3家实体`.
        let who = match COUNT.find(&who) {
            Some(m) => &who[..m.start()],
            None => who.as_str(),
        };
        for part in who.split(['、', '和', '及']) {
            let part = part.trim().trim_start_matches("决定");
            if part.is_empty() || part.contains("实体") && !part.contains('（') {
                continue;
            }
            if let Some((zh, en, _)) = names(part) {
                out.push(party(regime, &zh, en.as_deref(), None));
                top += 1;
            }
        }
    }
    if let Some(n) = stated
        && n as usize != top
    {
        doubts.push(Doubt::new(
            "count-mismatch",
            format!("the text says {n} parties; {top} were read"),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|e| seen.insert(e.code.clone()));
    out
}
