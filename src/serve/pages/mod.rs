//! The HTML pages. Each is a stable URL whose filters are query parameters; each reads the store
//! read-only and renders a template.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use chrono::NaiveDate;
use minijinja::context;
use serde::Deserialize;

use super::{AppState, Failure, blocking, svg};
use crate::diff::list::{ListedEntry, Status, Timeline, compare_lists};
use crate::report::{self, ChangeReport, short_citation};
use crate::store::{KnownAnnouncement, Store, StoredEntry};

type Page = Result<Response, Failure>;

mod announcement;
mod changes;
mod entry;
mod list;
mod overview;

pub use announcement::{announcement, announcements, version};
pub use changes::ScreenQuery;
pub use changes::{changes, code, compare, review, screen};
pub use entry::{entry, history};
pub use list::{ListQuery, filtered, list};
pub use overview::overview;

/// A serialisable value for a template.
fn v<T: serde::Serialize>(x: &T) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(x))
}

fn internal(e: impl std::fmt::Display) -> Failure {
    Failure::Internal(e.to_string())
}

/// A date parameter: empty or absent is `default`; anything else must be a date.
pub fn day(v: &Option<String>, default: NaiveDate) -> Result<NaiveDate, Failure> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => s
            .parse()
            .map_err(|_| Failure::BadRequest(format!("{s:?} is not a date (YYYY-MM-DD)"))),
    }
}

pub fn today(state: &AppState) -> NaiveDate {
    crate::model::legal_date(state.clock.now(), crate::extract::mofcom::REGIME)
}

fn db(state: &AppState) -> String {
    state.db.to_string()
}
