//! `seccompProfile_baseline` (baseline): v1.0 forbids the `unconfined` seccomp annotations;
//! from v1.19 the fields: `seccompProfile.type` must not be `Unconfined` (pod or container).

use crate::pod::join_quote;
use crate::pss::{Check, Controls, Forbidden, Level, PodCtx, Variant, setters};
use crate::yaml::Node;

pub(super) static CHECK: Check = Check {
    id: "seccompProfile_baseline",
    level: Level::Baseline,
    doc: "v1.0: seccomp annotations not unconfined; v1.19: seccompProfile.type not Unconfined",
    controls: Controls {
        cis: &["5.7.2"],
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
            min_minor: 19,
            check: v1_19,
            overrides: &[],
        },
    ],
};

fn v1_0(pod: &PodCtx<'_>) -> Option<Forbidden> {
    let mut bad = Vec::new();
    let mut first: Option<&Node> = None;
    for (k, v) in pod.annotations() {
        let Some(key) = k.str() else { continue };
        let seccomp = key == "seccomp.security.alpha.kubernetes.io/pod"
            || key.starts_with("container.seccomp.security.alpha.kubernetes.io/");
        if seccomp && v.str() == Some("unconfined") {
            bad.push(format!("{key}=\"unconfined\""));
            first.get_or_insert(v);
        }
    }
    let at = first?;
    Some(Forbidden::new(
        "seccompProfile",
        format!("forbidden annotations {}", bad.join(", ")),
        at,
    ))
}

fn v1_19(pod: &PodCtx<'_>) -> Option<Forbidden> {
    let unconfined =
        |n: Option<&Node>| n.and_then(|p| p.get("type")).and_then(Node::str) == Some("Unconfined");
    let mut first: Option<&Node> = None;
    let pod_bad = unconfined(pod.pod_sc("seccompProfile"));
    if pod_bad {
        first = pod.pod_sc("seccompProfile");
    }
    let mut bad = Vec::new();
    for c in &pod.containers {
        if unconfined(c.sc("seccompProfile")) {
            bad.push(c.name);
            first = first.or(c.sc("seccompProfile"));
        }
    }
    let at = first?;
    Some(Forbidden::new(
        "seccompProfile",
        format!(
            "{} must not set securityContext.seccompProfile.type to {}",
            setters(pod_bad, &bad),
            join_quote(&["Unconfined"])
        ),
        at,
    ))
}
