//! Semantic Versioning 2.0: `MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]`.
//!
//! [`SemVersion::parse`] is the lenient reading used for OSV `SEMVER` ranges and ecosystems
//! (npm, crates.io) when a version comes from an image: an optional `v`, one to three numeric
//! components (missing ones are zero), numbers of any size, and extra numeric components kept as
//! build metadata. [`SemVersion::parse_strict`] is the specification's grammar.
//!
//! Precedence follows the specification: build metadata is ignored; a version with a
//! pre-release sorts before the same version without one; pre-release identifiers compare
//! numerically when both are numeric, numeric ones before alphanumeric ones, and otherwise in
//! ASCII order; a longer list of equal identifiers sorts after a shorter one.

use std::cmp::Ordering;
use std::fmt;

use crate::num::Num;
use crate::{Scheme, VersionError, check_len, ord_via_cmp};

/// One dot-separated pre-release identifier.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Identifier {
    Numeric(NumId),
    Alpha(Box<str>),
}

/// A numeric identifier of any size (opaque; compare it through [`Identifier`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NumId(pub(crate) Num);

impl Identifier {
    /// Numeric when all ASCII digits, alphanumeric otherwise.
    pub fn new(s: &str) -> Identifier {
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            Identifier::Numeric(NumId(Num::from_digits(s)))
        } else {
            Identifier::Alpha(s.into())
        }
    }
}

impl Ord for Identifier {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Identifier::Numeric(a), Identifier::Numeric(b)) => a.cmp(b),
            (Identifier::Numeric(_), Identifier::Alpha(_)) => Ordering::Less,
            (Identifier::Alpha(_), Identifier::Numeric(_)) => Ordering::Greater,
            (Identifier::Alpha(a), Identifier::Alpha(b)) => a.as_bytes().cmp(b.as_bytes()),
        }
    }
}

impl PartialOrd for Identifier {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Identifier::Numeric(n) => n.0.fmt(f),
            Identifier::Alpha(s) => f.write_str(s),
        }
    }
}

/// Compares pre-release lists: an empty list (a release) sorts after any non-empty one.
pub(crate) fn cmp_pre(a: &[Identifier], b: &[Identifier]) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => a.cmp(b),
    }
}

/// A semantic version.
#[derive(Debug, Clone)]
pub struct SemVersion {
    pub(crate) major: Num,
    pub(crate) minor: Num,
    pub(crate) patch: Num,
    pub(crate) pre: Vec<Identifier>,
    pub(crate) build: Box<str>,
}

impl SemVersion {
    /// The lenient reading described in the module documentation.
    pub fn parse(s: &str) -> Result<SemVersion, VersionError> {
        let err = |reason| VersionError::new(Scheme::Semver, s, reason);
        check_len(Scheme::Semver, s)?;
        let t = s.trim();
        let t = t.strip_prefix(['v', 'V']).unwrap_or(t);
        let main_end = t.find(['-', '+']).unwrap_or(t.len());
        let (main, tail) = t.split_at(main_end);
        // Numeric components, then an optional pre-release glued on (`1.0.0beta`).
        let digits_end = main
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(main.len());
        let (numbers, glued) = main.split_at(digits_end);
        if numbers.is_empty() || numbers.starts_with('.') {
            return Err(err("version does not start with a number"));
        }
        let numbers = numbers.strip_suffix('.').unwrap_or(numbers);
        let mut parts = numbers.split('.');
        let mut next = || -> Result<Num, VersionError> {
            match parts.next() {
                None => Ok(Num::zero()),
                Some("") => Err(err("empty numeric component")),
                Some(p) => Ok(Num::from_digits(p)),
            }
        };
        let (major, minor, patch) = (next()?, next()?, next()?);
        let extra: Vec<&str> = parts.collect();
        if extra.iter().any(|p| p.is_empty()) {
            return Err(err("empty numeric component"));
        }
        let (pre_text, build) = match tail.strip_prefix('-') {
            Some(rest) => match rest.split_once('+') {
                Some((p, b)) => (format!("{glued}{p}"), b),
                None => (format!("{glued}{rest}"), ""),
            },
            None => (glued.to_owned(), tail.strip_prefix('+').unwrap_or("")),
        };
        let pre = if pre_text.is_empty() {
            Vec::new()
        } else {
            pre_text.split('.').map(Identifier::new).collect()
        };
        let build = if extra.is_empty() {
            build.to_owned()
        } else if build.is_empty() {
            extra.join(".")
        } else {
            format!("{}+{build}", extra.join("."))
        };
        Ok(SemVersion {
            major,
            minor,
            patch,
            pre,
            build: build.into(),
        })
    }

    /// The SemVer 2.0 grammar exactly: three numbers without leading zeros, pre-release
    /// identifiers of `[0-9A-Za-z-]` (numeric ones without leading zeros), build identifiers of
    /// `[0-9A-Za-z-]`.
    pub fn parse_strict(s: &str) -> Result<SemVersion, VersionError> {
        let err = |reason| VersionError::new(Scheme::Semver, s, reason);
        check_len(Scheme::Semver, s)?;
        let (rest, build) = match s.split_once('+') {
            Some((r, b)) => (r, Some(b)),
            None => (s, None),
        };
        let (main, pre) = match rest.split_once('-') {
            Some((m, p)) => (m, Some(p)),
            None => (rest, None),
        };
        let nums: Vec<&str> = main.split('.').collect();
        let [major, minor, patch] = nums.as_slice() else {
            return Err(err("expected MAJOR.MINOR.PATCH"));
        };
        let number = |p: &str| -> Result<Num, VersionError> {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                Err(err("version component is not a number"))
            } else if p.len() > 1 && p.starts_with('0') {
                Err(err("version component has a leading zero"))
            } else {
                Ok(Num::from_digits(p))
            }
        };
        let ident_ok =
            |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        let mut pre_ids = Vec::new();
        if let Some(pre) = pre {
            for p in pre.split('.') {
                if !ident_ok(p) {
                    return Err(err("invalid pre-release identifier"));
                }
                if p.len() > 1 && p.starts_with('0') && p.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(err("numeric pre-release identifier has a leading zero"));
                }
                pre_ids.push(Identifier::new(p));
            }
        }
        if build.is_some_and(|b| !b.split('.').all(ident_ok)) {
            return Err(err("invalid build metadata"));
        }
        Ok(SemVersion {
            major: number(major)?,
            minor: number(minor)?,
            patch: number(patch)?,
            pre: pre_ids,
            build: build.unwrap_or("").into(),
        })
    }

    pub fn is_prerelease(&self) -> bool {
        !self.pre.is_empty()
    }

    pub fn pre(&self) -> &[Identifier] {
        &self.pre
    }

    pub fn build(&self) -> &str {
        &self.build
    }

    /// `(major, minor, patch)` when each fits in a `u64`.
    pub fn triple(&self) -> Option<(u64, u64, u64)> {
        Some((
            self.major.to_u64()?,
            self.minor.to_u64()?,
            self.patch.to_u64()?,
        ))
    }

    pub(crate) fn cmp_main(&self, other: &Self) -> Ordering {
        self.major
            .cmp(&other.major)
            .then_with(|| self.minor.cmp(&other.minor))
            .then_with(|| self.patch.cmp(&other.patch))
    }
}

impl Ord for SemVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.cmp_main(other)
            .then_with(|| cmp_pre(&self.pre, &other.pre))
    }
}
ord_via_cmp!(SemVersion);

impl fmt::Display for SemVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        for (i, id) in self.pre.iter().enumerate() {
            f.write_str(if i == 0 { "-" } else { "." })?;
            id.fmt(f)?;
        }
        if !self.build.is_empty() {
            write!(f, "+{}", self.build)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> SemVersion {
        SemVersion::parse(s).unwrap()
    }

    #[test]
    fn spec_precedence_example() {
        let chain = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
        ];
        for w in chain.windows(2) {
            assert!(v(w[0]) < v(w[1]), "{} < {}", w[0], w[1]);
            let strict = |s| SemVersion::parse_strict(s).unwrap();
            assert!(strict(w[0]) < strict(w[1]));
        }
    }

    #[test]
    fn lenient_forms() {
        assert_eq!(v("v1.2"), v("1.2.0"));
        assert_eq!(v("1"), v("1.0.0"));
        assert_eq!(v("1.2.3+a"), v("1.2.3+b"));
        assert_eq!(v("1.1.3.4.5").build(), "4.5");
        assert!(v("1.0.0beta") < v("1.0.0"));
        assert!(v("99999999999999999999999.0.0") > v("9.0.0"));
        assert_eq!(v("1.2.3-rc.1+b7").to_string(), "1.2.3-rc.1+b7");
        assert!(SemVersion::parse("").is_err());
        assert!(SemVersion::parse("abc").is_err());
        assert!(SemVersion::parse("1..2").is_err());
    }

    #[test]
    fn strict_grammar() {
        for bad in [
            "1.2",
            "01.2.3",
            "1.2.3-01",
            "1.2.3-",
            "1.2.3+",
            "1.2.3-a..b",
            "v1.2.3",
        ] {
            assert!(SemVersion::parse_strict(bad).is_err(), "{bad}");
        }
        assert!(SemVersion::parse_strict("1.2.3-0a.1+x-y.7").is_ok());
    }
}
