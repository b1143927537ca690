//! Installed npm packages: the `package.json` of each package directly inside a
//! `node_modules` directory (`node_modules/name/package.json`,
//! `node_modules/@scope/name/package.json`). Other `package.json` files are projects, not
//! installed packages, and are left out.

use palisade_core::{Ecosystem, Package};
use serde_json::Value;

use super::npm_lock::npm_purl;
use crate::{Cataloger, package};

#[derive(Debug)]
pub struct NpmInstalled;

/// The declared licences: `license` (an SPDX expression, or the legacy `{type}` object),
/// or the legacy `licenses` array of `{type}` objects or strings.
fn licenses(manifest: &Value) -> Vec<String> {
    fn one(value: &Value) -> Option<String> {
        match value {
            Value::String(s) => Some(s.trim().to_owned()),
            Value::Object(o) => o
                .get("type")
                .and_then(Value::as_str)
                .map(|s| s.trim().to_owned()),
            _ => None,
        }
        .filter(|s| !s.is_empty())
    }
    if let Some(license) = manifest.get("license").and_then(one) {
        return vec![license];
    }
    match manifest.get("licenses") {
        Some(Value::Array(items)) => items.iter().filter_map(one).collect(),
        Some(other) => one(other).into_iter().collect(),
        None => Vec::new(),
    }
}

impl Cataloger for NpmInstalled {
    fn name(&self) -> &'static str {
        "npm-installed"
    }

    fn wants(&self, path: &str) -> bool {
        let Some(dir) = path.strip_suffix("/package.json") else {
            return false;
        };
        let Some((_, package_dir)) = dir.rsplit_once("/node_modules/") else {
            return false;
        };
        match package_dir.split_once('/') {
            None => !package_dir.is_empty() && !package_dir.starts_with(['.', '@']),
            Some((scope, name)) => {
                scope.starts_with('@') && !name.is_empty() && !name.contains('/')
            }
        }
    }

    fn max_size(&self) -> u64 {
        4 << 20
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, String> {
        let manifest: Value = serde_json::from_slice(content)
            .map_err(|e| format!("{path}:{}:{}: {e}", e.line(), e.column()))?;
        if !manifest.is_object() {
            return Err(format!(
                "{path}: not a package manifest: expected a JSON object"
            ));
        }
        let name = manifest
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| format!("{path}: no \"name\""))?;
        let version = manifest
            .get("version")
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("{path}: no \"version\""))?;
        let mut p = package(Ecosystem::Npm, name, version, npm_purl(name, version));
        p.licenses = licenses(&manifest);
        Ok(vec![p])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Package {
        let mut pkgs = NpmInstalled
            .parse("/app/node_modules/x/package.json", json.as_bytes())
            .unwrap();
        assert_eq!(pkgs.len(), 1);
        pkgs.remove(0)
    }

    #[test]
    fn wants_installed_manifests_only() {
        let c = NpmInstalled;
        assert!(c.wants("/app/node_modules/lodash/package.json"));
        assert!(c.wants("/usr/lib/node_modules/npm/node_modules/@npmcli/arborist/package.json"));
        assert!(c.wants("/app/node_modules/a/node_modules/b/package.json"));
        assert!(!c.wants("/app/package.json"));
        assert!(!c.wants("/app/node_modules/lodash/test/fixture/package.json"));
        assert!(!c.wants("/app/node_modules/@scope/package.json"));
        assert!(!c.wants("/app/node_modules/.bin/package.json"));
        assert!(!c.wants("/app/node_modules/lodash/package.json.bak"));
    }

    #[test]
    fn manifest_with_scope_and_license() {
        let json = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/npm/node_modules/@babel/core/package.json"
        ))
        .unwrap();
        let p = parse(&json);
        assert_eq!(p.purl, "pkg:npm/%40babel/core@7.22.9");
        assert_eq!(p.licenses, ["MIT"]);
    }

    #[test]
    fn legacy_licence_forms() {
        let p = parse(r#"{"name":"a","version":"1.0.0","license":{"type":"ISC","url":"x"}}"#);
        assert_eq!(p.licenses, ["ISC"]);
        let p = parse(
            r#"{"name":"b","version":"2.0.0","licenses":[{"type":"MIT"},{"type":"Apache-2.0"}]}"#,
        );
        assert_eq!(p.licenses, ["MIT", "Apache-2.0"]);
        let p = parse(r#"{"name":"c","version":"3.0.0","licenses":"BSD"}"#);
        assert_eq!(p.licenses, ["BSD"]);
        assert_eq!(p.purl, "pkg:npm/c@3.0.0");
    }

    #[test]
    fn hostile_input_is_a_clear_error() {
        let c = NpmInstalled;
        let path = "/node_modules/x/package.json";
        assert!(
            c.parse(path, b"{\"name\": \"x\",")
                .unwrap_err()
                .starts_with(path)
        );
        assert!(c.parse(path, b"\xff\xff").is_err());
        assert!(c.parse(path, b"\"x\"").unwrap_err().contains("JSON object"));
        assert!(
            c.parse(path, b"{\"name\":\"x\"}")
                .unwrap_err()
                .contains("no \"version\"")
        );
        assert!(
            c.parse(path, b"{\"name\":7,\"version\":\"1\"}")
                .unwrap_err()
                .contains("no \"name\"")
        );
        // Deep nesting is refused by the JSON parser's recursion limit, not a stack overflow.
        let deep = "[".repeat(100_000);
        assert!(c.parse(path, deep.as_bytes()).is_err());
    }
}
