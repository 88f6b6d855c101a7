//! The change log (and reviews recorded from it), comparing two dates, screening a name.

use super::*;

/// Changes on one page at most: the newest.
const SHOWN_CHANGES: usize = 1000;

#[derive(Debug, Deserialize)]
pub struct ChangesQuery {
    since: Option<String>,
    kind: Option<String>,
    unreviewed: Option<String>,
    /// A list (`cn-dual-use`) or a jurisdiction (`cn`, `us`, `eu`), as `changes --regime`.
    regime: Option<String>,
}

pub async fn changes(State(state): State<Arc<AppState>>, Query(q): Query<ChangesQuery>) -> Page {
    blocking(&state, move |state, store| {
        let since = match q.since.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Some(format!(
                "{}T00:00:00Z",
                s.parse::<NaiveDate>().map_err(|_| Failure::BadRequest(format!("{s:?} is not a date")))?
            )),
            None => None,
        };
        let mut changes = store.changes(since.as_deref(), None).map_err(internal)?;
        let reviews = report::touch::current(store.reviews().map_err(internal)?);
        if let Some(k) = q.kind.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            changes.retain(|c| c.kind == k);
        }
        let unreviewed = q.unreviewed.as_deref().is_some_and(|v| !v.is_empty());
        if unreviewed {
            changes.retain(|c| !reviews.contains_key(&c.uid));
        }
        let regime = q
            .regime
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        let inputs = state.inputs(store)?;
        if let Some(r) = &regime {
            let wanted = [r.clone()];
            changes.retain(|c| report::concerns(c, &inputs.heads, &wanted));
        }
        // The newest; a filter shows older ones.
        let total = changes.len();
        if total > SHOWN_CHANGES {
            changes.drain(..total - SHOWN_CHANGES);
        }
        // The heads (kept between requests) are all the rows need: citations, dates, English.
        let report = ChangeReport::new(&changes, &inputs.heads);
        let groups: Vec<_> = report
            .groups
            .iter()
            .rev()
            .map(|g| {
                let rows: Vec<_> = g
                    .changes
                    .iter()
                    .map(|c| {
                        let class = if c.kind == crate::check::transitions::STATUS_CHANGED {
                            report::status_transition(c).to
                        } else {
                            c.kind.clone()
                        };
                        context! {
                            id => &c.uid,
                            kind => c.kind.to_uppercase(),
                            class => class,
                            sentence => report::sentence(c, g, report::Lang::Both),
                            review => report::touch::review_words(reviews.get(&c.uid)),
                            raw_id => &c.uid,
                            touches => "",
                        }
                    })
                    .collect();
                context! { key => g.key, citation => g.citation(), dates => g.dates(), changes => rows }
            })
            .collect();
        state.render(
            "changes.html",
            context! {
                title => "Changes",
                db => db(state),
                since => q.since.clone().unwrap_or_default(),
                kind => q.kind.clone().unwrap_or_default(),
                regime => regime.clone().unwrap_or_default(),
                unreviewed => unreviewed,
                groups => groups,
                total => total,
                shown => total.min(SHOWN_CHANGES),
                csrf => state.csrf(),
                states => ["reviewed", "not-applicable", "needs-action"],
            },
        )
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct ReviewForm {
    id: String,
    state: String,
    #[serde(default)]
    note: String,
    by: String,
    csrf: String,
}

/// `POST /review`: records a review from the changes page. Needs the token (checked for every
/// request) and the form's CSRF token; answers with the changes page again.
pub async fn review(
    State(state): State<Arc<AppState>>,
    headers: axum::http::HeaderMap,
    axum::Form(f): axum::Form<ReviewForm>,
) -> Page {
    let Some(expected) = state.csrf() else {
        return Err(Failure::Forbidden(
            "this view is read-only: start it with REGWATCH_TOKEN to record reviews".into(),
        ));
    };
    // A form posted from another origin is refused even with the right cookie.
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let origin_ok = headers
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .is_none_or(|o| o.ends_with(&format!("//{host}")));
    if f.csrf != expected || !origin_ok {
        return Err(Failure::Forbidden(
            "the form's token does not match: reload the page".into(),
        ));
    }
    let Some(review_state) = crate::store::review::ReviewState::parse(&f.state) else {
        return Err(Failure::BadRequest(format!(
            "no review state {:?}",
            f.state
        )));
    };
    if f.by.trim().is_empty() {
        return Err(Failure::BadRequest("say who reviewed".into()));
    }
    let id = f.id.clone();
    let st = state.clone();
    tokio::task::spawn_blocking(move || -> Result<(), Failure> {
        let _lock =
            crate::store::lock::StoreLock::acquire_at(&st.db, std::time::Duration::from_secs(10))
                .map_err(|e| Failure::Internal(e.to_string()))?;
        let mut store = Store::open_at(&st.db).map_err(internal)?;
        let tx = store.transaction().map_err(internal)?;
        let known = tx
            .add_review(&crate::store::review::Review {
                change: f.id.clone(),
                state: review_state,
                note: f.note.trim().to_string(),
                by: f.by.trim().to_string(),
                at: crate::clock::format_time(st.clock.now()),
            })
            .map_err(internal)?;
        if !known {
            return Err(Failure::NotFound(format!("no change {}", f.id)));
        }
        tx.commit().map_err(internal)
    })
    .await
    .map_err(internal)??;
    let mut r = Response::new(Body::empty());
    *r.status_mut() = axum::http::StatusCode::SEE_OTHER;
    if let Ok(v) = HeaderValue::from_str(&format!("/changes#{id}")) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    Ok(r)
}

#[derive(Debug, Deserialize)]
pub struct CompareQuery {
    from: Option<String>,
    to: Option<String>,
}

pub async fn compare(State(state): State<Arc<AppState>>, Query(q): Query<CompareQuery>) -> Page {
    blocking(&state, move |state, store| {
        let t = today(state);
        let from = day(&q.from, t - chrono::Days::new(365))?;
        let to = day(&q.to, t)?;
        let [before, after] = state.differing(store, [from, to])?;
        let deltas: Vec<_> = compare_lists(&before, &after)
            .iter()
            .filter_map(|d| {
                let e = d.after.or(d.before)?;
                let what = match &d.delta {
                    crate::diff::list::Delta::StatusChanged { from, to } => format!("{} → {}", from.as_str(), to.as_str()),
                    other => other.kind().to_string(),
                };
                Some(context! { what => what, status => e.status.as_str(), regime => &e.regime, code => &e.code, en => &e.description_en, zh => &e.description })
            })
            .collect();
        state.render(
            "compare.html",
            context! { title => format!("The lists on {from} and {to}"), db => db(state), from => from.to_string(), to => to.to_string(), deltas => deltas },
        )
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct ScreenQuery {
    pub name: Option<String>,
    pub as_of: Option<String>,
}

pub async fn screen(State(state): State<Arc<AppState>>, Query(q): Query<ScreenQuery>) -> Page {
    blocking(&state, move |state, store| {
        let as_of = day(&q.as_of, today(state))?;
        let name = q.name.clone().unwrap_or_default();
        let hits = if name.trim().is_empty() {
            Vec::new()
        } else {
            // The screener takes the parties from the whole list itself.
            crate::screen::Screener::new(&state.list_on(store, as_of)?).screen(&name)
        };
        let rows: Vec<_> = hits
            .iter()
            .map(|h| context! { quality => h.quality.as_str(), why => &h.why, party => v(&h.party), list => report::list_name(&h.party.regime) })
            .collect();
                state.render(
            "screen.html",
            context! { title => "Screen a name", db => db(state), name => name, as_of => as_of.to_string(), hits => rows },
        )
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct CodeQuery {
    pub code: Option<String>,
    pub as_of: Option<String>,
}

/// `/code?code=3A001`: one control code across regimes, as `regwatch code`.
pub async fn code(State(state): State<Arc<AppState>>, Query(q): Query<CodeQuery>) -> Page {
    blocking(&state, move |state, store| {
        let as_of = day(&q.as_of, today(state))?;
        let code = q.code.as_deref().map(str::trim).unwrap_or_default().to_string();
        let list = state.list_on(store, as_of)?;
        let sides: Vec<_> = if code.is_empty() {
            Vec::new()
        } else {
            crate::counterpart::sides(&list, &code)
                .iter()
                .map(|s| {
                    context! {
                        regime => &s.regime,
                        name => report::list_name(&s.regime),
                        none => &s.none,
                        entries => s.entries.iter().map(|e| v(*e)).collect::<Vec<_>>(),
                    }
                })
                .collect()
        };
        let shown = if code.is_empty() {
            String::new()
        } else {
            crate::counterpart::normalise(&code)
        };
        state.render(
            "code.html",
            context! { title => "A control code across lists", db => db(state), code => shown, as_of => as_of.to_string(), sides => sides },
        )
    })
    .await
}
