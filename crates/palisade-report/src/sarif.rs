//! SARIF 2.1.0, for code-scanning dashboards and Jenkins' warnings plugin: one rule per
//! advisory id, one result per finding, located at the file the package was read from.

use palisade_core::Severity;
use palisade_core::sarif::{Level, Log, Rule, SarifResult, image_uri};
use serde_json::json;

use crate::{ScanReport, database_line, fixed_text};

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
    let mut log = Log::new(report.tool_version.clone());
    for f in &report.result.findings {
        if log.has_rule(&f.id) {
            continue;
        }
        let level = Level::of(f.severity);
        let short = if f.summary.is_empty() {
            f.id.clone()
        } else {
            f.summary.to_string()
        };
        let mut rule = Rule::new(f.id.clone(), short, level);
        rule.full = Some(format!("{} ({})", f.summary, f.aliases.join(", ")));
        rule.help = Some(format!(
            "{}\nFixed in: {}\nAliases: {}",
            f.summary,
            fixed_text(f),
            f.aliases.join(", ")
        ));
        rule.help_uri = f.references.first().cloned();
        rule.properties = Some(json!({
            "security-severity": security_severity(f),
            "tags": ["security", "vulnerability", f.severity.as_str()],
        }));
        log.rule(rule);
    }
    for f in &report.result.findings {
        let message = format!(
            "{} {}: {} {} is installed; fixed in {}.",
            f.severity,
            f.id,
            f.package.name,
            f.package.version,
            fixed_text(f)
        );
        let mut result = SarifResult::new(f.id.clone(), Level::of(f.severity), message, "");
        result.uri = image_uri(f.package.path.as_deref().unwrap_or("/"));
        result.logical = Some((f.package.purl.clone(), "package"));
        result.fingerprint = Some(("packageAdvisory", format!("{}|{}", f.package.purl, f.id)));
        result.properties = Some(json!({
            "package": f.package.name,
            "installedVersion": f.package.version,
            "fixedVersions": f.fixed_versions,
            "layer": f.package.layer,
            "aliases": f.aliases,
        }));
        log.result(result);
    }
    if let Some(verdict) = &report.policy {
        crate::policy::sarif_parts(verdict, &mut log);
    }
    log.properties = Some(json!({
        "image": report.image,
        "database": database_line(&report.database),
        "databaseBuiltAt": palisade_vulndb::time::rfc3339(report.database.built_at),
        "databaseSources": report.database.sources.iter().map(|s| &s.name).collect::<Vec<_>>(),
    }));
    log.to_text()
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
