//! `hostPorts` (baseline, v1.0+): `ports[*].hostPort` must be unset or 0.

use crate::pod::{join_quote, pluralize};
use crate::pss::{Check, Controls, Forbidden, Level, PodCtx, Variant};
use crate::yaml::Node;

pub(super) static CHECK: Check = Check {
    id: "hostPorts",
    level: Level::Baseline,
    doc: "containers[*].ports[*].hostPort unset or 0",
    controls: Controls {
        cis: &["5.2.13"],
        nist: &["4.4.2"],
        pci: &["1.2.5"],
    },
    variants: &[Variant {
        min_minor: 0,
        check: v1_0,
        overrides: &[],
    }],
};

fn v1_0(pod: &PodCtx<'_>) -> Option<Forbidden> {
    let mut containers = Vec::new();
    let mut ports: Vec<i64> = Vec::new();
    let mut first: Option<&Node> = None;
    for c in &pod.containers {
        let mut bad = false;
        for port in c.node.get("ports").map(Node::items).unwrap_or_default() {
            if let Some(hp) = port.get("hostPort") {
                let n = hp.int().unwrap_or(0);
                if n != 0 {
                    bad = true;
                    ports.push(n);
                    first.get_or_insert(hp);
                }
            }
        }
        if bad {
            containers.push(c.name);
        }
    }
    let at = first?;
    ports.sort_unstable();
    ports.dedup();
    let ports: Vec<String> = ports.iter().map(i64::to_string).collect();
    Some(Forbidden::new(
        "hostPort",
        format!(
            "{} {} {} {} {}",
            pluralize("container", "containers", containers.len()),
            join_quote(&containers),
            pluralize("uses", "use", containers.len()),
            pluralize("hostPort", "hostPorts", ports.len()),
            ports.join(", ")
        ),
        at,
    ))
}
