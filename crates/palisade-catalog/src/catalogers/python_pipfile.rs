//! Pipenv lockfiles: `Pipfile.lock`, JSON with the `default` and `develop` groups, each
//! mapping a project name to its pinned `==` version. Git, path and editable entries carry
//! no version and are left out.

use palisade_core::{Ecosystem, Package, purl};
use serde_json::Value;

use super::python_requirements::normalize;
use crate::{Cataloger, file_name, package};

#[derive(Debug)]
pub struct PipfileLock;

impl Cataloger for PipfileLock {
    fn name(&self) -> &'static str {
        "python-pipfile-lock"
    }

    fn wants(&self, path: &str) -> bool {
        file_name(path) == "Pipfile.lock"
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, String> {
        let lock: Value = serde_json::from_slice(content)
            .map_err(|e| format!("{path}:{}:{}: {e}", e.line(), e.column()))?;
        if !lock.is_object() {
            return Err(format!(
                "{path}: not a Pipfile.lock: expected a JSON object"
            ));
        }
        let mut out = Vec::new();
        for group in ["default", "develop"] {
            let Some(entries) = lock.get(group).and_then(Value::as_object) else {
                continue;
            };
            for (name, entry) in entries {
                let Some(version) = entry.get("version").and_then(Value::as_str) else {
                    continue;
                };
                let version = version
                    .trim()
                    .trim_start_matches("===")
                    .trim_start_matches("==");
                if name.is_empty() || version.is_empty() || version.contains('*') {
                    continue;
                }
                let purl = purl::build("pypi", None, &normalize(name), version, &[]);
                out.push(package(Ecosystem::PyPI, name, version, purl));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_and_develop_groups() {
        let lock = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/python/Pipfile.lock"
        ))
        .unwrap();
        let pkgs = PipfileLock.parse("/app/Pipfile.lock", &lock).unwrap();
        let purls: Vec<_> = pkgs.iter().map(|p| p.purl.as_str()).collect();
        assert_eq!(
            purls,
            [
                "pkg:pypi/idna@3.4",
                "pkg:pypi/requests@2.31.0",
                "pkg:pypi/pytest@7.4.0",
            ]
        );
    }

    #[test]
    fn hostile_input_is_a_clear_error() {
        let c = PipfileLock;
        let err = c.parse("/Pipfile.lock", b"{\"default\": {").unwrap_err();
        assert!(err.starts_with("/Pipfile.lock:1:"), "{err}");
        assert!(c.parse("/Pipfile.lock", b"\xff\xfe").is_err());
        assert!(
            c.parse("/Pipfile.lock", b"[1,2]")
                .unwrap_err()
                .contains("JSON object")
        );
        let odd = br#"{"default": {"a": {"version": 3}, "b": [], "": {"version": "==1"}}}"#;
        assert!(c.parse("/Pipfile.lock", odd).unwrap().is_empty());
    }
}
