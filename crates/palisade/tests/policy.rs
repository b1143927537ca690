//! `palisade scan --policy` end to end on the real layered test image, with advisory data from
//! the shared feeds: the verdict, its evidence, allowlists with expiry, allowlisted images,
//! every output form, and `policy check` / `convert`.

mod support;

use std::path::Path;

use serde_json::{Value, json};
use support::{images, run, shared};

/// A database with the language feeds that know the layered image's packages.
fn database(dir: &Path) -> String {
    let db = dir.join("db.sqlite");
    let vulndata = shared().join("vulndata");
    let mut args = vec![
        "db".to_owned(),
        "--db".to_owned(),
        db.display().to_string(),
        "import".to_owned(),
    ];
    for feed in [
        "rustsec-advisory-db.tar.gz",
        "nodejs-security-wg-vuln.tar.gz",
        "pypa-advisory-database-osv.tar.gz",
    ] {
        args.push(vulndata.join(feed).display().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    db.display().to_string()
}

fn rule(gate: &str, trigger: &str, action: &str, params: &[(&str, &str)]) -> Value {
    json!({
        "id": format!("{gate}-{trigger}-{action}"),
        "gate": gate, "trigger": trigger, "action": action,
        "params": params.iter().map(|(n, v)| json!({"name": n, "value": v})).collect::<Vec<_>>(),
    })
}

/// The bundle of the acceptance test, in Anchore's format.
fn bundle(whitelisted: bool) -> Value {
    let image = json!({"registry": "localhost", "repository": "palisade-test/layered-app",
                       "image": {"type": "tag", "value": "latest"}, "name": "layered-app"});
    json!({
        "id": "acceptance", "name": "acceptance", "version": "1_0",
        "policies": [{"id": "product", "name": "product", "version": "1_0", "rules": [
            rule("dockerfile", "effective_user", "STOP", &[("users", "root"), ("type", "blacklist")]),
            rule("dockerfile", "exposed_ports", "STOP", &[("ports", "22"), ("type", "blacklist")]),
            rule("dockerfile", "instruction", "WARN", &[("instruction", "HEALTHCHECK"), ("check", "not_exists")]),
            rule("secret_scans", "content_regex_checks", "STOP", &[]),
            rule("vulnerabilities", "package", "STOP", &[("package_type", "all"), ("severity_comparison", ">="), ("severity", "critical")]),
            rule("licenses", "blacklist_exact_match", "WARN", &[("licenses", "GPL-3.0-only,GPL-3.0-or-later")]),
            rule("files", "suid_or_guid_set", "WARN", &[]),
        ]}],
        "whitelists": [{"id": "accepted", "name": "accepted", "version": "1_0", "items": [
            {"id": "accepted-0009", "gate": "vulnerabilities", "trigger_id": "RUSTSEC-2019-0009+smallvec"},
            {"id": "expired-0012", "gate": "vulnerabilities", "trigger_id": "RUSTSEC-2019-0012+smallvec",
             "expires_on": "2024-01-01T00:00:00Z"},
        ]}],
        "mappings": [{"name": "all", "registry": "*", "repository": "*",
                      "image": {"type": "tag", "value": "*"},
                      "policy_ids": ["product"], "whitelist_ids": ["accepted"]}],
        "whitelisted_images": if whitelisted { vec![image] } else { vec![] },
        "blacklisted_images": [],
    })
}

fn results<'a>(policy: &'a Value, gate: &str, trigger: &str) -> Vec<&'a Value> {
    policy["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["gate"] == gate && r["trigger"] == trigger)
        .collect()
}

#[test]
fn layered_app_stops_for_each_reason_with_its_evidence() {
    let image = images().join("layered-app.docker.tar");
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let bundle_path = dir.path().join("bundle.json");
    std::fs::write(
        &bundle_path,
        serde_json::to_vec_pretty(&bundle(false)).unwrap(),
    )
    .unwrap();
    let image_arg = format!("docker-archive:{}", image.display());
    let bundle_arg = bundle_path.display().to_string();

    let out = run(&[
        "scan",
        "--db",
        &db,
        "--policy",
        &bundle_arg,
        "-f",
        "json",
        &image_arg,
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let policy = &report["policy"];
    assert_eq!(policy["final_action"], "stop");
    assert_eq!(policy["reason"], "policy_evaluation");
    assert_eq!(policy["bundle"]["id"], "acceptance");
    assert!(
        policy["bundle"]["digest"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    assert_eq!(policy["bundle"]["source"]["path"], bundle_arg);

    let user = results(policy, "dockerfile", "effective_user");
    assert_eq!(user.len(), 1);
    assert_eq!(user[0]["action"], "stop");
    let ports = results(policy, "dockerfile", "exposed_ports");
    assert_eq!(ports.len(), 1, "only port 22 is denied: {ports:?}");
    assert!(ports[0]["check_output"].as_str().unwrap().contains("(22)"));
    let health = results(policy, "dockerfile", "instruction");
    assert_eq!(health.len(), 1);
    assert_eq!(health[0]["action"], "warn");

    // Secrets: the deleted private key is found in layer 2, the AWS keys where they are; the
    // documented AWS example pair is not reported; nothing is printed unredacted.
    let layers: Vec<String> = {
        let d = support::palisade_json(&["sbom", "-f", "json", &image_arg]);
        d["image"]["layers"].as_array().map_or_else(Vec::new, |l| {
            l.iter()
                .filter_map(|x| x["diff_id"].as_str().map(str::to_owned))
                .collect()
        })
    };
    let secrets = results(policy, "secret_scans", "content_regex_checks");
    let paths: Vec<(&str, &str)> = secrets
        .iter()
        .map(|s| {
            (
                s["path"].as_str().unwrap(),
                s["trigger_id"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        paths,
        vec![
            (
                "/root/.aws/credentials",
                "aws-access-key-id+/root/.aws/credentials"
            ),
            (
                "/root/.aws/credentials",
                "aws-secret-access-key+/root/.aws/credentials"
            ),
            ("/app/id_rsa", "private-key+/app/id_rsa"),
        ]
    );
    let key = secrets.iter().find(|s| s["path"] == "/app/id_rsa").unwrap();
    assert!(
        key["check_output"]
            .as_str()
            .unwrap()
            .contains("deleted by a later layer")
    );
    assert_eq!(layers.len(), 3);
    assert_eq!(
        key["layer"],
        layers[1].as_str(),
        "the key came with layer 2"
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for secret in ["AKIAPALISADETESTKEY2", "Pa1isadeTestOnly", "MII", "hunter2"] {
        assert!(!text.contains(secret), "{secret} printed in the report");
    }
    let hit = report["secrets"].as_array().unwrap();
    assert!(
        hit.iter()
            .any(|s| s["path"] == "/app/id_rsa" && s["visible"] == false)
    );

    // Critical vulnerabilities: one allowlisted item applies, the expired one does not.
    let vulns = results(policy, "vulnerabilities", "package");
    let ids: Vec<(&str, bool)> = vulns
        .iter()
        .map(|v| {
            (
                v["trigger_id"].as_str().unwrap(),
                v["allowlisted"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(
        ids.contains(&("RUSTSEC-2019-0009+smallvec", true)),
        "{ids:?}"
    );
    assert!(
        ids.contains(&("RUSTSEC-2019-0012+smallvec", false)),
        "{ids:?}"
    );
    assert!(vulns.iter().all(|v| v["path"] == "/app/Cargo.lock"));
    let expired = policy["expired_allowlist_items"].as_array().unwrap();
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0]["item_id"], "expired-0012");

    assert!(!results(policy, "licenses", "blacklist_exact_match").is_empty());
    let setuid = results(policy, "files", "suid_or_guid_set");
    assert!(
        setuid
            .iter()
            .any(|s| s["path"] == "/usr/bin/su" && s["action"] == "warn")
    );

    // The table says the same for people.
    let out = run(&["scan", "--db", &db, "--policy", &bundle_arg, &image_arg]);
    assert_eq!(out.status.code(), Some(1));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("Final action: STOP (policy_evaluation"),
        "{table}"
    );
    assert!(
        table.contains("expired allowlist item accepted/expired-0012"),
        "{table}"
    );

    // JUnit: STOP rules fail, WARN rules pass with output.
    let out = run(&[
        "scan",
        "--db",
        &db,
        "--policy",
        &bundle_arg,
        "-f",
        "junit",
        &image_arg,
    ]);
    let xml = String::from_utf8_lossy(&out.stdout);
    assert!(
        xml.contains("<testsuites name=\"palisade policy\" tests=\"7\" failures=\"4\""),
        "{xml}"
    );
    assert!(xml.contains("<failure type=\"STOP\""));

    // SARIF carries the policy results, allowlisted ones as suppressed.
    let out = run(&[
        "scan",
        "--db",
        &db,
        "--policy",
        &bundle_arg,
        "-f",
        "sarif",
        &image_arg,
    ]);
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let sarif_results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(
        sarif_results
            .iter()
            .any(|r| r["ruleId"] == "policy/secret_scans/content_regex_checks")
    );
    assert!(sarif_results.iter().any(|r| r["properties"]["triggerId"]
        == "RUSTSEC-2019-0009+smallvec"
        && r["suppressions"].is_array()));

    // --fail-on-warn is not needed for STOP; a WARN-only verdict passes without it.
    let out = run(&[
        "scan",
        "--db",
        &db,
        "--policy",
        &bundle_arg,
        "--verdict-out",
        &dir.path().join("verdict.json").display().to_string(),
        "-q",
        &image_arg,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let verdict: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("verdict.json")).unwrap()).unwrap();
    assert_eq!(verdict["final_action"], "stop");
    assert_eq!(verdict["bundle"]["digest"], policy["bundle"]["digest"]);
    assert_eq!(verdict["vulnerabilities"]["critical"], 3);
}

#[test]
fn an_allowlisted_image_is_go_whatever_fires() {
    let image = images().join("layered-app.docker.tar");
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let bundle_path = dir.path().join("bundle.json");
    std::fs::write(&bundle_path, serde_json::to_vec(&bundle(true)).unwrap()).unwrap();
    let out = run(&[
        "scan",
        "--db",
        &db,
        "--policy",
        &bundle_path.display().to_string(),
        "-f",
        "json",
        &format!("docker-archive:{}", image.display()),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["policy"]["final_action"], "go");
    assert_eq!(report["policy"]["reason"], "whitelisted");
    // The triggers are still reported.
    assert!(!report["policy"]["results"].as_array().unwrap().is_empty());
}

#[test]
fn anchore_bundles_convert_to_native_with_the_same_verdict() {
    let image = format!(
        "docker-archive:{}",
        images().join("layered-app.docker.tar").display()
    );
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let anchore = dir.path().join("bundle.json");
    std::fs::write(&anchore, serde_json::to_vec(&bundle(false)).unwrap()).unwrap();
    let native = dir.path().join("bundle.yaml");
    let out = run(&[
        "policy",
        "convert",
        &anchore.display().to_string(),
        "-o",
        &native.display().to_string(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["policy", "check", "--strict", &native.display().to_string()]);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    let verdict = |bundle: &Path| -> Value {
        let out = run(&[
            "scan",
            "--db",
            &db,
            "--policy",
            &bundle.display().to_string(),
            "-f",
            "json",
            &image,
        ]);
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut rows: Vec<String> = report["policy"]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                format!(
                    "{} {} {} {} {}",
                    r["gate"], r["trigger"], r["trigger_id"], r["action"], r["allowlisted"]
                )
            })
            .collect();
        rows.sort();
        json!({"final": report["policy"]["final_action"], "rows": rows})
    };
    assert_eq!(verdict(&anchore), verdict(&native));
}

#[test]
fn the_shared_anchore_bundles_check_as_anchore_decides() {
    let dir = shared().join("policy/anchore");
    for (name, ok) in [
        ("anchore_default_bundle.json", true),
        ("bundle-with-all-rules-2020-08-20.json", true),
        ("multi_policy.json", true),
        ("bundle-large_whitelist.json", true),
        ("bad_bundle.json", false),
        ("bad_policy_id_bundle.json", false),
    ] {
        let out = run(&["policy", "check", &dir.join(name).display().to_string()]);
        assert_eq!(
            out.status.success(),
            ok,
            "{name}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    // With --strict, what palisade cannot evaluate is an error.
    let out = run(&[
        "policy",
        "check",
        "--strict",
        &dir.join("bundle-with-all-rules-2020-08-20.json")
            .display()
            .to_string(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("warning[P009]: palisade cannot evaluate `malware/scans`"),
        "{text}"
    );
}
