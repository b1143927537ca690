//! A table for people.

use std::fmt::Write;

use palisade_catalog::Catalog;

use crate::ImageSummary;

/// Lays out rows in columns separated by two spaces (the one table layout of
/// [`palisade_core::table`]).
pub fn columns(header: &[&str], rows: &[Vec<String>]) -> String {
    palisade_core::table::columns(header, rows)
}

/// The packages of an image, one per line.
pub fn table(image: &ImageSummary, catalog: &Catalog) -> String {
    let mut out = String::new();
    let _ = write!(out, "{}", image.name);
    if let Some(id) = image.identity() {
        let _ = write!(out, " ({id})");
    }
    out.push('\n');
    if let Some(d) = &catalog.distro {
        let name = d
            .pretty_name
            .clone()
            .unwrap_or_else(|| format!("{} {}", d.id, d.version_id));
        let _ = writeln!(out, "OS: {name}");
    }
    let layer_no = |digest: Option<&palisade_core::Digest>| -> String {
        digest
            .and_then(|d| {
                image
                    .layers
                    .iter()
                    .position(|l| l.diff_id.as_ref() == Some(d) || l.digest.as_ref() == Some(d))
            })
            .map_or_else(
                || "-".to_owned(),
                |i| format!("{} ({})", i + 1, digest.map_or("", |d| d.short())),
            )
    };
    let rows: Vec<Vec<String>> = catalog
        .packages
        .iter()
        .map(|p| {
            vec![
                p.name.clone(),
                p.version.clone(),
                p.ecosystem.to_string(),
                layer_no(p.layer()),
                p.locations
                    .first()
                    .map(|l| l.path.clone())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    let _ = writeln!(out, "{} packages\n", rows.len());
    out.push_str(&columns(
        &["NAME", "VERSION", "TYPE", "LAYER", "PATH"],
        &rows,
    ));
    for d in &catalog.diagnostics {
        let _ = writeln!(out, "warning: {}: {} ({})", d.path, d.message, d.cataloger);
    }
    out
}
