//! HTML renderers: one self-contained file (inline CSS, no scripts, no external resources) a
//! lawyer can open, print or attach, and the HTML part of email digests. Every piece of scraped
//! text goes through [`esc`].

use std::fmt::Write as _;

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

const STYLE: &str = "
body{font-family:-apple-system,'Segoe UI',Roboto,'Noto Sans CJK SC','Noto Sans SC','PingFang SC','Microsoft YaHei','WenQuanYi Micro Hei',sans-serif;line-height:1.5;color:#1a1a1a;max-width:60rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.4rem;margin-bottom:.2rem}
h2{font-size:1.1rem;margin:1.8rem 0 .2rem;border-top:1px solid #ccc;padding-top:1rem}
.meta,.currency{color:#555;font-size:.9rem}
.title{font-size:1rem;margin:.2rem 0}
table{border-collapse:collapse;width:100%;margin-top:.6rem}
td{border-top:1px solid #e3e3e3;padding:.35rem .4rem;vertical-align:top}
td.kind{white-space:nowrap;font-size:.8rem;font-weight:600;color:#444}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em}
del{background:#fde2e2;color:#8a1c1c}
ins{background:#dff5e1;color:#1c5e24;text-decoration:none}
.failing{color:#a11}
.summary ul{padding-left:0;list-style:none}
.summary h2{border-top:0;margin-top:.6rem;padding-top:0}
.summary li{border-left:.3rem solid #999;padding:.15rem .5rem;margin:.2rem 0;background:#f6f6f6;font-size:.92rem;line-height:1.35}
.also{font-size:.85rem;color:#444;margin:.4rem 0}
.k-suspended,.k-removed,.k-repealed{border-color:#c2410c!important}
.summary li.k-suspended,.summary li.k-removed,.summary li.k-repealed{background:#fff1e6;font-weight:600}
.summary li.k-added{border-color:#15803d;background:#eefbf1}
.summary li.k-ended,.summary li.k-took-effect{border-color:#1d4ed8;background:#eef3ff}
tr.k-suspended td.kind,tr.k-removed td.kind,tr.k-repealed td.kind{color:#c2410c}
tr.k-added td.kind{color:#15803d}
.zh{color:#555}
.note{color:#666;font-size:.8rem}
a,code,.meta{overflow-wrap:anywhere;word-break:break-word}
table{table-layout:fixed}
td.kind{width:6.5rem}
@media (max-width:30rem){body{margin:1rem auto;padding:0 .6rem}td.kind{width:4.5rem;font-size:.7rem}}
.doubt{color:#8a5a00;font-size:.9rem}
@media print{body{margin:0;max-width:none}a{color:inherit}}
";

/// A whole document: `title`, the changes, and how current they are.
pub fn changes(report: &ChangeReport<'_>, title: &str, currency: &[Currency]) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        esc(title),
        esc(title)
    );
    out.push_str(&body(report, currency));
    out.push_str("</body>\n</html>\n");
    crate::safe_text::strip_controls(&out).into_owned()
}

/// A document around `body`, with the stylesheet.
fn document(title: &str, body: &str) -> String {
    let out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n{body}</body>\n</html>\n",
        esc(title),
        esc(title)
    );
    crate::safe_text::strip_controls(&out).into_owned()
}

/// `list --format html`: the list on a date, one row per code, English and Chinese.
pub fn list(
    entries: &[crate::diff::list::ListedEntry],
    as_of: chrono::NaiveDate,
    currency: &[Currency],
) -> String {
    let mut body = format!(
        "<p class=\"meta\">{} entries. {}</p>\n<table>\n",
        entries.len(),
        esc(super::PREVAILS)
    );
    body.push_str(
        "<tr><td class=\"kind\">status</td><td>code · entry · on whose authority</td></tr>\n",
    );
    for e in entries {
        let mark = match e.description_en_source {
            crate::gloss::Source::Gloss => " (gloss)",
            crate::gloss::Source::Official => "",
        };
        let until = e.until.map(|u| format!(" until {u}")).unwrap_or_default();
        let since = e.since.map(|d| format!(" since {d}")).unwrap_or_default();
        let _ = writeln!(
            body,
            "<tr class=\"k-{}\"><td class=\"kind\">{}{}</td><td><code>{}</code> {}{mark}<br><span class=\"zh\" lang=\"zh-CN\">{}</span><br><span class=\"note\">{}{} ({})</span></td></tr>",
            esc(e.status.as_str()),
            esc(e.status.as_str()),
            esc(&until),
            esc(&e.code),
            esc(&e.description_en),
            esc(&e.description),
            esc(&super::short_citation(&e.announcement)),
            esc(&since),
            esc(&super::short_citation(&e.status_by))
        );
    }
    body.push_str("</table>\n<div class=\"currency\">\n");
    for c in currency {
        let _ = writeln!(body, "<div>{}</div>", esc(&c.line()));
    }
    body.push_str("</div>\n");
    document(&format!("Control lists as of {as_of}"), &body)
}

/// `compare --format html`: what differs between the lists on two dates.
pub fn compare(
    deltas: &[crate::diff::list::ListDelta<'_>],
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> String {
    let mut body = format!(
        "<p class=\"meta\">{} entries differ.</p>\n<table>\n",
        deltas.len()
    );
    for d in deltas {
        let Some(e) = d.after.or(d.before) else {
            continue;
        };
        let what = match &d.delta {
            crate::diff::list::Delta::StatusChanged { from, to } => {
                format!("{} → {}", from.as_str(), to.as_str())
            }
            other => other.kind().to_string(),
        };
        let _ = writeln!(
            body,
            "<tr class=\"k-{}\"><td class=\"kind\">{}</td><td><code>{}</code> {}<br><span class=\"zh\" lang=\"zh-CN\">{}</span><br><span class=\"note\">{}</span></td></tr>",
            esc(e.status.as_str()),
            esc(&what),
            esc(&e.code),
            esc(&e.description_en),
            esc(&e.description),
            esc(&super::short_citation(&e.status_by))
        );
    }
    body.push_str("</table>\n");
    document(&format!("Control lists: {from} → {to}"), &body)
}

/// The report without the document around it.
pub fn body(report: &ChangeReport<'_>, currency: &[Currency]) -> String {
    let mut out = String::new();
    if report.is_empty() {
        out.push_str("<p>No changes.</p>\n");
    }
    // What happened first, and on one screen: events that change the list in a list of their
    // own, the rest (edits, translations, the baseline) on a line beneath; then how current.
    let headlines = super::summary::headlines(report);
    if !headlines.is_empty() {
        out.push_str("<section class=\"summary\" id=\"summary\"><h2>What happened</h2>\n<ul>\n");
        for h in headlines.iter().filter(|h| h.weight <= 3) {
            let _ = writeln!(out, "<li class=\"k-{}\">{}</li>", h.kind, esc(&h.text));
        }
        out.push_str("</ul>\n");
        let also: Vec<String> = headlines
            .iter()
            .filter(|h| h.weight > 3)
            .map(|h| esc(&h.text))
            .collect();
        if !also.is_empty() {
            let _ = writeln!(out, "<p class=\"also\">Also: {}</p>", also.join(" · "));
        }
        out.push_str("</section>\n");
    }
    if !currency.is_empty() {
        out.push_str("<div class=\"currency\">\n");
        for c in currency {
            let class = if c.failing.is_some() || c.stale.is_some() {
                " class=\"failing\""
            } else {
                ""
            };
            let _ = writeln!(out, "<div{class}>{}</div>", esc(&c.line()));
        }
        out.push_str("</div>\n");
    }

    for g in &report.groups {
        let _ = writeln!(out, "<h2>{}</h2>", esc(&g.citation()));
        if let Some(a) = g.announcement {
            let _ = writeln!(
                out,
                "<p class=\"title\" lang=\"zh-CN\">{}</p>",
                esc(&a.title)
            );
        }
        let mut meta = Vec::new();
        let dates = g.dates();
        if !dates.is_empty() {
            meta.push(esc(&dates));
        }
        if let Some(url) = g.changes.iter().find_map(|c| c.url.as_deref()) {
            meta.push(match href(url) {
                Some(h) => format!("<a href=\"{h}\">{}</a>", esc(url)),
                None => esc(url),
            });
        }
        let first = g.first_observed();
        if !first.is_empty() {
            let seen = if g.moved_on.is_some() {
                "recorded"
            } else {
                "first observed"
            };
            meta.push(format!("{seen} {}", esc(&first)));
        }
        if let Some(sha) = g.changes.iter().find_map(|c| c.sha256.as_deref()) {
            meta.push(format!("sha256 <code>{}</code>", esc(sha)));
        }
        let _ = writeln!(out, "<p class=\"meta\">{}</p>", meta.join(" · "));
        if g.moved_on.is_none()
            && let Some(a) = g.announcement
        {
            for d in &super::doubts::of(a, &report.known) {
                let _ = writeln!(
                    out,
                    "<p class=\"doubt\">Doubt ({}): {}</p>",
                    esc(&d.kind),
                    esc(&d.detail)
                );
            }
        }
        out.push_str("<table>\n");
        for row in super::text::rows(g, report.full) {
            match row {
                super::text::Row::One(c) => {
                    let zh = super::change_entry(c)
                        .filter(|_| report.lang == super::Lang::Both)
                        .map(|e| e.entry.description)
                        .filter(|d| d.chars().any(crate::gloss::is_cjk))
                        .map(|d| {
                            format!("<br><span class=\"zh\" lang=\"zh-CN\">{}</span>", esc(&d))
                        })
                        .unwrap_or_default();
                    let mut notes = Vec::new();
                    if let Some(t) = report.touches.get(&c.uid) {
                        notes.push(format!("touches {}", esc(&t.join(", "))));
                    }
                    if report.show_reviews {
                        notes.push(esc(&super::touch::review_words(report.reviews.get(&c.uid))));
                    }
                    // The evidence behind the change, by its id: `regwatch evidence ID`.
                    notes.push(format!(
                        "evidence: <code>regwatch evidence {} --out {}.tar</code>",
                        esc(&c.uid),
                        esc(&c.uid)
                    ));
                    let _ = writeln!(
                        out,
                        "<tr class=\"k-{}\" id=\"{}\"><td class=\"kind\">{}</td><td>{}{zh}{}<br><span class=\"note\">{}</span></td></tr>",
                        esc(&row_kind(c)),
                        esc(&c.uid),
                        esc(&c.kind.to_uppercase()),
                        esc(&sentence(c, g, report.lang)),
                        detail(c),
                        notes.join(" · ")
                    );
                }
                super::text::Row::Many(cs) => {
                    let t = super::status_transition(cs[0]);
                    let codes: Vec<String> = cs.iter().filter_map(|c| c.code.clone()).collect();
                    let _ = writeln!(
                        out,
                        "<tr class=\"k-{}\"><td class=\"kind\">STATUS</td><td>{} entries → {}{} on {} ({}): <code>{}</code></td></tr>",
                        esc(&t.to),
                        cs.len(),
                        esc(&t.to),
                        esc(&t.until.map(|u| format!(" until {u}")).unwrap_or_default()),
                        esc(&t.as_of),
                        esc(&super::short_citation(&t.by)),
                        esc(&codes.join(", "))
                    );
                }
            }
        }
        out.push_str("</table>\n");
    }
    crate::safe_text::strip_controls(&out).into_owned()
}

/// The class of a change's row: its kind, or for a status change the status it went to.
fn row_kind(c: &ChangeRecord) -> String {
    if c.kind == crate::check::transitions::STATUS_CHANGED {
        return super::status_transition(c).to;
    }
    c.kind.clone()
}

/// The redline of a modified entry's fields, under its sentence.
fn detail(c: &ChangeRecord) -> String {
    if c.kind != "modified" {
        return String::new();
    }
    let before = c
        .before
        .clone()
        .and_then(|v| serde_json::from_value::<StoredEntry>(v).ok());
    let (Some(b), Some(a)) = (before, change_entry(c)) else {
        return String::new();
    };
    let mut out = String::new();
    for f in field_changes(&b.entry, &a.entry) {
        let _ = write!(out, "<br><span lang=\"zh-CN\">{}: ", esc(f.field));
        for (mark, text) in redline_segments(&f.before, &f.after) {
            let _ = match mark {
                Mark::Same => write!(out, "{}", esc(&text)),
                Mark::Removed => write!(out, "<del>{}</del>", esc(&text)),
                Mark::Added => write!(out, "<ins>{}</ins>", esc(&text)),
            };
        }
        out.push_str("</span>");
    }
    out
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
