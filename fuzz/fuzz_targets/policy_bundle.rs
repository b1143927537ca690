//! Arbitrary bytes through the policy bundle loader (both formats), the evaluator on an empty
//! image, and the secret scanner: no panic, bounded memory and time.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_policy::bundle::ImageName;
use palisade_policy::facts::ImageFacts;
use palisade_policy::gates::Evidence;

fuzz_target!(|data: &[u8]| {
    let loaded = palisade_policy::load::load("fuzz.yaml", data, Default::default());
    if let Some(bundle) = &loaded.bundle {
        let _ = palisade_policy::native::to_yaml(bundle);
        let config = palisade_image::ImageConfig::default();
        let facts = ImageFacts::default();
        let image = ImageName::parse_repo_tag("registry.example/app:1");
        let evidence = Evidence {
            image: &image,
            config: &config,
            layer_count: 0,
            size: 0,
            distro: None,
            packages: &[],
            vulnerabilities: None,
            database_built: None,
            facts: &facts,
            dockerfile: Some("FROM scratch\nUSER 0\nEXPOSE 22\n"),
            now: 0,
        };
        let _ = palisade_policy::eval::evaluate(bundle, &evidence);
    }
    let _ = palisade_secrets::Scanner::new().scan(data);
});
