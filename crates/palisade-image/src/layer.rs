//! Reading one layer as a single stream: the blob is hashed as it is read, decompressed
//! (gzip, zstd or none, detected from its first bytes), hashed again, and parsed as tar. Entry
//! names are checked; whiteouts are recorded; files the visitor wants are handed to it as they
//! pass by. Nothing is written anywhere.

use std::io::{self, BufRead, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use palisade_core::{Algorithm, Digest};

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
    /// Every path the visitor read, whether or not it made something of it.
    pub seen: std::collections::HashSet<String>,
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

/// Hashes the bytes that pass through it.
struct Hashing<R> {
    inner: R,
    hasher: Option<Sha256>,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(h) = &mut self.hasher {
            h.update(&buf[..n]);
        }
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

/// Bytes handed from one pipeline stage to the next at a time.
const CHUNK: usize = 256 << 10;
/// Chunks in flight between two stages: memory per layer stays under `2 × DEPTH × CHUNK`.
const DEPTH: usize = 8;

type Chunk = io::Result<Vec<u8>>;

/// The reading end of a pipeline stage: yields the chunks another thread sends, then end of
/// stream when that thread is done, or the error it met.
struct ChannelReader {
    rx: Receiver<Chunk>,
    current: Vec<u8>,
    pos: usize,
    /// The error the sender met; every later read repeats it, so a consumer that swallows
    /// one error (a visitor reading a file) cannot mistake the failure for the end.
    failed: Option<io::Error>,
    /// Where read chunks go back to the sender, so buffers are reused, not reallocated.
    recycle: SyncSender<Vec<u8>>,
}

/// A bounded channel of chunks between two pipeline stages: the sending end, the buffers the
/// receiving end gives back, and the receiving end.
fn channel() -> (SyncSender<Chunk>, Receiver<Vec<u8>>, ChannelReader) {
    let (tx, rx) = sync_channel::<Chunk>(DEPTH);
    let (recycle, recycled) = sync_channel::<Vec<u8>>(DEPTH + 2);
    let reader = ChannelReader {
        rx,
        current: Vec::new(),
        pos: 0,
        failed: None,
        recycle,
    };
    (tx, recycled, reader)
}

impl BufRead for ChannelReader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.pos >= self.current.len() {
            if let Some(e) = &self.failed {
                return Err(repeat(e));
            }
            match self.rx.recv() {
                Ok(Ok(chunk)) => {
                    let used = std::mem::replace(&mut self.current, chunk);
                    if used.capacity() == CHUNK {
                        // A full channel back just means the buffer is freed instead.
                        let _ = self.recycle.try_send(used);
                    }
                    self.pos = 0;
                }
                Ok(Err(e)) => self.failed = Some(e),
                Err(_) => return Ok(&[]),
            }
        }
        Ok(&self.current[self.pos..])
    }

    fn consume(&mut self, amount: usize) {
        self.pos = (self.pos + amount).min(self.current.len());
    }
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

/// A copy of an error, keeping a limit violation recognizable.
fn repeat(e: &io::Error) -> io::Error {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<LimitExceeded>())
    {
        Some(limit) => io::Error::other(LimitExceeded(limit.0.clone())),
        None => io::Error::new(e.kind(), e.to_string()),
    }
}

/// Reads `src` to its end in chunks, lets `inspect` see each chunk (hashing, counting, limit
/// checks), and sends them on. A read or inspection error is sent on as the last item.
fn pump<R: Read>(
    mut src: R,
    first: Option<Vec<u8>>,
    tx: &SyncSender<Chunk>,
    recycled: &Receiver<Vec<u8>>,
    mut inspect: impl FnMut(&[u8]) -> io::Result<()>,
) {
    if let Some(first) = first {
        if let Err(e) = inspect(&first) {
            let _ = tx.send(Err(e));
            return;
        }
        if tx.send(Ok(first)).is_err() {
            return;
        }
    }
    loop {
        let mut chunk = recycled
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(CHUNK));
        // Only the part a short read left unused is zeroed again.
        chunk.resize(CHUNK, 0);
        let n = match fill(&mut src, &mut chunk) {
            Ok(0) => return,
            Ok(n) => n,
            Err(e) => {
                let _ = tx.send(Err(e));
                return;
            }
        };
        chunk.truncate(n);
        if let Err(e) = inspect(&chunk) {
            let _ = tx.send(Err(e));
            return;
        }
        if tx.send(Ok(chunk)).is_err() {
            // The consumer stopped (it met an error of its own).
            return;
        }
    }
}

/// Reads until `buf` is full or the stream ends.
fn fill(src: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match src.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

fn finish(hasher: Option<Sha256>) -> Option<Digest> {
    hasher.map(Sha256::finish)
}

/// Incremental SHA-256 (ring's, which uses the CPU's SHA extensions: hashing is most of the
/// cost of reading an uncompressed layer).
struct Sha256(ring::digest::Context);

impl Sha256 {
    fn new() -> Sha256 {
        Sha256(ring::digest::Context::new(&ring::digest::SHA256))
    }

    fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn finish(self) -> Digest {
        Digest::from_bytes(Algorithm::Sha256, self.0.finish().as_ref())
    }
}

/// Checks the uncompressed size against the limits.
fn check_expansion(total: u64, compressed: u64, limits: &Limits) -> io::Result<()> {
    if total > limits.max_layer_bytes {
        return Err(io::Error::other(LimitExceeded(format!(
            "decompresses to more than {} bytes (the layer size limit)",
            limits.max_layer_bytes
        ))));
    }
    let compressed = compressed.max(1);
    if total > limits.ratio_check_after && total / compressed > limits.max_ratio {
        return Err(io::Error::other(LimitExceeded(format!(
            "expands more than {}-fold ({total} bytes from {compressed}): a decompression bomb",
            limits.max_ratio
        ))));
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compression {
    None,
    Gzip,
    Zstd,
}

/// Reads one layer stream and visits the files `visitor` wants. With `only`, visits just those
/// paths (a second pass for hard links), each under the name of the link that wanted it.
///
/// The work runs as a pipeline so that it costs little more than its slowest step: one thread
/// reads the blob and hashes it, one decompresses (for compressed layers), and the calling
/// thread hashes the tar stream and parses it. Channels between the stages are bounded.
/// A blob that went on past the size its descriptor declares (reading stopped there).
#[derive(Debug)]
pub(crate) struct OverDescriptor(pub u64);

impl std::fmt::Display for OverDescriptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "blob size mismatch: the blob is larger than the {} bytes its descriptor says; reading stopped",
            self.0
        )
    }
}

impl std::error::Error for OverDescriptor {}

impl OverDescriptor {
    const MARK: &'static str = "bytes its descriptor says; reading stopped";

    /// Whether this error (or one it wraps) is a blob past its descriptor's size.
    pub(crate) fn found_in(e: &io::Error) -> bool {
        Self::text_in(e).contains(Self::MARK)
    }

    /// The message of the innermost error that says so.
    pub(crate) fn text_in(e: &io::Error) -> String {
        let mut current: Option<&dyn std::error::Error> = Some(e);
        while let Some(err) = current {
            let text = err.to_string();
            if text.contains(Self::MARK) {
                return text;
            }
            current = err.source();
        }
        e.to_string()
    }
}

pub(crate) fn read_layer<V: FileVisitor>(
    spec: &LayerSpec,
    mut blob: Box<dyn Read + Send + '_>,
    limits: &Limits,
    visitor: &V,
    progress: &dyn Progress,
    only: Option<&[(String, String)]>,
) -> Result<LayerContents<V::Output>, LayerProblem> {
    let mut first = vec![0u8; CHUNK];
    let n = fill(&mut blob, &mut first)?;
    first.truncate(n);
    let compression = if first.starts_with(&[0x1f, 0x8b]) {
        Compression::Gzip
    } else if first.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Compression::Zstd
    } else {
        Compression::None
    };
    // For an uncompressed layer the blob is the tar: one hash serves both digests when they are
    // equal, and the tar's hash is taken while reading.
    let same_digest = spec.digest.is_some() && spec.digest == spec.diff_id;
    let hash_tar_while_reading = compression == Compression::None && !same_digest;
    let compressed_count = AtomicU64::new(0);

    std::thread::scope(|scope| {
        let (tx1, recycled1, rx1) = channel();
        let reader = scope.spawn(|| {
            let (tx1, recycled1) = (tx1, recycled1);
            let mut blob_hash = spec.digest.as_ref().map(|_| Sha256::new());
            let mut tar_hash = spec
                .diff_id
                .as_ref()
                .filter(|_| hash_tar_while_reading)
                .map(|_| Sha256::new());
            pump(blob, Some(first), &tx1, &recycled1, |chunk| {
                if let Some(h) = &mut blob_hash {
                    h.update(chunk);
                }
                if let Some(h) = &mut tar_hash {
                    h.update(chunk);
                }
                let total = compressed_count.fetch_add(chunk.len() as u64, Ordering::Relaxed)
                    + chunk.len() as u64;
                progress.advance(chunk.len() as u64);
                // Stop at the size the descriptor declares: a blob that goes on is not read to
                // its end first (a sparse file can claim terabytes).
                if let Some(size) = spec.size {
                    if total > size {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            OverDescriptor(size),
                        ));
                    }
                }
                if compression == Compression::None {
                    check_expansion(total, total, limits)?;
                }
                Ok(())
            });
            (finish(blob_hash), finish(tar_hash))
        });

        let mut tar_hash = spec
            .diff_id
            .as_ref()
            .filter(|_| compression != Compression::None)
            .map(|_| Sha256::new());
        let (contents, decoder) = if compression == Compression::None {
            let mut stream = rx1;
            let contents = read_tar(&mut stream, limits, visitor, only);
            if contents.is_ok() {
                io::copy(&mut stream, &mut io::sink())?;
            }
            (contents, None)
        } else {
            let (tx2, recycled2, rx2) = channel();
            let counted = &compressed_count;
            let decoder = scope.spawn(move || {
                let source = rx1;
                let mut total = 0u64;
                let inspect = |chunk: &[u8]| {
                    total += chunk.len() as u64;
                    check_expansion(total, counted.load(Ordering::Relaxed), limits)
                };
                match compression {
                    Compression::Gzip => pump(
                        flate2::bufread::MultiGzDecoder::new(source),
                        None,
                        &tx2,
                        &recycled2,
                        inspect,
                    ),
                    _ => match zstd::stream::read::Decoder::with_buffer(source) {
                        Ok(d) => pump(d, None, &tx2, &recycled2, inspect),
                        Err(e) => {
                            let _ = tx2.send(Err(e));
                        }
                    },
                }
            });
            let mut stream = Hashing {
                inner: rx2,
                hasher: tar_hash.take(),
            };
            let contents = read_tar(&mut stream, limits, visitor, only);
            if contents.is_ok() {
                io::copy(&mut stream, &mut io::sink())?;
            }
            tar_hash = stream.hasher.take();
            (contents, Some(decoder))
        };
        let contents = contents?;
        if let Some(decoder) = decoder {
            decoder
                .join()
                .map_err(|_| LayerProblem::Invalid("the decompressor failed".into()))?;
        }
        let (blob_digest, tar_digest_while_reading) = reader
            .join()
            .map_err(|_| LayerProblem::Invalid("the blob reader failed".into()))?;
        let tar_digest = if same_digest {
            blob_digest.clone()
        } else {
            tar_digest_while_reading.or_else(|| finish(tar_hash))
        };
        if let (Some(expected), Some(actual)) = (&spec.digest, &blob_digest) {
            if expected != actual {
                return Err(LayerProblem::Invalid(format!(
                    "blob digest mismatch: expected {expected}, got {actual}"
                )));
            }
        }
        if let (Some(expected), Some(actual)) = (&spec.diff_id, &tar_digest) {
            if expected != actual {
                return Err(LayerProblem::Invalid(format!(
                    "diff id mismatch: expected {expected}, got {actual}"
                )));
            }
        }
        if let Some(size) = spec.size {
            let read = compressed_count.load(Ordering::Relaxed);
            if read != size {
                return Err(LayerProblem::Invalid(format!(
                    "blob is {read} bytes, the manifest says {size}"
                )));
            }
        }
        Ok(contents)
    })
}

/// A PAX `size` record overrides the header's size, and the tar reader drops one it cannot
/// parse, falling back to the header (often 0): the file would read as empty, silently.
fn check_pax_size<R: Read>(entry: &mut tar::Entry<'_, R>) -> Result<(), LayerProblem> {
    let bad = match entry.pax_extensions() {
        Ok(Some(extensions)) => extensions
            .flatten()
            .filter(|e| e.key_bytes() == b"size")
            .map(|e| e.value_bytes())
            .find(|v| {
                std::str::from_utf8(v)
                    .ok()
                    .and_then(|v| v.parse::<u64>().ok())
                    .is_none()
            })
            .map(|v| String::from_utf8_lossy(v).into_owned()),
        _ => None,
    };
    match bad {
        None => Ok(()),
        Some(value) => Err(LayerProblem::Invalid(format!(
            "entry {:?}: PAX size {value:?} is not a size in bytes",
            String::from_utf8_lossy(&entry.path_bytes())
        ))),
    }
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
        seen: Default::default(),
    };
    for (n, entry) in archive.entries()?.enumerate() {
        if n as u64 >= limits.max_entries {
            return Err(LayerProblem::Invalid(format!(
                "more than {} entries",
                limits.max_entries
            )));
        }
        let mut entry = entry?;
        check_pax_size(&mut entry)?;
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
                    if visitor.wants_file(&file) {
                        contents.seen.insert(path.clone());
                        if let Some(out) = visitor.visit(&file, &mut entry) {
                            contents.visited.push((path.clone(), out));
                        }
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
