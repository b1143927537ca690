//! K8S-011: long-running containers without a liveness probe.

use palisade_core::Severity;

use super::{Controls, Docs, Hit, Rule, Target, missing_probe};
use crate::manifest::Object;

pub(super) static RULE: Rule = Rule {
    id: "K8S-011",
    name: "missing-liveness-probe",
    severity: Severity::Low,
    summary: "container has no liveness probe",
    target: Target::Service,
    docs: Docs {
        what: "Flags regular containers of long-running workloads (not Jobs, CronJobs or Pods with restartPolicy Never/OnFailure) that set no `livenessProbe`.",
        why: "Without a liveness probe a hung process keeps its pod: the service degrades silently and a wedged, possibly compromised, process is never restarted.",
        example: "containers:\n- name: web\n  image: nginx:1.27\n",
        fix: "Add a `livenessProbe` (httpGet, tcpSocket, grpc or exec) that reflects the application's health.",
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
    missing_probe(obj, "livenessProbe", out);
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
            ["6:9 container \"a\" has no livenessProbe"]
        );
    }

    #[test]
    fn passes_probe_and_jobs() {
        assert!(check(&RULE, "kind: Pod\nspec:\n  containers:\n  - name: a\n    livenessProbe: {tcpSocket: {port: 80}}\n").is_empty());
        assert!(
            check(
                &RULE,
                "kind: Job\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n"
            )
            .is_empty()
        );
    }
}
