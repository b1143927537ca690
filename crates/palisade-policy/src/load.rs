//! Loading bundles: bytes → a tree with positions → the validated [`Bundle`] and diagnostics.
//!
//! Both formats are read with the same position-keeping YAML reader (JSON is YAML), so every
//! diagnostic names the file, line and column of the user's text. Anything palisade cannot
//! evaluate is said at load time (a warning, an error with `strict`) and again on every
//! verdict; nothing is silently ignored.

use std::collections::{BTreeMap, HashSet};

use palisade_core::Span;
use palisade_core::verdict::{Action, BundleSource};
use palisade_k8s::yaml::{self, Node, Value};
use sha2::{Digest as _, Sha256};

use crate::bundle::{
    AllowItem, Allowlist, Bundle, Format, ImageMatch, ImageSelector, Mapping, Policy, Rule,
};
use crate::diag::{Code, Diagnostic, Level};
use crate::gates::{self, Kind};

/// How much one bundle file may cost.
pub const MAX_BUNDLE_BYTES: usize = 16 << 20;

/// The outcome of loading: the bundle when it is valid, and everything worth saying.
#[derive(Debug)]
pub struct Loaded {
    pub bundle: Option<Bundle>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.level == Level::Error)
    }
}

struct Ctx<'a> {
    file: &'a str,
    diags: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn span(&self, node: &Node) -> Span {
        Span::new(self.file, node.line, node.column)
    }

    fn push(&mut self, level: Level, code: Code, node: &Node, message: impl Into<String>) {
        let span = self.span(node);
        self.diags.push(Diagnostic {
            level,
            code,
            message: message.into(),
            span,
        });
    }

    fn error(&mut self, code: Code, node: &Node, message: impl Into<String>) {
        self.push(Level::Error, code, node, message);
    }

    fn warn(&mut self, code: Code, node: &Node, message: impl Into<String>) {
        self.push(Level::Warning, code, node, message);
    }

    /// A scalar field as text (numbers and booleans as written).
    fn text(&mut self, map: &Node, key: &str, required: bool) -> Option<String> {
        match map.get(key) {
            Some(n) if n.is_null() => None,
            Some(n) => match &n.value {
                Value::Scalar { text, .. } => Some(text.clone()),
                _ => {
                    self.error(Code::P003, n, format!("`{key}` must be a string"));
                    None
                }
            },
            None => {
                if required {
                    self.error(Code::P002, map, format!("missing required field `{key}`"));
                }
                None
            }
        }
    }

    fn seq<'n>(&mut self, map: &'n Node, key: &str) -> &'n [Node] {
        match map.get(key) {
            Some(n) if n.is_null() => &[],
            Some(
                n @ Node {
                    value: Value::Seq(items),
                    ..
                },
            ) => {
                let _ = n;
                items
            }
            Some(n) => {
                self.error(Code::P003, n, format!("`{key}` must be a list"));
                &[]
            }
            None => &[],
        }
    }

    fn strings(&mut self, map: &Node, key: &str) -> Vec<String> {
        let items = self.seq(map, key).to_vec();
        items
            .iter()
            .filter_map(|n| match &n.value {
                Value::Scalar { text, .. } => Some(text.clone()),
                _ => {
                    self.error(Code::P003, n, format!("`{key}` items must be strings"));
                    None
                }
            })
            .collect()
    }
}

/// Loads a bundle from its bytes. `source` records where it came from.
pub fn load(file: &str, bytes: &[u8], source: BundleSource) -> Loaded {
    let mut ctx = Ctx {
        file,
        diags: Vec::new(),
    };
    let here = Node {
        value: Value::Seq(Vec::new()),
        line: 1,
        column: 1,
    };
    if bytes.len() > MAX_BUNDLE_BYTES {
        ctx.error(
            Code::P001,
            &here,
            format!(
                "the file is {} bytes, over the limit of {MAX_BUNDLE_BYTES}",
                bytes.len()
            ),
        );
        return Loaded {
            bundle: None,
            diagnostics: ctx.diags,
        };
    }
    let root = match parse(bytes) {
        Ok(root) => root,
        Err(e) => {
            let at = Node {
                line: e.line,
                column: e.column,
                ..here
            };
            ctx.error(Code::P001, &at, e.message);
            return Loaded {
                bundle: None,
                diagnostics: ctx.diags,
            };
        }
    };
    if !root.is_map() {
        ctx.error(
            Code::P003,
            &root,
            "a bundle must be a mapping (JSON object)",
        );
        return Loaded {
            bundle: None,
            diagnostics: ctx.diags,
        };
    }
    let digest = format!(
        "sha256:{}",
        hex::encode(Sha256::digest(canonical_json(&root.to_json())))
    );
    let bundle = if root.get("apiVersion").is_some() || root.get("kind").is_some() {
        native(&mut ctx, &root, digest, source)
    } else {
        anchore(&mut ctx, &root, digest, source)
    };
    let failed = ctx.diags.iter().any(|d| d.level == Level::Error);
    Loaded {
        bundle: if failed { None } else { bundle },
        diagnostics: ctx.diags,
    }
}

fn parse(bytes: &[u8]) -> Result<Node, yaml::YamlError> {
    let text = yaml::decode(bytes)?;
    let limits = yaml::Limits {
        max_file_bytes: MAX_BUNDLE_BYTES,
        max_depth: 64,
        max_nodes: 2_000_000,
        max_alias_nodes: 10_000,
    };
    let mut docs = yaml::parse_stream(text, &limits);
    if docs.is_empty() {
        return Err(yaml::YamlError {
            line: 1,
            column: 1,
            message: "the file is empty".into(),
        });
    }
    if docs.len() > 1 {
        return Err(yaml::YamlError {
            line: docs[1].line,
            column: 1,
            message: "a bundle file holds one document; found more".into(),
        });
    }
    docs.remove(0).result
}

/// JSON with object keys sorted and no insignificant whitespace: the same bundle written in
/// JSON or YAML, in any key order, has the same digest.
pub fn canonical_json(value: &serde_json::Value) -> Vec<u8> {
    fn write(v: &serde_json::Value, out: &mut Vec<u8>) {
        match v {
            serde_json::Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                out.push(b'{');
                for (i, k) in keys.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(
                        serde_json::Value::String((*k).clone())
                            .to_string()
                            .as_bytes(),
                    );
                    out.push(b':');
                    write(&map[k.as_str()], out);
                }
                out.push(b'}');
            }
            serde_json::Value::Array(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write(item, out);
                }
                out.push(b']');
            }
            other => out.extend_from_slice(other.to_string().as_bytes()),
        }
    }
    let mut out = Vec::new();
    write(value, &mut out);
    out
}

fn action(ctx: &mut Ctx<'_>, rule: &Node) -> Option<Action> {
    let node = rule.get("action")?;
    let text = node.str().unwrap_or("");
    match text.parse::<Action>() {
        Ok(a) => Some(a),
        Err(_) => {
            ctx.error(
                Code::P012,
                node,
                format!("invalid action {text:?}: expected GO, WARN or STOP"),
            );
            None
        }
    }
}

/// Validates one rule against the gate table; returns it unless it is broken.
fn rule(ctx: &mut Ctx<'_>, node: &Node, id: String, params: Vec<Param>) -> Option<Rule> {
    let gate_name = ctx.text(node, "gate", true)?;
    let trigger_name = ctx.text(node, "trigger", true)?;
    let act = action(ctx, node);
    if node.get("action").is_none() {
        ctx.error(Code::P002, node, "missing required field `action`");
    }
    let gate_node = node.get("gate").unwrap_or(node);
    let mut not_evaluated = None;
    let Some(gate) = gates::gate(&gate_name) else {
        let why = format!("unknown gate `{gate_name}`: palisade cannot evaluate it");
        ctx.warn(Code::P004, gate_node, &why);
        return Some(Rule {
            id,
            gate: gate_name,
            trigger: trigger_name,
            action: act?,
            params: params.into_iter().map(|(k, v, _)| (k, v)).collect(),
            span: ctx.span(node),
            not_evaluated: Some(why),
        });
    };
    let trigger_node = node.get("trigger").unwrap_or(node);
    let Some(trigger) = gate.trigger(&trigger_name) else {
        let known: Vec<&str> = gate.triggers.iter().map(|t| t.name).collect();
        ctx.error(
            Code::P005,
            trigger_node,
            format!(
                "gate `{}` has no trigger `{trigger_name}` (it has: {})",
                gate.name,
                known.join(", ")
            ),
        );
        return None;
    };
    let mut ok = true;
    let mut values = BTreeMap::new();
    for (name, value, at) in &params {
        let Some(def) = trigger.params.iter().find(|p| p.name == name) else {
            let known: Vec<&str> = trigger.params.iter().map(|p| p.name).collect();
            ctx.error(
                Code::P006,
                at,
                format!(
                    "trigger `{}/{}` takes no parameter `{name}`{}",
                    gate.name,
                    trigger.name,
                    if known.is_empty() {
                        String::new()
                    } else {
                        format!(" (it takes: {})", known.join(", "))
                    }
                ),
            );
            ok = false;
            continue;
        };
        // `regex_name: "*"` is Anchore's "any content pattern".
        let any = def.name == "regex_name" && value == "*";
        if let Some(problem) = check_value(def.kind, value).filter(|_| !any) {
            if def.kind == Kind::Regex {
                // Anchore compiles patterns only when it evaluates; the bundle still loads, and
                // the rule is reported as not evaluated.
                let why = format!("parameter `{name}`: {problem}");
                ctx.warn(Code::P008, at, &why);
                not_evaluated = Some(why);
            } else {
                ctx.error(Code::P008, at, format!("parameter `{name}`: {problem}"));
                ok = false;
            }
        }
        values.insert(def.name.to_owned(), value.clone());
    }
    for def in trigger.params.iter().filter(|p| p.required) {
        if !values.contains_key(def.name) {
            ctx.error(
                Code::P007,
                node,
                format!(
                    "trigger `{}/{}` needs parameter `{}`",
                    gate.name, trigger.name, def.name
                ),
            );
            ok = false;
        }
    }
    let mut built = Rule {
        id,
        gate: gate.name.to_owned(),
        trigger: trigger.name.to_owned(),
        action: act?,
        params: values,
        span: ctx.span(node),
        not_evaluated,
    };
    if ok && built.not_evaluated.is_none() {
        let why = if trigger.check.is_none() {
            Some(format!(
                "palisade cannot evaluate `{}/{}`: {}",
                gate.name, trigger.name, trigger.description
            ))
        } else if gate.name == "vulnerabilities" && trigger.name == "package" {
            gates::vulnerability_params_unavailable(&built)
        } else {
            None
        };
        if let Some(why) = why {
            ctx.warn(Code::P009, node, &why);
            built.not_evaluated = Some(why);
        }
    }
    ok.then_some(built)
}

/// A regex error in one line: its last line names the problem.
pub fn regex_problem(e: &regex::Error) -> String {
    let text = e.to_string();
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(&text)
        .trim()
        .trim_start_matches("error: ")
        .to_owned()
}

/// What is wrong with a parameter value, if anything.
fn check_value(kind: Kind, value: &str) -> Option<String> {
    match kind {
        Kind::Text | Kind::List => None,
        Kind::OneOf(options) => (!options.iter().any(|o| o.eq_ignore_ascii_case(value.trim())))
            .then(|| format!("{value:?} is not one of {}", options.join(", "))),
        Kind::Int => value
            .trim()
            .parse::<i64>()
            .err()
            .map(|_| format!("{value:?} is not a whole number")),
        Kind::Float => value
            .trim()
            .parse::<f64>()
            .err()
            .map(|_| format!("{value:?} is not a number")),
        Kind::Bool => (!matches!(
            value.trim().to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "1" | "0"
        ))
        .then(|| format!("{value:?} is not true or false")),
        Kind::Regex => regex::RegexBuilder::new(value)
            .size_limit(1 << 20)
            .build()
            .err()
            .map(|e| format!("pattern {value:?} does not compile: {}", regex_problem(&e))),
    }
}

/// A rule parameter as written: `(name, value, where)`.
type Param = (String, String, Node);

/// Where the two formats spell the same model differently.
struct Dialect {
    /// The key of the allowlists (`whitelists`, `allowlists`).
    allowlists: &'static str,
    /// An allowlist item's trigger id (`trigger_id`, `trigger`).
    trigger: &'static str,
    /// An allowlist item's expiry (`expires_on`, `expires`).
    expires: &'static str,
    /// A rule's parameters: `(name, value, where)`.
    params: fn(&mut Ctx<'_>, &Node) -> Vec<Param>,
}

const ANCHORE: Dialect = Dialect {
    allowlists: "whitelists",
    trigger: "trigger_id",
    expires: "expires_on",
    params: anchore_params,
};

const NATIVE: Dialect = Dialect {
    allowlists: "allowlists",
    trigger: "trigger",
    expires: "expires",
    params: native_params,
};

/// Anchore's `params: [{name, value}]`.
fn anchore_params(ctx: &mut Ctx<'_>, rnode: &Node) -> Vec<Param> {
    let mut params = Vec::new();
    for param in ctx.seq(rnode, "params").to_vec() {
        let (Some(n), Some(v)) = (
            ctx.text(&param, "name", true),
            ctx.text(&param, "value", true),
        ) else {
            continue;
        };
        params.push((n, v, param.clone()));
    }
    params
}

/// palisade's `params: {name: value}`; a list value is joined with commas.
fn native_params(ctx: &mut Ctx<'_>, rnode: &Node) -> Vec<Param> {
    let mut params = Vec::new();
    let Some(pmap) = rnode.get("params") else {
        return params;
    };
    if !pmap.is_map() && !pmap.is_null() {
        ctx.error(
            Code::P003,
            pmap,
            "`params` must be a mapping of name: value",
        );
    }
    for (k, v) in pmap.entries() {
        let key = k.str().unwrap_or("").to_owned();
        let value = match &v.value {
            Value::Scalar { text, .. } => text.clone(),
            Value::Seq(items) => items
                .iter()
                .filter_map(Node::str)
                .collect::<Vec<_>>()
                .join(","),
            Value::Map(_) => {
                ctx.error(
                    Code::P003,
                    v,
                    format!("parameter `{key}` must be a value or a list"),
                );
                continue;
            }
        };
        params.push((key, value, k.clone()));
    }
    params
}

/// The policies and their rules, validated.
fn policies(ctx: &mut Ctx<'_>, root: &Node, dialect: &Dialect) -> Vec<Policy> {
    let mut policies = Vec::new();
    let mut ids = HashSet::new();
    for pnode in ctx.seq(root, "policies").to_vec() {
        let pid = ctx.text(&pnode, "id", true).unwrap_or_default();
        if !ids.insert(pid.clone()) {
            ctx.error(
                Code::P011,
                &pnode,
                format!("two policies have the id {pid:?}"),
            );
        }
        let mut rules = Vec::new();
        for (i, rnode) in ctx.seq(&pnode, "rules").to_vec().iter().enumerate() {
            let rid = ctx
                .text(rnode, "id", false)
                .unwrap_or_else(|| format!("{pid}#{}", i + 1));
            let params = (dialect.params)(ctx, rnode);
            if let Some(r) = rule(ctx, rnode, rid, params) {
                rules.push(r);
            }
        }
        policies.push(Policy {
            id: pid,
            name: ctx.text(&pnode, "name", false),
            rules,
        });
    }
    policies
}

/// The allowlists and their items, with expiry dates parsed.
fn allowlists(ctx: &mut Ctx<'_>, root: &Node, dialect: &Dialect) -> Vec<Allowlist> {
    let mut allowlists = Vec::new();
    for wnode in ctx.seq(root, dialect.allowlists).to_vec() {
        let wid = ctx.text(&wnode, "id", true).unwrap_or_default();
        let mut items = Vec::new();
        for inode in ctx.seq(&wnode, "items").to_vec() {
            let (Some(gate), Some(trigger_id)) = (
                ctx.text(&inode, "gate", true),
                ctx.text(&inode, dialect.trigger, true),
            ) else {
                continue;
            };
            let expires_text = ctx.text(&inode, dialect.expires, false);
            let expires_on = expires(ctx, &inode, dialect.expires);
            items.push(AllowItem {
                id: ctx.text(&inode, "id", false).unwrap_or_default(),
                gate,
                trigger_id,
                expires_on,
                expires_on_text: expires_text,
            });
        }
        allowlists.push(Allowlist {
            id: wid,
            name: ctx.text(&wnode, "name", false),
            items,
        });
    }
    allowlists
}

fn anchore(ctx: &mut Ctx<'_>, root: &Node, digest: String, source: BundleSource) -> Option<Bundle> {
    match root.get("version").and_then(Node::str) {
        Some("1_0") => {}
        Some(other) => ctx.error(
            Code::P014,
            root.get("version").unwrap_or(root),
            format!("unsupported bundle version {other:?}: palisade reads Anchore's 1_0"),
        ),
        None => ctx.error(Code::P002, root, "missing required field `version` (1_0)"),
    }
    let id = ctx.text(root, "id", true).unwrap_or_default();
    let name = ctx.text(root, "name", false);
    let description = ctx
        .text(root, "description", false)
        .or_else(|| ctx.text(root, "comment", false));

    let policies = policies(ctx, root, &ANCHORE);
    let allowlists = allowlists(ctx, root, &ANCHORE);

    let mut mappings = Vec::new();
    for mnode in ctx.seq(root, "mappings").to_vec() {
        let Some(selector) = selector(ctx, &mnode) else {
            continue;
        };
        let mut policy_ids = ctx.strings(&mnode, "policy_ids");
        if let Some(single) = ctx.text(&mnode, "policy_id", false) {
            policy_ids.push(single);
        }
        if policy_ids.is_empty() {
            ctx.error(
                Code::P002,
                &mnode,
                "a mapping needs `policy_ids` (or `policy_id`)",
            );
        }
        let allowlist_ids = ctx.strings(&mnode, "whitelist_ids");
        mappings.push((
            mnode.clone(),
            Mapping {
                selector,
                policy_ids,
                allowlist_ids,
            },
        ));
    }
    check_references(ctx, &policies, &allowlists, &mappings);

    let allowed_images = ctx
        .seq(root, "whitelisted_images")
        .to_vec()
        .iter()
        .filter_map(|n| selector(ctx, n))
        .collect();
    let denied_images = ctx
        .seq(root, "blacklisted_images")
        .to_vec()
        .iter()
        .filter_map(|n| selector(ctx, n))
        .collect();

    Some(Bundle {
        id,
        name,
        description,
        format: Format::Anchore,
        policies,
        allowlists,
        mappings: mappings.into_iter().map(|(_, m)| m).collect(),
        allowed_images,
        denied_images,
        digest,
        source,
    })
}

fn check_references(
    ctx: &mut Ctx<'_>,
    policies: &[Policy],
    allowlists: &[Allowlist],
    mappings: &[(Node, Mapping)],
) {
    for (node, m) in mappings {
        for pid in &m.policy_ids {
            if !policies.iter().any(|p| &p.id == pid) {
                ctx.error(
                    Code::P010,
                    node,
                    format!("mapping names policy {pid:?}, which the bundle does not have"),
                );
            }
        }
        for wid in &m.allowlist_ids {
            if !allowlists.iter().any(|a| &a.id == wid) {
                ctx.error(
                    Code::P010,
                    node,
                    format!("mapping names allowlist {wid:?}, which the bundle does not have"),
                );
            }
        }
    }
}

/// An allowlist item's expiry under `key`, as Unix seconds.
fn expires(ctx: &mut Ctx<'_>, node: &Node, key: &str) -> Option<i64> {
    let text = ctx.text(node, key, false)?;
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let parsed = palisade_core::time::parse_rfc3339_nanos(text)
        .map(|n| n.div_euclid(1_000_000_000))
        .or_else(|| palisade_core::time::parse_date(text));
    if parsed.is_none() {
        let at = node.get(key).unwrap_or(node);
        ctx.error(
            Code::P013,
            at,
            format!("{text:?} is not an RFC 3339 time (2027-01-31T00:00:00Z) or date"),
        );
    }
    parsed
}

/// An Anchore image selector: `registry`, `repository`, `image: {type, value}`.
fn selector(ctx: &mut Ctx<'_>, node: &Node) -> Option<ImageSelector> {
    let registry = ctx.text(node, "registry", true)?;
    let repository = ctx.text(node, "repository", true)?;
    let image = node.get("image");
    let (kind, value) = match image {
        Some(img) => {
            let kind = ctx.text(img, "type", true).unwrap_or_default();
            let value = ctx.text(img, "value", true).unwrap_or_default();
            let kind = match kind.as_str() {
                "tag" => ImageMatch::Tag,
                "digest" => ImageMatch::Digest,
                "id" => ImageMatch::Id,
                other => {
                    ctx.error(
                        Code::P008,
                        img,
                        format!("image type {other:?} is not tag, digest or id"),
                    );
                    return None;
                }
            };
            (kind, value)
        }
        None => {
            ctx.error(
                Code::P002,
                node,
                "missing required field `image` ({type, value})",
            );
            return None;
        }
    };
    Some(ImageSelector {
        id: ctx.text(node, "id", false),
        name: ctx.text(node, "name", false),
        registry,
        repository,
        kind,
        value,
    })
}

// ---- palisade's native format ----

const NATIVE_API: &str = "palisade.dev/v1";

fn native(ctx: &mut Ctx<'_>, root: &Node, digest: String, source: BundleSource) -> Option<Bundle> {
    match root.get("apiVersion").and_then(Node::str) {
        Some(NATIVE_API) => {}
        other => ctx.error(
            Code::P014,
            root.get("apiVersion").unwrap_or(root),
            format!("apiVersion {other:?}: expected {NATIVE_API}"),
        ),
    }
    match root.get("kind").and_then(Node::str) {
        Some("PolicyBundle") => {}
        other => ctx.error(
            Code::P014,
            root.get("kind").unwrap_or(root),
            format!("kind {other:?}: expected PolicyBundle"),
        ),
    }
    const KNOWN: &[&str] = &[
        "apiVersion",
        "kind",
        "metadata",
        "policies",
        "allowlists",
        "mappings",
        "allowedImages",
        "deniedImages",
        "admission",
        "runtime",
    ];
    for (k, _) in root.entries() {
        let key = k.str().unwrap_or("");
        if !KNOWN.contains(&key) {
            ctx.warn(Code::P015, k, format!("unknown field `{key}` (ignored)"));
        }
    }
    let meta = root.get("metadata").cloned().unwrap_or(Node {
        value: Value::Map(Vec::new()),
        line: root.line,
        column: root.column,
    });
    let name = ctx.text(&meta, "name", true);
    let id = ctx
        .text(&meta, "id", false)
        .or_else(|| name.clone())
        .unwrap_or_default();
    let description = ctx.text(&meta, "description", false);

    let policies = policies(ctx, root, &NATIVE);
    let allowlists = allowlists(ctx, root, &NATIVE);

    let mut mappings = Vec::new();
    for mnode in ctx.seq(root, "mappings").to_vec() {
        let Some(selector) = native_selector(ctx, &mnode) else {
            continue;
        };
        let policy_ids = ctx.strings(&mnode, "policies");
        if policy_ids.is_empty() {
            ctx.error(Code::P002, &mnode, "a mapping needs `policies`");
        }
        let allowlist_ids = ctx.strings(&mnode, "allowlists");
        mappings.push((
            mnode.clone(),
            Mapping {
                selector,
                policy_ids,
                allowlist_ids,
            },
        ));
    }
    check_references(ctx, &policies, &allowlists, &mappings);
    let allowed_images = ctx
        .seq(root, "allowedImages")
        .to_vec()
        .iter()
        .filter_map(|n| native_selector(ctx, n))
        .collect();
    let denied_images = ctx
        .seq(root, "deniedImages")
        .to_vec()
        .iter()
        .filter_map(|n| native_selector(ctx, n))
        .collect();
    Some(Bundle {
        id,
        name,
        description,
        format: Format::Native,
        policies,
        allowlists,
        mappings: mappings.into_iter().map(|(_, m)| m).collect(),
        allowed_images,
        denied_images,
        digest,
        source,
    })
}

/// A native selector: `image: "registry/repository:tag"` (or `@sha256:…`), each part a glob;
/// `*` alone selects every image.
fn native_selector(ctx: &mut Ctx<'_>, node: &Node) -> Option<ImageSelector> {
    let image = match &node.value {
        Value::Scalar { text, .. } => text.clone(),
        _ => ctx.text(node, "image", true)?,
    };
    if image == "*" {
        return Some(ImageSelector {
            id: None,
            name: None,
            registry: "*".into(),
            repository: "*".into(),
            kind: ImageMatch::Tag,
            value: "*".into(),
        });
    }
    let (rest, kind, value) = if let Some((rest, digest)) = image.split_once('@') {
        (rest.to_owned(), ImageMatch::Digest, digest.to_owned())
    } else {
        match image.rsplit_once(':') {
            Some((rest, tag)) if !tag.contains('/') => {
                (rest.to_owned(), ImageMatch::Tag, tag.to_owned())
            }
            _ => (image.clone(), ImageMatch::Tag, "*".to_owned()),
        }
    };
    let Some((registry, repository)) = rest.split_once('/') else {
        ctx.error(
            Code::P008,
            node,
            format!("image {image:?}: write registry/repository[:tag|@digest], globs allowed (\"docker.io/library/*:*\")"),
        );
        return None;
    };
    Some(ImageSelector {
        id: None,
        name: ctx.text(node, "name", false),
        registry: registry.to_owned(),
        repository: repository.to_owned(),
        kind,
        value,
    })
}

/// The file a sync writes next to the bundle it checked out: where it came from.
pub const SOURCE_FILE: &str = ".palisade-source.json";

/// Bundle file names looked for, in order, when a directory is given.
const BUNDLE_NAMES: &[&str] = &[
    "bundle.yaml",
    "bundle.yml",
    "bundle.json",
    "policy.yaml",
    "policy.yml",
    "policy.json",
];

/// A bundle path that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum PathError {
    #[error("reading policy bundle {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "policy directory {path} holds no bundle: expected one of {names} or a single .yaml/.json file (found {found})"
    )]
    NoBundle {
        path: String,
        names: String,
        found: String,
    },
}

/// Loads a bundle from a file, or from a directory (its `bundle.yaml`, … or its only
/// `.yaml`/`.json` file). A directory written by `policy sync` also says which repository and
/// commit the bundle came from.
pub fn load_path(path: &std::path::Path) -> Result<Loaded, PathError> {
    let io = |source| PathError::Io {
        path: path.display().to_string(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    let (file, mut source) = if meta.is_dir() {
        let file = find_bundle(path)?;
        let mut source = BundleSource::default();
        if let Ok(bytes) = std::fs::read(path.join(SOURCE_FILE)) {
            if let Ok(recorded) = serde_json::from_slice::<BundleSource>(&bytes) {
                source = recorded;
            }
        }
        (file, source)
    } else {
        (path.to_path_buf(), BundleSource::default())
    };
    let real = std::fs::canonicalize(&file).unwrap_or_else(|_| file.clone());
    if !std::fs::metadata(&real).map_err(io)?.is_file() {
        return Err(io(std::io::Error::other("not a regular file")));
    }
    let mut bytes = Vec::new();
    use std::io::Read as _;
    std::fs::File::open(&real)
        .map_err(io)?
        .take(MAX_BUNDLE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if source.path.is_none() {
        source.path = Some(file.display().to_string());
    }
    Ok(load(&file.display().to_string(), &bytes, source))
}

fn find_bundle(dir: &std::path::Path) -> Result<std::path::PathBuf, PathError> {
    for name in BUNDLE_NAMES {
        let candidate = dir.join(name);
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    let mut found: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map_err(|source| PathError::Io {
            path: dir.display().to_string(),
            source,
        })?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    found.sort();
    if found.len() == 1 {
        return Ok(found.remove(0));
    }
    Err(PathError::NoBundle {
        path: dir.display().to_string(),
        names: BUNDLE_NAMES.join(", "),
        found: if found.is_empty() {
            "none".to_owned()
        } else {
            found
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        },
    })
}
