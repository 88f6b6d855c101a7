//! What a connection waited for, by statement: logged at `debug` when it closes, so that a
//! slow store says which of its statements cost the round trips.

use super::PgConn;

/// Round trips and the time spent waiting on them, per statement and for writes collected
/// with no read after them (at commit).
#[derive(Default)]
pub(super) struct Waits {
    pub by_statement: Vec<Wait>,
    pub flushes: u64,
    pub sent: u64,
    pub flush_time: std::time::Duration,
}

#[derive(Default)]
pub(super) struct Wait {
    pub sql: String,
    pub trips: u64,
    pub deferred: u64,
    /// Answers sent ahead and taken.
    pub prefetched: u64,
    /// Runs before the server had answered its prepare (unnamed, parameters as text).
    pub unnamed: u64,
    pub rows: u64,
    pub time: std::time::Duration,
}

impl Waits {
    /// Round trips waited for so far (each wait for answers, however many came in it).
    pub fn round_trips(&self) -> u64 {
        self.by_statement.iter().map(|w| w.trips).sum::<u64>() + self.flushes
    }
}

impl PgConn {
    /// The round trips this connection waited for, most costly statements first.
    pub(super) fn log_waits(&self) {
        let waits = self.waits.borrow();
        let trips = waits.round_trips();
        if trips == 0 {
            return;
        }
        let time: std::time::Duration = waits.by_statement.iter().map(|w| w.time).sum();
        tracing::debug!(
            round_trips = trips,
            waited_ms = (time + waits.flush_time).as_millis() as u64,
            flushes = waits.flushes,
            writes_sent = waits.sent,
            flush_ms = waits.flush_time.as_millis() as u64,
            "PostgreSQL connection closed"
        );
        let mut by_time: Vec<&Wait> = waits.by_statement.iter().collect();
        by_time.sort_by_key(|w| std::cmp::Reverse(w.time));
        // The fifteen that waited longest at `debug`; every statement at `trace`.
        let all = tracing::enabled!(tracing::Level::TRACE);
        for w in by_time.into_iter().take(if all { usize::MAX } else { 15 }) {
            tracing::debug!(
                trips = w.trips,
                deferred = w.deferred,
                prefetched = w.prefetched,
                unnamed = w.unnamed,
                rows = w.rows,
                waited_ms = w.time.as_millis() as u64,
                sql = %w.sql.chars().take(160).collect::<String>(),
                "PostgreSQL statement"
            );
        }
    }
}
