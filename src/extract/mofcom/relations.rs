//! How an announcement acts on others: suspends, resumes, repeals, supersedes, amends — with
//! the dates and clauses the operative sentences give.

use super::*;

/// The announcement that published the unified dual-use list (MOFCOM/MIIT/GAC/SCA No. 51 of 2024):
/// "the list is updated accordingly" amends it.
pub(super) const UNIFIED_LIST: &str = "MOFCOM-2024-51";

/// A cited announcement: optional authorities, `公告2025年第55号`, then `、56号、第57号` continuations,
/// an optional quoted title (`（「关于……的公告」）`) and an optional clause (`第二款`).
pub(super) static CITED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"公告\s*(\d{4})\s*年\s*第\s*([0-9一二三四五六七八九十百零〇两]+)\s*号?((?:\s*[、，,和及与]\s*(?:第\s*)?[0-9一二三四五六七八九十百零〇两]+\s*号)*)(?:\s*[（(]\s*[「『“"《][^」』”"》]{0,80}[」』”"》]\s*[)）])?\s*(第[一二三四五六七八九十0-9]+[条款项](?:第[（(]?[一二三四五六七八九十0-9]+[)）]?[项款])?)?"#,
    )
    .unwrap()
});
pub(super) static CONTINUATION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"([0-9一二三四五六七八九十百零〇两]+)\s*号").unwrap());
pub(super) static OWN_START: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"自\s*本公告\s*(?:施行|实施|生效)之日起").unwrap());
pub(super) static UNTIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"至\s*(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)").unwrap());
/// `自2031年4月10日起`, or with a time of day: `自2031年4月10日12时01分起` (Beijing time).
pub(super) static FROM_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"自\s*(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*(?:(\d{1,2})\s*[时点:：]\s*(?:(\d{1,2})\s*分?)?)?\s*起",
    )
    .unwrap()
});
/// A period instead of an end date: `暂停……90天`, `继续暂停1年`, `暂停实施六个月`.
static DURATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"([0-9一二三四五六七八九十百两]+)\s*(天|日|个月|月|年)(?:\s*[，。,；]|$|之内|内|期间)",
    )
    .unwrap()
});
/// A bare bracketed number (`〔2031〕7号`, `〔2031〕5号和6号`) in the working mechanism's decisions,
/// which cite their own series so (`4月4日公告（……〔2031〕7号）`, patterns.md 13, 16).
static BARE_BRACKET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[〔［\[]\s*(\d{4})\s*[〕］\]]\s*第?\s*([0-9一二三四五六七八九十百零〇两]+)\s*号((?:\s*[、和及与]\s*[0-9一二三四五六七八九十百零〇两]+\s*号)*)")
        .unwrap()
});

/// The document number an announcement gives itself, to know a restated title when it is seen.
static OWN_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"公告\s*(\d{4})\s*年\s*第\s*([0-9一二三四五六七八九十百零〇两]+)\s*号").unwrap()
});

/// A date written with a time of day: the list changes on the next day for anyone reading at
/// midnight, so that is the date the list uses (a doubt says so).
pub(super) fn date_and_time(c: &regex::Captures<'_>, doubts: &mut Vec<Doubt>) -> Option<NaiveDate> {
    let date = parse_date(&c[1])?;
    let hour: u32 = c.get(2).and_then(|m| m.as_str().parse().ok()).unwrap_or(0);
    let minute: u32 = c.get(3).and_then(|m| m.as_str().parse().ok()).unwrap_or(0);
    if hour == 0 && minute == 0 {
        return Some(date);
    }
    let next = date.succ_opt()?;
    let d = Doubt::new(
        "time-of-day",
        format!(
            "applies from {hour:02}:{minute:02} Beijing time on {date}; the list shows it from {next}, the first whole day"
        ),
    );
    if !doubts.contains(&d) {
        doubts.push(d);
    }
    Some(next)
}

/// The last day of a period of `n` units starting on `from` (inclusive): 90 days from 2031-11-10
/// end on 2032-02-07; a year from 2031-11-10 ends on 2032-11-09.
fn period_end(from: NaiveDate, n: u32, unit: &str) -> Option<NaiveDate> {
    use chrono::Months;
    let after = match unit {
        "天" | "日" => from.checked_add_days(chrono::Days::new(u64::from(n)))?,
        "个月" | "月" => from.checked_add_months(Months::new(n))?,
        "年" => from.checked_add_months(Months::new(n.checked_mul(12)?))?,
        _ => return None,
    };
    after.pred_opt()
}

/// Whether a sentence is the announcement's own title restated in its body (it names this
/// announcement's number): it names the targets but carries no dates, and is not a relation.
fn is_own_title(sentence: &str, own_key: &str) -> bool {
    let Some((_, year, number)) = crate::model::parse_key(own_key) else {
        return false;
    };
    OWN_NUMBER
        .captures_iter(sentence)
        .any(|c| c[1].parse::<i32>().ok() == Some(year) && parse_number(&c[2]) == Some(number))
}

/// The relations an announcement states, and what is doubtful about them. Only operative
/// sentences count: the title restated in the body names the same targets without dates and is
/// not a second relation. Where two readings of one relation disagree, the dated one (the
/// operative sentence) wins and the disagreement is a doubt.
pub(super) fn relations(
    text: &str,
    issued: Option<NaiveDate>,
    effective: &[Effective],
    own_key: &str,
) -> (Vec<Relation>, Vec<Doubt>) {
    // "自本公告施行之日起废止": from the day this announcement (as a whole) takes effect.
    let own_start = effective
        .iter()
        .filter(|e| e.scope.is_none())
        .map(|e| e.date)
        .min()
        .or(issued);
    let mut out: Vec<Relation> = Vec::new();
    let mut doubts: Vec<Doubt> = Vec::new();
    for sentence in sentences(text) {
        if sentence.contains("清单")
            && (sentence.contains("同步予以更新") || sentence.contains("同步更新"))
        {
            if own_key != UNIFIED_LIST {
                let r = Relation {
                    kind: RelationKind::Amends,
                    target: UNIFIED_LIST.to_string(),
                    from: None,
                    until: None,
                    scope: Some("两用物项出口管制清单".to_string()),
                };
                if !out.contains(&r) {
                    out.push(r);
                }
            }
            continue;
        }
        if relation_kind(sentence).is_none() || is_own_title(sentence, own_key) {
            continue;
        }
        let from = if sentence.contains("自即日起") || EFFECTIVE_ON_ISSUE.is_match(sentence) {
            issued
        } else if OWN_START.is_match(sentence) {
            own_start
        } else {
            FROM_DATE
                .captures(sentence)
                .and_then(|c| date_and_time(&c, &mut doubts))
        };
        // `至2032年3月1日` is an end; `截至2031年11月10日` ("as of") is not.
        let until = UNTIL
            .captures_iter(sentence)
            .find(|c| !sentence[..c.get(0).unwrap().start()].ends_with('截'))
            .and_then(|c| parse_date(&c[1]));
        // Clauses, each with the kind it states (`…7号相关措施继续暂停1年，…5号和6号相关措施停止`);
        // a clause that only cites takes the kind of the next clause that states one, or the
        // sentence's (`……第27号和第28号同时废止` after `本公告自……起实施`).
        let clauses: Vec<(usize, &str)> = {
            let mut v = Vec::new();
            let mut at = 0;
            for part in sentence.split_inclusive(['，', ',']) {
                v.push((at, part));
                at += part.len();
            }
            v
        };
        let kinds: Vec<Option<RelationKind>> =
            clauses.iter().map(|(_, c)| relation_kind(c)).collect();
        let kind_at = |pos: usize| -> Option<RelationKind> {
            let i = clauses.iter().rposition(|(at, _)| *at <= pos).unwrap_or(0);
            kinds[i..]
                .iter()
                .flatten()
                .next()
                .copied()
                .or_else(|| relation_kind(sentence))
        };
        let duration_at = |pos: usize| -> Option<(u32, String, String)> {
            let i = clauses.iter().rposition(|(at, _)| *at <= pos).unwrap_or(0);
            // The clause's own period, else the sentence's.
            std::iter::once(clauses[i].1)
                .chain(std::iter::once(sentence))
                .find_map(|text| {
                    // Not the day of a date (`11月10日，`): a period follows a number that
                    // does not follow a month or a year.
                    let c = DURATION.captures_iter(text).find(|c| {
                        let before = &text[..c.get(0).unwrap().start()];
                        !before.ends_with(['月', '年'])
                            && !before.ends_with(|ch: char| ch.is_ascii_digit())
                    })?;
                    Some((
                        parse_number(&c[1])?,
                        c[2].to_string(),
                        c[0].trim_end_matches(['，', '。', ',', '；']).to_string(),
                    ))
                })
        };
        // A suspension for a period (`90天`, `1年`): its last day from the start, said as a doubt.
        let computed_end = |kind: RelationKind, at: usize, doubts: &mut Vec<Doubt>| {
            if kind != RelationKind::Suspends {
                return None;
            }
            let (start, (n, unit, words)) = (from?, duration_at(at)?);
            let end = period_end(start, n, &unit)?;
            let d = Doubt::new(
                "end-computed",
                format!(
                    "\"{words}\" from {start}: the last day is taken to be {end} (the text gives a period, not an end date)"
                ),
            );
            if !doubts.contains(&d) {
                doubts.push(d);
            }
            Some(end)
        };
        // In the working mechanism's own decisions, bare bracketed numbers are its series.
        if own_key.starts_with("UEL-") || own_key.starts_with("QA-") {
            for cited in BARE_BRACKET.captures_iter(sentence) {
                let Ok(year) = cited[1].parse::<i32>() else {
                    continue;
                };
                let at = cited.get(0).unwrap().start();
                let Some(kind) = kind_at(at) else {
                    continue;
                };
                let mut numbers: Vec<u32> = parse_number(&cited[2]).into_iter().collect();
                numbers.extend(
                    CONTINUATION
                        .captures_iter(cited.get(3).map_or("", |m| m.as_str()))
                        .filter_map(|c| parse_number(&c[1])),
                );
                let until = until.or_else(|| computed_end(kind, at, &mut doubts));
                for n in numbers {
                    let target = format!("UEL-{year}-{n}");
                    let r = Relation {
                        kind,
                        target,
                        from,
                        until,
                        scope: None,
                    };
                    if r.target != own_key && !out.contains(&r) {
                        out.push(r);
                    }
                }
            }
        }
        for cited in CITED.captures_iter(sentence) {
            let Ok(year) = cited[1].parse::<i32>() else {
                continue;
            };
            let at = cited.get(0).unwrap().start();
            let Some(kind) = kind_at(at) else {
                continue;
            };
            let lead = lead_authority_before(sentence, at);
            let mut numbers: Vec<u32> = parse_number(&cited[2]).into_iter().collect();
            if let Some(more) = cited.get(3) {
                numbers.extend(
                    CONTINUATION
                        .captures_iter(more.as_str())
                        .filter_map(|c| parse_number(&c[1])),
                );
            }
            let scope = cited.get(4).map(|m| m.as_str().to_string());
            // A period instead of an end date: the last day is computed, and said.
            let until = until.or_else(|| computed_end(kind, at, &mut doubts));
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
    // Two readings of one relation: the dated one is the operative sentence's.
    let dated = |r: &Relation| r.from.is_some() || r.until.is_some();
    let undated_twins: Vec<Relation> = out
        .iter()
        .filter(|r| {
            !dated(r)
                && out.iter().any(|o| {
                    dated(o) && o.kind == r.kind && o.target == r.target && o.scope == r.scope
                })
        })
        .cloned()
        .collect();
    for r in &undated_twins {
        doubts.push(Doubt::new(
            "relation-without-dates",
            format!(
                "{} {} is also stated without dates; the dated statement is used",
                r.kind.as_str(),
                r.target
            ),
        ));
    }
    out.retain(|r| !undated_twins.contains(r));
    for r in &out {
        match r.kind {
            RelationKind::Suspends if r.until.is_none() => doubts.push(Doubt::new(
                "suspension-without-end",
                format!("the suspension of {} states no end date or period", r.target),
            )),
            RelationKind::Suspends | RelationKind::Repeals | RelationKind::Resumes
                if r.from.is_none() =>
            {
                doubts.push(Doubt::new(
                    "relation-without-start",
                    format!(
                        "{} {} states no start date; it is taken to apply from this announcement's date",
                        r.kind.as_str(),
                        r.target
                    ),
                ))
            }
            _ => {}
        }
    }
    (out, doubts)
}

pub(super) fn relation_kind(sentence: &str) -> Option<RelationKind> {
    if sentence.contains("暂停实施")
        || sentence.contains("暂停执行")
        || sentence.contains("暂停适用")
        || sentence.contains("继续暂停")
        || (sentence.contains("暂停") && sentence.contains("措施"))
    {
        Some(RelationKind::Suspends)
    } else if sentence.contains("恢复实施") || sentence.contains("恢复执行") {
        Some(RelationKind::Resumes)
    } else if sentence.contains("废止")
        || sentence.contains("停止执行")
        || sentence.contains("停止实施")
        || sentence.contains("不再执行")
        || sentence.contains("措施停止")
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
