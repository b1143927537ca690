//! Imports of the real feeds in `../shared/vulndata` and of hostile archives.

use std::io::Write;
use std::path::{Path, PathBuf};

use palisade_vulndb::import::{Limits, import_path, source_name};
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

fn import(db: &mut Db, path: &Path) -> palisade_vulndb::import::ImportSummary {
    import_path(db, path, &source_name(path), Limits::default()).unwrap()
}

#[test]
fn imports_each_real_feed_format() {
    let mut db = Db::in_memory().unwrap();
    let rustsec = import(&mut db, &vulndata("rustsec-advisory-db.tar.gz"));
    assert_eq!(rustsec.kind(), "rustsec");
    assert!(rustsec.inserted > 1000, "{rustsec:?}");
    assert!(rustsec.diagnostics.is_empty(), "{:?}", rustsec.diagnostics);
    let npm = import(&mut db, &vulndata("nodejs-security-wg-vuln.tar.gz"));
    assert_eq!(npm.kind(), "npm-legacy");
    assert!(npm.inserted > 400, "{npm:?}");
    let alpine = import(&mut db, &vulndata("alpine-secdb-2020.tar.gz"));
    assert_eq!(alpine.kind(), "alpine-secdb");
    assert!(alpine.inserted > 1000, "{alpine:?}");
    assert!(alpine.diagnostics.is_empty(), "{:?}", alpine.diagnostics);
    let dsa = import(&mut db, &vulndata("debian-dsa-dla-2023-osv.tar.gz"));
    assert_eq!(dsa.kind(), "osv");
    assert_eq!(dsa.inserted, 2788 + 3064);

    let smallvec = db.candidates("crates.io", "smallvec").unwrap();
    assert!(
        smallvec
            .iter()
            .any(|c| c.advisory_id == "RUSTSEC-2019-0009")
    );
    let lodash = db.candidates("npm", "lodash").unwrap();
    assert!(!lodash.is_empty());
    assert!(!db.candidates("Alpine:v3.10", "ansible").unwrap().is_empty());

    // Re-importing changes nothing.
    let again = import(&mut db, &vulndata("rustsec-advisory-db.tar.gz"));
    assert_eq!((again.inserted, again.updated), (0, 0));
    assert_eq!(again.unchanged, rustsec.inserted);

    let info = db.info().unwrap();
    assert_eq!(info.sources.len(), 4);
    assert!(info.ecosystems["crates.io"] > 1000);
    assert!(info.built_at > 0);
}

#[test]
fn imports_the_debian_tracker_fixture() {
    let mut db = Db::in_memory().unwrap();
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/debian-tracker.json"
    ));
    let s = import(&mut db, path);
    assert_eq!(s.kind(), "debian-tracker");
    assert_eq!(s.inserted, 4, "{s:?}");
    let apt = db.candidates("Debian:12", "apt").unwrap();
    assert_eq!(apt.len(), 1);
    assert_eq!(apt[0].affected.fixed_versions(), vec!["2.6.2".to_owned()]);
    // trixie was never affected (fixed_version 0), sid has no OSV ecosystem.
    assert!(db.candidates("Debian:13", "apt").unwrap().is_empty());
    let zlib = db.candidates("Debian:12", "zlib").unwrap();
    assert_eq!(zlib.len(), 2);
    assert!(zlib.iter().all(|c| c.affected.fixed_versions().is_empty()));
    let perl = db.advisory("DEBIAN-CVE-2023-47038").unwrap().unwrap();
    assert_eq!(perl.aliases, vec!["CVE-2023-47038".to_owned()]);
}

/// Writes a `.tar.gz` with raw names (the `tar` crate refuses `..` when building).
fn hostile_tarball(dir: &Path) -> PathBuf {
    let path = dir.join("hostile.tar.gz");
    let file = std::fs::File::create(&path).unwrap();
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    let mut add = |name: &str, data: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        let bytes = header.as_old_mut().name.as_mut();
        bytes.fill(0);
        bytes[..name.len()].copy_from_slice(name.as_bytes());
        header.set_cksum();
        tar.append(&header, data).unwrap();
    };
    add(
        "../../escape.json",
        br#"{"id":"X-1","modified":"2024","affected":[]}"#,
    );
    add("osv/bad.json", b"{ not json");
    add("osv/wrong.json", br#"{"id":"X-2","affected":"nope"}"#);
    add("osv/big.json", &vec![b' '; 4096]);
    add(
        "osv/good.json",
        br#"{"id":"X-3","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"a"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1"}]}]}]}"#,
    );
    add(
        "crates/x/RUSTSEC-0000-0000.md",
        b"```toml\n[advisory]\nid = \n```\n",
    );
    add(
        "v3.1/main.yaml",
        b"distroversion: v3.1\npackages: [\nsecfixes",
    );
    tar.into_inner().unwrap().finish().unwrap().flush().unwrap();
    path
}

#[test]
fn hostile_archives_give_diagnostics_and_the_import_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = hostile_tarball(dir.path());
    let mut db = Db::in_memory().unwrap();
    let limits = Limits {
        max_entry_bytes: 1024,
        ..Limits::default()
    };
    let s = import_path(&mut db, &path, "hostile", limits).unwrap();
    assert_eq!(s.inserted, 1, "{s:#?}");
    let messages: Vec<String> = s
        .diagnostics
        .iter()
        .map(|d| format!("{} {}", d.location.rsplit('!').next().unwrap(), d.message))
        .collect();
    insta::assert_debug_snapshot!(messages);

    let total = Limits {
        max_total_bytes: 100,
        ..Limits::default()
    };
    let err = import_path(&mut db, &path, "hostile2", total).unwrap_err();
    assert!(err.to_string().contains("more than 100 bytes"), "{err}");
    assert!(
        db.info()
            .unwrap()
            .sources
            .iter()
            .all(|s| s.name != "hostile2")
    );
}

#[test]
fn issue_14_a_record_with_a_huge_array_is_refused_before_it_is_built() {
    // A few kilobytes of zip become a JSON array of millions of values: refused with a
    // diagnostic naming the file, and the rest of the archive is imported.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("feed.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("GHSA-huge.json", options).unwrap();
    let mut huge =
        br#"{"id": "GHSA-huge", "modified": "2024-01-01T00:00:00Z", "aliases": ["#.to_vec();
    for _ in 0..3_000_000 {
        huge.extend_from_slice(b"0,");
    }
    huge.extend_from_slice(b"0]}");
    Write::write_all(&mut zip, &huge).unwrap();
    zip.start_file("GHSA-fine.json", options).unwrap();
    Write::write_all(
        &mut zip,
        br#"{"id": "GHSA-fine", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "PyPI", "name": "x"}, "versions": ["1.0"]}]}"#,
    )
    .unwrap();
    zip.finish().unwrap();
    let mut db = Db::in_memory().unwrap();
    let summary = import_path(&mut db, &path, "feed", Limits::default()).unwrap();
    let diag = summary
        .diagnostics
        .iter()
        .find(|d| d.location.contains("GHSA-huge.json"))
        .expect("a diagnostic for the huge record");
    assert!(diag.message.contains("members"), "{}", diag.message);
    assert!(db.advisory("GHSA-fine").unwrap().is_some());
    assert!(db.advisory("GHSA-huge").unwrap().is_none());
}
