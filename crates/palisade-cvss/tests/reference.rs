//! Scores of 10,321 vectors against the reference implementation's (see
//! `data/reference_scores.py`): every v2 and v3.1 base vector, and random v3.0 and v4.0 vectors
//! including v4.0 threat and environmental metrics.

use palisade_cvss::{CvssVersion, score};

#[test]
fn matches_reference_scores() {
    let text = include_str!("data/reference-scores.tsv");
    let mut per_version = std::collections::BTreeMap::<String, (usize, usize)>::new();
    let mut failures = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let (vector, want) = line.split_once('\t').expect("vector<TAB>score");
        let want: f64 = want.parse().expect("a score");
        let got = score(vector);
        let version = match got.as_ref().map(|s| s.version) {
            Ok(CvssVersion::V2) => "2.0",
            Ok(CvssVersion::V3_0) => "3.0",
            Ok(CvssVersion::V3_1) => "3.1",
            Ok(CvssVersion::V4_0) => "4.0",
            Err(_) => "error",
        };
        let entry = per_version.entry(version.to_owned()).or_default();
        entry.1 += 1;
        if got.as_ref().is_ok_and(|s| s.score == want) {
            entry.0 += 1;
        } else {
            failures.push(format!(
                "line {}: {vector}: want {want}, got {got:?}",
                n + 1
            ));
        }
    }
    for (v, (ok, total)) in &per_version {
        println!("CVSS {v}: {ok}/{total} match the reference");
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(per_version.values().map(|v| v.1).sum::<usize>() > 10_000);
}
