//! Where blobs come from: a directory, an archive on disk, a registry, or memory (for tests).
//! The image reader sees them only through [`BlobSource`].

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use palisade_core::Digest;

use crate::error::ImageError;

/// How a blob is named in its source: by digest (OCI layouts, registries) or by member path
/// (`docker save` archives).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum BlobKey {
    Digest(Digest),
    Path(String),
}

impl fmt::Display for BlobKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlobKey::Digest(d) => write!(f, "{d}"),
            BlobKey::Path(p) => f.write_str(p),
        }
    }
}

/// A store of blobs that can be opened as streams, concurrently.
pub trait BlobSource: Send + Sync + fmt::Debug {
    /// Opens one blob for reading from the start.
    fn open(&self, key: &BlobKey) -> Result<Box<dyn Read + Send + '_>, ImageError>;
}

/// Blobs of an OCI image layout directory: `blobs/<algorithm>/<hex>`.
#[derive(Debug)]
pub struct LayoutBlobs {
    pub root: PathBuf,
}

impl BlobSource for LayoutBlobs {
    fn open(&self, key: &BlobKey) -> Result<Box<dyn Read + Send + '_>, ImageError> {
        let path = match key {
            // A validated digest has only [a-z0-9] after the colon: no path traversal.
            BlobKey::Digest(d) => self
                .root
                .join("blobs")
                .join(d.algorithm().name())
                .join(d.hex()),
            BlobKey::Path(p) => {
                return Err(ImageError::invalid(
                    self.root.display().to_string(),
                    format!("an OCI layout names blobs by digest, not by path {p:?}"),
                ));
            }
        };
        let file = open_regular(&path)?;
        Ok(Box::new(io::BufReader::with_capacity(256 << 10, file)))
    }
}

/// Opens a file of an image layout, refusing anything but a regular file (a FIFO would block,
/// a symlink to `/dev/zero` would never end).
pub(crate) fn open_regular(path: &Path) -> Result<File, ImageError> {
    let meta = std::fs::metadata(path).map_err(|e| ImageError::io(path, e))?;
    if !meta.is_file() {
        return Err(ImageError::invalid(
            path.display().to_string(),
            "not a regular file (a device, FIFO or directory); refused",
        ));
    }
    File::open(path).map_err(|e| ImageError::io(path, e))
}

/// One member of a tar archive on disk: where its data starts and how long it is.
#[derive(Debug, Clone, Copy)]
struct Member {
    offset: u64,
    size: u64,
}

/// An uncompressed tar archive on disk whose members are read in place (`docker save` output,
/// OCI archives). The archive is indexed once; members are then opened by seeking.
#[derive(Debug)]
pub struct ArchiveBlobs {
    path: PathBuf,
    members: HashMap<String, Member>,
    links: HashMap<String, String>,
}

/// Normalizes a member name of an archive (`./a//b` → `a/b`), rejecting `..` and absolute names.
pub(crate) fn clean_member_name(name: &str) -> Option<String> {
    let mut parts = Vec::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            p => parts.push(p),
        }
    }
    if name.starts_with('/') || parts.is_empty() {
        return None;
    }
    Some(parts.join("/"))
}

impl ArchiveBlobs {
    /// Indexes the archive at `path`.
    pub fn open(path: &Path) -> Result<ArchiveBlobs, ImageError> {
        let image = path.display().to_string();
        let file = File::open(path).map_err(|e| ImageError::io(path, e))?;
        let mut archive = tar::Archive::new(io::BufReader::new(file));
        let mut members = HashMap::new();
        let mut links = HashMap::new();
        let entries = archive
            .entries_with_seek()
            .map_err(|e| ImageError::io(path, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| {
                ImageError::invalid(&image, format!("not a readable tar archive: {e}"))
            })?;
            let raw = entry.path_bytes();
            let is_dir = entry.header().entry_type() == tar::EntryType::Directory;
            // `tar -C dir -cf x.tar .` starts with the archive's own root, `./`: nothing to index.
            if is_dir && raw.split(|&b| b == b'/').all(|p| p.is_empty() || p == b".") {
                continue;
            }
            let Some(name) = std::str::from_utf8(&raw).ok().and_then(clean_member_name) else {
                return Err(ImageError::invalid(
                    &image,
                    format!(
                        "archive member {:?} has an unsafe or invalid name",
                        String::from_utf8_lossy(&raw)
                    ),
                ));
            };
            match entry.header().entry_type() {
                tar::EntryType::Regular | tar::EntryType::Continuous => {
                    members.insert(
                        name,
                        Member {
                            offset: entry.raw_file_position(),
                            size: entry.size(),
                        },
                    );
                }
                tar::EntryType::Symlink | tar::EntryType::Link => {
                    if let Some(target) = entry.link_name_bytes() {
                        let target = String::from_utf8_lossy(&target).into_owned();
                        let resolved = if entry.header().entry_type() == tar::EntryType::Symlink {
                            let dir = name.rsplit_once('/').map_or("", |(d, _)| d);
                            format!("{dir}/{target}")
                        } else {
                            target
                        };
                        if let Some(resolved) = clean_member_name(&resolved) {
                            links.insert(name, resolved);
                        }
                    }
                }
                _ => {}
            }
        }
        // Verify every member lies inside the file: a truncated archive fails here, clearly.
        let len = std::fs::metadata(path)
            .map_err(|e| ImageError::io(path, e))?
            .len();
        for (name, m) in &members {
            if m.offset.saturating_add(m.size) > len {
                return Err(ImageError::invalid(
                    &image,
                    format!("archive member {name} extends past the end of the file (truncated?)"),
                ));
            }
        }
        Ok(ArchiveBlobs {
            path: path.to_owned(),
            members,
            links,
        })
    }

    /// The member a name refers to, following the archive's own links (at most 8 hops).
    fn member(&self, name: &str) -> Option<Member> {
        let mut name = clean_member_name(name)?;
        for _ in 0..8 {
            if let Some(m) = self.members.get(&name) {
                return Some(*m);
            }
            name = self.links.get(&name)?.clone();
        }
        None
    }

    /// Whether the archive has a member with this name.
    pub fn contains(&self, name: &str) -> bool {
        self.member(name).is_some()
    }

    /// Reads a small member whole, up to `limit` bytes.
    pub fn read_small(&self, name: &str, limit: u64) -> Result<Vec<u8>, ImageError> {
        let image = self.path.display().to_string();
        let m = self
            .member(name)
            .ok_or_else(|| ImageError::invalid(&image, format!("archive has no {name}")))?;
        if m.size > limit {
            return Err(ImageError::TooLarge {
                image,
                what: name.to_owned(),
                size: m.size,
                limit,
            });
        }
        let mut buf = Vec::with_capacity(usize::try_from(m.size).unwrap_or(0));
        self.open_member(m)?
            .read_to_end(&mut buf)
            .map_err(|e| ImageError::io(&self.path, e))?;
        Ok(buf)
    }

    fn open_member(&self, m: Member) -> Result<Box<dyn Read + Send + '_>, ImageError> {
        let mut file = File::open(&self.path).map_err(|e| ImageError::io(&self.path, e))?;
        file.seek(SeekFrom::Start(m.offset))
            .map_err(|e| ImageError::io(&self.path, e))?;
        Ok(Box::new(io::BufReader::with_capacity(
            256 << 10,
            file.take(m.size),
        )))
    }
}

impl BlobSource for ArchiveBlobs {
    fn open(&self, key: &BlobKey) -> Result<Box<dyn Read + Send + '_>, ImageError> {
        let name = match key {
            BlobKey::Digest(d) => format!("blobs/{}/{}", d.algorithm().name(), d.hex()),
            BlobKey::Path(p) => p.clone(),
        };
        let m = self.member(&name).ok_or_else(|| {
            ImageError::invalid(
                self.path.display().to_string(),
                format!("archive has no blob {name}"),
            )
        })?;
        self.open_member(m)
    }
}

/// Blobs held in memory, for tests and for images assembled on the fly.
#[derive(Debug, Default)]
pub struct MemoryBlobs {
    pub blobs: HashMap<BlobKey, Vec<u8>>,
}

impl BlobSource for MemoryBlobs {
    fn open(&self, key: &BlobKey) -> Result<Box<dyn Read + Send + '_>, ImageError> {
        let blob = self
            .blobs
            .get(key)
            .ok_or_else(|| ImageError::invalid("memory", format!("no blob {key}")))?;
        Ok(Box::new(&blob[..]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names_are_cleaned() {
        assert_eq!(clean_member_name("./a//b").as_deref(), Some("a/b"));
        assert_eq!(clean_member_name("../x"), None);
        assert_eq!(clean_member_name("a/../../x"), None);
        assert_eq!(clean_member_name("/etc/passwd"), None);
        assert_eq!(clean_member_name("."), None);
    }
}
