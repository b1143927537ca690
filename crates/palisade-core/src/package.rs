//! Packages found inside an image, and where they were found.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::digest::Digest;

/// The packaging world a package belongs to; it decides how versions compare and which
/// advisories apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Ecosystem {
    /// dpkg packages (Debian, Ubuntu and derivatives).
    Debian,
    /// apk packages (Alpine, Wolfi).
    Alpine,
    /// rpm packages (Red Hat, Fedora, SUSE, Amazon Linux …).
    Rpm,
    PyPI,
    #[serde(rename = "npm")]
    Npm,
    #[serde(rename = "crates.io")]
    Cargo,
    Go,
    Maven,
}

impl Ecosystem {
    /// The ecosystem's name as OSV spells it.
    pub fn osv_name(self) -> &'static str {
        match self {
            Ecosystem::Debian => "Debian",
            Ecosystem::Alpine => "Alpine",
            Ecosystem::Rpm => "Red Hat",
            Ecosystem::PyPI => "PyPI",
            Ecosystem::Npm => "npm",
            Ecosystem::Cargo => "crates.io",
            Ecosystem::Go => "Go",
            Ecosystem::Maven => "Maven",
        }
    }

    /// Whether packages of this ecosystem are installed by the operating system's package
    /// manager.
    pub fn is_os(self) -> bool {
        matches!(self, Ecosystem::Debian | Ecosystem::Alpine | Ecosystem::Rpm)
    }

    /// The package URL type.
    pub fn purl_type(self) -> &'static str {
        match self {
            Ecosystem::Debian => "deb",
            Ecosystem::Alpine => "apk",
            Ecosystem::Rpm => "rpm",
            Ecosystem::PyPI => "pypi",
            Ecosystem::Npm => "npm",
            Ecosystem::Cargo => "cargo",
            Ecosystem::Go => "golang",
            Ecosystem::Maven => "maven",
        }
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.osv_name())
    }
}

/// Where a package's evidence was read: a path inside the image and the layer that put it
/// there.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Location {
    /// Absolute path inside the image's root filesystem.
    pub path: String,
    /// The diff id of the layer the file came from (`None` for a plain directory).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<Digest>,
}

/// The source package a binary package was built from (dpkg `Source:`, rpm `SOURCERPM`,
/// apk `o:`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SourcePackage {
    pub name: String,
    pub version: String,
}

/// One package found in an image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    pub name: String,
    pub version: String,
    pub ecosystem: Ecosystem,
    /// The package URL (`pkg:deb/debian/bash@5.2.15-2+b7?arch=amd64&distro=debian-12`).
    pub purl: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourcePackage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// Licences as declared by the package (SPDX expressions where the package used them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<String>,
    /// The file the cataloger read, first; more when several files name the same package.
    pub locations: Vec<Location>,
    /// Which cataloger found it (`dpkg`, `python-requirements`, …).
    pub found_by: String,
}

impl Package {
    /// The layer that brought the package in: the layer of its first location.
    pub fn layer(&self) -> Option<&Digest> {
        self.locations.first().and_then(|l| l.layer.as_ref())
    }
}

/// The operating system an image is built on, from `/etc/os-release`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Distro {
    /// `ID`, e.g. `debian`, `alpine`, `rhel`.
    pub id: String,
    /// `VERSION_ID`, e.g. `12`, `3.19.1`.
    #[serde(default)]
    pub version_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codename: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pretty_name: Option<String>,
}

impl Distro {
    /// The `distro` qualifier of a package URL: `debian-12`, `alpine-3.19`.
    pub fn purl_qualifier(&self) -> String {
        if self.version_id.is_empty() {
            self.id.clone()
        } else {
            format!("{}-{}", self.id, self.version_id)
        }
    }

    /// The OSV ecosystem of this release's packages: `Debian:12`, `Alpine:v3.19`.
    pub fn osv_ecosystem(&self) -> Option<String> {
        match self.id.as_str() {
            "debian" => {
                let major = self.version_id.split('.').next().unwrap_or_default();
                (!major.is_empty()).then(|| format!("Debian:{major}"))
            }
            "ubuntu" => Some(format!("Ubuntu:{}", self.version_id)),
            "alpine" => {
                let mut parts = self.version_id.split('.');
                match (parts.next(), parts.next()) {
                    (Some(a), Some(b)) => Some(format!("Alpine:v{a}.{b}")),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distro_ecosystems() {
        let d = Distro {
            id: "debian".into(),
            version_id: "12".into(),
            ..Distro::default()
        };
        assert_eq!(d.osv_ecosystem().as_deref(), Some("Debian:12"));
        assert_eq!(d.purl_qualifier(), "debian-12");
        let a = Distro {
            id: "alpine".into(),
            version_id: "3.19.1".into(),
            ..Distro::default()
        };
        assert_eq!(a.osv_ecosystem().as_deref(), Some("Alpine:v3.19"));
    }

    #[test]
    fn ecosystem_serializes_like_osv() {
        assert_eq!(
            serde_json::to_string(&Ecosystem::Cargo).unwrap(),
            "\"crates.io\""
        );
        assert_eq!(serde_json::to_string(&Ecosystem::PyPI).unwrap(), "\"PyPI\"");
    }
}
