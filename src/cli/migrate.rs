//! `regwatch migrate --to postgres://… [--from regwatch.db]`: copies a SQLite store into
//! PostgreSQL (every snapshot byte, change, delivery, review and correction, with their ids) and
//! verifies it table by table: row counts and a hash of every row's contents on each side.

use std::fmt::Write as _;

use anyhow::{Context, Result};

use super::{Ctx, Exit, Format, print};
use crate::store::pg;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The PostgreSQL database to copy into (`postgres://user@host:5432/regwatch`; the password
    /// from REGWATCH_PG_PASSWORD). It must hold no regwatch data yet.
    #[arg(long, value_name = "URL")]
    to: String,
    /// The SQLite store to copy (default: the configured store, or --db).
    #[arg(long, value_name = "PATH")]
    from: Option<std::path::PathBuf>,
    #[arg(long, value_parser = super::formats(&["text", "json"]), default_value = "text")]
    format: Format,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<Exit> {
    let from = args.from.clone().unwrap_or_else(|| ctx.db_path.clone());
    if !from.exists() {
        anyhow::bail!("no store at {}", from.display());
    }
    let mut client =
        pg::connect(&args.to).with_context(|| format!("connecting to {}", redact(&args.to)))?;
    let checks = pg::copy_from_sqlite(&from, &mut client)
        .with_context(|| format!("copying {} to {}", from.display(), redact(&args.to)))?;
    let intact = checks.iter().all(pg::TableCheck::same);
    print(&match args.format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&serde_json::json!({
                "from": from,
                "to": redact(&args.to),
                "intact": intact,
                "tables": checks,
            }))?;
            s.push('\n');
            s
        }
        _ => {
            let mut out = format!("{} → {}\n", from.display(), redact(&args.to));
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

/// A URL without its password, for messages.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}
