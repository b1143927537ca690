//! `palisade db import` and `palisade scan` end to end, on the saved bookworm-minbase status.

use std::path::Path;
use std::process::Command;

mod support;

use support::{run as palisade, shared};

/// A root filesystem under `dir` holding only bookworm-minbase's saved dpkg status; its `dir:`
/// reference.
fn bookworm_minbase(dir: &Path) -> String {
    let root = dir.join("rootfs");
    std::fs::create_dir_all(root.join("var/lib/dpkg")).unwrap();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::copy(
        shared().join("vulndata/bookworm-minbase.dpkg-status"),
        root.join("var/lib/dpkg/status"),
    )
    .unwrap();
    std::fs::write(
        root.join("etc/os-release"),
        "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n",
    )
    .unwrap();
    format!("dir:{}", root.display())
}

#[test]
fn import_then_scan_in_every_format() {
    let vulndata = shared().join("vulndata");
    let feed = vulndata.join("debian12-changelog-osv.tar.gz");
    assert!(
        feed.exists(),
        "{} is missing: ../shared must sit beside the repository",
        feed.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite");
    let db = db.to_str().unwrap();
    let out = palisade(&["db", "--db", db, "import", feed.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let image = bookworm_minbase(dir.path());

    let out = palisade(&["scan", "--db", db, "-f", "json", &image]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["schema"], "palisade.scan/v1");
    assert_eq!(report["findings"].as_array().unwrap().len(), 18);
    assert_eq!(
        report["database"]["sources"][0]["name"],
        "debian12-changelog-osv"
    );
    assert!(report["database"]["built_at"].as_i64().unwrap() > 0);

    for format in ["sarif", "cyclonedx"] {
        let out = palisade(&["scan", "--db", db, "-f", format, &image]);
        assert!(out.status.success());
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(v.is_object(), "{format}");
    }
    // The vulnerability report is the SBOM's CycloneDX document plus its vulnerabilities, and
    // passes the CycloneDX 1.5 schema as the SBOM does.
    let out = palisade(&["scan", "--db", db, "-f", "cyclonedx", &image]);
    let report_path = dir.path().join("report.cdx.json");
    std::fs::write(&report_path, &out.stdout).unwrap();
    let checked = Command::new(support::python_validators())
        .arg(support::validator_script())
        .arg("cyclonedx")
        .arg(&report_path)
        .output()
        .unwrap();
    assert!(
        checked.status.success(),
        "{}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let refs: Vec<&serde_json::Value> = v["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["bom-ref"])
        .collect();
    let vulns = v["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulns.len(), 18);
    for vuln in vulns {
        assert!(refs.contains(&&vuln["affects"][0]["ref"]), "{vuln}");
    }
    assert!(
        v["components"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["type"] == "operating-system")
    );
    let out = palisade(&["scan", "--db", db, &image]);
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.contains("perl-base") && table.contains("5.36.0-7+deb12u4"),
        "{table}"
    );

    // Findings are UNKNOWN severity (the feed has none): --fail-on unknown fails, high does not.
    assert_eq!(
        palisade(&["scan", "--db", db, "--fail-on", "unknown", &image])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        palisade(&["scan", "--db", db, "--fail-on", "high", &image])
            .status
            .code(),
        Some(0)
    );
    // Without a database and offline, the scan still lists the packages and says what it could
    // not do.
    let missing = dir.path().join("none").join("db.sqlite");
    let missing = missing.to_str().unwrap();
    let out = palisade(&["scan", "--offline", "--db", missing, "-f", "json", &image]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("palisade db import"));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["packages_scanned"], 88);
    assert!(!Path::new(missing).exists());
    // On first use it tries the feeds (here a closed local port) and names what failed.
    let out = Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(["scan", "--db", missing, &image])
        .env("PALISADE_OSV_MIRROR", "http://127.0.0.1:9")
        .env("PALISADE_DEBIAN_TRACKER", "http://127.0.0.1:9")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("could not fetch the advisory feeds") && stderr.contains("127.0.0.1:9"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("88 packages"));

    let out = palisade(&["db", "--db", db, "status"]);
    let status = String::from_utf8(out.stdout).unwrap();
    assert!(status.contains("Debian:12  18718"), "{status}");
}

#[test]
fn issue_14_fail_on_high_trusts_the_ratings_of_aliases() {
    // The Debian changelog feed rates nothing: every finding is UNKNOWN and `--fail-on high`
    // lets the image through. Once GHSA records that rate the same issues are imported (as
    // `db update` brings from osv.dev), the findings take their ratings and the gate holds.
    let vulndata = shared().join("vulndata");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite");
    let db = db.to_str().unwrap();
    let feed = vulndata.join("debian12-changelog-osv.tar.gz");
    assert!(
        palisade(&["db", "--db", db, "import", feed.to_str().unwrap()])
            .status
            .success()
    );
    let image = bookworm_minbase(dir.path());
    let findings = |db: &str| -> Vec<serde_json::Value> {
        let out = palisade(&["scan", "--db", db, "-f", "json", &image]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["findings"].as_array().unwrap().clone()
    };
    let before = findings(db);
    assert_eq!(before.len(), 18);
    assert!(before.iter().all(|f| f["severity"] == "UNKNOWN"));
    let gate = |db: &str| palisade(&["scan", "--db", db, "--fail-on", "high", &image]);
    assert_eq!(gate(db).status.code(), Some(0));

    // One GHSA record per alias, rated high (7.5): a CVE alias is named by the GHSA record,
    // a GHSA alias is the record itself.
    let ghsa = dir.path().join("ghsa");
    std::fs::create_dir_all(&ghsa).unwrap();
    let mut aliases: Vec<String> = before
        .iter()
        .flat_map(|f| f["aliases"].as_array().unwrap().clone())
        .map(|a| a.as_str().unwrap().to_owned())
        .collect();
    aliases.sort();
    aliases.dedup();
    for (i, alias) in aliases.iter().enumerate() {
        let (id, names) = if alias.starts_with("GHSA-") {
            (alias.clone(), vec![])
        } else {
            (format!("GHSA-test-fixt-{i:04}"), vec![alias.clone()])
        };
        let record = serde_json::json!({
            "id": id,
            "modified": "2026-01-01T00:00:00Z",
            "aliases": names,
            "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}],
            "affected": [],
        });
        std::fs::write(ghsa.join(format!("{id}.json")), record.to_string()).unwrap();
    }
    assert!(
        palisade(&["db", "--db", db, "import", ghsa.to_str().unwrap()])
            .status
            .success()
    );
    let after = findings(db);
    assert_eq!(
        after.len(),
        18,
        "the GHSA records add no findings of their own"
    );
    for f in &after {
        assert_eq!(f["severity"], "HIGH", "{f}");
        assert_eq!(f["cvss_score"], 7.5, "{f}");
        assert!(
            f["severity_source"].as_str().unwrap().starts_with("GHSA-"),
            "the rating names the record it came from: {f}"
        );
    }
    assert_eq!(gate(db).status.code(), Some(1));
    let table = String::from_utf8(gate(db).stdout).unwrap();
    assert!(!table.contains("UNKNOWN"), "{table}");
}
