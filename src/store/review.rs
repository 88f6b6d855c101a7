//! People's reviews of changes: who looked at a change, when, and what they decided
//! (`reviewed`, `not-applicable`, `needs-action`), with a note. A later review of the same change
//! supersedes the earlier one; every review is kept. Reviews name changes by their stable id
//! (`change.uid`), which survives re-extraction and copying the store.

use std::collections::HashMap;

use super::sql::params;
use serde::Serialize;

use super::{Store, StoreError, Tx};

/// What a reviewer decided about a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum ReviewState {
    Reviewed,
    NotApplicable,
    NeedsAction,
}

impl ReviewState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewState::Reviewed => "reviewed",
            ReviewState::NotApplicable => "not-applicable",
            ReviewState::NeedsAction => "needs-action",
        }
    }

    pub fn parse(s: &str) -> Option<ReviewState> {
        Some(match s {
            "reviewed" => ReviewState::Reviewed,
            "not-applicable" => ReviewState::NotApplicable,
            "needs-action" => ReviewState::NeedsAction,
            _ => return None,
        })
    }
}

/// One review of one change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Review {
    pub change: String,
    pub state: ReviewState,
    pub note: String,
    pub by: String,
    pub at: String,
}

impl Tx<'_> {
    /// Records a review; `false` when no change has that id.
    pub fn add_review(&self, r: &Review) -> Result<bool, StoreError> {
        let known: bool = self.tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM change WHERE uid = ?1)",
            [&r.change],
            |row| row.get(0),
        )?;
        if !known {
            return Ok(false);
        }
        self.tx.execute(
            "INSERT INTO review (change, state, note, by, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![r.change, r.state.as_str(), r.note, r.by, r.at],
        )?;
        Ok(true)
    }
}

impl Store {
    /// Every review, per change, oldest first (the last is the change's current state).
    pub fn reviews(&self) -> Result<HashMap<String, Vec<Review>>, StoreError> {
        let mut stmt = self
            .conn()
            .prepare("SELECT change, state, note, by, at FROM review ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        let mut out: HashMap<String, Vec<Review>> = HashMap::new();
        for row in rows {
            let (change, state, note, by, at) = row?;
            // A state a newer regwatch wrote is skipped, not fatal.
            let Some(state) = ReviewState::parse(&state) else {
                continue;
            };
            out.entry(change.clone()).or_default().push(Review {
                change,
                state,
                note,
                by,
                at,
            });
        }
        Ok(out)
    }
}
