//! Walking an image's files: every layer read once, in parallel, then merged bottom-up into the
//! filesystem a container would see. What the visitor made of each file is kept when that file
//! is visible in the merged filesystem, and set aside as "hidden" when a later layer deleted or
//! replaced it (secrets in deleted files are still in the image).

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use palisade_core::Digest;

use crate::Image;
use crate::error::ImageError;
use crate::layer::{LayerContents, LayerProblem, LayerSpec, read_layer};

/// A file handed to a visitor.
#[derive(Debug, Clone, Copy)]
pub struct FileEntry<'a> {
    /// Absolute path inside the image root (`/var/lib/dpkg/status`).
    pub path: &'a str,
    pub size: u64,
    pub mode: u32,
}

/// Looks at the files of an image as they stream by. Called from several threads at once.
pub trait FileVisitor: Sync {
    /// What the visitor makes of one file.
    type Output: Send + Clone;

    /// Whether this path is worth reading. Called for every regular file: keep it cheap.
    fn wants(&self, path: &str) -> bool;

    /// Whether a file whose path was wanted is still worth reading, now that its size and mode
    /// are known (called before it is opened).
    fn wants_file(&self, _file: &FileEntry<'_>) -> bool {
        true
    }

    /// Reads one wanted file. `content` yields at most `file.size` bytes; the visitor may stop
    /// early. Returns `None` when the file gave nothing.
    fn visit(&self, file: &FileEntry<'_>, content: &mut dyn Read) -> Option<Self::Output>;

    /// Reads one wanted file from a source that can also seek (a directory on disk, not a
    /// layer stream), so that a visitor may look at a few places of a large file instead of
    /// reading it whole. Offsets beyond `file.size` are not the visitor's to read. By default,
    /// the same as [`FileVisitor::visit`].
    fn visit_seekable(
        &self,
        file: &FileEntry<'_>,
        content: &mut dyn SeekRead,
    ) -> Option<Self::Output> {
        self.visit(file, &mut AsRead(content))
    }
}

/// A reader that can also seek: what [`FileVisitor::visit_seekable`] gets.
pub trait SeekRead: Read + Seek {}

impl<T: Read + Seek + ?Sized> SeekRead for T {}

/// A file on disk that reads as if it had the size it had when listed (a file growing while
/// it is read yields no more than that).
struct SizedFile<R> {
    inner: R,
    size: u64,
    pos: u64,
}

impl<R: Read> Read for SizedFile<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = usize::try_from(self.size.saturating_sub(self.pos)).unwrap_or(usize::MAX);
        let n = buf.len().min(left);
        let got = self.inner.read(&mut buf[..n])?;
        self.pos += got as u64;
        Ok(got)
    }
}

impl<R: Seek> Seek for SizedFile<R> {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        self.pos = self.inner.seek(to)?;
        Ok(self.pos)
    }
}

/// Two visitors in one pass: every file either wants is read once, and a file both want is
/// buffered (at most its size) and handed to each. Its output is what each made of the file.
#[derive(Debug)]
pub struct Both<'a, A, B>(pub &'a A, pub &'a B);

impl<A: FileVisitor, B: FileVisitor> Both<'_, A, B> {
    fn wanted(&self, file: &FileEntry<'_>) -> (bool, bool) {
        (
            self.0.wants(file.path) && self.0.wants_file(file),
            self.1.wants(file.path) && self.1.wants_file(file),
        )
    }
}

impl<A: FileVisitor, B: FileVisitor> FileVisitor for Both<'_, A, B> {
    type Output = (Option<A::Output>, Option<B::Output>);

    fn wants(&self, path: &str) -> bool {
        self.0.wants(path) || self.1.wants(path)
    }

    fn wants_file(&self, file: &FileEntry<'_>) -> bool {
        let (a, b) = self.wanted(file);
        a || b
    }

    fn visit(&self, file: &FileEntry<'_>, content: &mut dyn Read) -> Option<Self::Output> {
        let out = match self.wanted(file) {
            (true, false) => (self.0.visit(file, content), None),
            (false, true) => (None, self.1.visit(file, content)),
            (true, true) => {
                let mut bytes = Vec::new();
                if content.take(file.size).read_to_end(&mut bytes).is_err() {
                    // Each visitor meets the same error and reports it in its own way.
                    let mut failing = FailingRead;
                    return Some((
                        self.0.visit(file, &mut failing),
                        self.1.visit(file, &mut failing),
                    ));
                }
                (
                    self.0.visit(file, &mut bytes.as_slice()),
                    self.1.visit(file, &mut bytes.as_slice()),
                )
            }
            (false, false) => return None,
        };
        (out.0.is_some() || out.1.is_some()).then_some(out)
    }

    fn visit_seekable(
        &self,
        file: &FileEntry<'_>,
        content: &mut dyn SeekRead,
    ) -> Option<Self::Output> {
        let (a, b) = self.wanted(file);
        let first = if a {
            self.0.visit_seekable(file, content)
        } else {
            None
        };
        let second = if b && content.seek(std::io::SeekFrom::Start(0)).is_ok() {
            self.1.visit_seekable(file, content)
        } else {
            None
        };
        (first.is_some() || second.is_some()).then_some((first, second))
    }
}

/// A reader whose every read fails, to hand a read error on to two visitors.
struct FailingRead;

impl Read for FailingRead {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        Err(std::io::Error::other(
            "reading the file from the layer failed",
        ))
    }
}

/// A [`SeekRead`] used only as a reader, for code that takes `&mut dyn Read`.
pub struct AsRead<'a>(pub &'a mut dyn SeekRead);

impl std::fmt::Debug for AsRead<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AsRead")
    }
}

impl Read for AsRead<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

/// Receives progress while layers are read: bytes of blob consumed.
pub trait Progress: Sync {
    fn advance(&self, bytes: u64);
}

/// No progress reporting.
#[derive(Debug)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn advance(&self, _: u64) {}
}

/// The kind of a filesystem node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeKind {
    File,
    Dir,
    Symlink(String),
    /// A hard link to a file earlier in the same layer or in a layer below.
    Hardlink(String),
    /// Devices, FIFOs, sockets.
    Other,
}

/// One node of the merged filesystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub kind: NodeKind,
    /// The layer that provided the node (index, bottom first).
    pub layer: usize,
    pub size: u64,
    pub mode: u32,
}

/// A visitor's output for one file, with where it came from.
#[derive(Debug)]
pub struct Visited<O> {
    pub path: String,
    /// The layer's index, bottom first; `None` for a plain directory.
    pub layer_index: Option<usize>,
    /// The layer's diff id (or digest).
    pub layer: Option<Digest>,
    pub output: O,
}

/// The result of walking an image.
#[derive(Debug)]
pub struct Walk<O> {
    /// Outputs for files present in the final filesystem, in path order.
    pub files: Vec<Visited<O>>,
    /// Outputs for files a later layer deleted or replaced.
    pub hidden: Vec<Visited<O>>,
    tree: Tree,
}

#[derive(Debug)]
enum Tree {
    Layers(BTreeMap<String, Node>),
    Directory(PathBuf),
}

/// The most symlinks followed while resolving one path, as Linux allows.
const MAX_SYMLINK_HOPS: usize = 40;

impl<O> Walk<O> {
    /// Resolves `path` in the merged filesystem, following symlinks as a chroot would: `..` at
    /// the root stays at the root, absolute targets start from the image root. Returns the real
    /// path, or `None` when it does not exist or symlinks loop.
    pub fn resolve(&self, path: &str) -> Option<String> {
        let mut hops = 0;
        let mut pending: Vec<String> = components(path).rev().map(str::to_owned).collect();
        let mut current: Vec<String> = Vec::new();
        while let Some(part) = pending.pop() {
            if part == ".." {
                current.pop();
                continue;
            }
            current.push(part);
            let joined = format!("/{}", current.join("/"));
            if let NodeKind::Symlink(target) = self.kind(&joined)? {
                hops += 1;
                if hops > MAX_SYMLINK_HOPS {
                    return None;
                }
                current.pop();
                if target.starts_with('/') {
                    current.clear();
                }
                pending.extend(components(&target).rev().map(str::to_owned));
            }
        }
        Some(format!("/{}", current.join("/")))
    }

    fn kind(&self, path: &str) -> Option<NodeKind> {
        match &self.tree {
            Tree::Layers(map) => {
                if path == "/" {
                    return Some(NodeKind::Dir);
                }
                map.get(path).map(|n| n.kind.clone())
            }
            Tree::Directory(root) => {
                let real = root.join(path.trim_start_matches('/'));
                let meta = std::fs::symlink_metadata(&real).ok()?;
                Some(if meta.file_type().is_symlink() {
                    NodeKind::Symlink(std::fs::read_link(&real).ok()?.to_string_lossy().into())
                } else if meta.is_dir() {
                    NodeKind::Dir
                } else {
                    NodeKind::File
                })
            }
        }
    }

    /// The merged filesystem's nodes, for layered images.
    pub fn nodes(&self) -> Option<&BTreeMap<String, Node>> {
        match &self.tree {
            Tree::Layers(map) => Some(map),
            Tree::Directory(_) => None,
        }
    }

    /// Splits the walk into its visible outputs, hidden outputs and (for layered images) the
    /// merged filesystem's nodes.
    #[allow(
        clippy::type_complexity,
        reason = "the three parts of the walk, named in the docs"
    )]
    pub fn into_parts(
        self,
    ) -> (
        Vec<Visited<O>>,
        Vec<Visited<O>>,
        Option<BTreeMap<String, Node>>,
    ) {
        let nodes = match self.tree {
            Tree::Layers(map) => Some(map),
            Tree::Directory(_) => None,
        };
        (self.files, self.hidden, nodes)
    }

    /// The output for a file visible at `path` (after resolving symlinks).
    pub fn file(&self, path: &str) -> Option<&Visited<O>> {
        let real = self.resolve(path)?;
        self.files
            .binary_search_by(|v| v.path.as_str().cmp(&real))
            .ok()
            .and_then(|i| self.files.get(i))
    }
}

fn components(path: &str) -> impl DoubleEndedIterator<Item = &str> {
    path.split('/').filter(|p| !p.is_empty() && *p != ".")
}

/// Tar streams may omit directory entries: make every ancestor of `path` a directory node.
fn insert_parents(map: &mut BTreeMap<String, Node>, path: &str, layer: usize) {
    let mut end = path.len();
    while let Some(i) = path[..end].rfind('/') {
        if i == 0 {
            break;
        }
        let parent = &path[..i];
        match map.get(parent) {
            Some(n) if n.kind == NodeKind::Dir => break,
            // A symlinked directory (`/bin -> usr/bin`) stays a symlink.
            Some(n) if matches!(n.kind, NodeKind::Symlink(_)) => break,
            _ => {
                map.insert(
                    parent.to_owned(),
                    Node {
                        kind: NodeKind::Dir,
                        layer,
                        size: 0,
                        mode: 0o755,
                    },
                );
            }
        }
        end = i;
    }
}

/// Removes `dir`'s descendants (not `dir` itself).
fn remove_descendants(map: &mut BTreeMap<String, Node>, dir: &str) {
    let prefix = if dir == "/" {
        "/".to_owned()
    } else {
        format!("{dir}/")
    };
    let doomed: Vec<String> = map
        .range(prefix.clone()..)
        .take_while(|(k, _)| k.starts_with(&prefix))
        .map(|(k, _)| k.clone())
        .collect();
    for k in doomed {
        map.remove(&k);
    }
}

impl Image {
    /// Reads every layer once and hands the files `visitor` wants to it.
    pub fn walk<V: FileVisitor>(
        &self,
        visitor: &V,
        progress: &dyn Progress,
    ) -> Result<Walk<V::Output>, ImageError> {
        if let Some(root) = self.root_dir() {
            return walk_directory(root, visitor);
        }
        let layers = &self.layers;
        let results: Vec<Slot<V::Output>> = layers.iter().map(|_| Mutex::new(None)).collect();
        let next = AtomicUsize::new(0);
        let threads = std::thread::available_parallelism()
            .map_or(1, usize::from)
            .min(layers.len())
            .max(1);
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(spec) = layers.get(i) else { break };
                        let result = self.read_one(spec, visitor, progress, None);
                        if let Ok(mut slot) = results[i].lock() {
                            *slot = Some(result);
                        }
                    }
                });
            }
        });
        let mut contents = Vec::with_capacity(layers.len());
        for (slot, spec) in results.into_iter().zip(layers) {
            let result = slot
                .into_inner()
                .ok()
                .flatten()
                .ok_or_else(|| self.layer_error(spec, "reader thread failed".into()))?;
            contents.push(result?);
        }
        self.merge(contents, visitor, progress)
    }

    fn read_one<V: FileVisitor>(
        &self,
        spec: &LayerSpec,
        visitor: &V,
        progress: &dyn Progress,
        only: Option<&[(String, String)]>,
    ) -> Result<LayerContents<V::Output>, ImageError> {
        let blob = self.blobs.open(&spec.key)?;
        read_layer(spec, blob, &self.limits, visitor, progress, only).map_err(|p| match p {
            // The stages pass errors along by value, so the blob's own error may arrive
            // re-wrapped: recognise it by its place in the chain or its text.
            LayerProblem::Io(source) if crate::layer::OverDescriptor::found_in(&source) => {
                self.layer_error(spec, crate::layer::OverDescriptor::text_in(&source))
            }
            LayerProblem::Io(source) => ImageError::LayerIo {
                image: self.name.clone(),
                layer: spec.id(),
                source,
            },
            LayerProblem::Invalid(what) => self.layer_error(spec, what),
        })
    }

    fn layer_error(&self, spec: &LayerSpec, what: String) -> ImageError {
        ImageError::Layer {
            image: self.name.clone(),
            layer: spec.id(),
            what,
        }
    }

    fn merge<V: FileVisitor>(
        &self,
        mut contents: Vec<LayerContents<V::Output>>,
        visitor: &V,
        progress: &dyn Progress,
    ) -> Result<Walk<V::Output>, ImageError> {
        let mut map: BTreeMap<String, Node> = BTreeMap::new();
        // Each hard link's data: the layer and path of the file it finally names.
        let mut link_data: HashMap<String, (usize, String)> = HashMap::new();
        for (i, layer) in contents.iter_mut().enumerate() {
            for dir in &layer.opaque {
                remove_descendants(&mut map, dir);
            }
            for path in &layer.whiteouts {
                map.remove(path);
                remove_descendants(&mut map, path);
            }
            for e in layer.entries.drain(..) {
                if let NodeKind::Hardlink(target) = &e.kind {
                    // A tar names a link's target before the link, in this layer or below;
                    // anything else cannot be unpacked, and reading it as empty would hide it.
                    let data = match map.get(target).map(|n| &n.kind) {
                        Some(NodeKind::File) => (map[target].layer, target.clone()),
                        Some(NodeKind::Hardlink(_)) => {
                            link_data.get(target).cloned().ok_or_else(|| {
                                self.layer_error(
                                    &self.layers[i],
                                    format!(
                                        "hard link {} names {target}, which names no file",
                                        e.path
                                    ),
                                )
                            })?
                        }
                        Some(_) => {
                            return Err(self.layer_error(
                                &self.layers[i],
                                format!(
                                    "hard link {} names {target}, which is not a regular file",
                                    e.path
                                ),
                            ));
                        }
                        None => {
                            return Err(self.layer_error(
                                &self.layers[i],
                                format!(
                                    "hard link {} names {target}, which is not earlier in this layer or in a layer below",
                                    e.path
                                ),
                            ));
                        }
                    };
                    link_data.insert(e.path.clone(), data);
                }
                if e.kind != NodeKind::Dir {
                    remove_descendants(&mut map, &e.path);
                }
                if map.len() as u64 >= self.limits.max_entries {
                    return Err(self.layer_error(
                        &self.layers[i],
                        format!(
                            "the layers together hold more than {} entries",
                            self.limits.max_entries
                        ),
                    ));
                }
                insert_parents(&mut map, &e.path, i);
                map.insert(
                    e.path,
                    Node {
                        kind: e.kind,
                        layer: i,
                        size: e.size,
                        mode: e.mode,
                    },
                );
            }
        }
        // Hard links the visitor wants: what it made of the target serves the link too; a
        // target it did not read is read once more, under the link's name.
        let mut links: Vec<Vec<(String, String)>> = vec![Vec::new(); contents.len()];
        let mut link_layer: HashMap<String, usize> = HashMap::new();
        for (path, node) in &map {
            if !matches!(node.kind, NodeKind::Hardlink(_)) {
                continue;
            }
            let Some((data_layer, target)) = link_data.get(path) else {
                continue;
            };
            let file = FileEntry {
                path,
                size: node.size,
                mode: node.mode,
            };
            if !visitor.wants(path) || !visitor.wants_file(&file) {
                continue;
            }
            let source = &contents[*data_layer];
            if source.seen.contains(target) {
                let copy = source
                    .visited
                    .iter()
                    .find(|(p, _)| p == target)
                    .map(|(_, out)| out.clone());
                if let Some(out) = copy {
                    contents[node.layer].visited.push((path.clone(), out));
                }
            } else {
                links[*data_layer].push((path.clone(), target.clone()));
                link_layer.insert(path.clone(), node.layer);
            }
        }
        for (i, wanted) in links.iter().enumerate().filter(|(_, w)| !w.is_empty()) {
            let spec = &self.layers[i];
            let again = self.read_one(spec, visitor, progress, Some(wanted))?;
            for (path, out) in again.visited {
                let layer = link_layer.get(&path).copied().unwrap_or(i);
                contents[layer].visited.push((path, out));
            }
        }

        let mut files = Vec::new();
        let mut hidden = Vec::new();
        for (i, layer) in contents.into_iter().enumerate() {
            let spec = &self.layers[i];
            for (path, output) in layer.visited {
                let visible = map.get(&path).is_some_and(|n| n.layer == i);
                let v = Visited {
                    path,
                    layer_index: Some(i),
                    layer: spec.diff_id.clone().or_else(|| spec.digest.clone()),
                    output,
                };
                if visible {
                    files.push(v)
                } else {
                    hidden.push(v)
                }
            }
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(Walk {
            files,
            hidden,
            tree: Tree::Layers(map),
        })
    }
}

/// Where a reader thread leaves one layer's result.
type Slot<O> = Mutex<Option<Result<LayerContents<O>, ImageError>>>;

/// Top-level directories of a root filesystem that hold no files of the image.
const VIRTUAL_DIRS: [&str; 3] = ["proc", "sys", "dev"];

fn walk_directory<V: FileVisitor>(root: &Path, visitor: &V) -> Result<Walk<V::Output>, ImageError> {
    let meta = std::fs::metadata(root).map_err(|e| ImageError::io(root, e))?;
    if !meta.is_dir() {
        return Err(ImageError::invalid(
            root.display().to_string(),
            "not a directory",
        ));
    }
    let mut files = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            !(e.depth() == 1
                && e.file_type().is_dir()
                && VIRTUAL_DIRS.iter().any(|d| e.file_name() == *d))
        });
    for entry in walker {
        let Ok(entry) = entry else {
            // Unreadable directories are skipped, as `find` would.
            continue;
        };
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(root) else {
            continue;
        };
        let Some(rel) = rel.to_str() else { continue };
        let path = format!("/{rel}");
        if !visitor.wants(&path) {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        use std::os::unix::fs::PermissionsExt;
        let fe = FileEntry {
            path: &path,
            size: meta.len(),
            mode: meta.permissions().mode(),
        };
        if !visitor.wants_file(&fe) {
            continue;
        }
        let Ok(file) = std::fs::File::open(entry.path()) else {
            continue;
        };
        let mut file = SizedFile {
            inner: std::io::BufReader::new(file),
            size: meta.len(),
            pos: 0,
        };
        if let Some(output) = visitor.visit_seekable(&fe, &mut file) {
            files.push(Visited {
                path,
                layer_index: None,
                layer: None,
                output,
            });
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Walk {
        files,
        hidden: Vec::new(),
        tree: Tree::Directory(root.to_owned()),
    })
}
