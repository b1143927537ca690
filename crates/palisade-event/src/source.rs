//! Event sources: the [`EventSource`] trait, the state records sources emit, and
//! [`MemorySource`], an in-memory source for tests.

use std::convert::Infallible;

use crate::event::{Event, LenWidth, Params};
use crate::mask::EventMask;
use crate::state::{FdInfo, GroupInfo, Interface, MachineInfo, ThreadInfo, UserInfo};

/// A piece of system state a source knows outside of events: the process and fd tables of a
/// capture, the user list, the machine. Rare and owned (allocation is fine here).
#[derive(Debug, Clone)]
pub enum StateRecord {
    /// The machine the events were recorded on.
    Machine(MachineInfo),
    /// A thread that existed when the recording started.
    Thread(Box<ThreadInfo>),
    /// An open file descriptor of process `pid` when the recording started.
    Fd {
        /// The owning process.
        pid: i64,
        /// The descriptor number.
        fd: i64,
        /// What it refers to.
        info: FdInfo,
    },
    /// A user.
    User(UserInfo),
    /// A group.
    Group(GroupInfo),
    /// A network interface.
    Interface(Interface),
}

/// Receives the [`StateRecord`]s a source meets while looking for the next event.
/// [`crate::Inspector`] is the usual sink.
pub trait StateSink {
    /// Takes one record.
    fn apply(&mut self, record: StateRecord);
}

/// Records are dropped.
impl StateSink for () {
    fn apply(&mut self, _record: StateRecord) {}
}

/// A stream of events: a capture file, a live sensor, a test vector.
///
/// `next_event` lends the event: it borrows the source's buffer until the next call, so
/// reading does not copy or allocate per event. State records met before the event are given
/// to `state` first, so a consumer that applies them sees the state as of the event.
///
/// ```
/// use palisade_event::{EventSource, Inspector, MemorySource, EventBuilder, table::ids};
///
/// let mut src = MemorySource::new(vec![
///     EventBuilder::new(ids::OPEN_E).tid(42).str("/etc/passwd").u32(1).u32(0).build(),
/// ]);
/// let mut inspector = Inspector::new();
/// let mut seen = 0;
/// while let Some(evt) = src.next_event(&mut inspector).unwrap() {
///     inspector.process(&evt);
///     assert_eq!(evt.name(), "open");
///     seen += 1;
/// }
/// assert_eq!(seen, 1);
/// ```
pub trait EventSource {
    /// Why reading failed.
    type Error: std::error::Error + Send + Sync + 'static;

    /// The next event, or `None` at the end of the stream. After an error the source is
    /// finished: further calls return `Ok(None)`.
    fn next_event(&mut self, state: &mut dyn StateSink) -> Result<Option<Event<'_>>, Self::Error>;

    /// Says which event types the consumer needs. A source may then skip the others without
    /// decoding them; skipped events still count in the numbering ([`Event::num`]). State
    /// records are always delivered. Sources that cannot filter keep yielding everything (the
    /// default), so consumers must still look at each event's type.
    fn set_interest(&mut self, mask: &EventMask) {
        let _ = mask;
    }
}

impl<S: EventSource + ?Sized> EventSource for &mut S {
    type Error = S::Error;

    fn next_event(&mut self, state: &mut dyn StateSink) -> Result<Option<Event<'_>>, Self::Error> {
        (**self).next_event(state)
    }

    fn set_interest(&mut self, mask: &EventMask) {
        (**self).set_interest(mask);
    }
}

impl<S: EventSource + ?Sized> EventSource for Box<S> {
    type Error = S::Error;

    fn next_event(&mut self, state: &mut dyn StateSink) -> Result<Option<Event<'_>>, Self::Error> {
        (**self).next_event(state)
    }

    fn set_interest(&mut self, mask: &EventMask) {
        (**self).set_interest(mask);
    }
}

/// An event held in memory, built with [`EventBuilder`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedEvent {
    /// Timestamp in nanoseconds.
    pub ts: u64,
    /// Thread id.
    pub tid: i64,
    /// CPU.
    pub cpu: u16,
    /// Event type id.
    pub kind: u16,
    /// Block flags.
    pub flags: u32,
    /// Parameter lengths, little-endian u16 or u32 each.
    pub lens: Vec<u8>,
    /// Parameter bytes.
    pub data: Vec<u8>,
    /// Width of the lengths.
    pub wide: bool,
}

impl OwnedEvent {
    /// Copies a borrowed event.
    pub fn from_event(e: &Event<'_>) -> Self {
        let (lens, data, width) = e.params.raw_parts();
        let used: usize = (0..e.params.len())
            .filter_map(|i| e.params.get(i))
            .map(<[u8]>::len)
            .sum();
        OwnedEvent {
            ts: e.ts,
            tid: e.tid,
            cpu: e.cpu,
            kind: e.kind,
            flags: e.flags,
            lens: lens.to_vec(),
            data: data.get(..used).unwrap_or(data).to_vec(),
            wide: width == LenWidth::U32,
        }
    }

    /// Borrows it as an [`Event`] numbered `num`.
    pub fn as_event(&self, num: u64) -> Event<'_> {
        let width = if self.wide {
            LenWidth::U32
        } else {
            LenWidth::U16
        };
        Event {
            num,
            ts: self.ts,
            tid: self.tid,
            cpu: self.cpu,
            kind: self.kind,
            flags: self.flags,
            params: Params::new(&self.lens, &self.data, width).unwrap_or_else(|_| Params::empty()),
        }
    }
}

/// Builds an [`OwnedEvent`] parameter by parameter, in table order.
#[derive(Debug, Clone)]
pub struct EventBuilder {
    evt: OwnedEvent,
}

impl EventBuilder {
    /// An event of type `kind` on thread 1 at time 0.
    pub fn new(kind: u16) -> Self {
        EventBuilder {
            evt: OwnedEvent {
                ts: 0,
                tid: 1,
                cpu: 0,
                kind,
                flags: 0,
                lens: Vec::new(),
                data: Vec::new(),
                wide: false,
            },
        }
    }

    /// Sets the thread id.
    pub fn tid(mut self, tid: i64) -> Self {
        self.evt.tid = tid;
        self
    }

    /// Sets the timestamp.
    pub fn ts(mut self, ts: u64) -> Self {
        self.evt.ts = ts;
        self
    }

    /// Appends a raw parameter.
    pub fn raw(mut self, bytes: &[u8]) -> Self {
        let len = u16::try_from(bytes.len()).unwrap_or(u16::MAX);
        self.evt.lens.extend(len.to_le_bytes());
        self.evt.data.extend(&bytes[..usize::from(len)]);
        self
    }

    /// Appends a 64-bit signed parameter (fd, pid, errno, int64).
    pub fn i64(self, v: i64) -> Self {
        self.raw(&v.to_le_bytes())
    }

    /// Appends a 64-bit unsigned parameter.
    pub fn u64(self, v: u64) -> Self {
        self.raw(&v.to_le_bytes())
    }

    /// Appends a 32-bit parameter (flags, uint32, uid).
    pub fn u32(self, v: u32) -> Self {
        self.raw(&v.to_le_bytes())
    }

    /// Appends a 32-bit signed parameter.
    pub fn i32(self, v: i32) -> Self {
        self.raw(&v.to_le_bytes())
    }

    /// Appends a 16-bit parameter.
    pub fn u16(self, v: u16) -> Self {
        self.raw(&v.to_le_bytes())
    }

    /// Appends an 8-bit parameter.
    pub fn u8(self, v: u8) -> Self {
        self.raw(&[v])
    }

    /// Appends a NUL-terminated string parameter.
    pub fn str(self, s: &str) -> Self {
        let mut b = s.as_bytes().to_vec();
        b.push(0);
        self.raw(&b)
    }

    /// Appends a NUL-separated list (args, env, cgroups).
    pub fn list(self, items: &[&str]) -> Self {
        let mut b = Vec::new();
        for i in items {
            b.extend(i.as_bytes());
            b.push(0);
        }
        self.raw(&b)
    }

    /// The event.
    pub fn build(self) -> OwnedEvent {
        self.evt
    }
}

/// A source over events held in memory, preceded by state records.
#[derive(Debug, Default)]
pub struct MemorySource {
    state: Vec<StateRecord>,
    events: Vec<OwnedEvent>,
    next: usize,
}

impl MemorySource {
    /// A source yielding `events` in order, numbered from 1.
    pub fn new(events: Vec<OwnedEvent>) -> Self {
        MemorySource {
            state: Vec::new(),
            events,
            next: 0,
        }
    }

    /// Adds state records given to the sink before the first event.
    pub fn with_state(mut self, state: Vec<StateRecord>) -> Self {
        self.state = state;
        self
    }
}

impl EventSource for MemorySource {
    type Error = Infallible;

    fn next_event(&mut self, sink: &mut dyn StateSink) -> Result<Option<Event<'_>>, Infallible> {
        for rec in self.state.drain(..) {
            sink.apply(rec);
        }
        let i = self.next;
        let Some(e) = self.events.get(i) else {
            return Ok(None);
        };
        self.next += 1;
        Ok(Some(e.as_event(i as u64 + 1)))
    }
}
