//! `regwatch serve`: the store in a browser (see `crate::serve`).

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, Result};

use super::{Ctx, Exit, runtime, usage};
use crate::serve::{AppState, serve};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on. Another than loopback needs REGWATCH_TOKEN set, or --read-only.
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Serve an open read-only view on a non-loopback address without a token (say so on purpose).
    #[arg(long)]
    read_only: bool,
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<Exit> {
    let token = std::env::var("REGWATCH_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty());
    if !args.bind.ip().is_loopback() && token.is_none() && !args.read_only {
        return Err(usage(format!(
            "{} is reachable from other machines: set REGWATCH_TOKEN (requests then need it), or pass --read-only to serve an open read-only view",
            args.bind
        )));
    }
    // Opened once for writing: the schema is brought up to date; requests then read only.
    ctx.open_store()?;
    let state = Arc::new(AppState::new(
        ctx.db.clone(),
        ctx.config.clone(),
        ctx.clock.clone(),
        token,
    ));
    let rt = runtime()?;
    rt.block_on(serve(state, args.bind, |addr| {
        eprintln!("regwatch: serving {} on http://{addr}/", ctx.db);
    }))
    .with_context(|| format!("while serving on {}", args.bind))?;
    Ok(Exit::Ok)
}
