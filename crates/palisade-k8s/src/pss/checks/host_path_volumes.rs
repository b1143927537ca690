//! `hostPathVolumes` (baseline, v1.0+): no hostPath volumes.

use crate::pod::{join_quote, pluralize};
use crate::pss::{Check, Controls, Forbidden, Level, PodCtx, Variant};
use crate::yaml::Node;

pub(super) static CHECK: Check = Check {
    id: "hostPathVolumes",
    level: Level::Baseline,
    doc: "spec.volumes[*].hostPath must be unset",
    controls: Controls {
        cis: &["5.2.12"],
        nist: &["4.5.5"],
        pci: &["2.2.6"],
    },
    variants: &[Variant {
        min_minor: 0,
        check: v1_0,
        overrides: &[],
    }],
};

fn v1_0(pod: &PodCtx<'_>) -> Option<Forbidden> {
    let mut names = Vec::new();
    let mut first: Option<&Node> = None;
    for vol in pod.spec.get("volumes").map(Node::items).unwrap_or_default() {
        if let Some(hp) = vol.get("hostPath").filter(|h| !h.is_null()) {
            names.push(vol.get("name").and_then(Node::str).unwrap_or(""));
            first.get_or_insert(hp);
        }
    }
    let at = first?;
    Some(Forbidden::new(
        "hostPath volumes",
        format!(
            "{} {}",
            pluralize("volume", "volumes", names.len()),
            join_quote(&names)
        ),
        at,
    ))
}
