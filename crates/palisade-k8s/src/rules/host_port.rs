//! K8S-021: containers binding host ports.

use palisade_core::Severity;

use super::{Controls, Docs, Hit, Rule, Target, describe, each_container};
use crate::manifest::Object;
use crate::yaml::Node;

pub(super) static RULE: Rule = Rule {
    id: "K8S-021",
    name: "host-port",
    severity: Severity::Medium,
    summary: "container binds a port on the node",
    target: Target::Workload,
    docs: Docs {
        what: "Flags `ports[].hostPort` set to a non-zero port.",
        why: "A host port bypasses network policies and Services, exposes the pod on every address of the node and limits scheduling.",
        example: "ports:\n- containerPort: 8080\n  hostPort: 8080\n",
        fix: "Expose the pod through a Service (ClusterIP, NodePort or LoadBalancer) instead.",
        references: &["https://kubernetes.io/docs/concepts/configuration/overview/#services"],
    },
    controls: Controls {
        cis: &["5.2.13"],
        nist: &["4.4.2"],
        pci: &["1.2.5"],
    },
    check,
};

fn check(obj: &Object, out: &mut Vec<Hit>) {
    each_container(obj, |_, c| {
        for port in c.node.get("ports").map(Node::items).unwrap_or_default() {
            if let Some(hp) = port
                .get("hostPort")
                .filter(|p| p.int().is_some_and(|n| n != 0))
            {
                out.push(Hit {
                    span: obj.span(hp),
                    message: format!("{} binds host port {}", describe(c), hp.int().unwrap_or(0)),
                });
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::check;

    #[test]
    fn flags_host_port() {
        assert_eq!(
            check(
                &RULE,
                "kind: Pod\nspec:\n  containers:\n  - name: a\n    ports:\n    - {containerPort: 80, hostPort: 80}\n"
            ),
            ["6:37 container \"a\" binds host port 80"]
        );
    }

    #[test]
    fn passes_container_ports() {
        assert!(check(&RULE, "kind: Pod\nspec:\n  containers:\n  - name: a\n    ports:\n    - {containerPort: 80}\n").is_empty());
    }
}
