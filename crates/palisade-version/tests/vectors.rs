//! The acceptance vectors: dpkg's own test data, osv-scalibr's comparison fixtures and
//! node-semver's range fixtures, unpacked at run time from
//! `../shared/vulndata/version-test-vectors.tar.gz` (`PALISADE_SHARED` overrides `../shared`).
//!
//! Every check must pass; each test prints how many checks of each file it ran.

use std::cmp::Ordering;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use palisade_version::dpkg::DpkgVersion;
use palisade_version::npm::{self, Options, Range};
use palisade_version::pep440::Pep440Version;
use palisade_version::{Scheme, compare};
use serde_json::Value;

fn shared_dir() -> PathBuf {
    match std::env::var_os("PALISADE_SHARED") {
        Some(p) => PathBuf::from(p),
        None => Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")).to_path_buf(),
    }
}

/// The unpacked tarball, shared by all tests of this binary.
fn vectors() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let tarball = shared_dir().join("vulndata/version-test-vectors.tar.gz");
        let file = std::fs::File::open(&tarball).unwrap_or_else(|e| {
            panic!(
                "opening {}: {e} (the shared test data must sit beside the repository as \
                 ../shared, or set PALISADE_SHARED)",
                tarball.display()
            )
        });
        let dir = tempfile::tempdir().expect("creating a temporary directory");
        tar::Archive::new(flate2::read::GzDecoder::new(file))
            .unpack(dir.path())
            .unwrap_or_else(|e| panic!("unpacking {}: {e}", tarball.display()));
        dir
    })
    .path()
}

fn read(rel: &str) -> String {
    let path = vectors().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Counts checks and keeps the first failures for the assertion message.
#[derive(Default)]
struct Tally {
    name: String,
    passed: usize,
    failures: Vec<String>,
}

impl Tally {
    fn new(name: &str) -> Tally {
        Tally {
            name: name.to_owned(),
            ..Tally::default()
        }
    }

    fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if ok {
            self.passed += 1;
        } else {
            self.failures.push(what());
        }
    }

    fn finish(self) -> usize {
        let total = self.passed + self.failures.len();
        println!("{}: {}/{} passed", self.name, self.passed, total);
        assert!(
            self.failures.is_empty(),
            "{}: {} of {} failed, first ones:\n{}",
            self.name,
            self.failures.len(),
            total,
            self.failures
                .iter()
                .take(25)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        );
        assert!(total > 0, "{}: no checks found", self.name);
        total
    }
}

const SCALIBR: &str = "osv-scalibr-semantic/semantic/testdata";

/// An osv-scalibr fixture: `a < b`, `a = b`, `a > b` lines; `#` and `//` lines are comments.
/// Each line is checked in both directions.
fn scalibr_file(scheme: Scheme, file: &str, mut on_line: impl FnMut(&str, &str)) -> usize {
    let text = read(&format!("{SCALIBR}/{file}"));
    let mut t = Tally::new(file);
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("//") {
            continue;
        }
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [a, op, b] = parts.as_slice() else {
            panic!("{file}:{}: cannot read {line:?}", n + 1);
        };
        let want = match *op {
            "<" => Ordering::Less,
            "=" => Ordering::Equal,
            ">" => Ordering::Greater,
            _ => panic!("{file}:{}: unknown operator in {line:?}", n + 1),
        };
        on_line(a, b);
        let got = compare(scheme, a, b);
        let back = compare(scheme, b, a);
        t.check(
            got.as_ref().ok() == Some(&want) && back.as_ref().ok() == Some(&want.reverse()),
            || format!("{file}:{}: {line}: got {got:?} / reversed {back:?}", n + 1),
        );
    }
    t.finish()
}

#[test]
fn dpkg_version_t() {
    let text = read("dpkg/Dpkg_Version.t.DATA.txt");
    let mut t = Tally::new("dpkg/Dpkg_Version.t.DATA.txt");
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [a, b, want] = parts.as_slice() else {
            panic!("cannot read {line:?}");
        };
        let want = want.parse::<i32>().expect("expected -1, 0 or 1").cmp(&0);
        let got = compare(Scheme::Dpkg, a, b);
        t.check(got.as_ref().ok() == Some(&want), || {
            format!("{line}: got {got:?}")
        });
    }
    assert_eq!(t.finish(), 43);
}

/// Unescapes a C string literal's body.
fn c_unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('t') => out.push('\t'),
                Some('n') => out.push('\n'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The C string literals of a line, in order.
fn c_strings(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find('"') {
        let body = &rest[start + 1..];
        let mut end = None;
        let mut escaped = false;
        for (i, c) in body.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    end = Some(i);
                    break;
                }
                _ => escaped = false,
            }
        }
        let Some(end) = end else { break };
        out.push(c_unescape(&body[..end]));
        rest = &body[end + 1..];
    }
    out
}

/// Runs the comparison, relation and parsing checks of dpkg's lib/dpkg/t/t-version.c by
/// interpreting its statements (the `dpkg_version_is_informative` checks test a C helper with
/// no counterpart here and are skipped).
#[test]
fn dpkg_t_version_c() {
    let text = read("dpkg/t-version.c");
    let mut t = Tally::new("dpkg/t-version.c");
    let blank = || DpkgVersion {
        epoch: 0,
        upstream: "".into(),
        revision: "".into(),
    };
    let (mut a, mut b) = (blank(), blank());
    let mut verstr = String::new();
    let mut loop_chars: Option<String> = None;
    let mut in_informative = false;
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with("test_version_is_informative(void)") {
            in_informative = true;
        } else if l.starts_with("test_version_compare(void)") {
            in_informative = false;
        }
        if in_informative {
            continue;
        }
        let strs = c_strings(l);
        let expect_pass = l.starts_with("test_pass(");
        let expect_fail = l.starts_with("test_fail(");
        if l.contains("DPKG_VERSION_OBJECT(") {
            let inner = &l[l.find("DPKG_VERSION_OBJECT(").unwrap_or(0) + 20..];
            let epoch: u32 = inner
                .split(',')
                .next()
                .and_then(|e| e.trim().parse().ok())
                .expect("epoch");
            let obj = DpkgVersion {
                epoch,
                upstream: strs[0].as_str().into(),
                revision: strs[1].as_str().into(),
            };
            if l.starts_with("a = b =") {
                a = obj.clone();
                b = obj;
            } else if l.starts_with("a =") {
                a = obj;
            } else if l.starts_with("b =") {
                b = obj;
            }
        } else if l.starts_with("dpkg_version_blank(&a)") {
            a = blank();
        } else if l.starts_with("dpkg_version_blank(&b)") {
            b = blank();
        } else if let Some(e) = l.strip_prefix("a.epoch = ") {
            a.epoch = e.trim_end_matches(';').parse().expect("epoch");
        } else if let Some(e) = l.strip_prefix("b.epoch = ") {
            b.epoch = e.trim_end_matches(';').parse().expect("epoch");
        } else if l.contains("strdup(") {
            verstr = strs[0].clone();
        } else if l.starts_with("for (p = ") {
            loop_chars = Some(strs[0].clone());
        } else if l.starts_with("verstr[") {
            let idx: usize = l[7..l.find(']').unwrap_or(8)].parse().expect("index");
            let chars = loop_chars.take().expect("a for loop before verstr[]");
            for c in chars.chars() {
                let mut v: Vec<char> = verstr.chars().collect();
                v[idx] = c;
                let v: String = v.into_iter().collect();
                let r = DpkgVersion::parse(&v);
                t.check(r.is_err(), || format!("{v:?} must be rejected, got {r:?}"));
            }
        } else if (expect_pass || expect_fail) && l.contains("dpkg_version_compare(") {
            let (x, y) = if l.contains("(&b, &a)") {
                (&b, &a)
            } else {
                (&a, &b)
            };
            let ord = x.cmp(y);
            let holds = if l.contains("== 0") {
                ord == Ordering::Equal
            } else if l.contains("< 0") {
                ord == Ordering::Less
            } else {
                ord == Ordering::Greater
            };
            t.check(holds == expect_pass, || format!("{l} with a={a:?} b={b:?}"));
        } else if (expect_pass || expect_fail) && l.contains("dpkg_version_relate(") {
            let ord = a.cmp(&b);
            let holds = if l.contains("RELATION_NONE") {
                true
            } else if l.contains("RELATION_EQ") {
                ord == Ordering::Equal
            } else if l.contains("RELATION_LT") {
                ord == Ordering::Less
            } else if l.contains("RELATION_LE") {
                ord != Ordering::Greater
            } else if l.contains("RELATION_GT") {
                ord == Ordering::Greater
            } else {
                ord != Ordering::Less
            };
            t.check(holds == expect_pass, || format!("{l} with a={a:?} b={b:?}"));
        } else if (expect_pass || expect_fail) && l.contains("parseversion(&a, \"") {
            let input = strs[0].clone();
            let r = DpkgVersion::parse(&input);
            let parse_ok = if l.contains("!= 0") {
                // `test_pass(parseversion(...) != 0)`: must fail.
                !expect_pass
            } else {
                expect_pass
            };
            match (&r, parse_ok) {
                (Ok(v), true) => {
                    a = v.clone();
                    t.check(true, String::new);
                }
                (Err(_), false) => t.check(true, String::new),
                _ => t.check(false, || format!("{l}: parsing {input:?} gave {r:?}")),
            }
        }
    }
    let n = t.finish();
    assert!(n >= 80, "only {n} checks extracted from t-version.c");
}

#[test]
fn scalibr_debian() {
    let a = scalibr_file(Scheme::Dpkg, "debian-versions.txt", |_, _| {});
    let b = scalibr_file(Scheme::Dpkg, "debian-versions-generated.txt", |_, _| {});
    println!("debian total: {}", a + b);
    assert_eq!(a + b, 14_472);
}

/// Legacy (non-PEP 440) strings are read like `packaging`'s former `LegacyVersion`: they sort
/// before every PEP 440 version and among themselves by setuptools' old key. The count of
/// lines involving one is printed.
#[test]
fn scalibr_pypi() {
    let mut legacy = 0;
    let mut count = |a: &str, b: &str| {
        let is_legacy = |s: &str| Pep440Version::parse(s).is_ok_and(|v| v.is_legacy());
        if is_legacy(a) || is_legacy(b) {
            legacy += 1;
        }
    };
    let x = scalibr_file(Scheme::Pep440, "pypi-versions.txt", &mut count);
    let y = scalibr_file(Scheme::Pep440, "pypi-versions-generated.txt", &mut count);
    println!(
        "pypi total: {} ({legacy} lines with a legacy version)",
        x + y
    );
    // 12,332 lines of PEP 440 versions plus 80 lines naming one of the 72 legacy strings.
    assert_eq!((x + y, legacy), (12_412, 80));
}

#[test]
fn scalibr_alpine() {
    scalibr_file(Scheme::Apk, "alpine-versions.txt", |_, _| {});
    scalibr_file(Scheme::Apk, "alpine-versions-generated.txt", |_, _| {});
}

#[test]
fn scalibr_redhat() {
    scalibr_file(Scheme::Rpm, "redhat-versions.txt", |_, _| {});
}

#[test]
fn scalibr_maven() {
    scalibr_file(Scheme::Maven, "maven-versions.txt", |_, _| {});
    scalibr_file(Scheme::Maven, "maven-versions-generated.txt", |_, _| {});
}

#[test]
fn scalibr_semver() {
    scalibr_file(Scheme::Semver, "semver-versions.txt", |_, _| {});
}

fn fixture(name: &str) -> Vec<Vec<Value>> {
    let text = read(&format!("node-semver/{name}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// node-semver's `parseOptions`: falsy → defaults; a non-object truthy value → loose.
fn options(v: Option<&Value>) -> Options {
    let truthy = |v: Option<&Value>| match v {
        None | Some(Value::Null) | Some(Value::Bool(false)) => false,
        Some(Value::Number(n)) => n.as_f64() != Some(0.0),
        Some(Value::String(s)) => !s.is_empty(),
        Some(_) => true,
    };
    match v {
        Some(Value::Object(o)) => Options {
            loose: truthy(o.get("loose")),
            include_prerelease: truthy(o.get("includePrerelease")),
        },
        other if truthy(other) => Options {
            loose: true,
            include_prerelease: false,
        },
        _ => Options::default(),
    }
}

fn s(v: &Value) -> &str {
    v.as_str().expect("a string")
}

/// A fixture's version argument; node-semver answers `false` for a non-string such as
/// `false`, as `satisfies` does here for the empty string.
fn version_arg(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

fn satisfies(range: &str, version: &str, opts: Options) -> bool {
    Range::parse(range, opts).is_ok_and(|r| r.satisfies(version))
}

#[test]
fn node_semver_ranges() {
    let mut t = Tally::new("node-semver/range-include.json");
    for case in fixture("range-include.json") {
        let (r, v, o) = (s(&case[0]), s(&case[1]), options(case.get(2)));
        t.check(satisfies(r, v, o), || {
            format!("{v} should satisfy {r:?} ({o:?})")
        });
    }
    t.finish();
    let mut t = Tally::new("node-semver/range-exclude.json");
    for case in fixture("range-exclude.json") {
        let (r, v, o) = (s(&case[0]), version_arg(&case[1]), options(case.get(2)));
        t.check(!satisfies(r, v, o), || {
            format!("{v} should not satisfy {r:?} ({o:?})")
        });
    }
    t.finish();
}

#[test]
fn node_semver_outside() {
    for (file, greater, want) in [
        ("version-gt-range.json", true, true),
        ("version-not-gt-range.json", true, false),
        ("version-lt-range.json", false, true),
        ("version-not-lt-range.json", false, false),
    ] {
        let mut t = Tally::new(&format!("node-semver/{file}"));
        for case in fixture(file) {
            let (r, v, o) = (s(&case[0]), s(&case[1]), options(case.get(2)));
            let got = Range::parse(r, o).and_then(|range| {
                if greater {
                    range.greater_than_range(v)
                } else {
                    range.less_than_range(v)
                }
            });
            t.check(got.as_ref().ok() == Some(&want), || {
                format!("{v} vs {r:?} ({o:?}): got {got:?}")
            });
        }
        t.finish();
    }
}

#[test]
fn node_semver_versions() {
    let mut t = Tally::new("node-semver/comparisons.json");
    for case in fixture("comparisons.json") {
        let (a, b, o) = (s(&case[0]), s(&case[1]), options(case.get(2)));
        let got = npm::parse_version(a, o).and_then(|x| Ok(x.cmp(&npm::parse_version(b, o)?)));
        let back = npm::parse_version(b, o).and_then(|x| Ok(x.cmp(&npm::parse_version(a, o)?)));
        t.check(
            got.as_ref().ok() == Some(&Ordering::Greater)
                && back.as_ref().ok() == Some(&Ordering::Less),
            || format!("{a} > {b} ({o:?}): got {got:?} / {back:?}"),
        );
    }
    t.finish();
    let mut t = Tally::new("node-semver/equality.json");
    for case in fixture("equality.json") {
        let (a, b, o) = (s(&case[0]), s(&case[1]), options(case.get(2)));
        let got = npm::parse_version(a, o).and_then(|x| Ok(x.cmp(&npm::parse_version(b, o)?)));
        t.check(got.as_ref().ok() == Some(&Ordering::Equal), || {
            format!("{a} == {b} ({o:?}): got {got:?}")
        });
    }
    t.finish();
    let mut t = Tally::new("node-semver/valid-versions.json");
    for case in fixture("valid-versions.json") {
        let v = s(&case[0]);
        let want_pre: Vec<String> = case[4]
            .as_array()
            .expect("prerelease list")
            .iter()
            .map(|x| match x {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        let want_build: Vec<String> = case[5]
            .as_array()
            .expect("build list")
            .iter()
            .map(|x| s(x).to_owned())
            .collect();
        let got = npm::parse_version(v, Options::default());
        let ok = got.as_ref().is_ok_and(|p| {
            let triple = p.triple();
            let want = (
                case[1].as_u64().unwrap_or(u64::MAX),
                case[2].as_u64().unwrap_or(u64::MAX),
                case[3].as_u64().unwrap_or(u64::MAX),
            );
            let pre: Vec<String> = p.pre().iter().map(ToString::to_string).collect();
            let build: Vec<String> = if p.build().is_empty() {
                Vec::new()
            } else {
                p.build().split('.').map(str::to_owned).collect()
            };
            triple == Some(want) && pre == want_pre && build == want_build
        });
        t.check(ok, || format!("{v}: got {got:?}"));
    }
    t.finish();
}
