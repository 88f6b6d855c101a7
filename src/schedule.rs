//! schedule: when sources and digests are due, from their cron expressions in their time zones.

use chrono::{DateTime, Utc};

use crate::config::{CronSchedule, TimeZone};

/// The first time strictly after `after` that the schedule names, in UTC.
pub fn next_after(
    cron: &CronSchedule,
    tz: TimeZone,
    after: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let local = after.with_timezone(&tz.0);
    cron.cron
        .find_next_occurrence(&local, false)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Whether a job last run at `last` (never, when `None`) is due at `now`: an occurrence of its
/// schedule has passed since.
pub fn is_due(
    cron: &CronSchedule,
    tz: TimeZone,
    last: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    match last {
        None => true,
        Some(last) => next_after(cron, tz, last).is_some_and(|t| t <= now),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn cron(expr: &str) -> CronSchedule {
        CronSchedule::try_from(expr.to_string()).unwrap()
    }

    #[test]
    fn schedules_run_in_their_own_time_zone() {
        // 10:07 in Beijing is 02:07 UTC.
        let shanghai = TimeZone(chrono_tz::Asia::Shanghai);
        let c = cron("7 8-20/2 * * *");
        assert_eq!(
            next_after(&c, shanghai, at("2025-10-09T01:30:00Z")),
            Some(at("2025-10-09T02:07:00Z"))
        );
        // After 20:07 Beijing, the next is 08:07 the next day.
        assert_eq!(
            next_after(&c, shanghai, at("2025-10-09T12:07:00Z")),
            Some(at("2025-10-10T00:07:00Z"))
        );
        // Berlin's clocks change; 09:00 local stays 09:00 local.
        let berlin = TimeZone(chrono_tz::Europe::Berlin);
        let nine = cron("0 9 * * *");
        assert_eq!(
            next_after(&nine, berlin, at("2025-10-25T12:00:00Z")),
            Some(at("2025-10-26T08:00:00Z"))
        );
    }

    #[test]
    fn due_once_an_occurrence_has_passed_since_the_last_run() {
        let utc = TimeZone(chrono_tz::UTC);
        let hourly = cron("0 * * * *");
        assert!(is_due(&hourly, utc, None, at("2025-01-01T00:30:00Z")));
        assert!(!is_due(
            &hourly,
            utc,
            Some(at("2025-01-01T00:10:00Z")),
            at("2025-01-01T00:59:59Z")
        ));
        assert!(is_due(
            &hourly,
            utc,
            Some(at("2025-01-01T00:10:00Z")),
            at("2025-01-01T01:00:00Z")
        ));
        let every_second = cron("* * * * * *");
        assert_eq!(
            next_after(&every_second, utc, at("2025-01-01T00:00:00Z")),
            Some(at("2025-01-01T00:00:01Z"))
        );
    }
}
