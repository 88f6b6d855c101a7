//! One way to run the store's SQL on either database: [`Db`] is a SQLite connection or a
//! PostgreSQL one, with rusqlite's shape (`prepare_cached`, `query_row`, `query_map`, `Row::get`)
//! so the store's queries are written once. Statements are SQLite's dialect restricted to what
//! PostgreSQL also accepts (`ON CONFLICT`, `RETURNING`, `CASE`); the few that cannot be are
//! chosen with [`Db::dialect`]. PostgreSQL's placeholders, parameter types and column types are
//! mapped in [`postgres`].

mod postgres;
mod rows;
mod value;

use std::fmt;

pub use self::postgres::{PgConn, close, off_runtime};
pub use rows::Table;
pub use value::{FromValue, Params, ParamsFromIter, ToValue, Value, ValueRef};

/// Parameters of mixed types: `params![key, 3, None::<String>]`.
macro_rules! params {
    () => { &[] as &[&dyn $crate::store::sql::ToValue] };
    ($($p:expr),+ $(,)?) => { &[$(&$p as &dyn $crate::store::sql::ToValue),+] as &[&dyn $crate::store::sql::ToValue] };
}
pub(crate) use params;

pub fn params_from_iter<T: ToValue>(values: impl IntoIterator<Item = T>) -> ParamsFromIter<T> {
    ParamsFromIter(values.into_iter().collect())
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Sqlite(rusqlite::Error),
    #[error("{}", postgres_message(.0))]
    Postgres(::postgres::Error),
    #[error("{message}, in: {sql}")]
    Prepare { sql: String, message: String },
    #[error("the query returned no row")]
    NoRows,
    #[error("column {column}: {message}")]
    Column { column: String, message: String },
    #[error("a write among reads sent ahead (a bug in the store: only reads may be)")]
    WriteWhilePrefetching,
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        match e {
            rusqlite::Error::QueryReturnedNoRows => Error::NoRows,
            e => Error::Sqlite(e),
        }
    }
}

/// The server's own words (its message, detail and hint), which `postgres::Error`'s Display
/// leaves out.
pub fn postgres_message(e: &::postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut m = format!("{}: {}", db.severity(), db.message());
            if let Some(d) = db.detail() {
                m.push_str(&format!(" ({d})"));
            }
            if let Some(h) = db.hint() {
                m.push_str(&format!("; hint: {h}"));
            }
            m
        }
        None => match std::error::Error::source(e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        },
    }
}

/// A statement PostgreSQL refused, named (a bug in the store's SQL, not in the data).
fn prepare_error(sql: &str, e: &::postgres::Error) -> Error {
    let sql: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    Error::Prepare {
        sql: sql.chars().take(600).collect(),
        message: postgres_message(e),
    }
}

impl From<::postgres::Error> for Error {
    fn from(e: ::postgres::Error) -> Error {
        Error::Postgres(e)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `query_row(…).optional()`: no row is `None`, not an error.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(Error::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A connection to the store's database.
pub enum Db {
    Sqlite(rusqlite::Connection),
    Postgres(Box<PgConn>),
}

impl fmt::Debug for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Db::Sqlite(_) => "Db::Sqlite",
            Db::Postgres(_) => "Db::Postgres",
        })
    }
}

impl Db {
    pub fn dialect(&self) -> Dialect {
        match self {
            Db::Sqlite(_) => Dialect::Sqlite,
            Db::Postgres(_) => Dialect::Postgres,
        }
    }

    /// `sqlite` or `postgres`, whichever this connection speaks.
    pub fn pick<'s>(&self, sqlite: &'s str, postgres: &'s str) -> &'s str {
        match self.dialect() {
            Dialect::Sqlite => sqlite,
            Dialect::Postgres => postgres,
        }
    }

    /// A statement kept for reuse (SQLite's statement cache; PostgreSQL's prepared statements).
    pub fn prepare_cached(&self, sql: &str) -> Result<Stmt<'_>> {
        Ok(match self {
            Db::Sqlite(c) => Stmt::Sqlite(c.prepare_cached(sql)?),
            Db::Postgres(c) => postgres_statement(c, sql)?,
        })
    }

    /// A statement used once or rarely (its SQL varies): not kept in SQLite's cache.
    pub fn prepare(&self, sql: &str) -> Result<Stmt<'_>> {
        Ok(match self {
            Db::Sqlite(c) => Stmt::SqliteOnce(c.prepare(sql)?),
            Db::Postgres(c) => postgres_statement(c, sql)?,
        })
    }

    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    pub fn query_row<T, P: Params, F: FnOnce(&Row<'_>) -> Result<T>>(
        &self,
        sql: &str,
        params: P,
        f: F,
    ) -> Result<T> {
        self.prepare_cached(sql)?.query_row(params, f)
    }

    /// A write whose outcome (rows changed) nothing reads: on PostgreSQL queued and sent with
    /// the others, pipelined, before the next read or the commit (its error, if any, then);
    /// on SQLite run at once.
    pub fn defer<P: Params>(&self, sql: &str, params: P) -> Result<()> {
        match self {
            Db::Sqlite(_) => self.execute(sql, params).map(drop),
            Db::Postgres(c) => {
                refuse_while_prefetching(c)?;
                let values = params
                    .values()
                    .into_iter()
                    .map(|v| Value::from_value(v).expect("every value converts to Value"))
                    .collect();
                c.defer(c.slot(sql), values)
            }
        }
    }

    /// A row of `table` whose outcome nothing reads: on PostgreSQL held back and sent with the
    /// table's others, a statement per table, before the next other statement ([`rows`]); on
    /// SQLite written at once.
    pub fn defer_row(&self, table: &'static Table, row: &[&dyn ToValue]) -> Result<()> {
        debug_assert_eq!(
            row.len(),
            table.columns.len(),
            "a value per column of {}",
            table.name
        );
        match self {
            Db::Sqlite(_) => self.execute(table.one_row(), row).map(drop),
            Db::Postgres(c) => {
                refuse_while_prefetching(c)?;
                let values = row
                    .iter()
                    .map(|v| {
                        Value::from_value(v.to_value()).expect("every value converts to Value")
                    })
                    .collect();
                c.defer_row(table, values)
            }
        }
    }

    /// Commits: on PostgreSQL without waiting for the answer, which the next statement that
    /// waits collects (and fails with, if the transaction did not commit); on SQLite at once.
    pub fn commit_unwaited(&self) -> Result<()> {
        match self {
            Db::Sqlite(c) => Ok(c.execute_batch("COMMIT")?),
            Db::Postgres(c) => {
                refuse_while_prefetching(c)?;
                c.commit_unwaited()
            }
        }
    }

    /// Forgets the writes not yet sent (their transaction is being rolled back).
    pub fn discard(&self) {
        if let Db::Postgres(c) = self {
            c.discard();
        }
    }

    /// Statements without parameters whose outcome the next statement will tell (a
    /// transaction's `BEGIN`): on PostgreSQL queued, collected with the next read or the
    /// commit; on SQLite run at once.
    pub fn queue_batch(&self, sql: &str) -> Result<()> {
        match self {
            Db::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Db::Postgres(c) => {
                refuse_while_prefetching(c)?;
                c.queue_batch(sql)
            }
        }
    }

    /// Statements without parameters, separated by `;`.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match self {
            Db::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Db::Postgres(c) => {
                refuse_while_prefetching(c)?;
                c.batch_execute(sql)
            }
        }
    }

    /// Whether this connection is inside [`Db::prefetch`] (its queries answered with no rows).
    pub fn is_prefetching(&self) -> bool {
        match self {
            Db::Sqlite(_) => false,
            Db::Postgres(c) => c.is_prefetching(),
        }
    }

    /// The round trips this connection has waited for (none on SQLite, which is in-process).
    pub fn round_trips(&self) -> u64 {
        match self {
            Db::Sqlite(_) => 0,
            Db::Postgres(c) => c.round_trips(),
        }
    }

    /// Sends the queries `reads` makes ahead of the calls that take their answers: on
    /// PostgreSQL `reads` runs with each query sent without waiting and answered with no
    /// rows (what it returns is dropped), and the same query made afterwards (same statement,
    /// same parameters, no write between) takes the answer sent ahead. Queries that do not
    /// depend on each other's answers then cost one round trip together instead of one each.
    /// `reads` must only read (a write is refused), and must leave nothing behind that was
    /// built from its empty answers. On SQLite, nothing: a query costs no round trip there.
    pub fn prefetch<R>(&self, reads: impl FnOnce() -> R) {
        if let Db::Postgres(c) = self {
            c.prefetching(reads);
        }
    }
}

/// `sql` on a PostgreSQL connection (which prepares it once, [`PgConn`]).
fn postgres_statement<'a>(c: &'a PgConn, sql: &str) -> Result<Stmt<'a>> {
    Ok(Stmt::Postgres {
        conn: c,
        slot: c.slot(sql),
    })
}

pub enum Stmt<'a> {
    Sqlite(rusqlite::CachedStatement<'a>),
    SqliteOnce(rusqlite::Statement<'a>),
    Postgres {
        conn: &'a PgConn,
        /// The connection's statement.
        slot: usize,
    },
}

fn sqlite_params<'v>(
    values: &'v [ValueRef<'v>],
) -> rusqlite::ParamsFromIter<impl Iterator<Item = Lite<'v>> + 'v> {
    rusqlite::params_from_iter(values.iter().map(|v| Lite(*v)))
}

/// A value bound to a SQLite statement.
struct Lite<'a>(ValueRef<'a>);

impl rusqlite::ToSql for Lite<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef as R};
        Ok(ToSqlOutput::Borrowed(match self.0 {
            ValueRef::Null => R::Null,
            ValueRef::Integer(i) => R::Integer(i),
            ValueRef::Real(f) => R::Real(f),
            ValueRef::Text(s) => R::Text(s.as_bytes()),
            ValueRef::Blob(b) => R::Blob(b),
        }))
    }
}

impl<'a> Stmt<'a> {
    fn sqlite(&mut self) -> Option<&mut rusqlite::Statement<'a>> {
        match self {
            Stmt::Sqlite(s) => Some(s),
            Stmt::SqliteOnce(s) => Some(s),
            Stmt::Postgres { .. } => None,
        }
    }

    pub fn execute<P: Params>(&mut self, params: P) -> Result<usize> {
        let values = params.values();
        match self {
            Stmt::Postgres { conn, slot } => {
                refuse_while_prefetching(conn)?;
                Ok(conn.execute(*slot, &values)? as usize)
            }
            s => Ok(s
                .sqlite()
                .expect("a SQLite statement")
                .execute(sqlite_params(&values))?),
        }
    }

    /// The first row's `f`, or [`Error::NoRows`].
    pub fn query_row<T, P: Params, F: FnOnce(&Row<'_>) -> Result<T>>(
        &mut self,
        params: P,
        f: F,
    ) -> Result<T> {
        let mut rows = self.query(params)?;
        match rows.next()? {
            Some(r) => f(&r),
            None => Err(Error::NoRows),
        }
    }

    /// Every row's `f`, read before the first is handed out (a PostgreSQL connection serves
    /// one query at a time; the store's queries nest).
    pub fn query_map<T, P: Params, F: FnMut(&Row<'_>) -> Result<T>>(
        &mut self,
        params: P,
        mut f: F,
    ) -> Result<std::vec::IntoIter<Result<T>>> {
        let mut rows = self.query(params)?;
        let mut out = Vec::new();
        loop {
            match rows.next() {
                Ok(Some(r)) => out.push(f(&r)),
                Ok(None) => break,
                Err(e) => {
                    out.push(Err(e));
                    break;
                }
            }
        }
        Ok(out.into_iter())
    }

    pub fn query<P: Params>(&mut self, params: P) -> Result<Rows<'_>> {
        let values = params.values();
        match self {
            Stmt::Postgres { conn, slot } => {
                let rows = conn.query(*slot, &values)?;
                Ok(Rows::Postgres(rows.into_iter()))
            }
            s => Ok(Rows::Sqlite(
                s.sqlite()
                    .expect("a SQLite statement")
                    .query(sqlite_params(&values))?,
            )),
        }
    }
}

/// A write inside [`Db::prefetch`] (whose reads are answered with no rows, and run again) is
/// refused: it would be made twice.
fn refuse_while_prefetching(conn: &PgConn) -> Result<()> {
    if conn.is_prefetching() {
        return Err(Error::WriteWhilePrefetching);
    }
    Ok(())
}

pub enum Rows<'s> {
    Sqlite(rusqlite::Rows<'s>),
    Postgres(std::vec::IntoIter<::postgres::Row>),
}

impl Rows<'_> {
    /// The next row; it borrows the rows, so this cannot be an `Iterator` (rusqlite's shape).
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<Row<'_>>> {
        match self {
            Rows::Sqlite(r) => Ok(r.next()?.map(Row::Sqlite)),
            Rows::Postgres(r) => Ok(r.next().map(Row::Postgres)),
        }
    }
}

pub enum Row<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Postgres(::postgres::Row),
}

/// A column by position or by name.
pub trait RowIndex: Copy + fmt::Display {
    fn in_sqlite(self, statement: &rusqlite::Statement<'_>) -> Option<usize>;
    fn in_postgres(self, row: &::postgres::Row) -> Option<usize>;
}

impl RowIndex for usize {
    fn in_sqlite(self, statement: &rusqlite::Statement<'_>) -> Option<usize> {
        (self < statement.column_count()).then_some(self)
    }
    fn in_postgres(self, row: &::postgres::Row) -> Option<usize> {
        (self < row.len()).then_some(self)
    }
}

impl RowIndex for &str {
    fn in_sqlite(self, statement: &rusqlite::Statement<'_>) -> Option<usize> {
        statement.column_index(self).ok()
    }
    fn in_postgres(self, row: &::postgres::Row) -> Option<usize> {
        row.columns().iter().position(|c| c.name() == self)
    }
}

impl Row<'_> {
    pub fn get<I: RowIndex, T: FromValue>(&self, idx: I) -> Result<T> {
        let column = |message: String| Error::Column {
            column: idx.to_string(),
            message,
        };
        match self {
            Row::Sqlite(r) => {
                let i = idx
                    .in_sqlite(r.as_ref())
                    .ok_or_else(|| column("no such column".into()))?;
                let v = match r.get_ref(i)? {
                    rusqlite::types::ValueRef::Null => ValueRef::Null,
                    rusqlite::types::ValueRef::Integer(i) => ValueRef::Integer(i),
                    rusqlite::types::ValueRef::Real(f) => ValueRef::Real(f),
                    rusqlite::types::ValueRef::Text(t) => match std::str::from_utf8(t) {
                        Ok(s) => ValueRef::Text(s),
                        Err(_) => ValueRef::Blob(t),
                    },
                    rusqlite::types::ValueRef::Blob(b) => ValueRef::Blob(b),
                };
                T::from_value(v).map_err(column)
            }
            Row::Postgres(r) => {
                let i = idx
                    .in_postgres(r)
                    .ok_or_else(|| column("no such column".into()))?;
                let v = postgres::value_at(r, i).map_err(column)?;
                T::from_value(v).map_err(column)
            }
        }
    }
}
