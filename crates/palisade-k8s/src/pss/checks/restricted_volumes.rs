//! `restrictedVolumes` (restricted, v1.0+): only configMap, csi, downwardAPI, emptyDir,
//! ephemeral, persistentVolumeClaim, projected and secret volumes. A volume with no source is
//! defaulted to emptyDir by the API server, so it is allowed.

use crate::pod::{join_quote, pluralize};
use crate::pss::{Check, Controls, Forbidden, Level, PodCtx, Variant};
use crate::yaml::Node;

pub(super) static CHECK: Check = Check {
    id: "restrictedVolumes",
    level: Level::Restricted,
    doc: "volumes only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret",
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

pub(crate) const ALLOWED: [&str; 8] = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/// The volume source types a volume uses that restricted forbids.
pub(crate) fn forbidden_types(vol: &Node) -> Vec<(&str, &Node)> {
    vol.entries()
        .iter()
        .filter_map(|(k, v)| Some((k.str()?, v)))
        .filter(|(k, v)| *k != "name" && !v.is_null() && !ALLOWED.contains(k))
        .collect()
}

fn v1_0(pod: &PodCtx<'_>) -> Option<Forbidden> {
    let mut names = Vec::new();
    let mut types: Vec<String> = Vec::new();
    let mut first: Option<&Node> = None;
    for vol in pod.spec.get("volumes").map(Node::items).unwrap_or_default() {
        let bad = forbidden_types(vol);
        if let Some((_, node)) = bad.first() {
            names.push(vol.get("name").and_then(Node::str).unwrap_or(""));
            first.get_or_insert(node);
            types.extend(bad.iter().map(|(t, _)| (*t).to_owned()));
        }
    }
    let at = first?;
    types.sort();
    types.dedup();
    Some(Forbidden::new(
        "restricted volume types",
        format!(
            "{} {} {} restricted volume {} {}",
            pluralize("volume", "volumes", names.len()),
            join_quote(&names),
            pluralize("uses", "use", names.len()),
            pluralize("type", "types", types.len()),
            join_quote(&types)
        ),
        at,
    ))
}
