//! SARIF 2.1.0, for code-scanning dashboards and Jenkins' warnings plugin: one rule per
//! advisory id, one result per finding, located at the file the package was read from.

use std::collections::BTreeMap;

use palisade_core::Severity;
use serde_json::{Value, json};

use crate::{ScanReport, database_line, fixed_text};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        _ => "note",
    }
}

/// GitHub's `security-severity`: a number it bands like CVSS.
fn security_severity(f: &palisade_vulndb::Finding) -> String {
    let score = f.cvss_score.unwrap_or(match f.severity {
        Severity::Critical => 9.5,
        Severity::High => 8.0,
        Severity::Medium => 5.5,
        Severity::Low => 2.0,
        _ => 0.0,
    });
    format!("{score:.1}")
}

/// Renders the report as a SARIF 2.1.0 log.
pub fn sarif(report: &ScanReport) -> String {
    let mut rules: BTreeMap<&str, usize> = BTreeMap::new();
    let mut rule_values = Vec::new();
    for f in &report.result.findings {
        if rules.contains_key(f.id.as_str()) {
            continue;
        }
        rules.insert(&f.id, rule_values.len());
        let mut rule = json!({
            "id": f.id,
            "name": f.id.replace(['-', '.'], ""),
            "shortDescription": {"text": if f.summary.is_empty() { f.id.clone() } else { f.summary.clone() }},
            "fullDescription": {"text": format!("{} ({})", f.summary, f.aliases.join(", "))},
            "defaultConfiguration": {"level": level(f.severity)},
            "help": {"text": format!("{}\nFixed in: {}\nAliases: {}", f.summary, fixed_text(f), f.aliases.join(", "))},
            "properties": {
                "security-severity": security_severity(f),
                "tags": ["security", "vulnerability", f.severity.as_str()],
            },
        });
        if let Some(url) = f.references.first() {
            rule["helpUri"] = url.clone().into();
        }
        rule_values.push(rule);
    }
    let results: Vec<Value> = report
        .result
        .findings
        .iter()
        .map(|f| {
            let uri = f.package.path.as_deref().unwrap_or("/").trim_start_matches('/').to_owned();
            json!({
                "ruleId": f.id,
                "ruleIndex": rules.get(f.id.as_str()).copied().unwrap_or(0),
                "level": level(f.severity),
                "message": {"text": format!(
                    "{} {}: {} {} is installed; fixed in {}.",
                    f.severity, f.id, f.package.name, f.package.version, fixed_text(f)
                )},
                "locations": [{
                    "physicalLocation": {"artifactLocation": {"uri": if uri.is_empty() { "/".to_owned() } else { uri }}},
                    "logicalLocations": [{"name": f.package.purl, "kind": "package"}],
                }],
                "partialFingerprints": {"packageAdvisory": format!("{}|{}", f.package.purl, f.id)},
                "properties": {
                    "package": f.package.name,
                    "installedVersion": f.package.version,
                    "fixedVersions": f.fixed_versions,
                    "layer": f.package.layer,
                    "aliases": f.aliases,
                },
            })
        })
        .collect();
    let mut results = results;
    if let Some(verdict) = &report.policy {
        let (policy_rules, policy_results) = crate::policy::sarif_parts(verdict);
        let offset = rule_values.len();
        rule_values.extend(policy_rules);
        for mut r in policy_results {
            if let Some(i) = r["ruleIndex"].as_u64() {
                r["ruleIndex"] = (i + offset as u64).into();
            }
            results.push(r);
        }
    }
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "palisade",
                "version": report.tool_version,
                "informationUri": "https://github.com/palisade-security/palisade",
                "rules": rule_values,
            }},
            "results": results,
            "properties": {
                "image": report.image,
                "database": database_line(&report.database),
                "databaseBuiltAt": palisade_vulndb::time::rfc3339(report.database.built_at),
                "databaseSources": report.database.sources.iter().map(|s| &s.name).collect::<Vec<_>>(),
            },
        }],
    });
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn sarif_has_the_2_1_0_shape() {
        let text = super::sarif(&crate::fixture::report());
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["version"], "2.1.0");
        let run = &v["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        let results = run["results"].as_array().unwrap();
        assert_eq!(rules.len(), 2);
        assert_eq!(results.len(), 2);
        for r in results {
            let idx = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[idx]["id"], r["ruleId"]);
            assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
            assert_eq!(
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                "var/lib/dpkg/status"
            );
            assert!(r["message"]["text"].is_string());
        }
        insta::assert_snapshot!(text);
    }
}
