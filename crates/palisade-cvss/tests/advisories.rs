//! Every CVSS vector in the shared advisory sets (PyPA OSV records, RustSec advisories)
//! scores, within 0.0–10.0, and with a severity matching its band. Reads the tarballs in
//! `../shared/vulndata` (`PALISADE_SHARED` overrides `../shared`).

use std::io::Read;
use std::path::PathBuf;

use palisade_core::Severity;

fn shared_dir() -> PathBuf {
    std::env::var_os("PALISADE_SHARED").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")),
        PathBuf::from,
    )
}

/// The vectors in one tarball, with the file each came from.
fn vectors(tarball: &str) -> Vec<(String, String)> {
    let path = shared_dir().join("vulndata").join(tarball);
    let file = std::fs::File::open(&path).unwrap_or_else(|e| {
        panic!(
            "opening {}: {e} (the shared test data must sit beside the repository as ../shared, \
             or set PALISADE_SHARED)",
            path.display()
        )
    });
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut out = Vec::new();
    for entry in archive.entries().expect("reading the tarball") {
        let mut entry = entry.expect("a tar entry");
        let name = entry.path().expect("an entry path").display().to_string();
        let mut text = String::new();
        if entry.read_to_string(&mut text).is_err() {
            continue;
        }
        if name.ends_with(".json") {
            let Ok(doc) = serde_json::from_str::<serde_json::Value>(&text) else {
                continue;
            };
            let severities = doc["severity"].as_array().cloned().unwrap_or_default();
            for s in severities {
                if let Some(v) = s["score"].as_str() {
                    out.push((name.clone(), v.to_owned()));
                }
            }
        } else if name.ends_with(".md") {
            for line in text.lines() {
                if let Some(v) = line
                    .strip_prefix("cvss = \"")
                    .and_then(|l| l.strip_suffix('"'))
                {
                    out.push((name.clone(), v.to_owned()));
                }
            }
        }
    }
    out
}

#[test]
fn advisory_vectors_score() {
    let mut total = 0;
    for tarball in [
        "pypa-advisory-database-osv.tar.gz",
        "rustsec-advisory-db.tar.gz",
    ] {
        let found = vectors(tarball);
        let mut by_version = std::collections::BTreeMap::<String, usize>::new();
        for (file, v) in &found {
            let s =
                palisade_cvss::score(v).unwrap_or_else(|e| panic!("{tarball}: {file}: {v}: {e}"));
            assert!((0.0..=10.0).contains(&s.score), "{file}: {v}: {}", s.score);
            assert_eq!(
                s.severity,
                Severity::from_cvss_score(s.score),
                "{file}: {v}"
            );
            *by_version.entry(s.version.to_string()).or_default() += 1;
        }
        println!("{tarball}: {} vectors scored {by_version:?}", found.len());
        total += found.len();
    }
    assert!(total > 500, "only {total} vectors found");
}
