//! When an announcement applies: `自…起施行`, `自公布之日起`, clause-scoped dates.

use super::*;

/// `自2031年4月10日起施行`, also with a time of day (`自2031年4月10日12时01分起实施`).
pub(super) static EFFECTIVE_ON: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"自\s*(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*(?:(\d{1,2})\s*[时点:：]\s*(?:(\d{1,2})\s*分?)?)?\s*起\s*(?:正式)?(?:施行|实施|执行|生效)",
    )
    .unwrap()
});
pub(super) static EFFECTIVE_ON_ISSUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"自\s*(?:公布|发布|印发|公告)之日起\s*(?:正式)?(?:施行|实施|执行|生效)").unwrap()
});
pub(super) static ENUMERATOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[（(]\s*[一二三四五六七八九十\d]+\s*[)）]|[一二三四五六七八九十]+\s*、|\d{1,2}\s*、|\d{1,2}[.．]\s)\s*")
        .unwrap()
});

/// Sentences: split at `。` and `；`, and at line ends.
pub(super) fn sentences(text: &str) -> impl Iterator<Item = &str> {
    text.split(['。', '；', ';', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

pub(super) fn effective_dates(
    text: &str,
    issued: Option<NaiveDate>,
    doubts: &mut Vec<Doubt>,
) -> Vec<Effective> {
    let mut out: Vec<Effective> = Vec::new();
    for sentence in sentences(text) {
        // A period in a suspension is the relation's, not the announcement's; so is a date in
        // the announcement's own restated title.
        if sentence.contains("暂停") {
            continue;
        }
        // `自即日起` for the announcement as a whole: the issue date.
        if sentence.contains("自即日起")
            && (sentence.contains("施行") || sentence.contains("实施") || sentence.contains("生效"))
            && !sentence.contains("废止")
            && let Some(date) = issued
        {
            let e = Effective::stated(date, None);
            if !out.contains(&e) {
                out.push(e);
            }
            continue;
        }
        for clause in sentence.split(['，', ',']) {
            let (date, at) = if let Some(c) = EFFECTIVE_ON.captures(clause) {
                (date_and_time(&c, doubts), c.get(0).unwrap().start())
            } else if let Some(m) = EFFECTIVE_ON_ISSUE.find(clause) {
                (issued, m.start())
            } else {
                continue;
            };
            let Some(date) = date else { continue };
            let scope = scope_of(&clause[..at]);
            let e = Effective::stated(date, scope);
            if !out.contains(&e) {
                out.push(e);
            }
        }
    }
    out.sort_by(|a, b| a.date.cmp(&b.date).then(a.scope.cmp(&b.scope)));
    out
}

/// The words before "自…起实施" name what takes effect; "本公告" (this announcement) means all of it.
pub(super) fn scope_of(prefix: &str) -> Option<String> {
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
