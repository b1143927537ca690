//! K8S-017: containers that may run as root because nothing forbids it.

use palisade_core::Severity;

use super::{Controls, Docs, Hit, Rule, Target, describe, each_container};
use crate::manifest::Object;
use crate::pod::pod_sc;
use crate::yaml::Node;

pub(super) static RULE: Rule = Rule {
    id: "K8S-017",
    name: "root-not-prevented",
    severity: Severity::Medium,
    summary: "container may run as root (no runAsNonRoot and no non-zero runAsUser)",
    target: Target::Workload,
    docs: Docs {
        what: "Flags containers whose effective security context (container over pod) neither sets `runAsNonRoot: true` nor a non-zero `runAsUser`. Then the image's USER decides, and most images run as root.",
        why: "Running as root makes every container escape a node compromise; `runAsNonRoot` makes the kubelet refuse an image that would start as UID 0.",
        example: "containers:\n- name: web\n  image: nginx:1.27\n",
        fix: "Set `runAsNonRoot: true` (pod level) and, if the image has no numeric USER, `runAsUser` to a non-zero UID.",
        references: &[
            "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted",
        ],
    },
    controls: Controls {
        cis: &["5.2.7"],
        nist: &["4.4.3"],
        pci: &["2.2.6", "7.2.2"],
    },
    check,
};

fn check(obj: &Object, out: &mut Vec<Hit>) {
    each_container(obj, |pod, c| {
        let effective = |field: &str| c.sc(field).or_else(|| pod_sc(pod.spec, field));
        let non_root = effective("runAsNonRoot").and_then(Node::bool) == Some(true);
        let uid = effective("runAsUser").and_then(Node::int);
        if !non_root && uid.is_none_or(|u| u == 0) {
            let what = if uid == Some(0) {
                "runs as UID 0"
            } else {
                "may run as root: neither runAsNonRoot: true nor a non-zero runAsUser is set"
            };
            out.push(Hit {
                span: obj.span(c.node),
                message: format!("{} {what}", describe(c)),
            });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::check;

    #[test]
    fn flags_unprotected() {
        assert_eq!(
            check(&RULE, "kind: Pod\nspec:\n  containers:\n  - name: a\n").len(),
            1
        );
        assert_eq!(check(&RULE, "kind: Pod\nspec:\n  securityContext: {runAsNonRoot: true}\n  containers:\n  - name: a\n    securityContext: {runAsNonRoot: false}\n").len(), 1);
    }

    #[test]
    fn passes_pod_level_settings() {
        assert!(check(&RULE, "kind: Pod\nspec:\n  securityContext: {runAsNonRoot: true}\n  containers:\n  - name: a\n").is_empty());
        assert!(check(&RULE, "kind: Pod\nspec:\n  securityContext: {runAsUser: 1000}\n  containers:\n  - name: a\n").is_empty());
    }
}
