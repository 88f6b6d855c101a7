//! `regwatch migrate --to postgres://… [--from regwatch.db]`: copies a SQLite store into
//! PostgreSQL (every snapshot byte, change, delivery, review and correction, with their ids) and
//! verifies it table by table: row counts and a hash of every row's contents on each side.
//! `--from postgres://… --to new.db` copies back, verified the same way.

use std::fmt::Write as _;

use anyhow::{Context, Result};

use super::{Ctx, Exit, Format, print};
use crate::store::pg;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The PostgreSQL database to copy into (`postgres://user@host:5432/regwatch`; the password
    /// from REGWATCH_PG_PASSWORD), which must hold no regwatch data yet; or, with `--from` a
    /// PostgreSQL URL, a new SQLite file to copy back into.
    #[arg(long, value_name = "URL|PATH")]
    to: String,
    /// The SQLite store to copy (default: the configured store, or --db), or the PostgreSQL
    /// database to copy back from.
    #[arg(long, value_name = "PATH|URL")]
    from: Option<String>,
    #[arg(long, value_parser = super::formats(&["text", "json"]), default_value = "text")]
    format: Format,
}

fn is_url(s: &str) -> bool {
    s.starts_with("postgres://") || s.starts_with("postgresql://")
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<Exit> {
    let from = args.from.clone().unwrap_or_else(|| match &ctx.db {
        crate::store::Location::Sqlite(p) => p.display().to_string(),
        crate::store::Location::Postgres(url) => url.clone(),
    });
    let checks = match (is_url(&from), is_url(&args.to)) {
        (false, true) => {
            let path = std::path::Path::new(&from);
            if !path.exists() {
                anyhow::bail!("no store at {from}");
            }
            let mut client = pg::connect(&args.to)
                .with_context(|| format!("connecting to {}", crate::store::redact(&args.to)))?;
            pg::copy_from_sqlite(path, &mut client)
                .with_context(|| format!("copying {from} to {}", crate::store::redact(&args.to)))?
        }
        (true, false) => {
            let mut client = pg::connect(&from)
                .with_context(|| format!("connecting to {}", crate::store::redact(&from)))?;
            pg::copy_to_sqlite(&mut client, std::path::Path::new(&args.to)).with_context(|| {
                format!("copying {} to {}", crate::store::redact(&from), args.to)
            })?
        }
        _ => {
            return Err(super::usage(
                "migrate copies between a SQLite file and a PostgreSQL URL (postgres://…): one of --from and --to must be each",
            ));
        }
    };
    let intact = checks.iter().all(pg::TableCheck::same);
    print(&match args.format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&serde_json::json!({
                "from": crate::store::redact(&from),
                "to": crate::store::redact(&args.to),
                "intact": intact,
                "tables": checks,
            }))?;
            s.push('\n');
            s
        }
        _ => {
            let mut out = format!(
                "{} → {}\n",
                crate::store::redact(&from),
                crate::store::redact(&args.to)
            );
            for c in &checks {
                let _ = writeln!(
                    out,
                    "  {:<22} {:>8} rows  {}  {}",
                    c.table,
                    c.rows_postgres,
                    &c.sha256_postgres[..16],
                    if c.same() {
                        "same".to_string()
                    } else {
                        format!(
                            "DIFFERS: {} rows in SQLite (sha256 {})",
                            c.rows_sqlite,
                            &c.sha256_sqlite[..16]
                        )
                    }
                );
            }
            out.push_str(if intact {
                "Copied and verified: every table has the same rows on both sides.\n"
            } else {
                "NOT INTACT: the copy differs from the store (see above).\n"
            });
            out
        }
    })?;
    Ok(if intact { Exit::Ok } else { Exit::NotIntact })
}
