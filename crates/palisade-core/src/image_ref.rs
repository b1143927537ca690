//! The one image reference syntax every command accepts.
//!
//! | form | meaning |
//! |---|---|
//! | `docker-archive:PATH` | a tarball written by `docker save` |
//! | `oci-archive:PATH` | a tarball of an OCI image layout |
//! | `oci:DIR[:TAG]` | an OCI image layout directory |
//! | `dir:PATH` | a root filesystem on disk |
//! | `registry:HOST[:PORT]/REPO[:TAG\|@DIGEST]` | an image in an OCI distribution registry |
//! | `PATH` | a bare path; its kind is detected when the image is opened |

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use crate::digest::{Digest, DigestError};

/// Where an image comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageRef {
    DockerArchive(PathBuf),
    OciArchive(PathBuf),
    OciLayout {
        dir: PathBuf,
        tag: Option<String>,
    },
    Dir(PathBuf),
    Registry(RegistryRef),
    /// A bare path whose format is detected from its contents.
    Path(PathBuf),
}

/// An image in a registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryRef {
    /// `host` or `host:port`.
    pub host: String,
    /// The repository path, e.g. `library/debian`.
    pub repository: String,
    pub reference: Reference,
}

/// A tag or a digest inside a repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    Tag(String),
    Digest(Digest),
}

/// Why a string is not an image reference.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageRefError {
    #[error("empty image reference")]
    Empty,
    #[error("{0:?}: the path after the prefix is empty")]
    EmptyPath(String),
    #[error("{0:?}: invalid tag {1:?} (letters, digits, '_', '.', '-', at most 128)")]
    BadTag(String, String),
    #[error("{0:?}: invalid repository {1:?} (lower-case components separated by '/')")]
    BadRepository(String, String),
    #[error("{0:?}: missing repository after the registry host")]
    NoRepository(String),
    #[error("{0:?}: {1}")]
    BadDigest(String, #[source] DigestError),
}

const DOCKER_HUB: &str = "registry-1.docker.io";

impl RegistryRef {
    /// Whether the registry is on this machine (then plain HTTP is used, as docker does).
    pub fn is_loopback(&self) -> bool {
        let host = match self.host.rsplit_once(':') {
            Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => &self.host,
        };
        host == "localhost" || host.starts_with("127.") || host == "[::1]"
    }

    /// The reference as used in a manifest URL: the tag or the digest.
    pub fn reference_str(&self) -> String {
        match &self.reference {
            Reference::Tag(t) => t.clone(),
            Reference::Digest(d) => d.to_string(),
        }
    }
}

impl fmt::Display for RegistryRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.host, self.repository)?;
        match &self.reference {
            Reference::Tag(t) => write!(f, ":{t}"),
            Reference::Digest(d) => write!(f, "@{d}"),
        }
    }
}

fn valid_tag(tag: &str) -> bool {
    let mut bytes = tag.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphanumeric() || b == b'_')
        && tag.len() <= 128
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

fn valid_repository(repo: &str) -> bool {
    !repo.is_empty()
        && repo.split('/').all(|c| {
            !c.is_empty()
                && c.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
                })
                && c.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        })
}

fn parse_registry(full: &str, rest: &str) -> Result<RegistryRef, ImageRefError> {
    let (name, reference) = if let Some((name, digest)) = rest.split_once('@') {
        let digest = digest
            .parse()
            .map_err(|e| ImageRefError::BadDigest(full.to_owned(), e))?;
        (name, Reference::Digest(digest))
    } else {
        // A tag follows the last ':' when that ':' comes after the last '/'.
        match rest.rfind(':') {
            Some(i) if i > rest.rfind('/').unwrap_or(0) => {
                let tag = &rest[i + 1..];
                if !valid_tag(tag) {
                    return Err(ImageRefError::BadTag(full.to_owned(), tag.to_owned()));
                }
                (&rest[..i], Reference::Tag(tag.to_owned()))
            }
            _ => (rest, Reference::Tag("latest".to_owned())),
        }
    };
    let (host, repository) = match name.split_once('/') {
        Some((first, repo))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (first.to_owned(), repo.to_owned())
        }
        Some(_) => (DOCKER_HUB.to_owned(), name.to_owned()),
        None if name.contains(':') || name.contains('.') => {
            return Err(ImageRefError::NoRepository(full.to_owned()));
        }
        None => (DOCKER_HUB.to_owned(), format!("library/{name}")),
    };
    if !valid_repository(&repository) {
        return Err(ImageRefError::BadRepository(full.to_owned(), repository));
    }
    Ok(RegistryRef {
        host,
        repository,
        reference,
    })
}

impl FromStr for ImageRef {
    type Err = ImageRefError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() {
            return Err(ImageRefError::Empty);
        }
        let path = |p: &str| -> Result<PathBuf, ImageRefError> {
            if p.is_empty() {
                Err(ImageRefError::EmptyPath(s.to_owned()))
            } else {
                Ok(PathBuf::from(p))
            }
        };
        if let Some(p) = s.strip_prefix("docker-archive:") {
            return Ok(ImageRef::DockerArchive(path(p)?));
        }
        if let Some(p) = s.strip_prefix("oci-archive:") {
            return Ok(ImageRef::OciArchive(path(p)?));
        }
        if let Some(p) = s.strip_prefix("dir:") {
            return Ok(ImageRef::Dir(path(p)?));
        }
        if let Some(rest) = s.strip_prefix("oci:") {
            // `oci:DIR:TAG` — the tag is what follows the last ':' if it is a valid tag and
            // contains no '/'.
            if let Some((dir, tag)) = rest.rsplit_once(':') {
                if valid_tag(tag) && !dir.is_empty() {
                    return Ok(ImageRef::OciLayout {
                        dir: PathBuf::from(dir),
                        tag: Some(tag.to_owned()),
                    });
                }
            }
            return Ok(ImageRef::OciLayout {
                dir: path(rest)?,
                tag: None,
            });
        }
        if let Some(rest) = s.strip_prefix("registry:") {
            return Ok(ImageRef::Registry(parse_registry(s, rest)?));
        }
        Ok(ImageRef::Path(PathBuf::from(s)))
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImageRef::DockerArchive(p) => write!(f, "docker-archive:{}", p.display()),
            ImageRef::OciArchive(p) => write!(f, "oci-archive:{}", p.display()),
            ImageRef::OciLayout { dir, tag: None } => write!(f, "oci:{}", dir.display()),
            ImageRef::OciLayout { dir, tag: Some(t) } => write!(f, "oci:{}:{t}", dir.display()),
            ImageRef::Dir(p) => write!(f, "dir:{}", p.display()),
            ImageRef::Registry(r) => write!(f, "registry:{r}"),
            ImageRef::Path(p) => write!(f, "{}", p.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg(s: &str) -> RegistryRef {
        match s.parse::<ImageRef>().unwrap() {
            ImageRef::Registry(r) => r,
            other => panic!("not a registry ref: {other:?}"),
        }
    }

    #[test]
    fn local_forms_round_trip() {
        for s in [
            "docker-archive:/tmp/a.tar",
            "oci-archive:a.tar",
            "oci:/x/app.oci",
            "oci:/x/app.oci:v1.2",
            "dir:/",
            "/some/path.tar",
        ] {
            assert_eq!(s.parse::<ImageRef>().unwrap().to_string(), s);
        }
    }

    #[test]
    fn oci_layout_tag_split() {
        assert_eq!(
            "oci:/x/app.oci:latest".parse::<ImageRef>().unwrap(),
            ImageRef::OciLayout {
                dir: "/x/app.oci".into(),
                tag: Some("latest".into())
            }
        );
    }

    #[test]
    fn registry_with_port_tag_and_digest() {
        let r = reg("registry:127.0.0.1:5000/palisade/app:v1");
        assert_eq!(r.host, "127.0.0.1:5000");
        assert_eq!(r.repository, "palisade/app");
        assert_eq!(r.reference, Reference::Tag("v1".into()));
        assert!(r.is_loopback());

        let r = reg("registry:localhost:5000/app");
        assert_eq!(r.reference, Reference::Tag("latest".into()));

        let d = format!("sha256:{}", "a".repeat(64));
        let r = reg(&format!("registry:ghcr.io/org/app@{d}"));
        assert_eq!(r.reference, Reference::Digest(d.parse().unwrap()));
        assert!(!r.is_loopback());
    }

    #[test]
    fn docker_hub_shorthand() {
        let r = reg("registry:debian:12");
        assert_eq!(r.host, "registry-1.docker.io");
        assert_eq!(r.repository, "library/debian");
    }

    #[test]
    fn rejects_bad_registry_refs() {
        assert!("registry:127.0.0.1:5000/App".parse::<ImageRef>().is_err());
        assert!("registry:host.io/app:bad/tag".parse::<ImageRef>().is_err());
        assert!(
            "registry:host.io/app@sha256:zz"
                .parse::<ImageRef>()
                .is_err()
        );
        assert!("registry:127.0.0.1:5000".parse::<ImageRef>().is_err());
        assert!("dir:".parse::<ImageRef>().is_err());
        assert!("".parse::<ImageRef>().is_err());
    }
}
