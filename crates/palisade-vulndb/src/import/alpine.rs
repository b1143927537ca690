//! Alpine secdb YAML (`v3.10/main.yaml`): for each package, the versions that fixed each CVE.
//!
//! secdb is organised by package; advisories are by issue. Records are merged per id across
//! all files of a source (`ALPINE-CVE-2019-10206`, affecting `Alpine:v3.10/ansible` fixed in
//! `2.8.4-r0`, `Alpine:v3.11/ansible` …). A fixed version of `0` means the release was never
//! affected and produces no range.

use std::collections::BTreeMap;

use saphyr::{LoadableYamlNode, Scalar, Yaml};

use super::Sink;
use crate::model::{Advisory, Affected, Event, Range};

/// YAML anchors and aliases can expand exponentially; secdb never uses them.
fn has_aliases(text: &str) -> bool {
    ["&", "*"].iter().any(|sigil| {
        [": ", "- ", "[", ", ", "? "]
            .iter()
            .any(|lead| text.contains(&format!("{lead}{sigil}")))
    })
}

fn scalar_text(y: &Yaml<'_>) -> Option<String> {
    match y {
        Yaml::Value(Scalar::String(s)) => Some(s.to_string()),
        Yaml::Value(Scalar::Integer(i)) => Some(i.to_string()),
        Yaml::Value(Scalar::FloatingPoint(f)) => Some(f.to_string()),
        Yaml::Representation(s, ..) => Some(s.to_string()),
        _ => None,
    }
}

/// Converts one secdb file, merging into `out`; problems are returned as messages.
pub fn convert(text: &str, out: &mut BTreeMap<String, Advisory>) -> Result<Vec<String>, String> {
    if has_aliases(text) {
        return Err("YAML anchors or aliases are not accepted in secdb files".to_owned());
    }
    let docs = Yaml::load_from_str(text).map_err(|e| format!("not valid YAML: {e}"))?;
    let doc = docs.first().ok_or("empty YAML document")?;
    let release = doc
        .as_mapping_get("distroversion")
        .and_then(scalar_text)
        .ok_or("no distroversion: not a secdb file")?;
    let ecosystem = format!("Alpine:{}", release.trim());
    let packages = doc
        .as_mapping_get("packages")
        .and_then(Yaml::as_sequence)
        .ok_or("no packages list: not a secdb file")?;
    let mut notes = Vec::new();
    for (i, entry) in packages.iter().enumerate() {
        let pkg = entry.as_mapping_get("pkg");
        let Some(name) = pkg
            .and_then(|p| p.as_mapping_get("name"))
            .and_then(scalar_text)
        else {
            notes.push(format!("packages[{i}] has no pkg.name; skipped"));
            continue;
        };
        let Some(fixes) = pkg
            .and_then(|p| p.as_mapping_get("secfixes"))
            .and_then(Yaml::as_mapping)
        else {
            continue;
        };
        for (version, ids) in fixes {
            let Some(version) = scalar_text(version) else {
                notes.push(format!("{name}: a secfixes key is not a version; skipped"));
                continue;
            };
            let Some(ids) = ids.as_sequence() else {
                continue;
            };
            for id in ids.iter().filter_map(scalar_text) {
                // Entries may hold several ids separated by spaces ("CVE-1 CVE-2").
                for id in id.split_whitespace() {
                    if version.trim() == "0" {
                        continue;
                    }
                    let key = format!("ALPINE-{id}");
                    let adv = out.entry(key.clone()).or_insert_with(|| Advisory {
                        id: key,
                        aliases: vec![id.to_owned()],
                        summary: format!("{id} fixed in Alpine packages"),
                        references: vec![format!("https://security.alpinelinux.org/vuln/{id}")],
                        ..Advisory::default()
                    });
                    adv.affected.push(Affected {
                        ecosystem: ecosystem.clone(),
                        name: name.clone(),
                        ranges: vec![Range::Ecosystem {
                            events: vec![
                                Event::Introduced("0".to_owned()),
                                Event::Fixed(version.trim().to_owned()),
                            ],
                        }],
                        ..Affected::default()
                    });
                }
            }
        }
    }
    Ok(notes)
}

pub(crate) fn import(
    sink: &mut Sink<'_>,
    out: &mut BTreeMap<String, Advisory>,
    location: &str,
    bytes: &[u8],
) {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            sink.diagnostic(location, format!("not UTF-8: {e}"));
            return;
        }
    };
    match convert(text, out) {
        Ok(notes) => notes.into_iter().for_each(|n| sink.diagnostic(location, n)),
        Err(message) => sink.diagnostic(location, message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_fixes_by_cve() {
        let text = "distroversion: v3.10\nreponame: main\npackages:\n  - pkg:\n      name: ansible\n      secfixes:\n        2.8.4-r0:\n          - CVE-2019-10206 CVE-2019-10217\n        0:\n          - CVE-2000-1\n  - pkg:\n      name: bad\n";
        let mut out = BTreeMap::new();
        let notes = convert(text, &mut out).unwrap();
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(out.len(), 2);
        let a = &out["ALPINE-CVE-2019-10217"];
        assert_eq!(a.affected[0].ecosystem, "Alpine:v3.10");
        assert_eq!(a.affected[0].fixed_versions(), vec!["2.8.4-r0".to_owned()]);
    }

    #[test]
    fn refuses_alias_bombs() {
        let text = "a: &a [x, x]\nb: &b [*a, *a]\ndistroversion: v1\n";
        assert!(convert(text, &mut BTreeMap::new()).is_err());
    }
}
