//! Kubernetes workload checks for palisade.
//!
//! Reads manifests (files, directories, stdin; multi-document YAML and JSON; `List` objects) into
//! a tree that keeps the line and column of every field ([`yaml`], [`manifest`]), then:
//!
//! - [`scan`]: kubesec's rule set and score ([`kubesec`]) plus palisade's own rules ([`rules`]);
//! - [`pss`]: the Pod Security Standards as Pod Security Admission evaluates them, every version;
//! - [`advise`]: per namespace, the strictest level all its workloads satisfy, the labels to set,
//!   patches that make workloads pass `restricted`, and the privileges they actually use;
//! - [`compliance`]: rule findings grouped by CIS, NIST SP 800-190 and PCI DSS controls.
//!
//! Analysis is pure: bad input becomes [`manifest::Diagnostic`]s in the report.
//!
//! ```
//! use palisade_k8s::{manifest, scan, yaml::Limits};
//!
//! let yaml = b"kind: Pod\nmetadata: {name: web, namespace: shop}\nspec:\n  hostPID: true\n  containers: [{name: web, image: nginx}]\n";
//! let report = scan(&manifest::read_bytes("pod.yaml", yaml, &Limits::default()));
//! let f = report.objects[0].findings.iter().find(|f| f.rule == "K8S-015").unwrap();
//! assert_eq!(f.span.to_string(), "pod.yaml:4:12");
//! assert_eq!(report.objects[0].kubesec.score, -9);
//! ```

pub mod advise;
pub mod compliance;
pub mod kubesec;
pub mod manifest;
pub mod pod;
pub mod pss;
pub mod render;
pub mod rules;
pub mod yaml;

use palisade_core::{Severity, Span};
use serde::Serialize;

use crate::kubesec::KubesecReport;
use crate::manifest::{Diagnostic, Manifests};

/// One rule finding, located in the user's file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub message: String,
    pub span: Span,
}

/// Everything `scan` found about one object.
#[derive(Debug, Clone, Serialize)]
pub struct ObjectReport {
    /// `Kind/name.namespace`.
    pub object: String,
    pub kind: String,
    pub span: Span,
    pub kubesec: KubesecReport,
    pub findings: Vec<Finding>,
    /// Ids of the rules that looked at this object (for pass/fail counts).
    pub evaluated: Vec<&'static str>,
}

/// The result of a scan: per object, and what could not be read.
#[derive(Debug, Clone, Serialize)]
pub struct ScanReport {
    pub objects: Vec<ObjectReport>,
    pub diagnostics: Vec<Diagnostic>,
    /// How many files were read (last: a streamed report knows it only at the end).
    pub files: usize,
}

impl ScanReport {
    /// Every finding of every object.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.objects.iter().flat_map(|o| o.findings.iter())
    }
}

/// Runs kubesec's scoring and palisade's rules over every object.
pub fn scan(manifests: &Manifests) -> ScanReport {
    ScanReport {
        files: manifests.files,
        objects: manifests.objects.iter().map(scan_object).collect(),
        diagnostics: manifests.diagnostics.clone(),
    }
}

/// kubesec's scoring and palisade's rules on one object: what [`scan`] does for each, for
/// callers that write each object's results before reading the next ([`render::Stream`]).
pub fn scan_object(obj: &manifest::Object) -> ObjectReport {
    let mut findings = Vec::new();
    let mut evaluated = Vec::new();
    for rule in rules::ALL {
        if !rule.applies(obj) {
            continue;
        }
        evaluated.push(rule.id);
        let mut hits = Vec::new();
        (rule.check)(obj, &mut hits);
        findings.extend(hits.into_iter().map(|h| Finding {
            rule: rule.id,
            name: rule.name,
            severity: rule.severity,
            message: h.message,
            span: h.span,
        }));
    }
    findings.sort_by(|a, b| (&a.span, a.rule).cmp(&(&b.span, b.rule)));
    ObjectReport {
        object: obj.display_name(),
        kind: obj.kind.clone(),
        span: obj.start(),
        kubesec: kubesec::score(obj),
        findings,
        evaluated,
    }
}
