//! Arbitrary bytes through the Kubernetes manifest reader and every check: no panic, bounded
//! memory (the reader's limits refuse alias bombs, deep nesting and huge files).
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_k8s::manifest::read_bytes;
use palisade_k8s::pss::{self, Level, Version};
use palisade_k8s::yaml::Limits;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_file_bytes: 1 << 20,
        max_nodes: 100_000,
        max_alias_nodes: 10_000,
        ..Limits::default()
    };
    let manifests = read_bytes("fuzz.yaml", data, &limits);
    let _ = palisade_k8s::scan(&manifests);
    let _ = palisade_k8s::advise::advise(&manifests);
    for obj in &manifests.objects {
        let _ = pss::evaluate(obj, Level::Restricted, Version::LATEST);
        let _ = pss::evaluate(obj, Level::Baseline, Version::v1(0));
    }
});
