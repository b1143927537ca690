//! `palisade k8s …` end to end: exit statuses and the report formats.

use std::io::Write;
use std::process::{Command, Stdio};

/// Runs palisade with `stdin` as its input: whether writing the input worked, and the output.
fn run(args: &[&str], stdin: &str) -> (std::io::Result<()>, std::process::Output) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let written = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    (written, child.wait_with_output().unwrap())
}

fn palisade(args: &[&str], stdin: &str) -> (i32, String) {
    let (written, out) = run(args, stdin);
    written.unwrap();
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
fn issue_14_format_has_the_short_flag_every_command_has() {
    let long = palisade(&["k8s", "scan", "-", "--format", "kubesec"], PRIVILEGED);
    let short = palisade(&["k8s", "scan", "-", "-f", "kubesec"], PRIVILEGED);
    assert_eq!(long, short);
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

/// A policy version newer than the newest palisade knows is a usage error naming the newest, not
/// a silent evaluation as the newest.
#[test]
fn pss_refuses_a_version_newer_than_the_newest_known() {
    let newest = format!("v1.{}", palisade_k8s::pss::LATEST_MINOR);
    let too_new = format!("v1.{}", palisade_k8s::pss::LATEST_MINOR + 1);
    // The arguments are refused before stdin is read, so the pipe may already be closed.
    let (_, out) = run(
        &[
            "k8s",
            "pss",
            "-",
            "--level",
            "baseline",
            "--version",
            &too_new,
        ],
        PRIVILEGED,
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(
        stderr.contains(&format!(
            "unknown Pod Security version \"{too_new}\": the newest this palisade knows is {newest}"
        )),
        "{stderr}"
    );
    let args = [
        "k8s",
        "pss",
        "-",
        "--level",
        "baseline",
        "--version",
        &newest,
    ];
    assert_eq!(palisade(&args, PRIVILEGED).0, 1);
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

/// Pod Security violations grouped by control; for the controls that a palisade rule and a Pod
/// Security check both cover with the same meaning, the two independent implementations must
/// count the same passes and failures over the whole corpus.
#[test]
fn pss_compliance_agrees_with_the_rules() {
    let (code, out) = palisade(
        &[
            "k8s",
            "pss",
            "-",
            "--level",
            "baseline",
            "--compliance",
            "cis",
            "--json",
        ],
        PRIVILEGED,
    );
    assert_eq!(code, 1);
    let controls: serde_json::Value = serde_json::from_str(&out).expect("json");
    let privileged = controls
        .as_array()
        .expect("array")
        .iter()
        .find(|c| c["control"] == "5.2.2")
        .expect("5.2.2");
    assert_eq!(
        (privileged["passed"].as_u64(), privileged["failed"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(privileged["rules"], serde_json::json!(["privileged"]));

    let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/../palisade-k8s/tests/corpus");
    let counts = |args: &[&str]| -> std::collections::BTreeMap<String, (u64, u64)> {
        let (_, out) = palisade(args, "");
        let v: serde_json::Value = serde_json::from_str(&out).expect("json");
        v.as_array()
            .expect("array")
            .iter()
            .map(|c| {
                let n = |k: &str| c[k].as_u64().expect("count");
                (
                    c["control"].as_str().expect("control").to_owned(),
                    (n("passed"), n("failed")),
                )
            })
            .collect()
    };
    let rules = counts(&[
        "k8s",
        "scan",
        corpus,
        "--compliance",
        "cis",
        "--format",
        "json",
    ]);
    let pss = counts(&[
        "k8s",
        "pss",
        corpus,
        "--level",
        "baseline",
        "--compliance",
        "cis",
        "--json",
    ]);
    // privileged (K8S-014), host namespaces (K8S-015), host ports (K8S-021).
    for control in ["5.2.2", "5.2.3", "5.2.4", "5.2.5", "5.2.13"] {
        assert_eq!(rules.get(control), pss.get(control), "control {control}");
        assert!(
            rules[control].1 > 0,
            "control {control} should fail somewhere in the corpus"
        );
    }
}

#[test]
fn issue_14_fail_on_severity_and_unreadable_input() {
    assert_eq!(
        palisade(&["k8s", "scan", "-", "--fail-on", "critical"], PRIVILEGED).0,
        1
    );
    let calm =
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: ops}\ndata: {a: b}\n";
    assert_eq!(
        palisade(&["k8s", "scan", "-", "--fail-on", "critical"], calm).0,
        0
    );
    // Every document unreadable: nothing was checked, which is an error (exit 2), not a pass.
    assert_eq!(palisade(&["k8s", "scan", "-"], "a: [\n").0, 2);
    assert_eq!(
        palisade(&["k8s", "pss", "-", "--level", "baseline"], "a: [\n").0,
        2
    );
    // One readable document is enough to report on.
    let mixed = format!("a: [\n---\n{PRIVILEGED}");
    assert_eq!(palisade(&["k8s", "scan", "-"], &mixed).0, 0);
}

#[test]
fn issue_14_table_columns_align() {
    let (_, out) = palisade(&["k8s", "scan", "-"], PRIVILEGED);
    let rows: Vec<&str> = out.lines().filter(|l| l.starts_with("  ")).collect();
    assert!(rows.len() > 3, "{out}");
    // The message column starts at the same place on every row.
    let col = |l: &str| {
        l.find(" container ")
            .or_else(|| l.find(" spec"))
            .or_else(|| l.find(" Pod "))
    };
    let starts: Vec<usize> = rows.iter().skip(1).filter_map(|l| col(l)).collect();
    assert!(starts.windows(2).all(|w| w[0] == w[1]), "{out}");
}

#[test]
fn issue_14_db_option_after_the_subcommand() {
    let dir = std::env::temp_dir().join(format!("palisade-db-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("db.sqlite");
    let feed = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/vulndata/alpine-secdb-2020.tar.gz");
    let (code, _) = palisade(
        &[
            "db",
            "import",
            "--db",
            db.to_str().unwrap(),
            feed.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(code, 0);
    let (code, out) = palisade(&["db", "status", "--db", db.to_str().unwrap()], "");
    assert_eq!(code, 0);
    assert!(out.contains("advisories"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs palisade: exit code, standard output, and the peak resident memory in KiB of the
/// largest child this test process has waited for (the others here are small).
fn palisade_peak(args: &[&str]) -> (i32, String, i64) {
    let out = Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .unwrap();
    let usage =
        nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN).unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        usage.max_rss(),
    )
}

#[test]
fn issue_14_a_large_manifest_is_scanned_in_bounded_memory() {
    // Every object is read, scanned and written before the next: memory does not grow with
    // the number of objects (a whole report of these 20,000 pods takes well over 100 MiB).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pods.yaml");
    let doc = "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: x\n";
    std::fs::write(&path, doc.repeat(20_000)).unwrap();
    let (code, out, peak_kib) = palisade_peak(&["k8s", "scan", path.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(
        out.ends_with("20000 objects in 1 files, 240000 findings, 0 unreadable documents\n"),
        "{}",
        out.lines().last().unwrap_or_default()
    );
    assert!(peak_kib < 100 * 1024, "peak {peak_kib} KiB");
}
