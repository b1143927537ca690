//! The gates: what each checks, the triggers it has, the parameters each trigger takes, and the
//! controls (CIS Docker Benchmark section 4, NIST SP 800-190, PCI DSS v4.0) a trigger serves.
//!
//! Gates, triggers and parameter names are Anchore Engine's, so its bundles load unchanged. One
//! file per gate holds its triggers' checks; [`ALL`] is the table the loader validates against
//! and `palisade policy gates` prints.

mod always;
mod dockerfile;
mod files;
mod image_config;
mod licenses;
mod metadata;
mod packages;
mod passwd_file;
mod retrieved_files;
mod secret_scans;
mod vulnerabilities;

use palisade_core::{Distro, Package};
use palisade_image::ImageConfig;
use serde::Serialize;

use crate::bundle::{ImageName, Rule};
use crate::facts::ImageFacts;

/// What an image's checks can draw on: everything was gathered in one pass beforehand.
#[derive(Debug, Clone, Copy)]
pub struct Evidence<'a> {
    pub image: &'a ImageName,
    pub config: &'a ImageConfig,
    /// Layers, and their total compressed or on-disk size in bytes.
    pub layer_count: usize,
    pub size: u64,
    pub distro: Option<&'a Distro>,
    pub packages: &'a [Package],
    /// `None` when vulnerabilities were not matched (no advisory data).
    pub vulnerabilities: Option<&'a [palisade_vulndb::matcher::Finding]>,
    /// When the advisory data was built (Unix seconds), when known.
    pub database_built: Option<i64>,
    pub facts: &'a ImageFacts,
    /// The Dockerfile the image was built from, when the user gave it.
    pub dockerfile: Option<&'a str>,
    /// The time of the evaluation (Unix seconds).
    pub now: i64,
}

/// One firing of a trigger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fired {
    /// What an allowlist item names to accept this firing.
    pub trigger_id: String,
    /// What was found, for people.
    pub check_output: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
}

impl Fired {
    fn new(trigger_id: impl Into<String>, check_output: impl Into<String>) -> Fired {
        Fired {
            trigger_id: trigger_id.into(),
            check_output: check_output.into(),
            path: None,
            layer: None,
        }
    }

    fn at(mut self, path: &str, layer: Option<String>) -> Fired {
        self.path = Some(path.to_owned());
        self.layer = layer;
        self
    }
}

/// Why a rule could not be evaluated on this image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotEvaluated(pub String);

/// The compliance controls a trigger serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Controls {
    /// CIS Docker Benchmark v1.6, section 4 (container images and build files).
    pub cis: &'static [&'static str],
    /// NIST SP 800-190 countermeasures (section 4).
    pub nist: &'static [&'static str],
    /// PCI DSS v4.0 requirements.
    pub pci: &'static [&'static str],
}

/// What values a parameter takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// A comma-separated list.
    List,
    /// One of these (case-insensitive).
    OneOf(&'static [&'static str]),
    Int,
    Float,
    Bool,
    /// A regular expression (linear-time syntax).
    Regex,
}

/// One parameter of a trigger.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub name: &'static str,
    pub required: bool,
    pub kind: Kind,
}

const fn p(name: &'static str, required: bool, kind: Kind) -> Param {
    Param {
        name,
        required,
        kind,
    }
}

/// Checks one rule against the evidence.
pub type Check = fn(&Rule, &Evidence<'_>) -> Result<Vec<Fired>, NotEvaluated>;

/// One trigger of a gate.
#[derive(Debug, Clone, Copy)]
pub struct Trigger {
    pub name: &'static str,
    pub description: &'static str,
    pub params: &'static [Param],
    /// `None`: palisade has no data for this trigger; rules using it are reported as not
    /// evaluated, never silently passed.
    pub check: Option<Check>,
    pub controls: Controls,
}

/// A gate: a family of triggers over one kind of evidence.
#[derive(Debug, Clone, Copy)]
pub struct Gate {
    pub name: &'static str,
    pub description: &'static str,
    pub triggers: &'static [Trigger],
}

impl Gate {
    pub fn trigger(&self, name: &str) -> Option<&'static Trigger> {
        self.triggers
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
    }
}

/// Why a `vulnerabilities/package` rule cannot be evaluated: it sets a parameter whose data
/// the advisory database does not record.
pub fn vulnerability_params_unavailable(rule: &Rule) -> Option<String> {
    vulnerabilities::unavailable(rule)
}

/// The content pattern a `files/content_regex_match` rule searches for (`None`: any).
pub fn content_pattern(rule: &Rule) -> Option<&str> {
    files::content_pattern(rule)
}

/// The gate named `name` (case-insensitive).
pub fn gate(name: &str) -> Option<&'static Gate> {
    ALL.iter().find(|g| g.name.eq_ignore_ascii_case(name))
}

const COMPARISON: Kind = Kind::OneOf(&["=", "!=", ">", "<", ">=", "<="]);

/// Compares two numbers with an Anchore comparison operator.
fn compare<T: PartialOrd>(op: &str, left: T, right: T) -> bool {
    match op {
        "=" => left == right,
        "!=" => left != right,
        ">" => left > right,
        "<" => left < right,
        ">=" => left >= right,
        "<=" => left <= right,
        _ => false,
    }
}

/// Splits a comma-separated parameter into its trimmed, non-empty items.
fn list(value: Option<&str>) -> Vec<&str> {
    value
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

fn truthy(value: Option<&str>) -> Option<bool> {
    match value?.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Some(true),
        "false" | "no" | "0" => Some(false),
        _ => None,
    }
}

/// A layer's diff id for a report, when known.
fn layer_of(layer: Option<&palisade_core::Digest>) -> Option<String> {
    layer.map(ToString::to_string)
}

/// Every gate palisade knows, in table order.
pub const ALL: &[Gate] = &[
    always::GATE,
    dockerfile::GATE,
    files::GATE,
    image_config::GATE,
    licenses::GATE,
    metadata::GATE,
    packages::GATE,
    passwd_file::GATE,
    retrieved_files::GATE,
    secret_scans::GATE,
    vulnerabilities::GATE,
    Gate {
        name: "malware",
        description: "Malware found by a malware scanner (palisade has none: not evaluated).",
        triggers: &[
            Trigger {
                name: "scans",
                description: "Fires for each file a malware scanner flagged.",
                params: &[],
                check: None,
                controls: Controls {
                    cis: &[],
                    nist: &["4.1.3"],
                    pci: &["5.2.2"],
                },
            },
            Trigger {
                name: "scan_not_run",
                description: "Fires when no malware scan was run.",
                params: &[],
                check: None,
                controls: Controls {
                    cis: &[],
                    nist: &["4.1.3"],
                    pci: &["5.2.2"],
                },
            },
        ],
    },
    Gate {
        name: "npms",
        description: "npm packages compared with the npm registry's feed (palisade keeps no such feed).",
        triggers: &[
            feedless("version_not_in_feeds"),
            feedless("unknown_in_feeds"),
            feedless("newer_version_in_feed"),
            feedless("feed_data_unavailable"),
            Trigger {
                name: "blacklisted_name_version",
                description: "Fires for each npm package with the given name (and version).",
                params: &[p("name", true, Kind::Text), p("version", false, Kind::Text)],
                check: Some(packages::npm_blacklist),
                controls: packages::BLACKLIST_CONTROLS,
            },
        ],
    },
    Gate {
        name: "ruby_gems",
        description: "Ruby gems compared with rubygems.org's feed (palisade keeps no such feed).",
        triggers: &[
            feedless("version_not_found_in_feed"),
            feedless("not_found_in_feed"),
            feedless("newer_version_found_in_feed"),
            feedless("feed_data_unavailable"),
            Trigger {
                name: "blacklist",
                description: "Fires for each gem with the given name (and version); palisade \
                              does not catalog Ruby gems yet.",
                params: &[p("name", true, Kind::Text), p("version", false, Kind::Text)],
                check: None,
                controls: packages::BLACKLIST_CONTROLS,
            },
        ],
    },
];

const fn feedless(name: &'static str) -> Trigger {
    Trigger {
        name,
        description: "Needs a package registry feed, which palisade does not keep.",
        params: &[],
        check: None,
        controls: Controls {
            cis: &["4.3"],
            nist: &["4.1.1"],
            pci: &["6.3.2"],
        },
    }
}

/// The gate table as Markdown, for `palisade policy gates` and the docs.
pub fn markdown() -> String {
    use std::fmt::Write as _;
    let mut out = String::from(
        "| gate | trigger | parameters (* required) | evaluated | CIS Docker | NIST SP 800-190 | PCI DSS |\n|---|---|---|---|---|---|---|\n",
    );
    for g in ALL {
        for t in g.triggers {
            let params: Vec<String> = t
                .params
                .iter()
                .map(|p| format!("{}{}", p.name, if p.required { "*" } else { "" }))
                .collect();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                g.name,
                t.name,
                params.join(", "),
                if t.check.is_some() { "yes" } else { "no" },
                t.controls.cis.join(", "),
                t.controls.nist.join(", "),
                t.controls.pci.join(", ")
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        let mut gates = std::collections::HashSet::new();
        for g in ALL {
            assert!(gates.insert(g.name), "duplicate gate {}", g.name);
            let mut triggers = std::collections::HashSet::new();
            for t in g.triggers {
                assert!(
                    triggers.insert(t.name),
                    "duplicate trigger {}/{}",
                    g.name,
                    t.name
                );
            }
        }
    }

    #[test]
    fn gate_table() {
        let mut lines = Vec::new();
        for g in ALL {
            for t in g.triggers {
                let params: Vec<String> = t
                    .params
                    .iter()
                    .map(|p| format!("{}{}", p.name, if p.required { "*" } else { "" }))
                    .collect();
                lines.push(format!(
                    "{}/{} [{}] {} cis={:?} nist={:?} pci={:?}",
                    g.name,
                    t.name,
                    params.join(","),
                    if t.check.is_some() {
                        "evaluated"
                    } else {
                        "not-evaluated"
                    },
                    t.controls.cis,
                    t.controls.nist,
                    t.controls.pci
                ));
            }
        }
        insta::assert_snapshot!(lines.join("\n"));
    }
}
