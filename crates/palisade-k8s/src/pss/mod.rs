//! The Pod Security Standards, evaluated the way Kubernetes' Pod Security Admission does.
//!
//! Every check lives in its own file under `checks/` with the versions of its logic: a policy
//! version `v1.N` uses, for each check, the newest variant whose minimum version is at most `N`.
//! Restricted variants may replace baseline checks from a given version on (for example
//! `capabilities_restricted` replaces `capabilities_baseline` from v1.22). Pods inside workload
//! templates are evaluated like pods.
//!
//! A version newer than the newest known ([`LATEST_MINOR`]) is an error. The API server clamps such
//! a version to its own newest policy, which is right for it; palisade cannot know what a newer
//! policy forbids, and evaluating it as an older one would pass pods such a cluster rejects.

use std::fmt;
use std::str::FromStr;

use palisade_core::Span;
use serde::Serialize;

use crate::manifest::Object;
use crate::pod::{self, Container};
use crate::yaml::Node;

mod checks;

pub use crate::rules::Controls;
pub use checks::ALL as CHECKS;

/// The newest policy version this crate knows (`latest` means this one).
///
/// v1.37 allows two more sysctls (see `checks/sysctls.rs`). v1.36 changed no check: no
/// upstream check has a variant from 1.36, so v1.36 evaluates exactly as v1.35 (a 1.36 API server
/// resolves `latest` to the v1.35 policy).
pub const LATEST_MINOR: u32 = 37;

/// A Pod Security Standards level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Privileged,
    Baseline,
    Restricted,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Privileged => "privileged",
            Level::Baseline => "baseline",
            Level::Restricted => "restricted",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text is not a level name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown Pod Security level {0:?} (expected privileged, baseline or restricted)")]
pub struct LevelError(String);

impl FromStr for Level {
    type Err = LevelError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "privileged" => Ok(Level::Privileged),
            "baseline" => Ok(Level::Baseline),
            "restricted" => Ok(Level::Restricted),
            _ => Err(LevelError(s.to_owned())),
        }
    }
}

/// A policy version: `v1.N`, or `latest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    minor: u32,
    latest: bool,
}

impl Version {
    pub const LATEST: Version = Version {
        minor: LATEST_MINOR,
        latest: true,
    };

    /// `v1.N`, or `None` when N is newer than the newest known version ([`LATEST_MINOR`]).
    pub fn v1(minor: u32) -> Option<Version> {
        (minor <= LATEST_MINOR).then_some(Version {
            minor,
            latest: false,
        })
    }

    pub fn minor(self) -> u32 {
        self.minor
    }

    /// Every version from v1.0 to the newest.
    pub fn all() -> impl DoubleEndedIterator<Item = Version> {
        (0..=LATEST_MINOR).map(|minor| Version {
            minor,
            latest: false,
        })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.latest {
            f.write_str("latest")
        } else {
            write!(f, "v1.{}", self.minor)
        }
    }
}

/// The text is not a policy version this crate can evaluate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    /// Not `v1.N` or `latest`.
    #[error("invalid Pod Security version {0:?} (expected v1.N or latest)")]
    Invalid(String),
    /// `v1.N` with N newer than [`LATEST_MINOR`].
    #[error(
        "unknown Pod Security version {given:?}: the newest this palisade knows is v1.{newest} \
         (use v1.{newest} or latest)"
    )]
    TooNew { given: String, newest: u32 },
}

impl FromStr for Version {
    type Err = VersionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "latest" {
            return Ok(Version::LATEST);
        }
        let err = || VersionError::Invalid(s.to_owned());
        let rest = s.strip_prefix('v').unwrap_or(s);
        let minor = rest.strip_prefix("1.").ok_or_else(err)?;
        let minor = minor.parse::<u32>().map_err(|_| err())?;
        Version::v1(minor).ok_or_else(|| VersionError::TooNew {
            given: s.to_owned(),
            newest: LATEST_MINOR,
        })
    }
}

/// The pod a check looks at.
#[derive(Debug)]
pub struct PodCtx<'a> {
    pub metadata: Option<&'a Node>,
    pub spec: &'a Node,
    pub containers: Vec<Container<'a>>,
}

impl<'a> PodCtx<'a> {
    pub fn new(metadata: Option<&'a Node>, spec: &'a Node) -> Self {
        PodCtx {
            metadata,
            spec,
            containers: pod::containers(spec),
        }
    }

    /// A field of the pod-level security context.
    pub fn pod_sc(&self, field: &str) -> Option<&'a Node> {
        pod::pod_sc(self.spec, field)
    }

    /// The pod's annotations.
    pub fn annotations(&self) -> &'a [(Node, Node)] {
        self.metadata
            .and_then(|m| m.get("annotations"))
            .map(Node::entries)
            .unwrap_or_default()
    }
}

/// A check's verdict when the pod is not allowed: the reason and detail the API server prints,
/// and where the first offending field is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forbidden {
    pub reason: String,
    pub detail: String,
    pub line: u32,
    pub column: u32,
}

impl Forbidden {
    pub fn new(reason: impl Into<String>, detail: impl Into<String>, at: &Node) -> Forbidden {
        Forbidden {
            reason: reason.into(),
            detail: detail.into(),
            line: at.line,
            column: at.column,
        }
    }
}

/// One variant of a check's logic, in force from a minimum version on.
#[derive(Debug)]
pub struct Variant {
    pub min_minor: u32,
    pub check: fn(&PodCtx<'_>) -> Option<Forbidden>,
    /// Baseline checks this (restricted) variant replaces.
    pub overrides: &'static [&'static str],
}

/// A Pod Security Standards check.
#[derive(Debug)]
pub struct Check {
    /// The id Kubernetes uses (`allowPrivilegeEscalation`).
    pub id: &'static str,
    pub level: Level,
    /// The fields it restricts and what is allowed, for docs.
    pub doc: &'static str,
    /// The compliance controls it supports (the same as the rules that check the same thing).
    pub controls: Controls,
    pub variants: &'static [Variant],
}

impl Check {
    /// The variant in force at a version, if the check exists at that version.
    pub fn variant(&self, version: Version) -> Option<&'static Variant> {
        self.variants
            .iter()
            .rev()
            .find(|v| v.min_minor <= version.minor)
    }
}

/// One violated check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub check: &'static str,
    /// The compliance controls of the check.
    pub controls: &'static Controls,
    pub reason: String,
    pub detail: String,
    pub span: Span,
}

impl Violation {
    /// `reason (detail)`, as the API server writes it.
    pub fn message(&self) -> String {
        if self.detail.is_empty() {
            self.reason.clone()
        } else {
            format!("{} ({})", self.reason, self.detail)
        }
    }
}

/// Evaluates one pod spec against a level at a version.
pub fn evaluate_pod(
    metadata: Option<&Node>,
    spec: &Node,
    level: Level,
    version: Version,
    file: &str,
) -> Vec<Violation> {
    if level == Level::Privileged {
        return Vec::new();
    }
    let ctx = PodCtx::new(metadata, spec);
    in_force(level, version)
        .into_iter()
        .filter_map(|(c, v)| {
            (v.check)(&ctx).map(|f| Violation {
                check: c.id,
                controls: &c.controls,
                reason: f.reason,
                detail: f.detail,
                span: Span::new(file, f.line, f.column),
            })
        })
        .collect()
}

/// The checks (with their variant) a level applies at a version, without the baseline checks a
/// restricted variant replaces.
pub fn in_force(level: Level, version: Version) -> Vec<(&'static Check, &'static Variant)> {
    if level == Level::Privileged {
        return Vec::new();
    }
    let selected: Vec<(&'static Check, &'static Variant)> = CHECKS
        .iter()
        .filter(|c| c.level <= level)
        .filter_map(|c| c.variant(version).map(|v| (*c, v)))
        .collect();
    let overridden: Vec<&str> = selected
        .iter()
        .flat_map(|(_, v)| v.overrides.iter().copied())
        .collect();
    selected
        .into_iter()
        .filter(|(c, _)| !overridden.contains(&c.id))
        .collect()
}

/// The checks behind a compliance grouping of Pod Security results: every check with its
/// controls.
pub fn compliance_checks() -> Vec<(&'static str, &'static Controls)> {
    CHECKS.iter().map(|c| (c.id, &c.controls)).collect()
}

/// What the checks in force concluded about an object, for [`crate::compliance`] grouping.
pub fn outcome(
    obj: &Object,
    level: Level,
    version: Version,
    violations: &[Violation],
) -> crate::compliance::Outcome {
    crate::compliance::Outcome {
        evaluated: in_force(level, version).iter().map(|(c, _)| c.id).collect(),
        failures: violations
            .iter()
            .map(|v| {
                let text = format!(
                    "{} {} {}: {}",
                    v.span,
                    v.check,
                    obj.display_name(),
                    v.message()
                );
                (v.check, text)
            })
            .collect(),
    }
}

/// Evaluates an object's pod (if it has one) against a level at a version.
pub fn evaluate(obj: &Object, level: Level, version: Version) -> Option<Vec<Violation>> {
    let pod = obj.pod()?;
    Some(evaluate_pod(
        pod.metadata,
        pod.spec,
        level,
        version,
        &obj.file,
    ))
}

/// The API server's one-line summary: `violates PodSecurity "restricted:latest": …`.
pub fn summary(level: Level, version: Version, violations: &[Violation]) -> String {
    let parts: Vec<String> = violations.iter().map(Violation::message).collect();
    format!(
        "violates PodSecurity \"{level}:{version}\": {}",
        parts.join(", ")
    )
}

/// The strictest level the pod satisfies at a version.
pub fn strictest_level(obj: &Object, version: Version) -> Option<Level> {
    let pod = obj.pod()?;
    Some(
        [Level::Restricted, Level::Baseline]
            .into_iter()
            .find(|&l| evaluate_pod(pod.metadata, pod.spec, l, version, &obj.file).is_empty())
            .unwrap_or(Level::Privileged),
    )
}

/// "pod", `container "a"`, `containers "a", "b"`, joined with " and " — the way checks name who set
/// a forbidden value.
pub(crate) fn setters(pod_level: bool, containers: &[&str]) -> String {
    let mut parts = Vec::new();
    if pod_level {
        parts.push("pod".to_owned());
    }
    if !containers.is_empty() {
        parts.push(format!(
            "{} {}",
            pod::pluralize("container", "containers", containers.len()),
            pod::join_quote(containers)
        ));
    }
    parts.join(" and ")
}

/// Check documentation table (id, level, versions, restricted fields), generated from the checks.
pub fn checks_markdown() -> String {
    let mut out = String::from(
        "| check | level | variants from | what it restricts | CIS | NIST SP 800-190 | PCI DSS |\n\
         |---|---|---|---|---|---|---|\n",
    );
    let list = |v: &[&str]| {
        if v.is_empty() {
            "—".to_owned()
        } else {
            v.join(", ")
        }
    };
    for c in CHECKS.iter() {
        let versions: Vec<String> = c
            .variants
            .iter()
            .map(|v| format!("v1.{}", v.min_minor))
            .collect();
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            c.id,
            c.level,
            versions.join(", "),
            c.doc,
            list(c.controls.cis),
            list(c.controls.nist),
            list(c.controls.pci)
        ));
    }
    out
}

#[cfg(test)]
mod tests;
