//! The Debian security tracker's JSON (`security-tracker.debian.org/tracker/data/json`):
//! source package → issue → release → status, fixed version and urgency.
//!
//! Each issue becomes one advisory (`DEBIAN-CVE-2023-0464`, alias `CVE-2023-0464`) with an
//! `affected` entry per source package and release (`Debian:12` for bookworm). `resolved`
//! with a fixed version gives a range fixed there (`0` means the release was never
//! affected: no entry); `open` and `undetermined` give an unfixed range. The release's
//! urgency becomes the entry's rating.

use std::collections::BTreeMap;

use super::{Format, Sink};
use crate::model::{Advisory, Affected, Event, Range, SeverityScore};
use crate::store::StoreError;

/// Debian release code names and their numbers, as OSV names the ecosystems.
const RELEASES: &[(&str, &str)] = &[
    ("wheezy", "7"),
    ("jessie", "8"),
    ("stretch", "9"),
    ("buster", "10"),
    ("bullseye", "11"),
    ("bookworm", "12"),
    ("trixie", "13"),
    ("forky", "14"),
    ("duke", "15"),
];

/// The release number of a Debian code name.
pub fn release_number(codename: &str) -> Option<&'static str> {
    RELEASES
        .iter()
        .find(|(c, _)| *c == codename)
        .map(|(_, n)| *n)
}

/// Whether a JSON document has the tracker's shape (package → issue → `releases`).
pub fn looks_like(value: &serde_json::Value) -> bool {
    let Some(map) = value.as_object() else {
        return false;
    };
    map.values()
        .next()
        .and_then(|issues| issues.as_object())
        .and_then(|issues| issues.values().next())
        .is_some_and(|issue| issue.get("releases").is_some())
}

/// Converts the whole document; problems are returned as messages.
pub fn convert(value: &serde_json::Value) -> (Vec<Advisory>, Vec<String>) {
    let mut notes = Vec::new();
    let mut out: BTreeMap<String, Advisory> = BTreeMap::new();
    let Some(packages) = value.as_object() else {
        return (
            Vec::new(),
            vec!["the tracker document is not a JSON object".to_owned()],
        );
    };
    for (package, issues) in packages {
        let Some(issues) = issues.as_object() else {
            notes.push(format!("{package}: not an object of issues; skipped"));
            continue;
        };
        for (issue, data) in issues {
            let Some(releases) = data.get("releases").and_then(|r| r.as_object()) else {
                notes.push(format!("{package}/{issue}: no releases; skipped"));
                continue;
            };
            for (codename, rel) in releases {
                let Some(number) = release_number(codename) else {
                    continue; // sid and unknown code names have no OSV ecosystem
                };
                let status = rel
                    .get("status")
                    .and_then(|s| s.as_str())
                    .unwrap_or_default();
                let fixed = rel.get("fixed_version").and_then(|s| s.as_str());
                let mut events = vec![Event::Introduced("0".to_owned())];
                match (status, fixed) {
                    ("resolved", Some("0")) => continue,
                    ("resolved", Some(v)) if !v.is_empty() => {
                        events.push(Event::Fixed(v.to_owned()))
                    }
                    ("resolved", _) => {
                        notes.push(format!("{package}/{issue}/{codename}: resolved without a fixed version; skipped"));
                        continue;
                    }
                    ("open" | "undetermined", _) => {}
                    (other, _) => {
                        notes.push(format!(
                            "{package}/{issue}/{codename}: unknown status {other:?}; skipped"
                        ));
                        continue;
                    }
                }
                let urgency = rel
                    .get("urgency")
                    .and_then(|u| u.as_str())
                    .map(|u| u.trim_end_matches('*').trim())
                    .filter(|u| !u.is_empty() && *u != "not yet assigned");
                let id = format!("DEBIAN-{issue}");
                let advisory = out.entry(id.clone()).or_insert_with(|| Advisory {
                    id,
                    aliases: if issue.starts_with("CVE-") {
                        vec![issue.clone()]
                    } else {
                        Vec::new()
                    },
                    summary: data
                        .get("description")
                        .and_then(|d| d.as_str())
                        .map(|d| d.chars().take(200).collect())
                        .unwrap_or_else(|| format!("{issue} in Debian")),
                    references: vec![format!(
                        "https://security-tracker.debian.org/tracker/{issue}"
                    )],
                    ..Advisory::default()
                });
                advisory.affected.push(Affected {
                    ecosystem: format!("Debian:{number}"),
                    name: package.clone(),
                    ranges: vec![Range::Ecosystem { events }],
                    severity: urgency
                        .map(|u| SeverityScore::Rating(u.to_owned()))
                        .into_iter()
                        .collect(),
                    ..Affected::default()
                });
            }
        }
    }
    (out.into_values().collect(), notes)
}

pub(crate) fn import(
    sink: &mut Sink<'_>,
    location: &str,
    value: serde_json::Value,
) -> Result<(), StoreError> {
    let (advisories, notes) = convert(&value);
    for n in notes {
        sink.diagnostic(location, n);
    }
    for advisory in &advisories {
        sink.advisory(Format::DebianTracker, advisory)?;
    }
    Ok(())
}
