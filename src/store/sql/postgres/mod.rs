//! PostgreSQL's side of the facade: statements written for SQLite (`?1` placeholders) in
//! PostgreSQL's form, parameters written as the type PostgreSQL inferred for them, columns read
//! back as SQLite's storage classes.

mod held;
mod prefetch;
mod types;
mod waits;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use postgres::types::{ToSql, Type};
use tokio_postgres::Statement;

use super::Result;
use super::value::{FromValue, ToValue, Value, ValueRef};
use types::Owned;
pub use types::translate;
pub(super) use types::value_at;

/// A connection with its statements (one parse and plan per distinct SQL text per
/// connection, as SQLite's statement cache gives) and its writes in flight.
///
/// A round trip to the server costs 50–80 µs, and the server's work for a write about as much;
/// an observation runs dozens of statements. A write whose outcome nothing reads
/// ([`super::Db::defer`]) is queued on the connection at once and its answer collected with
/// the next read's (or the commit's): the writes and the read go out together, and the read
/// costs one round trip however many writes went before it. The server sees the same
/// statements in the same order, in the same transaction; a write's error is the one
/// reported, before the read's. (A runtime thread of its own, writing each write out as it
/// was queued, made every round trip a hop between threads, and was slower: rows are held
/// back until the next read anyway, [`super::rows`].)
///
/// A statement is not prepared before its first run: its prepare is sent, and the run goes
/// right after it unnamed (the server infers the parameters' types, which are sent as text),
/// both answered in one round trip; later runs use the prepared statement. A process runs
/// some fifty distinct statements, most of them once: a round trip each to prepare them was
/// a sixth of a re-check.
pub struct PgConn {
    /// Drives the connection: every call blocks on it (as the `postgres` crate does).
    rt: tokio::runtime::Runtime,
    client: Arc<tokio_postgres::Client>,
    /// Statement slots by SQL text (SQLite's form).
    slots: RefCell<HashMap<String, usize>>,
    /// By slot: each statement's text in PostgreSQL's form, and its prepared form once the
    /// server has answered its prepare.
    statements: RefCell<Vec<Known>>,
    /// Prepares sent, their answers not yet read, by slot.
    preparing: RefCell<Vec<(usize, Preparing)>>,
    /// Writes queued, their answers not yet read, in the order they were queued.
    pending: RefCell<Vec<Sent>>,
    /// Committed transactions' writes and their `COMMIT`, sent without waiting
    /// ([`PgConn::commit_unwaited`]): their answers come before any later statement's, and
    /// are read with the next wait; a rollback of a later transaction does not drop them.
    committed: RefCell<Vec<Sent>>,
    /// Rows held back to be sent a table at a time ([`super::rows`]).
    held: RefCell<held::Held>,
    /// What the connection waited for, by statement slot.
    waits: RefCell<waits::Waits>,
    /// Reads sent ahead ([`super::Db::prefetch`]), their answers not yet taken, in the order
    /// they were sent.
    prefetched: RefCell<Vec<Prefetched>>,
    /// Inside [`super::Db::prefetch`]: a read is sent and answered with no rows; a write is
    /// refused.
    prefetching: Cell<bool>,
}

/// A statement the connection has seen.
struct Known {
    /// In PostgreSQL's form.
    sql: Arc<str>,
    prepared: Option<Statement>,
    /// Its prepare is on its way.
    preparing: bool,
    /// Whether the statement only reads (a `SELECT`): an answer sent ahead stays good across
    /// it. (`WITH` may hide a write.)
    reads: bool,
}

/// How a statement is run now.
enum Way {
    Prepared(Statement),
    /// Before the server has answered its prepare: parsed again, parameters' types inferred.
    Unnamed(Arc<str>),
}

/// A read sent ahead of the call that takes its answer: that call's statement and parameters.
struct Prefetched {
    slot: usize,
    values: Vec<Value>,
    answer: Answer,
    /// Its answer has come (waited for with another's): taking it costs no round trip.
    settled: bool,
}

/// A read on its way: its rows (or the server's error).
type Answer =
    Pin<Box<dyn Future<Output = Result<Vec<tokio_postgres::Row>, tokio_postgres::Error>> + Send>>;

/// A write on its way: its answer (rows changed, or the server's error).
type Sent = Pin<Box<dyn Future<Output = Result<u64, tokio_postgres::Error>> + Send>>;

/// A prepare on its way.
type Preparing = Pin<Box<dyn Future<Output = Result<Statement, tokio_postgres::Error>> + Send>>;

impl PgConn {
    /// Connects with `config`, off any runtime the caller is on.
    pub fn connect(config: &tokio_postgres::Config) -> Result<PgConn, tokio_postgres::Error> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("building the PostgreSQL connection's runtime");
        let (client, connection) = rt.block_on(config.connect(tokio_postgres::NoTls))?;
        rt.spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(error = %e, "PostgreSQL connection ended");
            }
        });
        Ok(PgConn {
            rt,
            client: Arc::new(client),
            slots: RefCell::new(HashMap::new()),
            statements: RefCell::new(Vec::new()),
            preparing: RefCell::new(Vec::new()),
            pending: RefCell::new(Vec::new()),
            committed: RefCell::new(Vec::new()),
            held: RefCell::new(held::Held::default()),
            waits: RefCell::new(waits::Waits::default()),
            prefetched: RefCell::new(Vec::new()),
            prefetching: Cell::new(false),
        })
    }

    /// The slot of `sql` (SQLite's form): where the connection keeps the statement and counts
    /// its round trips. Asks nothing of the server.
    pub(super) fn slot(&self, sql: &str) -> usize {
        if let Some(&slot) = self.slots.borrow().get(sql) {
            return slot;
        }
        let mut statements = self.statements.borrow_mut();
        let slot = statements.len();
        let text = sql.split_whitespace().collect::<Vec<_>>().join(" ");
        statements.push(Known {
            sql: translate(sql).into(),
            prepared: None,
            preparing: false,
            reads: text
                .get(..7)
                .is_some_and(|s| s.eq_ignore_ascii_case("SELECT ")),
        });
        self.waits.borrow_mut().by_statement.push(waits::Wait {
            sql: text,
            ..waits::Wait::default()
        });
        self.slots.borrow_mut().insert(sql.to_owned(), slot);
        slot
    }

    /// Sends the statement's prepare, unless it is prepared or on its way.
    fn start_prepare(&self, slot: usize) {
        let mut statements = self.statements.borrow_mut();
        let known = &mut statements[slot];
        if known.prepared.is_some() || known.preparing {
            return;
        }
        known.preparing = true;
        let (client, sql) = (Arc::clone(&self.client), Arc::clone(&known.sql));
        let prepare: Preparing = Box::pin(async move { client.prepare(&sql).await });
        self.preparing.borrow_mut().push((slot, started(prepare)));
    }

    /// The statement prepared, waiting for the server's answer if need be (with every other
    /// prepare on its way).
    fn prepared(&self, slot: usize) -> Result<Statement> {
        self.start_prepare(slot);
        if let Some(s) = &self.statements.borrow()[slot].prepared {
            return Ok(s.clone());
        }
        let t0 = std::time::Instant::now();
        let ((), settled) = self.settle(std::future::ready(()));
        {
            let mut waits = self.waits.borrow_mut();
            let w = &mut waits.by_statement[slot];
            w.trips += 1;
            w.time += t0.elapsed();
        }
        settled?;
        let prepared = self.statements.borrow()[slot].prepared.clone();
        // Not prepared and no error: a prepare this connection dropped (on rollback) hid it.
        prepared.map_or_else(|| self.prepared(slot), Ok)
    }

    /// How to run the statement in `slot` with `values` now: prepared if the server has
    /// answered its prepare, else unnamed right after its prepare.
    fn way(&self, slot: usize, values: &[Value]) -> Result<Way> {
        if let Some(s) = &self.statements.borrow()[slot].prepared {
            return Ok(Way::Prepared(s.clone()));
        }
        // Sent as text, a value with a backslash would be read as an escape where the server
        // takes it for `bytea`: such a run waits for the prepare.
        if values
            .iter()
            .any(|v| matches!(v, Value::Text(t) if t.contains('\\')))
        {
            return self.prepared(slot).map(Way::Prepared);
        }
        self.start_prepare(slot);
        self.waits.borrow_mut().by_statement[slot].unnamed += 1;
        Ok(Way::Unnamed(Arc::clone(
            &self.statements.borrow()[slot].sql,
        )))
    }

    /// A read of `way` with `values`, not yet started.
    fn read(&self, way: Way, values: Vec<Value>) -> Answer {
        let client = Arc::clone(&self.client);
        let params: Vec<Owned> = values.into_iter().map(Owned).collect();
        match way {
            Way::Prepared(statement) => {
                Box::pin(async move { client.query(&statement, &refs(&params)).await })
            }
            Way::Unnamed(sql) => {
                Box::pin(async move { client.query_typed(&sql, &untyped(&params)).await })
            }
        }
    }

    /// A write of `way` with `values`, not yet started.
    fn write(&self, way: Way, values: Vec<Value>) -> Sent {
        let client = Arc::clone(&self.client);
        let params: Vec<Owned> = values.into_iter().map(Owned).collect();
        match way {
            Way::Prepared(statement) => {
                Box::pin(async move { client.execute(&statement, &refs(&params)).await })
            }
            Way::Unnamed(sql) => {
                Box::pin(async move { client.execute_typed(&sql, &untyped(&params)).await })
            }
        }
    }

    /// Sends a write; its answer is collected with the next read's, or by [`PgConn::flush`].
    pub(super) fn defer(&self, slot: usize, values: Vec<Value>) -> Result<()> {
        self.stale();
        self.write_out()?;
        let way = self.way(slot, &values)?;
        self.waits.borrow_mut().by_statement[slot].deferred += 1;
        self.queue(self.write(way, values));
        Ok(())
    }

    fn queue(&self, write: Sent) {
        self.pending.borrow_mut().push(started(write));
    }

    /// Waits for the writes in flight and then for `last` (sent after them), one round trip
    /// in all, counted against `slot` (or as a flush). A write's error comes first: the
    /// statements after a failed one fail because of it.
    fn collect<R>(
        &self,
        slot: Option<usize>,
        last: impl Future<Output = Result<R, tokio_postgres::Error>>,
    ) -> Result<R> {
        self.write_out()?;
        let mut pending = std::mem::take(&mut *self.committed.borrow_mut());
        pending.append(&mut self.pending.borrow_mut());
        let n = pending.len() as u64;
        let t0 = std::time::Instant::now();
        let ((writes, r), settled) = self.settle(futures_util::future::join(
            futures_util::future::join_all(pending),
            last,
        ));
        let mut waits = self.waits.borrow_mut();
        waits.sent += n;
        match slot {
            Some(slot) => {
                let w = &mut waits.by_statement[slot];
                w.trips += 1;
                w.time += t0.elapsed();
            }
            None => {
                waits.flushes += 1;
                waits.flush_time += t0.elapsed();
            }
        }
        // The first error in the order the statements went out, unless it only says that the
        // transaction had already failed.
        let mut errors = writes
            .into_iter()
            .filter_map(|w| w.err().map(super::Error::from))
            .chain(settled.err());
        let r = match r {
            Ok(r) => r,
            Err(e) => return Err(first_cause(errors.chain([e.into()]))),
        };
        match errors.next() {
            Some(e) => Err(first_cause(std::iter::once(e).chain(errors))),
            None => Ok(r),
        }
    }

    /// Blocks on `last`, and meanwhile on the prepares and the answers sent ahead that are
    /// still on their way, which come before it: the connection hands each answer over as it
    /// arrives, and one not taken would hold up every answer after it. Prepared statements
    /// are kept; answers sent ahead are kept, settled, for the calls that take them. The first
    /// that failed (failing the transaction) is returned beside `last`'s outcome.
    fn settle<F: Future>(&self, last: F) -> (F::Output, Result<()>) {
        let prefetched = std::mem::take(&mut *self.prefetched.borrow_mut());
        let preparing = std::mem::take(&mut *self.preparing.borrow_mut());
        if prefetched.is_empty() && preparing.is_empty() {
            return (self.rt.block_on(last), Ok(()));
        }
        let (asked, answers): (Vec<_>, Vec<_>) = prefetched
            .into_iter()
            .map(|p| ((p.slot, p.values), p.answer))
            .unzip();
        let (slots, prepares): (Vec<_>, Vec<_>) = preparing.into_iter().unzip();
        let ((prepared, answers), r) = self.rt.block_on(futures_util::future::join(
            futures_util::future::join(
                futures_util::future::join_all(prepares),
                futures_util::future::join_all(answers),
            ),
            last,
        ));
        let mut failures: Vec<super::Error> = Vec::new();
        {
            let mut statements = self.statements.borrow_mut();
            for (slot, p) in slots.into_iter().zip(prepared) {
                let known = &mut statements[slot];
                known.preparing = false;
                match p {
                    Ok(s) => known.prepared = Some(s),
                    // Refused because the transaction had failed: not the statement's fault.
                    Err(e) if aborted(&e) => failures.push(e.into()),
                    Err(e) => failures.push(super::prepare_error(&known.sql, &e)),
                }
            }
        }
        let mut kept = self.prefetched.borrow_mut();
        for ((slot, values), answer) in asked.into_iter().zip(answers) {
            match answer {
                Ok(rows) => kept.push(Prefetched {
                    slot,
                    values,
                    answer: Box::pin(std::future::ready(Ok(rows))),
                    settled: true,
                }),
                Err(e) => failures.push(e.into()),
            }
        }
        let failed = match failures.is_empty() {
            true => Ok(()),
            false => Err(first_cause(failures.into_iter())),
        };
        (r, failed)
    }

    /// The round trips waited for so far (each wait for answers, however many came in it).
    pub fn round_trips(&self) -> u64 {
        self.waits.borrow().round_trips()
    }

    /// No write is held back or waiting for its answer.
    fn nothing_in_flight(&self) -> bool {
        self.pending.borrow().is_empty()
            && self.committed.borrow().is_empty()
            && self.held.borrow().tables.is_empty()
    }

    pub(super) fn execute(&self, slot: usize, values: &[ValueRef<'_>]) -> Result<u64> {
        self.stale();
        let values = owned(values);
        let way = self.way(slot, &values)?;
        self.collect(Some(slot), self.write(way, values))
    }

    /// A query's rows: taken from its answer sent ahead if there is one (the same statement
    /// with the same parameters, no write since), else asked now. Inside
    /// [`PgConn::prefetching`], sent and answered with no rows.
    pub(super) fn query(
        &self,
        slot: usize,
        values: &[ValueRef<'_>],
    ) -> Result<Vec<tokio_postgres::Row>> {
        if self.prefetching.get() {
            if !self.statements.borrow()[slot].reads {
                return Err(super::Error::WriteWhilePrefetching);
            }
            self.prefetch(slot, values)?;
            return Ok(Vec::new());
        }
        let sent = {
            let mut prefetched = self.prefetched.borrow_mut();
            prefetched
                .iter()
                .position(|p| {
                    p.slot == slot
                        && p.values.len() == values.len()
                        && p.values.iter().zip(values).all(|(a, b)| a.to_value() == *b)
                })
                .map(|at| prefetched.remove(at))
        };
        if let Some(p) = sent {
            self.waits.borrow_mut().by_statement[slot].prefetched += 1;
            if p.settled && self.nothing_in_flight() {
                return Ok(self.rt.block_on(p.answer)?);
            }
            return self.collect(Some(slot), p.answer);
        }
        if !self.statements.borrow()[slot].reads {
            self.stale();
        }
        let values = owned(values);
        let way = self.way(slot, &values)?;
        self.collect(Some(slot), self.read(way, values))
    }

    pub(super) fn batch_execute(&self, sql: &str) -> Result<()> {
        self.stale();
        self.collect(None, self.client.batch_execute(sql))
    }

    /// Queues statements without parameters (a transaction's `BEGIN`), collected as a write.
    pub(super) fn queue_batch(&self, sql: &str) -> Result<()> {
        self.stale();
        self.write_out()?;
        let client = Arc::clone(&self.client);
        let sql = sql.to_string();
        self.queue(Box::pin(async move {
            client.batch_execute(&sql).await.map(|()| 0)
        }));
        Ok(())
    }

    /// Commits the transaction without waiting for the server's answer: its writes and the
    /// `COMMIT` are written to the server now (the connection's task runs only while this
    /// thread waits: it is let run once, so that the transaction does not stay open, holding
    /// the writers' lock, until the next statement), and their answers read with the next
    /// wait, which reports a failure among them first.
    pub(super) fn commit_unwaited(&self) -> Result<()> {
        self.stale();
        self.write_out()?;
        let client = Arc::clone(&self.client);
        self.queue(Box::pin(async move {
            client.batch_execute("COMMIT").await.map(|()| 0)
        }));
        let mut sent = std::mem::take(&mut *self.pending.borrow_mut());
        self.committed.borrow_mut().append(&mut sent);
        self.rt.block_on(tokio::task::yield_now());
        Ok(())
    }

    /// Forgets the writes in flight (the transaction they belong to is being rolled back;
    /// their answers are read and dropped by the connection). Prepares on their way are
    /// dropped too: a statement whose prepare was dropped is prepared again.
    pub(super) fn discard(&self) {
        *self.held.borrow_mut() = held::Held::default();
        self.pending.borrow_mut().clear();
        self.prefetched.borrow_mut().clear();
        for (slot, _) in std::mem::take(&mut *self.preparing.borrow_mut()) {
            self.statements.borrow_mut()[slot].preparing = false;
        }
    }
}

/// `future` polled once now: that encodes its statement and queues it on the connection, in
/// the order of these calls (the connection's task writes it out the next time the runtime
/// runs); it then waits for its answer.
fn started<T: Send + 'static>(
    mut future: Pin<Box<dyn Future<Output = T> + Send>>,
) -> Pin<Box<dyn Future<Output = T> + Send>> {
    let waker = futures_util::task::noop_waker();
    match future.as_mut().poll(&mut Context::from_waker(&waker)) {
        Poll::Ready(r) => Box::pin(std::future::ready(r)),
        Poll::Pending => future,
    }
}

/// The server refused a statement because its transaction had already failed.
fn aborted(e: &tokio_postgres::Error) -> bool {
    e.code() == Some(&tokio_postgres::error::SqlState::IN_FAILED_SQL_TRANSACTION)
}

fn is_aborted(e: &super::Error) -> bool {
    matches!(e, super::Error::Postgres(e) if aborted(e))
}

/// The first of `errors` that is a cause, not the transaction's having failed already.
fn first_cause(errors: impl Iterator<Item = super::Error>) -> super::Error {
    let mut first = None;
    for e in errors {
        if !is_aborted(&e) {
            return e;
        }
        first.get_or_insert(e);
    }
    first.expect("at least one error")
}

fn owned(values: &[ValueRef<'_>]) -> Vec<Value> {
    values
        .iter()
        .map(|v| Value::from_value(*v).expect("every value converts to Value"))
        .collect()
}

fn refs(params: &[Owned]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

/// Parameters whose types the server infers (sent as text, [`Owned`]).
fn untyped(params: &[Owned]) -> Vec<(&(dyn ToSql + Sync), Type)> {
    params
        .iter()
        .map(|p| (p as &(dyn ToSql + Sync), Type::UNKNOWN))
        .collect()
}

impl Drop for PgConn {
    fn drop(&mut self) {
        if tracing::enabled!(tracing::Level::DEBUG) {
            self.log_waits();
        }
        // The runtime blocks to shut down: dropped on a thread that drives async tasks, that
        // happens on a thread of its own.
        if tokio::runtime::Handle::try_current().is_ok() {
            let rt = std::mem::replace(
                &mut self.rt,
                tokio::runtime::Builder::new_current_thread()
                    .build()
                    .expect("building a current-thread runtime"),
            );
            off_runtime(move || drop(rt));
        }
    }
}

/// Runs `f` where it may block on a runtime of its own: here, or, called from a thread that
/// drives async tasks (the demo, a server, the daemon), on a thread of its own. The PostgreSQL
/// clients block on their own runtimes to connect, to query and to say goodbye, which tokio
/// forbids on such a thread.
pub fn off_runtime<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    if tokio::runtime::Handle::try_current().is_err() {
        return f();
    }
    std::thread::scope(|s| s.spawn(f).join().expect("the work does not panic"))
}

/// Closes a (blocking) client off any runtime the caller is on.
pub fn close(client: postgres::Client) {
    off_runtime(move || drop(client));
}
