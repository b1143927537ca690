//! K8S-015: pods sharing the host's network, PID or IPC namespace.

use palisade_core::Severity;

use super::{Controls, Docs, Hit, Rule, Target};
use crate::manifest::Object;

pub(super) static RULE: Rule = Rule {
    id: "K8S-015",
    name: "host-namespaces",
    severity: Severity::High,
    summary: "pod shares a host namespace",
    target: Target::Workload,
    docs: Docs {
        what: "Flags `hostNetwork: true`, `hostPID: true` and `hostIPC: true` in a pod spec, one finding per field.",
        why: "hostNetwork reaches services bound to the node's loopback and sniffs node traffic; hostPID sees and signals every process on the node (and reads their environment); hostIPC reads other processes' shared memory.",
        example: "spec:\n  hostNetwork: true\n",
        fix: "Remove the field; expose ports through a Service instead of the host network.",
        references: &[
            "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline",
        ],
    },
    controls: Controls {
        cis: &["5.2.3", "5.2.4", "5.2.5"],
        nist: &["4.4.3"],
        pci: &["2.2.6"],
    },
    check,
};

fn check(obj: &Object, out: &mut Vec<Hit>) {
    let Some(pod) = obj.pod() else { return };
    for field in ["hostNetwork", "hostPID", "hostIPC"] {
        if let Some(f) = pod.spec.get(field).filter(|f| f.is_true()) {
            out.push(Hit {
                span: obj.span(f),
                message: format!("{}.{field} is true", pod.spec_path),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::check;

    #[test]
    fn flags_each_namespace() {
        assert_eq!(
            check(
                &RULE,
                "kind: Pod\nspec:\n  hostNetwork: true\n  hostPID: true\n  hostIPC: false\n"
            ),
            ["3:16 spec.hostNetwork is true", "4:12 spec.hostPID is true"]
        );
    }

    #[test]
    fn passes_without() {
        assert!(check(&RULE, "kind: Pod\nspec:\n  containers: []\n").is_empty());
    }
}
