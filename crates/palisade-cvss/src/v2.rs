//! CVSS v2 base scores (CVSS v2 guide, section 3.2.1), rated Low / Medium / High as NVD does
//! (0.0–3.9, 4.0–6.9, 7.0–10.0).

use palisade_core::Severity;

use crate::metrics::{Def, Metrics};
use crate::{CvssError, CvssVersion, Score, round_half_up_1};

const fn def(name: &'static str, values: &'static [&'static str], mandatory: bool) -> Def {
    Def {
        name,
        values,
        mandatory,
    }
}

static DEFS: [Def; 14] = [
    def("AV", &["L", "A", "N"], true),
    def("AC", &["H", "M", "L"], true),
    def("Au", &["M", "S", "N"], true),
    def("C", &["N", "P", "C"], true),
    def("I", &["N", "P", "C"], true),
    def("A", &["N", "P", "C"], true),
    def("E", &["U", "POC", "F", "H", "ND"], false),
    def("RL", &["OF", "TF", "W", "U", "ND"], false),
    def("RC", &["UC", "UR", "C", "ND"], false),
    def("CDP", &["N", "L", "LM", "MH", "H", "ND"], false),
    def("TD", &["N", "L", "M", "H", "ND"], false),
    def("CR", &["L", "M", "H", "ND"], false),
    def("IR", &["L", "M", "H", "ND"], false),
    def("AR", &["L", "M", "H", "ND"], false),
];

/// NVD's v2 rating.
pub fn severity_of(score: f64) -> Severity {
    match score {
        s if s >= 7.0 => Severity::High,
        s if s >= 4.0 => Severity::Medium,
        s if s > 0.0 => Severity::Low,
        _ => Severity::Negligible,
    }
}

pub(crate) fn score(vector: &str, body: &str) -> Result<Score, CvssError> {
    let m = Metrics::parse(vector, body, &DEFS)?;
    let av = match m.get("AV") {
        "L" => 0.395,
        "A" => 0.646,
        _ => 1.0,
    };
    let ac = match m.get("AC") {
        "H" => 0.35,
        "M" => 0.61,
        _ => 0.71,
    };
    let au = match m.get("Au") {
        "M" => 0.45,
        "S" => 0.56,
        _ => 0.704,
    };
    let cia = |k| match m.get(k) {
        "P" => 0.275,
        "C" => 0.660,
        _ => 0.0,
    };
    let impact = 10.41 * (1.0 - (1.0 - cia("C")) * (1.0 - cia("I")) * (1.0 - cia("A")));
    let exploitability = 20.0 * av * ac * au;
    let f = if impact == 0.0 { 0.0 } else { 1.176 };
    let base = round_half_up_1(((0.6 * impact) + (0.4 * exploitability) - 1.5) * f);
    Ok(Score {
        version: CvssVersion::V2,
        score: base,
        severity: severity_of(base),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn published_scores() {
        for (vector, want) in [
            // CVE-2014-0160 (Heartbleed), NVD.
            ("AV:N/AC:L/Au:N/C:P/I:N/A:N", 5.0),
            // CVE-2014-6271 (Shellshock), NVD.
            ("AV:N/AC:L/Au:N/C:C/I:C/A:C", 10.0),
            // CVSS v2 guide, section 3.3.1 (CVE-2002-0392).
            ("AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C", 7.8),
            // CVSS v2 guide, section 3.3.2 (CVE-2003-0818).
            ("AV:N/AC:L/Au:N/C:C/I:C/A:C/E:F/RL:OF/RC:C", 10.0),
            // CVSS v2 guide, section 3.3.3 (CVE-2003-0062).
            ("AV:L/AC:H/Au:N/C:C/I:C/A:C/E:POC/RL:OF/RC:C", 6.2),
            ("AV:N/AC:L/Au:N/C:N/I:N/A:N", 0.0),
        ] {
            let s = crate::score(vector).unwrap();
            assert_eq!(s.score, want, "{vector}");
        }
    }
}
