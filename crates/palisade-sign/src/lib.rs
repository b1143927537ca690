//! Signs images and their verdicts the way cosign does, and verifies them back.
//!
//! - [`keys`]: ECDSA P-256 keys in cosign's encrypted PEM (scrypt + NaCl secretbox), plain
//!   PKCS#8, and SPKI public keys; private key bytes are wiped on drop and never printed.
//! - [`envelope`]: the simple-signing payload, in-toto statements in DSSE envelopes, Sigstore
//!   bundles v0.3.
//! - [`store`]: where signatures live in a registry: `sha256-<hex>.sig` / `.att` manifests (a
//!   layer per signature) and OCI 1.1 referrers with the `sha256-<hex>` fallback index tag,
//!   over a [`store::Store`]: a registry repository or an OCI layout ([`layout`]).
//! - [`image`]: `sign_image`, `attest_image`, `verify_image`, `verify_attestations` — blocking,
//!   each request bounded by a timeout; "not verified" is a result with reasons, an error means
//!   the registry could not be asked.
//!
//! ```
//! use palisade_sign::keys::PrivateKey;
//!
//! let key = PrivateKey::generate();
//! let signature = key.sign(b"payload");
//! assert!(key.public().verify(b"payload", &signature));
//! ```

pub mod conditions;
pub mod envelope;
pub mod image;
pub mod keys;
pub mod layout;
pub mod store;

pub use image::{
    Access, AttestationVerification, ImageVerification, Located, SignError, Signed,
    VerifiedAttestation, VerifiedSignature, VerifyError, VerifyOptions, attest_at, attest_image,
    attest_located, sign_at, sign_image, sign_located, verify_at, verify_attestations,
    verify_attestations_at, verify_attestations_located, verify_image, verify_located,
};
pub use keys::{KeyError, PrivateKey, PublicKey};

/// The sha256 digest of some bytes.
pub fn sha256(bytes: &[u8]) -> palisade_core::Digest {
    use sha2::Digest as _;
    palisade_core::Digest::from_bytes(
        palisade_core::Algorithm::Sha256,
        &sha2::Sha256::digest(bytes),
    )
}
