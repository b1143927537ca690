//! K8S-018: containers that keep the runtime's default capabilities.

use palisade_core::Severity;

use super::added_capabilities::normalize;
use super::{Controls, Docs, Hit, Rule, Target, describe, each_container};
use crate::manifest::Object;

pub(super) static RULE: Rule = Rule {
    id: "K8S-018",
    name: "capabilities-not-dropped",
    severity: Severity::Low,
    summary: "container does not drop ALL capabilities",
    target: Target::Workload,
    docs: Docs {
        what: "Flags containers whose `securityContext.capabilities.drop` does not contain `ALL`.",
        why: "Runtimes grant a default set (CHOWN, DAC_OVERRIDE, NET_RAW, SETUID, …) that most applications never use; NET_RAW alone allows spoofing on the node network.",
        example: "containers:\n- name: web\n  image: nginx:1.27\n",
        fix: "Set `capabilities: {drop: [ALL]}` and add back only what the process needs.",
        references: &[
            "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted",
        ],
    },
    controls: Controls {
        cis: &["5.2.8", "5.2.10"],
        nist: &["4.4.3"],
        pci: &["2.2.6"],
    },
    check,
};

fn check(obj: &Object, out: &mut Vec<Hit>) {
    each_container(obj, |_, c| {
        if !c
            .capabilities("drop")
            .any(|d| d.str().map(normalize).as_deref() == Some("ALL"))
        {
            let at = c
                .node
                .at(&["securityContext", "capabilities"])
                .unwrap_or(c.node);
            out.push(Hit {
                span: obj.span(at),
                message: format!("{} does not drop ALL capabilities", describe(c)),
            });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::check;

    #[test]
    fn flags_partial_drop() {
        assert_eq!(
            check(
                &RULE,
                "kind: Pod\nspec:\n  containers:\n  - name: a\n    securityContext: {capabilities: {drop: [NET_RAW]}}\n"
            ),
            ["5:37 container \"a\" does not drop ALL capabilities"]
        );
    }

    #[test]
    fn passes_drop_all() {
        assert!(check(&RULE, "kind: Pod\nspec:\n  containers:\n  - name: a\n    securityContext: {capabilities: {drop: [all]}}\n").is_empty());
    }
}
