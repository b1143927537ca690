//! Cargo version requirements (`VersionReq`), read and matched by the `semver` crate — the
//! one Cargo itself uses — the way RustSec advisories write them: `>= 0.6.10, < 0.7`, `^1.2`,
//! `~0.3`, `=1.0.0`, `1.*`, `*`. A bare version is a caret requirement. A pre-release version
//! only matches when some comparator names a pre-release of the same `major.minor.patch`.

use std::fmt;

use crate::{Scheme, VersionError, check_len};

/// A comma-separated list of comparators, all of which must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionReq {
    inner: semver::VersionReq,
}

impl VersionReq {
    pub fn parse(s: &str) -> Result<VersionReq, VersionError> {
        check_len(Scheme::Semver, s)?;
        if s.trim().is_empty() {
            return Err(VersionError::new(
                Scheme::Semver,
                s,
                "empty version requirement",
            ));
        }
        semver::VersionReq::parse(s.trim())
            .map(|inner| VersionReq { inner })
            .map_err(|_| VersionError::new(Scheme::Semver, s, "not a Cargo version requirement"))
    }

    /// Whether a version (SemVer, as Cargo.lock records it) satisfies the requirement; a
    /// version that is not SemVer satisfies none.
    pub fn matches(&self, v: &str) -> bool {
        semver::Version::parse(v.trim()).is_ok_and(|v| self.inner.matches(&v))
    }
}

impl fmt::Display for VersionReq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(s: &str) -> VersionReq {
        VersionReq::parse(s).unwrap()
    }

    #[test]
    fn rustsec_style() {
        let r = req(">= 0.6.10, < 0.7");
        assert!(r.matches("0.6.10"));
        assert!(r.matches("0.6.99"));
        assert!(!r.matches("0.7.0"));
        assert!(!r.matches("0.7.0-alpha.1"));
        assert!(!r.matches("0.6.9"));
        assert_eq!(r.to_string(), ">=0.6.10, <0.7");
        assert!(req("^1.2").matches("1.9.0"));
        assert!(!req("^1.2").matches("2.0.0"));
        assert!(req("^0.2.3").matches("0.2.9"));
        assert!(!req("^0.2.3").matches("0.3.0"));
        assert!(!req("^0.0.3").matches("0.0.4"));
        assert!(req("~1.2").matches("1.2.7"));
        assert!(!req("~1.2").matches("1.3.0"));
        assert!(req("1.*").matches("1.4.0"));
        assert!(req("*").matches("7.0.0"));
        assert!(!req("*").matches("7.0.0-rc.1"));
        assert!(req("=1.0.0").matches("1.0.0"));
        assert!(req("1.2.3").matches("1.5.0"));
        assert!(!req("1.2.3").matches("not a version"));
    }

    #[test]
    fn prereleases_need_a_matching_comparator() {
        assert!(req(">=1.0.0-alpha.1").matches("1.0.0-beta"));
        assert!(!req(">=1.0.0-alpha.1").matches("1.0.1-beta"));
        assert!(req(">=1.0.0-alpha.1").matches("1.0.1"));
        assert!(!req("<1.0.0").matches("0.9.0-rc.1"));
    }

    #[test]
    fn rejects() {
        for bad in [
            "", " ", ">=", "1.2 3", "01.2", "*.1", "1.*.3", "1.2.3.4", "a",
        ] {
            assert!(VersionReq::parse(bad).is_err(), "{bad}");
        }
    }
}
