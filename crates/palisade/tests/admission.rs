//! `palisade admission` end to end: the webhook served over TLS on 127.0.0.1 (the test plays
//! the API server, as no Kubernetes API server can run here), images signed by `palisade sign`
//! in Debian's docker-registry, verdict attestations, a registry that is down, and the
//! manifests validated by the PyPI package kubernetes-validate for Kubernetes 1.30 and 1.37.

mod support;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{REGISTRY_PASSWORD, REGISTRY_USER, Registry, images};

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(support::binary())
        .args(args)
        .current_dir(dir)
        .env("PALISADE_PASSWORD", "pw")
        .env("PALISADE_REGISTRY_USERNAME", REGISTRY_USER)
        .env("PALISADE_REGISTRY_PASSWORD", REGISTRY_PASSWORD)
        .output()
        .unwrap()
}

fn ok(dir: &Path, args: &[&str]) {
    let out = run(dir, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(dir: &Path, config: &str) -> (Server, u16) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(
        dir.join("admission.yaml"),
        config.replace("PORT", &port.to_string()),
    )
    .unwrap();
    let child = Command::new(support::binary())
        .args(["admission", "serve", "--config", "admission.yaml"])
        .current_dir(dir)
        .env("PALISADE_REGISTRY_USERNAME", REGISTRY_USER)
        .env("PALISADE_REGISTRY_PASSWORD", REGISTRY_PASSWORD)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the webhook did not listen"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (Server(child), port)
}

/// POSTs an AdmissionReview over TLS, trusting only the webhook's CA.
fn call(dir: &Path, port: u16, path: &str, body: &Value) -> Value {
    std::fs::write(dir.join("body.json"), serde_json::to_vec(body).unwrap()).unwrap();
    let out = Command::new("curl")
        .args([
            "-sS",
            "--max-time",
            "20",
            "--cacert",
            "ca.crt",
            "-H",
            "Content-Type: application/json",
            "--data-binary",
            "@body.json",
        ])
        .arg(format!("https://127.0.0.1:{port}{path}"))
        .current_dir(dir)
        .output()
        .expect("curl is installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stdout)))
}

fn pod_review(uid: &str, image: &str) -> Value {
    json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": uid, "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "resource": {"group": "", "version": "v1", "resource": "pods"},
        "name": "app", "namespace": "prod", "operation": "CREATE", "userInfo": {"username": "ci"},
        "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "app"},
            "spec": {"containers": [{"name": "app", "image": image}]}}}})
}

#[test]
fn signed_images_pass_and_the_rest_is_refused_over_tls() {
    let registry = Registry::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (src, target) in [
        ("busybox", "team/signed:v1"),
        ("busybox", "team/unsigned:v1"),
        ("bookworm-minbase", "team/stopped:v1"),
    ] {
        registry.push(
            &format!(
                "docker-archive:{}",
                images().join(format!("{src}.docker.tar")).display()
            ),
            target,
        );
    }
    ok(d, &["key", "generate", "--output-prefix", "ci"]);
    ok(
        d,
        &[
            "admission",
            "certs",
            "--name",
            "127.0.0.1",
            "--out-dir",
            ".",
        ],
    );
    let addr = &registry.addr.clone();
    ok(
        d,
        &["sign", "--key", "ci.key", &format!("{addr}/team/signed:v1")],
    );
    ok(
        d,
        &[
            "sign",
            "--key",
            "ci.key",
            &format!("{addr}/team/stopped:v1"),
        ],
    );
    let now = String::from_utf8(
        Command::new("date")
            .args(["-u", "+%Y-%m-%dT%H:%M:%SZ"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    std::fs::write(
        d.join("go.json"),
        format!(r#"{{"final_action": "go", "time": "{}"}}"#, now.trim()),
    )
    .unwrap();
    std::fs::write(
        d.join("stop.json"),
        format!(r#"{{"final_action": "stop", "time": "{}"}}"#, now.trim()),
    )
    .unwrap();
    ok(
        d,
        &[
            "attest",
            "--key",
            "ci.key",
            "--type",
            "verdict",
            "--predicate",
            "go.json",
            &format!("{addr}/team/signed:v1"),
        ],
    );
    ok(
        d,
        &[
            "attest",
            "--key",
            "ci.key",
            "--type",
            "verdict",
            "--predicate",
            "stop.json",
            &format!("{addr}/team/stopped:v1"),
        ],
    );

    let config = format!(
        "listen: 127.0.0.1:PORT\ntls: {{cert: tls.crt, key: tls.key}}\npodSecurity:\n  default: {{level: baseline}}\nimages:\n  - match: \"{addr}/**\"\n    keys: [ci.pub]\n    attestations:\n      - {{type: verdict, require: {{final_action: go}}, maxAge: 1h}}\n  - match: \"**\"\n    action: deny\nmutate: {{pinDigests: true}}\nregistry: {{timeoutMs: 2000}}\naudit: {{path: audit.jsonl}}\n"
    );
    let (_server, port) = serve(d, &config);

    // Signed, with a GO verdict: admitted, and pinned to the digest that was verified.
    let signed = format!("{addr}/team/signed:v1");
    let answer = call(d, port, "/mutate", &pod_review("u-1", &signed));
    let response = &answer["response"];
    assert_eq!(response["uid"], "u-1");
    assert_eq!(response["allowed"], true, "{answer}");
    assert_eq!(response["patchType"], "JSONPatch");
    let patch = String::from_utf8(
        base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            response["patch"].as_str().unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    assert!(patch.contains(&format!("{signed}@sha256:")), "{patch}");

    // Unsigned, a STOP verdict, an image no rule allows: refused, saying why.
    for (image, why) in [
        (format!("{addr}/team/unsigned:v1"), "no valid signature"),
        (
            format!("{addr}/team/stopped:v1"),
            "requires final_action=go",
        ),
        (
            "docker.io/library/nginx:1.25".to_owned(),
            "denied by image rule",
        ),
    ] {
        let answer = call(d, port, "/validate", &pod_review("u-2", &image));
        assert_eq!(answer["response"]["allowed"], false, "{image}: {answer}");
        let message = answer["response"]["status"]["message"].as_str().unwrap();
        assert!(
            message.contains(&image) && message.contains(why),
            "{message}"
        );
    }
    let audit = std::fs::read_to_string(d.join("audit.jsonl")).unwrap();
    assert_eq!(audit.lines().count(), 4);

    // The registry goes away: refused within the timeout (fail closed), never allowed.
    drop(registry);
    let started = Instant::now();
    let answer = call(
        d,
        port,
        "/validate",
        &pod_review("u-3", &format!("{addr}/team/other:v1")),
    );
    assert_eq!(answer["response"]["allowed"], false, "{answer}");
    assert!(
        answer["response"]["status"]["message"]
            .as_str()
            .unwrap()
            .contains("fail closed"),
        "{answer}"
    );
    assert!(started.elapsed() < Duration::from_secs(15));
    // Cached verdicts still answer for what was verified before.
    let answer = call(d, port, "/validate", &pod_review("u-4", &signed));
    assert_eq!(answer["response"]["allowed"], true, "{answer}");
}

#[test]
fn manifests_validate_for_kubernetes_1_30_and_1_37() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["admission", "certs", "--out-dir", "."]);
    let out = run(d, &["admission", "manifests", "--ca", "ca.crt"]);
    assert!(out.status.success());
    std::fs::write(d.join("manifests.yaml"), &out.stdout).unwrap();
    let validator = support::python_validators().with_file_name("kubernetes-validate");
    assert!(
        validator.is_file(),
        "{} is missing: run .ci/setup",
        validator.display()
    );
    for version in ["1.30", "1.37"] {
        let out = Command::new(&validator)
            .args(["--strict", "-k", version, "manifests.yaml"])
            .current_dir(d)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{version}: {text}");
        assert_eq!(text.matches("passed").count(), 8, "{version}: {text}");
    }
    let yaml = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "failurePolicy: Fail",
        "sideEffects: None",
        "admissionReviewVersions: [\"v1\"]",
        "replicas: 2",
        "readOnlyRootFilesystem: true",
        "caBundle: ",
    ] {
        assert!(yaml.contains(needle), "{needle}");
    }
}

#[test]
fn check_config_points_at_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.yaml"),
        "images:\n  - match: \"**\"\n    keys: [missing.pub]\n",
    )
    .unwrap();
    let out = run(dir.path(), &["admission", "check-config", "bad.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("bad.yaml:3:12: cannot read key"), "{text}");
}
