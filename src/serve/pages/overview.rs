//! The overview: what happened, what is ahead, entries by status over time, the sources.

use super::*;

#[derive(Debug, Deserialize)]
pub struct OverviewQuery {
    since: Option<String>,
}

pub async fn overview(
    State(state): State<Arc<AppState>>,
    headers: axum::http::HeaderMap,
    Query(q): Query<OverviewQuery>,
) -> Page {
    // The day of the last visit (a cookie this page sets): "what happened since" is one click.
    let last_visit: Option<String> = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| {
            c.split(';')
                .find_map(|kv| kv.trim().strip_prefix("regwatch_last_visit="))
        })
        .filter(|d| d.parse::<NaiveDate>().is_ok())
        .map(str::to_string);
    let today_s = today(&state).to_string();
    let mut page = overview_page(state, q, last_visit.filter(|d| *d != today_s)).await?;
    if let Ok(v) = HeaderValue::from_str(&format!(
        "regwatch_last_visit={today_s}; Max-Age=31536000; SameSite=Strict; Path=/"
    )) {
        page.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(page)
}

async fn overview_page(state: Arc<AppState>, q: OverviewQuery, last_visit: Option<String>) -> Page {
    blocking(&state, move |state, store| {
        let since = q
            .since
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<NaiveDate>()
                    .map(|d| format!("{d}T00:00:00Z"))
                    .map_err(|_| Failure::BadRequest(format!("{s:?} is not a date")))
            })
            .transpose()?;
        let changes = store.changes(since.as_deref(), None).map_err(internal)?;
        let full: HashMap<String, KnownAnnouncement> = store.announcements_by_key().map_err(internal)?;
        let report = ChangeReport::new(&changes, &full);
        let headlines = report::summary::headlines(&report);
        let (main, also) = report::summary::split(&headlines);
        let main: Vec<_> = main
            .iter()
            .map(|h| context! { kind => h.kind, text => h.text.clone() })
            .collect();
        let inputs = state.inputs(store)?;
        let (heads, entries) = (&inputs.heads, &inputs.entries);
        let timeline = Timeline::new(heads);
        let today = today(state);
        let ahead = timeline.upcoming(entries, today, today + chrono::Days::new(365));
        let upcoming: Vec<_> = ahead
            .iter()
            .take(30)
            .map(|ev| {
                context! { date => ev.date.to_string(), entry => v(&ev.entry), summary => report::text::event_words(ev) }
            })
            .collect();
        let next = timeline
            .next_events(entries, today + chrono::Days::new(365))
            .first()
            .map(|e| e.date.to_string());
        // Entries by status per list, at each date something moved (at most 12, and today):
        // made once while the store is unchanged.
        let chart = state.cache_chart(today, || {
        // Entries by status per list, at each date something moved (at most 12, and today).
        let mut dates: Vec<NaiveDate> = timeline
            .event_dates()
            .into_iter()
            .filter(|d| *d <= today)
            .collect();
        dates.push(today);
        dates.sort();
        dates.dedup();
        if dates.len() > 12 {
            let step = dates.len().div_ceil(12);
            let last = *dates.last().unwrap();
            dates = dates.into_iter().step_by(step).collect();
            if dates.last() != Some(&last) {
                dates.push(last);
            }
        }
        let mut series: std::collections::BTreeMap<String, Vec<(NaiveDate, [usize; 5])>> =
            Default::default();
        for d in &dates {
            let mut counts: HashMap<&str, [usize; 5]> = HashMap::new();
            for s in timeline.select(entries, *d) {
                counts.entry(&s.entry.entry.regime).or_default()[svg::slot(s.status)] += 1;
            }
            for (regime, c) in counts {
                series.entry(regime.to_string()).or_default().push((*d, c));
            }
        }
        svg::status_chart(&series.into_iter().collect::<Vec<_>>())
        });
        let statuses = store.source_statuses().map_err(internal)?;
        let currency: Vec<_> =
            report::Currency::of(&state.config.sources, &statuses, state.clock.now())
                .iter()
                .map(|c| context! { line => c.line(), bad => c.failing.is_some() || c.stale.is_some() })
                .collect();
        let reviews = store.reviews().map_err(internal)?;
        let unreviewed = store
            .changes(None, None)
            .map_err(internal)?
            .iter()
            .filter(|c| !reviews.contains_key(&c.uid))
            .count();
        let doubts = store.doubt_count().map_err(internal)?;
        state.render(
            "overview.html",
            context! {
                title => "Overview",
                db => db(state),
                since => q.since.clone().filter(|s| !s.trim().is_empty()),
                last_visit => last_visit,
                headlines => main,
                also => also,
                upcoming => upcoming,
                next => next,
                chart => chart.as_str(),
                currency => currency,
                unreviewed => unreviewed,
                doubts => v(&doubts),
            },
        )
    })
    .await
}
