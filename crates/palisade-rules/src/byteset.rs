//! [`ByteSet`]: the constant string sets of `in`, `pmatch` and `intersects`, tuned for the
//! usual answer, "not a member".
//!
//! Members are rule constants; the values looked up come from events. A bitmap of member
//! lengths rejects most values before hashing, and the hash is the event model's multiply-rotate
//! [`IdHasher`] rather than SipHash. Hash flooding does not apply: only the rules choose what is
//! stored, so an event cannot lengthen a probe sequence.

use std::collections::HashSet;
use std::hash::BuildHasherDefault;

use palisade_event::state::IdHasher;

/// A set of byte strings; see the module documentation.
#[derive(Debug, Clone, Default)]
pub struct ByteSet {
    /// Bit `n` is set when a member is `n` bytes long (bit 63: 63 bytes or more).
    lens: u64,
    set: HashSet<Box<[u8]>, BuildHasherDefault<IdHasher>>,
}

fn len_bit(len: usize) -> u64 {
    1 << len.min(63)
}

impl ByteSet {
    /// Whether `v` is a member.
    #[inline]
    pub fn contains(&self, v: &[u8]) -> bool {
        self.lens & len_bit(v.len()) != 0 && self.set.contains(v)
    }

    /// Adds a member.
    pub fn insert(&mut self, v: impl Into<Box<[u8]>>) {
        let v = v.into();
        self.lens |= len_bit(v.len());
        self.set.insert(v);
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.set.len()
    }

    /// Whether the set has no member.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// The members, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        self.set.iter().map(|b| &**b)
    }
}

impl<T: Into<Box<[u8]>>> FromIterator<T> for ByteSet {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut s = ByteSet::default();
        for v in iter {
            s.insert(v);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_of_every_length() {
        let words: Vec<Vec<u8>> = (0..100).map(|n| vec![b'a' + (n % 26) as u8; n]).collect();
        let set: ByteSet = words.iter().step_by(2).map(|w| w.as_slice()).collect();
        assert_eq!(set.len(), 50);
        for (n, w) in words.iter().enumerate() {
            assert_eq!(set.contains(w), n % 2 == 0, "length {n}");
        }
        // Same length as a member, other bytes; a long value beyond the bitmap's range.
        assert!(!set.contains(b"zz"));
        assert!(!set.contains(&[b'q'; 80]));
        assert!(!ByteSet::default().contains(b""));
        let empty: ByteSet = [&b""[..]].into_iter().collect();
        assert!(empty.contains(b"") && !empty.contains(b"x"));
    }
}
