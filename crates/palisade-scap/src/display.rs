//! One-line rendering of events as sysdig prints them with
//! `-p '*%evt.num %evt.type %evt.dir %thread.tid %proc.name %fd.name'`, used to compare the
//! reader and the state machine against sysdig, and handy for quick looks at a capture.

use std::fmt::Write;

use palisade_event::table::{Category, EF_USES_FD};
use palisade_event::{Direction, Event, Inspector};

/// Whether sysdig shows `evt` without `-D`: internal events (process info, drops) and the
/// initial-state events of a capture are consumed silently.
pub fn sysdig_shows(evt: &Event<'_>) -> bool {
    !evt.is_initial_state() && evt.info().category != Category::Internal
}

/// Appends `num type dir tid proc.name fd.name` for `evt` (after `state.process(evt)`).
pub fn write_line(out: &mut String, evt: &Event<'_>, state: &Inspector) {
    let _ = write!(
        out,
        "{} {} {} {} ",
        evt.num,
        evt.name(),
        evt.direction().as_str(),
        evt.tid
    );
    match state.thread(evt.tid).map(|t| t.comm.as_str()) {
        Some(c) if !c.is_empty() => out.push_str(c),
        _ => out.push_str("<NA>"),
    }
    out.push(' ');
    match state.event_fd() {
        Some((_, Some(fd))) => out.push_str(&fd.name),
        // sysdig names the fd of an exit event that uses one even when it knows nothing of it.
        _ if evt.direction() == Direction::Exit && evt.info().flags & EF_USES_FD != 0 => {}
        _ => out.push_str("<NA>"),
    }
}
