//! How values cross to PostgreSQL and back: SQLite's placeholders in PostgreSQL's form,
//! parameters written as the type PostgreSQL inferred for them, columns read back as SQLite's
//! storage classes.

use std::error::Error as StdError;

use postgres::types::{Format, IsNull, ToSql, Type, to_sql_checked};

use super::super::value::{ToValue, Value, ValueRef};

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
pub(super) struct Owned(pub(super) Value);

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

    /// As text where the server is to infer the type (a statement run before it is prepared).
    fn encode_format(&self, ty: &Type) -> Format {
        if *ty == Type::UNKNOWN {
            Format::Text
        } else {
            Format::Binary
        }
    }

    to_sql_checked!();
}

/// A parameter, written as whatever type PostgreSQL inferred for its place (SQLite accepts any
/// value anywhere; PostgreSQL's binary protocol wants the exact type), or as text where the
/// server is still to infer it (`Type::UNKNOWN`, [`Owned::encode_format`]).
#[derive(Debug)]
pub(in crate::store::sql) struct Bind<'a>(pub ValueRef<'a>);

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
                // `bytea`'s text form, for a type the server is to infer (sent as text).
                Type::UNKNOWN => {
                    out.extend_from_slice(b"\\x");
                    for byte in b {
                        out.extend_from_slice(format!("{byte:02x}").as_bytes());
                    }
                    Ok(IsNull::No)
                }
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
pub(in crate::store::sql) fn value_at(
    row: &tokio_postgres::Row,
    i: usize,
) -> Result<ValueRef<'_>, String> {
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
