//! Debian packages declare their licences in `/usr/share/doc/PACKAGE/copyright`; machine-readable
//! (DEP-5) files name them in `License:` fields. They are attached to the dpkg packages of the
//! same name.

/// The package a copyright file belongs to, when `path` is one.
pub(crate) fn package_of(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/usr/share/doc/")?;
    let (package, file) = rest.split_once('/')?;
    (file == "copyright" && !package.is_empty()).then_some(package)
}

/// The licence short names of a DEP-5 copyright file, in order of first appearance.
pub(crate) fn licenses(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        let Some(value) = line.strip_prefix("License:") else {
            continue;
        };
        let value = value.trim();
        if value.is_empty() || value.len() > 128 {
            continue;
        }
        // `License: GPL-2+ or Artistic` names several; keep an expression as written, and turn
        // a single short name into its SPDX identifier where there is one (GPL-3+ →
        // GPL-3.0-or-later).
        let value = if value.contains(char::is_whitespace) || value.contains(',') {
            value.to_owned()
        } else {
            palisade_core::license::normalize(value)
        };
        if !out.contains(&value) {
            out.push(value);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_dep5_license_fields() {
        assert_eq!(package_of("/usr/share/doc/bash/copyright"), Some("bash"));
        assert_eq!(package_of("/usr/share/doc/bash/README"), None);
        let text = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n\
            Files: *\nCopyright: 1987-2022 FSF\nLicense: GPL-3+\n\nFiles: lib/*\nLicense: GPL-3+\n\n\
            Files: doc/*\nLicense: GFDL-NIV-1.3\n Permission is granted...\n";
        assert_eq!(licenses(text), ["GPL-3.0-or-later", "GFDL-NIV-1.3"]);
        assert_eq!(
            licenses("License: GPL-2+ or Artistic\nLicense: Expat\n"),
            ["GPL-2+ or Artistic", "MIT"]
        );
        assert!(licenses("no fields here").is_empty());
    }
}
