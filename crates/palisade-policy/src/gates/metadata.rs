//! `metadata`: attributes of the image as a whole.

use super::{Controls, Evidence, Fired, Gate, Kind, NotEvaluated, Trigger, p};
use crate::bundle::Rule;

const ATTRIBUTES: &[&str] = &[
    "size",
    "architecture",
    "os_type",
    "distro",
    "distro_version",
    "like_distro",
    "layer_count",
];

pub const GATE: Gate = Gate {
    name: "metadata",
    description: "Checks attributes of the image: size, architecture, OS, distribution, layers.",
    triggers: &[Trigger {
        name: "attribute",
        description: "Fires when the attribute passes the check against the value.",
        params: &[
            p("attribute", true, Kind::OneOf(ATTRIBUTES)),
            p(
                "check",
                true,
                Kind::OneOf(&[
                    "=",
                    "!=",
                    ">",
                    "<",
                    ">=",
                    "<=",
                    "exists",
                    "not_exists",
                    "like",
                    "not_like",
                    "in",
                    "not_in",
                ]),
            ),
            p("value", false, Kind::Text),
        ],
        check: Some(attribute),
        controls: Controls {
            cis: &["4.2"],
            nist: &["4.1.5"],
            pci: &["2.2.1"],
        },
    }],
};

fn value_of(name: &str, evidence: &Evidence<'_>) -> Option<String> {
    match name {
        "size" => Some(evidence.size.to_string()),
        "architecture" => Some(evidence.config.architecture.clone()).filter(|s| !s.is_empty()),
        "os_type" => Some(evidence.config.os.clone()).filter(|s| !s.is_empty()),
        "distro" => evidence.distro.map(|d| d.id.clone()),
        "distro_version" => evidence.distro.map(|d| d.version_id.clone()),
        "like_distro" => evidence.distro.map(|d| d.id.clone()),
        "layer_count" => Some(evidence.layer_count.to_string()),
        _ => None,
    }
}

fn attribute(rule: &Rule, evidence: &Evidence<'_>) -> Result<Vec<Fired>, NotEvaluated> {
    let name = rule.param("attribute").unwrap_or("");
    let check = rule.param("check").unwrap_or("");
    let value = rule.param("value").unwrap_or("");
    let actual = value_of(name, evidence);
    let hit = match (check, &actual) {
        ("exists", a) => a.is_some(),
        ("not_exists", a) => a.is_none(),
        (_, None) => false,
        (op @ ("=" | "!=" | ">" | "<" | ">=" | "<="), Some(a)) => {
            match (a.parse::<f64>(), value.parse::<f64>()) {
                (Ok(x), Ok(y)) => super::compare(op, x, y),
                _ => super::compare(op, a.as_str(), value),
            }
        }
        ("like" | "not_like", Some(a)) => {
            let re = regex::Regex::new(value).map_err(|e| {
                NotEvaluated(format!("value {value:?} is not a valid pattern: {e}"))
            })?;
            re.is_match(a) == (check == "like")
        }
        ("in", Some(a)) => super::list(Some(value)).contains(&a.as_str()),
        ("not_in", Some(a)) => !super::list(Some(value)).contains(&a.as_str()),
        _ => false,
    };
    Ok(if hit {
        vec![Fired::new(
            format!("{name}:{check}:{value}"),
            format!(
                "Attribute check for attribute: '{name}' check: '{check}' check_value: '{value}' matched image value: '{}'",
                actual.unwrap_or_default()
            ),
        )]
    } else {
        Vec::new()
    })
}
