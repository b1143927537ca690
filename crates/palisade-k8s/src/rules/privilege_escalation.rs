//! K8S-016: containers that may gain privileges (setuid binaries, file capabilities).

use palisade_core::Severity;

use super::{Controls, Docs, Hit, Rule, Target, describe, each_container};
use crate::manifest::Object;

pub(super) static RULE: Rule = Rule {
    id: "K8S-016",
    name: "privilege-escalation-allowed",
    severity: Severity::Medium,
    summary: "container does not set allowPrivilegeEscalation: false",
    target: Target::Workload,
    docs: Docs {
        what: "Flags containers that do not set `securityContext.allowPrivilegeEscalation: false` (the default is true).",
        why: "Without `no_new_privs` a process can gain privileges through setuid binaries or file capabilities inside the image.",
        example: "containers:\n- name: web\n  image: nginx:1.27\n",
        fix: "Set `allowPrivilegeEscalation: false` on every container.",
        references: &[
            "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted",
        ],
    },
    controls: Controls {
        cis: &["5.2.6"],
        nist: &["4.4.3"],
        pci: &["2.2.6"],
    },
    check,
};

fn check(obj: &Object, out: &mut Vec<Hit>) {
    each_container(obj, |_, c| {
        let field = c.sc("allowPrivilegeEscalation");
        if field.and_then(|f| f.bool()) != Some(false) {
            out.push(Hit {
                span: obj.span(field.unwrap_or(c.node)),
                message: format!(
                    "{} does not set securityContext.allowPrivilegeEscalation: false",
                    describe(c)
                ),
            });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::check;

    #[test]
    fn flags_unset_and_true() {
        assert_eq!(check(&RULE, "kind: Pod\nspec:\n  containers:\n  - name: a\n  - name: b\n    securityContext: {allowPrivilegeEscalation: true}\n").len(), 2);
    }

    #[test]
    fn passes_false() {
        assert!(check(&RULE, "kind: Pod\nspec:\n  containers:\n  - name: a\n    securityContext: {allowPrivilegeEscalation: false}\n").is_empty());
    }
}
