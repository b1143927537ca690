//! Rule findings grouped by compliance control, with pass/fail counts per control.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::ScanReport;
use crate::rules::{self, Controls};

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

    /// The controls of this framework among `controls`.
    pub fn controls(self, controls: &Controls) -> &'static [&'static str] {
        match self {
            Framework::Cis => controls.cis,
            Framework::Nist800190 => controls.nist,
            Framework::Pci => controls.pci,
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

/// One control: the rules or checks behind it, and how many objects pass and fail it.
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

/// What the checks concluded about one object, for grouping by control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The ids of the checks that looked at the object.
    pub evaluated: Vec<&'static str>,
    /// `(check id, "place check object: message")` for each failure.
    pub failures: Vec<(&'static str, String)>,
}

/// Groups a scan's rule findings by the controls of a framework, in control order.
pub fn group(report: &ScanReport, framework: Framework) -> Vec<ControlResult> {
    let checks: Vec<(&'static str, &'static Controls)> =
        rules::ALL.iter().map(|r| (r.id, &r.controls)).collect();
    let outcomes: Vec<Outcome> = report
        .objects
        .iter()
        .map(|obj| Outcome {
            evaluated: obj.evaluated.clone(),
            failures: obj
                .findings
                .iter()
                .map(|f| {
                    let text = format!("{} {} {}: {}", f.span, f.rule, obj.object, f.message);
                    (f.rule, text)
                })
                .collect(),
        })
        .collect();
    group_outcomes(framework, &checks, &outcomes)
}

/// Groups the outcomes of any checks (rules, Pod Security checks) by the controls of a
/// framework, in control order. An object passes a control when a check behind it looked at the
/// object and none of them failed.
pub fn group_outcomes(
    framework: Framework,
    checks: &[(&'static str, &'static Controls)],
    outcomes: &[Outcome],
) -> Vec<ControlResult> {
    let mut by_control: BTreeMap<Vec<u32>, (String, Vec<&'static str>)> = BTreeMap::new();
    for (id, controls) in checks {
        for control in framework.controls(controls) {
            let key: Vec<u32> = control.split('.').filter_map(|p| p.parse().ok()).collect();
            let ids = &mut by_control
                .entry(key)
                .or_insert_with(|| ((*control).to_owned(), Vec::new()))
                .1;
            if !ids.contains(id) {
                ids.push(id);
            }
        }
    }
    by_control
        .into_values()
        .map(|(control, ids)| {
            let mut result = ControlResult {
                control,
                rules: ids.clone(),
                passed: 0,
                failed: 0,
                failures: Vec::new(),
            };
            for o in outcomes {
                if !o.evaluated.iter().any(|id| ids.contains(id)) {
                    continue;
                }
                let failing: Vec<&String> = o
                    .failures
                    .iter()
                    .filter(|(id, _)| ids.contains(id))
                    .map(|(_, text)| text)
                    .collect();
                if failing.is_empty() {
                    result.passed += 1;
                } else {
                    result.failed += 1;
                    result.failures.extend(failing.into_iter().cloned());
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

    #[test]
    fn outcomes_of_any_checks_group_by_control() {
        static A: Controls = Controls {
            cis: &["5.2.2"],
            nist: &[],
            pci: &[],
        };
        static B: Controls = Controls {
            cis: &["5.2.2", "5.2.10"],
            nist: &[],
            pci: &[],
        };
        // Two checks share an id (two levels of one check): listed once.
        let checks = [("a", &A), ("b", &B), ("b", &B)];
        let outcomes = [
            Outcome {
                evaluated: vec!["a", "b"],
                failures: vec![("b", "x failed b".into())],
            },
            Outcome {
                evaluated: vec!["a"],
                failures: vec![],
            },
            Outcome {
                evaluated: vec![],
                failures: vec![],
            },
        ];
        let got = group_outcomes(Framework::Cis, &checks, &outcomes);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].control, "5.2.2");
        assert_eq!(got[0].rules, ["a", "b"]);
        assert_eq!((got[0].passed, got[0].failed), (1, 1));
        assert_eq!(got[0].failures, ["x failed b"]);
        // 5.2.10 comes after 5.2.2 (numeric order) and only the first object was checked.
        assert_eq!(got[1].control, "5.2.10");
        assert_eq!((got[1].passed, got[1].failed), (0, 1));
        assert!(group_outcomes(Framework::Pci, &checks, &outcomes).is_empty());
    }
}
