//! Announcements: each with its entries, versions, redlines and text; a version's bytes.

use super::*;

#[derive(Debug, Deserialize)]
pub struct AnnouncementsQuery {
    page: Option<usize>,
}

/// Announcements on one page at most, the newest first.
const ANNOUNCEMENTS_PAGE: usize = 200;

pub async fn announcements(
    State(state): State<Arc<AppState>>,
    Query(q): Query<AnnouncementsQuery>,
) -> Page {
    blocking(&state, move |state, store| {
        let inputs = state.inputs(store)?;
        let mut heads: Vec<&KnownAnnouncement> = inputs.heads.values().collect();
        heads.sort_by_key(|a| std::cmp::Reverse((a.issued, a.year, a.number, &a.key)));
        let pages = heads.len().div_ceil(ANNOUNCEMENTS_PAGE).max(1);
        let page = q.page.unwrap_or(1).clamp(1, pages);
        let rows: Vec<_> = heads
            .iter()
            .skip((page - 1) * ANNOUNCEMENTS_PAGE)
            .take(ANNOUNCEMENTS_PAGE)
            .map(|a| {
                let dates = [a.issued.map(|d| format!("issued {d}")), a.effective.iter().map(|e| e.date).min().map(|d| format!("effective {d}"))]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" · ");
                context! { key => &a.key, citation => a.citation(), title => &a.title, title_en => report::title_en(a).0, dates => dates }
            })
            .collect();
        state.render(
            "announcements.html",
            context! {
                title => "Announcements",
                db => db(state),
                rows => rows,
                total => heads.len(),
                page => page,
                pages => pages,
            },
        )
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct AnnouncementQuery {
    from: Option<i64>,
    to: Option<i64>,
}

/// A text redline (`[-old-]{+new+}` runs) as HTML with `<del>`/`<ins>`, every run escaped.
fn redline_html(hunks: &[Vec<crate::diff::DocLine>]) -> String {
    use crate::diff::DocLine;
    let esc = report::html::esc;
    let mut out = String::new();
    for hunk in hunks {
        for line in hunk {
            let html = match line {
                DocLine::Same(t) => esc(t),
                DocLine::Removed(t) => format!("<del>{}</del>", esc(t)),
                DocLine::Added(t) => format!("<ins>{}</ins>", esc(t)),
                DocLine::Reworded(t) => {
                    let mut s = String::new();
                    let mut rest = t.as_str();
                    while !rest.is_empty() {
                        let del = rest.find("[-");
                        let ins = rest.find("{+");
                        let next = match (del, ins) {
                            (Some(a), Some(b)) => a.min(b),
                            (Some(a), None) => a,
                            (None, Some(b)) => b,
                            (None, None) => rest.len(),
                        };
                        s.push_str(&esc(&rest[..next]));
                        rest = &rest[next..];
                        let (open, close, tag) = if rest.starts_with("[-") {
                            ("[-", "-]", "del")
                        } else if rest.starts_with("{+") {
                            ("{+", "+}", "ins")
                        } else {
                            break;
                        };
                        match rest[open.len()..].find(close) {
                            Some(end) => {
                                s.push_str(&format!(
                                    "<{tag}>{}</{tag}>",
                                    esc(&rest[open.len()..open.len() + end])
                                ));
                                rest = &rest[open.len() + end + close.len()..];
                            }
                            None => {
                                s.push_str(&esc(rest));
                                rest = "";
                            }
                        }
                    }
                    s
                }
            };
            out.push_str(&format!("<p>{html}</p>"));
        }
        out.push_str("<hr>");
    }
    out
}

pub async fn announcement(
    State(state): State<Arc<AppState>>,
    Path(key): Path<String>,
    Query(q): Query<AnnouncementQuery>,
) -> Page {
    blocking(&state, move |state, store| {
        let Some(a) = store.announcement(&key).map_err(internal)? else {
            return Err(Failure::NotFound(format!("no announcement {key}")));
        };
        let heads = store.announcement_heads().map_err(internal)?;
        let known = report::doubts::known(&heads);
        let doubts = report::doubts::of(&a, &known);
        let corrections: Vec<_> = store
            .corrections()
            .map_err(internal)?
            .into_iter()
            .filter(|c| c.announcement == a.key)
            .collect();
        let entries: Vec<_> = a
            .entries
            .iter()
            .map(|e| {
                let (en, source) = report::english(e, Some(&a));
                context! { regime => &e.regime, code => &e.code, description => &e.description, en => en, source => source.as_str() }
            })
            .collect();
        let versions: Vec<_> = store
            .versions_of(&a.urls, &store.change_snapshots(&a.key).map_err(internal)?)
            .map_err(internal)?
            .iter()
            .map(|v| context! { url => &v.url, sha256 => &v.sha256, first_seen => &v.first_seen, last_seen => &v.last_seen, download => format!("/version/{}", v.id) })
            .collect();
        let texts = store.text_versions(&a.key).map_err(internal)?;
        let latest = texts.last().map_or(0, |t| t.version);
        let to = q.to.unwrap_or(latest);
        let from = q.from.unwrap_or(to - 1);
        let find = |n: i64| texts.iter().find(|t| t.version == n);
        let redline = match (find(from), find(to)) {
            (Some(f), Some(t)) if f.version != t.version => {
                Some(redline_html(&crate::diff::text_diff(&f.text, &t.text)))
            }
            _ => None,
        };
        let text_lines: Vec<String> = texts
            .last()
            .map(|t| {
                t.text
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        // MOFCOM's English version, when its English site has one: its text, as read.
        let text_en: Vec<String> = match &a.english {
            Some(t) => store
                .versions_of(std::slice::from_ref(&t.url), &[])
                .map_err(internal)?
                .last()
                .and_then(|v| {
                    crate::extract::mofcom_en::announcement(&String::from_utf8_lossy(&v.body)).ok()
                })
                .map(|e| {
                    e.text
                        .lines()
                        .filter(|l| !l.trim().is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            None => Vec::new(),
        };
        let (title_en, title_source) = report::title_en(&a);
        let dates = {
            let g = report::Group {
                announcement: Some(&a),
                key: &a.key,
                moved_on: None,
                changes: Vec::new(),
                all: &HashMap::new(),
            };
            g.dates()
        };
        state.render(
            "announcement.html",
            context! {
                title => a.citation(),
                db => db(state),
                a => context! { key => &a.key, title => &a.title, urls => &a.urls },
                title_en => title_en,
                title_source => title_source.as_str(),
                dates => dates,
                doubts => v(&doubts),
                corrections => corrections.iter().map(|c| context! { by => &c.by, at => &c.at, why => &c.why }).collect::<Vec<_>>(),
                relations => v(&a.relations),
                entries => entries,
                versions => versions,
                texts => texts.iter().map(|t| context! { version => t.version }).collect::<Vec<_>>(),
                from => from,
                to => to,
                redline => redline,
                text_lines => text_lines,
                text_en => text_en,
                text_en_url => a.english.as_ref().map(|t| t.url.clone()),
            },
        )
    })
    .await
}

/// The stored bytes of one page version, as a download (never rendered under this origin).
pub async fn version(State(state): State<Arc<AppState>>, Path(id): Path<i64>) -> Page {
    blocking(&state, move |_, store| {
        let v = store
            .versions_of(&[], &[id])
            .map_err(internal)?
            .into_iter()
            .next()
            .ok_or_else(|| Failure::NotFound(format!("no stored version {id}")))?;
        let mut r = Response::new(Body::from(v.body));
        let h = r.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        );
        if let Ok(d) = HeaderValue::from_str(&format!(
            "attachment; filename=\"version-{id}-{}.bin\"",
            &v.sha256[..12.min(v.sha256.len())]
        )) {
            h.insert(header::CONTENT_DISPOSITION, d);
        }
        if let Ok(s) = HeaderValue::from_str(&v.sha256) {
            h.insert("x-content-sha256", s);
        }
        Ok(r)
    })
    .await
}
