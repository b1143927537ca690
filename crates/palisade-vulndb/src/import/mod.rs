//! `palisade db import`: reads feeds from directories, `.zip` and `.tar.gz` archives and stores
//! their advisories.
//!
//! Every regular file inside a source is sniffed and handed to the importer for its format:
//! OSV JSON, RustSec Markdown with TOML front matter, legacy npm advisories, Alpine secdb YAML
//! and the Debian security tracker JSON. Files of no known format are counted and skipped. A
//! record that does not parse becomes a diagnostic naming the file and the import goes on.
//! Archives are read as untrusted input: entry names are never used as paths on disk, entries
//! above a size limit are skipped, and the total number of bytes read is bounded.

pub mod alpine;
pub mod debian_tracker;
pub mod npm;
pub mod osv;
pub mod rustsec;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Component, Path};

use serde::Serialize;

use crate::model::Advisory;
use crate::store::{Db, StoreError, Upsert};

/// Limits that keep a hostile archive from exhausting memory or time.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest single file read (the Debian tracker JSON is the largest real one, ~80 MB).
    pub max_entry_bytes: u64,
    /// Total bytes read from one source.
    pub max_total_bytes: u64,
    /// Files looked at in one source.
    pub max_entries: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entry_bytes: 512 << 20,
            max_total_bytes: 8 << 30,
            max_entries: 2_000_000,
        }
    }
}

/// A feed format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    Osv,
    Rustsec,
    NpmLegacy,
    AlpineSecdb,
    DebianTracker,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Osv => "osv",
            Format::Rustsec => "rustsec",
            Format::NpmLegacy => "npm-legacy",
            Format::AlpineSecdb => "alpine-secdb",
            Format::DebianTracker => "debian-tracker",
        }
    }
}

/// A problem with one file or record; the import goes on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// `SOURCE!entry/path` for archive members, the path for files.
    pub location: String,
    pub message: String,
}

/// What one source contributed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportSummary {
    pub source: String,
    pub location: String,
    /// Records read per format.
    pub records: BTreeMap<&'static str, u64>,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Files of no known format (licences, READMEs …).
    pub other_files: u64,
    pub diagnostics: Vec<Diagnostic>,
}

impl ImportSummary {
    /// The format most records had, which names the source's kind.
    pub fn kind(&self) -> &'static str {
        self.records
            .iter()
            .max_by_key(|(_, n)| **n)
            .map_or("empty", |(k, _)| k)
    }

    pub fn total_records(&self) -> u64 {
        self.records.values().sum()
    }
}

/// A failure that stops the import of a source (the database is left as it was).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("reading {path}")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("reading zip archive {path}")]
    Zip {
        path: String,
        #[source]
        source: zip::result::ZipError,
    },
    #[error("{path}: more than {limit} bytes in total; refusing to read further")]
    TooLarge { path: String, limit: u64 },
    #[error("{path}: more than {limit} files; refusing to read further")]
    TooManyEntries { path: String, limit: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The source name a path is recorded under: its file name without archive extensions.
pub fn source_name(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    for ext in [".tar.gz", ".tgz", ".zip"] {
        if let Some(stem) = name.strip_suffix(ext) {
            return stem.to_owned();
        }
    }
    name
}

/// Imports one source (directory, `.zip`, `.tar.gz`/`.tgz`, or a single file) in one
/// transaction: on error nothing of it is stored.
pub fn import_path(
    db: &mut Db,
    path: &Path,
    name: &str,
    limits: Limits,
) -> Result<ImportSummary, ImportError> {
    db.begin()?;
    match import_inner(db, path, name, limits) {
        Ok(summary) => {
            db.record_source(
                name,
                summary.kind(),
                &path.display().to_string(),
                None,
                None,
            )?;
            db.commit()?;
            Ok(summary)
        }
        Err(e) => {
            db.rollback();
            Err(e)
        }
    }
}

/// Imports from a source inside an already started transaction (used by `db update`).
pub(crate) fn import_inner(
    db: &Db,
    path: &Path,
    name: &str,
    limits: Limits,
) -> Result<ImportSummary, ImportError> {
    let mut sink = Sink::new(db, name, &path.display().to_string());
    let display = path.display().to_string();
    let io_err = |source| ImportError::Io {
        path: display.clone(),
        source,
    };
    let lower = display.to_ascii_lowercase();
    let mut walker = Walker::new(&display, limits);
    if path.is_dir() {
        walker.dir(path, path, &mut sink)?;
    } else if lower.ends_with(".zip") {
        let file = File::open(path).map_err(io_err)?;
        walker.zip(file, &mut sink)?;
    } else if lower.ends_with(".tar.gz") || lower.ends_with(".tgz") {
        let file = File::open(path).map_err(io_err)?;
        walker.tar(flate2::read::GzDecoder::new(file), &mut sink)?;
    } else if lower.ends_with(".tar") {
        let file = File::open(path).map_err(io_err)?;
        walker.tar(file, &mut sink)?;
    } else {
        let file = File::open(path).map_err(io_err)?;
        let entry = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        walker.entry(&entry, file, &mut sink)?;
    }
    sink.finish()
}

/// Where parsed advisories go: the database, plus the per-source summary.
pub(crate) struct Sink<'a> {
    db: &'a Db,
    pub(crate) summary: ImportSummary,
    /// Alpine secdb spreads one CVE over many files; its records are merged here and stored
    /// at the end.
    alpine: BTreeMap<String, Advisory>,
}

impl<'a> Sink<'a> {
    fn new(db: &'a Db, source: &str, location: &str) -> Sink<'a> {
        Sink {
            db,
            summary: ImportSummary {
                source: source.to_owned(),
                location: location.to_owned(),
                ..ImportSummary::default()
            },
            alpine: BTreeMap::new(),
        }
    }

    pub(crate) fn diagnostic(&mut self, location: &str, message: impl Into<String>) {
        let message = message.into();
        tracing::debug!(location, %message, "import diagnostic");
        self.summary.diagnostics.push(Diagnostic {
            location: location.to_owned(),
            message,
        });
    }

    pub(crate) fn advisory(
        &mut self,
        format: Format,
        advisory: &Advisory,
    ) -> Result<(), StoreError> {
        *self.summary.records.entry(format.as_str()).or_default() += 1;
        match self.db.upsert(&self.summary.source, advisory)? {
            Upsert::Inserted => self.summary.inserted += 1,
            Upsert::Updated => self.summary.updated += 1,
            Upsert::Unchanged => self.summary.unchanged += 1,
        }
        Ok(())
    }

    fn finish(mut self) -> Result<ImportSummary, ImportError> {
        for advisory in std::mem::take(&mut self.alpine).into_values() {
            self.advisory(Format::AlpineSecdb, &advisory)?;
        }
        Ok(self.summary)
    }

    /// Sniffs one file and hands it to its importer.
    fn file(&mut self, location: &str, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".md") {
            if bytes.starts_with(b"```toml") {
                if name.split('/').any(|c| c == "rust") && !name.split('/').any(|c| c == "crates") {
                    // Advisories for the Rust toolchain itself (std, cargo, rustdoc) name no
                    // crate that a lockfile could hold.
                    self.summary.other_files += 1;
                    return Ok(());
                }
                return rustsec::import(self, location, bytes);
            }
        } else if lower.ends_with(".json") {
            if let Err(e) = json_shape::check(bytes) {
                self.diagnostic(location, format!("not imported: {e}"));
                return Ok(());
            }
            let value: serde_json::Value = match serde_json::from_slice(bytes) {
                Ok(v) => v,
                Err(e) => {
                    self.diagnostic(location, format!("not valid JSON: {e}"));
                    return Ok(());
                }
            };
            if value.get("module_name").is_some() {
                return npm::import(self, location, value);
            }
            if value.get("id").is_some_and(serde_json::Value::is_string)
                && (value.get("affected").is_some() || value.get("modified").is_some())
            {
                return osv::import(self, location, value);
            }
            if debian_tracker::looks_like(&value) {
                return debian_tracker::import(self, location, value);
            }
        } else if (lower.ends_with(".yaml") || lower.ends_with(".yml"))
            && memchr_find(bytes, b"secfixes").is_some()
        {
            let mut merged = std::mem::take(&mut self.alpine);
            alpine::import(self, &mut merged, location, bytes);
            self.alpine = merged;
            return Ok(());
        }
        self.summary.other_files += 1;
        Ok(())
    }
}

/// A bound on a JSON document's tree before it is built: a value tree costs tens of bytes per
/// value whatever the text, so a small archive of `[0,0,0,…]` would otherwise become gigabytes.
mod json_shape {
    /// Members of one array or object. The largest real container (the Debian tracker's
    /// packages, or one package's CVEs) holds tens of thousands.
    pub const MAX_MEMBERS: u64 = 1_000_000;
    /// Values in one document that is not one of the large feeds (an OSV record).
    pub const MAX_VALUES_SMALL: u64 = 2_000_000;
    /// Values in one document above [`LARGE_BYTES`] (the Debian tracker is tens of MB).
    pub const MAX_VALUES_LARGE: u64 = 16_000_000;
    pub const LARGE_BYTES: usize = 32 << 20;

    /// Counts values (an object member counts once) and container members in one pass over
    /// the text, without allocating;
    /// an error says which bound the text passes. Malformed text passes through to the
    /// parser, which names the problem.
    pub fn check(bytes: &[u8]) -> Result<(), String> {
        let max_values = if bytes.len() > LARGE_BYTES {
            MAX_VALUES_LARGE
        } else {
            MAX_VALUES_SMALL
        };
        // Members of each open container, innermost last (depth is bounded by the parser's own
        // recursion limit; deeper text is refused there).
        let mut members: Vec<u64> = Vec::new();
        let mut values: u64 = 0;
        let mut in_string = false;
        let mut escaped = false;
        let mut pending = false; // a value has started in the innermost container
        for &b in bytes {
            if in_string {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    in_string = false;
                }
                continue;
            }
            match b {
                b' ' | b'\t' | b'\n' | b'\r' | b':' => continue,
                b',' => {
                    pending = false;
                    continue;
                }
                b']' | b'}' => {
                    members.pop();
                    pending = true;
                    continue;
                }
                _ => {}
            }
            if !pending {
                pending = true;
                values += 1;
                if let Some(n) = members.last_mut() {
                    *n += 1;
                    if *n > MAX_MEMBERS {
                        return Err(format!(
                            "an array or object with more than {MAX_MEMBERS} members"
                        ));
                    }
                }
                if values > max_values {
                    return Err(format!("more than {max_values} JSON values in one file"));
                }
            }
            match b {
                b'"' => in_string = true,
                b'[' | b'{' => {
                    if members.len() > 512 {
                        return Ok(());
                    }
                    members.push(0);
                    pending = false;
                }
                _ => {}
            }
        }
        Ok(())
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn counts_values_and_members() {
            assert!(
                check(br#"{"id": "X", "aliases": ["a,b", "c\"]"], "n": [1, 2, {"k": [3]}]}"#)
                    .is_ok()
            );
            let mut wide = b"[".to_vec();
            for _ in 0..=MAX_MEMBERS {
                wide.extend_from_slice(b"0,");
            }
            wide.extend_from_slice(b"0]");
            assert!(check(&wide).unwrap_err().contains("members"));
            let mut many = b"[".to_vec();
            for _ in 0..3 {
                many.push(b'[');
                for _ in 0..800_000 {
                    many.extend_from_slice(b"{},");
                }
                many.extend_from_slice(b"{}],");
            }
            many.extend_from_slice(b"0]");
            assert!(check(&many).unwrap_err().contains("JSON values"));
        }
    }
}

fn memchr_find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Walks a source's files under the limits.
struct Walker<'p> {
    source: &'p str,
    limits: Limits,
    total: u64,
    entries: u64,
}

impl<'p> Walker<'p> {
    fn new(source: &'p str, limits: Limits) -> Walker<'p> {
        Walker {
            source,
            limits,
            total: 0,
            entries: 0,
        }
    }

    fn count(&mut self) -> Result<(), ImportError> {
        self.entries += 1;
        if self.entries > self.limits.max_entries {
            return Err(ImportError::TooManyEntries {
                path: self.source.to_owned(),
                limit: self.limits.max_entries,
            });
        }
        Ok(())
    }

    /// Reads one member (at most the entry limit) and passes it on.
    fn entry(
        &mut self,
        name: &str,
        reader: impl Read,
        sink: &mut Sink<'_>,
    ) -> Result<(), ImportError> {
        self.count()?;
        let location = format!("{}!{name}", self.source);
        if !safe_name(name) {
            sink.diagnostic(
                &location,
                "unsafe entry name (absolute or with '..'); skipped",
            );
            return Ok(());
        }
        let lower = name.to_ascii_lowercase();
        let interesting = [".json", ".md", ".yaml", ".yml"]
            .iter()
            .any(|ext| lower.ends_with(ext));
        if !interesting {
            sink.summary.other_files += 1;
            return Ok(());
        }
        let mut bytes = Vec::new();
        let cap = self.limits.max_entry_bytes;
        reader
            .take(cap + 1)
            .read_to_end(&mut bytes)
            .map_err(|source| ImportError::Io {
                path: location.clone(),
                source,
            })?;
        let read = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        self.total = self.total.saturating_add(read);
        if self.total > self.limits.max_total_bytes {
            return Err(ImportError::TooLarge {
                path: self.source.to_owned(),
                limit: self.limits.max_total_bytes,
            });
        }
        if read > cap {
            sink.diagnostic(&location, format!("larger than {cap} bytes; skipped"));
            return Ok(());
        }
        sink.file(&location, name, &bytes)?;
        Ok(())
    }

    fn dir(&mut self, root: &Path, dir: &Path, sink: &mut Sink<'_>) -> Result<(), ImportError> {
        let io_err = |source| ImportError::Io {
            path: dir.display().to_string(),
            source,
        };
        let mut children: Vec<_> = std::fs::read_dir(dir)
            .map_err(io_err)?
            .collect::<Result<_, _>>()
            .map_err(io_err)?;
        children.sort_by_key(std::fs::DirEntry::file_name);
        for child in children {
            let path = child.path();
            // Symbolic links are not followed: a feed has no reason to contain them.
            let kind = child.file_type().map_err(io_err)?;
            if kind.is_dir() {
                self.dir(root, &path, sink)?;
            } else if kind.is_file() {
                let rel = path
                    .strip_prefix(root)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                let file = File::open(&path).map_err(|source| ImportError::Io {
                    path: path.display().to_string(),
                    source,
                })?;
                self.entry(&rel, file, sink)?;
            }
        }
        Ok(())
    }

    fn tar(&mut self, reader: impl Read, sink: &mut Sink<'_>) -> Result<(), ImportError> {
        let source = self.source.to_owned();
        let io_err = |e| ImportError::Io {
            path: source.clone(),
            source: e,
        };
        let mut archive = tar::Archive::new(reader);
        for entry in archive.entries().map_err(io_err)? {
            let entry = entry.map_err(io_err)?;
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            self.entry(&name, entry, sink)?;
        }
        Ok(())
    }

    fn zip(&mut self, file: File, sink: &mut Sink<'_>) -> Result<(), ImportError> {
        let zip_err = |source| ImportError::Zip {
            path: self.source.to_owned(),
            source,
        };
        let mut archive = zip::ZipArchive::new(io::BufReader::new(file)).map_err(zip_err)?;
        for i in 0..archive.len() {
            let entry = match archive.by_index(i) {
                Ok(e) => e,
                Err(e) => {
                    sink.diagnostic(
                        &format!("{}!#{i}", self.source),
                        format!("unreadable entry: {e}"),
                    );
                    continue;
                }
            };
            if !entry.is_file() {
                continue;
            }
            let name = entry.name().to_owned();
            self.entry(&name, entry, sink)?;
        }
        Ok(())
    }
}

/// Whether an archive member's name is relative and stays inside the archive.
fn safe_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && !name.contains('\\')
        && Path::new(name)
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

/// Shared helpers for the per-format importers.
pub(crate) fn str_field(value: &serde_json::Value, key: &str) -> Option<String> {
    value.get(key).and_then(|v| v.as_str()).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_names_are_refused() {
        assert!(safe_name("osv/GO-1.json"));
        assert!(safe_name("./osv/GO-1.json"));
        assert!(!safe_name("../etc/passwd.json"));
        assert!(!safe_name("/etc/x.json"));
        assert!(!safe_name("a/../../b.json"));
        assert!(!safe_name(""));
    }

    #[test]
    fn source_names_drop_archive_extensions() {
        assert_eq!(
            source_name(Path::new("/x/golang-vulndb-osv.tar.gz")),
            "golang-vulndb-osv"
        );
        assert_eq!(source_name(Path::new("PyPI/all.zip")), "all");
        assert_eq!(source_name(Path::new("/x/advisory-db")), "advisory-db");
    }
}
