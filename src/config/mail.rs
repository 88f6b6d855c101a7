//! Where digests go: the mail server, the digests, their recipients.

use super::*;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    /// 587 for STARTTLS, 465 for TLS, 25 for none.
    pub port: Option<u16>,
    #[serde(default)]
    pub security: SmtpSecurity,
    pub username: Option<String>,
    /// The environment variable holding the password: the password itself never goes in the file.
    pub password_env: Option<String>,
    /// The sender, e.g. `"regwatch <regwatch@example.com>"`.
    pub from: Mailbox,
    #[serde(default = "default_smtp_timeout")]
    pub timeout_secs: u64,
}

impl SmtpConfig {
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.security {
            SmtpSecurity::Starttls => 587,
            SmtpSecurity::Tls => 465,
            SmtpSecurity::None => 25,
        })
    }
}

fn default_smtp_timeout() -> u64 {
    30
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (required, not opportunistic).
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS).
    Tls,
    /// No encryption: only for a relay on the same machine or in tests.
    None,
}

/// One email digest: who gets which changes, when.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigestConfig {
    /// `[a-z0-9-_]+`, used on the command line and in the outbox.
    pub name: SourceId,
    pub to: Vec<Mailbox>,
    /// When `regwatch run` sends it: a 5-field crontab expression in `timezone`.
    pub schedule: CronSchedule,
    #[serde(default = "default_timezone")]
    pub timezone: TimeZone,
    /// Only changes from these sources (all when empty).
    #[serde(default)]
    pub sources: Vec<SourceId>,
    /// Only changes to these regimes, e.g. `cn-dual-use` (all when empty).
    #[serde(default)]
    pub regimes: Vec<String>,
    /// Only these change kinds, e.g. `added`, `suspended` (all when empty).
    #[serde(default)]
    pub kinds: Vec<String>,
    #[serde(default = "default_subject_prefix")]
    pub subject_prefix: String,
    /// Only changes first observed on or after this date (a new digest need not mail history).
    #[serde(default, deserialize_with = "toml_date")]
    pub since: Option<chrono::NaiveDate>,
    /// Only changes touching these watches (`[[watch]] name`; all changes when empty).
    #[serde(default)]
    pub watch: Vec<String>,
    /// The language of descriptions and titles: `en`, `zh` or `both` (English first, the
    /// Chinese beneath).
    #[serde(default)]
    pub lang: crate::report::Lang,
}

/// A date written as a TOML date (`2025-10-01`) or a string (`"2025-10-01"`).
fn toml_date<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<chrono::NaiveDate>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Date(toml::value::Datetime),
        Text(String),
    }
    let text = match Option::<Either>::deserialize(d)? {
        None => return Ok(None),
        Some(Either::Date(dt)) => dt.to_string(),
        Some(Either::Text(s)) => s,
    };
    text.parse::<chrono::NaiveDate>()
        .map(Some)
        .map_err(|_| serde::de::Error::custom(format!("invalid date {text:?}: use YYYY-MM-DD")))
}

fn default_subject_prefix() -> String {
    "[regwatch]".to_string()
}

/// An email address with an optional name, checked when the file is read.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Mailbox(pub lettre::message::Mailbox);

impl TryFrom<String> for Mailbox {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse::<lettre::message::Mailbox>()
            .map(Mailbox)
            .map_err(|e| format!("invalid email address {s:?}: {e}"))
    }
}

/// The change kinds a digest may filter on.
pub const CHANGE_KINDS: &[&str] = &[
    "published",
    "added",
    "removed",
    "modified",
    "suspended",
    "resumed",
    "repealed",
    "superseded",
    "amended",
    "status-changed",
    "text-edited",
    "copies-disagree",
    "corrected",
    "source-failing",
    "source-recovered",
];
