//! Checks made once the file has parsed: what serde cannot see (ids used twice, a digest without
//! a mail server, selectors for the wrong profile) and the documented range of every number.
//! Each error names the file, the line and the key.

use std::collections::HashSet;

use super::{CHANGE_KINDS, Config, ConfigError};
use crate::extract::Profile;

impl Config {
    pub(super) fn validate(&self, text: &str, origin: &str) -> Result<(), ConfigError> {
        let invalid = |needle: &str, message: String| ConfigError::Invalid {
            origin: match line_of(text, needle) {
                Some(line) => format!("{origin}:{line}"),
                None => origin.to_string(),
            },
            message,
        };
        let mut watches = HashSet::new();
        for w in &self.watches {
            if w.name.is_empty() || !watches.insert(w.name.as_str()) {
                return Err(invalid(
                    "[[watch]]",
                    format!("[[watch]] names must be given and unique: {:?}", w.name),
                ));
            }
        }
        for d in &self.digests {
            if let Some(w) = d.watch.iter().find(|w| !watches.contains(w.as_str())) {
                return Err(invalid(
                    &format!("\"{w}\""),
                    format!("digest {:?}: no [[watch]] named {w:?}", d.name.0),
                ));
            }
        }
        let mut seen = HashSet::new();
        for s in &self.sources {
            let at = |m: String| ConfigError::Invalid {
                origin: match line_of_key(text, "id", &s.id.0) {
                    Some(line) => format!("{origin}:{line}"),
                    None => origin.to_string(),
                },
                message: m,
            };
            if let Some(bad) = s.regions.iter().find(|r| {
                r.is_empty()
                    || !r
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            }) {
                return Err(at(format!(
                    "source {:?}: region {bad:?} is not a label ([a-z0-9-]+, as `run --label` takes)",
                    s.id.0
                )));
            }
            match (s.profile, &s.generic, &s.page) {
                (Profile::Generic, None, _) => {
                    return Err(at(format!(
                        "source {:?}: profile \"generic\" needs a [source.generic] table of selectors",
                        s.id.0
                    )));
                }
                (Profile::Generic, Some(g), _) => {
                    g.validate()
                        .map_err(|m| at(format!("source {:?}: {m}", s.id.0)))?;
                    if s.regime.as_deref().is_none_or(str::is_empty) {
                        return Err(at(format!(
                            "source {:?}: key `regime` is required for generic sources (e.g. \"cn-dual-use\")",
                            s.id.0
                        )));
                    }
                }
                (p, Some(_), _) if p != Profile::Generic => {
                    return Err(at(format!(
                        "source {:?}: [source.generic] is only read with profile = \"generic\"",
                        s.id.0
                    )));
                }
                (p, _, Some(_)) if p != Profile::Page => {
                    return Err(at(format!(
                        "source {:?}: [source.page] is only read with profile = \"page\"",
                        s.id.0
                    )));
                }
                _ => {}
            }
            if !seen.insert(&s.id) {
                return Err(ConfigError::Invalid {
                    origin: match line_of_key(text, "id", &s.id.0) {
                        Some(line) => format!("{origin}:{line}"),
                        None => origin.to_string(),
                    },
                    message: format!("key `id`: source id {:?} is used twice", s.id.0),
                });
            }
        }
        let mut names = HashSet::new();
        for d in &self.digests {
            let at = |m: String| ConfigError::Invalid {
                origin: match line_of_key(text, "name", &d.name.0) {
                    Some(line) => format!("{origin}:{line}"),
                    None => origin.to_string(),
                },
                message: m,
            };
            if !names.insert(&d.name) {
                return Err(at(format!(
                    "key `name`: digest name {:?} is used twice",
                    d.name.0
                )));
            }
            if d.to.is_empty() {
                return Err(at(format!(
                    "key `to`: digest {:?} has no recipients",
                    d.name.0
                )));
            }
            if let Some(s) = d.sources.iter().find(|s| self.source(&s.0).is_none()) {
                return Err(at(format!(
                    "key `sources`: digest {:?} names source {:?}, which is not configured",
                    d.name.0, s.0
                )));
            }
            if let Some(k) = d.kinds.iter().find(|k| !CHANGE_KINDS.contains(&k.as_str())) {
                return Err(at(format!(
                    "key `kinds`: unknown change kind {k:?} (one of {})",
                    CHANGE_KINDS.join(", ")
                )));
            }
        }
        if !self.digests.is_empty() && self.smtp.is_none() {
            return Err(invalid(
                "[[digest]]",
                "digests are configured but there is no [smtp] section".to_string(),
            ));
        }
        self.check_ranges(text, origin)
    }

    /// Every number has a documented range (README, Configuration): a value outside it would
    /// overflow a date, divide by zero or hold a host hostage, so it is refused when the file
    /// is read rather than found at 3 a.m. by the daemon.
    fn check_ranges(&self, text: &str, origin: &str) -> Result<(), ConfigError> {
        let mut checks: Vec<Range> = vec![
            Range::new("http", "timeout_secs", self.http.timeout_secs, 1, 3_600),
            Range::new(
                "http",
                "connect_timeout_secs",
                self.http.connect_timeout_secs,
                1,
                600,
            ),
            Range::new(
                "http",
                "max_body_bytes",
                self.http.max_body_bytes,
                1_024,
                1 << 30,
            ),
            Range::new(
                "http",
                "max_redirects",
                self.http.max_redirects as u64,
                0,
                20,
            ),
            Range::new(
                "politeness",
                "concurrency",
                self.politeness.concurrency as u64,
                1,
                256,
            ),
            Range::new(
                "politeness",
                "per_host_concurrency",
                self.politeness.per_host_concurrency as u64,
                1,
                64,
            ),
            Range::new(
                "politeness",
                "min_interval_ms",
                self.politeness.min_interval_ms,
                0,
                3_600_000,
            ),
            Range::new(
                "status",
                "failing_after",
                u64::from(self.status.failing_after),
                1,
                1_000,
            ),
        ];
        if let Some(smtp) = &self.smtp {
            checks.push(Range::new(
                "smtp",
                "timeout_secs",
                smtp.timeout_secs,
                1,
                600,
            ));
            if let Some(port) = smtp.port {
                checks.push(Range::new("smtp", "port", u64::from(port), 1, 65_535));
            }
        }
        checks.push(Range::new(
            "workers",
            "lease_secs",
            self.workers.lease_secs,
            5,
            86_400,
        ));
        for s in &self.sources {
            checks.push(Range::new(
                "source",
                "jitter_secs",
                s.jitter_secs,
                0,
                86_400,
            ));
            checks.push(Range::new(
                "source",
                "max_links",
                s.max_links as u64,
                1,
                100_000,
            ));
            if let Some(g) = &s.generic {
                checks.push(Range::new(
                    "source.generic",
                    "max_pages",
                    g.max_pages as u64,
                    1,
                    1_000,
                ));
            }
        }
        for r in checks {
            if r.value < r.min || r.value > r.max {
                let line = line_of_number(text, r.key, r.value);
                return Err(ConfigError::Invalid {
                    origin: match line {
                        Some(line) => format!("{origin}:{line}"),
                        None => origin.to_string(),
                    },
                    message: format!(
                        "key `{}.{}`: {} is out of range ({}..={})",
                        r.table, r.key, r.value, r.min, r.max
                    ),
                });
            }
        }
        Ok(())
    }
}

/// A number and the range it must lie in.
struct Range {
    table: &'static str,
    key: &'static str,
    value: u64,
    min: u64,
    max: u64,
}

impl Range {
    fn new(table: &'static str, key: &'static str, value: u64, min: u64, max: u64) -> Range {
        Range {
            table,
            key,
            value,
            min,
            max,
        }
    }
}

/// 1-based line of `key = <value>` (the value as written, underscores allowed), else of the last
/// line assigning `key`.
fn line_of_number(text: &str, key: &str, value: u64) -> Option<usize> {
    let assigns = |l: &str| {
        l.split_once('=')
            .filter(|(k, _)| k.trim() == key)
            .map(|(_, v)| v.split('#').next().unwrap_or("").trim().replace('_', ""))
    };
    let lines: Vec<(usize, String)> = text
        .lines()
        .enumerate()
        .filter_map(|(i, l)| assigns(l).map(|v| (i + 1, v)))
        .collect();
    lines
        .iter()
        .find(|(_, v)| v.parse::<u64>().ok() == Some(value))
        .or(lines.last())
        .map(|(i, _)| *i)
}

/// 1-based line of the last `key = "value"` line.
fn line_of_key(text: &str, key: &str, value: &str) -> Option<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            l.split_once('=').is_some_and(|(k, v)| {
                k.trim() == key && v.trim().trim_matches(['"', '\'']) == value
            })
        })
        .map(|(i, _)| i + 1)
        .last()
}

/// 1-based line of the last line containing `needle`, for errors found after parsing.
fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .last()
}
