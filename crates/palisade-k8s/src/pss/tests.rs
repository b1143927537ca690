//! Each check, failing and passing, at the versions where its behaviour changes.

use super::*;
use crate::manifest::read_bytes;
use crate::yaml::Limits;

/// Evaluates the pod spec (indented YAML under `spec:`) and returns the API server's messages.
fn check(spec: &str, level: Level, version: &str) -> Vec<String> {
    let yaml = format!("kind: Pod\nmetadata:\n  name: p\n  annotations: {{}}\nspec:\n{spec}");
    let m = read_bytes("pod.yaml", yaml.as_bytes(), &Limits::default());
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    evaluate(&m.objects[0], level, version.parse().unwrap())
        .unwrap()
        .iter()
        .map(Violation::message)
        .collect()
}

const GOOD: &str = "  securityContext:\n    runAsNonRoot: true\n    seccompProfile: {type: RuntimeDefault}\n  containers:\n  - name: web\n    image: x\n    securityContext:\n      allowPrivilegeEscalation: false\n      capabilities: {drop: [ALL]}\n";

#[test]
fn restricted_pod_passes_every_version() {
    for v in Version::all() {
        assert!(
            check(GOOD, Level::Restricted, &v.to_string()).is_empty(),
            "{v}"
        );
    }
}

#[test]
fn empty_container_fails_restricted_like_the_api_server() {
    let spec = "  containers:\n  - name: web\n    image: x\n";
    assert_eq!(
        check(spec, Level::Restricted, "latest"),
        [
            "allowPrivilegeEscalation != false (container \"web\" must set securityContext.allowPrivilegeEscalation=false)",
            "unrestricted capabilities (container \"web\" must set securityContext.capabilities.drop=[\"ALL\"])",
            "runAsNonRoot != true (pod or container \"web\" must set securityContext.runAsNonRoot=true)",
            "seccompProfile (pod or container \"web\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")",
        ]
    );
    assert!(check(spec, Level::Baseline, "latest").is_empty());
    // v1.0 restricted had only runAsNonRoot of these.
    assert_eq!(check(spec, Level::Restricted, "v1.0").len(), 1);
    // allowPrivilegeEscalation from v1.8, seccomp from v1.19, capabilities from v1.22.
    assert_eq!(check(spec, Level::Restricted, "v1.8").len(), 2);
    assert_eq!(check(spec, Level::Restricted, "v1.19").len(), 3);
    assert_eq!(check(spec, Level::Restricted, "v1.22").len(), 4);
}

#[test]
fn baseline_checks() {
    let cases: &[(&str, &str)] = &[
        (
            "  hostNetwork: true\n  hostPID: true\n  containers: []\n",
            "host namespaces (hostNetwork=true, hostPID=true)",
        ),
        (
            "  containers:\n  - name: a\n    securityContext: {privileged: true}\n  - name: b\n    securityContext: {privileged: true}\n",
            "privileged (containers \"a\", \"b\" must not set securityContext.privileged=true)",
        ),
        (
            "  containers:\n  - name: a\n    securityContext: {capabilities: {add: [SYS_ADMIN, CHOWN]}}\n",
            "non-default capabilities (container \"a\" must not include \"SYS_ADMIN\" in securityContext.capabilities.add)",
        ),
        (
            "  volumes:\n  - name: h\n    hostPath: {path: /}\n  containers: []\n",
            "hostPath volumes (volume \"h\")",
        ),
        (
            "  containers:\n  - name: a\n    ports: [{containerPort: 80, hostPort: 80}]\n",
            "hostPort (container \"a\" uses hostPort 80)",
        ),
        (
            "  securityContext: {appArmorProfile: {type: Unconfined}}\n  containers: []\n",
            "forbidden AppArmor profile (pod must not set AppArmor profile type to \"Unconfined\")",
        ),
        (
            "  securityContext: {seLinuxOptions: {type: spc_t}}\n  containers: []\n",
            "seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: type \"spc_t\")",
        ),
        (
            "  containers:\n  - name: a\n    securityContext: {procMount: Unmasked}\n",
            "procMount (container \"a\" must not set securityContext.procMount to \"Unmasked\")",
        ),
        (
            "  securityContext: {seccompProfile: {type: Unconfined}}\n  containers: []\n",
            "seccompProfile (pod must not set securityContext.seccompProfile.type to \"Unconfined\")",
        ),
        (
            "  securityContext: {sysctls: [{name: kernel.msgmax, value: '1'}]}\n  containers: []\n",
            "forbidden sysctls (kernel.msgmax)",
        ),
        (
            "  securityContext: {windowsOptions: {hostProcess: true}}\n  containers: []\n",
            "hostProcess (pod must not set securityContext.windowsOptions.hostProcess=true)",
        ),
        (
            "  containers:\n  - name: a\n    livenessProbe: {httpGet: {host: 10.0.0.1, port: 80}}\n",
            "probe or lifecycle host (container \"a\" uses probe or lifecycle host \"10.0.0.1\")",
        ),
    ];
    for (spec, want) in cases {
        assert_eq!(check(spec, Level::Baseline, "latest"), [*want], "{spec}");
    }
}

#[test]
fn version_changes() {
    let probe =
        "  containers:\n  - name: a\n    readinessProbe: {tcpSocket: {host: db, port: 5432}}\n";
    assert!(check(probe, Level::Baseline, "v1.33").is_empty());
    assert_eq!(check(probe, Level::Baseline, "v1.34").len(), 1);

    let sysctl = "  securityContext: {sysctls: [{name: net.ipv4.tcp_keepalive_time, value: '60'}]}\n  containers: []\n";
    assert_eq!(check(sysctl, Level::Baseline, "v1.28").len(), 1);
    assert!(check(sysctl, Level::Baseline, "v1.29").is_empty());

    let engine =
        "  securityContext: {seLinuxOptions: {type: container_engine_t}}\n  containers: []\n";
    assert_eq!(check(engine, Level::Baseline, "v1.30").len(), 1);
    assert!(check(engine, Level::Baseline, "v1.31").is_empty());

    let annotation_only = "  containers: []\n";
    assert!(check(annotation_only, Level::Baseline, "v1.0").is_empty());

    let root = "  securityContext: {runAsNonRoot: true, runAsUser: 0, seccompProfile: {type: RuntimeDefault}}\n  containers: []\n";
    assert!(check(root, Level::Restricted, "v1.22").is_empty());
    assert_eq!(
        check(root, Level::Restricted, "v1.23"),
        ["runAsUser=0 (pod must not set runAsUser=0)"]
    );

    let userns = "  hostUsers: false\n  securityContext: {runAsUser: 0, seccompProfile: {type: RuntimeDefault}}\n  containers:\n  - name: a\n    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, procMount: Unmasked}\n";
    assert_eq!(check(userns, Level::Restricted, "v1.34").len(), 3);
    assert_eq!(
        check(userns, Level::Restricted, "v1.35"),
        ["procMount (container \"a\" must not set securityContext.procMount to \"Unmasked\")"]
    );
    assert!(check(userns, Level::Baseline, "v1.35").is_empty());

    // v1.37 adds net.ipv4.tcp_slow_start_after_idle and net.ipv4.tcp_notsent_lowat.
    let new_sysctls = "  securityContext: {sysctls: [{name: net.ipv4.tcp_slow_start_after_idle, value: '0'}, {name: net.ipv4.tcp_notsent_lowat, value: '16384'}]}\n  containers: []\n";
    assert_eq!(
        check(new_sysctls, Level::Baseline, "v1.36"),
        ["forbidden sysctls (net.ipv4.tcp_slow_start_after_idle, net.ipv4.tcp_notsent_lowat)"]
    );
    assert!(check(new_sysctls, Level::Baseline, "v1.37").is_empty());
    assert!(check(new_sysctls, Level::Baseline, "latest").is_empty());
}

/// Upstream has no check variant from v1.36: every check decides at v1.36 as at v1.35.
#[test]
fn v1_36_evaluates_as_v1_35() {
    let variants = |level, v: &str| -> Vec<(&str, *const Variant)> {
        in_force(level, v.parse().unwrap())
            .into_iter()
            .map(|(c, v)| (c.id, v as *const Variant))
            .collect()
    };
    for level in [Level::Baseline, Level::Restricted] {
        assert_eq!(
            variants(level, "v1.35"),
            variants(level, "v1.36"),
            "{level}"
        );
        assert_ne!(
            variants(level, "v1.36"),
            variants(level, "v1.37"),
            "{level}"
        );
    }
}

#[test]
fn windows_pods_are_exempt_from_linux_only_checks() {
    let spec = "  os: {name: windows}\n  securityContext: {runAsNonRoot: true}\n  containers:\n  - name: w\n    image: x\n";
    assert!(check(spec, Level::Restricted, "v1.25").is_empty());
    assert_eq!(check(spec, Level::Restricted, "v1.24").len(), 3);
}

#[test]
fn restricted_volumes_and_capabilities() {
    let spec = "  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n  volumes:\n  - name: n\n    nfs: {server: s, path: /}\n  - name: c\n    configMap: {name: x}\n  containers:\n  - name: a\n    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL], add: [NET_BIND_SERVICE, NET_RAW]}}\n";
    assert_eq!(
        check(spec, Level::Restricted, "latest"),
        [
            "unrestricted capabilities (container \"a\" must not include \"NET_RAW\" in securityContext.capabilities.add)",
            "restricted volume types (volume \"n\" uses restricted volume type \"nfs\")",
        ]
    );
}

#[test]
fn workload_templates_are_evaluated() {
    let yaml = "kind: CronJob\nmetadata: {name: c}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          hostIPC: true\n          containers: []\n";
    let m = read_bytes("c.yaml", yaml.as_bytes(), &Limits::default());
    let v = evaluate(&m.objects[0], Level::Baseline, Version::LATEST).unwrap();
    assert_eq!(v[0].span.to_string(), "c.yaml:8:20");
    assert_eq!(
        summary(Level::Baseline, Version::LATEST, &v),
        "violates PodSecurity \"baseline:latest\": host namespaces (hostIPC=true)"
    );
}

#[test]
fn versions_parse() {
    assert_eq!("v1.29".parse::<Version>().unwrap().to_string(), "v1.29");
    assert_eq!("v1.37".parse::<Version>().unwrap().minor(), LATEST_MINOR);
    assert_eq!("latest".parse::<Version>().unwrap().minor(), LATEST_MINOR);
    assert!("v2.0".parse::<Version>().is_err());
    assert!("v1.x".parse::<Version>().is_err());
}

/// A version newer than the newest known is refused, naming the newest, not evaluated as it.
#[test]
fn versions_newer_than_the_newest_known_are_an_error() {
    let err = "v1.38".parse::<Version>().unwrap_err();
    assert_eq!(
        err,
        VersionError::TooNew {
            given: "v1.38".to_owned(),
            newest: LATEST_MINOR
        }
    );
    assert_eq!(
        err.to_string(),
        "unknown Pod Security version \"v1.38\": the newest this palisade knows is v1.37 (use v1.37 or latest)"
    );
    assert!(matches!(
        "v1.99".parse::<Version>(),
        Err(VersionError::TooNew { .. })
    ));
    assert_eq!(Version::v1(LATEST_MINOR + 1), None);
    assert_eq!(Version::all().last(), Version::v1(LATEST_MINOR));
}

#[test]
fn check_table_snapshot() {
    insta::assert_snapshot!(checks_markdown());
}
