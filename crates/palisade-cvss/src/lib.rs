//! CVSS base scores computed from vector strings.
//!
//! * v3.0 and v3.1 (`CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H`): the specification's base
//!   equations with its `Roundup`;
//! * v4.0 (`CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N`): the MacroVector
//!   method of the FIRST specification — the MacroVector's score from the published table, lowered
//!   by the mean proportional severity distance to the next lower MacroVectors — including threat
//!   and environmental metrics when the vector carries them;
//! * v2 (`AV:N/AC:L/Au:N/C:P/I:P/A:P`): the base equation.
//!
//! Temporal and environmental metrics of v2/v3 vectors are validated but do not change the
//! (base) score.
//!
//! ```
//! let s = palisade_cvss::score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H").unwrap();
//! assert_eq!(s.score, 10.0);
//! assert_eq!(s.severity, palisade_core::Severity::Critical);
//! let s = palisade_cvss::score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N").unwrap();
//! assert_eq!(s.score, 9.3);
//! ```

use std::fmt;

use palisade_core::Severity;

mod metrics;
pub mod v2;
pub mod v3;
pub mod v4;
mod v4_table;

/// The CVSS version a vector is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CvssVersion {
    V2,
    V3_0,
    V3_1,
    V4_0,
}

impl fmt::Display for CvssVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CvssVersion::V2 => "2.0",
            CvssVersion::V3_0 => "3.0",
            CvssVersion::V3_1 => "3.1",
            CvssVersion::V4_0 => "4.0",
        })
    }
}

/// A computed base score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    pub version: CvssVersion,
    /// 0.0 to 10.0, one decimal.
    pub score: f64,
    pub severity: Severity,
}

/// A vector string that cannot be scored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CvssError {
    #[error("unknown CVSS version prefix in {vector:?}")]
    UnknownVersion { vector: String },
    #[error("malformed CVSS vector {vector:?}: {reason}")]
    Malformed { vector: String, reason: String },
    #[error("CVSS vector {vector:?} lacks the mandatory metric {metric}")]
    MissingMetric {
        vector: String,
        metric: &'static str,
    },
}

impl CvssError {
    pub(crate) fn malformed(vector: &str, reason: impl Into<String>) -> CvssError {
        CvssError::Malformed {
            vector: cut(vector),
            reason: reason.into(),
        }
    }
}

/// Error messages quote at most 200 characters of the vector.
pub(crate) fn cut(s: &str) -> String {
    match s.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// Scores a vector of any supported version, told apart by its prefix (`CVSS:3.0/`,
/// `CVSS:3.1/`, `CVSS:4.0/`; v2 vectors have none, or are wrapped in parentheses).
pub fn score(vector: &str) -> Result<Score, CvssError> {
    let v = vector.trim();
    if v.len() > 1024 {
        return Err(CvssError::malformed(v, "longer than 1024 bytes"));
    }
    if let Some(rest) = v.strip_prefix("CVSS:3.1/") {
        v3::score(v, rest, CvssVersion::V3_1)
    } else if let Some(rest) = v.strip_prefix("CVSS:3.0/") {
        v3::score(v, rest, CvssVersion::V3_0)
    } else if let Some(rest) = v.strip_prefix("CVSS:4.0/") {
        v4::score(v, rest)
    } else if v.starts_with("CVSS:") {
        Err(CvssError::UnknownVersion { vector: cut(v) })
    } else {
        let inner = v
            .strip_prefix('(')
            .and_then(|x| x.strip_suffix(')'))
            .unwrap_or(v);
        let inner = inner.strip_prefix("CVSS:2.0/").unwrap_or(inner);
        v2::score(v, inner)
    }
}

/// The qualitative rating of a v3/v4 score (None for 0.0).
pub fn severity_of(score: f64) -> Severity {
    Severity::from_cvss_score(score)
}

/// Rounds half up to one decimal, on the exact decimal value of `x`.
pub(crate) fn round_half_up_1(x: f64) -> f64 {
    let s = format!("{:.30}", x.max(0.0));
    let (int, frac) = s.split_once('.').unwrap_or((&s, "0"));
    let mut digits = frac.bytes();
    let first = digits.next().map_or(0, |d| d - b'0');
    let second = digits.next().map_or(0, |d| d - b'0');
    let base: f64 = int.parse::<f64>().unwrap_or(0.0) + f64::from(first) / 10.0;
    let tenths = (base * 10.0).round();
    (if second >= 5 { tenths + 1.0 } else { tenths }) / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding() {
        assert_eq!(round_half_up_1(6.25), 6.3);
        assert_eq!(round_half_up_1(6.24), 6.2);
        assert_eq!(round_half_up_1(1.15), 1.1); // 1.15 is 1.1499999… in binary
        assert_eq!(round_half_up_1(6.45), 6.5); // 6.45 is 6.4500000…2 in binary
        assert_eq!(round_half_up_1(9.96), 10.0);
        assert_eq!(round_half_up_1(0.0), 0.0);
    }

    #[test]
    fn dispatch_and_errors() {
        assert_eq!(
            score("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N")
                .unwrap()
                .version,
            CvssVersion::V3_0
        );
        assert_eq!(score("(AV:N/AC:L/Au:N/C:P/I:N/A:N)").unwrap().score, 5.0);
        assert!(matches!(
            score("CVSS:5.0/AV:N"),
            Err(CvssError::UnknownVersion { .. })
        ));
        let e = score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H").unwrap_err();
        assert!(
            matches!(e, CvssError::MissingMetric { metric: "A", .. }),
            "{e}"
        );
        assert!(score("CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").is_err());
        assert!(score("CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").is_err());
        assert!(score("").is_err());
    }
}
