//! Signing and verification against a store in memory: no network, no registry. Each check
//! names what makes a signature count or not (key, digest, annotations, tampering, statement
//! version and subject).

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine as _;
use palisade_sign::envelope::{self, DSSE_MEDIA, Envelope, INTOTO_PAYLOAD_TYPE};
use palisade_sign::store::{self, MemoryStore, Store};
use palisade_sign::{
    Located, PrivateKey, PublicKey, VerifyOptions, attest_located, sign_located,
    verify_attestations_located, verify_located,
};
use serde_json::{Value, json};

const VERDICT: &str = palisade_core::verdict::VERDICT_PREDICATE_TYPE;

/// A store holding one image manifest under `v1`, located by that tag, and a handle on the
/// store.
fn image_in_memory(manifest: &Value) -> (Located, MemoryStore) {
    let store = MemoryStore::default();
    let bytes = serde_json::to_vec(manifest).unwrap();
    store
        .put_manifest("v1", &bytes, store::OCI_MANIFEST)
        .unwrap();
    (
        Located::new(Box::new(store.clone()), "v1", "registry.example/app"),
        store,
    )
}

fn app() -> Located {
    image_in_memory(&json!({"schemaVersion": 2, "layers": [], "config": {"digest": "sha256:00"}})).0
}

fn options(keys: &[&PublicKey]) -> VerifyOptions {
    VerifyOptions {
        keys: keys.iter().map(|k| (*k).clone()).collect(),
        annotations: BTreeMap::new(),
        timeout: Duration::from_secs(1),
        credentials: None,
    }
}

fn memory(located: &Located) -> &dyn Store {
    located.store.as_ref()
}

#[test]
fn signatures_count_only_with_their_key_and_digest() {
    let located = app();
    let (k1, k2, k3) = (
        PrivateKey::generate(),
        PrivateKey::generate(),
        PrivateKey::generate(),
    );
    let unsigned = verify_located(&located, &options(&[&k1.public()])).unwrap();
    assert!(unsigned.signatures.is_empty());
    assert!(unsigned.problems[0].contains("no signature found"));

    let annotations = BTreeMap::from([("env".to_owned(), "prod".to_owned())]);
    let signed = sign_located(&located, &k1, &annotations, false).unwrap();
    assert_eq!(
        signed.stored_as,
        format!("{}.sig", signed.digest.replace(':', "-"))
    );
    sign_located(&located, &k2, &BTreeMap::new(), false).unwrap();

    let result = verify_located(&located, &options(&[&k1.public()])).unwrap();
    assert_eq!(result.signatures.len(), 1);
    assert_eq!(result.signatures[0].kind, "sig-tag");
    assert_eq!(
        result.signatures[0].docker_reference,
        "registry.example/app"
    );
    assert_eq!(result.digest.to_string(), signed.digest);
    let both = verify_located(&located, &options(&[&k3.public(), &k2.public()])).unwrap();
    assert_eq!(both.signatures.len(), 1);
    assert_eq!(both.signatures[0].key_index, 1);
    let none = verify_located(&located, &options(&[&k3.public()])).unwrap();
    assert!(none.signatures.is_empty());
    assert!(
        none.problems
            .iter()
            .any(|p| p.contains("none of the given keys"))
    );

    // Annotations: k1's signature has env=prod, k2's has none.
    let mut wanted = options(&[&k1.public(), &k2.public()]);
    wanted.annotations = annotations.clone();
    let result = verify_located(&located, &wanted).unwrap();
    assert_eq!(result.signatures.len(), 1);
    assert_eq!(result.signatures[0].key_index, 0);
    wanted.annotations = BTreeMap::from([("env".to_owned(), "dev".to_owned())]);
    assert!(
        verify_located(&located, &wanted)
            .unwrap()
            .signatures
            .is_empty()
    );

    // The tag moved: the signatures stay with the old digest.
    let other =
        serde_json::to_vec(&json!({"schemaVersion": 2, "layers": [{"digest": "sha256:11"}]}))
            .unwrap();
    memory(&located)
        .put_manifest("v1", &other, store::OCI_MANIFEST)
        .unwrap();
    let moved = verify_located(&located, &options(&[&k1.public()])).unwrap();
    assert!(moved.signatures.is_empty());
    assert!(
        moved.problems[0].contains("tag was moved"),
        "{:?}",
        moved.problems
    );
}

#[test]
fn a_signature_for_another_digest_is_refused() {
    // A valid signature whose payload names another digest, copied under this image's tag.
    let located = app();
    let key = PrivateKey::generate();
    let digest = verify_located(&located, &options(&[])).unwrap().digest;
    let payload = envelope::simple_signing(
        "registry.example/app",
        &format!("sha256:{}", "ab".repeat(32)),
        &BTreeMap::new(),
    );
    let signature = base64::engine::general_purpose::STANDARD.encode(key.sign(&payload));
    store::append_layer(
        memory(&located),
        &store::tag_for(&digest, "sig"),
        envelope::SIMPLE_SIGNING_MEDIA,
        &payload,
        json!({envelope::SIGNATURE_ANNOTATION: signature}),
    )
    .unwrap();
    let result = verify_located(&located, &options(&[&key.public()])).unwrap();
    assert!(result.signatures.is_empty());
    assert!(
        result
            .problems
            .iter()
            .any(|p| p.contains("for another digest")),
        "{:?}",
        result.problems
    );
}

#[test]
fn tampered_layers_are_refused() {
    let (located, store) = image_in_memory(&json!({"schemaVersion": 2, "layers": []}));
    let key = PrivateKey::generate();
    let signed = sign_located(&located, &key, &BTreeMap::new(), false).unwrap();
    let manifest = store.manifest(&signed.stored_as).unwrap().unwrap();
    let doc: Value = serde_json::from_slice(&manifest.bytes).unwrap();
    let layer: palisade_core::Digest = doc["layers"][0]["digest"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let bytes = store.blob(&layer, 1 << 20).unwrap();
    let tampered = String::from_utf8(bytes)
        .unwrap()
        .replace("registry.example", "registry.exampme");
    store.tamper(&layer, tampered.into_bytes());
    let result = verify_located(&located, &options(&[&key.public()])).unwrap();
    assert!(result.signatures.is_empty());
    assert!(
        result.problems.iter().any(|p| p.contains("tampered")),
        "{:?}",
        result.problems
    );
}

#[test]
fn attestations_read_v1_and_v01_and_check_subject_and_type() {
    let located = app();
    let key = PrivateKey::generate();
    let other = PrivateKey::generate();
    let verdict = json!({"final_action": "go", "time": "2026-01-01T00:00:00Z"});
    let signed = attest_located(&located, &key, VERDICT, &verdict, false).unwrap();
    assert!(signed.stored_as.ends_with(".att"));

    let result =
        verify_attestations_located(&located, VERDICT, &options(&[&key.public()])).unwrap();
    assert_eq!(result.attestations.len(), 1);
    assert_eq!(result.attestations[0].predicate, verdict);
    assert!(
        verify_attestations_located(&located, VERDICT, &options(&[&other.public()]))
            .unwrap()
            .attestations
            .is_empty()
    );
    // Another type is not this one.
    let vuln = "https://cosign.sigstore.dev/attestation/vuln/v1";
    let result = verify_attestations_located(&located, vuln, &options(&[&key.public()])).unwrap();
    assert!(result.attestations.is_empty());
    assert!(result.problems[0].contains("no https://cosign.sigstore.dev/attestation/vuln/v1"));

    // An in-toto v0.1 statement (older cosign) reads too; one about another digest does not.
    let digest = result.digest.to_string();
    for (subject, counts) in [(digest.as_str(), true), ("sha256:ffff", false)] {
        let statement = json!({
            "_type": envelope::STATEMENT_V01,
            "subject": [{"name": "registry.example/app", "digest": {"sha256": subject.trim_start_matches("sha256:")}}],
            "predicateType": vuln,
            "predicate": {"scanner": {"uri": "palisade"}},
        });
        let env = Envelope::sign(
            &other,
            INTOTO_PAYLOAD_TYPE,
            &serde_json::to_vec(&statement).unwrap(),
        );
        let located = app();
        let tag = store::tag_for(&result.digest, "att");
        store::append_layer(
            memory(&located),
            &tag,
            DSSE_MEDIA,
            &serde_json::to_vec(&env).unwrap(),
            json!({"predicateType": vuln}),
        )
        .unwrap();
        let found =
            verify_attestations_located(&located, vuln, &options(&[&other.public()])).unwrap();
        assert_eq!(
            found.attestations.len(),
            usize::from(counts),
            "{:?}",
            found.problems
        );
        if !counts {
            assert!(found.problems.iter().any(|p| p.contains("subject is not")));
        }
    }
}

#[test]
fn bundles_are_found_through_the_fallback_tag() {
    let located = app();
    let key = PrivateKey::generate();
    let signed = sign_located(&located, &key, &BTreeMap::new(), true).unwrap();
    attest_located(
        &located,
        &key,
        VERDICT,
        &json!({"final_action": "go"}),
        true,
    )
    .unwrap();
    let result = verify_located(&located, &options(&[&key.public()])).unwrap();
    assert_eq!(result.signatures.len(), 1);
    assert_eq!(result.signatures[0].kind, "bundle");
    let stranger = PrivateKey::generate();
    let refused = verify_located(&located, &options(&[&stranger.public()])).unwrap();
    assert!(refused.signatures.is_empty());
    assert_eq!(
        refused.problems,
        ["a bundle signature made by none of the given keys (or tampered)"]
    );
    let index = memory(&located)
        .manifest(&signed.digest.replace(':', "-"))
        .unwrap()
        .expect("the fallback index tag");
    let index: Value = serde_json::from_slice(&index.bytes).unwrap();
    assert_eq!(index["manifests"].as_array().unwrap().len(), 2);
    let found = verify_attestations_located(&located, VERDICT, &options(&[&key.public()])).unwrap();
    assert_eq!(found.attestations.len(), 1);
    assert_eq!(found.attestations[0].kind, "bundle");
}

#[test]
fn no_request_starts_after_the_budget_is_spent() {
    let store = MemoryStore::default();
    store
        .put_manifest("v1", b"{}", store::OCI_MANIFEST)
        .unwrap();
    let spent = store::Deadline::new(store.clone(), Duration::ZERO);
    let located = Located::new(Box::new(spent), "v1", "registry.example/app");
    let err = verify_located(&located, &options(&[])).unwrap_err();
    assert!(err.to_string().contains("timed out"), "{err}");
    let fresh = store::Deadline::new(store, Duration::from_secs(60));
    let located = Located::new(Box::new(fresh), "v1", "registry.example/app");
    assert!(verify_located(&located, &options(&[])).is_ok());
}

#[test]
fn bundles_are_found_through_the_referrers_api_without_a_fallback_tag() {
    let store = MemoryStore::with_referrers_api();
    store
        .put_manifest(
            "v1",
            br#"{"schemaVersion":2,"layers":[]}"#,
            store::OCI_MANIFEST,
        )
        .unwrap();
    let located = Located::new(Box::new(store.clone()), "v1", "registry.example/app");
    let key = PrivateKey::generate();
    let signed = sign_located(&located, &key, &BTreeMap::new(), true).unwrap();
    attest_located(
        &located,
        &key,
        VERDICT,
        &json!({"final_action": "go"}),
        true,
    )
    .unwrap();
    // The registry lists them itself: no index under the digest's tag.
    assert!(
        store
            .manifest(&signed.digest.replace(':', "-"))
            .unwrap()
            .is_none()
    );
    let result = verify_located(&located, &options(&[&key.public()])).unwrap();
    assert_eq!(result.signatures.len(), 1, "{:?}", result.problems);
    assert_eq!(result.signatures[0].kind, "bundle");
    let found = verify_attestations_located(&located, VERDICT, &options(&[&key.public()])).unwrap();
    assert_eq!(found.attestations.len(), 1, "{:?}", found.problems);
    // The referrers index names the bundles' artifact type and subject.
    let digest: palisade_core::Digest = signed.digest.parse().unwrap();
    let index: Value = serde_json::from_slice(&store.referrers(&digest).unwrap().unwrap()).unwrap();
    assert_eq!(index["manifests"].as_array().unwrap().len(), 2);
    assert_eq!(
        index["manifests"][0]["artifactType"],
        envelope::BUNDLE_MEDIA
    );
}
