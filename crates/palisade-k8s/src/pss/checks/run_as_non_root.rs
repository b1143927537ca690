//! `runAsNonRoot` (restricted, v1.0+): the pod must set `runAsNonRoot=true`, or every container
//! must; nobody may set it to false. From v1.35 pods in a user namespace (`hostUsers: false`) are
//! exempt.

use crate::pod::{in_user_namespace, join_quote, pluralize};
use crate::pss::{Check, Controls, Forbidden, Level, PodCtx, Variant, setters};
use crate::yaml::Node;

pub(super) static CHECK: Check = Check {
    id: "runAsNonRoot",
    level: Level::Restricted,
    doc: "runAsNonRoot true at pod level or on every container, never false (hostUsers: false exempt from v1.35)",
    controls: Controls {
        cis: &["5.2.7"],
        nist: &["4.4.3"],
        pci: &["2.2.6", "7.2.2"],
    },
    variants: &[
        Variant {
            min_minor: 0,
            check: v1_0,
            overrides: &[],
        },
        Variant {
            min_minor: 35,
            check: v1_35,
            overrides: &[],
        },
    ],
};

fn v1_0(pod: &PodCtx<'_>) -> Option<Forbidden> {
    let mut pod_bad = false;
    let mut pod_ok = false;
    let mut first: Option<&Node> = None;
    if let Some(f) = pod.pod_sc("runAsNonRoot").filter(|f| !f.is_null()) {
        if f.is_true() {
            pod_ok = true;
        } else {
            pod_bad = true;
            first = Some(f);
        }
    }
    let mut explicit = Vec::new();
    let mut implicit = Vec::new();
    let mut first_implicit: Option<&Node> = None;
    for c in &pod.containers {
        match c.sc("runAsNonRoot").filter(|f| !f.is_null()) {
            Some(f) if !f.is_true() => {
                explicit.push(c.name);
                first.get_or_insert(f);
            }
            Some(_) => {}
            None if !pod_ok => {
                implicit.push(c.name);
                first_implicit.get_or_insert(c.node);
            }
            None => {}
        }
    }
    if pod_bad || !explicit.is_empty() {
        return Some(Forbidden::new(
            "runAsNonRoot != true",
            format!(
                "{} must not set securityContext.runAsNonRoot=false",
                setters(pod_bad, &explicit)
            ),
            first?,
        ));
    }
    let at = first_implicit?;
    Some(Forbidden::new(
        "runAsNonRoot != true",
        format!(
            "pod or {} {} must set securityContext.runAsNonRoot=true",
            pluralize("container", "containers", implicit.len()),
            join_quote(&implicit)
        ),
        at,
    ))
}

fn v1_35(pod: &PodCtx<'_>) -> Option<Forbidden> {
    if in_user_namespace(pod.spec) {
        return None;
    }
    v1_0(pod)
}
