//! Writes an image's contents as a software bill of materials: CycloneDX 1.5 JSON, SPDX 2.3
//! JSON, palisade's own JSON, or a table for people.
//!
//! Every document names the tool, the image (with its digests) and the time it was made, and
//! every package carries its package URL, licences, and the path and layer it was found in.

mod cyclonedx;
mod spdx;
mod table;

use palisade_catalog::Catalog;
use palisade_core::Digest;
use palisade_image::{Format, Image};
use serde::Serialize;

pub use cyclonedx::{Subject, cyclonedx, document as cyclonedx_document};
pub use palisade_core::time::{now, rfc3339};
pub use spdx::spdx;
pub use table::table;

/// Seconds since the Unix epoch.
pub type Timestamp = i64;

/// The facts about an image that every report repeats.
#[derive(Debug, Clone, Serialize)]
pub struct ImageSummary {
    /// The reference the user gave.
    pub name: String,
    pub format: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifest_digest: Option<Digest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_digest: Option<Digest>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub repo_tags: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub os: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub architecture: String,
    pub layers: Vec<LayerSummary>,
}

/// One layer of the image, bottom first.
#[derive(Debug, Clone, Serialize)]
pub struct LayerSummary {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff_id: Option<Digest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<Digest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

impl ImageSummary {
    pub fn of(image: &Image) -> ImageSummary {
        let format = match image.format {
            Format::DockerArchive => "docker-archive",
            Format::OciArchive => "oci-archive",
            Format::OciLayout => "oci",
            Format::Directory => "dir",
            Format::Registry => "registry",
        };
        ImageSummary {
            name: image.name.clone(),
            format: format.to_owned(),
            manifest_digest: image.manifest_digest.clone(),
            config_digest: image.config_digest.clone(),
            repo_tags: image.repo_tags.clone(),
            os: image.config.os.clone(),
            architecture: image.config.architecture.clone(),
            layers: image
                .layers
                .iter()
                .map(|l| LayerSummary {
                    diff_id: l.diff_id.clone(),
                    digest: l.digest.clone(),
                    size: l.size,
                    created_by: l.created_by.clone(),
                })
                .collect(),
        }
    }

    /// The most specific identity of the image: the manifest digest, else the config digest.
    pub fn identity(&self) -> Option<&Digest> {
        self.manifest_digest
            .as_ref()
            .or(self.config_digest.as_ref())
    }
}

/// palisade's own SBOM document.
#[derive(Debug, Serialize)]
pub struct Sbom<'a> {
    pub tool: Tool,
    pub created: String,
    pub image: &'a ImageSummary,
    #[serde(flatten)]
    pub catalog: &'a Catalog,
}

/// The program that wrote a document.
#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

impl Tool {
    pub const PALISADE: Tool = Tool {
        name: "palisade",
        version: env!("CARGO_PKG_VERSION"),
    };
}

/// palisade's JSON document.
pub fn json(image: &ImageSummary, catalog: &Catalog, now: Timestamp) -> serde_json::Value {
    serde_json::to_value(Sbom {
        tool: Tool::PALISADE,
        created: rfc3339(now),
        image,
        catalog,
    })
    .unwrap_or(serde_json::Value::Null)
}

/// A name-based UUID (version 5 layout, SHA-256 truncated) so documents get a stable,
/// well-formed serial for the same image and time.
pub fn uuid(seed: &str) -> String {
    use sha2::{Digest as _, Sha256};
    let h = Sha256::digest(seed.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}
