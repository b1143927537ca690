//! Rust executables built with `cargo auditable`: the `.dep-v0` ELF section, zlib-compressed
//! JSON listing every crate compiled in (`{"packages":[{"name","version","source","kind",
//! "dependencies","root"}]}`). Local (workspace) crates and build-time-only dependencies are
//! not part of the shipped code's supply chain from a registry and are left out.

use std::io::Read;

use flate2::read::ZlibDecoder;
use palisade_core::{Ecosystem, Package, purl};
use serde::Deserialize;

use super::elf::{self, Elf};
use crate::{Cataloger, package};

#[derive(Debug)]
pub struct RustAuditable;

/// The most bytes the compressed dependency list may expand to.
const MAX_JSON: u64 = 16 << 20;

#[derive(Deserialize)]
struct Audit {
    packages: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    name: String,
    version: String,
    source: String,
    #[serde(default)]
    kind: Option<String>,
}

impl Cataloger for RustAuditable {
    fn name(&self) -> &'static str {
        "rust-auditable-binary"
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
        &[".dep-v0"]
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, String> {
        let elf = Elf::parse(content).map_err(|e| format!("{path}: {e}"))?;
        let Some(section) = elf.section(".dep-v0").map_err(|e| format!("{path}: {e}"))? else {
            return Ok(Vec::new());
        };
        let mut json = Vec::new();
        ZlibDecoder::new(section)
            .take(MAX_JSON + 1)
            .read_to_end(&mut json)
            .map_err(|e| format!("{path}: section .dep-v0: decompressing: {e}"))?;
        if json.len() as u64 > MAX_JSON {
            return Err(format!(
                "{path}: section .dep-v0: expands past {MAX_JSON} bytes"
            ));
        }
        let audit: Audit = serde_json::from_slice(&json)
            .map_err(|e| format!("{path}: section .dep-v0: column {}: {e}", e.column()))?;
        Ok(audit
            .packages
            .into_iter()
            .filter(|e| e.source != "local" && e.kind.as_deref() != Some("build"))
            .map(|e| {
                let purl = purl::build("cargo", None, &e.name, &e.version, &[]);
                package(Ecosystem::Cargo, &e.name, &e.version, purl)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::{Compression, write::ZlibEncoder};

    use super::super::elf::build;
    use super::*;

    fn compress(json: &[u8]) -> Vec<u8> {
        let mut e = ZlibEncoder::new(Vec::new(), Compression::default());
        e.write_all(json).unwrap();
        e.finish().unwrap()
    }

    fn parse(section: &[u8]) -> Result<Vec<Package>, String> {
        let (file, _) = build::elf(&[(".text", b"\x90"), (".dep-v0", section)]);
        RustAuditable.parse("/usr/bin/app", &file)
    }

    #[test]
    fn real_auditable_binary() {
        let file = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/rust/tiny-audited"
        ))
        .unwrap();
        assert!(RustAuditable.sniff(&file[..crate::SNIFF_LEN]));
        let pkgs = RustAuditable
            .parse("/usr/local/bin/tiny-audited", &file)
            .unwrap();
        let mut purls: Vec<_> = pkgs.iter().map(|p| p.purl.as_str()).collect();
        purls.sort_unstable();
        assert_eq!(purls, ["pkg:cargo/cfg-if@1.0.0", "pkg:cargo/itoa@1.0.9"]);
        // A Rust executable carries no Go build info.
        let go = super::super::go_binary::GoBinary;
        assert!(
            go.parse("/usr/local/bin/tiny-audited", &file)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn synthetic_section() {
        let json = br#"{"packages":[
            {"name":"app","version":"0.1.0","source":"local","dependencies":[1,2],"root":true},
            {"name":"serde","version":"1.0.190","source":"crates.io"},
            {"name":"cc","version":"1.0.83","source":"crates.io","kind":"build"},
            {"name":"mygit","version":"0.2.0","source":"git","kind":"runtime"}]}"#;
        let pkgs = parse(&compress(json)).unwrap();
        let purls: Vec<_> = pkgs.iter().map(|p| p.purl.as_str()).collect();
        assert_eq!(purls, ["pkg:cargo/serde@1.0.190", "pkg:cargo/mygit@0.2.0"]);
        assert_eq!(pkgs[0].ecosystem, Ecosystem::Cargo);
    }

    #[test]
    fn hostile_input_is_a_clear_error() {
        let err = parse(b"not zlib").unwrap_err();
        assert!(
            err.starts_with("/usr/bin/app: section .dep-v0: decompressing"),
            "{err}"
        );
        let mut truncated = compress(br#"{"packages":[]}"#);
        truncated.truncate(6);
        assert!(parse(&truncated).is_err());
        let err = parse(&compress(br#"{"packages":[{"name":1}]}"#)).unwrap_err();
        assert!(err.contains("column"), "{err}");
        assert!(parse(&compress(b"\xff\xfe")).is_err());
        // A zlib bomb: 64 MiB of spaces compress to about 64 KiB; decompression stops at the cap.
        let mut e = ZlibEncoder::new(Vec::new(), Compression::best());
        let chunk = vec![b' '; 1 << 20];
        for _ in 0..64 {
            e.write_all(&chunk).unwrap();
        }
        let bomb = e.finish().unwrap();
        assert!(parse(&bomb).unwrap_err().contains("expands past"));
        // No section: not an auditable binary.
        let (file, _) = build::elf(&[(".text", b"\x90")]);
        assert!(RustAuditable.parse("/bin/x", &file).unwrap().is_empty());
    }
}
