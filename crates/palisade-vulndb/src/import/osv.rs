//! OSV JSON (<https://ossf.github.io/osv-schema/>), as served by osv.dev and most feeds.

use serde::Deserialize;

use super::{Format, Sink};
use crate::model::{Advisory, Affected, Event, Range, SeverityScore};
use crate::store::StoreError;

#[derive(Debug, Deserialize)]
struct Record {
    id: String,
    #[serde(default)]
    modified: String,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    withdrawn: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    details: Option<String>,
    #[serde(default)]
    severity: Vec<OsvSeverity>,
    #[serde(default)]
    affected: Vec<OsvAffected>,
    #[serde(default)]
    references: Vec<Reference>,
    #[serde(default)]
    database_specific: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct OsvSeverity {
    #[serde(rename = "type")]
    kind: String,
    score: String,
}

#[derive(Debug, Deserialize)]
struct Reference {
    #[serde(default)]
    url: String,
}

#[derive(Debug, Deserialize)]
struct OsvAffected {
    #[serde(default)]
    package: Option<Package>,
    #[serde(default)]
    ranges: Vec<OsvRange>,
    #[serde(default)]
    versions: Vec<String>,
    #[serde(default)]
    severity: Vec<OsvSeverity>,
    #[serde(default)]
    ecosystem_specific: Option<serde_json::Value>,
    #[serde(default)]
    database_specific: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct Package {
    ecosystem: String,
    name: String,
}

#[derive(Debug, Deserialize)]
struct OsvRange {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    repo: Option<String>,
    #[serde(default)]
    events: Vec<serde_json::Map<String, serde_json::Value>>,
}

fn severities(list: Vec<OsvSeverity>) -> Vec<SeverityScore> {
    list.into_iter()
        .filter_map(|s| match s.kind.as_str() {
            "CVSS_V2" => Some(SeverityScore::CvssV2(s.score)),
            "CVSS_V3" => Some(SeverityScore::CvssV3(s.score)),
            "CVSS_V4" => Some(SeverityScore::CvssV4(s.score)),
            "Ubuntu" | "Debian" => Some(SeverityScore::Rating(s.score)),
            _ => None,
        })
        .collect()
}

/// A feed's own rating in `database_specific.severity` (GitHub: `HIGH`, `MODERATE`).
fn rating(value: Option<&serde_json::Value>) -> Option<SeverityScore> {
    value
        .and_then(|v| v.get("severity"))
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .map(|s| SeverityScore::Rating(s.to_owned()))
}

/// Converts one parsed OSV JSON document; `Err` is a message for the diagnostic.
pub fn convert(value: serde_json::Value) -> Result<(Advisory, Vec<String>), String> {
    let record: Record =
        serde_json::from_value(value).map_err(|e| format!("not an OSV record: {e}"))?;
    let mut notes = Vec::new();
    let mut severity = severities(record.severity);
    severity.extend(rating(record.database_specific.as_ref()));
    let mut affected = Vec::with_capacity(record.affected.len());
    for (i, a) in record.affected.into_iter().enumerate() {
        let Some(package) = a.package else {
            notes.push(format!("affected[{i}] names no package; skipped"));
            continue;
        };
        let mut ranges = Vec::with_capacity(a.ranges.len());
        for r in a.ranges {
            let mut events = Vec::with_capacity(r.events.len());
            for e in &r.events {
                for (k, v) in e {
                    let Some(v) = v.as_str() else { continue };
                    let v = v.to_owned();
                    events.push(match k.as_str() {
                        "introduced" => Event::Introduced(v),
                        "fixed" => Event::Fixed(v),
                        "last_affected" => Event::LastAffected(v),
                        "limit" => Event::Limit(v),
                        _ => continue,
                    });
                }
            }
            ranges.push(match r.kind.as_str() {
                "ECOSYSTEM" => Range::Ecosystem { events },
                "SEMVER" => Range::Semver { events },
                "GIT" => Range::Git {
                    repo: r.repo.unwrap_or_default(),
                },
                other => {
                    notes.push(format!(
                        "affected[{i}]: range type {other:?} is not supported; skipped"
                    ));
                    continue;
                }
            });
        }
        let mut sev = severities(a.severity);
        sev.extend(rating(a.ecosystem_specific.as_ref()));
        sev.extend(rating(a.database_specific.as_ref()));
        affected.push(Affected {
            ecosystem: package.ecosystem,
            name: package.name,
            ranges,
            versions: a.versions,
            severity: sev,
        });
    }
    let details = record.details.unwrap_or_default();
    let summary = record.summary.filter(|s| !s.is_empty()).unwrap_or_else(|| {
        details
            .lines()
            .next()
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect()
    });
    Ok((
        Advisory {
            id: record.id,
            modified: record.modified,
            published: record.published,
            withdrawn: record.withdrawn,
            aliases: record.aliases,
            summary,
            details,
            severity,
            references: record
                .references
                .into_iter()
                .map(|r| r.url)
                .filter(|u| !u.is_empty())
                .collect(),
            affected,
            informational: None,
        },
        notes,
    ))
}

pub(crate) fn import(
    sink: &mut Sink<'_>,
    location: &str,
    value: serde_json::Value,
) -> Result<(), StoreError> {
    match convert(value) {
        Ok((advisory, notes)) => {
            for n in notes {
                sink.diagnostic(location, n);
            }
            sink.advisory(Format::Osv, &advisory)
        }
        Err(message) => {
            sink.diagnostic(location, message);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_ranges_versions_and_severity() {
        let v = serde_json::json!({
            "id": "GHSA-x", "modified": "2024-01-01T00:00:00Z", "aliases": ["CVE-1"],
            "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
            "database_specific": {"severity": "HIGH"},
            "affected": [{"package": {"ecosystem": "PyPI", "name": "x"},
                "ranges": [{"type": "GIT", "repo": "r", "events": [{"introduced": "0"}]},
                           {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0"}]},
                           {"type": "WEIRD", "events": []}],
                "versions": ["0.9"]}, {"ranges": []}]
        });
        let (a, notes) = convert(v).unwrap();
        assert_eq!(a.affected.len(), 1);
        assert_eq!(a.affected[0].ranges.len(), 2);
        assert_eq!(a.affected[0].fixed_versions(), vec!["1.0".to_owned()]);
        assert_eq!(a.severity.len(), 2);
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(convert(serde_json::json!({"id": 3})).is_err());
    }
}
