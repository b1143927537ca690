//! K8S-001: containers without CPU and memory limits.

use palisade_core::Severity;

use super::{Controls, Docs, Hit, Rule, Target, describe, each_container};
use crate::manifest::Object;
use crate::pod::ContainerKind;

pub(super) static RULE: Rule = Rule {
    id: "K8S-001",
    name: "resource-limits",
    severity: Severity::Medium,
    summary: "container has no CPU or memory limit",
    target: Target::Workload,
    docs: Docs {
        what: "Flags each init or regular container that does not set both `resources.limits.cpu` and `resources.limits.memory`.",
        why: "A container without limits can take all CPU or memory of its node: one compromised or buggy pod starves its neighbours, and memory exhaustion makes the kernel kill other workloads.",
        example: "containers:\n- name: web\n  image: nginx:1.27\n  resources:\n    requests: {cpu: 100m}\n",
        fix: "Set `resources.limits.cpu` and `resources.limits.memory` on every container (or a LimitRange in the namespace).",
        references: &[
            "https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/",
        ],
    },
    controls: Controls {
        cis: &[],
        nist: &["4.4.3"],
        pci: &["2.2.6"],
    },
    check,
};

fn check(obj: &Object, out: &mut Vec<Hit>) {
    each_container(obj, |_, c| {
        if c.kind == ContainerKind::Ephemeral {
            return;
        }
        let limits = c.node.at(&["resources", "limits"]);
        let missing: Vec<&str> = ["cpu", "memory"]
            .into_iter()
            .filter(|r| limits.and_then(|l| l.get(r)).is_none_or(|v| v.is_null()))
            .collect();
        if !missing.is_empty() {
            let at = c.node.get("resources").unwrap_or(c.node);
            out.push(Hit {
                span: obj.span(at),
                message: format!("{} sets no {} limit", describe(c), missing.join(" or ")),
            });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::check;

    #[test]
    fn flags_missing_limits() {
        let hits = check(
            &RULE,
            "kind: Pod\nspec:\n  containers:\n  - name: a\n    image: x\n  - name: b\n    image: x\n    resources:\n      limits: {cpu: 1}\n",
        );
        assert_eq!(
            hits,
            [
                "4:5 container \"a\" sets no cpu or memory limit",
                "9:7 container \"b\" sets no memory limit"
            ]
        );
    }

    #[test]
    fn passes_with_limits() {
        assert!(check(&RULE, "kind: Pod\nspec:\n  containers:\n  - name: a\n    resources:\n      limits: {cpu: 1, memory: 1Gi}\n").is_empty());
    }
}
