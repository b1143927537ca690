//! Writing a bundle in palisade's own YAML format (`palisade policy convert`).
//!
//! ```yaml
//! apiVersion: palisade.dev/v1
//! kind: PolicyBundle
//! metadata: {name: prod-images}
//! policies:
//!   - id: default
//!     rules:
//!       - {gate: dockerfile, trigger: exposed_ports, action: stop, params: {ports: "22", type: blacklist}}
//! allowlists:
//!   - id: accepted
//!     items:
//!       - {gate: vulnerabilities, trigger: "CVE-2020-8203+lodash", expires: "2027-01-31T00:00:00Z"}
//! mappings:
//!   - {image: "*", policies: [default], allowlists: [accepted]}
//! allowedImages: []
//! deniedImages: []
//! ```
//!
//! Every scalar is written as a double-quoted string (JSON syntax, which YAML reads the same),
//! so no value can change meaning on the way.

use std::fmt::Write;

use crate::bundle::{Bundle, ImageMatch, ImageSelector};

fn q(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

fn image(sel: &ImageSelector) -> String {
    if sel.registry == "*"
        && sel.repository == "*"
        && sel.value == "*"
        && sel.kind == ImageMatch::Tag
    {
        return "*".to_owned();
    }
    match sel.kind {
        ImageMatch::Tag => format!("{}/{}:{}", sel.registry, sel.repository, sel.value),
        ImageMatch::Digest | ImageMatch::Id => {
            format!("{}/{}@{}", sel.registry, sel.repository, sel.value)
        }
    }
}

/// The bundle in palisade's YAML format.
pub fn to_yaml(bundle: &Bundle) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "apiVersion: palisade.dev/v1\nkind: PolicyBundle\nmetadata:"
    );
    let _ = writeln!(
        out,
        "  name: {}",
        q(bundle.name.as_deref().unwrap_or(&bundle.id))
    );
    let _ = writeln!(out, "  id: {}", q(&bundle.id));
    if let Some(d) = &bundle.description {
        let _ = writeln!(out, "  description: {}", q(d));
    }
    out.push_str("policies:\n");
    for p in &bundle.policies {
        let _ = writeln!(out, "  - id: {}", q(&p.id));
        if let Some(n) = &p.name {
            let _ = writeln!(out, "    name: {}", q(n));
        }
        if p.rules.is_empty() {
            out.push_str("    rules: []\n");
            continue;
        }
        out.push_str("    rules:\n");
        for r in &p.rules {
            let _ = writeln!(out, "      - id: {}", q(&r.id));
            let _ = writeln!(out, "        gate: {}", q(&r.gate));
            let _ = writeln!(out, "        trigger: {}", q(&r.trigger));
            let _ = writeln!(out, "        action: {}", r.action);
            if !r.params.is_empty() {
                out.push_str("        params:\n");
                for (k, v) in &r.params {
                    let _ = writeln!(out, "          {}: {}", q(k), q(v));
                }
            }
        }
    }
    out.push_str("allowlists:\n");
    if bundle.allowlists.is_empty() {
        out.truncate(out.len() - 1);
        out.push_str(" []\n");
    }
    for a in &bundle.allowlists {
        let _ = writeln!(out, "  - id: {}", q(&a.id));
        if let Some(n) = &a.name {
            let _ = writeln!(out, "    name: {}", q(n));
        }
        if a.items.is_empty() {
            out.push_str("    items: []\n");
            continue;
        }
        out.push_str("    items:\n");
        for i in &a.items {
            let _ = write!(
                out,
                "      - {{id: {}, gate: {}, trigger: {}",
                q(&i.id),
                q(&i.gate),
                q(&i.trigger_id)
            );
            if let Some(e) = &i.expires_on_text {
                let _ = write!(out, ", expires: {}", q(e));
            }
            out.push_str("}\n");
        }
    }
    out.push_str("mappings:\n");
    if bundle.mappings.is_empty() {
        out.truncate(out.len() - 1);
        out.push_str(" []\n");
    }
    for m in &bundle.mappings {
        let _ = write!(
            out,
            "  - image: {}\n    policies: [",
            q(&image(&m.selector))
        );
        let ids: Vec<String> = m.policy_ids.iter().map(|s| q(s)).collect();
        let _ = write!(out, "{}]\n    allowlists: [", ids.join(", "));
        let ids: Vec<String> = m.allowlist_ids.iter().map(|s| q(s)).collect();
        let _ = writeln!(out, "{}]", ids.join(", "));
        if let Some(n) = &m.selector.name {
            let _ = writeln!(out, "    name: {}", q(n));
        }
    }
    for (key, list) in [
        ("allowedImages", &bundle.allowed_images),
        ("deniedImages", &bundle.denied_images),
    ] {
        if list.is_empty() {
            let _ = writeln!(out, "{key}: []");
            continue;
        }
        let _ = writeln!(out, "{key}:");
        for sel in list.iter() {
            let _ = writeln!(out, "  - image: {}", q(&image(sel)));
        }
    }
    out
}
