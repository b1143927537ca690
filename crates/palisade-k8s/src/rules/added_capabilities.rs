//! K8S-007: containers that add Linux capabilities.

use palisade_core::Severity;

use super::{Controls, Docs, Hit, Rule, Target, describe, each_container};
use crate::manifest::Object;

pub(super) static RULE: Rule = Rule {
    id: "K8S-007",
    name: "added-capabilities",
    severity: Severity::High,
    summary: "container adds Linux capabilities",
    target: Target::Workload,
    docs: Docs {
        what: "Flags every capability in `securityContext.capabilities.add` other than `NET_BIND_SERVICE`, naming the dangerous ones (SYS_ADMIN, NET_RAW, NET_ADMIN, SYS_PTRACE, SYS_MODULE, BPF, ALL, …).",
        why: "Capabilities are slices of root. SYS_ADMIN is nearly all of it; NET_RAW allows spoofing and ARP poisoning on the node network; SYS_PTRACE reads other processes' memory.",
        example: "securityContext:\n  capabilities:\n    add: [SYS_ADMIN]\n",
        fix: "Drop `ALL` and add back only `NET_BIND_SERVICE` if the process binds a port below 1024.",
        references: &["https://man7.org/linux/man-pages/man7/capabilities.7.html"],
    },
    controls: Controls {
        cis: &["5.2.8", "5.2.9"],
        nist: &["4.4.3"],
        pci: &["2.2.6"],
    },
    check,
};

const DANGEROUS: [&str; 14] = [
    "ALL",
    "SYS_ADMIN",
    "NET_RAW",
    "NET_ADMIN",
    "SYS_PTRACE",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_BOOT",
    "DAC_READ_SEARCH",
    "BPF",
    "PERFMON",
    "SYS_TIME",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
];

/// A capability name without the `CAP_` prefix, upper-cased.
pub(crate) fn normalize(cap: &str) -> String {
    let up = cap.to_ascii_uppercase();
    up.strip_prefix("CAP_").map(str::to_owned).unwrap_or(up)
}

fn check(obj: &Object, out: &mut Vec<Hit>) {
    each_container(obj, |_, c| {
        for cap in c.capabilities("add") {
            let Some(name) = cap.str().map(normalize) else {
                continue;
            };
            if name == "NET_BIND_SERVICE" {
                continue;
            }
            let note = if DANGEROUS.contains(&name.as_str()) {
                " (dangerous)"
            } else {
                ""
            };
            out.push(Hit {
                span: obj.span(cap),
                message: format!("{} adds capability {name}{note}", describe(c)),
            });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::check;

    #[test]
    fn flags_added() {
        let hits = check(
            &RULE,
            "kind: Pod\nspec:\n  containers:\n  - name: a\n    securityContext:\n      capabilities:\n        add: [NET_BIND_SERVICE, CAP_SYS_ADMIN, CHOWN]\n",
        );
        assert_eq!(
            hits,
            [
                "7:33 container \"a\" adds capability SYS_ADMIN (dangerous)",
                "7:48 container \"a\" adds capability CHOWN"
            ]
        );
    }

    #[test]
    fn passes_net_bind_only() {
        assert!(check(&RULE, "kind: Pod\nspec:\n  containers:\n  - name: a\n    securityContext: {capabilities: {add: [NET_BIND_SERVICE], drop: [ALL]}}\n").is_empty());
    }
}
