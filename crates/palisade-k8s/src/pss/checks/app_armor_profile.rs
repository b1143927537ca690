//! `appArmorProfile` (baseline, v1.0+): AppArmor annotations must be `runtime/default`,
//! `localhost/*` or empty, and `securityContext.appArmorProfile.type` (pod and containers) must be
//! `RuntimeDefault` or `Localhost`.

use crate::pod::{join_quote, pluralize};
use crate::pss::{Check, Controls, Forbidden, Level, PodCtx, Variant, setters};
use crate::yaml::Node;

pub(super) static CHECK: Check = Check {
    id: "appArmorProfile",
    level: Level::Baseline,
    doc: "AppArmor annotations runtime/default or localhost/*; appArmorProfile.type RuntimeDefault or Localhost",
    controls: Controls {
        cis: &[],
        nist: &["4.4.3"],
        pci: &["2.2.6"],
    },
    variants: &[Variant {
        min_minor: 0,
        check: v1_0,
        overrides: &[],
    }],
};

const ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

fn allowed_type(t: Option<&str>) -> bool {
    matches!(t, Some("RuntimeDefault" | "Localhost"))
}

fn v1_0(pod: &PodCtx<'_>) -> Option<Forbidden> {
    let mut first: Option<&Node> = None;
    let mut bad_values: Vec<String> = Vec::new();
    let mut pod_bad = false;
    if let Some(profile) = pod.pod_sc("appArmorProfile").filter(|p| !p.is_null()) {
        let t = profile.get("type").and_then(Node::str);
        if !allowed_type(t) {
            pod_bad = true;
            bad_values.push(t.unwrap_or("").to_owned());
            first.get_or_insert(profile);
        }
    }
    let mut containers = Vec::new();
    for c in &pod.containers {
        if let Some(profile) = c.sc("appArmorProfile").filter(|p| !p.is_null()) {
            let t = profile.get("type").and_then(Node::str);
            if !allowed_type(t) {
                containers.push(c.name);
                bad_values.push(t.unwrap_or("").to_owned());
                first.get_or_insert(profile);
            }
        }
    }
    bad_values.sort();
    bad_values.dedup();
    let mut annotations = Vec::new();
    for (k, v) in pod.annotations() {
        let (Some(key), value) = (k.str(), v.str().unwrap_or("")) else {
            continue;
        };
        if key.starts_with(ANNOTATION_PREFIX)
            && !(value.is_empty() || value == "runtime/default" || value.starts_with("localhost/"))
        {
            annotations.push(format!("{key}={value:?}"));
            first.get_or_insert(v);
        }
    }
    annotations.sort();
    let at = first?;
    let mut who = setters(pod_bad, &containers);
    if !annotations.is_empty() {
        let word = pluralize("annotation", "annotations", annotations.len());
        who = if who.is_empty() {
            word.to_owned()
        } else {
            format!("{who} and {word}")
        };
    }
    bad_values.extend(annotations);
    Some(Forbidden::new(
        pluralize(
            "forbidden AppArmor profile",
            "forbidden AppArmor profiles",
            bad_values.len(),
        ),
        format!(
            "{who} must not set AppArmor profile type to {}",
            join_quote(&bad_values)
        ),
        at,
    ))
}
