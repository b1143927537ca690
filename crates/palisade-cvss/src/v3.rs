//! CVSS v3.0 and v3.1 base scores (CVSS v3.1 specification, section 7.1 and appendix A).
//!
//! Both versions share the base equations; both are rounded with v3.1's `Roundup`, which
//! computes exactly the "smallest one-decimal number not below the input" that v3.0 defines,
//! without the floating-point noise of a bare `ceil(x * 10) / 10`.

use crate::metrics::{Def, Metrics};
use crate::{CvssError, CvssVersion, Score, severity_of};

const fn def(name: &'static str, values: &'static [&'static str], mandatory: bool) -> Def {
    Def {
        name,
        values,
        mandatory,
    }
}

static DEFS: [Def; 22] = [
    def("AV", &["N", "A", "L", "P"], true),
    def("AC", &["L", "H"], true),
    def("PR", &["N", "L", "H"], true),
    def("UI", &["N", "R"], true),
    def("S", &["U", "C"], true),
    def("C", &["H", "L", "N"], true),
    def("I", &["H", "L", "N"], true),
    def("A", &["H", "L", "N"], true),
    def("E", &["X", "H", "F", "P", "U"], false),
    def("RL", &["X", "U", "W", "T", "O"], false),
    def("RC", &["X", "C", "R", "U"], false),
    def("CR", &["X", "H", "M", "L"], false),
    def("IR", &["X", "H", "M", "L"], false),
    def("AR", &["X", "H", "M", "L"], false),
    def("MAV", &["X", "N", "A", "L", "P"], false),
    def("MAC", &["X", "L", "H"], false),
    def("MPR", &["X", "N", "L", "H"], false),
    def("MUI", &["X", "N", "R"], false),
    def("MS", &["X", "U", "C"], false),
    def("MC", &["X", "H", "L", "N"], false),
    def("MI", &["X", "H", "L", "N"], false),
    def("MA", &["X", "H", "L", "N"], false),
];

/// The specification's `Roundup` (v3.1 appendix A).
pub fn roundup(x: f64) -> f64 {
    let int_input = (x * 100_000.0).round() as i64;
    if int_input % 10_000 == 0 {
        int_input as f64 / 100_000.0
    } else {
        ((int_input / 10_000) as f64 + 1.0) / 10.0
    }
}

pub(crate) fn score(vector: &str, body: &str, version: CvssVersion) -> Result<Score, CvssError> {
    let m = Metrics::parse(vector, body, &DEFS)?;
    let changed = m.get("S") == "C";
    let av: f64 = match m.get("AV") {
        "N" => 0.85,
        "A" => 0.62,
        "L" => 0.55,
        _ => 0.2,
    };
    let ac = if m.get("AC") == "L" { 0.77 } else { 0.44 };
    let pr = match (m.get("PR"), changed) {
        ("N", _) => 0.85,
        ("L", false) => 0.62,
        ("L", true) => 0.68,
        (_, false) => 0.27,
        (_, true) => 0.5,
    };
    let ui = if m.get("UI") == "N" { 0.85 } else { 0.62 };
    let cia = |k| match m.get(k) {
        "H" => 0.56,
        "L" => 0.22,
        _ => 0.0,
    };
    let iss: f64 = 1.0 - ((1.0 - cia("C")) * (1.0 - cia("I")) * (1.0 - cia("A")));
    let impact: f64 = if changed {
        7.52 * (iss - 0.029) - 3.25 * (iss - 0.02).powi(15)
    } else {
        6.42 * iss
    };
    let exploitability: f64 = 8.22 * av * ac * pr * ui;
    let base = if impact <= 0.0 {
        0.0
    } else if changed {
        roundup((1.08 * (impact + exploitability)).min(10.0))
    } else {
        roundup((impact + exploitability).min(10.0))
    };
    Ok(Score {
        version,
        score: base,
        severity: severity_of(base),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundup_examples() {
        // The specification's own examples.
        assert_eq!(roundup(4.02), 4.1);
        assert_eq!(roundup(4.00), 4.0);
        assert_eq!(roundup(4.000_000_000_000_001), 4.0);
    }

    #[test]
    fn published_scores() {
        for (vector, want) in [
            // CVE-2021-44228 (Log4Shell), NVD.
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
            // CVE-2014-0160 (Heartbleed), NVD.
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5),
            // CVE-2021-3156 (sudo Baron Samedit), NVD.
            ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8),
            // Specification section 7.4 worked examples (v3.1 user guide).
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.1),
            ("CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
            (
                "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C",
                9.8,
            ),
        ] {
            let s = crate::score(vector).unwrap();
            assert_eq!(s.score, want, "{vector}");
        }
    }
}
