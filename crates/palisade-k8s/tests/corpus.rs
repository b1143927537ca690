//! The corpus of real-world-shaped manifests: every file is read, the broken document is reported
//! with its place and the documents after it are still checked, and the per-rule totals are pinned.

use std::collections::BTreeMap;
use std::path::PathBuf;

use palisade_k8s::manifest::read_paths;
use palisade_k8s::pss::{self, Level, Version};
use palisade_k8s::yaml::Limits;

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

#[test]
fn corpus_scan_totals() {
    let m = read_paths(&[corpus()], &Limits::default());
    assert!(m.files >= 100, "corpus has {} files", m.files);
    assert_eq!(m.diagnostics.len(), 1, "{:?}", m.diagnostics);
    let d = &m.diagnostics[0];
    assert!(d.span.file.ends_with("110-broken.yaml"));
    assert_eq!(d.span.line, 20);
    assert!(m.objects.iter().any(|o| o.name == "after-broken"));

    let report = palisade_k8s::scan(&m);
    let mut per_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for f in report.findings() {
        *per_rule.entry(f.rule).or_default() += 1;
    }
    let mut levels: BTreeMap<String, usize> = BTreeMap::new();
    for obj in &m.objects {
        if let Some(level) = pss::strictest_level(obj, Version::LATEST) {
            *levels.entry(level.to_string()).or_default() += 1;
        }
    }
    let scores: i64 = report.objects.iter().map(|o| o.kubesec.score).sum();
    insta::assert_debug_snapshot!((m.objects.len(), per_rule, levels, scores));
}

#[test]
fn corpus_findings_point_into_the_files() {
    let m = read_paths(&[corpus()], &Limits::default());
    let report = palisade_k8s::scan(&m);
    for f in report.findings() {
        let text = std::fs::read_to_string(&f.span.file).unwrap();
        let line = text
            .lines()
            .nth(f.span.line as usize - 1)
            .unwrap_or_else(|| panic!("{} {}", f.span, f.message));
        assert!(
            line.chars().count() >= f.span.column as usize,
            "{}: column past the end of {line:?}",
            f.span
        );
    }
    for obj in &m.objects {
        for v in pss::evaluate(obj, Level::Restricted, Version::LATEST).unwrap_or_default() {
            assert!(v.span.line > 0);
        }
    }
}

#[test]
fn issue_14_streamed_reports_are_the_same_bytes_as_whole_ones() {
    use palisade_k8s::manifest::Manifests;
    use palisade_k8s::render::{self, Stream, Streamed};
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("empty.yaml"), b"").unwrap();
    std::fs::write(dir.path().join("broken.yaml"), b"kind: [\n").unwrap();
    let inputs = [
        corpus(),
        dir.path().join("empty.yaml"),
        dir.path().join("broken.yaml"),
    ];
    for input in inputs {
        let whole = read_paths(&[&input], &Limits::default());
        let report = palisade_k8s::scan(&whole);
        type Whole = fn(&palisade_k8s::ScanReport, &mut dyn std::io::Write) -> std::io::Result<()>;
        let formats: [(Streamed, Whole); 3] = [
            (Streamed::Table, render::table),
            (Streamed::Json, render::json),
            (Streamed::Kubesec, render::kubesec),
        ];
        for (format, whole_render) in formats {
            let mut expected = Vec::new();
            whole_render(&report, &mut expected).unwrap();
            let mut streamed = Vec::new();
            let mut stream = Stream::new(format, &mut streamed);
            let mut result = Ok(());
            let m = Manifests::stream_paths(&[&input], &Limits::default(), |obj| {
                if result.is_ok() {
                    result = stream.object(&palisade_k8s::scan_object(&obj));
                }
            });
            result.unwrap();
            assert!(m.objects.is_empty());
            assert_eq!(stream.objects(), report.objects.len());
            stream.finish(m.files, &m.diagnostics).unwrap();
            let streamed = String::from_utf8(streamed).unwrap();
            assert_eq!(
                streamed,
                String::from_utf8(expected).unwrap(),
                "{format:?} of {}",
                input.display()
            );
            if format == Streamed::Json {
                // The hand-written JSON is what serde_json prints for the whole report.
                let serde = serde_json::to_string_pretty(&report).unwrap() + "\n";
                assert_eq!(streamed, serde, "{}", input.display());
            }
        }
    }
}
