//! `hostNamespaces` (baseline, v1.0+): `hostNetwork`, `hostPID` and `hostIPC` must be unset or
//! false.

use crate::pss::{Check, Controls, Forbidden, Level, PodCtx, Variant};
use crate::yaml::Node;

pub(super) static CHECK: Check = Check {
    id: "hostNamespaces",
    level: Level::Baseline,
    doc: "spec.hostNetwork, spec.hostPID, spec.hostIPC unset or false",
    controls: Controls {
        cis: &["5.2.3", "5.2.4", "5.2.5"],
        nist: &["4.4.3"],
        pci: &["2.2.6"],
    },
    variants: &[Variant {
        min_minor: 0,
        check: v1_0,
        overrides: &[],
    }],
};

fn v1_0(pod: &PodCtx<'_>) -> Option<Forbidden> {
    let mut set = Vec::new();
    let mut first: Option<&Node> = None;
    for field in ["hostNetwork", "hostPID", "hostIPC"] {
        if let Some(f) = pod.spec.get(field).filter(|f| f.is_true()) {
            set.push(format!("{field}=true"));
            first.get_or_insert(f);
        }
    }
    Some(Forbidden::new("host namespaces", set.join(", "), first?))
}
