//! `palisade db`: import feeds, show what the advisory database holds, update it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use palisade_vulndb::import::{Limits, import_path, source_name};
use palisade_vulndb::store::Db;
use palisade_vulndb::update::{self, Feed, FeedOutcome, UpdateOptions, UpdateProgress};

use crate::{GlobalOptions, Outcome, output};

/// Where the advisory database lives.
#[derive(Debug, Clone, clap::Args)]
pub struct DbLocation {
    /// The advisory database file (default: the user's cache directory,
    /// `$XDG_CACHE_HOME/palisade/vulndb.sqlite` or `~/.cache/palisade/vulndb.sqlite`).
    #[arg(long, env = "PALISADE_DB", value_name = "PATH", global = true)]
    pub db: Option<PathBuf>,
}

impl DbLocation {
    pub fn path(&self) -> anyhow::Result<PathBuf> {
        if let Some(p) = &self.db {
            return Ok(p.clone());
        }
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .context("no cache directory (set HOME or XDG_CACHE_HOME, or pass --db)")?;
        Ok(cache.join("palisade").join("vulndb.sqlite"))
    }
}

#[derive(Debug, clap::Args)]
pub struct DbArgs {
    #[command(flatten)]
    location: DbLocation,
    #[command(subcommand)]
    command: DbCommand,
}

#[derive(Debug, clap::Subcommand)]
enum DbCommand {
    /// Import advisories from OSV JSON (directory, .zip or .tar.gz), a RustSec advisory-db,
    /// legacy npm advisories, Alpine secdb YAML or the Debian security tracker JSON.
    Import {
        /// Directories, archives or files; the format of each file is detected.
        #[arg(required = true)]
        sources: Vec<PathBuf>,
        /// Print every per-record diagnostic, not only the count.
        #[arg(long)]
        show_diagnostics: bool,
    },
    /// Show sources, record counts per ecosystem and age.
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Download the public feeds (osv.dev per-ecosystem archives, the Debian tracker JSON)
    /// and replace the database atomically.
    Update {
        /// Base URL of the OSV archives (`<URL>/<Ecosystem>/all.zip`).
        #[arg(
            long,
            env = "PALISADE_OSV_MIRROR",
            default_value = "https://osv-vulnerabilities.storage.googleapis.com"
        )]
        mirror: String,
        /// Base URL of the Debian security tracker (`<URL>/tracker/data/json`).
        #[arg(
            long,
            env = "PALISADE_DEBIAN_TRACKER",
            default_value = "https://security-tracker.debian.org"
        )]
        debian_tracker: String,
        /// Only these OSV ecosystems (repeatable); default: all palisade can match.
        #[arg(long = "ecosystem", value_name = "NAME")]
        ecosystems: Vec<String>,
        /// Skip the Debian tracker.
        #[arg(long)]
        no_debian_tracker: bool,
    },
}

pub fn run(args: DbArgs, global: &GlobalOptions) -> anyhow::Result<Outcome> {
    let path = args.location.path()?;
    match args.command {
        DbCommand::Import {
            sources,
            show_diagnostics,
        } => import(&path, &sources, show_diagnostics, global),
        DbCommand::Status { json } => status(&path, json),
        DbCommand::Update {
            mirror,
            debian_tracker,
            ecosystems,
            no_debian_tracker,
        } => {
            let mut feeds = update::default_feeds(&mirror, &debian_tracker);
            if !ecosystems.is_empty() {
                feeds.retain(|f| {
                    f.name == "debian-tracker"
                        || ecosystems.iter().any(|e| f.name == format!("osv-{e}"))
                });
            }
            if no_debian_tracker {
                feeds.retain(|f| f.name != "debian-tracker");
            }
            run_update(&path, feeds, global)
        }
    }
}

fn import(
    path: &Path,
    sources: &[PathBuf],
    show_diagnostics: bool,
    global: &GlobalOptions,
) -> anyhow::Result<Outcome> {
    let mut db = Db::open(path)?;
    let mut out = output::writer(None)?;
    let started = Instant::now();
    let mut total = 0;
    for source in sources {
        let t = Instant::now();
        let spinner = progress_spinner(global, &format!("importing {}", source.display()));
        let summary = import_path(&mut db, source, &source_name(source), Limits::default())
            .with_context(|| format!("importing {}", source.display()))?;
        spinner.finish_and_clear();
        total += summary.total_records();
        writeln!(
            out,
            "{}: {} {} records ({} new, {} updated, {} unchanged), {} other files, {} diagnostics, {:.1}s",
            summary.source,
            summary.total_records(),
            summary.kind(),
            summary.inserted,
            summary.updated,
            summary.unchanged,
            summary.other_files,
            summary.diagnostics.len(),
            t.elapsed().as_secs_f64()
        )?;
        for d in summary
            .diagnostics
            .iter()
            .take(if show_diagnostics { usize::MAX } else { 5 })
        {
            writeln!(out, "  {}: {}", d.location, d.message)?;
        }
        if !show_diagnostics && summary.diagnostics.len() > 5 {
            writeln!(out, "  … (--show-diagnostics for all)")?;
        }
    }
    let info = db.info()?;
    drop(db);
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    writeln!(
        out,
        "imported {total} records in {:.1}s; {} now holds {} advisories ({:.1} MB)",
        started.elapsed().as_secs_f64(),
        path.display(),
        info.advisories,
        size as f64 / 1e6
    )?;
    out.flush()?;
    Ok(Outcome::Clean)
}

fn status(path: &Path, json: bool) -> anyhow::Result<Outcome> {
    let db = Db::open_read_only(path)?;
    let info = db.info()?;
    let mut out = output::writer(None)?;
    if json {
        serde_json::to_writer_pretty(&mut out, &info)?;
        writeln!(out)?;
        out.flush()?;
        return Ok(Outcome::Clean);
    }
    let now = palisade_vulndb::time::now();
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    writeln!(
        out,
        "database: {} ({:.1} MB, schema {})",
        path.display(),
        size as f64 / 1e6,
        info.schema_version
    )?;
    writeln!(
        out,
        "built:    {} ({} ago)",
        palisade_vulndb::time::rfc3339(info.built_at),
        palisade_vulndb::time::age(info.built_at, now)
    )?;
    writeln!(out, "advisories: {}", info.advisories)?;
    writeln!(out, "\nSOURCE  KIND  RECORDS  IMPORTED  AGE  FROM")?;
    for s in &info.sources {
        writeln!(
            out,
            "{}  {}  {}  {}  {}  {}",
            s.name,
            s.kind,
            s.records,
            palisade_vulndb::time::rfc3339(s.imported_at),
            palisade_vulndb::time::age(s.imported_at, now),
            s.location
        )?;
    }
    writeln!(out, "\nECOSYSTEM  ADVISORIES")?;
    for (e, n) in &info.ecosystems {
        writeln!(out, "{e}  {n}")?;
    }
    out.flush()?;
    Ok(Outcome::Clean)
}

fn progress_spinner(global: &GlobalOptions, message: &str) -> indicatif::ProgressBar {
    if !global.progress() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_message(message.to_owned());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// A progress bar per download.
struct Bars {
    enabled: bool,
    bar: std::cell::RefCell<indicatif::ProgressBar>,
}

impl UpdateProgress for Bars {
    fn start(&self, feed: &Feed, total: Option<u64>) {
        if !self.enabled {
            return;
        }
        let bar = match total {
            Some(n) => indicatif::ProgressBar::new(n),
            None => indicatif::ProgressBar::new_spinner(),
        };
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{msg:24} {bar:30} {bytes}/{total_bytes} {bytes_per_sec}",
        ) {
            bar.set_style(style);
        }
        bar.set_message(feed.name.clone());
        *self.bar.borrow_mut() = bar;
    }
    fn advance(&self, bytes: u64) {
        self.bar.borrow().inc(bytes);
    }
    fn finish(&self, feed: &Feed, outcome: &FeedOutcome) {
        self.bar.borrow().finish_and_clear();
        match outcome {
            FeedOutcome::NotModified => tracing::info!(feed = %feed.name, "not modified"),
            FeedOutcome::Imported { bytes, summary } => tracing::info!(
                feed = %feed.name,
                bytes,
                records = summary.total_records(),
                "imported"
            ),
        }
    }
}

fn run_update(path: &Path, feeds: Vec<Feed>, global: &GlobalOptions) -> anyhow::Result<Outcome> {
    let bars = Bars {
        enabled: global.progress(),
        bar: std::cell::RefCell::new(indicatif::ProgressBar::hidden()),
    };
    let summary = update::update(path, &UpdateOptions::new(feeds), &bars)
        .context("updating the advisory database (the previous database is unchanged)")?;
    let mut out = output::writer(None)?;
    for (feed, outcome) in &summary.feeds {
        match outcome {
            FeedOutcome::NotModified => writeln!(out, "{}: not modified", feed.name)?,
            FeedOutcome::Imported { bytes, summary } => writeln!(
                out,
                "{}: {} bytes, {} records ({} new, {} updated), {} diagnostics",
                feed.name,
                bytes,
                summary.total_records(),
                summary.inserted,
                summary.updated,
                summary.diagnostics.len()
            )?,
        }
    }
    out.flush()?;
    Ok(Outcome::Clean)
}

/// Builds the database at `path` from the public feeds when a scan finds none. Progress and
/// results go to stderr: stdout carries the scan report.
pub fn fetch_for_first_use(path: &Path, global: &GlobalOptions) -> anyhow::Result<()> {
    let mirror = std::env::var("PALISADE_OSV_MIRROR")
        .unwrap_or_else(|_| "https://osv-vulnerabilities.storage.googleapis.com".to_owned());
    let tracker = std::env::var("PALISADE_DEBIAN_TRACKER")
        .unwrap_or_else(|_| "https://security-tracker.debian.org".to_owned());
    let feeds = update::default_feeds(&mirror, &tracker);
    let bars = Bars {
        enabled: global.progress(),
        bar: std::cell::RefCell::new(indicatif::ProgressBar::hidden()),
    };
    let summary = update::update(path, &UpdateOptions::new(feeds), &bars)?;
    for (feed, outcome) in &summary.feeds {
        if let FeedOutcome::Imported { summary, .. } = outcome {
            tracing::info!(feed = %feed.name, records = summary.total_records(), "imported");
        }
    }
    Ok(())
}
