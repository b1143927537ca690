//! `palisade k8s …` end to end: exit statuses and the report formats.

use std::io::Write;
use std::process::{Command, Stdio};

fn palisade(args: &[&str], stdin: &str) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

const PRIVILEGED: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ops}\nspec:\n  containers:\n  - name: c\n    image: busybox:1.36\n    securityContext: {privileged: true}\n";

#[test]
fn min_score_fails_below_threshold() {
    assert_eq!(
        palisade(&["k8s", "scan", "-", "--min-score", "0"], PRIVILEGED).0,
        1
    );
    assert_eq!(
        palisade(&["k8s", "scan", "-", "--min-score", "-30"], PRIVILEGED).0,
        0
    );
}

#[test]
fn kubesec_format_is_an_array() {
    let (code, out) = palisade(&["k8s", "scan", "-", "--format", "kubesec"], PRIVILEGED);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["object"], "Pod/p.ops");
    assert_eq!(v[0]["fileName"], "<stdin>");
    assert_eq!(v[0]["score"], -30);
    assert_eq!(v[0]["scoring"]["critical"][0]["id"], "Privileged");
}

#[test]
fn sarif_has_locations() {
    let (_, out) = palisade(&["k8s", "scan", "-", "--format", "sarif"], PRIVILEGED);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    let privileged = results.iter().find(|r| r["ruleId"] == "K8S-014").unwrap();
    assert_eq!(
        privileged["locations"][0]["physicalLocation"]["region"]["startLine"],
        8
    );
}

#[test]
fn pss_exits_one_on_violation() {
    let (code, out) = palisade(&["k8s", "pss", "-", "--level", "baseline"], PRIVILEGED);
    assert_eq!(code, 1);
    assert!(out.contains("violates PodSecurity \"baseline:latest\": privileged (container \"c\" must not set securityContext.privileged=true)"), "{out}");
    let clean = PRIVILEGED.replace("privileged: true", "privileged: false");
    assert_eq!(
        palisade(
            &[
                "k8s",
                "pss",
                "-",
                "--level",
                "baseline",
                "--version",
                "v1.25"
            ],
            &clean
        )
        .0,
        0
    );
}

#[test]
fn compliance_groups_by_control() {
    let (_, out) = palisade(&["k8s", "scan", "-", "--compliance", "cis"], PRIVILEGED);
    assert!(
        out.lines()
            .any(|l| l.starts_with("5.2.2") && l.contains("0      1")),
        "{out}"
    );
}

#[test]
fn advise_prints_labels_and_patch() {
    let (code, out) = palisade(&["k8s", "advise", "-"], PRIVILEGED);
    assert_eq!(code, 0);
    assert!(
        out.contains("pod-security.kubernetes.io/enforce=privileged"),
        "{out}"
    );
    assert!(
        out.contains("kubectl patch pod p -n ops --type=strategic"),
        "{out}"
    );
}
