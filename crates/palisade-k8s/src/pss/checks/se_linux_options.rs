//! `seLinuxOptions` (baseline, v1.0+): SELinux type only `container_t`, `container_init_t`,
//! `container_kvm_t` (and `container_engine_t` from v1.31); user and role must be unset.

use crate::pod::{join_quote, pluralize};
use crate::pss::{Check, Controls, Forbidden, Level, PodCtx, Variant, setters};
use crate::yaml::Node;

pub(super) static CHECK: Check = Check {
    id: "seLinuxOptions",
    level: Level::Baseline,
    doc: "seLinuxOptions.type container_t, container_init_t, container_kvm_t (+container_engine_t from v1.31); user and role unset",
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
            min_minor: 31,
            check: v1_31,
            overrides: &[],
        },
    ],
};

const TYPES_1_0: &[&str] = &["", "container_t", "container_init_t", "container_kvm_t"];
const TYPES_1_31: &[&str] = &[
    "",
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

fn v1_0(pod: &PodCtx<'_>) -> Option<Forbidden> {
    check(pod, TYPES_1_0)
}

fn v1_31(pod: &PodCtx<'_>) -> Option<Forbidden> {
    check(pod, TYPES_1_31)
}

fn check(pod: &PodCtx<'_>, allowed: &[&str]) -> Option<Forbidden> {
    let mut bad_types: Vec<String> = Vec::new();
    let (mut set_user, mut set_role) = (false, false);
    let mut first: Option<&Node> = None;
    let mut valid = |opts: &Node| {
        let mut ok = true;
        let t = opts.get("type").and_then(Node::str).unwrap_or("");
        if !allowed.contains(&t) {
            ok = false;
            bad_types.push(t.to_owned());
        }
        if opts
            .get("user")
            .and_then(Node::str)
            .is_some_and(|u| !u.is_empty())
        {
            ok = false;
            set_user = true;
        }
        if opts
            .get("role")
            .and_then(Node::str)
            .is_some_and(|r| !r.is_empty())
        {
            ok = false;
            set_role = true;
        }
        ok
    };
    let mut pod_bad = false;
    if let Some(opts) = pod.pod_sc("seLinuxOptions").filter(|o| o.is_map()) {
        if !valid(opts) {
            pod_bad = true;
            first = Some(opts);
        }
    }
    let mut containers = Vec::new();
    for c in &pod.containers {
        if let Some(opts) = c.sc("seLinuxOptions").filter(|o| o.is_map()) {
            if !valid(opts) {
                containers.push(c.name);
                first.get_or_insert(opts);
            }
        }
    }
    let at = first?;
    bad_types.sort();
    bad_types.dedup();
    let mut data = Vec::new();
    if !bad_types.is_empty() {
        data.push(format!(
            "{} {}",
            pluralize("type", "types", bad_types.len()),
            join_quote(&bad_types)
        ));
    }
    if set_user {
        data.push("user may not be set".to_owned());
    }
    if set_role {
        data.push("role may not be set".to_owned());
    }
    Some(Forbidden::new(
        "seLinuxOptions",
        format!(
            "{} set forbidden securityContext.seLinuxOptions: {}",
            setters(pod_bad, &containers),
            data.join("; ")
        ),
        at,
    ))
}
