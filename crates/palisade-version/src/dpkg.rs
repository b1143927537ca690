//! Debian package versions: `[epoch:]upstream_version[-debian_revision]`, ordered exactly like
//! dpkg's `dpkg_version_compare` (lib/dpkg/version.c) and parsed like its `parseversion`
//! (lib/dpkg/parsehelp.c).

use std::cmp::Ordering;
use std::fmt;

use crate::{Scheme, VersionError, check_len, ord_via_cmp};

/// A parsed dpkg version.
#[derive(Debug, Clone)]
pub struct DpkgVersion {
    pub epoch: u32,
    pub upstream: Box<str>,
    /// Empty when the version has no `-revision`.
    pub revision: Box<str>,
}

impl DpkgVersion {
    /// Parses like dpkg's `parseversion`: surrounding blanks are ignored; the epoch is a
    /// decimal number no larger than `i32::MAX`; the revision follows the last hyphen; the
    /// upstream version must start with a digit and use only alphanumerics and `.+-~:`; the
    /// revision only alphanumerics and `.+~`.
    pub fn parse(s: &str) -> Result<DpkgVersion, VersionError> {
        let (epoch, upstream, revision) = parse_parts(s)?;
        Ok(DpkgVersion {
            epoch,
            upstream: upstream.into(),
            revision: revision.into(),
        })
    }
}

/// Splits and checks a version without allocating: `(epoch, upstream, revision)`.
fn parse_parts(s: &str) -> Result<(u32, &str, &str), VersionError> {
    let err = |reason| VersionError::new(Scheme::Dpkg, s, reason);
    check_len(Scheme::Dpkg, s)?;
    let t = s.trim_matches(|c: char| c == ' ' || c == '\t' || c == '\n' || c == '\r');
    if t.is_empty() {
        return Err(err("version string is empty"));
    }
    if t.contains(|c: char| c.is_ascii_whitespace()) {
        return Err(err("version string has embedded spaces"));
    }
    let (epoch, rest) = match t.split_once(':') {
        Some((e, rest)) => {
            if e.is_empty() {
                return Err(err("epoch in version is empty"));
            }
            if !e.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err("epoch in version is not number"));
            }
            let epoch: u32 = e
                .parse()
                .ok()
                .filter(|n| *n <= i32::MAX as u32)
                .ok_or_else(|| err("epoch in version is too big"))?;
            if rest.is_empty() {
                return Err(err("nothing after colon in version number"));
            }
            (epoch, rest)
        }
        None => (0, t),
    };
    let (upstream, revision) = match rest.rfind('-') {
        Some(i) => {
            let (u, r) = (&rest[..i], &rest[i + 1..]);
            if r.is_empty() {
                return Err(err("revision number is empty"));
            }
            (u, r)
        }
        None => (rest, ""),
    };
    if !upstream.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(err(if upstream.is_empty() {
            "upstream version is empty"
        } else {
            "version number does not start with digit"
        }));
    }
    if !upstream
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b".-+~:".contains(&b))
    {
        return Err(err("invalid character in version number"));
    }
    if !revision
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b".+~".contains(&b))
    {
        return Err(err("invalid character in revision number"));
    }
    Ok((epoch, upstream, revision))
}

/// Compares two version strings without allocating (what `dpkg --compare-versions` does).
pub fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    let (ea, ua, ra) = parse_parts(a)?;
    let (eb, ub, rb) = parse_parts(b)?;
    Ok(ea
        .cmp(&eb)
        .then_with(|| verrevcmp(ua, ub))
        .then_with(|| verrevcmp(ra, rb)))
}

/// The weight of a non-digit character in dpkg's order: `~` sorts before everything, even the
/// end of the string; letters sort before other characters.
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(b'~') => -1,
        Some(c) => i32::from(c) + 256,
    }
}

/// dpkg's `verrevcmp`: alternating non-digit and digit runs; non-digit runs compare character
/// by character with [`order`], digit runs numerically.
pub fn verrevcmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0usize, 0usize);
    let digit = |s: &[u8], k: usize| s.get(k).is_some_and(u8::is_ascii_digit);
    while i < a.len() || j < b.len() {
        let mut first_diff = Ordering::Equal;
        while (i < a.len() && !digit(a, i)) || (j < b.len() && !digit(b, j)) {
            let ac = order(a.get(i).copied());
            let bc = order(b.get(j).copied());
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        while a.get(i) == Some(&b'0') {
            i += 1;
        }
        while b.get(j) == Some(&b'0') {
            j += 1;
        }
        while digit(a, i) && digit(b, j) {
            if first_diff == Ordering::Equal {
                first_diff = a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
        }
        if digit(a, i) {
            return Ordering::Greater;
        }
        if digit(b, j) {
            return Ordering::Less;
        }
        if first_diff != Ordering::Equal {
            return first_diff;
        }
    }
    Ordering::Equal
}

impl Ord for DpkgVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| verrevcmp(&self.upstream, &other.upstream))
            .then_with(|| verrevcmp(&self.revision, &other.revision))
    }
}
ord_via_cmp!(DpkgVersion);

impl fmt::Display for DpkgVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.epoch != 0 {
            write!(f, "{}:", self.epoch)?;
        }
        f.write_str(&self.upstream)?;
        if !self.revision.is_empty() {
            write!(f, "-{}", self.revision)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> DpkgVersion {
        DpkgVersion::parse(s).unwrap()
    }

    fn obj(epoch: u32, upstream: &str, revision: &str) -> DpkgVersion {
        DpkgVersion {
            epoch,
            upstream: upstream.into(),
            revision: revision.into(),
        }
    }

    #[test]
    fn tilde_sorts_before_everything() {
        assert!(v("1.0~rc1") < v("1.0"));
        assert!(v("1.0~~") < v("1.0~"));
        assert!(v("1.0") < v("1.0+b1"));
        assert!(v("1.0") < v("1.0a"));
        assert!(v("1.0a") < v("1.0+"));
    }

    #[test]
    fn epoch_and_revision() {
        assert!(v("1:0.1") > v("9.9"));
        assert_eq!(v("1.0"), v("0:1.0-0"));
        assert_eq!(v("0:0-0-0"), obj(0, "0-0", "0"));
        assert_eq!(v("0:0:0-0"), obj(0, "0:0", "0"));
        assert_eq!(v("  \t0:0-1 \t"), obj(0, "0", "1"));
        assert_eq!(v("0:09azAZ.-+~:-0"), obj(0, "09azAZ.-+~:", "0"));
        assert_eq!(v("1.0-1").to_string(), "1.0-1");
        assert_eq!(v("2:1.0").to_string(), "2:1.0");
    }

    #[test]
    fn rejects_what_dpkg_rejects() {
        for bad in [
            "",
            "  ",
            "0:",
            ":1.0",
            "1.0-",
            "0:0 0-1",
            "-1:0-1",
            "999999999999999999999999:0-1",
            "a:0-0",
            "A:0-0",
            "-0",
            "0:-0",
            "0:abc3-0",
            "0:0-0:0",
        ] {
            assert!(
                DpkgVersion::parse(bad).is_err(),
                "{bad:?} should be rejected"
            );
        }
        for c in "!#@$%&/|\\<>()[]{};,_=*^'".chars() {
            assert!(
                DpkgVersion::parse(&format!("0:0{c}-0")).is_err(),
                "upstream {c}"
            );
        }
        for c in "!#@$%&/|\\<>()[]{}:;,_=*^'".chars() {
            assert!(
                DpkgVersion::parse(&format!("0:0-{c}")).is_err(),
                "revision {c}"
            );
        }
    }
}
