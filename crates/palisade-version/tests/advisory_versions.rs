//! Every version in the shared advisory sets parses with the scheme of its OSV ecosystem, and
//! each affected range's events are in order: a range's `introduced` sorts below its `fixed`
//! (OSV's `introduced: "0"` is no lower bound, see `Scheme::parse_introduced`).
//! Reads the OSV tarballs in `../shared/vulndata` (`PALISADE_SHARED` overrides `../shared`).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;

use palisade_version::Scheme;
use serde_json::Value;

fn shared_dir() -> PathBuf {
    std::env::var_os("PALISADE_SHARED").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")),
        PathBuf::from,
    )
}

fn records(tarball: &str, mut f: impl FnMut(&str, Value)) {
    let path = shared_dir().join("vulndata").join(tarball);
    let file = std::fs::File::open(&path).unwrap_or_else(|e| {
        panic!(
            "opening {}: {e} (the shared test data must sit beside the repository as ../shared, \
             or set PALISADE_SHARED)",
            path.display()
        )
    });
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    for entry in archive.entries().expect("reading the tarball") {
        let mut entry = entry.expect("a tar entry");
        let name = entry.path().expect("a path").display().to_string();
        if !name.ends_with(".json") {
            continue;
        }
        let mut text = String::new();
        entry.read_to_string(&mut text).expect("reading a record");
        let doc = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        f(&name, doc);
    }
}

#[derive(Default)]
struct Count {
    versions: usize,
    ranges: usize,
    failures: Vec<String>,
}

fn check(tarball: &str) -> BTreeMap<String, Count> {
    let mut counts: BTreeMap<String, Count> = BTreeMap::new();
    records(tarball, |name, doc| {
        for affected in doc["affected"].as_array().into_iter().flatten() {
            let eco = affected["package"]["ecosystem"]
                .as_str()
                .unwrap_or_default();
            let Some(scheme) = Scheme::for_osv(eco) else {
                continue;
            };
            let c = counts.entry(scheme.to_string()).or_default();
            let parse = |v: &str, c: &mut Count| {
                c.versions += 1;
                match scheme.parse(v) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        c.failures.push(format!("{name}: {e}"));
                        None
                    }
                }
            };
            for v in affected["versions"].as_array().into_iter().flatten() {
                parse(v.as_str().unwrap_or_default(), c);
            }
            for range in affected["ranges"].as_array().into_iter().flatten() {
                if range["type"] == "GIT" {
                    continue;
                }
                c.ranges += 1;
                let mut introduced = None;
                for event in range["events"].as_array().into_iter().flatten() {
                    let Some((kind, v)) = event.as_object().and_then(|o| o.iter().next()) else {
                        continue;
                    };
                    let v = v.as_str().unwrap_or_default();
                    if kind == "limit" && v == "*" {
                        continue;
                    }
                    if kind == "introduced" && v == "0" {
                        c.versions += 1;
                        introduced = None;
                        continue;
                    }
                    let parsed = parse(v, c);
                    match kind.as_str() {
                        "introduced" => introduced = parsed,
                        "fixed" => {
                            if let (Some(i), Some(f)) = (&introduced, &parsed) {
                                if i >= f {
                                    c.failures
                                        .push(format!("{name}: introduced {i} >= fixed {f}"));
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    });
    counts
}

fn report(tarball: &str) {
    let counts = check(tarball);
    assert!(
        !counts.is_empty(),
        "{tarball}: no records with a known ecosystem"
    );
    for (scheme, c) in &counts {
        println!(
            "{tarball}: {scheme}: {} versions in {} ranges, {} problems",
            c.versions,
            c.ranges,
            c.failures.len()
        );
        assert!(
            c.failures.is_empty(),
            "{tarball}: {scheme}:\n{}",
            c.failures
                .iter()
                .take(20)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

#[test]
fn pypa() {
    report("pypa-advisory-database-osv.tar.gz");
}

#[test]
fn golang() {
    report("golang-vulndb-osv.tar.gz");
}

#[test]
fn debian_changelogs() {
    report("debian12-changelog-osv.tar.gz");
}

#[test]
fn debian_dsa_dla() {
    report("debian-dsa-dla-2023-osv.tar.gz");
}

/// The text files of a tarball whose names end with `suffix`.
fn text_files(tarball: &str, suffix: &str, mut f: impl FnMut(&str, &str)) {
    let path = shared_dir().join("vulndata").join(tarball);
    let file = std::fs::File::open(&path)
        .unwrap_or_else(|e| panic!("opening {}: {e} (see the module docs)", path.display()));
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    for entry in archive.entries().expect("reading the tarball") {
        let mut entry = entry.expect("a tar entry");
        let name = entry.path().expect("a path").display().to_string();
        if name.ends_with(suffix) {
            let mut text = String::new();
            entry.read_to_string(&mut text).expect("reading a file");
            f(&name, &text);
        }
    }
}

/// npm ranges of the Node.js security WG advisories (`vulnerable_versions`,
/// `patched_versions`) parse as node-semver ranges.
#[test]
fn npm_advisory_ranges() {
    let (mut n, mut failures) = (0, Vec::new());
    text_files("nodejs-security-wg-vuln.tar.gz", ".json", |name, text| {
        let doc: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        for key in ["vulnerable_versions", "patched_versions"] {
            if let Some(r) = doc[key].as_str() {
                n += 1;
                if let Err(e) = palisade_version::npm::Range::parse(r, Default::default()) {
                    failures.push(format!("{name}: {key}: {e}"));
                }
            }
        }
    });
    println!(
        "nodejs-security-wg: {n} ranges, {} rejected",
        failures.len()
    );
    assert!(n > 400, "only {n} ranges found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// RustSec's `[versions]` requirements (`patched`, `unaffected`) parse as Cargo requirements.
#[test]
fn rustsec_requirements() {
    let (mut n, mut failures) = (0, Vec::new());
    text_files("rustsec-advisory-db.tar.gz", ".md", |name, text| {
        let Some(start) = text.find("\n[versions]") else {
            return;
        };
        let section = &text[start + 11..];
        let section = &section[..section
            .find("\n[")
            .or(section.find("```"))
            .unwrap_or(section.len())];
        for key in ["patched", "unaffected"] {
            let Some(at) = section.find(&format!("{key} = [")) else {
                continue;
            };
            let list = &section[at..];
            let list = &list[..list.find(']').unwrap_or(list.len())];
            for req in list.split('"').skip(1).step_by(2) {
                n += 1;
                if let Err(e) = palisade_version::cargo::VersionReq::parse(req) {
                    failures.push(format!("{name}: {key}: {e}"));
                }
            }
        }
    });
    println!("rustsec: {n} requirements, {} rejected", failures.len());
    assert!(n > 1000, "only {n} requirements found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Fixed versions of Alpine's secdb (`secfixes:` keys) all parse. 24 of them break apk's
/// grammar (`4.8.0.-r1`, `6.6.2p1-r0`, `2.7.16-33`, `0.8.21.r2`, …): they are kept, flagged
/// invalid, and ordered the way OSV orders them.
#[test]
fn alpine_secdb_versions() {
    let (mut n, mut invalid, mut failures) = (0, Vec::new(), Vec::new());
    text_files("alpine-secdb-2020.tar.gz", ".yaml", |name, text| {
        for line in text.lines() {
            let t = line.trim();
            let Some(key) = t.strip_suffix(':') else {
                continue;
            };
            let key = key.trim_matches(|c| c == '"' || c == '\'');
            if !line.starts_with("        ") || !key.starts_with(|c: char| c.is_ascii_digit()) {
                continue;
            }
            n += 1;
            match Scheme::Apk.parse(key) {
                Ok(palisade_version::Version::Apk(v)) if v.is_valid() => {}
                Ok(_) => invalid.push(format!("{name}: {key}")),
                Err(e) => failures.push(format!("{name}: {e}")),
            }
        }
    });
    println!(
        "alpine-secdb: {n} fixed versions, {} outside apk's grammar",
        invalid.len()
    );
    assert!(n > 4000, "only {n} versions found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(invalid.len(), 24, "{}", invalid.join("\n"));
    let p = |s: &str| Scheme::Apk.parse(s).expect("parses");
    assert!(p("4.8.0.-r1") > p("4.7.0-r0"));
    assert!(p("4.8.0.-r1") < p("4.8.1-r0"));
}
