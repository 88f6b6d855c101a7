//! fetch: one HTTP client for the whole run, polite per host, conditional GETs, size caps and
//! retries for transient errors only. Returns raw bytes; decoding is the extractor's business.

pub mod origin;
pub mod politeness;
pub mod robots;
pub mod tls;

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{
    CONTENT_LENGTH, ETAG, HeaderMap, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, LOCATION,
    RETRY_AFTER,
};
use url::Url;

use crate::config::{HttpConfig, PolitenessConfig};
pub use crate::store::Validators;
use politeness::Politeness;

/// Longest Retry-After we honour; a server asking for more gets retried on the next run.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);
/// Retries after the first attempt, for transient errors only.
const RETRIES: u32 = 2;
const BACKOFF_BASE: Duration = Duration::from_millis(500);

/// A page as the server sent it.
#[derive(Debug, Clone)]
pub struct Response {
    /// Where the redirects ended (the real URL, also when fetched through a mirror).
    pub final_url: Url,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug)]
pub enum Fetched {
    Page(Response),
    /// 304: the version we hold is current.
    NotModified,
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("HTTP {status} from {url}")]
    Status {
        url: Url,
        status: u16,
        retry_after: Option<Duration>,
    },
    #[error("timed out fetching {url}")]
    Timeout { url: Url },
    #[error("cannot connect to {url}: {reason}")]
    Connect { url: Url, reason: String },
    #[error("response from {url} is larger than the {limit}-byte limit")]
    TooLarge { url: Url, limit: u64 },
    #[error("{url} redirected to {to}, outside the source's allowed hosts")]
    OffSite { url: Url, to: Url },
    #[error("{url} is outside the source's allowed hosts; not fetched")]
    NotAllowed { url: Url },
    /// The server's certificate chain was not trusted. Permanent until someone decides to
    /// trust its issuer (`ca_file`); verification is never turned off.
    #[error(
        "the TLS certificate of {url} was not trusted ({reason}){}; if you trust that issuer, add its CA certificate (PEM) with the source's ca_file or http.ca_file",
        issuer.as_ref().map(|i| format!("; it is issued by {i}")).unwrap_or_default()
    )]
    Certificate {
        url: Url,
        reason: String,
        issuer: Option<String>,
    },
    /// A redirect that can never be followed: to another scheme, unparsable, or one too many.
    /// Permanent: asking again gets the same answer.
    #[error("fetching {url}: {reason}")]
    Redirect { url: Url, reason: String },
    #[error("fetching {url}: {reason}")]
    Other { url: Url, reason: String },
    #[error(
        "{url} is disallowed by the host's robots.txt (set robots_txt = false on the source to override)"
    )]
    Robots { url: Url },
    #[error("{reason} (reading robots.txt, so {url} was not fetched)")]
    RobotsUnreachable { url: Url, reason: String },
}

impl FetchError {
    /// Whether trying again soon may succeed. The one place that decides it.
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Status { status, .. } => *status == 429 || *status >= 500,
            FetchError::Timeout { .. } | FetchError::Connect { .. } => true,
            FetchError::Other { .. } | FetchError::RobotsUnreachable { .. } => true,
            FetchError::TooLarge { .. }
            | FetchError::OffSite { .. }
            | FetchError::NotAllowed { .. }
            | FetchError::Certificate { .. }
            | FetchError::Redirect { .. }
            | FetchError::Robots { .. } => false,
        }
    }
}

/// Why the HTTP client could not be built: a configuration problem (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("key `{key}`: cannot read the CA file {path}: {source}")]
    CaFile {
        key: String,
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("key `{key}`: {path} holds no PEM certificate ({reason})")]
    CaPem {
        key: String,
        path: std::path::PathBuf,
        reason: String,
    },
    #[error("key `{key}`: proxy {url}: {source}")]
    Proxy {
        key: String,
        url: String,
        source: reqwest::Error,
    },
    #[error("building the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

/// How a source reaches its hosts: through which proxy (none: directly) and trusting which
/// extra CA certificates besides the system's.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Route {
    pub proxy: Option<String>,
    pub ca_file: Option<std::path::PathBuf>,
    /// The keys these came from, for errors.
    proxy_key: String,
    ca_key: String,
}

impl Route {
    /// The global route (`http.proxy`, `http.ca_file`).
    pub fn global(http: &HttpConfig) -> Route {
        Route {
            proxy: http.proxy.clone().filter(|p| !p.is_empty()),
            ca_file: http.ca_file.clone(),
            proxy_key: "http.proxy".into(),
            ca_key: "http.ca_file".into(),
        }
    }

    /// A source's route: its own `proxy` / `ca_file` where set (`proxy = ""`: directly), the
    /// global ones otherwise.
    pub fn of(http: &HttpConfig, source: &crate::config::SourceConfig) -> Route {
        let mut r = Route::global(http);
        if let Some(p) = &source.proxy {
            r.proxy = Some(p.clone()).filter(|p| !p.is_empty());
            r.proxy_key = format!("source {:?}: proxy", source.id.0);
        }
        if let Some(ca) = &source.ca_file {
            r.ca_file = Some(ca.clone());
            r.ca_key = format!("source {:?}: ca_file", source.id.0);
        }
        r
    }

    fn same_client(&self, other: &Route) -> bool {
        self.proxy == other.proxy && self.ca_file == other.ca_file
    }
}

fn client(http: &HttpConfig, route: &Route) -> Result<reqwest::Client, SetupError> {
    let mut b = reqwest::Client::builder()
        .user_agent(&http.user_agent)
        .timeout(Duration::from_secs(http.timeout_secs))
        .connect_timeout(Duration::from_secs(http.connect_timeout_secs))
        // Redirects are followed by hand, hop by hop, so that each target is checked against
        // the source's allowed hosts *before* it is requested.
        .redirect(reqwest::redirect::Policy::none());
    if let Some(p) = &route.proxy {
        // http://, https://, socks5:// (names resolved here) or socks5h:// (by the proxy).
        let proxy = reqwest::Proxy::all(p).map_err(|source| SetupError::Proxy {
            key: route.proxy_key.clone(),
            url: p.clone(),
            source,
        })?;
        b = b.no_proxy().proxy(proxy);
    }
    if let Some(path) = &route.ca_file {
        let pem = std::fs::read(path).map_err(|source| SetupError::CaFile {
            key: route.ca_key.clone(),
            path: path.clone(),
            source,
        })?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| e.to_string())
            .and_then(|c| {
                if c.is_empty() {
                    Err("no BEGIN CERTIFICATE block".to_string())
                } else {
                    Ok(c)
                }
            })
            .map_err(|reason| SetupError::CaPem {
                key: route.ca_key.clone(),
                path: path.clone(),
                reason,
            })?;
        // Added to the system's roots, never instead of verification.
        b = b.tls_certs_merge(certs);
    }
    Ok(b.build()?)
}

pub struct Fetcher {
    /// One client per distinct route; the first is the global one.
    clients: Vec<(Route, reqwest::Client)>,
    /// Source id → its client, where it is not the global one.
    routes: std::collections::HashMap<String, usize>,
    politeness: Politeness,
    mirror: Option<Url>,
    max_body: u64,
    max_redirects: usize,
}

impl Fetcher {
    /// A fetcher on the global route only.
    pub fn new(http: &HttpConfig, polite: &PolitenessConfig) -> Result<Fetcher, SetupError> {
        Fetcher::for_sources(http, polite, &[])
    }

    /// A fetcher with a client for each distinct route the sources take (their proxy and CA
    /// certificates), so that a source behind a proxy is fetched through it.
    pub fn for_sources(
        http: &HttpConfig,
        polite: &PolitenessConfig,
        sources: &[crate::config::SourceConfig],
    ) -> Result<Fetcher, SetupError> {
        let global = Route::global(http);
        let mut clients = vec![(global.clone(), client(http, &global)?)];
        let mut routes = std::collections::HashMap::new();
        for s in sources {
            let route = Route::of(http, s);
            let i = match clients.iter().position(|(r, _)| r.same_client(&route)) {
                Some(i) => i,
                None => {
                    clients.push((route.clone(), client(http, &route)?));
                    clients.len() - 1
                }
            };
            if i != 0 {
                routes.insert(s.id.0.clone(), i);
            }
        }
        Ok(Fetcher {
            clients,
            routes,
            politeness: Politeness::new(
                polite.concurrency,
                polite.per_host_concurrency,
                Duration::from_millis(polite.min_interval_ms),
            ),
            mirror: http.mirror.as_ref().map(|m| m.0.clone()),
            max_body: http.max_body_bytes,
            max_redirects: http.max_redirects,
        })
    }

    /// GETs `url`, conditionally when validators are known, retrying transient failures with
    /// exponential backoff (or the server's Retry-After, capped).
    ///
    /// Redirects are followed only to `http(s)` URLs that `allowed` accepts; any other target is
    /// refused without being requested.
    pub async fn fetch(
        &self,
        url: &Url,
        validators: &Validators,
        allowed: &(dyn Fn(&Url) -> bool + Sync),
    ) -> Result<Fetched, FetchError> {
        self.fetch_for(None, url, validators, allowed).await
    }

    /// Which client (route) `source` takes: sources on one route share what they learn of a
    /// host (its robots.txt); on another route the host may answer otherwise.
    pub fn route_index(&self, source: Option<&str>) -> usize {
        source
            .and_then(|s| self.routes.get(s))
            .copied()
            .unwrap_or(0)
    }

    /// [`Fetcher::fetch`] on `source`'s route (its proxy and CA certificates).
    pub async fn fetch_for(
        &self,
        source: Option<&str>,
        url: &Url,
        validators: &Validators,
        allowed: &(dyn Fn(&Url) -> bool + Sync),
    ) -> Result<Fetched, FetchError> {
        let (route, client) = &self.clients[source
            .and_then(|s| self.routes.get(s))
            .copied()
            .unwrap_or(0)];
        let host = url.host_str().unwrap_or("").to_string();
        let mut attempt = 0;
        loop {
            let result = {
                let _permit = self.politeness.acquire(&host).await;
                self.fetch_once(client, url, validators, allowed).await
            };
            let result = match result {
                Err(FetchError::Connect { url, reason })
                | Err(FetchError::Other { url, reason })
                    if is_certificate_error(&reason) =>
                {
                    Err(self.certificate_error(route, url, reason).await)
                }
                other => other,
            };
            match result {
                Err(e) if e.is_transient() && attempt < RETRIES => {
                    let delay = match &e {
                        FetchError::Status {
                            retry_after: Some(d),
                            ..
                        } => (*d).min(MAX_RETRY_AFTER),
                        _ => BACKOFF_BASE * 2u32.pow(attempt),
                    };
                    if matches!(&e, FetchError::Status { status, .. } if *status == 429 || *status == 503)
                    {
                        self.politeness.back_off(&host, delay).await;
                    }
                    tracing::debug!(%url, error = %e, ?delay, "transient failure, retrying");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn fetch_once(
        &self,
        client: &reqwest::Client,
        url: &Url,
        validators: &Validators,
        allowed: &(dyn Fn(&Url) -> bool + Sync),
    ) -> Result<Fetched, FetchError> {
        let mut current = url.clone();
        let mut hops = 0;
        let (mut resp, status) = loop {
            let mut req = client.get(self.transport_url(&current));
            if let Some(etag) = &validators.etag {
                req = req.header(IF_NONE_MATCH, etag);
            }
            if let Some(lm) = &validators.last_modified {
                req = req.header(IF_MODIFIED_SINCE, lm);
            }
            let resp = req.send().await.map_err(|e| classify(url, e))?;
            let status = resp.status();
            if !status.is_redirection() || status == StatusCode::NOT_MODIFIED {
                break (resp, status);
            }
            let Some(location) = resp.headers().get(LOCATION).and_then(|v| v.to_str().ok()) else {
                break (resp, status);
            };
            let next = self.redirect_target(&current, location).map_err(|reason| {
                FetchError::Redirect {
                    url: url.clone(),
                    reason,
                }
            })?;
            hops += 1;
            if hops > self.max_redirects {
                return Err(FetchError::Redirect {
                    url: url.clone(),
                    reason: format!(
                        "more than {} redirects (last to {next})",
                        self.max_redirects
                    ),
                });
            }
            if !matches!(next.scheme(), "http" | "https") {
                return Err(FetchError::Redirect {
                    url: url.clone(),
                    reason: format!("redirect to a non-HTTP URL ({next}) refused"),
                });
            }
            if !allowed(&next) {
                return Err(FetchError::OffSite {
                    url: url.clone(),
                    to: next,
                });
            }
            current = next;
        };
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                url: url.clone(),
                status: status.as_u16(),
                retry_after: retry_after(resp.headers()),
            });
        }
        let declared = resp
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > self.max_body) {
            return Err(FetchError::TooLarge {
                url: url.clone(),
                limit: self.max_body,
            });
        }
        let final_url = current;
        let headers = keep_headers(resp.headers());
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| classify(url, e))? {
            if body.len() as u64 + chunk.len() as u64 > self.max_body {
                return Err(FetchError::TooLarge {
                    url: url.clone(),
                    limit: self.max_body,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched::Page(Response {
            final_url,
            status: status.as_u16(),
            headers,
            body,
        }))
    }

    /// A refused certificate chain, with the issuer of the certificate the server presents
    /// (read in a second handshake that stops at the certificate) so the operator knows which CA
    /// to add. Not probed through a proxy: the name would be the proxy's business.
    async fn certificate_error(&self, route: &Route, url: Url, reason: String) -> FetchError {
        let transport = self.transport_url(&url);
        let issuer = match (
            &route.proxy,
            transport.host_str(),
            transport.port_or_known_default(),
        ) {
            (None, Some(host), Some(port)) if transport.scheme() == "https" => {
                let host = host.to_string();
                tokio::task::spawn_blocking(move || {
                    tls::presented_issuer(&host, port, Duration::from_secs(10))
                })
                .await
                .ok()
                .flatten()
            }
            _ => None,
        };
        FetchError::Certificate {
            url,
            reason,
            issuer,
        }
    }

    /// With a mirror, `https://host/path?q` is fetched from `{mirror}/host/path?q`.
    fn transport_url(&self, url: &Url) -> Url {
        let Some(mirror) = &self.mirror else {
            return url.clone();
        };
        let mut rel = format!("{}{}", url.host_str().unwrap_or(""), url.path());
        if let Some(q) = url.query() {
            rel.push('?');
            rel.push_str(q);
        }
        mirror.join(&rel).unwrap_or_else(|_| url.clone())
    }

    /// Where a `Location` points, as a real URL: relative to the page that redirected, and, with
    /// a mirror, mapped back from the mirror's address.
    fn redirect_target(&self, current: &Url, location: &str) -> Result<Url, String> {
        let mut target = current
            .join(location.trim())
            .map_err(|e| format!("unusable redirect to {location:?}: {e}"))?;
        // Credentials in a Location would be sent as Basic auth and kept with the URL.
        strip_userinfo(&mut target);
        Ok(match &self.mirror {
            Some(m) if target.as_str().starts_with(m.as_str()) => self.real_url(current, &target),
            _ => target,
        })
    }

    /// Maps a transport URL back to the real one it stands for.
    fn real_url(&self, requested: &Url, transport: &Url) -> Url {
        let Some(mirror) = &self.mirror else {
            return transport.clone();
        };
        transport
            .as_str()
            .strip_prefix(mirror.as_str())
            .and_then(|rest| Url::parse(&format!("{}://{rest}", requested.scheme())).ok())
            .unwrap_or_else(|| requested.clone())
    }
}

/// Whether a transport error is a refused certificate (rustls: "invalid peer certificate").
fn is_certificate_error(reason: &str) -> bool {
    let r = reason.to_ascii_lowercase();
    r.contains("certificate") || r.contains("unknownissuer")
}

/// Drops `user:password@` from a URL a page gave us: never sent, stored or printed.
pub fn strip_userinfo(url: &mut Url) {
    if !url.username().is_empty() || url.password().is_some() {
        let _ = url.set_username("");
        let _ = url.set_password(None);
    }
}

fn classify(url: &Url, e: reqwest::Error) -> FetchError {
    let url = url.clone();
    if e.is_timeout() {
        FetchError::Timeout { url }
    } else if e.is_connect() {
        FetchError::Connect {
            url,
            reason: root_cause(&e),
        }
    } else {
        FetchError::Other {
            url,
            reason: root_cause(&e),
        }
    }
}

/// The innermost error message: "connection refused", not "error sending request".
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let secs = (at.timestamp() - chrono::Utc::now().timestamp()).max(0) as u64;
    Some(Duration::from_secs(secs))
}

/// The response headers worth keeping as evidence.
fn keep_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    const KEEP: &[&str] = &[
        "content-type",
        "content-length",
        "etag",
        "last-modified",
        "date",
        "server",
        "content-language",
    ];
    let mut out: Vec<(String, String)> = headers
        .iter()
        .filter(|(n, _)| KEEP.contains(&n.as_str()))
        .filter_map(|(n, v)| Some((n.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    out.sort();
    out
}

/// Validators to send next time, from a response's ETag / Last-Modified.
pub fn validators_of(resp: &Response) -> Validators {
    Validators {
        etag: resp.header(ETAG.as_str()).map(str::to_string),
        last_modified: resp.header(LAST_MODIFIED.as_str()).map(str::to_string),
    }
}
