//! `palisade sbom` on the real test images, in every form, against independent references:
//! dpkg-query for the package list, the formats' own validators for the documents, and a real
//! registry (Debian's docker-registry) for pulls.
//!
//! Needs the images from `../shared/tools/build-test-images.sh` (in `$PALISADE_IMAGES`, by
//! default /tmp/palisade-images), `dpkg-query`, `skopeo`, `docker-registry`, `htpasswd` and the
//! Python validators set up by `.ci/setup`. Each test says what is missing instead of passing.

mod support;

use std::collections::BTreeSet;
use std::process::Command;

use serde_json::Value;
use support::{images, palisade, palisade_json, require_tool};

/// (name, version, ecosystem, path, layer) of every package in a JSON SBOM.
fn package_set(doc: &Value) -> BTreeSet<(String, String, String, String, String)> {
    doc["packages"]
        .as_array()
        .expect("packages array")
        .iter()
        .map(|p| {
            let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
            (
                s(&p["name"]),
                s(&p["version"]),
                s(&p["ecosystem"]),
                s(&p["locations"][0]["path"]),
                s(&p["locations"][0]["layer"]),
            )
        })
        .collect()
}

#[test]
fn bookworm_minbase_lists_exactly_what_dpkg_query_lists() {
    require_tool("dpkg-query");
    let rootfs = images().join("bookworm-minbase.rootfs");
    let out = Command::new("dpkg-query")
        .arg(format!("--admindir={}/var/lib/dpkg", rootfs.display()))
        .args([
            "-W",
            "-f",
            "${Package}\t${Version}\t${source:Package}\t${source:Version}\n",
        ])
        .output()
        .expect("dpkg-query runs");
    assert!(out.status.success());
    let expected: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(expected.len(), 88, "the minbase image has 88 packages");

    for form in [
        format!("dir:{}", rootfs.display()),
        format!(
            "docker-archive:{}",
            images().join("bookworm-minbase.docker.tar").display()
        ),
        format!("oci:{}", images().join("bookworm-minbase.oci").display()),
    ] {
        let doc = palisade_json(&["sbom", "-f", "json", &form]);
        let got: BTreeSet<String> = doc["packages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["ecosystem"] == "Debian")
            .map(|p| {
                format!(
                    "{}\t{}\t{}\t{}",
                    p["name"].as_str().unwrap(),
                    p["version"].as_str().unwrap(),
                    p["source"]["name"].as_str().unwrap(),
                    p["source"]["version"].as_str().unwrap()
                )
            })
            .collect();
        assert_eq!(got, expected, "{form}");
        assert_eq!(doc["distro"]["id"], "debian");
        assert_eq!(doc["distro"]["version_id"], "12");
    }
}

#[test]
fn every_form_of_an_image_gives_the_same_packages() {
    for name in ["bookworm-minbase", "layered-app"] {
        let dir = images();
        let forms = [
            format!(
                "docker-archive:{}",
                dir.join(format!("{name}.docker.tar")).display()
            ),
            format!(
                "oci-archive:{}",
                dir.join(format!("{name}.oci.tar")).display()
            ),
            format!("oci:{}", dir.join(format!("{name}.oci")).display()),
            format!("oci:{}:latest", dir.join(format!("{name}.oci")).display()),
            // Bare paths are detected.
            dir.join(format!("{name}.docker.tar")).display().to_string(),
            dir.join(format!("{name}.oci")).display().to_string(),
        ];
        let reference = package_set(&palisade_json(&["sbom", "-f", "json", &forms[0]]));
        assert!(
            reference.len() >= 88,
            "{name}: {} packages",
            reference.len()
        );
        for form in &forms[1..] {
            let got = package_set(&palisade_json(&["sbom", "-f", "json", form]));
            assert_eq!(got, reference, "{form} differs from {}", forms[0]);
        }
    }
}

#[test]
fn layered_app_lists_its_lockfiles_from_layer_two() {
    let tar = images().join("layered-app.docker.tar");
    let doc = palisade_json(&["sbom", "-f", "json", &tar.display().to_string()]);
    let layers: Vec<String> = doc["image"]["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["diff_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(layers.len(), 3);
    let mut lang: Vec<(String, String, String, String)> = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["ecosystem"] != "Debian")
        .map(|p| {
            assert_eq!(p["locations"][0]["layer"], layers[1].as_str(), "{p}");
            let s = |k: &str| p[k].as_str().unwrap().to_owned();
            (
                s("ecosystem"),
                s("name"),
                s("version"),
                p["locations"][0]["path"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    lang.sort();
    let expected = [
        ("PyPI", "Django", "2.2.0", "/app/requirements.txt"),
        ("PyPI", "PyYAML", "5.3", "/app/requirements.txt"),
        ("PyPI", "requests", "2.19.0", "/app/requirements.txt"),
        ("crates.io", "libc", "0.2.191", "/app/Cargo.lock"),
        ("crates.io", "smallvec", "0.6.9", "/app/Cargo.lock"),
        ("crates.io", "time", "0.1.43", "/app/Cargo.lock"),
        ("crates.io", "winapi", "0.3.9", "/app/Cargo.lock"),
        (
            "crates.io",
            "winapi-i686-pc-windows-gnu",
            "0.4.0",
            "/app/Cargo.lock",
        ),
        (
            "crates.io",
            "winapi-x86_64-pc-windows-gnu",
            "0.4.0",
            "/app/Cargo.lock",
        ),
        ("npm", "lodash", "4.17.15", "/app/package-lock.json"),
        ("npm", "minimist", "1.2.0", "/app/package-lock.json"),
    ];
    let expected: Vec<(String, String, String, String)> = expected
        .iter()
        .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()))
        .collect();
    assert_eq!(lang, expected);
    // OS packages come from the base layer.
    let dpkg = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "bash")
        .unwrap();
    assert_eq!(dpkg["locations"][0]["layer"], layers[0].as_str());
    assert!(
        dpkg["purl"]
            .as_str()
            .unwrap()
            .starts_with("pkg:deb/debian/bash@")
    );
    assert!(dpkg["purl"].as_str().unwrap().contains("distro=debian-12"));
    // Licences declared in /usr/share/doc/PACKAGE/copyright, Debian's short names as SPDX
    // identifiers (bash's `GPL-3+`).
    let zlib = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "zlib1g")
        .unwrap();
    assert_eq!(zlib["licenses"], serde_json::json!(["Zlib"]));
    assert!(
        dpkg["licenses"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l == "GPL-3.0-or-later")
    );
}

#[test]
fn cyclonedx_and_spdx_documents_validate() {
    let python = support::python_validators();
    let tar = images().join("layered-app.docker.tar");
    let tmp = tempfile::tempdir().unwrap();
    for format in ["cyclonedx", "spdx"] {
        let out = tmp.path().join(format!("sbom.{format}.json"));
        palisade(&[
            "sbom",
            "-f",
            format,
            "-o",
            out.to_str().unwrap(),
            tar.to_str().unwrap(),
        ]);
        let result = Command::new(&python)
            .arg(support::validator_script())
            .arg(format)
            .arg(&out)
            .output()
            .expect("python runs");
        assert!(
            result.status.success(),
            "{format} document does not validate:\n{}{}",
            String::from_utf8_lossy(&result.stdout),
            String::from_utf8_lossy(&result.stderr)
        );
        let doc: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
        let count = match format {
            "cyclonedx" => doc["components"].as_array().unwrap().len(),
            _ => doc["packages"].as_array().unwrap().len(),
        };
        // 99 packages plus the operating system (plus the image itself in SPDX).
        assert!(count >= 100, "{format}: {count}");
    }
}

#[test]
fn piped_stdout_carries_only_the_document() {
    let tar = images().join("bookworm-minbase.docker.tar");
    let out = Command::new(support::binary())
        .args(["sbom", "-f", "cyclonedx", tar.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: Value =
        serde_json::from_slice(&out.stdout).expect("stdout is exactly one JSON document");
    assert_eq!(doc["bomFormat"], "CycloneDX");
}

#[test]
fn pulls_from_a_real_registry_with_basic_auth() {
    let registry = support::Registry::start();
    let tar = images().join("layered-app.docker.tar");
    registry.push(
        &format!("docker-archive:{}", tar.display()),
        "palisade/layered-app:v1",
    );
    let reference = format!("registry:{}/palisade/layered-app:v1", registry.addr);

    // Anonymous access is refused with a clear error.
    let out = Command::new(support::binary())
        .args(["sbom", &reference])
        .env_remove("PALISADE_REGISTRY_USERNAME")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("user name and password"));

    let out = Command::new(support::binary())
        .args([
            "sbom",
            "-f",
            "json",
            "--username",
            support::REGISTRY_USER,
            &reference,
        ])
        .env("PALISADE_REGISTRY_PASSWORD", support::REGISTRY_PASSWORD)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pulled: Value = serde_json::from_slice(&out.stdout).unwrap();
    let local = palisade_json(&["sbom", "-f", "json", tar.to_str().unwrap()]);
    // skopeo compressed the layers on push: the diff ids stay the same.
    assert_eq!(package_set(&pulled), package_set(&local));
    assert_eq!(pulled["image"]["format"], "registry");

    // A wrong password is refused.
    let out = Command::new(support::binary())
        .args(["sbom", "--username", support::REGISTRY_USER, &reference])
        .env("PALISADE_REGISTRY_PASSWORD", "wrong")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));

    // By digest, and an unknown tag.
    let digest = pulled["image"]["manifest_digest"].as_str().unwrap();
    let by_digest = format!("registry:{}/palisade/layered-app@{digest}", registry.addr);
    let out = Command::new(support::binary())
        .args([
            "sbom",
            "-f",
            "json",
            "--username",
            support::REGISTRY_USER,
            &by_digest,
        ])
        .env("PALISADE_REGISTRY_PASSWORD", support::REGISTRY_PASSWORD)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let missing = format!("registry:{}/palisade/layered-app:nope", registry.addr);
    let out = Command::new(support::binary())
        .args(["sbom", "--username", support::REGISTRY_USER, &missing])
        .env("PALISADE_REGISTRY_PASSWORD", support::REGISTRY_PASSWORD)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("404"));
}
