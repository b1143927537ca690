//! Advisory feed parsers and scan policy files on arbitrary bytes: OSV, legacy npm and Debian
//! tracker JSON, RustSec front matter, Alpine secdb YAML, ignore files and OpenVEX documents
//! must return records or errors, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_vulndb::import::{alpine, debian_tracker, npm, osv, rustsec};

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = npm::convert(&value);
        let _ = debian_tracker::convert(&value);
        let _ = osv::convert(value);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = rustsec::convert(text);
        let _ = alpine::convert(text, &mut Default::default());
        let _ = palisade_vulndb::ignore::parse("fuzz.toml", text);
        let _ = palisade_vulndb::vex::parse("fuzz.json", text);
    }
});
