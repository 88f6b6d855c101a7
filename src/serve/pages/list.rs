//! The lists on a date, with filters and pages.

use super::*;

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    pub as_of: Option<String>,
    pub status: Option<String>,
    pub regime: Option<String>,
    pub code: Option<String>,
    pub hs: Option<String>,
    pub q: Option<String>,
    /// Only entries that may cover this product (`id` in the products file).
    pub product: Option<String>,
    /// Only entries concerning this watch (`[[watch]] name`).
    pub watch: Option<String>,
    pub page: Option<usize>,
}

/// The rows of the list on a date that pass the query's filters, by number.
pub fn filtered(
    list: &crate::serve::cache::ListOn,
    q: &ListQuery,
    state: &AppState,
) -> Result<Vec<usize>, Failure> {
    let nonempty = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let status = match nonempty(&q.status) {
        Some(s) => {
            Some(Status::parse(&s).ok_or_else(|| Failure::BadRequest(format!("no status {s:?}")))?)
        }
        None => None,
    };
    let (regime, code, hs, kw) = (
        nonempty(&q.regime),
        nonempty(&q.code).map(|c| c.to_ascii_lowercase()),
        nonempty(&q.hs).map(|h| h.chars().filter(char::is_ascii_digit).collect::<String>()),
        nonempty(&q.q).map(|k| crate::impact::fold(&k)),
    );
    let product = match nonempty(&q.product) {
        Some(id) => {
            let Some(path) = &state.config.products else {
                return Err(Failure::BadRequest(
                    "no products file is configured (`products` in schedule.toml)".into(),
                ));
            };
            let text = std::fs::read_to_string(path).map_err(internal)?;
            let products = crate::impact::parse_products(&text).map_err(Failure::BadRequest)?;
            Some(
                products
                    .into_iter()
                    .find(|p| p.id == id)
                    .ok_or_else(|| Failure::BadRequest(format!("no product {id:?}")))?,
            )
        }
        None => None,
    };
    let watch = match nonempty(&q.watch) {
        Some(name) => Some(
            state
                .config
                .watches
                .iter()
                .find(|w| w.name == name)
                .cloned()
                .ok_or_else(|| Failure::BadRequest(format!("no watch {name:?}")))?,
        ),
        None => None,
    };
    // Row numbers: a page shows 200 of the 60,000 entries of a large list, and copies out
    // only those.
    let mut rows: Vec<usize> = (0..list.len())
        .filter(|&i| {
            let e = &list.entry(i).entry;
            status.is_none_or(|s| list.status(i) == s)
                && regime.as_deref().is_none_or(|r| e.regime == r)
                && code
                    .as_deref()
                    .is_none_or(|c| e.code.to_ascii_lowercase().starts_with(c))
                && hs
                    .as_deref()
                    .is_none_or(|h| !h.is_empty() && e.hs_codes.iter().any(|x| x.starts_with(h)))
                && kw.as_deref().is_none_or(|k| {
                    let (zh, en) = list.folded(i);
                    zh.contains(k) || en.contains(k)
                })
        })
        .collect();
    if product.is_some() || watch.is_some() {
        // Matching a product or watch reads the whole row (its English, its parties).
        let all = list.rows();
        rows.retain(|&i| {
            let e = &all[i];
            product
                .as_ref()
                .is_none_or(|p| !crate::impact::product_reasons(p, e).is_empty())
                && watch
                    .as_ref()
                    .is_none_or(|w| !crate::impact::watch_reasons(w, e).is_empty())
        });
    }
    Ok(rows)
}

const PAGE: usize = 200;

/// The ids of the configured products, for the list's filter (none when unreadable).
fn products_of(state: &AppState) -> Vec<String> {
    state
        .config
        .products
        .as_ref()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|t| crate::impact::parse_products(&t).ok())
        .map(|ps| ps.into_iter().map(|p| p.id).collect())
        .unwrap_or_default()
}

pub async fn list(State(state): State<Arc<AppState>>, Query(q): Query<ListQuery>) -> Page {
    blocking(&state, move |state, store| {
        let as_of = day(&q.as_of, today(state))?;
        let all = state.list_on(store, as_of)?;
        let rows = filtered(&all, &q, state)?;
        let regimes: Vec<String> = {
            // Rows come in (regime, code) order: a regime starts where the one before differs.
            let mut set: Vec<&str> = (0..all.len())
                .map(|i| all.entry(i).entry.regime.as_str())
                .collect();
            set.dedup();
            set.sort_unstable();
            set.dedup();
            set.into_iter().map(str::to_string).collect()
        };
        let pages = rows.len().div_ceil(PAGE).max(1);
        let page = q.page.unwrap_or(1).clamp(1, pages);
        let link = |p: usize| {
            let mut s = url::form_urlencoded::Serializer::new(String::new());
            s.append_pair("as_of", &as_of.to_string());
            for (k, v) in [
                ("status", &q.status),
                ("regime", &q.regime),
                ("code", &q.code),
                ("hs", &q.hs),
                ("q", &q.q),
            ] {
                if let Some(v) = v {
                    s.append_pair(k, v);
                }
            }
            s.append_pair("page", &p.to_string());
            format!("/list?{}", s.finish())
        };
        let shown = all.rows_at(
            &rows
                .iter()
                .skip((page - 1) * PAGE)
                .take(PAGE)
                .copied()
                .collect::<Vec<_>>(),
        );
        state.render(
            "list.html",
            context! {
                title => format!("The lists on {as_of}"),
                db => db(state),
                as_of => as_of.to_string(),
                statuses => ["in-force", "not-yet-effective", "suspended", "repealed", "removed"],
                status => q.status.clone().unwrap_or_default(),
                regimes => regimes,
                regime => q.regime.clone().unwrap_or_default(),
                code => q.code.clone().unwrap_or_default(),
                hs => q.hs.clone().unwrap_or_default(),
                q => q.q.clone().unwrap_or_default(),
                product => q.product.clone().unwrap_or_default(),
                watch => q.watch.clone().unwrap_or_default(),
                products => products_of(state),
                watches => state.config.watches.iter().map(|w| w.name.clone()).collect::<Vec<_>>(),
                rows => v(&shown),
                total => rows.len(),
                page => page,
                pages => pages,
                prev => link(page.saturating_sub(1).max(1)),
                next => link(page + 1),
            },
        )
    })
    .await
}
