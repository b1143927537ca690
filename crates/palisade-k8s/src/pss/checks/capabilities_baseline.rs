//! `capabilities_baseline` (baseline, v1.0+): `capabilities.add` may only hold the runtime's
//! default capabilities.

use crate::pod::{join_quote, pluralize};
use crate::pss::{Check, Controls, Forbidden, Level, PodCtx, Variant};
use crate::yaml::Node;

pub(super) static CHECK: Check = Check {
    id: "capabilities_baseline",
    level: Level::Baseline,
    doc: "capabilities.add only AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT",
    controls: Controls {
        cis: &["5.2.8", "5.2.9"],
        nist: &["4.4.3"],
        pci: &["2.2.6"],
    },
    variants: &[Variant {
        min_minor: 0,
        check: v1_0,
        overrides: &[],
    }],
};

pub(crate) const ALLOWED: [&str; 13] = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

fn v1_0(pod: &PodCtx<'_>) -> Option<Forbidden> {
    let mut containers = Vec::new();
    let mut caps: Vec<String> = Vec::new();
    let mut first: Option<&Node> = None;
    for c in &pod.containers {
        let mut bad = false;
        for cap in c.capabilities("add") {
            let name = cap.str().unwrap_or("");
            if !ALLOWED.contains(&name) {
                bad = true;
                caps.push(name.to_owned());
                first.get_or_insert(cap);
            }
        }
        if bad {
            containers.push(c.name);
        }
    }
    let at = first?;
    caps.sort();
    caps.dedup();
    Some(Forbidden::new(
        "non-default capabilities",
        format!(
            "{} {} must not include {} in securityContext.capabilities.add",
            pluralize("container", "containers", containers.len()),
            join_quote(&containers),
            join_quote(&caps)
        ),
        at,
    ))
}
