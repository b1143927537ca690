//! What the policy gates need to know about an image's files, gathered in the same pass over the
//! layers as the package catalog (see `palisade_catalog::catalog_with`).
//!
//! [`FactsVisitor`] looks at every file of every layer, including files a later layer deleted:
//! text files are searched for secrets and for the bundle's content patterns, setuid and setgid
//! files are noted, and the few files a gate reads whole (`/etc/passwd`, retrieved files) are
//! kept. Binary files are recognised from their first bytes and files over the size limit from
//! their header, so neither is read further.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Arc;

use palisade_core::Digest;
use palisade_image::{FileEntry, FileVisitor, Visited};
use palisade_secrets::{Finding, Scanner};
use regex::bytes::RegexSet;
use serde::Serialize;
use sha2::{Digest as _, Sha256};

/// The largest file searched for secrets and patterns by default.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 10 << 20;

/// The largest file kept whole for a gate (`/etc/passwd`, retrieved files).
const MAX_KEPT_BYTES: u64 = 1 << 20;

/// What to gather.
#[derive(Debug, Clone)]
pub struct FactsConfig {
    /// Search text files for secrets.
    pub secrets: bool,
    /// Files larger than this are not searched.
    pub max_file_bytes: u64,
    /// Patterns searched for in every text file (the files gate's content patterns).
    pub content_patterns: Vec<String>,
    /// Files kept whole (absolute paths).
    pub keep: Vec<String>,
    /// Files whose SHA-256 is computed (absolute paths).
    pub checksum: Vec<String>,
}

impl Default for FactsConfig {
    fn default() -> Self {
        FactsConfig {
            secrets: true,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            content_patterns: Vec::new(),
            keep: vec!["/etc/passwd".to_owned()],
            checksum: Vec::new(),
        }
    }
}

/// What one file revealed.
#[derive(Debug, Clone, Default)]
pub struct FileFacts {
    pub mode: u32,
    pub size: u64,
    pub secrets: Vec<Finding>,
    /// Indexes into [`FactsConfig::content_patterns`] that matched.
    pub patterns: Vec<usize>,
    pub content: Option<Arc<[u8]>>,
    pub sha256: Option<String>,
}

/// Reads files for the policy gates; built from a [`FactsConfig`].
#[derive(Debug)]
pub struct FactsVisitor {
    config: FactsConfig,
    scanner: Scanner,
    patterns: RegexSet,
}

/// A content pattern that does not compile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("content pattern {pattern:?}: {message}")]
pub struct PatternError {
    pub pattern: String,
    pub message: String,
}

impl FactsVisitor {
    pub fn new(config: FactsConfig) -> Result<Self, PatternError> {
        let patterns = RegexSet::new(&config.content_patterns).map_err(|e| PatternError {
            pattern: config.content_patterns.join(", "),
            message: e.to_string(),
        })?;
        Ok(FactsVisitor {
            config,
            scanner: Scanner::new(),
            patterns,
        })
    }

    fn searches_content(&self) -> bool {
        self.config.secrets || !self.patterns.is_empty()
    }

    fn named(&self, path: &str) -> (bool, bool) {
        (
            self.config.keep.iter().any(|p| p == path),
            self.config.checksum.iter().any(|p| p == path),
        )
    }
}

const SPECIAL_BITS: u32 = 0o6000;

impl FileVisitor for FactsVisitor {
    type Output = FileFacts;

    fn wants(&self, path: &str) -> bool {
        // Every file may be setuid; the mode is known only in `wants_file`.
        let _ = path;
        true
    }

    fn wants_file(&self, file: &FileEntry<'_>) -> bool {
        let (keep, checksum) = self.named(file.path);
        file.mode & SPECIAL_BITS != 0
            || keep
            || checksum
            || (self.searches_content() && file.size <= self.config.max_file_bytes)
    }

    fn visit(&self, file: &FileEntry<'_>, content: &mut dyn Read) -> Option<FileFacts> {
        let (keep, checksum) = self.named(file.path);
        let mut facts = FileFacts {
            mode: file.mode,
            size: file.size,
            ..FileFacts::default()
        };
        let searched = self.searches_content() && file.size <= self.config.max_file_bytes;
        if checksum {
            let mut hasher = Sha256::new();
            let mut kept = Vec::new();
            let mut buf = [0u8; 64 << 10];
            loop {
                match content.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        hasher.update(&buf[..n]);
                        if (keep || searched) && (kept.len() as u64) < self.config.max_file_bytes {
                            kept.extend_from_slice(&buf[..n]);
                        }
                    }
                    Err(_) => return Some(facts),
                }
            }
            facts.sha256 = Some(hex::encode(hasher.finalize()));
            self.look(&mut facts, &kept, keep, searched);
            return Some(facts);
        }
        if !searched && !keep {
            return Some(facts);
        }
        let limit = if keep {
            MAX_KEPT_BYTES.max(self.config.max_file_bytes)
        } else {
            self.config.max_file_bytes
        };
        let mut head = Vec::with_capacity(palisade_secrets::SNIFF_LEN);
        if content
            .take(palisade_secrets::SNIFF_LEN as u64)
            .read_to_end(&mut head)
            .is_err()
        {
            return Some(facts);
        }
        if Scanner::is_binary(&head) && !keep {
            return Some(facts);
        }
        let mut bytes = head;
        if content
            .take(limit.saturating_sub(bytes.len() as u64))
            .read_to_end(&mut bytes)
            .is_err()
        {
            return Some(facts);
        }
        self.look(&mut facts, &bytes, keep, searched);
        Some(facts)
    }
}

impl FactsVisitor {
    fn look(&self, facts: &mut FileFacts, bytes: &[u8], keep: bool, searched: bool) {
        if keep && bytes.len() as u64 <= MAX_KEPT_BYTES {
            facts.content = Some(Arc::from(bytes));
        }
        if searched && !Scanner::is_binary(bytes) {
            if self.config.secrets {
                facts.secrets = self.scanner.scan(bytes);
            }
            if !self.patterns.is_empty() {
                facts.patterns = self.patterns.matches(bytes).into_iter().collect();
            }
        }
    }
}

/// A secret found in a file of the image.
#[derive(Debug, Clone, Serialize)]
pub struct SecretHit {
    pub path: String,
    /// The layer's diff id, and its index bottom first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<Digest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer_index: Option<usize>,
    /// Whether the file is still in the final filesystem (false: a later layer deleted it,
    /// but its bytes are still in the image).
    pub visible: bool,
    #[serde(flatten)]
    pub finding: Finding,
}

/// A file with a special mode bit.
#[derive(Debug, Clone, Serialize)]
pub struct SpecialFile {
    pub path: String,
    pub mode: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<Digest>,
}

/// A file seen in the image, with where it came from.
#[derive(Debug, Clone)]
pub struct SeenFile {
    pub path: String,
    pub layer: Option<Digest>,
    pub layer_index: Option<usize>,
    pub visible: bool,
    pub facts: FileFacts,
}

/// Everything the gates know about an image's files.
#[derive(Debug, Clone, Default)]
pub struct ImageFacts {
    /// Secrets in every layer, visible files first, then deleted ones.
    pub secrets: Vec<SecretHit>,
    /// Setuid and setgid files of the final filesystem.
    pub special: Vec<SpecialFile>,
    /// Every path of the final filesystem (regular files), sorted.
    pub paths: Vec<String>,
    /// Files of the final filesystem that were read (for patterns, kept content, checksums).
    pub files: BTreeMap<String, SeenFile>,
    /// Files a later layer deleted, that were read.
    pub hidden: Vec<SeenFile>,
    /// The content patterns searched for ([`FileFacts::patterns`] index into it).
    pub patterns: Vec<String>,
}

impl ImageFacts {
    /// Assembles the facts from a walk's outputs. `paths` lists every regular file of the
    /// final filesystem when the walker knows them; otherwise the files visited stand in.
    pub fn from_walk(
        config: &FactsConfig,
        files: Vec<Visited<FileFacts>>,
        hidden: Vec<Visited<FileFacts>>,
        paths: Option<Vec<String>>,
    ) -> ImageFacts {
        let mut facts = ImageFacts {
            patterns: config.content_patterns.clone(),
            ..ImageFacts::default()
        };
        let seen = |v: Visited<FileFacts>, visible: bool| SeenFile {
            path: v.path,
            layer: v.layer,
            layer_index: v.layer_index,
            visible,
            facts: v.output,
        };
        for v in files {
            let file = seen(v, true);
            facts.collect(&file);
            facts.files.insert(file.path.clone(), file);
        }
        for v in hidden {
            let file = seen(v, false);
            facts.collect(&file);
            facts.hidden.push(file);
        }
        facts.paths = paths.unwrap_or_else(|| facts.files.keys().cloned().collect());
        facts.paths.sort();
        facts
    }

    fn collect(&mut self, file: &SeenFile) {
        for finding in &file.facts.secrets {
            self.secrets.push(SecretHit {
                path: file.path.clone(),
                layer: file.layer.clone(),
                layer_index: file.layer_index,
                visible: file.visible,
                finding: finding.clone(),
            });
        }
        if file.visible && file.facts.mode & SPECIAL_BITS != 0 {
            self.special.push(SpecialFile {
                path: file.path.clone(),
                mode: file.facts.mode,
                layer: file.layer.clone(),
            });
        }
    }

    /// The kept content of a file of the final filesystem.
    pub fn content(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path)?.facts.content.as_deref()
    }
}

/// What the facts pass must gather for `bundle`: its content patterns, the files its rules read
/// whole, the files whose checksums they compare.
pub fn config_for(bundle: &crate::bundle::Bundle) -> FactsConfig {
    let mut config = FactsConfig::default();
    for rule in bundle.policies.iter().flat_map(|p| &p.rules) {
        if rule.not_evaluated.is_some() {
            continue;
        }
        match (rule.gate.as_str(), rule.trigger.as_str()) {
            ("files", "content_regex_match") => {
                if let Some(p) = crate::gates::content_pattern(rule) {
                    config.content_patterns.push(p.to_owned());
                }
            }
            ("files", "attribute_match") => {
                if let Some(f) = rule.param("filename") {
                    config.checksum.push(f.to_owned());
                }
            }
            ("retrieved_files", _) => {
                if let Some(f) = rule.param("path") {
                    config.keep.push(f.to_owned());
                }
            }
            _ => {}
        }
    }
    config.content_patterns.sort();
    config.content_patterns.dedup();
    config
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visit(v: &FactsVisitor, path: &str, mode: u32, bytes: &[u8]) -> Option<FileFacts> {
        let entry = FileEntry {
            path,
            size: bytes.len() as u64,
            mode,
        };
        if !(v.wants(path) && v.wants_file(&entry)) {
            return None;
        }
        v.visit(&entry, &mut &bytes[..])
    }

    #[test]
    fn secrets_patterns_and_modes() {
        let v = FactsVisitor::new(FactsConfig {
            content_patterns: vec!["SSLEnabled".into()],
            checksum: vec!["/etc/httpd.conf".into()],
            ..FactsConfig::default()
        })
        .unwrap();
        let f = visit(&v, "/app/.env", 0o644, b"x=1\nkey = AKIAPALISADETESTKEY2\n").unwrap();
        assert_eq!(f.secrets.len(), 1);
        assert_eq!(f.secrets[0].line, 2);
        let f = visit(&v, "/etc/httpd.conf", 0o644, b"SSLEnabled on\n").unwrap();
        assert_eq!(f.patterns, vec![0]);
        assert_eq!(
            f.sha256,
            Some(hex::encode(Sha256::digest(b"SSLEnabled on\n")))
        );
        let f = visit(&v, "/usr/bin/su", 0o4755, b"\x7fELF\0\0\0").unwrap();
        assert_eq!(f.mode & 0o4000, 0o4000);
        assert!(f.secrets.is_empty());
    }

    #[test]
    fn large_files_are_declined_from_their_header() {
        let v = FactsVisitor::new(FactsConfig {
            max_file_bytes: 4,
            ..FactsConfig::default()
        })
        .unwrap();
        let entry = FileEntry {
            path: "/big.txt",
            size: 5,
            mode: 0o644,
        };
        assert!(!v.wants_file(&entry));
    }
}
