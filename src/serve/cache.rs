//! What pages share between requests, kept while the store is unchanged: the announcements and
//! entries (read once, not per request), the list on each date asked for, and the overview's
//! chart. The store is unchanged while its file and its write-ahead log keep their size and
//! modification time (every commit changes the log; a checkpoint changes the file).

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use chrono::NaiveDate;

use crate::diff::list::{ListedEntry, Timeline};
use crate::store::{KnownAnnouncement, Store, StoredEntry};

pub type Stamp = Vec<(u64, Option<SystemTime>)>;

/// A whole answer: the headers that describe it, and its body.
pub type Answer = Arc<(Vec<(String, String)>, bytes::Bytes)>;

/// The database file and its log, as they are now.
pub fn stamp(db: &Path) -> Stamp {
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
}

#[derive(Default)]
struct Held {
    stamp: Stamp,
    inputs: Option<Arc<Inputs>>,
    lists: HashMap<NaiveDate, Arc<Vec<ListedEntry>>>,
    chart: HashMap<NaiveDate, Arc<String>>,
    /// Whole answers by request (path and query) and day.
    pages: HashMap<(String, NaiveDate), Answer>,
}

/// The cache: one per server.
#[derive(Default)]
pub struct Cache {
    held: Mutex<Held>,
}

/// At most this many dates' lists are kept (each is the whole list on a date).
const LISTS: usize = 16;
/// At most this many whole answers.
const PAGES: usize = 256;

impl Cache {
    /// Forgets everything when the store has changed since.
    fn fresh(&self, db: &Path) -> std::sync::MutexGuard<'_, Held> {
        let now = stamp(db);
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
        db: &Path,
        store: &Store,
    ) -> Result<Arc<Inputs>, crate::store::StoreError> {
        if let Some(i) = &self.fresh(db).inputs {
            return Ok(i.clone());
        }
        let heads = store
            .announcement_heads()?
            .into_iter()
            .map(|a| (a.key.clone(), a))
            .collect();
        let inputs = Arc::new(Inputs {
            heads,
            entries: store.all_entries()?,
        });
        self.fresh(db).inputs = Some(inputs.clone());
        Ok(inputs)
    }

    /// The whole list on `as_of`.
    pub fn list(
        &self,
        db: &Path,
        store: &Store,
        as_of: NaiveDate,
    ) -> Result<Arc<Vec<ListedEntry>>, crate::store::StoreError> {
        if let Some(l) = self.fresh(db).lists.get(&as_of) {
            return Ok(l.clone());
        }
        let inputs = self.inputs(db, store)?;
        let list = Arc::new(Timeline::new(&inputs.heads).list(&inputs.entries, as_of));
        let mut held = self.fresh(db);
        if held.lists.len() >= LISTS {
            held.lists.clear();
        }
        held.lists.insert(as_of, list.clone());
        Ok(list)
    }

    /// A whole answer kept for this request and day.
    pub fn page(&self, db: &Path, key: &(String, NaiveDate)) -> Option<Answer> {
        self.fresh(db).pages.get(key).cloned()
    }

    /// Keeps a whole answer (the headers that describe it, and its body).
    pub fn keep_page(
        &self,
        db: &Path,
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
    pub fn chart(&self, db: &Path, today: NaiveDate, make: impl FnOnce() -> String) -> Arc<String> {
        if let Some(c) = self.fresh(db).chart.get(&today) {
            return c.clone();
        }
        let c = Arc::new(make());
        self.fresh(db).chart.insert(today, c.clone());
        c
    }
}
