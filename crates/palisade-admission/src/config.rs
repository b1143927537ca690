//! The webhook's configuration: YAML read with positions, validated into [`Config`]; every
//! problem is a diagnostic with file, line and column (`palisade admission check-config`).
//!
//! ```yaml
//! listen: 127.0.0.1:8443
//! tls: {cert: tls.crt, key: tls.key}           # reloaded when the files change
//! podSecurity:
//!   default: {level: baseline, version: latest}
//!   namespaces: {prod: {level: restricted, version: v1.30}}
//!   exemptNamespaces: [kube-system]
//! images:                                       # first match wins; glob on the full reference
//!   - match: "registry.example.com/**"
//!     keys: [cosign.pub]
//!     attestations:
//!       - {type: "https://palisade.dev/attestation/verdict/v1", require: {final_action: go}, maxAge: 24h}
//!   - match: "**"
//!     action: allow
//! mutate: {pinDigests: true}
//! registry: {timeoutMs: 3000, cacheTtlSeconds: 300}
//! kubesec: {minScore: 0}
//! audit: {path: /var/log/palisade/admission.jsonl}
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use palisade_core::Span;
use palisade_k8s::pss::{Level, Version};
use palisade_k8s::yaml::{self, Node, Value};
use palisade_sign::PublicKey;

/// A Pod Security level at a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PodSecurity {
    pub level: Level,
    pub version: Version,
}

/// What an image rule does with the images it matches.
#[derive(Debug, Clone)]
pub enum ImageAction {
    Allow,
    Deny,
    /// Require a valid signature by one of the keys, and the attestations.
    Verify {
        keys: Vec<PublicKey>,
        key_names: Vec<String>,
        attestations: Vec<AttestationRule>,
    },
}

/// A signed attestation an image must have.
#[derive(Debug, Clone)]
pub struct AttestationRule {
    pub predicate_type: String,
    /// Dotted paths in the predicate and the values they must have.
    pub require: Vec<(String, String)>,
    pub max_age: Option<Duration>,
}

/// One image rule.
#[derive(Debug, Clone)]
pub struct ImageRule {
    /// Glob on the full image reference: `*` within a path component, `**` across them.
    pub pattern: String,
    pub action: ImageAction,
    pub span: Span,
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: String,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub pod_security_default: PodSecurity,
    pub pod_security_namespaces: BTreeMap<String, PodSecurity>,
    pub exempt_namespaces: Vec<String>,
    pub images: Vec<ImageRule>,
    pub pin_digests: bool,
    pub registry_timeout: Duration,
    pub cache_ttl: Duration,
    pub kubesec_min_score: Option<i64>,
    pub audit_path: Option<PathBuf>,
    /// How many evaluations run at once (off the async threads).
    pub max_concurrent: usize,
    /// SHA-256 of the configuration file's bytes, recorded on every decision.
    pub digest: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8443".into(),
            tls_cert: None,
            tls_key: None,
            pod_security_default: PodSecurity {
                level: Level::Baseline,
                version: Version::LATEST,
            },
            pod_security_namespaces: BTreeMap::new(),
            exempt_namespaces: Vec::new(),
            images: Vec::new(),
            pin_digests: false,
            registry_timeout: Duration::from_secs(3),
            cache_ttl: Duration::from_secs(300),
            kubesec_min_score: None,
            audit_path: None,
            max_concurrent: 64,
            digest: String::new(),
        }
    }
}

/// A problem in the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub span: Span,
    pub message: String,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.span, self.message)
    }
}

struct Ctx<'a> {
    file: &'a str,
    base: &'a Path,
    diags: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn err(&mut self, node: &Node, message: impl Into<String>) {
        self.diags.push(Diagnostic {
            span: Span::new(self.file, node.line, node.column),
            message: message.into(),
        });
    }

    fn str<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n str> {
        let s = node.str();
        if s.is_none() {
            self.err(node, format!("{what} must be a string"));
        }
        s
    }

    fn path(&self, p: &str) -> PathBuf {
        let p = Path::new(p);
        if p.is_absolute() {
            p.to_owned()
        } else {
            self.base.join(p)
        }
    }

    fn known(&mut self, map: &Node, keys: &[&str], what: &str) {
        for (k, _) in map.entries() {
            let key = k.str().unwrap_or("");
            if !keys.contains(&key) {
                self.err(
                    k,
                    format!(
                        "unknown field `{key}` in {what} (known: {})",
                        keys.join(", ")
                    ),
                );
            }
        }
    }
}

/// Reads and validates a configuration file. Relative paths (keys, TLS files, audit log) are
/// relative to the file's directory.
pub fn load_file(path: &Path) -> Result<Config, Vec<Diagnostic>> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        vec![Diagnostic {
            span: Span::new(&file, 1, 1),
            message: format!("cannot read the configuration: {e}"),
        }]
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    load(&file, base, &bytes)
}

/// Validates a configuration from its bytes.
pub fn load(file: &str, base: &Path, bytes: &[u8]) -> Result<Config, Vec<Diagnostic>> {
    let mut ctx = Ctx {
        file,
        base,
        diags: Vec::new(),
    };
    let top = Node {
        value: Value::Map(Vec::new()),
        line: 1,
        column: 1,
    };
    let root = match yaml::decode(bytes).and_then(|text| {
        let limits = yaml::Limits {
            max_file_bytes: 4 << 20,
            ..yaml::Limits::default()
        };
        let mut docs = yaml::parse_stream(text, &limits);
        if docs.len() != 1 {
            return Err(yaml::YamlError {
                line: 1,
                column: 1,
                message: format!("expected one YAML document, found {}", docs.len()),
            });
        }
        docs.remove(0).result
    }) {
        Ok(root) if root.is_map() => root,
        Ok(root) => {
            ctx.err(&root, "the configuration must be a mapping");
            return Err(ctx.diags);
        }
        Err(e) => {
            let at = Node {
                line: e.line,
                column: e.column,
                ..top
            };
            ctx.err(&at, e.message);
            return Err(ctx.diags);
        }
    };
    let mut config = Config {
        digest: {
            use sha2::Digest as _;
            format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
        },
        ..Config::default()
    };
    ctx.known(
        &root,
        &[
            "listen",
            "tls",
            "podSecurity",
            "images",
            "mutate",
            "registry",
            "kubesec",
            "audit",
            "maxConcurrent",
        ],
        "the configuration",
    );
    if let Some(n) = root.get("listen") {
        if let Some(s) = ctx.str(n, "listen") {
            if s.parse::<std::net::SocketAddr>().is_err() {
                ctx.err(
                    n,
                    format!(
                        "listen {s:?} is not an address and port (127.0.0.1:8443, 0.0.0.0:8443)"
                    ),
                );
            }
            config.listen = s.to_owned();
        }
    }
    if let Some(tls) = root.get("tls") {
        ctx.known(tls, &["cert", "key"], "tls");
        match (
            tls.get("cert").and_then(Node::str),
            tls.get("key").and_then(Node::str),
        ) {
            (Some(c), Some(k)) => {
                config.tls_cert = Some(ctx.path(c));
                config.tls_key = Some(ctx.path(k));
            }
            _ => ctx.err(tls, "tls needs both `cert` and `key` (PEM files)"),
        }
    }
    if let Some(ps) = root.get("podSecurity") {
        ctx.known(
            ps,
            &[
                "default",
                "namespaces",
                "exemptNamespaces",
                "namespaceLabels",
            ],
            "podSecurity",
        );
        if let Some(d) = ps.get("default") {
            if let Some(p) = pod_security(&mut ctx, d) {
                config.pod_security_default = p;
            }
        }
        if let Some(ns) = ps.get("namespaces") {
            for (k, v) in ns.entries() {
                if let (Some(name), Some(p)) = (k.str(), pod_security(&mut ctx, v)) {
                    config.pod_security_namespaces.insert(name.to_owned(), p);
                }
            }
        }
        if let Some(ex) = ps.get("exemptNamespaces") {
            config.exempt_namespaces = ex
                .items()
                .iter()
                .filter_map(Node::str)
                .map(str::to_owned)
                .collect();
        }
        if let Some(l) = ps.get("namespaceLabels") {
            if l.is_true() {
                ctx.err(l, "namespaceLabels: reading namespace labels through the Kubernetes API is not supported yet; set the levels under `namespaces`");
            }
        }
    }
    for rule in root.get("images").map(Node::items).unwrap_or_default() {
        if let Some(r) = image_rule(&mut ctx, rule) {
            config.images.push(r);
        }
    }
    if let Some(m) = root.get("mutate") {
        ctx.known(m, &["pinDigests"], "mutate");
        config.pin_digests = m.get("pinDigests").is_some_and(Node::is_true);
    }
    if let Some(r) = root.get("registry") {
        ctx.known(r, &["timeoutMs", "cacheTtlSeconds"], "registry");
        if let Some(n) = r.get("timeoutMs") {
            match n.int() {
                Some(ms) if (100..=25_000).contains(&ms) => {
                    config.registry_timeout = Duration::from_millis(ms as u64)
                }
                _ => ctx.err(
                    n,
                    "timeoutMs must be between 100 and 25000 (the API server waits at most 30 s)",
                ),
            }
        }
        if let Some(n) = r.get("cacheTtlSeconds") {
            match n.int() {
                Some(s) if (0..=86_400).contains(&s) => {
                    config.cache_ttl = Duration::from_secs(s as u64)
                }
                _ => ctx.err(n, "cacheTtlSeconds must be between 0 and 86400"),
            }
        }
    }
    if let Some(k) = root.get("kubesec") {
        ctx.known(k, &["minScore"], "kubesec");
        config.kubesec_min_score = k.get("minScore").and_then(Node::int);
    }
    if let Some(a) = root.get("audit") {
        ctx.known(a, &["path"], "audit");
        config.audit_path = a.get("path").and_then(Node::str).map(|p| ctx.path(p));
    }
    if let Some(n) = root.get("maxConcurrent") {
        match n.int() {
            Some(v) if (1..=4096).contains(&v) => config.max_concurrent = v as usize,
            _ => ctx.err(n, "maxConcurrent must be between 1 and 4096"),
        }
    }
    if ctx.diags.is_empty() {
        Ok(config)
    } else {
        Err(ctx.diags)
    }
}

fn pod_security(ctx: &mut Ctx<'_>, node: &Node) -> Option<PodSecurity> {
    ctx.known(node, &["level", "version"], "a Pod Security setting");
    let level = match node.get("level").and_then(Node::str) {
        Some(l) => match l.parse::<Level>() {
            Ok(l) => l,
            Err(e) => {
                ctx.err(node.get("level").unwrap_or(node), e.to_string());
                return None;
            }
        },
        None => {
            ctx.err(node, "missing `level` (privileged, baseline or restricted)");
            return None;
        }
    };
    let version = match node.get("version").and_then(Node::str) {
        Some(v) => match v.parse::<Version>() {
            Ok(v) => v,
            Err(e) => {
                ctx.err(node.get("version").unwrap_or(node), e.to_string());
                return None;
            }
        },
        None => Version::LATEST,
    };
    Some(PodSecurity { level, version })
}

fn image_rule(ctx: &mut Ctx<'_>, node: &Node) -> Option<ImageRule> {
    ctx.known(
        node,
        &["match", "keys", "attestations", "action"],
        "an image rule",
    );
    let span = Span::new(ctx.file, node.line, node.column);
    let Some(pattern) = node.get("match").and_then(Node::str) else {
        ctx.err(
            node,
            "an image rule needs `match` (a glob on the image reference)",
        );
        return None;
    };
    if let Some(a) = node.get("action") {
        let action = match a.str() {
            Some("allow") => ImageAction::Allow,
            Some("deny") => ImageAction::Deny,
            other => {
                ctx.err(
                    a,
                    format!("action {:?}: expected allow or deny", other.unwrap_or("")),
                );
                return None;
            }
        };
        if node.get("keys").is_some() {
            ctx.err(node, "a rule has either `action` or `keys`, not both");
        }
        return Some(ImageRule {
            pattern: pattern.to_owned(),
            action,
            span,
        });
    }
    let Some(keys_node) = node.get("keys") else {
        ctx.err(
            node,
            "an image rule needs `keys` (public keys) or `action: allow|deny`",
        );
        return None;
    };
    let mut keys = Vec::new();
    let mut key_names = Vec::new();
    for k in keys_node.items() {
        let Some(name) = k.str() else {
            ctx.err(k, "a key is a path to a public key PEM file");
            continue;
        };
        let path = ctx.path(name);
        match std::fs::read_to_string(&path) {
            Ok(pem) => match PublicKey::from_pem_named(name, &pem) {
                Ok(key) => {
                    keys.push(key);
                    key_names.push(name.to_owned());
                }
                Err(e) => ctx.err(k, e.to_string()),
            },
            Err(e) => ctx.err(k, format!("cannot read key {}: {e}", path.display())),
        }
    }
    if keys.is_empty() && keys_node.items().is_empty() {
        ctx.err(keys_node, "`keys` lists no key");
    }
    let mut attestations = Vec::new();
    for a in node
        .get("attestations")
        .map(Node::items)
        .unwrap_or_default()
    {
        ctx.known(a, &["type", "require", "maxAge"], "an attestation rule");
        let Some(kind) = a.get("type").and_then(Node::str) else {
            ctx.err(a, "an attestation rule needs `type`");
            continue;
        };
        let require = a
            .get("require")
            .map(|r| {
                r.entries()
                    .iter()
                    .filter_map(|(k, v)| Some((k.str()?.to_owned(), v.str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        let max_age = match a.get("maxAge") {
            Some(m) => match m.str().and_then(palisade_core::time::parse_duration) {
                Some(d) => Some(d),
                None => {
                    ctx.err(m, "maxAge is a duration such as 30m, 24h or 7d");
                    None
                }
            },
            None => None,
        };
        attestations.push(AttestationRule {
            predicate_type: palisade_sign::envelope::predicate_type(kind),
            require,
            max_age,
        });
    }
    Some(ImageRule {
        pattern: pattern.to_owned(),
        action: ImageAction::Verify {
            keys,
            key_names,
            attestations,
        },
        span,
    })
}

/// Glob on an image reference: `**` matches anything, `*` anything but `/`.
pub use palisade_core::glob::glob;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_on_references() {
        assert!(glob("**", "anything/at:all"));
        assert!(glob(
            "registry.example.com/**",
            "registry.example.com/team/app:v1"
        ));
        assert!(!glob(
            "registry.example.com/*",
            "registry.example.com/team/app:v1"
        ));
        assert!(glob(
            "registry.example.com/*/app:*",
            "registry.example.com/team/app:v1"
        ));
        assert!(!glob("registry.example.com/**", "registry.example.org/app"));
    }

    #[test]
    fn problems_are_reported_with_positions() {
        let text = b"listen: nowhere\npodSecurity:\n  default: {level: strict}\nimages:\n  - match: \"**\"\n    action: maybe\nbogus: 1\n";
        let diags = load("c.yaml", Path::new("."), text).unwrap_err();
        let shown: Vec<String> = diags.iter().map(ToString::to_string).collect();
        assert!(
            shown.iter().any(|d| d.starts_with("c.yaml:1:9: listen")),
            "{shown:?}"
        );
        assert!(
            shown
                .iter()
                .any(|d| d.starts_with("c.yaml:3:20:") && d.contains("strict")),
            "{shown:?}"
        );
        assert!(
            shown
                .iter()
                .any(|d| d.starts_with("c.yaml:6:13:") && d.contains("maybe")),
            "{shown:?}"
        );
        assert!(
            shown
                .iter()
                .any(|d| d.starts_with("c.yaml:7:1:") && d.contains("bogus")),
            "{shown:?}"
        );
    }
}
