//! `hostProbesAndHostLifecycle` (baseline, v1.34+): probes and lifecycle handlers must not set
//! `httpGet.host` or `tcpSocket.host`.

use crate::pod::{join_quote, pluralize};
use crate::pss::{Check, Controls, Forbidden, Level, PodCtx, Variant};
use crate::yaml::Node;

pub(super) static CHECK: Check = Check {
    id: "hostProbesAndHostLifecycle",
    level: Level::Baseline,
    doc: "probes and lifecycle handlers: httpGet.host and tcpSocket.host unset",
    controls: Controls {
        cis: &[],
        nist: &["4.4.2"],
        pci: &[],
    },
    variants: &[Variant {
        min_minor: 34,
        check: v1_34,
        overrides: &[],
    }],
};

fn v1_34(pod: &PodCtx<'_>) -> Option<Forbidden> {
    let mut containers = Vec::new();
    let mut hosts: Vec<String> = Vec::new();
    let mut first: Option<&Node> = None;
    for c in &pod.containers {
        let mut bad = false;
        let handlers = ["livenessProbe", "readinessProbe", "startupProbe"]
            .iter()
            .filter_map(|p| c.node.get(p))
            .chain(
                ["postStart", "preStop"]
                    .iter()
                    .filter_map(|h| c.node.at(&["lifecycle", h])),
            );
        for handler in handlers {
            for action in ["httpGet", "tcpSocket"] {
                if let Some(host) = handler
                    .at(&[action, "host"])
                    .filter(|h| h.str().is_some_and(|s| !s.is_empty()))
                {
                    bad = true;
                    hosts.push(host.str().unwrap_or("").to_owned());
                    first.get_or_insert(host);
                }
            }
        }
        if bad {
            containers.push(c.name);
        }
    }
    let at = first?;
    containers.sort_unstable();
    containers.dedup();
    hosts.sort();
    hosts.dedup();
    Some(Forbidden::new(
        "probe or lifecycle host",
        format!(
            "{} {} {} {} {}",
            pluralize("container", "containers", containers.len()),
            join_quote(&containers),
            pluralize("uses", "use", containers.len()),
            pluralize(
                "probe or lifecycle host",
                "probe or lifecycle hosts",
                hosts.len()
            ),
            join_quote(&hosts)
        ),
        at,
    ))
}
