//! The webhook's router, called as the API server calls it (AdmissionReview v1 bodies), without
//! a network: Pod Security decisions equal `palisade k8s pss` on every object of the Kubernetes
//! corpus; image rules with a test verifier; digest pinning applied as JSONPatch and
//! re-submitted; bad bodies; dry runs; metrics.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine as _;
use palisade_admission::config::{self, AttestationRule};
use palisade_admission::decide::Verifier;
use palisade_admission::server::{AppState, router};
use palisade_core::RegistryRef;
use palisade_k8s::pss::{self, Level, Version};
use palisade_sign::PublicKey;
use serde_json::{Value, json};
use tower::ServiceExt;

/// Signs off `good/*` images with a fixed digest, refuses the rest; counts calls.
struct TestVerifier {
    calls: AtomicUsize,
}

impl Verifier for TestVerifier {
    fn check(
        &self,
        image: &RegistryRef,
        _: &[PublicKey],
        _: &[AttestationRule],
        timeout: Duration,
    ) -> Result<String, String> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if image.repository.starts_with("good/") {
            Ok(format!("sha256:{}", "a".repeat(64)))
        } else if image.repository.starts_with("slow/") {
            Err(format!(
                "could not verify within {} ms (fail closed): registry timed out",
                timeout.as_millis()
            ))
        } else {
            Err("no valid signature by the configured keys (no signature found)".into())
        }
    }
}

const KEY: &str = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAENptdY/l3nB0yqkXLBWkZWQwo6+cu\nOSWS1X9vPavpiQOoTTGC0xX57OojUadxF1cdQmrsiReWg2Wn4FneJfa8xw==\n-----END PUBLIC KEY-----\n";

fn state(extra: &str, dir: &Path) -> (Arc<AppState>, Arc<TestVerifier>) {
    std::fs::write(dir.join("cosign.pub"), KEY).unwrap();
    let text = format!(
        "podSecurity:\n  default: {{level: baseline, version: latest}}\n  namespaces: {{prod: {{level: restricted}}}}\n  exemptNamespaces: [kube-system]\nimages:\n  - match: \"reg.example.com/**\"\n    keys: [cosign.pub]\n  - match: \"denied.example.com/**\"\n    action: deny\n  - match: \"**\"\n    action: allow\nmutate: {{pinDigests: true}}\naudit: {{path: audit.jsonl}}\n{extra}"
    );
    let cfg =
        config::load("admission.yaml", dir, text.as_bytes()).unwrap_or_else(|d| panic!("{d:?}"));
    let verifier = Arc::new(TestVerifier {
        calls: AtomicUsize::new(0),
    });
    (AppState::new(cfg, verifier.clone()).unwrap(), verifier)
}

fn review(uid: &str, namespace: &str, operation: &str, object: Value, dry_run: bool) -> Value {
    let kind = object["kind"].as_str().unwrap_or("Pod").to_owned();
    json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {
            "uid": uid, "kind": {"group": "", "version": "v1", "kind": kind},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "name": object["metadata"]["name"], "namespace": namespace, "operation": operation,
            "userInfo": {"username": "alice"}, "object": object, "dryRun": dry_run,
        }
    })
}

async fn post(state: &Arc<AppState>, path: &str, body: Vec<u8>) -> (StatusCode, Value) {
    let response = router(state.clone())
        .oneshot(
            Request::post(path)
                .header("content-type", "application/json")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 64 << 20)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes)
            .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into())),
    )
}

fn pod(image: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"containers": [{"name": "app", "image": image}]}})
}

#[tokio::test]
async fn pod_security_decides_as_k8s_pss_on_the_whole_corpus() {
    let dir = tempfile::tempdir().unwrap();
    let (state, _) = state("", dir.path());
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../palisade-k8s/tests/corpus");
    let mut paths: Vec<_> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    let manifests = palisade_k8s::manifest::read_paths(&paths, &Default::default());
    let mut compared = 0;
    for obj in &manifests.objects {
        let Some(expected) = pss::evaluate(obj, Level::Baseline, Version::LATEST) else {
            continue;
        };
        let object = obj.root.to_json();
        for (namespace, level) in [("default", Level::Baseline), ("prod", Level::Restricted)] {
            let want = if level == Level::Baseline {
                expected.is_empty()
            } else {
                pss::evaluate(obj, Level::Restricted, Version::LATEST)
                    .unwrap()
                    .is_empty()
            };
            let body = serde_json::to_vec(&review("u", namespace, "CREATE", object.clone(), true))
                .unwrap();
            let (status, answer) = post(&state, "/validate", body).await;
            assert_eq!(status, StatusCode::OK);
            let allowed = answer["response"]["allowed"].as_bool().unwrap();
            // Images all fall to `allow` here, so the decision is Pod Security's alone.
            assert_eq!(
                allowed,
                want,
                "{} in {namespace}: {answer}",
                obj.display_name()
            );
            if !allowed {
                let message = answer["response"]["status"]["message"].as_str().unwrap();
                assert!(
                    message.contains(&format!("violates PodSecurity \"{level}:latest\"")),
                    "{message}"
                );
            }
            compared += 1;
        }
    }
    assert!(compared > 100, "{compared}");
}

#[tokio::test]
async fn signed_images_are_admitted_and_pinned_idempotently() {
    let dir = tempfile::tempdir().unwrap();
    let (state, verifier) = state("", dir.path());
    let object = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"template": {"metadata": {}, "spec": {
            "initContainers": [{"name": "init", "image": "reg.example.com/good/init:1"}],
            "containers": [{"name": "app", "image": "reg.example.com/good/app:2"}, {"name": "side", "image": "busybox:1.36"}]}}}});
    let (status, answer) = post(
        &state,
        "/mutate",
        serde_json::to_vec(&review("u-1", "default", "CREATE", object.clone(), false)).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let response = &answer["response"];
    assert_eq!(response["uid"], "u-1");
    assert_eq!(response["allowed"], true);
    assert_eq!(response["patchType"], "JSONPatch");
    let patch: Value = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(response["patch"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    let ops = patch.as_array().unwrap();
    assert_eq!(ops.len(), 2, "{patch}");
    // Apply the patch as the API server does, and submit again: nothing more to change.
    let mut patched = object.clone();
    for op in ops {
        assert_eq!(op["op"], "replace");
        *patched.pointer_mut(op["path"].as_str().unwrap()).unwrap() = op["value"].clone();
    }
    assert_eq!(
        patched["spec"]["template"]["spec"]["containers"][0]["image"],
        format!("reg.example.com/good/app:2@sha256:{}", "a".repeat(64))
    );
    assert_eq!(
        patched["spec"]["template"]["spec"]["containers"][1]["image"],
        "busybox:1.36"
    );
    let (_, again) = post(
        &state,
        "/mutate",
        serde_json::to_vec(&review("u-2", "default", "UPDATE", patched, false)).unwrap(),
    )
    .await;
    assert_eq!(again["response"]["allowed"], true);
    assert!(again["response"].get("patch").is_none(), "{again}");
    // The second pass was answered from the cache (the pinned digest equals the cached one).
    assert_eq!(verifier.calls.load(Ordering::SeqCst), 2);
    let metrics = router(state.clone())
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let text = String::from_utf8(
        axum::body::to_bytes(metrics.into_body(), 1 << 20)
            .await
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    assert!(
        text.contains("palisade_admission_verification_cache_hits_total 2"),
        "{text}"
    );
    assert!(
        text.contains("operation=\"CREATE\",kind=\"Deployment\",decision=\"allowed\"} 1"),
        "{text}"
    );
    let audit = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    assert_eq!(audit.lines().count(), 2);
}

#[tokio::test]
async fn unsigned_denied_and_unreachable_images_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (state, _) = state("", dir.path());
    for (image, reason) in [
        ("reg.example.com/team/app:1", "no valid signature"),
        ("denied.example.com/x:1", "denied by image rule"),
        ("reg.example.com/slow/app:1", "fail closed"),
    ] {
        let (_, answer) = post(
            &state,
            "/validate",
            serde_json::to_vec(&review("u", "default", "CREATE", pod(image), true)).unwrap(),
        )
        .await;
        assert_eq!(answer["response"]["allowed"], false, "{image}");
        let message = answer["response"]["status"]["message"].as_str().unwrap();
        assert!(
            message.contains(image) && message.contains(reason),
            "{message}"
        );
        assert_eq!(answer["response"]["status"]["code"], 403);
    }
    // Dry runs leave no audit record.
    assert!(
        std::fs::read_to_string(dir.path().join("audit.jsonl"))
            .unwrap_or_default()
            .is_empty()
    );
}

#[tokio::test]
async fn deletes_exempt_namespaces_and_other_kinds_are_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let (state, _) = state("", dir.path());
    let privileged = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "busybox", "securityContext": {"privileged": true}}]}});
    let (_, a) = post(
        &state,
        "/validate",
        serde_json::to_vec(&review("u", "default", "DELETE", privileged.clone(), false)).unwrap(),
    )
    .await;
    assert_eq!(a["response"]["allowed"], true);
    let (_, a) = post(
        &state,
        "/validate",
        serde_json::to_vec(&review(
            "u",
            "kube-system",
            "CREATE",
            privileged.clone(),
            false,
        ))
        .unwrap(),
    )
    .await;
    assert_eq!(a["response"]["allowed"], true);
    let (_, a) = post(
        &state,
        "/validate",
        serde_json::to_vec(&review("u", "default", "CREATE", privileged, false)).unwrap(),
    )
    .await;
    assert_eq!(a["response"]["allowed"], false);
    let cm =
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {}});
    let (_, a) = post(
        &state,
        "/validate",
        serde_json::to_vec(&review("u", "default", "CREATE", cm, false)).unwrap(),
    )
    .await;
    assert_eq!(a["response"]["allowed"], true);
}

#[tokio::test]
async fn bad_bodies_are_400_or_413_and_the_router_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let (state, _) = state("", dir.path());
    let good =
        serde_json::to_vec(&review("u", "default", "CREATE", pod("busybox:1"), true)).unwrap();
    for body in [
        b"{".to_vec(),
        b"null".to_vec(),
        good[..good.len() / 2].to_vec(),
        br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#.to_vec(),
    ] {
        let (status, _) = post(&state, "/validate", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
    let (status, _) = post(&state, "/validate", vec![b' '; 10 << 20]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let (status, answer) = post(&state, "/validate", good).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["response"]["allowed"], true);
}
