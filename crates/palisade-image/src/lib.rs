//! Reads container images in every form people keep them — `docker save` archives, OCI archives
//! and layouts, root filesystems on disk, and OCI distribution registries — and walks their
//! files layer by layer.
//!
//! Each layer is read once, as a stream: its blob digest and diff id are checked on the way,
//! whiteouts and hard links are applied, and only the files a [`FileVisitor`] asks for are
//! handed to it. Nothing is extracted to disk, so nothing in an image can write outside of it.
//!
//! ```no_run
//! use std::io::Read;
//! use palisade_image::{FileEntry, FileVisitor, NoProgress, OpenOptions};
//!
//! struct OsRelease;
//! impl FileVisitor for OsRelease {
//!     type Output = String;
//!     fn wants(&self, path: &str) -> bool {
//!         path == "/etc/os-release" || path == "/usr/lib/os-release"
//!     }
//!     fn visit(&self, _: &FileEntry<'_>, content: &mut dyn Read) -> Option<String> {
//!         let mut s = String::new();
//!         content.take(64 << 10).read_to_string(&mut s).ok()?;
//!         Some(s)
//!     }
//! }
//!
//! let image = palisade_image::open(&"oci:app.oci".parse().unwrap(), &OpenOptions::default())?;
//! let walk = image.walk(&OsRelease, &NoProgress)?;
//! let os_release = walk.file("/etc/os-release").map(|v| &v.output);
//! # Ok::<(), palisade_image::ImageError>(())
//! ```

mod blob;
mod error;
mod layer;
mod limits;
pub mod oci;
pub mod registry;
mod walk;

use std::io::Read;
use std::path::{Path, PathBuf};

use palisade_core::{Algorithm, Digest, ImageRef};

pub use blob::{ArchiveBlobs, BlobKey, BlobSource, LayoutBlobs, MemoryBlobs};
pub use error::ImageError;
pub use layer::LayerSpec;
pub use limits::Limits;
pub use oci::{ImageConfig, Platform};
pub use registry::{Credentials, Repository, StoredManifest};
pub use walk::{
    AsRead, Both, FileEntry, FileVisitor, NoProgress, Node, NodeKind, Progress, SeekRead, Visited,
    Walk,
};

/// How to open an image.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    pub limits: Limits,
    /// The platform to pick from an image index; the host's by default.
    pub platform: Option<Platform>,
    /// Credentials for registries; anonymous when absent.
    pub credentials: Option<Credentials>,
}

/// The storage format an image was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    DockerArchive,
    OciArchive,
    OciLayout,
    Directory,
    Registry,
}

/// An opened image: its metadata, ready to be walked.
#[derive(Debug)]
pub struct Image {
    /// The reference as the user wrote it, for messages.
    pub name: String,
    pub format: Format,
    /// Digest of the manifest, when the image has one.
    pub manifest_digest: Option<Digest>,
    pub config_digest: Option<Digest>,
    pub config: ImageConfig,
    /// Layers, bottom first.
    pub layers: Vec<LayerSpec>,
    /// Tags recorded by the archive (`RepoTags`) or the reference.
    pub repo_tags: Vec<String>,
    blobs: Box<dyn BlobSource>,
    limits: Limits,
    root: Option<PathBuf>,
}

impl Image {
    /// The most specific identity of the image: the manifest digest, else the config digest.
    pub fn identity(&self) -> Option<&Digest> {
        self.manifest_digest
            .as_ref()
            .or(self.config_digest.as_ref())
    }

    /// The root directory, for `dir:` images.
    pub fn root_dir(&self) -> Option<&Path> {
        self.root.as_deref()
    }

    /// Builds an image from a manifest and blobs, as every layered form does in the end.
    pub fn from_parts(
        name: String,
        format: Format,
        blobs: Box<dyn BlobSource>,
        manifest: &oci::Manifest,
        manifest_digest: Option<Digest>,
        limits: Limits,
    ) -> Result<Image, ImageError> {
        let config_bytes = read_limited(
            &name,
            "image config",
            blobs.open(&BlobKey::Digest(manifest.config.digest.clone()))?,
            limits.max_json_bytes,
        )?;
        verify(&name, &manifest.config.digest, &config_bytes)?;
        let config: ImageConfig = parse_json(&name, "image config", &config_bytes)?;
        let layers = manifest
            .layers
            .iter()
            .enumerate()
            .map(|(i, d)| LayerSpec {
                index: i,
                key: BlobKey::Digest(d.digest.clone()),
                digest: Some(d.digest.clone()),
                diff_id: config.rootfs.diff_ids.get(i).cloned(),
                size: Some(d.size),
                media_type: d.media_type.clone(),
                created_by: None,
            })
            .collect();
        let mut image = Image {
            name,
            format,
            manifest_digest,
            config_digest: Some(manifest.config.digest.clone()),
            config,
            layers,
            repo_tags: Vec::new(),
            blobs,
            limits,
            root: None,
        };
        image.check_layers()?;
        Ok(image)
    }

    /// Checks the layer list against the config and attaches the history's build steps.
    fn check_layers(&mut self) -> Result<(), ImageError> {
        let diff_ids = &self.config.rootfs.diff_ids;
        if !diff_ids.is_empty() && diff_ids.len() != self.layers.len() {
            return Err(ImageError::invalid(
                &self.name,
                format!(
                    "the config lists {} diff ids for {} layers",
                    diff_ids.len(),
                    self.layers.len()
                ),
            ));
        }
        let steps = self
            .config
            .history
            .iter()
            .filter(|h| !h.empty_layer)
            .map(|h| h.created_by.clone());
        for (layer, step) in self.layers.iter_mut().zip(steps) {
            layer.created_by = step;
        }
        Ok(())
    }
}

fn read_limited(
    image: &str,
    what: &str,
    reader: Box<dyn Read + Send + '_>,
    limit: u64,
) -> Result<Vec<u8>, ImageError> {
    let mut buf = Vec::new();
    reader
        .take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|e| ImageError::invalid(image, format!("reading {what}: {e}")))?;
    if buf.len() as u64 > limit {
        return Err(ImageError::TooLarge {
            image: image.to_owned(),
            what: what.to_owned(),
            size: buf.len() as u64,
            limit,
        });
    }
    Ok(buf)
}

fn parse_json<T: serde::de::DeserializeOwned>(
    image: &str,
    what: &str,
    bytes: &[u8],
) -> Result<T, ImageError> {
    serde_json::from_slice(bytes).map_err(|source| ImageError::Json {
        image: image.to_owned(),
        what: what.to_owned(),
        source,
    })
}

pub(crate) fn sha256(bytes: &[u8]) -> Digest {
    Digest::from_bytes(
        Algorithm::Sha256,
        ring::digest::digest(&ring::digest::SHA256, bytes).as_ref(),
    )
}

fn verify(image: &str, expected: &Digest, bytes: &[u8]) -> Result<(), ImageError> {
    if expected.algorithm() != Algorithm::Sha256 {
        return Ok(());
    }
    let actual = sha256(bytes);
    if &actual != expected {
        return Err(ImageError::DigestMismatch {
            image: image.to_owned(),
            expected: expected.clone(),
            actual,
        });
    }
    Ok(())
}

/// Opens an image from any supported reference.
pub fn open(reference: &ImageRef, options: &OpenOptions) -> Result<Image, ImageError> {
    let name = reference.to_string();
    match reference {
        ImageRef::DockerArchive(path) => open_docker_archive(name, path, options),
        ImageRef::OciArchive(path) => {
            let blobs = ArchiveBlobs::open(path)?;
            let index = read_index(&name, |n| {
                blobs.read_small(n, options.limits.max_json_bytes)
            })?;
            open_oci(
                name,
                Format::OciArchive,
                Box::new(blobs),
                index,
                None,
                options,
            )
        }
        ImageRef::OciLayout { dir, tag } => {
            let index = read_index(&name, |n| {
                let path = dir.join(n);
                let file = blob::open_regular(&path)?;
                read_limited(&name, n, Box::new(file), options.limits.max_json_bytes)
            })?;
            let blobs = LayoutBlobs { root: dir.clone() };
            open_oci(
                name,
                Format::OciLayout,
                Box::new(blobs),
                index,
                tag.as_deref(),
                options,
            )
        }
        ImageRef::Dir(root) => open_dir(name, root),
        ImageRef::Registry(r) => registry::open(r, options),
        ImageRef::Path(path) => open(&detect(path)?, options),
    }
}

/// Works out what a bare path holds.
pub fn detect(path: &Path) -> Result<ImageRef, ImageError> {
    let meta = std::fs::metadata(path).map_err(|e| ImageError::io(path, e))?;
    if meta.is_dir() {
        if path.join("oci-layout").is_file() && path.join("index.json").is_file() {
            return Ok(ImageRef::OciLayout {
                dir: path.to_owned(),
                tag: None,
            });
        }
        return Ok(ImageRef::Dir(path.to_owned()));
    }
    let blobs = ArchiveBlobs::open(path)?;
    if blobs.contains("manifest.json") {
        Ok(ImageRef::DockerArchive(path.to_owned()))
    } else if blobs.contains("index.json") {
        Ok(ImageRef::OciArchive(path.to_owned()))
    } else {
        Err(ImageError::invalid(
            path.display().to_string(),
            "a tar archive with neither manifest.json (docker-archive) nor index.json (oci-archive)",
        ))
    }
}

fn open_dir(name: String, root: &Path) -> Result<Image, ImageError> {
    let meta = std::fs::metadata(root).map_err(|e| ImageError::io(root, e))?;
    if !meta.is_dir() {
        return Err(ImageError::invalid(name, "not a directory"));
    }
    Ok(Image {
        name,
        format: Format::Directory,
        manifest_digest: None,
        config_digest: None,
        config: ImageConfig::default(),
        layers: Vec::new(),
        repo_tags: Vec::new(),
        blobs: Box::new(MemoryBlobs::default()),
        limits: Limits::default(),
        root: Some(root.to_owned()),
    })
}

fn read_index(
    name: &str,
    read: impl FnOnce(&str) -> Result<Vec<u8>, ImageError>,
) -> Result<oci::Index, ImageError> {
    let bytes = read("index.json")?;
    parse_json(name, "index.json", &bytes)
}

/// Follows an index (possibly nested) to one manifest: by tag annotation when asked, else the
/// one entry, else the entry for the platform.
fn open_oci(
    name: String,
    format: Format,
    blobs: Box<dyn BlobSource>,
    index: oci::Index,
    tag: Option<&str>,
    options: &OpenOptions,
) -> Result<Image, ImageError> {
    let limits = options.limits;
    let mut candidates = index.manifests;
    if let Some(tag) = tag {
        candidates.retain(|d| {
            d.annotations
                .get("org.opencontainers.image.ref.name")
                .is_some_and(|t| t == tag || t.rsplit(':').next() == Some(tag))
        });
        if candidates.is_empty() {
            return Err(ImageError::invalid(
                &name,
                format!("no manifest tagged {tag:?}"),
            ));
        }
    }
    let platform = options.platform.clone().unwrap_or_else(Platform::host);
    for _depth in 0..4 {
        let desc = pick(&name, &candidates, &platform)?;
        let bytes = read_limited(
            &name,
            "manifest",
            blobs.open(&BlobKey::Digest(desc.digest.clone()))?,
            limits.max_json_bytes,
        )?;
        verify(&name, &desc.digest, &bytes)?;
        let value: serde_json::Value = parse_json(&name, "manifest", &bytes)?;
        if value.get("manifests").is_some() {
            let nested: oci::Index = parse_json(&name, "nested index", &bytes)?;
            candidates = nested.manifests;
            continue;
        }
        let manifest: oci::Manifest = parse_json(&name, "manifest", &bytes)?;
        return Image::from_parts(name, format, blobs, &manifest, Some(desc.digest), limits);
    }
    Err(ImageError::invalid(name, "image indexes nested too deeply"))
}

/// Whether a tag is one of cosign's signature tags: `sha256-<hex>` with `.sig`, `.att`,
/// `.sbom` or nothing after it.
fn is_signature_tag(tag: &str) -> bool {
    let base = [".sig", ".att", ".sbom"]
        .iter()
        .find_map(|suffix| tag.strip_suffix(suffix))
        .unwrap_or(tag);
    base.strip_prefix("sha256-")
        .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Chooses the manifest for `platform` among index entries.
pub(crate) fn pick(
    name: &str,
    candidates: &[oci::Descriptor],
    platform: &Platform,
) -> Result<oci::Descriptor, ImageError> {
    // Attestation manifests (buildx) carry platform unknown/unknown; signatures stored in a
    // layout carry cosign's tags (`sha256-<hex>.sig`, `.att`, `sha256-<hex>`).
    let images: Vec<&oci::Descriptor> = candidates
        .iter()
        .filter(|d| d.platform.as_ref().is_none_or(|p| p.os != "unknown"))
        .filter(|d| {
            !d.annotations
                .get("org.opencontainers.image.ref.name")
                .is_some_and(|t| is_signature_tag(t))
        })
        .collect();
    if let [only] = images.as_slice() {
        return Ok((*only).clone());
    }
    images
        .iter()
        .find(|d| d.platform.as_ref().is_some_and(|p| platform.matches(p)))
        .map(|d| (*d).clone())
        .ok_or_else(|| ImageError::NoPlatform {
            image: name.to_owned(),
            platform: platform.to_string(),
            available: images
                .iter()
                .filter_map(|d| d.platform.as_ref().map(ToString::to_string))
                .collect::<Vec<_>>()
                .join(", "),
        })
}

fn open_docker_archive(
    name: String,
    path: &Path,
    options: &OpenOptions,
) -> Result<Image, ImageError> {
    let limits = options.limits;
    let blobs = ArchiveBlobs::open(path)?;
    let bytes = blobs.read_small("manifest.json", limits.max_json_bytes)?;
    let entries: Vec<oci::DockerArchiveEntry> = parse_json(&name, "manifest.json", &bytes)?;
    let entry = match entries.as_slice() {
        [one] => one.clone(),
        [] => return Err(ImageError::invalid(&name, "manifest.json lists no image")),
        _ => {
            return Err(ImageError::invalid(
                &name,
                format!(
                    "manifest.json lists {} images; palisade reads archives of one image",
                    entries.len()
                ),
            ));
        }
    };
    let config_bytes = blobs.read_small(&entry.config, limits.max_json_bytes)?;
    let config_digest = sha256(&config_bytes);
    let config: ImageConfig = parse_json(&name, &entry.config, &config_bytes)?;
    let layers = entry
        .layers
        .iter()
        .enumerate()
        .map(|(i, member)| {
            // Newer `docker save` writes an OCI layout inside: `blobs/sha256/<hex>` names the
            // blob digest.
            let digest = member
                .strip_prefix("blobs/sha256/")
                .and_then(|hex| format!("sha256:{hex}").parse().ok());
            LayerSpec {
                index: i,
                key: BlobKey::Path(member.clone()),
                digest,
                diff_id: config.rootfs.diff_ids.get(i).cloned(),
                size: None,
                media_type: "application/vnd.docker.image.rootfs.diff.tar".into(),
                created_by: None,
            }
        })
        .collect();
    let mut image = Image {
        name,
        format: Format::DockerArchive,
        manifest_digest: None,
        config_digest: Some(config_digest),
        config,
        layers,
        repo_tags: entry.repo_tags.unwrap_or_default(),
        blobs: Box::new(blobs),
        limits,
        root: None,
    };
    image.check_layers()?;
    Ok(image)
}
