//! PostgreSQL's side of the facade: statements written for SQLite (`?1` placeholders) in
//! PostgreSQL's form, parameters written as the type PostgreSQL inferred for them, columns read
//! back as SQLite's storage classes.

use std::cell::RefCell;
use std::collections::HashMap;
use std::error::Error as StdError;

use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use tokio_postgres::Statement;

use super::value::{ToValue, Value, ValueRef};

/// A connection with its prepared statements (one parse and plan per distinct SQL text per
/// connection, as SQLite's statement cache gives) and its deferred writes.
///
/// A round trip to the server costs 50–80 µs; an observation runs dozens of statements. Writes
/// whose outcome nothing reads ([`super::Db::defer`]) are queued and sent together, pipelined
/// on the connection (about 8 µs each), before the next read and at commit: the server sees
/// the same statements in the same order, in the same transaction.
pub struct PgConn {
    /// Drives the connection: every call blocks on it (as the `postgres` crate does).
    rt: tokio::runtime::Runtime,
    client: tokio_postgres::Client,
    statements: RefCell<HashMap<String, Statement>>,
    pending: RefCell<Vec<(Statement, Vec<Value>)>>,
}

impl PgConn {
    /// Connects with `config`, off any runtime the caller is on.
    pub fn connect(config: &tokio_postgres::Config) -> Result<PgConn, tokio_postgres::Error> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("building a current-thread runtime");
        let (client, connection) = rt.block_on(config.connect(tokio_postgres::NoTls))?;
        rt.spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(error = %e, "PostgreSQL connection ended");
            }
        });
        Ok(PgConn {
            rt,
            client,
            statements: RefCell::new(HashMap::new()),
            pending: RefCell::new(Vec::new()),
        })
    }

    /// The statement for `sql` (SQLite's form), prepared once.
    pub(super) fn prepare(&self, sql: &str) -> Result<Statement, tokio_postgres::Error> {
        if let Some(s) = self.statements.borrow().get(sql) {
            return Ok(s.clone());
        }
        let statement = self.rt.block_on(self.client.prepare(&translate(sql)))?;
        self.statements
            .borrow_mut()
            .insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    /// Queues a write; [`PgConn::flush`] sends it.
    pub(super) fn defer(&self, statement: Statement, values: Vec<Value>) {
        self.pending.borrow_mut().push((statement, values));
    }

    /// Sends the queued writes, pipelined, and waits for every answer; the first error is
    /// returned (the transaction it belongs to then rolls back).
    pub(super) fn flush(&self) -> Result<(), tokio_postgres::Error> {
        let pending = std::mem::take(&mut *self.pending.borrow_mut());
        if pending.is_empty() {
            return Ok(());
        }
        let client = &self.client;
        let results = self
            .rt
            .block_on(futures_util::future::join_all(pending.iter().map(
                |(statement, values)| async move {
                    let binds: Vec<Bind<'_>> = values.iter().map(|v| Bind(v.to_value())).collect();
                    let refs: Vec<&(dyn ToSql + Sync)> =
                        binds.iter().map(|b| b as &(dyn ToSql + Sync)).collect();
                    client.execute(statement, &refs).await
                },
            )));
        results.into_iter().try_for_each(|r| r.map(drop))
    }

    pub(super) fn execute(
        &self,
        statement: &Statement,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, tokio_postgres::Error> {
        self.flush()?;
        self.rt.block_on(self.client.execute(statement, params))
    }

    pub(super) fn query(
        &self,
        statement: &Statement,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<tokio_postgres::Row>, tokio_postgres::Error> {
        self.flush()?;
        self.rt.block_on(self.client.query(statement, params))
    }

    pub(super) fn batch_execute(&self, sql: &str) -> Result<(), tokio_postgres::Error> {
        self.flush()?;
        self.rt.block_on(self.client.batch_execute(sql))
    }

    /// Drops the queued writes (the transaction they belong to is rolled back).
    pub(super) fn discard(&self) {
        self.pending.borrow_mut().clear();
    }
}

impl Drop for PgConn {
    fn drop(&mut self) {
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
