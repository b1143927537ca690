//! K8S-014: privileged containers.

use palisade_core::Severity;

use super::{Controls, Docs, Hit, Rule, Target, describe, each_container};
use crate::manifest::Object;

pub(super) static RULE: Rule = Rule {
    id: "K8S-014",
    name: "privileged-container",
    severity: Severity::Critical,
    summary: "container runs privileged",
    target: Target::Workload,
    docs: Docs {
        what: "Flags containers with `securityContext.privileged: true`.",
        why: "A privileged container has every capability, every device and no seccomp or AppArmor confinement: it is root on the node.",
        example: "securityContext:\n  privileged: true\n",
        fix: "Remove `privileged: true`; grant the single capability or device the workload needs.",
        references: &[
            "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline",
        ],
    },
    controls: Controls {
        cis: &["5.2.2"],
        nist: &["4.4.3", "4.5.5"],
        pci: &["2.2.6"],
    },
    check,
};

fn check(obj: &Object, out: &mut Vec<Hit>) {
    each_container(obj, |_, c| {
        if let Some(f) = c.sc("privileged").filter(|f| f.is_true()) {
            out.push(Hit {
                span: obj.span(f),
                message: format!("{} is privileged", describe(c)),
            });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::check;

    #[test]
    fn flags_privileged() {
        assert_eq!(
            check(
                &RULE,
                "kind: Pod\nspec:\n  initContainers:\n  - name: i\n    securityContext: {privileged: true}\n"
            ),
            ["5:35 init container \"i\" is privileged"]
        );
    }

    #[test]
    fn passes_unprivileged() {
        assert!(check(&RULE, "kind: Pod\nspec:\n  containers:\n  - name: a\n    securityContext: {privileged: false}\n").is_empty());
    }
}
