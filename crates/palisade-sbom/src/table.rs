//! A table for people.

use std::fmt::Write;

use palisade_catalog::Catalog;

use crate::ImageSummary;

/// Lays out rows in columns separated by two spaces.
pub fn columns(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cells: &mut dyn Iterator<Item = &str>| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.zip(&widths).enumerate() {
            if i > 0 {
                s.push_str("  ");
            }
            let _ = write!(s, "{cell:<w$}");
        }
        out.push_str(s.trim_end());
        out.push('\n');
    };
    line(&mut out, &mut header.iter().copied());
    for row in rows {
        line(&mut out, &mut row.iter().map(String::as_str));
    }
    out
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
