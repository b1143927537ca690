//! Installed Python distributions: `*.dist-info/METADATA` (wheels, pip), and
//! `*.egg-info/PKG-INFO` or a bare `*.egg-info` file (setuptools). Only the header block of
//! the core metadata is read; the description after it is ignored.

use palisade_core::{Ecosystem, Package, purl};

use super::python_requirements::normalize;
use crate::{Cataloger, file_name, package};

#[derive(Debug)]
pub struct PythonInstalled;

/// The core metadata headers: everything before the first empty line, continuation lines
/// (starting with white space) joined to their field.
fn headers<'a>(path: &str, content: &'a [u8]) -> Result<Vec<(&'a str, String)>, String> {
    let end = content
        .windows(2)
        .position(|w| w == b"\n\n")
        .or_else(|| content.windows(4).position(|w| w == b"\r\n\r\n"))
        .unwrap_or(content.len());
    let head = content.get(..end).unwrap_or(content);
    let text = std::str::from_utf8(head)
        .map_err(|e| format!("{path} is not valid UTF-8 at byte {}", e.valid_up_to()))?;
    let mut out: Vec<(&str, String)> = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.starts_with(' ') || line.starts_with('\t') {
            if let Some((_, value)) = out.last_mut() {
                value.push('\n');
                value.push_str(line.trim());
            }
            continue;
        }
        match line.split_once(':') {
            Some((key, value)) => out.push((key.trim(), value.trim().to_owned())),
            None if line.trim().is_empty() => {}
            None => {
                return Err(format!(
                    "{path}:{}: not a metadata header: expected `Field: value`",
                    number + 1
                ));
            }
        }
    }
    Ok(out)
}

fn field<'a>(headers: &'a [(&str, String)], key: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// Declared licences: `License-Expression` (PEP 639, SPDX) first, then a one-line `License`
/// field, then the `License ::` trove classifiers.
fn licenses(headers: &[(&str, String)]) -> Vec<String> {
    if let Some(expr) = field(headers, "License-Expression") {
        return vec![expr.to_owned()];
    }
    if let Some(license) = field(headers, "License") {
        // Some projects paste their whole licence text here; keep only short declarations.
        let unknown = license.eq_ignore_ascii_case("UNKNOWN");
        if !unknown && !license.contains('\n') && license.len() <= 100 {
            return vec![license.to_owned()];
        }
    }
    headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("Classifier"))
        .filter_map(|(_, v)| v.strip_prefix("License ::"))
        .filter_map(|v| v.rsplit("::").next())
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty() && v != "OSI Approved")
        .collect()
}

impl Cataloger for PythonInstalled {
    fn name(&self) -> &'static str {
        "python-installed"
    }

    fn wants(&self, path: &str) -> bool {
        let name = file_name(path);
        let parent = path
            .strip_suffix(name)
            .and_then(|p| p.strip_suffix('/'))
            .map_or("", file_name);
        (name == "METADATA" && parent.ends_with(".dist-info"))
            || (name == "PKG-INFO" && parent.ends_with(".egg-info"))
            || name.ends_with(".egg-info")
    }

    fn max_size(&self) -> u64 {
        8 << 20
    }

    fn parse(&self, path: &str, content: &[u8]) -> Result<Vec<Package>, String> {
        let headers = headers(path, content)?;
        let name = field(&headers, "Name").ok_or_else(|| format!("{path}: no Name field"))?;
        let version =
            field(&headers, "Version").ok_or_else(|| format!("{path}: no Version field"))?;
        let mut p = package(
            Ecosystem::PyPI,
            name,
            version,
            purl::build("pypi", None, &normalize(name), version, &[]),
        );
        p.licenses = licenses(&headers);
        Ok(vec![p])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/python");

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!("{FIXTURES}/{name}")).unwrap()
    }

    fn one(path: &str, content: &[u8]) -> Package {
        let mut pkgs = PythonInstalled.parse(path, content).unwrap();
        assert_eq!(pkgs.len(), 1);
        pkgs.remove(0)
    }

    #[test]
    fn wants_metadata_files_only() {
        let c = PythonInstalled;
        assert!(c.wants("/usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA"));
        assert!(c.wants("/usr/lib/python3.11/site-packages/six-1.16.0.egg-info/PKG-INFO"));
        assert!(c.wants("/usr/lib/python3/dist-packages/pyxdg-0.28.egg-info"));
        assert!(!c.wants("/usr/lib/python3/dist-packages/requests-2.31.0.dist-info/RECORD"));
        assert!(!c.wants("/src/METADATA"));
        assert!(!c.wants("/src/PKG-INFO"));
    }

    #[test]
    fn dist_info_with_classifier_licence() {
        let p = one(
            "/site-packages/Jinja2-3.1.2.dist-info/METADATA",
            &fixture("Jinja2.METADATA"),
        );
        assert_eq!((p.name.as_str(), p.version.as_str()), ("Jinja2", "3.1.2"));
        assert_eq!(p.purl, "pkg:pypi/jinja2@3.1.2");
        assert_eq!(p.licenses, ["BSD License"]);
        assert_eq!(p.ecosystem, Ecosystem::PyPI);
    }

    #[test]
    fn real_pyyaml_wheel_metadata() {
        let p = one(
            "/usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA",
            &fixture("PyYAML.METADATA"),
        );
        assert_eq!(p.purl, "pkg:pypi/pyyaml@6.0");
        assert_eq!(p.licenses, ["MIT"]);
    }

    #[test]
    fn license_expression_wins() {
        let p = one(
            "/site-packages/zope.interface-6.0.dist-info/METADATA",
            &fixture("zope.interface.METADATA"),
        );
        assert_eq!(p.purl, "pkg:pypi/zope-interface@6.0");
        assert_eq!(p.licenses, ["ZPL-2.1 OR MIT"]);
    }

    #[test]
    fn egg_info_file_with_license_field() {
        let p = one(
            "/usr/lib/python3/dist-packages/pyxdg-0.28.egg-info",
            &fixture("pyxdg.egg-info"),
        );
        assert_eq!(p.purl, "pkg:pypi/pyxdg@0.28");
        assert_eq!(p.licenses, ["LGPLv2"]);
    }

    #[test]
    fn long_licence_text_falls_back_to_classifiers() {
        let text = "Metadata-Version: 2.1\r\nName: Foo_Bar\r\nVersion: 1.0\r\n\
            License: Copyright (c) 2020 someone\r\n        Permission is hereby granted\r\n\
            Classifier: License :: OSI Approved :: MIT License\r\n\r\nbody: text\r\n";
        let p = one("/x/Foo_Bar-1.0.dist-info/METADATA", text.as_bytes());
        assert_eq!(p.purl, "pkg:pypi/foo-bar@1.0");
        assert_eq!(p.licenses, ["MIT License"]);
    }

    #[test]
    fn hostile_input_is_a_clear_error() {
        let path = "/x/a-1.dist-info/METADATA";
        let c = PythonInstalled;
        assert!(c.parse(path, b"").unwrap_err().contains("no Name field"));
        assert!(
            c.parse(path, b"Name: a\nVers")
                .unwrap_err()
                .contains(":2: not a metadata header")
        );
        let err = c.parse(path, b"Name: a\xff\nVersion: 1\n").unwrap_err();
        assert!(err.contains("not valid UTF-8 at byte 7"), "{err}");
        assert!(c.parse(path, &[0u8; 4096]).is_err());
        // Invalid UTF-8 in the description after the headers does not matter.
        let p = one(path, b"Name: a\nVersion: 1\n\n\xff\xfe");
        assert_eq!(p.version, "1");
    }
}
