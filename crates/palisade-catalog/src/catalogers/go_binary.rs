//! Go executables: the module build information the Go linker embeds behind the
//! `\xff Go buildinf:` header (the `.go.buildinfo` section). Both layouts are read: the
//! inline one of Go 1.18 and later (two length-prefixed strings after the header) and the
//! older one (two pointers to Go string headers, resolved through the ELF segments). The
//! main module, its `dep` dependencies (with `=>` replacements applied) and the standard
//! library of the Go version that built it are reported.

use palisade_core::{Ecosystem, Package, purl};

use super::elf::{self, Elf};
use crate::{Cataloger, package};

#[derive(Debug)]
pub struct GoBinary;

const MAGIC: &[u8] = b"\xff Go buildinf:";
const HEADER_LEN: usize = 32;
/// The longest version or module string accepted.
const MAX_STRING: u64 = 4 << 20;

/// An unsigned LEB128 varint and the bytes after it.
fn uvarint(data: &[u8]) -> Option<(u64, &[u8])> {
    let mut value = 0u64;
    for (i, &b) in data.iter().enumerate().take(10) {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b < 0x80 {
            return Some((value, data.get(i + 1..)?));
        }
    }
    None
}

fn inline_string<'a>(data: &'a [u8], what: &str) -> Result<(&'a [u8], &'a [u8]), String> {
    let (len, rest) = uvarint(data).ok_or_else(|| format!("build info: bad {what} length"))?;
    if len > MAX_STRING || len > rest.len() as u64 {
        return Err(format!(
            "build info: {what} of {len} bytes runs past the end of the file"
        ));
    }
    let (s, rest) = rest.split_at(len as usize);
    Ok((s, rest))
}

/// A pointer-sized word: 4 or 8 bytes.
fn word(b: &[u8], big_endian: bool) -> Option<u64> {
    Some(match (b.len(), big_endian) {
        (4, false) => u64::from(u32::from_le_bytes(b.try_into().ok()?)),
        (4, true) => u64::from(u32::from_be_bytes(b.try_into().ok()?)),
        (8, false) => u64::from_le_bytes(b.try_into().ok()?),
        (8, true) => u64::from_be_bytes(b.try_into().ok()?),
        _ => return None,
    })
}

/// A Go string read through a pointer to its `{data, len}` header.
fn pointed_string<'a>(
    elf: &Elf<'a>,
    address: u64,
    ptr_size: usize,
    big_endian: bool,
) -> Option<&'a [u8]> {
    let word = |b: &[u8]| word(b, big_endian);
    let header = elf.at_address(address, 2 * ptr_size as u64)?;
    let data = word(header.get(..ptr_size)?)?;
    let len = word(header.get(ptr_size..)?)?;
    if len > MAX_STRING {
        return None;
    }
    elf.at_address(data, len)
}

/// The Go version and module text of a build info blob starting with [`MAGIC`].
fn read_blob<'a>(blob: &'a [u8], elf: Option<&Elf<'a>>) -> Result<(&'a [u8], &'a [u8]), String> {
    let header = blob
        .get(..HEADER_LEN)
        .ok_or("build info: truncated header")?;
    let ptr_size = usize::from(header[14]);
    let flags = header[15];
    if flags & 2 != 0 {
        let rest = &blob[HEADER_LEN..];
        let (version, rest) = inline_string(rest, "Go version")?;
        let (modinfo, _) = inline_string(rest, "module info")?;
        return Ok((version, modinfo));
    }
    if ptr_size != 4 && ptr_size != 8 {
        return Err(format!(
            "build info: pointer size {ptr_size} is neither 4 nor 8"
        ));
    }
    let elf = elf.ok_or("build info: pointer layout outside an ELF file")?;
    let big_endian = flags & 1 != 0;
    let pointer = |at: usize| word(header.get(at..at + ptr_size)?, big_endian);
    let read = |at: usize, what: &str| {
        pointer(at)
            .and_then(|address| pointed_string(elf, address, ptr_size, big_endian))
            .ok_or_else(|| format!("build info: {what} points outside the file"))
    };
    Ok((read(16, "Go version")?, read(16 + ptr_size, "module info")?))
}

/// Finds the build info blob: the `.go.buildinfo` section, else the magic at a 16-aligned
/// offset (stripped binaries without section headers).
fn find_blob<'a>(data: &'a [u8], elf: Option<&Elf<'a>>) -> Result<Option<&'a [u8]>, String> {
    if let Some(elf) = elf {
        if let Some(section) = elf.section(".go.buildinfo")? {
            if section.starts_with(MAGIC) {
                return Ok(Some(section));
            }
        }
    }
    Ok(memchr::memmem::find_iter(data, MAGIC)
        .find(|at| at % 16 == 0)
        .and_then(|at| data.get(at..)))
}

fn go_purl(module: &str, version: &str) -> String {
    match module.rsplit_once('/') {
        Some((namespace, name)) => purl::build("golang", Some(namespace), name, version, &[]),
        None => purl::build("golang", None, module, version, &[]),
    }
}

fn module(path: &str, version: &str) -> Package {
    package(Ecosystem::Go, path, version, go_purl(path, version))
}

/// Packages from the module text (`path`, `mod`, `dep`, `=>`, `build` lines).
fn modules(modinfo: &str) -> Vec<Package> {
    let mut out: Vec<Package> = Vec::new();
    // Whether the last package pushed came from a `dep` line a `=>` may replace.
    let mut last_dep = false;
    for line in modinfo.lines() {
        let mut fields = line.split('\t');
        let (kind, path, version) = (fields.next(), fields.next(), fields.next());
        match (kind, path, version) {
            (Some("mod"), Some(path), Some(version)) if version != "(devel)" => {
                out.push(module(path, version));
                last_dep = false;
            }
            (Some("dep"), Some(path), Some(version)) if !path.is_empty() => {
                out.push(module(path, version));
                last_dep = true;
            }
            (Some("=>"), Some(path), version) if last_dep => {
                out.pop();
                // A replacement by a local directory has no version: nothing to report.
                if let Some(version) = version.filter(|v| !v.is_empty()) {
                    out.push(module(path, version));
                }
                last_dep = false;
            }
            _ => last_dep = false,
        }
    }
    out.retain(|p| !p.version.is_empty());
    out
}

impl Cataloger for GoBinary {
    fn name(&self) -> &'static str {
        "go-binary"
    }

    fn wants(&self, path: &str) -> bool {
        elf::may_be_executable(path)
    }

    fn executable_only(&self) -> bool {
        true
    }

    fn sniff(&self, head: &[u8]) -> bool {
        head.starts_with(elf::MAGIC)
    }

    fn max_size(&self) -> u64 {
        256 << 20
    }

    fn elf_sections(&self) -> &'static [&'static str] {
        &[".go.buildinfo", ".note.go.buildid"]
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, String> {
        let elf = Elf::parse(content).map_err(|e| format!("{path}: {e}"))?;
        let Some(blob) = find_blob(content, Some(&elf)).map_err(|e| format!("{path}: {e}"))? else {
            return Ok(Vec::new());
        };
        let (version, modinfo) = read_blob(blob, Some(&elf)).map_err(|e| format!("{path}: {e}"))?;
        let version = String::from_utf8_lossy(version);
        let mut modinfo = modinfo;
        // Go 1.18+ wraps the module text in 16-byte sentinels.
        if modinfo.len() >= 33 && modinfo.get(modinfo.len() - 17) == Some(&b'\n') {
            modinfo = &modinfo[16..modinfo.len() - 16];
        }
        let modinfo = String::from_utf8_lossy(modinfo);
        let mut out = modules(&modinfo);
        // `go1.21.5`, maybe followed by ` X:boringcrypto`; `devel …` builds have no release.
        if let Some(release) = version
            .split_whitespace()
            .next()
            .and_then(|v| v.strip_prefix("go"))
            .filter(|v| v.starts_with(|c: char| c.is_ascii_digit()))
        {
            let purl = purl::build("golang", None, "stdlib", &format!("go{release}"), &[]);
            out.push(package(Ecosystem::Go, "stdlib", release, purl));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::super::elf::build;
    use super::*;

    fn purls(pkgs: &[Package]) -> Vec<&str> {
        pkgs.iter().map(|p| p.purl.as_str()).collect()
    }

    fn varint_string(out: &mut Vec<u8>, s: &[u8]) {
        let mut len = s.len();
        while len >= 0x80 {
            out.push((len as u8) | 0x80);
            len >>= 7;
        }
        out.push(len as u8);
        out.extend_from_slice(s);
    }

    /// A Go 1.18+ build info blob: header, then the version and the sentinel-wrapped
    /// module text as varint-prefixed strings.
    fn inline_blob(version: &str, modinfo: &str) -> Vec<u8> {
        let mut blob = MAGIC.to_vec();
        blob.extend_from_slice(&[8, 2]);
        blob.resize(32, 0);
        varint_string(&mut blob, version.as_bytes());
        let mut wrapped = b"0w\xaf\x0c\x92t\x08\x02A\xe1\xc1\x07\xe6\xd6\x18\xe6".to_vec();
        wrapped.extend_from_slice(modinfo.as_bytes());
        wrapped.extend_from_slice(b"\xf92C1\x86\x18 r\x00\x82B\x10A\x16\xd8\xf2");
        varint_string(&mut blob, &wrapped);
        blob
    }

    const MODINFO: &str = "path\texample.com/app/cmd/app\n\
        mod\texample.com/app\tv1.2.3\th1:abc=\n\
        dep\tgithub.com/sirupsen/logrus\tv1.9.0\th1:def=\n\
        dep\tgolang.org/x/sys\tv0.0.0-20220715151400-c0bba94af5f8\th1:ghi=\n\
        dep\tgithub.com/old/lib\tv1.0.0\n\
        =>\tgithub.com/fork/lib\tv1.0.1\th1:jkl=\n\
        dep\tgithub.com/local/thing\tv0.1.0\n\
        =>\t../thing\t\t\n\
        dep\tgopkg.in/yaml.v3\tv3.0.1+incompatible\th1:mno=\n\
        build\t-compiler=gc\nbuild\tGOOS=linux\n";

    #[test]
    fn inline_layout_with_replacements() {
        let (file, _) = build::elf(&[(".go.buildinfo", &inline_blob("go1.21.5", MODINFO))]);
        let pkgs = GoBinary.parse("/usr/bin/app", &file).unwrap();
        assert_eq!(
            purls(&pkgs),
            [
                "pkg:golang/example.com/app@v1.2.3",
                "pkg:golang/github.com/sirupsen/logrus@v1.9.0",
                "pkg:golang/golang.org/x/sys@v0.0.0-20220715151400-c0bba94af5f8",
                "pkg:golang/github.com/fork/lib@v1.0.1",
                "pkg:golang/gopkg.in/yaml.v3@v3.0.1%2Bincompatible",
                "pkg:golang/stdlib@go1.21.5",
            ]
        );
        let stdlib = pkgs.last().unwrap();
        assert_eq!(
            (stdlib.name.as_str(), stdlib.version.as_str()),
            ("stdlib", "1.21.5")
        );
        assert_eq!(pkgs[1].name, "github.com/sirupsen/logrus");
        assert_eq!(pkgs[1].ecosystem, Ecosystem::Go);
    }

    /// The build info blob of Debian's `dataurl` 0.0~git20191104.d1553a7-1.1+b6 (built
    /// with Go 1.19.8 in GOPATH mode: a `path` line, no modules), cut from the real binary.
    fn dataurl_blob() -> Vec<u8> {
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/go/dataurl-go1.19.buildinfo"
        ))
        .unwrap()
    }

    #[test]
    fn real_go_1_19_build_info() {
        let (file, _) = build::elf(&[(".go.buildinfo", &dataurl_blob())]);
        let pkgs = GoBinary.parse("/usr/bin/dataurl", &file).unwrap();
        assert_eq!(purls(&pkgs), ["pkg:golang/stdlib@go1.19.8"]);
    }

    #[test]
    fn stripped_section_names_fall_back_to_the_magic() {
        let (file, _) = build::elf(&[(".data", &dataurl_blob())]);
        let pkgs = GoBinary.parse("/usr/bin/dataurl", &file).unwrap();
        assert_eq!(purls(&pkgs), ["pkg:golang/stdlib@go1.19.8"]);
    }

    #[test]
    fn pointer_layout_before_go_1_18() {
        // Section data starts at 128 in the built file; `.rodata` comes first.
        let rodata_at = build::BASE + 128;
        let version = b"go1.16.15";
        let modinfo = "path\texample.com/old\nmod\texample.com/old\t(devel)\t\n\
            dep\tgithub.com/pkg/errors\tv0.9.1\th1:x=\n";
        // String headers {data, len} at 0 and 16, then the strings at 32 and 48.
        let mut rodata = Vec::new();
        let version_at = rodata_at + 32;
        let mod_at = version_at + 16;
        for (at, len) in [(version_at, version.len()), (mod_at, modinfo.len())] {
            rodata.extend_from_slice(&at.to_le_bytes());
            rodata.extend_from_slice(&(len as u64).to_le_bytes());
        }
        rodata.extend_from_slice(version);
        rodata.resize(48, 0);
        rodata.extend_from_slice(modinfo.as_bytes());
        let mut blob = MAGIC.to_vec();
        blob.extend_from_slice(&[8, 0]);
        blob.extend_from_slice(&rodata_at.to_le_bytes());
        blob.extend_from_slice(&(rodata_at + 16).to_le_bytes());
        let (file, offsets) = build::elf(&[(".rodata", &rodata), (".go.buildinfo", &blob)]);
        assert_eq!(offsets[0], 128);
        let pkgs = GoBinary.parse("/bin/old", &file).unwrap();
        assert_eq!(
            purls(&pkgs),
            [
                "pkg:golang/github.com/pkg/errors@v0.9.1",
                "pkg:golang/stdlib@go1.16.15"
            ]
        );

        // A string header pointing past the end of the file is an error, not a read.
        let mut bad = rodata.clone();
        bad[8..16].copy_from_slice(&(1u64 << 40).to_le_bytes());
        let (file, _) = build::elf(&[(".rodata", &bad), (".go.buildinfo", &blob)]);
        let err = GoBinary.parse("/bin/old", &file).unwrap_err();
        assert_eq!(
            err,
            "/bin/old: build info: Go version points outside the file"
        );
    }

    #[test]
    fn hostile_input_is_a_clear_error() {
        let c = GoBinary;
        assert!(c.sniff(b"\x7fELF\x02\x01"));
        assert!(!c.sniff(b"#!/bin/sh\n"));
        assert!(c.wants("/usr/local/bin/kubectl") && c.wants("/app/server"));
        assert!(!c.wants("/etc/nginx/nginx.conf"));
        // Not Go: no build info, no packages.
        let (plain, _) = build::elf(&[(".text", b"\x90\x90")]);
        assert!(c.parse("/bin/true", &plain).unwrap().is_empty());
        // A declared length far past the end of the file.
        let mut blob = inline_blob("go1.21.5", MODINFO);
        blob.truncate(60);
        let (file, _) = build::elf(&[(".go.buildinfo", &blob)]);
        let err = c.parse("/bin/x", &file).unwrap_err();
        assert!(
            err.contains("module info of") && err.contains("past the end"),
            "{err}"
        );
        let mut blob = MAGIC.to_vec();
        blob.extend_from_slice(&[8, 2]);
        blob.resize(32, 0);
        blob.extend_from_slice(&[0xff; 12]);
        let (file, _) = build::elf(&[(".go.buildinfo", &blob)]);
        assert!(
            c.parse("/bin/x", &file)
                .unwrap_err()
                .contains("bad Go version length")
        );
        let (file, _) = build::elf(&[(".go.buildinfo", MAGIC)]);
        assert!(
            c.parse("/bin/x", &file)
                .unwrap_err()
                .contains("truncated header")
        );
        // Truncations of a real layout never panic.
        let (file, _) = build::elf(&[(".go.buildinfo", &inline_blob("go1.21.5", MODINFO))]);
        for len in 0..file.len() {
            let _ = c.parse("/bin/x", &file[..len]);
        }
        assert!(c.parse("/bin/x", b"\x7fELF garbage").is_err());
    }
}
