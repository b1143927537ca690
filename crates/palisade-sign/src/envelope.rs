//! What gets signed and how it is wrapped: cosign's simple-signing payload, in-toto
//! statements in DSSE envelopes, and Sigstore bundles (v0.3) holding either.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::keys::{PrivateKey, PublicKey};

/// Media type of a simple-signing payload layer.
pub const SIMPLE_SIGNING_MEDIA: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
/// Annotation carrying a layer's base64 signature in a `.sig` manifest.
pub const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
/// Media type of a DSSE envelope layer in a `.att` manifest.
pub const DSSE_MEDIA: &str = "application/vnd.dsse.envelope.v1+json";
/// DSSE payload type of in-toto statements.
pub const INTOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// Media type (and OCI artifact type) of a Sigstore bundle v0.3.
pub const BUNDLE_MEDIA: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
/// in-toto statement types written and read.
pub const STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";
pub const STATEMENT_V01: &str = "https://in-toto.io/Statement/v0.1";
/// The predicate type of an image signature kept in a bundle (cosign's).
pub const SIGN_PREDICATE: &str = "https://sigstore.dev/cosign/sign/v1";
/// The simple-signing type string.
pub const SIMPLE_SIGNING_TYPE: &str = "cosign container image signature";

/// Cosign's predicate type shorthands, and palisade's verdict.
pub fn predicate_type(short: &str) -> String {
    match short {
        "custom" => "https://cosign.sigstore.dev/attestation/v1".into(),
        "vuln" => "https://cosign.sigstore.dev/attestation/vuln/v1".into(),
        "slsaprovenance" => "https://slsa.dev/provenance/v0.2".into(),
        "slsaprovenance1" => "https://slsa.dev/provenance/v1".into(),
        "spdx" => "https://spdx.dev/Document".into(),
        "spdxjson" => "https://spdx.dev/Document".into(),
        "cyclonedx" => "https://cyclonedx.org/bom".into(),
        "link" => "https://in-toto.io/Link/v1".into(),
        "verdict" => palisade_core::verdict::VERDICT_PREDICATE_TYPE.into(),
        other => other.into(),
    }
}

/// The simple-signing payload for an image digest.
pub fn simple_signing(
    docker_reference: &str,
    digest: &str,
    annotations: &BTreeMap<String, String>,
) -> Vec<u8> {
    let optional = if annotations.is_empty() {
        Value::Null
    } else {
        json!(annotations)
    };
    let doc = json!({
        "critical": {
            "identity": {"docker-reference": docker_reference},
            "image": {"docker-manifest-digest": digest},
            "type": SIMPLE_SIGNING_TYPE,
        },
        "optional": optional,
    });
    serde_json::to_vec(&doc).unwrap_or_default()
}

/// A simple-signing payload as read back.
#[derive(Debug, Clone, Deserialize)]
pub struct SimpleSigning {
    pub critical: Critical,
    #[serde(default)]
    pub optional: Option<BTreeMap<String, Value>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Critical {
    pub identity: Identity,
    pub image: ImageField,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Identity {
    #[serde(rename = "docker-reference", default)]
    pub docker_reference: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ImageField {
    #[serde(rename = "docker-manifest-digest")]
    pub docker_manifest_digest: String,
}

/// DSSE's pre-authentication encoding: what the signature covers.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {payload_type} {} ",
        payload_type.len(),
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

/// A DSSE envelope.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    pub payload_type: String,
    /// Base64 of the payload.
    pub payload: String,
    pub signatures: Vec<EnvelopeSignature>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct EnvelopeSignature {
    #[serde(default)]
    pub keyid: String,
    /// Base64 of the DER signature.
    pub sig: String,
}

impl Envelope {
    /// Signs `payload` into an envelope.
    pub fn sign(key: &PrivateKey, payload_type: &str, payload: &[u8]) -> Envelope {
        let sig = key.sign(&pae(payload_type, payload));
        Envelope {
            payload_type: payload_type.to_owned(),
            payload: B64.encode(payload),
            signatures: vec![EnvelopeSignature {
                keyid: String::new(),
                sig: B64.encode(sig),
            }],
        }
    }

    /// The payload bytes when at least one signature verifies with `key`.
    pub fn verify(&self, key: &PublicKey) -> Option<Vec<u8>> {
        let payload = B64.decode(&self.payload).ok()?;
        let message = pae(&self.payload_type, &payload);
        self.signatures
            .iter()
            .filter_map(|s| B64.decode(&s.sig).ok())
            .any(|sig| key.verify(&message, &sig))
            .then_some(payload)
    }
}

/// An in-toto statement (v1) about one image digest.
pub fn statement(name: &str, digest: &str, predicate_type: &str, predicate: &Value) -> Vec<u8> {
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    serde_json::to_vec(&json!({
        "_type": STATEMENT_V1,
        "subject": [{"name": name, "digest": {"sha256": hex}}],
        "predicateType": predicate_type,
        "predicate": predicate,
    }))
    .unwrap_or_default()
}

/// An in-toto statement as read back (v1 or v0.1).
#[derive(Debug, Clone, Deserialize)]
pub struct Statement {
    #[serde(rename = "_type")]
    pub kind: String,
    #[serde(default)]
    pub subject: Vec<Subject>,
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    #[serde(default)]
    pub predicate: Value,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Subject {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub digest: BTreeMap<String, String>,
}

impl Statement {
    /// Whether one of the subjects is the image `digest` (`sha256:…`).
    pub fn covers(&self, digest: &str) -> bool {
        let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
        self.subject.iter().any(|s| {
            s.digest
                .get("sha256")
                .is_some_and(|d| d.eq_ignore_ascii_case(hex))
        })
    }
}

/// A Sigstore bundle v0.3 holding a DSSE envelope signed with a key (no transparency log).
pub fn bundle(envelope: &Envelope, key: &PublicKey) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "mediaType": BUNDLE_MEDIA,
        "verificationMaterial": {
            "publicKey": {"hint": B64.encode(hex::decode(key.fingerprint()).unwrap_or_default())},
            "tlogEntries": [],
            "timestampVerificationData": {},
        },
        "dsseEnvelope": envelope,
    }))
    .unwrap_or_default()
}

/// The DSSE envelope of a bundle, when it has one.
pub fn bundle_envelope(bytes: &[u8]) -> Option<Envelope> {
    let doc: Value = serde_json::from_slice(bytes).ok()?;
    if !doc
        .get("mediaType")?
        .as_str()?
        .starts_with("application/vnd.dev.sigstore.bundle")
    {
        return None;
    }
    serde_json::from_value(doc.get("dsseEnvelope")?.clone()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_is_dsse_v1() {
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
    }

    #[test]
    fn envelopes_verify_only_with_their_key() {
        let key = PrivateKey::generate();
        let other = PrivateKey::generate();
        let env = Envelope::sign(&key, INTOTO_PAYLOAD_TYPE, b"{}");
        assert_eq!(env.verify(&key.public()).as_deref(), Some(&b"{}"[..]));
        assert!(env.verify(&other.public()).is_none());
        let mut tampered = env.clone();
        tampered.payload = B64.encode(b"{ }");
        assert!(tampered.verify(&key.public()).is_none());
    }

    #[test]
    fn simple_signing_matches_cosigns_shape() {
        let payload = simple_signing("registry.example/app", "sha256:ab", &BTreeMap::new());
        assert_eq!(
            String::from_utf8(payload).unwrap(),
            r#"{"critical":{"identity":{"docker-reference":"registry.example/app"},"image":{"docker-manifest-digest":"sha256:ab"},"type":"cosign container image signature"},"optional":null}"#
        );
    }
}
