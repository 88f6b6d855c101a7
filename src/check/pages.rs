//! A source's announcement pages: fetched (robots.txt and origins respected) and recorded in
//! batches, a transaction each.

use super::*;

impl Checker {
    /// One announcement: the article, then the annexes it links (from the fresh body, or the
    /// stored one when the article answered 304 — an annex can change on its own), then one
    /// transaction that records them all and, if anything is new, reads and applies them.
    pub(super) async fn announcement_page(
        &self,
        source: &SourceConfig,
        reader: &Reader,
        dictionary: &OnceLock<Arc<Dictionary>>,
        url: &Url,
        known: &HashMap<String, KnownPage>,
        recorder_behind: &(dyn Fn() -> bool + Sync),
    ) -> Result<Option<Observation>, StoreError> {
        if self.stop.requested() {
            return Ok(None);
        }
        let held = known.get(url.as_str());
        let v = held.map(|k| k.validators.clone()).unwrap_or_default();
        let conditional = v.etag.is_some() || v.last_modified.is_some();
        let fetched = self.fetch_allowed(source, url, &v).await;
        // Hashed and compressed here, on the fetch side: the database thread is the one that
        // cannot be shared.
        let packed = match &fetched {
            Ok(Fetched::Page(resp)) => {
                let dict = match dictionary.get() {
                    Some(d) => Some(d.clone()),
                    None if resp.body.len() <= DICTIONARY_MAX => Some(
                        dictionary
                            .get_or_init(|| Arc::new(Dictionary::new(resp.body.clone())))
                            .clone(),
                    ),
                    None => None,
                };
                Some(pack(&resp.body, dict)?)
            }
            _ => None,
        };
        // Only MOFCOM articles link annexes: other readers need neither the links nor, on a 304,
        // the stored page.
        let links = match (&fetched, reader) {
            (Ok(Fetched::Page(resp)), Reader::Mofcom) => {
                let page = Page {
                    url: &resp.final_url,
                    body: &resp.body,
                    content_type: resp.header("content-type"),
                };
                extract::annex_links(reader, &page)
            }
            (Ok(Fetched::NotModified), Reader::Mofcom) => {
                let u = url.to_string();
                let stored = self.db.call(move |s| s.page_body(&u)).await?;
                stored
                    .and_then(|p| Some((Url::parse(&p.final_url).ok()?, p)))
                    .map(|(final_url, p)| {
                        let page = Page {
                            url: &final_url,
                            body: &p.body,
                            content_type: p.content_type.as_deref(),
                        };
                        extract::annex_links(reader, &page)
                    })
                    .unwrap_or_default()
            }
            _ => Vec::new(),
        };
        let annex_urls: Vec<Url> = links
            .into_iter()
            .map(|l| l.url)
            .filter(|u| source.allows(u))
            .collect();
        let mut annexes = Vec::with_capacity(annex_urls.len());
        for annex in annex_urls {
            let v = known
                .get(annex.as_str())
                .map(|k| k.validators.clone())
                .unwrap_or_default();
            let fetched = self.fetch_allowed(source, &annex, &v).await;
            annexes.push((annex.to_string(), fetched));
        }
        // Read here when the database thread has a queue (a first check: reading is most of its
        // work, and the fetching side can share it); otherwise it reads the page itself, beside
        // the fetching, instead of in its way (a re-check with a few new pages).
        let read = match (&fetched, annexes.is_empty()) {
            (Ok(Fetched::Page(resp)), true) if recorder_behind() => {
                let page = Page {
                    url: &resp.final_url,
                    body: &resp.body,
                    content_type: resp.header("content-type"),
                };
                Some(extract::announcement_with_annexes(reader, &page, &[]))
            }
            _ => None,
        };
        Ok(Some(Observation {
            url: url.clone(),
            fetched,
            packed,
            annexes,
            read,
            now: format_time(self.clock.now()),
            conditional,
            held: held.cloned(),
            room: None,
        }))
    }

    /// Records observations on the database thread, as many as are waiting (up to
    /// [`BATCH`]) in one transaction: a transaction per page was a third of a first check's time.
    /// Confirmations (304s) wait up to [`CONFIRMATIONS_WAIT`] for company; new bytes are recorded
    /// as soon as the thread is free. A crash loses at most the batch in flight, whose pages keep
    /// their old validators and are fetched again (a PostgreSQL server's crash, the batches not
    /// yet flushed: see [`crate::store::Store::batch_transaction`]).
    pub(super) async fn record_batches(
        &self,
        source: &SourceConfig,
        reader: &Reader,
        mut rx: tokio::sync::mpsc::Receiver<Observation>,
        baseline: bool,
    ) -> Result<Vec<(Url, PageResult)>, StoreError> {
        use tokio::sync::mpsc::error::TryRecvError;
        let mut results = Vec::new();
        while let Some(first) = rx.recv().await {
            let deadline = tokio::time::Instant::now() + CONFIRMATIONS_WAIT;
            let mut confirms_only = first.confirms_only();
            let mut batch = vec![first];
            while batch.len()
                < if confirms_only {
                    CONFIRMATIONS_BATCH
                } else {
                    BATCH
                }
            {
                let next = match rx.try_recv() {
                    Ok(o) => o,
                    Err(TryRecvError::Empty) if confirms_only => {
                        match tokio::time::timeout_at(deadline, rx.recv()).await {
                            Ok(Some(o)) => o,
                            Ok(None) | Err(_) => break,
                        }
                    }
                    Err(_) => break,
                };
                confirms_only &= next.confirms_only();
                batch.push(next);
            }
            tracing::trace!(source = %source.id, pages = batch.len(), "recording a batch");
            let (id, reader) = (source.id.0.clone(), reader.clone());
            let done = self
                .db
                .call(move |store| {
                    let mut batch = batch;
                    let tx = store.batch_transaction()?;
                    // New bytes the fetching side did not read (it reads only while this
                    // thread has a queue) are read now, before the store is asked anything:
                    // what it holds of their announcements is then read ahead with the rest
                    // of the batch's reads, in one round trip on PostgreSQL. New is told from
                    // the hash believed as the check began; the recording still decides by the
                    // store's own (a page read here for nothing is read again, no more).
                    for o in batch
                        .iter_mut()
                        .filter(|o| o.read.is_none() && o.annexes.is_empty() && o.new_bytes())
                    {
                        if let Ok(Fetched::Page(resp)) = &o.fetched {
                            let page = Page {
                                url: &resp.final_url,
                                body: &resp.body,
                                content_type: resp.header("content-type"),
                            };
                            o.read = Some(extract::announcement_with_annexes(&reader, &page, &[]));
                        }
                    }
                    let urls: Vec<(&str, Option<&str>)> = batch
                        .iter()
                        .filter(|o| !o.confirms_stored())
                        .map(|o| (o.url.as_str(), o.packed.as_ref().map(|p| p.sha256.as_str())))
                        .collect();
                    let keys: Vec<&str> = batch
                        .iter()
                        .filter_map(|o| match &o.read {
                            Some(Ok(x)) => Some(x.announcement.key.as_str()),
                            _ => None,
                        })
                        .collect();
                    // The codes the pages list now.
                    let codes: std::collections::BTreeSet<(&str, &str)> = batch
                        .iter()
                        .filter_map(|o| match &o.read {
                            Some(Ok(x)) => Some(x.announcement.entries.iter()),
                            _ => None,
                        })
                        .flatten()
                        .map(|e| (e.regime.as_str(), e.code.as_str()))
                        .collect();
                    let codes: Vec<(&str, &str)> = codes.into_iter().collect();
                    let t0 = std::time::Instant::now();
                    tx.read_ahead_batch(&BatchReads {
                        pages: &urls,
                        keys: &keys,
                        stored_likely: batch
                            .iter()
                            .any(|o| matches!(o.read, Some(Ok(_))) && o.held.is_some()),
                        codes: &codes,
                        new_versions: batch.iter().any(Observation::new_bytes),
                        baseline,
                    })?;
                    let read_ahead = t0.elapsed();
                    let mut out = Vec::with_capacity(batch.len());
                    let mut confirmed = Vec::new();
                    let mut failing = Vec::new();
                    for o in batch {
                        let page = o.url.clone();
                        if let (true, Some(held)) = (o.confirms_stored(), &o.held) {
                            if held.failing {
                                failing.push(page.to_string());
                            }
                            confirmed.push((held.snapshot, o.now));
                            out.push((page, PageResult::Unchanged { fetched: false }));
                            continue;
                        }
                        let r = observe_in(&tx, &id, &reader, o, baseline)?;
                        out.push((page, r));
                    }
                    let recorded = t0.elapsed();
                    tx.confirm_pages(&confirmed, &failing)?;
                    tx.commit()?;
                    // Where a batch's time goes, for whoever tunes a store (`REGWATCH_LOG`).
                    tracing::debug!(
                        pages = out.len(),
                        confirmed = confirmed.len(),
                        read_ahead_ms = read_ahead.as_secs_f64() * 1e3,
                        recorded_ms = recorded.as_secs_f64() * 1e3,
                        committed_ms = t0.elapsed().as_secs_f64() * 1e3,
                        "batch recorded"
                    );
                    Ok(out)
                })
                .await?;
            results.extend(done);
        }
        Ok(results)
    }

    /// Whether the host's robots.txt lets regwatch fetch `url`; each host's file is fetched once
    /// per checker. No file (4xx) allows everything. An unreachable one (5xx, network) allows
    /// nothing (RFC 9309), and the reason it was unreachable is the page's error.
    pub(super) async fn robots_allow(&self, source: &str, url: &Url) -> Result<bool, FetchError> {
        let origin = url.origin().ascii_serialization();
        // Per route: a host reached through another proxy or trusting other CAs may answer
        // otherwise (or not at all).
        let key = format!("{}|{origin}", self.fetcher.route_index(Some(source)));
        let mut cache = self.robots.lock().await;
        if !cache.contains_key(&key) {
            let rules = match Url::parse(&format!("{origin}/robots.txt")) {
                Err(_) => Ok(Robots::allow_all()),
                Ok(robots_url) => {
                    // robots.txt may redirect within its own host (http to https, a new path).
                    let host = robots_url.host_str().map(str::to_string);
                    let same_host = move |u: &Url| u.host_str().map(str::to_string) == host;
                    match self
                        .fetcher
                        .fetch_for(
                            Some(source),
                            &robots_url,
                            &Validators::default(),
                            &same_host,
                        )
                        .await
                    {
                        Ok(Fetched::Page(resp)) => {
                            Ok(Robots::parse(&String::from_utf8_lossy(&resp.body)))
                        }
                        Ok(Fetched::NotModified) => Ok(Robots::allow_all()),
                        Err(FetchError::Status { status, .. }) if (400..500).contains(&status) => {
                            Ok(Robots::allow_all())
                        }
                        Err(e) => Err(e.to_string()),
                    }
                }
            };
            cache.insert(key.clone(), rules);
        }
        let path = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        match cache.get(&key) {
            Some(Ok(r)) => Ok(r.allows(&path)),
            Some(Err(reason)) => Err(FetchError::RobotsUnreachable {
                url: url.clone(),
                reason: reason.clone(),
            }),
            None => Ok(true),
        }
    }

    /// Fetches, refusing responses whose redirects ended outside the source's allowed hosts.
    pub(super) async fn fetch_allowed(
        &self,
        source: &SourceConfig,
        url: &Url,
        validators: &Validators,
    ) -> Result<Fetched, FetchError> {
        if !source.allows(url) {
            return Err(FetchError::NotAllowed { url: url.clone() });
        }
        if source.robots_txt && !self.robots_allow(&source.id.0, url).await? {
            return Err(FetchError::Robots { url: url.clone() });
        }
        let fetched = self
            .fetcher
            .fetch_for(Some(&source.id.0), url, validators, &|u: &Url| {
                source.allows(u)
            })
            .await?;
        // Each hop was checked before it was requested; this guards the mirror's mapping back.
        if let Fetched::Page(resp) = &fetched
            && resp.final_url != *url
            && !source.allows(&resp.final_url)
        {
            return Err(FetchError::OffSite {
                url: url.clone(),
                to: resp.final_url.clone(),
            });
        }
        Ok(fetched)
    }
}
