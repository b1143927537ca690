//! The advisory model every importer produces and the matcher reads.
//!
//! It follows OSV closely (an advisory has ids, aliases, severities and `affected` entries with
//! version ranges) and adds the two range forms OSV cannot express without losing the
//! original text: an npm range of vulnerable versions and RustSec's patched/unaffected
//! requirement lists.

use serde::{Deserialize, Serialize};

/// One advisory, normalised from any feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Advisory {
    /// The feed's id (`GHSA-…`, `PYSEC-…`, `RUSTSEC-…`, `DEBCL-CVE-…`, `NPM-123`).
    pub id: String,
    /// When the feed last changed the record (RFC 3339, or empty when the feed does not say).
    #[serde(default)]
    pub modified: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// Set when the feed withdrew the advisory; withdrawn advisories never match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    /// Other ids of the same issue (CVE, GHSA, DSA …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub summary: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub details: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<SeverityScore>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    #[serde(default)]
    pub affected: Vec<Affected>,
    /// RustSec's `informational` kind (`unmaintained`, `unsound`, `notice`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub informational: Option<String>,
}

/// A severity as the feed states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value")]
pub enum SeverityScore {
    /// A CVSS v2 vector (kept for display; not scored).
    #[serde(rename = "CVSS_V2")]
    CvssV2(String),
    #[serde(rename = "CVSS_V3")]
    CvssV3(String),
    #[serde(rename = "CVSS_V4")]
    CvssV4(String),
    /// A word from the feed (`HIGH`, `moderate`, Debian's urgency `low**`).
    #[serde(rename = "RATING")]
    Rating(String),
}

/// The versions of one package an advisory affects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Affected {
    /// The OSV ecosystem, with the release for distributions (`Debian:12`, `Alpine:v3.10`).
    pub ecosystem: String,
    /// The package name as the feed spells it (source package for distributions).
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<Range>,
    /// Explicitly listed affected versions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    /// A severity that applies to this package only (Debian's per-release urgency).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<SeverityScore>,
}

/// A set of versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Range {
    /// OSV `ECOSYSTEM`: events compared with the ecosystem's own version order.
    Ecosystem { events: Vec<Event> },
    /// OSV `SEMVER`: events compared as Semantic Versioning 2.0.
    Semver { events: Vec<Event> },
    /// OSV `GIT`: commit ranges, which an installed package cannot be checked against.
    Git { repo: String },
    /// An npm range expression of the vulnerable versions (`<=1.5.1 || >=2.0.0 <2.0.3`).
    Npm {
        vulnerable: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        patched: Option<String>,
    },
    /// RustSec: affected unless the version meets a `patched` or `unaffected` requirement.
    Cargo {
        #[serde(default)]
        patched: Vec<String>,
        #[serde(default)]
        unaffected: Vec<String>,
    },
}

/// An OSV range event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    Limit(String),
}

impl Event {
    pub fn version(&self) -> &str {
        match self {
            Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => v,
        }
    }
}

impl Affected {
    /// The versions that fix this entry, as people read them (`2.6.2`, `>=1.2.3`).
    pub fn fixed_versions(&self) -> Vec<String> {
        let mut out = Vec::new();
        for range in &self.ranges {
            match range {
                Range::Ecosystem { events } | Range::Semver { events } => {
                    out.extend(events.iter().filter_map(|e| match e {
                        Event::Fixed(v) => Some(v.clone()),
                        _ => None,
                    }));
                }
                Range::Npm {
                    patched: Some(p), ..
                } if !p.trim().is_empty() && p.trim() != "<0.0.0" => out.push(p.clone()),
                Range::Cargo { patched, .. } => out.extend(patched.iter().cloned()),
                _ => {}
            }
        }
        out.dedup();
        out
    }
}

/// The part of an OSV ecosystem before the release: `Debian:12` → `Debian`.
pub fn base_ecosystem(ecosystem: &str) -> &str {
    ecosystem.split(':').next().unwrap_or(ecosystem)
}

/// The name under which a package is indexed, so that spellings the ecosystem treats as equal
/// find each other: PEP 503 for PyPI, case-insensitive npm and crates.io names (with `_` and
/// `-` equal for crates, as crates.io treats them).
pub fn normalize_name(ecosystem: &str, name: &str) -> String {
    let name = name.trim();
    match base_ecosystem(ecosystem) {
        "PyPI" => {
            let mut out = String::with_capacity(name.len());
            let mut sep = false;
            for c in name.chars() {
                if matches!(c, '-' | '_' | '.') {
                    sep = true;
                } else {
                    if sep && !out.is_empty() {
                        out.push('-');
                    }
                    sep = false;
                    out.extend(c.to_lowercase());
                }
            }
            out
        }
        "crates.io" => name.to_ascii_lowercase().replace('_', "-"),
        "npm" => name.to_ascii_lowercase(),
        _ => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_names_per_ecosystem() {
        assert_eq!(normalize_name("PyPI", "PyYAML"), "pyyaml");
        assert_eq!(
            normalize_name("PyPI", "zope.interface__x"),
            "zope-interface-x"
        );
        assert_eq!(normalize_name("crates.io", "Winapi_x86"), "winapi-x86");
        assert_eq!(normalize_name("Debian:12", "Perl"), "Perl");
        assert_eq!(base_ecosystem("Alpine:v3.10"), "Alpine");
    }

    #[test]
    fn ranges_serialize_with_osv_names() {
        let r = Range::Ecosystem {
            events: vec![Event::Introduced("0".into()), Event::Fixed("1.2".into())],
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.2"}]}"#
        );
    }
}

/// An advisory as a finding needs it: its identity, text, references and ratings, and of each
/// affected entry only its ratings. Reading a record this way skips building its details and
/// version ranges, which matching has already read from the package index.
#[derive(Debug, Deserialize)]
pub struct AdvisoryHead {
    id: String,
    #[serde(default)]
    modified: String,
    #[serde(default)]
    withdrawn: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    severity: Vec<SeverityScore>,
    #[serde(default)]
    references: Vec<String>,
    #[serde(default)]
    affected: Vec<AffectedRatings>,
    #[serde(default)]
    informational: Option<String>,
}

#[derive(Debug, Deserialize)]
struct AffectedRatings {
    #[serde(default)]
    severity: Vec<SeverityScore>,
}

impl From<AdvisoryHead> for Advisory {
    fn from(h: AdvisoryHead) -> Advisory {
        Advisory {
            id: h.id,
            modified: h.modified,
            published: None,
            withdrawn: h.withdrawn,
            aliases: h.aliases,
            summary: h.summary,
            details: String::new(),
            severity: h.severity,
            references: h.references,
            affected: h
                .affected
                .into_iter()
                .filter(|a| !a.severity.is_empty())
                .map(|a| Affected {
                    severity: a.severity,
                    ..Affected::default()
                })
                .collect(),
            informational: h.informational,
        }
    }
}
