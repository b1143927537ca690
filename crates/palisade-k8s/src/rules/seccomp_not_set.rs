//! K8S-020: containers without a seccomp profile.

use palisade_core::Severity;

use super::{Controls, Docs, Hit, Rule, Target, describe, each_container};
use crate::manifest::Object;
use crate::pod::pod_sc;
use crate::yaml::Node;

pub(super) static RULE: Rule = Rule {
    id: "K8S-020",
    name: "seccomp-not-set",
    severity: Severity::Low,
    summary: "container runs without a RuntimeDefault or Localhost seccomp profile",
    target: Target::Workload,
    docs: Docs {
        what: "Flags containers whose effective `securityContext.seccompProfile.type` (container over pod) is unset or `Unconfined`.",
        why: "Without seccomp every system call of the kernel is reachable, including the rarely used ones most kernel exploits go through.",
        example: "spec:\n  containers:\n  - name: web\n    image: nginx:1.27\n",
        fix: "Set `securityContext.seccompProfile.type: RuntimeDefault` at pod level.",
        references: &["https://kubernetes.io/docs/tutorials/security/seccomp/"],
    },
    controls: Controls {
        cis: &["5.7.2"],
        nist: &["4.4.3"],
        pci: &["2.2.6"],
    },
    check,
};

fn check(obj: &Object, out: &mut Vec<Hit>) {
    each_container(obj, |pod, c| {
        let profile = c
            .sc("seccompProfile")
            .or_else(|| pod_sc(pod.spec, "seccompProfile"));
        let kind = profile.and_then(|p| p.get("type")).and_then(Node::str);
        if !matches!(kind, Some("RuntimeDefault" | "Localhost")) {
            let what = kind.map_or_else(
                || "sets no seccomp profile".to_owned(),
                |k| format!("uses seccomp profile {k}"),
            );
            out.push(Hit {
                span: obj.span(profile.unwrap_or(c.node)),
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
    fn flags_unset_and_unconfined() {
        assert_eq!(check(&RULE, "kind: Pod\nspec:\n  securityContext: {seccompProfile: {type: RuntimeDefault}}\n  containers:\n  - name: a\n    securityContext: {seccompProfile: {type: Unconfined}}\n  - name: b\n").len(), 1);
        assert_eq!(
            check(&RULE, "kind: Pod\nspec:\n  containers:\n  - name: a\n").len(),
            1
        );
    }

    #[test]
    fn passes_pod_default() {
        assert!(check(&RULE, "kind: Pod\nspec:\n  securityContext: {seccompProfile: {type: RuntimeDefault}}\n  containers:\n  - name: a\n").is_empty());
    }
}
