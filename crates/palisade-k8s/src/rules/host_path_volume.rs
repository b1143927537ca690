//! K8S-019: any hostPath volume.

use palisade_core::Severity;

use super::{Controls, Docs, Hit, Rule, Target};
use crate::manifest::Object;
use crate::yaml::Node;

pub(super) static RULE: Rule = Rule {
    id: "K8S-019",
    name: "host-path-volume",
    severity: Severity::Medium,
    summary: "pod mounts a hostPath volume",
    target: Target::Workload,
    docs: Docs {
        what: "Flags every `hostPath` volume, whatever the path (K8S-005 flags the sensitive ones at a higher severity).",
        why: "A hostPath ties the pod to its node and exposes the node's filesystem; writable hostPaths are a classic escape route.",
        example: "volumes:\n- name: logs\n  hostPath: {path: /var/log}\n",
        fix: "Use a PersistentVolumeClaim, emptyDir or a CSI volume; if a hostPath is unavoidable, mount it `readOnly`.",
        references: &["https://kubernetes.io/docs/concepts/storage/volumes/#hostpath"],
    },
    controls: Controls {
        cis: &["5.2.12"],
        nist: &["4.5.5"],
        pci: &["2.2.6"],
    },
    check,
};

fn check(obj: &Object, out: &mut Vec<Hit>) {
    let Some(pod) = obj.pod() else { return };
    for vol in pod.spec.get("volumes").map(Node::items).unwrap_or_default() {
        if let Some(hp) = vol.get("hostPath").filter(|h| !h.is_null()) {
            let name = vol.get("name").and_then(Node::str).unwrap_or("");
            let path = hp.get("path").and_then(Node::str).unwrap_or("?");
            out.push(Hit {
                span: obj.span(hp),
                message: format!("volume {name:?} is a hostPath ({path})"),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::check;

    #[test]
    fn flags_host_path() {
        assert_eq!(
            check(
                &RULE,
                "kind: Pod\nspec:\n  volumes:\n  - name: l\n    hostPath:\n      path: /var/log\n"
            ),
            ["6:7 volume \"l\" is a hostPath (/var/log)"]
        );
    }

    #[test]
    fn passes_other_volumes() {
        assert!(
            check(
                &RULE,
                "kind: Pod\nspec:\n  volumes:\n  - name: t\n    emptyDir: {}\n"
            )
            .is_empty()
        );
    }
}
