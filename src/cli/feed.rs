//! `regwatch feed`: the Atom feed of changes, to stdout or a file (written whole, then renamed, so
//! a web server never serves half a feed).

use std::collections::HashMap;
use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context, Result};

use super::{Ctx, Exit, parse_instant, print};
use crate::report::{self, ChangeReport};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write the feed here instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Only changes first observed on or after this date (YYYY-MM-DD or RFC 3339).
    #[arg(long)]
    since: Option<String>,
    /// At most this many entries, the newest.
    #[arg(long, default_value_t = 500)]
    limit: usize,
    /// The URL the feed is published at (its `rel="self"` link).
    #[arg(long)]
    self_url: Option<String>,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<Exit> {
    let since = args
        .since
        .as_deref()
        .map(|s| parse_instant(s, false))
        .transpose()?;
    let store = ctx.open_store()?;
    let mut changes = store.changes(since.as_deref(), None)?;
    if changes.len() > args.limit {
        changes.drain(..changes.len() - args.limit);
    }
    let announcements: HashMap<_, _> = store
        .announcements()?
        .into_iter()
        .map(|a| (a.key.clone(), a))
        .collect();
    let xml = report::atom::feed(
        &ChangeReport::new(&changes, &announcements),
        args.self_url.as_deref(),
    );
    match &args.out {
        None => print(&xml)?,
        Some(path) => {
            let dir = path
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."));
            let mut tmp = tempfile::NamedTempFile::new_in(dir)
                .with_context(|| format!("while creating a file in {}", dir.display()))?;
            tmp.write_all(xml.as_bytes())
                .and_then(|_| tmp.as_file().sync_all())
                .with_context(|| format!("while writing {}", path.display()))?;
            tmp.persist(path)
                .with_context(|| format!("while replacing {}", path.display()))?;
        }
    }
    Ok(Exit::Ok)
}
