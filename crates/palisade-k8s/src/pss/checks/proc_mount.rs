//! `procMount_baseline` and `procMount_restricted`: `securityContext.procMount` must be unset or
//! `Default`. From v1.35 the baseline check allows any value for pods in a user namespace
//! (`hostUsers: false`), and the restricted check (which keeps the strict rule) replaces it.

use crate::pod::{in_user_namespace, join_quote, pluralize};
use crate::pss::{Check, Controls, Forbidden, Level, PodCtx, Variant};
use crate::yaml::Node;

pub(super) static BASELINE: Check = Check {
    id: "procMount_baseline",
    level: Level::Baseline,
    doc: "containers[*].securityContext.procMount unset or Default (any value with hostUsers: false from v1.35)",
    controls: Controls {
        cis: &[],
        nist: &["4.4.3"],
        pci: &["2.2.6"],
    },
    variants: &[
        Variant {
            min_minor: 0,
            check: strict,
            overrides: &[],
        },
        Variant {
            min_minor: 35,
            check: relaxed,
            overrides: &[],
        },
    ],
};

pub(super) static RESTRICTED: Check = Check {
    id: "procMount_restricted",
    level: Level::Restricted,
    doc: "containers[*].securityContext.procMount unset or Default, also in user namespaces",
    controls: Controls {
        cis: &[],
        nist: &["4.4.3"],
        pci: &["2.2.6"],
    },
    variants: &[Variant {
        min_minor: 35,
        check: strict,
        overrides: &["procMount_baseline"],
    }],
};

fn strict(pod: &PodCtx<'_>) -> Option<Forbidden> {
    let mut bad = Vec::new();
    let mut types: Vec<String> = Vec::new();
    let mut first: Option<&Node> = None;
    for c in &pod.containers {
        if let Some(f) = c.sc("procMount").filter(|f| !f.is_null()) {
            let t = f.str().unwrap_or("");
            if t != "Default" {
                bad.push(c.name);
                types.push(t.to_owned());
                first.get_or_insert(f);
            }
        }
    }
    let at = first?;
    types.sort();
    types.dedup();
    Some(Forbidden::new(
        "procMount",
        format!(
            "{} {} must not set securityContext.procMount to {}",
            pluralize("container", "containers", bad.len()),
            join_quote(&bad),
            join_quote(&types)
        ),
        at,
    ))
}

fn relaxed(pod: &PodCtx<'_>) -> Option<Forbidden> {
    if in_user_namespace(pod.spec) {
        return None;
    }
    strict(pod)
}
