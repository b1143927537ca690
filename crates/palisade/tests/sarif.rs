//! Every SARIF log palisade writes — `scan`, `scan --policy` and `k8s scan` — passes Microsoft's
//! SARIF Multitool (`validate`: the SARIF 2.1.0 schema and its rules) with no error and no
//! warning.

mod support;

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use support::{images, run, shared};

/// What the Multitool says of `log`: (rule, level, message) of each problem it reports.
fn multitool_problems(log: &Path) -> Vec<(String, String, String)> {
    let out = log.with_extension("validation.sarif");
    let status = Command::new(support::sarif_multitool())
        .arg("validate")
        .arg(log)
        .arg("-o")
        .arg(&out)
        .args(["--log", "ForceOverwrite"])
        .output()
        .expect("the SARIF Multitool runs");
    assert!(
        status.status.success(),
        "sarif-multitool failed on {}:\n{}{}",
        log.display(),
        String::from_utf8_lossy(&status.stdout),
        String::from_utf8_lossy(&status.stderr)
    );
    let report: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    report["runs"][0]["results"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap_or_default().to_owned(),
                // SARIF's default level is warning.
                r["level"].as_str().unwrap_or("warning").to_owned(),
                r["message"].to_string(),
            )
        })
        .filter(|(_, level, _)| level == "error" || level == "warning")
        .collect()
}

fn write_sarif(dir: &Path, name: &str, args: &[&str]) -> std::path::PathBuf {
    let out = run(args);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(doc["version"], "2.1.0");
    assert!(
        !doc["runs"][0]["results"].as_array().unwrap().is_empty(),
        "{name}: no results to check"
    );
    assert_eq!(
        doc["runs"][0]["tool"]["driver"]["version"],
        env!("CARGO_PKG_VERSION")
    );
    let path = dir.join(format!("{name}.sarif"));
    std::fs::write(&path, &out.stdout).unwrap();
    path
}

#[test]
fn issue_14_every_sarif_log_passes_the_sarif_multitool() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite").display().to_string();
    let vulndata = shared().join("vulndata");
    let feeds = [
        "rustsec-advisory-db.tar.gz",
        "nodejs-security-wg-vuln.tar.gz",
        "pypa-advisory-database-osv.tar.gz",
    ]
    .map(|f| vulndata.join(f).display().to_string());
    let mut args = vec!["db", "--db", &db, "import"];
    args.extend(feeds.iter().map(String::as_str));
    assert!(run(&args).status.success());
    let image = format!(
        "docker-archive:{}",
        images().join("layered-app.docker.tar").display()
    );
    let bundle = shared()
        .join("policy/anchore/anchore_default_bundle.json")
        .display()
        .to_string();
    let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/../palisade-k8s/tests/corpus");
    let manifests: Vec<String> = std::fs::read_dir(corpus)
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|p| p.ends_with(".yaml"))
        .collect();
    let mut k8s = vec!["k8s", "scan", "--format", "sarif"];
    k8s.extend(manifests.iter().map(String::as_str));

    let logs = [
        write_sarif(
            dir.path(),
            "scan",
            &["scan", "--db", &db, "-f", "sarif", &image],
        ),
        write_sarif(
            dir.path(),
            "scan-policy",
            &[
                "scan", "--db", &db, "--policy", &bundle, "-f", "sarif", &image,
            ],
        ),
        write_sarif(dir.path(), "k8s-scan", &k8s),
    ];
    for log in &logs {
        let problems = multitool_problems(log);
        assert!(
            problems.is_empty(),
            "{}: {} problems, first: {:?}",
            log.display(),
            problems.len(),
            &problems[..problems.len().min(5)]
        );
    }
}
