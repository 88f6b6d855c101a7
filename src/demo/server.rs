//! A local web server that replays `snapshots/` as the sites served them, one capture date at a
//! time: pages laid out as `{site}/{YYYY-MM-DD}/{host}/{path}`, each capture holding only what was
//! new or changed that day, so a page is served from the newest capture up to the current step.
//! Answers conditional GETs (ETag, Last-Modified) like a real server. Used by `regwatch demo` and
//! the tests; it binds 127.0.0.1 only.

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use anyhow::{Context, Result, bail};
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::Response;
use chrono::NaiveDate;

struct Capture {
    date: NaiveDate,
    dir: PathBuf,
    /// `host/path` → Content-Type, from the capture's `headers.toml`.
    content_types: HashMap<String, String>,
}

pub struct SnapshotSite {
    captures: Vec<Capture>,
    dates: Vec<NaiveDate>,
    step: AtomicUsize,
    pub requests: AtomicU64,
    pub not_modified: AtomicU64,
}

impl SnapshotSite {
    /// Reads every `{site}/{date}` folder under `root`.
    pub fn load(root: &Path) -> Result<SnapshotSite> {
        let mut captures = Vec::new();
        let sites = std::fs::read_dir(root)
            .with_context(|| format!("reading snapshots folder {}", root.display()))?;
        for site in sites {
            let site = site?.path();
            if !site.is_dir() {
                continue;
            }
            for day in std::fs::read_dir(&site)? {
                let dir = day?.path();
                let Some(name) = dir.file_name().and_then(|n| n.to_str()) else {
                    continue;
                };
                let Ok(date) = name.parse::<NaiveDate>() else {
                    continue;
                };
                let headers_file = dir.join("headers.toml");
                let content_types = if headers_file.exists() {
                    let text = std::fs::read_to_string(&headers_file)?;
                    let table: HashMap<String, HashMap<String, String>> = toml::from_str(&text)
                        .with_context(|| format!("parsing {}", headers_file.display()))?;
                    table
                        .into_iter()
                        .filter_map(|(k, v)| Some((k, v.get("content-type")?.clone())))
                        .collect()
                } else {
                    HashMap::new()
                };
                captures.push(Capture {
                    date,
                    dir,
                    content_types,
                });
            }
        }
        if captures.is_empty() {
            bail!("no capture folders (YYYY-MM-DD) under {}", root.display());
        }
        captures.sort_by_key(|c| std::cmp::Reverse(c.date)); // newest first, for lookups
        let dates: BTreeSet<NaiveDate> = captures.iter().map(|c| c.date).collect();
        Ok(SnapshotSite {
            captures,
            dates: dates.into_iter().collect(),
            step: AtomicUsize::new(0),
            requests: AtomicU64::new(0),
            not_modified: AtomicU64::new(0),
        })
    }

    /// The hosts some capture holds pages of (`{site}/{date}/{host}/…`).
    pub fn hosts(&self) -> BTreeSet<String> {
        self.captures
            .iter()
            .filter_map(|c| std::fs::read_dir(&c.dir).ok())
            .flatten()
            .flatten()
            .filter(|e| e.path().is_dir())
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .collect()
    }

    /// The capture dates, oldest first: the demo's steps.
    pub fn dates(&self) -> &[NaiveDate] {
        &self.dates
    }

    /// Serve the site as it was on the `i`-th capture date.
    pub fn set_step(&self, i: usize) {
        self.step
            .store(i.min(self.dates.len() - 1), Ordering::SeqCst);
    }

    fn current_date(&self) -> NaiveDate {
        self.dates[self.step.load(Ordering::SeqCst)]
    }

    /// The newest version of `host/path` captured on or before the current date.
    fn find(&self, rel: &str) -> Option<(&Capture, PathBuf)> {
        let today = self.current_date();
        self.captures
            .iter()
            .filter(|c| c.date <= today)
            .find_map(|c| {
                let p = c.dir.join(rel);
                p.is_file().then_some((c, p))
            })
    }
}

/// Starts the server on 127.0.0.1 (port chosen by the OS).
pub async fn serve(site: Arc<SnapshotSite>) -> Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = axum::Router::new().fallback(handle).with_state(site);
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((addr, task))
}

/// Where a call of MOFCOM's list API is kept: `{host}/{unit path}/{pageId}/{pageNo}.json`. The
/// mirror layout puts the host first (`{mirror}/{host}/{path}?{query}`).
fn unit_file(uri: &Uri) -> Option<String> {
    let path = uri.path().trim_start_matches('/');
    let (host, rest) = path.split_once('/')?;
    if format!("/{rest}") != crate::extract::cms::UNIT_PATH {
        return None;
    }
    let url = url::Url::parse(&format!("http://{host}/{rest}?{}", uri.query()?)).ok()?;
    let page_id = url
        .query_pairs()
        .find(|(k, _)| k == "pageId")?
        .1
        .into_owned();
    if !page_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let page = crate::extract::cms::page_of(&url);
    Some(format!("{host}/{rest}/{page_id}/{page}.json"))
}

/// The query parameters that tell a capture of an API call from another of the same path, by
/// the short name its file carries: `documents.json@gte=2025-01-01` (a Federal Register search
/// window), `title-15.json@part=744` (the eCFR), `index.html@uri=CELEX_32021R0821` (EUR-Lex).
const QUERY_KEYS: [(&str, &str); 3] = [
    ("conditions[publication_date][gte]", "gte"),
    ("part", "part"),
    ("uri", "uri"),
];

/// The file a call with a query is kept in, when a parameter of [`QUERY_KEYS`] names it.
fn query_file(rel: &str, query: Option<&str>) -> Option<String> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query?.as_bytes())
        .into_owned()
        .collect();
    QUERY_KEYS.iter().find_map(|(param, short)| {
        let (_, v) = pairs.iter().find(|(k, _)| k == param)?;
        let v: String = v
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        Some(format!("{rel}@{short}={v}"))
    })
}

async fn handle(State(site): State<Arc<SnapshotSite>>, uri: Uri, headers: HeaderMap) -> Response {
    let n = site.requests.fetch_add(1, Ordering::Relaxed);
    let rel = uri.path().trim_start_matches('/');
    let unit = unit_file(&uri);
    let rel = if let Some(file) = &unit {
        file.clone()
    } else if rel.ends_with('/') || rel.is_empty() {
        format!("{rel}index.html")
    } else {
        rel.to_string()
    };
    if rel.split('/').any(|seg| seg == ".." || seg == ".") {
        return status(StatusCode::BAD_REQUEST);
    }
    // An API call: the capture of this query, else of the path.
    let rel = match query_file(&rel, uri.query()).filter(|_| unit.is_none()) {
        Some(file) if site.find(&file).is_some() => file,
        _ => rel,
    };
    let Some((capture, path)) = site.find(&rel) else {
        return status(StatusCode::NOT_FOUND);
    };
    let Ok(body) = tokio::fs::read(&path).await else {
        return status(StatusCode::INTERNAL_SERVER_ERROR);
    };
    if unit.is_some() {
        // Like the live API: a fresh `traceId` in every answer, no validators, so the bytes
        // differ on every call while the list does not.
        let text = String::from_utf8_lossy(&body).replace(
            "\"traceId\":\"\"",
            &format!(
                "\"traceId\":\"{:032x}\"",
                u128::from(n) * 0x9e37_79b9_7f4a_7c15 + 1
            ),
        );
        return Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, "application/json; charset=UTF-8")
            .body(Body::from(text))
            .expect("static response");
    }
    let etag = format!("\"{}\"", &crate::store::sha256_hex(&body)[..16]);
    let last_modified = capture
        .date
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    if fresh {
        site.not_modified.fetch_add(1, Ordering::Relaxed);
        return Response::builder()
            .status(StatusCode::NOT_MODIFIED)
            .header(header::ETAG, etag)
            .header(header::LAST_MODIFIED, last_modified)
            .body(Body::empty())
            .expect("static response");
    }
    let content_type = capture
        .content_types
        .get(&rel)
        .cloned()
        .unwrap_or_else(|| guess_type(&rel).to_string());
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::ETAG, etag)
        .header(header::LAST_MODIFIED, last_modified)
        .body(Body::from(body))
        .expect("static response")
}

fn guess_type(path: &str) -> &'static str {
    // `title-15.json@part=744`: the type of the path, not of the query.
    let path = path.split('@').next().unwrap_or(path);
    match path.rsplit('.').next() {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("json") => "application/json",
        Some("xml") => "application/xml",
        Some("pdf") => "application/pdf",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn status(code: StatusCode) -> Response {
    Response::builder()
        .status(code)
        .body(Body::empty())
        .expect("static response")
}
