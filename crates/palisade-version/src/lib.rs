//! Version semantics of the packaging worlds palisade scans.
//!
//! Each scheme lives in its own module and follows its reference implementation exactly:
//! [`dpkg`] (Debian's `verrevcmp`), [`apk`] (apk-tools), [`rpm`] (`rpmvercmp`), [`semver`]
//! (SemVer 2.0, with [`npm`] ranges as node-semver reads them and [`cargo`] requirements as the
//! `semver` crate reads them), [`pep440`] (PyPI, with specifier sets), [`golang`] (Go module
//! versions) and [`maven`] (Maven's version order).
//!
//! The vulnerability matcher parses a package's version once with [`Scheme::parse`] and compares
//! the resulting [`Version`] against many range events, so comparing two parsed versions never
//! allocates.
//!
//! ```
//! use palisade_version::{compare, Scheme};
//! use std::cmp::Ordering;
//!
//! assert_eq!(compare(Scheme::Dpkg, "1.0~rc1-1", "1.0-1").unwrap(), Ordering::Less);
//! let scheme = Scheme::for_osv("Debian:12").unwrap();
//! let installed = scheme.parse("2.36.1-8+deb12u1").unwrap();
//! assert!(installed < scheme.parse("2.36.1-8+deb12u2").unwrap());
//! assert!(palisade_version::npm::Range::parse(">=1.2.3 <2", Default::default())
//!     .unwrap()
//!     .satisfies("1.9.0"));
//! ```
//!
//! This crate does no I/O and never panics on input: every parser returns a [`VersionError`]
//! naming the scheme and the offending string.

use std::cmp::Ordering;
use std::fmt;

use palisade_core::Ecosystem;

pub mod apk;
pub mod cargo;
pub mod dpkg;
pub mod golang;
pub mod maven;
pub mod npm;
pub mod pep440;
pub mod rpm;
pub mod semver;

mod num;

/// The longest version string any parser accepts; longer input is an error, which bounds the
/// memory a hostile string can make a parser use.
pub const MAX_VERSION_LEN: usize = 1024;

/// A version scheme: how one packaging world spells and orders its versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scheme {
    /// Debian's dpkg: `[epoch:]upstream[-revision]`.
    Dpkg,
    /// Alpine's apk-tools: `1.2.3_rc1-r0`.
    Apk,
    /// RPM: `[epoch:]version[-release]` compared with `rpmvercmp`.
    Rpm,
    /// Semantic Versioning 2.0 (npm, crates.io, and OSV `SEMVER` ranges).
    Semver,
    /// Python's PEP 440.
    Pep440,
    /// Go module versions (`v1.2.3`, pseudo-versions, `+incompatible`).
    Go,
    /// Maven's version order (`ComparableVersion`).
    Maven,
}

impl Scheme {
    pub const ALL: [Scheme; 7] = [
        Scheme::Dpkg,
        Scheme::Apk,
        Scheme::Rpm,
        Scheme::Semver,
        Scheme::Pep440,
        Scheme::Go,
        Scheme::Maven,
    ];

    /// The scheme packages of an ecosystem use.
    pub fn for_ecosystem(e: Ecosystem) -> Scheme {
        match e {
            Ecosystem::Debian => Scheme::Dpkg,
            Ecosystem::Alpine => Scheme::Apk,
            Ecosystem::Rpm => Scheme::Rpm,
            Ecosystem::PyPI => Scheme::Pep440,
            Ecosystem::Npm | Ecosystem::Cargo => Scheme::Semver,
            Ecosystem::Go => Scheme::Go,
            Ecosystem::Maven => Scheme::Maven,
        }
    }

    /// The scheme of an OSV ecosystem name: `Debian`, `Debian:12`, `Alpine:v3.19`, `PyPI`,
    /// `npm`, `crates.io`, `Go`, `Maven`, `Red Hat`, `Ubuntu:22.04`, … `None` for ecosystems
    /// whose versions this crate does not order.
    pub fn for_osv(ecosystem: &str) -> Option<Scheme> {
        let base = ecosystem.split(':').next().unwrap_or_default().trim();
        Some(match base {
            "Debian" | "Ubuntu" => Scheme::Dpkg,
            "Alpine" | "Wolfi" | "Chainguard" | "Alpaquita" | "BellSoft Hardened Containers" => {
                Scheme::Apk
            }
            "Red Hat" | "Rocky Linux" | "AlmaLinux" | "SUSE" | "openSUSE" | "Mageia"
            | "openEuler" | "Azure Linux" | "Photon OS" => Scheme::Rpm,
            "PyPI" => Scheme::Pep440,
            "npm" | "crates.io" => Scheme::Semver,
            "Go" => Scheme::Go,
            "Maven" => Scheme::Maven,
            _ => return None,
        })
    }

    /// The scheme's name, as used in error messages.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Dpkg => "dpkg",
            Scheme::Apk => "apk",
            Scheme::Rpm => "rpm",
            Scheme::Semver => "semver",
            Scheme::Pep440 => "pep440",
            Scheme::Go => "go",
            Scheme::Maven => "maven",
        }
    }

    /// Parses a version of this scheme.
    pub fn parse(self, s: &str) -> Result<Version, VersionError> {
        Ok(match self {
            Scheme::Dpkg => Version::Dpkg(dpkg::DpkgVersion::parse(s)?),
            Scheme::Apk => Version::Apk(apk::ApkVersion::parse(s)?),
            Scheme::Rpm => Version::Rpm(rpm::RpmVersion::parse(s)?),
            Scheme::Semver => Version::Semver(semver::SemVersion::parse(s)?),
            Scheme::Pep440 => Version::Pep440(pep440::Pep440Version::parse(s)?),
            Scheme::Go => Version::Go(golang::GoVersion::parse(s)?),
            Scheme::Maven => Version::Maven(maven::MavenVersion::parse(s)?),
        })
    }
}

impl Scheme {
    /// Parses an OSV range's `introduced` event. OSV's `"0"` means "since the first version",
    /// which is not the version `0` of every scheme (`0~svn95-1` sorts below dpkg's `0`,
    /// `v0.0.0-20190927203648-9ce6eca90e73` below Go's `v0.0.0`), so it is `None`: no lower
    /// bound.
    pub fn parse_introduced(self, s: &str) -> Result<Option<Version>, VersionError> {
        if s.trim() == "0" {
            Ok(None)
        } else {
            self.parse(s).map(Some)
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A version string that its scheme rejects.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {scheme} version {input:?}: {reason}")]
pub struct VersionError {
    pub scheme: Scheme,
    /// The offending string (cut to 200 characters).
    pub input: String,
    pub reason: &'static str,
}

impl VersionError {
    pub(crate) fn new(scheme: Scheme, input: &str, reason: &'static str) -> VersionError {
        let input = match input.char_indices().nth(200) {
            Some((cut, _)) => format!("{}…", &input[..cut]),
            None => input.to_owned(),
        };
        VersionError {
            scheme,
            input,
            reason,
        }
    }
}

/// Rejects input longer than [`MAX_VERSION_LEN`].
pub(crate) fn check_len(scheme: Scheme, s: &str) -> Result<(), VersionError> {
    if s.len() > MAX_VERSION_LEN {
        Err(VersionError::new(scheme, s, "longer than 1024 bytes"))
    } else {
        Ok(())
    }
}

/// A parsed version. Ordering is only meaningful between versions of the same scheme; versions
/// of different schemes order by scheme.
#[derive(Debug, Clone)]
pub enum Version {
    Dpkg(dpkg::DpkgVersion),
    Apk(apk::ApkVersion),
    Rpm(rpm::RpmVersion),
    Semver(semver::SemVersion),
    Pep440(pep440::Pep440Version),
    Go(golang::GoVersion),
    Maven(maven::MavenVersion),
}

impl Version {
    /// The scheme this version was parsed with.
    pub fn scheme(&self) -> Scheme {
        match self {
            Version::Dpkg(_) => Scheme::Dpkg,
            Version::Apk(_) => Scheme::Apk,
            Version::Rpm(_) => Scheme::Rpm,
            Version::Semver(_) => Scheme::Semver,
            Version::Pep440(_) => Scheme::Pep440,
            Version::Go(_) => Scheme::Go,
            Version::Maven(_) => Scheme::Maven,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Version::Dpkg(v) => v.fmt(f),
            Version::Apk(v) => v.fmt(f),
            Version::Rpm(v) => v.fmt(f),
            Version::Semver(v) => v.fmt(f),
            Version::Pep440(v) => v.fmt(f),
            Version::Go(v) => v.fmt(f),
            Version::Maven(v) => v.fmt(f),
        }
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Version::Dpkg(a), Version::Dpkg(b)) => a.cmp(b),
            (Version::Apk(a), Version::Apk(b)) => a.cmp(b),
            (Version::Rpm(a), Version::Rpm(b)) => a.cmp(b),
            (Version::Semver(a), Version::Semver(b)) => a.cmp(b),
            (Version::Pep440(a), Version::Pep440(b)) => a.cmp(b),
            (Version::Go(a), Version::Go(b)) => a.cmp(b),
            (Version::Maven(a), Version::Maven(b)) => a.cmp(b),
            _ => self.scheme().cmp(&other.scheme()),
        }
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

/// Compares two version strings of one scheme.
pub fn compare(scheme: Scheme, a: &str, b: &str) -> Result<Ordering, VersionError> {
    match scheme {
        Scheme::Dpkg => dpkg::compare(a, b),
        _ => Ok(scheme.parse(a)?.cmp(&scheme.parse(b)?)),
    }
}

/// Implements `PartialEq`, `Eq` and `PartialOrd` from a type's `Ord`.
macro_rules! ord_via_cmp {
    ($t:ty) => {
        impl PartialEq for $t {
            fn eq(&self, other: &Self) -> bool {
                self.cmp(other) == std::cmp::Ordering::Equal
            }
        }
        impl Eq for $t {}
        impl PartialOrd for $t {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }
    };
}
pub(crate) use ord_via_cmp;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osv_ecosystems() {
        assert_eq!(Scheme::for_osv("Debian:12"), Some(Scheme::Dpkg));
        assert_eq!(Scheme::for_osv("Ubuntu:22.04:LTS"), Some(Scheme::Dpkg));
        assert_eq!(Scheme::for_osv("Alpine:v3.19"), Some(Scheme::Apk));
        assert_eq!(
            Scheme::for_osv("Red Hat:enterprise_linux:9"),
            Some(Scheme::Rpm)
        );
        assert_eq!(Scheme::for_osv("crates.io"), Some(Scheme::Semver));
        assert_eq!(Scheme::for_osv("PyPI"), Some(Scheme::Pep440));
        assert_eq!(Scheme::for_osv("RubyGems"), None);
        for e in [
            Ecosystem::Debian,
            Ecosystem::Alpine,
            Ecosystem::Rpm,
            Ecosystem::PyPI,
            Ecosystem::Npm,
            Ecosystem::Cargo,
            Ecosystem::Go,
            Ecosystem::Maven,
        ] {
            assert_eq!(
                Scheme::for_osv(e.osv_name()),
                Some(Scheme::for_ecosystem(e))
            );
        }
    }

    #[test]
    fn error_names_scheme_and_input() {
        let err = Scheme::Dpkg.parse("1.0 beta").unwrap_err();
        assert_eq!(err.scheme, Scheme::Dpkg);
        assert!(
            err.to_string()
                .starts_with("invalid dpkg version \"1.0 beta\""),
            "{err}"
        );
    }

    #[test]
    fn osv_zero_is_no_lower_bound() {
        assert_eq!(Scheme::Dpkg.parse_introduced("0").unwrap(), None);
        let fixed = Scheme::Dpkg.parse("0~svn95-1+deb8u1").unwrap();
        assert!(Scheme::Dpkg.parse("0").unwrap() > fixed);
        assert!(Scheme::Go.parse_introduced("1.2.0").unwrap().is_some());
        assert!(Scheme::Go.parse_introduced("not a version").is_err());
    }

    #[test]
    fn mixed_schemes_order_by_scheme() {
        let a = Scheme::Dpkg.parse("9").unwrap();
        let b = Scheme::Rpm.parse("1").unwrap();
        assert!(a < b);
    }
}
