//! apk's database: `/lib/apk/db/installed` (Alpine, Wolfi).

use palisade_core::{Ecosystem, Package, SourcePackage, purl};

use crate::{Cataloger, package};

#[derive(Debug)]
pub struct Apk;

impl Cataloger for Apk {
    fn name(&self) -> &'static str {
        "apk"
    }

    fn wants(&self, path: &str) -> bool {
        path == "/lib/apk/db/installed"
    }

    fn max_size(&self) -> u64 {
        64 << 20
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, String> {
        let text = std::str::from_utf8(content)
            .map_err(|e| format!("{path} is not valid UTF-8 at byte {}", e.valid_up_to()))?;
        let mut packages = Vec::new();
        // Records are blocks of `X:value` lines separated by blank lines.
        for block in text.split("\n\n") {
            let mut name = None;
            let mut version = None;
            let mut arch = None;
            let mut origin = None;
            let mut license = None;
            for line in block.lines() {
                let Some((key, value)) = line.split_once(':') else {
                    continue;
                };
                match key {
                    "P" => name = Some(value),
                    "V" => version = Some(value),
                    "A" => arch = Some(value),
                    "o" => origin = Some(value),
                    "L" => license = Some(value),
                    _ => {}
                }
            }
            let (Some(name), Some(version)) = (name, version) else {
                continue;
            };
            let mut pkg = package(
                Ecosystem::Alpine,
                name,
                version,
                purl::build("apk", None, name, version, &[]),
            );
            pkg.arch = arch.map(str::to_owned);
            pkg.source = Some(SourcePackage {
                name: origin.unwrap_or(name).to_owned(),
                version: version.to_owned(),
            });
            pkg.licenses = license
                .filter(|l| !l.is_empty())
                .map(|l| vec![l.to_owned()])
                .unwrap_or_default();
            packages.push(pkg);
        }
        Ok(packages)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_installed_db() {
        let db = "C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\nL:MIT\no:musl\n\n\
                  P:busybox-binsh\nV:1.36.1-r5\nA:x86_64\nL:GPL-2.0-only\no:busybox\n\n";
        let pkgs = Apk.parse("/lib/apk/db/installed", db.as_bytes()).unwrap();
        assert_eq!(pkgs.len(), 2);
        assert_eq!(pkgs[1].source.as_ref().unwrap().name, "busybox");
        assert_eq!(pkgs[1].licenses, vec!["GPL-2.0-only"]);
    }
}
