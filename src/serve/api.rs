//! The JSON API under `/api/`, in the shapes the CLI prints with `--format json`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use serde::Deserialize;

use super::pages::{ListQuery, ScreenQuery, day, filtered, history, today};
use super::{AppState, Failure, blocking};
use crate::diff::list::Timeline;
use crate::report::{self, ChangeReport};
use crate::store::KnownAnnouncement;

type Api = Result<Response, Failure>;

fn json(body: String) -> Response {
    let mut r = Response::new(axum::body::Body::from(body));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn internal(e: impl std::fmt::Display) -> Failure {
    Failure::Internal(e.to_string())
}

/// `GET /api/list?as_of=&status=&regime=&code=&hs=&q=`: as `list --format json`.
pub async fn list(State(state): State<Arc<AppState>>, Query(q): Query<ListQuery>) -> Api {
    blocking(&state, move |state, store| {
        let as_of = day(&q.as_of, today(state))?;
        let all = state.list_on(store, as_of)?;
        let rows = filtered(&all, &q, state)?;
        let whole = all.rows();
        let rows: Vec<&crate::diff::list::ListedEntry> = rows.iter().map(|&i| &whole[i]).collect();
        let mut body = serde_json::to_string_pretty(&rows).map_err(internal)?;
        body.push('\n');
        Ok(json(body))
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct ChangesQuery {
    since: Option<String>,
}

/// `GET /api/changes?since=`: as `changes --format json`.
pub async fn changes(State(state): State<Arc<AppState>>, Query(q): Query<ChangesQuery>) -> Api {
    blocking(&state, move |_, store| {
        let since = match q.since.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => Some(
                crate::cli::parse_instant(s, false)
                    .map_err(|e| Failure::BadRequest(e.to_string()))?,
            ),
            None => None,
        };
        let changes = store.changes(since.as_deref(), None).map_err(internal)?;
        let full: HashMap<String, KnownAnnouncement> =
            store.announcements_by_key().map_err(internal)?;
        let mut r = ChangeReport::new(&changes, &full);
        r.reviews = report::touch::current(store.reviews().map_err(internal)?);
        Ok(json(report::json::changes(&r)))
    })
    .await
}

/// `GET /api/announcements`: as `announcements --format json`.
pub async fn announcements(State(state): State<Arc<AppState>>) -> Api {
    blocking(&state, move |_, store| {
        let list = store.announcements().map_err(internal)?;
        let corrections = store.corrections().map_err(internal)?;
        Ok(json(report::json::announcements(&list, &corrections)))
    })
    .await
}

/// `GET /api/entry/{regime}/{code}`: `{entry, history[{date, status, status_by, until}]}`.
pub async fn entry(
    State(state): State<Arc<AppState>>,
    Path((regime, code)): Path<(String, String)>,
) -> Api {
    blocking(&state, move |state, store| {
        let inputs = state.inputs(store)?;
        let (heads, entries) = (&inputs.heads, &inputs.entries);
        let events = history(heads, entries, &regime, &code);
        let Some((_, _)) = events.last() else {
            return Err(Failure::NotFound(format!("no entry {code} in {regime}")));
        };
        let mine: Vec<_> = entries
            .iter()
            .filter(|e| e.entry.regime == regime && e.entry.code == code)
            .cloned()
            .collect();
        let current = Timeline::new(heads)
            .list(&mine, today(state))
            .into_iter()
            .next();
        let body = serde_json::json!({
            "entry": current,
            "history": events.iter().map(|(d, e)| serde_json::json!({
                "date": d, "status": e.status, "status_by": e.status_by, "until": e.until,
            })).collect::<Vec<_>>(),
        });
        Ok(json(serde_json::to_string_pretty(&body).map_err(internal)?))
    })
    .await
}

/// `GET /api/screen?name=&as_of=`: `{name, as_of, hits[]}`, as `screen --format json`.
pub async fn screen(State(state): State<Arc<AppState>>, Query(q): Query<ScreenQuery>) -> Api {
    blocking(&state, move |state, store| {
        let as_of = day(&q.as_of, today(state))?;
        let name = q.name.clone().unwrap_or_default();
        if name.trim().is_empty() {
            return Err(Failure::BadRequest(
                "name a party: /api/screen?name=…".into(),
            ));
        }
        let hits = crate::screen::Screener::new(&state.list_on(store, as_of)?).screen(&name);
        Ok(json(
            serde_json::to_string_pretty(
                &serde_json::json!({ "name": name, "as_of": as_of, "hits": hits }),
            )
            .map_err(internal)?,
        ))
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct ImpactQuery {
    as_of: Option<String>,
}

/// `GET /api/impact?as_of=`: per product of the configured products file, the entries covering it.
pub async fn impact(State(state): State<Arc<AppState>>, Query(q): Query<ImpactQuery>) -> Api {
    blocking(&state, move |state, store| {
        let Some(path) = &state.config.products else {
            return Err(Failure::NotFound(
                "no products file is configured (`products` in schedule.toml)".into(),
            ));
        };
        let text = std::fs::read_to_string(path).map_err(internal)?;
        let products = crate::impact::parse_products(&text).map_err(Failure::BadRequest)?;
        let as_of = day(&q.as_of, today(state))?;
        let list = state.list_on(store, as_of)?;
        let found = crate::impact::exposures(&products, &list);
        Ok(json(
            serde_json::to_string_pretty(&found).map_err(internal)?,
        ))
    })
    .await
}
