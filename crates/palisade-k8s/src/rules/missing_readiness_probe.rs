//! K8S-012: long-running containers without a readiness probe.

use palisade_core::Severity;

use super::{Controls, Docs, Hit, Rule, Target, missing_probe};
use crate::manifest::Object;

pub(super) static RULE: Rule = Rule {
    id: "K8S-012",
    name: "missing-readiness-probe",
    severity: Severity::Low,
    summary: "container has no readiness probe",
    target: Target::Service,
    docs: Docs {
        what: "Flags regular containers of long-running workloads (not Jobs, CronJobs or Pods with restartPolicy Never/OnFailure) that set no `readinessProbe`.",
        why: "Without a readiness probe traffic is sent to pods that are still starting or already failing, and rollouts cannot tell a broken version from a good one.",
        example: "containers:\n- name: web\n  image: nginx:1.27\n",
        fix: "Add a `readinessProbe` (httpGet, tcpSocket, grpc or exec) that reflects the application's health.",
        references: &[
            "https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/",
        ],
    },
    controls: Controls {
        cis: &[],
        nist: &[],
        pci: &[],
    },
    check,
};

fn check(obj: &Object, out: &mut Vec<Hit>) {
    missing_probe(obj, "readinessProbe", out);
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::check;

    #[test]
    fn flags_missing_probe() {
        assert_eq!(
            check(
                &RULE,
                "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n"
            ),
            ["6:9 container \"a\" has no readinessProbe"]
        );
    }

    #[test]
    fn passes_probe_and_jobs() {
        assert!(check(&RULE, "kind: Pod\nspec:\n  containers:\n  - name: a\n    readinessProbe: {tcpSocket: {port: 80}}\n").is_empty());
        assert!(
            check(
                &RULE,
                "kind: Job\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n"
            )
            .is_empty()
        );
    }
}
