//! Vulnerability scan reports.
//!
//! A [`ScanReport`] holds everything needed to reproduce a result: the image, its
//! distribution, the packages, the database's build time and sources, the settings, the
//! findings and what was suppressed and why. It is written as a table for people
//! ([`table`]), palisade's JSON ([`json`]), SARIF 2.1.0 ([`sarif`]) or CycloneDX 1.5 with
//! `vulnerabilities` ([`cyclonedx`]). Writers are pure: they return text.

mod cyclonedx;
pub mod policy;
mod sarif;
mod table;

use palisade_core::{Distro, Package, Severity};
use palisade_vulndb::{DbInfo, MatchReport};
use serde::Serialize;

pub use cyclonedx::cyclonedx;
pub use policy::junit;
pub use sarif::sarif;
pub use table::table;

/// The settings that shaped a scan.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Settings {
    pub ignore_unfixed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fail_on: Option<Severity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignore_file: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vex: Vec<String>,
}

/// One scan's result.
#[derive(Debug, Clone, Serialize)]
pub struct ScanReport {
    /// palisade's version.
    pub tool_version: String,
    /// RFC 3339 time of the scan.
    pub scanned_at: String,
    /// The image reference as given.
    pub image: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_digest: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distro: Option<Distro>,
    pub database: DbInfo,
    pub settings: Settings,
    #[serde(skip_serializing)]
    pub packages: Vec<Package>,
    #[serde(flatten)]
    pub result: MatchReport,
    /// Problems reading the image (unreadable files, unknown formats).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub catalog_diagnostics: Vec<String>,
    /// Secrets found in the image's layers (redacted), when they were searched for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secrets: Option<Vec<palisade_policy::facts::SecretHit>>,
    /// The policy verdict, when the scan ran under a bundle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<palisade_policy::eval::Verdict>,
}

impl ScanReport {
    /// Whether a finding at or above `threshold` remains.
    pub fn fails(&self, threshold: Severity) -> bool {
        self.result.findings.iter().any(|f| f.severity >= threshold)
    }

    /// Findings per severity, highest first, omitting zeros.
    pub fn counts(&self) -> Vec<(Severity, usize)> {
        Severity::ALL
            .iter()
            .rev()
            .map(|s| {
                (
                    *s,
                    self.result
                        .findings
                        .iter()
                        .filter(|f| f.severity == *s)
                        .count(),
                )
            })
            .filter(|(_, n)| *n > 0)
            .collect()
    }
}

/// palisade's JSON report (`"schema": "palisade.scan/v1"`).
pub fn json(report: &ScanReport) -> String {
    let mut value = serde_json::to_value(report).unwrap_or(serde_json::Value::Null);
    if let Some(obj) = value.as_object_mut() {
        obj.insert("schema".into(), "palisade.scan/v1".into());
        obj.insert("packages_scanned".into(), report.packages.len().into());
    }
    let mut out = serde_json::to_string_pretty(&value).unwrap_or_default();
    out.push('\n');
    out
}

/// "fixed in 1.2.3" or the reason there is no fix.
pub(crate) fn fixed_text(f: &palisade_vulndb::Finding) -> String {
    if f.fixed_versions.is_empty() {
        "no fix released".to_owned()
    } else {
        f.fixed_versions.join(", ")
    }
}

/// One line describing the database, for every output.
pub(crate) fn database_line(db: &DbInfo) -> String {
    if db.sources.is_empty() {
        return "no advisory database: no package was matched against advisories".to_owned();
    }
    let sources: Vec<String> = db
        .sources
        .iter()
        .map(|s| format!("{} ({})", s.name, s.records))
        .collect();
    format!(
        "advisory database built {} from {} source(s): {}",
        palisade_vulndb::time::rfc3339(db.built_at),
        db.sources.len(),
        sources.join(", ")
    )
}

#[cfg(test)]
pub(crate) mod fixture {
    use super::*;
    use palisade_core::{Ecosystem, Location};
    use palisade_vulndb::matcher::{FindingPackage, Suppressed};
    use palisade_vulndb::{Finding, SourceInfo};

    pub fn finding(id: &str, sev: Severity, pkg: &str, fixed: &[&str]) -> Finding {
        Finding {
            id: id.into(),
            advisories: vec![id.into()],
            aliases: vec![format!("CVE-{id}")],
            package: std::sync::Arc::new(FindingPackage {
                name: pkg.into(),
                version: "1.0-1".into(),
                ecosystem: Ecosystem::Debian,
                purl: format!("pkg:deb/debian/{pkg}@1.0-1?distro=debian-12"),
                matched_name: pkg.into(),
                matched_version: "1.0-1".into(),
                matched_ecosystem: "Debian:12".into(),
                path: Some("/var/lib/dpkg/status".into()),
                layer: Some(format!("sha256:{}", "ab".repeat(32))),
            }),
            severity: sev,
            severity_source: Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into()),
            cvss_score: Some(9.8),
            fixed_versions: fixed.iter().map(|s| (*s).to_owned()).collect(),
            summary: format!("{id} in {pkg}").into(),
            references: vec![format!("https://example.org/{id}")].into(),
            informational: None,
        }
    }

    pub fn report() -> ScanReport {
        let findings = vec![
            finding("DEBCL-1", Severity::Critical, "perl", &["1.0-2"]),
            finding("DEBCL-2", Severity::Low, "apt", &[]),
        ];
        ScanReport {
            tool_version: "0.1.0".into(),
            scanned_at: "2026-11-25T00:00:00Z".into(),
            image: "oci:/images/app.oci".into(),
            image_digest: None,
            distro: Some(Distro {
                id: "debian".into(),
                version_id: "12".into(),
                ..Distro::default()
            }),
            database: DbInfo {
                path: "/cache/palisade/vulndb.sqlite".into(),
                schema_version: 1,
                built_at: 1_764_000_000,
                advisories: 2,
                sources: vec![SourceInfo {
                    name: "debian12-changelog-osv".into(),
                    kind: "osv".into(),
                    location: "../shared/vulndata/debian12-changelog-osv.tar.gz".into(),
                    imported_at: 1_764_000_000,
                    records: 2,
                    etag: None,
                    last_modified: None,
                }],
                ecosystems: [("Debian:12".to_owned(), 2)].into_iter().collect(),
            },
            settings: Settings::default(),
            packages: ["perl", "apt"]
                .into_iter()
                .map(|name| Package {
                    name: name.into(),
                    version: "1.0-1".into(),
                    ecosystem: Ecosystem::Debian,
                    purl: format!("pkg:deb/debian/{name}@1.0-1?distro=debian-12"),
                    source: None,
                    arch: None,
                    licenses: vec![],
                    locations: vec![Location {
                        path: "/var/lib/dpkg/status".into(),
                        layer: None,
                    }],
                    found_by: "dpkg".into(),
                })
                .collect(),
            result: MatchReport {
                findings,
                suppressed: vec![Suppressed {
                    finding: finding("DEBCL-3", Severity::High, "perl", &["1.0-2"]),
                    reason: "vex: not_affected (vulnerable_code_not_in_execute_path) in vex.json"
                        .into(),
                }],
                packages: 2,
                ..MatchReport::default()
            },
            catalog_diagnostics: vec![],
            secrets: None,
            policy: None,
        }
    }
}
