//! Poetry lockfiles: `poetry.lock`, one `[[package]]` table per locked distribution.
//! Packages from a local directory or file are the project's own and are left out.

use palisade_core::{Ecosystem, Package, purl};
use serde::Deserialize;

use super::python_requirements::normalize;
use crate::{Cataloger, file_name, package};

#[derive(Debug)]
pub struct PoetryLock;

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    name: String,
    version: String,
    #[serde(default)]
    source: Option<Source>,
}

#[derive(Deserialize)]
struct Source {
    #[serde(default, rename = "type")]
    kind: String,
}

impl Cataloger for PoetryLock {
    fn name(&self) -> &'static str {
        "python-poetry-lock"
    }

    fn wants(&self, path: &str) -> bool {
        file_name(path) == "poetry.lock"
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, String> {
        let text = std::str::from_utf8(content)
            .map_err(|e| format!("{path} is not valid UTF-8 at byte {}", e.valid_up_to()))?;
        let lock: Lock = toml::from_str(text).map_err(|e| format!("{path}: {e}"))?;
        Ok(lock
            .package
            .into_iter()
            .filter(|e| {
                !e.version.is_empty()
                    && !matches!(
                        e.source.as_ref().map(|s| s.kind.as_str()),
                        Some("directory" | "file")
                    )
            })
            .map(|e| {
                let purl = purl::build("pypi", None, &normalize(&e.name), &e.version, &[]);
                package(Ecosystem::PyPI, &e.name, &e.version, purl)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locked_packages() {
        let lock = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/python/poetry.lock"
        ))
        .unwrap();
        let pkgs = PoetryLock.parse("/app/poetry.lock", &lock).unwrap();
        let purls: Vec<_> = pkgs.iter().map(|p| p.purl.as_str()).collect();
        assert_eq!(
            purls,
            [
                "pkg:pypi/certifi@2023.7.22",
                "pkg:pypi/charset-normalizer@3.2.0",
                "pkg:pypi/mylib@0.3.0",
                "pkg:pypi/requests@2.31.0",
            ]
        );
        assert_eq!(pkgs[1].name, "charset-normalizer");
    }

    #[test]
    fn hostile_input_is_a_clear_error() {
        let c = PoetryLock;
        let err = c
            .parse("/poetry.lock", b"[[package]]\nname = \"a\"\n")
            .unwrap_err();
        assert!(
            err.starts_with("/poetry.lock: ") && err.contains("version"),
            "{err}"
        );
        let err = c.parse("/poetry.lock", b"[[package]\x00\xff").unwrap_err();
        assert!(err.contains("not valid UTF-8 at byte 11"), "{err}");
        assert!(c.parse("/poetry.lock", b"[[package]]\nname = ").is_err());
        assert!(c.parse("/poetry.lock", b"").unwrap().is_empty());
    }
}
