//! check: one pass of the pipeline over the configured sources.
//!
//! For each source: fetch the index page, extract the announcement links (to allowed hosts
//! only), fetch those through a bounded stream, and record each page in its own transaction on
//! the database thread, where new versions are extracted and diffed. A failing page or source
//! is recorded with its reason and never stops the others.

pub mod cause;
mod index;
pub mod ingest;
mod observe;
mod pages;
pub mod transitions;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use futures_util::{StreamExt, stream};
use serde::Serialize;
use url::Url;

use crate::clock::{Clock, format_time};
use crate::config::{Config, SourceConfig};
use crate::extract::{self, Page, Reader, cms};
use crate::fetch::robots::Robots;
use crate::fetch::{FetchError, Fetched, Fetcher, Response, Validators, validators_of};
use crate::store::handle::{DbHandle, Pending};
use crate::store::{
    BatchReads, Dictionary, Evidence, IndexLinks, KnownPage, Packed, PageRole, PageVersion,
    RecordedPage, StoreError, StoredPage, Tx, pack,
};
use observe::{Recorded, count, observe_in, record_fetch};

/// What one check did, per source; rendered by `report::summary`.
#[derive(Debug, Clone, Serialize)]
pub struct CheckSummary {
    pub checked_at: String,
    pub sources: Vec<SourceOutcome>,
    /// Entries whose status moved by date alone (taking effect, a suspension ending).
    pub status_changes: usize,
    /// All changes recorded, status changes included.
    pub changes: usize,
    /// Doubts the store holds about what was read (`regwatch doubts` lists them).
    pub doubts: usize,
}

impl CheckSummary {
    pub fn failed_sources(&self) -> usize {
        self.sources.iter().filter(|s| !s.ok).count()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceOutcome {
    pub id: String,
    pub ok: bool,
    /// Why the source failed, when it did.
    pub error: Option<String>,
    /// Announcement links on the index page (to allowed hosts).
    pub links: usize,
    /// Pages answered with a body (200).
    pub fetched: usize,
    /// Pages answered 304 Not Modified.
    pub not_modified: usize,
    /// Pages whose bytes changed (or were seen for the first time).
    pub new_versions: usize,
    pub changes: usize,
    pub failures: Vec<PageFailure>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PageFailure {
    pub url: String,
    pub reason: String,
}

/// Everything a check needs, built once per process.
#[derive(Clone)]
pub struct Checker {
    pub config: Arc<Config>,
    pub fetcher: Arc<Fetcher>,
    pub db: DbHandle,
    pub clock: Clock,
    pub stop: Stop,
    /// robots.txt rules per origin, fetched once per checker (or why they could not be).
    pub robots: Arc<tokio::sync::Mutex<HashMap<String, Result<Robots, String>>>>,
    /// Told as pages are found and done (a progress bar on a terminal); nothing by default.
    pub progress: Option<Arc<dyn Progress>>,
    /// Read at least this many pages of a paginated column list (`check --backfill N`); a
    /// source's first check reads them all, an ordinary one the first and as many more as
    /// hold only announcements not seen before.
    pub backfill: u32,
    /// Sources checked at once (4). The same announcement published in two sources' columns
    /// is believed as the copy recorded first, which, sources checked together, is the one
    /// fetched first; one at a time, it is the copy of the source listed first (the demo,
    /// whose output must be the same on every run).
    pub sources_at_once: usize,
}

/// Pages of one column list read in one check, at most (15 items each): 2,300 items of 政策发布.
const MAX_LIST_PAGES: u32 = 500;

/// Receives a check's progress. Implementations must be cheap: they run on the fetch path.
pub trait Progress: Send + Sync {
    /// A source's index listed this many pages.
    fn found(&self, source: &str, pages: usize);
    /// One of them is done (fetched, unchanged, failed or skipped).
    fn done(&self, source: &str);
}

impl Checker {
    /// A checker with nothing shared yet: no stop requested, no robots.txt read, no progress.
    pub fn new(config: Arc<Config>, fetcher: Arc<Fetcher>, db: DbHandle, clock: Clock) -> Checker {
        Checker {
            config,
            fetcher,
            db,
            clock,
            stop: Stop::default(),
            robots: Arc::default(),
            progress: None,
            backfill: 0,
            sources_at_once: 4,
        }
    }
}

/// One announcement page as fetched, with its annexes, waiting to be recorded.
struct Observation {
    url: Url,
    fetched: Result<Fetched, FetchError>,
    /// The page's bytes hashed and compressed, when it was fetched.
    packed: Option<Packed>,
    annexes: Vec<(String, Result<Fetched, FetchError>)>,
    /// The page already read, off the database thread (a new page without annexes): reading is
    /// the larger part of the work, and doing it here lets the fetch workers share it.
    read: Option<Result<extract::Extracted, extract::ExtractError>>,
    now: String,
    /// The page was asked for with the validators of its stored version.
    conditional: bool,
    /// The page's version believed as the check began, if it had one: the one its validators
    /// were sent for (a 304 confirms it); bytes with another hash are new, and read before the
    /// batch asks the store anything.
    held: Option<KnownPage>,
    /// Its place among the fetched bytes waiting for the recorder (given back once recorded).
    room: Option<tokio::sync::OwnedSemaphorePermit>,
}

impl Observation {
    /// Bytes were fetched, of the page or an annex.
    fn holds_bytes(&self) -> bool {
        matches!(self.fetched, Ok(Fetched::Page(_)))
            || self
                .annexes
                .iter()
                .any(|(_, f)| matches!(f, Ok(Fetched::Page(_))))
    }

    /// A 304 for the page and every annex: recording it only confirms what is stored.
    fn confirms_only(&self) -> bool {
        matches!(self.fetched, Ok(Fetched::NotModified))
            && self
                .annexes
                .iter()
                .all(|(_, f)| matches!(f, Ok(Fetched::NotModified)))
    }

    /// A 304 to a conditional request for a page without annexes: the server confirms the
    /// stored version, which a batch records for all such pages in one statement
    /// ([`crate::store::Tx::confirm_pages`]), without reading their rows first.
    fn confirms_stored(&self) -> bool {
        self.conditional && self.annexes.is_empty() && self.confirms_only()
    }

    /// The page's bytes, fetched now, are not those of the version believed as the check
    /// began.
    fn new_bytes(&self) -> bool {
        self.packed
            .as_ref()
            .is_some_and(|p| self.held.as_ref().map(|h| h.sha256.as_str()) != Some(&p.sha256))
    }
}

/// An index version as recorded: its links as read before by the same reader, else its bytes
/// to read them.
enum StoredIndex {
    Read(IndexLinks),
    Body(i64, Vec<u8>, Option<String>),
}

/// Observations recorded per transaction, at most.
const BATCH: usize = 64;
/// Confirmations (304s) recorded per transaction, at most, while a batch holds nothing else:
/// each is one row of `sighting`, written by one statement for the whole batch, so a commit
/// (a round trip on PostgreSQL) per 64 of them was most of an unchanged re-check's waiting.
const CONFIRMATIONS_BATCH: usize = 1024;
/// Observations waiting for the recorder, at most (of those with fetched bytes, fewer: see
/// [`Checker::check_source`]).
const QUEUE: usize = 4096;
/// Observations waiting for the recorder from which new pages are read on the fetching side.
const READ_HERE_QUEUE: usize = 4;
/// How long a batch holding only confirmations waits for more to share its commit: a commit
/// costs more than the confirmations in it, and one that is late loses nothing (a crash
/// before it means those pages are asked again next time).
const CONFIRMATIONS_WAIT: std::time::Duration = std::time::Duration::from_millis(250);

enum PageResult {
    Unchanged {
        fetched: bool,
    },
    NewVersion {
        changes: usize,
    },
    Failed(String),
    /// Not fetched: a stop was requested (SIGTERM) before its turn; the next run fetches it.
    Skipped,
}

/// A page larger than this does not become a source's compression dictionary (a PDF served as
/// an announcement, say): the dictionary is kept whole and read for every page.
const DICTIONARY_MAX: usize = 256 * 1024;

/// The change kinds that report a source's health, once each way.
/// The change kind recorded, once per announcement, for what already existed when regwatch first
/// read a source: the list is complete, its entries are not each reported as added.
pub const BASELINE: &str = "baseline";

pub const SOURCE_FAILING: &str = "source-failing";
pub const SOURCE_RECOVERED: &str = "source-recovered";

/// A request to stop, shared with a signal handler: pages not yet started are skipped, the one
/// being written is finished.
#[derive(Debug, Clone, Default)]
pub struct Stop(Arc<std::sync::atomic::AtomicBool>);

impl Stop {
    pub fn request(&self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn requested(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Checker {
    /// Checks the given sources (all configured sources when `only` is empty).
    pub async fn check(&self, only: &[String]) -> Result<CheckSummary, StoreError> {
        let ids: Vec<String> = self
            .config
            .sources
            .iter()
            .filter(|s| only.is_empty() || only.contains(&s.id.0))
            .map(|s| s.id.0.clone())
            .collect();
        self.check_exactly(&ids).await
    }

    /// Checks exactly these sources — none, when empty: then only the statuses that moved with
    /// the date are recorded.
    pub async fn check_exactly(&self, ids: &[String]) -> Result<CheckSummary, StoreError> {
        let checked_at = format_time(self.clock.now());
        let sources: Vec<&SourceConfig> = self
            .config
            .sources
            .iter()
            .filter(|s| ids.contains(&s.id.0))
            .collect();
        let mut outcomes: Vec<SourceOutcome> = stream::iter(sources)
            .map(|s| self.check_source(s))
            .buffer_unordered(self.sources_at_once.max(1))
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()?;
        // Report in config order, whatever order the sources finished in.
        let order = |id: &str| self.config.sources.iter().position(|s| s.id.0 == id);
        outcomes.sort_by_key(|o| order(&o.id));
        // Dates pass without any page changing: statuses that moved since the last check.
        let now = self.clock.now();
        let transitions = self
            .db
            .call(move |s| {
                let t0 = std::time::Instant::now();
                let tx = s.transaction()?;
                // What the two ask first goes out at once (one round trip on PostgreSQL, not
                // three).
                tx.prefetch(|| {
                    let _ = tx.unmatched_removals();
                    let _ = tx.meta(crate::store::STATUS_PASS);
                    let _ = tx.any_dirty();
                });
                ingest::rekey_removals(&tx)?;
                let n = transitions::record(&tx, now)?;
                tx.commit()?;
                tracing::debug!(
                    changes = n,
                    ms = t0.elapsed().as_secs_f64() * 1e3,
                    "status pass recorded"
                );
                Ok((n, s.doubt_count()?))
            })
            .await?;
        let (transitions, doubts) = transitions;
        let changes = outcomes.iter().map(|o| o.changes).sum::<usize>() + transitions;
        Ok(CheckSummary {
            checked_at,
            sources: outcomes,
            status_changes: transitions,
            changes,
            doubts,
        })
    }

    async fn check_source(&self, source: &SourceConfig) -> Result<SourceOutcome, StoreError> {
        let id = source.id.0.clone();
        let mut outcome = SourceOutcome {
            id: id.clone(),
            ok: true,
            error: None,
            links: 0,
            fetched: 0,
            not_modified: 0,
            new_versions: 0,
            changes: 0,
            failures: Vec::new(),
        };
        // Every page's validators are loaded behind the first index page's recording, while that
        // page is read (at 10,000 pages, 12 ms that went before the index was even requested).
        let mut all_validators = None;
        let reader = source.reader();
        let index_url = source.url.0.clone();
        let mut links: Vec<Url> = Vec::new();
        if let Reader::Page { .. } = reader {
            // A watched page has no index: it is the one page.
            links.push(index_url.clone());
        }
        // The index, and for a paginated source its next pages, up to `max_pages`.
        // Several starting pages when the URL names the year (`{YYYY}`): this year's, and in
        // January last year's too.
        let today = crate::model::legal_date(self.clock.now(), extract::mofcom::REGIME);
        let mut starts = source.index_urls(today).into_iter();
        let mut next = if matches!(reader, Reader::Page { .. }) {
            None
        } else {
            starts.next()
        };
        let mut visited: Vec<Url> = Vec::new();
        let mut seen: std::collections::HashSet<Url> = links.iter().cloned().collect();
        let (dictionary, first_check, mut first_validators) =
            self.first_reads(&id, next.as_ref()).await?;
        let mut known: Option<Arc<HashMap<String, KnownPage>>> = None;
        while let Some(url) = next.take() {
            visited.push(url.clone());
            let v = match first_validators.take() {
                Some(v) => v,
                None => {
                    let (id, url) = (id.clone(), url.to_string());
                    self.db.call(move |s| s.page_validators(&id, &url)).await?
                }
            };
            let recorded = self.record_index(source, &reader, &url, &v).await?;
            if all_validators.is_none() && known.is_none() {
                let id = id.clone();
                all_validators = Some(self.db.submit(move |s| s.known_pages(&id))?);
            }
            match self
                .index_links(source, &reader, &url, recorded.wait().await?)
                .await?
            {
                Ok((mut found, more, result)) => {
                    count(&mut outcome, &result);
                    if found.len() > source.max_links {
                        // A page listing 200,000 links is broken or hostile; reading them all
                        // would hammer the site for hours. The first ones are read, and the
                        // source reports why the rest were not.
                        let reason = format!(
                            "the index page lists {} announcement links; only the first {} were read (max_links)",
                            found.len(),
                            source.max_links
                        );
                        found.truncate(source.max_links);
                        self.problem(source, &url, "extract", &reason).await?;
                        outcome.failures.push(PageFailure {
                            url: url.to_string(),
                            reason,
                        });
                    }
                    let mut unseen = 0;
                    let listed = found.len();
                    for l in found {
                        if seen.insert(l.clone()) {
                            links.push(l);
                            unseen += 1;
                        }
                    }
                    next = match more {
                        Some(u) if visited.contains(&u) || !source.allows(&u) => None,
                        // A column shell's own list call: always read.
                        Some(u) if cms::is_unit_call(&u) && cms::page_of(&u) == 1 => Some(u),
                        Some(u) if cms::is_unit_call(&u) => {
                            let page = cms::page_of(&u);
                            // Announcements not seen before on this page: there may be more on
                            // the next (more than a page appeared since the last check).
                            let all_new = if listed == 0 || first_check {
                                false
                            } else {
                                if known.is_none()
                                    && let Some(pending) = all_validators.take()
                                {
                                    known = Some(Arc::new(pending.wait().await?));
                                }
                                let known = known.as_deref();
                                links[links.len() - unseen..]
                                    .iter()
                                    .all(|l| known.is_none_or(|k| !k.contains_key(l.as_str())))
                                    && unseen == listed
                            };
                            let wanted = first_check || page <= self.backfill.max(1) || all_new;
                            (wanted && page <= MAX_LIST_PAGES).then_some(u)
                        }
                        Some(u) => (visited.len() < source.max_index_pages()).then_some(u),
                        None => None,
                    };
                    if next.is_none() {
                        next = starts.next();
                    }
                }
                Err(reason) => {
                    outcome.failures.push(PageFailure {
                        url: url.to_string(),
                        reason: reason.clone(),
                    });
                    if visited.len() == 1 && starts.len() == 0 {
                        return self.finish(outcome, Some(reason)).await;
                    }
                    // A later index page failed: the links found so far are still read.
                    next = starts.next();
                }
            }
        }
        let validators = match (known, all_validators) {
            (Some(k), _) => k,
            (None, Some(v)) => Arc::new(v.wait().await?),
            (None, None) => {
                let id = id.clone();
                Arc::new(self.db.call(move |s| s.known_pages(&id)).await?)
            }
        };
        outcome.links = links.len();
        if let Some(p) = &self.progress {
            p.found(&source.id.0, links.len());
        }

        let concurrency = self.config.politeness.concurrency.max(1);
        // Fetching and recording overlap: fetches feed a channel that the recorder drains in
        // batches, one transaction each. Fetched bytes wait in it up to a bound (memory); 304s,
        // a few hundred bytes each, up to a larger one: a recorder slow to start (a new
        // PostgreSQL connection plans its first statements) held up every fetch behind a
        // queue of 64, a tenth of a 1 % re-check.
        let (send, receive) = tokio::sync::mpsc::channel::<Observation>(QUEUE);
        let room = Arc::new(tokio::sync::Semaphore::new((4 * concurrency).max(BATCH)));
        let reader = &reader;
        let dictionary = &dictionary;
        let fetching = async move {
            let outcomes: Vec<(Url, Result<bool, StoreError>)> = stream::iter(links)
                .map(|url| {
                    let validators = validators.clone();
                    let send = send.clone();
                    let room = Arc::clone(&room);
                    async move {
                        // Observations waiting: the recorder is busy with earlier ones.
                        let behind = || send.max_capacity() - send.capacity() >= READ_HERE_QUEUE;
                        let r = match self
                            .announcement_page(
                                source,
                                reader,
                                dictionary,
                                &url,
                                &validators,
                                &behind,
                            )
                            .await
                        {
                            Ok(Some(mut o)) => {
                                if o.holds_bytes() {
                                    // Never closed: a permit always comes.
                                    o.room = room.acquire_owned().await.ok();
                                }
                                send.send(o).await.map(|_| true).or(Ok(false))
                            }
                            Ok(None) => Ok(false),
                            Err(e) => Err(e),
                        };
                        if let Some(p) = &self.progress {
                            p.done(&source.id.0);
                        }
                        (url, r)
                    }
                })
                .buffer_unordered(concurrency)
                .collect()
                .await;
            drop(send);
            outcomes
        };
        let (fetched, recorded) = tokio::join!(
            fetching,
            self.record_batches(source, reader, receive, first_check && source.baseline)
        );
        let mut results: Vec<(Url, PageResult)> = recorded?;
        for (url, r) in fetched {
            // Pages skipped for a stop were never sent to the recorder.
            if !r? {
                results.push((url, PageResult::Skipped));
            }
        }
        let mut failures = Vec::new();
        for (url, r) in results {
            if let PageResult::Failed(reason) = &r {
                failures.push(PageFailure {
                    url: url.to_string(),
                    reason: reason.clone(),
                });
            }
            count(&mut outcome, &r);
        }
        failures.extend(std::mem::take(&mut outcome.failures));
        failures.sort_by(|a, b| a.url.cmp(&b.url));
        outcome.failures = failures;
        let error = match outcome.failures.as_slice() {
            [] => None,
            [one] => Some(format!("{}: {}", one.url, one.reason)),
            [first, rest @ ..] => Some(format!(
                "{}: {} (and {} more failing pages)",
                first.url,
                first.reason,
                rest.len()
            )),
        };
        self.finish(outcome, error).await
    }

    async fn finish(
        &self,
        mut outcome: SourceOutcome,
        error: Option<String>,
    ) -> Result<SourceOutcome, StoreError> {
        let now = format_time(self.clock.now());
        let id = outcome.id.clone();
        let e = error.clone();
        let threshold = i64::from(self.config.status.failing_after);
        let reported = self
            .db
            .call(move |s| {
                let tx = s.transaction()?;
                let (before, after) = tx.record_source_outcome(&id, e.as_deref(), &now)?;
                // Reported once when it starts failing, once when it recovers; not every run.
                let kind = if after == threshold && before < threshold {
                    Some(SOURCE_FAILING)
                } else if after == 0 && before >= threshold {
                    Some(SOURCE_RECOVERED)
                } else {
                    None
                };
                if let Some(kind) = kind {
                    let last_success = tx.source_last_success(&id)?;
                    tx.record_change(&crate::store::NewChange {
                        kind,
                        regime: None,
                        code: None,
                        announcement: &format!("source:{id}"),
                        before: Some(serde_json::json!({ "consecutive_failures": before })),
                        after: Some(serde_json::json!({
                            "source": id,
                            "consecutive_failures": after,
                            "error": e,
                            "last_success": last_success,
                        })),
                        evidence: Evidence::None,
                        observed_at: &now,
                    })?;
                }
                tx.commit()?;
                Ok(usize::from(kind.is_some()))
            })
            .await?;
        outcome.changes += reported;
        outcome.ok = error.is_none();
        outcome.error = error;
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests;
