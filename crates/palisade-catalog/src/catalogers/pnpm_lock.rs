//! pnpm lockfiles: `pnpm-lock.yaml`, the keys of its `packages:` map in every lockfile
//! format: v5 (`/name/1.0.0`, peers after `_`), v6 (`/name@1.0.0`, peers in parentheses)
//! and v9 (`name@1.0.0`). Read line by line: only the two-space-indented keys matter.

use std::collections::BTreeSet;

use palisade_core::{Ecosystem, Package};

use super::npm_lock::npm_purl;
use crate::{Cataloger, file_name, package};

#[derive(Debug)]
pub struct PnpmLock;

/// Splits a `packages:` key into name and version; `None` for keys that are not registry
/// packages (tarballs, git, local directories).
fn split_key(key: &str, slash_format: bool) -> Option<(&str, &str)> {
    let key = key.trim_start_matches('/');
    // Peer dependency suffixes: `(react@17.0.2)` from v6 on.
    let key = key.split('(').next().unwrap_or(key);
    let (name, version) = if slash_format {
        let (name, version) = key.rsplit_once('/')?;
        // v5 peer suffix: `17.0.2_react@17.0.2`.
        (name, version.split('_').next().unwrap_or(version))
    } else {
        let at = key.get(1..)?.rfind('@')? + 1;
        (key.get(..at)?, key.get(at + 1..)?)
    };
    let registry_version =
        version.starts_with(|c: char| c.is_ascii_digit()) && !version.contains([':', '/', '#']);
    let valid_name = !name.is_empty() && !name.contains(':') && name.matches('/').count() <= 1;
    (registry_version && valid_name).then_some((name, version))
}

impl Cataloger for PnpmLock {
    fn name(&self) -> &'static str {
        "pnpm-lock"
    }

    fn wants(&self, path: &str) -> bool {
        file_name(path) == "pnpm-lock.yaml" && !path.contains("/node_modules/")
    }

    fn max_size(&self) -> u64 {
        64 << 20
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, String> {
        let text = std::str::from_utf8(content)
            .map_err(|e| format!("{path} is not valid UTF-8 at byte {}", e.valid_up_to()))?;
        let mut lockfile_version: Option<f64> = None;
        let mut in_packages = false;
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            if !line.starts_with(' ') {
                in_packages = line.trim_end() == "packages:";
                if let Some(v) = line.strip_prefix("lockfileVersion:") {
                    let v = v.trim().trim_matches(['\'', '"']);
                    lockfile_version = Some(v.parse().map_err(|_| {
                        format!("{path}:{number}: lockfileVersion `{v}` is not a number")
                    })?);
                }
                continue;
            }
            if !in_packages {
                continue;
            }
            let Some(key) = line.strip_prefix("  ").filter(|k| !k.starts_with(' ')) else {
                continue;
            };
            let key = key
                .trim_end()
                .strip_suffix(':')
                .ok_or_else(|| format!("{path}:{number}: expected a package key ending in `:`"))?;
            let key = key.trim_matches(['\'', '"']);
            let version = lockfile_version
                .ok_or_else(|| format!("{path}:{number}: packages before lockfileVersion"))?;
            let Some((name, version)) = split_key(key, version < 6.0) else {
                continue;
            };
            if seen.insert((name, version)) {
                out.push(package(
                    Ecosystem::Npm,
                    name,
                    version,
                    npm_purl(name, version),
                ));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn purls(file: &str) -> Vec<String> {
        let path = format!("{}/tests/fixtures/npm/{file}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read(&path).unwrap();
        PnpmLock
            .parse("/app/pnpm-lock.yaml", &text)
            .unwrap()
            .into_iter()
            .map(|p| p.purl)
            .collect()
    }

    const EXPECTED: [&str; 4] = [
        "pkg:npm/%40babel/code-frame@7.18.6",
        "pkg:npm/js-tokens@4.0.0",
        "pkg:npm/react-dom@17.0.2",
        "pkg:npm/react@17.0.2",
    ];

    #[test]
    fn lockfile_v5() {
        assert_eq!(purls("pnpm-lock-v5.yaml"), EXPECTED);
    }

    #[test]
    fn lockfile_v6() {
        assert_eq!(purls("pnpm-lock-v6.yaml"), EXPECTED);
    }

    #[test]
    fn lockfile_v9() {
        assert_eq!(purls("pnpm-lock-v9.yaml"), EXPECTED);
    }

    #[test]
    fn hostile_input_is_a_clear_error() {
        let c = PnpmLock;
        let err = c
            .parse("/pnpm-lock.yaml", b"packages:\n  /a/1.0.0:\n")
            .unwrap_err();
        assert_eq!(err, "/pnpm-lock.yaml:2: packages before lockfileVersion");
        let err = c
            .parse("/pnpm-lock.yaml", b"lockfileVersion: x\n")
            .unwrap_err();
        assert!(err.contains("is not a number"), "{err}");
        let err = c
            .parse(
                "/pnpm-lock.yaml",
                b"lockfileVersion: 5.4\npackages:\n  /a/1.0.0\n",
            )
            .unwrap_err();
        assert!(
            err.starts_with("/pnpm-lock.yaml:3: expected a package key"),
            "{err}"
        );
        assert!(c.parse("/pnpm-lock.yaml", b"\xc3\x28").is_err());
        let odd = b"lockfileVersion: '9.0'\npackages:\n  '@':\n  a@:\n  '@@':\n  x@file:y:\n";
        assert!(c.parse("/pnpm-lock.yaml", odd).unwrap().is_empty());
    }
}
