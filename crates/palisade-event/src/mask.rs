//! [`EventMask`]: a set of event types, for consumers to tell sources which events they need.

use crate::table::EVENTS;

const WORDS: usize = EVENTS.len().div_ceil(64);

/// A set of event type ids (`0..EVENTS.len()`); ids outside the table are never members.
///
/// A consumer gives its mask to [`crate::EventSource::set_interest`]: the rules engine needs
/// the event types its rules name, the [`crate::Inspector`] those that change state
/// ([`crate::Inspector::interest`]). Sources may then skip the rest cheaply, the way a kernel
/// sensor only enables the system calls someone listens to.
///
/// ```
/// use palisade_event::{EventMask, table::ids};
///
/// let mut m = EventMask::empty();
/// m.insert(ids::OPEN_X);
/// assert!(m.contains(ids::OPEN_X) && !m.contains(ids::OPEN_E));
/// assert!(EventMask::all().contains(ids::OPEN_E));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct EventMask {
    bits: [u64; WORDS],
}

impl EventMask {
    /// No event type.
    pub const fn empty() -> Self {
        EventMask { bits: [0; WORDS] }
    }

    /// Every event type of the table.
    pub fn all() -> Self {
        let mut m = Self::empty();
        for k in 0..EVENTS.len() {
            m.bits[k / 64] |= 1 << (k % 64);
        }
        m
    }

    /// Adds event type `kind` (ids outside the table are ignored).
    pub fn insert(&mut self, kind: u16) {
        let k = usize::from(kind);
        if k < EVENTS.len() {
            self.bits[k / 64] |= 1 << (k % 64);
        }
    }

    /// Removes event type `kind`.
    pub fn remove(&mut self, kind: u16) {
        let k = usize::from(kind);
        if k < EVENTS.len() {
            self.bits[k / 64] &= !(1 << (k % 64));
        }
    }

    /// Whether event type `kind` is in the set.
    #[inline]
    pub fn contains(&self, kind: u16) -> bool {
        let k = usize::from(kind);
        self.bits
            .get(k / 64)
            .is_some_and(|w| w & (1 << (k % 64)) != 0)
    }

    /// Adds every member of `other`.
    pub fn union_with(&mut self, other: &EventMask) {
        for (a, b) in self.bits.iter_mut().zip(other.bits) {
            *a |= b;
        }
    }

    /// Whether every event type is in the set.
    pub fn is_all(&self) -> bool {
        *self == Self::all()
    }

    /// The members, in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = u16> + '_ {
        (0..EVENTS.len())
            .filter_map(|k| u16::try_from(k).ok())
            .filter(|&k| self.contains(k))
    }
}

impl Default for EventMask {
    /// Every event type: a consumer that says nothing needs everything.
    fn default() -> Self {
        Self::all()
    }
}

impl std::fmt::Debug for EventMask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<_> = self.iter().map(|k| EVENTS[usize::from(k)].name).collect();
        f.debug_set().entries(names).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn membership_and_bounds() {
        let mut m = EventMask::empty();
        assert_eq!(m.iter().count(), 0);
        m.insert(0);
        m.insert(63);
        m.insert(64);
        m.insert(419);
        m.insert(420);
        m.insert(u16::MAX);
        assert_eq!(m.iter().collect::<Vec<_>>(), [0, 63, 64, 419]);
        assert!(!m.contains(420) && !m.contains(u16::MAX));
        m.remove(63);
        assert!(!m.contains(63) && m.contains(64));
        let mut all = EventMask::all();
        assert_eq!(all.iter().count(), EVENTS.len());
        assert!(all.is_all() && !m.is_all());
        all.remove(5);
        m.union_with(&all);
        assert!(!m.contains(5) && m.contains(6) && m.contains(63));
    }
}
