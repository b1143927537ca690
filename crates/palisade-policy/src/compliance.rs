//! A verdict grouped by compliance control: for each control of a framework, the triggers
//! behind it that the bundle checks, what fired and with which action.

use std::collections::BTreeMap;
use std::str::FromStr;

use palisade_core::verdict::Action;
use serde::Serialize;

use crate::eval::Verdict;
use crate::gates::{self, Controls};

/// A compliance framework for image checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Framework {
    /// CIS Docker Benchmark v1.6, section 4 (container images and build files).
    Cis,
    /// NIST SP 800-190 countermeasures (section 4).
    Nist800190,
    /// PCI DSS v4.0.
    Pci,
}

impl Framework {
    pub fn title(self) -> &'static str {
        match self {
            Framework::Cis => "CIS Docker Benchmark v1.6 (section 4)",
            Framework::Nist800190 => "NIST SP 800-190 countermeasures",
            Framework::Pci => "PCI DSS v4.0",
        }
    }

    fn controls(self, c: &Controls) -> &'static [&'static str] {
        match self {
            Framework::Cis => c.cis,
            Framework::Nist800190 => c.nist,
            Framework::Pci => c.pci,
        }
    }
}

/// Not a framework name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown compliance framework {0:?} (expected cis, nist-800-190 or pci)")]
pub struct FrameworkError(String);

impl FromStr for Framework {
    type Err = FrameworkError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "cis" | "cis-docker" => Ok(Framework::Cis),
            "nist-800-190" | "nist" => Ok(Framework::Nist800190),
            "pci" | "pci-dss" => Ok(Framework::Pci),
            _ => Err(FrameworkError(s.to_owned())),
        }
    }
}

/// One control and how the image fares on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ControlRow {
    pub control: String,
    /// `gate/trigger` of the rules behind it that were evaluated.
    pub triggers: Vec<String>,
    /// Firings that count (not allowlisted), by action.
    pub stop: usize,
    pub warn: usize,
    pub go: usize,
    pub allowlisted: usize,
    /// Rules behind it that could not be evaluated.
    pub not_evaluated: usize,
    /// `fail` with any STOP, `warn` with any WARN, else `pass`.
    pub status: &'static str,
}

/// Groups a verdict by the controls of a framework, in control order.
pub fn group(verdict: &Verdict, framework: Framework) -> Vec<ControlRow> {
    let controls_of = |gate: &str, trigger: &str| -> &'static [&'static str] {
        gates::gate(gate)
            .and_then(|g| g.trigger(trigger))
            .map_or(&[][..], |t| framework.controls(&t.controls))
    };
    let mut rows: BTreeMap<Vec<u32>, ControlRow> = BTreeMap::new();
    fn row<'a>(rows: &'a mut BTreeMap<Vec<u32>, ControlRow>, control: &str) -> &'a mut ControlRow {
        let key: Vec<u32> = control.split('.').filter_map(|p| p.parse().ok()).collect();
        rows.entry(key).or_insert_with(|| ControlRow {
            control: control.to_owned(),
            triggers: Vec::new(),
            stop: 0,
            warn: 0,
            go: 0,
            allowlisted: 0,
            not_evaluated: 0,
            status: "pass",
        })
    }
    for (_, _, gate, trigger) in &verdict.evaluated {
        for c in controls_of(gate, trigger) {
            let r = row(&mut rows, c);
            let name = format!("{gate}/{trigger}");
            if !r.triggers.contains(&name) {
                r.triggers.push(name);
            }
        }
    }
    for n in &verdict.not_evaluated {
        for c in controls_of(&n.gate, &n.trigger) {
            row(&mut rows, c).not_evaluated += 1;
        }
    }
    for f in &verdict.results {
        for c in controls_of(&f.gate, &f.trigger) {
            let r = row(&mut rows, c);
            if f.allowlisted {
                r.allowlisted += 1;
                continue;
            }
            match f.action {
                Action::Stop => r.stop += 1,
                Action::Warn => r.warn += 1,
                Action::Go => r.go += 1,
            }
        }
    }
    rows.into_values()
        .map(|mut r| {
            r.status = if r.stop > 0 {
                "fail"
            } else if r.warn > 0 {
                "warn"
            } else {
                "pass"
            };
            r
        })
        .collect()
}
