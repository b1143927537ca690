//! One module per kind of package evidence.

mod apk;
mod cargo_lock;
mod dpkg;
pub(crate) mod elf;
mod go_binary;
mod java_archive;
mod npm_installed;
mod npm_lock;
mod pnpm_lock;
mod python_installed;
mod python_pipfile;
mod python_poetry;
mod python_requirements;
mod rpm;
mod rpm_bdb;
mod rpm_ndb;
mod rust_binary;
mod yarn_lock;

use crate::Cataloger;

/// Every cataloger palisade has, in the order their packages are listed.
pub fn all() -> Vec<Box<dyn Cataloger>> {
    vec![
        Box::new(dpkg::Dpkg),
        Box::new(apk::Apk),
        Box::new(rpm::RpmDb),
        Box::new(python_requirements::Requirements),
        Box::new(python_installed::PythonInstalled),
        Box::new(python_poetry::PoetryLock),
        Box::new(python_pipfile::PipfileLock),
        Box::new(npm_lock::PackageLock),
        Box::new(npm_installed::NpmInstalled),
        Box::new(yarn_lock::YarnLock),
        Box::new(pnpm_lock::PnpmLock),
        Box::new(cargo_lock::CargoLock),
        Box::new(go_binary::GoBinary),
        Box::new(rust_binary::RustAuditable),
        Box::new(java_archive::JavaArchive),
    ]
}

/// Splits RFC 822-style paragraphs (dpkg status, apk installed db) into `(key, value)` lists,
/// joining continuation lines.
pub(crate) fn paragraphs(text: &str) -> Vec<Vec<(&str, String)>> {
    let mut out = Vec::new();
    let mut current: Vec<(&str, String)> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            continue;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            if let Some((_, value)) = current.last_mut() {
                value.push('\n');
                value.push_str(line.trim());
            }
            continue;
        }
        if let Some((key, value)) = line.split_once(':') {
            current.push((key.trim(), value.trim().to_owned()));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The value of a field in a paragraph.
pub(crate) fn field<'a>(paragraph: &'a [(&str, String)], key: &str) -> Option<&'a str> {
    paragraph
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_str())
}
