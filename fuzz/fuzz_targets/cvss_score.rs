//! CVSS vectors come from advisory feeds: scoring must never panic and must stay in range.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(s) = palisade_cvss::score(&text) {
        assert!((0.0..=10.0).contains(&s.score), "{text:?}: {}", s.score);
    }
});
