//! The ignore file: findings a team has decided to accept, each with a reason and, ideally,
//! an expiry date after which it is reported again.
//!
//! ```toml
//! [[ignore]]
//! id = "CVE-2026-109518"          # an advisory id or any alias
//! package = "apt"                 # optional: the package name (or purl prefix)
//! expires = "2027-01-31"          # optional: YYYY-MM-DD, last day it applies
//! reason = "not reachable: apt is not run in the container"
//! ```

use serde::{Deserialize, Serialize};

use crate::matcher::Finding;

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IgnoreRule {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Whether a rule still applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleState {
    Active,
    Expired,
}

impl IgnoreRule {
    /// `today` is a Unix day number; a rule applies up to and including its expiry day.
    pub fn state(&self, today: i64) -> RuleState {
        match self.expires.as_deref().and_then(crate::time::parse_date) {
            Some(day) if today > day => RuleState::Expired,
            _ => RuleState::Active,
        }
    }

    pub fn applies(&self, finding: &Finding) -> bool {
        let id_matches = finding.names().any(|n| n.eq_ignore_ascii_case(&self.id));
        let package_matches = self.package.as_deref().is_none_or(|p| {
            p == finding.package.name
                || p == finding.package.matched_name
                || (p.starts_with("pkg:") && finding.package.purl.starts_with(p))
        });
        id_matches && package_matches
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    ignore: Vec<IgnoreRule>,
}

/// An ignore file that does not parse, or has a bad entry.
#[derive(Debug, thiserror::Error)]
pub enum IgnoreError {
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    #[error("{file}: ignore entry {index} ({id}): expires {expires:?} is not a YYYY-MM-DD date")]
    BadDate {
        file: String,
        index: usize,
        id: String,
        expires: String,
    },
}

/// Parses an ignore file's text; `file` names it in errors.
pub fn parse(file: &str, text: &str) -> Result<Vec<IgnoreRule>, IgnoreError> {
    let parsed: File = toml::from_str(text).map_err(|e| IgnoreError::Parse {
        file: file.to_owned(),
        message: e.to_string().trim_end().to_owned(),
    })?;
    for (index, rule) in parsed.ignore.iter().enumerate() {
        if let Some(expires) = &rule.expires {
            if crate::time::parse_date(expires).is_none() {
                return Err(IgnoreError::BadDate {
                    file: file.to_owned(),
                    index: index + 1,
                    id: rule.id.clone(),
                    expires: expires.clone(),
                });
            }
        }
    }
    Ok(parsed.ignore)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_expires() {
        let rules = parse(
            "ignore.toml",
            "[[ignore]]\nid = \"CVE-1\"\nexpires = \"2024-01-31\"\nreason = \"x\"\n",
        )
        .unwrap();
        let day = crate::time::parse_date("2024-01-31").unwrap();
        assert_eq!(rules[0].state(day), RuleState::Active);
        assert_eq!(rules[0].state(day + 1), RuleState::Expired);
        let err = parse("i.toml", "[[ignore]]\nid = \"A\"\nexpires = \"soon\"\n").unwrap_err();
        assert!(
            err.to_string().contains("i.toml: ignore entry 1 (A)"),
            "{err}"
        );
        let err = parse("i.toml", "[[ignore]]\nidd = \"A\"\n").unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }
}
