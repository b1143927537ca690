//! SARIF 2.1.0 logs: the one writer behind `scan`, `scan --policy` and `k8s scan`, so every
//! result carries a region, every rule index points at its rule, and every URI is a valid
//! reference (what Microsoft's SARIF Multitool checks).
//!
//! ```
//! use palisade_core::sarif::{Level, Log, SarifResult, Rule};
//!
//! let mut log = Log::new("0.1.0");
//! log.rule(Rule::new("K001", "Privileged container", Level::Error));
//! log.result(SarifResult::new("K001", Level::Error, "privileged", "/srv/app.yaml").at(3, Some(5)));
//! let doc = log.to_json();
//! assert_eq!(doc["runs"][0]["results"][0]["ruleIndex"], 0);
//! assert_eq!(
//!     doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
//!     "file:///srv/app.yaml"
//! );
//! ```

use serde_json::{Value, json};

use crate::Severity;

/// Where palisade is described, for the tool's `informationUri`.
const INFORMATION_URI: &str = "https://github.com/palisade-security/palisade";

/// A result's level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Note,
}

impl Level {
    /// Critical and high are errors, medium a warning, the rest notes.
    pub fn of(severity: Severity) -> Level {
        match severity {
            Severity::Critical | Severity::High => Level::Error,
            Severity::Medium => Level::Warning,
            _ => Level::Note,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
        }
    }
}

/// One rule of the tool's driver.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    /// A PascalCase name; defaults to the id without punctuation.
    pub name: Option<String>,
    pub short: String,
    pub full: Option<String>,
    pub help: Option<String>,
    pub help_uri: Option<String>,
    pub level: Level,
    pub properties: Option<Value>,
}

impl Rule {
    pub fn new(id: impl Into<String>, short: impl Into<String>, level: Level) -> Rule {
        Rule {
            id: id.into(),
            name: None,
            short: short.into(),
            full: None,
            help: None,
            help_uri: None,
            level,
            properties: None,
        }
    }
}

/// One result. `uri` is an artifact location as [`artifact_uri`] or [`image_uri`] makes it.
#[derive(Debug, Clone)]
pub struct SarifResult {
    pub rule_id: String,
    pub level: Level,
    pub message: String,
    pub uri: String,
    /// Line and column; a finding about a whole file is placed at its first line.
    pub line: u64,
    pub column: Option<u64>,
    /// A logical location: (name, kind), e.g. a package URL and `package`.
    pub logical: Option<(String, &'static str)>,
    pub fingerprint: Option<(&'static str, String)>,
    pub properties: Option<Value>,
    /// Why the result is suppressed (an allowlist), when it is.
    pub suppressed: Option<String>,
}

impl SarifResult {
    /// A result about the file at `path` (a path on this machine: see [`artifact_uri`]).
    pub fn new(
        rule_id: impl Into<String>,
        level: Level,
        message: impl Into<String>,
        path: &str,
    ) -> SarifResult {
        SarifResult {
            rule_id: rule_id.into(),
            level,
            message: message.into(),
            uri: artifact_uri(path),
            line: 1,
            column: None,
            logical: None,
            fingerprint: None,
            properties: None,
            suppressed: None,
        }
    }

    /// The place in the file.
    pub fn at(mut self, line: u64, column: Option<u64>) -> SarifResult {
        self.line = line.max(1);
        self.column = column.filter(|c| *c >= 1);
        self
    }
}

/// A SARIF log of one run of palisade.
#[derive(Debug, Clone)]
pub struct Log {
    tool_version: String,
    rules: Vec<Rule>,
    results: Vec<SarifResult>,
    /// Properties of the run (the image, the database).
    pub properties: Option<Value>,
}

impl Log {
    pub fn new(tool_version: impl Into<String>) -> Log {
        Log {
            tool_version: tool_version.into(),
            rules: Vec::new(),
            results: Vec::new(),
            properties: None,
        }
    }

    /// Adds a rule unless one with its id is there.
    pub fn rule(&mut self, rule: Rule) {
        if !self.has_rule(&rule.id) {
            self.rules.push(rule);
        }
    }

    pub fn has_rule(&self, id: &str) -> bool {
        self.rules.iter().any(|r| r.id == id)
    }

    pub fn result(&mut self, result: SarifResult) {
        self.results.push(result);
    }

    /// The log as JSON. A result whose rule was not added gets a rule named after its id.
    pub fn to_json(&self) -> Value {
        let mut rules = self.rules.clone();
        for r in &self.results {
            if !rules.iter().any(|rule| rule.id == r.rule_id) {
                rules.push(Rule::new(r.rule_id.clone(), r.rule_id.clone(), r.level));
            }
        }
        let index = |id: &str| rules.iter().position(|r| r.id == id).unwrap_or(0);
        let results: Vec<Value> = self
            .results
            .iter()
            .map(|r| {
                let mut region = json!({"startLine": r.line});
                if let Some(c) = r.column {
                    region["startColumn"] = c.into();
                }
                let mut location = json!({"physicalLocation": {
                    "artifactLocation": {"uri": r.uri},
                    "region": region,
                }});
                if let Some((name, kind)) = &r.logical {
                    location["logicalLocations"] = json!([{"name": name, "kind": kind}]);
                }
                let mut v = json!({
                    "ruleId": r.rule_id,
                    "ruleIndex": index(&r.rule_id),
                    "level": r.level.as_str(),
                    "message": {"text": r.message},
                    "locations": [location],
                });
                if let Some((key, value)) = &r.fingerprint {
                    v["partialFingerprints"] = json!({ *key: value });
                }
                if let Some(p) = &r.properties {
                    v["properties"] = p.clone();
                }
                if let Some(why) = &r.suppressed {
                    v["suppressions"] = json!([{"kind": "external", "justification": why}]);
                }
                v
            })
            .collect();
        let rules: Vec<Value> = rules.iter().map(rule_json).collect();
        let mut run = json!({
            "tool": {"driver": {
                "name": "palisade",
                "version": self.tool_version,
                "semanticVersion": self.tool_version,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }},
            "results": results,
        });
        if let Some(p) = &self.properties {
            run["properties"] = p.clone();
        }
        json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [run],
        })
    }

    /// The log as pretty JSON text with a final newline.
    pub fn to_text(&self) -> String {
        let mut out = serde_json::to_string_pretty(&self.to_json()).unwrap_or_default();
        out.push('\n');
        out
    }
}

fn rule_json(r: &Rule) -> Value {
    let name = r.name.clone().unwrap_or_else(|| {
        r.id.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
    });
    let mut v = json!({
        "id": r.id,
        "name": name,
        "shortDescription": {"text": r.short},
        "defaultConfiguration": {"level": r.level.as_str()},
    });
    if let Some(full) = &r.full {
        v["fullDescription"] = json!({ "text": full });
    }
    if let Some(help) = &r.help {
        v["help"] = json!({ "text": help });
    }
    if let Some(uri) = &r.help_uri {
        v["helpUri"] = uri.clone().into();
    }
    if let Some(p) = &r.properties {
        v["properties"] = p.clone();
    }
    v
}

/// Percent-encodes everything outside RFC 3986's unreserved set and `/`.
fn encode(path: &str) -> String {
    let mut encoded = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    encoded
}

/// A file path on this machine as a SARIF artifact URI: an absolute path is a `file://` URI
/// (SARIF1004 forbids absolute paths written as relative references), a relative one stays
/// relative, and both are percent-encoded.
pub fn artifact_uri(path: &str) -> String {
    if path.starts_with('/') {
        format!("file://{}", encode(&lexically_normal(path)))
    } else if path.is_empty() {
        ".".to_owned()
    } else {
        encode(path)
    }
}

/// An absolute path without `.` and `..` segments (file URIs must not hold them); `..` at the
/// root stays at the root, as the kernel resolves it. Symbolic links are not followed.
fn lexically_normal(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let mut out = String::with_capacity(path.len());
    for p in &parts {
        out.push('/');
        out.push_str(p);
    }
    if out.is_empty() || path.ends_with('/') {
        out.push('/');
    }
    out
}

/// A path inside an image (`/var/lib/dpkg/status`) as a URI relative to the image's root.
pub fn image_uri(path: &str) -> String {
    let relative = path.trim_start_matches('/');
    if relative.is_empty() {
        ".".to_owned()
    } else {
        encode(relative)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        assert_eq!(artifact_uri("/a b/c.yaml"), "file:///a%20b/c.yaml");
        assert_eq!(
            artifact_uri("/w/crates/x/../y/./pod.yaml"),
            "file:///w/crates/y/pod.yaml"
        );
        assert_eq!(artifact_uri("/../a/"), "file:///a/");
        assert_eq!(artifact_uri("k8s/pod.yaml"), "k8s/pod.yaml");
        assert_eq!(artifact_uri("-"), "-");
        assert_eq!(artifact_uri("<stdin>"), "%3Cstdin%3E");
        assert_eq!(image_uri("/var/lib/dpkg/status"), "var/lib/dpkg/status");
        assert_eq!(image_uri("/"), ".");
    }

    #[test]
    fn rules_are_indexed_and_results_placed() {
        let mut log = Log::new("1.2.3");
        log.rule(Rule::new("B", "b", Level::Warning));
        log.rule(Rule::new("A", "a", Level::Error));
        log.rule(Rule::new("A", "again", Level::Error));
        log.result(SarifResult::new("A", Level::Error, "m", "x").at(0, Some(0)));
        log.result(SarifResult::new("C", Level::Note, "unlisted", "x"));
        let doc = log.to_json();
        let run = &doc["runs"][0];
        assert_eq!(run["tool"]["driver"]["rules"].as_array().unwrap().len(), 3);
        assert_eq!(run["results"][0]["ruleIndex"], 1);
        assert_eq!(
            run["results"][0]["locations"][0]["physicalLocation"]["region"],
            json!({"startLine": 1})
        );
        assert_eq!(run["results"][1]["ruleIndex"], 2);
        assert_eq!(run["tool"]["driver"]["version"], "1.2.3");
    }
}
