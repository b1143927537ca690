//! Where signatures live beside an image in a registry: cosign's classic tags
//! (`sha256-<hex>.sig`, `sha256-<hex>.att`, one layer per signature) and OCI 1.1 referrers
//! holding Sigstore bundles (with the `sha256-<hex>` index tag where the registry has no
//! referrers API).

use palisade_core::Digest;
use palisade_image::{ImageError, Repository, StoredManifest};
use serde_json::{Value, json};

/// What signing needs of the place an image lives: manifests by tag or digest, blobs, and
/// the referrers API where there is one. A registry repository, or an OCI layout
/// ([`crate::layout::Layout`]).
pub trait Store: std::fmt::Debug {
    /// The image's location, for messages.
    fn name(&self) -> &str;
    /// The manifest at a tag or digest, `None` when there is none.
    fn manifest(&self, reference: &str) -> Result<Option<StoredManifest>, ImageError>;
    /// Stores a manifest under a tag (or only by its digest) and returns its digest.
    fn put_manifest(
        &self,
        reference: &str,
        bytes: &[u8],
        media_type: &str,
    ) -> Result<Digest, ImageError>;
    /// A blob's bytes, at most `limit` of them, checked against its digest.
    fn blob(&self, digest: &Digest, limit: u64) -> Result<Vec<u8>, ImageError>;
    /// Stores a blob and returns its digest.
    fn put_blob(&self, bytes: &[u8]) -> Result<Digest, ImageError>;
    /// The referrers index of a manifest, `None` without a referrers API.
    fn referrers(&self, digest: &Digest) -> Result<Option<Vec<u8>>, ImageError>;
}

impl Store for Repository {
    fn name(&self) -> &str {
        Repository::name(self)
    }
    fn manifest(&self, reference: &str) -> Result<Option<StoredManifest>, ImageError> {
        Repository::manifest(self, reference)
    }
    fn put_manifest(
        &self,
        reference: &str,
        bytes: &[u8],
        media_type: &str,
    ) -> Result<Digest, ImageError> {
        Repository::put_manifest(self, reference, bytes, media_type)
    }
    fn blob(&self, digest: &Digest, limit: u64) -> Result<Vec<u8>, ImageError> {
        Repository::blob(self, digest, limit)
    }
    fn put_blob(&self, bytes: &[u8]) -> Result<Digest, ImageError> {
        Repository::put_blob(self, bytes)
    }
    fn referrers(&self, digest: &Digest) -> Result<Option<Vec<u8>>, ImageError> {
        Repository::referrers(self, digest)
    }
}

/// Media types.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";

/// The most bytes read of one signature layer, bundle or envelope.
pub const MAX_LAYER_BYTES: u64 = 4 << 20;
/// The most signature layers or referrers looked at per image.
pub const MAX_ENTRIES: usize = 64;

/// The tag cosign derives from a digest: `sha256-<hex>.<suffix>` (suffix empty: the referrers
/// fallback tag).
pub fn tag_for(digest: &Digest, suffix: &str) -> String {
    let base = digest.to_string().replace(':', "-");
    if suffix.is_empty() {
        base
    } else {
        format!("{base}.{suffix}")
    }
}

/// One layer of a `.sig` or `.att` manifest: its bytes and annotations.
#[derive(Debug, Clone)]
pub struct StoredLayer {
    pub media_type: String,
    pub bytes: Vec<u8>,
    pub annotations: serde_json::Map<String, Value>,
}

/// Appends a layer to the classic signature manifest under `tag` (creating it), as cosign
/// does: an existing signature is kept, not replaced.
pub fn append_layer(
    repo: &dyn Store,
    tag: &str,
    media_type: &str,
    bytes: &[u8],
    annotations: Value,
) -> Result<Digest, ImageError> {
    let mut layers: Vec<Value> = match repo.manifest(tag)? {
        Some(existing) => serde_json::from_slice::<Value>(&existing.bytes)
            .ok()
            .and_then(|m| m.get("layers").and_then(Value::as_array).cloned())
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let digest = repo.put_blob(bytes)?;
    let already = layers.iter().any(|l| {
        l.get("digest").and_then(Value::as_str) == Some(&digest.to_string())
            && l.get("annotations") == Some(&annotations)
    });
    if !already {
        layers.push(json!({
            "mediaType": media_type,
            "size": bytes.len(),
            "digest": digest.to_string(),
            "annotations": annotations,
        }));
    }
    let diff_ids: Vec<Value> = layers
        .iter()
        .filter_map(|l| l.get("digest").cloned())
        .collect();
    let config = serde_json::to_vec(&json!({
        "architecture": "",
        "created": "0001-01-01T00:00:00Z",
        "history": [{"created": "0001-01-01T00:00:00Z"}],
        "os": "",
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "config": {},
    }))
    .unwrap_or_default();
    let config_digest = repo.put_blob(&config)?;
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "size": config.len(), "digest": config_digest.to_string()},
        "layers": layers,
    }))
    .unwrap_or_default();
    repo.put_manifest(tag, &manifest, OCI_MANIFEST)
}

/// The layers of the classic manifest under `tag` (none when there is no such tag).
pub fn layers(
    repo: &dyn Store,
    tag: &str,
    problems: &mut Vec<String>,
) -> Result<Vec<StoredLayer>, ImageError> {
    let Some(manifest) = repo.manifest(tag)? else {
        return Ok(Vec::new());
    };
    let Ok(doc) = serde_json::from_slice::<Value>(&manifest.bytes) else {
        problems.push(format!("{tag}: the manifest is not JSON"));
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for layer in doc
        .get("layers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .take(MAX_ENTRIES)
    {
        let Some(digest) = layer
            .get("digest")
            .and_then(Value::as_str)
            .and_then(|d| d.parse::<Digest>().ok())
        else {
            problems.push(format!("{tag}: a layer without a valid digest"));
            continue;
        };
        match repo.blob(&digest, MAX_LAYER_BYTES) {
            Ok(bytes) => out.push(StoredLayer {
                media_type: layer
                    .get("mediaType")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
                bytes,
                annotations: layer
                    .get("annotations")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default(),
            }),
            Err(ImageError::DigestMismatch { .. }) => {
                problems.push(format!(
                    "{tag}: layer {digest} does not match its digest (tampered)"
                ));
            }
            Err(e) => problems.push(format!("{tag}: layer {digest}: {e}")),
        }
    }
    Ok(out)
}

/// Attaches an artifact (a Sigstore bundle) to `subject` as an OCI 1.1 referrer. Where the
/// registry has no referrers API, the `sha256-<hex>` index tag lists it too.
pub fn attach_referrer(
    repo: &dyn Store,
    subject: &Digest,
    subject_media_type: &str,
    subject_size: usize,
    artifact_type: &str,
    bytes: &[u8],
    annotations: Value,
) -> Result<Digest, ImageError> {
    let empty = b"{}";
    let empty_digest = repo.put_blob(empty)?;
    let blob = repo.put_blob(bytes)?;
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": artifact_type,
        "config": {"mediaType": OCI_EMPTY, "size": empty.len(), "digest": empty_digest.to_string()},
        "layers": [{"mediaType": artifact_type, "size": bytes.len(), "digest": blob.to_string()}],
        "subject": {"mediaType": subject_media_type, "size": subject_size, "digest": subject.to_string()},
        "annotations": annotations,
    }))
    .unwrap_or_default();
    let digest = crate::sha256(&manifest);
    repo.put_manifest(&digest.to_string(), &manifest, OCI_MANIFEST)?;
    if repo.referrers(subject)?.is_none() {
        // The fallback: an index under the subject's digest tag lists its referrers.
        let tag = tag_for(subject, "");
        let mut manifests: Vec<Value> = match repo.manifest(&tag)? {
            Some(existing) => serde_json::from_slice::<Value>(&existing.bytes)
                .ok()
                .and_then(|m| m.get("manifests").and_then(Value::as_array).cloned())
                .unwrap_or_default(),
            None => Vec::new(),
        };
        manifests.retain(|m| m.get("digest").and_then(Value::as_str) != Some(&digest.to_string()));
        manifests.push(json!({
            "mediaType": OCI_MANIFEST,
            "size": manifest.len(),
            "digest": digest.to_string(),
            "artifactType": artifact_type,
            "annotations": annotations,
        }));
        let index = serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": manifests,
        }))
        .unwrap_or_default();
        repo.put_manifest(&tag, &index, OCI_INDEX)?;
    }
    Ok(digest)
}

/// The artifacts of `artifact_type` attached to `subject`: through the referrers API, else
/// the fallback tag. Each is the bytes of the referrer's first layer.
pub fn referrers(
    repo: &dyn Store,
    subject: &Digest,
    artifact_type: &str,
    problems: &mut Vec<String>,
) -> Result<Vec<Vec<u8>>, ImageError> {
    let index = match repo.referrers(subject)? {
        Some(bytes) => Some(bytes),
        None => repo.manifest(&tag_for(subject, ""))?.map(|m| m.bytes),
    };
    let Some(index) = index else {
        return Ok(Vec::new());
    };
    let Ok(doc) = serde_json::from_slice::<Value>(&index) else {
        problems.push("the referrers index is not JSON".to_owned());
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for m in doc
        .get("manifests")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .take(MAX_ENTRIES)
    {
        if m.get("artifactType").and_then(Value::as_str) != Some(artifact_type) {
            continue;
        }
        let Some(digest) = m.get("digest").and_then(Value::as_str) else {
            continue;
        };
        let Some(manifest) = repo.manifest(digest)? else {
            problems.push(format!("referrer {digest} is listed but missing"));
            continue;
        };
        let Ok(mdoc) = serde_json::from_slice::<Value>(&manifest.bytes) else {
            continue;
        };
        if mdoc.pointer("/subject/digest").and_then(Value::as_str) != Some(&subject.to_string()) {
            problems.push(format!("referrer {digest} names another subject"));
            continue;
        }
        let Some(layer) = mdoc
            .pointer("/layers/0/digest")
            .and_then(Value::as_str)
            .and_then(|d| d.parse::<Digest>().ok())
        else {
            continue;
        };
        match repo.blob(&layer, MAX_LAYER_BYTES) {
            Ok(bytes) => out.push(bytes),
            Err(ImageError::DigestMismatch { .. }) => problems.push(format!(
                "referrer {digest}: its bundle does not match its digest (tampered)"
            )),
            Err(e) => problems.push(format!("referrer {digest}: {e}")),
        }
    }
    Ok(out)
}

/// A store whose requests stop once `budget` has passed since it was made: each request is
/// bounded by the registry client's own timeout and none starts after the budget is spent, so
/// a whole verification takes at most about twice the budget, however many signatures a
/// hostile registry lists.
#[derive(Debug)]
pub struct Deadline<S> {
    inner: S,
    budget: std::time::Duration,
    deadline: std::time::Instant,
}

impl<S: Store> Deadline<S> {
    pub fn new(inner: S, budget: std::time::Duration) -> Deadline<S> {
        Deadline {
            inner,
            budget,
            deadline: std::time::Instant::now() + budget,
        }
    }

    fn check(&self, what: &str) -> Result<(), ImageError> {
        if std::time::Instant::now() < self.deadline {
            return Ok(());
        }
        Err(ImageError::Registry {
            image: self.inner.name().to_owned(),
            what: format!(
                "{what}: timed out (the {} s budget is spent)",
                self.budget.as_secs_f64()
            ),
            source: None,
        })
    }
}

impl<S: Store> Store for Deadline<S> {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn manifest(&self, reference: &str) -> Result<Option<StoredManifest>, ImageError> {
        self.check(&format!("reading manifest {reference}"))?;
        self.inner.manifest(reference)
    }
    fn put_manifest(
        &self,
        reference: &str,
        bytes: &[u8],
        media_type: &str,
    ) -> Result<Digest, ImageError> {
        self.check(&format!("writing manifest {reference}"))?;
        self.inner.put_manifest(reference, bytes, media_type)
    }
    fn blob(&self, digest: &Digest, limit: u64) -> Result<Vec<u8>, ImageError> {
        self.check(&format!("reading blob {digest}"))?;
        self.inner.blob(digest, limit)
    }
    fn put_blob(&self, bytes: &[u8]) -> Result<Digest, ImageError> {
        self.check("writing a blob")?;
        self.inner.put_blob(bytes)
    }
    fn referrers(&self, digest: &Digest) -> Result<Option<Vec<u8>>, ImageError> {
        self.check(&format!("reading the referrers of {digest}"))?;
        self.inner.referrers(digest)
    }
}

type Shared<T> = std::sync::Arc<std::sync::Mutex<T>>;

/// A store in memory: manifests by tag and digest, blobs by digest, and a referrers API
/// when asked for one. For tests and fuzzing; a blob may be replaced to play a tampering
/// registry. Clones share their contents.
#[derive(Debug, Default, Clone)]
pub struct MemoryStore {
    blobs: Shared<std::collections::BTreeMap<String, Vec<u8>>>,
    tags: Shared<std::collections::BTreeMap<String, (Digest, String)>>,
    /// Manifests stored with a `subject`: (subject, descriptor), when the API is on.
    referrers: Option<Shared<Vec<(String, Value)>>>,
}

impl MemoryStore {
    /// A store that answers the OCI 1.1 referrers API, as registries that have it do.
    pub fn with_referrers_api() -> MemoryStore {
        MemoryStore {
            referrers: Some(Shared::default()),
            ..MemoryStore::default()
        }
    }

    /// Replaces the bytes stored under `digest` (which then no longer match it).
    pub fn tamper(&self, digest: &Digest, bytes: Vec<u8>) {
        if let Ok(mut blobs) = self.blobs.lock() {
            blobs.insert(digest.to_string(), bytes);
        }
    }

    fn missing(&self, digest: &Digest) -> ImageError {
        ImageError::Invalid {
            image: "memory".into(),
            what: format!("no blob {digest}"),
        }
    }
}

impl Store for MemoryStore {
    fn name(&self) -> &str {
        "memory"
    }

    fn manifest(&self, reference: &str) -> Result<Option<StoredManifest>, ImageError> {
        let (digest, media_type) = match reference.parse::<Digest>() {
            Ok(d) => (d, String::new()),
            Err(_) => match self
                .tags
                .lock()
                .ok()
                .and_then(|t| t.get(reference).cloned())
            {
                Some(found) => found,
                None => return Ok(None),
            },
        };
        let Some(bytes) = self
            .blobs
            .lock()
            .ok()
            .and_then(|b| b.get(&digest.to_string()).cloned())
        else {
            return Ok(None);
        };
        Ok(Some(StoredManifest {
            bytes,
            media_type,
            digest,
        }))
    }

    fn put_manifest(
        &self,
        reference: &str,
        bytes: &[u8],
        media_type: &str,
    ) -> Result<Digest, ImageError> {
        let digest = self.put_blob(bytes)?;
        if reference.parse::<Digest>().is_err() {
            if let Ok(mut tags) = self.tags.lock() {
                tags.insert(
                    reference.to_owned(),
                    (digest.clone(), media_type.to_owned()),
                );
            }
        }
        let doc = serde_json::from_slice::<Value>(bytes).unwrap_or_default();
        let subject = doc.pointer("/subject/digest").and_then(Value::as_str);
        if let (Some(referrers), Some(subject)) = (&self.referrers, subject) {
            let descriptor = json!({
                "mediaType": media_type,
                "digest": digest.to_string(),
                "size": bytes.len(),
                "artifactType": doc.get("artifactType").cloned().unwrap_or_default(),
                "annotations": doc.get("annotations").cloned().unwrap_or_default(),
            });
            if let Ok(mut referrers) = referrers.lock() {
                referrers.push((subject.to_owned(), descriptor));
            }
        }
        Ok(digest)
    }

    fn blob(&self, digest: &Digest, limit: u64) -> Result<Vec<u8>, ImageError> {
        let bytes = self
            .blobs
            .lock()
            .ok()
            .and_then(|b| b.get(&digest.to_string()).cloned())
            .ok_or_else(|| self.missing(digest))?;
        if bytes.len() as u64 > limit {
            return Err(ImageError::Invalid {
                image: "memory".into(),
                what: format!("blob {digest} is over the limit of {limit} bytes"),
            });
        }
        let actual = crate::sha256(&bytes);
        if &actual != digest {
            return Err(ImageError::DigestMismatch {
                image: "memory".into(),
                expected: digest.clone(),
                actual,
            });
        }
        Ok(bytes)
    }

    fn put_blob(&self, bytes: &[u8]) -> Result<Digest, ImageError> {
        let digest = crate::sha256(bytes);
        if let Ok(mut blobs) = self.blobs.lock() {
            blobs.insert(digest.to_string(), bytes.to_vec());
        }
        Ok(digest)
    }

    fn referrers(&self, digest: &Digest) -> Result<Option<Vec<u8>>, ImageError> {
        let Some(referrers) = &self.referrers else {
            return Ok(None);
        };
        let manifests: Vec<Value> = referrers
            .lock()
            .map(|r| {
                r.iter()
                    .filter(|(subject, _)| *subject == digest.to_string())
                    .map(|(_, d)| d.clone())
                    .collect()
            })
            .unwrap_or_default();
        let index = json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests});
        Ok(Some(serde_json::to_vec(&index).unwrap_or_default()))
    }
}
