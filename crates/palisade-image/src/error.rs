//! What can go wrong reading an image. Every message names the image and the part of it.

use std::io;
use std::path::PathBuf;

use palisade_core::Digest;

/// An error opening or reading an image.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("reading {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{image}: {what}")]
    Invalid { image: String, what: String },
    #[error("{image}: {what}: invalid JSON")]
    Json {
        image: String,
        what: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("{image}: {what} is {size} bytes, over the limit of {limit}")]
    TooLarge {
        image: String,
        what: String,
        size: u64,
        limit: u64,
    },
    #[error("{image}: blob {expected} does not match its digest (got {actual})")]
    DigestMismatch {
        image: String,
        expected: Digest,
        actual: Digest,
    },
    #[error("{image}: layer {layer}: {what}")]
    Layer {
        image: String,
        layer: String,
        what: String,
    },
    #[error("{image}: layer {layer}: reading the layer stream")]
    LayerIo {
        image: String,
        layer: String,
        #[source]
        source: io::Error,
    },
    #[error("{image}: {what}")]
    Registry {
        image: String,
        what: String,
        #[source]
        source: Option<Box<ureq::Error>>,
    },
    #[error("{image}: no image for platform {platform} in the index (has: {available})")]
    NoPlatform {
        image: String,
        platform: String,
        available: String,
    },
}

impl ImageError {
    pub(crate) fn invalid(image: impl Into<String>, what: impl Into<String>) -> ImageError {
        ImageError::Invalid {
            image: image.into(),
            what: what.into(),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> ImageError {
        ImageError::Io {
            path: path.into(),
            source,
        }
    }
}
