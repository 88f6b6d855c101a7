//! A source's index: its pages read (and kept links reused on a 304), the announcement links
//! it lists, and the problems it has.

use super::*;

impl Checker {
    /// What a source's check asks first, all at once (one round trip on PostgreSQL, not four):
    /// the dictionary its pages are compressed against (the stored one, or else the first
    /// suitable page this check fetches), whether it has never been read whole (its first
    /// check reads every page of a paginated column list), and the validators of its first
    /// index page (`first`, none for a watched page). That a status pass has run is settled
    /// on the way, for the batches.
    #[allow(clippy::type_complexity)]
    pub(super) async fn first_reads(
        &self,
        id: &str,
        first: Option<&Url>,
    ) -> Result<(OnceLock<Arc<Dictionary>>, bool, Option<Validators>), StoreError> {
        let (id, first) = (id.to_string(), first.map(Url::to_string));
        let (stored, first_check, validators) = self
            .db
            .call(move |s| {
                let ask = |s: &crate::store::Store| -> Result<_, StoreError> {
                    let dictionary = s.dictionary(&id)?;
                    let first_check = s
                        .source_statuses()?
                        .into_iter()
                        .find(|st| st.id == id)
                        .and_then(|st| st.last_success)
                        .is_none();
                    let validators = match &first {
                        Some(url) => Some(s.page_validators(&id, url)?),
                        None => None,
                    };
                    // Settled for the batches (none of them then waits to keep it).
                    s.status_pass_ran()?;
                    Ok((dictionary, first_check, validators))
                };
                s.prefetch(|| {
                    let _ = ask(s);
                });
                ask(s)
            })
            .await?;
        let slot = OnceLock::new();
        if let Some(d) = stored {
            let _ = slot.set(Arc::new(d));
        }
        Ok((slot, first_check, validators))
    }

    /// Fetches an index page and queues its recording, whose result is the version's links as
    /// read before (a 304, mostly) or its bytes to read them from.
    pub(super) async fn record_index(
        &self,
        source: &SourceConfig,
        reader: &Reader,
        url: &Url,
        v: &Validators,
    ) -> Result<Pending<Result<(StoredIndex, PageResult), String>>, StoreError> {
        let fetched = self.fetch_allowed(source, url, v).await;
        let now = format_time(self.clock.now());
        let key = reader.index_key();
        let (id, url_s) = (source.id.0.clone(), url.to_string());
        self.db.submit(move |store| {
            let tx = store.transaction()?;
            let r = record_fetch(&tx, &id, &url_s, PageRole::Index, fetched, None, &now)?;
            let out = match r {
                Recorded::Failed(reason) => Err(reason),
                Recorded::Page {
                    snapshot, result, ..
                } => match tx.index_links(&url_s, snapshot, &key)? {
                    Some(links) => Ok((StoredIndex::Read(links), result)),
                    None => {
                        let (body, headers) = tx.snapshot_body(snapshot)?;
                        let ct = headers
                            .iter()
                            .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
                            .map(|(_, v)| v.clone());
                        Ok((StoredIndex::Body(snapshot, body, ct), result))
                    }
                },
            };
            tx.commit()?;
            Ok(out)
        })
    }

    /// The links of an index page recorded by [`Checker::record_index`], read from its bytes
    /// (and remembered) when they were not read before.
    #[allow(clippy::type_complexity)]
    pub(super) async fn index_links(
        &self,
        source: &SourceConfig,
        reader: &Reader,
        url: &Url,
        stored: Result<(StoredIndex, PageResult), String>,
    ) -> Result<Result<(Vec<Url>, Option<Url>, PageResult), String>, StoreError> {
        let key = reader.index_key();
        let (stored, result) = match stored {
            Ok(x) => x,
            Err(reason) => return Ok(Err(reason)),
        };
        let read = match stored {
            StoredIndex::Read(read) => read,
            StoredIndex::Body(snapshot, body, content_type) => {
                let page = Page {
                    url,
                    body: &body,
                    content_type: content_type.as_deref(),
                };
                match extract::index(reader, &page) {
                    Ok((links, next)) => {
                        let read = IndexLinks {
                            links: links.into_iter().map(|l| l.url.to_string()).collect(),
                            next: next.map(|n| n.to_string()),
                        };
                        let (url_s, r) = (url.to_string(), read.clone());
                        self.db
                            .call(move |store| {
                                let tx = store.transaction()?;
                                tx.put_index_links(&url_s, snapshot, &key, &r)?;
                                tx.commit()
                            })
                            .await?;
                        read
                    }
                    Err(e) => {
                        let reason = e.to_string();
                        self.problem(source, url, "extract", &reason).await?;
                        return Ok(Err(reason));
                    }
                }
            }
        };
        let allowed: Vec<Url> = read
            .links
            .iter()
            .filter_map(|u| Url::parse(u).ok())
            .filter(|u| {
                let ok = source.allows(u);
                if !ok {
                    tracing::debug!(source = %source.id, url = %u, "link to a host not allowed; skipped");
                }
                ok
            })
            .collect();
        let next = read.next.as_deref().and_then(|n| Url::parse(n).ok());
        // A column shell lists nothing itself (its list is the call in `next`), and a page of a
        // column's list may hold no announcement among its notices and news; a static index
        // that lists nothing has lost its layout.
        if allowed.is_empty() && next.is_none() && !reader.index_may_be_empty(url) {
            let reason = extract::ExtractError::EmptyIndex.to_string();
            self.problem(source, url, "extract", &reason).await?;
            return Ok(Err(reason));
        }
        Ok(Ok((allowed, next, result)))
    }

    pub(super) async fn problem(
        &self,
        source: &SourceConfig,
        url: &Url,
        kind: &'static str,
        reason: &str,
    ) -> Result<(), StoreError> {
        let now = format_time(self.clock.now());
        let (id, url, reason) = (source.id.0.clone(), url.to_string(), reason.to_string());
        self.db
            .call(move |s| {
                let tx = s.transaction()?;
                tx.record_problem(&id, Some(&url), kind, &reason, &now)?;
                tx.commit()
            })
            .await
    }
}
