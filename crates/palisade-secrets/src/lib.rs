//! Finds leaked secrets in file contents: private keys, cloud and service tokens (AWS, GCP,
//! Azure, GitHub, GitLab, Slack, Stripe, npm, PyPI), JWTs, credentials in URLs and plain-text
//! password assignments.
//!
//! A [`Scanner`] is built once and shared by every thread. Per file it runs one
//! case-insensitive multi-keyword search, and tries only the patterns of rules whose keywords
//! appeared, so text without any keyword costs one linear pass. Binary files are recognised
//! from their first bytes and skipped. Every [`Finding`] carries the secret redacted: the
//! secret's characters never leave this crate.
//!
//! ```
//! use palisade_secrets::Scanner;
//!
//! let scanner = Scanner::new();
//! let text = b"[ci]\naws_access_key_id = AKIAPALISADETESTKEY2\n";
//! let found = scanner.scan(text);
//! assert_eq!(found[0].rule_id, "aws-access-key-id");
//! assert_eq!(found[0].line, 2);
//! assert!(!found[0].redacted.contains("AKIAPALISADETESTKEY2"));
//! ```

pub mod rules;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use palisade_core::Severity;
use regex::Regex;
use serde::Serialize;

pub use rules::Rule;

/// How many leading bytes decide whether a file is binary (a NUL byte among them).
pub const SNIFF_LEN: usize = 8000;

/// The most findings one file yields (a file of nothing but tokens is reported, not copied).
pub const MAX_FINDINGS_PER_FILE: usize = 100;

/// The longest redacted line kept in a finding, in characters.
const MAX_LINE_CHARS: usize = 160;

/// One secret found in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule_id: &'static str,
    pub category: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    /// 1-based line where the secret starts.
    pub line: usize,
    /// The line, with the secret replaced by `*` (at most 160 characters).
    pub redacted: String,
}

/// The secret rules, compiled.
#[derive(Debug)]
pub struct Scanner {
    keywords: AhoCorasick,
    /// For each keyword pattern, the rule it belongs to.
    keyword_rule: Vec<usize>,
    patterns: Vec<Regex>,
    rules: &'static [Rule],
}

impl Default for Scanner {
    fn default() -> Self {
        Self::new()
    }
}

impl Scanner {
    /// Compiles the built-in rules.
    pub fn new() -> Self {
        let rules = rules::ALL;
        let mut words = Vec::new();
        let mut keyword_rule = Vec::new();
        for (i, rule) in rules.iter().enumerate() {
            for k in rule.keywords {
                words.push(*k);
                keyword_rule.push(i);
            }
        }
        #[allow(
            clippy::expect_used,
            reason = "built-in keywords and patterns are tested"
        )]
        let keywords = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&words)
            .expect("built-in keywords compile");
        #[allow(
            clippy::expect_used,
            reason = "built-in keywords and patterns are tested"
        )]
        let patterns = rules
            .iter()
            .map(|r| Regex::new(r.pattern).expect("built-in secret patterns compile"))
            .collect();
        Scanner {
            keywords,
            keyword_rule,
            patterns,
            rules,
        }
    }

    /// The rules this scanner applies.
    pub fn rules(&self) -> &'static [Rule] {
        self.rules
    }

    /// Whether content starting with `head` is binary and not worth scanning.
    pub fn is_binary(head: &[u8]) -> bool {
        memchr::memchr(0, &head[..head.len().min(SNIFF_LEN)]).is_some()
    }

    /// Finds the secrets in one file's content. Binary content yields nothing.
    ///
    /// One pass finds every keyword; each rule's pattern is then tried only where its keywords
    /// are: on their lines, or for multi-line secrets (private keys) on a bounded window from
    /// the keyword's line.
    pub fn scan(&self, content: &[u8]) -> Vec<Finding> {
        if Self::is_binary(content) {
            return Vec::new();
        }
        let text = String::from_utf8_lossy(content);
        let bytes = text.as_bytes();
        // Keyword hits as (rule, position), in position order.
        let hits: Vec<(usize, usize)> = self
            .keywords
            .find_overlapping_iter(bytes)
            .map(|m| (self.keyword_rule[m.pattern().as_usize()], m.start()))
            .collect();
        if hits.is_empty() {
            return Vec::new();
        }
        // (start, end) of each secret kept, to drop a loose rule's finding of a secret
        // a specific rule already named.
        let mut spans: Vec<(usize, usize)> = Vec::new();
        let mut found = Vec::new();
        for (i, rule) in self.rules.iter().enumerate() {
            let mut covered = 0;
            for &(_, at) in hits.iter().filter(|(r, _)| *r == i) {
                if at < covered {
                    continue;
                }
                let start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |p| p + 1);
                let end = if rule.multiline {
                    let mut e = (start + rules::MULTILINE_WINDOW).min(bytes.len());
                    while !text.is_char_boundary(e) {
                        e -= 1;
                    }
                    e
                } else {
                    memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |p| at + p)
                };
                covered = end.max(at + 1);
                for caps in self.patterns[i].captures_iter(&text[start..end]) {
                    let Some(secret) = caps.name("secret").or_else(|| caps.get(0)) else {
                        continue;
                    };
                    let (s, e) = (start + secret.start(), start + secret.end());
                    if spans.contains(&(s, e))
                        || (rule.check_value && !looks_real(secret.as_str()))
                        || is_documented_example(secret.as_str())
                        || (rule.check_value && spans.iter().any(|&(a, b)| a < e && s < b))
                    {
                        continue;
                    }
                    spans.push((s, e));
                    found.push(finding(rule, &text, s, e));
                    if found.len() >= MAX_FINDINGS_PER_FILE {
                        found.sort_by_key(|f| f.line);
                        return found;
                    }
                }
            }
        }
        found.sort_by_key(|f| f.line);
        found
    }
}

fn finding(rule: &'static Rule, text: &str, start: usize, end: usize) -> Finding {
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line = 1 + memchr::memchr_iter(b'\n', &text.as_bytes()[..start]).count();
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let end_on_line = end.min(line_end);
    let mut redacted = String::new();
    redacted.push_str(&text[line_start..start]);
    redacted.extend(std::iter::repeat_n(
        '*',
        text[start..end_on_line].chars().count(),
    ));
    redacted.push_str(&text[end_on_line..line_end]);
    let redacted = redacted.trim_end_matches('\r').to_owned();
    let redacted = if redacted.chars().count() > MAX_LINE_CHARS {
        let mut short: String = redacted.chars().take(MAX_LINE_CHARS).collect();
        short.push('…');
        short
    } else {
        redacted
    };
    Finding {
        rule_id: rule.id,
        category: rule.category,
        title: rule.title,
        severity: rule.severity,
        line,
        redacted,
    }
}

/// Placeholders and documentation values that loose patterns must not report.
const PLACEHOLDERS: &[&str] = &[
    "password",
    "passwd",
    "changeme",
    "change_me",
    "example",
    "secret",
    "xxxxxx",
    "******",
    "redacted",
    "required",
    "optional",
    "string",
    "undefined",
    "default",
    "dummy",
    "sample",
];

/// Whether a value caught by a loose pattern looks like a real credential: not a placeholder,
/// not a variable, and a mix of letters and digits or symbols.
fn looks_real(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    if PLACEHOLDERS.iter().any(|p| lower.contains(p)) {
        return false;
    }
    if value
        .chars()
        .all(|c| c == value.chars().next().unwrap_or(' '))
    {
        return false;
    }
    // A digit or a symbol beyond word separators: `hunter2`, `s3cr3t!`, not `no-debconf-config`.
    let letters = value.chars().any(|c| c.is_ascii_alphabetic());
    let others = value
        .chars()
        .any(|c| c.is_ascii_digit() || (c.is_ascii_punctuation() && !matches!(c, '-' | '_' | '.')));
    letters && others
}

/// The example key pair from AWS's own documentation, which appears in countless READMEs;
/// reporting it would drown real findings (Trivy skips it too).
fn is_documented_example(value: &str) -> bool {
    value.ends_with("EXAMPLE") || value.ends_with("EXAMPLEKEY")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(text: &str) -> Vec<(&'static str, usize)> {
        Scanner::new()
            .scan(text.as_bytes())
            .into_iter()
            .map(|f| (f.rule_id, f.line))
            .collect()
    }

    #[test]
    fn every_rule_has_a_unique_id_and_a_keyword() {
        let mut seen = std::collections::HashSet::new();
        for r in rules::ALL {
            assert!(seen.insert(r.id), "duplicate id {}", r.id);
            assert!(!r.keywords.is_empty(), "{} has no keyword", r.id);
        }
        assert!(rules::ALL.len() <= 64);
    }

    #[test]
    fn finds_each_kind() {
        let cases: &[(&str, &str)] = &[
            ("aws-access-key-id", "key = AKIAPALISADETESTKEY2\n"),
            (
                "aws-secret-access-key",
                "aws_secret_access_key = Pa1isadeTestOnly/NotARealKey+0000000000Z\n",
            ),
            (
                "gcp-service-account",
                r#"{"type": "service_account", "project_id": "p", "private_key_id": "0123456789abcdef0123456789abcdef01234567"}"#,
            ),
            ("gcp-api-key", "k=AIzaSyD-palisade_test_key_0000000000000\n"),
            (
                "azure-storage-account-key",
                "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=Pa1isadeTestOnlyNotARealKey00000000000000000000000000000000000000000000000000000000000==;\n",
            ),
            (
                "github-pat",
                "token: ghp_Pa1isadeTestOnlyNotARealToken00000000\n",
            ),
            ("gitlab-pat", "glpat-Pa1isadeTestOnly0000\n"),
            ("slack-access-token", "xoxb-123456789012-Pa1isadeTest00\n"),
            (
                "slack-web-hook",
                "https://hooks.slack.com/services/T00000000/B00000000/Pa1isadeTestOnly00000000\n",
            ),
            (
                "stripe-secret-token",
                "sk_live_Pa1isadeTestOnly00000000000\n",
            ),
            (
                "npm-access-token",
                "//registry.npmjs.org/:_authToken=npm_Pa1isadeTestOnlyNotARealToken0000000\n",
            ),
            (
                "jwt-token",
                "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwYWxpc2FkZSJ9.c2lnbmF0dXJlX29mX3Rlc3Q\n",
            ),
            (
                "docker-config-auth",
                r#"{"auths": {"registry.example.com": {"auth": "dXNlcjpQYTFpc2FkZVRlc3Q="}}}"#,
            ),
            (
                "basic-auth-url",
                "url = https://deploy:s3cr3tPass@git.example.com/repo.git\n",
            ),
            ("password-assignment", "DB_PASSWORD=hunter2\n"),
        ];
        for (id, text) in cases {
            let got = ids(text);
            assert!(
                got.iter().any(|(g, _)| g == id),
                "{id} not found in {text:?}: {got:?}"
            );
        }
    }

    #[test]
    fn private_key_reported_at_its_first_body_line_and_redacted() {
        let body = "MIIEowIBAAKCAQEAtest0000000000000000000000000000000000000000000000";
        let text =
            format!("-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----\n");
        let found = Scanner::new().scan(text.as_bytes());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rule_id, "private-key");
        assert_eq!(found[0].line, 2);
        assert!(!found[0].redacted.contains("MIIE"));
    }

    #[test]
    fn leaves_placeholders_comments_and_code_alone() {
        for text in [
            "#BindPasswd: secret\n",
            "passwd:         files\n",
            "d_grpasswd='define'\n",
            "    my $pwd = `cmd /c cd`;\n",
            "password = ${DB_PASSWORD}\n",
            "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n",
            "url = https://user:@host\n",
            "\t$newpwd = _perl_abs_path($newdir);\n",
            "base-passwd: no-debconf-config\n",
            "passwd: setgid-binary 2755 root/shadow [usr/bin/chage]\n",
            "            my $passwd = &which('passwd');\n",
        ] {
            assert_eq!(ids(text), vec![], "{text:?}");
        }
    }

    #[test]
    fn binary_content_is_skipped() {
        let mut bytes = b"\0ELF".to_vec();
        bytes.extend_from_slice(b"key = AKIAPALISADETESTKEY2\n");
        assert!(Scanner::new().scan(&bytes).is_empty());
    }

    #[test]
    fn findings_per_file_are_bounded() {
        let text = "k = AKIAPALISADETESTKEY2\n".repeat(1000);
        assert_eq!(
            Scanner::new().scan(text.as_bytes()).len(),
            MAX_FINDINGS_PER_FILE
        );
    }

    #[test]
    fn rule_table() {
        let table: Vec<String> = rules::ALL
            .iter()
            .map(|r| {
                format!(
                    "{} | {} | {} | {}",
                    r.id,
                    r.category,
                    r.severity.as_str(),
                    r.title
                )
            })
            .collect();
        insta::assert_snapshot!(table.join("\n"));
    }
}
