//! palisade's vocabulary: the types every other crate speaks.
//!
//! This crate does no I/O. It names things — image references, content digests, packages and
//! their ecosystems, severities, positions in a user's file — and parses them from text.
//!
//! ```
//! use palisade_core::{ImageRef, Severity};
//!
//! let image: ImageRef = "oci:/images/app.oci:latest".parse().unwrap();
//! assert_eq!(image.to_string(), "oci:/images/app.oci:latest");
//! assert!(Severity::Critical > Severity::High);
//! ```

pub mod digest;
pub mod glob;
pub mod image_ref;
pub mod license;
pub mod package;
pub mod purl;
pub mod sarif;
pub mod severity;
pub mod span;
pub mod table;
pub mod time;
pub mod verdict;

pub use digest::{Algorithm, Digest, DigestError};
pub use image_ref::{ImageRef, ImageRefError, Reference, RegistryRef};
pub use package::{Distro, Ecosystem, Location, Package, SourcePackage};
pub use severity::Severity;
pub use span::Span;
