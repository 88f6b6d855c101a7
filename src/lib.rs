//! regwatch: tracks regulatory change.
//!
//! The pipeline, one module per stage, data flowing one way:
//! `schedule → fetch → extract → store → diff → report / notify`.
//! [`check`] runs one pass of it; `main.rs` is a thin command-line layer over this library.

pub mod extract;
pub mod model;
