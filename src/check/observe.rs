//! Recording one observation of an announcement page — the page and its annexes as fetched —
//! inside a transaction on the database thread: the fetch results, the new versions, their
//! reading, people's corrections on top, and the changes (`ingest`).

use super::*;
use ingest::Applied;

pub(super) fn count(outcome: &mut SourceOutcome, r: &PageResult) {
    match r {
        PageResult::Unchanged { fetched: true } => outcome.fetched += 1,
        PageResult::Unchanged { fetched: false } => outcome.not_modified += 1,
        PageResult::NewVersion { changes } => {
            outcome.fetched += 1;
            outcome.new_versions += 1;
            outcome.changes += changes;
        }
        PageResult::Failed(_) | PageResult::Skipped => {}
    }
}

pub(super) enum Recorded {
    Page {
        snapshot: i64,
        /// The bytes' hash when they were fetched now; a 304 does not read it back.
        sha256: Option<String>,
        result: PageResult,
        dictionary: Option<(i64, Arc<Dictionary>)>,
    },
    Failed(String),
}

/// Records a fetch result for any page: a new version, a sighting of the current one, or a
/// failure with its reason.
pub(super) fn record_fetch(
    tx: &Tx<'_>,
    source: &str,
    url: &str,
    role: PageRole,
    fetched: Result<Fetched, FetchError>,
    packed: Option<&Packed>,
    now: &str,
) -> Result<Recorded, StoreError> {
    Ok(match fetched {
        Err(e) => {
            let reason = e.to_string();
            tx.record_problem(source, Some(url), "fetch", &reason, now)?;
            Recorded::Failed(reason)
        }
        Ok(Fetched::NotModified) => match tx.record_not_modified(url, now)? {
            Some(snapshot) => Recorded::Page {
                snapshot,
                sha256: None,
                result: PageResult::Unchanged { fetched: false },
                dictionary: None,
            },
            None => {
                let reason = "304 Not Modified for a page with no stored version".to_string();
                tx.record_problem(source, Some(url), "fetch", &reason, now)?;
                Recorded::Failed(reason)
            }
        },
        Ok(Fetched::Page(resp)) => {
            let rec = record_response(tx, source, url, role, &resp, packed, now)?;
            Recorded::Page {
                snapshot: rec.snapshot,
                sha256: Some(rec.sha256),
                result: if rec.new_version {
                    PageResult::NewVersion { changes: 0 }
                } else {
                    PageResult::Unchanged { fetched: true }
                },
                dictionary: rec.dictionary,
            }
        }
    })
}

pub(super) fn record_response(
    tx: &Tx<'_>,
    source: &str,
    url: &str,
    role: PageRole,
    resp: &Response,
    packed: Option<&Packed>,
    now: &str,
) -> Result<crate::store::RecordedPage, StoreError> {
    let v = validators_of(resp);
    // A list API's answer differs on every call (its `traceId`); the list it carries is what
    // makes it a new version or not.
    let content_key = match role {
        PageRole::Index if url.contains(crate::extract::cms::UNIT_PATH) => {
            crate::extract::cms::content_key(&resp.body)
        }
        _ => None,
    };
    tx.record_page(
        source,
        url,
        role,
        &PageVersion {
            final_url: resp.final_url.as_str(),
            status: resp.status,
            headers: &resp.headers,
            body: &resp.body,
            etag: v.etag.as_deref(),
            last_modified: v.last_modified.as_deref(),
            packed,
            content_key: content_key.as_deref(),
        },
        now,
    )
}

/// One announcement page and its annexes, inside the observation's transaction: the snapshots,
/// and when any of them is new the extraction, the diff and the change records — or the reason it
/// was not believed, in which case every page goes back to its previous version so that the next
/// check tries again.
pub(super) fn observe_in(
    tx: &Tx<'_>,
    source: &str,
    reader: &Reader,
    observation: Observation,
    baseline: bool,
) -> Result<PageResult, StoreError> {
    let Observation {
        url,
        fetched,
        packed,
        annexes,
        read,
        now,
        conditional: _,
        held: _,
        room: _,
    } = observation;
    let (url, now) = (url.as_str(), now.as_str());
    // The state before this observation of every page that may move to a new version, to
    // restore on rejection. A 304 or a failure leaves a page where it was.
    let may_move = |f: &Result<Fetched, FetchError>| matches!(f, Ok(Fetched::Page(_)));
    let mut priors = Vec::new();
    if may_move(&fetched) {
        priors.push((url.to_string(), tx.page_state(url)?));
    }
    // The bytes just fetched, so they need not be read back and decompressed from the store.
    let fresh = match &fetched {
        Ok(Fetched::Page(resp)) => Some((
            resp.final_url.to_string(),
            resp.body.clone(),
            resp.header("content-type").map(str::to_string),
        )),
        _ => None,
    };
    let article = record_fetch(
        tx,
        source,
        url,
        PageRole::Announcement,
        fetched,
        packed.as_ref(),
        now,
    )?;
    let (article_new, article_fetched) = match &article {
        Recorded::Failed(reason) => return Ok(PageResult::Failed(reason.clone())),
        Recorded::Page { result, .. } => (
            matches!(result, PageResult::NewVersion { .. }),
            !matches!(result, PageResult::Unchanged { fetched: false }),
        ),
    };
    let mut any_new = article_new;
    let mut annex_failure = None;
    let annex_urls: Vec<String> = annexes.iter().map(|(u, _)| u.clone()).collect();
    for (annex_url, fetched) in annexes {
        if may_move(&fetched) {
            priors.push((annex_url.clone(), tx.page_state(&annex_url)?));
        }
        match record_fetch(tx, source, &annex_url, PageRole::Annex, fetched, None, now)? {
            Recorded::Failed(reason) => {
                annex_failure.get_or_insert(format!("annex {annex_url}: {reason}"));
            }
            Recorded::Page { result, .. } => {
                any_new |= matches!(result, PageResult::NewVersion { .. });
            }
        }
    }
    if !any_new {
        return Ok(PageResult::Unchanged {
            fetched: article_fetched,
        });
    }
    let reject = |reason: String| -> Result<PageResult, StoreError> {
        for (u, prior) in &priors {
            tx.restore_page(u, prior.as_ref())?;
        }
        tx.record_problem(source, Some(url), "extract", &reason, now)?;
        Ok(PageResult::Failed(reason))
    };
    if let Some(reason) = annex_failure {
        // Without every annex the announcement cannot be read whole; reading it partially could
        // look like removals.
        return reject(format!(
            "{reason}; the announcement is read again next check"
        ));
    }

    let dictionary = match &article {
        Recorded::Page { dictionary, .. } => dictionary.clone(),
        Recorded::Failed(_) => None,
    };
    let article = match (fresh, &article) {
        (
            Some((final_url, body, content_type)),
            Recorded::Page {
                snapshot,
                sha256: Some(sha256),
                ..
            },
        ) => StoredPage {
            snapshot: *snapshot,
            sha256: sha256.clone(),
            final_url,
            body,
            content_type,
        },
        _ => match tx.page_body(url)? {
            Some(p) => p,
            None => return reject("the article's stored version is missing".to_string()),
        },
    };
    let mut annex_pages = Vec::with_capacity(annex_urls.len());
    for annex_url in &annex_urls {
        match tx.page_body(annex_url)? {
            Some(p) => annex_pages.push(p),
            None => return reject(format!("annex {annex_url}: no stored version")),
        }
    }
    let urls: Vec<Url> = std::iter::once(&article)
        .chain(&annex_pages)
        .map(|p| {
            Url::parse(&p.final_url).unwrap_or_else(|_| Url::parse("http://invalid/").unwrap())
        })
        .collect();
    fn page<'a>(p: &'a StoredPage, url: &'a Url) -> Page<'a> {
        Page {
            url,
            body: &p.body,
            content_type: p.content_type.as_deref(),
        }
    }
    let annex_views: Vec<Page<'_>> = annex_pages
        .iter()
        .enumerate()
        .map(|(i, p)| page(p, &urls[i + 1]))
        .collect();
    // Read already when the page was new and has no annexes (the same bytes as stored).
    let read = match read {
        Some(r) if article_new && annex_urls.is_empty() => r,
        _ => extract::announcement_with_annexes(reader, &page(&article, &urls[0]), &annex_views),
    };
    let extracted = match read {
        Ok(x) => x,
        Err(e) => return reject(e.to_string()),
    };
    for (annex_url, e) in &extracted.unread {
        // Recorded, not fatal: the article and the other annexes are still read.
        tx.record_problem(
            source,
            Some(annex_url.as_str()),
            "extract",
            &e.to_string(),
            now,
        )?;
    }
    let rec = RecordedPage {
        snapshot: article.snapshot,
        sha256: article.sha256.clone(),
        new_version: article_new,
        dictionary,
    };
    if let Reader::MofcomEn = reader {
        return match ingest::apply_translation(tx, url, &rec, &extracted.announcement, now)? {
            Applied::Recorded { changes } => Ok(PageResult::NewVersion { changes }),
            Applied::Rejected(e) => reject(e.to_string()),
        };
    }
    // People's corrections go on top of every reading; reading the page again does not undo
    // them. One the reading already agrees with is now unnecessary, and said to be.
    let mut announcement = extracted.announcement;
    let corrections = tx.corrections(&announcement.key)?;
    if !corrections.is_empty() {
        let (agreed, failed) = crate::correction::apply_all(&mut announcement, &corrections);
        for id in agreed {
            tx.correction_unnecessary(id, now)?;
        }
        for (id, why) in failed {
            announcement.doubts.push(crate::model::Doubt::new(
                "correction-not-applied",
                format!("correction {id} no longer applies: {why}"),
            ));
        }
    }
    ingest::reconcile_removals(tx, &mut announcement)?;
    match ingest::apply(tx, url, &rec, &announcement, now, baseline)? {
        Applied::Recorded { changes } => Ok(PageResult::NewVersion { changes }),
        Applied::Rejected(e) => reject(e.to_string()),
    }
}
