//! Bounds on what an image may make palisade do. Images come from attackers.

/// Size limits applied while reading an image. Exceeding one is an error that names the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest JSON document (index, manifest, config) read into memory.
    pub max_json_bytes: u64,
    /// Largest uncompressed size of one layer.
    pub max_layer_bytes: u64,
    /// Past this many uncompressed bytes, a layer whose compression ratio exceeds
    /// `max_ratio` is taken for a decompression bomb.
    pub ratio_check_after: u64,
    pub max_ratio: u64,
    /// Most entries in one layer, and in the merged filesystem of all layers. The largest
    /// real images hold a few hundred thousand files; each entry costs memory while the image
    /// is walked.
    pub max_entries: u64,
    /// Longest path inside a layer.
    pub max_path_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_json_bytes: 8 << 20,
            max_layer_bytes: 64 << 30,
            ratio_check_after: 1 << 30,
            max_ratio: 200,
            max_entries: 1_000_000,
            max_path_bytes: 4096,
        }
    }
}
