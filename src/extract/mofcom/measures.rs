//! Control measures stated in the text (catch-all licensing, value thresholds, end-user and
//! destination bans), told apart from lead-ins, procedure and penalties.

use super::*;

/// Words that make a clause a control measure: licensing, bans, refusals, case-by-case review,
/// value thresholds.
pub(super) static MEASURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"许可|不得出口|禁止|不予|逐案|审查|审批|价值比例|[0-9.]+\s*[%％]|报关单[^，。；]*(?:注明|填报|申报)")
        .unwrap()
});
/// Licensing procedure, penalties and definitions, which restate the law or explain words rather
/// than add a control: how to apply and where, the documents to submit, the ministry's review and
/// decision, issuing and collecting the licence (patterns.md 25)…
pub(super) static PROCEDURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"办理[^，。；]*许可手续|行政处罚|刑事责任|提出申请|申请表|提交(?:下列|以下|相关)[^，。；]*(?:文件|材料)|进行审查|作出准予或者不予许可的决定|准予或者不予许可|颁发[^，。；]*许可证件?|申领[^，。；]*许可证件?|所称[^，。；]*是指",
    )
    .unwrap()
});
/// A definition (`本公告所称……是指……`) is never a control of its own.
static DEFINITION: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"所称[^，。；]*是指").unwrap());
/// What makes a line under an item lead-in a condition rather than an item: a value share, a
/// user, a refusal, a place of manufacture. (A purity in `%` is still an item.)
pub(super) static NOT_AN_ITEM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"价值比例|知道或者应当知道|最终用户|军事用户|不予|逐案|境外制造").unwrap()
});
/// A clause that introduces items listed below it (`满足以下特性的物项，未经许可，不得出口：`,
/// `对下列物项实施出口管制：`): what follows are items, not measures (patterns.md 18).
pub(super) static ITEMS_LEAD_IN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:以下|下列)[^，。；：]{0,12}物项[，,]?\s*(?:未经许可[，,]?\s*不得出口|实施出口管制)[^。；]*(?:[：:]|如下)\s*$",
    )
    .unwrap()
});
/// …unless the clause also says something substantive: a refusal, a review, a ban, a threshold,
/// a catch-all, a user or place.
pub(super) static SUBSTANTIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"不予|逐案|禁止|不得出口|价值比例|[%％]|知道或者应当知道|最终用户|军事|境外")
        .unwrap()
});
pub(super) static LIST_LEAD_IN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:以下|附件[^，。；]{0,12}所列)物项").unwrap());
/// What makes a clause that names listed items more than their lead-in: who, where, how much.
pub(super) static BEYOND_THE_LIST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"不予|逐案|价值比例|[%％]|知道或者应当知道|最终用户|军事|境外|向[^，。；]{1,12}出口",
    )
    .unwrap()
});
/// Whether a clause's text states a control measure of its own.
pub(super) fn is_measure(text: &str) -> bool {
    let is_relation = relation_kind(text).is_some() || text.contains("同步予以更新");
    if DEFINITION.is_match(text) {
        return false;
    }
    // Procedure words themselves ("作出准予或者不予许可的决定") say nothing substantive: look for a
    // refusal, a ban or a threshold in what remains.
    let procedural =
        PROCEDURE.is_match(text) && !SUBSTANTIVE.is_match(&PROCEDURE.replace_all(text, ""));
    // "对附件1所列物项实施出口管制，未经许可，不得出口" introduces the list; the list is the control.
    let lead_in = LIST_LEAD_IN.is_match(text) && !BEYOND_THE_LIST.is_match(text);
    !is_relation && !procedural && !lead_in && MEASURE.is_match(text)
}

/// A numbered clause of the body (`二、…` or `（一）…`), for [`measures`].
pub(super) struct Clause {
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
pub(super) fn measures(lines: &[String], key: &str) -> Vec<ControlEntry> {
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
            let mut under_lead_in = false;
            if let Some(parent) = clauses.iter_mut().rev().find(|c| c.sub.is_none()) {
                parent.has_subs = true;
                under_lead_in = ITEMS_LEAD_IN.is_match(&parent.text);
            }
            clauses.push(Clause {
                section,
                sub: parse_number(&c[1]),
                text: line[c.get(0).unwrap().end()..].trim().to_string(),
                // Under a lead-in, or carrying customs codes: an item, not a measure — unless it
                // states more than what the item is (a value share, a user, a place).
                lists_items: (under_lead_in
                    && !NOT_AN_ITEM.is_match(&line[c.get(0).unwrap().end()..]))
                    || !customs_codes(line).is_empty(),
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
            removal: false,
        });
    }
    out
}
