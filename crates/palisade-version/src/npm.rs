//! npm versions and ranges exactly as node-semver reads them (`Range`, `satisfies`, `gtr`,
//! `ltr`): `||` alternatives, hyphen ranges (`1.2 - 2.3.4`), x-ranges (`1.x`, `*`), tilde and
//! caret ranges, primitive comparators, the `loose` option (leading `=`/`v`, leading zeros,
//! pre-releases without `-`) and `includePrerelease`.
//!
//! The translation follows node-semver's own (release 7.8): the range text is rewritten with the same regular
//! expressions (`internal/re.js`, in their whitespace-bounded "safe" form) into primitive
//! comparators, then tested with the same pre-release rule: without `includePrerelease`, a
//! pre-release version only satisfies a comparator set that names a pre-release of the same
//! `major.minor.patch`.

use std::cmp::Ordering;
use std::fmt;
use std::sync::LazyLock;

use regex::{Captures, Regex};

use crate::semver::{Identifier, SemVersion};
use crate::{Scheme, VersionError};

/// node-semver's `MAX_LENGTH`.
const MAX_LENGTH: usize = 256;
/// JavaScript's `Number.MAX_SAFE_INTEGER`.
const MAX_SAFE_INTEGER: u64 = 9_007_199_254_740_991;

/// node-semver's options.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Accept the loose grammar (`=1.2.3`, `v 1.2.3`, `1.2.3beta`, leading zeros).
    pub loose: bool,
    /// Let pre-release versions satisfy ranges that name no pre-release.
    pub include_prerelease: bool,
}

struct Res {
    full: Regex,
    caret: Regex,
    tilde: Regex,
    xrange: Regex,
    comparator: Regex,
    hyphen: Regex,
}

struct AllRes {
    strict: Res,
    loose: Res,
    comparator_trim: Regex,
    tilde_trim: Regex,
    caret_trim: Regex,
    build: Regex,
    star: Regex,
    gte0: Regex,
    gte0_pre: Regex,
    spaces: Regex,
}

fn compile(src: &str) -> Regex {
    // node-semver's `makeSafeRegex`: whitespace runs are bounded to one character (the range
    // text has been collapsed to single spaces first).
    let safe = src.replace(r"\s*", r"\s{0,1}").replace(r"\s+", r"\s{1,1}");
    Regex::new(&safe).unwrap_or_else(|e| unreachable!("node-semver regex {src}: {e}"))
}

static RE: LazyLock<AllRes> = LazyLock::new(|| {
    let numeric = r"0|[1-9]\d*";
    let numeric_loose = r"\d+";
    let ldn = "[a-zA-Z0-9-]";
    let non_numeric = format!(r"\d*[a-zA-Z-]{ldn}*");
    let main = format!(r"({numeric})\.({numeric})\.({numeric})");
    let main_loose = format!(r"({numeric_loose})\.({numeric_loose})\.({numeric_loose})");
    let pre_id = format!("(?:{non_numeric}|{numeric})");
    let pre_id_loose = format!("(?:{non_numeric}|{numeric_loose})");
    let pre = format!(r"(?:-({pre_id}(?:\.{pre_id})*))");
    let pre_loose = format!(r"(?:-?({pre_id_loose}(?:\.{pre_id_loose})*))");
    let build_id = format!("{ldn}+");
    let build = format!(r"(?:\+({build_id}(?:\.{build_id})*))");
    let full_plain = format!("v?{main}{pre}?{build}?");
    let loose_plain = format!(r"[v=\s]*{main_loose}{pre_loose}?{build}?");
    let gtlt = "((?:<|>)?=?)";
    let xid = format!(r"{numeric}|x|X|\*");
    let xid_loose = format!(r"{numeric_loose}|x|X|\*");
    let xplain = format!(r"[v=\s]*({xid})(?:\.({xid})(?:\.({xid})(?:{pre})?{build}?)?)?");
    let xplain_loose = format!(
        r"[v=\s]*({xid_loose})(?:\.({xid_loose})(?:\.({xid_loose})(?:{pre_loose})?{build}?)?)?"
    );
    let lone_tilde = "(?:~>?)";
    let lone_caret = r"(?:\^)";
    let res = |plain: &str, xp: &str| Res {
        full: compile(&format!("^{plain}$")),
        caret: compile(&format!("^{lone_caret}{xp}$")),
        tilde: compile(&format!("^{lone_tilde}{xp}$")),
        xrange: compile(&format!(r"^{gtlt}\s*{xp}$")),
        comparator: compile(&format!(r"^{gtlt}\s*({plain})$|^$")),
        hyphen: compile(&format!(r"^\s*({xp})\s+-\s+({xp})\s*$")),
    };
    AllRes {
        strict: res(&full_plain, &xplain),
        loose: res(&loose_plain, &xplain_loose),
        comparator_trim: compile(&format!(r"(\s*){gtlt}\s*({loose_plain}|{xplain})")),
        tilde_trim: compile(&format!(r"(\s*){lone_tilde}\s+")),
        caret_trim: compile(&format!(r"(\s*){lone_caret}\s+")),
        build: compile(&build),
        star: compile(r"(<|>)?=?\s*\*"),
        gte0: compile(r"^\s*>=\s*0\.0\.0\s*$"),
        gte0_pre: compile(r"^\s*>=\s*0\.0\.0-0\s*$"),
        spaces: Regex::new(r"\s+").unwrap_or_else(|e| unreachable!("{e}")),
    }
});

fn res(opts: Options) -> &'static Res {
    if opts.loose { &RE.loose } else { &RE.strict }
}

fn err(input: &str, reason: &'static str) -> VersionError {
    VersionError::new(Scheme::Semver, input, reason)
}

/// Parses a version like node-semver's `new SemVer(v, options)`.
pub fn parse_version(s: &str, opts: Options) -> Result<SemVersion, VersionError> {
    if s.len() > MAX_LENGTH {
        return Err(err(s, "longer than 256 characters"));
    }
    let caps = res(opts)
        .full
        .captures(s.trim())
        .ok_or_else(|| err(s, "not a valid npm version"))?;
    let part = |i: usize| caps.get(i).map_or("", |m| m.as_str());
    for i in 1..=3 {
        let n = part(i);
        if n.len() > 16 || n.parse::<u64>().map_or(true, |n| n > MAX_SAFE_INTEGER) {
            return Err(err(
                s,
                "version component larger than Number.MAX_SAFE_INTEGER",
            ));
        }
    }
    let text = format!("{}.{}.{}", part(1), part(2), part(3));
    let mut v = SemVersion::parse(&text).map_err(|e| err(s, e.reason))?;
    let pre = part(4);
    if !pre.is_empty() {
        v.pre = pre.split('.').map(Identifier::new).collect();
    }
    v.build = part(5).into();
    Ok(v)
}

/// `semver.version`: `major.minor.patch[-pre]`, no build.
fn version_text(v: &SemVersion) -> String {
    let mut s = format!("{}.{}.{}", v.major, v.minor, v.patch);
    for (i, id) in v.pre.iter().enumerate() {
        s.push(if i == 0 { '-' } else { '.' });
        s.push_str(&id.to_string());
    }
    s
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Gt,
    Gte,
    Lt,
    Lte,
}

impl Op {
    fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "",
            Op::Gt => ">",
            Op::Gte => ">=",
            Op::Lt => "<",
            Op::Lte => "<=",
        }
    }
}

/// A primitive comparator; `None` is node-semver's `ANY`.
#[derive(Debug, Clone)]
struct Comparator {
    op: Op,
    version: Option<SemVersion>,
}

impl Comparator {
    fn parse(comp: &str, opts: Options) -> Result<Comparator, VersionError> {
        let comp = RE.spaces.split(comp.trim()).collect::<Vec<_>>().join(" ");
        let caps = res(opts)
            .comparator
            .captures(&comp)
            .ok_or_else(|| err(&comp, "invalid comparator"))?;
        let op = match caps.get(1).map_or("", |m| m.as_str()) {
            ">" => Op::Gt,
            ">=" => Op::Gte,
            "<" => Op::Lt,
            "<=" => Op::Lte,
            _ => Op::Eq,
        };
        let version = match caps.get(2).map(|m| m.as_str()).filter(|s| !s.is_empty()) {
            None => None,
            Some(v) => Some(parse_version(
                v,
                Options {
                    loose: opts.loose,
                    include_prerelease: false,
                },
            )?),
        };
        Ok(Comparator { op, version })
    }

    fn value(&self) -> String {
        match &self.version {
            None => String::new(),
            Some(v) => format!("{}{}", self.op.as_str(), version_text(v)),
        }
    }

    fn test(&self, v: &SemVersion) -> bool {
        let Some(c) = &self.version else {
            return true;
        };
        let ord = v.cmp(c);
        match self.op {
            Op::Eq => ord == Ordering::Equal,
            Op::Gt => ord == Ordering::Greater,
            Op::Gte => ord != Ordering::Less,
            Op::Lt => ord == Ordering::Less,
            Op::Lte => ord != Ordering::Greater,
        }
    }

    fn is_null_set(&self) -> bool {
        self.value() == "<0.0.0-0"
    }
}

/// An npm range: alternatives (`||`) of comparator sets.
#[derive(Debug, Clone)]
pub struct Range {
    set: Vec<Vec<Comparator>>,
    opts: Options,
    raw: Box<str>,
}

fn is_x(id: Option<&str>) -> bool {
    match id {
        None | Some("") | Some("*") => true,
        Some(s) => s.eq_ignore_ascii_case("x"),
    }
}

/// `+id + 1` for the numbers node-semver increments.
fn inc(input: &str, id: Option<&str>) -> Result<u64, VersionError> {
    id.unwrap_or("0")
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_add(1))
        .ok_or_else(|| err(input, "version component too large"))
}

fn num(id: Option<&str>) -> String {
    // `+id` in JavaScript: a decimal without leading zeros.
    let s = id.unwrap_or("0").trim_start_matches('0');
    if s.is_empty() { "0".into() } else { s.into() }
}

fn cap<'a>(c: &'a Captures<'_>, i: usize) -> Option<&'a str> {
    c.get(i).map(|m| m.as_str())
}

impl Range {
    /// Parses like `new Range(s, options)`; an invalid range is an error.
    pub fn parse(s: &str, opts: Options) -> Result<Range, VersionError> {
        if s.len() > 64 * 1024 {
            return Err(err(s, "range longer than 64 KiB"));
        }
        let raw = RE.spaces.split(s.trim()).collect::<Vec<_>>().join(" ");
        let mut set = Vec::new();
        for part in raw.split("||") {
            let comps = parse_range(part.trim(), opts)?;
            if !comps.is_empty() {
                set.push(comps);
            }
        }
        if set.is_empty() {
            return Err(err(s, "invalid npm range"));
        }
        if set.len() > 1 {
            let first = set[0].clone();
            set.retain(|c| !c.first().is_some_and(Comparator::is_null_set));
            if set.is_empty() {
                set = vec![first];
            } else if set.len() > 1 {
                let any = set
                    .iter()
                    .find(|c| c.len() == 1 && c[0].version.is_none())
                    .cloned();
                if let Some(any) = any {
                    set = vec![any];
                }
            }
        }
        Ok(Range {
            set,
            opts,
            raw: raw.into(),
        })
    }

    /// `semver.satisfies(v, range, options)`: false for versions that do not parse.
    pub fn satisfies(&self, v: &str) -> bool {
        parse_version(v, self.opts).is_ok_and(|v| self.test(&v))
    }

    /// `range.test(version)` on a parsed version.
    pub fn test(&self, v: &SemVersion) -> bool {
        self.set.iter().any(|set| self.test_set(set, v))
    }

    fn test_set(&self, set: &[Comparator], v: &SemVersion) -> bool {
        if !set.iter().all(|c| c.test(v)) {
            return false;
        }
        if v.pre.is_empty() || self.opts.include_prerelease {
            return true;
        }
        set.iter().any(|c| {
            c.version
                .as_ref()
                .is_some_and(|a| !a.pre.is_empty() && a.cmp_main(v) == Ordering::Equal)
        })
    }

    /// `semver.gtr(v, range)`: the version is above every version the range allows.
    pub fn greater_than_range(&self, v: &str) -> Result<bool, VersionError> {
        self.outside(v, Ordering::Greater)
    }

    /// `semver.ltr(v, range)`: the version is below every version the range allows.
    pub fn less_than_range(&self, v: &str) -> Result<bool, VersionError> {
        self.outside(v, Ordering::Less)
    }

    fn outside(&self, v: &str, hilo: Ordering) -> Result<bool, VersionError> {
        let version = parse_version(v, self.opts)?;
        if self.test(&version) {
            return Ok(false);
        }
        // For `>`: gtfn = gt, ltefn = lte, ltfn = lt; for `<` the mirror image.
        let (comp, ecomp) = if hilo == Ordering::Greater {
            (Op::Gt, Op::Gte)
        } else {
            (Op::Lt, Op::Lte)
        };
        let any = Comparator {
            op: Op::Gte,
            version: SemVersion::parse("0.0.0").ok(),
        };
        for comparators in &self.set {
            let mut high: Option<&Comparator> = None;
            let mut low: Option<&Comparator> = None;
            for c in comparators {
                let c = if c.version.is_none() { &any } else { c };
                let h = *high.get_or_insert(c);
                let l = *low.get_or_insert(c);
                let (cv, hv, lv) = (c.version.as_ref(), h.version.as_ref(), l.version.as_ref());
                if cv.cmp(&hv) == hilo {
                    high = Some(c);
                } else if cv.cmp(&lv) == hilo.reverse() {
                    low = Some(c);
                }
            }
            let (Some(high), Some(low)) = (high, low) else {
                continue;
            };
            if high.op == comp || high.op == ecomp {
                return Ok(false);
            }
            let Some(lv) = &low.version else { continue };
            let vo = version.cmp(lv);
            let at_or_beyond_low = vo == hilo.reverse() || vo == Ordering::Equal;
            if ((low.op == Op::Eq || low.op == comp) && at_or_beyond_low)
                || (low.op == ecomp && vo == hilo.reverse())
            {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The comparator sets as node-semver prints them (`range.range`).
    pub fn normalized(&self) -> String {
        self.set
            .iter()
            .map(|s| {
                s.iter()
                    .map(Comparator::value)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect::<Vec<_>>()
            .join("||")
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

fn parse_range(range: &str, opts: Options) -> Result<Vec<Comparator>, VersionError> {
    let r = res(opts);
    let inc_pr = opts.include_prerelease;
    let mut bad: Option<VersionError> = None;
    // Build metadata never takes part in a range.
    let range = RE.build.replace_all(range, "");
    let range = range.as_ref();
    // `1.2.3 - 1.2.4` => `>=1.2.3 <=1.2.4`
    let range = r.hyphen.replace(range, |c: &Captures<'_>| {
        match hyphen_replace(range, c, inc_pr) {
            Ok(s) => s,
            Err(e) => {
                bad = Some(e);
                String::new()
            }
        }
    });
    if let Some(e) = bad.take() {
        return Err(e);
    }
    let range = RE.comparator_trim.replace_all(&range, "$1$2$3");
    let range = RE.tilde_trim.replace_all(&range, "${1}~");
    let range = RE.caret_trim.replace_all(&range, "${1}^");
    let mut parsed = Vec::new();
    for comp in range.split(' ') {
        parsed.push(parse_comparator(comp, opts)?);
    }
    let joined = parsed.join(" ");
    let mut list: Vec<String> = RE
        .spaces
        .split(&joined)
        .map(|c| {
            let re = if inc_pr { &RE.gte0_pre } else { &RE.gte0 };
            re.replace(c.trim(), "").into_owned()
        })
        .collect();
    if opts.loose {
        list.retain(|c| r.comparator.is_match(c));
    }
    let mut out: Vec<(String, Comparator)> = Vec::new();
    for c in &list {
        let comp = Comparator::parse(c, opts)?;
        if comp.is_null_set() {
            return Ok(vec![comp]);
        }
        let value = comp.value();
        match out.iter_mut().find(|(v, _)| *v == value) {
            Some(slot) => slot.1 = comp,
            None => out.push((value, comp)),
        }
    }
    if out.len() > 1 {
        out.retain(|(v, _)| !v.is_empty());
    }
    Ok(out.into_iter().map(|(_, c)| c).collect())
}

fn hyphen_replace(input: &str, c: &Captures<'_>, inc_pr: bool) -> Result<String, VersionError> {
    let z = if inc_pr { "-0" } else { "" };
    let (from, fmaj, fmin, fpat, fpr) = (
        cap(c, 1).unwrap_or(""),
        cap(c, 2),
        cap(c, 3),
        cap(c, 4),
        cap(c, 5),
    );
    let (to, tmaj, tmin, tpat, tpr) = (
        cap(c, 7).unwrap_or(""),
        cap(c, 8),
        cap(c, 9),
        cap(c, 10),
        cap(c, 11),
    );
    let from = if is_x(fmaj) {
        String::new()
    } else if is_x(fmin) {
        format!(">={}.0.0{z}", fmaj.unwrap_or(""))
    } else if is_x(fpat) {
        format!(">={}.{}.0{z}", fmaj.unwrap_or(""), fmin.unwrap_or(""))
    } else if fpr.is_some() {
        format!(">={from}")
    } else {
        format!(">={from}{z}")
    };
    let to = if is_x(tmaj) {
        String::new()
    } else if is_x(tmin) {
        format!("<{}.0.0-0", inc(input, tmaj)?)
    } else if is_x(tpat) {
        format!("<{}.{}.0-0", tmaj.unwrap_or(""), inc(input, tmin)?)
    } else if let Some(tpr) = tpr {
        format!(
            "<={}.{}.{}-{tpr}",
            tmaj.unwrap_or(""),
            tmin.unwrap_or(""),
            tpat.unwrap_or("")
        )
    } else if inc_pr {
        format!(
            "<{}.{}.{}-0",
            tmaj.unwrap_or(""),
            tmin.unwrap_or(""),
            inc(input, tpat)?
        )
    } else {
        format!("<={to}")
    };
    Ok(format!("{from} {to}").trim().to_owned())
}

fn parse_comparator(comp: &str, opts: Options) -> Result<String, VersionError> {
    let comp = RE.build.replace(comp, "");
    let comp = replace_each(&comp, true, |c| replace_caret(c, opts))?;
    let comp = replace_each(&comp, true, |c| replace_tilde(c, opts))?;
    let comp = replace_each(&comp, false, |c| replace_xrange(c, opts))?;
    Ok(RE.star.replace(comp.trim(), "").into_owned())
}

/// `comp[.trim()].split(/\s+/).map(f).join(' ')`.
fn replace_each(
    comp: &str,
    trim_first: bool,
    f: impl Fn(&str) -> Result<String, VersionError>,
) -> Result<String, VersionError> {
    let comp = if trim_first { comp.trim() } else { comp };
    let parts = RE
        .spaces
        .split(comp)
        .map(f)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(parts.join(" "))
}

fn replace_caret(comp: &str, opts: Options) -> Result<String, VersionError> {
    let Some(c) = res(opts).caret.captures(comp) else {
        return Ok(comp.to_owned());
    };
    let z = if opts.include_prerelease { "-0" } else { "" };
    let (maj, min, pat, pr) = (cap(&c, 1), cap(&c, 2), cap(&c, 3), cap(&c, 4));
    let (mj, mn, pt) = (maj.unwrap_or(""), min.unwrap_or(""), pat.unwrap_or(""));
    Ok(if is_x(maj) {
        String::new()
    } else if is_x(min) {
        format!(">={mj}.0.0{z} <{}.0.0-0", inc(comp, maj)?)
    } else if is_x(pat) {
        if mj == "0" {
            format!(">={mj}.{mn}.0{z} <{mj}.{}.0-0", inc(comp, min)?)
        } else {
            format!(">={mj}.{mn}.0{z} <{}.0.0-0", inc(comp, maj)?)
        }
    } else if let Some(pr) = pr {
        if mj == "0" {
            if mn == "0" {
                format!(">={mj}.{mn}.{pt}-{pr} <{mj}.{mn}.{}-0", inc(comp, pat)?)
            } else {
                format!(">={mj}.{mn}.{pt}-{pr} <{mj}.{}.0-0", inc(comp, min)?)
            }
        } else {
            format!(">={mj}.{mn}.{pt}-{pr} <{}.0.0-0", inc(comp, maj)?)
        }
    } else if mj == "0" {
        if mn == "0" {
            format!(">={mj}.{mn}.{pt} <{mj}.{mn}.{}-0", inc(comp, pat)?)
        } else {
            format!(">={mj}.{mn}.{pt} <{mj}.{}.0-0", inc(comp, min)?)
        }
    } else {
        format!(">={mj}.{mn}.{pt} <{}.0.0-0", inc(comp, maj)?)
    })
}

fn replace_tilde(comp: &str, opts: Options) -> Result<String, VersionError> {
    let Some(c) = res(opts).tilde.captures(comp) else {
        return Ok(comp.to_owned());
    };
    let z = if opts.include_prerelease { "-0" } else { "" };
    let (maj, min, pat, pr) = (cap(&c, 1), cap(&c, 2), cap(&c, 3), cap(&c, 4));
    let (mj, mn, pt) = (maj.unwrap_or(""), min.unwrap_or(""), pat.unwrap_or(""));
    Ok(if is_x(maj) {
        String::new()
    } else if is_x(min) {
        format!(">={mj}.0.0{z} <{}.0.0-0", inc(comp, maj)?)
    } else if is_x(pat) {
        format!(">={mj}.{mn}.0{z} <{mj}.{}.0-0", inc(comp, min)?)
    } else if let Some(pr) = pr {
        format!(">={mj}.{mn}.{pt}-{pr} <{mj}.{}.0-0", inc(comp, min)?)
    } else {
        format!(">={mj}.{mn}.{pt} <{mj}.{}.0-0", inc(comp, min)?)
    })
}

fn replace_xrange(comp: &str, opts: Options) -> Result<String, VersionError> {
    let comp = comp.trim();
    let Some(c) = res(opts).xrange.captures(comp) else {
        return Ok(comp.to_owned());
    };
    let mut gtlt = cap(&c, 1).unwrap_or("");
    let (maj, min, pat) = (cap(&c, 2), cap(&c, 3), cap(&c, 4));
    // A number after a wildcard (`*.1`, `1.x.2`) is no x-range; left as is, it fails to
    // parse as a comparator.
    if (is_x(maj) && !is_x(min)) || (is_x(min) && pat.is_some() && !is_x(pat)) {
        return Ok(comp.to_owned());
    }
    let xmaj = is_x(maj);
    let xmin = xmaj || is_x(min);
    let xpat = xmin || is_x(pat);
    let any_x = xpat;
    if gtlt == "=" && any_x {
        gtlt = "";
    }
    let mut pr = if opts.include_prerelease { "-0" } else { "" };
    Ok(if xmaj {
        if gtlt == ">" || gtlt == "<" {
            "<0.0.0-0".to_owned()
        } else {
            "*".to_owned()
        }
    } else if !gtlt.is_empty() && any_x {
        let mut mj = num(maj);
        let mut mn = if xmin { "0".to_owned() } else { num(min) };
        let pt = "0";
        let mut op = gtlt;
        if gtlt == ">" {
            op = ">=";
            if xmin {
                mj = inc(comp, maj)?.to_string();
                mn = "0".to_owned();
            } else {
                mn = inc(comp, min)?.to_string();
            }
        } else if gtlt == "<=" {
            op = "<";
            if xmin {
                mj = inc(comp, maj)?.to_string();
            } else {
                mn = inc(comp, min)?.to_string();
            }
        }
        if op == "<" {
            pr = "-0";
        }
        format!("{op}{mj}.{mn}.{pt}{pr}")
    } else if xmin {
        format!(">={}.0.0{pr} <{}.0.0-0", num(maj), inc(comp, maj)?)
    } else if xpat {
        format!(
            ">={}.{}.0{pr} <{}.{}.0-0",
            num(maj),
            num(min),
            num(maj),
            inc(comp, min)?
        )
    } else {
        comp.to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sat(range: &str, v: &str) -> bool {
        Range::parse(range, Options::default())
            .unwrap()
            .satisfies(v)
    }

    #[test]
    fn desugaring() {
        let norm = |r: &str| Range::parse(r, Options::default()).unwrap().normalized();
        assert_eq!(norm("1.2.3 - 2.3.4"), ">=1.2.3 <=2.3.4");
        assert_eq!(norm("1.2 - 2.3"), ">=1.2.0 <2.4.0-0");
        assert_eq!(norm("~1.2.3"), ">=1.2.3 <1.3.0-0");
        assert_eq!(norm("^0.0.3"), ">=0.0.3 <0.0.4-0");
        assert_eq!(norm("^1.2.x"), ">=1.2.0 <2.0.0-0");
        assert_eq!(
            norm("1.x || >=2.5.0 || 5.0.0 - 7.2.3"),
            ">=1.0.0 <2.0.0-0||>=2.5.0||>=5.0.0 <=7.2.3"
        );
        assert_eq!(norm("*"), "");
        assert_eq!(norm(">= 1.2.3 < 2"), ">=1.2.3 <2.0.0-0");
    }

    #[test]
    fn prerelease_rule() {
        assert!(sat(">1.2.3-alpha.3", "1.2.3-alpha.7"));
        assert!(!sat(">1.2.3-alpha.3", "3.4.5-alpha.9"));
        assert!(sat(">1.2.3-alpha.3", "3.4.5"));
        let inc = Options {
            include_prerelease: true,
            ..Options::default()
        };
        assert!(
            Range::parse(">1.2.3-alpha.3", inc)
                .unwrap()
                .satisfies("3.4.5-alpha.9")
        );
    }

    #[test]
    fn invalid() {
        assert!(Range::parse("blerg", Options::default()).is_err());
        assert!(Range::parse(">=1.0.0 <=blah", Options::default()).is_err());
        assert!(!sat("*", "not-a-version"));
    }
}
