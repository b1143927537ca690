//! kubesec parity: every rule at every place it looks, the scores kubesec's own acceptance tests
//! expect for its test manifests (rewritten as the fixtures in `tests/kubesec/`), the order of
//! each list and the JSON shape.

use std::path::PathBuf;

use palisade_k8s::kubesec::{self, KubesecReport, RULES};
use palisade_k8s::manifest::read_bytes;
use palisade_k8s::yaml::Limits;

fn check(yaml: &str) -> KubesecReport {
    let m = read_bytes("k.yaml", yaml.as_bytes(), &Limits::default());
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    assert_eq!(m.objects.len(), 1);
    kubesec::score(&m.objects[0])
}

/// Whether the rule matched: listed as passed or critical.
fn matched(r: &KubesecReport, id: &str) -> bool {
    let s = &r.scoring;
    assert!(
        RULES.iter().any(|rule| rule.id == id),
        "no kubesec rule {id}"
    );
    s.critical.iter().chain(&s.passed).any(|x| x.id == id)
}

fn pod(spec: &str) -> String {
    format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec: {spec}\n")
}

fn workload(kind: &str, spec: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: {kind}\nmetadata: {{name: w}}\nspec:\n  selector: {{matchLabels: {{app: w}}}}\n  template:\n    metadata: {{labels: {{app: w}}}}\n    spec: {spec}\n"
    )
}

/// Where a container-level setting is written.
#[derive(Debug, Clone, Copy)]
enum Place {
    Container,
    Init,
    Ephemeral,
    /// The pod `securityContext`, above one container that leaves it unset.
    Pod,
}

const PLACES: [Place; 4] = [Place::Container, Place::Init, Place::Ephemeral, Place::Pod];

/// A pod spec with `sc` as the security context at `place`.
fn spec_at(place: Place, sc: &str) -> String {
    let plain = "{name: a, image: x}";
    let with = format!("{{name: h, image: x, securityContext: {sc}}}");
    match place {
        Place::Container => format!("{{containers: [{with}]}}"),
        Place::Init => format!("{{containers: [{plain}], initContainers: [{with}]}}"),
        Place::Ephemeral => format!("{{containers: [{plain}], ephemeralContainers: [{with}]}}"),
        Place::Pod => format!("{{securityContext: {sc}, containers: [{plain}]}}"),
    }
}

/// A rule read from container security contexts: a setting that matches, one that is set and
/// does not, and whether the pod `securityContext` is a fallback.
struct ScCase {
    id: &'static str,
    yes: &'static str,
    no: &'static str,
    pod_level: bool,
}

const SC_CASES: &[ScCase] = &[
    ScCase {
        id: "ReadOnlyRootFilesystem",
        yes: "{readOnlyRootFilesystem: true}",
        no: "{readOnlyRootFilesystem: false}",
        pod_level: false,
    },
    ScCase {
        id: "RunAsNonRoot",
        yes: "{runAsNonRoot: true}",
        no: "{runAsNonRoot: false}",
        pod_level: true,
    },
    ScCase {
        id: "RunAsUser",
        yes: "{runAsUser: 10001}",
        no: "{runAsUser: 10000}",
        pod_level: true,
    },
    ScCase {
        id: "RunAsGroup",
        yes: "{runAsGroup: 10001}",
        no: "{runAsGroup: 1}",
        pod_level: true,
    },
    ScCase {
        id: "Privileged",
        yes: "{privileged: true}",
        no: "{privileged: false}",
        pod_level: false,
    },
    ScCase {
        id: "CapSysAdmin",
        yes: "{capabilities: {add: [CHOWN, SYS_ADMIN]}}",
        no: "{capabilities: {add: [CHOWN]}}",
        pod_level: false,
    },
    ScCase {
        id: "CapDropAny",
        yes: "{capabilities: {drop: [NET_RAW]}}",
        no: "{capabilities: {drop: []}}",
        pod_level: false,
    },
    ScCase {
        id: "CapDropAll",
        yes: "{capabilities: {drop: [all]}}",
        no: "{capabilities: {drop: [NET_RAW]}}",
        pod_level: false,
    },
    ScCase {
        id: "AllowPrivilegeEscalation",
        yes: "{allowPrivilegeEscalation: true}",
        no: "{allowPrivilegeEscalation: false}",
        pod_level: false,
    },
    ScCase {
        id: "SeccompAny",
        yes: "{seccompProfile: {type: RuntimeDefault}}",
        no: "{seccompProfile: {type: Unconfined}}",
        pod_level: true,
    },
    ScCase {
        id: "SeccompUnconfined",
        yes: "{seccompProfile: {type: Unconfined}}",
        no: "{seccompProfile: {type: Localhost, localhostProfile: p.json}}",
        pod_level: true,
    },
    ScCase {
        id: "ApparmorAny",
        yes: "{appArmorProfile: {type: Localhost, localhostProfile: k8s-nginx}}",
        no: "{appArmorProfile: {type: Unconfined}}",
        pod_level: true,
    },
    ScCase {
        id: "ApparmorUnconfined",
        yes: "{appArmorProfile: {type: Unconfined}}",
        no: "{appArmorProfile: {type: RuntimeDefault}}",
        pod_level: true,
    },
];

#[test]
fn security_context_rules_at_every_place() {
    for case in SC_CASES {
        for place in PLACES {
            let expect = !matches!(place, Place::Pod) || case.pod_level;
            for kind in ["Pod", "Deployment"] {
                let doc = |sc| {
                    let spec = spec_at(place, sc);
                    if kind == "Pod" {
                        pod(&spec)
                    } else {
                        workload(kind, &spec)
                    }
                };
                assert_eq!(
                    matched(&check(&doc(case.yes)), case.id),
                    expect,
                    "{} {kind} {place:?} {}",
                    case.id,
                    case.yes
                );
                assert!(
                    !matched(&check(&doc(case.no)), case.id),
                    "{} {kind} {place:?} {}",
                    case.id,
                    case.no
                );
            }
        }
    }
}

#[test]
fn a_container_setting_overrides_the_pod() {
    for case in SC_CASES.iter().filter(|c| c.pod_level) {
        let spec = format!(
            "{{securityContext: {}, containers: [{{name: a, securityContext: {}}}]}}",
            case.yes, case.no
        );
        assert!(!matched(&check(&pod(&spec)), case.id), "{}", case.id);
        let spec = format!(
            "{{securityContext: {}, containers: [{{name: a, securityContext: {}}}]}}",
            case.no, case.yes
        );
        assert!(matched(&check(&pod(&spec)), case.id), "{}", case.id);
        // A pod-level setting counts per container: with none, nothing counts.
        let spec = format!("{{securityContext: {}}}", case.yes);
        assert!(!matched(&check(&pod(&spec)), case.id), "{}", case.id);
    }
}

#[test]
fn values_of_another_json_type_are_unset() {
    // A quoted value is a string: it neither matches nor hides the pod's value.
    let r = check(&pod(
        "{containers: [{name: a, securityContext: {privileged: \"true\", runAsUser: \"20000\"}}]}",
    ));
    assert!(!matched(&r, "Privileged"));
    assert!(!matched(&r, "RunAsUser"));
    let r = check(&pod(
        "{securityContext: {runAsUser: 20000}, containers: [{name: a, securityContext: {runAsUser: \"5\"}}]}",
    ));
    assert!(matched(&r, "RunAsUser"));
    // A seccomp type that is not a string is unset too.
    let r = check(&pod(
        "{securityContext: {seccompProfile: {type: Unconfined}}, containers: [{name: a, securityContext: {seccompProfile: {type: 7}}}]}",
    ));
    assert!(matched(&r, "SeccompUnconfined"));
    assert!(!matched(&r, "SeccompAny"));
}

#[test]
fn capability_rules_match_text_like_kubesec() {
    let caps = |list: &str, items: &str| {
        check(&pod(&format!(
            "{{containers: [{{name: a, securityContext: {{capabilities: {{{list}: {items}}}}}}}]}}"
        )))
    };
    assert!(matched(&caps("drop", "[NET_RAW, all]"), "CapDropAll"));
    assert!(matched(&caps("drop", "ALL"), "CapDropAll"));
    assert!(!matched(&caps("drop", "ALL"), "CapDropAny"));
    assert!(!matched(&caps("drop", "[NET_RAW, null]"), "CapDropAny"));
    assert!(!matched(&caps("add", "[sys_admin]"), "CapSysAdmin"));
    assert!(matched(&caps("add", "[CAP_SYS_ADMIN]"), "CapSysAdmin"));
}

#[test]
fn seccomp_and_apparmor_annotations_are_not_read() {
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    seccomp.security.alpha.kubernetes.io/pod: runtime/default\n    container.seccomp.security.alpha.kubernetes.io/a: unconfined\n    container.apparmor.security.beta.kubernetes.io/a: runtime/default\n    container.apparmor.security.beta.kubernetes.io/b: unconfined\nspec:\n  containers: [{name: a}, {name: b}]\n";
    let r = check(yaml);
    for id in [
        "SeccompAny",
        "SeccompUnconfined",
        "ApparmorAny",
        "ApparmorUnconfined",
    ] {
        assert!(!matched(&r, id), "{id}");
    }
    assert_eq!(r.score, 0);
}

/// Rules that read the pod spec itself: a spec that matches, and one that does not.
const SPEC_CASES: &[(&str, &str, &str)] = &[
    ("HostNetwork", "{hostNetwork: true}", "{hostNetwork: false}"),
    ("HostPID", "{hostPID: true}", "{hostPID: false}"),
    ("HostIPC", "{hostIPC: true}", "{hostIPC: \"true\"}"),
    (
        "ServiceAccountName",
        "{serviceAccountName: sa}",
        "{serviceAccountName: null}",
    ),
    // kubesec's filter on the name has no effect: an empty name passes.
    (
        "ServiceAccountName",
        "{serviceAccountName: \"\"}",
        "{serviceAccount: sa}",
    ),
    ("HostAliases", "{hostAliases: []}", "{hostAliases: null}"),
    (
        "AutomountServiceAccountToken",
        "{automountServiceAccountToken: false}",
        "{automountServiceAccountToken: true}",
    ),
    (
        "AutomountServiceAccountToken",
        "{automountServiceAccountToken: false}",
        "{}",
    ),
    ("HostUsers", "{hostUsers: false}", "{hostUsers: true}"),
    ("HostUsers", "{hostUsers: false}", "{}"),
    (
        "DockerSock",
        "{volumes: [{name: a, emptyDir: {}}, {name: s, hostPath: {path: /var/run/docker.sock}}]}",
        "{volumes: [{name: s, hostPath: {path: /run/docker.sock}}]}",
    ),
    (
        "ProcMount",
        "{volumes: [{name: p, hostPath: {path: /proc}}]}",
        "{volumes: [{name: p, hostPath: {path: /sys}}, {name: e, emptyDir: {medium: /proc}}]}",
    ),
    (
        "ProcMount",
        "{volumes: [{name: p, hostPath: {path: /host/proc/sys}}]}",
        "{volumes: []}",
    ),
];

#[test]
fn pod_spec_rules() {
    for (id, yes, no) in SPEC_CASES {
        for kind in ["Pod", "Deployment", "StatefulSet", "DaemonSet"] {
            let doc = |spec: &str| {
                if kind == "Pod" {
                    pod(spec)
                } else {
                    workload(kind, spec)
                }
            };
            assert!(matched(&check(&doc(yes)), id), "{id} {kind} {yes}");
            assert!(!matched(&check(&doc(no)), id), "{id} {kind} {no}");
        }
    }
}

#[test]
fn resource_rules_read_regular_containers_only() {
    let rules = [
        ("RequestsCPU", "{requests: {cpu: 100m}}"),
        ("LimitsCPU", "{limits: {cpu: 100m}}"),
        ("RequestsMemory", "{requests: {memory: 1Gi}}"),
        ("LimitsMemory", "{limits: {memory: 1Gi}}"),
    ];
    for (id, resources) in rules {
        let c = format!("{{name: c, resources: {resources}}}");
        let yes = format!("{{containers: [{{name: a}}, {c}]}}");
        assert!(matched(&check(&pod(&yes)), id), "{id}");
        for list in ["initContainers", "ephemeralContainers"] {
            let no = format!("{{containers: [{{name: a}}], {list}: [{c}]}}");
            assert!(!matched(&check(&pod(&no)), id), "{id} {list}");
        }
        let no = "{containers: [{name: a, resources: {limits: null, requests: {}}}]}";
        assert!(!matched(&check(&pod(no)), id), "{id}");
    }
}

#[test]
fn secrets_as_environment_variables() {
    let id = "SecretsAsEnvironmentVariables";
    let env = "env: [{name: A, value: a}, {name: T, valueFrom: {secretKeyRef: {name: s, key: t}}}]";
    let env_from = "envFrom: [{configMapRef: {name: c}}, {secretRef: {name: s}}]";
    for list in ["containers", "initContainers", "ephemeralContainers"] {
        for source in [env, env_from] {
            let spec = if list == "containers" {
                format!("{{containers: [{{name: a}}, {{name: b, {source}}}]}}")
            } else {
                format!("{{containers: [{{name: a}}], {list}: [{{name: b, {source}}}]}}")
            };
            let r = check(&pod(&spec));
            assert!(matched(&r, id), "{list} {source}");
            assert_eq!(r.score, -5);
        }
    }
    let clean = "{containers: [{name: a, env: [{name: C, valueFrom: {configMapKeyRef: {name: c, key: k}}}], envFrom: [{configMapRef: {name: c}}]}]}";
    assert!(!matched(&check(&pod(clean)), id));
    let spec = format!("{{containers: [{{name: a, {env}}}]}}");
    for kind in [
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "ReplicaSet",
        "Job",
    ] {
        assert!(matched(&check(&workload(kind, &spec)), id), "{kind}");
    }
    // kubesec looks for a CronJob's pod at `spec.template.spec`, so a CronJob never matches, but
    // it is supported.
    let cron = format!(
        "apiVersion: batch/v1\nkind: CronJob\nmetadata: {{name: c}}\nspec:\n  schedule: '* * * * *'\n  jobTemplate:\n    spec:\n      template:\n        spec: {spec}\n"
    );
    let r = check(&cron);
    assert!(!matched(&r, id));
    assert_eq!(r.message, "Passed with a score of 0 points");
    // Only this rule applies to a ReplicaSet.
    let r = check(&workload(
        "ReplicaSet",
        "{hostNetwork: true, containers: [{name: a}]}",
    ));
    assert_eq!(r.score, 0);
    assert!(r.scoring.advise.is_empty());
}

fn statefulset(templates: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: s}}\nspec:\n  serviceName: s\n  selector: {{matchLabels: {{app: s}}}}\n  template:\n    spec: {{containers: [{{name: a}}]}}\n  volumeClaimTemplates: {templates}\n"
    )
}

#[test]
fn volume_claim_template_rules() {
    let rwo = "VolumeClaimAccessModeReadWriteOnce";
    let storage = "VolumeClaimRequestsStorage";
    // No template with a spec: both pass.
    for templates in ["[]", "[{metadata: {name: a}}]"] {
        let r = check(&statefulset(templates));
        assert!(matched(&r, rwo) && matched(&r, storage), "{templates}");
    }
    let r = check(&statefulset(
        "[{spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}}]",
    ));
    assert!(matched(&r, rwo) && matched(&r, storage));
    // kubesec matches the printed list: a second mode, or ReadWriteOncePod, does not pass.
    for modes in [
        "[ReadWriteOnce, ReadOnlyMany]",
        "[ReadWriteOncePod]",
        "[ReadOnlyMany]",
    ] {
        let r = check(&statefulset(&format!(
            "[{{spec: {{accessModes: {modes}}}}}]"
        )));
        assert!(!matched(&r, rwo), "{modes}");
        assert!(!matched(&r, storage), "{modes}");
    }
    // One template of two is enough.
    let r = check(&statefulset(
        "[{spec: {accessModes: [ReadOnlyMany]}}, {spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}}]",
    ));
    assert!(matched(&r, rwo) && matched(&r, storage));
    // The rules apply to StatefulSets only.
    let r = check(&workload("Deployment", "{containers: [{name: a}]}"));
    let all: Vec<_> = r.scoring.advise.iter().map(|x| x.id).collect();
    assert!(!all.contains(&rwo) && !all.contains(&storage), "{all:?}");
}

#[test]
fn bindings_to_system_anonymous() {
    let binding = |kind: &str, subject: &str| {
        check(&format!(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: {kind}\nmetadata: {{name: b, namespace: ns}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}}\nsubjects:\n- {{kind: Group, name: system:authenticated}}\n- {{kind: User, name: {subject}}}\n"
        ))
    };
    for kind in ["RoleBinding", "ClusterRoleBinding"] {
        let r = binding(kind, "system:anonymous");
        assert!(matched(&r, "BindingsToSystemAnonymous"));
        assert_eq!(r.score, -30);
        assert_eq!(r.message, "Failed with a score of -30 points");
        let r = binding(kind, "jane");
        assert_eq!(r.message, "Passed with a score of 0 points");
        assert!(r.scoring.critical.is_empty() && r.scoring.advise.is_empty());
    }
}

#[test]
fn unsupported_kinds_say_so() {
    for yaml in [
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 80}]}\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {color: blue}\n",
    ] {
        let r = check(yaml);
        assert_eq!(r.message, "This resource kind is not supported by kubesec");
        assert_eq!(r.score, 0);
        assert_eq!(r.scoring, Default::default());
    }
}

#[test]
fn lists_are_in_kubesec_order() {
    let r = check(&pod(
        "{containers: [{name: a, securityContext: {allowPrivilegeEscalation: true, privileged: true, capabilities: {add: [SYS_ADMIN]}}}]}",
    ));
    let ids = |v: &[kubesec::RuleRef]| v.iter().map(|x| x.id).collect::<Vec<_>>();
    // Lowest points first, then selector text.
    assert_eq!(
        ids(&r.scoring.critical),
        ["CapSysAdmin", "Privileged", "AllowPrivilegeEscalation"]
    );
    // Highest points first, then selector text.
    let advise = ids(&r.scoring.advise);
    assert_eq!(
        &advise[..3],
        [
            "ApparmorAny",
            "ServiceAccountName",
            "AutomountServiceAccountToken"
        ]
    );
    for pair in r.scoring.advise.windows(2) {
        assert!(
            pair[0].points > pair[1].points
                || (pair[0].points == pair[1].points && pair[0].selector < pair[1].selector),
            "{advise:?}"
        );
    }
}

#[test]
fn json_leaves_empty_lists_out_like_kubesec() {
    let yaml = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: anon}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\nsubjects: [{kind: User, name: system:anonymous}]\n";
    let json = serde_json::to_string(&check(yaml)).unwrap();
    assert_eq!(
        json,
        r#"{"object":"ClusterRoleBinding/anon.default","valid":true,"fileName":"k.yaml","message":"Failed with a score of -30 points","score":-30,"scoring":{"critical":[{"id":"BindingsToSystemAnonymous","selector":".subjects[] .name == \"system:anonymous\"","reason":"Binding a Role or a ClusterRole to user system:anonymous gives any unauthenticated user the permissions granted by that role","points":-30}]}}"#
    );
    let json = serde_json::to_string(&check(
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n",
    ))
    .unwrap();
    assert_eq!(
        json,
        r#"{"object":"Service/s.default","valid":true,"fileName":"k.yaml","message":"This resource kind is not supported by kubesec","score":0,"scoring":{}}"#
    );
}

#[test]
fn rule_table() {
    let table: String = RULES
        .iter()
        .map(|r| {
            format!(
                "{} {} [{}]\n  {}\n  {}\n",
                r.id,
                r.points,
                r.kinds.join(", "),
                r.selector,
                r.reason
            )
        })
        .collect();
    insta::assert_snapshot!(table);
}

/// What kubesec's acceptance test asserts about its manifest.
#[derive(Debug, Clone, Copy)]
enum Kubesec {
    /// "with a score of N points", N > 0.
    Positive,
    /// "with a score of 0 points".
    Zero,
    /// A negative score.
    Negative,
    /// Scored, whatever the score.
    Supported,
    /// "This resource kind is not supported".
    Unsupported,
}

/// The fixtures rewrite kubesec's acceptance test manifests; each has the outcome kubesec's test
/// asserts and the exact score palisade pins.
const FIXTURES: &[(&str, Kubesec, i64)] = &[
    ("cap-sys-admin.yaml", Kubesec::Negative, -30),
    ("cap-chown.yaml", Kubesec::Zero, 0),
    ("cap-sys-admin-and-chown.yaml", Kubesec::Negative, -30),
    ("cap-drop-all.yaml", Kubesec::Positive, 2),
    ("deployment-read-only-root-fs.yaml", Kubesec::Positive, 1),
    ("deployment-pod-run-as-non-root.yaml", Kubesec::Positive, 1),
    (
        "deployment-container-run-as-non-root.yaml",
        Kubesec::Positive,
        1,
    ),
    ("deployment-pod-run-as-user-1.yaml", Kubesec::Zero, 0),
    ("deployment-container-run-as-user-1.yaml", Kubesec::Zero, 0),
    (
        "deployment-pod-run-as-user-10001.yaml",
        Kubesec::Positive,
        1,
    ),
    (
        "deployment-container-run-as-user-10001.yaml",
        Kubesec::Positive,
        1,
    ),
    ("deployment-pod-run-as-group-1.yaml", Kubesec::Zero, 0),
    ("deployment-container-run-as-group-1.yaml", Kubesec::Zero, 0),
    (
        "deployment-pod-run-as-group-10001.yaml",
        Kubesec::Positive,
        1,
    ),
    (
        "deployment-container-run-as-group-10001.yaml",
        Kubesec::Positive,
        1,
    ),
    ("deployment-empty-security-context.yaml", Kubesec::Zero, 0),
    ("deployment-limits-cpu.yaml", Kubesec::Positive, 2),
    ("deployment-limits-memory.yaml", Kubesec::Positive, 2),
    ("statefulset-claim-template.yaml", Kubesec::Positive, 2),
    ("statefulset-no-claim-template.yaml", Kubesec::Positive, 2),
    (
        "statefulset-claim-template-no-security.yaml",
        Kubesec::Zero,
        0,
    ),
    ("statefulset-read-only-root-fs.yaml", Kubesec::Supported, 3),
    ("daemonset-privileged.yaml", Kubesec::Negative, -62),
    ("daemonset-docker-socket.yaml", Kubesec::Negative, -9),
    (
        "daemonset-docker-socket-no-metadata.yaml",
        Kubesec::Negative,
        -9,
    ),
    ("daemonset-host-network.yaml", Kubesec::Negative, -9),
    ("daemonset-host-pid.yaml", Kubesec::Negative, -9),
    ("daemonset-hostpath-logs.yaml", Kubesec::Supported, 3),
    ("deployment-apparmor-unset.yaml", Kubesec::Zero, 0),
    (
        "deployment-apparmor-runtime-default-pod.yaml",
        Kubesec::Positive,
        3,
    ),
    (
        "deployment-apparmor-unconfined-pod.yaml",
        Kubesec::Negative,
        -1,
    ),
    (
        "deployment-apparmor-runtime-default-container.yaml",
        Kubesec::Positive,
        3,
    ),
    (
        "deployment-apparmor-unconfined-container.yaml",
        Kubesec::Negative,
        -1,
    ),
    (
        "deployment-apparmor-runtime-default-init.yaml",
        Kubesec::Positive,
        3,
    ),
    (
        "deployment-apparmor-unconfined-init.yaml",
        Kubesec::Negative,
        -1,
    ),
    (
        "deployment-apparmor-runtime-default-ephemeral.yaml",
        Kubesec::Positive,
        3,
    ),
    (
        "deployment-apparmor-unconfined-ephemeral.yaml",
        Kubesec::Negative,
        -1,
    ),
    ("deployment-seccomp-unset.yaml", Kubesec::Zero, 0),
    (
        "deployment-seccomp-runtime-default-pod.yaml",
        Kubesec::Positive,
        1,
    ),
    (
        "deployment-seccomp-unconfined-pod.yaml",
        Kubesec::Negative,
        -1,
    ),
    (
        "deployment-seccomp-runtime-default-container.yaml",
        Kubesec::Positive,
        1,
    ),
    (
        "deployment-seccomp-unconfined-container.yaml",
        Kubesec::Negative,
        -1,
    ),
    (
        "deployment-seccomp-runtime-default-init.yaml",
        Kubesec::Positive,
        1,
    ),
    (
        "deployment-seccomp-unconfined-init.yaml",
        Kubesec::Negative,
        -1,
    ),
    (
        "deployment-seccomp-runtime-default-ephemeral.yaml",
        Kubesec::Positive,
        1,
    ),
    (
        "deployment-seccomp-unconfined-ephemeral.yaml",
        Kubesec::Negative,
        -1,
    ),
    ("deployment-service-account.yaml", Kubesec::Positive, 3),
    ("pod-service-account.yaml", Kubesec::Positive, 4),
    ("pod-service-account-hardened.yaml", Kubesec::Positive, 6),
    (
        "deployment-allow-privilege-escalation.yaml",
        Kubesec::Negative,
        -4,
    ),
    ("pod-automount-token-off.yaml", Kubesec::Positive, 1),
    ("pod-host-users-off.yaml", Kubesec::Positive, 1),
    ("pod-privileged-and-escalation.yaml", Kubesec::Negative, -37),
    ("pod-default.yaml", Kubesec::Supported, 0),
    ("deployment-empty-resources.yaml", Kubesec::Zero, 0),
    ("pod-privileged-init-container.yaml", Kubesec::Negative, -26),
    ("podsecuritypolicy.yaml", Kubesec::Unsupported, 0),
];

#[test]
fn kubesec_acceptance_fixtures() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/kubesec");
    let on_disk = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(on_disk, FIXTURES.len(), "a fixture without an expectation");
    for (file, kubesec, expected) in FIXTURES {
        let yaml = std::fs::read_to_string(dir.join(file)).unwrap();
        let r = check(&yaml);
        let unsupported = r.message == "This resource kind is not supported by kubesec";
        let agrees = match kubesec {
            Kubesec::Positive => r.score > 0,
            Kubesec::Zero => r.score == 0 && !unsupported,
            Kubesec::Negative => r.score < 0,
            Kubesec::Supported => !unsupported,
            Kubesec::Unsupported => unsupported,
        };
        assert!(agrees, "{file}: kubesec expects {kubesec:?}, got {r:?}");
        assert_eq!(r.score, *expected, "{file}: {r:?}");
    }
    // The critical list of a pod both privileged and escalating, worst first.
    let yaml = std::fs::read_to_string(dir.join("pod-privileged-and-escalation.yaml")).unwrap();
    let points: Vec<_> = check(&yaml)
        .scoring
        .critical
        .iter()
        .map(|c| c.points)
        .collect();
    assert_eq!(points, [-30, -7]);
}
