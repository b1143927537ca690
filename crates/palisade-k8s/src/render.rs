//! Report formats: a table for people, JSON, kubesec's JSON array and SARIF 2.1.0.

use std::io::{self, Write};

use palisade_core::sarif::{Level, Log, Rule, SarifResult};

use crate::compliance::{ControlResult, Framework};
use crate::manifest::Diagnostic;
use crate::rules;
use crate::{ObjectReport, ScanReport};

/// A human-readable table: per object its kubesec score, then one aligned row per kubesec
/// critical item and per finding; then unreadable input and a summary line.
pub fn table(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    whole(Streamed::Table, report, out)
}

/// palisade's own JSON report: the [`ScanReport`] as `serde_json` prints it.
pub fn json(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    whole(Streamed::Json, report, out)
}

/// kubesec's JSON array (one entry per object; unreadable documents as `valid: false`), its
/// keys in kubesec's order.
pub fn kubesec(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    whole(Streamed::Kubesec, report, out)
}

/// A whole report through the one writer of each format, [`Stream`].
fn whole(format: Streamed, report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    let mut stream = Stream::new(format, out);
    for obj in &report.objects {
        stream.object(obj)?;
    }
    stream.finish(report.files, &report.diagnostics)
}

fn table_object(obj: &ObjectReport, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}  (kubesec score {})", obj.object, obj.kubesec.score)?;
    let mut rows: Vec<Vec<String>> = Vec::new();
    for c in &obj.kubesec.scoring.critical {
        rows.push(vec![
            format!("  kubesec {}", c.id),
            c.points.to_string(),
            String::new(),
            c.selector.to_string(),
        ]);
    }
    for f in &obj.findings {
        rows.push(vec![
            format!("  {}", f.rule),
            f.severity.to_string(),
            f.span.to_string(),
            f.message.clone(),
        ]);
    }
    if rows.is_empty() {
        return Ok(());
    }
    let text = palisade_core::table::columns(&["  CHECK", "SEVERITY", "WHERE", "MESSAGE"], &rows);
    out.write_all(text.as_bytes())
}

fn table_end(
    files: usize,
    objects: usize,
    findings: usize,
    diagnostics: &[Diagnostic],
    out: &mut dyn Write,
) -> io::Result<()> {
    for d in diagnostics {
        writeln!(out, "error: {}: {}", d.span, d.message)?;
    }
    writeln!(
        out,
        "{objects} objects in {files} files, {findings} findings, {} unreadable documents",
        diagnostics.len()
    )
}

/// The formats [`Stream`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Streamed {
    Table,
    Json,
    Kubesec,
}

/// Writes a report one object at a time: the one writer of [`table`], [`json`] and
/// [`kubesec`], which hand it a whole [`ScanReport`]. With
/// [`crate::manifest::Manifests::stream_paths`] and
/// [`crate::scan_object`], memory holds one object's tree and results, however large the input.
/// Nothing is written before the first object or [`Stream::finish`].
pub struct Stream<'w> {
    format: Streamed,
    out: &'w mut dyn Write,
    objects: usize,
    findings: usize,
}

impl std::fmt::Debug for Stream<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stream")
            .field("format", &self.format)
            .field("objects", &self.objects)
            .finish_non_exhaustive()
    }
}

impl<'w> Stream<'w> {
    pub fn new(format: Streamed, out: &'w mut dyn Write) -> Stream<'w> {
        Stream {
            format,
            out,
            objects: 0,
            findings: 0,
        }
    }

    /// How many objects were written.
    pub fn objects(&self) -> usize {
        self.objects
    }

    /// Writes one object's results.
    pub fn object(&mut self, report: &ObjectReport) -> io::Result<()> {
        let first = self.objects == 0;
        self.objects += 1;
        self.findings += report.findings.len();
        match self.format {
            Streamed::Table => table_object(report, self.out),
            Streamed::Json => {
                if first {
                    self.out.write_all(b"{\n  \"objects\": ")?;
                }
                array_item(self.out, 1, first, &serde_json::to_string_pretty(report)?)
            }
            Streamed::Kubesec => array_item(
                self.out,
                0,
                first,
                &serde_json::to_string_pretty(&report.kubesec)?,
            ),
        }
    }

    /// Writes what could not be read, the file count and the end.
    pub fn finish(self, files: usize, diagnostics: &[Diagnostic]) -> io::Result<()> {
        let out = self.out;
        match self.format {
            Streamed::Table => table_end(files, self.objects, self.findings, diagnostics, out),
            Streamed::Json => {
                if self.objects == 0 {
                    out.write_all(b"{\n  \"objects\": []")?;
                } else {
                    out.write_all(b"\n  ]")?;
                }
                out.write_all(b",\n  \"diagnostics\": ")?;
                write_array(out, 1, diagnostics.iter().map(serde_json::to_string_pretty))?;
                write!(out, ",\n  \"files\": {files}\n}}\n")
            }
            Streamed::Kubesec => {
                let mut first = self.objects == 0;
                for d in diagnostics {
                    array_item(
                        out,
                        0,
                        first,
                        &serde_json::to_string_pretty(&Unreadable::of(d))?,
                    )?;
                    first = false;
                }
                if first {
                    out.write_all(b"[]\n")
                } else {
                    out.write_all(b"\n]\n")
                }
            }
        }
    }
}

/// One pretty-printed item of an array at nesting `depth`, opening the array when `first`.
fn array_item(out: &mut dyn Write, depth: usize, first: bool, item: &str) -> io::Result<()> {
    out.write_all(if first { b"[\n" } else { b",\n" })?;
    let inner = "  ".repeat(depth + 1);
    for (i, line) in item.lines().enumerate() {
        if i > 0 {
            out.write_all(b"\n")?;
        }
        out.write_all(inner.as_bytes())?;
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// Writes a JSON array of pretty-printed items as `serde_json`'s pretty printer places an
/// array at nesting `depth` (two spaces a level).
fn write_array(
    out: &mut dyn Write,
    depth: usize,
    items: impl Iterator<Item = serde_json::Result<String>>,
) -> io::Result<()> {
    let mut first = true;
    for item in items {
        array_item(out, depth, first, &item?)?;
        first = false;
    }
    if first {
        out.write_all(b"[]")
    } else {
        write!(out, "\n{}]", "  ".repeat(depth))
    }
}

/// kubesec's entry for a document that could not be read, its keys in kubesec's order.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Unreadable<'a> {
    object: &'static str,
    valid: bool,
    file_name: &'a str,
    message: String,
    score: i64,
    scoring: serde_json::Map<String, serde_json::Value>,
}

impl Unreadable<'_> {
    fn of(d: &Diagnostic) -> Unreadable<'_> {
        Unreadable {
            object: "Unknown",
            valid: false,
            file_name: &d.span.file,
            message: format!("{}: {}", d.span, d.message),
            score: 0,
            scoring: serde_json::Map::new(),
        }
    }
}

/// SARIF 2.1.0 with one result per finding and the rule table in the driver.
pub fn sarif(report: &ScanReport, out: &mut dyn Write) -> io::Result<()> {
    let mut log = Log::new(env!("CARGO_PKG_VERSION"));
    for r in rules::ALL {
        let mut rule = Rule::new(r.id, r.summary, Level::of(r.severity));
        rule.name = Some(r.name.to_owned());
        rule.full = Some(r.docs.what.to_owned());
        rule.help = Some(r.docs.fix.to_owned());
        log.rule(rule);
    }
    for f in report.findings() {
        let result = SarifResult::new(
            f.rule,
            Level::of(f.severity),
            f.message.clone(),
            &f.span.file,
        )
        .at(f.span.line as u64, Some(f.span.column as u64));
        log.result(result);
    }
    out.write_all(log.to_text().as_bytes())
}

/// Findings grouped by control, with pass/fail counts.
pub fn compliance(
    framework: Framework,
    controls: &[ControlResult],
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out, "{framework}")?;
    writeln!(out, "{:<10} {:>6} {:>6}  rules", "control", "pass", "fail")?;
    for c in controls {
        writeln!(
            out,
            "{:<10} {:>6} {:>6}  {}",
            c.control,
            c.passed,
            c.failed,
            c.rules.join(", ")
        )?;
        for f in &c.failures {
            writeln!(out, "    {f}")?;
        }
    }
    Ok(())
}
