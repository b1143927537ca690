//! `check(fixture)`: load a rules file from `tests/fixtures`, snapshot its diagnostics and
//! compiled rules.

use std::fmt::Write as _;

use palisade_rules::ruleset::{self, EventTypes};

fn check(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("fixture");
    let set = ruleset::load(&[(name.to_string(), text)]);
    let mut out = String::new();
    for d in &set.diagnostics {
        let _ = writeln!(out, "{d}");
    }
    let _ = writeln!(
        out,
        "--- {} of {} rules compiled",
        set.rules.len(),
        set.defined
    );
    for r in &set.rules {
        let types = match &r.event_types {
            EventTypes::All => "all".to_string(),
            EventTypes::Only(s) => s.iter().cloned().collect::<Vec<_>>().join(","),
            EventTypes::AllBut(s) => format!(
                "all but {}",
                s.iter().cloned().collect::<Vec<_>>().join(",")
            ),
        };
        let output: Vec<String> = r
            .output
            .iter()
            .map(|p| match p {
                ruleset::OutputPart::Text(t) => t.clone(),
                ruleset::OutputPart::Field(_, n) => format!("%{n}"),
            })
            .collect();
        let _ = writeln!(
            out,
            "{}: priority={} types={types} output={:?}",
            r.name,
            r.priority,
            output.concat()
        );
    }
    out
}

#[test]
fn problems() {
    insta::assert_snapshot!(check("problems.yaml"));
}
