//! `sysctls` (baseline): only the namespaced, isolated "safe" sysctls. The safe set grew in v1.27
//! (`net.ipv4.ip_local_reserved_ports`), v1.29 (TCP keepalive and fin timeout), v1.32
//! (`net.ipv4.tcp_rmem`, `net.ipv4.tcp_wmem`) and v1.37 (`net.ipv4.tcp_slow_start_after_idle`,
//! `net.ipv4.tcp_notsent_lowat`: kubernetes/kubernetes#138389, fixing #135972; upstream's fixture
//! `test/testdata/baseline/v1.37/pass/sysctls1.yaml` sets exactly these two). v1.36 added none.

use crate::pss::{Check, Controls, Forbidden, Level, PodCtx, Variant};
use crate::yaml::Node;

pub(super) static CHECK: Check = Check {
    id: "sysctls",
    level: Level::Baseline,
    doc: "spec.securityContext.sysctls[*].name only the safe set of the version",
    controls: Controls {
        cis: &[],
        nist: &["4.4.3"],
        pci: &["2.2.6"],
    },
    variants: &[
        Variant {
            min_minor: 0,
            check: v1_0,
            overrides: &[],
        },
        Variant {
            min_minor: 27,
            check: v1_27,
            overrides: &[],
        },
        Variant {
            min_minor: 29,
            check: v1_29,
            overrides: &[],
        },
        Variant {
            min_minor: 32,
            check: v1_32,
            overrides: &[],
        },
        Variant {
            min_minor: 37,
            check: v1_37,
            overrides: &[],
        },
    ],
};

const SAFE_1_0: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
];
const SAFE_1_27: &[&str] = &["net.ipv4.ip_local_reserved_ports"];
const SAFE_1_29: &[&str] = &[
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];
const SAFE_1_32: &[&str] = &["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"];
const SAFE_1_37: &[&str] = &[
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
];

fn v1_0(pod: &PodCtx<'_>) -> Option<Forbidden> {
    check(pod, &[SAFE_1_0])
}
fn v1_27(pod: &PodCtx<'_>) -> Option<Forbidden> {
    check(pod, &[SAFE_1_0, SAFE_1_27])
}
fn v1_29(pod: &PodCtx<'_>) -> Option<Forbidden> {
    check(pod, &[SAFE_1_0, SAFE_1_27, SAFE_1_29])
}
fn v1_32(pod: &PodCtx<'_>) -> Option<Forbidden> {
    check(pod, &[SAFE_1_0, SAFE_1_27, SAFE_1_29, SAFE_1_32])
}
fn v1_37(pod: &PodCtx<'_>) -> Option<Forbidden> {
    check(pod, &[SAFE_1_0, SAFE_1_27, SAFE_1_29, SAFE_1_32, SAFE_1_37])
}

fn check(pod: &PodCtx<'_>, safe: &[&[&str]]) -> Option<Forbidden> {
    let mut bad = Vec::new();
    let mut first: Option<&Node> = None;
    for s in pod.pod_sc("sysctls").map(Node::items).unwrap_or_default() {
        let Some(name_node) = s.get("name") else {
            continue;
        };
        let name = name_node.str().unwrap_or("");
        if !safe.iter().any(|set| set.contains(&name)) {
            bad.push(name);
            first.get_or_insert(name_node);
        }
    }
    let at = first?;
    Some(Forbidden::new("forbidden sysctls", bad.join(", "), at))
}
