//! `vulnerabilities`: known vulnerabilities in the image's packages, and the freshness of the
//! advisory data they were matched with.

use super::{Controls, Evidence, Fired, Gate, Kind, NotEvaluated, Trigger, p};
use crate::bundle::Rule;
use palisade_core::Severity;

const CONTROLS: Controls = Controls {
    cis: &["4.4"],
    nist: &["4.1.1"],
    pci: &["6.3.1", "6.3.3", "11.3.1"],
};

const SEVERITIES: Kind =
    Kind::OneOf(&["unknown", "negligible", "low", "medium", "high", "critical"]);

pub const GATE: Gate = Gate {
    name: "vulnerabilities",
    description: "Checks the packages' known vulnerabilities.",
    triggers: &[
        Trigger {
            name: "package",
            description: "Fires for each vulnerability in a package that meets every given \
                          condition (severity, CVSS v3 base score, fix available).",
            params: &[
                p("package_type", true, Kind::OneOf(&["all", "os", "non-os"])),
                p("severity_comparison", false, super::COMPARISON),
                p("severity", false, SEVERITIES),
                p("cvss_v3_base_score_comparison", false, super::COMPARISON),
                p("cvss_v3_base_score", false, Kind::Float),
                p(
                    "cvss_v3_exploitability_score_comparison",
                    false,
                    super::COMPARISON,
                ),
                p("cvss_v3_exploitability_score", false, Kind::Float),
                p("cvss_v3_impact_score_comparison", false, super::COMPARISON),
                p("cvss_v3_impact_score", false, Kind::Float),
                p(
                    "vendor_cvss_v3_base_score_comparison",
                    false,
                    super::COMPARISON,
                ),
                p("vendor_cvss_v3_base_score", false, Kind::Float),
                p(
                    "vendor_cvss_v3_exploitability_score_comparison",
                    false,
                    super::COMPARISON,
                ),
                p("vendor_cvss_v3_exploitability_score", false, Kind::Float),
                p(
                    "vendor_cvss_v3_impact_score_comparison",
                    false,
                    super::COMPARISON,
                ),
                p("vendor_cvss_v3_impact_score", false, Kind::Float),
                p("fix_available", false, Kind::Bool),
                p("vendor_only", false, Kind::Bool),
                p("max_days_since_creation", false, Kind::Int),
                p("max_days_since_fix", false, Kind::Int),
            ],
            check: Some(package),
            controls: CONTROLS,
        },
        Trigger {
            name: "stale_feed_data",
            description: "Fires when the advisory data is older than max_days_since_sync days.",
            params: &[p("max_days_since_sync", true, Kind::Int)],
            check: Some(stale_feed_data),
            controls: CONTROLS,
        },
        Trigger {
            name: "vulnerability_data_unavailable",
            description: "Fires when there is no advisory data to match the image against.",
            params: &[],
            check: Some(vulnerability_data_unavailable),
            controls: CONTROLS,
        },
        Trigger {
            name: "blacklist",
            description: "Fires for each listed vulnerability id (or alias) found.",
            params: &[
                p("vulnerability_ids", true, Kind::List),
                p("vendor_only", false, Kind::Bool),
            ],
            check: Some(blacklist),
            controls: CONTROLS,
        },
    ],
};

/// Parameters whose data palisade does not have: a rule that sets one is not evaluated.
const UNAVAILABLE: &[(&str, &str)] = &[
    (
        "cvss_v3_exploitability_score",
        "CVSS v3 exploitability sub-scores",
    ),
    ("cvss_v3_impact_score", "CVSS v3 impact sub-scores"),
    (
        "vendor_cvss_v3_base_score",
        "vendor CVSS scores apart from the advisory's own",
    ),
    ("vendor_cvss_v3_exploitability_score", "vendor CVSS scores"),
    ("vendor_cvss_v3_impact_score", "vendor CVSS scores"),
    ("max_days_since_creation", "advisory publication dates"),
    ("max_days_since_fix", "fix release dates"),
];

/// Why a `package` rule cannot be evaluated, when it sets a parameter whose data is missing.
pub fn unavailable(rule: &Rule) -> Option<String> {
    UNAVAILABLE
        .iter()
        .find(|(name, _)| rule.param(name).is_some())
        .map(|(name, what)| {
            format!("parameter {name} needs {what}, which the advisory database does not record")
        })
}

fn findings<'a>(
    evidence: &Evidence<'a>,
) -> Result<&'a [palisade_vulndb::matcher::Finding], NotEvaluated> {
    evidence.vulnerabilities.ok_or_else(|| {
        NotEvaluated("vulnerabilities were not matched: the advisory database is empty".to_owned())
    })
}

fn package(rule: &Rule, evidence: &Evidence<'_>) -> Result<Vec<Fired>, NotEvaluated> {
    if let Some(why) = unavailable(rule) {
        return Err(NotEvaluated(why));
    }
    let findings = findings(evidence)?;
    let kind = rule.param("package_type").unwrap_or("all");
    let severity = rule
        .param("severity")
        .map(|s| {
            s.parse::<Severity>()
                .map_err(|e| NotEvaluated(e.to_string()))
        })
        .transpose()?;
    let severity_op = rule.param("severity_comparison").unwrap_or(">=");
    let score = rule
        .param("cvss_v3_base_score")
        .map(|s| {
            s.parse::<f64>()
                .map_err(|_| NotEvaluated(format!("cvss_v3_base_score {s:?} is not a number")))
        })
        .transpose()?;
    let score_op = rule.param("cvss_v3_base_score_comparison").unwrap_or(">=");
    let fix = super::truthy(rule.param("fix_available"));
    let mut fired = Vec::new();
    for f in findings {
        let os = f.package.ecosystem.is_os();
        let type_ok = match kind {
            "os" => os,
            "non-os" => !os,
            _ => true,
        };
        if !type_ok {
            continue;
        }
        if severity.is_some_and(|s| !super::compare(severity_op, f.severity, s)) {
            continue;
        }
        if let Some(want) = score {
            match f.cvss_score {
                Some(have) if super::compare(score_op, have, want) => {}
                _ => continue,
            }
        }
        let fixed = !f.fixed_versions.is_empty();
        if fix.is_some_and(|want| want != fixed) {
            continue;
        }
        let fixed_in = if fixed {
            f.fixed_versions.join(", ")
        } else {
            "None".to_owned()
        };
        fired.push(
            Fired::new(
                format!("{}+{}", f.id, f.package.name),
                format!(
                    "{} Vulnerability found in {} package type ({}) - {} (fixed in: {fixed_in}) - ({})",
                    title_case(f.severity),
                    if os { "os" } else { "non-os" },
                    f.package.name,
                    f.package.version,
                    f.id
                ),
            )
            .at(
                f.package.path.as_deref().unwrap_or(""),
                f.package.layer.clone(),
            ),
        );
    }
    Ok(fired)
}

fn title_case(s: Severity) -> String {
    let upper = s.as_str();
    let mut out = upper[..1].to_owned();
    out.push_str(&upper[1..].to_ascii_lowercase());
    out
}

fn stale_feed_data(rule: &Rule, evidence: &Evidence<'_>) -> Result<Vec<Fired>, NotEvaluated> {
    let days: i64 = rule
        .param("max_days_since_sync")
        .unwrap_or("")
        .trim()
        .parse()
        .map_err(|_| NotEvaluated("max_days_since_sync is not a whole number".to_owned()))?;
    let Some(built) = evidence.database_built else {
        return Ok(Vec::new());
    };
    let age = (evidence.now - built).div_euclid(86_400);
    Ok(if age > days {
        vec![Fired::new(
            "stale_feed_data",
            format!(
                "The vulnerability feed for this image distro is older than MAXAGE ({days}) days: built {age} days ago"
            ),
        )]
    } else {
        Vec::new()
    })
}

fn vulnerability_data_unavailable(
    _: &Rule,
    evidence: &Evidence<'_>,
) -> Result<Vec<Fired>, NotEvaluated> {
    Ok(if evidence.vulnerabilities.is_none() {
        let distro = evidence
            .distro
            .map_or("unknown".to_owned(), |d| d.purl_qualifier());
        vec![Fired::new(
            "vulnerability_data_unavailable",
            format!("Feed data unavailable, cannot perform CVE scan for distro: {distro}"),
        )]
    } else {
        Vec::new()
    })
}

fn blacklist(rule: &Rule, evidence: &Evidence<'_>) -> Result<Vec<Fired>, NotEvaluated> {
    let ids = super::list(rule.param("vulnerability_ids"));
    let findings = findings(evidence)?;
    Ok(findings
        .iter()
        .filter_map(|f| {
            let hit = ids
                .iter()
                .find(|id| f.id == **id || f.aliases.iter().any(|a| a == *id))?;
            Some(
                Fired::new(
                    format!("{hit}+{}", f.package.name),
                    format!(
                        "Blacklisted vulnerabilities detected: [{hit}] in {} {}",
                        f.package.name, f.package.version
                    ),
                )
                .at(
                    f.package.path.as_deref().unwrap_or(""),
                    f.package.layer.clone(),
                ),
            )
        })
        .collect())
}
