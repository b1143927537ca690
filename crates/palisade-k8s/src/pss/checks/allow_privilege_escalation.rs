//! `allowPrivilegeEscalation` (restricted, v1.8+): containers must set
//! `securityContext.allowPrivilegeEscalation=false`. From v1.25 pods with `spec.os.name: windows`
//! are exempt.

use crate::pod::{is_windows, join_quote, pluralize};
use crate::pss::{Check, Controls, Forbidden, Level, PodCtx, Variant};
use crate::yaml::Node;

pub(super) static CHECK: Check = Check {
    id: "allowPrivilegeEscalation",
    level: Level::Restricted,
    doc: "containers[*].securityContext.allowPrivilegeEscalation must be false (Windows pods exempt from v1.25)",
    controls: Controls {
        cis: &["5.2.6"],
        nist: &["4.4.3"],
        pci: &["2.2.6"],
    },
    variants: &[
        Variant {
            min_minor: 8,
            check: v1_8,
            overrides: &[],
        },
        Variant {
            min_minor: 25,
            check: v1_25,
            overrides: &[],
        },
    ],
};

fn v1_8(pod: &PodCtx<'_>) -> Option<Forbidden> {
    let mut bad = Vec::new();
    let mut first: Option<&Node> = None;
    for c in &pod.containers {
        let field = c.sc("allowPrivilegeEscalation");
        if field.and_then(Node::bool) != Some(false) {
            bad.push(c.name);
            first.get_or_insert(field.unwrap_or(c.node));
        }
    }
    let at = first?;
    Some(Forbidden::new(
        "allowPrivilegeEscalation != false",
        format!(
            "{} {} must set securityContext.allowPrivilegeEscalation=false",
            pluralize("container", "containers", bad.len()),
            join_quote(&bad)
        ),
        at,
    ))
}

fn v1_25(pod: &PodCtx<'_>) -> Option<Forbidden> {
    if is_windows(pod.spec) {
        return None;
    }
    v1_8(pod)
}
