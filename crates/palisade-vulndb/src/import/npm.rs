//! Legacy npm advisories (nodejs/security-wg `vuln/npm/*.json`).

use super::{Format, Sink, str_field};
use crate::model::{Advisory, Affected, Range, SeverityScore};
use crate::store::StoreError;

/// Converts one advisory; `Err` is a message for the diagnostic.
pub fn convert(value: &serde_json::Value) -> Result<Advisory, String> {
    let id = match value.get("id") {
        Some(serde_json::Value::Number(n)) => n.to_string(),
        Some(serde_json::Value::String(s)) if !s.is_empty() => s.clone(),
        _ => return Err("npm advisory without an id".to_owned()),
    };
    let module = str_field(value, "module_name")
        .filter(|m| !m.is_empty())
        .ok_or("npm advisory without module_name")?;
    let vulnerable = str_field(value, "vulnerable_versions")
        .filter(|v| !v.trim().is_empty())
        .ok_or("npm advisory without vulnerable_versions")?;
    let aliases = value
        .get("cves")
        .and_then(|c| c.as_array())
        .map(|c| {
            c.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let mut severity = Vec::new();
    if let Some(vector) = str_field(value, "cvss_vector").filter(|v| v.starts_with("CVSS:3")) {
        severity.push(SeverityScore::CvssV3(vector));
    }
    let modified = str_field(value, "updated_at")
        .or_else(|| str_field(value, "created_at"))
        .unwrap_or_default();
    let references = match value.get("references") {
        Some(serde_json::Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        Some(serde_json::Value::String(s)) => s
            .split_whitespace()
            .filter(|u| u.starts_with("http"))
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    Ok(Advisory {
        id: format!("NPM-{id}"),
        modified,
        published: str_field(value, "publish_date"),
        aliases,
        summary: str_field(value, "title").unwrap_or_default(),
        details: str_field(value, "overview").unwrap_or_default(),
        severity,
        references,
        affected: vec![Affected {
            ecosystem: "npm".to_owned(),
            name: module,
            ranges: vec![Range::Npm {
                vulnerable,
                patched: str_field(value, "patched_versions"),
            }],
            ..Affected::default()
        }],
        ..Advisory::default()
    })
}

pub(crate) fn import(
    sink: &mut Sink<'_>,
    location: &str,
    value: serde_json::Value,
) -> Result<(), StoreError> {
    match convert(&value) {
        Ok(advisory) => sink.advisory(Format::NpmLegacy, &advisory),
        Err(message) => {
            sink.diagnostic(location, message);
            Ok(())
        }
    }
}
