//! Report formats: a table for people, JSON, kubesec's JSON array and SARIF 2.1.0.

use std::io::{self, Write};

use serde_json::json;

use palisade_core::sarif::{Level, Log, Rule, SarifResult};

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
            "scoring": {},
        })
    }));
    serde_json::to_writer_pretty(&mut *out, &items)?;
    writeln!(out)
}

/// SARIF 2.1.0 with one result per finding and the rule table in the driver.
pub fn sarif(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    let mut log = Log::new(env!("CARGO_PKG_VERSION"));
    for r in rules::ALL {
        let mut rule = Rule::new(r.id, r.summary, Level::of(r.severity));
        rule.name = Some(r.name.to_owned());
        rule.full = Some(r.docs.what.to_owned());
        rule.help = Some(r.docs.fix.to_owned());
        log.rule(rule);
    }
    for f in report.findings() {
        let result = SarifResult::new(
            f.rule,
            Level::of(f.severity),
            f.message.clone(),
            &f.span.file,
        )
        .at(f.span.line as u64, Some(f.span.column as u64));
        log.result(result);
    }
    out.write_all(log.to_text().as_bytes())
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
