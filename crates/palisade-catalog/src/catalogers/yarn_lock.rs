//! Yarn lockfiles: `yarn.lock` in both formats, classic (v1: `name@range:` blocks with
//! `version "x"`) and berry (v2+: YAML with `version: x` and `resolution:`). Workspace,
//! link, portal and file entries are the project's own and are left out.

use std::collections::BTreeSet;

use palisade_core::{Ecosystem, Package};

use super::npm_lock::npm_purl;
use crate::{Cataloger, file_name, package};

#[derive(Debug)]
pub struct YarnLock;

/// The package name of a descriptor such as `"@babel/core@npm:^7.0.0"` or `lodash@^4`; for
/// an alias (`string-width-cjs@npm:string-width@^4.2.0`), the name of the real package.
fn descriptor_name(descriptor: &str) -> Option<&str> {
    let descriptor = descriptor.trim().trim_matches('"').trim();
    let at = descriptor.get(1..)?.find('@')? + 1;
    let (name, rest) = (descriptor.get(..at)?, descriptor.get(at + 1..)?);
    if let Some(target) = rest.strip_prefix("npm:") {
        if let Some(at) = target.get(1..).and_then(|t| t.find('@')) {
            return target.get(..at + 1).filter(|n| !n.is_empty());
        }
    }
    Some(name).filter(|n| !n.is_empty())
}

/// Whether a descriptor points at something local rather than a registry package.
fn is_local(descriptor: &str) -> bool {
    ["@workspace:", "@link:", "@portal:", "@file:", "@patch:"]
        .iter()
        .any(|p| descriptor.contains(p))
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
}

impl Cataloger for YarnLock {
    fn name(&self) -> &'static str {
        "yarn-lock"
    }

    fn wants(&self, path: &str) -> bool {
        file_name(path) == "yarn.lock" && !path.contains("/node_modules/")
    }

    fn max_size(&self) -> u64 {
        64 << 20
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, String> {
        let text = std::str::from_utf8(content)
            .map_err(|e| format!("{path} is not valid UTF-8 at byte {}", e.valid_up_to()))?;
        // Each entry: its name (None for skipped entries), the line it began on, its version.
        let mut entries: Vec<(Option<&str>, usize, Option<&str>)> = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            if !line.starts_with(' ') {
                let key = line
                    .trim_end()
                    .strip_suffix(':')
                    .ok_or_else(|| format!("{path}:{number}: expected an entry `name@range:`"))?;
                let first = key.split(',').next().unwrap_or_default();
                let name =
                    if key == "__metadata" || is_local(key) {
                        None
                    } else {
                        Some(descriptor_name(first).ok_or_else(|| {
                            format!("{path}:{number}: no package name in `{first}`")
                        })?)
                    };
                entries.push((name, number, None));
                continue;
            }
            // Only the entry's own fields (two spaces of indent), not its dependency lists.
            let Some(field) = line.strip_prefix("  ").filter(|f| !f.starts_with(' ')) else {
                continue;
            };
            let Some((name, _, version)) = entries.last_mut() else {
                return Err(format!("{path}:{number}: indented line outside an entry"));
            };
            if let Some(v) = field.strip_prefix("version:") {
                *version = Some(unquote(v));
            } else if let Some(v) = field.strip_prefix("version ") {
                *version = Some(unquote(v));
            } else if let Some(r) = field.strip_prefix("resolution:") {
                let resolution = unquote(r);
                if is_local(resolution) {
                    *name = None;
                } else if name.is_some() {
                    // What was installed, whatever the descriptor asked for.
                    *name = descriptor_name(resolution).or(*name);
                }
            }
        }
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for (name, line, version) in entries {
            let Some(name) = name else {
                continue;
            };
            let version = version.ok_or_else(|| format!("{path}:{line}: entry has no version"))?;
            if version.contains("-use.local") || version.contains(':') {
                continue;
            }
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
        YarnLock
            .parse("/app/yarn.lock", &text)
            .unwrap()
            .into_iter()
            .map(|p| p.purl)
            .collect()
    }

    #[test]
    fn classic_v1() {
        assert_eq!(
            purls("yarn-v1.lock"),
            [
                "pkg:npm/%40babel/code-frame@7.12.13",
                "pkg:npm/js-tokens@4.0.0",
                "pkg:npm/lodash@4.17.21",
                "pkg:npm/lodash@3.10.1",
                "pkg:npm/string-width@4.2.3",
            ]
        );
    }

    #[test]
    fn berry() {
        assert_eq!(
            purls("yarn-berry.lock"),
            [
                "pkg:npm/%40babel/code-frame@7.12.13",
                "pkg:npm/js-tokens@4.0.0",
                "pkg:npm/lodash@4.17.21",
                "pkg:npm/string-width@4.2.3",
            ]
        );
    }

    #[test]
    fn aliases_name_the_real_package() {
        assert_eq!(descriptor_name("\"@a/b@npm:^1\""), Some("@a/b"));
        assert_eq!(
            descriptor_name("x-cjs@npm:@scope/x@^4.2.0"),
            Some("@scope/x")
        );
        assert_eq!(descriptor_name("lodash@^4"), Some("lodash"));
        assert_eq!(descriptor_name("@a"), None);
    }

    #[test]
    fn hostile_input_is_a_clear_error() {
        let c = YarnLock;
        let err = c
            .parse("/yarn.lock", b"lodash@^4:\n  resolved \"x\"\n")
            .unwrap_err();
        assert_eq!(err, "/yarn.lock:1: entry has no version");
        let err = c.parse("/yarn.lock", b"garbage line\n").unwrap_err();
        assert!(err.starts_with("/yarn.lock:1: expected an entry"), "{err}");
        let err = c.parse("/yarn.lock", b"@:\n  version \"1\"\n").unwrap_err();
        assert!(err.contains("no package name"), "{err}");
        assert!(c.parse("/yarn.lock", b"a@1:\n  version \"\xff\"").is_err());
        assert!(
            c.parse("/yarn.lock", b"# yarn lockfile v1\n")
                .unwrap()
                .is_empty()
        );
    }
}
