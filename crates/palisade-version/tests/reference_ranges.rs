//! Range matching against the reference implementations' answers, recorded in `data/` by the
//! scripts beside them: node-semver 7.8.6 (`npm_ranges.js`: 800 random ranges × 3 option sets
//! × 29 versions, `satisfies`, `gtr` and `ltr`) and `packaging` 26.3 (`pep440_specifiers.py`:
//! 2,500 random specifier sets × 24 versions).

use palisade_version::npm::{self, Options, Range};
use palisade_version::pep440::SpecifierSet;

fn header<'a>(lines: &mut impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let first = lines.next().expect("a header line");
    first
        .rsplit('\t')
        .next()
        .expect("versions")
        .split(' ')
        .collect()
}

#[test]
fn node_semver_reference() {
    let text = include_str!("data/npm-ranges.tsv");
    let mut lines = text.lines();
    let versions = header(&mut lines);
    let (mut checked, mut failures) = (0, Vec::new());
    for line in lines {
        let mut f = line.split('\t');
        let (range, opts, want) = (
            f.next().expect("range"),
            f.next().expect("options"),
            f.next().expect("results"),
        );
        let opts = Options {
            loose: opts == "loose",
            include_prerelease: opts == "includePrerelease",
        };
        let parsed = Range::parse(range, opts);
        checked += 1;
        let got = match &parsed {
            Err(_) => "invalid".to_owned(),
            Ok(r) => versions
                .iter()
                .map(|v| {
                    if npm::parse_version(v, opts).is_err() {
                        return '-';
                    }
                    let s = u8::from(r.satisfies(v));
                    let g = u8::from(r.greater_than_range(v).unwrap_or(false));
                    let l = u8::from(r.less_than_range(v).unwrap_or(false));
                    char::from(b'0' + 4 * s + 2 * g + l)
                })
                .collect(),
        };
        if got != want {
            failures.push(format!("{range:?} {opts:?}: node {want}, ours {got}"));
        }
    }
    println!(
        "node-semver 7.8.6 reference: {}/{checked} range lines agree",
        checked - failures.len()
    );
    assert!(
        failures.is_empty(),
        "{}",
        failures
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(checked, 2400);
}

#[test]
fn packaging_reference() {
    let text = include_str!("data/pep440-specifiers.tsv");
    let mut lines = text.lines();
    let versions = header(&mut lines);
    let (mut checked, mut failures) = (0, Vec::new());
    for line in lines {
        let (spec, want) = line.split_once('\t').expect("SPEC<TAB>RESULTS");
        checked += 1;
        let got = match SpecifierSet::parse(spec) {
            Err(_) => "invalid".to_owned(),
            Ok(s) => versions
                .iter()
                .map(|v| if s.contains(v) { '1' } else { '0' })
                .collect(),
        };
        if got != want {
            failures.push(format!("{spec:?}: packaging {want}, ours {got}"));
        }
    }
    println!(
        "packaging 26.3 reference: {}/{checked} specifier sets agree",
        checked - failures.len()
    );
    assert!(
        failures.is_empty(),
        "{}",
        failures
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(checked, 2500);
}
