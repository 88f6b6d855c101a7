//! How an announcement acts on others: suspends, resumes, repeals, supersedes, amends — with
//! the dates and clauses the operative sentences give.

use super::*;

/// The announcement that published the unified dual-use list (MOFCOM/MIIT/GAC/SCA No. 51 of 2024):
/// "the list is updated accordingly" amends it.
pub(super) const UNIFIED_LIST: &str = "MOFCOM-2024-51";

/// A cited announcement: optional authorities, `公告2025年第55号`, then `、56号、第57号` continuations
/// and an optional clause (`第二款`).
pub(super) static CITED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"公告\s*(\d{4})\s*年\s*第\s*([0-9一二三四五六七八九十百零〇两]+)\s*号?((?:\s*[、，,和及与]\s*(?:第\s*)?[0-9一二三四五六七八九十百零〇两]+\s*号)*)(第[一二三四五六七八九十0-9]+[条款项](?:第[（(]?[一二三四五六七八九十0-9]+[)）]?[项款])?)?",
    )
    .unwrap()
});
pub(super) static CONTINUATION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"([0-9一二三四五六七八九十百零〇两]+)\s*号").unwrap());
pub(super) static OWN_START: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"自\s*本公告\s*(?:施行|实施|生效)之日起").unwrap());
pub(super) static UNTIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"至\s*(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)").unwrap());
pub(super) static FROM_DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"自\s*(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*起").unwrap());
pub(super) fn relations(
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

pub(super) fn relation_kind(sentence: &str) -> Option<RelationKind> {
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
pub(super) fn lead_authority_before(sentence: &str, at: usize) -> String {
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
