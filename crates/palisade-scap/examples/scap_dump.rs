//! Prints a capture the way `sysdig -r FILE -p '*%evt.num %evt.type %evt.dir %thread.tid
//! %proc.name %fd.name'` does.

use std::io::Write;

use palisade_event::{EventSource, Inspector};
use palisade_scap::ScapReader;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: scap_dump FILE [-v]")?;
    let verbose = std::env::args().nth(2).is_some_and(|a| a == "-v");
    // `-c`: append `container.id container.image user.name proc.pname` to each line.
    let context = std::env::args().nth(2).is_some_and(|a| a == "-c");
    let mut reader = ScapReader::open(path.as_ref())?;
    let mut state = Inspector::new();
    let out = std::io::stdout();
    let mut out = out.lock();
    let mut line = String::new();
    while let Some(evt) = reader.next_event(&mut state)? {
        state.process(&evt);
        if palisade_scap::display::sysdig_shows(&evt) {
            line.clear();
            palisade_scap::display::write_line(&mut line, &evt, &state);
            if context {
                let t = state.thread(evt.tid);
                let c = state.thread_container(evt.tid);
                let cid = t.map_or("<NA>", |t| {
                    if t.container_id.is_empty() {
                        "host"
                    } else {
                        t.container_id.as_str()
                    }
                });
                line.push_str(&format!(
                    " {} {} {} {}",
                    cid,
                    c.map_or("<NA>", |c| c.image.as_str()),
                    t.and_then(|t| state.user(t.uid))
                        .map_or("<NA>", |u| u.name.as_str()),
                    t.and_then(|t| state.parent(t)).map_or("<NA>", |p| &*p.comm),
                ));
            }
            if verbose {
                for i in 0..evt.nparams() {
                    if let Some((info, v)) = evt.param(i) {
                        line.push_str(&format!(" {}={}", info.name, v.display(info.format)));
                    }
                }
            }
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}
