//! Hostile input: a clear error naming the place, bounded work, no panic.

use palisade_k8s::manifest::read_bytes;
use palisade_k8s::yaml::Limits;

fn read(bytes: &[u8]) -> palisade_k8s::manifest::Manifests {
    read_bytes("hostile.yaml", bytes, &Limits::default())
}

#[test]
fn billion_laughs() {
    let mut text =
        String::from("kind: Pod\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let p = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let m = read(text.as_bytes());
    assert!(m.objects.is_empty());
    assert!(
        m.diagnostics[0].message.contains("alias"),
        "{:?}",
        m.diagnostics
    );
}

#[test]
fn deep_nesting() {
    let text = format!(
        "kind: Pod\nspec: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let m = read(text.as_bytes());
    assert_eq!(m.diagnostics.len(), 1);
    assert_eq!(m.diagnostics[0].span.line, 2);
}

#[test]
fn enormous_file_is_refused() {
    let limits = Limits {
        max_file_bytes: 1024,
        ..Limits::default()
    };
    let big = "a: b\n".repeat(1000);
    let m = read_bytes("big.yaml", big.as_bytes(), &limits);
    assert!(m.diagnostics[0].message.contains("larger than 1024 bytes"));
}

#[test]
fn too_many_nodes() {
    let limits = Limits {
        max_nodes: 1000,
        ..Limits::default()
    };
    let text = format!("kind: Pod\nitems: [{}]\n", "1,".repeat(5000));
    let m = read_bytes("wide.yaml", text.as_bytes(), &limits);
    assert!(
        m.diagnostics[0].message.contains("more than 1000 nodes"),
        "{:?}",
        m.diagnostics
    );
}

#[test]
fn non_utf8_and_utf16() {
    let m = read(b"kind: Pod\nmetadata:\n  name: \xc3\x28\n");
    assert_eq!(
        (m.diagnostics[0].span.line, m.diagnostics[0].span.column),
        (3, 9)
    );
    let m = read(b"\xff\xfek\x00i\x00");
    assert!(m.diagnostics[0].message.contains("UTF-16"));
}

#[test]
fn truncated_and_garbage() {
    for input in [
        &b"kind: Pod\nspec:\n  containers:\n  - name: \"unterminated"[..],
        b"{{{{",
        b"- - - -",
        b"\x00\x01\x02",
        b"kind: Pod\nspec: *nowhere\n",
        b"? [a]\n: b\n",
    ] {
        let m = read(input);
        let _ = palisade_k8s::scan(&m);
        let _ = palisade_k8s::advise::advise(&m);
    }
}

#[test]
fn non_scalar_fields_do_not_confuse_checks() {
    let text = "kind: Pod\nmetadata: {name: [x], namespace: {a: b}}\nspec:\n  hostPID: [true]\n  containers: {name: a}\n  volumes: 7\n  securityContext: [1]\n";
    let m = read(text.as_bytes());
    assert!(m.diagnostics.is_empty());
    let report = palisade_k8s::scan(&m);
    assert!(!report.findings().any(|f| f.rule == "K8S-015"));
}
