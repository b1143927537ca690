//! `palisade db update`: downloads public feeds and swaps the new database in atomically.
//!
//! The current database is copied beside itself; each feed is fetched with the `ETag` and
//! `Last-Modified` validators stored from the previous download (a `304 Not Modified` costs
//! nothing), streamed to a temporary file under a size limit and imported into the copy.
//! Only when every feed succeeded is the copy renamed over the database, so a failed or
//! partial update leaves the previous database exactly as it was.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::import::{ImportError, ImportSummary, Limits, import_inner};
use crate::store::{Db, StoreError};

/// One downloadable feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Feed {
    /// The source name it is recorded under (`osv-PyPI`, `debian-tracker`).
    pub name: String,
    pub url: String,
}

/// The OSV ecosystems downloaded by default.
pub const OSV_ECOSYSTEMS: &[&str] = &[
    "Debian",
    "Alpine",
    "PyPI",
    "npm",
    "crates.io",
    "Go",
    "Maven",
    "RubyGems",
    "NuGet",
    "Packagist",
];

/// The public feeds: osv.dev's per-ecosystem archives under `osv_base`
/// (`https://osv-vulnerabilities.storage.googleapis.com`) and the Debian tracker JSON under
/// `debian_base` (`https://security-tracker.debian.org`).
pub fn default_feeds(osv_base: &str, debian_base: &str) -> Vec<Feed> {
    let osv_base = osv_base.trim_end_matches('/');
    let mut feeds: Vec<Feed> = OSV_ECOSYSTEMS
        .iter()
        .map(|e| Feed {
            name: format!("osv-{e}"),
            url: format!("{osv_base}/{e}/all.zip"),
        })
        .collect();
    feeds.push(Feed {
        name: "debian-tracker".to_owned(),
        url: format!("{}/tracker/data/json", debian_base.trim_end_matches('/')),
    });
    feeds
}

/// Reports download progress (a progress bar in the binary, nothing in tests).
pub trait UpdateProgress {
    fn start(&self, feed: &Feed, total: Option<u64>);
    fn advance(&self, bytes: u64);
    fn finish(&self, feed: &Feed, outcome: &FeedOutcome);
}

/// No progress reporting.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl UpdateProgress for NoProgress {
    fn start(&self, _: &Feed, _: Option<u64>) {}
    fn advance(&self, _: u64) {}
    fn finish(&self, _: &Feed, _: &FeedOutcome) {}
}

/// What happened to one feed.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case", tag = "outcome")]
pub enum FeedOutcome {
    NotModified,
    Imported { bytes: u64, summary: ImportSummary },
}

/// The result of an update.
#[derive(Debug, Clone, Serialize)]
pub struct UpdateSummary {
    pub feeds: Vec<(Feed, FeedOutcome)>,
}

/// An update that did not happen; the previous database is untouched.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error("downloading {url}")]
    Http {
        url: String,
        #[source]
        source: Box<ureq::Error>,
    },
    #[error("downloading {url}: server answered {status}")]
    Status { url: String, status: u16 },
    #[error("downloading {url}: the transfer broke off")]
    Download {
        url: String,
        #[source]
        source: io::Error,
    },
    #[error("downloading {url}: body larger than {limit} bytes")]
    TooLarge { url: String, limit: u64 },
    #[error("{operation} {path}")]
    Io {
        operation: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("importing {url}")]
    Import {
        url: String,
        #[source]
        source: Box<ImportError>,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How to update.
#[derive(Debug, Clone)]
pub struct UpdateOptions {
    pub feeds: Vec<Feed>,
    pub limits: Limits,
    /// Largest download accepted.
    pub max_download_bytes: u64,
    pub timeout: Duration,
}

impl UpdateOptions {
    pub fn new(feeds: Vec<Feed>) -> UpdateOptions {
        UpdateOptions {
            feeds,
            limits: Limits::default(),
            max_download_bytes: 2 << 30,
            timeout: Duration::from_secs(600),
        }
    }
}

/// Removes a file when dropped unless disarmed.
struct TempFile(Option<PathBuf>);

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Downloads the feeds into a copy of the database at `db_path` and swaps it in.
pub fn update(
    db_path: &Path,
    options: &UpdateOptions,
    progress: &dyn UpdateProgress,
) -> Result<UpdateSummary, UpdateError> {
    let io_err = |operation, path: &Path| {
        let path = path.to_owned();
        move |source| UpdateError::Io {
            operation,
            path,
            source,
        }
    };
    let dir = db_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io_err("creating", dir))?;
    let file_name = db_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "vulndb.sqlite".to_owned());
    let tmp_db = dir.join(format!(".{file_name}.update-{}", std::process::id()));
    let mut guard = TempFile(Some(tmp_db.clone()));
    if db_path.exists() {
        std::fs::copy(db_path, &tmp_db).map_err(io_err("copying", db_path))?;
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(options.timeout))
        .http_status_as_error(false)
        .build()
        .into();
    let mut summary = UpdateSummary { feeds: Vec::new() };
    {
        let mut db = Db::open(&tmp_db)?;
        for feed in &options.feeds {
            let outcome = fetch_and_import(&agent, &mut db, dir, feed, options, progress)?;
            progress.finish(feed, &outcome);
            summary.feeds.push((feed.clone(), outcome));
        }
    }
    std::fs::rename(&tmp_db, db_path).map_err(io_err("replacing", db_path))?;
    guard.0 = None;
    Ok(summary)
}

fn fetch_and_import(
    agent: &ureq::Agent,
    db: &mut Db,
    dir: &Path,
    feed: &Feed,
    options: &UpdateOptions,
    progress: &dyn UpdateProgress,
) -> Result<FeedOutcome, UpdateError> {
    let http = |source| UpdateError::Http {
        url: feed.url.clone(),
        source: Box::new(source),
    };
    let (etag, last_modified) = db.validators(&feed.name)?;
    let mut request = agent.get(&feed.url);
    if let Some(e) = &etag {
        request = request.header("If-None-Match", e);
    }
    if let Some(m) = &last_modified {
        request = request.header("If-Modified-Since", m);
    }
    let response = request.call().map_err(http)?;
    let status = response.status().as_u16();
    if status == 304 {
        return Ok(FeedOutcome::NotModified);
    }
    if status != 200 {
        return Err(UpdateError::Status {
            url: feed.url.clone(),
            status,
        });
    }
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let new_etag = header("etag");
    let new_modified = header("last-modified");
    let total = header("content-length").and_then(|v| v.parse().ok());
    progress.start(feed, total);
    // The download keeps the feed's extension so the importer knows how to read it.
    let ext = if feed.url.ends_with(".zip") {
        "zip"
    } else if feed.url.ends_with(".tar.gz") || feed.url.ends_with(".tgz") {
        "tar.gz"
    } else {
        "json"
    };
    let safe_name: String = feed
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let path = dir.join(format!(
        ".download-{}-{safe_name}.{ext}",
        std::process::id()
    ));
    let _guard = TempFile(Some(path.clone()));
    let mut file = File::create(&path).map_err(|source| UpdateError::Io {
        operation: "creating",
        path: path.clone(),
        source,
    })?;
    let mut reader = response
        .into_body()
        .into_reader()
        .take(options.max_download_bytes + 1);
    let mut buf = vec![0u8; 64 << 10];
    let mut bytes = 0u64;
    loop {
        let n = reader
            .read(&mut buf)
            .map_err(|source| UpdateError::Download {
                url: feed.url.clone(),
                source,
            })?;
        if n == 0 {
            break;
        }
        let chunk = buf.get(..n).unwrap_or_default();
        file.write_all(chunk).map_err(|source| UpdateError::Io {
            operation: "writing",
            path: path.clone(),
            source,
        })?;
        bytes += n as u64;
        progress.advance(n as u64);
        if bytes > options.max_download_bytes {
            return Err(UpdateError::TooLarge {
                url: feed.url.clone(),
                limit: options.max_download_bytes,
            });
        }
    }
    file.flush().map_err(|source| UpdateError::Io {
        operation: "writing",
        path: path.clone(),
        source,
    })?;
    drop(file);
    db.begin()?;
    let result = import_inner(db, &path, &feed.name, options.limits).and_then(|summary| {
        db.record_source(
            &feed.name,
            summary.kind(),
            &feed.url,
            new_etag.as_deref(),
            new_modified.as_deref(),
        )?;
        Ok(summary)
    });
    match result {
        Ok(summary) => {
            db.commit()?;
            Ok(FeedOutcome::Imported { bytes, summary })
        }
        Err(source) => {
            db.rollback();
            Err(UpdateError::Import {
                url: feed.url.clone(),
                source: Box::new(source),
            })
        }
    }
}
