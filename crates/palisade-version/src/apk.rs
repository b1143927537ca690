//! Alpine package versions, `digit{.digit}...{letter}{_suf{#}}...{~hash}{-r#}`, ordered like
//! apk-tools' `apk_version_compare` (src/version.c): numbers compare by value except that a
//! component with a leading zero compares as a string; the pre-release suffixes `_alpha`,
//! `_beta`, `_pre`, `_rc` sort before the bare version and `_cvs`, `_svn`, `_git`, `_hg`, `_p`
//! after it; `-rN` is the package revision.
//!
//! Like apk, comparison also orders strings that break that grammar (apk compares them token by
//! token up to the first invalid token); [`ApkVersion::is_valid`] tells them apart.

use std::cmp::Ordering;
use std::fmt;

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
        compare(&self.text, &other.text)
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
