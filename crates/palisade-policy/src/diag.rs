//! Diagnostics about a bundle: a stable code, a severity, a message and where in the user's file.

use std::fmt;

use palisade_core::Span;
use serde::Serialize;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The bundle still loads; with `--strict` it does not.
    Warning,
    /// The bundle does not load.
    Error,
}

/// Stable diagnostic codes. Each names one kind of problem; messages may change, codes do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Code {
    /// The file is not valid JSON or YAML, or too large or deep.
    P001,
    /// A required field is missing.
    P002,
    /// A field has the wrong type.
    P003,
    /// An unknown gate.
    P004,
    /// An unknown trigger of a known gate.
    P005,
    /// A parameter the trigger does not take.
    P006,
    /// A required parameter is missing.
    P007,
    /// A parameter value is invalid (enum, number, boolean, pattern).
    P008,
    /// palisade cannot evaluate this rule (data it does not have); it is reported on every
    /// verdict as not evaluated.
    P009,
    /// A mapping names a policy or allowlist the bundle does not have.
    P010,
    /// Two policies, rules, allowlists or mappings share an id.
    P011,
    /// An action other than GO, WARN or STOP.
    P012,
    /// An allowlist item's `expires_on` is not an RFC 3339 time.
    P013,
    /// An unsupported bundle version or kind.
    P014,
    /// A field palisade does not know (ignored).
    P015,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::P001 => "P001",
            Code::P002 => "P002",
            Code::P003 => "P003",
            Code::P004 => "P004",
            Code::P005 => "P005",
            Code::P006 => "P006",
            Code::P007 => "P007",
            Code::P008 => "P008",
            Code::P009 => "P009",
            Code::P010 => "P010",
            Code::P011 => "P011",
            Code::P012 => "P012",
            Code::P013 => "P013",
            Code::P014 => "P014",
            Code::P015 => "P015",
        }
    }
}

/// One problem found in a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub level: Level,
    pub code: Code,
    pub message: String,
    pub span: Span,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            Level::Warning => "warning",
            Level::Error => "error",
        };
        write!(
            f,
            "{}:{}:{}: {level}[{}]: {}",
            self.span.file,
            self.span.line,
            self.span.column,
            self.code.as_str(),
            self.message
        )
    }
}
