//! palisade's own workload rules: one file per rule, each with its stable id, documentation,
//! compliance controls and check together. [`ALL`] lists them; the rule table and the Markdown
//! reference are generated from it.

use palisade_core::{Severity, Span};

use crate::manifest::{Object, PodTemplate};
use crate::pod::{self, Container};
use crate::yaml::Node;

mod added_capabilities;
mod anonymous_binding;
mod capabilities_not_dropped;
mod default_namespace;
mod host_namespaces;
mod host_path_volume;
mod host_port;
mod image_without_digest;
mod literal_secret_in_env;
mod missing_liveness_probe;
mod missing_readiness_probe;
mod mutable_image_tag;
mod privilege_escalation;
mod privileged_container;
mod resource_limits;
mod root_not_prevented;
mod run_as_uid_zero;
mod seccomp_not_set;
mod sensitive_host_path;
mod service_account_token;
mod writable_root_filesystem;

/// Every rule, in id order.
pub static ALL: [&Rule; 21] = [
    &resource_limits::RULE,
    &mutable_image_tag::RULE,
    &image_without_digest::RULE,
    &service_account_token::RULE,
    &sensitive_host_path::RULE,
    &writable_root_filesystem::RULE,
    &added_capabilities::RULE,
    &run_as_uid_zero::RULE,
    &literal_secret_in_env::RULE,
    &default_namespace::RULE,
    &missing_liveness_probe::RULE,
    &missing_readiness_probe::RULE,
    &anonymous_binding::RULE,
    &privileged_container::RULE,
    &host_namespaces::RULE,
    &privilege_escalation::RULE,
    &root_not_prevented::RULE,
    &capabilities_not_dropped::RULE,
    &host_path_volume::RULE,
    &seccomp_not_set::RULE,
    &host_port::RULE,
];

/// A rule's documentation, in fixed sections.
#[derive(Debug)]
pub struct Docs {
    pub what: &'static str,
    pub why: &'static str,
    pub example: &'static str,
    pub fix: &'static str,
    pub references: &'static [&'static str],
}

/// The controls a rule or check supports in each framework (empty where none applies).
#[derive(Debug, PartialEq, Eq, serde::Serialize)]
pub struct Controls {
    /// CIS Kubernetes Benchmark items (section 5, policies).
    pub cis: &'static [&'static str],
    /// NIST SP 800-190 countermeasure sections.
    pub nist: &'static [&'static str],
    /// PCI DSS v4.0 requirements.
    pub pci: &'static [&'static str],
}

/// Which objects a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Objects that carry a pod template.
    Workload,
    /// Workloads that keep running (not Jobs, CronJobs or run-once Pods).
    Service,
    /// RoleBindings and ClusterRoleBindings.
    Binding,
    /// Workloads and bindings that live in a namespace.
    Namespaced,
}

/// A place in the user's file and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub span: Span,
    pub message: String,
}

/// One rule: identity, documentation, controls and the check.
#[derive(Debug)]
pub struct Rule {
    /// Stable id (`K8S-001`); never reused.
    pub id: &'static str,
    /// Stable kebab-case name.
    pub name: &'static str,
    pub severity: Severity,
    /// One line: what a finding means.
    pub summary: &'static str,
    pub target: Target,
    pub docs: Docs,
    pub controls: Controls,
    pub check: fn(&Object, &mut Vec<Hit>),
}

impl Rule {
    /// Whether the rule looks at this object at all (for pass/fail counts).
    pub fn applies(&self, obj: &Object) -> bool {
        match self.target {
            Target::Workload => obj.pod().is_some(),
            Target::Service => obj.pod().is_some() && runs_continuously(obj),
            Target::Binding => is_binding(obj),
            Target::Namespaced => obj.pod().is_some() || obj.kind == "RoleBinding",
        }
    }

    /// Runs the check on one object.
    pub fn check(&self, obj: &Object) -> Vec<Hit> {
        let mut hits = Vec::new();
        if self.applies(obj) {
            (self.check)(obj, &mut hits);
        }
        hits
    }
}

pub(crate) fn is_binding(obj: &Object) -> bool {
    matches!(obj.kind.as_str(), "RoleBinding" | "ClusterRoleBinding")
}

fn runs_continuously(obj: &Object) -> bool {
    match obj.kind.as_str() {
        "Job" | "CronJob" => false,
        "Pod" => !matches!(
            obj.root.at(&["spec", "restartPolicy"]).and_then(Node::str),
            Some("Never" | "OnFailure")
        ),
        _ => true,
    }
}

/// Calls `f` for every container of the object's pod (init, regular and ephemeral).
pub(crate) fn each_container<'a>(
    obj: &'a Object,
    mut f: impl FnMut(&PodTemplate<'a>, &Container<'a>),
) {
    if let Some(pod) = obj.pod() {
        for c in pod::containers(pod.spec) {
            f(&pod, &c);
        }
    }
}

/// Flags every regular container of the object that sets no `probe` (`livenessProbe`,
/// `readinessProbe`).
pub(crate) fn missing_probe(obj: &Object, probe: &str, out: &mut Vec<Hit>) {
    each_container(obj, |_, c| {
        if c.kind == pod::ContainerKind::Regular && c.node.get(probe).is_none_or(|p| p.is_null()) {
            out.push(Hit {
                span: obj.span(c.node),
                message: format!("{} has no {probe}", describe(c)),
            });
        }
    });
}

/// `container "web"` / `init container "setup"`, for messages.
pub(crate) fn describe(c: &Container<'_>) -> String {
    let kind = match c.kind {
        pod::ContainerKind::Init => "init container",
        pod::ContainerKind::Regular => "container",
        pod::ContainerKind::Ephemeral => "ephemeral container",
    };
    format!("{kind} {:?}", c.name)
}

/// The rule table: id, name, severity, summary.
pub fn table() -> String {
    let mut out = String::from("| id | name | severity | summary |\n|---|---|---|---|\n");
    for r in ALL {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            r.id, r.name, r.severity, r.summary
        ));
    }
    out
}

/// The Markdown reference for every rule, generated from the rule definitions.
pub fn markdown() -> String {
    let mut out = String::from("# Kubernetes workload rules\n\n");
    out.push_str(&table());
    for r in ALL {
        out.push_str(&format!(
            "\n## {} {}\n\nSeverity: {}. Applies to: {}.\n\n### What it does\n\n{}\n\n### Why it matters\n\n{}\n\n### Example\n\n```yaml\n{}```\n\n### Fix\n\n{}\n\n### Compliance\n\n- CIS Kubernetes Benchmark: {}\n- NIST SP 800-190: {}\n- PCI DSS v4.0: {}\n\n### References\n\n",
            r.id,
            r.name,
            r.severity,
            match r.target {
                Target::Workload => "objects with a pod template",
                Target::Service => "long-running workloads (not Jobs, CronJobs or run-once Pods)",
                Target::Binding => "RoleBindings and ClusterRoleBindings",
                Target::Namespaced => "namespaced workloads and RoleBindings",
            },
            r.docs.what,
            r.docs.why,
            r.docs.example,
            r.docs.fix,
            list_or_none(r.controls.cis),
            list_or_none(r.controls.nist),
            list_or_none(r.controls.pci),
        ));
        for link in r.docs.references {
            out.push_str(&format!("- <{link}>\n"));
        }
    }
    out
}

fn list_or_none(items: &[&str]) -> String {
    if items.is_empty() {
        "none applies".into()
    } else {
        items.join(", ")
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use crate::manifest::read_bytes;
    use crate::yaml::Limits;

    use super::Rule;

    /// Runs one rule over a YAML fixture; returns `line:column message` per hit.
    pub fn check(rule: &Rule, yaml: &str) -> Vec<String> {
        let m = read_bytes("fixture.yaml", yaml.as_bytes(), &Limits::default());
        assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
        m.objects
            .iter()
            .flat_map(|o| rule.check(o))
            .map(|h| format!("{}:{} {}", h.span.line, h.span.column, h.message))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_are_unique_and_ordered() {
        for (i, r) in ALL.iter().enumerate() {
            assert_eq!(r.id, format!("K8S-{:03}", i + 1));
            assert!(r.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'));
        }
        let mut names: Vec<_> = ALL.iter().map(|r| r.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
    }

    #[test]
    fn rule_table_snapshot() {
        insta::assert_snapshot!(table());
    }

    #[test]
    fn rule_docs_snapshot() {
        insta::assert_snapshot!(markdown());
    }
}
