//! notify: delivering changes to people, each change to each recipient exactly once.
//!
//! A digest run plans messages from the change log and the outbox (`delivery` table), renders
//! them (plain text and HTML from the report renderers), and for each message: records it as
//! `sending` and commits, sends it, then records `sent` or `failed`. So:
//! - a change is never lost: it leaves the "pending" set only when the server accepted it;
//! - a failed send is retried on the next run (and reported now);
//! - a crash after the server accepted a message but before `sent` was committed leaves
//!   `sending` rows; the next run sends that same message again with the same Message-ID, which
//!   mail systems and clients use to recognise a duplicate. That window is the only way a
//!   recipient can get a change twice.

pub mod email;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::clock::format_time;
use crate::config::{Config, DigestConfig};
use crate::report::{self, ChangeReport, Currency};
use crate::store::handle::DbHandle;
use crate::store::{ChangeRecord, KnownAnnouncement, Store, StoreError};

/// What a digest run does with its messages.
#[derive(Debug, Clone)]
pub enum Mode {
    /// Send through the configured SMTP server and record deliveries.
    Send,
    /// Write each message as an `.eml` file into the folder; record nothing.
    DryRun(PathBuf),
}

/// One message a digest run sends: these changes, to these recipients.
#[derive(Debug, Clone)]
pub struct Planned {
    pub message_id: String,
    pub recipients: Vec<String>,
    pub changes: Vec<ChangeRecord>,
    /// Sent before without confirmation (a crash in the window): sent again, same Message-ID.
    pub resend: bool,
}

/// The rendered message.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What happened to one message.
#[derive(Debug, Clone, Serialize)]
pub struct MessageOutcome {
    pub message_id: String,
    pub recipients: Vec<String>,
    pub changes: usize,
    pub resend: bool,
    /// Where the dry run wrote it.
    pub file: Option<String>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DigestOutcome {
    pub digest: String,
    pub messages: Vec<MessageOutcome>,
}

impl DigestOutcome {
    pub fn failed(&self) -> usize {
        self.messages.iter().filter(|m| m.error.is_some()).count()
    }
}

pub fn channel(digest: &DigestConfig) -> String {
    format!("email:{}", digest.name.0)
}

/// Whether a change belongs in a digest, by its filters.
fn wanted(
    digest: &DigestConfig,
    c: &ChangeRecord,
    announcements: &HashMap<String, KnownAnnouncement>,
    url_sources: &HashMap<String, String>,
) -> bool {
    if let Some(since) = digest.since
        && c.observed_at.as_str() < format!("{since}T00:00:00Z").as_str()
    {
        return false;
    }
    if !digest.kinds.is_empty() && !digest.kinds.contains(&c.kind) {
        return false;
    }
    let announcement = announcements.get(&c.announcement);
    if !crate::report::concerns(c, announcements, &digest.regimes) {
        return false;
    }
    if !digest.sources.is_empty() {
        let urls = c
            .url
            .iter()
            .chain(announcement.iter().flat_map(|a| a.urls.iter()));
        let ok = urls
            .filter_map(|u| url_sources.get(u))
            .any(|s| digest.sources.iter().any(|d| &d.0 == s));
        if !ok {
            return false;
        }
    }
    true
}

/// The messages a digest owes its recipients now.
pub fn plan(
    store: &Store,
    digest: &DigestConfig,
    watches: &[crate::impact::Watch],
) -> Result<Vec<Planned>, StoreError> {
    let channel = channel(digest);
    let announcements: HashMap<String, KnownAnnouncement> = store.announcements_by_key()?;
    let url_sources = store.url_sources()?;
    let mut changes: Vec<ChangeRecord> = store
        .changes(None, None)?
        .into_iter()
        .filter(|c| wanted(digest, c, &announcements, &url_sources))
        .collect();
    // `watch = [...]`: only changes touching one of those watches.
    if !digest.watch.is_empty() {
        let mine: Vec<crate::impact::Watch> = watches
            .iter()
            .filter(|w| digest.watch.contains(&w.name))
            .cloned()
            .collect();
        let touches = crate::report::touch::touches(&changes, &announcements, &[], &mine);
        changes.retain(|c| touches.contains_key(&c.uid));
    }
    let by_uid: HashMap<&str, &ChangeRecord> =
        changes.iter().map(|c| (c.uid.as_str(), c)).collect();
    let deliveries = store.deliveries(&channel)?;
    let recipients: Vec<String> = digest.to.iter().map(|m| m.0.to_string()).collect();

    let mut out = Vec::new();
    // Messages that may have left without being confirmed: the same message again.
    let mut in_flight: BTreeMap<&str, (BTreeSet<&str>, BTreeSet<&str>)> = BTreeMap::new();
    for d in deliveries.iter().filter(|d| d.state == "sending") {
        let m = in_flight.entry(&d.message_id).or_default();
        m.0.insert(&d.change);
        m.1.insert(&d.recipient);
    }
    for (message_id, (uids, to)) in &in_flight {
        let changes: Vec<ChangeRecord> = uids
            .iter()
            .filter_map(|u| by_uid.get(u).map(|c| (*c).clone()))
            .collect();
        if changes.is_empty() {
            continue;
        }
        out.push(Planned {
            message_id: message_id.to_string(),
            recipients: to.iter().map(|s| s.to_string()).collect(),
            changes,
            resend: true,
        });
    }
    // Everything else not yet accepted for a recipient, one message per set of recipients owed
    // the same changes.
    let covered: HashSet<(&str, &str)> = deliveries
        .iter()
        .filter(|d| d.state == "sent" || d.state == "sending")
        .map(|d| (d.change.as_str(), d.recipient.as_str()))
        .collect();
    let mut groups: BTreeMap<Vec<&str>, Vec<String>> = BTreeMap::new();
    for r in &recipients {
        let owed: Vec<&str> = changes
            .iter()
            .map(|c| c.uid.as_str())
            .filter(|u| !covered.contains(&(*u, r.as_str())))
            .collect();
        if !owed.is_empty() {
            groups.entry(owed).or_default().push(r.clone());
        }
    }
    for (uids, to) in groups {
        let identity = format!("{channel}\u{1f}{}\u{1f}{}", uids.join(","), to.join(","));
        let hash = crate::store::sha256_hex(identity.as_bytes());
        out.push(Planned {
            message_id: format!("<{}.{}@regwatch>", &hash[..24], digest.name.0),
            recipients: to,
            changes: uids
                .iter()
                .filter_map(|u| by_uid.get(u).map(|c| (*c).clone()))
                .collect(),
            resend: false,
        });
    }
    Ok(out)
}

/// The subject and both bodies of a planned message.
pub fn render(
    digest: &DigestConfig,
    planned: &Planned,
    announcements: &HashMap<String, KnownAnnouncement>,
    currency: &[Currency],
    reviews: &HashMap<String, crate::store::review::Review>,
) -> Rendered {
    let mut report = ChangeReport::new(&planned.changes, announcements);
    report.lang = digest.lang;
    // Each change with its review state: a team sees what is already dealt with.
    report.show_reviews = true;
    report.reviews = planned
        .changes
        .iter()
        .filter_map(|c| reviews.get(&c.uid).map(|r| (c.uid.clone(), r.clone())))
        .collect();
    let n = planned.changes.len();
    // The subject names the weightiest event (a suspension or removal before an addition).
    let headlines = report::summary::headlines(&report);
    let mut subject = match report::summary::top(&headlines) {
        Some(top) => {
            let mut s = format!("{} {}", digest.subject_prefix, top.text);
            if s.chars().count() > 150 {
                s = s.chars().take(149).collect::<String>() + "…";
            }
            s
        }
        None => format!(
            "{} {n} change{}",
            digest.subject_prefix,
            if n == 1 { "" } else { "s" }
        ),
    };
    if headlines.len() > 1 {
        subject.push_str(&format!(" (+{} more)", headlines.len() - 1));
    }
    let title = format!(
        "regwatch digest \u{201c}{}\u{201d}: {n} change{}",
        digest.name.0,
        if n == 1 { "" } else { "s" }
    );
    let mut text = format!("{title}\n\nHow current this is:\n");
    for c in currency {
        text.push_str(&format!("  {}\n", c.line()));
    }
    text.push('\n');
    text.push_str(&report::text::changes(&report));
    text.push_str(&format!(
        "-- \nSent by regwatch to {}. Each change is sent to each recipient once; Message-ID {}.\n",
        planned.recipients.join(", "),
        planned.message_id
    ));
    Rendered {
        subject: subject.replace(['\r', '\n'], " "),
        text,
        html: report::html::changes(&report, &title, currency),
    }
}

/// Runs one digest: plans, renders, sends (or writes) and records each message.
pub async fn run_digest(
    db: &DbHandle,
    config: &Config,
    digest: &DigestConfig,
    mode: &Mode,
    now: DateTime<Utc>,
) -> Result<DigestOutcome, anyhow::Error> {
    let d = digest.clone();
    let sources = config.sources.clone();
    let watches = config.watches.clone();
    let (planned, announcements, currency, reviews) = db
        .call(move |s| {
            let planned = plan(s, &d, &watches)?;
            let anns: HashMap<String, KnownAnnouncement> = s.announcements_by_key()?;
            let currency = Currency::of(&sources, &s.source_statuses()?, now);
            let reviews = crate::report::touch::current(s.reviews()?);
            Ok((planned, anns, currency, reviews))
        })
        .await?;
    let channel = channel(digest);
    let mut outcome = DigestOutcome {
        digest: digest.name.0.clone(),
        messages: Vec::new(),
    };
    for p in planned {
        let rendered = render(digest, &p, &announcements, &currency, &reviews);
        let mut result = MessageOutcome {
            message_id: p.message_id.clone(),
            recipients: p.recipients.clone(),
            changes: p.changes.len(),
            resend: p.resend,
            file: None,
            error: None,
        };
        let smtp = config
            .smtp
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("digest {:?} needs an [smtp] section", digest.name.0))?;
        let message = email::message(smtp, &p, &rendered, now)?;
        match mode {
            Mode::DryRun(dir) => {
                let name = format!(
                    "{}-{}.eml",
                    digest.name.0,
                    p.message_id
                        .trim_matches(['<', '>'])
                        .split('.')
                        .next()
                        .unwrap_or("message")
                );
                let path = dir.join(name);
                std::fs::create_dir_all(dir)?;
                std::fs::write(&path, message.formatted())?;
                result.file = Some(path.display().to_string());
            }
            Mode::Send => {
                let uids: Vec<String> = p.changes.iter().map(|c| c.uid.clone()).collect();
                let (ch, id, to, at) = (
                    channel.clone(),
                    p.message_id.clone(),
                    p.recipients.clone(),
                    format_time(now),
                );
                db.call(move |s| {
                    let tx = s.transaction()?;
                    tx.mark_sending(&ch, &id, &uids, &to, &at)?;
                    tx.commit()
                })
                .await?;
                let sent = email::send(smtp, message).await;
                if let Err(e) = &sent {
                    tracing::warn!(digest = %digest.name, message_id = %p.message_id, error = %e, "digest not sent; it is retried on the next run");
                }
                let error = sent.err().map(|e| e.to_string());
                result.error = error.clone();
                let (ch, id, at) = (channel.clone(), p.message_id.clone(), format_time(now));
                db.call(move |s| {
                    let tx = s.transaction()?;
                    tx.mark_outcome(&ch, &id, error.as_deref().map_or(Ok(()), Err), &at)?;
                    tx.commit()
                })
                .await?;
            }
        }
        outcome.messages.push(result);
    }
    Ok(outcome)
}
