//! Version strings and ranges come from images and advisory feeds: every parser must reject
//! bad input with an error, never panic, and order what it accepts consistently.
//!
//! Input: two strings separated by a newline (the second defaults to `1.0`).

#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_version::{Scheme, cargo, npm, pep440};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (a, b) = text.split_once('\n').unwrap_or((&text, "1.0"));
    for scheme in Scheme::ALL {
        if let (Ok(x), Ok(y)) = (scheme.parse(a), scheme.parse(b)) {
            assert_eq!(x.cmp(&y), y.cmp(&x).reverse(), "{scheme}: {a:?} vs {b:?}");
            let _ = x.to_string();
        }
    }
    for loose in [false, true] {
        let opts = npm::Options {
            loose,
            include_prerelease: loose,
        };
        if let Ok(range) = npm::Range::parse(a, opts) {
            let _ = range.satisfies(b);
            let _ = range.greater_than_range(b);
            let _ = range.less_than_range(b);
        }
    }
    if let Ok(req) = cargo::VersionReq::parse(a) {
        let _ = req.matches(b);
    }
    if let Ok(set) = pep440::SpecifierSet::parse(a) {
        let _ = set.contains(b);
    }
});
