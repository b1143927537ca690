//! `licenses`: the packages' declared licences.

use super::{Controls, Evidence, Fired, Gate, Kind, NotEvaluated, Trigger, p};
use crate::bundle::Rule;
use palisade_core::Package;

const CONTROLS: Controls = Controls {
    cis: &[],
    nist: &["4.1.5"],
    pci: &[],
};

const PACKAGE_TYPES: Kind = Kind::OneOf(&[
    "all", "os", "non-os", "npm", "gem", "python", "java", "go", "rust", "binary",
]);

pub const GATE: Gate = Gate {
    name: "licenses",
    description: "Checks the licences the packages declare.",
    triggers: &[
        Trigger {
            name: "blacklist_exact_match",
            description: "Fires for each package that declares one of the licences exactly \
                          (an identifier of its SPDX expression).",
            params: &[
                p("licenses", true, Kind::List),
                p("package_type", false, PACKAGE_TYPES),
            ],
            check: Some(exact),
            controls: CONTROLS,
        },
        Trigger {
            name: "blacklist_partial_match",
            description: "Fires for each package whose declared licence contains one of the \
                          strings (GPL matches GPL-2.0-only and LGPL-2.1).",
            params: &[
                p("licenses", true, Kind::List),
                p("package_type", false, PACKAGE_TYPES),
            ],
            check: Some(partial),
            controls: CONTROLS,
        },
    ],
};

/// Whether a package is of the kind a `package_type` parameter names.
pub fn of_type(package: &Package, kind: Option<&str>) -> bool {
    use palisade_core::Ecosystem as E;
    match kind.unwrap_or("all") {
        "all" => true,
        "os" => package.ecosystem.is_os(),
        "non-os" => !package.ecosystem.is_os(),
        "npm" => package.ecosystem == E::Npm,
        "python" => package.ecosystem == E::PyPI,
        "java" => package.ecosystem == E::Maven,
        "go" => package.ecosystem == E::Go,
        "rust" => package.ecosystem == E::Cargo,
        _ => false,
    }
}

fn check(
    rule: &Rule,
    evidence: &Evidence<'_>,
    matches: fn(&str, &str) -> bool,
    how: &str,
) -> Vec<Fired> {
    let wanted = super::list(rule.param("licenses"));
    let kind = rule.param("package_type");
    let mut fired = Vec::new();
    for package in evidence.packages.iter().filter(|p| of_type(p, kind)) {
        for w in &wanted {
            // One firing per package and listed licence, however many declarations match.
            if let Some(license) = package.licenses.iter().find(|l| matches(l, w)) {
                {
                    let path = package
                        .locations
                        .first()
                        .map(|l| l.path.as_str())
                        .unwrap_or("");
                    fired.push(
                        Fired::new(
                            format!("{}+{}", package.name, w),
                            format!(
                                "{how} license found in package: package={} version={} license={license} matched={w}",
                                package.name, package.version
                            ),
                        )
                        .at(path, super::layer_of(package.layer())),
                    );
                }
            }
        }
    }
    fired
}

fn exact(rule: &Rule, evidence: &Evidence<'_>) -> Result<Vec<Fired>, NotEvaluated> {
    Ok(check(
        rule,
        evidence,
        |license, wanted| {
            license == wanted || palisade_core::license::identifiers(license).contains(&wanted)
        },
        "BLACKLISTEDLICENSE",
    ))
}

fn partial(rule: &Rule, evidence: &Evidence<'_>) -> Result<Vec<Fired>, NotEvaluated> {
    Ok(check(
        rule,
        evidence,
        |license, wanted| license.contains(wanted),
        "BLACKLISTEDLICENSE partial match",
    ))
}
