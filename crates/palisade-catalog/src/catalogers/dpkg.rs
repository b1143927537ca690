//! dpkg's database: `/var/lib/dpkg/status`, and `/var/lib/dpkg/status.d/*` as distroless
//! images write it (one paragraph per file).

use palisade_core::{Ecosystem, Package, SourcePackage, purl};

use super::{field, paragraphs};
use crate::{Cataloger, package};

#[derive(Debug)]
pub struct Dpkg;

impl Cataloger for Dpkg {
    fn name(&self) -> &'static str {
        "dpkg"
    }

    fn wants(&self, path: &str) -> bool {
        path == "/var/lib/dpkg/status"
            || path
                .strip_prefix("/var/lib/dpkg/status.d/")
                .is_some_and(|name| !name.contains('/') && !name.ends_with(".md5sums"))
    }

    fn max_size(&self) -> u64 {
        64 << 20
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, String> {
        let text = std::str::from_utf8(content)
            .map_err(|e| format!("{path} is not valid UTF-8 at byte {}", e.valid_up_to()))?;
        let distroless = path != "/var/lib/dpkg/status";
        let mut packages = Vec::new();
        for p in paragraphs(text) {
            let (Some(name), Some(version)) = (field(&p, "Package"), field(&p, "Version")) else {
                continue;
            };
            // status.d entries carry no Status field: they are installed by construction.
            let installed = field(&p, "Status").map_or(distroless, |s| {
                s.split_whitespace().last() == Some("installed")
            });
            if !installed {
                continue;
            }
            let arch = field(&p, "Architecture").map(str::to_owned);
            let source = field(&p, "Source").map(|s| match s.split_once('(') {
                Some((name, version)) => SourcePackage {
                    name: name.trim().to_owned(),
                    version: version.trim_end_matches(')').trim().to_owned(),
                },
                None => SourcePackage {
                    name: s.trim().to_owned(),
                    version: version.to_owned(),
                },
            });
            let mut pkg = package(
                Ecosystem::Debian,
                name,
                version,
                purl::build("deb", None, name, version, &[]),
            );
            pkg.arch = arch;
            pkg.source = Some(source.unwrap_or_else(|| SourcePackage {
                name: name.to_owned(),
                version: version.to_owned(),
            }));
            packages.push(pkg);
            if packages.len() > crate::MAX_PACKAGES {
                return Err(format!(
                    "{path} holds more than {} packages: not read",
                    crate::MAX_PACKAGES
                ));
            }
        }
        Ok(packages)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_installed_packages_with_sources() {
        let status = "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\n\
            Source: glibc\nVersion: 2.36-9+deb12u13\nDescription: GNU C Library\n multi-line\n\n\
            Package: liblzma5\nStatus: install ok installed\nArchitecture: amd64\n\
            Source: xz-utils (5.4.1-1+deb12u1)\nVersion: 5.4.1-1+deb12u1\n\n\
            Package: gone\nStatus: deinstall ok config-files\nVersion: 1.0\n";
        let pkgs = Dpkg
            .parse("/var/lib/dpkg/status", status.as_bytes())
            .unwrap();
        assert_eq!(pkgs.len(), 2);
        assert_eq!(pkgs[0].source.as_ref().unwrap().name, "glibc");
        assert_eq!(pkgs[0].source.as_ref().unwrap().version, "2.36-9+deb12u13");
        assert_eq!(pkgs[1].source.as_ref().unwrap().version, "5.4.1-1+deb12u1");
        assert_eq!(pkgs[0].arch.as_deref(), Some("amd64"));
    }

    #[test]
    fn distroless_status_d() {
        assert!(Dpkg.wants("/var/lib/dpkg/status.d/base"));
        assert!(!Dpkg.wants("/var/lib/dpkg/status.d/base.md5sums"));
        let pkgs = Dpkg
            .parse(
                "/var/lib/dpkg/status.d/tzdata",
                b"Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n",
            )
            .unwrap();
        assert_eq!(pkgs.len(), 1);
    }

    #[test]
    fn rejects_binary_garbage() {
        assert!(Dpkg.parse("/var/lib/dpkg/status", b"\xff\xfe").is_err());
    }
}
