//! Page-watch: one page's text, narrowed by include/exclude selectors and with timestamps,
//! counters and the like blanked by ignore patterns, kept as a document whose later versions are
//! recorded as `text-edited` changes with a redline — what urlwatch and changedetection.io do, in
//! the same store, reports and digests as announcements.

use scraper::Html;
use serde::Deserialize;

use super::generic::{Css, Pattern};
use super::text::{document_lines, element_lines, normalise};
use crate::model::Announcement;

/// `[source.page]`: which part of the page to watch, and what to ignore in it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageSpec {
    /// Watch only these elements (the whole body when empty).
    #[serde(default)]
    pub include: Vec<Css>,
    /// Leave these out (navigation, "related articles", visitor counters…).
    #[serde(default)]
    pub exclude: Vec<Css>,
    /// Text matching these patterns is blanked before comparing (timestamps, view counts).
    #[serde(default)]
    pub ignore: Vec<Pattern>,
}

/// The key a watched page is stored under.
pub fn key(source: &str) -> String {
    format!("PAGE-{source}")
}

/// The watched text of a page, one block per line.
pub fn watched_text(spec: &PageSpec, html: &str) -> String {
    let mut doc = Html::parse_document(html);
    // Drop excluded elements from the tree before reading the text.
    let ids: Vec<_> = spec
        .exclude
        .iter()
        .flat_map(|css| {
            doc.select(&css.selector)
                .map(|e| e.id())
                .collect::<Vec<_>>()
        })
        .collect();
    for id in ids {
        if let Some(mut node) = doc.tree.get_mut(id) {
            node.detach();
        }
    }
    let lines: Vec<String> = if spec.include.is_empty() {
        document_lines(&doc)
    } else {
        spec.include
            .iter()
            .flat_map(|css| {
                doc.select(&css.selector)
                    .flat_map(element_lines)
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    lines
        .iter()
        .map(|l| {
            let mut l = normalise(l);
            for p in &spec.ignore {
                l = p.0.replace_all(&l, "…").into_owned();
            }
            l.trim().to_string()
        })
        .filter(|l| !l.is_empty() && l != "…")
        .collect::<Vec<_>>()
        .join("\n")
}

/// The page as a document: its title, no entries, the watched text.
pub fn announcement(spec: &PageSpec, source: &str, html: &str) -> Announcement {
    let doc = Html::parse_document(html);
    let title = scraper::Selector::parse("title")
        .ok()
        .and_then(|s| doc.select(&s).next())
        .map(|t| normalise(&t.text().collect::<String>()).trim().to_string())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| source.to_string());
    Announcement {
        key: key(source),
        authorities: vec![source.to_string()],
        year: 0,
        number: 0,
        title,
        issued: None,
        effective: Vec::new(),
        entries: Vec::new(),
        relations: Vec::new(),
        doubts: Vec::new(),
        text: watched_text(spec, html),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(include: &[&str], exclude: &[&str], ignore: &[&str]) -> PageSpec {
        PageSpec {
            include: include
                .iter()
                .map(|s| Css::try_from(s.to_string()).unwrap())
                .collect(),
            exclude: exclude
                .iter()
                .map(|s| Css::try_from(s.to_string()).unwrap())
                .collect(),
            ignore: ignore
                .iter()
                .map(|s| Pattern::try_from(s.to_string()).unwrap())
                .collect(),
        }
    }

    #[test]
    fn noise_is_left_out_and_blanked() {
        let html = "<html><head><title>Notices</title></head><body><nav>Home</nav><main><p>Rule 1 applies.</p><p class=views>Views: 1043</p><p>Updated 2026-11-29 08:00</p></main></body></html>";
        let s = spec(&["main"], &[".views"], &[r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"]);
        assert_eq!(watched_text(&s, html), "Rule 1 applies.\nUpdated …");
        let later = html.replace("1043", "1107").replace("08:00", "09:30");
        assert_eq!(watched_text(&s, html), watched_text(&s, &later));
        let edited = html.replace("Rule 1", "Rule 2");
        assert_ne!(watched_text(&s, html), watched_text(&s, &edited));
        let a = announcement(&s, "notices", html);
        assert_eq!(
            (a.key.as_str(), a.title.as_str()),
            ("PAGE-notices", "Notices")
        );
    }
}
