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
