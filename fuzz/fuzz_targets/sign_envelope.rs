//! Arbitrary bytes where palisade reads signatures: as a DSSE envelope, a Sigstore bundle, an
//! in-toto statement, a simple-signing payload, a public key, and as the `.sig`, `.att` and
//! referrers-index manifests of an image in memory, through full verification. No panic;
//! every read bounded.
#![no_main]

use std::sync::OnceLock;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use palisade_sign::envelope::{self, Envelope, SimpleSigning, Statement};
use palisade_sign::store::{self, MemoryStore, Store};
use palisade_sign::{Located, PrivateKey, PublicKey, VerifyOptions};

fn key() -> &'static PublicKey {
    static KEY: OnceLock<PublicKey> = OnceLock::new();
    KEY.get_or_init(|| PrivateKey::generate().public())
}

fuzz_target!(|data: &[u8]| {
    if let Some(env) = envelope::bundle_envelope(data) {
        let _ = env.verify(key());
    }
    if let Ok(env) = serde_json::from_slice::<Envelope>(data) {
        let _ = env.verify(key());
    }
    if let Ok(statement) = serde_json::from_slice::<Statement>(data) {
        let _ = statement.covers("sha256:00");
    }
    let _ = serde_json::from_slice::<SimpleSigning>(data);
    let _ = PublicKey::from_pem(&String::from_utf8_lossy(data));

    let store = MemoryStore::default();
    let image = store
        .put_manifest(
            "v1",
            br#"{"schemaVersion":2,"layers":[]}"#,
            store::OCI_MANIFEST,
        )
        .unwrap();
    let _ = store.put_blob(data);
    for tag in [
        store::tag_for(&image, "sig"),
        store::tag_for(&image, "att"),
        store::tag_for(&image, ""),
    ] {
        let _ = store.put_manifest(&tag, data, store::OCI_MANIFEST);
    }
    let located = Located::new(Box::new(store), "v1", "fuzz.example/app");
    let options = VerifyOptions {
        keys: vec![key().clone()],
        annotations: Default::default(),
        timeout: Duration::from_secs(1),
        credentials: None,
    };
    let _ = palisade_sign::verify_located(&located, &options);
    let _ = palisade_sign::verify_attestations_located(
        &located,
        palisade_core::verdict::VERDICT_PREDICATE_TYPE,
        &options,
    );
});
