//! The `regwatch` binary: parse arguments, set up logging, run, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;
use regwatch::cli::{self, Cli, Exit};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let default_level = match (cli.quiet, cli.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, _) => "debug",
    };
    let filter =
        EnvFilter::try_from_env("REGWATCH_LOG").unwrap_or_else(|_| EnvFilter::new(default_level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    let exit = match cli::run(cli) {
        Ok(exit) => exit,
        Err(e) => {
            let code = cli::exit_code(&e);
            eprintln!("error: {e:#}");
            code
        }
    };
    ExitCode::from(exit as u8)
}

// Changing these breaks cron jobs and scripts: see README "Exit codes".
const _: () = assert!(Exit::Ok as u8 == 0 && Exit::Changes as u8 == 1 && Exit::Usage as u8 == 2);
const _: () = assert!(Exit::SourcesFailed as u8 == 3 && Exit::Fatal as u8 == 4);
const _: () = assert!(Exit::DeliveryFailed as u8 == 5 && Exit::Busy as u8 == 6);
