//! Unbounded non-negative integers written in decimal, ordered by value.
//!
//! Version components can be longer than any machine integer (`20240101123456789012`), and
//! every scheme must order them by value, so they are kept as digit strings without leading
//! zeros and compared by length, then lexically.

use std::cmp::Ordering;
use std::fmt;

/// A decimal number of any length.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub(crate) struct Num(Box<str>);

impl Num {
    /// From ASCII digits (callers check); leading zeros are dropped.
    pub(crate) fn from_digits(digits: &str) -> Num {
        let trimmed = digits.trim_start_matches('0');
        Num(trimmed.into())
    }

    pub(crate) fn zero() -> Num {
        Num("".into())
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    /// The number plus one.
    pub(crate) fn succ(&self) -> Num {
        let mut digits: Vec<u8> = self.0.bytes().collect();
        let mut i = digits.len();
        loop {
            if i == 0 {
                digits.insert(0, b'1');
                break;
            }
            i -= 1;
            if digits[i] == b'9' {
                digits[i] = b'0';
            } else {
                digits[i] += 1;
                break;
            }
        }
        Num(String::from_utf8(digits).unwrap_or_default().into())
    }

    /// The value, if it fits in a `u64`.
    pub(crate) fn to_u64(&self) -> Option<u64> {
        if self.0.is_empty() {
            Some(0)
        } else {
            self.0.parse().ok()
        }
    }
}

/// Compares two digit strings by value without allocating.
pub(crate) fn cmp_digits(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

impl Ord for Num {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.cmp(&other.0))
    }
}

impl PartialOrd for Num {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("0")
        } else {
            f.write_str(&self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_value() {
        assert!(Num::from_digits("10") > Num::from_digits("9"));
        assert_eq!(Num::from_digits("007"), Num::from_digits("7"));
        assert_eq!(Num::from_digits("000"), Num::zero());
        assert!(Num::from_digits("99999999999999999999999") > Num::from_digits("1"));
        assert_eq!(cmp_digits("0010", "10"), Ordering::Equal);
        assert_eq!(Num::from_digits("42").to_u64(), Some(42));
        assert_eq!(Num::zero().to_string(), "0");
        assert_eq!(Num::zero().succ().to_string(), "1");
        assert_eq!(Num::from_digits("199").succ().to_string(), "200");
        assert_eq!(Num::from_digits("99").succ().to_string(), "100");
    }
}
