//! `packages`: which packages an image must or must not contain.

use super::{Controls, Evidence, Fired, Gate, Kind, NotEvaluated, Trigger, p};
use crate::bundle::Rule;
use palisade_core::{Ecosystem, Package};

pub const BLACKLIST_CONTROLS: Controls = Controls {
    cis: &["4.3"],
    nist: &["4.1.1", "4.1.5"],
    pci: &["6.3.2", "2.2.4"],
};

pub const GATE: Gate = Gate {
    name: "packages",
    description: "Checks the packages installed in the image.",
    triggers: &[
        Trigger {
            name: "required_package",
            description: "Fires when a required package is missing, or present at another \
                          version (exact) or an older one (minimum).",
            params: &[
                p("name", true, Kind::Text),
                p("version", false, Kind::Text),
                p(
                    "version_match_type",
                    false,
                    Kind::OneOf(&["exact", "minimum"]),
                ),
            ],
            check: Some(required_package),
            controls: Controls {
                cis: &["4.3"],
                nist: &["4.1.2"],
                pci: &["6.3.2"],
            },
        },
        Trigger {
            name: "verify",
            description: "Checks installed files against the package database's digests \
                          (palisade does not record per-file digests: not evaluated).",
            params: &[
                p("only_packages", false, Kind::List),
                p("only_directories", false, Kind::List),
                p("check", false, Kind::OneOf(&["changed", "missing"])),
            ],
            check: None,
            controls: Controls {
                cis: &["4.11"],
                nist: &["4.1.3"],
                pci: &["11.5.2"],
            },
        },
        Trigger {
            name: "blacklist",
            description: "Fires for each package with the given name (and version).",
            params: &[p("name", true, Kind::Text), p("version", false, Kind::Text)],
            check: Some(blacklist),
            controls: BLACKLIST_CONTROLS,
        },
    ],
};

fn os_packages<'a>(evidence: &'a Evidence<'_>) -> impl Iterator<Item = &'a Package> {
    evidence.packages.iter().filter(|p| p.ecosystem.is_os())
}

fn required_package(rule: &Rule, evidence: &Evidence<'_>) -> Result<Vec<Fired>, NotEvaluated> {
    let name = rule.param("name").unwrap_or("");
    let version = rule.param("version");
    let minimum = rule.param("version_match_type") == Some("minimum");
    let found: Vec<&Package> = os_packages(evidence).filter(|p| p.name == name).collect();
    if found.is_empty() {
        return Ok(vec![Fired::new(
            name,
            format!("Required package {name} not found in image"),
        )]);
    }
    let Some(version) = version else {
        return Ok(Vec::new());
    };
    let ok = found.iter().any(|p| {
        if minimum {
            let scheme = palisade_version::Scheme::for_ecosystem(p.ecosystem);
            palisade_version::compare(scheme, &p.version, version)
                .is_ok_and(|o| o != std::cmp::Ordering::Less)
        } else {
            p.version == version
        }
    });
    Ok(if ok {
        Vec::new()
    } else {
        let have: Vec<&str> = found.iter().map(|p| p.version.as_str()).collect();
        vec![Fired::new(
            format!("{name}:{version}"),
            format!(
                "Required package {name} {} {version} not found in image (found {})",
                if minimum { ">=" } else { "=" },
                have.join(", ")
            ),
        )]
    })
}

fn listed<'a>(rule: &Rule, packages: impl Iterator<Item = &'a Package>, kind: &str) -> Vec<Fired> {
    let name = rule.param("name").unwrap_or("");
    let version = rule.param("version").filter(|v| !v.is_empty());
    packages
        .filter(|p| p.name == name && version.is_none_or(|v| v == p.version))
        .map(|p| {
            let path = p.locations.first().map(|l| l.path.as_str()).unwrap_or("");
            Fired::new(
                format!("{}+{}", p.name, p.version),
                format!("{kind} Package is blacklisted: {}-{}", p.name, p.version),
            )
            .at(path, super::layer_of(p.layer()))
        })
        .collect()
}

fn blacklist(rule: &Rule, evidence: &Evidence<'_>) -> Result<Vec<Fired>, NotEvaluated> {
    Ok(listed(rule, os_packages(evidence), "OS"))
}

pub fn npm_blacklist(rule: &Rule, evidence: &Evidence<'_>) -> Result<Vec<Fired>, NotEvaluated> {
    Ok(listed(
        rule,
        evidence
            .packages
            .iter()
            .filter(|p| p.ecosystem == Ecosystem::Npm),
        "NPM",
    ))
}
