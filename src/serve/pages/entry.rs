//! An entry's history.

use super::*;

/// An entry's statuses through time: each date its status or the announcement setting it moved.
pub fn history(
    heads: &HashMap<String, KnownAnnouncement>,
    entries: &[StoredEntry],
    regime: &str,
    code: &str,
) -> Vec<(NaiveDate, ListedEntry)> {
    let mine: Vec<StoredEntry> = entries
        .iter()
        .filter(|e| e.entry.regime == regime && e.entry.code == code)
        .cloned()
        .collect();
    let timeline = Timeline::new(heads);
    let mut dates: Vec<NaiveDate> = mine
        .iter()
        .filter_map(|e| heads.get(&e.announcement).and_then(|a| a.issued))
        .collect();
    dates.extend(timeline.event_dates());
    dates.sort();
    dates.dedup();
    let mut out: Vec<(NaiveDate, ListedEntry)> = Vec::new();
    for d in dates {
        let Some(now) = timeline.list(&mine, d).into_iter().next() else {
            continue;
        };
        let moved = out.last().is_none_or(|(_, prev)| {
            prev.status != now.status
                || prev.status_by != now.status_by
                || prev.announcement != now.announcement
        });
        if moved {
            out.push((d, now));
        }
    }
    out
}

pub async fn entry(
    State(state): State<Arc<AppState>>,
    Path((regime, code)): Path<(String, String)>,
) -> Page {
    blocking(&state, move |state, store| {
        let inputs = state.inputs(store)?;
        let (heads, entries) = (&inputs.heads, &inputs.entries);
        let as_of = today(state);
        let events = history(heads, entries, &regime, &code);
        let Some(current) = Timeline::new(heads)
            .list(
                &entries
                    .iter()
                    .filter(|e| e.entry.regime == regime && e.entry.code == code)
                    .cloned()
                    .collect::<Vec<_>>(),
                as_of,
            )
            .into_iter()
            .next()
        else {
            return Err(Failure::NotFound(format!("no entry {code} in {regime}")));
        };
        let bar: Vec<(NaiveDate, Status)> = events.iter().map(|(d, e)| (*d, e.status)).collect();
        // Each event in words, from what came before it: listed, restated (modified), suspended,
        // in force again, repealed, removed.
        let rows: Vec<_> = events
            .iter()
            .enumerate()
            .map(|(i, (d, e))| {
                let prev = i.checked_sub(1).map(|j| &events[j].1);
                let words = match (prev.map(|p| p.status), e.status) {
                    (_, Status::NotYetEffective) => format!(
                        "listed by {}, not yet in force",
                        short_citation(&e.announcement)
                    ),
                    (None, Status::InForce) => "listed, in force".to_string(),
                    (Some(Status::NotYetEffective), Status::InForce) => "took effect".to_string(),
                    (Some(Status::Suspended), Status::InForce) => {
                        "in force again (the suspension ended)".to_string()
                    }
                    (Some(_), Status::InForce)
                        if prev.is_some_and(|p| p.announcement != e.announcement) =>
                    {
                        format!("restated by {}", short_citation(&e.announcement))
                    }
                    (_, Status::InForce) => "in force".to_string(),
                    (_, Status::Suspended) => format!(
                        "suspended{}",
                        e.until.map(|u| format!(" until {u}")).unwrap_or_default()
                    ),
                    (_, Status::Repealed) => "repealed".to_string(),
                    (_, Status::Removed) => "removed from its list".to_string(),
                };
                context! { date => d.to_string(), status => e.status.as_str(), words => words, by => &e.status_by, citation => short_citation(&e.status_by) }
            })
            .collect();
        state.render(
            "entry.html",
            context! {
                title => format!("{code}"),
                db => db(state),
                as_of => as_of.to_string(),
                entry => v(&current),
                list_name => report::list_name(&regime),
                timeline => svg::timeline(&bar, as_of),
                events => rows,
            },
        )
    })
    .await
}
