//! K8S-008: pods or containers that set runAsUser: 0.

use palisade_core::Severity;

use super::{Controls, Docs, Hit, Rule, Target, describe, each_container};
use crate::manifest::Object;
use crate::pod::pod_sc;

pub(super) static RULE: Rule = Rule {
    id: "K8S-008",
    name: "run-as-uid-zero",
    severity: Severity::High,
    summary: "pod or container runs as UID 0",
    target: Target::Workload,
    docs: Docs {
        what: "Flags `securityContext.runAsUser: 0` at pod or container level.",
        why: "Root in the container is root on the host's kernel; with any escape (a kernel bug, a hostPath, a capability) it is root on the node.",
        example: "securityContext:\n  runAsUser: 0\n",
        fix: "Run as a non-zero UID and set `runAsNonRoot: true`.",
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
    let Some(pod) = obj.pod() else { return };
    if let Some(uid) = pod_sc(pod.spec, "runAsUser").filter(|u| u.int() == Some(0)) {
        out.push(Hit {
            span: obj.span(uid),
            message: "pod securityContext sets runAsUser: 0".into(),
        });
    }
    each_container(obj, |_, c| {
        if let Some(uid) = c.sc("runAsUser").filter(|u| u.int() == Some(0)) {
            out.push(Hit {
                span: obj.span(uid),
                message: format!("{} sets runAsUser: 0", describe(c)),
            });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::check;

    #[test]
    fn flags_zero() {
        assert_eq!(check(&RULE, "kind: Pod\nspec:\n  securityContext: {runAsUser: 0}\n  containers:\n  - name: a\n    securityContext: {runAsUser: 0}\n").len(), 2);
    }

    #[test]
    fn passes_non_zero() {
        assert!(check(&RULE, "kind: Pod\nspec:\n  securityContext: {runAsUser: 1000}\n  containers:\n  - name: a\n").is_empty());
    }
}
