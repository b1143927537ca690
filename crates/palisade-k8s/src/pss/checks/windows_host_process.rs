//! `windowsHostProcess` (baseline, v1.0+): neither the pod nor a container may set
//! `securityContext.windowsOptions.hostProcess=true`.

use crate::pss::{Check, Controls, Forbidden, Level, PodCtx, Variant, setters};
use crate::yaml::Node;

pub(super) static CHECK: Check = Check {
    id: "windowsHostProcess",
    level: Level::Baseline,
    doc: "securityContext.windowsOptions.hostProcess unset or false",
    controls: Controls {
        cis: &["5.2.11"],
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
    fn host_process(n: Option<&Node>) -> Option<&Node> {
        n.and_then(|w| w.get("hostProcess")).filter(|h| h.is_true())
    }
    let mut first = host_process(pod.pod_sc("windowsOptions"));
    let pod_bad = first.is_some();
    let mut bad = Vec::new();
    for c in &pod.containers {
        if let Some(h) = host_process(c.sc("windowsOptions")) {
            bad.push(c.name);
            first.get_or_insert(h);
        }
    }
    let at = first?;
    Some(Forbidden::new(
        "hostProcess",
        format!(
            "{} must not set securityContext.windowsOptions.hostProcess=true",
            setters(pod_bad, &bad)
        ),
        at,
    ))
}
