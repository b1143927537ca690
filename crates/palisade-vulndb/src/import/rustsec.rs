//! RustSec advisory-db (`crates/<name>/RUSTSEC-YYYY-NNNN.md`): Markdown with a TOML front
//! matter block holding `[advisory]` and `[versions]`.

use serde::Deserialize;

use super::{Format, Sink};
use crate::model::{Advisory, Affected, Range, SeverityScore};
use crate::store::StoreError;

#[derive(Debug, Deserialize)]
struct FrontMatter {
    advisory: Meta,
    #[serde(default)]
    versions: Versions,
}

#[derive(Debug, Deserialize)]
struct Meta {
    id: String,
    package: String,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    references: Vec<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    cvss: Option<String>,
    #[serde(default)]
    informational: Option<String>,
    #[serde(default)]
    withdrawn: Option<String>,
    /// Old advisories keep title and description in the front matter.
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
struct Versions {
    #[serde(default)]
    patched: Vec<String>,
    #[serde(default)]
    unaffected: Vec<String>,
}

/// Converts one advisory file; `Err` is a message for the diagnostic.
pub fn convert(text: &str) -> Result<Advisory, String> {
    let rest = text
        .strip_prefix("```toml")
        .ok_or("no ```toml front matter")?;
    let end = rest
        .find("\n```")
        .ok_or("front matter is not closed by ```")?;
    let (front, body) = (&rest[..end], &rest[end + 4..]);
    let fm: FrontMatter = toml::from_str(front).map_err(|e| format!("front matter: {e}"))?;
    let body = body.trim_start_matches(|c: char| c != '\n').trim();
    let (title, details) = match body.strip_prefix("# ") {
        Some(b) => match b.split_once('\n') {
            Some((t, d)) => (t.trim().to_owned(), d.trim().to_owned()),
            None => (b.trim().to_owned(), String::new()),
        },
        None => (String::new(), body.to_owned()),
    };
    let meta = fm.advisory;
    let mut severity = Vec::new();
    if let Some(v) = meta.cvss.filter(|v| !v.is_empty()) {
        if v.starts_with("CVSS:4") {
            severity.push(SeverityScore::CvssV4(v));
        } else {
            severity.push(SeverityScore::CvssV3(v));
        }
    }
    let mut references = Vec::new();
    references.extend(meta.url);
    references.extend(meta.references);
    Ok(Advisory {
        id: meta.id,
        // RustSec records carry only a date; the file's content decides re-imports of equal
        // dates.
        modified: meta.date.clone().unwrap_or_default(),
        published: meta.date,
        withdrawn: meta.withdrawn,
        aliases: meta.aliases,
        summary: meta.title.filter(|t| !t.is_empty()).unwrap_or(title),
        details: meta
            .description
            .filter(|t| !t.is_empty())
            .unwrap_or(details),
        severity,
        references,
        affected: vec![Affected {
            ecosystem: "crates.io".to_owned(),
            name: meta.package,
            ranges: vec![Range::Cargo {
                patched: fm.versions.patched,
                unaffected: fm.versions.unaffected,
            }],
            ..Affected::default()
        }],
        informational: meta.informational.filter(|s| !s.is_empty()),
    })
}

pub(crate) fn import(sink: &mut Sink<'_>, location: &str, bytes: &[u8]) -> Result<(), StoreError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            sink.diagnostic(location, format!("not UTF-8: {e}"));
            return Ok(());
        }
    };
    match convert(text) {
        Ok(advisory) => sink.advisory(Format::Rustsec, &advisory),
        Err(message) => {
            sink.diagnostic(location, message);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_front_matter_and_title() {
        let text = "```toml\n[advisory]\nid = \"RUSTSEC-2019-0009\"\npackage = \"smallvec\"\ndate = \"2019-06-06\"\naliases = [\"CVE-2019-15551\"]\n\n[versions]\npatched = [\">= 0.6.10\"]\nunaffected = [\"< 0.6.5\"]\n```\n\n# Double-free and use-after-free in SmallVec::grow()\n\nAttempting to call `grow`...\n";
        let a = convert(text).unwrap();
        assert_eq!(a.id, "RUSTSEC-2019-0009");
        assert_eq!(
            a.summary,
            "Double-free and use-after-free in SmallVec::grow()"
        );
        assert_eq!(a.affected[0].name, "smallvec");
        assert_eq!(
            a.affected[0].ranges,
            vec![Range::Cargo {
                patched: vec![">= 0.6.10".into()],
                unaffected: vec!["< 0.6.5".into()]
            }]
        );
        assert!(convert("```toml\n[advisory]\nid = 1\n```").is_err());
        assert!(convert("# no front matter").is_err());
    }
}
