//! Rows written one at a time by the store, taken together on PostgreSQL: a [`Table`] names the
//! shape of one such insert, [`super::Db::defer_row`] writes a row of it. SQLite runs the
//! one-row statement at once (in-process, a row costs microseconds); PostgreSQL holds the rows
//! and sends each table's as one statement over arrays (`INSERT … SELECT * FROM unnest(…)`)
//! before the next other statement. A first check's pages are a dozen one-row inserts each;
//! the server took 400–500 µs a page for them one by one and about 100 µs a page taken a
//! batch at a time.
//!
//! Holding rows back reorders them only among themselves, and only where that cannot show:
//! tables are written out parents first ([`Table::rank`]), a row whose key a held row of the
//! same table already has sends what is held first (two writes of one row keep their order),
//! and any other statement, read or write, sends what is held before it goes.

use std::error::Error as StdError;
use std::sync::OnceLock;

use postgres::types::{IsNull, ToSql, Type, to_sql_checked};

use super::value::{ToValue, Value, ValueRef};

/// The shape of a one-row insert the store repeats.
pub struct Table {
    pub name: &'static str,
    /// Columns and their PostgreSQL types (`text`, `int8`, `bytea`): the arrays' types.
    pub columns: &'static [(&'static str, &'static str)],
    /// What follows the rows: an `ON CONFLICT` clause naming no parameter, or nothing.
    pub tail: &'static str,
    /// The positions of the columns that identify a row (those its conflict clause matches
    /// on, or its primary key): two rows with one key never go in one statement, nor in two
    /// statements on one table that might be sent out of order (so every `Table` of one
    /// database table has the same key).
    pub key: &'static [usize],
    /// Written out after the tables of lower rank: those its rows refer to.
    pub rank: u8,
    pub(super) one: OnceLock<String>,
    pub(super) many: OnceLock<String>,
}

impl Table {
    pub const fn new(
        name: &'static str,
        columns: &'static [(&'static str, &'static str)],
        tail: &'static str,
        key: &'static [usize],
        rank: u8,
    ) -> Table {
        Table {
            name,
            columns,
            tail,
            key,
            rank,
            one: OnceLock::new(),
            many: OnceLock::new(),
        }
    }

    fn names(&self) -> String {
        self.columns
            .iter()
            .map(|(c, _)| *c)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The statement for one row: `INSERT INTO t (…) VALUES (?1, …) tail`.
    pub(super) fn one_row(&self) -> &str {
        self.one.get_or_init(|| {
            let params: Vec<String> = (1..=self.columns.len()).map(|i| format!("?{i}")).collect();
            format!(
                "INSERT INTO {} ({}) VALUES ({}) {}",
                self.name,
                self.names(),
                params.join(", "),
                self.tail
            )
        })
    }

    /// The statement for many rows, a column per array parameter.
    pub(super) fn many_rows(&self) -> &str {
        self.many.get_or_init(|| {
            let arrays: Vec<String> = self
                .columns
                .iter()
                .enumerate()
                .map(|(i, (_, ty))| format!("CAST(?{} AS {ty}[])", i + 1))
                .collect();
            format!(
                "INSERT INTO {} ({}) SELECT * FROM unnest({}) {}",
                self.name,
                self.names(),
                arrays.join(", "),
                self.tail
            )
        })
    }

    /// What identifies `row` among the table's held rows.
    pub(super) fn key_of(&self, row: &[Value]) -> String {
        let mut key = String::new();
        for &i in self.key {
            key.push_str(&format!("{:?}\u{1}", row[i].to_value()));
        }
        key
    }
}

/// A column of held rows, bound as the array type PostgreSQL inferred for its parameter.
#[derive(Debug)]
pub(super) struct Column(pub Vec<Value>);

impl ToSql for Column {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        fn each<'a, T>(
            values: &'a [Value],
            ty: &Type,
            f: impl Fn(ValueRef<'a>) -> Option<T>,
        ) -> Result<Vec<Option<T>>, Box<dyn StdError + Sync + Send>> {
            values
                .iter()
                .map(|v| match v.to_value() {
                    ValueRef::Null => Ok(None),
                    v => f(v)
                        .map(Some)
                        .ok_or_else(|| format!("cannot write {v:?} in an array of {ty}").into()),
                })
                .collect()
        }
        match *ty {
            Type::INT8_ARRAY => each(&self.0, ty, |v| match v {
                ValueRef::Integer(i) => Some(i),
                _ => None,
            })?
            .to_sql(ty, out),
            Type::TEXT_ARRAY => each(&self.0, ty, |v| match v {
                ValueRef::Text(s) => Some(s),
                _ => None,
            })?
            .to_sql(ty, out),
            Type::BYTEA_ARRAY => each(&self.0, ty, |v| match v {
                ValueRef::Blob(b) => Some(b),
                ValueRef::Text(s) => Some(s.as_bytes()),
                _ => None,
            })?
            .to_sql(ty, out),
            _ => Err(format!("no array of PostgreSQL type {ty} is written").into()),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

#[cfg(test)]
mod tests {
    use super::*;

    static T: Table = Table::new(
        "entry",
        &[
            ("announcement", "text"),
            ("code", "text"),
            ("position", "int8"),
        ],
        "ON CONFLICT (announcement, code) DO NOTHING",
        &[0, 1],
        2,
    );

    #[test]
    fn one_statement_per_row_or_per_column() {
        assert_eq!(
            T.one_row(),
            "INSERT INTO entry (announcement, code, position) VALUES (?1, ?2, ?3) \
             ON CONFLICT (announcement, code) DO NOTHING"
        );
        assert_eq!(
            T.many_rows(),
            "INSERT INTO entry (announcement, code, position) SELECT * FROM \
             unnest(CAST(?1 AS text[]), CAST(?2 AS text[]), CAST(?3 AS int8[])) \
             ON CONFLICT (announcement, code) DO NOTHING"
        );
    }

    #[test]
    fn rows_are_told_apart_by_their_key_only() {
        let row = |a: &str, c: &str, p: i64| {
            vec![
                Value::Text(a.into()),
                Value::Text(c.into()),
                Value::Integer(p),
            ]
        };
        assert_eq!(T.key_of(&row("a", "1", 0)), T.key_of(&row("a", "1", 5)));
        assert_ne!(T.key_of(&row("a", "1", 0)), T.key_of(&row("a", "2", 0)));
        // Not fooled by values that run together.
        assert_ne!(T.key_of(&row("a1", "", 0)), T.key_of(&row("a", "1", 0)));
    }
}
