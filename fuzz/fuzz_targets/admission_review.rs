//! Arbitrary bytes as AdmissionReview bodies through parsing and the whole decision (Pod
//! Security, image rules with a verifier that refuses, pinning): no panic, bounded work.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use palisade_admission::config;
use palisade_admission::decide::{Cache, Touched, Verifier, decide};
use palisade_core::RegistryRef;

struct Refuse;

impl Verifier for Refuse {
    fn check(
        &self,
        _: &RegistryRef,
        _: &[palisade_sign::PublicKey],
        _: &[config::AttestationRule],
        _: Duration,
    ) -> Result<String, String> {
        Err("refused".into())
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(request) = palisade_admission::review::parse(data) else {
        return;
    };
    let config = config::load(
        "fuzz.yaml",
        std::path::Path::new("."),
        b"podSecurity: {default: {level: restricted}}\nimages:\n  - match: \"**\"\n    action: allow\nmutate: {pinDigests: true}\n",
    )
    .unwrap_or_default();
    let mut touched = Touched::default();
    let decision = decide(&config, &Refuse, &Cache::default(), &request, true, &mut touched);
    let _ = palisade_admission::review::response(&request.uid, &decision);
});
