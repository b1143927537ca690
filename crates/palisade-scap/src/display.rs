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
    match state.thread(evt.tid).map(|t| &*t.comm) {
        Some(c) if !c.is_empty() => out.push_str(c),
        _ => out.push_str("<NA>"),
    }
    out.push(' ');
    match state.event_fd() {
        // Names recorded from /proc may end with a newline sysdig does not print.
        Some((_, Some(fd))) => out.push_str(fd.name.trim_end_matches('\n')),
        // sysdig names the fd of an exit event that uses one even when it knows nothing of it.
        _ if evt.direction() == Direction::Exit && evt.info().flags & EF_USES_FD != 0 => {}
        _ => out.push_str("<NA>"),
    }
}

/// Appends ` container.id container.image user.name` as sysdig prints them (`host` outside
/// containers, `<NA>` when unknown).
pub fn write_context(out: &mut String, evt: &Event<'_>, state: &Inspector) {
    let t = state.thread(evt.tid);
    out.push(' ');
    out.push_str(t.map_or("<NA>", |t| {
        if t.container_id.is_empty() {
            "host"
        } else {
            t.container_id.as_str()
        }
    }));
    out.push(' ');
    out.push_str(
        state
            .thread_container(evt.tid)
            .map_or("<NA>", |c| c.image.as_str()),
    );
    out.push(' ');
    out.push_str(
        t.and_then(|t| state.user(t.uid))
            .map_or("<NA>", |u| u.name.as_str()),
    );
}
