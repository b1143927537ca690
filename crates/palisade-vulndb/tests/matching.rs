//! Matching real packages against the real feeds in `../shared/vulndata`.

use std::path::{Path, PathBuf};

use palisade_core::{Distro, Ecosystem, Package};
use palisade_vulndb::import::{Limits, import_path, source_name};
use palisade_vulndb::matcher::{MatchConfig, MatchReport, match_packages};
use palisade_vulndb::store::Db;

fn shared() -> PathBuf {
    std::env::var_os("PALISADE_SHARED").map_or_else(
        || Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")).to_owned(),
        PathBuf::from,
    )
}

fn vulndata(name: &str) -> PathBuf {
    let p = shared().join("vulndata").join(name);
    assert!(
        p.exists(),
        "{} is missing: the shared test data must sit beside the repository (or set PALISADE_SHARED)",
        p.display()
    );
    p
}

fn db_with(feeds: &[&str]) -> Db {
    let mut db = Db::in_memory().unwrap();
    for f in feeds {
        let p = vulndata(f);
        import_path(&mut db, &p, &source_name(&p), Limits::default()).unwrap();
    }
    db
}

/// Catalogs a root filesystem holding only the saved dpkg status of bookworm-minbase.
fn bookworm_minbase() -> (Vec<Package>, Option<Distro>) {
    let root = tempfile::tempdir().unwrap();
    let status = std::fs::read(vulndata("bookworm-minbase.dpkg-status")).unwrap();
    std::fs::create_dir_all(root.path().join("var/lib/dpkg")).unwrap();
    std::fs::write(root.path().join("var/lib/dpkg/status"), status).unwrap();
    std::fs::create_dir_all(root.path().join("etc")).unwrap();
    std::fs::write(
        root.path().join("etc/os-release"),
        "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nID=debian\n",
    )
    .unwrap();
    let image_ref = format!("dir:{}", root.path().display()).parse().unwrap();
    let image = palisade_image::open(&image_ref, &Default::default()).unwrap();
    let catalog =
        palisade_catalog::catalog(&image, &Default::default(), &palisade_image::NoProgress)
            .unwrap();
    (catalog.packages, catalog.distro)
}

fn rows(report: &MatchReport) -> Vec<String> {
    let mut rows: Vec<String> = report
        .findings
        .iter()
        .map(|f| {
            format!(
                "{}\t{}\t{}\t{}\t{}",
                f.package.name,
                f.package.version,
                f.package.matched_name,
                f.id,
                f.fixed_versions.join(",")
            )
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn bookworm_minbase_gives_exactly_the_expected_findings() {
    let db = db_with(&["debian12-changelog-osv.tar.gz"]);
    let (packages, distro) = bookworm_minbase();
    assert_eq!(packages.len(), 88);
    assert_eq!(
        distro.as_ref().and_then(Distro::osv_ecosystem).as_deref(),
        Some("Debian:12")
    );
    let report = match_packages(&packages, distro.as_ref(), &db, &MatchConfig::default()).unwrap();
    let expected =
        std::fs::read_to_string(vulndata("bookworm-minbase.expected-findings.tsv")).unwrap();
    let mut expected: Vec<String> = expected
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    expected.sort();
    assert_eq!(rows(&report), expected);
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
}

#[test]
fn bookworm_minbase_with_every_feed_adds_nothing_false() {
    // The 2023 DSA/DLA set has no bookworm records; nothing else is for Debian.
    let db = db_with(&[
        "debian12-changelog-osv.tar.gz",
        "debian-dsa-dla-2023-osv.tar.gz",
        "alpine-secdb-2020.tar.gz",
    ]);
    let (packages, distro) = bookworm_minbase();
    let report = match_packages(&packages, distro.as_ref(), &db, &MatchConfig::default()).unwrap();
    assert_eq!(report.findings.len(), 18);
}

fn lang(ecosystem: Ecosystem, name: &str, version: &str) -> Package {
    Package {
        name: name.into(),
        version: version.into(),
        ecosystem,
        purl: palisade_core::purl::build(ecosystem.purl_type(), None, name, version, &[]),
        source: None,
        arch: None,
        licenses: Vec::new(),
        locations: Vec::new(),
        found_by: "test".into(),
    }
}

#[test]
fn language_packages_match_pypi_npm_and_rustsec() {
    let db = db_with(&[
        "pypa-advisory-database-osv.tar.gz",
        "nodejs-security-wg-vuln.tar.gz",
        "rustsec-advisory-db.tar.gz",
    ]);
    let packages = vec![
        lang(Ecosystem::PyPI, "requests", "2.19.0"),
        lang(Ecosystem::PyPI, "PyYAML", "5.3"),
        lang(Ecosystem::PyPI, "PyYAML", "6.0.1"),
        lang(Ecosystem::Npm, "lodash", "4.17.15"),
        lang(Ecosystem::Npm, "minimist", "1.2.0"),
        lang(Ecosystem::Cargo, "smallvec", "0.6.9"),
        lang(Ecosystem::Cargo, "smallvec", "1.13.2"),
        lang(Ecosystem::Cargo, "time", "0.1.43"),
    ];
    let report = match_packages(&packages, None, &db, &MatchConfig::default()).unwrap();
    let ids = |name: &str, version: &str| -> Vec<String> {
        let mut v: Vec<String> = report
            .findings
            .iter()
            .filter(|f| f.package.name == name && f.package.version == version)
            .map(|f| f.id.clone())
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        ids("requests", "2.19.0"),
        ["PYSEC-2018-28", "PYSEC-2023-74"]
    );
    assert_eq!(ids("PyYAML", "5.3"), ["PYSEC-2020-96", "PYSEC-2021-142"]);
    assert!(ids("PyYAML", "6.0.1").is_empty());
    assert_eq!(
        ids("smallvec", "0.6.9"),
        [
            "RUSTSEC-2018-0018",
            "RUSTSEC-2019-0009",
            "RUSTSEC-2019-0012",
            "RUSTSEC-2021-0003"
        ]
    );
    assert!(ids("smallvec", "1.13.2").is_empty());
    assert_eq!(ids("time", "0.1.43"), ["RUSTSEC-2020-0071"]);
    insta::assert_debug_snapshot!((ids("lodash", "4.17.15"), ids("minimist", "1.2.0")));
}
