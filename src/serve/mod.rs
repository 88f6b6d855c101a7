//! serve: the store in a browser. Server-rendered HTML from auto-escaping templates (minijinja,
//! `templates/*.html`), a small stylesheet, no script, nothing fetched from elsewhere; and a JSON
//! API under `/api/` in the CLI's shapes. Reads only: every request opens the store read-only, so
//! a running `check` or `run` is never held up.
//!
//! Safety: loopback by default; another address needs a token (`REGWATCH_TOKEN`, sent as
//! `Authorization: Bearer …`, or once as `?token=` which sets a cookie) or `--read-only` to say
//! that an open read-only view is meant. Every response carries a CSP that allows nothing but this
//! server's stylesheet and inline SVG, `nosniff`, no referrer, no framing.

mod api;
mod cache;
mod pages;
mod svg;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::clock::Clock;
use crate::config::Config;
use std::sync::Mutex;

use crate::store::{Location, Store};

/// What every request needs.
pub struct AppState {
    pub db: Location,
    /// Read-only connections kept between requests (a PostgreSQL connection costs a round trip
    /// or three to open).
    idle: Mutex<Vec<Store>>,
    pub config: Config,
    pub clock: Clock,
    pub token: Option<String>,
    cache: cache::Cache,
}

const STYLE: &str = crate::templates::STYLE;

/// The content security policy: this server's stylesheet, inline SVG, forms to itself; no script,
/// no frames, nothing from elsewhere.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

impl AppState {
    pub fn new(db: Location, config: Config, clock: Clock, token: Option<String>) -> AppState {
        AppState {
            db,
            idle: Mutex::new(Vec::new()),
            config,
            clock,
            token,
            cache: cache::Cache::default(),
        }
    }

    /// A read-only connection for one request, back to the idle ones when dropped.
    pub fn store(&self) -> Result<Pooled<'_>, Failure> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let store = match idle {
            Some(s) => s,
            None => {
                Store::open_read_only_at(&self.db).map_err(|e| Failure::Internal(e.to_string()))?
            }
        };
        Ok(Pooled {
            store: Some(store),
            idle: &self.idle,
        })
    }

    /// Whether the store has changed: see [`cache::Cache::stamp`].
    pub fn stamp(&self) -> cache::Stamp {
        self.cache.stamp(&self.db)
    }

    /// Whether pages may write (reviews): only with a token, whose holder is the writer.
    pub fn writes(&self) -> bool {
        self.token.is_some()
    }

    /// The form token that proves a write comes from one of this server's pages (a page from
    /// another site cannot read it): derived from the access token.
    pub fn csrf(&self) -> Option<String> {
        self.token
            .as_ref()
            .map(|t| crate::store::sha256_hex(format!("regwatch-csrf:{t}").as_bytes()))
    }

    /// The announcements and entries, read once while the store is unchanged.
    pub fn inputs(&self, store: &Store) -> Result<Arc<cache::Inputs>, Failure> {
        self.cache
            .inputs(&self.db, store)
            .map_err(|e| Failure::Internal(e.to_string()))
    }

    /// The whole list on a date, made once while the store is unchanged.
    pub fn list_on(
        &self,
        store: &Store,
        as_of: chrono::NaiveDate,
    ) -> Result<Arc<cache::ListOn>, Failure> {
        self.cache
            .list(&self.db, store, as_of)
            .map_err(|e| Failure::Internal(e.to_string()))
    }

    /// The lists on two dates reduced to the codes on which they differ.
    pub fn differing(
        &self,
        store: &Store,
        dates: [chrono::NaiveDate; 2],
    ) -> Result<[Vec<crate::diff::list::ListedEntry>; 2], Failure> {
        self.cache
            .differing(&self.db, store, dates)
            .map_err(|e| Failure::Internal(e.to_string()))
    }

    /// The overview's chart for a day, made once while the store is unchanged.
    pub fn cache_chart(
        &self,
        today: chrono::NaiveDate,
        make: impl FnOnce() -> String,
    ) -> Arc<String> {
        self.cache.chart(&self.db, today, make)
    }

    /// A page from a template and its context; every value is escaped unless marked safe.
    pub fn render(&self, name: &str, ctx: minijinja::Value) -> Result<Response, Failure> {
        let html =
            crate::templates::render(name, ctx).map_err(|e| Failure::Internal(format!("{e:#}")))?;
        Ok(html_response(
            crate::safe_text::strip_controls(&html).into_owned(),
        ))
    }
}

fn html_response(html: String) -> Response {
    let mut r = Response::new(Body::from(html));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r
}

/// Why a request failed.
#[derive(Debug)]
pub enum Failure {
    NotFound(String),
    Forbidden(String),
    BadRequest(String),
    Internal(String),
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            Failure::NotFound(m) => (StatusCode::NOT_FOUND, m),
            Failure::Forbidden(m) => (StatusCode::FORBIDDEN, m),
            Failure::BadRequest(m) => (StatusCode::BAD_REQUEST, m),
            Failure::Internal(m) => {
                tracing::error!("serve: {m}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "regwatch could not answer this request; its log says why".to_string(),
                )
            }
        };
        let html = crate::templates::render(
            "error.html",
            minijinja::context! { title => status.canonical_reason().unwrap_or("Error"), message => message, db => "" },
        )
        .unwrap_or_else(|_| "error".to_string());
        let mut r = html_response(html);
        *r.status_mut() = status;
        r
    }
}

/// At most this many idle read-only connections are kept.
const IDLE: usize = 8;

/// A read-only store lent to one request.
pub struct Pooled<'a> {
    store: Option<Store>,
    idle: &'a Mutex<Vec<Store>>,
}

impl std::ops::Deref for Pooled<'_> {
    type Target = Store;
    fn deref(&self) -> &Store {
        self.store.as_ref().expect("held until dropped")
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < IDLE
            && let Some(s) = self.store.take()
        {
            idle.push(s);
        }
    }
}

/// Runs `work` with a read-only store off the async threads.
pub async fn blocking<T: Send + 'static>(
    state: &Arc<AppState>,
    work: impl FnOnce(&AppState, &Store) -> Result<T, Failure> + Send + 'static,
) -> Result<T, Failure> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || {
        let store = state.store()?;
        work(&state, &store)
    })
    .await
    .map_err(|e| Failure::Internal(e.to_string()))?
}

/// The security headers, and the token when one is required.
async fn guard(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    if let Some(token) = &state.token {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_string)
            .or_else(|| {
                req.headers()
                    .get(header::COOKIE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|c| {
                        c.split(';')
                            .find_map(|kv| kv.trim().strip_prefix("regwatch_token="))
                    })
                    .map(str::to_string)
            });
        let query_token = req.uri().query().and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "token")
                .map(|(_, v)| v.into_owned())
        });
        let ok = |t: &str| constant_time_eq(t.as_bytes(), token.as_bytes());
        if let Some(q) = query_token {
            if !ok(&q) {
                return (StatusCode::UNAUTHORIZED, "wrong token").into_response();
            }
            // Once: the token becomes a cookie, and the URL without it.
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::SEE_OTHER;
            r.headers_mut()
                .insert(header::LOCATION, HeaderValue::from_static("/"));
            if let Ok(v) = HeaderValue::from_str(&format!(
                "regwatch_token={token}; HttpOnly; SameSite=Strict; Path=/"
            )) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            return r;
        }
        if !given.as_deref().is_some_and(ok) {
            return (
                StatusCode::UNAUTHORIZED,
                "this regwatch needs its token: Authorization: Bearer <token>, or open /?token=<token> once",
            )
                .into_response();
        }
    }
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    h.insert("content-security-policy", HeaderValue::from_static(CSP));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    r
}

/// Answers a GET again from the cache while the store is unchanged (and on the same day): the
/// pages are functions of the request, the store and the date. Versions (stored bytes) are not
/// kept here; they are read directly.
async fn cached(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if req.method() != axum::http::Method::GET
        || path.starts_with("/version/")
        || path.starts_with("/static/")
    {
        return next.run(req).await;
    }
    // The overview says what happened since the last visit (a cookie): part of the request.
    let visit = req
        .headers()
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| {
            c.split(';')
                .find_map(|kv| kv.trim().strip_prefix("regwatch_last_visit="))
        })
        .unwrap_or("")
        .to_string();
    let key = (
        format!(
            "{} {visit}",
            req.uri()
                .path_and_query()
                .map_or(path.clone(), |p| p.as_str().to_string())
        ),
        pages::today(&state),
    );
    let db = state.db.clone();
    let hit = {
        let (state, db, key) = (state.clone(), db.clone(), key.clone());
        tokio::task::spawn_blocking(move || state.cache.page(&db, &key))
            .await
            .ok()
            .flatten()
    };
    if let Some(hit) = hit {
        let mut r = Response::new(Body::from(hit.1.clone()));
        for (k, v) in &hit.0 {
            if let (Ok(k), Ok(v)) = (
                axum::http::HeaderName::from_bytes(k.as_bytes()),
                HeaderValue::from_str(v),
            ) {
                r.headers_mut().insert(k, v);
            }
        }
        return r;
    }
    let r = next.run(req).await;
    if r.status() != StatusCode::OK {
        return r;
    }
    let (parts, body) = r.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 16 << 20).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .filter_map(|(k, v)| Some((k.to_string(), v.to_str().ok()?.to_string())))
        .collect();
    {
        let (state, bytes) = (state.clone(), bytes.clone());
        let _ =
            tokio::task::spawn_blocking(move || state.cache.keep_page(&db, key, headers, bytes))
                .await;
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn style() -> Response {
    let mut r = Response::new(Body::from(STYLE));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=3600"),
    );
    r
}

/// Every route.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(pages::overview))
        .route("/list", get(pages::list))
        .route("/entry/{regime}/{code}", get(pages::entry))
        .route("/announcements", get(pages::announcements))
        .route("/announcement/{key}", get(pages::announcement))
        .route("/version/{id}", get(pages::version))
        .route("/changes", get(pages::changes))
        .route("/review", axum::routing::post(pages::review))
        .route("/compare", get(pages::compare))
        .route("/screen", get(pages::screen))
        .route("/code", get(pages::code))
        .route("/static/style.css", get(style))
        .route("/api/list", get(api::list))
        .route("/api/changes", get(api::changes))
        .route("/api/announcements", get(api::announcements))
        .route("/api/entry/{regime}/{code}", get(api::entry))
        .route("/api/screen", get(api::screen))
        .route("/api/impact", get(api::impact))
        .layer(axum::middleware::from_fn_with_state(state.clone(), cached))
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

/// Keeps the pages people open first ready: whenever the store changes (a check wrote), the
/// announcements and entries are read again, today's list is made (with all its rows) and the
/// overview rendered, in the background, so that a person rarely waits for them.
async fn warm(state: Arc<AppState>) {
    use tower::ServiceExt as _;
    let mut last: Option<cache::Stamp> = None;
    loop {
        let stamp = {
            let s = state.clone();
            tokio::task::spawn_blocking(move || s.stamp())
                .await
                .unwrap_or_default()
        };
        if last.as_ref() != Some(&stamp) {
            let s = state.clone();
            let _ = tokio::task::spawn_blocking(move || {
                if let Ok(store) = s.store() {
                    let _ = s.inputs(&store);
                    // Today's whole rows too: the screener and the overview read them all.
                    let _ = s.list_on(&store, pages::today(&s)).map(|l| l.rows().len());
                }
            })
            .await;
            let mut req = Request::builder().uri("/");
            if let Some(t) = &state.token {
                req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
            }
            if let Ok(req) = req.body(Body::empty()) {
                let _ = router(state.clone()).oneshot(req).await;
            }
            last = Some(stamp);
        }
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    }
}

/// Serves until the process is stopped; `ready` is told the address once it listens.
pub async fn serve(
    state: Arc<AppState>,
    bind: SocketAddr,
    ready: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(bind).await?;
    ready(listener.local_addr()?);
    tokio::spawn(warm(state.clone()));
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
