//! Feeds arbitrary bytes to the image reader as a layer blob (tar, gzip or zstd, detected from
//! the bytes). Must never panic, hang or allocate without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_core::{Algorithm, Digest};
use palisade_image::oci::{Descriptor, Manifest};
use palisade_image::{BlobKey, FileEntry, FileVisitor, Format, Image, Limits, MemoryBlobs, NoProgress};
use sha2::{Digest as _, Sha256};
use std::io::Read;

struct ReadAll;

impl FileVisitor for ReadAll {
    type Output = usize;
    fn wants(&self, _: &str) -> bool {
        true
    }
    fn visit(&self, _: &FileEntry<'_>, content: &mut dyn Read) -> Option<usize> {
        let mut buf = Vec::new();
        content.take(1 << 20).read_to_end(&mut buf).ok()
    }
}

fn sha(bytes: &[u8]) -> Digest {
    Digest::from_bytes(Algorithm::Sha256, &Sha256::digest(bytes))
}

fn descriptor(bytes: &[u8]) -> Descriptor {
    Descriptor {
        media_type: String::new(),
        digest: sha(bytes),
        size: bytes.len() as u64,
        platform: None,
        annotations: Default::default(),
    }
}

fuzz_target!(|data: &[u8]| {
    let config = br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#;
    let mut blobs = MemoryBlobs::default();
    blobs.blobs.insert(BlobKey::Digest(sha(config)), config.to_vec());
    blobs.blobs.insert(BlobKey::Digest(sha(data)), data.to_vec());
    let manifest = Manifest {
        media_type: None,
        config: descriptor(config),
        layers: vec![descriptor(data)],
    };
    let limits = Limits {
        max_layer_bytes: 64 << 20,
        max_entries: 100_000,
        ..Limits::default()
    };
    if let Ok(image) =
        Image::from_parts("fuzz".into(), Format::OciLayout, Box::new(blobs), &manifest, None, limits)
    {
        let _ = image.walk(&ReadAll, &NoProgress);
    }
});
