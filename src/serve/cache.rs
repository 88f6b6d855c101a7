//! What pages share between requests, kept while the store is unchanged: the announcements and
//! entries (read once, not per request), the list on each date asked for, and the overview's
//! chart. A SQLite store is unchanged while its file and its write-ahead log keep their size and
//! modification time (every commit changes the log; a checkpoint changes the file); a PostgreSQL
//! one while the server's write-ahead log position stays where it was (every commit moves it).

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use chrono::NaiveDate;

use crate::diff::list::{ListedEntry, Selected, Status, Timeline};
use crate::store::{KnownAnnouncement, Location, Store, StoredEntry};

pub type Stamp = Vec<(u64, Option<SystemTime>)>;

/// A whole answer: the headers that describe it, and its body.
pub type Answer = Arc<(Vec<(String, String)>, bytes::Bytes)>;

/// The database file and its log, as they are now.
fn file_stamp(db: &Path) -> Stamp {
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    [db.to_path_buf(), wal.into()]
        .iter()
        .map(|p| match std::fs::metadata(p) {
            Ok(m) => (m.len(), m.modified().ok()),
            Err(_) => (0, None),
        })
        .collect()
}

/// The announcements (heads) and entries the list is rebuilt from.
pub struct Inputs {
    pub heads: HashMap<String, KnownAnnouncement>,
    pub entries: Vec<StoredEntry>,
    /// Each entry's English, by its index in `entries`: it does not depend on the date, so it
    /// is glossed once per store version rather than per list.
    pub english: Vec<(String, crate::gloss::Source)>,
    /// Each entry's Chinese and English folded for the keyword filter ([`crate::impact::fold`]),
    /// by its index in `entries`: folding 60,000 rows per search was most of its time.
    pub folded: Vec<(String, String)>,
}

/// The whole list on a date as [`Timeline::select`] picks it: which stored entry each code
/// lists and its status, without the rows' strings. A page filters on it and copies out only
/// the rows it shows (copying all 60,000 was most of a rebuild); the whole rows are made once,
/// when something asks for them all (the JSON API, the screener).
pub struct ListOn {
    pub as_of: NaiveDate,
    picked: Vec<Picked>,
    inputs: Arc<Inputs>,
    rows: std::sync::OnceLock<Vec<ListedEntry>>,
}

/// [`crate::diff::list::Selected`] by index rather than reference.
struct Picked {
    index: usize,
    listing_index: Option<usize>,
    status: Status,
    until: Option<NaiveDate>,
    status_by: String,
    effective_from: Option<NaiveDate>,
}

impl Picked {
    fn selected<'e>(&self, entries: &'e [StoredEntry]) -> Selected<'e> {
        Selected {
            entry: &entries[self.index],
            index: self.index,
            listing: self.listing_index.map(|n| &entries[n]),
            listing_index: self.listing_index,
            status: self.status,
            until: self.until,
            status_by: self.status_by.clone(),
            effective_from: self.effective_from,
        }
    }
}

impl ListOn {
    fn new(inputs: Arc<Inputs>, as_of: NaiveDate) -> ListOn {
        let picked = Timeline::new(&inputs.heads)
            .select(&inputs.entries, as_of)
            .into_iter()
            .map(|s| Picked {
                index: s.index,
                listing_index: s.listing_index,
                status: s.status,
                until: s.until,
                status_by: s.status_by,
                effective_from: s.effective_from,
            })
            .collect();
        ListOn {
            as_of,
            picked,
            inputs,
            rows: std::sync::OnceLock::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.picked.len()
    }

    pub fn is_empty(&self) -> bool {
        self.picked.is_empty()
    }

    /// The stored entry a row lists.
    pub fn entry(&self, row: usize) -> &StoredEntry {
        &self.inputs.entries[self.picked[row].index]
    }

    pub fn status(&self, row: usize) -> Status {
        self.picked[row].status
    }

    /// A row's Chinese and English (those of the listing, for a removal), folded.
    pub fn folded(&self, row: usize) -> &(String, String) {
        let p = &self.picked[row];
        &self.inputs.folded[p.listing_index.unwrap_or(p.index)]
    }

    /// The rows numbered `which`, in that order.
    pub fn rows_at(&self, which: &[usize]) -> Vec<ListedEntry> {
        if let Some(all) = self.rows.get() {
            return which.iter().map(|&i| all[i].clone()).collect();
        }
        let entries = &self.inputs.entries;
        let selected: Vec<Selected> = which
            .iter()
            .map(|&i| self.picked[i].selected(entries))
            .collect();
        Timeline::new(&self.inputs.heads)
            .rows(&selected, self.as_of, |i, _| self.inputs.english[i].clone())
    }

    /// Every row.
    pub fn rows(&self) -> &[ListedEntry] {
        self.rows.get_or_init(|| {
            let entries = &self.inputs.entries;
            let selected: Vec<Selected> = self.picked.iter().map(|p| p.selected(entries)).collect();
            Timeline::new(&self.inputs.heads)
                .rows(&selected, self.as_of, |i, _| self.inputs.english[i].clone())
        })
    }
}

impl std::ops::Deref for ListOn {
    type Target = [ListedEntry];
    fn deref(&self) -> &[ListedEntry] {
        self.rows()
    }
}

#[derive(Default)]
struct Held {
    stamp: Stamp,
    inputs: Option<Arc<Inputs>>,
    lists: HashMap<NaiveDate, Arc<ListOn>>,
    chart: HashMap<NaiveDate, Arc<String>>,
    /// Whole answers by request (path and query) and day.
    pages: HashMap<(String, NaiveDate), Answer>,
}

/// The cache: one per server.
#[derive(Default)]
pub struct Cache {
    held: Mutex<Held>,
    /// The connection a PostgreSQL store's stamp is read on.
    watcher: Mutex<Option<postgres::Client>>,
}

/// At most this many dates' lists are kept (each is the whole list on a date).
const LISTS: usize = 16;
/// At most this many whole answers.
const PAGES: usize = 256;

impl Drop for Cache {
    fn drop(&mut self) {
        let watcher = self.watcher.get_mut().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = watcher.take() {
            crate::store::sql::close(c);
        }
    }
}

impl Cache {
    /// What tells whether the store has changed since: the file and its log (SQLite), or the
    /// server's write-ahead log position (PostgreSQL; any write on the server moves it, so the
    /// cache may be rebuilt more often than needed, never less). A position that cannot be
    /// read is a new stamp each time: nothing stale is served while the server is away.
    pub fn stamp(&self, db: &Location) -> Stamp {
        let url = match db {
            Location::Sqlite(path) => return file_stamp(path),
            Location::Postgres(url) => url,
        };
        let mut watcher = self.watcher.lock().unwrap_or_else(|e| e.into_inner());
        if watcher.is_none() {
            *watcher = crate::store::pg::connect(url).ok();
        }
        let lsn = watcher.as_mut().and_then(|c| {
            c.query_one("SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint", &[])
                .ok()
                .map(|r| r.get::<_, i64>(0))
        });
        match lsn {
            Some(lsn) => vec![(lsn as u64, None)],
            None => {
                *watcher = None;
                vec![(u64::MAX, Some(SystemTime::now()))]
            }
        }
    }

    /// Forgets everything when the store has changed since.
    fn fresh(&self, db: &Location) -> std::sync::MutexGuard<'_, Held> {
        let now = self.stamp(db);
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        if held.stamp != now {
            *held = Held {
                stamp: now,
                ..Held::default()
            };
        }
        held
    }

    pub fn inputs(
        &self,
        db: &Location,
        store: &Store,
    ) -> Result<Arc<Inputs>, crate::store::StoreError> {
        if let Some(i) = &self.fresh(db).inputs {
            return Ok(i.clone());
        }
        let heads: HashMap<String, KnownAnnouncement> = store
            .announcement_heads()?
            .into_iter()
            .map(|a| (a.key.clone(), a))
            .collect();
        let entries = store.all_entries()?;
        let english: Vec<(String, crate::gloss::Source)> = entries
            .iter()
            .map(|e| crate::report::english(&e.entry, heads.get(&e.announcement)))
            .collect();
        let folded = entries
            .iter()
            .zip(&english)
            .map(|(e, (en, _))| {
                (
                    crate::impact::fold(&e.entry.description),
                    crate::impact::fold(en),
                )
            })
            .collect();
        let inputs = Arc::new(Inputs {
            heads,
            entries,
            english,
            folded,
        });
        self.fresh(db).inputs = Some(inputs.clone());
        Ok(inputs)
    }

    /// The whole list on `as_of`.
    pub fn list(
        &self,
        db: &Location,
        store: &Store,
        as_of: NaiveDate,
    ) -> Result<Arc<ListOn>, crate::store::StoreError> {
        if let Some(l) = self.fresh(db).lists.get(&as_of) {
            return Ok(l.clone());
        }
        let inputs = self.inputs(db, store)?;
        Ok(self.build(db, &inputs, as_of))
    }

    /// The lists on two dates reduced to the codes on which they differ (a comparison's):
    /// [`Timeline::differing`].
    pub fn differing(
        &self,
        db: &Location,
        store: &Store,
        dates: [NaiveDate; 2],
    ) -> Result<[Vec<ListedEntry>; 2], crate::store::StoreError> {
        let inputs = self.inputs(db, store)?;
        Ok(Timeline::new(&inputs.heads)
            .differing(&inputs.entries, dates, |i, _| inputs.english[i].clone()))
    }

    fn build(&self, db: &Location, inputs: &Arc<Inputs>, as_of: NaiveDate) -> Arc<ListOn> {
        let list = Arc::new(ListOn::new(inputs.clone(), as_of));
        let mut held = self.fresh(db);
        if held.lists.len() >= LISTS {
            held.lists.clear();
        }
        held.lists.insert(as_of, list.clone());
        list
    }

    /// A whole answer kept for this request and day.
    pub fn page(&self, db: &Location, key: &(String, NaiveDate)) -> Option<Answer> {
        self.fresh(db).pages.get(key).cloned()
    }

    /// Keeps a whole answer (the headers that describe it, and its body).
    pub fn keep_page(
        &self,
        db: &Location,
        key: (String, NaiveDate),
        headers: Vec<(String, String)>,
        body: bytes::Bytes,
    ) {
        let mut held = self.fresh(db);
        if held.pages.len() >= PAGES {
            held.pages.clear();
        }
        held.pages.insert(key, Arc::new((headers, body)));
    }

    /// The overview's chart for `today`, made by `make` when not kept.
    pub fn chart(
        &self,
        db: &Location,
        today: NaiveDate,
        make: impl FnOnce() -> String,
    ) -> Arc<String> {
        if let Some(c) = self.fresh(db).chart.get(&today) {
            return c.clone();
        }
        let c = Arc::new(make());
        self.fresh(db).chart.insert(today, c.clone());
        c
    }
}
