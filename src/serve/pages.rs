//! The HTML pages. Each is a stable URL whose filters are query parameters; each reads the store
//! read-only and renders a template.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use chrono::NaiveDate;
use minijinja::context;
use serde::Deserialize;

use super::{AppState, Failure, blocking, svg};
use crate::diff::list::{ListedEntry, Status, Timeline, compare_lists};
use crate::report::{self, ChangeReport, short_citation};
use crate::store::{KnownAnnouncement, Store, StoredEntry};

type Page = Result<Response, Failure>;

/// A serialisable value for a template.
fn v<T: serde::Serialize>(x: &T) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(x))
}

fn internal(e: impl std::fmt::Display) -> Failure {
    Failure::Internal(e.to_string())
}

/// A date parameter: empty or absent is `default`; anything else must be a date.
pub fn day(v: &Option<String>, default: NaiveDate) -> Result<NaiveDate, Failure> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => s
            .parse()
            .map_err(|_| Failure::BadRequest(format!("{s:?} is not a date (YYYY-MM-DD)"))),
    }
}

pub fn today(state: &AppState) -> NaiveDate {
    crate::model::legal_date(state.clock.now(), crate::extract::mofcom::REGIME)
}

fn db(state: &AppState) -> String {
    state.db_path.display().to_string()
}

#[derive(Debug, Deserialize)]
pub struct OverviewQuery {
    since: Option<String>,
}

pub async fn overview(
    State(state): State<Arc<AppState>>,
    headers: axum::http::HeaderMap,
    Query(q): Query<OverviewQuery>,
) -> Page {
    // The day of the last visit (a cookie this page sets): "what happened since" is one click.
    let last_visit: Option<String> = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| {
            c.split(';')
                .find_map(|kv| kv.trim().strip_prefix("regwatch_last_visit="))
        })
        .filter(|d| d.parse::<NaiveDate>().is_ok())
        .map(str::to_string);
    let today_s = today(&state).to_string();
    let mut page = overview_page(state, q, last_visit.filter(|d| *d != today_s)).await?;
    if let Ok(v) = HeaderValue::from_str(&format!(
        "regwatch_last_visit={today_s}; Max-Age=31536000; SameSite=Strict; Path=/"
    )) {
        page.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(page)
}

async fn overview_page(state: Arc<AppState>, q: OverviewQuery, last_visit: Option<String>) -> Page {
    blocking(&state, move |state, store| {
        let since = q
            .since
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<NaiveDate>()
                    .map(|d| format!("{d}T00:00:00Z"))
                    .map_err(|_| Failure::BadRequest(format!("{s:?} is not a date")))
            })
            .transpose()?;
        let changes = store.changes(since.as_deref(), None).map_err(internal)?;
        let full: HashMap<String, KnownAnnouncement> = store.announcements_by_key().map_err(internal)?;
        let report = ChangeReport::new(&changes, &full);
        let headlines = report::summary::headlines(&report);
        let (main, also) = report::summary::split(&headlines);
        let main: Vec<_> = main
            .iter()
            .map(|h| context! { kind => h.kind, text => h.text.clone() })
            .collect();
        let inputs = state.inputs(store)?;
        let (heads, entries) = (&inputs.heads, &inputs.entries);
        let timeline = Timeline::new(heads);
        let today = today(state);
        let ahead = timeline.upcoming(entries, today, today + chrono::Days::new(365));
        let upcoming: Vec<_> = ahead
            .iter()
            .take(30)
            .map(|ev| {
                context! { date => ev.date.to_string(), entry => v(&ev.entry), summary => report::text::event_words(ev) }
            })
            .collect();
        let next = timeline
            .next_events(entries, today + chrono::Days::new(365))
            .first()
            .map(|e| e.date.to_string());
        // Entries by status per list, at each date something moved (at most 12, and today):
        // made once while the store is unchanged.
        let chart = state.cache_chart(today, || {
        // Entries by status per list, at each date something moved (at most 12, and today).
        let mut dates: Vec<NaiveDate> = timeline
            .event_dates()
            .into_iter()
            .filter(|d| *d <= today)
            .collect();
        dates.push(today);
        dates.sort();
        dates.dedup();
        if dates.len() > 12 {
            let step = dates.len().div_ceil(12);
            let last = *dates.last().unwrap();
            dates = dates.into_iter().step_by(step).collect();
            if dates.last() != Some(&last) {
                dates.push(last);
            }
        }
        let mut series: std::collections::BTreeMap<String, Vec<(NaiveDate, [usize; 5])>> =
            Default::default();
        for d in &dates {
            let mut counts: HashMap<&str, [usize; 5]> = HashMap::new();
            for s in timeline.select(entries, *d) {
                counts.entry(&s.entry.entry.regime).or_default()[svg::slot(s.status)] += 1;
            }
            for (regime, c) in counts {
                series.entry(regime.to_string()).or_default().push((*d, c));
            }
        }
        svg::status_chart(&series.into_iter().collect::<Vec<_>>())
        });
        let statuses = store.source_statuses().map_err(internal)?;
        let currency: Vec<_> =
            report::Currency::of(&state.config.sources, &statuses, state.clock.now())
                .iter()
                .map(|c| context! { line => c.line(), bad => c.failing.is_some() || c.stale.is_some() })
                .collect();
        let reviews = store.reviews().map_err(internal)?;
        let unreviewed = store
            .changes(None, None)
            .map_err(internal)?
            .iter()
            .filter(|c| !reviews.contains_key(&c.uid))
            .count();
        let doubts = store.doubt_count().map_err(internal)?;
        state.render(
            "overview.html",
            context! {
                title => "Overview",
                db => db(state),
                since => q.since.clone().filter(|s| !s.trim().is_empty()),
                last_visit => last_visit,
                headlines => main,
                also => also,
                upcoming => upcoming,
                next => next,
                chart => chart.as_str(),
                currency => currency,
                unreviewed => unreviewed,
                doubts => v(&doubts),
            },
        )
    })
    .await
}

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    pub as_of: Option<String>,
    pub status: Option<String>,
    pub regime: Option<String>,
    pub code: Option<String>,
    pub hs: Option<String>,
    pub q: Option<String>,
    /// Only entries that may cover this product (`id` in the products file).
    pub product: Option<String>,
    /// Only entries concerning this watch (`[[watch]] name`).
    pub watch: Option<String>,
    pub page: Option<usize>,
}

/// Case, spaces and hyphens aside.
fn fold(s: &str) -> String {
    crate::extract::text::normalise(s)
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect()
}

/// The list on a date with the query's filters.
pub fn filtered(
    list: &[ListedEntry],
    q: &ListQuery,
    state: &AppState,
) -> Result<Vec<ListedEntry>, Failure> {
    let nonempty = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let status = match nonempty(&q.status) {
        Some(s) => {
            Some(Status::parse(&s).ok_or_else(|| Failure::BadRequest(format!("no status {s:?}")))?)
        }
        None => None,
    };
    let (regime, code, hs, kw) = (
        nonempty(&q.regime),
        nonempty(&q.code).map(|c| c.to_ascii_lowercase()),
        nonempty(&q.hs).map(|h| h.chars().filter(char::is_ascii_digit).collect::<String>()),
        nonempty(&q.q).map(|k| fold(&k)),
    );
    let product = match nonempty(&q.product) {
        Some(id) => {
            let Some(path) = &state.config.products else {
                return Err(Failure::BadRequest(
                    "no products file is configured (`products` in schedule.toml)".into(),
                ));
            };
            let text = std::fs::read_to_string(path).map_err(internal)?;
            let products = crate::impact::parse_products(&text).map_err(Failure::BadRequest)?;
            Some(
                products
                    .into_iter()
                    .find(|p| p.id == id)
                    .ok_or_else(|| Failure::BadRequest(format!("no product {id:?}")))?,
            )
        }
        None => None,
    };
    let watch = match nonempty(&q.watch) {
        Some(name) => Some(
            state
                .config
                .watches
                .iter()
                .find(|w| w.name == name)
                .cloned()
                .ok_or_else(|| Failure::BadRequest(format!("no watch {name:?}")))?,
        ),
        None => None,
    };
    let mut list: Vec<ListedEntry> = list.to_vec();
    list.retain(|e| {
        product
            .as_ref()
            .is_none_or(|p| !crate::impact::product_reasons(p, e).is_empty())
            && watch
                .as_ref()
                .is_none_or(|w| !crate::impact::watch_reasons(w, e).is_empty())
    });
    list.retain(|e| {
        status.is_none_or(|s| e.status == s)
            && regime.as_deref().is_none_or(|r| e.regime == r)
            && code
                .as_deref()
                .is_none_or(|c| e.code.to_ascii_lowercase().starts_with(c))
            && hs
                .as_deref()
                .is_none_or(|h| !h.is_empty() && e.hs_codes.iter().any(|x| x.starts_with(h)))
            && kw.as_deref().is_none_or(|k| {
                fold(&e.description).contains(k) || fold(&e.description_en).contains(k)
            })
    });
    Ok(list)
}

const PAGE: usize = 200;

/// The ids of the configured products, for the list's filter (none when unreadable).
fn products_of(state: &AppState) -> Vec<String> {
    state
        .config
        .products
        .as_ref()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|t| crate::impact::parse_products(&t).ok())
        .map(|ps| ps.into_iter().map(|p| p.id).collect())
        .unwrap_or_default()
}

pub async fn list(State(state): State<Arc<AppState>>, Query(q): Query<ListQuery>) -> Page {
    blocking(&state, move |state, store| {
        let as_of = day(&q.as_of, today(state))?;
        let all = state.list_on(store, as_of)?;
        let rows = filtered(&all, &q, state)?;
        let regimes: Vec<String> = {
            let set: std::collections::BTreeSet<&str> =
                all.iter().map(|e| e.regime.as_str()).collect();
            set.into_iter().map(str::to_string).collect()
        };
        let pages = rows.len().div_ceil(PAGE).max(1);
        let page = q.page.unwrap_or(1).clamp(1, pages);
        let link = |p: usize| {
            let mut s = url::form_urlencoded::Serializer::new(String::new());
            s.append_pair("as_of", &as_of.to_string());
            for (k, v) in [
                ("status", &q.status),
                ("regime", &q.regime),
                ("code", &q.code),
                ("hs", &q.hs),
                ("q", &q.q),
            ] {
                if let Some(v) = v {
                    s.append_pair(k, v);
                }
            }
            s.append_pair("page", &p.to_string());
            format!("/list?{}", s.finish())
        };
        let shown: Vec<&ListedEntry> = rows.iter().skip((page - 1) * PAGE).take(PAGE).collect();
        state.render(
            "list.html",
            context! {
                title => format!("The lists on {as_of}"),
                db => db(state),
                as_of => as_of.to_string(),
                statuses => ["in-force", "not-yet-effective", "suspended", "repealed", "removed"],
                status => q.status.clone().unwrap_or_default(),
                regimes => regimes,
                regime => q.regime.clone().unwrap_or_default(),
                code => q.code.clone().unwrap_or_default(),
                hs => q.hs.clone().unwrap_or_default(),
                q => q.q.clone().unwrap_or_default(),
                product => q.product.clone().unwrap_or_default(),
                watch => q.watch.clone().unwrap_or_default(),
                products => products_of(state),
                watches => state.config.watches.iter().map(|w| w.name.clone()).collect::<Vec<_>>(),
                rows => v(&shown),
                total => rows.len(),
                page => page,
                pages => pages,
                prev => link(page.saturating_sub(1).max(1)),
                next => link(page + 1),
            },
        )
    })
    .await
}

/// An entry's statuses through time: each date its status or the announcement setting it moved.
pub fn history(
    heads: &HashMap<String, KnownAnnouncement>,
    entries: &[StoredEntry],
    regime: &str,
    code: &str,
) -> Vec<(NaiveDate, ListedEntry)> {
    let mine: Vec<StoredEntry> = entries
        .iter()
        .filter(|e| e.entry.regime == regime && e.entry.code == code)
        .cloned()
        .collect();
    let timeline = Timeline::new(heads);
    let mut dates: Vec<NaiveDate> = mine
        .iter()
        .filter_map(|e| heads.get(&e.announcement).and_then(|a| a.issued))
        .collect();
    dates.extend(timeline.event_dates());
    dates.sort();
    dates.dedup();
    let mut out: Vec<(NaiveDate, ListedEntry)> = Vec::new();
    for d in dates {
        let Some(now) = timeline.list(&mine, d).into_iter().next() else {
            continue;
        };
        let moved = out.last().is_none_or(|(_, prev)| {
            prev.status != now.status
                || prev.status_by != now.status_by
                || prev.announcement != now.announcement
        });
        if moved {
            out.push((d, now));
        }
    }
    out
}

pub async fn entry(
    State(state): State<Arc<AppState>>,
    Path((regime, code)): Path<(String, String)>,
) -> Page {
    blocking(&state, move |state, store| {
        let inputs = state.inputs(store)?;
        let (heads, entries) = (&inputs.heads, &inputs.entries);
        let as_of = today(state);
        let events = history(heads, entries, &regime, &code);
        let Some(current) = Timeline::new(heads)
            .list(
                &entries
                    .iter()
                    .filter(|e| e.entry.regime == regime && e.entry.code == code)
                    .cloned()
                    .collect::<Vec<_>>(),
                as_of,
            )
            .into_iter()
            .next()
        else {
            return Err(Failure::NotFound(format!("no entry {code} in {regime}")));
        };
        let bar: Vec<(NaiveDate, Status)> = events.iter().map(|(d, e)| (*d, e.status)).collect();
        let rows: Vec<_> = events
            .iter()
            .map(|(d, e)| {
                let words = match e.status {
                    Status::NotYetEffective => format!("announced by {}, not yet in force", short_citation(&e.announcement)),
                    Status::InForce if e.status_by == e.announcement => "in force".to_string(),
                    Status::InForce => "in force".to_string(),
                    Status::Suspended => format!("suspended{}", e.until.map(|u| format!(" until {u}")).unwrap_or_default()),
                    Status::Repealed => "repealed".to_string(),
                    Status::Removed => "removed from its list".to_string(),
                };
                context! { date => d.to_string(), status => e.status.as_str(), words => words, by => &e.status_by, citation => short_citation(&e.status_by) }
            })
            .collect();
        state.render(
            "entry.html",
            context! {
                title => format!("{code}"),
                db => db(state),
                as_of => as_of.to_string(),
                entry => v(&current),
                list_name => report::list_name(&regime),
                timeline => svg::timeline(&bar, as_of),
                events => rows,
            },
        )
    })
    .await
}

pub async fn announcements(State(state): State<Arc<AppState>>) -> Page {
    blocking(&state, move |state, store| {
        let mut heads = store.announcement_heads().map_err(internal)?;
        heads.sort_by_key(|a| std::cmp::Reverse((a.issued, a.year, a.number)));
        let rows: Vec<_> = heads
            .iter()
            .map(|a| {
                let dates = [a.issued.map(|d| format!("issued {d}")), a.effective.iter().map(|e| e.date).min().map(|d| format!("effective {d}"))]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" · ");
                context! { key => &a.key, citation => a.citation(), title => &a.title, title_en => report::title_en(a).0, dates => dates }
            })
            .collect();
        state.render("announcements.html", context! { title => "Announcements", db => db(state), rows => rows })
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

/// Changes on one page at most: the newest.
const SHOWN_CHANGES: usize = 1000;

#[derive(Debug, Deserialize)]
pub struct ChangesQuery {
    since: Option<String>,
    kind: Option<String>,
    unreviewed: Option<String>,
}

pub async fn changes(State(state): State<Arc<AppState>>, Query(q): Query<ChangesQuery>) -> Page {
    blocking(&state, move |state, store| {
        let since = match q.since.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Some(format!(
                "{}T00:00:00Z",
                s.parse::<NaiveDate>().map_err(|_| Failure::BadRequest(format!("{s:?} is not a date")))?
            )),
            None => None,
        };
        let mut changes = store.changes(since.as_deref(), None).map_err(internal)?;
        let reviews = report::touch::current(store.reviews().map_err(internal)?);
        if let Some(k) = q.kind.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            changes.retain(|c| c.kind == k);
        }
        let unreviewed = q.unreviewed.as_deref().is_some_and(|v| !v.is_empty());
        if unreviewed {
            changes.retain(|c| !reviews.contains_key(&c.uid));
        }
        // The newest; a filter shows older ones.
        let total = changes.len();
        if total > SHOWN_CHANGES {
            changes.drain(..total - SHOWN_CHANGES);
        }
        // The heads (kept between requests) are all the rows need: citations, dates, English.
        let inputs = state.inputs(store)?;
        let report = ChangeReport::new(&changes, &inputs.heads);
        let groups: Vec<_> = report
            .groups
            .iter()
            .rev()
            .map(|g| {
                let rows: Vec<_> = g
                    .changes
                    .iter()
                    .map(|c| {
                        let class = if c.kind == crate::check::transitions::STATUS_CHANGED {
                            report::status_transition(c).to
                        } else {
                            c.kind.clone()
                        };
                        context! {
                            id => &c.uid,
                            kind => c.kind.to_uppercase(),
                            class => class,
                            sentence => report::sentence(c, g, report::Lang::Both),
                            review => report::touch::review_words(reviews.get(&c.uid)),
                            raw_id => &c.uid,
                            touches => "",
                        }
                    })
                    .collect();
                context! { key => g.key, citation => g.citation(), dates => g.dates(), changes => rows }
            })
            .collect();
        state.render(
            "changes.html",
            context! {
                title => "Changes",
                db => db(state),
                since => q.since.clone().unwrap_or_default(),
                kind => q.kind.clone().unwrap_or_default(),
                unreviewed => unreviewed,
                groups => groups,
                total => total,
                shown => total.min(SHOWN_CHANGES),
                csrf => state.csrf(),
                states => ["reviewed", "not-applicable", "needs-action"],
            },
        )
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct CompareQuery {
    from: Option<String>,
    to: Option<String>,
}

pub async fn compare(State(state): State<Arc<AppState>>, Query(q): Query<CompareQuery>) -> Page {
    blocking(&state, move |state, store| {
        let t = today(state);
        let from = day(&q.from, t - chrono::Days::new(365))?;
        let to = day(&q.to, t)?;
        let before = state.list_on(store, from)?;
        let after = state.list_on(store, to)?;
        let deltas: Vec<_> = compare_lists(&before, &after)
            .iter()
            .filter_map(|d| {
                let e = d.after.or(d.before)?;
                let what = match &d.delta {
                    crate::diff::list::Delta::StatusChanged { from, to } => format!("{} → {}", from.as_str(), to.as_str()),
                    other => other.kind().to_string(),
                };
                Some(context! { what => what, status => e.status.as_str(), regime => &e.regime, code => &e.code, en => &e.description_en, zh => &e.description })
            })
            .collect();
        state.render(
            "compare.html",
            context! { title => format!("The lists on {from} and {to}"), db => db(state), from => from.to_string(), to => to.to_string(), deltas => deltas },
        )
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct ScreenQuery {
    pub name: Option<String>,
    pub as_of: Option<String>,
}

pub async fn screen(State(state): State<Arc<AppState>>, Query(q): Query<ScreenQuery>) -> Page {
    blocking(&state, move |state, store| {
        let as_of = day(&q.as_of, today(state))?;
        let name = q.name.clone().unwrap_or_default();
        let hits = if name.trim().is_empty() {
            Vec::new()
        } else {
            let mut listed: Vec<ListedEntry> = state.list_on(store, as_of)?.to_vec();
            listed.retain(|e| e.item_type == crate::model::ItemType::Entity);
            crate::screen::Screener::new(&listed).screen(&name)
        };
        let rows: Vec<_> = hits
            .iter()
            .map(|h| context! { quality => h.quality.as_str(), why => &h.why, party => v(&h.party), list => report::list_name(&h.party.regime) })
            .collect();
                state.render(
            "screen.html",
            context! { title => "Screen a name", db => db(state), name => name, as_of => as_of.to_string(), hits => rows },
        )
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct ReviewForm {
    id: String,
    state: String,
    #[serde(default)]
    note: String,
    by: String,
    csrf: String,
}

/// `POST /review`: records a review from the changes page. Needs the token (checked for every
/// request) and the form's CSRF token; answers with the changes page again.
pub async fn review(
    State(state): State<Arc<AppState>>,
    headers: axum::http::HeaderMap,
    axum::Form(f): axum::Form<ReviewForm>,
) -> Page {
    let Some(expected) = state.csrf() else {
        return Err(Failure::Forbidden(
            "this view is read-only: start it with REGWATCH_TOKEN to record reviews".into(),
        ));
    };
    // A form posted from another origin is refused even with the right cookie.
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let origin_ok = headers
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .is_none_or(|o| o.ends_with(&format!("//{host}")));
    if f.csrf != expected || !origin_ok {
        return Err(Failure::Forbidden(
            "the form's token does not match: reload the page".into(),
        ));
    }
    let Some(review_state) = crate::store::review::ReviewState::parse(&f.state) else {
        return Err(Failure::BadRequest(format!(
            "no review state {:?}",
            f.state
        )));
    };
    if f.by.trim().is_empty() {
        return Err(Failure::BadRequest("say who reviewed".into()));
    }
    let id = f.id.clone();
    let st = state.clone();
    tokio::task::spawn_blocking(move || -> Result<(), Failure> {
        let _lock =
            crate::store::lock::StoreLock::acquire(&st.db_path, std::time::Duration::from_secs(10))
                .map_err(|e| Failure::Internal(e.to_string()))?;
        let mut store = Store::open(&st.db_path).map_err(internal)?;
        let tx = store.transaction().map_err(internal)?;
        let known = tx
            .add_review(&crate::store::review::Review {
                change: f.id.clone(),
                state: review_state,
                note: f.note.trim().to_string(),
                by: f.by.trim().to_string(),
                at: crate::clock::format_time(st.clock.now()),
            })
            .map_err(internal)?;
        if !known {
            return Err(Failure::NotFound(format!("no change {}", f.id)));
        }
        tx.commit().map_err(internal)
    })
    .await
    .map_err(internal)??;
    let mut r = Response::new(Body::empty());
    *r.status_mut() = axum::http::StatusCode::SEE_OTHER;
    if let Ok(v) = HeaderValue::from_str(&format!("/changes#{id}")) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    Ok(r)
}
