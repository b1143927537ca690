//! K8S-009: secrets written literally into environment variables.

use palisade_core::Severity;

use super::{Controls, Docs, Hit, Rule, Target, describe, each_container};
use crate::manifest::Object;
use crate::yaml::Node;

pub(super) static RULE: Rule = Rule {
    id: "K8S-009",
    name: "literal-secret-in-env",
    severity: Severity::High,
    summary: "secret value written literally in an environment variable",
    target: Target::Workload,
    docs: Docs {
        what: "Flags `env[].value` entries whose name says they hold a secret (PASSWORD, SECRET, TOKEN, API_KEY, PRIVATE_KEY, ACCESS_KEY, CREDENTIAL, …) or whose value looks like a well-known credential (AWS access key id, private key block, GitHub or Slack token). References such as `$(OTHER_VAR)` and empty values are not flagged.",
        why: "The manifest lives in git, CI logs and `kubectl get -o yaml` output; anyone who can read the Deployment can read the secret.",
        example: "env:\n- name: DB_PASSWORD\n  value: hunter2\n",
        fix: "Store the value in a Secret (or an external secret store) and use `valueFrom.secretKeyRef`, better a mounted file.",
        references: &[
            "https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables",
        ],
    },
    controls: Controls {
        cis: &["5.4.1"],
        nist: &["4.1.4"],
        pci: &["8.6.2"],
    },
    check,
};

const NAME_WORDS: [&str; 10] = [
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "ACCESS_KEY",
    "CREDENTIAL",
    "AUTH_KEY",
];

/// Why a literal value looks like a credential, if it does.
fn looks_like_credential(value: &str) -> Option<&'static str> {
    let v = value.trim();
    if v.contains("-----BEGIN") && v.contains("PRIVATE KEY") {
        return Some("a private key");
    }
    let alnum_upper = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    };
    if v.len() == 20 && (v.starts_with("AKIA") || v.starts_with("ASIA")) && alnum_upper(v) {
        return Some("an AWS access key id");
    }
    if [
        "ghp_",
        "gho_",
        "ghs_",
        "github_pat_",
        "glpat-",
        "xoxb-",
        "xoxp-",
        "xoxa-",
    ]
    .iter()
    .any(|p| v.starts_with(p))
        && v.len() >= 20
    {
        return Some("an access token");
    }
    None
}

fn check(obj: &Object, out: &mut Vec<Hit>) {
    each_container(obj, |_, c| {
        for var in c.node.get("env").map(Node::items).unwrap_or_default() {
            let Some(name) = var.get("name").and_then(Node::str) else {
                continue;
            };
            let Some(value_node) = var.get("value") else {
                continue;
            };
            let Some(value) = value_node.str().filter(|v| !v.trim().is_empty()) else {
                continue;
            };
            let reference = value.starts_with("$(") && value.ends_with(')');
            let upper = name.to_ascii_uppercase();
            let by_name = !reference
                && NAME_WORDS.iter().any(|w| upper.contains(w))
                && !upper.ends_with("_FILE")
                && !upper.ends_with("_PATH");
            let why = looks_like_credential(value)
                .map(str::to_owned)
                .or_else(|| by_name.then(|| format!("the name {name} says it is a secret")));
            if let Some(why) = why {
                out.push(Hit {
                    span: obj.span(value_node),
                    message: format!("{} sets {name} to a literal value ({why})", describe(c)),
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
    fn flags_literal_secrets() {
        let hits = check(
            &RULE,
            "kind: Pod\nspec:\n  containers:\n  - name: a\n    env:\n    - name: DB_PASSWORD\n      value: hunter2\n    - name: KEY_ID\n      value: AKIAABCDEFGHIJKLMNOP\n",
        );
        assert_eq!(
            hits,
            [
                "7:14 container \"a\" sets DB_PASSWORD to a literal value (the name DB_PASSWORD says it is a secret)",
                "9:14 container \"a\" sets KEY_ID to a literal value (an AWS access key id)"
            ]
        );
    }

    #[test]
    fn passes_references() {
        let yaml = "kind: Pod\nspec:\n  containers:\n  - name: a\n    env:\n    - name: DB_PASSWORD\n      valueFrom: {secretKeyRef: {name: db, key: pw}}\n    - name: TOKEN_FILE\n      value: /var/run/token\n    - name: API_TOKEN\n      value: $(OTHER)\n    - name: PASSWORD\n      value: \"\"\n";
        assert!(check(&RULE, yaml).is_empty());
    }
}
