//! `files`: the image's files — names, contents, modes and checksums.

use super::{Controls, Evidence, Fired, Gate, Kind, NotEvaluated, Trigger, p};
use crate::bundle::Rule;

const CONTROLS: Controls = Controls {
    cis: &["4.10"],
    nist: &["4.1.2", "4.1.4"],
    pci: &["2.2.1"],
};

pub const GATE: Gate = Gate {
    name: "files",
    description: "Checks the files of the image's final filesystem.",
    triggers: &[
        Trigger {
            name: "content_regex_match",
            description: "Fires for each file whose content matches the pattern `regex_name` \
                          (any of the bundle's content patterns when it is not given).",
            params: &[p("regex_name", false, Kind::Regex)],
            check: Some(content_regex_match),
            controls: CONTROLS,
        },
        Trigger {
            name: "name_match",
            description: "Fires for each file whose full path matches the pattern.",
            params: &[p("regex", true, Kind::Regex)],
            check: Some(name_match),
            controls: CONTROLS,
        },
        Trigger {
            name: "attribute_match",
            description: "Fires when a file's checksum or mode compares as the rule says.",
            params: &[
                p("filename", true, Kind::Text),
                p("checksum_algorithm", false, Kind::OneOf(&["sha256"])),
                p("checksum", false, Kind::Text),
                p(
                    "checksum_match",
                    false,
                    Kind::OneOf(&["equals", "not_equals"]),
                ),
                p("mode", false, Kind::Text),
                p("mode_op", false, super::COMPARISON),
                p("skip_missing", false, Kind::Bool),
            ],
            check: Some(attribute_match),
            controls: CONTROLS,
        },
        Trigger {
            name: "suid_or_guid_set",
            description: "Fires for each file with the setuid or setgid bit.",
            params: &[],
            check: Some(suid_or_guid_set),
            controls: Controls {
                cis: &["4.8"],
                nist: &["4.1.2"],
                pci: &["7.2.1"],
            },
        },
    ],
};

/// The patterns a bundle's `content_regex_match` rules search for, for the facts pass.
pub fn content_pattern(rule: &Rule) -> Option<&str> {
    rule.param("regex_name")
        .filter(|r| !r.is_empty() && *r != "*")
}

fn content_regex_match(rule: &Rule, evidence: &Evidence<'_>) -> Result<Vec<Fired>, NotEvaluated> {
    let wanted = content_pattern(rule);
    let patterns = &evidence.facts.patterns;
    let mut fired = Vec::new();
    for file in evidence.facts.files.values() {
        for &i in &file.facts.patterns {
            let Some(pattern) = patterns.get(i) else {
                continue;
            };
            if wanted.is_some_and(|w| w != pattern) {
                continue;
            }
            fired.push(
                Fired::new(
                    format!("{}+{pattern}", file.path),
                    format!("File content '{pattern}' found in {}", file.path),
                )
                .at(&file.path, super::layer_of(file.layer.as_ref())),
            );
        }
    }
    Ok(fired)
}

fn name_match(rule: &Rule, evidence: &Evidence<'_>) -> Result<Vec<Fired>, NotEvaluated> {
    let pattern = rule.param("regex").unwrap_or("");
    let re = regex::Regex::new(pattern)
        .map_err(|e| NotEvaluated(format!("regex {pattern:?} does not compile: {e}")))?;
    Ok(evidence
        .facts
        .paths
        .iter()
        .filter(|p| re.is_match(p))
        .map(|path| {
            let layer = evidence.facts.files.get(path).and_then(|f| f.layer.as_ref());
            Fired::new(
                path.clone(),
                format!("Application of regex matched file found in container: file={path} regexp={pattern}"),
            )
            .at(path, super::layer_of(layer))
        })
        .collect())
}

fn attribute_match(rule: &Rule, evidence: &Evidence<'_>) -> Result<Vec<Fired>, NotEvaluated> {
    let name = rule.param("filename").unwrap_or("");
    let Some(file) = evidence.facts.files.get(name) else {
        if super::truthy(rule.param("skip_missing")) == Some(false) {
            return Ok(vec![Fired::new(
                name,
                format!("Specified filename to evaluate ({name}) was not found in the image"),
            )]);
        }
        return Ok(Vec::new());
    };
    let layer = super::layer_of(file.layer.as_ref());
    let mut fired = Vec::new();
    if let Some(expected) = rule.param("checksum") {
        let Some(actual) = &file.facts.sha256 else {
            return Err(NotEvaluated(format!(
                "the checksum of {name} was not computed"
            )));
        };
        let equal = actual.eq_ignore_ascii_case(expected.trim_start_matches("sha256:"));
        let want_equal = rule.param("checksum_match") != Some("not_equals");
        if equal == want_equal {
            fired.push(
                Fired::new(
                    name,
                    format!(
                        "Checksum ({actual}) of {name} {} the specified checksum",
                        if equal { "matches" } else { "does not match" }
                    ),
                )
                .at(name, layer.clone()),
            );
        }
    }
    if let Some(mode) = rule.param("mode") {
        let want = u32::from_str_radix(mode.trim_start_matches("0o"), 8)
            .map_err(|_| NotEvaluated(format!("mode {mode:?} is not an octal number")))?;
        let actual = file.facts.mode & 0o7777;
        let op = rule.param("mode_op").unwrap_or("=");
        if super::compare(op, actual, want) {
            fired.push(
                Fired::new(
                    name,
                    format!("Mode ({actual:o}) of {name} is {op} {want:o}"),
                )
                .at(name, layer),
            );
        }
    }
    Ok(fired)
}

fn suid_or_guid_set(_: &Rule, evidence: &Evidence<'_>) -> Result<Vec<Fired>, NotEvaluated> {
    Ok(evidence
        .facts
        .special
        .iter()
        .map(|f| {
            Fired::new(
                f.path.clone(),
                format!(
                    "SUID or SGID found set on file {}. Mode: {:o}",
                    f.path,
                    f.mode & 0o7777
                ),
            )
            .at(&f.path, super::layer_of(f.layer.as_ref()))
        })
        .collect())
}
