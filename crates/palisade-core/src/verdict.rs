//! A policy verdict as it travels between the layers: written by `scan --policy`, signed into an
//! in-toto attestation by `attest`, and required by the admission webhook.
//!
//! The predicate is plain data; the policy engine fills it, the signing code wraps it, and
//! verifiers read it back. Its JSON shape is the attestation's `predicate` for
//! [`VERDICT_PREDICATE_TYPE`].
//!
//! ```
//! use palisade_core::verdict::Action;
//!
//! assert!(Action::Stop > Action::Warn && Action::Warn > Action::Go);
//! assert_eq!("stop".parse::<Action>().unwrap(), Action::Stop);
//! assert_eq!(Action::Warn.to_string(), "warn");
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The in-toto predicate type of a palisade policy verdict.
pub const VERDICT_PREDICATE_TYPE: &str = "https://palisade.dev/attestation/verdict/v1";

/// What a policy decides for an image: the worst action of the triggers that fired.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Nothing stops the image.
    #[default]
    Go,
    /// Something a person should look at; the image may still ship.
    Warn,
    /// The image must not ship.
    Stop,
}

impl Action {
    pub const ALL: [Action; 3] = [Action::Go, Action::Warn, Action::Stop];

    /// The lower-case name (`go`, `warn`, `stop`).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Go => "go",
            Action::Warn => "warn",
            Action::Stop => "stop",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not `go`, `warn` or `stop` (any case).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown policy action {0:?}: expected go, warn or stop")]
pub struct ActionError(pub String);

impl FromStr for Action {
    type Err = ActionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "go" => Ok(Action::Go),
            "warn" => Ok(Action::Warn),
            "stop" => Ok(Action::Stop),
            _ => Err(ActionError(s.to_owned())),
        }
    }
}

/// Why the final action is what it is, in Anchore's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The policy's rules decided.
    PolicyEvaluation,
    /// The image is in the bundle's allowlisted images: GO whatever fired.
    Whitelisted,
    /// The image is in the bundle's blocklisted images: STOP whatever fired.
    Blacklisted,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::PolicyEvaluation => "policy_evaluation",
            Reason::Whitelisted => "whitelisted",
            Reason::Blacklisted => "blacklisted",
        }
    }
}

/// Where a policy bundle came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleSource {
    /// The file or directory it was read from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The git repository it was synced from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// The commit it was read at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

/// Which bundle produced a verdict.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleRef {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `sha256:…` of the bundle's canonical form.
    pub digest: String,
    #[serde(default)]
    pub source: BundleSource,
}

/// The advisory database a verdict was reached with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseRef {
    /// RFC 3339 build time, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub built: Option<String>,
    #[serde(default)]
    pub sources: Vec<String>,
}

/// The tool that reached a verdict.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scanner {
    pub name: String,
    pub version: String,
}

/// The predicate of a verdict attestation: what an image passed, under which policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerdictPredicate {
    pub final_action: Action,
    pub reason: Reason,
    /// The image as it was named, and its manifest digest when known.
    pub image: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_digest: Option<String>,
    pub bundle: BundleRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<DatabaseRef>,
    /// Vulnerability findings per severity name (`critical`, …).
    #[serde(default)]
    pub vulnerabilities: BTreeMap<String, usize>,
    /// Triggers fired per action (`stop`, `warn`, `go`), allowlisted ones not counted.
    #[serde(default)]
    pub triggers: BTreeMap<String, usize>,
    pub scanner: Scanner,
    /// RFC 3339 time of the evaluation.
    pub time: String,
}
