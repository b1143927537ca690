//! SPDX 2.3 JSON (<https://spdx.github.io/spdx-spec/v2.3/>).

use palisade_catalog::Catalog;
use serde_json::{Value, json};

use crate::{ImageSummary, Timestamp, Tool, rfc3339, uuid};
use palisade_core::license::{License, classify};

/// Makes a string safe for an SPDX identifier (`[A-Za-z0-9.-]`).
fn id_part(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

fn declared(licenses: &[String]) -> String {
    let parts: Vec<&str> = licenses
        .iter()
        .filter_map(|l| match classify(l) {
            License::Id(id) => Some(id),
            License::Expression(e) => Some(e),
            License::Name(_) => None,
        })
        .collect();
    match parts.as_slice() {
        [] => "NOASSERTION".to_owned(),
        [one] => (*one).to_owned(),
        many => many
            .iter()
            .map(|p| {
                if p.contains(' ') {
                    format!("({p})")
                } else {
                    (*p).to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join(" AND "),
    }
}

/// The SBOM as an SPDX 2.3 document.
pub fn spdx(image: &ImageSummary, catalog: &Catalog, now: Timestamp) -> Value {
    let created = rfc3339(now);
    let image_id = "SPDXRef-Image";
    let mut packages = vec![{
        let mut p = json!({
            "name": image.name,
            "SPDXID": image_id,
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": "NOASSERTION",
            "copyrightText": "NOASSERTION",
            "primaryPackagePurpose": "CONTAINER",
        });
        if let Some(id) = image.identity() {
            p["versionInfo"] = json!(id.to_string());
        }
        p
    }];
    let mut relationships = vec![json!({
        "spdxElementId": "SPDXRef-DOCUMENT",
        "relationshipType": "DESCRIBES",
        "relatedSpdxElement": image_id,
    })];
    if let Some(d) = &catalog.distro {
        let id = format!("SPDXRef-OperatingSystem-{}", id_part(&d.id));
        packages.push(json!({
            "name": d.id,
            "SPDXID": id,
            "versionInfo": d.version_id,
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": "NOASSERTION",
            "copyrightText": "NOASSERTION",
            "primaryPackagePurpose": "OPERATING-SYSTEM",
        }));
        relationships.push(json!({
            "spdxElementId": image_id,
            "relationshipType": "CONTAINS",
            "relatedSpdxElement": id,
        }));
    }
    for (i, p) in catalog.packages.iter().enumerate() {
        let id = format!("SPDXRef-Package-{}-{}", i + 1, id_part(&p.name));
        let mut entry = json!({
            "name": p.name,
            "SPDXID": id,
            "versionInfo": p.version,
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": declared(&p.licenses),
            "copyrightText": "NOASSERTION",
            "externalRefs": [{
                "referenceCategory": "PACKAGE-MANAGER",
                "referenceType": "purl",
                "referenceLocator": p.purl,
            }],
            "primaryPackagePurpose": "LIBRARY",
        });
        if let Some(loc) = p.locations.first() {
            let layer = loc
                .layer
                .as_ref()
                .map(|l| format!(" in layer {l}"))
                .unwrap_or_default();
            entry["sourceInfo"] = json!(format!("found by {} in {}{layer}", p.found_by, loc.path));
        }
        if let Some(src) = &p.source {
            entry["comment"] = json!(format!("source package {} {}", src.name, src.version));
        }
        packages.push(entry);
        relationships.push(json!({
            "spdxElementId": image_id,
            "relationshipType": "CONTAINS",
            "relatedSpdxElement": id,
        }));
    }
    json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": image.name,
        "documentNamespace": format!(
            "https://spdx.org/spdxdocs/palisade/{}-{}",
            id_part(&image.name),
            uuid(&format!("{}|{created}", image.name))
        ),
        "creationInfo": {
            "creators": [format!("Tool: {}-{}", Tool::PALISADE.name, Tool::PALISADE.version)],
            "created": created,
        },
        "packages": packages,
        "relationships": relationships,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_licences() {
        assert_eq!(declared(&[]), "NOASSERTION");
        assert_eq!(
            declared(&["MIT".into(), "Apache-2.0".into()]),
            "MIT AND Apache-2.0"
        );
        assert_eq!(declared(&["GPL-2+".into()]), "NOASSERTION");
        assert_eq!(id_part("a b/c"), "a-b-c");
    }
}
