//! npm lockfiles: `package-lock.json` (lockfile versions 1, 2 and 3) and `npm-shrinkwrap.json`.

use palisade_core::{Ecosystem, Package, purl};
use serde_json::Value;

use crate::{Cataloger, file_name, package};

#[derive(Debug)]
pub struct PackageLock;

/// The package URL of an npm package, splitting a scope into the namespace.
pub fn npm_purl(name: &str, version: &str) -> String {
    match name.split_once('/') {
        Some((scope, rest)) if scope.starts_with('@') => {
            purl::build("npm", Some(scope), rest, version, &[])
        }
        _ => purl::build("npm", None, name, version, &[]),
    }
}

fn licenses(entry: &Value) -> Vec<String> {
    match entry.get("license") {
        Some(Value::String(l)) if !l.is_empty() => vec![l.clone()],
        Some(Value::Object(o)) => o
            .get("type")
            .and_then(Value::as_str)
            .map(|t| vec![t.to_owned()])
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

fn v1_dependencies(deps: &serde_json::Map<String, Value>, out: &mut Vec<Package>, depth: usize) {
    if depth > 64 {
        return;
    }
    for (name, entry) in deps {
        if let Some(version) = entry.get("version").and_then(Value::as_str) {
            // Git, file and link dependencies have a URL for a version.
            if !version.contains(':') {
                let mut p = package(Ecosystem::Npm, name, version, npm_purl(name, version));
                p.licenses = licenses(entry);
                out.push(p);
            }
        }
        if let Some(nested) = entry.get("dependencies").and_then(Value::as_object) {
            v1_dependencies(nested, out, depth + 1);
        }
    }
}

impl Cataloger for PackageLock {
    fn name(&self) -> &'static str {
        "npm-package-lock"
    }

    fn wants(&self, path: &str) -> bool {
        matches!(file_name(path), "package-lock.json" | "npm-shrinkwrap.json")
            && !path.contains("/node_modules/")
    }

    fn max_size(&self) -> u64 {
        64 << 20
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, String> {
        let lock: Value = serde_json::from_slice(content)
            .map_err(|e| format!("{path}:{}:{}: {e}", e.line(), e.column()))?;
        let mut out = Vec::new();
        if let Some(packages) = lock.get("packages").and_then(Value::as_object) {
            for (key, entry) in packages {
                if key.is_empty() || entry.get("link").and_then(Value::as_bool) == Some(true) {
                    continue;
                }
                let name = entry
                    .get("name")
                    .and_then(Value::as_str)
                    .or_else(|| key.rsplit("node_modules/").next());
                let (Some(name), Some(version)) =
                    (name, entry.get("version").and_then(Value::as_str))
                else {
                    continue;
                };
                if name.is_empty() || version.contains(':') {
                    continue;
                }
                let mut p = package(Ecosystem::Npm, name, version, npm_purl(name, version));
                p.licenses = licenses(entry);
                out.push(p);
            }
        } else if let Some(deps) = lock.get("dependencies").and_then(Value::as_object) {
            v1_dependencies(deps, &mut out, 0);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockfile_v3() {
        let lock = r#"{"lockfileVersion":3,"packages":{
            "":{"name":"app","version":"1.0.0"},
            "node_modules/lodash":{"version":"4.17.15","license":"MIT"},
            "node_modules/@babel/core":{"version":"7.0.0"},
            "node_modules/a/node_modules/b":{"version":"2.0.0"},
            "node_modules/local":{"link":true,"resolved":"../local"}}}"#;
        let pkgs = PackageLock
            .parse("/app/package-lock.json", lock.as_bytes())
            .unwrap();
        let mut names: Vec<_> = pkgs.iter().map(|p| p.purl.as_str()).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "pkg:npm/%40babel/core@7.0.0",
                "pkg:npm/b@2.0.0",
                "pkg:npm/lodash@4.17.15",
            ]
        );
        let lodash = pkgs.iter().find(|p| p.name == "lodash").unwrap();
        assert_eq!(lodash.licenses, vec!["MIT"]);
    }

    #[test]
    fn lockfile_v1_nested() {
        let lock = r#"{"lockfileVersion":1,"dependencies":{
            "minimist":{"version":"1.2.0"},
            "mkdirp":{"version":"0.5.1","dependencies":{"minimist":{"version":"0.0.8"}}},
            "gitdep":{"version":"git+https://example/x.git#abc"}}}"#;
        let pkgs = PackageLock
            .parse("/package-lock.json", lock.as_bytes())
            .unwrap();
        assert_eq!(pkgs.len(), 3);
    }

    #[test]
    fn bad_json_names_the_place() {
        let err = PackageLock
            .parse("/app/package-lock.json", b"{\n  \"a\": ")
            .unwrap_err();
        assert!(err.starts_with("/app/package-lock.json:2:"), "{err}");
    }
}
