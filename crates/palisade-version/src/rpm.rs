//! RPM versions: `[epoch:]version[-release]`, compared segment by segment with `rpmvercmp`
//! (rpmio/rpmvercmp.c), including `~` (sorts before anything, even the end) and `^` (sorts
//! after the end but before anything else).

use std::cmp::Ordering;
use std::fmt;

use crate::{Scheme, VersionError, check_len, num::cmp_digits, ord_via_cmp};

/// A parsed RPM `epoch:version-release`.
#[derive(Debug, Clone)]
pub struct RpmVersion {
    /// The epoch's digits; `"0"` when absent.
    pub epoch: Box<str>,
    pub version: Box<str>,
    /// `None` when the string has no `-release`.
    pub release: Option<Box<str>>,
}

impl RpmVersion {
    /// Splits like rpm's `parseEVR`: an epoch is the all-digit text before the first `:`
    /// (otherwise the colon belongs to the version), the release follows the last `-`.
    pub fn parse(s: &str) -> Result<RpmVersion, VersionError> {
        check_len(Scheme::Rpm, s)?;
        let t = s.trim();
        if t.is_empty() {
            return Err(VersionError::new(Scheme::Rpm, s, "version string is empty"));
        }
        let (epoch, rest) = match t.split_once(':') {
            Some((e, rest)) if e.bytes().all(|b| b.is_ascii_digit()) => {
                (if e.is_empty() { "0" } else { e }, rest)
            }
            _ => ("0", t),
        };
        let (version, release) = match rest.rfind('-') {
            Some(i) => (&rest[..i], Some(rest[i + 1..].into())),
            None => (rest, None),
        };
        Ok(RpmVersion {
            epoch: epoch.into(),
            version: version.into(),
            release,
        })
    }
}

/// rpm's `rpmvercmp` on one component.
pub fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0usize, 0usize);
    let sep = |c: u8| !c.is_ascii_alphanumeric() && c != b'~' && c != b'^';
    loop {
        while i < a.len() && sep(a[i]) {
            i += 1;
        }
        while j < b.len() && sep(b[j]) {
            j += 1;
        }
        let (ca, cb) = (a.get(i).copied(), b.get(j).copied());
        if ca.is_none() && cb.is_none() {
            break;
        }
        if ca == Some(b'~') || cb == Some(b'~') {
            if ca != Some(b'~') {
                return Ordering::Greater;
            }
            if cb != Some(b'~') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        if ca == Some(b'^') || cb == Some(b'^') {
            if ca.is_none() {
                return Ordering::Less;
            }
            if cb.is_none() {
                return Ordering::Greater;
            }
            if ca != Some(b'^') {
                return Ordering::Greater;
            }
            if cb != Some(b'^') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        let (Some(ca), Some(_)) = (ca, cb) else {
            break;
        };
        let numeric = ca.is_ascii_digit();
        let class = |c: &u8| {
            if numeric {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            }
        };
        let si = i;
        while i < a.len() && class(&a[i]) {
            i += 1;
        }
        let sj = j;
        while j < b.len() && class(&b[j]) {
            j += 1;
        }
        if sj == j {
            // Different kinds of segment: numbers are newer than letters.
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        // Both slices are ASCII digits or letters, so valid UTF-8.
        let sa = std::str::from_utf8(&a[si..i]).unwrap_or_default();
        let sb = std::str::from_utf8(&b[sj..j]).unwrap_or_default();
        let ord = if numeric {
            cmp_digits(sa, sb)
        } else {
            sa.cmp(sb)
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    match (i >= a.len(), j >= b.len()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

impl Ord for RpmVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        rpmvercmp(&self.epoch, &other.epoch)
            .then_with(|| rpmvercmp(&self.version, &other.version))
            .then_with(|| match (&self.release, &other.release) {
                (Some(a), Some(b)) => rpmvercmp(a, b),
                (a, b) => a.is_some().cmp(&b.is_some()),
            })
    }
}
ord_via_cmp!(RpmVersion);

impl fmt::Display for RpmVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if &*self.epoch != "0" {
            write!(f, "{}:", self.epoch)?;
        }
        f.write_str(&self.version)?;
        if let Some(r) = &self.release {
            write!(f, "-{r}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn rpmvercmp_cases() {
        // From rpm's tests/rpmvercmp.at.
        for (a, b, want) in [
            ("1.0", "1.0", Equal),
            ("1.0", "2.0", Less),
            ("2.0.1a", "2.0.1", Greater),
            ("5.5p1", "5.5p10", Less),
            ("10xyz", "10.1xyz", Less),
            ("xyz.4", "8", Less),
            ("6.0.rc1", "6.0", Greater),
            ("10.0001", "10.1", Equal),
            ("2_0", "2.0", Equal),
            ("a+", "a_", Equal),
            ("1.0~rc1", "1.0", Less),
            ("1.0~rc1~git123", "1.0~rc1", Less),
            ("1.0^", "1.0", Greater),
            ("1.0^git1", "1.01", Less),
            ("1.0^20160101", "1.0.1", Less),
            ("1.0^git1~pre", "1.0^git1", Less),
            ("1.0~rc1^git1", "1.0~rc1", Greater),
        ] {
            assert_eq!(rpmvercmp(a, b), want, "{a} vs {b}");
            assert_eq!(rpmvercmp(b, a), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn evr() {
        let v = RpmVersion::parse("1:2.3-4.el9").unwrap();
        assert_eq!((&*v.epoch, &*v.version), ("1", "2.3"));
        assert_eq!(v.release.as_deref(), Some("4.el9"));
        assert_eq!(v.to_string(), "1:2.3-4.el9");
        let p = |s| RpmVersion::parse(s).unwrap();
        assert!(p("3") < p("1:2"));
        assert!(p("1") < p("1-1"));
        assert_eq!(p("01:2"), p("1:2"));
        assert!(p("a:1") < p("b:1"));
        assert!(RpmVersion::parse(" ").is_err());
    }
}
