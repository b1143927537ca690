//! `privileged` (baseline, v1.0+): containers must not set `securityContext.privileged=true`.

use crate::pod::{join_quote, pluralize};
use crate::pss::{Check, Controls, Forbidden, Level, PodCtx, Variant};
use crate::yaml::Node;

pub(super) static CHECK: Check = Check {
    id: "privileged",
    level: Level::Baseline,
    doc: "containers[*].securityContext.privileged unset or false",
    controls: Controls {
        cis: &["5.2.2"],
        nist: &["4.4.3", "4.5.5"],
        pci: &["2.2.6"],
    },
    variants: &[Variant {
        min_minor: 0,
        check: v1_0,
        overrides: &[],
    }],
};

fn v1_0(pod: &PodCtx<'_>) -> Option<Forbidden> {
    let mut bad = Vec::new();
    let mut first: Option<&Node> = None;
    for c in &pod.containers {
        if let Some(f) = c.sc("privileged").filter(|f| f.is_true()) {
            bad.push(c.name);
            first.get_or_insert(f);
        }
    }
    let at = first?;
    Some(Forbidden::new(
        "privileged",
        format!(
            "{} {} must not set securityContext.privileged=true",
            pluralize("container", "containers", bad.len()),
            join_quote(&bad)
        ),
        at,
    ))
}
