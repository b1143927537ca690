//! Comparisons per second for dpkg and PEP 440 versions, against the reference
//! implementations: python3-apt's `apt_pkg.version_compare` (dpkg's algorithm in C++) and
//! `packaging.version.Version` (PyPA).
//!
//! ```text
//! cargo run --release -p palisade-version --example compare_bench
//! ```
//!
//! The version pairs are osv-scalibr's generated fixtures from
//! `../shared/vulndata/version-test-vectors.tar.gz` (`PALISADE_SHARED` overrides `../shared`).
//! The peers run under `/usr/bin/python3` (apt_pkg) and `python3` (packaging); a missing peer
//! is reported and skipped.

use std::io::Read;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use palisade_version::{Scheme, compare};

const ROUNDS: usize = 20;

fn pairs(file: &str) -> Vec<(String, String)> {
    let shared = std::env::var_os("PALISADE_SHARED").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")),
        PathBuf::from,
    );
    let path = shared.join("vulndata/version-test-vectors.tar.gz");
    let f = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(f));
    for entry in archive.entries().expect("reading the tarball") {
        let mut entry = entry.expect("a tar entry");
        if entry.path().is_ok_and(|p| p.ends_with(file)) {
            let mut text = String::new();
            entry
                .read_to_string(&mut text)
                .expect("reading the fixture");
            return text
                .lines()
                .filter_map(|l| {
                    let p: Vec<&str> = l.split_whitespace().collect();
                    match p.as_slice() {
                        [a, _, b] if !l.starts_with('#') && !l.starts_with("//") => {
                            Some(((*a).to_owned(), (*b).to_owned()))
                        }
                        _ => None,
                    }
                })
                .collect();
        }
    }
    panic!("{file} not found in {}", path.display());
}

/// Ours: comparing strings (parse both, compare) and comparing parsed versions.
fn ours(scheme: Scheme, pairs: &[(String, String)]) -> (f64, f64) {
    let start = Instant::now();
    let mut n = 0usize;
    for _ in 0..ROUNDS {
        for (a, b) in pairs {
            if compare(scheme, a, b).is_ok() {
                n += 1;
            }
        }
    }
    let strings = n as f64 / start.elapsed().as_secs_f64();
    let parsed: Vec<_> = pairs
        .iter()
        .filter_map(|(a, b)| Some((scheme.parse(a).ok()?, scheme.parse(b).ok()?)))
        .collect();
    let start = Instant::now();
    let mut less = 0usize;
    for _ in 0..ROUNDS * 10 {
        for (a, b) in &parsed {
            less += usize::from(std::hint::black_box(a) < std::hint::black_box(b));
        }
    }
    let rate = (parsed.len() * ROUNDS * 10) as f64 / start.elapsed().as_secs_f64();
    std::hint::black_box(less);
    (strings, rate)
}

/// Runs a Python peer over the same pairs; returns comparisons per second.
fn peer(python: &str, setup: &str, cmp: &str, pairs: &[(String, String)]) -> Option<f64> {
    // Pairs are passed through a file, one `a<TAB>b` per line.
    let dir = tempfile::tempdir().ok()?;
    let input = dir.path().join("pairs.tsv");
    let text: String = pairs.iter().map(|(a, b)| format!("{a}\t{b}\n")).collect();
    std::fs::write(&input, text).ok()?;
    let script = format!(
        "import sys, time\n{setup}\n\
         pairs = [l.rstrip('\\n').split('\\t') for l in open(sys.argv[1])]\n\
         t = time.perf_counter()\nn = 0\n\
         for _ in range({ROUNDS}):\n    for a, b in pairs:\n        {cmp}\n        n += 1\n\
         print(n / (time.perf_counter() - t))\n"
    );
    let out = Command::new(python)
        .arg("-c")
        .arg(&script)
        .arg(&input)
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "  peer under {python} unavailable: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        );
        return None;
    }
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

fn report(
    name: &str,
    scheme: Scheme,
    pairs: &[(String, String)],
    peer_name: &str,
    peer_rate: Option<f64>,
) {
    let (strings, parsed) = ours(scheme, pairs);
    println!("{name}: {} pairs x {ROUNDS} rounds", pairs.len());
    println!(
        "  palisade, strings (parse both + compare): {:>12.0} /s",
        strings
    );
    println!(
        "  palisade, parsed versions (matcher path):  {:>12.0} /s",
        parsed
    );
    match peer_rate {
        Some(p) => {
            println!("  {peer_name}: {:>12.0} /s", p);
            println!("  ratio strings/{peer_name}: {:.1}x", strings / p);
            println!("  ratio parsed/{peer_name}: {:.1}x", parsed / p);
        }
        None => println!("  {peer_name}: not available"),
    }
}

fn main() {
    let deb = pairs("debian-versions-generated.txt");
    let apt = peer(
        "/usr/bin/python3",
        "import apt_pkg\napt_pkg.init_system()",
        "apt_pkg.version_compare(a, b)",
        &deb,
    );
    report(
        "dpkg",
        Scheme::Dpkg,
        &deb,
        "python3-apt apt_pkg.version_compare",
        apt,
    );

    // `packaging` rejects the legacy strings: both sides get only PEP 440 pairs.
    let py: Vec<_> = pairs("pypi-versions-generated.txt")
        .into_iter()
        .filter(|(a, b)| {
            use palisade_version::pep440::Pep440Version;
            Pep440Version::parse_pep440(a).is_ok() && Pep440Version::parse_pep440(b).is_ok()
        })
        .collect();
    let packaging = peer(
        "python3",
        "from packaging.version import Version",
        "Version(a) < Version(b)",
        &py,
    );
    report(
        "pep440",
        Scheme::Pep440,
        &py,
        "packaging.version.Version",
        packaging,
    );
}
