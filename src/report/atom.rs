//! The Atom feed of changes (RFC 4287): one entry per change, with its stable id, the time it was
//! first observed, the sentence as title and summary, and a link to the official text.

use atom_syndication::{Content, Entry, Feed, FixedDateTime, Link, Person, Text};
use chrono::DateTime;

use super::{ChangeReport, html, sentence};

fn time(s: &str) -> FixedDateTime {
    DateTime::parse_from_rfc3339(s).unwrap_or_else(|_| {
        DateTime::parse_from_rfc3339("1970-01-01T00:00:00Z").expect("valid constant")
    })
}

/// The feed, newest change first. `self_url` is where the feed is published, if known.
pub fn feed(report: &ChangeReport<'_>, self_url: Option<&str>) -> String {
    let mut entries: Vec<Entry> = Vec::new();
    for g in &report.groups {
        for c in &g.changes {
            let sentence = sentence(c, g, report.lang);
            let mut entry = Entry {
                id: format!("urn:regwatch:change:{}", c.uid),
                title: Text::plain(sentence.clone()),
                updated: time(&c.observed_at),
                published: Some(time(&c.observed_at)),
                summary: Some(Text::plain(sentence.clone())),
                ..Default::default()
            };
            if let Some(url) = &c.url {
                entry.links = vec![Link {
                    href: url.clone(),
                    rel: "alternate".into(),
                    ..Default::default()
                }];
            }
            let mut body = format!("<p>{}</p>", html::esc(&sentence));
            if let Some(a) = g.announcement {
                body.push_str(&format!("<p lang=\"zh-CN\">{}</p>", html::esc(&a.title)));
            }
            if let Some(sha) = &c.sha256 {
                body.push_str(&format!("<p>sha256 {}</p>", html::esc(sha)));
            }
            entry.content = Some(Content {
                value: Some(body),
                content_type: Some("html".into()),
                ..Default::default()
            });
            entries.push(entry);
        }
    }
    // Newest first; ties by id, so the same database gives the same bytes.
    entries.sort_by(|a, b| b.updated.cmp(&a.updated).then(a.id.cmp(&b.id)));
    let updated = entries
        .iter()
        .map(|e| e.updated)
        .max()
        .unwrap_or_else(|| time("1970-01-01T00:00:00Z"));
    let mut links = Vec::new();
    if let Some(u) = self_url {
        links.push(Link {
            href: u.to_string(),
            rel: "self".into(),
            ..Default::default()
        });
    }
    let feed = Feed {
        id: "urn:regwatch:changes".into(),
        title: Text::plain("regwatch: regulatory changes"),
        updated,
        authors: vec![Person {
            name: "regwatch".into(),
            ..Default::default()
        }],
        links,
        entries,
        ..Default::default()
    };
    // `Feed`'s Display writes the XML declaration itself.
    let mut out = feed.to_string();
    out.push('\n');
    crate::safe_text::strip_controls(&out).into_owned()
}
