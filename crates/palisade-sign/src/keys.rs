//! Keys as cosign keeps them: ECDSA P-256; private keys in PEM, encrypted with a password
//! (scrypt + NaCl secretbox over the PKCS#8 DER, cosign's `ENCRYPTED SIGSTORE PRIVATE KEY`,
//! and the older `ENCRYPTED COSIGN PRIVATE KEY`) or plain PKCS#8; public keys as SPKI PEM.
//!
//! Private key material lives in zeroize-on-drop buffers and is never formatted: `Debug`
//! prints the public half only.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use crypto_secretbox::XSalsa20Poly1305;
use crypto_secretbox::aead::{Aead, KeyInit};
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{DerSignature, Signature, SigningKey, VerifyingKey};
use p256::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// PEM type cosign writes for encrypted keys today.
pub const SIGSTORE_PEM: &str = "ENCRYPTED SIGSTORE PRIVATE KEY";
/// PEM type older cosign versions wrote.
pub const COSIGN_PEM: &str = "ENCRYPTED COSIGN PRIVATE KEY";

/// scrypt cost cosign uses for new keys (N = 2^16, r = 8, p = 1).
const SCRYPT_LOG_N: u8 = 16;
/// The most expensive scrypt a key file may ask for (N = 2^20, and at most 256 MiB, which is
/// 128 * r * N bytes): a hostile key file cannot make decryption take unbounded memory.
/// cosign's own keys use 64 MiB.
const MAX_SCRYPT_LOG_N: u8 = 20;
const MAX_SCRYPT_MEMORY: u64 = 256 << 20;

/// Why a key could not be read or used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{file}: not a PEM file (expected a BEGIN line)")]
    NotPem { file: String },
    #[error(
        "{file}: PEM type {found:?} is not a key palisade reads (encrypted cosign/sigstore keys, PKCS#8 PRIVATE KEY, PUBLIC KEY)"
    )]
    UnknownPem { file: String, found: String },
    #[error("{file}: malformed encrypted key: {reason}")]
    Malformed { file: String, reason: String },
    #[error("{file}: wrong password (the key did not decrypt)")]
    WrongPassword { file: String },
    #[error("{file}: not an ECDSA P-256 key: {reason}")]
    NotP256 { file: String, reason: String },
}

/// A public key that verifies ECDSA P-256 / SHA-256 signatures.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    key: VerifyingKey,
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({})", self.fingerprint())
    }
}

impl PublicKey {
    /// Reads an SPKI PEM (`-----BEGIN PUBLIC KEY-----`).
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        Self::from_pem_named("public key", pem)
    }

    /// As [`PublicKey::from_pem`], naming the file in errors.
    pub fn from_pem_named(file: &str, pem: &str) -> Result<Self, KeyError> {
        let key = VerifyingKey::from_public_key_pem(pem.trim()).map_err(|e| KeyError::NotP256 {
            file: file.to_owned(),
            reason: e.to_string(),
        })?;
        Ok(PublicKey { key })
    }

    /// The SPKI PEM.
    pub fn to_pem(&self) -> String {
        self.key
            .to_public_key_pem(LineEnding::LF)
            .unwrap_or_default()
    }

    /// SHA-256 of the SPKI DER, hex: how bundles and messages name a key.
    pub fn fingerprint(&self) -> String {
        let der = self
            .key
            .to_public_key_der()
            .map(|d| d.as_bytes().to_vec())
            .unwrap_or_default();
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(der))
    }

    /// Checks a DER-encoded ECDSA signature (as cosign writes it; raw r||s is accepted too)
    /// over `message`, hashed with SHA-256.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        if let Ok(sig) = DerSignature::from_bytes(signature) {
            return self.key.verify(message, &sig).is_ok();
        }
        Signature::from_slice(signature).is_ok_and(|sig| self.key.verify(message, &sig).is_ok())
    }
}

/// A private signing key. Its bytes are wiped when it is dropped and never printed.
pub struct PrivateKey {
    key: SigningKey,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrivateKey(public {})", self.public().fingerprint())
    }
}

#[derive(Serialize, Deserialize)]
struct Encrypted {
    kdf: Kdf,
    cipher: Cipher,
    ciphertext: String,
}

#[derive(Serialize, Deserialize)]
struct Kdf {
    name: String,
    params: KdfParams,
    salt: String,
}

#[derive(Serialize, Deserialize)]
#[allow(non_snake_case, reason = "cosign's field names")]
struct KdfParams {
    N: u64,
    r: u32,
    p: u32,
}

#[derive(Serialize, Deserialize)]
struct Cipher {
    name: String,
    nonce: String,
}

impl PrivateKey {
    /// A new random key.
    pub fn generate() -> Self {
        PrivateKey {
            key: SigningKey::random(&mut OsRng),
        }
    }

    pub fn public(&self) -> PublicKey {
        PublicKey {
            key: *self.key.verifying_key(),
        }
    }

    /// Signs `message` (hashed with SHA-256) and returns the DER signature.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let sig: Signature = self.key.sign(message);
        sig.to_der().as_bytes().to_vec()
    }

    /// Reads a private key PEM: cosign's encrypted forms (with `password`) or plain PKCS#8.
    pub fn from_pem(file: &str, pem: &str, password: &[u8]) -> Result<Self, KeyError> {
        let (label, body) = pem_block(file, pem)?;
        match label.as_str() {
            SIGSTORE_PEM | COSIGN_PEM => Self::decrypt(file, &body, password),
            "PRIVATE KEY" => {
                let key = SigningKey::from_pkcs8_der(&body).map_err(|e| KeyError::NotP256 {
                    file: file.to_owned(),
                    reason: e.to_string(),
                })?;
                Ok(PrivateKey { key })
            }
            "EC PRIVATE KEY" => {
                let secret =
                    p256::SecretKey::from_sec1_der(&body).map_err(|e| KeyError::NotP256 {
                        file: file.to_owned(),
                        reason: e.to_string(),
                    })?;
                Ok(PrivateKey {
                    key: SigningKey::from(secret),
                })
            }
            other => Err(KeyError::UnknownPem {
                file: file.to_owned(),
                found: other.to_owned(),
            }),
        }
    }

    /// Whether a PEM private key needs a password.
    pub fn is_encrypted(pem: &str) -> bool {
        pem.contains(SIGSTORE_PEM) || pem.contains(COSIGN_PEM)
    }

    fn decrypt(file: &str, body: &[u8], password: &[u8]) -> Result<Self, KeyError> {
        let malformed = |reason: &str| KeyError::Malformed {
            file: file.to_owned(),
            reason: reason.to_owned(),
        };
        let doc: Encrypted = serde_json::from_slice(body)
            .map_err(|e| malformed(&format!("not cosign's JSON: {e}")))?;
        if doc.kdf.name != "scrypt" {
            return Err(malformed(&format!(
                "key derivation {:?} (expected scrypt)",
                doc.kdf.name
            )));
        }
        if doc.cipher.name != "nacl/secretbox" {
            return Err(malformed(&format!(
                "cipher {:?} (expected nacl/secretbox)",
                doc.cipher.name
            )));
        }
        let n = doc.kdf.params.N;
        if !n.is_power_of_two() || n < 2 {
            return Err(malformed("scrypt N is not a power of two"));
        }
        let log_n =
            u8::try_from(n.trailing_zeros()).map_err(|_| malformed("scrypt N too large"))?;
        let memory = 128 * u64::from(doc.kdf.params.r) * n;
        if log_n > MAX_SCRYPT_LOG_N
            || memory > MAX_SCRYPT_MEMORY
            || doc.kdf.params.r == 0
            || doc.kdf.params.p == 0
            || doc.kdf.params.p > 16
        {
            return Err(malformed(
                "scrypt parameters beyond what palisade accepts (N <= 2^20, 128 * r * N <= 256 MiB, 1 <= p <= 16)",
            ));
        }
        let salt = B64
            .decode(&doc.kdf.salt)
            .map_err(|_| malformed("salt is not base64"))?;
        let nonce = B64
            .decode(&doc.cipher.nonce)
            .map_err(|_| malformed("nonce is not base64"))?;
        if nonce.len() != 24 {
            return Err(malformed("nonce is not 24 bytes"));
        }
        let ciphertext = B64
            .decode(&doc.ciphertext)
            .map_err(|_| malformed("ciphertext is not base64"))?;
        let key = derive(password, &salt, log_n, doc.kdf.params.r, doc.kdf.params.p)
            .map_err(|reason| malformed(&reason))?;
        let cipher = XSalsa20Poly1305::new(key.as_slice().into());
        let plain = Zeroizing::new(
            cipher
                .decrypt(nonce.as_slice().into(), ciphertext.as_slice())
                .map_err(|_| KeyError::WrongPassword {
                    file: file.to_owned(),
                })?,
        );
        let key = SigningKey::from_pkcs8_der(&plain).map_err(|e| KeyError::NotP256 {
            file: file.to_owned(),
            reason: e.to_string(),
        })?;
        Ok(PrivateKey { key })
    }

    /// The key encrypted with `password`, as cosign writes it (`ENCRYPTED SIGSTORE PRIVATE KEY`).
    pub fn to_encrypted_pem(&self, password: &[u8]) -> String {
        let der = self
            .key
            .to_pkcs8_der()
            .map(|d| Zeroizing::new(d.as_bytes().to_vec()))
            .unwrap_or_default();
        let mut salt = [0u8; 32];
        OsRng.fill_bytes(&mut salt);
        let mut nonce = [0u8; 24];
        OsRng.fill_bytes(&mut nonce);
        let key = derive(password, &salt, SCRYPT_LOG_N, 8, 1).unwrap_or_default();
        let cipher = XSalsa20Poly1305::new(key.as_slice().into());
        let ciphertext = cipher
            .encrypt((&nonce).into(), der.as_slice())
            .unwrap_or_default();
        let doc = Encrypted {
            kdf: Kdf {
                name: "scrypt".into(),
                params: KdfParams {
                    N: 1 << SCRYPT_LOG_N,
                    r: 8,
                    p: 1,
                },
                salt: B64.encode(salt),
            },
            cipher: Cipher {
                name: "nacl/secretbox".into(),
                nonce: B64.encode(nonce),
            },
            ciphertext: B64.encode(ciphertext),
        };
        let json = serde_json::to_vec(&doc).unwrap_or_default();
        pem_encode(SIGSTORE_PEM, &json)
    }
}

fn derive(
    password: &[u8],
    salt: &[u8],
    log_n: u8,
    r: u32,
    p: u32,
) -> Result<Zeroizing<Vec<u8>>, String> {
    let params =
        scrypt::Params::new(log_n, r, p, 32).map_err(|e| format!("scrypt parameters: {e}"))?;
    let mut out = Zeroizing::new(vec![0u8; 32]);
    scrypt::scrypt(password, salt, &params, &mut out).map_err(|e| format!("scrypt: {e}"))?;
    Ok(out)
}

/// The label and decoded body of the first PEM block.
fn pem_block(file: &str, pem: &str) -> Result<(String, Zeroizing<Vec<u8>>), KeyError> {
    let not_pem = || KeyError::NotPem {
        file: file.to_owned(),
    };
    let start = pem.find("-----BEGIN ").ok_or_else(not_pem)?;
    let rest = &pem[start + 11..];
    let label_end = rest.find("-----").ok_or_else(not_pem)?;
    let label = rest[..label_end].to_owned();
    let body_start = label_end + 5;
    let end_marker = format!("-----END {label}-----");
    let end = rest.find(&end_marker).ok_or_else(not_pem)?;
    let b64: Zeroizing<String> = Zeroizing::new(
        rest[body_start..end]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect(),
    );
    let body = B64
        .decode(b64.as_bytes())
        .map_err(|_| KeyError::Malformed {
            file: file.to_owned(),
            reason: "the PEM body is not base64".into(),
        })?;
    Ok((label, Zeroizing::new(body)))
}

fn pem_encode(label: &str, body: &[u8]) -> String {
    let b64 = B64.encode(body);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_round_trip_through_cosign_encryption() {
        let key = PrivateKey::generate();
        let pem = key.to_encrypted_pem(b"s3cret");
        assert!(pem.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"));
        let back = PrivateKey::from_pem("k", &pem, b"s3cret").unwrap();
        assert_eq!(back.public(), key.public());
        assert!(matches!(
            PrivateKey::from_pem("k", &pem, b"wrong"),
            Err(KeyError::WrongPassword { .. })
        ));
        let sig = key.sign(b"hello");
        assert!(key.public().verify(b"hello", &sig));
        assert!(!key.public().verify(b"hellO", &sig));
        let public = PublicKey::from_pem(&key.public().to_pem()).unwrap();
        assert_eq!(public, key.public());
        assert!(!format!("{key:?}").contains("PRIVATE"));
    }

    #[test]
    fn hostile_key_files_are_errors() {
        let doc = |n: u64| {
            let json = format!(
                r#"{{"kdf":{{"name":"scrypt","params":{{"N":{n},"r":8,"p":1}},"salt":"AAAA"}},"cipher":{{"name":"nacl/secretbox","nonce":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}},"ciphertext":"AAAA"}}"#
            );
            pem_encode(SIGSTORE_PEM, json.as_bytes())
        };
        assert!(matches!(
            PrivateKey::from_pem("k", &doc(1 << 30), b""),
            Err(KeyError::Malformed { .. })
        ));
        assert!(matches!(
            PrivateKey::from_pem("k", &doc(1000), b""),
            Err(KeyError::Malformed { .. })
        ));
        // N = 2^20 with r = 8 would be 1 GiB of scrypt memory.
        assert!(matches!(
            PrivateKey::from_pem("k", &doc(1 << 20), b""),
            Err(KeyError::Malformed { .. })
        ));
        assert!(matches!(
            PrivateKey::from_pem("k", "garbage", b""),
            Err(KeyError::NotPem { .. })
        ));
        assert!(matches!(
            PrivateKey::from_pem(
                "k",
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                b""
            ),
            Err(KeyError::UnknownPem { .. })
        ));
    }
}
