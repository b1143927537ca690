//! Any bytes given to the scap reader (plain or gzip) end in events and a clean end or an
//! error: no panic, no unbounded allocation. Every event also goes through the state machine
//! and every parameter is decoded and rendered.
#![no_main]

use std::fmt::Write;
use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use palisade_event::{EventSource, Inspector};
use palisade_scap::ScapReader;

fuzz_target!(|data: &[u8]| {
    let Ok(reader) = ScapReader::from_read(Cursor::new(data.to_vec()), "fuzz.scap") else { return };
    let mut reader = reader.with_max_block(1 << 20);
    // Half the inputs read with the mask `palisade detect` uses, so skipped blocks are fuzzed too.
    if data.first().is_some_and(|b| b & 1 == 1) {
        reader.set_interest(&Inspector::interest());
    }
    let mut state = Inspector::new();
    let mut out = String::new();
    while let Ok(Some(evt)) = reader.next_event(&mut state) {
        state.process(&evt);
        out.clear();
        let _ = write!(out, "{} {}", evt.name(), evt.direction().as_str());
        for i in 0..evt.nparams() {
            if let Some((info, v)) = evt.param(i) {
                let _ = write!(out, " {}={}", info.name, v.display(info.format));
            }
        }
        if let Some((_, Some(fd))) = state.event_fd() {
            out.push_str(&fd.name);
        }
        let _ = state.ancestors(evt.tid).count();
    }
});
