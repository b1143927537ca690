//! Rule findings grouped by compliance control, with pass/fail counts per control.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::ScanReport;
use crate::rules::{self, Rule};

/// A compliance framework.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Framework {
    /// CIS Kubernetes Benchmark, section 5 (policies).
    Cis,
    /// NIST SP 800-190, Application Container Security Guide, countermeasures (section 4).
    Nist800190,
    /// PCI DSS v4.0.
    Pci,
}

impl Framework {
    pub fn title(self) -> &'static str {
        match self {
            Framework::Cis => "CIS Kubernetes Benchmark (section 5)",
            Framework::Nist800190 => "NIST SP 800-190 countermeasures",
            Framework::Pci => "PCI DSS v4.0",
        }
    }

    /// The controls a rule supports in this framework.
    pub fn controls(self, rule: &Rule) -> &'static [&'static str] {
        match self {
            Framework::Cis => rule.controls.cis,
            Framework::Nist800190 => rule.controls.nist,
            Framework::Pci => rule.controls.pci,
        }
    }
}

/// The text is not a framework name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown compliance framework {0:?} (expected cis, nist-800-190 or pci)")]
pub struct FrameworkError(String);

impl FromStr for Framework {
    type Err = FrameworkError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "cis" => Ok(Framework::Cis),
            "nist-800-190" | "nist" => Ok(Framework::Nist800190),
            "pci" | "pci-dss" => Ok(Framework::Pci),
            _ => Err(FrameworkError(s.to_owned())),
        }
    }
}

impl fmt::Display for Framework {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.title())
    }
}

/// One control: the rules behind it, and how many objects pass and fail it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ControlResult {
    pub control: String,
    pub rules: Vec<&'static str>,
    /// Objects that at least one of the rules looked at and none flagged.
    pub passed: usize,
    /// Objects that at least one of the rules flagged.
    pub failed: usize,
    /// `object: message` for each failing finding.
    pub failures: Vec<String>,
}

/// Groups a scan by the controls of a framework, in control order.
pub fn group(report: &ScanReport, framework: Framework) -> Vec<ControlResult> {
    let mut by_control: BTreeMap<Vec<u32>, (String, Vec<&'static str>)> = BTreeMap::new();
    for rule in rules::ALL {
        for control in framework.controls(rule) {
            let key: Vec<u32> = control.split('.').filter_map(|p| p.parse().ok()).collect();
            by_control
                .entry(key)
                .or_insert_with(|| ((*control).to_owned(), Vec::new()))
                .1
                .push(rule.id);
        }
    }
    by_control
        .into_values()
        .map(|(control, rule_ids)| {
            let mut result = ControlResult {
                control,
                rules: rule_ids.clone(),
                passed: 0,
                failed: 0,
                failures: Vec::new(),
            };
            for obj in &report.objects {
                if !obj.evaluated.iter().any(|id| rule_ids.contains(id)) {
                    continue;
                }
                let failing: Vec<_> = obj
                    .findings
                    .iter()
                    .filter(|f| rule_ids.contains(&f.rule))
                    .collect();
                if failing.is_empty() {
                    result.passed += 1;
                } else {
                    result.failed += 1;
                    result.failures.extend(
                        failing.iter().map(|f| {
                            format!("{} {} {}: {}", f.span, f.rule, obj.object, f.message)
                        }),
                    );
                }
            }
            result
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::read_bytes;
    use crate::yaml::Limits;

    #[test]
    fn counts_pass_and_fail_per_control() {
        let yaml = "kind: Pod\nmetadata: {name: a, namespace: x}\nspec:\n  containers:\n  - {name: c, securityContext: {privileged: true}}\n---\nkind: Pod\nmetadata: {name: b, namespace: x}\nspec:\n  containers:\n  - {name: c}\n";
        let report = crate::scan(&read_bytes("p.yaml", yaml.as_bytes(), &Limits::default()));
        let cis = group(&report, Framework::Cis);
        let privileged = cis.iter().find(|c| c.control == "5.2.2").unwrap();
        assert_eq!((privileged.passed, privileged.failed), (1, 1));
        assert_eq!(privileged.rules, ["K8S-014"]);
        // Controls are ordered numerically: 5.2.2 before 5.2.12.
        let pos = |c: &str| cis.iter().position(|r| r.control == c).unwrap();
        assert!(pos("5.2.2") < pos("5.2.12"));
    }
}
