//! The upstream Falco rules files (in `../shared/falco`) load with every rule compiled.

use std::path::PathBuf;

use palisade_rules::{Level, ruleset};

fn shared() -> PathBuf {
    match std::env::var_os("PALISADE_SHARED") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")),
    }
}

#[test]
fn upstream_rules_compile() {
    let dir = shared().join("falco");
    let mut files = Vec::new();
    for name in [
        "falco_rules.yaml",
        "falco-incubating_rules.yaml",
        "falco-sandbox_rules.yaml",
    ] {
        let path = dir.join(name);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "reading {}: {e} (the shared test data must be beside the repo, or set PALISADE_SHARED)",
                path.display()
            )
        });
        files.push((name.to_string(), text));
    }
    let set = ruleset::load(&files);
    let errors: Vec<String> = set
        .diagnostics
        .iter()
        .filter(|d| d.level == Level::Error)
        .map(|d| d.to_string())
        .collect();
    assert!(errors.is_empty(), "errors:\n{}", errors.join("\n"));
    assert_eq!(set.defined, 25 + 31 + 37);
    assert_eq!(set.rules.len(), set.defined, "every rule compiles");
}
