//! `retrieved_files`: the content of named files.

use super::{Controls, Evidence, Fired, Gate, Kind, NotEvaluated, Trigger, p};
use crate::bundle::Rule;

const CONTROLS: Controls = Controls {
    cis: &[],
    nist: &["4.1.2"],
    pci: &["2.2.1"],
};

pub const GATE: Gate = Gate {
    name: "retrieved_files",
    description: "Checks the content of files named in the rule.",
    triggers: &[
        Trigger {
            name: "content_not_available",
            description: "Fires when the file is not in the image.",
            params: &[p("path", true, Kind::Text)],
            check: Some(content_not_available),
            controls: CONTROLS,
        },
        Trigger {
            name: "content_regex",
            description: "Fires when the file's content matches (check match) or does not \
                          match (check no_match) the pattern.",
            params: &[
                p("path", true, Kind::Text),
                p("check", true, Kind::OneOf(&["match", "no_match"])),
                p("regex", true, Kind::Regex),
            ],
            check: Some(content_regex),
            controls: CONTROLS,
        },
    ],
};

fn content_not_available(rule: &Rule, evidence: &Evidence<'_>) -> Result<Vec<Fired>, NotEvaluated> {
    let path = rule.param("path").unwrap_or("");
    Ok(if evidence.facts.content(path).is_none() {
        vec![Fired::new(
            path,
            format!("Cannot locate file in the image analysis: {path}"),
        )]
    } else {
        Vec::new()
    })
}

fn content_regex(rule: &Rule, evidence: &Evidence<'_>) -> Result<Vec<Fired>, NotEvaluated> {
    let path = rule.param("path").unwrap_or("");
    let pattern = rule.param("regex").unwrap_or("");
    let Some(content) = evidence.facts.content(path) else {
        return Ok(Vec::new());
    };
    let re = regex::bytes::Regex::new(pattern)
        .map_err(|e| NotEvaluated(format!("regex {pattern:?} does not compile: {e}")))?;
    let matched = re.is_match(content);
    let want_match = rule.param("check") == Some("match");
    Ok(if matched == want_match {
        let layer = evidence
            .facts
            .files
            .get(path)
            .and_then(|f| super::layer_of(f.layer.as_ref()));
        vec![
            Fired::new(
                format!("{path}+{pattern}"),
                format!(
                    "Content of file {path} {} regex {pattern}",
                    if matched { "matches" } else { "does not match" }
                ),
            )
            .at(path, layer),
        ]
    } else {
        Vec::new()
    })
}
