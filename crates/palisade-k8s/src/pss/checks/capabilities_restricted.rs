//! `capabilities_restricted` (restricted, v1.22+, replaces `capabilities_baseline`): containers
//! must drop `ALL` and may add only `NET_BIND_SERVICE`. From v1.25 Windows pods are exempt.

use crate::pod::{is_windows, join_quote, pluralize};
use crate::pss::{Check, Controls, Forbidden, Level, PodCtx, Variant};
use crate::yaml::Node;

pub(super) static CHECK: Check = Check {
    id: "capabilities_restricted",
    level: Level::Restricted,
    doc: "capabilities.drop must include ALL; capabilities.add only NET_BIND_SERVICE (Windows pods exempt from v1.25)",
    controls: Controls {
        cis: &["5.2.8", "5.2.9", "5.2.10"],
        nist: &["4.4.3"],
        pci: &["2.2.6"],
    },
    variants: &[
        Variant {
            min_minor: 22,
            check: v1_22,
            overrides: &["capabilities_baseline"],
        },
        Variant {
            min_minor: 25,
            check: v1_25,
            overrides: &["capabilities_baseline"],
        },
    ],
};

fn v1_22(pod: &PodCtx<'_>) -> Option<Forbidden> {
    let mut no_drop = Vec::new();
    let mut adders = Vec::new();
    let mut added: Vec<String> = Vec::new();
    let mut first: Option<&Node> = None;
    for c in &pod.containers {
        if !c.capabilities("drop").any(|d| d.str() == Some("ALL")) {
            no_drop.push(c.name);
            first.get_or_insert(
                c.node
                    .at(&["securityContext", "capabilities"])
                    .unwrap_or(c.node),
            );
        }
        let mut bad = false;
        for cap in c.capabilities("add") {
            let name = cap.str().unwrap_or("");
            if name != "NET_BIND_SERVICE" {
                bad = true;
                added.push(name.to_owned());
                first.get_or_insert(cap);
            }
        }
        if bad {
            adders.push(c.name);
        }
    }
    let at = first?;
    let mut parts = Vec::new();
    if !no_drop.is_empty() {
        parts.push(format!(
            "{} {} must set securityContext.capabilities.drop=[\"ALL\"]",
            pluralize("container", "containers", no_drop.len()),
            join_quote(&no_drop)
        ));
    }
    if !adders.is_empty() {
        added.sort();
        added.dedup();
        parts.push(format!(
            "{} {} must not include {} in securityContext.capabilities.add",
            pluralize("container", "containers", adders.len()),
            join_quote(&adders),
            join_quote(&added)
        ));
    }
    Some(Forbidden::new(
        "unrestricted capabilities",
        parts.join("; "),
        at,
    ))
}

fn v1_25(pod: &PodCtx<'_>) -> Option<Forbidden> {
    if is_windows(pod.spec) {
        return None;
    }
    v1_22(pod)
}
