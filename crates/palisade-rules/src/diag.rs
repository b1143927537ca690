//! Diagnostics: what is wrong or suspicious in a rules file, and where.

use std::fmt;

use palisade_core::Span;
use serde::Serialize;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The item cannot be used; `palisade rules check` exits 1.
    Error,
    /// The item works but is probably not what its author meant.
    Warning,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Error => "error",
            Level::Warning => "warning",
        })
    }
}

/// One finding about a rules file, pointing at the file, line and column it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub level: Level,
    /// A stable kebab-case code, e.g. `undefined-macro`.
    pub code: &'static str,
    pub span: Span,
    pub message: String,
}

impl Diagnostic {
    pub fn error(code: &'static str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            level: Level::Error,
            code,
            span,
            message: message.into(),
        }
    }

    pub fn warning(code: &'static str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            level: Level::Warning,
            code,
            span,
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}[{}]: {}",
            self.span, self.level, self.code, self.message
        )
    }
}

/// The codes `palisade rules check` can report, with what each means (pinned by a snapshot test).
pub const CODES: &[(&str, Level, &str)] = &[
    ("yaml-syntax", Level::Error, "the file is not valid YAML"),
    (
        "invalid-item",
        Level::Error,
        "an item is not a list, macro, rule or version requirement",
    ),
    (
        "invalid-key",
        Level::Error,
        "a key has a value of the wrong shape",
    ),
    (
        "unknown-key",
        Level::Warning,
        "a key palisade does not know is ignored",
    ),
    ("missing-key", Level::Error, "a required key is missing"),
    (
        "condition-syntax",
        Level::Error,
        "a condition does not parse",
    ),
    (
        "undefined-macro",
        Level::Error,
        "a condition names a macro that is not defined",
    ),
    (
        "undefined-list",
        Level::Error,
        "a condition or list names a list that is not defined",
    ),
    (
        "unknown-field",
        Level::Error,
        "a condition or output names a field that does not exist",
    ),
    (
        "wrong-operator",
        Level::Error,
        "an operator does not apply to the field's type",
    ),
    (
        "invalid-value",
        Level::Error,
        "a value cannot be compared with the field (bad number, regex, ...)",
    ),
    ("macro-cycle", Level::Error, "a macro refers to itself"),
    (
        "append-without-base",
        Level::Error,
        "append or override names an item not defined before",
    ),
    ("unused-list", Level::Warning, "a list no rule uses"),
    ("unused-macro", Level::Warning, "a macro no rule uses"),
    (
        "no-event-type",
        Level::Warning,
        "a rule matches every event type, so every event visits it",
    ),
    (
        "unknown-event-type",
        Level::Warning,
        "a condition names an event type palisade does not know",
    ),
    (
        "engine-version",
        Level::Warning,
        "the file requires a newer engine version than palisade implements",
    ),
    (
        "unknown-source",
        Level::Warning,
        "a rule's source is not one palisade reads; the rule is skipped",
    ),
    (
        "invalid-exception",
        Level::Error,
        "an exception's fields, comps and values do not fit together",
    ),
    (
        "unknown-filter-skipped",
        Level::Warning,
        "a rule with skip-if-unknown-filter uses an unknown field and is skipped",
    ),
];
