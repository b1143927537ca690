//! Cargo version requirements (`VersionReq`) as the `semver` crate reads and matches them, the
//! way RustSec advisories write them: `>= 0.6.10, < 0.7`, `^1.2`, `~0.3`, `=1.0.0`, `1.*`,
//! `*`. A bare version is a caret requirement. A pre-release version only matches when some
//! comparator names a pre-release of the same `major.minor.patch`.

use std::cmp::Ordering;
use std::fmt;

use crate::num::Num;
use crate::semver::{Identifier, SemVersion, cmp_pre};
use crate::{Scheme, VersionError, check_len};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Exact,
    Greater,
    GreaterEq,
    Less,
    LessEq,
    Tilde,
    Caret,
    Wildcard,
}

/// One comparator; `minor` and `patch` are `None` when omitted or wildcards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparator {
    pub op: Op,
    major: Num,
    minor: Option<Num>,
    patch: Option<Num>,
    pre: Vec<Identifier>,
}

/// A comma-separated list of comparators, all of which must match.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VersionReq {
    comparators: Vec<Comparator>,
}

impl VersionReq {
    pub fn parse(s: &str) -> Result<VersionReq, VersionError> {
        check_len(Scheme::Semver, s)?;
        let t = s.trim();
        if t.is_empty() {
            return Err(VersionError::new(
                Scheme::Semver,
                s,
                "empty version requirement",
            ));
        }
        if t == "*" || t == "x" || t == "X" {
            return Ok(VersionReq::default());
        }
        let comparators = t
            .split(',')
            .map(|c| parse_comparator(s, c.trim()))
            .collect::<Result<_, _>>()?;
        Ok(VersionReq { comparators })
    }

    /// Whether a version string (read leniently) satisfies the requirement.
    pub fn matches(&self, v: &str) -> bool {
        SemVersion::parse(v).is_ok_and(|v| self.matches_version(&v))
    }

    pub fn matches_version(&self, v: &SemVersion) -> bool {
        if !self.comparators.iter().all(|c| c.matches(v)) {
            return false;
        }
        v.pre.is_empty()
            || self.comparators.iter().any(|c| {
                c.major == v.major
                    && c.minor.as_ref() == Some(&v.minor)
                    && c.patch.as_ref() == Some(&v.patch)
                    && !c.pre.is_empty()
            })
    }

    pub fn comparators(&self) -> &[Comparator] {
        &self.comparators
    }
}

fn parse_comparator(whole: &str, c: &str) -> Result<Comparator, VersionError> {
    let err = |reason| VersionError::new(Scheme::Semver, whole, reason);
    let (op, rest) = [
        (">=", Op::GreaterEq),
        ("<=", Op::LessEq),
        (">", Op::Greater),
        ("<", Op::Less),
        ("=", Op::Exact),
        ("~", Op::Tilde),
        ("^", Op::Caret),
    ]
    .iter()
    .find_map(|(p, op)| c.strip_prefix(p).map(|r| (Some(*op), r.trim_start())))
    .unwrap_or((None, c));
    if rest.is_empty() {
        return Err(err("comparator has no version"));
    }
    if rest.contains(char::is_whitespace) {
        return Err(err("comparators must be separated by commas"));
    }
    let without_build = rest.split_once('+').map_or(rest, |(m, _)| m);
    let (main, pre) = match without_build.split_once('-') {
        Some((m, p)) => (m, Some(p)),
        None => (without_build, None),
    };
    let mut parts = main.split('.');
    let wildcard = |p: &str| matches!(p, "*" | "x" | "X");
    let number = |p: &str| -> Result<Num, VersionError> {
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            Err(err("version component is not a number"))
        } else if p.len() > 1 && p.starts_with('0') {
            Err(err("version component has a leading zero"))
        } else {
            Ok(Num::from_digits(p))
        }
    };
    let major_text = parts.next().unwrap_or_default();
    if wildcard(major_text) {
        return Err(err("a wildcard major version must stand alone"));
    }
    let major = number(major_text)?;
    let mut saw_wildcard = false;
    let mut next = || -> Result<Option<Num>, VersionError> {
        match parts.next() {
            None => Ok(None),
            Some(p) if wildcard(p) => {
                saw_wildcard = true;
                Ok(None)
            }
            Some(_) if saw_wildcard => Err(err("a number after a wildcard")),
            Some(p) => number(p).map(Some),
        }
    };
    let minor = next()?;
    let patch = next()?;
    if next()?.is_some() || saw_wildcard && minor.is_some() && patch.is_some() {
        return Err(err("more than three version components"));
    }
    let pre = match pre {
        Some(p) => {
            if patch.is_none() {
                return Err(err("a pre-release needs major.minor.patch"));
            }
            if p.is_empty()
                || !p.split('.').all(|id| {
                    !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                })
            {
                return Err(err("invalid pre-release"));
            }
            p.split('.').map(Identifier::new).collect()
        }
        None => Vec::new(),
    };
    let op = match op {
        Some(op) => op,
        None if saw_wildcard => Op::Wildcard,
        None => Op::Caret,
    };
    Ok(Comparator {
        op,
        major,
        minor,
        patch,
        pre,
    })
}

impl Comparator {
    fn matches(&self, v: &SemVersion) -> bool {
        match self.op {
            Op::Exact | Op::Wildcard => self.exact(v),
            Op::Greater => self.greater(v),
            Op::GreaterEq => self.exact(v) || self.greater(v),
            Op::Less => self.less(v),
            Op::LessEq => self.exact(v) || self.less(v),
            Op::Tilde => self.tilde(v),
            Op::Caret => self.caret(v),
        }
    }

    fn exact(&self, v: &SemVersion) -> bool {
        v.major == self.major
            && self.minor.as_ref().is_none_or(|m| *m == v.minor)
            && self.patch.as_ref().is_none_or(|p| *p == v.patch)
            && v.pre == self.pre
    }

    fn cmp_prefix(&self, v: &SemVersion) -> Option<Ordering> {
        if v.major != self.major {
            return Some(v.major.cmp(&self.major));
        }
        let minor = self.minor.as_ref()?;
        if v.minor != *minor {
            return Some(v.minor.cmp(minor));
        }
        let patch = self.patch.as_ref()?;
        if v.patch != *patch {
            return Some(v.patch.cmp(patch));
        }
        Some(cmp_pre(&v.pre, &self.pre))
    }

    fn greater(&self, v: &SemVersion) -> bool {
        self.cmp_prefix(v) == Some(Ordering::Greater)
    }

    fn less(&self, v: &SemVersion) -> bool {
        self.cmp_prefix(v) == Some(Ordering::Less)
    }

    fn tilde(&self, v: &SemVersion) -> bool {
        if v.major != self.major {
            return false;
        }
        if self.minor.as_ref().is_some_and(|m| v.minor != *m) {
            return false;
        }
        if let Some(patch) = self.patch.as_ref().filter(|p| v.patch != **p) {
            return v.patch > *patch;
        }
        cmp_pre(&v.pre, &self.pre) != Ordering::Less
    }

    fn caret(&self, v: &SemVersion) -> bool {
        if v.major != self.major {
            return false;
        }
        let Some(minor) = &self.minor else {
            return true;
        };
        let Some(patch) = &self.patch else {
            return if !self.major.is_zero() {
                v.minor >= *minor
            } else {
                v.minor == *minor
            };
        };
        if !self.major.is_zero() {
            if v.minor != *minor {
                return v.minor > *minor;
            } else if v.patch != *patch {
                return v.patch > *patch;
            }
        } else if !minor.is_zero() {
            if v.minor != *minor {
                return false;
            } else if v.patch != *patch {
                return v.patch > *patch;
            }
        } else if v.minor != *minor || v.patch != *patch {
            return false;
        }
        cmp_pre(&v.pre, &self.pre) != Ordering::Less
    }
}

impl fmt::Display for Comparator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.op {
            Op::Exact => "=",
            Op::Greater => ">",
            Op::GreaterEq => ">=",
            Op::Less => "<",
            Op::LessEq => "<=",
            Op::Tilde => "~",
            Op::Caret => "^",
            Op::Wildcard => "",
        };
        write!(f, "{op}{}", self.major)?;
        match (&self.minor, self.op) {
            (Some(m), _) => write!(f, ".{m}")?,
            (None, Op::Wildcard) => return f.write_str(".*"),
            (None, _) => return Ok(()),
        }
        match (&self.patch, self.op) {
            (Some(p), _) => write!(f, ".{p}")?,
            (None, Op::Wildcard) => return f.write_str(".*"),
            (None, _) => return Ok(()),
        }
        for (i, id) in self.pre.iter().enumerate() {
            f.write_str(if i == 0 { "-" } else { "." })?;
            id.fmt(f)?;
        }
        Ok(())
    }
}

impl fmt::Display for VersionReq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.comparators.is_empty() {
            return f.write_str("*");
        }
        for (i, c) in self.comparators.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            c.fmt(f)?;
        }
        Ok(())
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
            "", ">=", "1.2 3", "01.2", "*.1", "1.*.3", "1.2-rc", "1.2.3.4", "a",
        ] {
            assert!(VersionReq::parse(bad).is_err(), "{bad}");
        }
    }
}
