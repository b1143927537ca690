//! kubesec's rule set and scoring, and its JSON report shape.
//!
//! Follows kubesec's current rules (v2): 30 rules, each with kubesec's id, selector text, reason,
//! points and the kinds it applies to. A rule counts the places that match; a rule with negative
//! points that matches is *critical* and subtracts its points once per object, a rule with
//! positive points that matches is *passed* and adds them once, a positive rule that does not
//! match is *advise*. Each list is ordered the way kubesec orders it: by points (highest first
//! for positive points, lowest first for negative) and then by selector text. An object whose
//! kind no rule applies to gets "This resource kind is not supported by kubesec".
//!
//! Where kubesec reads the pod: `spec` of a Pod and `spec.template.spec` of every other kind
//! (a CronJob's pod template is not found there, as in kubesec). Container rules read the init,
//! regular and ephemeral containers; the rules whose setting also exists in the pod
//! `securityContext` let a container that leaves it unset inherit a pod-level value, and a
//! container that sets it overrides the pod. Types are JSON's: `"true"` in quotes is a string,
//! not a boolean, and counts as unset. Seccomp and AppArmor are read from the `seccompProfile`
//! and `appArmorProfile` fields only; kubesec no longer reads their annotations.

use std::cmp::Ordering;

use serde::Serialize;

use crate::manifest::Object;
use crate::pod::{self, Container, ContainerKind};
use crate::yaml::Node;

/// One kubesec rule.
#[derive(Debug)]
pub struct KubesecRule {
    pub id: &'static str,
    pub selector: &'static str,
    pub reason: &'static str,
    pub points: i64,
    /// The kinds the rule applies to.
    pub kinds: &'static [&'static str],
    count: fn(&Ctx<'_>) -> usize,
}

impl KubesecRule {
    fn reference(&self) -> RuleRef {
        RuleRef {
            id: self.id,
            selector: self.selector,
            reason: self.reason,
            points: self.points,
        }
    }
}

const WORKLOADS: &[&str] = &["Pod", "Deployment", "StatefulSet", "DaemonSet"];
const STATEFULSET: &[&str] = &["StatefulSet"];
const SECRET_ENV_KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "CronJob",
];
const BINDINGS: &[&str] = &["RoleBinding", "ClusterRoleBinding"];

/// What a rule sees: the object root, the pod spec where kubesec looks for it, and that spec's
/// init, regular and ephemeral containers.
struct Ctx<'a> {
    root: &'a Node,
    spec: Option<&'a Node>,
    containers: Vec<Container<'a>>,
}

impl<'a> Ctx<'a> {
    fn new(obj: &'a Object) -> Self {
        let path: &[&str] = if obj.kind == "Pod" {
            &["spec"]
        } else {
            &["spec", "template", "spec"]
        };
        let spec = obj.root.at(path);
        Ctx {
            root: &obj.root,
            spec,
            containers: spec.map(pod::containers).unwrap_or_default(),
        }
    }

    fn spec_field(&self, field: &str) -> Option<&'a Node> {
        self.spec.and_then(|s| s.get(field))
    }

    /// The entries of `containers` only (not init or ephemeral containers).
    fn regular(&self) -> impl Iterator<Item = &Container<'a>> {
        self.containers
            .iter()
            .filter(|c| c.kind == ContainerKind::Regular)
    }
}

/// How one `securityContext` states a setting: `None` when the setting is unset (absent, null or
/// of another JSON type), else whether it is what the rule looks for.
type Check = fn(Option<&Node>) -> Option<bool>;

/// Counts the init, regular and ephemeral containers whose `securityContext` satisfies `check`.
/// With `pod_level`, a container that leaves the setting unset counts when the pod's
/// `securityContext` satisfies it; a container's own value always takes precedence.
fn count_security_context(ctx: &Ctx<'_>, pod_level: bool, check: Check) -> usize {
    let pod_valid = pod_level && check(ctx.spec_field("securityContext")) == Some(true);
    ctx.containers
        .iter()
        .filter(|c| check(c.node.get("securityContext")).unwrap_or(pod_valid))
        .count()
}

/// A field of a `securityContext`.
fn sc_field<'a>(sc: Option<&'a Node>, path: &[&str]) -> Option<&'a Node> {
    sc.and_then(|s| s.at(path))
}

/// A JSON boolean (a plain YAML scalar Kubernetes reads as a boolean).
fn json_bool(node: Option<&Node>) -> Option<bool> {
    node.and_then(Node::bool)
}

/// A JSON number.
fn json_number(node: Option<&Node>) -> Option<f64> {
    node.and_then(|n| n.to_json().as_f64())
}

/// A JSON string.
fn json_string(node: Option<&Node>) -> Option<String> {
    match node.map(Node::to_json) {
        Some(serde_json::Value::String(s)) => Some(s),
        _ => None,
    }
}

/// A node rendered the way Go prints a decoded JSON value with `%v` (`[a b]`, `map[k:v]` with
/// sorted keys, `<nil>`): several kubesec rules match text in that rendering.
fn render(node: &Node) -> String {
    fn go(value: &serde_json::Value, out: &mut String) {
        use serde_json::Value as J;
        match value {
            J::Null => out.push_str("<nil>"),
            J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            J::Number(n) => out.push_str(&n.to_string()),
            J::String(s) => out.push_str(s),
            J::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    go(item, out);
                }
                out.push(']');
            }
            J::Object(map) => {
                let mut entries: Vec<_> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                out.push_str("map[");
                for (i, (k, v)) in entries.into_iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    out.push_str(k);
                    out.push(':');
                    go(v, out);
                }
                out.push(']');
            }
        }
    }
    let mut out = String::new();
    go(&node.to_json(), &mut out);
    out
}

/// Whether a pod spec field is the JSON boolean `value`.
fn spec_flag(ctx: &Ctx<'_>, field: &str, value: bool) -> usize {
    usize::from(json_bool(ctx.spec_field(field)) == Some(value))
}

/// Whether a pod spec field is present and not null.
fn spec_present(ctx: &Ctx<'_>, field: &str) -> usize {
    usize::from(ctx.spec_field(field).is_some_and(|n| !n.is_null()))
}

/// Counts regular containers that have `resources.<list>.<resource>` (even null).
fn count_resource(ctx: &Ctx<'_>, list: &str, resource: &str) -> usize {
    ctx.regular()
        .filter(|c| c.node.at(&["resources", list, resource]).is_some())
        .count()
}

/// 1 when a `hostPath.path` of a pod volume contains `needle` as text.
fn host_path_contains(ctx: &Ctx<'_>, needle: &str) -> usize {
    let volumes = ctx
        .spec_field("volumes")
        .map(Node::items)
        .unwrap_or_default();
    usize::from(volumes.iter().any(|v| {
        v.at(&["hostPath", "path"])
            .is_some_and(|p| render(p).contains(needle))
    }))
}

/// HostNetwork: the pod spec's `hostNetwork` is the boolean `true`.
fn host_network(c: &Ctx<'_>) -> usize {
    spec_flag(c, "hostNetwork", true)
}

/// HostPID: the pod spec's `hostPID` is the boolean `true`.
fn host_pid(c: &Ctx<'_>) -> usize {
    spec_flag(c, "hostPID", true)
}

/// HostIPC: the pod spec's `hostIPC` is the boolean `true`.
fn host_ipc(c: &Ctx<'_>) -> usize {
    spec_flag(c, "hostIPC", true)
}

/// ReadOnlyRootFilesystem: containers with `readOnlyRootFilesystem: true`. Not read from the pod
/// `securityContext`, which has no such field.
fn read_only_root_filesystem(c: &Ctx<'_>) -> usize {
    count_security_context(c, false, |sc| {
        json_bool(sc_field(sc, &["readOnlyRootFilesystem"]))
    })
}

/// RunAsNonRoot: containers with `runAsNonRoot: true`, or unset under a pod that sets it.
fn run_as_non_root(c: &Ctx<'_>) -> usize {
    count_security_context(c, true, |sc| json_bool(sc_field(sc, &["runAsNonRoot"])))
}

/// RunAsUser: containers whose `runAsUser` is a number above 10000, or unset under a pod whose is.
/// A quoted number is a string to kubesec, so unset.
fn run_as_user(c: &Ctx<'_>) -> usize {
    count_security_context(c, true, |sc| {
        json_number(sc_field(sc, &["runAsUser"])).map(|u| u > 10000.0)
    })
}

/// RunAsGroup: as RunAsUser, for `runAsGroup`.
fn run_as_group(c: &Ctx<'_>) -> usize {
    count_security_context(c, true, |sc| {
        json_number(sc_field(sc, &["runAsGroup"])).map(|g| g > 10000.0)
    })
}

/// Privileged: containers with `privileged: true` (not a pod-level field).
fn privileged(c: &Ctx<'_>) -> usize {
    count_security_context(c, false, |sc| json_bool(sc_field(sc, &["privileged"])))
}

/// CapSysAdmin: containers whose `capabilities.add` contains the text `SYS_ADMIN`. Follows
/// kubesec's text match on the printed list: case-sensitive, and a longer name containing
/// `SYS_ADMIN` matches too.
fn cap_sys_admin(c: &Ctx<'_>) -> usize {
    count_security_context(c, false, |sc| {
        sc_field(sc, &["capabilities", "add"])
            .filter(|n| !n.is_null())
            .map(|n| render(n).contains("SYS_ADMIN"))
    })
}

/// CapDropAny: containers whose `capabilities.drop` is a non-empty list with no null in it.
fn cap_drop_any(c: &Ctx<'_>) -> usize {
    count_security_context(c, false, |sc| {
        sc_field(sc, &["capabilities", "drop"])
            .filter(|n| n.to_json().is_array())
            .map(|n| !n.items().is_empty() && !render(n).contains("<nil>"))
    })
}

/// CapDropAll: containers whose `capabilities.drop` contains the text `ALL` in any case. Follows
/// kubesec's text match on the printed list, so `all` and a name containing `ALL` match too.
fn cap_drop_all(c: &Ctx<'_>) -> usize {
    count_security_context(c, false, |sc| {
        sc_field(sc, &["capabilities", "drop"])
            .filter(|n| !n.is_null())
            .map(|n| render(n).to_uppercase().contains("ALL"))
    })
}

/// DockerSock: a `hostPath` volume whose path contains `/var/run/docker.sock` (kubesec matches
/// text, so `/var/run/docker.sock.d` matches and `/run/docker.sock` does not). Counts once.
fn docker_sock(c: &Ctx<'_>) -> usize {
    host_path_contains(c, "/var/run/docker.sock")
}

/// ProcMount: a `hostPath` volume whose path contains `/proc` anywhere (kubesec matches text, so
/// `/host/proc` and `/process` match too). Counts once.
fn proc_mount(c: &Ctx<'_>) -> usize {
    host_path_contains(c, "/proc")
}

/// RequestsCPU: regular containers with `resources.requests.cpu`; kubesec reads neither init nor
/// ephemeral containers for the resource rules.
fn requests_cpu(c: &Ctx<'_>) -> usize {
    count_resource(c, "requests", "cpu")
}

/// LimitsCPU: regular containers with `resources.limits.cpu`.
fn limits_cpu(c: &Ctx<'_>) -> usize {
    count_resource(c, "limits", "cpu")
}

/// RequestsMemory: regular containers with `resources.requests.memory`.
fn requests_memory(c: &Ctx<'_>) -> usize {
    count_resource(c, "requests", "memory")
}

/// LimitsMemory: regular containers with `resources.limits.memory`.
fn limits_memory(c: &Ctx<'_>) -> usize {
    count_resource(c, "limits", "memory")
}

/// ServiceAccountName: the pod spec has a non-null `serviceAccountName`. Follows kubesec, whose
/// filter on the value has no effect: an empty name passes too.
fn service_account_name(c: &Ctx<'_>) -> usize {
    spec_present(c, "serviceAccountName")
}

/// HostAliases: the pod spec has a non-null `hostAliases`, even an empty list.
fn host_aliases(c: &Ctx<'_>) -> usize {
    spec_present(c, "hostAliases")
}

/// `seccompProfile.type` (or `appArmorProfile.type`) as a string, compared with `Unconfined`.
fn profile_type(sc: Option<&Node>, profile: &str, unconfined: bool) -> Option<bool> {
    json_string(sc_field(sc, &[profile, "type"])).map(|t| (t == "Unconfined") == unconfined)
}

/// SeccompAny: containers whose `seccompProfile.type` is set to anything but `Unconfined`, or
/// unset under a pod whose is. The `seccomp.security.alpha.kubernetes.io` annotations are not
/// read, as in kubesec.
fn seccomp_any(c: &Ctx<'_>) -> usize {
    count_security_context(c, true, |sc| profile_type(sc, "seccompProfile", false))
}

/// SeccompUnconfined: containers whose `seccompProfile.type` is `Unconfined`, or unset under a
/// pod whose is.
fn seccomp_unconfined(c: &Ctx<'_>) -> usize {
    count_security_context(c, true, |sc| profile_type(sc, "seccompProfile", true))
}

/// ApparmorAny: containers whose `appArmorProfile.type` is set to anything but `Unconfined`, or
/// unset under a pod whose is. The `container.apparmor.security.beta.kubernetes.io` annotations
/// are not read, as in kubesec.
fn apparmor_any(c: &Ctx<'_>) -> usize {
    count_security_context(c, true, |sc| profile_type(sc, "appArmorProfile", false))
}

/// ApparmorUnconfined: containers whose `appArmorProfile.type` is `Unconfined`, or unset under a
/// pod whose is.
fn apparmor_unconfined(c: &Ctx<'_>) -> usize {
    count_security_context(c, true, |sc| profile_type(sc, "appArmorProfile", true))
}

/// The StatefulSet's `volumeClaimTemplates` that have a `spec`.
fn claim_templates<'a>(c: &Ctx<'a>) -> Vec<&'a Node> {
    c.root
        .at(&["spec", "volumeClaimTemplates"])
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter(|t| t.get("spec").is_some())
        .collect()
}

/// VolumeClaimAccessModeReadWriteOnce: passes when there is no claim template with a `spec`;
/// otherwise counts once when a template's `accessModes` is exactly `[ReadWriteOnce]` (kubesec
/// matches the printed list, so a list with a second mode does not pass).
fn volume_claim_read_write_once(c: &Ctx<'_>) -> usize {
    let templates = claim_templates(c);
    if templates.is_empty() {
        return 1;
    }
    usize::from(templates.iter().any(|t| {
        t.at(&["spec", "accessModes"])
            .is_some_and(|m| render(m).starts_with("[ReadWriteOnce]"))
    }))
}

/// VolumeClaimRequestsStorage: passes when there is no claim template with a `spec`; otherwise
/// counts the templates with `resources.requests.storage`.
fn volume_claim_requests_storage(c: &Ctx<'_>) -> usize {
    let templates = claim_templates(c);
    if templates.is_empty() {
        return 1;
    }
    templates
        .iter()
        .filter(|t| {
            t.at(&["spec", "resources", "requests", "storage"])
                .is_some()
        })
        .count()
}

/// AllowPrivilegeEscalation: containers with `allowPrivilegeEscalation: true` (not a pod-level
/// field). Unset does not count, although Kubernetes defaults it to true.
fn allow_privilege_escalation(c: &Ctx<'_>) -> usize {
    count_security_context(c, false, |sc| {
        json_bool(sc_field(sc, &["allowPrivilegeEscalation"]))
    })
}

/// AutomountServiceAccountToken: the pod spec's `automountServiceAccountToken` is the boolean
/// `false`; the ServiceAccount's own setting is not consulted.
fn automount_service_account_token(c: &Ctx<'_>) -> usize {
    spec_flag(c, "automountServiceAccountToken", false)
}

/// HostUsers: the pod spec's `hostUsers` is the boolean `false` (unset means true).
fn host_users(c: &Ctx<'_>) -> usize {
    spec_flag(c, "hostUsers", false)
}

/// SecretsAsEnvironmentVariables: init, regular and ephemeral containers with an `env` entry whose
/// `valueFrom.secretKeyRef` is not null or an `envFrom` entry whose `secretRef` is not null. It
/// applies to ReplicaSets, Jobs and CronJobs as well, but kubesec looks for a CronJob's pod at
/// `spec.template.spec`, so a CronJob never matches.
fn secrets_as_environment_variables(c: &Ctx<'_>) -> usize {
    let set = |n: Option<&Node>| n.is_some_and(|n| !n.is_null());
    c.containers
        .iter()
        .filter(|k| {
            let env = k.node.get("env").map(Node::items).unwrap_or_default();
            let env_from = k.node.get("envFrom").map(Node::items).unwrap_or_default();
            env.iter()
                .any(|e| set(e.at(&["valueFrom", "secretKeyRef"])))
                || env_from.iter().any(|e| set(e.get("secretRef")))
        })
        .count()
}

/// BindingsToSystemAnonymous: a subject whose `name` contains `system:anonymous` (kubesec matches
/// text, whatever the subject's kind). Counts once.
fn bindings_to_system_anonymous(c: &Ctx<'_>) -> usize {
    let subjects = c.root.get("subjects").map(Node::items).unwrap_or_default();
    usize::from(subjects.iter().any(|s| {
        s.get("name")
            .is_some_and(|n| render(n).contains("system:anonymous"))
    }))
}

macro_rules! rule {
    ($id:literal, $sel:literal, $reason:literal, $points:literal, $kinds:expr, $count:expr) => {
        KubesecRule {
            id: $id,
            selector: $sel,
            reason: $reason,
            points: $points,
            kinds: $kinds,
            count: $count,
        }
    };
}

/// kubesec's rules, in its order.
pub static RULES: [KubesecRule; 30] = [
    rule!(
        "HostNetwork",
        ".spec .hostNetwork == true",
        "Sharing the host's network namespace permits processes in the pod to communicate with processes bound to the host's loopback adapter",
        -9,
        WORKLOADS,
        host_network
    ),
    rule!(
        "HostPID",
        ".spec .hostPID == true",
        "Sharing the host's PID namespace allows visibility of processes on the host, potentially leaking information such as environment variables and configuration",
        -9,
        WORKLOADS,
        host_pid
    ),
    rule!(
        "HostIPC",
        ".spec .hostIPC == true",
        "Sharing the host's IPC namespace allows container processes to communicate with processes on the host",
        -9,
        WORKLOADS,
        host_ipc
    ),
    rule!(
        "ReadOnlyRootFilesystem",
        "containers[] .securityContext .readOnlyRootFilesystem == true",
        "An immutable root filesystem can prevent malicious binaries being added to PATH and increase attack cost",
        1,
        WORKLOADS,
        read_only_root_filesystem
    ),
    rule!(
        "RunAsNonRoot",
        ".spec, .spec.containers[] | .securityContext .runAsNonRoot == true",
        "Force the running image to run as a non-root user to ensure least privilege",
        1,
        WORKLOADS,
        run_as_non_root
    ),
    rule!(
        "RunAsUser",
        ".spec, .spec.containers[] | .securityContext .runAsUser -gt 10000",
        "Run as a high-UID user to avoid conflicts with the host's users",
        1,
        WORKLOADS,
        run_as_user
    ),
    rule!(
        "RunAsGroup",
        ".spec, .spec.containers[] | .securityContext .runAsGroup -gt 10000",
        "Run as a high-UID group to avoid conflicts with the host's groups",
        1,
        WORKLOADS,
        run_as_group
    ),
    rule!(
        "Privileged",
        "containers[] .securityContext .privileged == true",
        "Privileged containers can allow almost completely unrestricted host access",
        -30,
        WORKLOADS,
        privileged
    ),
    rule!(
        "CapSysAdmin",
        "containers[] .securityContext .capabilities .add == SYS_ADMIN",
        "CAP_SYS_ADMIN is the most privileged capability and should always be avoided",
        -30,
        WORKLOADS,
        cap_sys_admin
    ),
    rule!(
        "CapDropAny",
        "containers[] .securityContext .capabilities .drop",
        "Reducing kernel capabilities available to a container limits its attack surface",
        1,
        WORKLOADS,
        cap_drop_any
    ),
    rule!(
        "CapDropAll",
        "containers[] .securityContext .capabilities .drop | index(\"ALL\")",
        "Drop all capabilities and add only those required to reduce syscall attack surface",
        1,
        WORKLOADS,
        cap_drop_all
    ),
    rule!(
        "DockerSock",
        "volumes[] .hostPath .path == /var/run/docker.sock",
        "Mounting the docker.socket leaks information about other containers and can allow container breakout",
        -9,
        WORKLOADS,
        docker_sock
    ),
    rule!(
        "ProcMount",
        "volumes[] .hostPath .path == /proc",
        "Mounting the proc directory from the host system into a container gives access to information about other containers running on the same host and can allow container breakout",
        -9,
        WORKLOADS,
        proc_mount
    ),
    rule!(
        "RequestsCPU",
        "containers[] .resources .requests .cpu",
        "Enforcing CPU requests aids a fair balancing of resources across the cluster",
        1,
        WORKLOADS,
        requests_cpu
    ),
    rule!(
        "LimitsCPU",
        "containers[] .resources .limits .cpu",
        "Enforcing CPU limits prevents DOS via resource exhaustion",
        1,
        WORKLOADS,
        limits_cpu
    ),
    rule!(
        "RequestsMemory",
        "containers[] .resources .requests .memory",
        "Enforcing memory requests aids a fair balancing of resources across the cluster",
        1,
        WORKLOADS,
        requests_memory
    ),
    rule!(
        "LimitsMemory",
        "containers[] .resources .limits .memory",
        "Enforcing memory limits prevents DOS via resource exhaustion",
        1,
        WORKLOADS,
        limits_memory
    ),
    rule!(
        "ServiceAccountName",
        ".spec .serviceAccountName",
        "Service accounts restrict Kubernetes API access and should be configured with least privilege",
        3,
        WORKLOADS,
        service_account_name
    ),
    rule!(
        "HostAliases",
        ".spec .hostAliases",
        "Managing /etc/hosts aliases can prevent the container from modifying the file after a pod's containers have already been started. DNS should be managed by the orchestrator",
        -3,
        WORKLOADS,
        host_aliases
    ),
    rule!(
        "SeccompAny",
        ".spec .securityContext .seccompProfile .type | .spec .containers[] .securityContext .seccompProfile .type | .spec .initContainers[] .securityContext .seccompProfile .type | .spec .ephemeralContainers[] .securityContext .seccompProfile .type",
        "Seccomp profiles set minimum privilege and secure against unknown threats",
        1,
        WORKLOADS,
        seccomp_any
    ),
    rule!(
        "SeccompUnconfined",
        ".spec .securityContext .seccompProfile .type | .spec .containers[] .securityContext .seccompProfile .type | .spec .initContainers[] .securityContext .seccompProfile .type | .spec .ephemeralContainers[] .securityContext .seccompProfile .type",
        "Unconfined Seccomp profiles have full system call access",
        -1,
        WORKLOADS,
        seccomp_unconfined
    ),
    rule!(
        "ApparmorAny",
        ".spec .securityContext .appArmorProfile .type | .spec .containers[] .securityContext .appArmorProfile .type | .spec .initContainers[] .securityContext .appArmorProfile .type | .spec .ephemeralContainers[] .securityContext .appArmorProfile .type",
        "Well defined AppArmor policies may provide greater protection from unknown threats.",
        3,
        WORKLOADS,
        apparmor_any
    ),
    rule!(
        "ApparmorUnconfined",
        ".spec .securityContext .appArmorProfile .type | .spec .containers[] .securityContext .appArmorProfile .type | .spec .initContainers[] .securityContext .appArmorProfile .type | .spec .ephemeralContainers[] .securityContext .appArmorProfile .type",
        "Unconfined AppArmor profiles disable AppArmor enforcement on the workloads",
        -1,
        WORKLOADS,
        apparmor_unconfined
    ),
    rule!(
        "VolumeClaimAccessModeReadWriteOnce",
        ".spec .volumeClaimTemplates[] .spec .accessModes | index(\"ReadWriteOnce\")",
        "Setting the access mode of ReadWriteOnce on volumeClaimTemplates (if any exist) allows only one node to mount the persistentVolume",
        1,
        STATEFULSET,
        volume_claim_read_write_once
    ),
    rule!(
        "VolumeClaimRequestsStorage",
        ".spec .volumeClaimTemplates[] .spec .resources .requests .storage",
        "Setting a storage request on volumeClaimTemplates (if any exist) allows for the StatefulSet's PVCs to be bound to appropriately sized PVs.",
        1,
        STATEFULSET,
        volume_claim_requests_storage
    ),
    rule!(
        "AllowPrivilegeEscalation",
        "containers[] .securityContext .allowPrivilegeEscalation == true",
        "Ensure a non-root process can not gain more privileges",
        -7,
        WORKLOADS,
        allow_privilege_escalation
    ),
    rule!(
        "AutomountServiceAccountToken",
        ".spec .automountServiceAccountToken == false",
        "Disabling the automounting of Service Account Token reduces the attack surface of the API server",
        1,
        WORKLOADS,
        automount_service_account_token
    ),
    rule!(
        "HostUsers",
        ".spec .hostUsers == false",
        "A user namespace for a Pod is enabled by setting the hostUsers field of Pod .spec, which can prevent various attacks",
        1,
        WORKLOADS,
        host_users
    ),
    rule!(
        "SecretsAsEnvironmentVariables",
        ".spec .containers[] .env[] .valueFrom .secretKeyRef | .spec .initContainers[] .env[] .valueFrom .secretKeyRef | .spec .ephemeralContainers[] .env[] .valueFrom .secretKeyRef | .spec .containers[] .envFrom[] .secretRef | .spec .initContainers[] .envFrom[] .secretRef | .spec .ephemeralContainers[] .envFrom[] .secretRef",
        "Secrets passed as environment variables can be easily exposed through application logs, crash dumps, and system process inspection",
        -5,
        SECRET_ENV_KINDS,
        secrets_as_environment_variables
    ),
    rule!(
        "BindingsToSystemAnonymous",
        ".subjects[] .name == \"system:anonymous\"",
        "Binding a Role or a ClusterRole to user system:anonymous gives any unauthenticated user the permissions granted by that role",
        -30,
        BINDINGS,
        bindings_to_system_anonymous
    ),
];

/// One rule's entry in a report.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RuleRef {
    pub id: &'static str,
    pub selector: &'static str,
    pub reason: &'static str,
    pub points: i64,
}

/// The scoring of one object. Empty lists are left out of the JSON, as kubesec leaves them out.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Scoring {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub critical: Vec<RuleRef>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub passed: Vec<RuleRef>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub advise: Vec<RuleRef>,
}

/// kubesec's report for one object.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct KubesecReport {
    pub object: String,
    pub valid: bool,
    #[serde(rename = "fileName")]
    pub file_name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    pub score: i64,
    pub scoring: Scoring,
}

/// kubesec's order within each list: by points, the highest first when either is positive and
/// the lowest first otherwise, then by selector text.
fn kubesec_order(a: &RuleRef, b: &RuleRef) -> Ordering {
    if a.points == b.points {
        a.selector.cmp(b.selector)
    } else if a.points > 0 || b.points > 0 {
        b.points.cmp(&a.points)
    } else {
        a.points.cmp(&b.points)
    }
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
    let ctx = Ctx::new(obj);
    let mut applied = 0;
    for rule in RULES
        .iter()
        .filter(|r| r.kinds.contains(&obj.kind.as_str()))
    {
        applied += 1;
        let r = rule.reference();
        if (rule.count)(&ctx) > 0 {
            report.score += rule.points;
            if rule.points >= 0 {
                report.scoring.passed.push(r);
            } else {
                report.scoring.critical.push(r);
            }
        } else if rule.points >= 0 {
            report.scoring.advise.push(r);
        }
    }
    let s = &mut report.scoring;
    for list in [&mut s.critical, &mut s.passed, &mut s.advise] {
        list.sort_by(kubesec_order);
    }
    report.message = if applied == 0 {
        "This resource kind is not supported by kubesec".into()
    } else if report.score >= 0 {
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
        // Highest points first, then selector text.
        assert_eq!(r.scoring.advise[0].id, "ApparmorAny");
    }

    #[test]
    fn unsupported_kinds_say_so() {
        let r = run("kind: Service\nmetadata: {name: s}\n");
        assert_eq!(r.message, "This resource kind is not supported by kubesec");
        assert_eq!(r.score, 0);
    }
}
