//! Integration tests: the real binary against real local servers and real SQLite files.
//! One test binary keeps link time down; modules group the scenarios.

mod browser;
mod check;
mod cli;
mod cms;
mod crash;
mod daemon;
mod eu;
mod extract;
mod faults;
mod generic;
mod hostile;
mod list;
mod notify;
mod parties;
mod pg;
mod pgserver;
mod politeness;
mod products;
mod reach;
mod serve;
mod support;
mod us;
mod webdriver;
mod workers;
