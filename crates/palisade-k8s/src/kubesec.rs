//! kubesec's rule set and scoring, and its JSON report shape.
//!
//! Each rule counts the containers (or fields) that match. A rule with negative points that
//! matches is *critical* and subtracts its points once per object; a rule with positive points that
//! matches is *passed* and adds them once; a positive rule that does not match is *advise*. Rules
//! apply to Pod, Deployment, StatefulSet and DaemonSet (the volume-claim rules to StatefulSet
//! only); other kinds get "This resource kind is not supported by kubesec", as kubesec says.

use serde::Serialize;

use crate::manifest::Object;
use crate::pod::{self, Container};
use crate::yaml::Node;

/// One kubesec rule.
#[derive(Debug)]
pub struct KubesecRule {
    pub id: &'static str,
    pub selector: &'static str,
    pub reason: &'static str,
    pub points: i64,
    /// Ordering weight of advice (kubesec lists the most valuable advice first).
    pub advise: i64,
    statefulset_only: bool,
    count: fn(&Ctx<'_>) -> usize,
}

/// What a rule sees: the pod spec, its metadata, the object root, and the containers.
struct Ctx<'a> {
    root: &'a Node,
    spec: &'a Node,
    meta: Option<&'a Node>,
    containers: Vec<Container<'a>>,
}

impl Ctx<'_> {
    fn count_containers(&self, f: impl Fn(&Container<'_>) -> bool) -> usize {
        self.containers.iter().filter(|c| f(c)).count()
    }

    fn annotation(&self, key: &str) -> Option<&str> {
        self.meta
            .and_then(|m| m.at(&["annotations", key]))
            .and_then(Node::str)
    }
}

fn sc_true(c: &Container<'_>, field: &str) -> bool {
    c.sc(field).is_some_and(Node::is_true)
}

fn caps(c: &Container<'_>, list: &str, name: &str) -> bool {
    c.capabilities(list).any(|n| n.str() == Some(name))
}

fn pod_flag(ctx: &Ctx<'_>, field: &str) -> usize {
    usize::from(ctx.spec.get(field).is_some_and(Node::is_true))
}

macro_rules! rule {
    ($id:literal, $sel:literal, $reason:literal, $points:literal, $advise:literal, $count:expr) => {
        KubesecRule {
            id: $id,
            selector: $sel,
            reason: $reason,
            points: $points,
            advise: $advise,
            statefulset_only: false,
            count: $count,
        }
    };
}

/// kubesec's rules, in its order.
pub static RULES: [KubesecRule; 23] = [
    rule!(
        "HostNetwork",
        ".spec .hostNetwork == true",
        "Sharing the host's network namespace permits processes in the pod to communicate with processes bound to the host's loopback adapter",
        -9,
        0,
        |c| pod_flag(c, "hostNetwork")
    ),
    rule!(
        "HostPID",
        ".spec .hostPID == true",
        "Sharing the host's PID namespace allows visibility of processes on the host, potentially leaking information such as environment variables and configuration",
        -9,
        0,
        |c| pod_flag(c, "hostPID")
    ),
    rule!(
        "HostIPC",
        ".spec .hostIPC == true",
        "Sharing the host's IPC namespace allows container processes to communicate with processes on the host",
        -9,
        0,
        |c| pod_flag(c, "hostIPC")
    ),
    rule!(
        "ReadOnlyRootFilesystem",
        "containers[] .securityContext .readOnlyRootFilesystem == true",
        "An immutable root filesystem can prevent malicious binaries being added to PATH and increase attack cost",
        1,
        3,
        |c| c.count_containers(|k| sc_true(k, "readOnlyRootFilesystem"))
    ),
    rule!(
        "RunAsNonRoot",
        "containers[] .securityContext .runAsNonRoot == true",
        "Force the running image to run as a non-root user to ensure least privilege",
        1,
        10,
        |c| c.count_containers(|k| sc_true(k, "runAsNonRoot"))
    ),
    rule!(
        "RunAsUser",
        "containers[] .securityContext .runAsUser -gt 10000",
        "Run as a high-UID user to avoid conflicts with the host's user table",
        1,
        4,
        |c| c.count_containers(|k| k
            .sc("runAsUser")
            .and_then(Node::int)
            .is_some_and(|u| u > 10000))
    ),
    rule!(
        "Privileged",
        "containers[] .securityContext .privileged == true",
        "Privileged containers can allow almost completely unrestricted host access",
        -30,
        0,
        |c| c.count_containers(|k| sc_true(k, "privileged"))
    ),
    rule!(
        "CapSysAdmin",
        "containers[] .securityContext .capabilities .add == SYS_ADMIN",
        "CAP_SYS_ADMIN is the most privileged capability and should always be avoided",
        -30,
        0,
        |c| c.count_containers(|k| caps(k, "add", "SYS_ADMIN"))
    ),
    rule!(
        "CapDropAny",
        "containers[] .securityContext .capabilities .drop",
        "Reducing kernel capabilities available to a container limits its attack surface",
        1,
        0,
        |c| c.count_containers(|k| k.capabilities("drop").next().is_some())
    ),
    rule!(
        "CapDropAll",
        "containers[] .securityContext .capabilities .drop | index(\"ALL\")",
        "Drop all capabilities and add only those required to reduce syscall attack surface",
        1,
        0,
        |c| c.count_containers(|k| caps(k, "drop", "ALL"))
    ),
    rule!(
        "DockerSock",
        "volumes[] .hostPath .path == /var/run/docker.sock",
        "Mounting the docker.socket leaks information about other containers and can allow container breakout",
        -9,
        0,
        |c| c
            .spec
            .get("volumes")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter(
                |v| v.at(&["hostPath", "path"]).and_then(Node::str) == Some("/var/run/docker.sock")
            )
            .count()
    ),
    rule!(
        "RequestsCPU",
        "containers[] .resources .requests .cpu",
        "Enforcing CPU requests aids a fair balancing of resources across the cluster",
        1,
        0,
        |c| c.count_containers(|k| k.node.at(&["resources", "requests", "cpu"]).is_some())
    ),
    rule!(
        "LimitsCPU",
        "containers[] .resources .limits .cpu",
        "Enforcing CPU limits prevents DOS via resource exhaustion",
        1,
        0,
        |c| c.count_containers(|k| k.node.at(&["resources", "limits", "cpu"]).is_some())
    ),
    rule!(
        "RequestsMemory",
        "containers[] .resources .requests .memory",
        "Enforcing memory requests aids a fair balancing of resources across the cluster",
        1,
        0,
        |c| c.count_containers(|k| k.node.at(&["resources", "requests", "memory"]).is_some())
    ),
    rule!(
        "LimitsMemory",
        "containers[] .resources .limits .memory",
        "Enforcing memory limits prevents DOS via resource exhaustion",
        1,
        0,
        |c| c.count_containers(|k| k.node.at(&["resources", "limits", "memory"]).is_some())
    ),
    rule!(
        "ServiceAccountName",
        ".spec .serviceAccountName",
        "Service accounts restrict Kubernetes API access and should be configured with least privilege",
        3,
        0,
        |c| usize::from(
            c.spec
                .get("serviceAccountName")
                .and_then(Node::str)
                .is_some()
        )
    ),
    rule!(
        "HostAliases",
        ".spec .hostAliases",
        "Managing /etc/hosts aliases can prevent the container from modifying the file after a pod's containers have already been started. DNS should be managed by the orchestrator",
        -3,
        0,
        |c| usize::from(c.spec.get("hostAliases").is_some_and(|h| !h.is_null()))
    ),
    rule!(
        "SeccompAny",
        ".metadata .annotations .\"container.seccomp.security.alpha.kubernetes.io/pod\"",
        "Seccomp profiles set minimum privilege and secure against unknown threats",
        1,
        0,
        |c| usize::from(
            c.annotation("container.seccomp.security.alpha.kubernetes.io/pod")
                .is_some()
        )
    ),
    rule!(
        "SeccompUnconfined",
        ".metadata .annotations .\"container.seccomp.security.alpha.kubernetes.io/pod\"",
        "Unconfined Seccomp profiles have full system call access",
        -1,
        0,
        |c| usize::from(
            c.annotation("container.seccomp.security.alpha.kubernetes.io/pod")
                == Some("unconfined")
        )
    ),
    rule!(
        "ApparmorAny",
        ".metadata .annotations .\"container.apparmor.security.beta.kubernetes.io/nginx\"",
        "Well defined AppArmor policies may provide greater protection from unknown threats. WARNING: NOT PRODUCTION READY",
        3,
        0,
        |c| c
            .meta
            .and_then(|m| m.get("annotations"))
            .map(Node::entries)
            .unwrap_or_default()
            .iter()
            .filter(|(k, _)| k
                .str()
                .is_some_and(|k| k.starts_with("container.apparmor.security.beta.kubernetes.io/")))
            .count()
    ),
    KubesecRule {
        id: "VolumeClaimAccessModeReadWriteOnce",
        selector: ".spec .volumeClaimTemplates[] .spec .accessModes | index(\"ReadWriteOnce\")",
        reason: "",
        points: 1,
        advise: 0,
        statefulset_only: true,
        count: |c| {
            c.root
                .at(&["spec", "volumeClaimTemplates"])
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .filter(|t| {
                    t.at(&["spec", "accessModes"])
                        .map(Node::items)
                        .unwrap_or_default()
                        .iter()
                        .any(|m| m.str() == Some("ReadWriteOnce"))
                })
                .count()
        },
    },
    KubesecRule {
        id: "VolumeClaimRequestsStorage",
        selector: ".spec .volumeClaimTemplates[] .spec .resources .requests .storage",
        reason: "",
        points: 1,
        advise: 0,
        statefulset_only: true,
        count: |c| {
            c.root
                .at(&["spec", "volumeClaimTemplates"])
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .filter(|t| {
                    t.at(&["spec", "resources", "requests", "storage"])
                        .is_some()
                })
                .count()
        },
    },
    rule!(
        "AllowPrivilegeEscalation",
        "containers[] .securityContext .allowPrivilegeEscalation == true",
        "",
        -7,
        0,
        |c| c.count_containers(|k| sc_true(k, "allowPrivilegeEscalation"))
    ),
];

const KINDS: [&str; 4] = ["Pod", "Deployment", "StatefulSet", "DaemonSet"];

/// One rule's entry in a report.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RuleRef {
    pub id: &'static str,
    pub selector: &'static str,
    pub reason: &'static str,
    pub points: i64,
}

/// The scoring of one object.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Scoring {
    pub critical: Vec<RuleRef>,
    pub passed: Vec<RuleRef>,
    pub advise: Vec<RuleRef>,
}

/// kubesec's report for one object.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct KubesecReport {
    pub object: String,
    pub valid: bool,
    #[serde(rename = "fileName")]
    pub file_name: String,
    pub message: String,
    pub score: i64,
    pub scoring: Scoring,
}

/// Scores one object.
pub fn score(obj: &Object) -> KubesecReport {
    let mut report = KubesecReport {
        object: obj.display_name(),
        valid: true,
        file_name: obj.file.to_string(),
        message: String::new(),
        score: 0,
        scoring: Scoring::default(),
    };
    let pod = obj.pod().filter(|_| KINDS.contains(&obj.kind.as_str()));
    let Some(pod) = pod else {
        report.message = "This resource kind is not supported by kubesec".into();
        return report;
    };
    let ctx = Ctx {
        root: &obj.root,
        spec: pod.spec,
        meta: pod.metadata,
        containers: pod::containers(pod.spec)
            .into_iter()
            .filter(|c| c.kind != pod::ContainerKind::Ephemeral)
            .collect(),
    };
    let mut advise = Vec::new();
    for rule in &RULES {
        if rule.statefulset_only && obj.kind != "StatefulSet" {
            continue;
        }
        let r = RuleRef {
            id: rule.id,
            selector: rule.selector,
            reason: rule.reason,
            points: rule.points,
        };
        if (rule.count)(&ctx) > 0 {
            report.score += rule.points;
            if rule.points < 0 {
                report.scoring.critical.push(r);
            } else {
                report.scoring.passed.push(r);
            }
        } else if rule.points >= 0 {
            advise.push((rule.advise, r));
        }
    }
    // Most valuable advice first; critical findings worst first.
    advise.sort_by_key(|(weight, r)| (-weight, -r.points));
    report.scoring.advise = advise.into_iter().map(|(_, r)| r).collect();
    report.scoring.critical.sort_by_key(|r| r.points);
    report.message = if report.score >= 0 {
        format!("Passed with a score of {} points", report.score)
    } else {
        format!("Failed with a score of {} points", report.score)
    };
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::read_bytes;
    use crate::yaml::Limits;

    fn run(yaml: &str) -> KubesecReport {
        let m = read_bytes("k.yaml", yaml.as_bytes(), &Limits::default());
        score(&m.objects[0])
    }

    #[test]
    fn critical_rules_subtract_once_per_object() {
        let r = run(
            "kind: Pod\nmetadata: {name: p}\nspec:\n  hostNetwork: true\n  containers:\n  - {name: a, securityContext: {privileged: true}}\n  - {name: b, securityContext: {privileged: true}}\n",
        );
        assert_eq!(r.score, -39);
        assert_eq!(r.message, "Failed with a score of -39 points");
        let ids: Vec<_> = r.scoring.critical.iter().map(|c| c.id).collect();
        assert_eq!(ids, ["Privileged", "HostNetwork"]);
        assert_eq!(r.object, "Pod/p.default");
    }

    #[test]
    fn advisory_rules_add() {
        let r = run(
            "kind: Deployment\nmetadata: {name: d, namespace: x}\nspec:\n  template:\n    spec:\n      serviceAccountName: sa\n      containers:\n      - name: a\n        securityContext: {runAsNonRoot: true, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}\n        resources: {limits: {cpu: 1, memory: 1Gi}, requests: {cpu: 1, memory: 1Gi}}\n",
        );
        assert_eq!(r.score, 3 + 1 + 1 + 1 + 1 + 4);
        assert_eq!(r.scoring.advise[0].id, "RunAsUser");
    }

    #[test]
    fn unsupported_kinds_say_so() {
        let r = run("kind: Service\nmetadata: {name: s}\n");
        assert_eq!(r.message, "This resource kind is not supported by kubesec");
        assert_eq!(r.score, 0);
    }
}
