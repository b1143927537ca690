//! CycloneDX 1.5 JSON (<https://cyclonedx.org/docs/1.5/json/>).

use palisade_catalog::Catalog;
use palisade_core::{Distro, Package};
use serde_json::{Value, json};

use crate::{ImageSummary, Timestamp, Tool, rfc3339, uuid};
use palisade_core::license::{License, classify};

fn licenses(p: &Package) -> Option<Value> {
    if p.licenses.is_empty() {
        return None;
    }
    // An expression must stand alone in the array.
    if let [one] = p.licenses.as_slice() {
        if let License::Expression(e) = classify(one) {
            return Some(json!([{ "expression": e }]));
        }
    }
    let list: Vec<Value> = p
        .licenses
        .iter()
        .map(|l| match classify(l) {
            License::Id(id) => json!({ "license": { "id": id } }),
            License::Expression(name) | License::Name(name) => {
                json!({ "license": { "name": name } })
            }
        })
        .collect();
    Some(Value::Array(list))
}

fn properties(p: &Package) -> Vec<Value> {
    let mut props = vec![json!({ "name": "palisade:package:found-by", "value": p.found_by })];
    if let Some(loc) = p.locations.first() {
        props.push(json!({ "name": "palisade:package:path", "value": loc.path }));
        if let Some(layer) = &loc.layer {
            props.push(json!({ "name": "palisade:layer:diff-id", "value": layer.to_string() }));
        }
    }
    if let Some(src) = &p.source {
        props.push(json!({ "name": "palisade:package:source-name", "value": src.name }));
        props.push(json!({ "name": "palisade:package:source-version", "value": src.version }));
    }
    if let Some(arch) = &p.arch {
        props.push(json!({ "name": "palisade:package:arch", "value": arch }));
    }
    props
}

/// The bom-ref of a package: its PURL, made unique when the same PURL is found in several
/// files (the first keeps the PURL itself).
fn bom_refs(packages: &[Package]) -> Vec<String> {
    let mut seen = std::collections::HashMap::<&str, usize>::new();
    packages
        .iter()
        .map(|p| {
            let n = seen.entry(p.purl.as_str()).or_default();
            *n += 1;
            if *n == 1 {
                p.purl.clone()
            } else {
                format!("{}#{}", p.purl, n)
            }
        })
        .collect()
}

/// What a CycloneDX document describes: an image, its operating system and its packages.
/// The SBOM and the vulnerability report both start from this one document.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// The image reference as the user gave it.
    pub name: &'a str,
    /// The image's identity (its manifest or config digest), when known.
    pub version: Option<&'a str>,
    pub distro: Option<&'a Distro>,
    pub packages: &'a [Package],
}

/// The CycloneDX 1.5 document of `subject`, created at `timestamp` (RFC 3339); `serial_seed`
/// makes the serial number (the same seed gives the same number).
pub fn document(subject: Subject<'_>, timestamp: &str, serial_seed: &str) -> Value {
    let image_ref = format!("image:{}", subject.name);
    let refs = bom_refs(subject.packages);
    let mut components: Vec<Value> = Vec::new();
    let mut os_ref = None;
    if let Some(d) = subject.distro {
        let r = format!("os:{}-{}", d.id, d.version_id);
        let mut os = json!({
            "bom-ref": r,
            "type": "operating-system",
            "name": d.id,
            "version": d.version_id,
        });
        if let Some(description) = &d.pretty_name {
            os["description"] = json!(description);
        }
        components.push(os);
        os_ref = Some(r);
    }
    for (p, r) in subject.packages.iter().zip(&refs) {
        let mut c = json!({
            "bom-ref": r,
            "type": "library",
            "name": p.name,
            "version": p.version,
            "purl": p.purl,
            "properties": properties(p),
        });
        if let Some(l) = licenses(p) {
            c["licenses"] = l;
        }
        components.push(c);
    }
    let mut image_component = json!({
        "bom-ref": image_ref,
        "type": "container",
        "name": subject.name,
    });
    if let Some(version) = subject.version {
        image_component["version"] = json!(version);
    }
    let mut dependencies = vec![json!({
        "ref": image_ref,
        "dependsOn": os_ref.iter().chain(
            subject.packages.iter().zip(&refs)
                .filter(|(p, _)| os_ref.is_none() || !p.ecosystem.is_os())
                .map(|(_, r)| r),
        ).collect::<Vec<_>>(),
    })];
    if let Some(os) = &os_ref {
        let os_packages: Vec<&String> = subject
            .packages
            .iter()
            .zip(&refs)
            .filter(|(p, _)| p.ecosystem.is_os())
            .map(|(_, r)| r)
            .collect();
        dependencies.push(json!({ "ref": os, "dependsOn": os_packages }));
    }
    json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.5.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": format!("urn:uuid:{}", uuid(serial_seed)),
        "version": 1,
        "metadata": {
            "timestamp": timestamp,
            "tools": { "components": [{
                "type": "application",
                "name": Tool::PALISADE.name,
                "version": Tool::PALISADE.version,
            }]},
            "component": image_component,
        },
        "components": components,
        "dependencies": dependencies,
    })
}

/// The SBOM as a CycloneDX 1.5 document.
pub fn cyclonedx(image: &ImageSummary, catalog: &Catalog, now: Timestamp) -> Value {
    let created = rfc3339(now);
    let version = image.identity().map(|id| id.to_string());
    let subject = Subject {
        name: &image.name,
        version: version.as_deref(),
        distro: catalog.distro.as_ref(),
        packages: &catalog.packages,
    };
    document(subject, &created, &format!("{}|{created}", image.name))
}
