//! Matching: packages + distribution + advisories → findings.
//!
//! [`match_packages`] is pure apart from reading advisories through [`AdvisorySource`]. It
//! looks each package up by (ecosystem, normalised name) — distribution packages by their
//! *source* package and release (`Debian:12`), with the source version when the package
//! manager records one — parses the installed version once, and evaluates the candidates'
//! OSV ranges, explicit version lists, npm ranges and RustSec requirements. Advisories that
//! share an id or alias on the same package are merged into one finding. Ignore rules and
//! VEX statements then move findings to `suppressed`, with the reason.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use palisade_core::{Distro, Ecosystem, Package, Severity};
use palisade_version::{Scheme, Version};
use serde::Serialize;

use crate::ignore::{IgnoreRule, RuleState};
use crate::model::{Advisory, Affected, Event, Range, SeverityScore, normalize_name};
use crate::store::{Candidate, Db, ReadView, StoreError};
use crate::vex::VexStatement;

/// Where the matcher reads advisories.
pub trait AdvisorySource {
    /// The `affected` entries for a package.
    fn candidates(&self, ecosystem: &str, name: &str) -> Result<Vec<Candidate>, StoreError>;
    /// A whole advisory.
    fn advisory(&self, id: &str) -> Result<Option<Advisory>, StoreError>;
    /// The ecosystems the source has advisories for.
    fn ecosystems(&self) -> Result<BTreeSet<String>, StoreError>;
    /// A consistent view of the source for the lookups of one match, held until dropped
    /// (a database's read transaction); `None` when the source needs none.
    fn read_view(&self) -> Result<Option<ReadView<'_>>, StoreError> {
        Ok(None)
    }
    /// What a finding needs of an advisory: it may leave out the details and the affected
    /// entries' names, ranges and versions (their ratings stay).
    fn advisory_head(&self, id: &str) -> Result<Option<Advisory>, StoreError> {
        self.advisory(id)
    }
    /// The advisories that list `alias` among their aliases.
    fn by_alias(&self, alias: &str) -> Result<Vec<String>, StoreError> {
        let _ = alias;
        Ok(Vec::new())
    }
    /// Every normalised package name the source has advisories for in `ecosystem`, when it
    /// can list them; `None` when each name must be asked for.
    fn names(&self, ecosystem: &str) -> Result<Option<HashSet<String>>, StoreError> {
        let _ = ecosystem;
        Ok(None)
    }
}

impl AdvisorySource for Db {
    fn candidates(&self, ecosystem: &str, name: &str) -> Result<Vec<Candidate>, StoreError> {
        Db::candidates(self, ecosystem, name)
    }
    fn advisory(&self, id: &str) -> Result<Option<Advisory>, StoreError> {
        Db::advisory(self, id)
    }
    fn advisory_head(&self, id: &str) -> Result<Option<Advisory>, StoreError> {
        Db::advisory_head(self, id)
    }
    fn read_view(&self) -> Result<Option<ReadView<'_>>, StoreError> {
        Db::read_view(self).map(Some)
    }
    fn by_alias(&self, alias: &str) -> Result<Vec<String>, StoreError> {
        Db::by_alias(self, alias)
    }
    fn names(&self, ecosystem: &str) -> Result<Option<HashSet<String>>, StoreError> {
        Db::names(self, ecosystem).map(Some)
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
    /// Shared by every finding on the same package.
    pub package: Arc<FindingPackage>,
    pub severity: Severity,
    /// Where the severity came from: a CVSS vector, or `rating:WORD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity_source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cvss_score: Option<f64>,
    /// Versions that fix it; empty when no fix is released.
    pub fixed_versions: Vec<String>,
    /// The advisory's summary and first references, shared by its findings.
    pub summary: Arc<str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub references: Arc<[String]>,
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

/// A severity, where it came from, and the CVSS score.
type Rating = (Severity, Option<String>, Option<f64>);

/// An advisory read for findings, with the parts its findings share.
struct Loaded {
    advisory: Advisory,
    summary: Arc<str>,
    references: Arc<[String]>,
    /// The rating of the advisory's own scores.
    rating: Rating,
    /// The ratings of its other records, read the first time a finding needs them.
    related: Option<Vec<(String, Rating)>>,
}

impl Loaded {
    /// How many references a finding carries.
    const REFERENCES: usize = 5;

    fn new(advisory: Advisory) -> Loaded {
        Loaded {
            rating: severity(&advisory.severity.iter().collect::<Vec<_>>()),
            related: None,
            summary: Arc::from(advisory.summary.as_str()),
            references: advisory
                .references
                .iter()
                .take(Self::REFERENCES)
                .cloned()
                .collect(),
            advisory,
        }
    }
}

/// Skips the database for names it has no advisories for. A scan of a few hundred packages
/// asks for each name; once an ecosystem has had [`NameFilter::LOAD_AFTER`] lookups, the
/// source's whole list of names for it is read once, and names not on it cost nothing more.
#[derive(Default)]
struct NameFilter {
    lookups: HashMap<String, usize>,
    names: HashMap<String, Option<HashSet<String>>>,
}

impl NameFilter {
    const LOAD_AFTER: usize = 256;

    /// Whether `source` may have advisories for `name` (normalised) in `ecosystem`.
    fn may_have(
        &mut self,
        source: &dyn AdvisorySource,
        ecosystem: &str,
        name: &str,
    ) -> Result<bool, StoreError> {
        if let Some(set) = self.names.get(ecosystem) {
            return Ok(set.as_ref().is_none_or(|set| set.contains(name)));
        }
        let n = self.lookups.entry(ecosystem.to_owned()).or_default();
        *n += 1;
        if *n >= Self::LOAD_AFTER {
            let set = source.names(ecosystem)?;
            let verdict = set.as_ref().is_none_or(|set| set.contains(name));
            self.names.insert(ecosystem.to_owned(), set);
            return Ok(verdict);
        }
        Ok(true)
    }
}

/// Ratings of other records, each looked up once per match: a CVE's GHSA, PYSEC and Debian
/// records all ask for the same aliases.
struct RelatedRatings<'s> {
    source: &'s dyn AdvisorySource,
    by_alias: HashMap<String, Vec<String>>,
    rating: HashMap<String, Option<Rating>>,
}

impl<'s> RelatedRatings<'s> {
    fn new(source: &'s dyn AdvisorySource) -> RelatedRatings<'s> {
        RelatedRatings {
            source,
            by_alias: HashMap::new(),
            rating: HashMap::new(),
        }
    }

    /// The ratings other imported records of the same issue give: the advisory's aliases, and
    /// the records that name one of its aliases (a GHSA record names the CVE a Debian record
    /// is filed under). Only rated records are kept, in the order found.
    fn of(&mut self, advisory: &Advisory) -> Vec<(String, Rating)> {
        let source = self.source;
        let mut related: Vec<String> = advisory
            .aliases
            .iter()
            .take(MAX_ALIASES_RATED)
            .cloned()
            .collect();
        for alias in advisory.aliases.iter().take(MAX_ALIASES_RATED) {
            let others = self
                .by_alias
                .entry(alias.clone())
                .or_insert_with(|| source.by_alias(alias).unwrap_or_default());
            for other in others.iter() {
                if *other != advisory.id && !related.contains(other) {
                    related.push(other.clone());
                }
            }
        }
        related
            .into_iter()
            .take(4 * MAX_ALIASES_RATED)
            .filter_map(|id| {
                let rating = self
                    .rating
                    .entry(id.clone())
                    .or_insert_with(|| {
                        let record = source.advisory_head(&id).ok().flatten()?;
                        let scores: Vec<&SeverityScore> = record
                            .severity
                            .iter()
                            .chain(record.affected.iter().flat_map(|x| x.severity.iter()))
                            .collect();
                        let rating = severity(&scores);
                        (rating.0 != Severity::Unknown || rating.2.is_some()).then_some(rating)
                    })
                    .clone()?;
                Some((id, rating))
            })
            .collect()
    }
}

/// How many aliases of one advisory are looked up for a rating.
const MAX_ALIASES_RATED: usize = 16;

/// Which kind of OSV event a parsed event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EventKind {
    Introduced,
    Fixed,
    LastAffected,
}

/// A range with its versions parsed once, for every package of that name.
#[derive(Debug)]
enum PreparedRange {
    /// Events sorted by version (`None`: introduced at the beginning).
    Events(Result<Vec<(Option<Version>, EventKind)>, String>),
    /// The same, compared as SemVer.
    Semver(Result<Vec<(Option<Version>, EventKind)>, String>),
    Git,
    Npm(Result<palisade_version::npm::Range, String>),
    Cargo {
        reqs: Vec<palisade_version::cargo::VersionReq>,
        error: Option<String>,
    },
}

/// An advisory's affected entry prepared for one package name: versions parsed once.
#[derive(Debug)]
struct Prepared {
    advisory_id: String,
    affected: Affected,
    /// The versions that fix it, as findings list them.
    fixed: Vec<String>,
    versions: Vec<Version>,
    ranges: Vec<PreparedRange>,
}

fn prepare_events(
    scheme: Scheme,
    events: &[Event],
    trim_v: bool,
) -> Result<Vec<(Option<Version>, EventKind)>, String> {
    let text = |v: &str| -> String {
        if trim_v {
            v.trim_start_matches('v').to_owned()
        } else {
            v.to_owned()
        }
    };
    let mut parsed = Vec::with_capacity(events.len());
    for e in events {
        match e {
            Event::Introduced(v) => parsed.push((
                scheme
                    .parse_introduced(&text(v))
                    .map_err(|e| e.to_string())?,
                EventKind::Introduced,
            )),
            Event::Fixed(v) => parsed.push((
                Some(scheme.parse(&text(v)).map_err(|e| e.to_string())?),
                EventKind::Fixed,
            )),
            Event::LastAffected(v) => parsed.push((
                Some(scheme.parse(&text(v)).map_err(|e| e.to_string())?),
                EventKind::LastAffected,
            )),
            Event::Limit(_) => {}
        }
    }
    parsed.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(parsed)
}

fn prepare(scheme: Scheme, candidate: Candidate) -> Prepared {
    let versions = candidate
        .affected
        .versions
        .iter()
        .filter_map(|v| scheme.parse(v).ok())
        .collect();
    let ranges = candidate
        .affected
        .ranges
        .iter()
        .map(|range| match range {
            Range::Ecosystem { events } => {
                PreparedRange::Events(prepare_events(scheme, events, false))
            }
            Range::Semver { events } => {
                PreparedRange::Semver(prepare_events(Scheme::Semver, events, true))
            }
            Range::Git { .. } => PreparedRange::Git,
            Range::Npm { vulnerable, .. } => PreparedRange::Npm(
                palisade_version::npm::Range::parse(
                    vulnerable,
                    palisade_version::npm::Options::default(),
                )
                .map_err(|e| e.to_string()),
            ),
            Range::Cargo {
                patched,
                unaffected,
            } => {
                let mut reqs = Vec::new();
                let mut error = None;
                for req in patched.iter().chain(unaffected) {
                    match palisade_version::cargo::VersionReq::parse(req) {
                        Ok(r) => reqs.push(r),
                        Err(e) => error = Some(e.to_string()),
                    }
                }
                PreparedRange::Cargo { reqs, error }
            }
        })
        .collect();
    Prepared {
        advisory_id: candidate.advisory_id,
        fixed: candidate.affected.fixed_versions(),
        affected: candidate.affected,
        versions,
        ranges,
    }
}

fn walk_events(installed: &Version, events: &[(Option<Version>, EventKind)]) -> bool {
    let mut affected = false;
    for (v, kind) in events {
        match (kind, v) {
            (EventKind::Introduced, None) => affected = true,
            (EventKind::Introduced, Some(v)) if installed >= v => affected = true,
            (EventKind::Fixed, Some(v)) if installed >= v => affected = false,
            (EventKind::LastAffected, Some(v)) if installed > v => affected = false,
            _ => {}
        }
    }
    affected
}

/// [`evaluate`] on a prepared entry: the same verdicts, with nothing parsed per package but
/// the installed version (and its SemVer reading, once).
fn evaluate_prepared(
    lookup: &Lookup,
    installed: &Version,
    semver: &mut Option<Result<Version, String>>,
    prepared: &Prepared,
    notes: &mut BTreeSet<String>,
) -> Verdict {
    let affected = &prepared.affected;
    if affected.versions.iter().any(|v| v == &lookup.version)
        || prepared.versions.iter().any(|v| v == installed)
    {
        return Verdict::Affected;
    }
    let mut decidable = !affected.versions.is_empty();
    for range in &prepared.ranges {
        let result: Result<bool, String> = match range {
            PreparedRange::Events(events) => events
                .as_ref()
                .map(|ev| walk_events(installed, ev))
                .map_err(Clone::clone),
            PreparedRange::Semver(events) => {
                let sv = semver.get_or_insert_with(|| {
                    Scheme::Semver
                        .parse(lookup.version.trim_start_matches('v'))
                        .map_err(|e| e.to_string())
                });
                match (&*sv, events) {
                    (Ok(sv), Ok(ev)) => Ok(walk_events(sv, ev)),
                    (Err(e), _) | (_, Err(e)) => Err(e.clone()),
                }
            }
            PreparedRange::Git => {
                notes.insert("GIT ranges are not evaluated (an installed package has no commit); such entries match only through their version lists".to_owned());
                continue;
            }
            PreparedRange::Npm(r) => r
                .as_ref()
                .map(|r| r.satisfies(&lookup.version))
                .map_err(Clone::clone),
            PreparedRange::Cargo { reqs, error } => {
                let safe = reqs.iter().any(|r| r.matches(&lookup.version));
                match error {
                    Some(e) if !safe => Err(e.clone()),
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
    let _view = source.read_view()?;
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
    let mut cache: HashMap<(String, String), std::rc::Rc<Vec<Prepared>>> = HashMap::new();
    // Advisories read so far, by id: each is read and rated once.
    let mut slots: HashMap<String, usize> = HashMap::new();
    let mut loaded: Vec<Option<Loaded>> = Vec::new();
    let mut alias_ratings = RelatedRatings::new(source);
    let mut names = NameFilter::default();
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
            None if !names.may_have(source, &key.0, &key.1)? => continue,
            None => {
                let prepared: Vec<Prepared> = source
                    .candidates(&lk.ecosystem, &lk.name)?
                    .into_iter()
                    .map(|c| prepare(lk.scheme, c))
                    .collect();
                let c = std::rc::Rc::new(prepared);
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
        let mut per_advisory: BTreeMap<&str, Vec<&Prepared>> = BTreeMap::new();
        let mut semver = None;
        for c in candidates.iter() {
            if let Verdict::Affected =
                evaluate_prepared(&lk, &installed, &mut semver, c, &mut notes)
            {
                per_advisory.entry(&c.advisory_id).or_default().push(c);
            }
        }
        let mut finding_package: Option<Arc<FindingPackage>> = None;
        for (id, hits) in per_advisory {
            let slot = match slots.get(id) {
                Some(&slot) => slot,
                None => {
                    loaded.push(source.advisory_head(id).ok().flatten().map(Loaded::new));
                    slots.insert(id.to_owned(), loaded.len() - 1);
                    loaded.len() - 1
                }
            };
            let Some(entry) = loaded[slot].as_mut() else {
                continue;
            };
            if entry.advisory.withdrawn.is_some() {
                continue;
            }
            let (mut severity, mut severity_source, mut cvss_score) =
                if hits.iter().all(|p| p.affected.severity.is_empty()) {
                    entry.rating.clone()
                } else {
                    let scores: Vec<&SeverityScore> = hits
                        .iter()
                        .flat_map(|p| p.affected.severity.iter())
                        .chain(entry.advisory.severity.iter())
                        .collect();
                    severity(&scores)
                };
            // The same issue as other feeds record it: a PYSEC or Debian record without a
            // rating takes the rating of its GHSA or NVD-derived alias, when one was imported.
            if severity == Severity::Unknown || cvss_score.is_none() {
                let related = entry
                    .related
                    .get_or_insert_with(|| alias_ratings.of(&entry.advisory));
                for (alias, (alias_severity, alias_source, alias_score)) in related.iter() {
                    if severity == Severity::Unknown && *alias_severity != Severity::Unknown {
                        severity = *alias_severity;
                        severity_source = alias_source.as_ref().map(|s| format!("{alias}: {s}"));
                        cvss_score = *alias_score;
                    } else if cvss_score.is_none() && alias_score.is_some() {
                        // Both shown: the feed's own rating, and the CVSS score of the alias.
                        cvss_score = *alias_score;
                        if let (Some(own), Some(other)) = (&severity_source, alias_source) {
                            severity_source = Some(format!("{own}; {alias}: {other}"));
                        }
                    }
                }
            }
            let mut fixed: Vec<String> =
                hits.iter().flat_map(|p| p.fixed.iter().cloned()).collect();
            fixed.sort();
            fixed.dedup();
            let finding_package = finding_package.get_or_insert_with(|| {
                Arc::new(FindingPackage {
                    name: package.name.clone(),
                    version: package.version.clone(),
                    ecosystem: package.ecosystem,
                    purl: package.purl.clone(),
                    matched_name: lk.name.clone(),
                    matched_version: lk.version.clone(),
                    matched_ecosystem: lk.ecosystem.clone(),
                    path: package.locations.first().map(|l| l.path.clone()),
                    layer: package.layer().map(ToString::to_string),
                })
            });
            let advisory = &entry.advisory;
            raw.push(Finding {
                id: advisory.id.clone(),
                advisories: vec![advisory.id.clone()],
                aliases: advisory.aliases.clone(),
                package: finding_package.clone(),
                severity,
                severity_source,
                cvss_score,
                fixed_versions: fixed,
                summary: entry.summary.clone(),
                references: entry.references.clone(),
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
    // Sort an index rather than the findings themselves: a finding is large, and moving it
    // around costs more than comparing it. Stable, as before.
    // The keys sit side by side and the index breaks ties, so an unstable sort gives the
    // stable order.
    let order: Vec<usize> = {
        let mut keys: Vec<(std::cmp::Reverse<Severity>, &str, &str, usize)> = report
            .findings
            .iter()
            .enumerate()
            .map(|(i, f)| {
                (
                    std::cmp::Reverse(f.severity),
                    f.package.name.as_str(),
                    f.id.as_str(),
                    i,
                )
            })
            .collect();
        keys.sort_unstable();
        keys.into_iter().map(|k| k.3).collect()
    };
    let mut slots: Vec<Option<Finding>> = std::mem::take(&mut report.findings)
        .into_iter()
        .map(Some)
        .collect();
    report.findings = order.into_iter().filter_map(|i| slots[i].take()).collect();
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
    // Findings arrive package by package: merge within each run of the same package (purl and
    // path). First decide which finding each one merges into, indexing the run's findings by
    // every id and alias (borrowed, nothing copied); then move them into place.
    let mut into: Vec<usize> = Vec::with_capacity(findings.len());
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut leaders = 0usize;
    for (i, f) in findings.iter().enumerate() {
        let same = i > 0 && {
            let prev = &findings[i - 1].package;
            prev.purl == f.package.purl && prev.path == f.package.path
        };
        if !same {
            index.clear();
        }
        let slot = match f.names().find_map(|n| index.get(n).copied()) {
            Some(slot) => slot,
            None => {
                leaders += 1;
                leaders - 1
            }
        };
        into.push(slot);
        for n in f.names() {
            index.entry(n).or_insert(slot);
        }
    }
    drop(index);
    let mut out: Vec<Finding> = Vec::with_capacity(leaders);
    for (f, slot) in findings.into_iter().zip(into) {
        if slot == out.len() {
            out.push(f);
            continue;
        }
        let target = &mut out[slot];
        for id in f.advisories {
            if !target.advisories.contains(&id) {
                target.advisories.push(id);
            }
        }
        for a in f.aliases {
            if !target.aliases.contains(&a) {
                target.aliases.push(a);
            }
        }
        if f.severity > target.severity {
            target.severity = f.severity;
            target.severity_source = f.severity_source;
            target.cvss_score = f.cvss_score;
        }
        for v in f.fixed_versions {
            if !target.fixed_versions.contains(&v) {
                target.fixed_versions.push(v);
            }
        }
        target.advisories.sort();
        target.id = target.advisories[0].clone();
    }
    for f in &mut out {
        if !f.aliases.is_empty() {
            let ids = &f.advisories;
            f.aliases.retain(|a| !ids.contains(a));
            f.aliases.sort();
            f.aliases.dedup();
        }
    }
    out
}
