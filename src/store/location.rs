//! Where the store lives: a SQLite file (the default: one file, nothing to run) or a PostgreSQL
//! database (`postgres://…`, for several machines sharing the sources).

use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    /// A `postgres://` URL; its password, if any, is never printed.
    Postgres(String),
}

impl Location {
    /// `postgres://…` or `postgresql://…` is PostgreSQL; `sqlite:PATH` or any other text a
    /// SQLite file.
    pub fn parse(text: &str) -> Location {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            Location::Postgres(text.to_string())
        } else {
            Location::Sqlite(PathBuf::from(text.strip_prefix("sqlite:").unwrap_or(text)))
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Location::Postgres(_))
    }
}

/// The path, or the URL with its password replaced by `***`.
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(p) => write!(f, "{}", p.display()),
            Location::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_postgres_and_everything_else_a_file_and_passwords_stay_hidden() {
        assert_eq!(
            Location::parse("sqlite:/tmp/x.db"),
            Location::Sqlite("/tmp/x.db".into())
        );
        assert_eq!(
            Location::parse("regwatch.db"),
            Location::Sqlite("regwatch.db".into())
        );
        let pg = Location::parse("postgres://rw:secret@db.example:5432/regwatch");
        assert!(pg.is_postgres());
        assert_eq!(pg.to_string(), "postgres://rw:***@db.example:5432/regwatch");
    }
}
