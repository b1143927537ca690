//! K8S-013: role bindings granting rights to anonymous or unauthenticated users.

use palisade_core::Severity;

use super::{Controls, Docs, Hit, Rule, Target};
use crate::manifest::Object;
use crate::yaml::Node;

pub(super) static RULE: Rule = Rule {
    id: "K8S-013",
    name: "anonymous-binding",
    severity: Severity::Critical,
    summary: "binding grants a role to system:anonymous or system:unauthenticated",
    target: Target::Binding,
    docs: Docs {
        what: "Flags RoleBindings and ClusterRoleBindings with a subject `system:anonymous` (User) or `system:unauthenticated` (Group).",
        why: "Anyone who can reach the API server gets the bound role without credentials; this is how clusters get mined and wiped.",
        example: "subjects:\n- kind: Group\n  name: system:unauthenticated\n",
        fix: "Remove the subject; bind the role to authenticated identities only.",
        references: &[
            "https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles",
        ],
    },
    controls: Controls {
        cis: &["5.1.1"],
        nist: &["4.3.1", "4.3.2"],
        pci: &["7.2.1", "8.2.1"],
    },
    check,
};

fn check(obj: &Object, out: &mut Vec<Hit>) {
    for subject in obj
        .root
        .get("subjects")
        .map(Node::items)
        .unwrap_or_default()
    {
        let Some(name_node) = subject.get("name") else {
            continue;
        };
        let name = name_node.str().unwrap_or("");
        if matches!(name, "system:anonymous" | "system:unauthenticated") {
            let role = obj
                .root
                .at(&["roleRef", "name"])
                .and_then(Node::str)
                .unwrap_or("?");
            out.push(Hit {
                span: obj.span(name_node),
                message: format!("{} {:?} grants role {role:?} to {name}", obj.kind, obj.name),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::check;

    #[test]
    fn flags_anonymous() {
        let yaml = "kind: ClusterRoleBinding\nmetadata: {name: open}\nroleRef: {kind: ClusterRole, name: view}\nsubjects:\n- kind: Group\n  name: system:unauthenticated\n";
        assert_eq!(
            check(&RULE, yaml),
            ["6:9 ClusterRoleBinding \"open\" grants role \"view\" to system:unauthenticated"]
        );
    }

    #[test]
    fn passes_named_users() {
        assert!(
            check(
                &RULE,
                "kind: RoleBinding\nsubjects:\n- {kind: User, name: alice}\n"
            )
            .is_empty()
        );
    }
}
