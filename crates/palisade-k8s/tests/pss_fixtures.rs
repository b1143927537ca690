//! Pod Security fixtures laid out like upstream's `pod-security-admission/test/testdata`:
//! `tests/pss/LEVEL/vVERSION/pass|fail/CHECKn.yaml`. A pass fixture must be allowed at its level and
//! version; a fail fixture must be forbidden there by the check its name starts with and by no
//! other. The messages are pinned in a snapshot.
//!
//! The cases are the ones upstream generates for the checks that changed lately: the sysctls
//! allowed from v1.37, and the user-namespace relaxations of v1.35, which v1.36 (no check changed)
//! keeps.

use std::path::{Path, PathBuf};

use palisade_k8s::manifest::read_paths;
use palisade_k8s::pss::{self, Level, Version};
use palisade_k8s::yaml::Limits;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/pss")
}

/// `LEVEL/VERSION/OUTCOME/NAME.yaml` relative to the fixture root.
fn parts(root: &Path, file: &str) -> [String; 4] {
    let rel = Path::new(file).strip_prefix(root).unwrap();
    let p: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        p.len(),
        4,
        "{file}: expected LEVEL/VERSION/OUTCOME/NAME.yaml"
    );
    [p[0].clone(), p[1].clone(), p[2].clone(), p[3].clone()]
}

#[test]
fn pss_fixtures_decide_like_the_api_server() {
    let root = root();
    let m = read_paths(&[&root], &Limits::default());
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    assert!(m.objects.len() >= 27, "{} fixtures", m.objects.len());

    let mut lines = Vec::new();
    for obj in &m.objects {
        let [level, version, outcome, name] = parts(&root, &obj.file);
        let level: Level = level.parse().unwrap();
        let version: Version = version.parse().unwrap();
        let check = name
            .trim_end_matches(".yaml")
            .trim_end_matches(char::is_numeric);
        let violations = pss::evaluate(obj, level, version).unwrap();
        let at = format!("{level}/{version}/{outcome}/{name}");
        match outcome.as_str() {
            "pass" => {
                assert!(violations.is_empty(), "{at}: {violations:?}");
                lines.push(format!("{at}: allowed"));
            }
            "fail" => {
                assert!(!violations.is_empty(), "{at}: allowed");
                for v in &violations {
                    assert_eq!(v.check.to_lowercase(), check, "{at}: {}", v.message());
                }
                lines.push(format!(
                    "{at}: {}",
                    pss::summary(level, version, &violations)
                ));
            }
            other => panic!("{at}: outcome {other:?} is neither pass nor fail"),
        }
    }
    lines.sort();
    insta::assert_snapshot!(lines.join("\n"));
}
