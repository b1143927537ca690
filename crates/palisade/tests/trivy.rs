//! palisade lists exactly the packages Trivy lists in its CycloneDX SBOMs: the OS packages of the
//! test images, and the Go modules of a real Go executable (Trivy's own). Needs Trivy from
//! `../shared/tools/install-peers.sh` (run by `.ci/setup`).

mod support;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;
use support::{images, palisade_json};

fn trivy() -> PathBuf {
    let peers = std::env::var_os("PALISADE_PEERS")
        .map_or_else(|| PathBuf::from("/tmp/palisade-peers"), PathBuf::from);
    let trivy = peers.join("bin/trivy");
    assert!(
        trivy.is_file(),
        "{} missing: run ../shared/tools/install-peers.sh (or .ci/setup)",
        trivy.display()
    );
    trivy
}

/// (name, version) of the `pkg:deb` components of a CycloneDX document.
fn deb_components(doc: &Value) -> BTreeSet<(String, String)> {
    doc["components"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| {
            c["purl"]
                .as_str()
                .is_some_and(|p| p.starts_with("pkg:deb/"))
        })
        .map(|c| {
            (
                c["name"].as_str().unwrap_or_default().to_owned(),
                c["version"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn os_packages_match_trivy() {
    let trivy = trivy();
    let tmp = tempfile::tempdir().unwrap();
    for name in ["bookworm-minbase", "layered-app"] {
        let tar = images().join(format!("{name}.docker.tar"));
        let out = tmp.path().join(format!("{name}.trivy.json"));
        let status = Command::new(&trivy)
            .args(["image", "-q", "--input"])
            .arg(&tar)
            .args(["--format", "cyclonedx", "-o"])
            .arg(&out)
            .args([
                "--cache-backend",
                "memory",
                "--skip-db-update",
                "--skip-java-db-update",
            ])
            .env("TRIVY_SKIP_VERSION_CHECK", "true")
            .env("TRIVY_DISABLE_TELEMETRY", "true")
            .status()
            .expect("trivy runs");
        assert!(status.success(), "trivy failed on {name}");
        let theirs =
            deb_components(&serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap());
        let ours = deb_components(&palisade_json(&[
            "sbom",
            "-f",
            "cyclonedx",
            tar.to_str().unwrap(),
        ]));
        assert_eq!(
            theirs.len(),
            88,
            "{name}: trivy lists the image's 88 packages"
        );
        assert_eq!(ours, theirs, "{name}: palisade and Trivy disagree");
    }
}

/// (lower-cased module path, version) of the `pkg:golang` components of a CycloneDX document.
/// Trivy writes the Go standard library's version as `v1.x.y`; palisade as the Go vulnerability
/// database does, `1.x.y`.
fn go_components(doc: &Value) -> BTreeSet<(String, String)> {
    doc["components"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| {
            c["purl"]
                .as_str()
                .is_some_and(|p| p.starts_with("pkg:golang/"))
        })
        .map(|c| {
            let name = c["name"].as_str().unwrap_or_default().to_lowercase();
            let version = c["version"].as_str().unwrap_or_default();
            let version = if name == "stdlib" {
                version.trim_start_matches('v')
            } else {
                version
            };
            (name, version.to_owned())
        })
        .collect()
}

/// A real Go executable with hundreds of modules: the Trivy binary itself. palisade reads the
/// same modules from its build info as Trivy does.
#[test]
fn go_modules_match_trivy() {
    let trivy = trivy();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    std::fs::create_dir(&root).unwrap();
    let binary = root.join("trivy");
    if std::fs::hard_link(&trivy, &binary).is_err() {
        std::fs::copy(&trivy, &binary).expect("copying the Trivy binary");
    }
    let out = tmp.path().join("trivy.cdx.json");
    let status = Command::new(&trivy)
        .args(["rootfs", "-q", "--format", "cyclonedx", "-o"])
        .arg(&out)
        .args([
            "--cache-backend",
            "memory",
            "--skip-db-update",
            "--skip-java-db-update",
        ])
        .arg(&root)
        .env("TRIVY_SKIP_VERSION_CHECK", "true")
        .env("TRIVY_DISABLE_TELEMETRY", "true")
        .status()
        .expect("trivy runs");
    assert!(status.success(), "trivy failed");
    let theirs = go_components(&serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap());
    let ours = go_components(&palisade_json(&[
        "sbom",
        "-f",
        "cyclonedx",
        &format!("dir:{}", root.display()),
    ]));
    assert!(
        theirs.len() > 100,
        "Trivy found only {} Go modules in its own binary",
        theirs.len()
    );
    assert_eq!(
        ours, theirs,
        "palisade and Trivy disagree on the Go modules"
    );
}
