//! Python package versions (PEP 440) as the `packaging` library reads and orders them, and
//! specifier sets such as `>=1.0,<2.0`, `~=1.4.2`, `==1.*`, `!=1.3.4`, matched as `packaging` 26
//! matches them (pre-releases included unless the caller excludes them).
//!
//! Strings that are not PEP 440 (`0.1-bulbasaur`, `2.0-beta_1`, …) still occur on PyPI and in
//! advisories. They parse as *legacy* versions, ordered like `packaging`'s former
//! `LegacyVersion` (before release 22): every legacy version sorts before every PEP 440
//! version, and legacy versions compare by setuptools' old `parse_version` key.

use std::cmp::Ordering;
use std::fmt;
use std::sync::LazyLock;

use regex::Regex;

use crate::num::Num;
use crate::{Scheme, VersionError, check_len, ord_via_cmp};

static VERSION_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^\s*
        v?
        (?:(?P<epoch>[0-9]+)!)?
        (?P<release>[0-9]+(?:\.[0-9]+)*)
        (?P<pre>[-_.]?(?P<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?P<pre_n>[0-9]+)?)?
        (?P<post>(?:-(?P<post_n1>[0-9]+))|(?:[-_.]?(?P<post_l>post|rev|r)[-_.]?(?P<post_n2>[0-9]+)?))?
        (?P<dev>[-_.]?(?P<dev_l>dev)[-_.]?(?P<dev_n>[0-9]+)?)?
        (?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?
        \s*$",
    )
    .unwrap_or_else(|e| unreachable!("PEP 440 regex: {e}"))
});

/// Pre-release phase: `a` < `b` < `rc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PreKind {
    Alpha,
    Beta,
    Rc,
}

impl PreKind {
    fn as_str(self) -> &'static str {
        match self {
            PreKind::Alpha => "a",
            PreKind::Beta => "b",
            PreKind::Rc => "rc",
        }
    }
}

/// One segment of a local version label: numbers sort after strings.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum LocalSeg {
    Str(Box<str>),
    Num(Num),
}

impl Ord for LocalSeg {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (LocalSeg::Num(a), LocalSeg::Num(b)) => a.cmp(b),
            (LocalSeg::Num(_), LocalSeg::Str(_)) => Ordering::Greater,
            (LocalSeg::Str(_), LocalSeg::Num(_)) => Ordering::Less,
            (LocalSeg::Str(a), LocalSeg::Str(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for LocalSeg {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[derive(Debug, Clone)]
struct Modern {
    epoch: Num,
    release: Vec<Num>,
    /// `release` without trailing zeros: the ordering key.
    release_key: usize,
    pre: Option<(PreKind, Num)>,
    post: Option<Num>,
    dev: Option<Num>,
    local: Vec<LocalSeg>,
}

#[derive(Debug, Clone)]
enum Kind {
    Modern(Modern),
    Legacy(Vec<Box<str>>),
}

/// A parsed Python package version.
#[derive(Debug, Clone)]
pub struct Pep440Version {
    kind: Kind,
    text: Box<str>,
}

impl Pep440Version {
    /// Parses a PEP 440 version, or else a legacy one; only blank, over-long and
    /// control-character strings are rejected.
    pub fn parse(s: &str) -> Result<Pep440Version, VersionError> {
        check_len(Scheme::Pep440, s)?;
        match Self::parse_pep440(s) {
            Ok(v) => Ok(v),
            Err(_) => {
                let t = s.trim();
                if t.is_empty() {
                    return Err(VersionError::new(
                        Scheme::Pep440,
                        s,
                        "version string is empty",
                    ));
                }
                if t.chars().any(char::is_control) {
                    return Err(VersionError::new(
                        Scheme::Pep440,
                        s,
                        "version contains a control character",
                    ));
                }
                Ok(Pep440Version {
                    kind: Kind::Legacy(legacy_key(t)),
                    text: t.into(),
                })
            }
        }
    }

    /// Parses strictly: only PEP 440 versions (like `packaging.version.Version`).
    pub fn parse_pep440(s: &str) -> Result<Pep440Version, VersionError> {
        check_len(Scheme::Pep440, s)?;
        let err = |reason| VersionError::new(Scheme::Pep440, s, reason);
        let caps = VERSION_RE
            .captures(s)
            .ok_or_else(|| err("not a PEP 440 version"))?;
        let num = |name: &str| caps.name(name).map(|m| Num::from_digits(m.as_str()));
        let epoch = num("epoch").unwrap_or_else(Num::zero);
        let release: Vec<Num> = caps
            .name("release")
            .map(|m| m.as_str().split('.').map(Num::from_digits).collect())
            .unwrap_or_default();
        let release_key = release
            .iter()
            .rposition(|n| !n.is_zero())
            .map_or(0, |i| i + 1);
        let pre = caps.name("pre_l").map(|l| {
            let kind = match l.as_str().to_ascii_lowercase().as_str() {
                "a" | "alpha" => PreKind::Alpha,
                "b" | "beta" => PreKind::Beta,
                _ => PreKind::Rc,
            };
            (kind, num("pre_n").unwrap_or_else(Num::zero))
        });
        let post = if caps.name("post").is_some() {
            Some(
                num("post_n1")
                    .or_else(|| num("post_n2"))
                    .unwrap_or_else(Num::zero),
            )
        } else {
            None
        };
        let dev = caps
            .name("dev")
            .map(|_| num("dev_n").unwrap_or_else(Num::zero));
        let local = caps
            .name("local")
            .map(|m| {
                m.as_str()
                    .split(['-', '_', '.'])
                    .map(|p| {
                        if p.bytes().all(|b| b.is_ascii_digit()) {
                            LocalSeg::Num(Num::from_digits(p))
                        } else {
                            LocalSeg::Str(p.to_ascii_lowercase().into())
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let m = Modern {
            epoch,
            release,
            release_key,
            pre,
            post,
            dev,
            local,
        };
        let text = render(&m, true);
        Ok(Pep440Version {
            kind: Kind::Modern(m),
            text: text.into(),
        })
    }

    /// Whether the string was not PEP 440 and parsed as a legacy version.
    pub fn is_legacy(&self) -> bool {
        matches!(self.kind, Kind::Legacy(_))
    }

    /// A pre-release or development release (PEP 440 `is_prerelease`).
    pub fn is_prerelease(&self) -> bool {
        match &self.kind {
            Kind::Modern(m) => m.pre.is_some() || m.dev.is_some(),
            Kind::Legacy(_) => false,
        }
    }

    pub fn is_postrelease(&self) -> bool {
        matches!(&self.kind, Kind::Modern(m) if m.post.is_some())
    }

    fn modern(&self) -> Option<&Modern> {
        match &self.kind {
            Kind::Modern(m) => Some(m),
            Kind::Legacy(_) => None,
        }
    }

    /// The version without its local label.
    pub fn public(&self) -> Pep440Version {
        match &self.kind {
            Kind::Modern(m) => {
                let mut p = m.clone();
                p.local.clear();
                let text = render(&p, true);
                Pep440Version {
                    kind: Kind::Modern(p),
                    text: text.into(),
                }
            }
            Kind::Legacy(_) => self.clone(),
        }
    }

    /// Epoch and release only.
    pub fn base(&self) -> Pep440Version {
        match &self.kind {
            Kind::Modern(m) => {
                let mut p = m.clone();
                p.local.clear();
                p.pre = None;
                p.post = None;
                p.dev = None;
                let text = render(&p, true);
                Pep440Version {
                    kind: Kind::Modern(p),
                    text: text.into(),
                }
            }
            Kind::Legacy(_) => self.clone(),
        }
    }

    fn has_local(&self) -> bool {
        matches!(&self.kind, Kind::Modern(m) if !m.local.is_empty())
    }
}

/// The canonical form (`str(Version)` in `packaging`).
fn render(m: &Modern, with_local: bool) -> String {
    let mut s = String::new();
    if !m.epoch.is_zero() {
        s.push_str(&format!("{}!", m.epoch));
    }
    let rel: Vec<String> = m.release.iter().map(Num::to_string).collect();
    s.push_str(&rel.join("."));
    if let Some((k, n)) = &m.pre {
        s.push_str(&format!("{}{n}", k.as_str()));
    }
    if let Some(n) = &m.post {
        s.push_str(&format!(".post{n}"));
    }
    if let Some(n) = &m.dev {
        s.push_str(&format!(".dev{n}"));
    }
    if with_local && !m.local.is_empty() {
        let parts: Vec<String> = m
            .local
            .iter()
            .map(|p| match p {
                LocalSeg::Num(n) => n.to_string(),
                LocalSeg::Str(s) => s.to_string(),
            })
            .collect();
        s.push('+');
        s.push_str(&parts.join("."));
    }
    s
}

/// setuptools' old `_legacy_cmpkey` parts.
fn legacy_key(s: &str) -> Vec<Box<str>> {
    let lower = s.to_lowercase();
    let mut raw: Vec<String> = Vec::new();
    let mut other = String::new();
    let mut chars = lower.chars().peekable();
    while let Some(&c) = chars.peek() {
        let token = if c.is_ascii_digit() {
            let mut t = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                t.push(d);
                chars.next();
            }
            t
        } else if c.is_ascii_lowercase() {
            let mut t = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_lowercase()) {
                t.push(d);
                chars.next();
            }
            t
        } else if c == '.' || c == '-' {
            chars.next();
            c.to_string()
        } else {
            other.push(c);
            chars.next();
            continue;
        };
        if !other.is_empty() {
            raw.push(std::mem::take(&mut other));
        }
        raw.push(token);
    }
    if !other.is_empty() {
        raw.push(other);
    }
    let mut parts: Vec<Box<str>> = Vec::new();
    let mut push = |part: String| {
        if part.starts_with('*') {
            if part.as_str() < "*final" {
                while parts.last().is_some_and(|p| &**p == "*final-") {
                    parts.pop();
                }
            }
            while parts.last().is_some_and(|p| &**p == "00000000") {
                parts.pop();
            }
        }
        parts.push(part.into());
    };
    for part in raw {
        let part = match part.as_str() {
            "pre" | "preview" | "rc" => "c".to_owned(),
            "-" => "final-".to_owned(),
            "dev" => "@".to_owned(),
            _ => part,
        };
        if part.is_empty() || part == "." {
            continue;
        }
        if part.starts_with(|c: char| c.is_ascii_digit()) {
            push(format!("{part:0>8}"));
        } else {
            push(format!("*{part}"));
        }
    }
    push("*final".to_owned());
    parts
}

fn cmp_modern(a: &Modern, b: &Modern) -> Ordering {
    // Pre-release key: a dev release of a final version sorts before its pre-releases.
    fn pre_key(m: &Modern) -> (u8, Option<&(PreKind, Num)>) {
        match (&m.pre, &m.post, &m.dev) {
            (None, None, Some(_)) => (0, None),
            (None, _, _) => (2, None),
            (Some(p), _, _) => (1, Some(p)),
        }
    }
    a.epoch
        .cmp(&b.epoch)
        .then_with(|| a.release[..a.release_key].cmp(&b.release[..b.release_key]))
        .then_with(|| pre_key(a).cmp(&pre_key(b)))
        .then_with(|| a.post.cmp(&b.post))
        .then_with(|| match (&a.dev, &b.dev) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(x), Some(y)) => x.cmp(y),
        })
        .then_with(|| a.local.cmp(&b.local))
}

impl Ord for Pep440Version {
    fn cmp(&self, other: &Self) -> Ordering {
        match (&self.kind, &other.kind) {
            (Kind::Modern(a), Kind::Modern(b)) => cmp_modern(a, b),
            (Kind::Legacy(_), Kind::Modern(_)) => Ordering::Less,
            (Kind::Modern(_), Kind::Legacy(_)) => Ordering::Greater,
            (Kind::Legacy(a), Kind::Legacy(b)) => a.cmp(b),
        }
    }
}
ord_via_cmp!(Pep440Version);

impl fmt::Display for Pep440Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A specifier's operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Compatible,
    Equal,
    NotEqual,
    LessEqual,
    GreaterEqual,
    Less,
    Greater,
    Arbitrary,
}

/// One clause of a specifier set, e.g. `>=1.0`.
#[derive(Debug, Clone)]
pub struct Specifier {
    pub op: Operator,
    /// The version text as written (with `.*` for prefix matches).
    version: Box<str>,
    /// The parsed version (without `.*`); `None` only for `===`.
    parsed: Option<Pep440Version>,
    wildcard: bool,
}

impl Specifier {
    pub fn parse(s: &str) -> Result<Specifier, VersionError> {
        let err = |reason| VersionError::new(Scheme::Pep440, s, reason);
        check_len(Scheme::Pep440, s)?;
        let t = s.trim();
        let (op, rest) = [
            ("===", Operator::Arbitrary),
            ("~=", Operator::Compatible),
            ("==", Operator::Equal),
            ("!=", Operator::NotEqual),
            ("<=", Operator::LessEqual),
            (">=", Operator::GreaterEqual),
            ("<", Operator::Less),
            (">", Operator::Greater),
        ]
        .iter()
        .find_map(|(p, op)| t.strip_prefix(p).map(|rest| (*op, rest.trim())))
        .ok_or_else(|| err("specifier does not start with an operator"))?;
        if rest.is_empty() {
            return Err(err("specifier has no version"));
        }
        if op == Operator::Arbitrary {
            if rest.contains(char::is_whitespace) {
                return Err(err("whitespace in an arbitrary-equality version"));
            }
            return Ok(Specifier {
                op,
                version: rest.into(),
                parsed: None,
                wildcard: false,
            });
        }
        let (vtext, wildcard) = match rest.strip_suffix(".*") {
            Some(v) if matches!(op, Operator::Equal | Operator::NotEqual) => (v, true),
            Some(_) => return Err(err("`.*` is only allowed with == and !=")),
            None => (rest, false),
        };
        let parsed = Pep440Version::parse_pep440(vtext).map_err(|e| err(e.reason))?;
        if (wildcard || !matches!(op, Operator::Equal | Operator::NotEqual)) && parsed.has_local() {
            return Err(err("local version label not allowed here"));
        }
        if op == Operator::Compatible && parsed.modern().is_some_and(|m| m.release.len() < 2) {
            return Err(err("~= needs at least two release segments"));
        }
        Ok(Specifier {
            op,
            version: rest.into(),
            parsed: Some(parsed),
            wildcard,
        })
    }

    /// Whether this clause names a pre-release, which lets the set match pre-releases.
    pub fn allows_prereleases(&self) -> bool {
        matches!(
            self.op,
            Operator::Equal
                | Operator::GreaterEqual
                | Operator::LessEqual
                | Operator::Compatible
                | Operator::Arbitrary
        ) && match &self.parsed {
            Some(v) => v.is_prerelease(),
            None => Pep440Version::parse_pep440(&self.version).is_ok_and(|v| v.is_prerelease()),
        }
    }

    /// Tests the operator alone, without the pre-release rule.
    pub fn matches(&self, item: &Pep440Version) -> bool {
        if item.is_legacy() && self.op != Operator::Arbitrary {
            return false;
        }
        let Some(spec) = &self.parsed else {
            return item.to_string().to_lowercase() == self.version.to_lowercase();
        };
        match self.op {
            Operator::Equal if self.wildcard => prefix_match(item, spec),
            Operator::NotEqual if self.wildcard => !prefix_match(item, spec),
            Operator::Equal => equal(item, spec),
            Operator::NotEqual => !equal(item, spec),
            Operator::LessEqual => item.public() <= *spec,
            Operator::GreaterEqual => item.public() >= *spec,
            // `<V` and `>V` as `packaging` 26 bounds them: `<V` excludes V's pre-releases
            // unless V is one; `>V` excludes V's post-releases and local versions.
            Operator::Less => match spec.modern() {
                Some(m) if !spec.is_prerelease() => {
                    let mut bound = m.clone();
                    bound.dev = Some(Num::zero());
                    bound.local.clear();
                    item.modern().is_some_and(|i| cmp_modern(i, &bound).is_lt())
                }
                _ => *item < *spec,
            },
            Operator::Greater => match (spec.modern(), item.modern()) {
                (Some(s), Some(i)) if s.dev.is_some() || s.post.is_some() => {
                    let mut bound = s.clone();
                    bound.local.clear();
                    if let Some(dev) = &s.dev {
                        bound.dev = Some(dev.succ());
                    } else if let Some(post) = &s.post {
                        bound.post = Some(post.succ());
                        bound.dev = Some(Num::zero());
                    }
                    cmp_modern(i, &bound).is_ge()
                }
                (Some(s), Some(i)) => {
                    let same_family = i.epoch == s.epoch
                        && i.release[..i.release_key] == s.release[..s.release_key]
                        && i.pre == s.pre;
                    cmp_modern(i, s).is_gt()
                        && !(same_family && (i.post.is_some() || !i.local.is_empty()))
                }
                _ => false,
            },
            Operator::Compatible => {
                let split = version_split(&spec.to_string());
                let mut prefix: Vec<String> = split
                    .into_iter()
                    .take_while(|seg| {
                        !["dev", "a", "b", "rc", "post"]
                            .iter()
                            .any(|p| seg.starts_with(p))
                    })
                    .collect();
                prefix.pop();
                let Some((epoch, rest)) = prefix.split_first() else {
                    return false;
                };
                let Ok(prefix) =
                    Pep440Version::parse_pep440(&format!("{epoch}!{}", rest.join(".")))
                else {
                    return false;
                };
                item.public() >= *spec && prefix_match(item, &prefix)
            }
            Operator::Arbitrary => false,
        }
    }
}

fn equal(item: &Pep440Version, spec: &Pep440Version) -> bool {
    if spec.has_local() {
        item == spec
    } else {
        item.public() == *spec
    }
}

/// `packaging`'s `_version_split`: epoch, then release segments with `1rc1` split in two.
fn version_split(v: &str) -> Vec<String> {
    let (epoch, rest) = match v.rsplit_once('!') {
        Some((e, r)) => (e, r),
        None => ("0", v),
    };
    let mut out = vec![if epoch.is_empty() { "0" } else { epoch }.to_owned()];
    for item in rest.split('.') {
        let digits = item.bytes().take_while(u8::is_ascii_digit).count();
        let (num, tail) = item.split_at(digits);
        let tail_ok = ["a", "b", "c", "rc"].iter().any(|p| {
            tail.strip_prefix(p)
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        });
        if digits > 0 && tail_ok {
            out.push(num.to_owned());
            out.push(tail.to_owned());
        } else {
            out.push(item.to_owned());
        }
    }
    out
}

/// `==V.*`: the item's public version, split and zero-padded, starts with V's segments.
fn prefix_match(item: &Pep440Version, spec: &Pep440Version) -> bool {
    let split_spec = version_split(&spec.to_string());
    let split_item = version_split(&item.public().to_string());
    let is_digit = |s: &String| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let item_nums = split_item.iter().take_while(|s| is_digit(s)).count();
    let spec_nums = split_spec.iter().take_while(|s| is_digit(s)).count();
    let mut padded: Vec<&str> = split_item[..item_nums].iter().map(String::as_str).collect();
    padded.extend(std::iter::repeat_n(
        "0",
        spec_nums.saturating_sub(item_nums),
    ));
    padded.extend(split_item[item_nums..].iter().map(String::as_str));
    padded.len() >= split_spec.len()
        && padded[..split_spec.len()]
            .iter()
            .zip(&split_spec)
            .all(|(a, b)| *a == b.as_str())
}

/// A comma-separated set of specifiers; a version matches when it matches all of them.
#[derive(Debug, Clone, Default)]
pub struct SpecifierSet {
    specs: Vec<Specifier>,
}

impl SpecifierSet {
    pub fn parse(s: &str) -> Result<SpecifierSet, VersionError> {
        check_len(Scheme::Pep440, s)?;
        let specs = s
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(Specifier::parse)
            .collect::<Result<_, _>>()?;
        Ok(SpecifierSet { specs })
    }

    pub fn specifiers(&self) -> &[Specifier] {
        &self.specs
    }

    /// `packaging`'s `SpecifierSet.contains(v)` (release 26): pre-releases match like any other
    /// version (PEP 440 accepts them when nothing else satisfies the set, and a single version
    /// has no alternatives). Unparsable versions match nothing.
    pub fn contains(&self, v: &str) -> bool {
        Pep440Version::parse(v).is_ok_and(|v| self.contains_version(&v, None))
    }

    /// Like [`SpecifierSet::contains`]; `Some(false)` rejects pre-releases, as `pip` does when
    /// choosing among candidates (pass [`SpecifierSet::names_prerelease`] for pip's rule).
    pub fn contains_version(&self, v: &Pep440Version, prereleases: Option<bool>) -> bool {
        if prereleases == Some(false) && v.is_prerelease() {
            return false;
        }
        self.specs.iter().all(|s| s.matches(v))
    }

    /// Whether a clause names a pre-release (`>=2.0b1`), which makes pip consider pre-releases.
    pub fn names_prerelease(&self) -> bool {
        self.specs.iter().any(Specifier::allows_prereleases)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Pep440Version {
        Pep440Version::parse(s).unwrap()
    }

    #[test]
    fn normalisation() {
        for (raw, canonical) in [
            ("1.0", "1.0"),
            ("v1.0", "1.0"),
            ("1.0-alpha.1", "1.0a1"),
            ("1.0.PREVIEW2", "1.0rc2"),
            ("1.0c1", "1.0rc1"),
            ("1.0-1", "1.0.post1"),
            ("1.0.rev", "1.0.post0"),
            ("1.0-dev", "1.0.dev0"),
            ("1!2.0.0+ubuntu-1", "1!2.0.0+ubuntu.1"),
            ("0!01.02", "1.2"),
            (" 1.0 ", "1.0"),
        ] {
            let p = Pep440Version::parse_pep440(raw).unwrap();
            assert_eq!(p.to_string(), canonical, "{raw}");
        }
    }

    #[test]
    fn ordering() {
        let chain = [
            "1.0.dev456",
            "1.0a1",
            "1.0a2.dev456",
            "1.0a12.dev456",
            "1.0a12",
            "1.0b1.dev456",
            "1.0b2",
            "1.0b2.post345.dev456",
            "1.0b2.post345",
            "1.0rc1.dev456",
            "1.0rc1",
            "1.0",
            "1.0+abc.5",
            "1.0+abc.7",
            "1.0+5",
            "1.0.post456.dev34",
            "1.0.post456",
            "1.1.dev1",
        ];
        for w in chain.windows(2) {
            assert!(v(w[0]) < v(w[1]), "{} < {}", w[0], w[1]);
        }
        assert_eq!(v("1.0"), v("1.0.0"));
        assert!(v("1!0.1") > v("2.0"));
    }

    #[test]
    fn legacy() {
        assert!(v("0.1-bulbasaur").is_legacy());
        assert!(v("0.1-bulbasaur") < v("0.1-charmander"));
        assert!(v("0.9-ivysaur") < v("0.0.1"));
        assert!(Pep440Version::parse("").is_err());
        assert!(Pep440Version::parse_pep440("0.1-bulbasaur").is_err());
    }

    #[test]
    fn specifier_sets() {
        let yes = |set: &str, ver: &str| {
            assert!(
                SpecifierSet::parse(set).unwrap().contains(ver),
                "{ver} in {set}"
            );
        };
        let no = |set: &str, ver: &str| {
            assert!(
                !SpecifierSet::parse(set).unwrap().contains(ver),
                "{ver} not in {set}"
            );
        };
        yes(">=1.0,<2.0", "1.5");
        no(">=1.0,<2.0", "2.0");
        no(">=1.0,<2.0", "2.0a1");
        yes(">=1.0,<2.0", "1.5a1");
        yes(">=1.0a1,<2.0", "1.5a1");
        let set = SpecifierSet::parse(">=1.0,<2.0").unwrap();
        let pre = Pep440Version::parse("1.5a1").unwrap();
        assert!(!set.contains_version(&pre, Some(set.names_prerelease())));
        let set = SpecifierSet::parse(">=1.0a1,<2.0").unwrap();
        assert!(set.contains_version(&pre, Some(set.names_prerelease())));
        yes("~=2.2", "2.9");
        no("~=2.2", "3.0");
        yes("~=1.4.5", "1.4.9");
        no("~=1.4.5", "1.5.0");
        yes("==1.*", "1.9.2");
        yes("==1.1.*", "1.1");
        no("==1.1.*", "1.10");
        yes("!=1.3.4", "1.3.5");
        no("!=1.3.4", "1.3.4.0");
        yes("==1.0", "1.0+local.1");
        no("==1.0+other", "1.0+local.1");
        no(">1.7", "1.7.post1");
        yes(">1.7.post1", "1.7.post2");
        yes(">1.7.post1", "1.7.post2.dev0");
        no(">1.7.post1", "1.7.post1+local");
        yes(">1.7.post1", "1.7.post2.dev1");
        yes(">1.0.dev3", "1.0.dev4");
        no("<1.7", "1.7rc1");
        yes("<1.7.post1", "1.7rc1");
        yes("<=1.7", "1.7+local");
        no(">1.7", "1.7+local");
        yes("===1.0", "1.0");
        yes("", "1.0");
        assert!(SpecifierSet::parse(">=1.0.*").is_err());
        assert!(SpecifierSet::parse("~=1").is_err());
        assert!(SpecifierSet::parse("1.0").is_err());
    }
}
