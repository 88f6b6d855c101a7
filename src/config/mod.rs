//! `schedule.toml`: one config type, unknown keys rejected, defaults in one place.
//!
//! Values that can be wrong (URLs, cron expressions, time zones, profiles) are validated while
//! deserialising, so the TOML parser reports them with the file, line, column and key.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Deserialize;
use url::Url;

use crate::extract::Profile;

mod validate;

/// The shipped configuration, embedded so `regwatch demo` runs from any directory.
pub const DEFAULT_CONFIG: &str = include_str!("../../schedule.toml");

mod mail;
pub use mail::*;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub store: StoreConfig,
    #[serde(default)]
    pub http: HttpConfig,
    #[serde(default)]
    pub politeness: PolitenessConfig,
    #[serde(default, rename = "source")]
    pub sources: Vec<SourceConfig>,
    #[serde(default)]
    pub status: StatusConfig,
    #[serde(default)]
    pub workers: WorkersConfig,
    /// The mail server digests go through; required when any `[[digest]]` is configured.
    pub smtp: Option<SmtpConfig>,
    #[serde(default, rename = "digest")]
    pub digests: Vec<DigestConfig>,
    /// The company's products (CSV: id, name, hs_codes, control_codes, keywords), for `impact`
    /// and for saying which products a change touches; relative to the config file.
    #[serde(default)]
    pub products: Option<PathBuf>,
    /// Named interests: codes, customs-code prefixes, keywords, lists, parties.
    #[serde(default, rename = "watch")]
    pub watches: Vec<crate::impact::Watch>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StatusConfig {
    /// A source is reported as failing (once, in the change log and so in digests) after this
    /// many consecutive failed checks, and as recovered (once) at its next success.
    pub failing_after: u32,
}

impl Default for StatusConfig {
    fn default() -> Self {
        StatusConfig { failing_after: 3 }
    }
}

/// Several `regwatch run` workers sharing one PostgreSQL store (or one SQLite file).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkersConfig {
    /// A worker holds a source it checks for this long, renewed while it works; a worker that
    /// dies holding it loses it after this, and another takes the source over.
    pub lease_secs: u64,
}

impl Default for WorkersConfig {
    fn default() -> Self {
        WorkersConfig { lease_secs: 300 }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// SQLite file; relative paths are relative to the config file.
    pub path: PathBuf,
    /// A PostgreSQL database (`postgres://user@host:5432/regwatch`) instead of the file; its
    /// password from REGWATCH_PG_PASSWORD, never from this file.
    pub url: Option<String>,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            path: PathBuf::from("regwatch.db"),
            url: None,
        }
    }
}

impl StoreConfig {
    pub fn location(&self) -> crate::store::Location {
        match &self.url {
            Some(url) => crate::store::Location::Postgres(url.clone()),
            None => crate::store::Location::Sqlite(self.path.clone()),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    pub user_agent: String,
    pub timeout_secs: u64,
    pub connect_timeout_secs: u64,
    pub max_body_bytes: u64,
    pub max_redirects: usize,
    /// Fetch every URL from a local mirror laid out as `{mirror}/{host}/{path}` instead of the
    /// network, keeping the real URLs in the store (`regwatch demo` replays `snapshots/` this way).
    pub mirror: Option<HttpUrl>,
    /// Fetch through this proxy (`http://`, `https://`, `socks5://`, `socks5h://`): for networks
    /// from which a ministry's site is unreachable. Sources may set their own.
    #[serde(deserialize_with = "proxy_url")]
    pub proxy: Option<String>,
    /// Extra CA certificates (PEM) to trust besides the system's, for government hosts whose
    /// chains a strict client rejects. Relative to the config file. Never a switch that turns
    /// verification off.
    pub ca_file: Option<PathBuf>,
}

/// A proxy URL: `http`, `https`, `socks5` or `socks5h`, with a host; `""` means none (directly).
fn proxy_url<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let Some(s) = Option::<String>::deserialize(d)? else {
        return Ok(None);
    };
    if s.is_empty() {
        return Ok(Some(s));
    }
    let url = Url::parse(&s)
        .map_err(|e| serde::de::Error::custom(format!("invalid proxy {s:?}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https" | "socks5" | "socks5h") || url.host_str().is_none()
    {
        return Err(serde::de::Error::custom(format!(
            "invalid proxy {s:?}: use http://, https://, socks5:// or socks5h:// with a host"
        )));
    }
    Ok(Some(s))
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            user_agent: concat!(
                "regwatch/",
                env!("CARGO_PKG_VERSION"),
                " (regulatory change monitor; conditional GET, one request per second per host)"
            )
            .to_string(),
            timeout_secs: 30,
            connect_timeout_secs: 10,
            max_body_bytes: 10 * 1024 * 1024,
            max_redirects: 5,
            mirror: None,
            proxy: None,
            ca_file: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolitenessConfig {
    /// Requests in flight across all hosts.
    pub concurrency: usize,
    /// Requests in flight to any one host.
    pub per_host_concurrency: usize,
    /// Minimum time between the starts of two requests to the same host.
    pub min_interval_ms: u64,
}

impl Default for PolitenessConfig {
    fn default() -> Self {
        PolitenessConfig {
            concurrency: 8,
            per_host_concurrency: 1,
            min_interval_ms: 1000,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    pub id: SourceId,
    pub profile: Profile,
    /// The index (list) page whose links lead to announcements.
    pub url: HttpUrl,
    /// Standard 5-field crontab expression, in `timezone`.
    pub schedule: CronSchedule,
    #[serde(default = "default_timezone")]
    pub timezone: TimeZone,
    /// Where links and redirects may be followed besides the index page's own origin: `host`
    /// (http/https on the default ports), `host:port` or `scheme://host[:port]`.
    #[serde(default)]
    pub allowed_hosts: Vec<crate::fetch::origin::AllowedHost>,
    /// At most this many announcement links are read from one index page; more is reported as
    /// a problem (a hostile or broken page), and the first ones are read.
    #[serde(default = "default_max_links")]
    pub max_links: usize,
    /// The first check records what already exists as a `baseline` (one record per
    /// announcement) rather than one `added` per entry. `false` reports every entry as added.
    #[serde(default = "default_true")]
    pub baseline: bool,
    /// This source's proxy, instead of `http.proxy` (`""`: fetch directly).
    #[serde(default, deserialize_with = "proxy_url")]
    pub proxy: Option<String>,
    /// This source's extra CA certificates, instead of `http.ca_file`.
    pub ca_file: Option<PathBuf>,
    /// `regwatch run` starts each scheduled check up to this many seconds late, so that many
    /// installations do not hit a ministry at the same second.
    #[serde(default)]
    pub jitter_secs: u64,
    /// Pins the source to workers started with one of these labels (`run --label cn`), such as
    /// the ones in a region whose network reaches the site; empty: any worker checks it.
    #[serde(default)]
    pub regions: Vec<String>,
    /// Respect the hosts' robots.txt (RFC 9309). Turn off only with the site operator's consent.
    #[serde(default = "yes")]
    pub robots_txt: bool,
    /// The control list this source's entries belong to (`cn-dual-use` for MOFCOM); required
    /// for generic sources, so that lists from different authorities never collide.
    pub regime: Option<String>,
    /// `profile = "ecfr"` and `"eurlex"`: a list read with fewer entries than this is an
    /// extraction failure, never a mass removal (default 600 for the CCL, 2,000 for the Entity
    /// List, 300 for the EU's Annex I).
    #[serde(default)]
    pub min_entries: Option<usize>,
    /// Selectors for `profile = "generic"`.
    pub generic: Option<crate::extract::generic::GenericSpec>,
    /// What to watch for `profile = "page"`.
    pub page: Option<crate::extract::page::PageSpec>,
}

fn yes() -> bool {
    true
}

fn default_true() -> bool {
    true
}

fn default_max_links() -> usize {
    1_000
}

impl SourceConfig {
    /// Whether a worker with `labels` checks this source: it names none of them, or one it has.
    pub fn for_worker(&self, labels: &[String]) -> bool {
        self.regions.is_empty() || self.regions.iter().any(|r| labels.contains(r))
    }

    /// How to read this source's pages.
    pub fn reader(&self) -> crate::extract::Reader {
        use crate::extract::Reader;
        match self.profile {
            Profile::Mofcom => Reader::Mofcom,
            Profile::MofcomEn => Reader::MofcomEn,
            Profile::Generic => match &self.generic {
                Some(spec) => Reader::Generic {
                    spec: std::sync::Arc::new(spec.clone()),
                    regime: self.regime.clone().unwrap_or_default(),
                },
                // Rejected when the configuration loads.
                None => Reader::Mofcom,
            },
            Profile::Page => Reader::Page {
                spec: std::sync::Arc::new(self.page.clone().unwrap_or_default()),
                source: self.id.0.clone(),
            },
            Profile::FederalRegister => Reader::FederalRegister,
            Profile::Ecfr => Reader::Ecfr {
                min_entries: self.min_entries,
            },
            Profile::Eurlex => Reader::Eurlex {
                min_entries: self.min_entries,
            },
        }
    }

    /// How many index pages to read: the first, and next pages for a paginated generic source.
    pub fn max_index_pages(&self) -> usize {
        match self.profile {
            // Year windows of up to 50 pages each.
            Profile::FederalRegister => 2_000,
            _ => self.generic.as_ref().map_or(1, |g| g.max_pages.max(1)),
        }
    }

    /// The index pages to read on `today` (a Beijing date): the configured URL, or for a URL
    /// holding `{YYYY}` this year's column and, in January, last year's as well.
    pub fn index_urls(&self, today: chrono::NaiveDate) -> Vec<Url> {
        use chrono::Datelike;
        if self.profile == Profile::FederalRegister {
            // One publication year at a time: the API pages no further than 10,000 results.
            return crate::extract::federal_register::windows(&self.url.0, today);
        }
        const YEAR: &str = "%7BYYYY%7D";
        let url = self.url.0.as_str();
        if !url.contains(YEAR) {
            return vec![self.url.0.clone()];
        }
        let mut years = vec![today.year()];
        if today.month() == 1 {
            years.push(today.year() - 1);
        }
        years
            .into_iter()
            .filter_map(|y| Url::parse(&url.replace(YEAR, &y.to_string())).ok())
            .collect()
    }

    /// Whether a link or redirect to `url` may be followed: the index page's origin (and, when
    /// it is on a default port, its host over http or https), or an `allowed_hosts` value.
    pub fn allows(&self, url: &Url) -> bool {
        use crate::fetch::origin::AllowedHost;
        let index = &self.url.0;
        AllowedHost::origin_of(index).is_some_and(|o| o.allows(url))
            || AllowedHost::host_of(index).is_some_and(|h| h.allows(url))
            || self.allowed_hosts.iter().any(|h| h.allows(url))
    }
}

fn default_timezone() -> TimeZone {
    TimeZone(chrono_tz::Asia::Shanghai)
}

/// `[a-z0-9-]+`: used on the command line and in the store.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct SourceId(pub String);

impl TryFrom<String> for SourceId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if ok {
            Ok(SourceId(s))
        } else {
            Err(format!(
                "invalid id or name {s:?}: use lowercase letters, digits, '-' and '_'"
            ))
        }
    }
}

impl fmt::Display for SourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct HttpUrl(pub Url);

impl TryFrom<String> for HttpUrl {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let url = Url::parse(&s).map_err(|e| format!("invalid URL {s:?}: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(format!("URL {s:?} must be http:// or https:// with a host"));
        }
        Ok(HttpUrl(url))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct CronSchedule {
    pub expr: String,
    pub cron: croner::Cron,
}

impl TryFrom<String> for CronSchedule {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        // Standard crontab has 5 fields; a leading 6th field for seconds is accepted too (for
        // tight schedules and tests).
        let fields = s.split_whitespace().count();
        if fields != 5 && fields != 6 {
            return Err(format!(
                "invalid cron expression {s:?}: expected 5 fields (minute hour day-of-month month day-of-week), found {fields}"
            ));
        }
        let cron = croner::Cron::from_str(&s)
            .map_err(|e| format!("invalid cron expression {s:?}: {e}"))?;
        Ok(CronSchedule { expr: s, cron })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct TimeZone(pub chrono_tz::Tz);

impl TryFrom<String> for TimeZone {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse::<chrono_tz::Tz>()
            .map(TimeZone)
            .map_err(|_| format!("unknown IANA time zone {s:?} (e.g. \"Asia/Shanghai\")"))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{origin}: {message}")]
    Invalid { origin: String, message: String },
}

impl Config {
    /// Reads and validates a config file. Relative store paths become relative to the file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut config = Config::parse(&text, &path.display().to_string())?;
        if let Some(dir) = path.parent() {
            let rel = |p: &mut PathBuf| {
                if p.is_relative() {
                    *p = dir.join(&*p);
                }
            };
            rel(&mut config.store.path);
            if let Some(p) = config.products.as_mut() {
                rel(p);
            }
            if let Some(p) = config.http.ca_file.as_mut() {
                rel(p);
            }
            for s in &mut config.sources {
                if let Some(p) = s.ca_file.as_mut() {
                    rel(p);
                }
            }
        }
        Ok(config)
    }

    /// Parses config text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Invalid {
            origin: origin.to_string(),
            message: e.to_string().trim_end().to_string(),
        })?;
        config.validate(text, origin)?;
        Ok(config)
    }

    pub fn source(&self, id: &str) -> Option<&SourceConfig> {
        self.sources.iter().find(|s| s.id.0 == id)
    }

    pub fn digest(&self, name: &str) -> Option<&DigestConfig> {
        self.digests.iter().find(|d| d.name.0 == name)
    }
}

#[cfg(test)]
mod tests;
