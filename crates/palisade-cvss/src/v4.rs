//! CVSS v4.0 scores by the MacroVector method (CVSS v4.0 specification, section 8).
//!
//! 1. The vector's effective metrics (modified environmental values override base values;
//!    `E:X` counts as `E:A`, `CR/IR/AR:X` as `H`) fall into six equivalence classes, EQ1–EQ6,
//!    whose levels form the MacroVector; its score is read from the published table.
//! 2. For each EQ, the vector's severity distance from the highest-severity vector of its
//!    MacroVector, as a proportion of the MacroVector's depth, scales the score difference to
//!    the next lower MacroVector of that EQ (where one exists).
//! 3. The score is the MacroVector's score minus the mean of those proportional distances,
//!    rounded half up to one decimal.
//!
//! The arithmetic follows FIRST's reference calculator step by step, so results agree with it to
//! the last bit before rounding.

use crate::metrics::{Def, Metrics};
use crate::v4_table::{LOOKUP, index};
use crate::{CvssError, CvssVersion, Score, severity_of};

const fn def(name: &'static str, values: &'static [&'static str], mandatory: bool) -> Def {
    Def {
        name,
        values,
        mandatory,
    }
}

const HLN: &[&str] = &["H", "L", "N"];
const XHLN: &[&str] = &["X", "H", "L", "N"];
const XSHLN: &[&str] = &["X", "S", "H", "L", "N"];
const XHML: &[&str] = &["X", "H", "M", "L"];

static DEFS: [Def; 32] = [
    def("AV", &["N", "A", "L", "P"], true),
    def("AC", &["L", "H"], true),
    def("AT", &["N", "P"], true),
    def("PR", &["N", "L", "H"], true),
    def("UI", &["N", "P", "A"], true),
    def("VC", HLN, true),
    def("VI", HLN, true),
    def("VA", HLN, true),
    def("SC", HLN, true),
    def("SI", HLN, true),
    def("SA", HLN, true),
    def("E", &["X", "A", "P", "U"], false),
    def("CR", XHML, false),
    def("IR", XHML, false),
    def("AR", XHML, false),
    def("MAV", &["X", "N", "A", "L", "P"], false),
    def("MAC", &["X", "L", "H"], false),
    def("MAT", &["X", "N", "P"], false),
    def("MPR", &["X", "N", "L", "H"], false),
    def("MUI", &["X", "N", "P", "A"], false),
    def("MVC", XHLN, false),
    def("MVI", XHLN, false),
    def("MVA", XHLN, false),
    def("MSC", XHLN, false),
    def("MSI", XSHLN, false),
    def("MSA", XSHLN, false),
    // Supplemental metrics: validated, never scored.
    def("S", &["X", "N", "P"], false),
    def("AU", &["X", "N", "Y"], false),
    def("R", &["X", "A", "U", "I"], false),
    def("V", &["X", "D", "C"], false),
    def("RE", &["X", "L", "M", "H"], false),
    def("U", &["X", "Clear", "Green", "Amber", "Red"], false),
];

/// The effective value of a metric (`m()` in the reference calculator).
fn effective<'a>(m: &Metrics<'a>, metric: &str) -> &'a str {
    let selected = m.get(metric);
    match (metric, selected) {
        ("E", "X") => return "A",
        ("CR" | "IR" | "AR", "X") => return "H",
        _ => {}
    }
    let modified = match metric {
        "AV" => "MAV",
        "AC" => "MAC",
        "AT" => "MAT",
        "PR" => "MPR",
        "UI" => "MUI",
        "VC" => "MVC",
        "VI" => "MVI",
        "VA" => "MVA",
        "SC" => "MSC",
        "SI" => "MSI",
        "SA" => "MSA",
        _ => return selected,
    };
    match m.get(modified) {
        "X" => selected,
        v => v,
    }
}

/// Severity levels used for distances (0.0 is the most severe value).
fn level(metric: &str, value: &str) -> f64 {
    match (metric, value) {
        ("AV", "N") | ("PR", "N") | ("UI", "N") | ("AC", "L") | ("AT", "N") => 0.0,
        ("AV", "A") | ("PR", "L") | ("UI", "P") | ("AC", "H") | ("AT", "P") => 0.1,
        ("AV", "L") | ("PR", "H") | ("UI", "A") => 0.2,
        ("AV", "P") => 0.3,
        ("VC" | "VI" | "VA", "H") => 0.0,
        ("VC" | "VI" | "VA", "L") => 0.1,
        ("VC" | "VI" | "VA", "N") => 0.2,
        ("SI" | "SA", "S") => 0.0,
        ("SC" | "SI" | "SA", "H") => 0.1,
        ("SC" | "SI" | "SA", "L") => 0.2,
        ("SC" | "SI" | "SA", "N") => 0.3,
        ("CR" | "IR" | "AR", "H") => 0.0,
        ("CR" | "IR" | "AR", "M") => 0.1,
        ("CR" | "IR" | "AR", "L") => 0.2,
        ("E", "A") => 0.0,
        ("E", "P") => 0.1,
        ("E", "U") => 0.2,
        _ => f64::NAN,
    }
}

type Vector = &'static [(&'static str, &'static str)];

/// The highest-severity vectors of each EQ level (the reference calculator's `maxComposed`).
const EQ1_MAX: [&[Vector]; 3] = [
    &[&[("AV", "N"), ("PR", "N"), ("UI", "N")]],
    &[
        &[("AV", "A"), ("PR", "N"), ("UI", "N")],
        &[("AV", "N"), ("PR", "L"), ("UI", "N")],
        &[("AV", "N"), ("PR", "N"), ("UI", "P")],
    ],
    &[
        &[("AV", "P"), ("PR", "N"), ("UI", "N")],
        &[("AV", "A"), ("PR", "L"), ("UI", "P")],
    ],
];
const EQ2_MAX: [&[Vector]; 2] = [
    &[&[("AC", "L"), ("AT", "N")]],
    &[&[("AC", "H"), ("AT", "N")], &[("AC", "L"), ("AT", "P")]],
];
const fn v6(
    vc: &'static str,
    vi: &'static str,
    va: &'static str,
    cr: &'static str,
    ir: &'static str,
    ar: &'static str,
) -> [(&'static str, &'static str); 6] {
    [
        ("VC", vc),
        ("VI", vi),
        ("VA", va),
        ("CR", cr),
        ("IR", ir),
        ("AR", ar),
    ]
}
/// Indexed by `[eq3][eq6]`.
const EQ3_EQ6_MAX: [[&[Vector]; 2]; 3] = [
    [
        &[&v6("H", "H", "H", "H", "H", "H")],
        &[
            &v6("H", "H", "L", "M", "M", "H"),
            &v6("H", "H", "H", "M", "M", "M"),
        ],
    ],
    [
        &[
            &v6("L", "H", "H", "H", "H", "H"),
            &v6("H", "L", "H", "H", "H", "H"),
        ],
        &[
            &v6("L", "H", "L", "H", "M", "H"),
            &v6("L", "H", "H", "H", "M", "M"),
            &v6("H", "L", "H", "M", "H", "M"),
            &v6("H", "L", "L", "M", "H", "H"),
            &v6("L", "L", "H", "H", "H", "M"),
        ],
    ],
    [&[], &[&v6("L", "L", "L", "H", "H", "H")]],
];
const EQ4_MAX: [&[Vector]; 3] = [
    &[&[("SC", "H"), ("SI", "S"), ("SA", "S")]],
    &[&[("SC", "H"), ("SI", "H"), ("SA", "H")]],
    &[&[("SC", "L"), ("SI", "L"), ("SA", "L")]],
];

/// The depth of each EQ level, in steps (the reference calculator's `maxSeverity`).
const EQ1_DEPTH: [f64; 3] = [1.0, 4.0, 5.0];
const EQ2_DEPTH: [f64; 2] = [1.0, 2.0];
const EQ3_EQ6_DEPTH: [[f64; 2]; 3] = [[7.0, 6.0], [8.0, 8.0], [f64::NAN, 10.0]];
const EQ4_DEPTH: [f64; 3] = [6.0, 5.0, 4.0];

/// The MacroVector's score, `None` where the table has no entry.
fn lookup(eq: [u8; 6]) -> Option<f64> {
    let limits = [3, 2, 3, 3, 3, 2];
    if eq.iter().zip(limits).any(|(e, l)| *e >= l) {
        return None;
    }
    LOOKUP
        .get(index(eq))
        .filter(|t| **t >= 0)
        .map(|t| f64::from(*t) / 10.0)
}

/// The EQ1–EQ6 levels of a vector.
pub fn macro_vector(vector: &str) -> Result<[u8; 6], CvssError> {
    let body =
        vector
            .trim()
            .strip_prefix("CVSS:4.0/")
            .ok_or_else(|| CvssError::UnknownVersion {
                vector: crate::cut(vector),
            })?;
    let m = Metrics::parse(vector, body, &DEFS)?;
    Ok(eqs(&|k| effective(&m, k)))
}

fn eqs<'a>(m: &dyn Fn(&str) -> &'a str) -> [u8; 6] {
    let (av, pr, ui) = (m("AV"), m("PR"), m("UI"));
    let eq1 = if av == "N" && pr == "N" && ui == "N" {
        0
    } else if (av == "N" || pr == "N" || ui == "N") && av != "P" {
        1
    } else {
        2
    };
    let eq2 = if m("AC") == "L" && m("AT") == "N" {
        0
    } else {
        1
    };
    let (vc, vi, va) = (m("VC"), m("VI"), m("VA"));
    let eq3 = if vc == "H" && vi == "H" {
        0
    } else if vc == "H" || vi == "H" || va == "H" {
        1
    } else {
        2
    };
    let eq4 = if m("MSI") == "S" || m("MSA") == "S" {
        0
    } else if m("SC") == "H" || m("SI") == "H" || m("SA") == "H" {
        1
    } else {
        2
    };
    let eq5 = match m("E") {
        "A" => 0,
        "P" => 1,
        _ => 2,
    };
    let eq6 = if (m("CR") == "H" && vc == "H")
        || (m("IR") == "H" && vi == "H")
        || (m("AR") == "H" && va == "H")
    {
        0
    } else {
        1
    };
    [eq1, eq2, eq3, eq4, eq5, eq6]
}

pub(crate) fn score(vector: &str, body: &str) -> Result<Score, CvssError> {
    let metrics = Metrics::parse(vector, body, &DEFS)?;
    let value = compute(&|k| effective(&metrics, k));
    Ok(Score {
        version: CvssVersion::V4_0,
        score: value,
        severity: severity_of(value),
    })
}

fn compute<'a>(m: &dyn Fn(&str) -> &'a str) -> f64 {
    if ["VC", "VI", "VA", "SC", "SI", "SA"]
        .iter()
        .all(|k| m(k) == "N")
    {
        return 0.0;
    }
    let eq = eqs(m);
    let [eq1, eq2, eq3, eq4, _, eq6] = eq;
    let Some(mut value) = lookup(eq) else {
        return 0.0;
    };
    let with = |i: usize, d: u8| {
        let mut e = eq;
        e[i] += d;
        e
    };
    let lower_eq1 = lookup(with(0, 1));
    let lower_eq2 = lookup(with(1, 1));
    let lower_eq3eq6 = match (eq3, eq6) {
        (1, 1) | (0, 1) => lookup(with(2, 1)),
        (1, 0) => lookup(with(5, 1)),
        (0, 0) => {
            let left = lookup(with(5, 1));
            let right = lookup(with(2, 1));
            match (left, right) {
                (Some(l), Some(r)) if l > r => Some(l),
                _ => right,
            }
        }
        _ => {
            let mut e = with(2, 1);
            e[5] += 1;
            lookup(e)
        }
    };
    let lower_eq4 = lookup(with(3, 1));
    let lower_eq5 = lookup(with(4, 1));

    // The first highest-severity vector the scored vector does not exceed.
    let eq3eq6_max = EQ3_EQ6_MAX[usize::from(eq3)][usize::from(eq6)];
    let mut d = Distances::default();
    'search: for a in EQ1_MAX[usize::from(eq1)] {
        for b in EQ2_MAX[usize::from(eq2)] {
            for c in eq3eq6_max {
                for e in EQ4_MAX[usize::from(eq4)] {
                    let max = |k: &str| {
                        [*a, *b, *c, *e]
                            .iter()
                            .flat_map(|v| v.iter())
                            .find(|(name, _)| *name == k)
                            .map_or("", |(_, v)| *v)
                    };
                    d = Distances::between(m, &max);
                    if !d.any_negative() {
                        break 'search;
                    }
                }
            }
        }
    }
    let current_eq1 = d.av + d.pr + d.ui;
    let current_eq2 = d.ac + d.at;
    let current_eq3eq6 = d.vc + d.vi + d.va + d.cr + d.ir + d.ar;
    let current_eq4 = d.sc + d.si + d.sa;

    let step = 0.1;
    let depth_eq1 = EQ1_DEPTH[usize::from(eq1)] * step;
    let depth_eq2 = EQ2_DEPTH[usize::from(eq2)] * step;
    let depth_eq3eq6 = EQ3_EQ6_DEPTH[usize::from(eq3)][usize::from(eq6)] * step;
    let depth_eq4 = EQ4_DEPTH[usize::from(eq4)] * step;

    let mut n = 0u32;
    let mut total = 0.0;
    for (lower, current, depth) in [
        (lower_eq1, current_eq1, depth_eq1),
        (lower_eq2, current_eq2, depth_eq2),
        (lower_eq3eq6, current_eq3eq6, depth_eq3eq6),
        (lower_eq4, current_eq4, depth_eq4),
    ] {
        if let Some(lower) = lower {
            n += 1;
            total += (value - lower) * (current / depth);
        }
    }
    if lower_eq5.is_some() {
        // EQ5 has a single value per level: its proportion is always 0.
        n += 1;
    }
    let mean = if n == 0 { 0.0 } else { total / f64::from(n) };
    value -= mean;
    value = value.clamp(0.0, 10.0);
    ((value + 1e-6) * 10.0 + 0.5).floor() / 10.0
}

#[derive(Default)]
struct Distances {
    av: f64,
    pr: f64,
    ui: f64,
    ac: f64,
    at: f64,
    vc: f64,
    vi: f64,
    va: f64,
    sc: f64,
    si: f64,
    sa: f64,
    cr: f64,
    ir: f64,
    ar: f64,
}

impl Distances {
    fn between<'a>(m: &dyn Fn(&str) -> &'a str, max: &dyn Fn(&str) -> &'static str) -> Distances {
        let d = |k: &str| level(k, m(k)) - level(k, max(k));
        Distances {
            av: d("AV"),
            pr: d("PR"),
            ui: d("UI"),
            ac: d("AC"),
            at: d("AT"),
            vc: d("VC"),
            vi: d("VI"),
            va: d("VA"),
            sc: d("SC"),
            si: d("SI"),
            sa: d("SA"),
            cr: d("CR"),
            ir: d("IR"),
            ar: d("AR"),
        }
    }

    fn any_negative(&self) -> bool {
        [
            self.av, self.pr, self.ui, self.ac, self.at, self.vc, self.vi, self.va, self.sc,
            self.si, self.sa, self.cr, self.ir, self.ar,
        ]
        .iter()
        .any(|x| *x < 0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_270_entries() {
        assert_eq!(LOOKUP.iter().filter(|t| **t >= 0).count(), 270);
        assert_eq!(lookup([0, 0, 0, 0, 0, 0]), Some(10.0));
        assert_eq!(lookup([2, 1, 2, 2, 2, 1]), Some(0.1));
        assert_eq!(lookup([0, 0, 2, 0, 0, 0]), None);
    }

    #[test]
    fn specification_examples() {
        for (vector, want) in [
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                9.3,
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H",
                10.0,
            ),
            (
                "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                8.5,
            ),
            (
                "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N",
                1.0,
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N",
                0.0,
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U",
                8.1,
            ),
        ] {
            let s = crate::score(vector).unwrap();
            assert_eq!(s.score, want, "{vector}");
        }
        assert_eq!(
            macro_vector("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")
                .unwrap(),
            [0, 0, 0, 2, 0, 0]
        );
    }
}
