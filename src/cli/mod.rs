//! The command line: arguments, the shared context, exit codes, one file per subcommand.

mod announcements;
mod changes;
mod check;
mod code;
mod compare;
mod correct;
mod demo;
mod diff;
mod digest;
mod doubts;
mod evidence;
mod feed;
mod impact;
mod list;
mod migrate;
mod review;
mod run;
mod screen;
mod serve;
mod sources;
mod try_source;
mod upcoming;

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};

use crate::clock::Clock;
use crate::config::{Config, ConfigError, DEFAULT_CONFIG};
use crate::store::{KnownAnnouncement, Store, StoredEntry};

/// Documented exit codes (README "Exit codes").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Success.
    Ok = 0,
    /// `check --fail-on-change` found changes.
    Changes = 1,
    /// Bad command line or configuration.
    Usage = 2,
    /// One or more sources failed; the others were processed and recorded.
    SourcesFailed = 3,
    /// The run could not proceed (database, file system).
    Fatal = 4,
    /// Some digest messages could not be sent; they are retried on the next run.
    DeliveryFailed = 5,
    /// Another regwatch held the database longer than `--lock-wait`.
    Busy = 6,
    /// `verify`: the evidence bundle is not intact (the message names the file).
    NotIntact = 7,
}

#[derive(Debug, Parser)]
#[command(
    name = "regwatch",
    version,
    about = "Tracks regulatory change: export-control announcements, their entries, every version, and what changed."
)]
pub struct Cli {
    /// Configuration file. When the default does not exist, the embedded default is used.
    #[arg(
        long,
        global = true,
        default_value = "schedule.toml",
        env = "REGWATCH_CONFIG"
    )]
    pub config: PathBuf,
    /// The store: a SQLite file, or a PostgreSQL database as `postgres://user@host:5432/db`
    /// (the password from REGWATCH_PG_PASSWORD). Default: `store.url` or `store.path` from the
    /// configuration.
    #[arg(long, global = true, env = "REGWATCH_DB", value_name = "PATH|URL")]
    pub db: Option<String>,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// More detail on stderr (-vv for debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Descriptions and titles in English (official translation, else regwatch's gloss), the
    /// Chinese original, or both (English first, Chinese beneath).
    #[arg(long, global = true, value_enum, default_value = "both")]
    pub lang: crate::report::Lang,
    /// How long to wait for another regwatch working on the same database (seconds).
    #[arg(long, global = true, default_value_t = 60, value_name = "SECS")]
    pub lock_wait: u64,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the sources that are due (by their schedules; --all for every one, --source ID for
    /// one), record what changed, print a summary (for cron).
    Check(check::Args),
    /// The daemon: checks and digests on their cron schedules until SIGTERM/SIGINT.
    Run(run::Args),
    /// The recorded changes, with their citations.
    Changes(changes::Args),
    /// The consolidated control list at a date.
    List(list::Args),
    /// What differs between the list on two dates.
    Compare(compare::Args),
    /// Dated events ahead: entries taking effect, suspensions starting or ending.
    Upcoming(upcoming::Args),
    /// How an announcement's text changed between two versions (a silent edit).
    Diff(diff::Args),
    /// The Atom feed of changes.
    Feed(feed::Args),
    /// Email digests of the changes not yet delivered (preview, --send, or --dry-run DIR).
    Digest(digest::Args),
    /// The announcements known, with dates, relations and URLs.
    Announcements(announcements::Args),
    /// What regwatch is unsure of in what it read: relations without dates, suspensions without
    /// an end, targets never seen, ends computed from a period…
    Doubts(doubts::Args),
    /// Record a person's fix to an extracted field (who, why); applied now and on top of every
    /// later reading of the page.
    Correct(Box<correct::Args>),
    /// The corrections recorded, with who, when, why, and whether still needed.
    Corrections(correct::ListArgs),
    /// Is a counterparty on a list of parties (China's, the US Entity List), under any of its
    /// names?
    Screen(screen::Args),
    /// One control code across regimes (China, the US CCL, the EU), or why there is none.
    Code(code::Args),
    /// Per product: the listed entries that may cover it on a date, why, since when, by whom.
    Impact(impact::Args),
    /// Changes with their review state, or record a review (`ID… --as STATE`).
    Review(review::Args),
    /// Write an evidence bundle (tar) for an announcement or a change: every stored page version
    /// byte for byte, headers, hashes, texts, extraction and changes, with a manifest.
    Evidence(evidence::Args),
    /// Check an evidence bundle: exit 0 when intact, 7 naming the file that was altered.
    Verify(evidence::VerifyArgs),
    /// Copy this SQLite store into PostgreSQL and verify it (exit 7 when the copy differs).
    Migrate(migrate::Args),
    /// The store in a browser: overview, the list on a date, entries, announcements, changes.
    Serve(serve::Args),
    /// Status per source: last success, last error.
    Sources(sources::Args),
    /// Fetch a source once and show what would be extracted; writes nothing.
    Try(try_source::Args),
    /// Replay snapshots/ through a local server: the whole pipeline, offline.
    Demo(demo::Args),
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Md,
    Json,
    Csv,
    Html,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Md => "md",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Html => "html",
        }
    }
}

/// A `--format` parser offering only `names`: `--help` lists what the command renders.
pub fn formats(
    names: &'static [&'static str],
) -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(names)
        .map(|s| Format::from_str(&s, true).expect("a listed format is a format"))
}

/// The usage error for a format a command does not render.
pub fn unsupported(command: &str, format: Format, offered: &str) -> anyhow::Error {
    usage(format!(
        "{command} has no {} form; use {offered}",
        format.name()
    ))
}

/// What every command may need, resolved once.
pub struct Ctx {
    pub config: Config,
    /// Where the store is (`--db`, `store.url` or `store.path`).
    pub db: crate::store::Location,
    pub clock: Clock,
    pub lock_wait: std::time::Duration,
    /// A person at a terminal (stderr is a TTY and not `--quiet`): progress may be drawn.
    pub interactive: bool,
    /// The language of reports (`--lang`).
    pub lang: crate::report::Lang,
}

impl Ctx {
    /// The writer's lock on the database, waiting up to `--lock-wait`.
    pub fn lock(&self) -> Result<crate::store::lock::StoreLock> {
        Ok(crate::store::lock::StoreLock::acquire_at(
            &self.db,
            self.lock_wait,
        )?)
    }

    pub fn open_store(&self) -> Result<Store> {
        Store::open_at(&self.db).with_context(|| format!("while opening the database {}", self.db))
    }

    /// The writer's lock (waiting up to `--lock-wait`), then the store brought up to date. On
    /// PostgreSQL the lock is taken on the store's own connection
    /// ([`crate::store::lock::StoreLock::on_store`]): one connection for the command, not two
    /// (each costs the server a process: a twentieth of a re-check).
    pub fn lock_and_open(&self) -> Result<(crate::store::lock::StoreLock, Store)> {
        let crate::store::Location::Postgres(url) = &self.db else {
            let lock = self.lock()?;
            return Ok((lock, self.open_store()?));
        };
        let opening = || format!("while opening the database {}", self.db);
        let store = Store::connect_postgres(url).with_context(opening)?;
        let lock = crate::store::lock::StoreLock::on_store(&store, url, self.lock_wait)?;
        store.migrate_postgres(url).with_context(opening)?;
        Ok((lock, store))
    }
}

impl Ctx {
    /// How current the data is, per configured source.
    pub fn currency(&self) -> Result<Vec<crate::report::Currency>> {
        let statuses = self.open_store()?.source_statuses()?;
        Ok(crate::report::Currency::of(
            &self.config.sources,
            &statuses,
            self.clock.now(),
        ))
    }

    /// Today in the regime's time zone (the Chinese list's days turn at midnight in Beijing).
    pub fn today(&self, regime: Option<&str>) -> NaiveDate {
        crate::model::legal_date(
            self.clock.now(),
            regime.unwrap_or(crate::extract::mofcom::REGIME),
        )
    }
}

/// The changes a report shows — between two times, filtered as `--unreviewed` and `--watch`
/// ask — with the announcements they cite, each change's review and what it touches.
pub struct Selection {
    pub changes: Vec<crate::store::ChangeRecord>,
    pub announcements: HashMap<String, KnownAnnouncement>,
    pub reviews: HashMap<String, crate::store::review::Review>,
    pub touches: HashMap<String, Vec<String>>,
}

pub fn select_changes(
    ctx: &Ctx,
    since: Option<&str>,
    until: Option<&str>,
    unreviewed: bool,
    watch: &[String],
) -> Result<Selection> {
    let store = ctx.open_store()?;
    let mut changes = store.changes(since, until)?;
    let announcements = store.announcements_by_key()?;
    let (reviews, touches) =
        annotate(ctx, &store, &mut changes, &announcements, unreviewed, watch)?;
    Ok(Selection {
        changes,
        announcements,
        reviews,
        touches,
    })
}

/// Each change's current review, and the products and watches it touches, by change id.
pub type Annotations = (
    HashMap<String, crate::store::review::Review>,
    HashMap<String, Vec<String>>,
);

/// Filters changes as `--unreviewed` and `--watch NAME` ask, and fills in what a report shows
/// beside each change: its review, and the products and watches it touches.
pub fn annotate(
    ctx: &Ctx,
    store: &Store,
    changes: &mut Vec<crate::store::ChangeRecord>,
    announcements: &HashMap<String, KnownAnnouncement>,
    unreviewed: bool,
    watch: &[String],
) -> Result<Annotations> {
    let reviews = crate::report::touch::current(store.reviews()?);
    if unreviewed {
        changes.retain(|c| !reviews.contains_key(&c.uid));
    }
    for w in watch {
        if !ctx.config.watches.iter().any(|x| &x.name == w) {
            return Err(usage(format!(
                "no [[watch]] named {w:?} in the configuration"
            )));
        }
    }
    let products = match &ctx.config.products {
        Some(p) => impact::load_products(ctx, Some(p))?,
        None => Vec::new(),
    };
    let touches =
        crate::report::touch::touches(changes, announcements, &products, &ctx.config.watches);
    if !watch.is_empty() {
        changes.retain(|c| {
            touches
                .get(&c.uid)
                .is_some_and(|t| watch.iter().any(|w| t.contains(&format!("watch {w}"))))
        });
    }
    Ok((reviews, touches))
}

/// What rebuilding the list needs: the announcements by key and every stored entry.
pub struct ListInputs {
    pub announcements: HashMap<String, KnownAnnouncement>,
    pub entries: Vec<StoredEntry>,
}

impl ListInputs {
    pub fn load(ctx: &Ctx, regime: Option<&str>) -> Result<ListInputs> {
        let store = ctx.open_store()?;
        let announcements = store
            .announcement_heads()?
            .into_iter()
            .map(|a| (a.key.clone(), a))
            .collect();
        let mut entries = store.all_entries()?;
        if let Some(r) = regime {
            entries.retain(|e| e.entry.regime == r);
        }
        Ok(ListInputs {
            announcements,
            entries,
        })
    }
}

/// The `Corrected: …` lines for the corrections behind `entries` (the announcements listing them
/// and those setting their statuses): reports on the list say which values are a person's.
pub fn corrections_note<'e>(
    ctx: &Ctx,
    entries: impl IntoIterator<Item = &'e crate::diff::list::ListedEntry>,
) -> Result<String> {
    let corrections = ctx.open_store()?.corrections()?;
    if corrections.is_empty() {
        return Ok(String::new());
    }
    let keys: std::collections::HashSet<&str> = entries
        .into_iter()
        .flat_map(|e| [e.announcement.as_str(), e.status_by.as_str()])
        .collect();
    Ok(crate::report::corrections_note(&corrections, &keys))
}

/// A day: `YYYY-MM-DD`, or an RFC 3339 time read as the day it is in Beijing (the Chinese
/// lists' days; `2025-11-10T20:00:00Z` is 2025-11-11 there).
pub fn parse_day(flag: &str, s: &str) -> Result<NaiveDate> {
    if let Ok(d) = s.parse::<NaiveDate>() {
        return Ok(d);
    }
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| {
            crate::model::legal_date(
                t.with_timezone(&chrono::Utc),
                crate::extract::mofcom::REGIME,
            )
        })
        .map_err(|_| {
            usage(format!(
                "invalid {flag} {s:?}: use YYYY-MM-DD or an RFC 3339 time"
            ))
        })
}

/// An error that maps to a specific exit code.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct UsageError {
    pub message: String,
}

pub fn usage(message: impl Into<String>) -> anyhow::Error {
    UsageError {
        message: message.into(),
    }
    .into()
}

fn load_config(cli: &Cli) -> Result<Config> {
    let explicit = cli.config.as_os_str() != "schedule.toml";
    let config = if !explicit && !cli.config.exists() {
        Config::parse(DEFAULT_CONFIG, "schedule.toml (embedded default)")
    } else {
        Config::load(&cli.config)
    };
    config.map_err(|e: ConfigError| usage(e.to_string()))
}

/// Runs the parsed command line; the caller maps errors to exit codes with [`exit_code`].
pub fn run(cli: Cli) -> Result<Exit> {
    let clock = Clock::from_env().map_err(usage)?;
    if let Command::Verify(args) = &cli.command {
        return evidence::verify(args);
    }
    if let Command::Demo(args) = &cli.command {
        return demo::run(args, cli.db.as_deref().map(crate::store::Location::parse));
    }
    let config = load_config(&cli)?;
    let db = match &cli.db {
        Some(text) => crate::store::Location::parse(text),
        None => config.store.location(),
    };
    let ctx = Ctx {
        config,
        db,
        clock,
        lock_wait: std::time::Duration::from_secs(cli.lock_wait),
        interactive: !cli.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr()),
        lang: cli.lang,
    };
    match &cli.command {
        Command::Check(args) => check::run(&ctx, args),
        Command::Run(args) => run::run(&ctx, args),
        Command::Changes(args) => changes::run(&ctx, args),
        Command::List(args) => list::run(&ctx, args),
        Command::Impact(args) => impact::run(&ctx, args),
        Command::Review(args) => review::run(&ctx, args),
        Command::Evidence(args) => evidence::run(&ctx, args),
        Command::Serve(args) => serve::run(&ctx, args),
        Command::Verify(args) => evidence::verify(args),
        Command::Migrate(args) => migrate::run(&ctx, args),
        Command::Compare(args) => compare::run(&ctx, args),
        Command::Upcoming(args) => upcoming::run(&ctx, args),
        Command::Diff(args) => diff::run(&ctx, args),
        Command::Feed(args) => feed::run(&ctx, args),
        Command::Digest(args) => digest::run(&ctx, args),
        Command::Announcements(args) => announcements::run(&ctx, args),
        Command::Doubts(args) => doubts::run(&ctx, args),
        Command::Correct(args) => correct::run(&ctx, args),
        Command::Corrections(args) => correct::list(&ctx, args),
        Command::Screen(args) => screen::run(&ctx, args),
        Command::Code(args) => code::run(&ctx, args),
        Command::Sources(args) => sources::run(&ctx, args),
        Command::Try(args) => try_source::run(&ctx, args),
        Command::Demo(_) => unreachable!("handled above"),
    }
}

/// The exit code for an error that ended the run.
pub fn exit_code(e: &anyhow::Error) -> Exit {
    if e.downcast_ref::<UsageError>().is_some() {
        Exit::Usage
    } else if let Some(crate::store::lock::LockError::Busy { .. }) = e.downcast_ref() {
        Exit::Busy
    } else {
        Exit::Fatal
    }
}

/// A tokio runtime for the commands that fetch, built explicitly (no `#[tokio::main]`).
/// One thread drives every fetch; the database has its own (see `store::handle`), and reading
/// pages runs between fetches. A multi-threaded runtime on this 2-core work cost more in
/// cross-thread wake-ups than it gained: measured 0.36 → 0.31 s wall, 0.47 → 0.41 s CPU for a
/// first check of 1,000 pages (`bench/compare.sh`).
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("while starting the async runtime")
}

/// `2025-10-09` (a whole day) or an RFC 3339 instant, as the stored RFC 3339 UTC form.
pub fn parse_instant(s: &str, end_of_day: bool) -> Result<String> {
    if let Ok(d) = s.parse::<NaiveDate>() {
        let t = if end_of_day { "23:59:59" } else { "00:00:00" };
        return Ok(format!("{d}T{t}Z"));
    }
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| crate::clock::format_time(t.with_timezone(&chrono::Utc)))
        .map_err(|_| {
            usage(format!(
                "invalid date {s:?}: use YYYY-MM-DD or an RFC 3339 time"
            ))
        })
}

/// Writes to stdout; a closed pipe (`regwatch changes | head`) is not an error. Control
/// characters never reach the terminal, whatever rendered the text.
pub fn print(s: &str) -> Result<()> {
    use std::io::Write;
    let s = crate::safe_text::strip_controls(s);
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("while writing to stdout"),
    }
}
