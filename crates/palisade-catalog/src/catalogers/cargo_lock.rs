//! Rust lockfiles: `Cargo.lock` (all versions). Workspace members (no `source`) are the
//! project itself, not dependencies, and are left out.

use palisade_core::{Ecosystem, Package, purl};
use serde::Deserialize;

use crate::{Cataloger, file_name, package};

#[derive(Debug)]
pub struct CargoLock;

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    name: String,
    version: String,
    source: Option<String>,
}

impl Cataloger for CargoLock {
    fn name(&self) -> &'static str {
        "cargo-lock"
    }

    fn wants(&self, path: &str) -> bool {
        file_name(path) == "Cargo.lock"
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, String> {
        let text = std::str::from_utf8(content)
            .map_err(|e| format!("{path} is not valid UTF-8 at byte {}", e.valid_up_to()))?;
        let lock: Lock = toml::from_str(text).map_err(|e| format!("{path}: {e}"))?;
        Ok(lock
            .package
            .into_iter()
            .filter(|e| e.source.is_some())
            .map(|e| {
                package(
                    Ecosystem::Cargo,
                    &e.name,
                    &e.version,
                    purl::build("cargo", None, &e.name, &e.version, &[]),
                )
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_packages_only() {
        let lock = "version = 3\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\n\n\
            [[package]]\nname = \"smallvec\"\nversion = \"0.6.9\"\n\
            source = \"registry+https://github.com/rust-lang/crates.io-index\"\n";
        let pkgs = CargoLock.parse("/app/Cargo.lock", lock.as_bytes()).unwrap();
        assert_eq!(pkgs.len(), 1);
        assert_eq!(pkgs[0].purl, "pkg:cargo/smallvec@0.6.9");
        assert!(
            CargoLock
                .parse("/Cargo.lock", b"[[package]]\nname = 1")
                .is_err()
        );
    }
}
