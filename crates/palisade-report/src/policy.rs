//! The policy verdict in each report form: a table section for people, JUnit XML for CI
//! servers (Jenkins, GitLab), SARIF results for code-scanning dashboards.

use std::fmt::Write;

use palisade_core::sarif::{Level, Log, Rule, SarifResult, image_uri};
use palisade_core::verdict::Action;
use palisade_policy::eval::{TriggerResult, Verdict};
use serde_json::json;

use crate::ScanReport;
use crate::table::{cut, short_layer};

/// The verdict as a table: one row per trigger fired, then the final action and why.
pub fn table(verdict: &Verdict) -> String {
    let mut out = String::new();
    let source = verdict
        .bundle
        .source
        .commit
        .as_ref()
        .map(|c| format!(" at commit {}", &c[..c.len().min(12)]))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "\nPolicy {} ({}){source}, policies {}",
        verdict.bundle.name.as_deref().unwrap_or(&verdict.bundle.id),
        verdict.bundle.digest,
        if verdict.policy_ids.is_empty() {
            "none (no mapping selects this image)".to_owned()
        } else {
            verdict.policy_ids.join(", ")
        }
    );
    let headers = [
        "GATE",
        "TRIGGER",
        "ACTION",
        "ALLOWLISTED",
        "PATH",
        "LAYER",
        "CHECK OUTPUT",
    ];
    let rows: Vec<[String; 7]> = verdict
        .results
        .iter()
        .map(|r| {
            [
                r.gate.clone(),
                r.trigger.clone(),
                r.action.as_str().to_ascii_uppercase(),
                if r.allowlisted { "yes" } else { "no" }.to_owned(),
                cut(r.path.as_deref().unwrap_or("-"), 40),
                short_layer(r.layer.as_deref()),
                cut(&r.check_output, 110),
            ]
        })
        .collect();
    if rows.is_empty() {
        out.push_str("No trigger fired.\n");
    } else {
        let rows: Vec<Vec<String>> = rows.into_iter().map(Vec::from).collect();
        out.push_str(&palisade_core::table::columns(&headers, &rows));
    }
    for n in &verdict.not_evaluated {
        let _ = writeln!(
            out,
            "not evaluated: {}/{} (policy {}, rule {}, {}): {}",
            n.gate,
            n.trigger,
            n.policy_id,
            n.rule_id,
            n.action.as_str().to_ascii_uppercase(),
            n.reason
        );
    }
    for e in &verdict.expired_allowlist_items {
        let _ = writeln!(
            out,
            "expired allowlist item {}/{} ({} {}, expired {}) no longer applies",
            e.allowlist_id, e.item_id, e.gate, e.trigger_id, e.expired_on
        );
    }
    let counts = verdict.counts();
    let _ = writeln!(
        out,
        "\nFinal action: {} ({}; {} stop, {} warn, {} allowlisted)",
        verdict.final_action.as_str().to_ascii_uppercase(),
        verdict.reason.as_str(),
        counts.get("stop").copied().unwrap_or(0),
        counts.get("warn").copied().unwrap_or(0),
        verdict.results.iter().filter(|r| r.allowlisted).count()
    );
    out
}

/// The verdict grouped by the controls of a compliance framework.
pub fn compliance_table(
    verdict: &Verdict,
    framework: palisade_policy::compliance::Framework,
) -> String {
    let rows = palisade_policy::compliance::group(verdict, framework);
    let mut out = format!("\n{}\n", framework.title());
    let _ = writeln!(
        out,
        "{:<10} {:<6} {:>4} {:>4} {:>11} {:>13}  TRIGGERS",
        "CONTROL", "STATUS", "STOP", "WARN", "ALLOWLISTED", "NOT EVALUATED"
    );
    for r in &rows {
        let _ = writeln!(
            out,
            "{:<10} {:<6} {:>4} {:>4} {:>11} {:>13}  {}",
            r.control,
            r.status.to_ascii_uppercase(),
            r.stop,
            r.warn,
            r.allowlisted,
            r.not_evaluated,
            r.triggers.join(", ")
        );
    }
    out
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// JUnit XML: one test case per rule evaluated (its firings as failures for STOP and as
/// output for WARN), one skipped test case per rule not evaluated.
pub fn junit(report: &ScanReport) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let Some(verdict) = &report.policy else {
        let _ = writeln!(
            out,
            "<testsuites name=\"palisade\" tests=\"0\" failures=\"0\"></testsuites>"
        );
        return out;
    };
    let mut cases = String::new();
    let mut failures = 0;
    let mut tests = 0;
    for (policy, rule, gate, trigger) in &verdict.evaluated {
        tests += 1;
        let fired: Vec<&TriggerResult> = verdict
            .results
            .iter()
            .filter(|r| &r.policy_id == policy && &r.rule_id == rule && !r.allowlisted)
            .collect();
        let name = format!("{gate}/{trigger} ({rule})");
        let _ = write!(
            cases,
            "    <testcase classname=\"{}.{}\" name=\"{}\">",
            escape(&verdict.bundle.id),
            escape(policy),
            escape(&name)
        );
        let stops: Vec<&&TriggerResult> =
            fired.iter().filter(|r| r.action == Action::Stop).collect();
        if !stops.is_empty() {
            failures += 1;
            let body: Vec<String> = stops.iter().map(|r| describe(r)).collect();
            let _ = write!(
                cases,
                "\n      <failure type=\"STOP\" message=\"{} firing(s) with action STOP\">{}</failure>\n    ",
                stops.len(),
                escape(&body.join("\n"))
            );
        } else if !fired.is_empty() {
            let body: Vec<String> = fired.iter().map(|r| describe(r)).collect();
            let _ = write!(
                cases,
                "\n      <system-out>{}</system-out>\n    ",
                escape(&body.join("\n"))
            );
        }
        cases.push_str("</testcase>\n");
    }
    let mut skipped = 0;
    for n in &verdict.not_evaluated {
        tests += 1;
        skipped += 1;
        let _ = writeln!(
            cases,
            "    <testcase classname=\"{}.{}\" name=\"{}/{} ({})\"><skipped message=\"{}\"/></testcase>",
            escape(&verdict.bundle.id),
            escape(&n.policy_id),
            escape(&n.gate),
            escape(&n.trigger),
            escape(&n.rule_id),
            escape(&n.reason)
        );
    }
    let _ = writeln!(
        out,
        "<testsuites name=\"palisade policy\" tests=\"{tests}\" failures=\"{failures}\" skipped=\"{skipped}\">"
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{} {}\" tests=\"{tests}\" failures=\"{failures}\" skipped=\"{skipped}\" timestamp=\"{}\">",
        escape(&report.image),
        escape(&verdict.bundle.digest),
        escape(&report.scanned_at)
    );
    let _ = writeln!(out, "    <properties>");
    for (k, v) in [
        ("final_action", verdict.final_action.as_str().to_owned()),
        ("reason", verdict.reason.as_str().to_owned()),
        ("bundle_digest", verdict.bundle.digest.clone()),
        (
            "bundle_commit",
            verdict.bundle.source.commit.clone().unwrap_or_default(),
        ),
    ] {
        let _ = writeln!(
            out,
            "      <property name=\"{k}\" value=\"{}\"/>",
            escape(&v)
        );
    }
    let _ = writeln!(out, "    </properties>");
    out.push_str(&cases);
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

fn describe(r: &TriggerResult) -> String {
    let place = match (&r.path, &r.layer) {
        (Some(p), Some(l)) => format!(" [{p} in layer {l}]"),
        (Some(p), None) => format!(" [{p}]"),
        _ => String::new(),
    };
    format!("{}: {}{place}", r.trigger_id, r.check_output)
}

/// SARIF rules and results for the policy's firings (allowlisted ones as suppressed).
pub fn sarif_parts(verdict: &Verdict, log: &mut Log) {
    for r in &verdict.results {
        let rule_id = format!("policy/{}/{}", r.gate, r.trigger);
        let level = match r.action {
            Action::Stop => Level::Error,
            Action::Warn => Level::Warning,
            Action::Go => Level::Note,
        };
        if !log.has_rule(&rule_id) {
            let controls = palisade_policy::gates::gate(&r.gate)
                .and_then(|g| g.trigger(&r.trigger))
                .map(|t| t.controls);
            let mut rule = Rule::new(
                rule_id.clone(),
                format!("policy gate {} trigger {}", r.gate, r.trigger),
                level,
            );
            rule.name = Some(format!("{}{}", r.gate, r.trigger).replace('_', ""));
            rule.properties = Some(json!({
                "tags": ["security", "policy", r.gate],
                "cis-docker": controls.map(|c| c.cis.to_vec()).unwrap_or_default(),
                "nist-800-190": controls.map(|c| c.nist.to_vec()).unwrap_or_default(),
                "pci-dss": controls.map(|c| c.pci.to_vec()).unwrap_or_default(),
            }));
            log.rule(rule);
        }
        let mut result = SarifResult::new(rule_id, level, r.check_output.clone(), "");
        result.uri = image_uri(r.path.as_deref().unwrap_or("/"));
        result.fingerprint = Some((
            "policyTrigger",
            format!("{}|{}|{}", r.gate, r.trigger, r.trigger_id),
        ));
        result.properties = Some(json!({
            "action": r.action.as_str(),
            "triggerId": r.trigger_id,
            "policyId": r.policy_id,
            "ruleId": r.rule_id,
            "layer": r.layer,
        }));
        if r.allowlisted {
            result.suppressed = Some(format!(
                "allowlisted by {}",
                r.allowlisted_by.as_deref().unwrap_or("an allowlist")
            ));
        }
        log.result(result);
    }
}
