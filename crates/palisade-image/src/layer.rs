//! Reading one layer as a single stream: the blob is hashed as it is read, decompressed
//! (gzip, zstd or none, detected from its first bytes), hashed again, and parsed as tar. Entry
//! names are checked; whiteouts are recorded; files the visitor wants are handed to it as they
//! pass by. Nothing is written anywhere.

use std::io::{self, BufRead, BufReader, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use palisade_core::{Algorithm, Digest};
use sha2::{Digest as _, Sha256};

use crate::blob::BlobKey;
use crate::limits::Limits;
use crate::walk::{FileEntry, FileVisitor, NodeKind, Progress};

/// What the image says about one layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerSpec {
    /// Position, bottom layer first.
    pub index: usize,
    pub key: BlobKey,
    /// The digest of the blob as stored (compressed), when the image records it.
    pub digest: Option<Digest>,
    /// The digest of the uncompressed tar (`rootfs.diff_ids`), when the image records it.
    pub diff_id: Option<Digest>,
    pub size: Option<u64>,
    pub media_type: String,
    /// The build step that made the layer, from the image history.
    pub created_by: Option<String>,
}

impl LayerSpec {
    /// How the layer is named in messages and reports: its diff id, else its digest, else its
    /// position.
    pub fn id(&self) -> String {
        match (&self.diff_id, &self.digest) {
            (Some(d), _) | (None, Some(d)) => d.to_string(),
            _ => format!("#{} ({})", self.index + 1, self.key),
        }
    }
}

/// One entry of a layer, after its name was checked and normalized.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub path: String,
    pub kind: NodeKind,
    pub size: u64,
    pub mode: u32,
}

/// Everything learned from one pass over a layer.
#[derive(Debug)]
pub(crate) struct LayerContents<O> {
    pub entries: Vec<Entry>,
    /// Paths removed by `.wh.NAME` files.
    pub whiteouts: Vec<String>,
    /// Directories whose lower contents are hidden by `.wh..wh..opq`.
    pub opaque: Vec<String>,
    /// What the visitor made of the files it wanted, by path.
    pub visited: Vec<(String, O)>,
}

/// Why a layer could not be read.
#[derive(Debug)]
pub(crate) enum LayerProblem {
    Io(io::Error),
    Invalid(String),
}

impl From<io::Error> for LayerProblem {
    fn from(e: io::Error) -> Self {
        match e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<LimitExceeded>())
        {
            Some(limit) => LayerProblem::Invalid(limit.0.clone()),
            None => LayerProblem::Io(e),
        }
    }
}

#[derive(Debug)]
struct LimitExceeded(String);

impl std::fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LimitExceeded {}

/// Hashes and counts the bytes that pass through it.
struct Hashing<R> {
    inner: R,
    hasher: Option<Sha256>,
    count: Arc<AtomicU64>,
    /// Uncompressed side only: the limits, and the compressed count to compute the ratio.
    bound: Option<(Limits, Arc<AtomicU64>)>,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(h) = &mut self.hasher {
            h.update(&buf[..n]);
        }
        let total = self.count.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
        if let Some((limits, compressed)) = &self.bound {
            if total > limits.max_layer_bytes {
                return Err(io::Error::other(LimitExceeded(format!(
                    "decompresses to more than {} bytes (the layer size limit)",
                    limits.max_layer_bytes
                ))));
            }
            let compressed = compressed.load(Ordering::Relaxed).max(1);
            if total > limits.ratio_check_after && total / compressed > limits.max_ratio {
                return Err(io::Error::other(LimitExceeded(format!(
                    "expands more than {}-fold ({total} bytes from {compressed}): a decompression bomb",
                    limits.max_ratio
                ))));
            }
        }
        Ok(n)
    }
}

impl<R> Hashing<R> {
    fn finish(&mut self) -> Option<Digest> {
        self.hasher
            .take()
            .map(|h| Digest::from_bytes(Algorithm::Sha256, &h.finalize()))
    }
}

/// Reports progress in bytes read from the blob.
struct ProgressReader<'p, R> {
    inner: R,
    progress: &'p dyn Progress,
}

impl<R: Read> Read for ProgressReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.advance(n as u64);
        Ok(n)
    }
}

/// Checks and normalizes a tar entry name to an absolute path inside the image root.
pub(crate) fn entry_path(raw: &[u8], limits: &Limits) -> Result<Option<String>, String> {
    if raw.len() > limits.max_path_bytes {
        return Err(format!(
            "entry name of {} bytes exceeds the limit of {}",
            raw.len(),
            limits.max_path_bytes
        ));
    }
    let name = std::str::from_utf8(raw).map_err(|_| {
        format!(
            "entry name {:?} is not valid UTF-8",
            String::from_utf8_lossy(raw)
        )
    })?;
    if name.starts_with('/') {
        return Err(format!("entry {name:?} has an absolute path"));
    }
    if name.contains('\0') {
        return Err(format!("entry {name:?} contains a NUL byte"));
    }
    let mut out = String::with_capacity(name.len() + 1);
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err(format!("entry {name:?} escapes the image root")),
            p => {
                out.push('/');
                out.push_str(p);
            }
        }
    }
    Ok(if out.is_empty() { None } else { Some(out) })
}

/// Reads one layer stream and visits the files `visitor` wants. With `only`, visits just those
/// paths (a second pass for hard links), each under the name of the link that wanted it.
pub(crate) fn read_layer<V: FileVisitor>(
    spec: &LayerSpec,
    blob: Box<dyn Read + Send + '_>,
    limits: &Limits,
    visitor: &V,
    progress: &dyn Progress,
    only: Option<&[(String, String)]>,
) -> Result<LayerContents<V::Output>, LayerProblem> {
    let compressed_count = Arc::new(AtomicU64::new(0));
    let mut compressed = Hashing {
        inner: ProgressReader {
            inner: blob,
            progress,
        },
        hasher: spec.digest.as_ref().map(|_| Sha256::new()),
        count: compressed_count.clone(),
        bound: None,
    };
    let mut buffered = BufReader::with_capacity(256 << 10, &mut compressed);
    let head = buffered.fill_buf()?;
    let decoder: Box<dyn Read + '_> = if head.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::bufread::MultiGzDecoder::new(buffered))
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Box::new(zstd::stream::read::Decoder::with_buffer(buffered)?)
    } else {
        Box::new(buffered)
    };
    // For an uncompressed layer the diff id is the blob digest: hash once.
    let compressed_is_tar = spec.digest.is_some() && spec.digest == spec.diff_id;
    let mut uncompressed = Hashing {
        inner: decoder,
        hasher: spec
            .diff_id
            .as_ref()
            .filter(|_| !compressed_is_tar)
            .map(|_| Sha256::new()),
        count: Arc::new(AtomicU64::new(0)),
        bound: Some((*limits, compressed_count)),
    };

    let contents = read_tar(&mut uncompressed, limits, visitor, only)?;

    // Read to the very end so both digests cover every byte.
    io::copy(&mut uncompressed, &mut io::sink())?;
    let diff_id = uncompressed.finish();
    drop(uncompressed);
    io::copy(&mut compressed, &mut io::sink())?;
    let digest = compressed.finish();
    if let (Some(expected), Some(actual)) = (&spec.digest, &digest) {
        if expected != actual {
            return Err(LayerProblem::Invalid(format!(
                "blob digest mismatch: expected {expected}, got {actual}"
            )));
        }
    }
    if let (Some(expected), Some(actual)) = (&spec.diff_id, &diff_id) {
        if expected != actual {
            return Err(LayerProblem::Invalid(format!(
                "diff id mismatch: expected {expected}, got {actual}"
            )));
        }
    }
    if let Some(size) = spec.size {
        let read = compressed.count.load(Ordering::Relaxed);
        if read != size {
            return Err(LayerProblem::Invalid(format!(
                "blob is {read} bytes, the manifest says {size}"
            )));
        }
    }
    Ok(contents)
}

fn read_tar<V: FileVisitor, R: Read>(
    stream: R,
    limits: &Limits,
    visitor: &V,
    only: Option<&[(String, String)]>,
) -> Result<LayerContents<V::Output>, LayerProblem> {
    let mut archive = tar::Archive::new(stream);
    let mut contents = LayerContents {
        entries: Vec::new(),
        whiteouts: Vec::new(),
        opaque: Vec::new(),
        visited: Vec::new(),
    };
    for (n, entry) in archive.entries()?.enumerate() {
        if n as u64 >= limits.max_entries {
            return Err(LayerProblem::Invalid(format!(
                "more than {} entries",
                limits.max_entries
            )));
        }
        let mut entry = entry?;
        let kind = entry.header().entry_type();
        if matches!(
            kind,
            tar::EntryType::XGlobalHeader | tar::EntryType::XHeader | tar::EntryType::GNULongName
        ) {
            continue;
        }
        let Some(path) = entry_path(&entry.path_bytes(), limits).map_err(LayerProblem::Invalid)?
        else {
            continue;
        };
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", &path));
        if let Some(hidden) = name.strip_prefix(".wh.") {
            if hidden == ".wh..opq" {
                contents.opaque.push(if dir.is_empty() {
                    "/".into()
                } else {
                    dir.into()
                });
            } else if !hidden.starts_with(".wh.") && !hidden.is_empty() {
                contents.whiteouts.push(format!("{dir}/{hidden}"));
            }
            continue;
        }
        let link = || -> Result<String, LayerProblem> {
            let raw = entry.link_name_bytes().unwrap_or_default();
            String::from_utf8(raw.into_owned()).map_err(|_| {
                LayerProblem::Invalid(format!("link target of {path:?} is not valid UTF-8"))
            })
        };
        let node = match kind {
            tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => {
                NodeKind::File
            }
            tar::EntryType::Directory => NodeKind::Dir,
            tar::EntryType::Symlink => NodeKind::Symlink(link()?),
            tar::EntryType::Link => {
                let target = link()?;
                let target = entry_path(target.as_bytes(), limits)
                    .map_err(|e| LayerProblem::Invalid(format!("hard link {path:?}: {e}")))?
                    .ok_or_else(|| {
                        LayerProblem::Invalid(format!("hard link {path:?} has no target"))
                    })?;
                NodeKind::Hardlink(target)
            }
            _ => NodeKind::Other,
        };
        let size = entry.size();
        let mode = entry.header().mode().unwrap_or(0);
        if node == NodeKind::File {
            match only {
                None if visitor.wants(&path) => {
                    let file = FileEntry {
                        path: &path,
                        size,
                        mode,
                    };
                    if let Some(out) = visitor.visit(&file, &mut entry) {
                        contents.visited.push((path.clone(), out));
                    }
                }
                Some(targets) => {
                    if let Some((link, _)) = targets.iter().find(|(_, t)| *t == path) {
                        let file = FileEntry {
                            path: link,
                            size,
                            mode,
                        };
                        if let Some(out) = visitor.visit(&file, &mut entry) {
                            contents.visited.push((link.clone(), out));
                        }
                    }
                }
                None => {}
            }
        }
        contents.entries.push(Entry {
            path,
            kind: node,
            size,
            mode,
        });
    }
    Ok(contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names() {
        let l = Limits::default();
        assert_eq!(
            entry_path(b"./etc/passwd", &l).unwrap().as_deref(),
            Some("/etc/passwd")
        );
        assert_eq!(entry_path(b"./", &l).unwrap(), None);
        assert!(entry_path(b"../etc/passwd", &l).is_err());
        assert!(entry_path(b"a/../../b", &l).is_err());
        assert!(entry_path(b"/etc/passwd", &l).is_err());
        assert!(entry_path(b"bad\xff", &l).is_err());
        assert!(entry_path(&vec![b'a'; 5000], &l).is_err());
    }
}
