//! K8S-006: containers with a writable root filesystem.

use palisade_core::Severity;

use super::{Controls, Docs, Hit, Rule, Target, describe, each_container};
use crate::manifest::Object;
use crate::pod::ContainerKind;

pub(super) static RULE: Rule = Rule {
    id: "K8S-006",
    name: "writable-root-filesystem",
    severity: Severity::Medium,
    summary: "container root filesystem is writable",
    target: Target::Workload,
    docs: Docs {
        what: "Flags init and regular containers that do not set `securityContext.readOnlyRootFilesystem: true`.",
        why: "A writable root filesystem lets an intruder drop tools and binaries and modify the application; a read-only one makes persistence costly.",
        example: "containers:\n- name: web\n  image: nginx:1.27\n",
        fix: "Set `readOnlyRootFilesystem: true` and mount an `emptyDir` where the application must write.",
        references: &["https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"],
    },
    controls: Controls {
        cis: &["5.7.3"],
        nist: &["4.4.4", "4.5.5"],
        pci: &["2.2.6"],
    },
    check,
};

fn check(obj: &Object, out: &mut Vec<Hit>) {
    each_container(obj, |_, c| {
        if c.kind == ContainerKind::Ephemeral {
            return;
        }
        let field = c.sc("readOnlyRootFilesystem");
        if field.is_some_and(|f| f.is_true()) {
            return;
        }
        out.push(Hit {
            span: obj.span(field.unwrap_or(c.node)),
            message: format!(
                "{} does not set securityContext.readOnlyRootFilesystem: true",
                describe(c)
            ),
        });
    });
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::check;

    #[test]
    fn flags_unset_and_false() {
        let hits = check(
            &RULE,
            "kind: Pod\nspec:\n  containers:\n  - name: a\n  - name: b\n    securityContext:\n      readOnlyRootFilesystem: false\n",
        );
        assert_eq!(
            hits,
            [
                "4:5 container \"a\" does not set securityContext.readOnlyRootFilesystem: true",
                "7:31 container \"b\" does not set securityContext.readOnlyRootFilesystem: true"
            ]
        );
    }

    #[test]
    fn passes_true() {
        assert!(check(&RULE, "kind: Pod\nspec:\n  containers:\n  - name: a\n    securityContext: {readOnlyRootFilesystem: true}\n").is_empty());
    }
}
