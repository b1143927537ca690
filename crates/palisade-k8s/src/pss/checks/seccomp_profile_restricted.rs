//! `seccompProfile_restricted` (restricted, v1.19+, replaces `seccompProfile_baseline`): the pod,
//! or every container, must set `seccompProfile.type` to `RuntimeDefault` or `Localhost`. From
//! v1.25 Windows pods are exempt.

use crate::pod::{is_windows, join_quote, pluralize};
use crate::pss::{Check, Controls, Forbidden, Level, PodCtx, Variant, setters};
use crate::yaml::Node;

pub(super) static CHECK: Check = Check {
    id: "seccompProfile_restricted",
    level: Level::Restricted,
    doc: "seccompProfile.type RuntimeDefault or Localhost on the pod or every container (Windows pods exempt from v1.25)",
    controls: Controls {
        cis: &["5.7.2"],
        nist: &["4.4.3"],
        pci: &["2.2.6"],
    },
    variants: &[
        Variant {
            min_minor: 19,
            check: v1_19,
            overrides: &["seccompProfile_baseline"],
        },
        Variant {
            min_minor: 25,
            check: v1_25,
            overrides: &["seccompProfile_baseline"],
        },
    ],
};

fn v1_19(pod: &PodCtx<'_>) -> Option<Forbidden> {
    let valid = |t: Option<&str>| matches!(t, Some("RuntimeDefault" | "Localhost"));
    fn profile_type(n: Option<&Node>) -> Option<Option<&str>> {
        n.filter(|p| !p.is_null())
            .map(|p| p.get("type").and_then(Node::str))
    }
    let mut first: Option<&Node> = None;
    let mut bad_values: Vec<String> = Vec::new();
    let pod_type = profile_type(pod.pod_sc("seccompProfile"));
    let pod_set = pod_type.is_some();
    let pod_bad = pod_type.is_some_and(|t| !valid(t));
    if pod_bad {
        first = pod.pod_sc("seccompProfile");
        bad_values.push(pod_type.flatten().unwrap_or("").to_owned());
    }
    let mut explicit = Vec::new();
    let mut implicit = Vec::new();
    for c in &pod.containers {
        match profile_type(c.sc("seccompProfile")) {
            Some(t) if !valid(t) => {
                explicit.push(c.name);
                bad_values.push(t.unwrap_or("").to_owned());
                first = first.or(c.sc("seccompProfile"));
            }
            Some(_) => {}
            None if !pod_set => {
                implicit.push(c.name);
                first.get_or_insert(c.node);
            }
            None => {}
        }
    }
    let at = first?;
    let mut parts = Vec::new();
    if pod_bad || !explicit.is_empty() {
        bad_values.sort();
        bad_values.dedup();
        parts.push(format!(
            "{} must not set securityContext.seccompProfile.type to {}",
            setters(pod_bad, &explicit),
            join_quote(&bad_values)
        ));
    }
    if !implicit.is_empty() {
        parts.push(format!(
            "pod or {} {} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"",
            pluralize("container", "containers", implicit.len()),
            join_quote(&implicit)
        ));
    }
    Some(Forbidden::new("seccompProfile", parts.join("; "), at))
}

fn v1_25(pod: &PodCtx<'_>) -> Option<Forbidden> {
    if is_windows(pod.spec) {
        return None;
    }
    v1_19(pod)
}
