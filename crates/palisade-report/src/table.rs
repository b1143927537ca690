//! The table for people: findings by severity, with installed and fixed versions and the
//! layer that brought the package in.

use std::fmt::Write;

use crate::{ScanReport, database_line, fixed_text};

/// The first 12 hex digits of a layer digest, `-` when unknown.
pub(crate) fn short_layer(layer: Option<&str>) -> String {
    layer
        .and_then(|l| l.split_once(':'))
        .map(|(_, hex)| hex.chars().take(12).collect())
        .unwrap_or_else(|| "-".to_owned())
}

/// At most `max` characters, the last one `…` when cut.
pub(crate) fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// Renders the report as a plain-text table.
pub fn table(report: &ScanReport) -> String {
    let mut out = String::new();
    let distro = report
        .distro
        .as_ref()
        .map(|d| {
            d.pretty_name
                .clone()
                .unwrap_or_else(|| format!("{} {}", d.id, d.version_id))
        })
        .unwrap_or_else(|| "unknown distribution".to_owned());
    let _ = writeln!(
        out,
        "{} ({distro}): {} packages",
        report.image,
        report.packages.len()
    );
    let headers = [
        "SEVERITY",
        "ID",
        "PACKAGE",
        "INSTALLED",
        "FIXED",
        "LAYER",
        "SUMMARY",
    ];
    let rows: Vec<[String; 7]> = report
        .result
        .findings
        .iter()
        .map(|f| {
            [
                f.severity.to_string(),
                f.id.clone(),
                f.package.name.clone(),
                f.package.version.clone(),
                fixed_text(f),
                short_layer(f.package.layer.as_deref()),
                cut(&f.summary, 60),
            ]
        })
        .collect();
    if rows.is_empty() && report.database.sources.is_empty() {
        out.push_str(
            "Vulnerabilities were not checked: the advisory database is empty \
             (load feeds with `palisade db update` or `palisade db import FILES`).\n",
        );
    } else if rows.is_empty() {
        out.push_str("No vulnerabilities found.\n");
    } else {
        let rows: Vec<Vec<String>> = rows.into_iter().map(Vec::from).collect();
        out.push_str(&palisade_core::table::columns(&headers, &rows));
    }
    let counts: Vec<String> = report
        .counts()
        .iter()
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    let _ = writeln!(
        out,
        "\n{} findings{}",
        report.result.findings.len(),
        if counts.is_empty() {
            String::new()
        } else {
            format!(" ({})", counts.join(", "))
        }
    );
    if report.result.unfixed_ignored > 0 {
        let _ = writeln!(
            out,
            "{} findings without a fix left out (--ignore-unfixed)",
            report.result.unfixed_ignored
        );
    }
    for s in &report.result.suppressed {
        let _ = writeln!(
            out,
            "suppressed {} in {}: {}",
            s.finding.id, s.finding.package.name, s.reason
        );
    }
    for rule in &report.result.expired_ignores {
        let _ = writeln!(
            out,
            "expired ignore rule {} (expired {}) no longer applies",
            rule.id,
            rule.expires.as_deref().unwrap_or("?")
        );
    }
    for d in &report.result.diagnostics {
        let _ = writeln!(
            out,
            "note: {}{}",
            d.package
                .as_deref()
                .map(|p| format!("{p}: "))
                .unwrap_or_default(),
            d.message
        );
    }
    for d in &report.catalog_diagnostics {
        let _ = writeln!(out, "note: {d}");
    }
    if let Some(secrets) = &report.secrets {
        if !secrets.is_empty() {
            let _ = writeln!(out, "\nSecrets ({}):", secrets.len());
        }
        for s in secrets {
            let _ = writeln!(
                out,
                "  {} {} {}:{} (layer {}{}): {}",
                s.finding.severity,
                s.finding.rule_id,
                s.path,
                s.finding.line,
                short_layer(s.layer.as_ref().map(ToString::to_string).as_deref()),
                if s.visible {
                    ""
                } else {
                    ", deleted by a later layer"
                },
                cut(&s.finding.redacted, 80)
            );
        }
    }
    let _ = writeln!(out, "{}", database_line(&report.database));
    if let Some(verdict) = &report.policy {
        out.push_str(&crate::policy::table(verdict));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn table_snapshot() {
        insta::assert_snapshot!(super::table(&crate::fixture::report()));
    }

    #[test]
    fn an_empty_database_is_not_a_clean_bill() {
        let mut report = crate::fixture::report();
        report.result.findings.clear();
        report.database.sources.clear();
        let text = super::table(&report);
        assert!(!text.contains("No vulnerabilities found"), "{text}");
        assert!(text.contains("Vulnerabilities were not checked"), "{text}");
        assert!(text.contains("no advisory database"), "{text}");
    }
}
