//! regwatch: tracks regulatory change.
//!
//! The pipeline, one module per stage, data flowing one way:
//! `schedule → fetch → extract → store → diff → report / notify`.
//! [`check::Checker`] runs one pass of it; `main.rs` is a thin command-line layer over this
//! library, with one file per subcommand under [`cli`].

pub mod bundle;
pub mod check;
pub mod cli;
pub mod clock;
pub mod config;
pub mod correction;
pub mod counterpart;
pub mod daemon;
pub mod demo;
pub mod diff;
pub mod extract;
pub mod fetch;
pub mod gloss;
pub mod impact;
pub mod model;
pub mod notify;
pub mod report;
pub mod safe_text;
pub mod schedule;
pub mod screen;
pub mod serve;
pub mod store;
pub mod templates;
