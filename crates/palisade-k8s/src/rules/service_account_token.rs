//! K8S-004: service-account tokens mounted automatically.

use palisade_core::Severity;

use super::{Controls, Docs, Hit, Rule, Target};
use crate::manifest::Object;
use crate::yaml::Node;

pub(super) static RULE: Rule = Rule {
    id: "K8S-004",
    name: "service-account-token-automount",
    severity: Severity::Low,
    summary: "pod mounts its service-account token",
    target: Target::Workload,
    docs: Docs {
        what: "Flags pod specs that do not set `automountServiceAccountToken: false`.",
        why: "Every container then holds a credential for the Kubernetes API; an attacker who gets code execution in the pod can use it to explore or change the cluster.",
        example: "spec:\n  containers:\n  - name: web\n    image: nginx:1.27\n",
        fix: "Set `automountServiceAccountToken: false` in the pod spec (or on the ServiceAccount) unless the workload calls the API.",
        references: &[
            "https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting",
        ],
    },
    controls: Controls {
        cis: &["5.1.6"],
        nist: &["4.3.2"],
        pci: &["7.2.5"],
    },
    check,
};

fn check(obj: &Object, out: &mut Vec<Hit>) {
    let Some(pod) = obj.pod() else { return };
    let field = pod.spec.get("automountServiceAccountToken");
    if field.and_then(Node::bool) == Some(false) {
        return;
    }
    let message = match field {
        Some(_) => {
            "automountServiceAccountToken is true: the service-account token is mounted".to_owned()
        }
        None => format!(
            "{} does not set automountServiceAccountToken: false",
            pod.spec_path
        ),
    };
    out.push(Hit {
        span: obj.span(field.unwrap_or(pod.spec)),
        message,
    });
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::check;

    #[test]
    fn flags_default_and_true() {
        assert_eq!(
            check(&RULE, "kind: Pod\nspec:\n  containers: []\n"),
            ["3:3 spec does not set automountServiceAccountToken: false"]
        );
        assert_eq!(
            check(
                &RULE,
                "kind: Pod\nspec:\n  automountServiceAccountToken: true\n"
            )
            .len(),
            1
        );
    }

    #[test]
    fn passes_false() {
        assert!(
            check(
                &RULE,
                "kind: Pod\nspec:\n  automountServiceAccountToken: false\n"
            )
            .is_empty()
        );
    }
}
