//! Signatures in an OCI image layout (`oci:DIR`), for air-gapped use: signature manifests and
//! bundle indexes go into the layout's `index.json` under the same tags a registry would hold
//! (`sha256-<hex>.sig`, `.att`, `sha256-<hex>`), their blobs under `blobs/sha256/`. A layout
//! has no referrers API, so bundles are found through the fallback tag.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use palisade_core::Digest;
use palisade_image::{ImageError, StoredManifest};
use serde_json::{Value, json};

use crate::store::Store;

/// The annotation that names a manifest's tag in `index.json`.
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// An OCI image layout directory.
#[derive(Debug)]
pub struct Layout {
    dir: PathBuf,
    name: String,
    /// The most bytes read of `index.json` or of a manifest.
    limit: u64,
}

impl Layout {
    /// Opens the layout at `dir` (it must have an `index.json`).
    pub fn open(dir: &Path) -> Result<Layout, ImageError> {
        let layout = Layout {
            dir: dir.to_owned(),
            name: format!("oci:{}", dir.display()),
            limit: 16 << 20,
        };
        layout.index()?;
        Ok(layout)
    }

    fn io(&self, path: &Path, source: std::io::Error) -> ImageError {
        ImageError::Io {
            path: path.to_owned(),
            source,
        }
    }

    fn invalid(&self, what: impl Into<String>) -> ImageError {
        ImageError::Invalid {
            image: self.name.clone(),
            what: what.into(),
        }
    }

    fn index_path(&self) -> PathBuf {
        self.dir.join("index.json")
    }

    fn index(&self) -> Result<Value, ImageError> {
        let path = self.index_path();
        let bytes = self.read(&path, self.limit)?;
        let index: Value =
            serde_json::from_slice(&bytes).map_err(|_| self.invalid("index.json is not JSON"))?;
        if !index.get("manifests").is_some_and(Value::is_array) {
            return Err(self.invalid("index.json has no manifests array"));
        }
        Ok(index)
    }

    fn read(&self, path: &Path, limit: u64) -> Result<Vec<u8>, ImageError> {
        // Only regular files: a FIFO would block, a link to a device would never end.
        let meta = std::fs::metadata(path).map_err(|e| self.io(path, e))?;
        if !meta.is_file() {
            return Err(self.invalid(format!("{} is not a regular file", path.display())));
        }
        let file = std::fs::File::open(path).map_err(|e| self.io(path, e))?;
        let mut bytes = Vec::new();
        file.take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| self.io(path, e))?;
        if bytes.len() as u64 > limit {
            return Err(self.invalid(format!(
                "{} is over the limit of {limit} bytes",
                path.display()
            )));
        }
        Ok(bytes)
    }

    /// Writes `bytes` to `path` through a sibling temporary file and a rename, so a reader
    /// never sees half a file.
    fn write_atomic(&self, path: &Path, bytes: &[u8]) -> Result<(), ImageError> {
        let dir = path.parent().unwrap_or(&self.dir);
        std::fs::create_dir_all(dir).map_err(|e| self.io(dir, e))?;
        let tmp = dir.join(format!(
            ".{}.{}.tmp",
            path.file_name().and_then(|n| n.to_str()).unwrap_or("file"),
            std::process::id()
        ));
        std::fs::write(&tmp, bytes).map_err(|e| self.io(&tmp, e))?;
        std::fs::rename(&tmp, path).map_err(|e| self.io(path, e))
    }

    fn blob_path(&self, digest: &Digest) -> PathBuf {
        let text = digest.to_string();
        let (algorithm, hex) = text.split_once(':').unwrap_or(("sha256", &text));
        self.dir.join("blobs").join(algorithm).join(hex)
    }

    /// The descriptor in `index.json` tagged `tag`.
    fn tagged(&self, tag: &str) -> Result<Option<Value>, ImageError> {
        let index = self.index()?;
        Ok(index["manifests"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|d| {
                d.pointer("/annotations/org.opencontainers.image.ref.name")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t == tag || t.rsplit(':').next() == Some(tag))
            })
            .cloned())
    }

    /// The image a layout names without a tag: its one entry that is not a signature.
    pub fn default_image(&self) -> Result<Digest, ImageError> {
        let index = self.index()?;
        let images: Vec<&Value> = index["manifests"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| {
                !d.pointer("/annotations/org.opencontainers.image.ref.name")
                    .and_then(Value::as_str)
                    .is_some_and(is_signature_tag)
            })
            .collect();
        match images.as_slice() {
            [one] => one
                .get("digest")
                .and_then(Value::as_str)
                .and_then(|d| d.parse().ok())
                .ok_or_else(|| self.invalid("index.json entry without a valid digest")),
            [] => Err(self.invalid("index.json lists no image")),
            _ => Err(self.invalid("index.json lists several images: name one with oci:DIR:TAG")),
        }
    }
}

/// Whether a tag is one of cosign's signature tags (`sha256-<hex>`, `.sig`, `.att`, `.sbom`).
pub fn is_signature_tag(tag: &str) -> bool {
    let base = tag
        .strip_suffix(".sig")
        .or_else(|| tag.strip_suffix(".att"))
        .or_else(|| tag.strip_suffix(".sbom"))
        .unwrap_or(tag);
    base.strip_prefix("sha256-")
        .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

impl Store for Layout {
    fn name(&self) -> &str {
        &self.name
    }

    fn manifest(&self, reference: &str) -> Result<Option<StoredManifest>, ImageError> {
        let (digest, media_type) = match reference.parse::<Digest>() {
            Ok(digest) => (digest, None),
            Err(_) => {
                let Some(desc) = self.tagged(reference)? else {
                    return Ok(None);
                };
                let digest = desc
                    .get("digest")
                    .and_then(Value::as_str)
                    .and_then(|d| d.parse::<Digest>().ok())
                    .ok_or_else(|| self.invalid(format!("tag {reference}: invalid digest")))?;
                let media_type = desc
                    .get("mediaType")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                (digest, media_type)
            }
        };
        if !self.blob_path(&digest).is_file() {
            return Ok(None);
        }
        let bytes = self.blob(&digest, self.limit)?;
        let media_type = media_type
            .or_else(|| {
                serde_json::from_slice::<Value>(&bytes)
                    .ok()?
                    .get("mediaType")?
                    .as_str()
                    .map(str::to_owned)
            })
            .unwrap_or_default();
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
        if reference.parse::<Digest>().is_ok() {
            // Stored by digest only: reachable from the index that lists it.
            return Ok(digest);
        }
        let mut index = self.index()?;
        let manifests = index["manifests"]
            .as_array_mut()
            .ok_or_else(|| self.invalid("index.json has no manifests array"))?;
        manifests.retain(|d| {
            d.pointer("/annotations/org.opencontainers.image.ref.name")
                .and_then(Value::as_str)
                != Some(reference)
        });
        manifests.push(json!({
            "mediaType": media_type,
            "digest": digest.to_string(),
            "size": bytes.len(),
            "annotations": {REF_NAME: reference},
        }));
        let text = serde_json::to_vec_pretty(&index).unwrap_or_default();
        self.write_atomic(&self.index_path(), &text)?;
        Ok(digest)
    }

    fn blob(&self, digest: &Digest, limit: u64) -> Result<Vec<u8>, ImageError> {
        let bytes = self.read(&self.blob_path(digest), limit)?;
        let actual = crate::sha256(&bytes);
        if &actual != digest {
            return Err(ImageError::DigestMismatch {
                image: self.name.clone(),
                expected: digest.clone(),
                actual,
            });
        }
        Ok(bytes)
    }

    fn put_blob(&self, bytes: &[u8]) -> Result<Digest, ImageError> {
        let digest = crate::sha256(bytes);
        let path = self.blob_path(&digest);
        if !path.is_file() {
            self.write_atomic(&path, bytes)?;
        }
        Ok(digest)
    }

    fn referrers(&self, _digest: &Digest) -> Result<Option<Vec<u8>>, ImageError> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_are_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.json"), r#"{"manifests":[]}"#).unwrap();
        let layout = Layout::open(dir.path()).unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero")).unwrap();
        let err = layout.read(&dir.path().join("zero"), 1 << 20).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        std::fs::remove_file(dir.path().join("index.json")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("index.json")).unwrap();
        assert!(Layout::open(dir.path()).is_err());
    }

    #[test]
    fn signature_tags_are_recognised() {
        let hex = "a".repeat(64);
        assert!(is_signature_tag(&format!("sha256-{hex}.sig")));
        assert!(is_signature_tag(&format!("sha256-{hex}.att")));
        assert!(is_signature_tag(&format!("sha256-{hex}")));
        assert!(!is_signature_tag("latest"));
        assert!(!is_signature_tag("sha256-abc.sig"));
    }
}
