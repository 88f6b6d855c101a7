//! The one clock. Everything that records or compares "now" asks it, so tests and the demo can
//! fix time and reports come out byte-for-byte reproducible.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

#[derive(Clone)]
pub struct Clock(Arc<Inner>);

enum Inner {
    System,
    Fixed(Mutex<DateTime<Utc>>),
}

impl Clock {
    pub fn system() -> Clock {
        Clock(Arc::new(Inner::System))
    }

    pub fn fixed(at: DateTime<Utc>) -> Clock {
        Clock(Arc::new(Inner::Fixed(Mutex::new(at))))
    }

    /// The system clock, unless `REGWATCH_NOW` (RFC 3339) fixes it: for reproducible runs.
    pub fn from_env() -> Result<Clock, String> {
        match std::env::var("REGWATCH_NOW") {
            Ok(v) => DateTime::parse_from_rfc3339(&v)
                .map(|t| Clock::fixed(t.with_timezone(&Utc)))
                .map_err(|e| format!("REGWATCH_NOW={v:?} is not an RFC 3339 time: {e}")),
            Err(_) => Ok(Clock::system()),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &*self.0 {
            Inner::System => Utc::now(),
            Inner::Fixed(t) => *t.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }

    /// Whether time stands still (`REGWATCH_NOW`, the demo, tests).
    pub fn is_fixed(&self) -> bool {
        matches!(&*self.0, Inner::Fixed(_))
    }

    /// Moves a fixed clock; a system clock ignores it.
    pub fn set(&self, at: DateTime<Utc>) {
        if let Inner::Fixed(t) = &*self.0 {
            *t.lock().unwrap_or_else(|e| e.into_inner()) = at;
        }
    }
}

/// Times are stored and shown as RFC 3339 in UTC, to the second.
pub fn format_time(t: DateTime<Utc>) -> String {
    // The RFC 3339 writer, not a strftime pattern: parsing the pattern on each call was a
    // measurable share of a re-check, which stamps every page it sees.
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Stored times are compared as strings (`changes --since`): the form must not drift.
    #[test]
    fn times_are_formatted_to_the_second_in_utc() {
        let t = DateTime::parse_from_rfc3339("2025-10-09T16:05:03.999+08:00").unwrap();
        assert_eq!(format_time(t.with_timezone(&Utc)), "2025-10-09T08:05:03Z");
    }
}
