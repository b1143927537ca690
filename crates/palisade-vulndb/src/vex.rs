//! OpenVEX documents (<https://github.com/openvex/spec>): statements by the image's authors
//! that a vulnerability does not affect a product. `not_affected` statements suppress the
//! matching findings, and the report says which statement did.

use serde::Serialize;

use crate::matcher::Finding;

/// One statement, reduced to what matching needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VexStatement {
    /// The vulnerability's name and aliases.
    pub vulnerability: Vec<String>,
    /// Product and subcomponent package URLs; empty means every product.
    pub products: Vec<String>,
    pub status: String,
    pub justification: Option<String>,
    pub impact_statement: Option<String>,
    /// The document it came from.
    pub document: String,
}

/// A VEX document that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct VexError {
    pub file: String,
    pub message: String,
}

fn strings(v: Option<&serde_json::Value>, key: &str) -> Vec<String> {
    match v {
        Some(serde_json::Value::String(s)) => vec![s.clone()],
        Some(serde_json::Value::Array(a)) => a
            .iter()
            .flat_map(|x| match x {
                serde_json::Value::String(s) => vec![s.clone()],
                obj => {
                    let mut out: Vec<String> = obj
                        .get(key)
                        .and_then(|s| s.as_str())
                        .map(str::to_owned)
                        .into_iter()
                        .collect();
                    out.extend(strings(obj.get("subcomponents"), key));
                    out
                }
            })
            .collect(),
        Some(obj @ serde_json::Value::Object(_)) => {
            let mut out: Vec<String> = obj
                .get(key)
                .and_then(|s| s.as_str())
                .map(str::to_owned)
                .into_iter()
                .collect();
            out.extend(strings(obj.get("aliases"), key));
            out
        }
        _ => Vec::new(),
    }
}

/// Parses an OpenVEX JSON document (v0.0.1 strings or v0.2.0 objects).
pub fn parse(file: &str, text: &str) -> Result<Vec<VexStatement>, VexError> {
    let err = |message: String| VexError {
        file: file.to_owned(),
        message,
    };
    let doc: serde_json::Value =
        serde_json::from_str(text).map_err(|e| err(format!("not valid JSON: {e}")))?;
    let statements = doc
        .get("statements")
        .and_then(|s| s.as_array())
        .ok_or_else(|| err("no \"statements\" array: not an OpenVEX document".to_owned()))?;
    let mut out = Vec::with_capacity(statements.len());
    for (i, st) in statements.iter().enumerate() {
        let vulnerability = strings(st.get("vulnerability"), "name");
        let status = st
            .get("status")
            .and_then(|s| s.as_str())
            .unwrap_or_default()
            .to_owned();
        if vulnerability.is_empty() || status.is_empty() {
            return Err(err(format!(
                "statement {} has no vulnerability or status",
                i + 1
            )));
        }
        out.push(VexStatement {
            vulnerability,
            products: strings(st.get("products"), "@id"),
            status,
            justification: st
                .get("justification")
                .and_then(|s| s.as_str())
                .map(str::to_owned),
            impact_statement: st
                .get("impact_statement")
                .and_then(|s| s.as_str())
                .map(str::to_owned),
            document: file.to_owned(),
        });
    }
    Ok(out)
}

/// A purl without qualifiers and subpath, and whether it names a version.
fn purl_base(purl: &str) -> (&str, bool) {
    let base = purl.split(['?', '#']).next().unwrap_or(purl);
    let name_part = base.rsplit('/').next().unwrap_or(base);
    (base, name_part.contains('@'))
}

fn product_matches(product: &str, package_purl: &str) -> bool {
    let (product, versioned) = purl_base(product);
    let (package, _) = purl_base(package_purl);
    if versioned {
        product == package
    } else {
        package.split('@').next() == Some(product)
    }
}

impl VexStatement {
    /// Whether this statement suppresses a finding: `not_affected`, naming one of the
    /// finding's ids, for a product that is the package (or for every product, or the image
    /// as a whole).
    pub fn suppresses(&self, finding: &Finding) -> bool {
        if self.status != "not_affected" {
            return false;
        }
        let names = finding
            .names()
            .any(|n| self.vulnerability.iter().any(|v| v.eq_ignore_ascii_case(n)));
        let packages = self.products.is_empty()
            || self.products.iter().any(|p| {
                p.starts_with("pkg:oci/") && self.products.len() == 1
                    || product_matches(p, &finding.package.purl)
            });
        names && packages
    }

    pub fn reason(&self) -> String {
        format!(
            "vex: not_affected ({}) in {}",
            self.justification
                .as_deref()
                .or(self.impact_statement.as_deref())
                .unwrap_or("no justification"),
            self.document
        )
    }
}
