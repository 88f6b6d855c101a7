//! HTML renderers: one self-contained file (inline CSS, no scripts, no external resources) a
//! lawyer can open, print or attach, and the HTML part of email digests. Every piece of scraped
//! text goes through [`esc`].

use super::{ChangeReport, Currency, change_entry, sentence};
use crate::diff::{Mark, field_changes, redline_segments};
use crate::store::{ChangeRecord, StoredEntry};

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    crate::safe_text::strip_controls(&out).into_owned()
}

/// A URL for an `href`: only http(s), escaped; anything else is not linked.
fn href(url: &str) -> Option<String> {
    let lower = url.trim_start().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then(|| esc(url.trim()))
}

/// A document from a template; a rendering failure (a bug) still gives a readable page.
fn render(name: &str, ctx: minijinja::Value) -> String {
    let html = crate::templates::render(name, ctx).unwrap_or_else(|e| {
        tracing::error!("template {name}: {e:#}");
        format!(
            "<!DOCTYPE html><html><body><p>regwatch could not render this report: {}</p></body></html>",
            esc(&e.to_string())
        )
    });
    crate::safe_text::strip_controls(&html).into_owned()
}

/// A whole document: `title`, what happened, how current it is, the changes.
pub fn changes(report: &ChangeReport<'_>, title: &str, currency: &[Currency]) -> String {
    use minijinja::context;
    // What happened first, and on one screen: events that change the list in a list of their
    // own, the rest (edits, translations, the baseline) on a line beneath; then how current.
    let headlines = super::summary::headlines(report);
    let (main, also) = super::summary::split(&headlines);
    let summary: Vec<_> = main
        .iter()
        .map(|h| context! { kind => h.kind, text => h.text.clone() })
        .collect();
    let currency: Vec<_> = currency
        .iter()
        .map(|c| context! { line => c.line(), bad => c.failing.is_some() || c.stale.is_some() })
        .collect();
    let groups: Vec<_> = report.groups.iter().map(|g| group(report, g)).collect();
    render(
        "report.html",
        context! {
            title => title,
            style => crate::templates::REPORT_STYLE,
            summary => summary,
            also => also,
            currency => currency,
            groups => groups,
        },
    )
}

/// One announcement's changes, for the template.
fn group(report: &ChangeReport<'_>, g: &super::Group<'_>) -> minijinja::Value {
    use minijinja::context;
    let (title_en, title_gloss, title) = match g.announcement {
        Some(a) => {
            let (en, source) = super::title_en(a);
            let show_en = report.lang != super::Lang::Zh;
            let show_zh = report.lang != super::Lang::En;
            (
                show_en.then_some(en),
                source == crate::gloss::Source::Gloss,
                show_zh.then(|| a.title.clone()),
            )
        }
        None => (None, false, None),
    };
    let mut meta = Vec::new();
    let dates = g.dates();
    if !dates.is_empty() {
        meta.push(context! { text => dates });
    }
    if let Some(url) = g.changes.iter().find_map(|c| c.url.as_deref()) {
        meta.push(context! { text => url, href => href(url) });
    }
    let first = g.first_observed();
    if !first.is_empty() {
        let seen = if g.moved_on.is_some() {
            "recorded"
        } else {
            "first observed"
        };
        meta.push(context! { text => format!("{seen} {first}") });
    }
    if let Some(sha) = g.changes.iter().find_map(|c| c.sha256.as_deref()) {
        meta.push(context! { label => "sha256", code => sha });
    }
    let doubts = match (g.moved_on.is_none(), g.announcement) {
        (true, Some(a)) => super::doubts::of(a, &report.known),
        _ => Vec::new(),
    };
    let rows: Vec<_> = super::text::rows(g, report.full)
        .into_iter()
        .map(|row| match row {
            super::text::Row::One(c) => {
                let zh = super::change_entry(c)
                    .filter(|_| report.lang == super::Lang::Both)
                    .map(|e| e.entry.description)
                    .filter(|d| d.chars().any(crate::gloss::is_cjk));
                let mut notes = Vec::new();
                if let Some(t) = report.touches.get(&c.uid) {
                    notes.push(context! { text => format!("touches {}", t.join(", ")) });
                }
                if report.show_reviews {
                    notes.push(
                        context! { text => super::touch::review_words(report.reviews.get(&c.uid)) },
                    );
                }
                // The evidence behind the change, by its id: `regwatch evidence ID`.
                notes.push(context! {
                    label => "evidence:",
                    code => format!("regwatch evidence {} --out {}.tar", c.uid, c.uid),
                });
                context! {
                    many => false,
                    class => row_kind(c),
                    id => c.uid.clone(),
                    kind => c.kind.to_uppercase(),
                    sentence => sentence(c, g, report.lang),
                    zh => zh,
                    fields => fields(c),
                    notes => notes,
                }
            }
            super::text::Row::Many(cs) => {
                let t = super::status_transition(cs[0]);
                let codes: Vec<String> = cs.iter().filter_map(|c| c.code.clone()).collect();
                context! {
                    many => true,
                    class => t.to.clone(),
                    text => format!(
                        "{} entries → {}{} on {} ({})",
                        cs.len(),
                        t.to,
                        t.until.map(|u| format!(" until {u}")).unwrap_or_default(),
                        t.as_of,
                        super::short_citation(&t.by)
                    ),
                    codes => codes.join(", "),
                }
            }
        })
        .collect();
    context! {
        citation => g.citation(),
        title_en => title_en,
        title_gloss => title_gloss,
        title => title,
        meta => meta,
        doubts => minijinja::Value::from(minijinja::value::Serde(&doubts)),
        rows => rows,
    }
}

/// The class of a change's row: its kind, or for a status change the status it went to.
fn row_kind(c: &ChangeRecord) -> String {
    if c.kind == crate::check::transitions::STATUS_CHANGED {
        return super::status_transition(c).to;
    }
    c.kind.clone()
}

/// The redline of a modified entry's fields, as runs for the template.
fn fields(c: &ChangeRecord) -> Vec<minijinja::Value> {
    use minijinja::context;
    if c.kind != "modified" {
        return Vec::new();
    }
    let before = c
        .before
        .clone()
        .and_then(|v| serde_json::from_value::<StoredEntry>(v).ok());
    let (Some(b), Some(a)) = (before, change_entry(c)) else {
        return Vec::new();
    };
    field_changes(&b.entry, &a.entry)
        .into_iter()
        .map(|f| {
            let segments: Vec<_> = redline_segments(&f.before, &f.after)
                .into_iter()
                .map(|(mark, text)| {
                    let mark = match mark {
                        Mark::Same => "same",
                        Mark::Removed => "removed",
                        Mark::Added => "added",
                    };
                    context! { mark => mark, text => text }
                })
                .collect();
            context! { field => f.field, segments => segments }
        })
        .collect()
}

/// `list --format html`: the list on a date, one row per code, English and Chinese.
pub fn list(
    entries: &[crate::diff::list::ListedEntry],
    as_of: chrono::NaiveDate,
    currency: &[Currency],
) -> String {
    use minijinja::context;
    let rows: Vec<_> = entries
        .iter()
        .map(|e| {
            let since = e.since.map(|d| format!(" since {d}")).unwrap_or_default();
            context! {
                status => e.status.as_str(),
                until => e.until.map(|u| u.to_string()),
                code => e.code.clone(),
                en => e.description_en.clone(),
                gloss => e.description_en_source == crate::gloss::Source::Gloss,
                zh => e.description.clone(),
                authority => format!(
                    "{}{since} ({})",
                    super::short_citation(&e.announcement),
                    super::short_citation(&e.status_by)
                ),
            }
        })
        .collect();
    render(
        "report_list.html",
        context! {
            title => format!("Control lists as of {as_of}"),
            style => crate::templates::REPORT_STYLE,
            prevails => super::PREVAILS,
            rows => rows,
            currency => currency.iter().map(Currency::line).collect::<Vec<_>>(),
        },
    )
}

/// `compare --format html`: what differs between the lists on two dates.
pub fn compare(
    deltas: &[crate::diff::list::ListDelta<'_>],
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> String {
    use minijinja::context;
    let rows: Vec<_> = deltas
        .iter()
        .filter_map(|d| {
            let e = d.after.or(d.before)?;
            let what = match &d.delta {
                crate::diff::list::Delta::StatusChanged { from, to } => {
                    format!("{} → {}", from.as_str(), to.as_str())
                }
                other => other.kind().to_string(),
            };
            Some(context! {
                status => e.status.as_str(),
                what => what,
                code => e.code.clone(),
                en => e.description_en.clone(),
                zh => e.description.clone(),
                by => super::short_citation(&e.status_by),
            })
        })
        .collect();
    render(
        "report_compare.html",
        context! {
            title => format!("Control lists: {from} → {to}"),
            style => crate::templates::REPORT_STYLE,
            rows => rows,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_refuses_script_urls() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(href("javascript:alert(1)"), None);
        assert_eq!(
            href("https://www.mofcom.gov.cn/a?b=1&c=2").as_deref(),
            Some("https://www.mofcom.gov.cn/a?b=1&amp;c=2")
        );
    }
}
