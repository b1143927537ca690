//! `runAsUser` (restricted, v1.23+): neither the pod nor a container may set `runAsUser=0`.
//! From v1.35 pods in a user namespace (`hostUsers: false`) are exempt.

use crate::pod::in_user_namespace;
use crate::pss::{Check, Controls, Forbidden, Level, PodCtx, Variant, setters};
use crate::yaml::Node;

pub(super) static CHECK: Check = Check {
    id: "runAsUser",
    level: Level::Restricted,
    doc: "runAsUser must not be 0 (hostUsers: false exempt from v1.35)",
    controls: Controls {
        cis: &["5.2.7"],
        nist: &["4.4.3"],
        pci: &["2.2.6", "7.2.2"],
    },
    variants: &[
        Variant {
            min_minor: 23,
            check: v1_23,
            overrides: &[],
        },
        Variant {
            min_minor: 35,
            check: v1_35,
            overrides: &[],
        },
    ],
};

fn v1_23(pod: &PodCtx<'_>) -> Option<Forbidden> {
    let mut first: Option<&Node> = None;
    let pod_bad = pod
        .pod_sc("runAsUser")
        .filter(|u| u.int() == Some(0))
        .inspect(|u| first = Some(u))
        .is_some();
    let mut bad = Vec::new();
    for c in &pod.containers {
        if let Some(u) = c.sc("runAsUser").filter(|u| u.int() == Some(0)) {
            bad.push(c.name);
            first.get_or_insert(u);
        }
    }
    let at = first?;
    Some(Forbidden::new(
        "runAsUser=0",
        format!("{} must not set runAsUser=0", setters(pod_bad, &bad)),
        at,
    ))
}

fn v1_35(pod: &PodCtx<'_>) -> Option<Forbidden> {
    if in_user_namespace(pod.spec) {
        return None;
    }
    v1_23(pod)
}
