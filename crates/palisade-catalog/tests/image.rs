//! Catalogs a `docker save` archive built here, layer by layer, holding one file of each kind
//! palisade reads, and checks every package is found in the layer that brought it in.

use std::io::Read;
use std::path::Path;

use palisade_catalog::{Options, catalog};
use palisade_core::ImageRef;
use sha2::{Digest, Sha256};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(Path::new(FIXTURES).join(path)).unwrap()
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// A Go executable reduced to what the catalog reads: an ELF header without section or
/// program headers, then the build info blob cut from Debian's `dataurl` (Go 1.19.8).
fn go_executable() -> Vec<u8> {
    let mut elf = vec![0u8; 64];
    elf[..7].copy_from_slice(b"\x7fELF\x02\x01\x01");
    elf.extend_from_slice(&fixture("go/dataurl-go1.19.buildinfo"));
    elf
}

/// A layer tar: the files' parent directories, then the files.
fn layer(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    let mut dirs = std::collections::BTreeSet::new();
    for (path, _) in files {
        let mut parent = Path::new(path).parent();
        while let Some(dir) = parent.filter(|d| !d.as_os_str().is_empty()) {
            dirs.insert(format!("{}/", dir.display()));
            parent = dir.parent();
        }
    }
    for dir in dirs {
        let mut header = tar::Header::new_gnu();
        header.set_size(0);
        header.set_mode(0o755);
        header.set_entry_type(tar::EntryType::Directory);
        tar.append_data(&mut header, dir, std::io::empty()).unwrap();
    }
    for (path, data) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o755);
        header.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut header, path, data.as_slice()).unwrap();
    }
    tar.into_inner().unwrap()
}

fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{:x}", Sha256::digest(bytes))
}

#[test]
fn every_cataloger_in_its_layer() {
    let layers = [
        layer(&[
            ("etc/os-release", b"ID=fedora\nVERSION_ID=40\n".to_vec()),
            (
                "var/lib/rpm/rpmdb.sqlite",
                gunzip(&fixture("rpm/rpmdb.sqlite.gz")),
            ),
            (
                "usr/lib/python3.12/site-packages/PyYAML-6.0.dist-info/METADATA",
                fixture("python/PyYAML.METADATA"),
            ),
            ("app/poetry.lock", fixture("python/poetry.lock")),
            ("app/Pipfile.lock", fixture("python/Pipfile.lock")),
        ]),
        layer(&[
            (
                "app/node_modules/@babel/core/package.json",
                fixture("npm/node_modules/@babel/core/package.json"),
            ),
            ("app/yarn.lock", fixture("npm/yarn-v1.lock")),
            ("app/pnpm-lock.yaml", fixture("npm/pnpm-lock-v9.yaml")),
            ("usr/local/bin/dataurl", go_executable()),
            ("usr/local/bin/tiny-audited", fixture("rust/tiny-audited")),
            ("usr/local/bin/run", b"#!/bin/sh\nexec app\n".to_vec()),
            (
                "opt/app/lib/plexus.jar",
                fixture("java/plexus-component-annotations-2.1.1.jar"),
            ),
        ]),
        // Deletes the Pipfile.lock of the first layer.
        layer(&[("app/.wh.Pipfile.lock", Vec::new())]),
    ];
    let diff_ids: Vec<String> = layers.iter().map(|l| sha256(l)).collect();

    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        r#"{{"architecture":"amd64","os":"linux","rootfs":{{"type":"layers","diff_ids":{}}}}}"#,
        serde_json::to_string(&diff_ids).unwrap()
    );
    let config_name = format!("{}.json", &sha256(config.as_bytes())[7..]);
    let layer_names: Vec<String> = (0..layers.len())
        .map(|i| format!("{i}/layer.tar"))
        .collect();
    let manifest = serde_json::json!([{
        "Config": config_name,
        "RepoTags": ["example/app:1"],
        "Layers": layer_names,
    }]);
    let mut archive = tar::Builder::new(Vec::new());
    let mut add = |name: &str, data: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        archive.append_data(&mut header, name, data).unwrap();
    };
    add("manifest.json", manifest.to_string().as_bytes());
    add(&config_name, config.as_bytes());
    for (name, data) in layer_names.iter().zip(&layers) {
        add(name, data);
    }
    let path = dir.path().join("image.tar");
    std::fs::write(&path, archive.into_inner().unwrap()).unwrap();

    let image = palisade_image::open(&ImageRef::DockerArchive(path), &Default::default()).unwrap();
    let result = catalog(&image, &Options::default(), &palisade_image::NoProgress).unwrap();
    assert_eq!(result.diagnostics, []);
    assert_eq!(
        result.distro.as_ref().map(|d| d.id.as_str()),
        Some("fedora")
    );

    let mut got: Vec<(String, String, String, usize)> = result
        .packages
        .iter()
        .map(|p| {
            let layer = p.layer().map(ToString::to_string).unwrap_or_default();
            let index = diff_ids.iter().position(|d| *d == layer).unwrap();
            (p.found_by.clone(), p.name.clone(), p.version.clone(), index)
        })
        .collect();
    got.sort();
    let expected = [
        ("go-binary", "stdlib", "1.19.8", 1),
        (
            "java-archive",
            "org.codehaus.plexus:plexus-component-annotations",
            "2.1.1",
            1,
        ),
        ("npm-installed", "@babel/core", "7.22.9", 1),
        ("pnpm-lock", "@babel/code-frame", "7.18.6", 1),
        ("pnpm-lock", "js-tokens", "4.0.0", 1),
        ("pnpm-lock", "react", "17.0.2", 1),
        ("pnpm-lock", "react-dom", "17.0.2", 1),
        ("python-installed", "PyYAML", "6.0", 0),
        ("python-poetry-lock", "certifi", "2023.7.22", 0),
        ("python-poetry-lock", "charset-normalizer", "3.2.0", 0),
        ("python-poetry-lock", "mylib", "0.3.0", 0),
        ("python-poetry-lock", "requests", "2.31.0", 0),
        ("rpm-db", "palisade-hello", "2:1.2.3-4.fc40", 0),
        ("rpm-db", "world-lib", "0.9-1", 0),
        ("rust-auditable-binary", "cfg-if", "1.0.0", 1),
        ("rust-auditable-binary", "itoa", "1.0.9", 1),
        ("yarn-lock", "@babel/code-frame", "7.12.13", 1),
        ("yarn-lock", "js-tokens", "4.0.0", 1),
        ("yarn-lock", "lodash", "3.10.1", 1),
        ("yarn-lock", "lodash", "4.17.21", 1),
        ("yarn-lock", "string-width", "4.2.3", 1),
    ];
    let mut expected: Vec<(String, String, String, usize)> = expected
        .iter()
        .map(|(c, n, v, l)| (c.to_string(), n.to_string(), v.to_string(), *l))
        .collect();
    expected.sort();
    assert_eq!(got, expected);

    // OS packages get the distro in their package URL once os-release is known.
    let hello = result
        .packages
        .iter()
        .find(|p| p.name == "palisade-hello")
        .unwrap();
    assert!(
        hello.purl.starts_with("pkg:rpm/fedora/palisade-hello@"),
        "{}",
        hello.purl
    );
}
