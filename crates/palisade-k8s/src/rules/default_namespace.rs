//! K8S-010: objects in the default namespace.

use palisade_core::Severity;

use super::{Controls, Docs, Hit, Rule, Target};
use crate::manifest::Object;

pub(super) static RULE: Rule = Rule {
    id: "K8S-010",
    name: "default-namespace",
    severity: Severity::Low,
    summary: "object is placed in the default namespace",
    target: Target::Namespaced,
    docs: Docs {
        what: "Flags workloads and RoleBindings with `metadata.namespace: default`, or with no namespace (they land wherever the current kubectl context points, usually `default`).",
        why: "Namespaces are the unit of policy: Pod Security labels, network policies, quotas and RBAC. Everything in `default` shares one undifferentiated boundary.",
        example: "metadata:\n  name: web\n  namespace: default\n",
        fix: "Create a namespace per application or team and set `metadata.namespace`.",
        references: &[
            "https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/",
        ],
    },
    controls: Controls {
        cis: &["5.7.1", "5.7.4"],
        nist: &["4.3.4"],
        pci: &[],
    },
    check,
};

fn check(obj: &Object, out: &mut Vec<Hit>) {
    let ns = obj.root.at(&["metadata", "namespace"]);
    match ns.and_then(|n| n.str()) {
        Some("default") => out.push(Hit {
            span: obj.span(ns.unwrap_or(&obj.root)),
            message: format!("{} is in the default namespace", obj.kind),
        }),
        Some(_) => {}
        None => {
            let at = obj.root.get("metadata").unwrap_or(&obj.root);
            out.push(Hit {
                span: obj.span(at),
                message: format!(
                    "{} sets no namespace (lands in the current context's, usually default)",
                    obj.kind
                ),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::check;

    #[test]
    fn flags_default_and_missing() {
        assert_eq!(
            check(
                &RULE,
                "kind: Pod\nmetadata:\n  namespace: default\nspec: {containers: []}\n"
            ),
            ["3:14 Pod is in the default namespace"]
        );
        assert_eq!(
            check(
                &RULE,
                "kind: Pod\nmetadata:\n  name: x\nspec: {containers: []}\n"
            )
            .len(),
            1
        );
    }

    #[test]
    fn passes_named_namespace_and_cluster_objects() {
        assert!(
            check(
                &RULE,
                "kind: Pod\nmetadata:\n  namespace: shop\nspec: {containers: []}\n"
            )
            .is_empty()
        );
        assert!(check(&RULE, "kind: ClusterRoleBinding\nmetadata:\n  name: x\n").is_empty());
    }
}
