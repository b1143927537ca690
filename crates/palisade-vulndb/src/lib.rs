//! palisade's advisory database and matcher.
//!
//! * [`import`] reads OSV, RustSec, legacy npm, Alpine secdb and Debian tracker feeds from
//!   directories and archives into the [`store::Db`], an SQLite file.
//! * [`update`] downloads public feeds with conditional requests and swaps the new database in
//!   atomically.
//! * [`matcher::match_packages`] is a pure function from packages (and the distribution) to a
//!   [`matcher::MatchReport`] of findings and diagnostics; it reads advisories through the
//!   [`matcher::AdvisorySource`] trait, which the database implements.
//!
//! ```
//! use palisade_vulndb::store::Db;
//! use palisade_vulndb::model::{Advisory, Affected, Event, Range};
//!
//! let mut db = Db::in_memory().unwrap();
//! db.begin().unwrap();
//! db.upsert("example", &Advisory {
//!     id: "PYSEC-0".into(),
//!     affected: vec![Affected {
//!         ecosystem: "PyPI".into(),
//!         name: "PyYAML".into(),
//!         ranges: vec![Range::Ecosystem {
//!             events: vec![Event::Introduced("0".into()), Event::Fixed("5.4".into())],
//!         }],
//!         ..Affected::default()
//!     }],
//!     ..Advisory::default()
//! }).unwrap();
//! db.commit().unwrap();
//! assert_eq!(db.candidates("PyPI", "pyyaml").unwrap().len(), 1);
//! ```

pub mod import;
pub mod model;
pub mod store;
pub use palisade_core::time;
pub mod update;

pub use model::{Advisory, Affected, Event, Range, SeverityScore};
pub use store::{Db, DbInfo, SourceInfo, StoreError};
pub mod ignore;
pub mod matcher;
pub mod vex;

pub use matcher::{Finding, MatchConfig, MatchReport, match_packages};
