//! Go module versions as `golang.org/x/mod/semver` reads them: `v1.2.3`, the shorthands `v1`
//! and `v1.2` (meaning `v1.0.0`, `v1.2.0`), pre-releases, pseudo-versions
//! (`v0.0.0-20191109021931-daa7c04131f5`, ordered as the pre-releases they are) and build
//! metadata such as `+incompatible` (ignored by ordering). OSV writes Go versions without the
//! `v`, so the prefix is optional here.

use std::cmp::Ordering;
use std::fmt;

use crate::semver::SemVersion;
use crate::{Scheme, VersionError, check_len, ord_via_cmp};

/// A Go module version.
#[derive(Debug, Clone)]
pub struct GoVersion {
    inner: SemVersion,
}

impl GoVersion {
    pub fn parse(s: &str) -> Result<GoVersion, VersionError> {
        let err = |reason| VersionError::new(Scheme::Go, s, reason);
        check_len(Scheme::Go, s)?;
        let t = s.trim();
        let t = t.strip_prefix('v').unwrap_or(t);
        let main_end = t.find(['-', '+']).unwrap_or(t.len());
        let main = &t[..main_end];
        let parts: Vec<&str> = main.split('.').collect();
        if parts.len() > 3 {
            return Err(err("more than three numeric components"));
        }
        for p in &parts {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err("version component is not a number"));
            }
            if p.len() > 1 && p.starts_with('0') {
                return Err(err("version component has a leading zero"));
            }
        }
        if parts.len() < 3 && main_end != t.len() {
            return Err(err("shorthand version with a pre-release or build suffix"));
        }
        let mut full = parts.join(".");
        for _ in parts.len()..3 {
            full.push_str(".0");
        }
        full.push_str(&t[main_end..]);
        let inner = SemVersion::parse_strict(&full).map_err(|e| err(e.reason))?;
        Ok(GoVersion { inner })
    }

    /// Whether the version carries `+incompatible` (a v2+ module without a `/vN` path).
    pub fn is_incompatible(&self) -> bool {
        self.inner.build() == "incompatible"
    }

    /// Whether this is a pseudo-version (`vX.Y.Z-[pre.]yyyymmddhhmmss-abcdefabcdef`).
    pub fn is_pseudo(&self) -> bool {
        let Some(last) = self.inner.pre().last() else {
            return false;
        };
        // The last identifier is always `yyyymmddhhmmss-revision`.
        let text = last.to_string();
        let Some((stamp, rev)) = text.split_once('-') else {
            return false;
        };
        stamp.len() == 14
            && stamp.bytes().all(|b| b.is_ascii_digit())
            && rev.len() >= 12
            && rev.bytes().all(|b| b.is_ascii_hexdigit())
    }

    pub fn semver(&self) -> &SemVersion {
        &self.inner
    }
}

impl Ord for GoVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.inner.cmp(&other.inner)
    }
}
ord_via_cmp!(GoVersion);

impl fmt::Display for GoVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}", self.inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> GoVersion {
        GoVersion::parse(s).unwrap()
    }

    #[test]
    fn ordering() {
        assert_eq!(v("v1"), v("1.0.0"));
        assert_eq!(v("v1.2"), v("v1.2.0"));
        assert!(v("v0.0.0-20191109021931-daa7c04131f5") < v("v0.0.1"));
        assert!(v("v1.2.4-0.20191109021931-daa7c04131f5") > v("v1.2.3"));
        assert!(v("v1.2.4-0.20191109021931-daa7c04131f5") < v("v1.2.4"));
        assert!(v("v1.2.3-pre.0.20191109021931-daa7c04131f5") > v("v1.2.3-pre"));
        assert_eq!(v("v2.0.0+incompatible"), v("v2.0.0"));
        assert!(v("2.0.0+incompatible").is_incompatible());
        assert!(v("1.20.5") > v("1.20.4"));
        assert_eq!(v("v1.2.3-rc.1").to_string(), "v1.2.3-rc.1");
    }

    #[test]
    fn pseudo_versions() {
        assert!(v("v0.0.0-20191109021931-daa7c04131f5").is_pseudo());
        assert!(v("v1.2.4-0.20191109021931-daa7c04131f5").is_pseudo());
        assert!(!v("v1.2.4-rc.1").is_pseudo());
        assert!(!v("v1.2.4").is_pseudo());
    }

    #[test]
    fn rejects() {
        for bad in [
            "",
            "v",
            "v1.2.3.4",
            "v01.2.3",
            "v1.2-pre",
            "v1.2.3-01",
            "vx",
        ] {
            assert!(GoVersion::parse(bad).is_err(), "{bad}");
        }
    }
}
