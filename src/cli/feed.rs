//! `regwatch feed`: the Atom feed of changes, to stdout or a file (written whole, then renamed, so
//! a web server never serves half a feed).

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

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
    /// Only changes touching this watch (`[[watch]] name`; repeatable).
    #[arg(long, value_name = "NAME")]
    watch: Vec<String>,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<Exit> {
    let since = args
        .since
        .as_deref()
        .map(|s| parse_instant(s, false))
        .transpose()?;
    let store = ctx.open_store()?;
    let mut changes = store.changes(since.as_deref(), None)?;
    let announcements: HashMap<_, _> = store.announcements_by_key()?;
    let _ = super::annotate(
        ctx,
        &store,
        &mut changes,
        &announcements,
        false,
        &args.watch,
    )?;
    if changes.len() > args.limit {
        changes.drain(..changes.len() - args.limit);
    }
    let mut report = ChangeReport::new(&changes, &announcements);
    report.lang = ctx.lang;
    let xml = report::atom::feed(&report, args.self_url.as_deref());
    match &args.out {
        None => print(&xml)?,
        Some(path) => replace_file(path, xml.as_bytes())?,
    }
    Ok(Exit::Ok)
}

/// Writes `bytes` to a new file beside `path`, syncs it and renames it over `path`, so a web
/// server never serves half a feed. The new file is readable as the old one was (its mode is
/// kept) or, when there was none, as the umask says: a feed made `-rw-------` by a temporary
/// file would be unreadable to the web server that publishes it.
fn replace_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "feed".to_string());
    let existing = std::fs::metadata(path).ok().map(|m| m.permissions());
    let (tmp_path, mut file) = (0..100)
        .find_map(|n| {
            let p = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
            // create_new: never through a file or link someone else put there. The mode is
            // 0666 less the umask, like any file the user creates.
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&p)
            {
                Ok(f) => Some(Ok((p, f))),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => None,
                Err(e) => Some(Err(e)),
            }
        })
        .unwrap_or_else(|| Err(std::io::Error::other("no free temporary name")))
        .with_context(|| format!("while creating a file in {}", dir.display()))?;
    let written = (|| {
        if let Some(perms) = existing {
            file.set_permissions(perms)?;
        }
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp_path, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp_path);
    }
    written.with_context(|| format!("while writing {}", path.display()))
}
