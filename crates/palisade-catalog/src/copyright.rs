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
        // `License: GPL-2+ or Artistic` names several; keep the expression as written.
        if !out.iter().any(|l| l == value) {
            out.push(value.to_owned());
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
        assert_eq!(licenses(text), ["GPL-3+", "GFDL-NIV-1.3"]);
        assert!(licenses("no fields here").is_empty());
    }
}
