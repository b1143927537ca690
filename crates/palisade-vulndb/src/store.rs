//! The advisory database: one SQLite file, inspectable with the `sqlite3` shell.
//!
//! Tables: `meta` (schema version, build time), `sources` (what was imported from where, and
//! the HTTP validators of downloaded feeds), `advisories` (one JSON document per advisory id)
//! and `affected` (one row per advisory × package, indexed by ecosystem and normalised name,
//! carrying only that package's ranges so matching never parses whole advisories).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::Serialize;

use crate::model::{Advisory, AdvisoryHead, Affected, normalize_name};

/// The schema this code reads and writes.
pub const SCHEMA_VERSION: i64 = 1;

/// A failure of the database itself (not of one record).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("opening advisory database {path}")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error(
        "advisory database {path} has schema version {found}, this palisade reads {SCHEMA_VERSION}; run `palisade db update` or re-import"
    )]
    Schema { path: PathBuf, found: i64 },
    #[error(
        "advisory database {path} does not exist; run `palisade db import` or `palisade db update` first"
    )]
    Missing { path: PathBuf },
    #[error("{operation} in advisory database {path}")]
    Sql {
        operation: &'static str,
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("advisory {id} in {path} is not valid JSON")]
    Corrupt {
        id: String,
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

/// What happened to one record on import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upsert {
    Inserted,
    /// An older (or different, same-dated) record with the same id was replaced.
    Updated,
    /// The stored record is the same or newer.
    Unchanged,
}

/// One imported source, as `db status` and reports show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceInfo {
    pub name: String,
    /// The feed format (`osv`, `rustsec`, `npm-legacy`, `alpine-secdb`, `debian-tracker`).
    pub kind: String,
    /// The file, directory or URL it came from.
    pub location: String,
    /// Unix time of the last import.
    pub imported_at: i64,
    /// Records this source holds now.
    pub records: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

/// What a database holds, for `db status` and for every report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DbInfo {
    pub path: String,
    pub schema_version: i64,
    /// Unix time of the last change.
    pub built_at: i64,
    pub advisories: u64,
    pub sources: Vec<SourceInfo>,
    /// Advisories per ecosystem (as the feeds name them, `Debian:12`, `PyPI`).
    pub ecosystems: BTreeMap<String, u64>,
}

/// A candidate for one package: an advisory id and the package's `affected` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub advisory_id: String,
    pub affected: Affected,
}

/// A read transaction on a [`Db`] (see [`Db::read_view`]); it ends, changing nothing, when
/// dropped.
#[derive(Debug)]
pub struct ReadView<'a> {
    _transaction: rusqlite::Transaction<'a>,
}

/// An open advisory database.
#[derive(Debug)]
pub struct Db {
    conn: Connection,
    path: PathBuf,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources(
    name TEXT PRIMARY KEY, kind TEXT NOT NULL, location TEXT NOT NULL,
    imported_at INTEGER NOT NULL, etag TEXT, last_modified TEXT);
CREATE TABLE IF NOT EXISTS advisories(
    id TEXT PRIMARY KEY, source TEXT NOT NULL, modified TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS advisories_source ON advisories(source);
CREATE TABLE IF NOT EXISTS affected(
    ecosystem TEXT NOT NULL, name TEXT NOT NULL, advisory_id TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS affected_package ON affected(ecosystem, name);
CREATE INDEX IF NOT EXISTS affected_advisory ON affected(advisory_id);
CREATE TABLE IF NOT EXISTS stats(kind TEXT NOT NULL, key TEXT NOT NULL, value INTEGER NOT NULL,
    PRIMARY KEY(kind, key));
CREATE TABLE IF NOT EXISTS aliases(alias TEXT NOT NULL, advisory_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS aliases_alias ON aliases(alias);
CREATE INDEX IF NOT EXISTS aliases_advisory ON aliases(advisory_id);
";

/// Counts kept up to date at every commit, so reading them costs nothing at scan time.
const REFRESH_STATS: &str = "
DELETE FROM stats;
INSERT INTO stats(kind, key, value)
    SELECT 'ecosystem', ecosystem, COUNT(DISTINCT advisory_id) FROM affected GROUP BY ecosystem;
INSERT INTO stats(kind, key, value) SELECT 'source', source, COUNT(*) FROM advisories GROUP BY source;
INSERT INTO stats(kind, key, value) SELECT 'total', 'advisories', COUNT(*) FROM advisories;
";

impl Db {
    /// Opens (creating if needed) a database for writing.
    pub fn open(path: &Path) -> Result<Db, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            // A missing directory surfaces as the open error below.
            let _ = std::fs::create_dir_all(parent);
        }
        let conn = Connection::open(path).map_err(|source| StoreError::Open {
            path: path.to_owned(),
            source,
        })?;
        let db = Db {
            conn,
            path: path.to_owned(),
        };
        db.conn
            .execute_batch("PRAGMA journal_mode=DELETE; PRAGMA synchronous=NORMAL;")
            .map_err(|e| db.sql("setting pragmas", e))?;
        db.init()?;
        Ok(db)
    }

    /// Opens an existing database read-only (for scans).
    pub fn open_read_only(path: &Path) -> Result<Db, StoreError> {
        if !path.exists() {
            return Err(StoreError::Missing {
                path: path.to_owned(),
            });
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|source| StoreError::Open {
            path: path.to_owned(),
            source,
        })?;
        let db = Db {
            conn,
            path: path.to_owned(),
        };
        let found = db.schema_version()?;
        if found != SCHEMA_VERSION {
            return Err(StoreError::Schema {
                path: path.to_owned(),
                found,
            });
        }
        Ok(db)
    }

    /// An empty database in memory (tests, benchmarks).
    pub fn in_memory() -> Result<Db, StoreError> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|source| StoreError::Open {
            path: path.clone(),
            source,
        })?;
        let db = Db { conn, path };
        db.init()?;
        Ok(db)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn sql(&self, operation: &'static str, source: rusqlite::Error) -> StoreError {
        StoreError::Sql {
            operation,
            path: self.path.clone(),
            source,
        }
    }

    fn init(&self) -> Result<(), StoreError> {
        self.conn
            .execute_batch(SCHEMA)
            .map_err(|e| self.sql("creating tables", e))?;
        let found = self.schema_version()?;
        if found == 0 {
            self.set_meta("schema_version", &SCHEMA_VERSION.to_string())?;
        } else if found != SCHEMA_VERSION {
            return Err(StoreError::Schema {
                path: self.path.clone(),
                found,
            });
        }
        Ok(())
    }

    fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .meta("schema_version")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| self.sql("reading meta", e))
    }

    fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO meta(key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map(drop)
            .map_err(|e| self.sql("writing meta", e))
    }

    /// Starts a batch of writes; nothing is visible to other readers until `commit`.
    pub fn begin(&mut self) -> Result<(), StoreError> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| self.sql("starting a transaction", e))
    }

    /// Ends a batch of writes and records the build time.
    pub fn commit(&mut self) -> Result<(), StoreError> {
        self.set_meta("built_at", &crate::time::now().to_string())?;
        self.conn
            .execute_batch(REFRESH_STATS)
            .map_err(|e| self.sql("counting records", e))?;
        self.conn
            .execute_batch("COMMIT")
            .map_err(|e| self.sql("committing", e))
    }

    /// Abandons a batch of writes.
    pub fn rollback(&mut self) {
        let _ = self.conn.execute_batch("ROLLBACK");
    }

    /// Inserts or replaces one advisory. A stored record with the same id is replaced when the
    /// new one is newer by `modified`, or equally dated but different.
    pub fn upsert(&self, source: &str, advisory: &Advisory) -> Result<Upsert, StoreError> {
        let data = serde_json::to_string(advisory).map_err(|e| StoreError::Corrupt {
            id: advisory.id.clone(),
            path: self.path.clone(),
            source: e,
        })?;
        let existing: Option<(String, String)> = self
            .conn
            .prepare_cached("SELECT modified, data FROM advisories WHERE id = ?1")
            .and_then(|mut s| {
                s.query_row([&advisory.id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
            })
            .map_err(|e| self.sql("reading an advisory", e))?;
        let outcome = match &existing {
            None => Upsert::Inserted,
            Some((modified, old)) => {
                let newer = advisory.modified.as_str() > modified.as_str();
                if newer || (advisory.modified == *modified && *old != data) {
                    Upsert::Updated
                } else {
                    return Ok(Upsert::Unchanged);
                }
            }
        };
        let run = || -> rusqlite::Result<()> {
            if outcome == Upsert::Updated {
                self.conn
                    .prepare_cached("DELETE FROM affected WHERE advisory_id = ?1")?
                    .execute([&advisory.id])?;
                self.conn
                    .prepare_cached("DELETE FROM aliases WHERE advisory_id = ?1")?
                    .execute([&advisory.id])?;
            }
            let mut alias = self
                .conn
                .prepare_cached("INSERT INTO aliases(alias, advisory_id) VALUES (?1, ?2)")?;
            for a in advisory.aliases.iter().take(256) {
                alias.execute(params![a, advisory.id])?;
            }
            self.conn
                .prepare_cached(
                    "INSERT INTO advisories(id, source, modified, data) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT(id) DO UPDATE SET source = excluded.source,
                       modified = excluded.modified, data = excluded.data",
                )?
                .execute(params![advisory.id, source, advisory.modified, data])?;
            let mut insert = self.conn.prepare_cached(
                "INSERT INTO affected(ecosystem, name, advisory_id, data) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for affected in &advisory.affected {
                let json = serde_json::to_string(affected)
                    .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
                insert.execute(params![
                    affected.ecosystem,
                    normalize_name(&affected.ecosystem, &affected.name),
                    advisory.id,
                    json
                ])?;
            }
            Ok(())
        };
        run().map_err(|e| self.sql("storing an advisory", e))?;
        Ok(outcome)
    }

    /// Records (or refreshes) a source after an import.
    pub fn record_source(
        &self,
        name: &str,
        kind: &str,
        location: &str,
        etag: Option<&str>,
        last_modified: Option<&str>,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO sources(name, kind, location, imported_at, etag, last_modified)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT(name) DO UPDATE SET kind = excluded.kind,
                   location = excluded.location, imported_at = excluded.imported_at,
                   etag = excluded.etag, last_modified = excluded.last_modified",
                params![
                    name,
                    kind,
                    location,
                    crate::time::now(),
                    etag,
                    last_modified
                ],
            )
            .map(drop)
            .map_err(|e| self.sql("recording a source", e))
    }

    /// The HTTP validators stored for a downloaded source.
    pub fn validators(&self, name: &str) -> Result<(Option<String>, Option<String>), StoreError> {
        self.conn
            .query_row(
                "SELECT etag, last_modified FROM sources WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map(Option::unwrap_or_default)
            .map_err(|e| self.sql("reading a source", e))
    }

    /// The `affected` entries stored for a package (`ecosystem` as the feed names it,
    /// `name` before normalisation).
    pub fn candidates(&self, ecosystem: &str, name: &str) -> Result<Vec<Candidate>, StoreError> {
        let key = normalize_name(ecosystem, name);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT advisory_id, data FROM affected WHERE ecosystem = ?1 AND name = ?2",
            )
            .map_err(|e| self.sql("looking up a package", e))?;
        let rows = stmt
            .query_map(params![ecosystem, key], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.sql("looking up a package", e))?;
        rows.into_iter()
            .map(|(advisory_id, data)| {
                let affected =
                    serde_json::from_str(&data).map_err(|source| StoreError::Corrupt {
                        id: advisory_id.clone(),
                        path: self.path.clone(),
                        source,
                    })?;
                Ok(Candidate {
                    advisory_id,
                    affected,
                })
            })
            .collect()
    }

    /// Holds one read transaction until the guard drops: lookups made meanwhile see one
    /// consistent database and skip taking SQLite's shared lock for each statement.
    pub fn read_view(&self) -> Result<ReadView<'_>, StoreError> {
        self.conn
            .unchecked_transaction()
            .map(|t| ReadView { _transaction: t })
            .map_err(|e| self.sql("starting a read transaction", e))
    }

    /// Every (normalised) package name with advisories in `ecosystem`: one pass over the
    /// package index.
    pub fn names(&self, ecosystem: &str) -> Result<HashSet<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT DISTINCT name FROM affected WHERE ecosystem = ?1")
            .map_err(|e| self.sql("listing package names", e))?;
        stmt.query_map([ecosystem], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.collect::<Result<HashSet<_>, _>>())
            .map_err(|e| self.sql("listing package names", e))
    }

    /// The ids of the advisories that name `alias` among their aliases (a CVE's GHSA, PYSEC
    /// and Debian records).
    pub fn by_alias(&self, alias: &str) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT advisory_id FROM aliases WHERE alias = ?1 LIMIT 64")
            .map_err(|e| self.sql("looking up an alias", e))?;
        stmt.query_map([alias], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.sql("looking up an alias", e))
    }

    /// One advisory by id.
    pub fn advisory(&self, id: &str) -> Result<Option<Advisory>, StoreError> {
        self.read_advisory::<Advisory>(id)
    }

    /// What a finding needs of an advisory (see [`AdvisoryHead`]): the record is read without
    /// building its details and affected ranges.
    pub fn advisory_head(&self, id: &str) -> Result<Option<Advisory>, StoreError> {
        Ok(self.read_advisory::<AdvisoryHead>(id)?.map(Advisory::from))
    }

    fn read_advisory<T: serde::de::DeserializeOwned>(
        &self,
        id: &str,
    ) -> Result<Option<T>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT data FROM advisories WHERE id = ?1")
            .map_err(|e| self.sql("reading an advisory", e))?;
        let mut rows = stmt
            .query([id])
            .map_err(|e| self.sql("reading an advisory", e))?;
        let Some(row) = rows
            .next()
            .map_err(|e| self.sql("reading an advisory", e))?
        else {
            return Ok(None);
        };
        let data = row
            .get_ref(0)
            .and_then(|v| v.as_str().map_err(Into::into))
            .map_err(|e| self.sql("reading an advisory", e))?;
        serde_json::from_str(data)
            .map(Some)
            .map_err(|source| StoreError::Corrupt {
                id: id.to_owned(),
                path: self.path.clone(),
                source,
            })
    }

    /// Sources, counts and build time.
    pub fn info(&self) -> Result<DbInfo, StoreError> {
        let built_at = self
            .meta("built_at")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let advisories: u64 = self
            .conn
            .query_row(
                "SELECT value FROM stats WHERE kind = 'total' AND key = 'advisories'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.sql("counting advisories", e))?
            .unwrap_or(0);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT s.name, s.kind, s.location, s.imported_at, s.etag, s.last_modified,
                        (SELECT value FROM stats t WHERE t.kind = 'source' AND t.key = s.name)
                 FROM sources s ORDER BY s.name",
            )
            .map_err(|e| self.sql("listing sources", e))?;
        let sources = stmt
            .query_map([], |r| {
                Ok(SourceInfo {
                    name: r.get(0)?,
                    kind: r.get(1)?,
                    location: r.get(2)?,
                    imported_at: r.get(3)?,
                    etag: r.get(4)?,
                    last_modified: r.get(5)?,
                    records: r.get::<_, Option<u64>>(6)?.unwrap_or(0),
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.sql("listing sources", e))?;
        let mut stmt = self
            .conn
            .prepare("SELECT key, value FROM stats WHERE kind = 'ecosystem'")
            .map_err(|e| self.sql("counting ecosystems", e))?;
        let ecosystems = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?)))
            .and_then(|rows| rows.collect::<Result<BTreeMap<_, _>, _>>())
            .map_err(|e| self.sql("counting ecosystems", e))?;
        Ok(DbInfo {
            path: self.path.display().to_string(),
            schema_version: self.schema_version()?,
            built_at,
            advisories,
            sources,
            ecosystems,
        })
    }

    /// Compacts the file after large imports.
    pub fn vacuum(&self) -> Result<(), StoreError> {
        self.conn
            .execute_batch("VACUUM")
            .map_err(|e| self.sql("compacting", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Event, Range};

    fn adv(id: &str, modified: &str, fixed: &str) -> Advisory {
        Advisory {
            id: id.into(),
            modified: modified.into(),
            affected: vec![Affected {
                ecosystem: "PyPI".into(),
                name: "PyYAML".into(),
                ranges: vec![Range::Ecosystem {
                    events: vec![Event::Introduced("0".into()), Event::Fixed(fixed.into())],
                }],
                ..Affected::default()
            }],
            ..Advisory::default()
        }
    }

    #[test]
    fn upsert_replaces_by_id_and_modified_time() {
        let mut db = Db::in_memory().unwrap();
        db.begin().unwrap();
        assert_eq!(
            db.upsert("s", &adv("A", "2024-01-01", "1.0")).unwrap(),
            Upsert::Inserted
        );
        assert_eq!(
            db.upsert("s", &adv("A", "2024-01-01", "1.0")).unwrap(),
            Upsert::Unchanged
        );
        assert_eq!(
            db.upsert("s", &adv("A", "2023-01-01", "0.5")).unwrap(),
            Upsert::Unchanged
        );
        assert_eq!(
            db.upsert("s", &adv("A", "2024-06-01", "2.0")).unwrap(),
            Upsert::Updated
        );
        db.commit().unwrap();
        let c = db.candidates("PyPI", "pyyaml").unwrap();
        assert_eq!(c.len(), 1, "the replaced record's rows are gone");
        assert_eq!(c[0].affected.fixed_versions(), vec!["2.0".to_owned()]);
        assert_eq!(db.candidates("PyPI", "py_yaml").unwrap().len(), 0);
        assert_eq!(db.candidates("PyPI", "PyYaml").unwrap().len(), 1);
        assert_eq!(db.info().unwrap().ecosystems.get("PyPI"), Some(&1));
    }
}
