//! `secret_scans`: secrets in the image's files, in every layer — a file a later layer deleted
//! still ships its bytes.

use super::{Controls, Evidence, Fired, Gate, Kind, NotEvaluated, Trigger, p};
use crate::bundle::Rule;
use crate::facts::SecretHit;

pub const GATE: Gate = Gate {
    name: "secret_scans",
    description: "Checks for secrets (keys, tokens, passwords) in the files of every layer.",
    triggers: &[Trigger {
        name: "content_regex_checks",
        description: "With match_type found (the default): fires for each secret found, of \
                      the named kind (content_regex_name: Anchore's AWS_ACCESS_KEY, \
                      AWS_SECRET_KEY, PRIV_KEY, DOCKER_AUTH, API_KEY, or a palisade secret \
                      rule id) in files whose path matches filename_regex. With notfound: \
                      fires once when there is none.",
        params: &[
            p("content_regex_name", false, Kind::Text),
            p("filename_regex", false, Kind::Regex),
            p("match_type", false, Kind::OneOf(&["found", "notfound"])),
        ],
        check: Some(content_regex_checks),
        controls: Controls {
            cis: &["4.10"],
            nist: &["4.1.4"],
            pci: &["8.3.2", "8.6.2"],
        },
    }],
};

/// The palisade secret rules an Anchore secret name stands for; `None` for an unknown name.
pub fn rules_for(name: &str) -> Option<Vec<&'static str>> {
    let ids: Vec<&'static str> = match name {
        "AWS_ACCESS_KEY" => vec!["aws-access-key-id"],
        "AWS_SECRET_KEY" => vec!["aws-secret-access-key"],
        "PRIV_KEY" => vec!["private-key"],
        "DOCKER_AUTH" => vec!["docker-config-auth"],
        "API_KEY" => palisade_secrets::rules::ALL
            .iter()
            .filter(|r| {
                !matches!(
                    r.id,
                    "private-key"
                        | "aws-access-key-id"
                        | "aws-secret-access-key"
                        | "docker-config-auth"
                )
            })
            .map(|r| r.id)
            .collect(),
        other => palisade_secrets::rules::ALL
            .iter()
            .filter(|r| r.id == other)
            .map(|r| r.id)
            .collect(),
    };
    (!ids.is_empty()).then_some(ids)
}

fn content_regex_checks(rule: &Rule, evidence: &Evidence<'_>) -> Result<Vec<Fired>, NotEvaluated> {
    let kinds = match rule.param("content_regex_name").filter(|n| !n.is_empty()) {
        Some(name) => Some(
            rules_for(name).ok_or_else(|| NotEvaluated(format!("unknown secret kind {name:?}")))?,
        ),
        None => None,
    };
    let files = match rule.param("filename_regex").filter(|r| !r.is_empty()) {
        Some(pattern) => Some(regex::Regex::new(pattern).map_err(|e| {
            NotEvaluated(format!("filename_regex {pattern:?} does not compile: {e}"))
        })?),
        None => None,
    };
    let selected: Vec<&SecretHit> = evidence
        .facts
        .secrets
        .iter()
        .filter(|s| {
            kinds
                .as_ref()
                .is_none_or(|k| k.contains(&s.finding.rule_id))
        })
        .filter(|s| files.as_ref().is_none_or(|re| re.is_match(&s.path)))
        .collect();
    if rule.param("match_type") == Some("notfound") {
        return Ok(if selected.is_empty() {
            vec![Fired::new(
                "notfound",
                "Secret search found no match, as the rule requires one",
            )]
        } else {
            Vec::new()
        });
    }
    Ok(selected
        .into_iter()
        .map(|s| {
            let deleted = if s.visible {
                String::new()
            } else {
                " (deleted by a later layer, still in the image)".to_owned()
            };
            Fired::new(
                format!("{}+{}", s.finding.rule_id, s.path),
                format!(
                    "Secret search analyzer found regexp match in container: file={} line={} kind={}{deleted}: {}",
                    s.path, s.finding.line, s.finding.rule_id, s.finding.redacted
                ),
            )
            .at(&s.path, super::layer_of(s.layer.as_ref()))
        })
        .collect())
}
