//! Bundles written by an attacker: huge allowlists, pattern bombs, deep nesting, alias bombs,
//! unknown gates, garbage. Each gets a clear diagnostic (or loads) without a panic, and
//! evaluation stays linear.

use palisade_policy::bundle::ImageName;
use palisade_policy::diag::{Code, Level};
use palisade_policy::facts::ImageFacts;
use palisade_policy::gates::Evidence;
use palisade_policy::load::load;

fn bundle_with(rules: &str, items: &str) -> String {
    format!(
        r#"{{"version": "1_0", "id": "b", "policies": [{{"id": "p", "rules": [{rules}]}}],
        "whitelists": [{{"id": "w", "items": [{items}]}}],
        "mappings": [{{"registry": "*", "repository": "*", "image": {{"type": "tag", "value": "*"}},
        "policy_ids": ["p"], "whitelist_ids": ["w"]}}]}}"#
    )
}

#[test]
fn a_hundred_thousand_allowlist_items_load_and_match() {
    let items: Vec<String> = (0..100_000)
        .map(|i| {
            format!(r#"{{"id": "{i}", "gate": "dockerfile", "trigger_id": "CVE-{i}-*+pkg*"}}"#)
        })
        .collect();
    let rule = r#"{"gate": "dockerfile", "trigger": "exposed_ports", "action": "STOP",
        "params": [{"name": "ports", "value": "22"}, {"name": "type", "value": "blacklist"}]}"#;
    let text = bundle_with(rule, &items.join(","));
    let loaded = load("big.json", text.as_bytes(), Default::default());
    assert!(
        loaded.diagnostics.is_empty(),
        "{:?}",
        loaded.diagnostics.first()
    );
    let bundle = loaded.bundle.unwrap();
    assert_eq!(bundle.allowlists[0].items.len(), 100_000);
    let mut config = palisade_image::ImageConfig::default();
    config.config.exposed_ports = Some([("22/tcp".to_owned(), serde_json::json!({}))].into());
    let facts = ImageFacts::default();
    let image = ImageName::parse_repo_tag("app:1");
    let evidence = Evidence {
        image: &image,
        config: &config,
        layer_count: 1,
        size: 0,
        distro: None,
        packages: &[],
        vulnerabilities: None,
        database_built: None,
        facts: &facts,
        dockerfile: None,
        now: 0,
    };
    let verdict = palisade_policy::eval::evaluate(&bundle, &evidence);
    assert_eq!(verdict.results.len(), 1);
    assert!(!verdict.results[0].allowlisted);
}

#[test]
fn pattern_bombs_are_linear_or_refused() {
    // Backtracking bombs run in linear time in Rust's regex; a pattern too large to compile is
    // a diagnostic, and the rule is not evaluated.
    for pattern in [r"(a+)+$", r"(a|a)*b", r"(x+x+)+y", &"a{1000}".repeat(100)] {
        let rule = format!(
            r#"{{"gate": "files", "trigger": "name_match", "action": "WARN",
            "params": [{{"name": "regex", "value": {}}}]}}"#,
            serde_json::Value::String(pattern.to_owned())
        );
        let loaded = load(
            "bomb.json",
            bundle_with(&rule, "").as_bytes(),
            Default::default(),
        );
        assert!(
            loaded.bundle.is_some(),
            "{pattern}: {:?}",
            loaded.diagnostics
        );
        let facts = ImageFacts {
            paths: vec![format!("/{}!", "a".repeat(50_000))],
            ..ImageFacts::default()
        };
        let config = palisade_image::ImageConfig::default();
        let image = ImageName::parse_repo_tag("app:1");
        let evidence = Evidence {
            image: &image,
            config: &config,
            layer_count: 1,
            size: 0,
            distro: None,
            packages: &[],
            vulnerabilities: None,
            database_built: None,
            facts: &facts,
            dockerfile: None,
            now: 0,
        };
        let _ = palisade_policy::eval::evaluate(loaded.bundle.as_ref().unwrap(), &evidence);
    }
    let huge = "(a{1000}){1000}";
    let rule = format!(
        r#"{{"gate": "files", "trigger": "name_match", "action": "WARN", "params": [{{"name": "regex", "value": "{huge}"}}]}}"#
    );
    let loaded = load(
        "huge.json",
        bundle_with(&rule, "").as_bytes(),
        Default::default(),
    );
    assert!(
        loaded.diagnostics.iter().any(|d| d.code == Code::P008),
        "{:?}",
        loaded.diagnostics
    );
    let rule = &loaded.bundle.unwrap().policies[0].rules[0];
    assert!(rule.not_evaluated.is_some());
}

#[test]
fn deep_nesting_and_alias_bombs_are_refused_with_a_place() {
    let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    let loaded = load("deep.json", deep.as_bytes(), Default::default());
    assert!(loaded.bundle.is_none());
    assert_eq!(loaded.diagnostics[0].code, Code::P001);

    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        bomb.push_str(&format!(
            "{}: &{} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n",
            (b'a' + i) as char,
            (b'a' + i) as char,
            p = (b'a' + i - 1) as char
        ));
    }
    let loaded = load("bomb.yaml", bomb.as_bytes(), Default::default());
    assert!(loaded.bundle.is_none());
    assert_eq!(
        loaded.diagnostics[0].code,
        Code::P001,
        "{:?}",
        loaded.diagnostics
    );
}

#[test]
fn unknown_gates_triggers_and_params_are_said_never_ignored() {
    let rules = r#"{"gate": "crystal_ball", "trigger": "gaze", "action": "STOP", "params": []},
        {"gate": "dockerfile", "trigger": "smell", "action": "WARN", "params": []},
        {"gate": "dockerfile", "trigger": "exposed_ports", "action": "WARN",
         "params": [{"name": "ports", "value": "22"}, {"name": "type", "value": "greylist"}, {"name": "colour", "value": "red"}]}"#;
    let text = bundle_with(rules, "");
    let loaded = load("unknown.json", text.as_bytes(), Default::default());
    let by_code = |c: Code| loaded.diagnostics.iter().filter(|d| d.code == c).count();
    assert_eq!(by_code(Code::P004), 1);
    assert_eq!(by_code(Code::P005), 1);
    assert_eq!(by_code(Code::P006), 1);
    assert_eq!(by_code(Code::P008), 1);
    assert!(
        loaded.bundle.is_none(),
        "unknown triggers and params are errors"
    );
    let gate = loaded
        .diagnostics
        .iter()
        .find(|d| d.code == Code::P004)
        .unwrap();
    assert_eq!(gate.level, Level::Warning);
    // The diagnostic points at the gate's value in the user's text.
    let column = text.find("\"crystal_ball\"").unwrap() + 1;
    assert_eq!(
        (gate.span.line, gate.span.column as usize),
        (1, column),
        "{gate}"
    );
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    for bytes in [
        &b""[..],
        b"\xff\xfe\x00",
        b"[1, 2, 3]",
        b"{\"version\": 7}",
        b"{{{{",
        b"version: \"1_0\"\npolicies: {a: b}\n",
        b"apiVersion: palisade.dev/v9\nkind: Pod\n",
        b"---\na: 1\n---\nb: 2\n",
    ] {
        let loaded = load("x", bytes, Default::default());
        assert!(
            loaded.bundle.is_none(),
            "{:?}",
            String::from_utf8_lossy(bytes)
        );
        assert!(loaded.errors().count() > 0);
    }
}
