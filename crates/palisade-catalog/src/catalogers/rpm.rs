//! The rpm database: `rpmdb.sqlite` (rpm 4.16 and later: Fedora, RHEL 9, Amazon Linux 2023),
//! the Berkeley DB hash file `Packages` (RHEL/CentOS 7 and 8) and the NDB file `Packages.db`
//! (SUSE), under `/var/lib/rpm/` or `/usr/lib/sysimage/rpm/`. Each holds one rpm header
//! blob per installed package; the header's index is checked entry by entry before any
//! value is read.

use std::io::Read;

use palisade_core::{Ecosystem, Package, SourcePackage, purl};

use super::{rpm_bdb, rpm_ndb};

use crate::{Cataloger, file_name, package};

#[derive(Debug)]
pub struct RpmDb;

const TAG_NAME: u32 = 1000;
const TAG_VERSION: u32 = 1001;
const TAG_RELEASE: u32 = 1002;
const TAG_EPOCH: u32 = 1003;
const TAG_LICENSE: u32 = 1014;
const TAG_ARCH: u32 = 1022;
const TAG_SOURCERPM: u32 = 1044;

const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

/// rpm's own limits on a header: index entries and data bytes.
const MAX_ENTRIES: u32 = 0xffff;
const MAX_DATA: u32 = 256 << 20;

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// The fields palisade reads from one header.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Header {
    pub name: Option<String>,
    pub version: Option<String>,
    pub release: Option<String>,
    pub epoch: Option<u32>,
    pub arch: Option<String>,
    pub license: Option<String>,
    pub source_rpm: Option<String>,
}

/// Parses a header blob as the database stores it: entry count, data length, index
/// entries, data.
pub(crate) fn parse_header(blob: &[u8]) -> Result<Header, String> {
    let (Some(entries), Some(data_len)) = (be32(blob, 0), be32(blob, 4)) else {
        return Err(format!("truncated: {} bytes", blob.len()));
    };
    if entries == 0 || entries > MAX_ENTRIES {
        return Err(format!(
            "{entries} index entries, outside 1..={MAX_ENTRIES}"
        ));
    }
    if data_len > MAX_DATA {
        return Err(format!(
            "{data_len} data bytes, over the limit of {MAX_DATA}"
        ));
    }
    let data_start = 8 + 16 * entries as usize;
    let data = blob
        .get(data_start..data_start + data_len as usize)
        .ok_or_else(|| {
            format!(
                "{entries} index entries and {data_len} data bytes do not fit in {} bytes",
                blob.len()
            )
        })?;
    let mut header = Header::default();
    for i in 0..entries as usize {
        let at = 8 + 16 * i;
        let field = |k: usize| be32(blob, at + 4 * k).unwrap_or_default();
        let (tag, kind, offset, count) = (field(0), field(1), field(2), field(3));
        if !matches!(
            tag,
            TAG_NAME
                | TAG_VERSION
                | TAG_RELEASE
                | TAG_EPOCH
                | TAG_LICENSE
                | TAG_ARCH
                | TAG_SOURCERPM
        ) {
            continue;
        }
        let value = data
            .get(offset as usize..)
            .filter(|_| offset < data_len)
            .ok_or_else(|| {
                format!(
                    "index entry {i} (tag {tag}): offset {offset} past the {data_len} data bytes"
                )
            })?;
        if tag == TAG_EPOCH {
            if kind != TYPE_INT32 || count < 1 {
                return Err(format!(
                    "index entry {i} (tag {tag}): type {kind}, not int32"
                ));
            }
            header.epoch = Some(be32(value, 0).ok_or_else(|| {
                format!("index entry {i} (tag {tag}): int32 past the end of the data")
            })?);
            continue;
        }
        if !matches!(kind, TYPE_STRING | TYPE_STRING_ARRAY | TYPE_I18NSTRING) {
            return Err(format!(
                "index entry {i} (tag {tag}): type {kind}, not a string"
            ));
        }
        let end = memchr::memchr(0, value).ok_or_else(|| {
            format!("index entry {i} (tag {tag}): string not terminated inside the data")
        })?;
        let text = std::str::from_utf8(&value[..end])
            .map_err(|e| format!("index entry {i} (tag {tag}): not UTF-8: {e}"))?
            .to_owned();
        let slot = match tag {
            TAG_NAME => &mut header.name,
            TAG_VERSION => &mut header.version,
            TAG_RELEASE => &mut header.release,
            TAG_LICENSE => &mut header.license,
            TAG_ARCH => &mut header.arch,
            _ => &mut header.source_rpm,
        };
        *slot = Some(text);
    }
    Ok(header)
}

/// Name and `version-release` of a source rpm file name (`bash-5.1.8-6.el9.src.rpm`).
fn source_package(file: &str) -> Option<SourcePackage> {
    let stem = file
        .strip_suffix(".src.rpm")
        .or_else(|| file.strip_suffix(".nosrc.rpm"))?;
    let (rest, release) = stem.rsplit_once('-')?;
    let (name, version) = rest.rsplit_once('-')?;
    (!name.is_empty()).then(|| SourcePackage {
        name: name.to_owned(),
        version: format!("{version}-{release}"),
    })
}

fn to_package(header: Header) -> Option<Package> {
    let name = header.name?;
    let version = header.version?;
    // Public keys imported with `rpm --import` are stored as packages too.
    if name == "gpg-pubkey" {
        return None;
    }
    let mut full = version;
    if let Some(release) = header.release.filter(|r| !r.is_empty()) {
        full = format!("{full}-{release}");
    }
    if let Some(epoch) = header.epoch.filter(|&e| e != 0) {
        full = format!("{epoch}:{full}");
    }
    let arch = header.arch.filter(|a| !a.is_empty() && a != "(none)");
    let qualifiers: Vec<(&str, &str)> = arch.iter().map(|a| ("arch", a.as_str())).collect();
    let mut p = package(
        Ecosystem::Rpm,
        &name,
        &full,
        purl::build("rpm", None, &name, &full, &qualifiers),
    );
    p.arch = arch;
    p.source = header.source_rpm.as_deref().and_then(source_package);
    p.licenses = header
        .license
        .filter(|l| !l.is_empty())
        .into_iter()
        .collect();
    Some(p)
}

/// Packages from header blobs; broken headers are skipped, and only when every header is
/// broken is the database reported as an error.
pub(crate) fn packages<B: AsRef<[u8]>>(path: &str, blobs: &[B]) -> Result<Vec<Package>, String> {
    let mut out = Vec::new();
    let mut first_error = None;
    for (i, blob) in blobs.iter().enumerate() {
        match parse_header(blob.as_ref()) {
            Ok(h) => out.extend(to_package(h)),
            Err(e) => {
                tracing::warn!(path, header = i, error = %e, "broken rpm header skipped");
                first_error.get_or_insert(format!("{path}: rpm header {i}: {e}"));
            }
        }
    }
    match first_error {
        Some(e) if out.is_empty() => Err(e),
        _ => Ok(out),
    }
}

/// The header blobs of an `rpmdb.sqlite`, read from memory.
fn sqlite_blobs(path: &str, content: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let err = |e: rusqlite::Error| format!("{path}: sqlite: {e}");
    if !content.starts_with(b"SQLite format 3\0") || content.len() < 100 {
        return Err(format!("{path}: not an SQLite database"));
    }
    let mut db = rusqlite::Connection::open_in_memory().map_err(err)?;
    // rpm keeps its database in WAL mode (header bytes 18 and 19 = 2), which an in-memory
    // copy cannot use: read it as a rollback-journal database (1) instead.
    let mut bytes = content[..18].chain(&[1u8, 1][..]).chain(&content[20..]);
    db.deserialize_read_exact("main", &mut bytes, content.len(), true)
        .map_err(err)?;
    let mut query = db.prepare("SELECT blob FROM Packages").map_err(err)?;
    let rows = query
        .query_map([], |row| row.get::<_, Vec<u8>>(0))
        .map_err(err)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(err)
}

impl Cataloger for RpmDb {
    fn name(&self) -> &'static str {
        "rpm-db"
    }

    fn wants(&self, path: &str) -> bool {
        let dir = path.strip_suffix(file_name(path)).unwrap_or_default();
        matches!(dir, "/var/lib/rpm/" | "/usr/lib/sysimage/rpm/")
            && matches!(file_name(path), "rpmdb.sqlite" | "Packages" | "Packages.db")
    }

    fn max_size(&self) -> u64 {
        512 << 20
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, String> {
        let blobs = match file_name(path) {
            "rpmdb.sqlite" => sqlite_blobs(path, content)?,
            "Packages.db" => rpm_ndb::blobs(content).map_err(|e| format!("{path}: {e}"))?,
            _ => rpm_bdb::blobs(content).map_err(|e| format!("{path}: {e}"))?,
        };
        packages(path, &blobs)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use flate2::read::GzDecoder;

    use super::*;

    /// A real `rpmdb.sqlite` made by rpm 4.18 (`rpm --initdb`, then `rpm -i --justdb` of
    /// two packages built with rpmbuild), stored gzipped: `palisade-hello` (epoch 2, noarch,
    /// an SPDX expression for licence) and `world-lib` (x86_64).
    pub(crate) fn real_sqlite_db() -> Vec<u8> {
        let gz = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/rpm/rpmdb.sqlite.gz"
        ))
        .unwrap();
        let mut out = Vec::new();
        GzDecoder::new(&gz[..]).read_to_end(&mut out).unwrap();
        out
    }

    /// The two header blobs of [`real_sqlite_db`].
    pub(crate) fn real_headers() -> Vec<Vec<u8>> {
        sqlite_blobs("/x", &real_sqlite_db()).unwrap()
    }

    #[test]
    fn real_sqlite_database() {
        let pkgs = RpmDb
            .parse("/var/lib/rpm/rpmdb.sqlite", &real_sqlite_db())
            .unwrap();
        let got: Vec<_> = pkgs
            .iter()
            .map(|p| (p.purl.as_str(), p.arch.as_deref(), p.licenses.as_slice()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "pkg:rpm/world-lib@0.9-1?arch=x86_64",
                    Some("x86_64"),
                    &["GPL-2.0-or-later".to_owned()][..]
                ),
                (
                    "pkg:rpm/palisade-hello@2%3A1.2.3-4.fc40?arch=noarch",
                    Some("noarch"),
                    &["MIT AND (Apache-2.0 OR BSD-3-Clause)".to_owned()][..]
                ),
            ]
        );
        let hello = &pkgs[1];
        assert_eq!(hello.version, "2:1.2.3-4.fc40");
        let src = hello.source.as_ref().unwrap();
        assert_eq!(
            (src.name.as_str(), src.version.as_str()),
            ("palisade-hello", "1.2.3-4.fc40")
        );
        assert!(RpmDb.wants("/usr/lib/sysimage/rpm/rpmdb.sqlite"));
        assert!(RpmDb.wants("/var/lib/rpm/Packages"));
        assert!(!RpmDb.wants("/home/x/rpm/Packages"));
    }

    #[test]
    fn hostile_headers_are_errors() {
        let good = real_headers().remove(0);
        assert!(parse_header(&good).is_ok());
        for len in 0..good.len() {
            assert!(parse_header(&good[..len]).is_err(), "truncated to {len}");
        }
        let mut huge = good.clone();
        huge[0..4].copy_from_slice(&0x0100_0000u32.to_be_bytes());
        assert!(
            parse_header(&huge)
                .unwrap_err()
                .contains("outside 1..=65535")
        );
        let mut huge = good.clone();
        huge[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(parse_header(&huge).unwrap_err().contains("over the limit"));
        // Every index entry pointing past the data, one at a time.
        let entries = be32(&good, 0).unwrap() as usize;
        for i in 0..entries {
            let mut bad = good.clone();
            bad[8 + 16 * i + 8..8 + 16 * i + 12].copy_from_slice(&0xffff_fff0u32.to_be_bytes());
            let _ = parse_header(&bad); // never panics
        }
        // Unterminated strings: the data area with no NUL at all.
        let mut bad = good.clone();
        let data_start = 8 + 16 * entries;
        for b in &mut bad[data_start..] {
            if *b == 0 {
                *b = b'x';
            }
        }
        assert!(parse_header(&bad).is_err());
        let err = RpmDb
            .parse("/var/lib/rpm/rpmdb.sqlite", b"SQLite format 3\0garbage")
            .unwrap_err();
        assert_eq!(err, "/var/lib/rpm/rpmdb.sqlite: not an SQLite database");
        let mut db = real_sqlite_db();
        db.truncate(8192);
        assert!(
            RpmDb
                .parse("/var/lib/rpm/rpmdb.sqlite", &db)
                .unwrap_err()
                .contains("sqlite")
        );
        let mut db = real_sqlite_db();
        for b in db.iter_mut().skip(100).step_by(97) {
            *b ^= 0x5a;
        }
        let _ = RpmDb.parse("/var/lib/rpm/rpmdb.sqlite", &db); // corrupt pages: no panic
    }

    #[test]
    fn source_rpm_names() {
        let s = source_package("bash-5.1.8-6.el9.src.rpm").unwrap();
        assert_eq!(
            (s.name.as_str(), s.version.as_str()),
            ("bash", "5.1.8-6.el9")
        );
        assert!(source_package("weird.src.rpm").is_none());
        assert!(source_package("(none)").is_none());
    }
}
