//! palisade's runtime event model, source-independent: the same types serve a capture replay
//! (`palisade-scap`), a live sensor and in-memory test vectors.
//!
//! - [`table`]: the Falco/sysdig event table (names, directions, parameter names and types);
//! - [`Event`]: one event borrowing its parameter bytes from the source (no per-event
//!   allocation), with typed accessors ([`Event::arg`], [`Event::raw_arg`], [`Event::res`]) and
//!   sysdig-style rendering of flags (`O_RDONLY|O_CLOEXEC`), errnos, sockets;
//! - [`EventSource`]: a lending `next_event` interface; [`MemorySource`] for tests;
//! - [`Inspector`]: the system state (threads with their parent chain, per-process fds,
//!   containers, users) rebuilt from the source's state records and the events.
//!
//! ```
//! use palisade_event::{EventBuilder, EventSource, Inspector, MemorySource, table::ids};
//!
//! let mut src = MemorySource::new(vec![
//!     EventBuilder::new(ids::OPENAT_2_E).tid(7).i64(-100).str("/etc/shadow").u32(1).u32(0).build(),
//!     EventBuilder::new(ids::OPENAT_2_X).tid(7)
//!         .i64(3).i64(-100).str("/etc/shadow").u32(1).u32(0).u32(0).build(),
//! ]);
//! let mut state = Inspector::new();
//! let mut names = Vec::new();
//! while let Some(evt) = src.next_event(&mut state).unwrap() {
//!     state.process(&evt);
//!     if let Some((_, Some(fd))) = state.event_fd() {
//!         names.push(format!("{} {} {}", evt.name(), evt.direction().as_str(), fd.name));
//!     }
//! }
//! assert_eq!(names, ["openat < /etc/shadow"]);
//! ```

pub mod event;
pub mod flags;
pub mod mask;
pub mod source;
pub mod state;
pub mod table;

pub use event::{
    Direction, Event, FLAG_INITIAL_STATE, LenWidth, Params, SockAddr, SockTuple, Value,
};
pub use mask::EventMask;
pub use source::{EventBuilder, EventSource, MemorySource, OwnedEvent, StateRecord, StateSink};
pub use state::{
    ContainerInfo, FdInfo, FdKind, GroupInfo, Inspector, Interface, L4Proto, MachineInfo,
    ThreadInfo, UserInfo,
};
