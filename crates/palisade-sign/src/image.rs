//! Signing and verifying images and their attestations in a registry.

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use palisade_core::{Digest, ImageRef, Reference, RegistryRef};
use palisade_image::{Credentials, ImageError, Repository};
use serde::Serialize;
use serde_json::{Value, json};

use crate::envelope::{
    self, BUNDLE_MEDIA, DSSE_MEDIA, Envelope, INTOTO_PAYLOAD_TYPE, SIGN_PREDICATE,
    SIGNATURE_ANNOTATION, SIMPLE_SIGNING_MEDIA, SIMPLE_SIGNING_TYPE, SimpleSigning, Statement,
};
use crate::keys::{PrivateKey, PublicKey};
use crate::layout::Layout;
use crate::store::{self, Store};

/// A registry operation that failed (as opposed to a signature that did not verify).
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error(transparent)]
    Registry(#[from] ImageError),
    #[error("{image}: no such image (no manifest for {reference})")]
    NoImage { image: String, reference: String },
    #[error(
        "{image}: signatures live in a registry (registry:HOST/REPO[:TAG|@DIGEST]) or an OCI layout (oci:DIR[:TAG])"
    )]
    Unsupported { image: String },
}

/// How to reach the registry.
#[derive(Debug, Clone)]
pub struct Access {
    pub credentials: Option<Credentials>,
    /// Bound on each request, and on when the last one may start (see [`store::Deadline`]).
    pub timeout: Duration,
}

impl Default for Access {
    fn default() -> Self {
        Access {
            credentials: None,
            timeout: Duration::from_secs(30),
        }
    }
}

/// The image a reference names now: its manifest digest, media type and size.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub digest: Digest,
    pub media_type: String,
    pub size: usize,
}

/// An image in the store its signatures live in: a registry repository, an OCI layout, or
/// (for tests and fuzzing) [`store::MemoryStore`].
#[derive(Debug)]
pub struct Located {
    pub store: Box<dyn Store>,
    /// The tag or digest that names the image in the store.
    pub reference: String,
    /// The image as signed payloads name it (`HOST/REPO`, or `oci:DIR`).
    pub name: String,
    /// The image as given, for messages.
    pub shown: String,
}

impl Located {
    /// An image `reference` (tag or digest) in `store`, named `name` in signed payloads.
    pub fn new(store: Box<dyn Store>, reference: &str, name: &str) -> Located {
        Located {
            shown: format!("{name}:{reference}"),
            store,
            reference: reference.to_owned(),
            name: name.to_owned(),
        }
    }

    /// Opens the store of a registry image or an OCI layout (no request is made yet).
    pub fn open(
        image: &ImageRef,
        credentials: Option<Credentials>,
        timeout: Duration,
    ) -> Result<Located, SignError> {
        open(image, credentials, timeout)
    }
}

fn open(
    image: &ImageRef,
    credentials: Option<Credentials>,
    timeout: Duration,
) -> Result<Located, SignError> {
    match image {
        ImageRef::Registry(r) => Ok(Located {
            store: Box::new(store::Deadline::new(
                Repository::connect(r, credentials, timeout),
                timeout,
            )),
            reference: match &r.reference {
                Reference::Tag(t) => t.clone(),
                Reference::Digest(d) => d.to_string(),
            },
            name: format!("{}/{}", r.host, r.repository),
            shown: r.to_string(),
        }),
        ImageRef::OciLayout { dir, tag } => {
            let layout = Layout::open(dir)?;
            let reference = match tag {
                Some(t) => t.clone(),
                None => layout.default_image()?.to_string(),
            };
            Ok(Located {
                store: Box::new(layout),
                reference,
                name: format!("oci:{}", dir.display()),
                shown: image.to_string(),
            })
        }
        other => Err(SignError::Unsupported {
            image: other.to_string(),
        }),
    }
}

/// Resolves a tag (or checks a digest) to the manifest it names.
fn resolve(opened: &Located) -> Result<Resolved, SignError> {
    let manifest = opened
        .store
        .manifest(&opened.reference)?
        .ok_or_else(|| SignError::NoImage {
            image: opened.shown.clone(),
            reference: opened.reference.clone(),
        })?;
    Ok(Resolved {
        digest: manifest.digest,
        media_type: if manifest.media_type.is_empty() {
            store::OCI_MANIFEST.to_owned()
        } else {
            manifest.media_type
        },
        size: manifest.bytes.len(),
    })
}

/// Where a signature was stored.
#[derive(Debug, Clone, Serialize)]
pub struct Signed {
    /// The digest that was signed.
    pub digest: String,
    /// `sha256-<hex>.sig`, `.att`, or the referrer manifest's digest.
    pub stored_as: String,
}

/// Signs the image's manifest digest (a tag is resolved first): a simple-signing payload in
/// the `.sig` manifest, or with `bundle` a Sigstore bundle referrer.
pub fn sign_image(
    image: &RegistryRef,
    key: &PrivateKey,
    annotations: &BTreeMap<String, String>,
    bundle: bool,
    access: &Access,
) -> Result<Signed, SignError> {
    sign_at(
        &ImageRef::Registry(image.clone()),
        key,
        annotations,
        bundle,
        access,
    )
}

/// As [`sign_image`], for an image in a registry or an OCI layout (`oci:DIR[:TAG]`, where
/// the signature manifests join the layout's `index.json` under the same tags).
pub fn sign_at(
    image: &ImageRef,
    key: &PrivateKey,
    annotations: &BTreeMap<String, String>,
    bundle: bool,
    access: &Access,
) -> Result<Signed, SignError> {
    let opened = open(image, access.credentials.clone(), access.timeout)?;
    sign_located(&opened, key, annotations, bundle)
}

/// As [`sign_at`], for an image already located in its store.
pub fn sign_located(
    opened: &Located,
    key: &PrivateKey,
    annotations: &BTreeMap<String, String>,
    bundle: bool,
) -> Result<Signed, SignError> {
    let repo = opened.store.as_ref();
    let target = resolve(opened)?;
    let digest = target.digest.to_string();
    if bundle {
        let statement = envelope::statement(
            &opened.name,
            &digest,
            SIGN_PREDICATE,
            &json!({"annotations": annotations}),
        );
        let env = Envelope::sign(key, INTOTO_PAYLOAD_TYPE, &statement);
        let bytes = envelope::bundle(&env, &key.public());
        let stored = store::attach_referrer(
            repo,
            &target.digest,
            &target.media_type,
            target.size,
            BUNDLE_MEDIA,
            &bytes,
            json!({"dev.sigstore.bundle.content": "dsse-envelope", "dev.sigstore.bundle.predicateType": SIGN_PREDICATE}),
        )?;
        return Ok(Signed {
            digest,
            stored_as: stored.to_string(),
        });
    }
    let payload = envelope::simple_signing(&opened.name, &digest, annotations);
    let signature = B64.encode(key.sign(&payload));
    let tag = store::tag_for(&target.digest, "sig");
    store::append_layer(
        repo,
        &tag,
        SIMPLE_SIGNING_MEDIA,
        &payload,
        json!({SIGNATURE_ANNOTATION: signature}),
    )?;
    Ok(Signed {
        digest,
        stored_as: tag,
    })
}

/// Attests a predicate about the image: an in-toto statement in a DSSE envelope, in the
/// `.att` manifest, or with `bundle` a Sigstore bundle referrer.
pub fn attest_image(
    image: &RegistryRef,
    key: &PrivateKey,
    predicate_type: &str,
    predicate: &Value,
    bundle: bool,
    access: &Access,
) -> Result<Signed, SignError> {
    attest_at(
        &ImageRef::Registry(image.clone()),
        key,
        predicate_type,
        predicate,
        bundle,
        access,
    )
}

/// As [`attest_image`], for an image in a registry or an OCI layout.
pub fn attest_at(
    image: &ImageRef,
    key: &PrivateKey,
    predicate_type: &str,
    predicate: &Value,
    bundle: bool,
    access: &Access,
) -> Result<Signed, SignError> {
    let opened = open(image, access.credentials.clone(), access.timeout)?;
    attest_located(&opened, key, predicate_type, predicate, bundle)
}

/// As [`attest_at`], for an image already located in its store.
pub fn attest_located(
    opened: &Located,
    key: &PrivateKey,
    predicate_type: &str,
    predicate: &Value,
    bundle: bool,
) -> Result<Signed, SignError> {
    let repo = opened.store.as_ref();
    let target = resolve(opened)?;
    let digest = target.digest.to_string();
    let statement = envelope::statement(&opened.name, &digest, predicate_type, predicate);
    let env = Envelope::sign(key, INTOTO_PAYLOAD_TYPE, &statement);
    if bundle {
        let bytes = envelope::bundle(&env, &key.public());
        let stored = store::attach_referrer(
            repo,
            &target.digest,
            &target.media_type,
            target.size,
            BUNDLE_MEDIA,
            &bytes,
            json!({"dev.sigstore.bundle.content": "dsse-envelope", "dev.sigstore.bundle.predicateType": predicate_type}),
        )?;
        return Ok(Signed {
            digest,
            stored_as: stored.to_string(),
        });
    }
    let tag = store::tag_for(&target.digest, "att");
    let bytes = serde_json::to_vec(&env).unwrap_or_default();
    store::append_layer(
        repo,
        &tag,
        DSSE_MEDIA,
        &bytes,
        json!({"predicateType": predicate_type}),
    )?;
    Ok(Signed {
        digest,
        stored_as: tag,
    })
}

/// What verification requires.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// A signature by any of these keys will do.
    pub keys: Vec<PublicKey>,
    /// Annotations every accepted signature must carry (simple-signing `optional`).
    pub annotations: BTreeMap<String, String>,
    /// Bound on each registry request; no request starts once this much time has passed
    /// since the call began (see [`store::Deadline`]).
    pub timeout: Duration,
    pub credentials: Option<Credentials>,
}

/// One signature that verified.
#[derive(Debug, Clone, Serialize)]
pub struct VerifiedSignature {
    /// Which of [`VerifyOptions::keys`] verified it.
    pub key_index: usize,
    pub key_fingerprint: String,
    /// `sig-tag` or `bundle`.
    pub kind: &'static str,
    pub docker_reference: String,
    pub annotations: BTreeMap<String, Value>,
}

/// The outcome for one image: valid signatures (none means not verified) and why others
/// were not accepted.
#[derive(Debug, Clone, Serialize)]
pub struct ImageVerification {
    pub image: String,
    pub digest: Digest,
    pub signatures: Vec<VerifiedSignature>,
    pub problems: Vec<String>,
}

/// One attestation that verified.
#[derive(Debug, Clone, Serialize)]
pub struct VerifiedAttestation {
    pub key_index: usize,
    pub key_fingerprint: String,
    pub kind: &'static str,
    pub predicate_type: String,
    pub predicate: Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct AttestationVerification {
    pub image: String,
    pub digest: Digest,
    pub attestations: Vec<VerifiedAttestation>,
    pub problems: Vec<String>,
}

/// Verification could not be carried out (registry unreachable, timeout, no such image).
pub type VerifyError = SignError;

fn verifying_key(
    keys: &[PublicKey],
    check: impl Fn(&PublicKey) -> bool,
) -> Option<(usize, &PublicKey)> {
    keys.iter().enumerate().find(|(_, k)| check(k))
}

/// Finds the image's signatures (`.sig` tag and bundle referrers) and checks each against the
/// keys and the image's current digest.
pub fn verify_image(
    image: &RegistryRef,
    options: &VerifyOptions,
) -> Result<ImageVerification, VerifyError> {
    verify_at(&ImageRef::Registry(image.clone()), options)
}

/// As [`verify_image`], for an image in a registry or an OCI layout.
pub fn verify_at(
    image: &ImageRef,
    options: &VerifyOptions,
) -> Result<ImageVerification, VerifyError> {
    let opened = open(image, options.credentials.clone(), options.timeout)?;
    verify_located(&opened, options)
}

/// As [`verify_at`], for an image already located in its store.
pub fn verify_located(
    opened: &Located,
    options: &VerifyOptions,
) -> Result<ImageVerification, VerifyError> {
    let repo = opened.store.as_ref();
    let target = resolve(opened)?;
    let digest = target.digest.to_string();
    let mut problems = Vec::new();
    let mut signatures = Vec::new();
    let mut seen = 0;

    for layer in store::layers(repo, &store::tag_for(&target.digest, "sig"), &mut problems)? {
        seen += 1;
        let Some(sig) = layer
            .annotations
            .get(SIGNATURE_ANNOTATION)
            .and_then(Value::as_str)
            .and_then(|s| B64.decode(s).ok())
        else {
            problems.push("a .sig layer without a readable signature annotation".into());
            continue;
        };
        let Some((index, key)) = verifying_key(&options.keys, |k| k.verify(&layer.bytes, &sig))
        else {
            problems.push(
                "a .sig signature made by none of the given keys (or over other bytes)".into(),
            );
            continue;
        };
        let Ok(payload) = serde_json::from_slice::<SimpleSigning>(&layer.bytes) else {
            problems.push("a signed .sig payload that is not a simple-signing document".into());
            continue;
        };
        if payload.critical.kind != SIMPLE_SIGNING_TYPE {
            problems.push(format!(
                "a signed payload of type {:?}",
                payload.critical.kind
            ));
            continue;
        }
        if payload.critical.image.docker_manifest_digest != digest {
            problems.push(format!(
                "a valid signature for another digest ({}), not the image's {digest}",
                payload.critical.image.docker_manifest_digest
            ));
            continue;
        }
        let optional = payload.optional.unwrap_or_default();
        if let Some(missing) = missing_annotation(&options.annotations, &optional) {
            problems.push(format!(
                "a valid signature without the required annotation {missing}"
            ));
            continue;
        }
        signatures.push(VerifiedSignature {
            key_index: index,
            key_fingerprint: key.fingerprint(),
            kind: "sig-tag",
            docker_reference: payload.critical.identity.docker_reference,
            annotations: optional,
        });
    }

    for bytes in store::referrers(repo, &target.digest, BUNDLE_MEDIA, &mut problems)? {
        let Some(env) = envelope::bundle_envelope(&bytes) else {
            problems.push("a bundle referrer without a DSSE envelope".into());
            continue;
        };
        let Some((index, key, payload)) = options
            .keys
            .iter()
            .enumerate()
            .find_map(|(i, k)| env.verify(k).map(|p| (i, k, p)))
        else {
            // Attestations of other types are not this check's business; a signature bundle
            // is, even when no given key made it.
            if claims_type(&env, SIGN_PREDICATE) {
                seen += 1;
                problems
                    .push("a bundle signature made by none of the given keys (or tampered)".into());
            }
            continue;
        };
        let Ok(statement) = serde_json::from_slice::<Statement>(&payload) else {
            continue;
        };
        if statement.predicate_type != SIGN_PREDICATE {
            continue;
        }
        seen += 1;
        if !statement.covers(&digest) {
            problems.push(format!(
                "a valid bundle signature whose subject is not {digest}"
            ));
            continue;
        }
        let optional: BTreeMap<String, Value> = statement
            .predicate
            .get("annotations")
            .and_then(|a| serde_json::from_value(a.clone()).ok())
            .unwrap_or_default();
        if let Some(missing) = missing_annotation(&options.annotations, &optional) {
            problems.push(format!(
                "a valid bundle signature without the required annotation {missing}"
            ));
            continue;
        }
        signatures.push(VerifiedSignature {
            key_index: index,
            key_fingerprint: key.fingerprint(),
            kind: "bundle",
            docker_reference: statement
                .subject
                .first()
                .map(|s| s.name.clone())
                .unwrap_or_default(),
            annotations: optional,
        });
    }
    if seen == 0 {
        problems.push(format!(
            "no signature found for {digest} (unsigned, or the tag was moved to another image after signing)"
        ));
    }
    Ok(ImageVerification {
        image: opened.shown.clone(),
        digest: target.digest,
        signatures,
        problems,
    })
}

/// Whether an envelope's (unverified) statement says it is of `predicate_type`: only to
/// explain why nothing verified.
fn claims_type(env: &Envelope, predicate_type: &str) -> bool {
    B64.decode(&env.payload)
        .ok()
        .and_then(|p| serde_json::from_slice::<Statement>(&p).ok())
        .is_some_and(|s| s.predicate_type == predicate_type)
}

fn missing_annotation(
    required: &BTreeMap<String, String>,
    present: &BTreeMap<String, Value>,
) -> Option<String> {
    required.iter().find_map(|(k, v)| {
        let ok = present
            .get(k)
            .is_some_and(|p| p.as_str() == Some(v.as_str()));
        (!ok).then(|| format!("{k}={v}"))
    })
}

/// Finds attestations of `predicate_type` (`.att` tag and bundle referrers) whose envelope
/// verifies with one of the keys and whose statement is about the image's current digest.
pub fn verify_attestations(
    image: &RegistryRef,
    predicate_type: &str,
    options: &VerifyOptions,
) -> Result<AttestationVerification, VerifyError> {
    verify_attestations_at(&ImageRef::Registry(image.clone()), predicate_type, options)
}

/// As [`verify_attestations`], for an image in a registry or an OCI layout.
pub fn verify_attestations_at(
    image: &ImageRef,
    predicate_type: &str,
    options: &VerifyOptions,
) -> Result<AttestationVerification, VerifyError> {
    let opened = open(image, options.credentials.clone(), options.timeout)?;
    verify_attestations_located(&opened, predicate_type, options)
}

/// As [`verify_attestations_at`], for an image already located in its store.
pub fn verify_attestations_located(
    opened: &Located,
    predicate_type: &str,
    options: &VerifyOptions,
) -> Result<AttestationVerification, VerifyError> {
    let repo = opened.store.as_ref();
    let target = resolve(opened)?;
    let digest = target.digest.to_string();
    let mut problems = Vec::new();
    let mut envelopes: Vec<(&'static str, Envelope)> = Vec::new();
    for layer in store::layers(repo, &store::tag_for(&target.digest, "att"), &mut problems)? {
        match serde_json::from_slice::<Envelope>(&layer.bytes) {
            Ok(env) => envelopes.push(("att-tag", env)),
            Err(_) => problems.push("an .att layer that is not a DSSE envelope".into()),
        }
    }
    for bytes in store::referrers(repo, &target.digest, BUNDLE_MEDIA, &mut problems)? {
        if let Some(env) = envelope::bundle_envelope(&bytes) {
            envelopes.push(("bundle", env));
        }
    }
    let mut attestations = Vec::new();
    let mut of_type = 0;
    for (kind, env) in envelopes {
        if env.payload_type != INTOTO_PAYLOAD_TYPE {
            continue;
        }
        let verified = options
            .keys
            .iter()
            .enumerate()
            .find_map(|(i, k)| env.verify(k).map(|p| (i, k, p)));
        let Some((index, key, payload)) = verified else {
            // Unverified: only worth a word when it claims the wanted type.
            if claims_type(&env, predicate_type) {
                of_type += 1;
                problems.push(format!(
                    "a {predicate_type} attestation signed by none of the given keys (or tampered)"
                ));
            }
            continue;
        };
        let Ok(statement) = serde_json::from_slice::<Statement>(&payload) else {
            problems.push("a signed envelope whose payload is not an in-toto statement".into());
            continue;
        };
        if statement.predicate_type != predicate_type {
            continue;
        }
        of_type += 1;
        if statement.kind != envelope::STATEMENT_V1 && statement.kind != envelope::STATEMENT_V01 {
            problems.push(format!(
                "an attestation of statement type {:?}",
                statement.kind
            ));
            continue;
        }
        if !statement.covers(&digest) {
            problems.push(format!("a valid attestation whose subject is not {digest}"));
            continue;
        }
        attestations.push(VerifiedAttestation {
            key_index: index,
            key_fingerprint: key.fingerprint(),
            kind,
            predicate_type: statement.predicate_type,
            predicate: statement.predicate,
        });
    }
    if of_type == 0 {
        problems.push(format!(
            "no {predicate_type} attestation found for {digest}"
        ));
    }
    Ok(AttestationVerification {
        image: opened.shown.clone(),
        digest: target.digest,
        attestations,
        problems,
    })
}
