//! Every Anchore Engine bundle of the shared corpus loads, or is refused with the diagnostics
//! Anchore refuses it for.

use std::path::PathBuf;

use palisade_policy::diag::{Code, Level};
use palisade_policy::load::{Loaded, load};

fn shared_dir() -> PathBuf {
    std::env::var_os("PALISADE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")))
}

fn load_bundle(name: &str) -> Loaded {
    let path = shared_dir().join("policy/anchore").join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    load(name, &bytes, Default::default())
}

fn render(loaded: &Loaded) -> String {
    loaded
        .diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn default_bundle_loads_without_diagnostics() {
    let loaded = load_bundle("anchore_default_bundle.json");
    assert!(loaded.diagnostics.is_empty(), "{}", render(&loaded));
    let bundle = loaded.bundle.unwrap();
    assert_eq!(bundle.policies[0].rules.len(), 6);
    assert!(bundle.digest.starts_with("sha256:"));
}

#[test]
fn all_rules_bundle_loads_and_says_what_it_cannot_evaluate() {
    let loaded = load_bundle("bundle-with-all-rules-2020-08-20.json");
    assert_eq!(loaded.errors().count(), 0, "{}", render(&loaded));
    let bundle = loaded.bundle.as_ref().unwrap();
    let rules = &bundle.policies[0].rules;
    assert_eq!(rules.len(), 38);
    insta::assert_snapshot!(render(&loaded));
    let not_evaluated: Vec<String> = rules
        .iter()
        .filter(|r| r.not_evaluated.is_some())
        .map(|r| format!("{}/{}", r.gate, r.trigger))
        .collect();
    assert!(not_evaluated.contains(&"malware/scans".to_owned()));
    assert!(not_evaluated.contains(&"packages/verify".to_owned()));
}

#[test]
fn multi_policy_and_large_allowlist_bundles_load() {
    for name in ["multi_policy.json", "bundle-large_whitelist.json"] {
        let loaded = load_bundle(name);
        assert_eq!(loaded.errors().count(), 0, "{name}: {}", render(&loaded));
        assert!(loaded.bundle.is_some(), "{name}");
    }
    let large = load_bundle("bundle-large_whitelist.json").bundle.unwrap();
    let items: usize = large.allowlists.iter().map(|a| a.items.len()).sum();
    assert!(items > 300, "{items}");
}

#[test]
fn bad_bundles_are_refused_with_their_reasons() {
    let bad = load_bundle("bad_bundle.json");
    assert!(bad.bundle.is_none());
    let codes: Vec<Code> = bad.errors().map(|d| d.code).collect();
    assert!(codes.contains(&Code::P012), "{}", render(&bad));
    assert!(codes.contains(&Code::P007), "{}", render(&bad));
    insta::assert_snapshot!("bad_bundle", render(&bad));

    let bad = load_bundle("bad_policy_id_bundle.json");
    assert!(bad.bundle.is_none());
    assert!(
        bad.errors()
            .any(|d| d.code == Code::P010 && d.message.contains("notarealid")),
        "{}",
        render(&bad)
    );
    assert!(
        bad.diagnostics
            .iter()
            .all(|d| d.level == Level::Error || d.code != Code::P010)
    );
}
