//! `regwatch demo`: replay snapshots/ offline and print the change report after each date.

use std::path::PathBuf;

use anyhow::{Context, Result};

use super::{Exit, runtime};
use crate::demo;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder of captures (`{site}/{YYYY-MM-DD}/{host}/{path}`).
    #[arg(long)]
    snapshots: Option<PathBuf>,
}

pub fn run(args: &Args, db: Option<crate::store::Location>) -> Result<Exit> {
    let snapshots = args
        .snapshots
        .clone()
        .unwrap_or_else(demo::default_snapshots_dir);
    // A fresh temporary database unless --db names one.
    let tmp = tempfile::tempdir().context("while creating a temporary directory")?;
    let kept = db.is_some();
    let db = db.unwrap_or_else(|| crate::store::Location::Sqlite(tmp.path().join("demo.db")));
    let mut out = std::io::stdout().lock();
    let rt = runtime()?;
    match rt.block_on(demo::run(&snapshots, &db, kept, &mut out)) {
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            Ok(Exit::Ok)
        }
        other => other.map(|_| Exit::Ok),
    }
}
