//! Matching throughput: N synthetic packages against an advisory database.
//!
//! `cargo run --release -p palisade-vulndb --example match_throughput -- DB [N]`
//!
//! Half of the packages are names the database has advisories for (PyPI, npm, crates.io, Go
//! and Debian:12), with versions spread around the advisories' fixed versions; the other half
//! are names it has never heard of, as in a real image. Prints packages per second.

use std::time::Instant;

use palisade_core::{Distro, Ecosystem, Package};
use palisade_vulndb::matcher::{MatchConfig, match_packages};
use palisade_vulndb::store::Db;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let db_path = args.next().ok_or("usage: match_throughput DB [N]")?;
    let n: usize = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(100_000);
    let db = Db::open_read_only(db_path.as_ref())?;
    let conn = rusqlite::Connection::open_with_flags(
        &db_path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )?;
    let mut names: Vec<(String, String)> = conn
        .prepare("SELECT DISTINCT ecosystem, name FROM affected WHERE ecosystem IN ('PyPI','npm','crates.io','Go','Debian:12') ORDER BY name")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    names.sort();
    if names.is_empty() {
        return Err("the database has no PyPI, npm, crates.io, Go or Debian:12 advisories".into());
    }
    let versions = |eco: Ecosystem, i: usize| -> String {
        match eco {
            Ecosystem::Debian => format!("{}.{}-{}", i % 7, i % 13, 1 + i % 3),
            Ecosystem::Go => format!("v{}.{}.{}", i % 3, i % 17, i % 5),
            _ => format!("{}.{}.{}", i % 5, i % 23, i % 7),
        }
    };
    let mut packages = Vec::with_capacity(n);
    for i in 0..n {
        let (eco, name) = if i % 2 == 0 {
            let (e, name) = &names[(i / 2 * 7919) % names.len()];
            let eco = match e.as_str() {
                "PyPI" => Ecosystem::PyPI,
                "npm" => Ecosystem::Npm,
                "crates.io" => Ecosystem::Cargo,
                "Go" => Ecosystem::Go,
                _ => Ecosystem::Debian,
            };
            (eco, name.clone())
        } else {
            (Ecosystem::Npm, format!("synthetic-unknown-{i}"))
        };
        let version = versions(eco, i);
        packages.push(Package {
            purl: palisade_core::purl::build(eco.purl_type(), None, &name, &version, &[]),
            name,
            version,
            ecosystem: eco,
            source: None,
            arch: None,
            licenses: Vec::new(),
            locations: Vec::new(),
            found_by: "synthetic".into(),
        });
    }
    let distro = Distro {
        id: "debian".into(),
        version_id: "12".into(),
        ..Distro::default()
    };
    let start = Instant::now();
    let report = match_packages(&packages, Some(&distro), &db, &MatchConfig::default())?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "matched {n} packages in {secs:.2}s: {:.0} packages/s, {} findings, {} diagnostics",
        n as f64 / secs,
        report.findings.len(),
        report.diagnostics.len()
    );
    Ok(())
}
