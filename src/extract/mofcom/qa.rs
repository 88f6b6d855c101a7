//! Spokesperson's Q&As (答记者问): pages without a document number whose relations can still
//! change a list (patterns.md 17).

use super::*;

/// Whether a title names a spokesperson's Q&A that acts on a list (`……就暂停……答记者问`): worth
/// reading from a column list although it has no document number.
pub fn is_acting_qa_title(title: &str) -> bool {
    let t = normalise(title);
    (t.contains("答记者问") || t.contains("新闻发言人"))
        && ["暂停", "恢复", "停止", "移出", "取消", "延长"]
            .iter()
            .any(|w| t.contains(w))
}

/// A spokesperson's Q&A (答记者问): no document number, but the relations it states change the
/// list when no numbered announcement does (patterns.md 17) — the working mechanism's measures
/// suspended "for 90 days" by a Q&A. Keyed `QA-YYYY-MMDD` by its date and cited as the Q&A of
/// that day; only its relations to the working mechanism's decisions are read, so that a Q&A
/// that restates a numbered announcement never takes its place.
pub(super) fn qa(
    page_title: Option<&str>,
    page: &[String],
    body: &[String],
    header: &Header,
    pub_date: Option<NaiveDate>,
) -> Result<Announcement, ExtractError> {
    // `<title>` carries the site name after a separator.
    let title = page_title
        .map(|t| {
            normalise(t)
                .split(" - ")
                .next()
                .unwrap_or("")
                .trim()
                .to_string()
        })
        .unwrap_or_default();
    let is_qa = title.contains("答记者问")
        || title.contains("新闻发言人")
        || page.iter().any(|l| l.contains("答记者问"));
    if !is_qa {
        return Err(ExtractError::NoDocumentNumber);
    }
    use chrono::Datelike;
    let issued = header
        .issued
        .or(pub_date)
        .or_else(|| signature_date(body))
        .or_else(|| {
            page.iter()
                .find_map(|l| TIMESTAMP.captures(l))
                .and_then(|c| parse_date(&c[1]))
        })
        .ok_or(ExtractError::NoDocumentNumber)?;
    let number = issued.month() * 100 + issued.day();
    let key = format!("QA-{}-{number}", issued.year());
    let text = body.join("\n");
    let (mut relations, mut doubts) = relations(&text, Some(issued), &[], &key);
    relations.retain(|r| r.target.starts_with("UEL-"));
    doubts.retain(|d| {
        relations.iter().any(|r| d.detail.contains(&r.target)) || d.kind == "end-computed"
    });
    if !relations.is_empty() {
        doubts.push(Doubt::new(
            "relation-from-qa",
            "the relation is stated in a spokesperson's Q&A, not a numbered announcement",
        ));
    }
    // Parties taken off a list, announced in the Q&A (entities.md: `移出`). A listing a Q&A
    // restates belongs to its numbered announcement and is not read here.
    let mut entries = parties(body, &mut doubts);
    entries.retain(|e| e.removal);
    let mut effective = Vec::new();
    if !entries.is_empty() {
        doubts.push(Doubt::new(
            "removal-from-qa",
            "the removal is stated in a spokesperson's Q&A, not a numbered announcement",
        ));
        effective = effective_dates(&text, Some(issued), &mut doubts);
        if effective.is_empty() {
            effective.push(Effective {
                date: issued,
                scope: None,
                stated: false,
            });
        }
    }
    Ok(Announcement {
        key,
        authorities: vec!["QA".to_string()],
        year: issued.year(),
        number,
        title: if title.is_empty() {
            format!("商务部新闻发言人答记者问（{issued}）")
        } else {
            title
        },
        issued: Some(issued),
        effective,
        entries,
        relations,
        doubts,
        text,
    })
}
