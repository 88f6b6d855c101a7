//! The list engine's dates: announcements indexed once ([`Timeline`]) to rebuild the list at
//! any date, each entry's status, since when, and the events ahead. Split from `list.rs`, which
//! keeps the list's types, clause scopes and the comparison of two lists.

use super::*;

/// Announcements indexed for rebuilding the list at any number of dates.
pub struct Timeline<'a> {
    announcements: &'a HashMap<String, KnownAnnouncement>,
    /// What a rebuild asks about each announcement key, found with one lookup per entry (a
    /// rebuild of 60,000 entries made several lookups each in several maps before).
    keys: FxHashMap<&'a str, Key<'a>>,
}

/// One announcement key as the list engine sees it.
#[derive(Default)]
struct Key<'a> {
    /// The announcement itself, when known (a relation may name one not stored).
    known: Option<&'a KnownAnnouncement>,
    /// The date its entries take effect when no clause of it is dated separately.
    plain: Option<NaiveDate>,
    /// Whether some clause of it is dated separately.
    scoped: bool,
    order: Order,
    /// The relations acting on it, in the order they were issued.
    acting_on: Vec<(&'a KnownAnnouncement, &'a Relation)>,
    /// For a whole-list version ([`crate::model::is_snapshot`]), the later versions of the same
    /// list by the day they take effect: a code a later version no longer lists has left the
    /// list on that day.
    later_versions: Vec<(NaiveDate, &'a str)>,
}

type Order = (Option<NaiveDate>, i32, u32);

impl<'a> Timeline<'a> {
    pub fn new(announcements: &'a HashMap<String, KnownAnnouncement>) -> Timeline<'a> {
        let mut keys: FxHashMap<&str, Key> = FxHashMap::default();
        for a in announcements.values() {
            let plain = a
                .effective
                .iter()
                .filter(|x| x.scope.is_none())
                .map(|x| x.date)
                .min()
                .or_else(|| a.effective.iter().map(|x| x.date).min())
                .or(a.issued);
            let k = keys.entry(a.key.as_str()).or_default();
            k.known = Some(a);
            k.plain = plain;
            k.scoped = a.effective.iter().any(|x| x.scope.is_some());
            k.order = order(a);
            for r in &a.relations {
                keys.entry(r.target.as_str())
                    .or_default()
                    .acting_on
                    .push((a, r));
            }
        }
        for k in keys.values_mut() {
            k.acting_on.sort_by(|(a, ra), (b, rb)| {
                (order(a), &a.key, ra.kind).cmp(&(order(b), &b.key, rb.kind))
            });
        }
        // Whole-list versions, per list, by the day each takes effect.
        let mut versions: FxHashMap<&str, Vec<(NaiveDate, &str)>> = FxHashMap::default();
        for a in announcements.values() {
            if let Some(family) = a
                .authorities
                .first()
                .filter(|f| crate::model::is_snapshot(f))
                && let Some(k) = keys.get(a.key.as_str())
                && let Some(d) = k.plain
            {
                versions
                    .entry(family.as_str())
                    .or_default()
                    .push((d, a.key.as_str()));
            }
        }
        for list in versions.values_mut() {
            list.sort();
            for (i, (d, key)) in list.iter().enumerate() {
                if let Some(k) = keys.get_mut(key) {
                    k.later_versions = list[i + 1..]
                        .iter()
                        .filter(|(later, _)| later > d)
                        .copied()
                        .collect();
                }
            }
        }
        Timeline {
            announcements,
            keys,
        }
    }

    fn key(&self, key: &str) -> Option<&Key<'a>> {
        self.keys.get(key)
    }

    /// The date an entry takes effect: its clause's date when the announcement dates that clause
    /// separately, else the announcement's.
    pub fn effective_from(&self, key: &str, clause: Option<Clause>) -> Option<NaiveDate> {
        effective_from(self.key(key)?, clause)
    }

    /// An entry's status on `as_of`, with the date it ends (if known) and the announcement that
    /// set it.
    pub fn status(
        &self,
        key: &str,
        clause: Option<Clause>,
        as_of: NaiveDate,
    ) -> (Status, Option<NaiveDate>, String) {
        match self.key(key) {
            Some(k) => status(k, key, clause, as_of),
            None => (Status::InForce, None, key.to_string()),
        }
    }

    /// Since when an entry has had the status it has on `as_of` ("binding since"): the day its
    /// suspension or repeal began, the day it took effect or came back after a suspension, or,
    /// not yet in force, the day it was announced. Follows [`Timeline::status`] step by step.
    pub fn since(&self, key: &str, clause: Option<Clause>, as_of: NaiveDate) -> Option<NaiveDate> {
        since(self.key(key)?, clause, as_of)
    }

    /// The list on `as_of`, in (regime, code) order.
    pub fn list(&self, entries: &[StoredEntry], as_of: NaiveDate) -> Vec<ListedEntry> {
        let selected = self.select(entries, as_of);
        self.rows(&selected, as_of, |_, named| {
            crate::report::english(&named.entry, self.announcements.get(&named.announcement))
        })
    }

    /// The lists on two dates reduced to the codes on which they differ: what
    /// [`compare_lists`] reports on, without copying the rows both lists share (a comparison of
    /// two 60,000-entry lists built both whole). `compare_lists` on the two gives what it gives
    /// on the whole lists.
    pub fn differing(
        &self,
        entries: &[StoredEntry],
        dates: [NaiveDate; 2],
        english: impl Fn(usize, &StoredEntry) -> (String, crate::gloss::Source) + Sync,
    ) -> [Vec<ListedEntry>; 2] {
        let [from, to] = dates;
        let (before, after) = (self.select(entries, from), self.select(entries, to));
        fn code<'s>(s: &Selected<'s>) -> (&'s str, &'s str) {
            (s.entry.entry.regime.as_str(), s.entry.entry.code.as_str())
        }
        let since_of = |s: &Selected, d: NaiveDate| {
            self.key(&s.entry.announcement)
                .and_then(|k| since(k, entry_clause(s.entry), d))
        };
        let same = |b: &Selected, a: &Selected| {
            b.index == a.index
                && b.listing_index == a.listing_index
                && b.status == a.status
                && b.until == a.until
                && b.status_by == a.status_by
                && b.effective_from == a.effective_from
                && since_of(b, from) == since_of(a, to)
        };
        let (mut keep_b, mut keep_a) = (Vec::new(), Vec::new());
        let (mut i, mut j) = (0, 0);
        while i < before.len() || j < after.len() {
            match (before.get(i), after.get(j)) {
                (Some(b), Some(a)) if code(b) == code(a) => {
                    if !same(b, a) {
                        keep_b.push(b.clone());
                        keep_a.push(a.clone());
                    }
                    i += 1;
                    j += 1;
                }
                (Some(b), Some(a)) if code(b) < code(a) => {
                    keep_b.push(b.clone());
                    i += 1;
                }
                (Some(b), None) => {
                    keep_b.push(b.clone());
                    i += 1;
                }
                (_, Some(a)) => {
                    keep_a.push(a.clone());
                    j += 1;
                }
                (None, None) => unreachable!("the loop runs while one list has rows"),
            }
        }
        [
            self.rows(&keep_b, from, &english),
            self.rows(&keep_a, to, &english),
        ]
    }

    /// The rows of the list for codes [`Timeline::select`] picked on `as_of`, each entry's
    /// English from `english` (given the entry's index in the entries given to `select`, and
    /// the entry): a caller rebuilding many lists from the same entries glosses each once (the
    /// English does not depend on the date).
    pub fn rows(
        &self,
        selected: &[Selected],
        as_of: NaiveDate,
        english: impl Fn(usize, &StoredEntry) -> (String, crate::gloss::Source) + Sync,
    ) -> Vec<ListedEntry> {
        let row = |s: &Selected| {
            let e = s.entry;
            let k = self.key(&e.announcement);
            let (description_en, description_en_source) = match (s.listing, s.listing_index) {
                (Some(l), Some(n)) => english(n, l),
                _ => english(s.index, e),
            };
            let named = s.listing.unwrap_or(e);
            ListedEntry {
                regime: e.entry.regime.clone(),
                code: e.entry.code.clone(),
                description: named.entry.description.clone(),
                description_en,
                description_en_source,
                item_type: e.entry.item_type,
                hs_codes: e.entry.hs_codes.clone(),
                status: s.status,
                effective_from: s.effective_from,
                until: s.until,
                announcement: e.announcement.clone(),
                since: k.and_then(|k| since(k, entry_clause(e), as_of)),
                status_by: s.status_by.clone(),
                url: k
                    .and_then(|k| k.known)
                    .and_then(|a| a.urls.first().cloned()),
            }
        };
        // Copying the strings of 60,000 rows is most of a rebuild: on all cores when it is large.
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        if selected.len() < 4096 || threads < 2 {
            return selected.iter().map(row).collect();
        }
        let chunk = selected.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let parts: Vec<_> = selected
                .chunks(chunk)
                .map(|part| scope.spawn(|| part.iter().map(row).collect::<Vec<_>>()))
                .collect();
            let mut out = Vec::with_capacity(selected.len());
            for p in parts {
                out.extend(p.join().expect("a list row never panics"));
            }
            out
        })
    }

    /// When `by` suspends `target`'s entries: the first day of its suspension (the suspending
    /// announcement's issue date when the relation names none).
    pub fn suspension_start(&self, by: &str, target: &str) -> Option<NaiveDate> {
        let a = self.announcements.get(by)?;
        a.relations
            .iter()
            .filter(|r| r.kind == RelationKind::Suspends && r.target == target)
            .filter_map(|r| r.from.or(a.issued))
            .min()
    }

    /// The stored version of an announcement's page that is believed: the evidence a status
    /// it causes cites.
    pub fn snapshot_of(&self, key: &str) -> Option<i64> {
        self.announcements
            .get(key)
            .map(|a| a.snapshot)
            .filter(|id| *id > 0)
    }

    /// The first URL an announcement was seen at.
    pub fn url_of(&self, key: &str) -> Option<String> {
        self.announcements
            .get(key)
            .and_then(|a| a.urls.first().cloned())
    }

    /// The list on `as_of` without copying the entries: which stored entry each code lists, and
    /// its status. What the end-of-check status pass needs, at a fraction of the memory.
    pub fn select<'e>(&self, entries: &'e [StoredEntry], as_of: NaiveDate) -> Vec<Selected<'e>> {
        // Entries come from the store in (regime, code) order; each code's entries are then
        // neighbours and one pass picks among them (a map keyed by code cost most of a rebuild).
        // Any other order is sorted first, stably, so that ties keep the order given.
        fn code(e: &StoredEntry) -> (&str, &str) {
            (e.entry.regime.as_str(), e.entry.code.as_str())
        }
        let mut refs: Vec<(usize, &'e StoredEntry)> = entries.iter().enumerate().collect();
        if !entries.windows(2).all(|w| code(&w[0]) <= code(&w[1])) {
            refs.sort_by(|(_, a), (_, b)| code(a).cmp(&code(b)));
        }
        let mut out = Vec::new();
        let mut i = 0;
        while i < refs.len() {
            let mut j = i + 1;
            while j < refs.len() && code(refs[j].1) == code(refs[i].1) {
                j += 1;
            }
            // Per code: the latest listing in effect by `as_of`, else the latest issued by then;
            // and its latest listing (not a removal), whose names a removal shows.
            // (index and entry, its key, whether in effect, its order)
            type Pick<'e, 'k, 'a> = ((usize, &'e StoredEntry), Option<&'k Key<'a>>, bool, Order);
            let mut chosen: Option<Pick> = None;
            let mut listing: Option<((usize, &'e StoredEntry), Order)> = None;
            for &(n, e) in &refs[i..j] {
                let k = self.key(&e.announcement);
                let o = k.map_or((None, 0, 0), |k| k.order);
                if o.0.is_some_and(|d| d > as_of) {
                    continue;
                }
                if !e.entry.removal && listing.is_none_or(|(_, lo)| o > lo) {
                    listing = Some(((n, e), o));
                }
                let in_effect = k
                    .and_then(|k| effective_from(k, entry_clause(e)))
                    .is_none_or(|d| d <= as_of);
                if chosen.is_none_or(|(_, _, ie, co)| (in_effect, o) > (ie, co)) {
                    chosen = Some(((n, e), k, in_effect, o));
                }
            }
            i = j;
            let Some(((index, e), k, _, _)) = chosen else {
                continue;
            };
            let key = e.announcement.as_str();
            let clause = entry_clause(e);
            let (mut status, until, status_by) = match k {
                Some(k) => status(k, key, clause, as_of),
                None => (Status::InForce, None, key.to_string()),
            };
            // A removal in effect takes the party off its list.
            if e.entry.removal && status == Status::InForce {
                status = Status::Removed;
            }
            let listing = listing.filter(|_| e.entry.removal).map(|(l, _)| l);
            out.push(Selected {
                entry: e,
                index,
                listing: listing.map(|(_, l)| l),
                listing_index: listing.map(|(n, _)| n),
                status,
                until,
                status_by,
                effective_from: k.and_then(|k| effective_from(k, clause)),
            });
        }
        out
    }

    /// Every date on which some status may change: effective dates, relation starts, and the day
    /// after each suspension ends.
    pub fn event_dates(&self) -> Vec<NaiveDate> {
        let mut dates: Vec<NaiveDate> = Vec::new();
        for a in self.announcements.values() {
            dates.extend(a.effective.iter().map(|e| e.date));
            dates.extend(a.issued);
            for r in &a.relations {
                dates.extend(r.from);
                dates.extend(r.until.and_then(|u| u.succ_opt()));
            }
        }
        dates.sort();
        dates.dedup();
        dates
    }
}

/// See [`Timeline::effective_from`].
fn effective_from(k: &Key, clause: Option<Clause>) -> Option<NaiveDate> {
    // A scope covers only an entry of a clause: the rest take the announcement's date.
    if clause.is_none() || !k.scoped {
        return k.plain;
    }
    let a = k.known?;
    a.effective
        .iter()
        .filter(|e| {
            e.scope
                .as_deref()
                .is_some_and(|s| covers(&parse_scope(s), clause))
        })
        .map(|e| e.date)
        .min()
        .or(k.plain)
}

/// The relations acting on `k`'s entries in `clause` by `as_of`, in order, each with the day it
/// starts: issued by then, covering the clause, started by then.
fn acting<'k>(
    k: &'k Key,
    clause: Option<Clause>,
    as_of: NaiveDate,
) -> impl Iterator<Item = (&'k KnownAnnouncement, &'k Relation, Option<NaiveDate>)> {
    k.acting_on
        .iter()
        .filter(move |(a, r)| {
            a.issued.is_none_or(|d| d <= as_of)
                && r.scope
                    .as_ref()
                    .is_none_or(|scope| covers(&parse_scope(scope), clause))
        })
        .map(|(a, r)| (*a, *r, r.from.or(a.issued)))
        .filter(move |(_, _, from)| from.is_none_or(|f| f <= as_of))
}

/// See [`Timeline::status`].
fn status(
    k: &Key,
    key: &str,
    clause: Option<Clause>,
    as_of: NaiveDate,
) -> (Status, Option<NaiveDate>, String) {
    let effective = effective_from(k, clause);
    let mut state: Option<(Status, Option<NaiveDate>, &str)> = None;
    for (a, r, _) in acting(k, clause, as_of) {
        match r.kind {
            RelationKind::Repeals | RelationKind::Supersedes => {
                state = Some((Status::Repealed, None, &a.key));
            }
            RelationKind::Suspends if r.until.is_none_or(|u| as_of <= u) => {
                state = Some((Status::Suspended, r.until, &a.key));
            }
            RelationKind::Resumes if matches!(state, Some((Status::Suspended, ..))) => {
                state = None;
            }
            _ => {}
        }
    }
    if let Some((status, until, by)) = state {
        return (status, until, by.to_string());
    }
    if effective.is_some_and(|d| as_of < d) {
        return (Status::NotYetEffective, effective, key.to_string());
    }
    if let Some((_, by)) = replaced(k, as_of) {
        return (Status::Removed, None, by.to_string());
    }
    (Status::InForce, None, key.to_string())
}

/// The later version of a whole list in effect by `as_of` that no longer lists an entry of
/// `k` (the entry is only picked when no later version lists its code): the first one.
fn replaced<'k>(k: &Key<'k>, as_of: NaiveDate) -> Option<(NaiveDate, &'k str)> {
    k.later_versions.iter().copied().find(|(d, _)| *d <= as_of)
}

/// See [`Timeline::since`].
fn since(k: &Key, clause: Option<Clause>, as_of: NaiveDate) -> Option<NaiveDate> {
    let effective = effective_from(k, clause);
    let mut state: Option<(Status, Option<NaiveDate>)> = None;
    // The day after the last suspension that ended (or the day of a resumption).
    let mut back_on: Option<NaiveDate> = None;
    for (_, r, from) in acting(k, clause, as_of) {
        match r.kind {
            RelationKind::Repeals | RelationKind::Supersedes => {
                state = Some((Status::Repealed, from));
            }
            RelationKind::Suspends if r.until.is_none_or(|u| as_of <= u) => {
                state = Some((Status::Suspended, from));
            }
            RelationKind::Suspends => {
                let end = r.until.and_then(|u| u.succ_opt());
                back_on = back_on.max(end);
            }
            RelationKind::Resumes if matches!(state, Some((Status::Suspended, _))) => {
                state = None;
                back_on = back_on.max(from);
            }
            _ => {}
        }
    }
    if let Some((_, since)) = state {
        return since;
    }
    if effective.is_some_and(|d| as_of < d) {
        return k.known.and_then(|a| a.issued);
    }
    if let Some((d, _)) = replaced(k, as_of) {
        return Some(d);
    }
    match (effective, back_on) {
        (Some(e), Some(b)) => Some(e.max(b)),
        (e, b) => e.or(b),
    }
}

impl Timeline<'_> {
    /// The dated events after `today` up to `until`: on each date where the list differs from the
    /// day before, how (an entry taking effect, a suspension starting or ending, a repeal, a
    /// restatement taking over).
    pub fn upcoming(
        &self,
        entries: &[StoredEntry],
        today: NaiveDate,
        until: NaiveDate,
    ) -> Vec<Event> {
        let mut out = Vec::new();
        let mut previous = self.list(entries, today);
        for date in self
            .event_dates()
            .into_iter()
            .filter(|d| *d > today && *d <= until)
        {
            let next = self.list(entries, date);
            for d in compare_lists(&previous, &next) {
                let Some(entry) = d.after.or(d.before) else {
                    continue;
                };
                out.push(Event {
                    date,
                    delta: d.delta.clone(),
                    previous: d.before.map(|b| (b.status, b.status_by.clone())),
                    entry: entry.clone(),
                });
            }
            previous = next;
        }
        out
    }
}

impl Timeline<'_> {
    /// The first dated events after `after` (beyond a report's window): the day and what
    /// happens on it.
    pub fn next_events(&self, entries: &[StoredEntry], after: NaiveDate) -> Vec<Event> {
        let Some(first) = self.event_dates().into_iter().find(|d| *d > after) else {
            return Vec::new();
        };
        // Dates where nothing differs are skipped: the first day that changes something.
        let mut from = after;
        for date in self.event_dates().into_iter().filter(|d| *d >= first) {
            let found = self.upcoming(entries, from, date);
            if !found.is_empty() {
                return found;
            }
            from = date;
        }
        Vec::new()
    }
}

/// A dated change of the list ahead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    pub date: NaiveDate,
    #[serde(flatten)]
    pub delta: Delta,
    /// The status the day before, and the announcement that set it.
    #[serde(skip)]
    pub previous: Option<(Status, String)>,
    /// The entry as it will be listed on the date.
    pub entry: ListedEntry,
}

fn order(a: &KnownAnnouncement) -> Order {
    (a.issued, a.year, a.number)
}
