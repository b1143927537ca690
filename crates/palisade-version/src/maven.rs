//! Maven versions, ordered as Maven's `ComparableVersion` and the POM reference's "Version
//! Order Specification" describe: the string is split into numbers and qualifiers at `.`, `-`
//! and at every change between digits and other characters (such a change counts as `-`);
//! trailing "null" items (`0`, `""`, `final`, `ga`, `release`) are dropped before each hyphen;
//! missing items compare as null; `.qualifier < -qualifier < -number < .number`; known
//! qualifiers order `alpha < beta < milestone < rc = cr < snapshot < "" = final = ga < sp`, and
//! unknown ones sort after them, alphabetically (case-insensitive).

use std::cmp::Ordering;
use std::fmt;

use crate::num::Num;
use crate::{Scheme, VersionError, check_len, ord_via_cmp};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    Number(Num),
    Qualifier(Box<str>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Item {
    /// Preceded by `-` (or a digit/letter change) rather than `.`.
    dash: bool,
    value: Value,
    /// Padding added by the comparison, not parsed.
    null: bool,
}

impl Item {
    fn is_null_value(&self) -> bool {
        match &self.value {
            Value::Number(n) => n.is_zero(),
            Value::Qualifier(q) => q.is_empty(),
        }
    }

    /// The item that stands in for a missing one opposite `other`.
    fn padding_for(other: &Item) -> Item {
        let value = if other.dash || other.value == Value::Qualifier("sp".into()) {
            Value::Qualifier("".into())
        } else {
            Value::Number(Num::zero())
        };
        Item {
            dash: other.dash,
            value,
            null: true,
        }
    }

    /// `.qualifier` < `-qualifier` < `-number` < `.number`.
    fn kind_rank(&self) -> u8 {
        match (&self.value, self.dash) {
            (Value::Qualifier(_), false) => 0,
            (Value::Qualifier(_), true) => 1,
            (Value::Number(_), true) => 2,
            (Value::Number(_), false) => 3,
        }
    }
}

const KEYWORDS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];

fn keyword_rank(q: &str) -> usize {
    KEYWORDS
        .iter()
        .position(|k| *k == q)
        .unwrap_or(KEYWORDS.len())
}

fn value_text(v: &Value) -> String {
    match v {
        Value::Number(n) => n.to_string(),
        Value::Qualifier(q) => q.to_string(),
    }
}

fn less(l: &Item, r: &Item) -> bool {
    if l.dash != r.dash {
        return l.kind_rank() < r.kind_rank();
    }
    match (&l.value, &r.value) {
        (Value::Number(a), Value::Number(b)) => return a < b,
        (Value::Number(_), _) if !l.null => return false,
        (_, Value::Number(_)) if !r.null => return true,
        _ => {}
    }
    let (lt, rt) = (value_text(&l.value), value_text(&r.value));
    let (li, ri) = (keyword_rank(&lt), keyword_rank(&rt));
    if li == KEYWORDS.len() && ri == KEYWORDS.len() {
        lt < rt
    } else {
        li < ri
    }
}

/// A parsed Maven version.
#[derive(Debug, Clone)]
pub struct MavenVersion {
    text: Box<str>,
    items: Vec<Item>,
}

impl MavenVersion {
    /// Every non-empty string is a Maven version; only blank or over-long ones are rejected.
    pub fn parse(s: &str) -> Result<MavenVersion, VersionError> {
        check_len(Scheme::Maven, s)?;
        let t = s.trim();
        if t.is_empty() {
            return Err(VersionError::new(
                Scheme::Maven,
                s,
                "version string is empty",
            ));
        }
        let lower = t.to_lowercase();
        let mut items = Vec::new();
        let mut dash = false;
        for (raw, next_dash) in split_keep(&lower) {
            let runs = runs(raw);
            let last = runs.len().saturating_sub(1);
            for (k, run) in runs.iter().enumerate() {
                let item_dash = if k == 0 { dash } else { true };
                let followed_by_number = k < last;
                let value = if run.is_empty() {
                    Value::Number(Num::zero())
                } else if run.bytes().all(|b| b.is_ascii_digit()) {
                    Value::Number(Num::from_digits(run))
                } else {
                    let q = match *run {
                        "cr" => "rc",
                        "ga" | "final" | "release" => "",
                        "a" if followed_by_number => "alpha",
                        "b" if followed_by_number => "beta",
                        "m" if followed_by_number => "milestone",
                        other => other,
                    };
                    Value::Qualifier(q.into())
                };
                items.push(Item {
                    dash: item_dash,
                    value,
                    null: false,
                });
            }
            dash = next_dash;
        }
        trim_nulls(&mut items);
        Ok(MavenVersion {
            text: t.into(),
            items,
        })
    }
}

/// Splits at `.` and `-`, yielding each piece and whether the separator after it was `-`.
fn split_keep(s: &str) -> Vec<(&str, bool)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in s.char_indices() {
        if c == '.' || c == '-' {
            out.push((&s[start..i], c == '-'));
            start = i + 1;
        }
    }
    out.push((&s[start..], false));
    out
}

/// Splits a piece at every change between ASCII digits and anything else.
fn runs(piece: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev: Option<bool> = None;
    for (i, c) in piece.char_indices() {
        let d = c.is_ascii_digit();
        if prev.is_some_and(|p| p != d) {
            out.push(&piece[start..i]);
            start = i;
        }
        prev = Some(d);
    }
    out.push(&piece[start..]);
    out
}

/// Drops trailing null items, then repeats before each remaining hyphen, from the end.
fn trim_nulls(items: &mut Vec<Item>) {
    let mut i = items.len().checked_sub(1);
    while let Some(k) = i.filter(|k| *k > 0) {
        if items.get(k).is_some_and(Item::is_null_value) {
            items.remove(k);
            i = k.checked_sub(1);
            continue;
        }
        let mut j = k as isize;
        while j >= 0 && items.get(j as usize).is_some_and(|it| !it.dash) {
            j -= 1;
        }
        i = if j >= 1 { Some((j - 1) as usize) } else { None };
    }
}

impl Ord for MavenVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let n = self.items.len().max(other.items.len());
        for k in 0..n {
            let (l, r) = match (self.items.get(k), other.items.get(k)) {
                (Some(l), Some(r)) => (l.clone(), r.clone()),
                (Some(l), None) => (l.clone(), Item::padding_for(l)),
                (None, Some(r)) => (Item::padding_for(r), r.clone()),
                (None, None) => break,
            };
            if l.dash == r.dash && l.value == r.value {
                continue;
            }
            return if less(&l, &r) {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        Ordering::Equal
    }
}
ord_via_cmp!(MavenVersion);

impl fmt::Display for MavenVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> MavenVersion {
        MavenVersion::parse(s).unwrap()
    }

    #[test]
    fn specification_examples() {
        let chain = [
            "1-alpha",
            "1-beta",
            "1-milestone",
            "1-rc",
            "1-snapshot",
            "1",
            "1-sp",
        ];
        for w in chain.windows(2) {
            assert!(v(w[0]) < v(w[1]), "{} < {}", w[0], w[1]);
        }
        assert_eq!(v("1"), v("1.0"));
        assert_eq!(v("1"), v("1.0.0-ga"));
        assert_eq!(v("1.0-final"), v("1"));
        assert_eq!(v("1-cr1"), v("1-rc1"));
        assert_eq!(v("1a1"), v("1-alpha-1"));
        assert!(v("1-foo") < v("1-1"));
        assert!(v("1-1") < v("1.1"));
        assert!(v("1.0.RELEASE") == v("1.0"));
        assert!(v("2.0.0.Final") > v("2.0.0.CR1"));
        assert!(v("1.0-SNAPSHOT") < v("1.0"));
    }
}
