//! Report formats: a table for people, JSON, kubesec's JSON array and SARIF 2.1.0.

use std::io::{self, Write};

use serde_json::json;

use crate::ScanReport;
use crate::compliance::{ControlResult, Framework};
use crate::rules;

/// A human-readable table: per object its kubesec score, then one aligned row per kubesec
/// critical item and per finding; then unreadable input and a summary line.
pub fn table(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    for obj in &report.objects {
        writeln!(out, "{}  (kubesec score {})", obj.object, obj.kubesec.score)?;
        let mut rows: Vec<Vec<String>> = Vec::new();
        for c in &obj.kubesec.scoring.critical {
            rows.push(vec![
                format!("kubesec {}", c.id),
                c.points.to_string(),
                String::new(),
                c.selector.to_string(),
            ]);
        }
        for f in &obj.findings {
            rows.push(vec![
                f.rule.to_string(),
                f.severity.to_string(),
                f.span.to_string(),
                f.message.clone(),
            ]);
        }
        if rows.is_empty() {
            continue;
        }
        let text = palisade_core::table::columns(&["  CHECK", "SEVERITY", "WHERE", "MESSAGE"], &{
            rows.into_iter()
                .map(|mut r| {
                    r[0] = format!("  {}", r[0]);
                    r
                })
                .collect::<Vec<_>>()
        });
        out.write_all(text.as_bytes())?;
    }
    for d in &report.diagnostics {
        writeln!(out, "error: {}: {}", d.span, d.message)?;
    }
    let findings = report.findings().count();
    writeln!(
        out,
        "{} objects in {} files, {} findings, {} unreadable documents",
        report.objects.len(),
        report.files,
        findings,
        report.diagnostics.len()
    )
}

/// palisade's own JSON report.
pub fn json(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}

/// kubesec's JSON array (one entry per object; unreadable documents as `valid: false`).
pub fn kubesec(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    let mut items: Vec<serde_json::Value> = report
        .objects
        .iter()
        .map(|o| serde_json::to_value(&o.kubesec).unwrap_or_default())
        .collect();
    items.extend(report.diagnostics.iter().map(|d| {
        json!({
            "object": "Unknown",
            "valid": false,
            "fileName": d.span.file,
            "message": format!("{}: {}", d.span, d.message),
            "score": 0,
            "scoring": {"critical": [], "passed": [], "advise": []},
        })
    }));
    serde_json::to_writer_pretty(&mut *out, &items)?;
    writeln!(out)
}

/// SARIF 2.1.0 with one result per finding and the rule table in the driver.
/// A file path as a SARIF artifact URI: an absolute path is a `file://` URI (SARIF1004 forbids
/// absolute paths written as relative references), a relative one stays relative, and
/// characters outside RFC 3986's unreserved set and `/` are percent-encoded.
pub fn sarif_uri(path: &str) -> String {
    let mut encoded = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    if path.starts_with('/') {
        format!("file://{encoded}")
    } else {
        encoded
    }
}

pub fn sarif(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    let level = |s: palisade_core::Severity| match s {
        palisade_core::Severity::Critical | palisade_core::Severity::High => "error",
        palisade_core::Severity::Medium => "warning",
        _ => "note",
    };
    let rules: Vec<_> = rules::ALL
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.name,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.docs.what},
                "help": {"text": r.docs.fix},
                "defaultConfiguration": {"level": level(r.severity)},
            })
        })
        .collect();
    let results: Vec<_> = report
        .findings()
        .map(|f| {
            json!({
                "ruleId": f.rule,
                "level": level(f.severity),
                "message": {"text": f.message},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": sarif_uri(&f.span.file)},
                    "region": {"startLine": f.span.line, "startColumn": f.span.column},
                }}],
            })
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "palisade", "version": env!("CARGO_PKG_VERSION"), "informationUri": "https://github.com/palisade-security/palisade", "rules": rules}},
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// Findings grouped by control, with pass/fail counts.
pub fn compliance(
    framework: Framework,
    controls: &[ControlResult],
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out, "{framework}")?;
    writeln!(out, "{:<10} {:>6} {:>6}  rules", "control", "pass", "fail")?;
    for c in controls {
        writeln!(
            out,
            "{:<10} {:>6} {:>6}  {}",
            c.control,
            c.passed,
            c.failed,
            c.rules.join(", ")
        )?;
        for f in &c.failures {
            writeln!(out, "    {f}")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod sarif_tests {
    #[test]
    fn issue_14_sarif_uris_are_valid_references() {
        assert_eq!(
            super::sarif_uri("/etc/k8s/pod.yaml"),
            "file:///etc/k8s/pod.yaml"
        );
        assert_eq!(super::sarif_uri("deploy/pod 1.yaml"), "deploy/pod%201.yaml");
        assert_eq!(super::sarif_uri("<stdin>"), "%3Cstdin%3E");
    }
}
