//! pip requirements files (`requirements.txt`, `requirements-dev.txt`, …): pinned `==`
//! requirements only, as a lock of what gets installed.

use palisade_core::{Ecosystem, Package, purl};

use crate::{Cataloger, file_name, package};

#[derive(Debug)]
pub struct Requirements;

/// A PyPI project name normalized as PEP 503 says: lower case, runs of `-_.` become `-`.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut separator = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            separator = true;
            continue;
        }
        if separator && !out.is_empty() {
            out.push('-');
        }
        separator = false;
        out.push(c.to_ascii_lowercase());
    }
    out
}

impl Cataloger for Requirements {
    fn name(&self) -> &'static str {
        "python-requirements"
    }

    fn wants(&self, path: &str) -> bool {
        let name = file_name(path);
        name.starts_with("requirements") && name.ends_with(".txt")
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, String> {
        let text = std::str::from_utf8(content)
            .map_err(|e| format!("{path} is not valid UTF-8 at byte {}", e.valid_up_to()))?;
        let mut packages = Vec::new();
        for line in text.lines() {
            // Drop comments, environment markers and per-requirement options.
            let line = line.split(" #").next().unwrap_or_default();
            let line = line.split(';').next().unwrap_or_default();
            let line = line.split(" --").next().unwrap_or_default().trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with('-') {
                continue;
            }
            let Some((name, version)) = line.split_once("==") else {
                continue;
            };
            let name = name.split('[').next().unwrap_or_default().trim();
            let version = version.trim().trim_start_matches('=');
            let valid_name = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
            if !valid_name || version.is_empty() || version.contains('*') {
                continue;
            }
            let normalized = normalize(name);
            packages.push(package(
                Ecosystem::PyPI,
                name,
                version,
                purl::build("pypi", None, &normalized, version, &[]),
            ));
        }
        Ok(packages)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinned_requirements_only() {
        let text = "# app deps\nrequests==2.19.0\nPyYAML==5.3  # yaml\n\
            Django[bcrypt]==2.2.0 ; python_version >= '3'\nflask>=1.0\n-r other.txt\n\
            six==1.16.0 --hash=sha256:abc\nbad name==1\nnumpy==1.*\n";
        let pkgs = Requirements
            .parse("/app/requirements.txt", text.as_bytes())
            .unwrap();
        let got: Vec<_> = pkgs
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("requests", "2.19.0"),
                ("PyYAML", "5.3"),
                ("Django", "2.2.0"),
                ("six", "1.16.0")
            ]
        );
        assert_eq!(pkgs[1].purl, "pkg:pypi/pyyaml@5.3");
    }

    #[test]
    fn normalizes_names() {
        assert_eq!(normalize("Zope.Interface__x"), "zope-interface-x");
        assert!(Requirements.wants("/app/requirements-dev.txt"));
        assert!(!Requirements.wants("/app/requirements.in"));
    }
}
