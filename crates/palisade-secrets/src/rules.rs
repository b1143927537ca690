//! The secret rules: one entry per kind of secret, with its stable id, the keywords that must
//! appear before its pattern is tried, and the pattern itself.
//!
//! Patterns are Rust `regex` syntax (linear time, no backtracking). The capture group named
//! `secret` is the part that is redacted; without one, the whole match is.

use palisade_core::Severity;

/// One kind of secret.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Stable id (`aws-access-key-id`), the same as Trivy's where Trivy has the rule.
    pub id: &'static str,
    /// What it belongs to (`AWS`, `GitHub`, `AsymmetricPrivateKey`, `general`).
    pub category: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    /// At least one must appear (ASCII case-insensitive) for the pattern to be tried.
    pub keywords: &'static [&'static str],
    pub pattern: &'static str,
    /// Whether the secret value must look like a real one (a mix of character classes, not
    /// a placeholder): for loose patterns such as `password = …`.
    pub check_value: bool,
    /// Whether a match may span lines (then the pattern is tried on a window of
    /// [`MULTILINE_WINDOW`] bytes from the keyword's line, else on the keyword's line alone).
    pub multiline: bool,
}

/// How far a multi-line pattern may reach from the line of its keyword.
pub const MULTILINE_WINDOW: usize = 32 << 10;

/// Every rule, in report order.
pub const ALL: &[Rule] = &[
    Rule {
        id: "private-key",
        category: "AsymmetricPrivateKey",
        title: "Asymmetric Private Key",
        severity: Severity::High,
        keywords: &["PRIVATE KEY"],
        pattern: r"-----BEGIN[ A-Z0-9]{0,32} PRIVATE KEY(?: BLOCK)?-----\r?\n(?s:(?P<secret>.{32,}?))\r?\n?-----END[ A-Z0-9]{0,32} PRIVATE KEY(?: BLOCK)?-----",
        check_value: false,
        multiline: true,
    },
    Rule {
        id: "aws-access-key-id",
        category: "AWS",
        title: "AWS Access Key ID",
        severity: Severity::Critical,
        keywords: &[
            "AKIA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "ASIA", "A3T",
        ],
        pattern: r"(?:^|[^A-Z0-9])(?P<secret>(?:A3T[A-Z0-9]|AKIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ASIA)[A-Z0-9]{16})(?:[^A-Z0-9]|$)",
        check_value: false,
        multiline: false,
    },
    Rule {
        id: "aws-secret-access-key",
        category: "AWS",
        title: "AWS Secret Access Key",
        severity: Severity::Critical,
        keywords: &["aws"],
        pattern: r#"(?i)aws[a-z0-9_ .-]{0,20}?(?:secret|private)[a-z0-9_ .-]{0,20}?key["' ]{0,3}\s*(?:=|:|=>|:=)\s*["']?(?P<secret>[A-Za-z0-9/+=]{40})(?:[^A-Za-z0-9/+=]|$)"#,
        check_value: false,
        multiline: false,
    },
    Rule {
        id: "gcp-service-account",
        category: "Google",
        title: "Google (GCP) Service-account",
        severity: Severity::Critical,
        keywords: &["\"service_account\""],
        pattern: r#""type"\s*:\s*"service_account"[^}]{0,200}?"private_key_id"\s*:\s*"(?P<secret>[a-f0-9]{40})""#,
        check_value: false,
        multiline: true,
    },
    Rule {
        id: "gcp-api-key",
        category: "Google",
        title: "Google API Key",
        severity: Severity::High,
        keywords: &["AIza"],
        pattern: r"(?:^|[^A-Za-z0-9_-])(?P<secret>AIza[0-9A-Za-z_-]{35})(?:[^A-Za-z0-9_-]|$)",
        check_value: false,
        multiline: false,
    },
    Rule {
        id: "azure-storage-account-key",
        category: "Azure",
        title: "Azure Storage Account Key",
        severity: Severity::Critical,
        keywords: &["AccountKey="],
        pattern: r"(?i)AccountKey=(?P<secret>[A-Za-z0-9+/]{86}==)",
        check_value: false,
        multiline: false,
    },
    Rule {
        id: "azure-client-secret",
        category: "Azure",
        title: "Azure Client Secret",
        severity: Severity::High,
        keywords: &["Q~"],
        pattern: r"(?:^|[^A-Za-z0-9_~.-])(?P<secret>[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34})(?:[^A-Za-z0-9_~.-]|$)",
        check_value: false,
        multiline: false,
    },
    Rule {
        id: "github-pat",
        category: "GitHub",
        title: "GitHub Personal Access Token",
        severity: Severity::Critical,
        keywords: &["ghp_"],
        pattern: r"(?P<secret>ghp_[0-9A-Za-z]{36})",
        check_value: false,
        multiline: false,
    },
    Rule {
        id: "github-fine-grained-pat",
        category: "GitHub",
        title: "GitHub Fine-grained personal access tokens",
        severity: Severity::Critical,
        keywords: &["github_pat_"],
        pattern: r"(?P<secret>github_pat_[0-9A-Za-z_]{82})",
        check_value: false,
        multiline: false,
    },
    Rule {
        id: "github-oauth",
        category: "GitHub",
        title: "GitHub OAuth Access Token",
        severity: Severity::Critical,
        keywords: &["gho_"],
        pattern: r"(?P<secret>gho_[0-9A-Za-z]{36})",
        check_value: false,
        multiline: false,
    },
    Rule {
        id: "github-app-token",
        category: "GitHub",
        title: "GitHub App Token",
        severity: Severity::Critical,
        keywords: &["ghu_", "ghs_"],
        pattern: r"(?P<secret>(?:ghu|ghs)_[0-9A-Za-z]{36})",
        check_value: false,
        multiline: false,
    },
    Rule {
        id: "github-refresh-token",
        category: "GitHub",
        title: "GitHub Refresh Token",
        severity: Severity::Critical,
        keywords: &["ghr_"],
        pattern: r"(?P<secret>ghr_[0-9A-Za-z]{76})",
        check_value: false,
        multiline: false,
    },
    Rule {
        id: "gitlab-pat",
        category: "GitLab",
        title: "GitLab Personal Access Token",
        severity: Severity::Critical,
        keywords: &["glpat-"],
        pattern: r"(?P<secret>glpat-[0-9A-Za-z_-]{20})",
        check_value: false,
        multiline: false,
    },
    Rule {
        id: "slack-access-token",
        category: "Slack",
        title: "Slack token",
        severity: Severity::High,
        keywords: &["xoxb-", "xoxa-", "xoxp-", "xoxr-", "xoxs-", "xoxe-"],
        pattern: r"(?P<secret>xox[baprse]-(?:[0-9A-Za-z]{1,48}-?){1,6}[0-9A-Za-z]{1,48})",
        check_value: false,
        multiline: false,
    },
    Rule {
        id: "slack-web-hook",
        category: "Slack",
        title: "Slack Webhook",
        severity: Severity::Medium,
        keywords: &["hooks.slack.com"],
        pattern: r"https://hooks\.slack\.com/(?:services|workflows)/(?P<secret>[A-Za-z0-9+/]{43,56}|T[A-Za-z0-9_]{8,12}/B[A-Za-z0-9_]{8,12}/[A-Za-z0-9_]{24})",
        check_value: false,
        multiline: false,
    },
    Rule {
        id: "stripe-secret-token",
        category: "Stripe",
        title: "Stripe Secret Key",
        severity: Severity::Critical,
        keywords: &["sk_test_", "sk_live_", "rk_test_", "rk_live_"],
        pattern: r"(?P<secret>(?:sk|rk)_(?:test|live)_[0-9A-Za-z]{24,99})",
        check_value: false,
        multiline: false,
    },
    Rule {
        id: "npm-access-token",
        category: "npm",
        title: "npm access token",
        severity: Severity::Critical,
        keywords: &["npm_"],
        pattern: r"(?:^|[^A-Za-z0-9_])(?P<secret>npm_[A-Za-z0-9]{36})(?:[^A-Za-z0-9]|$)",
        check_value: false,
        multiline: false,
    },
    Rule {
        id: "pypi-upload-token",
        category: "PyPI",
        title: "PyPI upload token",
        severity: Severity::High,
        keywords: &["pypi-AgEIcHlwaS5vcmc"],
        pattern: r"(?P<secret>pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,1000})",
        check_value: false,
        multiline: false,
    },
    Rule {
        id: "jwt-token",
        category: "JWT",
        title: "JWT token",
        severity: Severity::Medium,
        keywords: &["eyJ"],
        pattern: r"(?:^|[^A-Za-z0-9_-])(?P<secret>eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,})",
        check_value: false,
        multiline: false,
    },
    Rule {
        id: "docker-config-auth",
        category: "Docker",
        title: "Docker registry credentials",
        severity: Severity::High,
        keywords: &["\"auth\""],
        pattern: r#""auth"\s*:\s*"(?P<secret>[A-Za-z0-9+/]{8,}={0,2})""#,
        check_value: false,
        multiline: false,
    },
    Rule {
        id: "basic-auth-url",
        category: "general",
        title: "Credentials in a URL",
        severity: Severity::High,
        keywords: &["://"],
        pattern: r#"\b[A-Za-z][A-Za-z0-9+.-]{1,15}://[A-Za-z0-9._%~-]{1,64}:(?P<secret>[^\s:@/'"`<>{}$]{3,100})@[A-Za-z0-9.-]+"#,
        check_value: true,
        multiline: false,
    },
    Rule {
        id: "password-assignment",
        category: "general",
        title: "Password or secret assigned in plain text",
        severity: Severity::Medium,
        keywords: &["passw", "pwd", "secret", "token", "api_key", "apikey"],
        // The value must end the line (a trailing `;`, `,` or comment allowed): a call, an
        // expression or prose after the value means code or documentation, not a credential.
        pattern: r#"(?im)(?:^|[^A-Za-z0-9$@%&])[A-Za-z0-9_.-]{0,24}(?:password|passwd|pwd|secret|token|api_?key)["']?[ \t]*(?:=|:|:=|=>)[ \t]*["']?(?P<secret>[^\s"'`$%{}<>()\[\];,\\&|]{6,128})["']?[ \t]*[;,]?[ \t]*(?:#.*)?\r?$"#,
        check_value: true,
        multiline: false,
    },
];
