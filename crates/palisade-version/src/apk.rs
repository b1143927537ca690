//! Alpine package versions, `digit{.digit}...{letter}{_suf{#}}...{~hash}{-r#}`, ordered like
//! apk-tools' `apk_version_compare` (src/version.c): numbers compare by value except that a
//! component with a leading zero compares as a string; the pre-release suffixes `_alpha`,
//! `_beta`, `_pre`, `_rc` sort before the bare version and `_cvs`, `_svn`, `_git`, `_hg`, `_p`
//! after it; `-rN` is the package revision.
//!
//! Strings that break that grammar (`1-r`, `0..1`, `6.6.2p1`, `a`) still turn up in advisory
//! data. apk-tools would compare them only up to the first invalid token; here a pair in which
//! either side is invalid is ordered the way OSV's reference implementation (osv-scalibr) orders
//! it, so matching agrees with osv.dev: number components, letter, suffixes, `-rN`, then any
//! unparsed remainder (a version without one is greater); two strings that do not even end in
//! `-rN` form compare as plain strings. [`ApkVersion::is_valid`] tells the kinds apart. The
//! order is total over valid versions; across valid and invalid ones it is OSV's, which is not
//! always transitive.

use std::cmp::Ordering;
use std::fmt;

use std::sync::LazyLock;

use regex::Regex;

use crate::{Scheme, VersionError, check_len, num::cmp_digits, ord_via_cmp};

/// A parsed apk version (kept as text; comparison walks the tokens without allocating).
#[derive(Debug, Clone)]
pub struct ApkVersion {
    text: Box<str>,
    valid: bool,
}

impl ApkVersion {
    /// Accepts any non-empty string of printable ASCII without blanks; whether it follows apk's
    /// grammar is reported by [`ApkVersion::is_valid`].
    pub fn parse(s: &str) -> Result<ApkVersion, VersionError> {
        check_len(Scheme::Apk, s)?;
        let t = s.trim();
        if t.is_empty() {
            return Err(VersionError::new(Scheme::Apk, s, "version string is empty"));
        }
        if !t.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(VersionError::new(
                Scheme::Apk,
                s,
                "version contains a blank or non-ASCII character",
            ));
        }
        Ok(ApkVersion {
            text: t.into(),
            valid: validate(t),
        })
    }

    /// Whether apk-tools' `apk_version_validate` accepts the version.
    pub fn is_valid(&self) -> bool {
        self.valid
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// Token kinds in apk's order; a later token may only follow an earlier one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Token {
    InitialDigit,
    Digit,
    Letter,
    Suffix,
    SuffixNo,
    CommitHash,
    RevisionNo,
    End,
    Invalid,
}

/// Suffix weights: pre-release suffixes below `NONE`, post-release ones above.
const SUFFIX_NONE: u8 = 4;

fn suffix_value(s: &[u8]) -> Option<u8> {
    Some(match s {
        b"alpha" => 0,
        b"beta" => 1,
        b"pre" => 2,
        b"rc" => 3,
        b"cvs" => 5,
        b"svn" => 6,
        b"git" => 7,
        b"hg" => 8,
        b"p" => 9,
        _ => return None,
    })
}

struct State<'a> {
    rest: &'a [u8],
    token: Token,
    value: &'a [u8],
    suffix: u8,
}

impl<'a> State<'a> {
    fn first(s: &'a str) -> State<'a> {
        let mut st = State {
            rest: s.as_bytes(),
            token: Token::InitialDigit,
            value: &[],
            suffix: 0,
        };
        st.digits();
        st
    }

    fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &'a [u8] {
        let n = self.rest.iter().take_while(|b| f(**b)).count();
        let (taken, rest) = self.rest.split_at(n);
        self.rest = rest;
        taken
    }

    fn digits(&mut self) {
        self.value = self.take_while(|b| b.is_ascii_digit());
        if self.value.is_empty() {
            self.token = Token::Invalid;
        }
    }

    fn next(&mut self) {
        let Some(&c) = self.rest.first() else {
            self.token = Token::End;
            return;
        };
        match c {
            b'a'..=b'z' => {
                if self.token > Token::Digit {
                    return self.invalid();
                }
                self.value = &self.rest[..1];
                self.rest = &self.rest[1..];
                self.token = Token::Letter;
            }
            b'.' | b'0'..=b'9' => {
                if c == b'.' {
                    if self.token > Token::Digit {
                        return self.invalid();
                    }
                    self.rest = &self.rest[1..];
                }
                self.token = match self.token {
                    Token::InitialDigit | Token::Digit => Token::Digit,
                    Token::Suffix => Token::SuffixNo,
                    _ => return self.invalid(),
                };
                self.digits();
            }
            b'_' => {
                if self.token > Token::SuffixNo {
                    return self.invalid();
                }
                self.rest = &self.rest[1..];
                self.value = self.take_while(|b| b.is_ascii_lowercase());
                match suffix_value(self.value) {
                    Some(v) => {
                        self.suffix = v;
                        self.token = Token::Suffix;
                    }
                    None => self.invalid(),
                }
            }
            b'~' => {
                if self.token >= Token::CommitHash {
                    return self.invalid();
                }
                self.rest = &self.rest[1..];
                self.value = self.take_while(|b| b.is_ascii_hexdigit());
                if self.value.is_empty() {
                    return self.invalid();
                }
                self.token = Token::CommitHash;
            }
            b'-' => {
                if self.token >= Token::RevisionNo || !self.rest.starts_with(b"-r") {
                    return self.invalid();
                }
                self.rest = &self.rest[2..];
                self.token = Token::RevisionNo;
                self.digits();
            }
            _ => self.invalid(),
        }
    }

    fn invalid(&mut self) {
        self.token = Token::Invalid;
    }
}

fn as_str(b: &[u8]) -> &str {
    // Token values are ASCII slices of a `str`.
    std::str::from_utf8(b).unwrap_or_default()
}

fn token_cmp(a: &State<'_>, b: &State<'_>) -> Ordering {
    match a.token {
        Token::Digit if a.value.first() == Some(&b'0') || b.value.first() == Some(&b'0') => {
            a.value.cmp(b.value)
        }
        Token::InitialDigit | Token::Digit | Token::SuffixNo | Token::RevisionNo => {
            cmp_digits(as_str(a.value), as_str(b.value))
        }
        Token::Letter => a.value.first().cmp(&b.value.first()),
        Token::Suffix => a.suffix.cmp(&b.suffix),
        _ => a.value.cmp(b.value),
    }
}

fn validate(s: &str) -> bool {
    let mut t = State::first(s);
    while t.token < Token::End {
        t.next();
    }
    t.token == Token::End
}

/// apk-tools' `apk_version_compare`.
pub fn compare(a: &str, b: &str) -> Ordering {
    let mut ta = State::first(a);
    let mut tb = State::first(b);
    while ta.token == tb.token && ta.token < Token::End {
        let r = token_cmp(&ta, &tb);
        if r != Ordering::Equal {
            return r;
        }
        ta.next();
        tb.next();
    }
    if ta.token == tb.token {
        return Ordering::Equal;
    }
    if ta.token == Token::Suffix && ta.suffix < SUFFIX_NONE {
        return Ordering::Less;
    }
    if tb.token == Token::Suffix && tb.suffix < SUFFIX_NONE {
        return Ordering::Greater;
    }
    tb.token.cmp(&ta.token)
}

impl Ord for ApkVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        if self.valid && other.valid {
            compare(&self.text, &other.text)
        } else {
            let (a, b) = (Loose::parse(&self.text), Loose::parse(&other.text));
            if a.broken && b.broken {
                self.text.cmp(&other.text)
            } else {
                a.cmp(&b)
            }
        }
    }
}

static SUFFIX_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"_(alpha|beta|pre|rc|cvs|svn|git|hg|p)(\d*)")
        .unwrap_or_else(|e| unreachable!("apk suffix regex: {e}"))
});

/// The structured reading used when one side of a comparison is not a valid apk version.
struct Loose<'a> {
    components: Vec<&'a str>,
    letter: Option<u8>,
    /// `(weight, number)`: alpha 0, beta 1, pre 2, rc 3, cvs 5, svn 6, git 7, hg 8, p 9.
    suffixes: Vec<(u8, &'a str)>,
    revision: &'a str,
    remainder: &'a str,
    /// Something other than `-rN` follows the suffixes and hash.
    broken: bool,
}

impl<'a> Loose<'a> {
    fn parse(s: &'a str) -> Loose<'a> {
        // Number components: `^((\d+)\.?)*`.
        let b = s.as_bytes();
        let mut end = 0;
        loop {
            let digits = b[end..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                break;
            }
            end += digits;
            if b.get(end) == Some(&b'.') {
                end += 1;
            }
        }
        let components = if end == 0 {
            Vec::new()
        } else {
            s[..end].split('.').collect()
        };
        let mut rest = &s[end..];
        let letter = rest.bytes().next().filter(u8::is_ascii_lowercase);
        if letter.is_some() {
            rest = &rest[1..];
        }
        let mut suffixes = Vec::new();
        for c in SUFFIX_RE.captures_iter(rest) {
            let weight = match c.get(1).map_or("", |m| m.as_str()) {
                "alpha" => 0,
                "beta" => 1,
                "pre" => 2,
                "rc" => 3,
                "cvs" => 5,
                "svn" => 6,
                "git" => 7,
                "hg" => 8,
                _ => 9,
            };
            suffixes.push((weight, c.get(2).map_or("", |m| m.as_str())));
            if let Some(m) = c.get(0) {
                rest = rest.strip_prefix(m.as_str()).unwrap_or(rest);
            }
        }
        if let Some(h) = rest.strip_prefix('~') {
            let n = h
                .bytes()
                .take_while(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
                .count();
            if n > 0 {
                rest = &h[n..];
            }
        }
        let mut revision = "";
        let mut broken = false;
        if let Some(r) = rest.strip_prefix("-r") {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            revision = &r[..n];
            rest = &r[n..];
        } else {
            broken = !rest.is_empty();
        }
        Loose {
            components,
            letter,
            suffixes,
            revision,
            remainder: rest,
            broken,
        }
    }

    fn cmp(&self, other: &Loose<'_>) -> Ordering {
        let n = self.components.len().max(other.components.len());
        for i in 0..n {
            let a = self.components.get(i).copied().unwrap_or("0");
            let b = other.components.get(i).copied().unwrap_or("0");
            let ord = if i != 0 && (a.starts_with('0') || b.starts_with('0')) {
                a.cmp(b)
            } else {
                cmp_digits(a, b)
            };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        let ord = self.letter.cmp(&other.letter);
        if ord != Ordering::Equal {
            return ord;
        }
        let n = self.suffixes.len().max(other.suffixes.len());
        for i in 0..n {
            let (wa, na) = self.suffixes.get(i).copied().unwrap_or((5, "0"));
            let (wb, nb) = other.suffixes.get(i).copied().unwrap_or((5, "0"));
            let ord = wa.cmp(&wb).then_with(|| cmp_digits(na, nb));
            if ord != Ordering::Equal {
                return ord;
            }
        }
        cmp_digits(self.revision, other.revision)
            .then_with(|| self.remainder.is_empty().cmp(&other.remainder.is_empty()))
    }
}
ord_via_cmp!(ApkVersion);

impl fmt::Display for ApkVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn suffixes_and_revisions() {
        for (a, b, want) in [
            ("1.2.3_rc1-r0", "1.2.3-r0", Less),
            ("1.2.3_alpha", "1.2.3_beta", Less),
            ("1.2.3_p1", "1.2.3", Greater),
            ("1.2.3_git20240101", "1.2.3_p0", Less),
            ("1.2.3-r10", "1.2.3-r9", Greater),
            ("1.2.3a", "1.2.3", Greater),
            ("1.2.3a", "1.2.3b", Less),
            ("1.02", "1.1", Less),
            ("1.2", "1.2.0", Less),
            ("1-r1", "1-r01", Equal),
            ("1-r-0", "1-r0", Less),
            ("1.0~abc1", "1.0", Greater),
        ] {
            assert_eq!(compare(a, b), want, "{a} vs {b}");
            assert_eq!(compare(b, a), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn validity() {
        assert!(ApkVersion::parse("1.2.3_rc1-r0").unwrap().is_valid());
        assert!(ApkVersion::parse("1.2.3~deadbeef-r2").unwrap().is_valid());
        assert!(!ApkVersion::parse("1.2.3_foo").unwrap().is_valid());
        assert!(!ApkVersion::parse("r1").unwrap().is_valid());
        assert!(ApkVersion::parse("").is_err());
        assert!(ApkVersion::parse("1 2").is_err());
    }
}
