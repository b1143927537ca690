//! Rules files written to hurt the loader (issue 14's attack run): each loads, or is refused
//! with a diagnostic, in bounded time and memory — never a stack overflow or an exponential
//! expansion.

use palisade_rules::ruleset::load;

fn codes(text: &str) -> Vec<&'static str> {
    let set = load(&[("hostile.yaml".to_owned(), text.to_owned())]);
    set.diagnostics.iter().map(|d| d.code).collect()
}

const RULE: &str = "- rule: r\n  desc: d\n  condition: evt.type = open and m_last\n  output: o\n  priority: WARNING\n";

#[test]
fn issue_14_a_chain_of_30000_macros_is_refused_not_a_stack_overflow() {
    let mut text = String::from("- macro: m0\n  condition: evt.type = open\n");
    for i in 1..30_000 {
        text.push_str(&format!("- macro: m{i}\n  condition: m{}\n", i - 1));
    }
    text.push_str("- macro: m_last\n  condition: m29999\n");
    text.push_str(RULE);
    assert!(codes(&text).contains(&"macro-too-deep"));
}

#[test]
fn issue_14_doubling_macros_are_bounded() {
    let mut text = String::from("- macro: m0\n  condition: evt.type = open\n");
    for i in 1..=22 {
        text.push_str(&format!(
            "- macro: m{i}\n  condition: (m{p} or m{p})\n",
            p = i - 1
        ));
    }
    text.push_str("- macro: m_last\n  condition: m22\n");
    text.push_str(RULE);
    assert!(codes(&text).contains(&"condition-too-large"));
}

#[test]
fn issue_14_doubling_lists_are_bounded() {
    let mut text = String::from("- list: l0\n  items: [a, b]\n");
    for i in 1..=40 {
        text.push_str(&format!("- list: l{i}\n  items: [l{p}, l{p}]\n", p = i - 1));
    }
    text.push_str(
        "- rule: r\n  desc: d\n  condition: proc.name in (l40)\n  output: o\n  priority: WARNING\n",
    );
    let found = codes(&text);
    assert!(found.contains(&"list-too-deep"), "{found:?}");
    // Shallower but still doubling: bounded by the number of values.
    let mut text = String::from("- list: l0\n  items: [a, b]\n");
    for i in 1..=25 {
        text.push_str(&format!("- list: l{i}\n  items: [l{p}, l{p}]\n", p = i - 1));
    }
    text.push_str(
        "- rule: r\n  desc: d\n  condition: proc.name in (l25)\n  output: o\n  priority: WARNING\n",
    );
    let found = codes(&text);
    assert!(
        found.contains(&"list-too-large") || found.contains(&"list-too-deep"),
        "{found:?}"
    );
}

#[test]
fn issue_14_forty_thousand_appends_load_in_linear_time() {
    let mut text =
        String::from("- macro: m\n  condition: evt.type = open\n- list: l\n  items: [a]\n");
    for i in 0..40_000 {
        text.push_str(&format!(
            "- macro: m\n  condition: or proc.name = p{i}\n  append: true\n"
        ));
        text.push_str(&format!("- list: l\n  items: [x{i}]\n  append: true\n"));
    }
    text.push_str("- rule: r\n  desc: d\n  condition: m and proc.name in (l)\n  output: o\n  priority: WARNING\n");
    let set = load(&[("appends.yaml".to_owned(), text)]);
    assert!(
        !set.diagnostics
            .iter()
            .any(|d| d.level == palisade_rules::diag::Level::Error),
        "{:?}",
        set.diagnostics.first()
    );
}

#[test]
fn issue_14_an_absurd_required_engine_version_is_warned_about() {
    for v in ["banana", "99999999999999999999999", "1.2.3.4.5", "-1"] {
        let found = codes(&format!("- required_engine_version: {v}\n"));
        assert!(found.contains(&"engine-version"), "{v}: {found:?}");
    }
    for v in ["0.31.0", "10"] {
        let found = codes(&format!("- required_engine_version: {v}\n"));
        assert!(!found.contains(&"engine-version"), "{v}: {found:?}");
    }
}
