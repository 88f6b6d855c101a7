//! PostgreSQL's side of the facade: statements written for SQLite (`?1` placeholders) in
//! PostgreSQL's form, parameters written as the type PostgreSQL inferred for them, columns read
//! back as SQLite's storage classes.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::error::Error as StdError;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use tokio_postgres::Statement;

use super::rows::{Column, Table};
use super::value::{ToValue, Value, ValueRef};

/// A connection with its prepared statements (one parse and plan per distinct SQL text per
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
pub struct PgConn {
    /// Drives the connection: every call blocks on it (as the `postgres` crate does).
    rt: tokio::runtime::Runtime,
    client: Arc<tokio_postgres::Client>,
    statements: RefCell<HashMap<String, (Statement, usize)>>,
    /// Writes queued, their answers not yet read, in the order they were queued.
    pending: RefCell<Vec<Sent>>,
    /// Rows held back to be sent a table at a time ([`super::rows`]).
    held: RefCell<Held>,
    /// What the connection waited for, by statement (indexed as the statements were
    /// prepared): logged at `debug` when it closes, so that a slow store says which of its
    /// statements cost the round trips.
    waits: RefCell<Waits>,
}

/// Rows held back, by table in the order each table's first came.
#[derive(Default)]
struct Held {
    tables: Vec<HeldTable>,
    rows: usize,
}

struct HeldTable {
    table: &'static Table,
    rows: Vec<Vec<Value>>,
    keys: HashSet<String>,
}

/// Rows held back before they are sent whatever comes next: bounds the memory, and the
/// server's idle time while a long run of rows is held.
const HELD_MAX: usize = 4096;

/// A write on its way: its answer (rows changed, or the server's error).
type Sent = Pin<Box<dyn Future<Output = Result<u64, tokio_postgres::Error>> + Send>>;

/// Round trips and the time spent waiting on them, per statement and for writes collected
/// with no read after them (at commit).
#[derive(Default)]
struct Waits {
    by_statement: Vec<Wait>,
    flushes: u64,
    sent: u64,
    flush_time: std::time::Duration,
}

#[derive(Default)]
struct Wait {
    sql: String,
    trips: u64,
    deferred: u64,
    rows: u64,
    time: std::time::Duration,
}

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
            statements: RefCell::new(HashMap::new()),
            pending: RefCell::new(Vec::new()),
            held: RefCell::new(Held::default()),
            waits: RefCell::new(Waits::default()),
        })
    }

    /// The statement for `sql` (SQLite's form), prepared once, and its slot in the waits.
    pub(super) fn prepare(&self, sql: &str) -> Result<(Statement, usize), tokio_postgres::Error> {
        if let Some(s) = self.statements.borrow().get(sql) {
            return Ok(s.clone());
        }
        let t0 = std::time::Instant::now();
        let statement = match self.rt.block_on(self.client.prepare(&translate(sql))) {
            Ok(s) => s,
            Err(e) => {
                // A write before it may have failed (the transaction then refuses everything):
                // that is the error to report.
                self.flush()?;
                return Err(e);
            }
        };
        let mut waits = self.waits.borrow_mut();
        let slot = waits.by_statement.len();
        waits.by_statement.push(Wait {
            sql: sql.split_whitespace().collect::<Vec<_>>().join(" "),
            trips: 1,
            time: t0.elapsed(),
            ..Wait::default()
        });
        self.statements
            .borrow_mut()
            .insert(sql.to_owned(), (statement.clone(), slot));
        Ok((statement, slot))
    }

    /// Sends a write; its answer is collected with the next read's, or by [`PgConn::flush`].
    pub(super) fn defer(
        &self,
        statement: Statement,
        slot: usize,
        values: Vec<Value>,
    ) -> Result<(), tokio_postgres::Error> {
        self.write_out()?;
        self.waits.borrow_mut().by_statement[slot].deferred += 1;
        self.send(
            statement,
            values
                .into_iter()
                .map(|v| Box::new(Owned(v)) as Box<dyn ToSql + Send + Sync>)
                .collect(),
        );
        Ok(())
    }

    /// Holds a row of `table` back, to be sent with the table's others ([`super::rows`]).
    pub(super) fn defer_row(
        &self,
        table: &'static Table,
        row: Vec<Value>,
    ) -> Result<(), tokio_postgres::Error> {
        let key = table.key_of(&row);
        // Two shapes of insert into one table (an upsert, a plain insert) share their keys.
        let clash = {
            let held = self.held.borrow();
            held.rows >= HELD_MAX
                || held
                    .tables
                    .iter()
                    .any(|t| t.table.name == table.name && !key.is_empty() && t.keys.contains(&key))
        };
        if clash {
            self.write_out()?;
        }
        let mut held = self.held.borrow_mut();
        held.rows += 1;
        let at = match held
            .tables
            .iter()
            .position(|t| std::ptr::eq(t.table, table))
        {
            Some(at) => at,
            None => {
                held.tables.push(HeldTable {
                    table,
                    rows: Vec::new(),
                    keys: HashSet::new(),
                });
                held.tables.len() - 1
            }
        };
        let t = &mut held.tables[at];
        if !key.is_empty() {
            t.keys.insert(key);
        }
        t.rows.push(row);
        Ok(())
    }

    /// Sends the rows held back: a statement per table, parents first.
    fn write_out(&self) -> Result<(), tokio_postgres::Error> {
        let held = std::mem::take(&mut *self.held.borrow_mut());
        let mut tables = held.tables;
        // Stable: tables of one rank keep the order their first rows came in.
        tables.sort_by_key(|t| t.table.rank);
        for t in tables {
            let (statement, slot) = self.prepare(t.table.many_rows())?;
            {
                let mut waits = self.waits.borrow_mut();
                let w = &mut waits.by_statement[slot];
                w.deferred += 1;
                w.rows += t.rows.len() as u64;
            }
            let mut columns: Vec<Vec<Value>> = (0..t.table.columns.len())
                .map(|_| Vec::with_capacity(t.rows.len()))
                .collect();
            for row in t.rows {
                for (column, value) in columns.iter_mut().zip(row) {
                    column.push(value);
                }
            }
            self.send(
                statement,
                columns
                    .into_iter()
                    .map(|c| Box::new(Column(c)) as Box<dyn ToSql + Send + Sync>)
                    .collect(),
            );
        }
        Ok(())
    }

    /// Queues a statement now; it goes out, and its answer is collected, with the next read.
    fn send(&self, statement: Statement, params: Vec<Box<dyn ToSql + Send + Sync>>) {
        let client = Arc::clone(&self.client);
        self.queue(Box::pin(async move {
            let refs: Vec<&(dyn ToSql + Sync)> =
                params.iter().map(|p| &**p as &(dyn ToSql + Sync)).collect();
            client.execute(&statement, &refs).await
        }));
    }

    fn queue(&self, mut write: Sent) {
        // Polled once now: that encodes the statement and queues it on the connection, in the
        // order of these calls (the connection's task writes it out the next time the runtime
        // runs); then it waits for its answer.
        let waker = futures_util::task::noop_waker();
        if let Poll::Ready(r) = write.as_mut().poll(&mut Context::from_waker(&waker)) {
            write = Box::pin(std::future::ready(r));
        }
        self.pending.borrow_mut().push(write);
    }

    /// Waits for the writes in flight and then for `last` (sent after them), one round trip
    /// in all, counted against `slot` (or as a flush). A write's error comes first: the
    /// statements after a failed one fail because of it.
    fn collect<R>(
        &self,
        slot: Option<usize>,
        last: impl Future<Output = Result<R, tokio_postgres::Error>>,
    ) -> Result<R, tokio_postgres::Error> {
        self.write_out()?;
        let pending = std::mem::take(&mut *self.pending.borrow_mut());
        let n = pending.len() as u64;
        let t0 = std::time::Instant::now();
        let (writes, r) = self.rt.block_on(futures_util::future::join(
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
        for w in writes {
            w?;
        }
        r
    }

    /// Waits for the writes in flight; the first error is returned (the transaction it
    /// belongs to then rolls back).
    pub(super) fn flush(&self) -> Result<(), tokio_postgres::Error> {
        if self.pending.borrow().is_empty() && self.held.borrow().tables.is_empty() {
            return Ok(());
        }
        self.collect(None, std::future::ready(Ok(())))
    }

    pub(super) fn execute(
        &self,
        statement: &Statement,
        slot: usize,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, tokio_postgres::Error> {
        self.collect(Some(slot), self.client.execute(statement, params))
    }

    pub(super) fn query(
        &self,
        statement: &Statement,
        slot: usize,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<tokio_postgres::Row>, tokio_postgres::Error> {
        self.collect(Some(slot), self.client.query(statement, params))
    }

    pub(super) fn batch_execute(&self, sql: &str) -> Result<(), tokio_postgres::Error> {
        self.collect(None, self.client.batch_execute(sql))
    }

    /// Queues statements without parameters (a transaction's `BEGIN`), collected as a write.
    pub(super) fn queue_batch(&self, sql: &str) -> Result<(), tokio_postgres::Error> {
        self.write_out()?;
        let client = Arc::clone(&self.client);
        let sql = sql.to_string();
        self.queue(Box::pin(async move {
            client.batch_execute(&sql).await.map(|()| 0)
        }));
        Ok(())
    }

    /// Forgets the writes in flight (the transaction they belong to is being rolled back;
    /// their answers are read and dropped by the connection).
    pub(super) fn discard(&self) {
        *self.held.borrow_mut() = Held::default();
        self.pending.borrow_mut().clear();
    }
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

impl PgConn {
    /// The round trips this connection waited for, most costly statements first.
    fn log_waits(&self) {
        let waits = self.waits.borrow();
        let trips: u64 = waits.by_statement.iter().map(|w| w.trips).sum();
        if trips == 0 && waits.flushes == 0 {
            return;
        }
        let time: std::time::Duration = waits.by_statement.iter().map(|w| w.time).sum();
        tracing::debug!(
            round_trips = trips + waits.flushes,
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
                rows = w.rows,
                waited_ms = w.time.as_millis() as u64,
                sql = %w.sql.chars().take(160).collect::<String>(),
                "PostgreSQL statement"
            );
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

/// `?N` and `?` placeholders as `$N` (a bare `?` takes the number after the highest so far, as
/// in SQLite); quoted strings and identifiers left alone.
pub fn translate(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut highest = 0u32;
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            out.push(c);
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                out.push(c);
            }
            '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                let n = match digits.parse::<u32>() {
                    Ok(n) => n,
                    Err(_) => highest + 1,
                };
                highest = highest.max(n);
                out.push('$');
                out.push_str(&n.to_string());
            }
            c => out.push(c),
        }
    }
    out
}

/// A parameter owned by the write it belongs to, written as [`Bind`] writes it.
#[derive(Debug)]
struct Owned(Value);

impl ToSql for Owned {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        Bind(self.0.to_value()).to_sql(ty, out)
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// A parameter, written as whatever type PostgreSQL inferred for its place (SQLite accepts any
/// value anywhere; PostgreSQL's binary protocol wants the exact type).
#[derive(Debug)]
pub(super) struct Bind<'a>(pub ValueRef<'a>);

impl ToSql for Bind<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        let mismatch = || -> Box<dyn StdError + Sync + Send> {
            format!("cannot write {:?} as PostgreSQL type {ty}", self.0).into()
        };
        match self.0 {
            ValueRef::Null => Ok(IsNull::Yes),
            ValueRef::Integer(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(i).map_err(|_| mismatch())?.to_sql(ty, out),
                Type::INT2 => i16::try_from(i).map_err(|_| mismatch())?.to_sql(ty, out),
                Type::BOOL => (i != 0).to_sql(ty, out),
                Type::FLOAT8 => (i as f64).to_sql(ty, out),
                Type::NUMERIC => Err(mismatch()),
                _ if is_text(ty) => i.to_string().to_sql(&Type::TEXT, out),
                _ => Err(mismatch()),
            },
            ValueRef::Real(f) => match *ty {
                Type::FLOAT8 => f.to_sql(ty, out),
                Type::FLOAT4 => (f as f32).to_sql(ty, out),
                _ if is_text(ty) => f.to_string().to_sql(&Type::TEXT, out),
                _ => Err(mismatch()),
            },
            ValueRef::Text(s) => match *ty {
                Type::BYTEA => s.as_bytes().to_sql(ty, out),
                // JSON kept as text is bound where a query reads it as JSON.
                Type::JSON => {
                    out.extend_from_slice(s.as_bytes());
                    Ok(IsNull::No)
                }
                Type::JSONB => {
                    out.extend_from_slice(&[1]);
                    out.extend_from_slice(s.as_bytes());
                    Ok(IsNull::No)
                }
                _ if is_text(ty) => s.to_sql(&Type::TEXT, out),
                _ => Err(mismatch()),
            },
            ValueRef::Blob(b) => match *ty {
                Type::BYTEA => b.to_sql(ty, out),
                _ => Err(mismatch()),
            },
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn is_text(ty: &Type) -> bool {
    matches!(
        *ty,
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN
    )
}

/// Column `i` of `row` as one of SQLite's storage classes.
pub(super) fn value_at(row: &tokio_postgres::Row, i: usize) -> Result<ValueRef<'_>, String> {
    let ty = row.columns()[i].type_();
    let got = |e: postgres::Error| e.to_string();
    Ok(match *ty {
        Type::INT8 => opt(
            row.try_get::<_, Option<i64>>(i).map_err(got)?,
            ValueRef::Integer,
        ),
        Type::INT4 => opt(row.try_get::<_, Option<i32>>(i).map_err(got)?, |v| {
            ValueRef::Integer(v.into())
        }),
        Type::INT2 => opt(row.try_get::<_, Option<i16>>(i).map_err(got)?, |v| {
            ValueRef::Integer(v.into())
        }),
        Type::BOOL => opt(row.try_get::<_, Option<bool>>(i).map_err(got)?, |v| {
            ValueRef::Integer(v.into())
        }),
        Type::FLOAT8 => opt(
            row.try_get::<_, Option<f64>>(i).map_err(got)?,
            ValueRef::Real,
        ),
        Type::FLOAT4 => opt(row.try_get::<_, Option<f32>>(i).map_err(got)?, |v| {
            ValueRef::Real(v.into())
        }),
        Type::BYTEA => opt(
            row.try_get::<_, Option<&[u8]>>(i).map_err(got)?,
            ValueRef::Blob,
        ),
        ref t if is_text(t) => opt(
            row.try_get::<_, Option<&str>>(i).map_err(got)?,
            ValueRef::Text,
        ),
        ref t => {
            return Err(format!(
                "PostgreSQL type {t} has no SQLite counterpart (cast it in the query)"
            ));
        }
    })
}

fn opt<'a, T>(v: Option<T>, f: impl FnOnce(T) -> ValueRef<'a>) -> ValueRef<'a> {
    v.map_or(ValueRef::Null, f)
}

#[cfg(test)]
mod tests {
    use super::translate;

    #[test]
    fn placeholders_are_numbered_as_sqlite_numbers_them() {
        assert_eq!(
            translate("SELECT a FROM t WHERE b = ?1 AND (?2 IS NULL OR c = ?2)"),
            "SELECT a FROM t WHERE b = $1 AND ($2 IS NULL OR c = $2)"
        );
        assert_eq!(
            translate("INSERT INTO t VALUES (?, ?, ?)"),
            "INSERT INTO t VALUES ($1, $2, $3)"
        );
        assert_eq!(
            translate("SELECT '?' || \"a?\" FROM t WHERE x = ?3 AND y = ?"),
            "SELECT '?' || \"a?\" FROM t WHERE x = $3 AND y = $4"
        );
    }
}
