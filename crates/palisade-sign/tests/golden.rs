//! The golden vectors of `../shared/sigstore` (from sigstore-rs and cosign): keys cosign wrote,
//! and a simple-signing payload with the signature cosign made of it.

use std::path::PathBuf;

use base64::Engine as _;
use palisade_sign::keys::{PrivateKey, PublicKey};

fn shared(name: &str) -> String {
    let dir = std::env::var_os("PALISADE_SHARED").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")),
        PathBuf::from,
    );
    let path = dir.join("sigstore").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

#[test]
fn cosign_keys_decrypt_with_their_passwords() {
    let plain =
        PrivateKey::from_pem("ecdsa_private.key", &shared("ecdsa_private.key"), b"").unwrap();
    let encrypted = PrivateKey::from_pem(
        "ecdsa_encrypted_private.key",
        &shared("ecdsa_encrypted_private.key"),
        b"123",
    )
    .unwrap();
    // Two different keys, each usable once read.
    assert_ne!(encrypted.public(), plain.public());
    for key in [&plain, &encrypted] {
        let sig = key.sign(b"palisade");
        assert!(key.public().verify(b"palisade", &sig));
    }
    assert!(
        PrivateKey::from_pem(
            "ecdsa_encrypted_private.key",
            &shared("ecdsa_encrypted_private.key"),
            b"124"
        )
        .is_err()
    );

    let empty = PrivateKey::from_pem(
        "cosign_generated_encrypted_empty_private.key",
        &shared("cosign_generated_encrypted_empty_private.key"),
        b"",
    )
    .unwrap();
    // A key that decrypts signs what its public key verifies.
    let sig = empty.sign(b"palisade");
    assert!(empty.public().verify(b"palisade", &sig));
}

#[test]
fn cosign_signature_of_the_simple_signing_payload_verifies() {
    let payload = shared("simplesigning-payload.json");
    let payload = payload.trim_end_matches('\n').as_bytes();
    let key = PublicKey::from_pem(&shared("simplesigning-payload.pub")).unwrap();
    let sig = base64::engine::general_purpose::STANDARD
        .decode(shared("simplesigning-payload.sig.b64").trim())
        .unwrap();
    assert!(key.verify(payload, &sig));
    let mut flipped = payload.to_vec();
    flipped[10] ^= 1;
    assert!(!key.verify(&flipped, &sig));
    let mut bad = sig.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    assert!(!key.verify(payload, &bad));
}

/// The public key of a bundle's signing certificate, extracted with the `openssl` command.
fn certificate_key(bundle: &serde_json::Value) -> PublicKey {
    let der = base64::engine::general_purpose::STANDARD
        .decode(
            bundle["verificationMaterial"]["certificate"]["rawBytes"]
                .as_str()
                .expect("the bundle has a certificate"),
        )
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.der");
    std::fs::write(&cert, der).unwrap();
    let out = std::process::Command::new("openssl")
        .args(["x509", "-inform", "DER", "-noout", "-pubkey", "-in"])
        .arg(&cert)
        .output()
        .expect("openssl is installed (.ci/setup)");
    assert!(
        out.status.success(),
        "openssl could not read the certificate"
    );
    PublicKey::from_pem(&String::from_utf8(out.stdout).unwrap()).unwrap()
}

#[test]
fn cosign_bundles_verify_as_dsse_envelopes() {
    use palisade_sign::envelope::{self, Statement};
    // cosign 3's image signature bundle, and cosign's attestation bundle (in-toto v0.1): the
    // DSSE signature over the pre-authentication encoding verifies with the certificate's
    // key, and the statement reads back with its subject.
    for (file, predicate_type, kind, subject) in [
        (
            "bundle_v03.json",
            envelope::SIGN_PREDICATE,
            envelope::STATEMENT_V1,
            "sha256:c811d58de79c92f03214e63aa339484e488d694ae8a6283b5f3f17a9faf50172",
        ),
        (
            "oci-attestation.sigstore.json",
            "https://cosign.sigstore.dev/attestation/v1",
            envelope::STATEMENT_V01,
            "sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4",
        ),
    ] {
        let text = shared(file);
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        let key = certificate_key(&doc);
        let env = envelope::bundle_envelope(text.as_bytes()).expect("a DSSE bundle");
        let payload = env
            .verify(&key)
            .unwrap_or_else(|| panic!("{file} verifies"));
        let statement: Statement = serde_json::from_slice(&payload).unwrap();
        assert_eq!(statement.predicate_type, predicate_type, "{file}");
        assert_eq!(statement.kind, kind, "{file}");
        assert!(statement.covers(subject), "{file}");
        assert!(!statement.covers(&format!("sha256:{}", "0".repeat(64))));
        // One payload byte changed: refused.
        let mut tampered = env.clone();
        let mut bytes = base64::engine::general_purpose::STANDARD
            .decode(&env.payload)
            .unwrap();
        bytes[5] ^= 1;
        tampered.payload = base64::engine::general_purpose::STANDARD.encode(bytes);
        assert!(tampered.verify(&key).is_none(), "{file}");
        // Another key: refused.
        assert!(env.verify(&PrivateKey::generate().public()).is_none());
    }
}
