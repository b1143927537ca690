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

/// The Debian changelog feed, imported once into a file that every test opens read-only.
fn debcl() -> Db {
    static PATH: std::sync::OnceLock<(tempfile::TempDir, PathBuf)> = std::sync::OnceLock::new();
    let (_, path) = PATH.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("debcl.sqlite");
        let mut db = Db::open(&path).unwrap();
        let feed = vulndata("debian12-changelog-osv.tar.gz");
        import_path(&mut db, &feed, "debcl", Limits::default()).unwrap();
        (dir, path)
    });
    Db::open_read_only(path).unwrap()
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
    let db = debcl();
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

#[test]
fn ignore_rules_vex_and_unfixed_filter_and_say_why() {
    let db = debcl();
    let mut tracker = Db::in_memory().unwrap();
    let fixture = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/debian-tracker.json"
    ));
    import_path(&mut tracker, fixture, "tracker", Limits::default()).unwrap();
    let (packages, distro) = bookworm_minbase();
    let today = palisade_vulndb::time::parse_date("2026-11-25").unwrap();
    let rules = palisade_vulndb::ignore::parse(
        "ignore.toml",
        r#"
[[ignore]]
id = "CVE-2026-109518"
package = "apt"
expires = "2027-01-31"
reason = "apt is not run in the container"

[[ignore]]
id = "DEBCL-CVE-2026-8376"
expires = "2026-01-01"
reason = "expired"
"#,
    )
    .unwrap();
    let vex = palisade_vulndb::vex::parse(
        "vex.json",
        r#"{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [
            {"vulnerability": {"name": "CVE-2026-7010"},
             "products": [{"@id": "pkg:oci/bookworm-minbase", "subcomponents": [{"@id": "pkg:deb/debian/perl-base"}]}],
             "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"},
            {"vulnerability": {"name": "CVE-2026-7017"}, "products": [{"@id": "pkg:deb/debian/perl-base"}],
             "status": "affected"}]}"#,
    )
    .unwrap();
    let config = MatchConfig {
        ignore_rules: rules,
        vex,
        today,
        ..MatchConfig::default()
    };
    let report = match_packages(&packages, distro.as_ref(), &db, &config).unwrap();
    // The apt rule names the source package, so it covers apt and libapt-pkg6.0; perl's
    // CVE-2026-7010 is not_affected by VEX; the expired rule no longer applies.
    assert_eq!(report.findings.len(), 15);
    let reasons: Vec<String> = report
        .suppressed
        .iter()
        .map(|s| format!("{} {} {}", s.finding.package.name, s.finding.id, s.reason))
        .collect();
    insta::assert_debug_snapshot!(reasons);
    assert_eq!(report.expired_ignores.len(), 1);
    assert_eq!(report.expired_ignores[0].id, "DEBCL-CVE-2026-8376");

    // The tracker fixture: zlib's open issues are unfixed; --ignore-unfixed leaves them out.
    let all = match_packages(
        &packages,
        distro.as_ref(),
        &tracker,
        &MatchConfig::default(),
    )
    .unwrap();
    let unfixed = all
        .findings
        .iter()
        .filter(|f| f.fixed_versions.is_empty())
        .count();
    assert!(unfixed >= 2, "{:#?}", all.findings);
    let fixed_only = MatchConfig {
        ignore_unfixed: true,
        ..MatchConfig::default()
    };
    let some = match_packages(&packages, distro.as_ref(), &tracker, &fixed_only).unwrap();
    assert_eq!(some.unfixed_ignored, unfixed);
    assert!(some.findings.iter().all(|f| !f.fixed_versions.is_empty()));
    // Debian's urgency is the severity when there is no CVSS vector.
    let apt = some
        .findings
        .iter()
        .find(|f| f.package.name == "apt")
        .unwrap();
    assert_eq!(apt.severity, palisade_core::Severity::Medium);
}

#[test]
fn aliases_merge_across_feeds() {
    let db = debcl();
    let mut both = Db::in_memory().unwrap();
    let p = vulndata("debian12-changelog-osv.tar.gz");
    import_path(&mut both, &p, "debcl", Limits::default()).unwrap();
    let fixture = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/debian-tracker.json"
    ));
    import_path(&mut both, fixture, "tracker", Limits::default()).unwrap();
    let (packages, distro) = bookworm_minbase();
    let one = match_packages(&packages, distro.as_ref(), &db, &MatchConfig::default()).unwrap();
    let two = match_packages(&packages, distro.as_ref(), &both, &MatchConfig::default()).unwrap();
    let apt = two
        .findings
        .iter()
        .find(|f| f.package.name == "apt" && f.id == "DEBCL-CVE-2026-109518")
        .unwrap();
    assert_eq!(
        apt.advisories,
        ["DEBCL-CVE-2026-109518", "DEBIAN-CVE-2026-109518"]
    );
    assert_eq!(apt.aliases, ["CVE-2026-109518"]);
    // The merged finding is counted once; only the tracker's unfixed zlib issues are new.
    let zlib = two
        .findings
        .iter()
        .filter(|f| f.package.matched_name == "zlib")
        .count();
    assert_eq!(two.findings.len(), one.findings.len() + zlib);
}

fn pkg(ecosystem: Ecosystem, name: &str, version: &str) -> Package {
    Package {
        name: name.into(),
        version: version.into(),
        ecosystem,
        purl: format!("pkg:x/{name}@{version}"),
        source: None,
        arch: None,
        licenses: vec![],
        locations: vec![],
        found_by: "test".into(),
    }
}

#[test]
fn issue_14_findings_take_the_rating_of_their_aliases() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, json: serde_json::Value| {
        std::fs::write(
            dir.path().join(format!("{name}.json")),
            serde_json::to_vec(&json).unwrap(),
        )
        .unwrap();
    };
    let range = |fixed: &str| serde_json::json!([{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}]);
    // PYSEC: no rating; it names its GHSA alias, which has one.
    write(
        "PYSEC-2099-1",
        serde_json::json!({"id": "PYSEC-2099-1", "modified": "2099-01-01T00:00:00Z",
        "aliases": ["CVE-2099-1111", "GHSA-aaaa-bbbb-cccc"],
        "affected": [{"package": {"ecosystem": "PyPI", "name": "requests"}, "ranges": range("2.20.0")}]}),
    );
    write(
        "GHSA-aaaa-bbbb-cccc",
        serde_json::json!({"id": "GHSA-aaaa-bbbb-cccc", "modified": "2099-01-01T00:00:00Z",
        "aliases": ["CVE-2099-1111"],
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
        "database_specific": {"severity": "CRITICAL"},
        "affected": [{"package": {"ecosystem": "PyPI", "name": "not-installed"}, "ranges": range("1.0")}]}),
    );
    // A Debian record filed under the CVE only: the GHSA record that names the CVE rates it.
    write(
        "DEBIAN-CVE-2099-2222",
        serde_json::json!({"id": "DEBIAN-CVE-2099-2222", "modified": "2099-01-01T00:00:00Z",
        "aliases": ["CVE-2099-2222"],
        "affected": [{"package": {"ecosystem": "Debian:12", "name": "perl-base"}, "ranges": range("5.36.0-8")}]}),
    );
    write(
        "GHSA-dddd-eeee-ffff",
        serde_json::json!({"id": "GHSA-dddd-eeee-ffff", "modified": "2099-01-01T00:00:00Z",
        "aliases": ["CVE-2099-2222"],
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}],
        "affected": [{"package": {"ecosystem": "npm", "name": "not-installed"}, "ranges": range("1.0.0")}]}),
    );
    let mut db = Db::in_memory().unwrap();
    import_path(&mut db, dir.path(), "fixtures", Limits::default()).unwrap();
    let distro = Distro {
        id: "debian".into(),
        version_id: "12".into(),
        ..Distro::default()
    };
    let packages = vec![
        pkg(Ecosystem::PyPI, "requests", "2.19.0"),
        pkg(Ecosystem::Debian, "perl-base", "5.36.0-7"),
    ];
    let report = match_packages(&packages, Some(&distro), &db, &MatchConfig::default()).unwrap();
    let by_id = |id: &str| {
        report
            .findings
            .iter()
            .find(|f| f.id == id)
            .unwrap_or_else(|| panic!("{id}: {:?}", report.findings))
    };
    let pysec = by_id("PYSEC-2099-1");
    assert_eq!(pysec.severity, palisade_core::Severity::Critical);
    assert_eq!(pysec.cvss_score, Some(9.8));
    assert!(
        pysec
            .severity_source
            .as_deref()
            .unwrap()
            .starts_with("GHSA-aaaa-bbbb-cccc: CVSS:3.1/"),
        "{pysec:?}"
    );
    let debian = by_id("DEBIAN-CVE-2099-2222");
    assert_eq!(debian.severity, palisade_core::Severity::High);
    assert!(
        debian
            .severity_source
            .as_deref()
            .unwrap()
            .starts_with("GHSA-dddd-eeee-ffff:"),
        "{debian:?}"
    );
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.severity != palisade_core::Severity::Unknown)
    );
}

#[test]
fn issue_14_a_large_scan_reads_the_name_list_and_finds_the_same() {
    // Past a few hundred lookups in one ecosystem the matcher reads the database's list of
    // names once and skips names not on it: the findings must not change.
    let db = db_with(&["pypa-advisory-database-osv.tar.gz"]);
    let known = vec![
        lang(Ecosystem::PyPI, "requests", "2.19.0"),
        lang(Ecosystem::PyPI, "PyYAML", "5.3"),
        lang(Ecosystem::PyPI, "pyyaml", "5.3"),
        lang(Ecosystem::PyPI, "Py_YAML", "5.3"),
    ];
    let small = match_packages(&known, None, &db, &MatchConfig::default()).unwrap();
    let mut large: Vec<Package> = (0..600)
        .map(|i| lang(Ecosystem::PyPI, &format!("no-such-package-{i}"), "1.0"))
        .collect();
    large.extend(known.iter().cloned());
    let big = match_packages(&large, None, &db, &MatchConfig::default()).unwrap();
    assert!(!small.findings.is_empty());
    assert_eq!(rows(&small), rows(&big));
    assert_eq!(big.packages, 604);
}
