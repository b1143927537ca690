//! CycloneDX 1.5 JSON with the image's components and a `vulnerabilities` array.

use palisade_core::Severity;
use serde_json::{Value, json};

use crate::{ScanReport, database_line, fixed_text};

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "critical",
        Severity::High => "high",
        Severity::Medium => "medium",
        Severity::Low => "low",
        Severity::Negligible => "info",
        Severity::Unknown => "unknown",
    }
}

fn method(vector: &str) -> &'static str {
    if vector.starts_with("CVSS:4") {
        "CVSSv4"
    } else if vector.starts_with("CVSS:3.1") {
        "CVSSv31"
    } else if vector.starts_with("CVSS:3") {
        "CVSSv3"
    } else {
        "other"
    }
}

fn source_of(id: &str) -> (&'static str, String) {
    let prefix = id.split('-').next().unwrap_or_default();
    match prefix {
        "CVE" => ("NVD", format!("https://nvd.nist.gov/vuln/detail/{id}")),
        "GHSA" => ("GitHub", format!("https://github.com/advisories/{id}")),
        "RUSTSEC" => ("RustSec", format!("https://rustsec.org/advisories/{id}")),
        "PYSEC" => ("PyPA", format!("https://osv.dev/vulnerability/{id}")),
        "DEBCL" | "DEBIAN" | "DSA" | "DLA" => {
            ("Debian", format!("https://osv.dev/vulnerability/{id}"))
        }
        _ => ("OSV", format!("https://osv.dev/vulnerability/{id}")),
    }
}

/// Renders the report as CycloneDX 1.5 JSON: the SBOM's document (the same writer as
/// `palisade sbom -f cyclonedx`) with a `vulnerabilities` array against its components.
pub fn cyclonedx(report: &ScanReport) -> String {
    let subject = palisade_sbom::Subject {
        name: &report.image,
        version: report.image_digest.as_deref(),
        distro: report.distro.as_ref(),
        packages: &report.packages,
    };
    let seed = format!(
        "{}|{}|{}",
        report.image, report.scanned_at, report.database.built_at
    );
    let mut doc = palisade_sbom::cyclonedx_document(subject, &report.scanned_at, &seed);
    doc["metadata"]["properties"] = json!([
        {"name": "palisade:database", "value": database_line(&report.database)},
        {"name": "palisade:database:built", "value": palisade_vulndb::time::rfc3339(report.database.built_at)},
    ]);
    let vulnerabilities: Vec<Value> = report
        .result
        .findings
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let (source, url) = source_of(&f.id);
            let mut rating = json!({"severity": severity(f.severity)});
            if let (Some(score), Some(vector)) = (f.cvss_score, &f.severity_source) {
                rating["score"] = score.into();
                rating["method"] = method(vector).into();
                rating["vector"] = vector.clone().into();
            } else {
                rating["method"] = "other".into();
            }
            // The first component with a PURL has the PURL as its bom-ref.
            json!({
                "bom-ref": format!("vuln-{i}"),
                "id": f.id,
                "source": {"name": source, "url": url},
                "references": f.aliases.iter().map(|a| {
                    let (name, url) = source_of(a);
                    json!({"id": a, "source": {"name": name, "url": url}})
                }).collect::<Vec<_>>(),
                "ratings": [rating],
                "description": f.summary,
                "recommendation": if f.fixed_versions.is_empty() { "No fix released".to_owned() } else { format!("Upgrade {} to {}", f.package.matched_name, fixed_text(f)) },
                "affects": [{"ref": f.package.purl, "versions": [{"version": f.package.version, "status": "affected"}]}],
            })
        })
        .collect();
    doc["vulnerabilities"] = Value::Array(vulnerabilities);
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn cyclonedx_lists_vulnerabilities_against_components() {
        let text = super::cyclonedx(&crate::fixture::report());
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["specVersion"], "1.5");
        let vulns = v["vulnerabilities"].as_array().unwrap();
        assert_eq!(vulns.len(), 2);
        assert_eq!(vulns[0]["ratings"][0]["severity"], "critical");
        let refs: Vec<&serde_json::Value> = v["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| &c["bom-ref"])
            .collect();
        for vuln in vulns {
            assert!(refs.contains(&&vuln["affects"][0]["ref"]), "{vuln}");
        }
        insta::assert_snapshot!(text);
    }
}
