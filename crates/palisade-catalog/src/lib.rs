//! Lists what is inside an image: operating-system packages and language packages, each with
//! the file it was read from, the layer that brought it in, a package URL and its licences.
//!
//! A [`Cataloger`] says which paths it reads and turns one file's bytes into packages. The
//! catalogers run while the image's layers stream by (see `palisade-image`); only packages in
//! files that are still present in the final filesystem are reported.
//!
//! ```no_run
//! use palisade_catalog::{catalog, Options};
//!
//! let image = palisade_image::open(&"dir:/".parse().unwrap(), &Default::default())?;
//! let result = catalog(&image, &Options::default(), &palisade_image::NoProgress)?;
//! for package in &result.packages {
//!     println!("{} {} ({})", package.name, package.version, package.purl);
//! }
//! # Ok::<(), palisade_image::ImageError>(())
//! ```

mod catalogers;
mod copyright;
mod osrelease;

use std::io::{Read, SeekFrom};

use palisade_core::{Distro, Ecosystem, Location, Package, purl};
use palisade_image::{
    AsRead, Both, FileEntry, FileVisitor, Image, ImageError, Progress, SeekRead, Visited,
};
use serde::Serialize;

pub use catalogers::all as all_catalogers;

/// Reads one kind of package evidence.
pub trait Cataloger: Send + Sync {
    /// A short stable name (`dpkg`, `npm-package-lock`), recorded as each package's `found_by`.
    fn name(&self) -> &'static str;

    /// Whether the file at this absolute path is evidence for this cataloger. Called for every
    /// file of every layer: match on the file name first.
    fn wants(&self, path: &str) -> bool;

    /// The most bytes of one file this cataloger reads; larger files are reported and skipped.
    fn max_size(&self) -> u64 {
        16 << 20
    }

    /// Whether only files with an execute permission bit are evidence (executables): others
    /// are skipped before they are opened.
    fn executable_only(&self) -> bool {
        false
    }

    /// Whether the file is evidence judging by its first bytes (at most [`SNIFF_LEN`]), for
    /// evidence without a telling name such as executables. Called only for files [`wants`]
    /// accepted, before the size limit is checked; the default accepts every file.
    ///
    /// [`wants`]: Cataloger::wants
    fn sniff(&self, head: &[u8]) -> bool {
        let _ = head;
        true
    }

    /// The ELF sections that hold this cataloger's evidence (empty: not an ELF cataloger).
    /// When a large ELF file can be read at any offset and its section table names none of
    /// them, the cataloger is not given the file, which is then not read whole.
    fn elf_sections(&self) -> &'static [&'static str] {
        &[]
    }

    /// Parses one file. Packages need `name`, `version`, `ecosystem`, `purl`, `licenses` and
    /// `source` filled; `locations` and `found_by` are filled by the caller.
    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, String>;
}

/// How many bytes of a file [`Cataloger::sniff`] sees.
pub const SNIFF_LEN: usize = 64;

/// A problem with one file that did not stop the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<palisade_core::Digest>,
    pub cataloger: String,
    pub message: String,
}

/// What to catalog.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Only these catalogers (by name); all when empty.
    pub only: Vec<String>,
}

/// Everything found in an image.
#[derive(Debug, Clone, Serialize)]
pub struct Catalog {
    pub distro: Option<Distro>,
    pub packages: Vec<Package>,
    pub diagnostics: Vec<Diagnostic>,
}

/// The result of reading one file.
#[derive(Debug, Default, Clone)]
struct FileResult {
    packages: Vec<Package>,
    diagnostics: Vec<(String, String)>,
    os_release: Option<String>,
    /// Licences from `/usr/share/doc/PACKAGE/copyright`: (package, licences).
    copyright: Option<(String, Vec<String>)>,
}

struct Visitor {
    catalogers: Vec<Box<dyn Cataloger>>,
    /// Packages found so far in this image, against [`MAX_PACKAGES`].
    found: std::sync::atomic::AtomicUsize,
}

/// Most packages listed for one image. Real images hold up to tens of thousands; past this,
/// an image is built to exhaust memory, and the rest is reported rather than listed.
pub const MAX_PACKAGES: usize = 250_000;

impl Visitor {
    fn new(catalogers: Vec<Box<dyn Cataloger>>) -> Visitor {
        Visitor {
            catalogers,
            found: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// Keeps what fits under [`MAX_PACKAGES`]; the file that reaches the bound says so.
    fn admit(&self, packages: &mut Vec<Package>, diagnostics: &mut Vec<(String, String)>) {
        use std::sync::atomic::Ordering;
        let before = self.found.fetch_add(packages.len(), Ordering::Relaxed);
        let room = MAX_PACKAGES.saturating_sub(before);
        if packages.len() > room {
            if room > 0 || before == MAX_PACKAGES {
                diagnostics.push((
                    "catalog".to_owned(),
                    format!(
                        "the image holds more than {MAX_PACKAGES} packages: the rest are not listed"
                    ),
                ));
            }
            packages.truncate(room);
        }
    }
}

impl FileVisitor for Visitor {
    type Output = FileResult;

    fn wants(&self, path: &str) -> bool {
        osrelease::wants(path)
            || copyright::package_of(path).is_some()
            || self.catalogers.iter().any(|c| c.wants(path))
    }

    fn wants_file(&self, file: &FileEntry<'_>) -> bool {
        let executable = file.mode & 0o111 != 0;
        osrelease::wants(file.path)
            || copyright::package_of(file.path).is_some()
            || self
                .catalogers
                .iter()
                .any(|c| c.wants(file.path) && (executable || !c.executable_only()))
    }

    fn visit(&self, file: &FileEntry<'_>, content: &mut dyn Read) -> Option<FileResult> {
        self.visit_without(file, content, &[])
    }

    fn visit_seekable(
        &self,
        file: &FileEntry<'_>,
        content: &mut dyn SeekRead,
    ) -> Option<FileResult> {
        let skip = self.absent_elf_evidence(file, content);
        if content.seek(SeekFrom::Start(0)).is_err() {
            return None;
        }
        self.visit_without(file, &mut AsRead(content), &skip)
    }
}

/// An ELF file at least this large is looked at through its section table first, when it can
/// be: executables are often tens of megabytes, their evidence a section of a few kilobytes.
const ELF_SECTION_CHECK: u64 = 1 << 20;

impl Visitor {
    /// The ELF catalogers whose sections a large ELF file does not have (empty when it is not
    /// one, or its section table cannot be read: then every cataloger sees the whole file).
    fn absent_elf_evidence(
        &self,
        file: &FileEntry<'_>,
        content: &mut dyn SeekRead,
    ) -> Vec<&'static str> {
        if file.size < ELF_SECTION_CHECK
            || !self
                .catalogers
                .iter()
                .any(|c| !c.elf_sections().is_empty() && c.wants(file.path))
        {
            return Vec::new();
        }
        let Ok(names) = catalogers::elf::section_names(content, file.size) else {
            return Vec::new();
        };
        self.catalogers
            .iter()
            .filter(|c| {
                let wanted = c.elf_sections();
                !wanted.is_empty()
                    && !names
                        .iter()
                        .any(|n| wanted.iter().any(|w| n == w.as_bytes()))
            })
            .map(|c| c.name())
            .collect()
    }

    /// Reads one file for every cataloger that wants it, except those named in `skip`.
    fn visit_without(
        &self,
        file: &FileEntry<'_>,
        content: &mut dyn Read,
        skip: &[&str],
    ) -> Option<FileResult> {
        let mut result = FileResult::default();
        let mut head = Vec::with_capacity(SNIFF_LEN);
        if let Err(e) = content.take(SNIFF_LEN as u64).read_to_end(&mut head) {
            result
                .diagnostics
                .push(("reader".to_owned(), format!("reading the file: {e}")));
            return Some(result);
        }
        let wanting: Vec<&dyn Cataloger> = self
            .catalogers
            .iter()
            .filter(|c| c.wants(file.path) && !skip.contains(&c.name()) && c.sniff(&head))
            .map(|c| c.as_ref())
            .collect();
        let copyright_of = copyright::package_of(file.path);
        if wanting.is_empty() && !osrelease::wants(file.path) && copyright_of.is_none() {
            return None;
        }
        let limit = wanting.iter().map(|c| c.max_size()).max().unwrap_or(0).max(
            if osrelease::wants(file.path) || copyright_of.is_some() {
                1 << 20
            } else {
                0
            },
        );
        if file.size > limit {
            for c in &wanting {
                result.diagnostics.push((
                    c.name().to_owned(),
                    format!(
                        "skipped: {} bytes, over the limit of {}",
                        file.size,
                        c.max_size()
                    ),
                ));
            }
            return Some(result);
        }
        let mut bytes = Vec::with_capacity(usize::try_from(file.size).unwrap_or(0));
        bytes.append(&mut head);
        let rest = limit.saturating_sub(bytes.len() as u64);
        if let Err(e) = content.take(rest).read_to_end(&mut bytes) {
            result
                .diagnostics
                .push(("reader".to_owned(), format!("reading the file: {e}")));
            return Some(result);
        }
        if osrelease::wants(file.path) {
            result.os_release = Some(String::from_utf8_lossy(&bytes).into_owned());
        }
        if let Some(package) = copyright_of {
            let found = copyright::licenses(&String::from_utf8_lossy(&bytes));
            if !found.is_empty() {
                result.copyright = Some((package.to_owned(), found));
            }
        }
        for c in wanting {
            if bytes.len() as u64 > c.max_size() {
                continue;
            }
            match c.parse(file.path, &bytes) {
                Ok(mut packages) => {
                    self.admit(&mut packages, &mut result.diagnostics);
                    for p in &mut packages {
                        p.found_by = c.name().to_owned();
                    }
                    result.packages.append(&mut packages);
                }
                Err(message) => result.diagnostics.push((c.name().to_owned(), message)),
            }
        }
        Some(result)
    }
}

/// Catalogs an image: one pass over its layers with every cataloger.
pub fn catalog(
    image: &Image,
    options: &Options,
    progress: &dyn Progress,
) -> Result<Catalog, ImageError> {
    Ok(catalog_with(image, options, progress, &Nothing)?.0)
}

/// What another visitor made of an image, walked in the same pass as the catalog.
#[derive(Debug)]
pub struct Also<O> {
    /// Outputs for files present in the final filesystem, in path order.
    pub files: Vec<Visited<O>>,
    /// Outputs for files a later layer deleted or replaced.
    pub hidden: Vec<Visited<O>>,
    /// The merged filesystem, for layered images (`None` for a directory on disk).
    pub nodes: Option<std::collections::BTreeMap<String, palisade_image::Node>>,
}

/// Catalogs an image and hands its files to `also` in the same pass: no layer is read twice.
pub fn catalog_with<X: FileVisitor>(
    image: &Image,
    options: &Options,
    progress: &dyn Progress,
    also: &X,
) -> Result<(Catalog, Also<X::Output>), ImageError> {
    let catalogers = all_catalogers()
        .into_iter()
        .filter(|c| options.only.is_empty() || options.only.iter().any(|o| o == c.name()))
        .collect();
    let visitor = Visitor::new(catalogers);
    let walk = image.walk(&Both(&visitor, also), progress)?;

    let distro = ["/etc/os-release", "/usr/lib/os-release"]
        .iter()
        .find_map(|p| walk.file(p))
        .and_then(|v| v.output.0.as_ref()?.os_release.as_deref())
        .and_then(osrelease::parse);

    let (files, hidden, nodes) = walk.into_parts();
    let mut also_files = Vec::new();
    let mut packages = Vec::new();
    let mut diagnostics = Vec::new();
    let mut declared: std::collections::HashMap<String, Vec<String>> = Default::default();
    for visited in files {
        let (mine, theirs) = visited.output;
        if let Some(output) = theirs {
            also_files.push(Visited {
                path: visited.path.clone(),
                layer_index: visited.layer_index,
                layer: visited.layer.clone(),
                output,
            });
        }
        let Some(mine) = mine else { continue };
        if let Some((package, licenses)) = mine.copyright {
            declared.insert(package, licenses);
        }
        let location = Location {
            path: visited.path.clone(),
            layer: visited.layer.clone(),
        };
        for (cataloger, message) in mine.diagnostics {
            diagnostics.push(Diagnostic {
                path: visited.path.clone(),
                layer: visited.layer.clone(),
                cataloger,
                message,
            });
        }
        for mut p in mine.packages {
            p.locations.insert(0, location.clone());
            packages.push(p);
        }
    }
    let also_hidden = hidden
        .into_iter()
        .filter_map(|v| {
            Some(Visited {
                output: v.output.1?,
                path: v.path,
                layer_index: v.layer_index,
                layer: v.layer,
            })
        })
        .collect();
    for p in packages.iter_mut() {
        if p.ecosystem == Ecosystem::Debian && p.licenses.is_empty() {
            if let Some(l) = declared.get(&p.name) {
                p.licenses = l.clone();
            }
        }
    }
    if let Some(d) = &distro {
        for p in packages.iter_mut().filter(|p| p.ecosystem.is_os()) {
            p.purl = os_purl(p, d);
        }
    }
    let catalog = Catalog {
        distro,
        packages,
        diagnostics,
    };
    let also = Also {
        files: also_files,
        hidden: also_hidden,
        nodes,
    };
    Ok((catalog, also))
}

/// A visitor that wants nothing: [`catalog`] alone.
struct Nothing;

impl FileVisitor for Nothing {
    type Output = ();

    fn wants(&self, _: &str) -> bool {
        false
    }

    fn visit(&self, _: &FileEntry<'_>, _: &mut dyn Read) -> Option<()> {
        None
    }
}

/// The package URL of an OS package, qualified with the distro it belongs to.
fn os_purl(p: &Package, distro: &Distro) -> String {
    let mut qualifiers: Vec<(&str, String)> = Vec::new();
    if let Some(arch) = &p.arch {
        qualifiers.push(("arch", arch.clone()));
    }
    qualifiers.push(("distro", distro.purl_qualifier()));
    if let Some(src) = &p.source {
        if p.ecosystem == Ecosystem::Rpm {
            qualifiers.push(("upstream", src.name.clone()));
        } else if src.name != p.name || src.version != p.version {
            let upstream = if src.version != p.version {
                format!("{}@{}", src.name, src.version)
            } else {
                src.name.clone()
            };
            qualifiers.push(("upstream", upstream));
        }
    }
    let qualifiers: Vec<(&str, &str)> = qualifiers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    purl::build(
        p.ecosystem.purl_type(),
        Some(&distro.id),
        &p.name,
        &p.version,
        &qualifiers,
    )
}

/// A package with the fields every cataloger sets; the rest is filled by [`catalog`].
pub fn package(ecosystem: Ecosystem, name: &str, version: &str, purl: String) -> Package {
    Package {
        name: name.to_owned(),
        version: version.to_owned(),
        ecosystem,
        purl,
        source: None,
        arch: None,
        licenses: Vec::new(),
        locations: Vec::new(),
        found_by: String::new(),
    }
}

/// The file name of an absolute path.
pub fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visit(path: &str, size: u64, content: &[u8]) -> Option<FileResult> {
        let visitor = Visitor::new(all_catalogers());
        let file = FileEntry {
            path,
            size,
            mode: 0o755,
        };
        visitor.visit(&file, &mut &content[..])
    }

    #[test]
    fn issue_14_packages_past_the_bound_are_reported_not_listed() {
        let visitor = Visitor::new(all_catalogers());
        visitor
            .found
            .store(MAX_PACKAGES - 1, std::sync::atomic::Ordering::Relaxed);
        let pkg = |name: &str| package(Ecosystem::Debian, name, "1", format!("pkg:deb/{name}@1"));
        let mut diagnostics = Vec::new();
        let mut three = vec![pkg("a"), pkg("b"), pkg("c")];
        visitor.admit(&mut three, &mut diagnostics);
        assert_eq!(three.len(), 1);
        assert_eq!(diagnostics.len(), 1);
        assert!(diagnostics[0].1.contains("more than 250000 packages"));
        let mut more = vec![pkg("d")];
        visitor.admit(&mut more, &mut diagnostics);
        assert!(more.is_empty());
        assert_eq!(diagnostics.len(), 1, "said once");
    }

    #[test]
    fn executables_without_an_execute_bit_are_not_opened() {
        let visitor = Visitor::new(all_catalogers());
        let file = |path, mode| FileEntry {
            path,
            size: 1 << 20,
            mode,
        };
        assert!(visitor.wants_file(&file("/usr/bin/app", 0o755)));
        assert!(!visitor.wants_file(&file("/usr/bin/app", 0o644)));
        // Other evidence does not depend on the mode.
        assert!(visitor.wants_file(&file("/app/requirements.txt", 0o644)));
        assert!(visitor.wants_file(&file("/etc/os-release", 0o600)));
    }

    #[test]
    fn sniffing_drops_files_before_the_size_check() {
        // A huge script where executables are looked for: not an executable, not a problem.
        assert!(visit("/usr/bin/setup", 1 << 40, b"#!/bin/sh\necho hi\n").is_none());
        // A huge executable: each executable cataloger reports it skipped.
        let result = visit("/usr/bin/app", 1 << 40, b"\x7fELF\x02\x01\x01\0").unwrap();
        let mut skipped: Vec<&str> = result.diagnostics.iter().map(|(c, _)| c.as_str()).collect();
        skipped.sort_unstable();
        assert_eq!(skipped, ["go-binary", "rust-auditable-binary"]);
        assert!(
            result.diagnostics[0]
                .1
                .starts_with("skipped: 1099511627776 bytes")
        );
        // Files shorter than the sniffed head are read whole.
        let result = visit("/app/requirements.txt", 9, b"a==1.0\nb\n").unwrap();
        assert_eq!(result.packages.len(), 1);
        assert_eq!(result.packages[0].found_by, "python-requirements");
    }

    /// Reads through it, counting the bytes.
    struct Counting {
        inner: std::io::Cursor<Vec<u8>>,
        read: u64,
    }

    impl Read for Counting {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.inner.read(buf)?;
            self.read += n as u64;
            Ok(n)
        }
    }

    impl std::io::Seek for Counting {
        fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
            self.inner.seek(to)
        }
    }

    #[test]
    fn large_executables_are_read_whole_only_when_their_sections_hold_evidence() {
        use flate2::{Compression, write::ZlibEncoder};
        use std::io::Write;

        let text = vec![0x90u8; 3 << 20];
        let mut dep = ZlibEncoder::new(Vec::new(), Compression::default());
        dep.write_all(
            br#"{"packages":[{"name":"smallvec","version":"0.6.9","source":"crates.io"}]}"#,
        )
        .expect("compress");
        let dep = dep.finish().expect("compress");
        let (plain, _) = catalogers::elf::build::elf(&[(".text", &text)]);
        let (audited, _) = catalogers::elf::build::elf(&[(".text", &text), (".dep-v0", &dep)]);
        let visitor = Visitor::new(all_catalogers());
        for (bytes, packages) in [(plain, 0), (audited, 1)] {
            let file = FileEntry {
                path: "/usr/bin/app",
                size: bytes.len() as u64,
                mode: 0o755,
            };
            let size = bytes.len() as u64;
            let mut content = Counting {
                inner: std::io::Cursor::new(bytes),
                read: 0,
            };
            let result = visitor.visit_seekable(&file, &mut content);
            assert_eq!(result.map_or(0, |r| r.packages.len()), packages);
            if packages == 0 {
                // The header, the section table and the names: no more.
                assert!(content.read < 64 << 10, "{} bytes read", content.read);
            } else {
                assert!(content.read >= size, "{} bytes read", content.read);
            }
        }
        // Without a section table to look at, every cataloger reads the file whole.
        let mut headless = vec![0u8; 2 << 20];
        headless[..8].copy_from_slice(b"\x7fELF\x02\x01\x01\0");
        let file = FileEntry {
            path: "/usr/bin/odd",
            size: headless.len() as u64,
            mode: 0o755,
        };
        let mut content = Counting {
            inner: std::io::Cursor::new(headless),
            read: 0,
        };
        let _ = visitor.visit_seekable(&file, &mut content);
        assert!(content.read >= 2 << 20, "{} bytes read", content.read);
    }
}
