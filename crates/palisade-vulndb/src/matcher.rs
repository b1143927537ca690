//! Matching: packages + distribution + advisories → findings.
//!
//! [`match_packages`] is pure apart from reading advisories through [`AdvisorySource`]. It
//! looks each package up by (ecosystem, normalised name) — distribution packages by their
//! *source* package and release (`Debian:12`), with the source version when the package
//! manager records one — parses the installed version once, and evaluates the candidates'
//! OSV ranges, explicit version lists, npm ranges and RustSec requirements. Advisories that
//! share an id or alias on the same package are merged into one finding. Ignore rules and
//! VEX statements then move findings to `suppressed`, with the reason.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use palisade_core::{Distro, Ecosystem, Package, Severity};
use palisade_version::{Scheme, Version};
use serde::Serialize;

use crate::ignore::{IgnoreRule, RuleState};
use crate::model::{Advisory, Affected, Event, Range, SeverityScore, normalize_name};
use crate::store::{Candidate, Db, StoreError};
use crate::vex::VexStatement;

/// Where the matcher reads advisories.
pub trait AdvisorySource {
    /// The `affected` entries for a package.
    fn candidates(&self, ecosystem: &str, name: &str) -> Result<Vec<Candidate>, StoreError>;
    /// A whole advisory.
    fn advisory(&self, id: &str) -> Result<Option<Advisory>, StoreError>;
    /// The ecosystems the source has advisories for.
    fn ecosystems(&self) -> Result<BTreeSet<String>, StoreError>;
}

impl AdvisorySource for Db {
    fn candidates(&self, ecosystem: &str, name: &str) -> Result<Vec<Candidate>, StoreError> {
        Db::candidates(self, ecosystem, name)
    }
    fn advisory(&self, id: &str) -> Result<Option<Advisory>, StoreError> {
        Db::advisory(self, id)
    }
    fn ecosystems(&self) -> Result<BTreeSet<String>, StoreError> {
        Ok(self.info()?.ecosystems.into_keys().collect())
    }
}

/// Advisories held in memory (tests, benchmarks of the matcher alone).
#[derive(Debug, Default)]
pub struct MemorySource {
    by_package: HashMap<(String, String), Vec<Candidate>>,
    by_id: HashMap<String, Advisory>,
}

impl MemorySource {
    pub fn new(advisories: impl IntoIterator<Item = Advisory>) -> MemorySource {
        let mut s = MemorySource::default();
        for a in advisories {
            for affected in &a.affected {
                let key = (
                    affected.ecosystem.clone(),
                    normalize_name(&affected.ecosystem, &affected.name),
                );
                s.by_package.entry(key).or_default().push(Candidate {
                    advisory_id: a.id.clone(),
                    affected: affected.clone(),
                });
            }
            s.by_id.insert(a.id.clone(), a);
        }
        s
    }
}

impl AdvisorySource for MemorySource {
    fn candidates(&self, ecosystem: &str, name: &str) -> Result<Vec<Candidate>, StoreError> {
        let key = (ecosystem.to_owned(), normalize_name(ecosystem, name));
        Ok(self.by_package.get(&key).cloned().unwrap_or_default())
    }
    fn advisory(&self, id: &str) -> Result<Option<Advisory>, StoreError> {
        Ok(self.by_id.get(id).cloned())
    }
    fn ecosystems(&self) -> Result<BTreeSet<String>, StoreError> {
        Ok(self.by_package.keys().map(|(e, _)| e.clone()).collect())
    }
}

/// How to match and what to leave out.
#[derive(Debug, Clone, Default)]
pub struct MatchConfig {
    /// Leave out findings that no released version fixes.
    pub ignore_unfixed: bool,
    pub ignore_rules: Vec<IgnoreRule>,
    pub vex: Vec<VexStatement>,
    /// Today as a Unix day number, for ignore-rule expiry.
    pub today: i64,
}

/// The package a finding is about, as reports show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingPackage {
    pub name: String,
    pub version: String,
    pub ecosystem: Ecosystem,
    pub purl: String,
    /// The name and version the advisories were looked up by (the source package for
    /// distributions).
    pub matched_name: String,
    pub matched_version: String,
    /// The advisory ecosystem (`Debian:12`, `PyPI`).
    pub matched_ecosystem: String,
    /// The file the package was read from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The layer that brought the package in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
}

/// One vulnerability in one package.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The id shown (the first of the merged advisory ids).
    pub id: String,
    /// Every database advisory merged into this finding.
    pub advisories: Vec<String>,
    /// All other names of the issue (CVE, GHSA …).
    pub aliases: Vec<String>,
    pub package: FindingPackage,
    pub severity: Severity,
    /// Where the severity came from: a CVSS vector, or `rating:WORD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity_source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cvss_score: Option<f64>,
    /// Versions that fix it; empty when no fix is released.
    pub fixed_versions: Vec<String>,
    pub summary: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// RustSec's informational kind (`unsound`, `unmaintained`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub informational: Option<String>,
}

impl Finding {
    /// The finding's id and every alias.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str())
            .chain(self.advisories.iter().map(String::as_str))
            .chain(self.aliases.iter().map(String::as_str))
    }
}

/// A finding left out of the results, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suppressed {
    pub finding: Finding,
    /// `ignore-file: REASON` or `vex: not_affected (JUSTIFICATION)`.
    pub reason: String,
}

/// A problem met while matching; matching goes on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct MatchDiagnostic {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    pub message: String,
}

/// The result of matching.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MatchReport {
    /// Sorted by severity (highest first), then package, then id.
    pub findings: Vec<Finding>,
    pub suppressed: Vec<Suppressed>,
    /// Findings left out by `ignore_unfixed`.
    pub unfixed_ignored: usize,
    /// Ignore rules past their expiry date (they no longer apply).
    pub expired_ignores: Vec<IgnoreRule>,
    pub packages: usize,
    pub diagnostics: Vec<MatchDiagnostic>,
}

/// What a package is looked up by.
struct Lookup {
    ecosystem: String,
    name: String,
    version: String,
    scheme: Scheme,
}

fn lookup(package: &Package, distro_ecosystem: Option<&str>) -> Result<Lookup, String> {
    let (ecosystem, name, version) = if package.ecosystem.is_os() {
        let Some(eco) = distro_ecosystem else {
            return Err(
                "the distribution is unknown: operating-system packages are not matched".to_owned(),
            );
        };
        match &package.source {
            Some(src) if !src.name.is_empty() => (
                eco.to_owned(),
                src.name.clone(),
                if src.version.is_empty() {
                    package.version.clone()
                } else {
                    src.version.clone()
                },
            ),
            _ => (
                eco.to_owned(),
                package.name.clone(),
                package.version.clone(),
            ),
        }
    } else {
        (
            package.ecosystem.osv_name().to_owned(),
            package.name.clone(),
            package.version.clone(),
        )
    };
    let scheme =
        Scheme::for_osv(&ecosystem).ok_or_else(|| format!("no version order for {ecosystem}"))?;
    Ok(Lookup {
        ecosystem,
        name,
        version,
        scheme,
    })
}

/// Outcome of evaluating one `affected` entry.
enum Verdict {
    Affected,
    NotAffected,
    /// Only ranges that cannot be evaluated (GIT).
    Undecidable,
}

fn evaluate_events(
    scheme: Scheme,
    installed: &Version,
    events: &[Event],
) -> Result<bool, palisade_version::VersionError> {
    // OSV's evaluation: sort the events by version, then walk them.
    let mut parsed: Vec<(Option<Version>, &Event)> = Vec::with_capacity(events.len());
    for e in events {
        match e {
            Event::Introduced(v) => parsed.push((scheme.parse_introduced(v)?, e)),
            Event::Limit(_) => {}
            _ => parsed.push((Some(scheme.parse(e.version())?), e)),
        }
    }
    parsed.sort_by(|a, b| a.0.cmp(&b.0));
    let mut affected = false;
    for (v, e) in &parsed {
        match (e, v) {
            (Event::Introduced(_), None) => affected = true,
            (Event::Introduced(_), Some(v)) if installed >= v => affected = true,
            (Event::Fixed(_), Some(v)) if installed >= v => affected = false,
            (Event::LastAffected(_), Some(v)) if installed > v => affected = false,
            _ => {}
        }
    }
    Ok(affected)
}

fn evaluate(
    lookup: &Lookup,
    installed: &Version,
    affected: &Affected,
    notes: &mut BTreeSet<String>,
) -> Verdict {
    if affected.versions.iter().any(|v| v == &lookup.version)
        || affected
            .versions
            .iter()
            .any(|v| lookup.scheme.parse(v).is_ok_and(|v| &v == installed))
    {
        return Verdict::Affected;
    }
    let mut decidable = !affected.versions.is_empty();
    for range in &affected.ranges {
        let result = match range {
            Range::Ecosystem { events } => evaluate_events(lookup.scheme, installed, events),
            Range::Semver { events } => {
                let trimmed = lookup.version.trim_start_matches('v');
                match Scheme::Semver.parse(trimmed) {
                    Ok(sv) => {
                        let events: Vec<Event> = events
                            .iter()
                            .map(|e| match e {
                                Event::Introduced(v) => {
                                    Event::Introduced(v.trim_start_matches('v').to_owned())
                                }
                                Event::Fixed(v) => {
                                    Event::Fixed(v.trim_start_matches('v').to_owned())
                                }
                                Event::LastAffected(v) => {
                                    Event::LastAffected(v.trim_start_matches('v').to_owned())
                                }
                                Event::Limit(v) => Event::Limit(v.clone()),
                            })
                            .collect();
                        evaluate_events(Scheme::Semver, &sv, &events)
                    }
                    Err(e) => Err(e),
                }
            }
            Range::Git { .. } => {
                notes.insert("GIT ranges are not evaluated (an installed package has no commit); such entries match only through their version lists".to_owned());
                continue;
            }
            Range::Npm { vulnerable, .. } => {
                match palisade_version::npm::Range::parse(
                    vulnerable,
                    palisade_version::npm::Options::default(),
                ) {
                    Ok(r) => Ok(r.satisfies(&lookup.version)),
                    Err(e) => Err(e),
                }
            }
            Range::Cargo {
                patched,
                unaffected,
            } => {
                let mut safe = false;
                let mut error = None;
                for req in patched.iter().chain(unaffected) {
                    match palisade_version::cargo::VersionReq::parse(req) {
                        Ok(r) => safe |= r.matches(&lookup.version),
                        Err(e) => error = Some(e),
                    }
                }
                match error {
                    Some(e) if !safe => Err(e),
                    _ => Ok(!safe),
                }
            }
        };
        decidable = true;
        match result {
            Ok(true) => return Verdict::Affected,
            Ok(false) => {}
            Err(e) => {
                notes.insert(format!("range of {} not evaluated: {e}", affected.name));
            }
        }
    }
    if decidable {
        Verdict::NotAffected
    } else {
        Verdict::Undecidable
    }
}

/// The severity of a finding: a CVSS vector's computed base score (v3.x before v4, as most
/// feeds and dashboards rate by v3), else the feed's own rating.
fn severity(scores: &[&SeverityScore]) -> (Severity, Option<String>, Option<f64>) {
    let pick = |want: fn(&SeverityScore) -> Option<&String>| {
        scores
            .iter()
            .filter_map(|s| want(s))
            .find_map(|v| palisade_cvss::score(v).ok().map(|sc| (v.clone(), sc)))
    };
    let v3 = pick(|s| match s {
        SeverityScore::CvssV3(v) => Some(v),
        _ => None,
    });
    let v4 = || {
        pick(|s| match s {
            SeverityScore::CvssV4(v) => Some(v),
            _ => None,
        })
    };
    if let Some((vector, sc)) = v3.or_else(v4) {
        return (sc.severity, Some(vector), Some(sc.score));
    }
    for s in scores {
        if let SeverityScore::Rating(word) = s {
            if let Ok(sev) = word.trim_end_matches('*').parse::<Severity>() {
                return (sev, Some(format!("rating:{word}")), None);
            }
        }
    }
    (Severity::Unknown, None, None)
}

/// Matches packages against advisories.
pub fn match_packages(
    packages: &[Package],
    distro: Option<&Distro>,
    source: &dyn AdvisorySource,
    config: &MatchConfig,
) -> Result<MatchReport, StoreError> {
    let mut report = MatchReport {
        packages: packages.len(),
        ..MatchReport::default()
    };
    let mut notes: BTreeSet<String> = BTreeSet::new();
    let mut diagnostics: BTreeSet<MatchDiagnostic> = BTreeSet::new();
    let distro_ecosystem = distro.and_then(Distro::osv_ecosystem);
    let known = source.ecosystems()?;
    if let Some(eco) = &distro_ecosystem {
        if packages.iter().any(|p| p.ecosystem.is_os()) && !known.contains(eco) {
            diagnostics.insert(MatchDiagnostic {
                package: None,
                message: format!(
                    "the database has no advisories for {eco}: its packages cannot be matched"
                ),
            });
        }
    }
    let mut cache: HashMap<(String, String), std::rc::Rc<Vec<Candidate>>> = HashMap::new();
    let mut advisories: HashMap<String, Option<Advisory>> = HashMap::new();
    let mut raw: Vec<Finding> = Vec::new();
    let mut os_unmatched = 0usize;
    for package in packages {
        let lk = match lookup(package, distro_ecosystem.as_deref()) {
            Ok(l) => l,
            Err(message) => {
                if package.ecosystem.is_os() {
                    os_unmatched += 1;
                } else {
                    diagnostics.insert(MatchDiagnostic {
                        package: Some(package.purl.clone()),
                        message,
                    });
                }
                continue;
            }
        };
        let key = (
            lk.ecosystem.clone(),
            normalize_name(&lk.ecosystem, &lk.name),
        );
        let candidates = match cache.get(&key) {
            Some(c) => c.clone(),
            None => {
                let c = std::rc::Rc::new(source.candidates(&lk.ecosystem, &lk.name)?);
                cache.insert(key, c.clone());
                c
            }
        };
        if candidates.is_empty() {
            continue;
        }
        let installed = match lk.scheme.parse(&lk.version) {
            Ok(v) => v,
            Err(e) => {
                diagnostics.insert(MatchDiagnostic {
                    package: Some(package.purl.clone()),
                    message: format!("not matched: {e}"),
                });
                continue;
            }
        };
        let mut per_advisory: BTreeMap<&str, Vec<&Affected>> = BTreeMap::new();
        for c in candidates.iter() {
            if let Verdict::Affected = evaluate(&lk, &installed, &c.affected, &mut notes) {
                per_advisory
                    .entry(&c.advisory_id)
                    .or_default()
                    .push(&c.affected);
            }
        }
        for (id, affected) in per_advisory {
            let advisory = advisories
                .entry(id.to_owned())
                .or_insert_with(|| source.advisory(id).ok().flatten());
            let Some(advisory) = advisory.as_ref() else {
                continue;
            };
            if advisory.withdrawn.is_some() {
                continue;
            }
            let scores: Vec<&SeverityScore> = affected
                .iter()
                .flat_map(|a| a.severity.iter())
                .chain(advisory.severity.iter())
                .collect();
            let (severity, severity_source, cvss_score) = severity(&scores);
            let mut fixed: Vec<String> = affected.iter().flat_map(|a| a.fixed_versions()).collect();
            fixed.sort();
            fixed.dedup();
            let location = package.locations.first();
            raw.push(Finding {
                id: advisory.id.clone(),
                advisories: vec![advisory.id.clone()],
                aliases: advisory.aliases.clone(),
                package: FindingPackage {
                    name: package.name.clone(),
                    version: package.version.clone(),
                    ecosystem: package.ecosystem,
                    purl: package.purl.clone(),
                    matched_name: lk.name.clone(),
                    matched_version: lk.version.clone(),
                    matched_ecosystem: lk.ecosystem.clone(),
                    path: location.map(|l| l.path.clone()),
                    layer: package.layer().map(ToString::to_string),
                },
                severity,
                severity_source,
                cvss_score,
                fixed_versions: fixed,
                summary: advisory.summary.clone(),
                references: advisory.references.iter().take(5).cloned().collect(),
                informational: advisory.informational.clone(),
            });
        }
    }
    if os_unmatched > 0 {
        diagnostics.insert(MatchDiagnostic {
            package: None,
            message: format!("{os_unmatched} operating-system packages not matched: the distribution is unknown or has no advisory ecosystem"),
        });
    }
    let merged = merge_aliases(raw);
    let (active, expired): (Vec<&IgnoreRule>, Vec<&IgnoreRule>) = config
        .ignore_rules
        .iter()
        .partition(|r| r.state(config.today) == RuleState::Active);
    report.expired_ignores = expired.into_iter().cloned().collect();
    for finding in merged {
        if config.ignore_unfixed && finding.fixed_versions.is_empty() {
            report.unfixed_ignored += 1;
            continue;
        }
        if let Some(rule) = active.iter().find(|r| r.applies(&finding)) {
            report.suppressed.push(Suppressed {
                reason: format!(
                    "ignore-file: {}",
                    rule.reason.as_deref().unwrap_or("no reason given")
                ),
                finding,
            });
            continue;
        }
        if let Some(st) = config.vex.iter().find(|s| s.suppresses(&finding)) {
            report.suppressed.push(Suppressed {
                reason: st.reason(),
                finding,
            });
            continue;
        }
        report.findings.push(finding);
    }
    report.findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.package.name.cmp(&b.package.name))
            .then_with(|| a.id.cmp(&b.id))
    });
    report.diagnostics = diagnostics.into_iter().collect();
    report
        .diagnostics
        .extend(notes.into_iter().map(|message| MatchDiagnostic {
            package: None,
            message,
        }));
    Ok(report)
}

/// Merges findings on the same package whose ids or aliases overlap (CVE ↔ GHSA ↔ DSA ↔
/// DEBCL), keeping the highest severity and every fixed version.
fn merge_aliases(findings: Vec<Finding>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    // Index of merged finding by (package purl + path, name).
    let mut index: HashMap<(String, Option<String>, String), usize> = HashMap::new();
    for f in findings {
        let pkg = (f.package.purl.clone(), f.package.path.clone());
        let hit = f.names().find_map(|n| {
            index
                .get(&(pkg.0.clone(), pkg.1.clone(), n.to_owned()))
                .copied()
        });
        let slot = match hit {
            Some(i) => {
                let target = &mut out[i];
                for id in &f.advisories {
                    if !target.advisories.contains(id) {
                        target.advisories.push(id.clone());
                    }
                }
                for a in &f.aliases {
                    if !target.aliases.contains(a) {
                        target.aliases.push(a.clone());
                    }
                }
                if f.severity > target.severity {
                    target.severity = f.severity;
                    target.severity_source = f.severity_source.clone();
                    target.cvss_score = f.cvss_score;
                }
                for v in &f.fixed_versions {
                    if !target.fixed_versions.contains(v) {
                        target.fixed_versions.push(v.clone());
                    }
                }
                target.advisories.sort();
                target.id = target.advisories[0].clone();
                i
            }
            None => {
                out.push(f);
                out.len() - 1
            }
        };
        let names: Vec<String> = out[slot].names().map(str::to_owned).collect();
        for n in names {
            index.insert((pkg.0.clone(), pkg.1.clone(), n), slot);
        }
    }
    for f in &mut out {
        let ids: BTreeSet<String> = f.advisories.iter().cloned().collect();
        f.aliases.retain(|a| !ids.contains(a));
        f.aliases.sort();
        f.aliases.dedup();
    }
    out
}
