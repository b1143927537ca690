//! Playbooks and deny-exec rules: YAML read with positions, validated into [`Playbooks`]; every
//! problem is a [`Diagnostic`] with file, line and column (`palisade respond check`).
//!
//! ```yaml
//! playbooks:
//!   - name: stop containers that read secrets
//!     match:
//!       rules: ["Read sensitive file untrusted", "Terminal shell *"]  # names or globs
//!       priority: ">=Warning"                 # or "Warning", "<Notice", ...
//!       tags: [container]                     # all of them
//!       source: syscall
//!       fields: ["k8s.ns.name!=dev", "container.image.repository=registry.example.com/**"]
//!     actions:
//!       - {action: stop-container, timeoutSeconds: 10}
//!       - {action: notify, webhook: "https://hooks.example.com/x"}
//!     continue: false                         # first matching playbook wins unless true
//!     dry_run: false
//!     guards: {skipNamespaces: [kube-system], skipImages: ["registry.k8s.io/**"],
//!              skipSystem: true, maxPerMinute: 10, dedupeSeconds: 60}
//! denyExec:
//!   - {name: no binaries from tmpfs, paths: ["/dev/shm/**", "/tmp/**"]}
//!   - {name: drift, notInImage: true}
//! ```

use std::path::Path;
use std::time::Duration;

use palisade_core::Span;
use palisade_core::glob::glob;
use palisade_k8s::yaml::{self, Node, Value};
use palisade_rules::Priority;

use crate::alert::AlertRecord;

/// A problem in a playbooks file.
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

/// Every problem found in a playbooks file (never empty when returned as an error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} problem(s) in the playbooks, first: {}", .0.len(), .0.first().map(ToString::to_string).unwrap_or_default())]
pub struct Diagnostics(pub Vec<Diagnostic>);

/// How an alert's priority is compared with the playbook's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriorityTest {
    /// At least as urgent (`>=Warning`).
    AtLeast(Priority),
    /// More urgent (`>Warning`).
    Above(Priority),
    /// At most as urgent (`<=Notice`).
    AtMost(Priority),
    /// Less urgent (`<Notice`).
    Below(Priority),
    /// Exactly (`Warning`, `=Warning`).
    Is(Priority),
}

impl PriorityTest {
    fn parse(s: &str) -> Option<PriorityTest> {
        let s = s.trim();
        let (ctor, rest): (fn(Priority) -> PriorityTest, &str) =
            if let Some(r) = s.strip_prefix(">=") {
                (PriorityTest::AtLeast, r)
            } else if let Some(r) = s.strip_prefix("<=") {
                (PriorityTest::AtMost, r)
            } else if let Some(r) = s.strip_prefix('>') {
                (PriorityTest::Above, r)
            } else if let Some(r) = s.strip_prefix('<') {
                (PriorityTest::Below, r)
            } else if let Some(r) = s.strip_prefix('=') {
                (PriorityTest::Is, r)
            } else {
                (PriorityTest::Is, s)
            };
        Priority::parse(rest.trim()).map(ctor)
    }

    /// Whether `p` passes. `Emergency` is the most urgent (the smallest in `Priority`'s order).
    pub fn test(self, p: Priority) -> bool {
        match self {
            PriorityTest::AtLeast(q) => p <= q,
            PriorityTest::Above(q) => p < q,
            PriorityTest::AtMost(q) => p >= q,
            PriorityTest::Below(q) => p > q,
            PriorityTest::Is(q) => p == q,
        }
    }
}

/// A condition on one output field: `k=v` (value glob) or `k!=v`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldTest {
    pub field: String,
    pub value: String,
    pub negate: bool,
}

/// Which alerts a playbook acts on. Every given part must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Match {
    /// Rule names or globs; empty matches every rule.
    pub rules: Vec<String>,
    pub priority: Option<PriorityTest>,
    /// Tags the alert must all carry.
    pub tags: Vec<String>,
    pub source: Option<String>,
    pub fields: Vec<FieldTest>,
}

impl Match {
    /// Whether the alert matches.
    pub fn matches(&self, alert: &AlertRecord) -> bool {
        (self.rules.is_empty() || self.rules.iter().any(|r| glob(r, &alert.rule)))
            && self
                .priority
                .is_none_or(|t| alert.priority.is_some_and(|p| t.test(p)))
            && self.tags.iter().all(|t| alert.tags.contains(t))
            && self.source.as_ref().is_none_or(|s| *s == alert.source)
            && self.fields.iter().all(|f| {
                let v = alert.field(&f.field).unwrap_or_default();
                glob(&f.value, &v) != f.negate
            })
    }
}

/// The Kubernetes taint effects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaintEffect {
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}

impl TaintEffect {
    pub fn as_str(self) -> &'static str {
        match self {
            TaintEffect::NoSchedule => "NoSchedule",
            TaintEffect::PreferNoSchedule => "PreferNoSchedule",
            TaintEffect::NoExecute => "NoExecute",
        }
    }
}

/// The body a notification carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyFormat {
    /// Falco's JSON alert, as received or as `Alert::json()` writes it.
    Falco,
    /// A Slack incoming-webhook message.
    Slack,
}

/// What an action does, with its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionKind {
    /// SIGKILL through a pidfd to `proc.pid` (never host pid 1, never palisade itself).
    KillProcess,
    /// Stop `container.id` through the container runtime's API, `timeout` before SIGKILL.
    StopContainer {
        timeout: Duration,
    },
    /// Signal `container.id` (default SIGKILL).
    KillContainer {
        signal: String,
    },
    PauseContainer,
    /// A capture window around the alert, through the [`crate::Capture`] hook.
    Capture {
        window: Duration,
    },
    /// Delete the pod with a grace period.
    DeletePod {
        grace_period_seconds: i64,
    },
    /// Set (or, with a null value, remove) labels on the pod.
    LabelPod {
        labels: Vec<(String, Option<String>)>,
    },
    /// Label the pod and create a deny-all NetworkPolicy selecting that label.
    IsolatePod {
        label: (String, String),
    },
    TaintNode {
        key: String,
        value: String,
        effect: TaintEffect,
    },
    CordonNode,
    /// POST the alert to a webhook, spooled on disk until delivered.
    Notify {
        url: String,
        format: NotifyFormat,
    },
}

impl ActionKind {
    /// The name in playbooks and audit records.
    pub fn name(&self) -> &'static str {
        match self {
            ActionKind::KillProcess => "kill-process",
            ActionKind::StopContainer { .. } => "stop-container",
            ActionKind::KillContainer { .. } => "kill-container",
            ActionKind::PauseContainer => "pause-container",
            ActionKind::Capture { .. } => "capture",
            ActionKind::DeletePod { .. } => "delete-pod",
            ActionKind::LabelPod { .. } => "label-pod",
            ActionKind::IsolatePod { .. } => "isolate-pod",
            ActionKind::TaintNode { .. } => "taint-node",
            ActionKind::CordonNode => "cordon-node",
            ActionKind::Notify { .. } => "notify",
        }
    }

    /// Whether the action changes something on the cluster (needs the Kubernetes API).
    pub fn is_cluster(&self) -> bool {
        matches!(
            self,
            ActionKind::DeletePod { .. }
                | ActionKind::LabelPod { .. }
                | ActionKind::IsolatePod { .. }
                | ActionKind::TaintNode { .. }
                | ActionKind::CordonNode
        )
    }
}

/// The action names playbooks accept.
pub const ACTIONS: &[&str] = &[
    "kill-process",
    "stop-container",
    "kill-container",
    "pause-container",
    "capture",
    "delete-pod",
    "label-pod",
    "isolate-pod",
    "taint-node",
    "cordon-node",
    "notify",
];

/// One action of a playbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub kind: ActionKind,
    /// Time allowed for the action (default 10 s).
    pub timeout: Duration,
    pub span: Span,
}

/// Limits on what a playbook may touch and how often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guards {
    /// Never act on targets in these namespaces (globs).
    pub skip_namespaces: Vec<String>,
    /// Never act on containers of these images (globs on `container.image.repository`).
    pub skip_images: Vec<String>,
    /// Never act on the node itself or its system containers: processes outside containers
    /// (`container.id` empty or `host`), palisade's own process and container, and pods in
    /// `kube-system` (for every action but `notify`). Default true.
    pub skip_system: bool,
    /// At most this many actions (not counting `notify`) per minute for the playbook.
    pub max_per_minute: Option<u32>,
    /// The same action on the same target runs once within this window. Default 60 s.
    pub dedupe: Duration,
}

impl Default for Guards {
    fn default() -> Self {
        Guards {
            skip_namespaces: Vec::new(),
            skip_images: Vec::new(),
            skip_system: true,
            max_per_minute: None,
            dedupe: Duration::from_secs(60),
        }
    }
}

/// One playbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Playbook {
    pub name: String,
    pub matcher: Match,
    pub actions: Vec<Action>,
    pub guards: Guards,
    /// Go on to the next playbooks after this one matched.
    pub continue_: bool,
    /// Say what would be done, change nothing.
    pub dry_run: bool,
    pub span: Span,
}

/// One deny-exec rule: an execution matching it is refused before it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DenyRule {
    pub name: String,
    /// Globs on the executable's path as the executing process sees it.
    pub paths: Vec<String>,
    /// The executable is not part of the container's image: it lives in the writable upper
    /// layer of the container's overlay root.
    pub not_in_image: bool,
    pub span: Span,
}

/// The validated playbooks file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Playbooks {
    pub playbooks: Vec<Playbook>,
    pub deny_exec: Vec<DenyRule>,
    /// SHA-256 of the file's bytes (recorded in the audit log).
    pub digest: String,
}

impl Playbooks {
    /// Reads and validates a playbooks file.
    pub fn load(path: &Path) -> Result<Playbooks, Diagnostics> {
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| {
            Diagnostics(vec![Diagnostic {
                span: Span::new(&file, 1, 1),
                message: format!("cannot read the playbooks: {e}"),
            }])
        })?;
        Playbooks::parse(&file, &bytes)
    }

    /// Validates a playbooks file from its bytes; `file` names it in diagnostics.
    pub fn parse(file: &str, bytes: &[u8]) -> Result<Playbooks, Diagnostics> {
        let mut ctx = Ctx {
            file,
            diags: Vec::new(),
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
                ctx.err(&root, "the playbooks file must be a mapping");
                return Err(Diagnostics(ctx.diags));
            }
            Err(e) => {
                ctx.err_at(e.line, e.column, e.message);
                return Err(Diagnostics(ctx.diags));
            }
        };
        let mut out = Playbooks {
            digest: {
                use sha2::Digest as _;
                format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
            },
            ..Playbooks::default()
        };
        ctx.known(&root, &["playbooks", "denyExec"], "the playbooks file");
        if let Some(list) = root.get("playbooks") {
            ctx.seq(list, "playbooks");
            for node in list.items() {
                if let Some(p) = playbook(&mut ctx, node) {
                    if out.playbooks.iter().any(|q| q.name == p.name) {
                        ctx.err(
                            node,
                            format!("a playbook named {:?} already exists", p.name),
                        );
                    }
                    out.playbooks.push(p);
                }
            }
        }
        if let Some(list) = root.get("denyExec") {
            ctx.seq(list, "denyExec");
            for node in list.items() {
                if let Some(r) = deny_rule(&mut ctx, node) {
                    out.deny_exec.push(r);
                }
            }
        }
        if ctx.diags.is_empty() {
            Ok(out)
        } else {
            Err(Diagnostics(ctx.diags))
        }
    }
}

struct Ctx<'a> {
    file: &'a str,
    diags: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn err(&mut self, node: &Node, message: impl Into<String>) {
        self.err_at(node.line, node.column, message);
    }

    fn err_at(&mut self, line: u32, column: u32, message: impl Into<String>) {
        self.diags.push(Diagnostic {
            span: Span::new(self.file, line, column),
            message: message.into(),
        });
    }

    fn span(&self, node: &Node) -> Span {
        Span::new(self.file, node.line, node.column)
    }

    fn known(&mut self, map: &Node, keys: &[&str], what: &str) {
        if !map.is_map() {
            self.err(map, format!("{what} must be a mapping"));
            return;
        }
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

    fn seq(&mut self, node: &Node, what: &str) {
        if !matches!(node.value, Value::Seq(_)) && !node.is_null() {
            self.err(node, format!("{what} must be a list"));
        }
    }

    fn str<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n str> {
        let s = node.str();
        if s.is_none() {
            self.err(node, format!("{what} must be a string"));
        }
        s
    }

    fn strings(&mut self, node: &Node, what: &str) -> Vec<String> {
        if let Some(s) = node.str() {
            return vec![s.to_owned()];
        }
        self.seq(node, what);
        node.items()
            .iter()
            .filter_map(|n| self.str(n, what))
            .map(str::to_owned)
            .collect()
    }

    fn bool(&mut self, node: &Node, what: &str) -> bool {
        match node.bool() {
            Some(b) => b,
            None => {
                self.err(node, format!("{what} must be true or false"));
                false
            }
        }
    }

    fn int(
        &mut self,
        node: &Node,
        what: &str,
        range: std::ops::RangeInclusive<i64>,
    ) -> Option<i64> {
        match node.int() {
            Some(v) if range.contains(&v) => Some(v),
            _ => {
                self.err(
                    node,
                    format!(
                        "{what} must be a whole number from {} to {}",
                        range.start(),
                        range.end()
                    ),
                );
                None
            }
        }
    }
}

fn playbook(ctx: &mut Ctx<'_>, node: &Node) -> Option<Playbook> {
    ctx.known(
        node,
        &["name", "match", "actions", "guards", "continue", "dry_run"],
        "a playbook",
    );
    if !node.is_map() {
        return None;
    }
    let name = match node.get("name") {
        Some(n) => ctx.str(n, "name")?.to_owned(),
        None => {
            ctx.err(node, "a playbook needs a `name`");
            return None;
        }
    };
    let matcher = match node.get("match") {
        Some(m) => match_(ctx, m),
        None => {
            ctx.err(
                node,
                format!("playbook {name:?} needs `match` (use `match: {{}}` for every alert)"),
            );
            Match::default()
        }
    };
    let mut actions = Vec::new();
    match node.get("actions") {
        Some(list) if !list.items().is_empty() => {
            for a in list.items() {
                if let Some(a) = action(ctx, a) {
                    actions.push(a);
                }
            }
        }
        Some(list) => ctx.err(list, format!("playbook {name:?} has no actions")),
        None => ctx.err(node, format!("playbook {name:?} needs `actions`")),
    }
    let guards = node
        .get("guards")
        .map(|g| guards(ctx, g))
        .unwrap_or_default();
    let continue_ = node
        .get("continue")
        .is_some_and(|n| ctx.bool(n, "continue"));
    let dry_run = node.get("dry_run").is_some_and(|n| ctx.bool(n, "dry_run"));
    Some(Playbook {
        name,
        matcher,
        actions,
        guards,
        continue_,
        dry_run,
        span: ctx.span(node),
    })
}

fn match_(ctx: &mut Ctx<'_>, node: &Node) -> Match {
    ctx.known(
        node,
        &["rules", "priority", "tags", "source", "fields"],
        "match",
    );
    let mut m = Match::default();
    if let Some(n) = node.get("rules") {
        m.rules = ctx.strings(n, "rules");
    }
    if let Some(n) = node.get("priority") {
        if let Some(s) = ctx.str(n, "priority") {
            m.priority = PriorityTest::parse(s);
            if m.priority.is_none() {
                ctx.err(
                    n,
                    format!(
                        "priority {s:?}: expected a Falco priority (Emergency, Alert, Critical, Error, Warning, Notice, Informational, Debug), optionally after >=, >, <=, < or ="
                    ),
                );
            }
        }
    }
    if let Some(n) = node.get("tags") {
        m.tags = ctx.strings(n, "tags");
    }
    if let Some(n) = node.get("source") {
        m.source = ctx.str(n, "source").map(str::to_owned);
    }
    if let Some(n) = node.get("fields") {
        let items: Vec<&Node> = if n.is_map() {
            Vec::new()
        } else {
            n.items().iter().collect()
        };
        if n.is_map() {
            // `fields: {k8s.ns.name: prod}` is the same as `["k8s.ns.name=prod"]`.
            for (k, v) in n.entries() {
                if let (Some(k), Some(v)) = (k.str(), ctx.str(v, "a field value")) {
                    m.fields.push(FieldTest {
                        field: k.to_owned(),
                        value: v.to_owned(),
                        negate: false,
                    });
                }
            }
        } else {
            ctx.seq(n, "fields");
        }
        for item in items {
            let Some(s) = ctx.str(item, "a field test") else {
                continue;
            };
            let parsed = if let Some((k, v)) = s.split_once("!=") {
                Some((k, v, true))
            } else {
                s.split_once('=').map(|(k, v)| (k, v, false))
            };
            match parsed {
                Some((k, v, negate)) if !k.trim().is_empty() => m.fields.push(FieldTest {
                    field: k.trim().to_owned(),
                    value: v.trim().to_owned(),
                    negate,
                }),
                _ => ctx.err(
                    item,
                    format!("field test {s:?}: expected `field=value` or `field!=value`"),
                ),
            }
        }
    }
    m
}

fn guards(ctx: &mut Ctx<'_>, node: &Node) -> Guards {
    ctx.known(
        node,
        &[
            "skipNamespaces",
            "skipImages",
            "skipSystem",
            "maxPerMinute",
            "dedupeSeconds",
        ],
        "guards",
    );
    let mut g = Guards::default();
    if let Some(n) = node.get("skipNamespaces") {
        g.skip_namespaces = ctx.strings(n, "skipNamespaces");
    }
    if let Some(n) = node.get("skipImages") {
        g.skip_images = ctx.strings(n, "skipImages");
    }
    if let Some(n) = node.get("skipSystem") {
        g.skip_system = ctx.bool(n, "skipSystem");
    }
    if let Some(n) = node.get("maxPerMinute") {
        g.max_per_minute = ctx.int(n, "maxPerMinute", 0..=100_000).map(|v| v as u32);
    }
    if let Some(n) = node.get("dedupeSeconds") {
        if let Some(v) = ctx.int(n, "dedupeSeconds", 0..=86_400) {
            g.dedupe = Duration::from_secs(v as u64);
        }
    }
    g
}

fn action(ctx: &mut Ctx<'_>, node: &Node) -> Option<Action> {
    // `- stop-container` is the same as `- {action: stop-container}`.
    let (name_node, name) = if let Some(s) = node.str() {
        (node, s)
    } else if node.is_map() {
        let Some(n) = node.get("action") else {
            ctx.err(
                node,
                format!("an action needs `action` ({})", ACTIONS.join(", ")),
            );
            return None;
        };
        (n, ctx.str(n, "action")?)
    } else {
        ctx.err(node, "an action must be a name or a mapping with `action`");
        return None;
    };
    let params: &[&str] = match name {
        "kill-process" | "pause-container" | "cordon-node" => &[],
        "stop-container" => &["timeoutSeconds"],
        "kill-container" => &["signal"],
        "capture" => &["seconds"],
        "delete-pod" => &["gracePeriodSeconds"],
        "label-pod" => &["labels"],
        "isolate-pod" => &["label"],
        "taint-node" => &["key", "value", "effect"],
        "notify" => &["webhook", "slack"],
        other => {
            ctx.err(
                name_node,
                format!("unknown action {other:?} (known: {})", ACTIONS.join(", ")),
            );
            return None;
        }
    };
    let mut keys = vec!["action", "timeout"];
    keys.extend_from_slice(params);
    if node.is_map() {
        ctx.known(node, &keys, &format!("action {name}"));
    }
    let get = |k: &str| node.get(k);
    let mut timeout = Duration::from_secs(10);
    if let Some(n) = get("timeout") {
        if let Some(v) = ctx.int(n, "timeout (seconds)", 1..=300) {
            timeout = Duration::from_secs(v as u64);
        }
    }
    let kind = match name {
        "kill-process" => ActionKind::KillProcess,
        "pause-container" => ActionKind::PauseContainer,
        "cordon-node" => ActionKind::CordonNode,
        "stop-container" => ActionKind::StopContainer {
            timeout: Duration::from_secs(
                get("timeoutSeconds")
                    .and_then(|n| ctx.int(n, "timeoutSeconds", 0..=300))
                    .unwrap_or(10) as u64,
            ),
        },
        "kill-container" => {
            let signal = get("signal")
                .and_then(|n| ctx.str(n, "signal"))
                .unwrap_or("SIGKILL")
                .to_owned();
            if !signal
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-')
                || signal.is_empty()
            {
                ctx.err(
                    get("signal").unwrap_or(node),
                    "signal must be a name (SIGKILL, TERM) or a number",
                );
            }
            ActionKind::KillContainer { signal }
        }
        "capture" => ActionKind::Capture {
            window: Duration::from_secs(
                get("seconds")
                    .and_then(|n| ctx.int(n, "seconds", 1..=600))
                    .unwrap_or(10) as u64,
            ),
        },
        "delete-pod" => ActionKind::DeletePod {
            grace_period_seconds: get("gracePeriodSeconds")
                .and_then(|n| ctx.int(n, "gracePeriodSeconds", 0..=86_400))
                .unwrap_or(0),
        },
        "label-pod" => {
            let mut labels = Vec::new();
            match get("labels") {
                Some(l) if l.is_map() && !l.entries().is_empty() => {
                    for (k, v) in l.entries() {
                        let Some(key) = ctx.str(k, "a label name") else {
                            continue;
                        };
                        if !label_key_ok(key) {
                            ctx.err(k, format!("{key:?} is not a valid label name"));
                        }
                        let value = if v.is_null() {
                            None
                        } else {
                            let s = ctx.str(v, "a label value").unwrap_or_default();
                            if !label_value_ok(s) {
                                ctx.err(v, format!("{s:?} is not a valid label value (63 characters at most: letters, digits, -, _ and ., starting and ending alphanumeric)"));
                            }
                            Some(s.to_owned())
                        };
                        labels.push((key.to_owned(), value));
                    }
                }
                Some(l) => ctx.err(
                    l,
                    "labels must be a non-empty mapping of label names to values (null removes)",
                ),
                None => ctx.err(node, "label-pod needs `labels`"),
            }
            ActionKind::LabelPod { labels }
        }
        "isolate-pod" => {
            let label = match get("label") {
                Some(n) => {
                    let s = ctx.str(n, "label").unwrap_or_default();
                    match s.split_once('=') {
                        Some((k, v)) if label_key_ok(k) && label_value_ok(v) => {
                            (k.to_owned(), v.to_owned())
                        }
                        _ => {
                            ctx.err(n, format!("label {s:?}: expected `name=value` with a valid label name and value"));
                            (String::new(), String::new())
                        }
                    }
                }
                None => ("palisade.dev/isolated".to_owned(), "true".to_owned()),
            };
            ActionKind::IsolatePod { label }
        }
        "taint-node" => {
            let key = get("key")
                .and_then(|n| ctx.str(n, "key"))
                .unwrap_or("palisade.dev/compromised")
                .to_owned();
            if !label_key_ok(&key) {
                ctx.err(
                    get("key").unwrap_or(node),
                    format!("{key:?} is not a valid taint key"),
                );
            }
            let value = get("value")
                .and_then(|n| ctx.str(n, "value"))
                .unwrap_or("true")
                .to_owned();
            if !label_value_ok(&value) {
                ctx.err(
                    get("value").unwrap_or(node),
                    format!("{value:?} is not a valid taint value"),
                );
            }
            let effect = match get("effect").map(|n| (n, n.str())) {
                None => TaintEffect::NoSchedule,
                Some((_, Some("NoSchedule"))) => TaintEffect::NoSchedule,
                Some((_, Some("PreferNoSchedule"))) => TaintEffect::PreferNoSchedule,
                Some((_, Some("NoExecute"))) => TaintEffect::NoExecute,
                Some((n, other)) => {
                    ctx.err(
                        n,
                        format!(
                            "effect {:?}: expected NoSchedule, PreferNoSchedule or NoExecute",
                            other.unwrap_or("")
                        ),
                    );
                    TaintEffect::NoSchedule
                }
            };
            ActionKind::TaintNode { key, value, effect }
        }
        "notify" => {
            let (url, format) = match (get("webhook"), get("slack")) {
                (Some(n), None) => (ctx.str(n, "webhook"), NotifyFormat::Falco),
                (None, Some(n)) => (ctx.str(n, "slack"), NotifyFormat::Slack),
                _ => {
                    ctx.err(node, "notify needs exactly one of `webhook` (Falco's JSON) or `slack` (an incoming-webhook URL)");
                    (None, NotifyFormat::Falco)
                }
            };
            let url = url.unwrap_or_default().to_owned();
            let at = get("webhook").or(get("slack")).unwrap_or(node);
            if !url.is_empty() && !url_ok(&url) {
                ctx.err(
                    at,
                    format!("{url:?} is not an http:// or https:// URL with a host"),
                );
            }
            ActionKind::Notify { url, format }
        }
        _ => unreachable!("checked above"),
    };
    Some(Action {
        kind,
        timeout,
        span: ctx.span(node),
    })
}

fn deny_rule(ctx: &mut Ctx<'_>, node: &Node) -> Option<DenyRule> {
    ctx.known(node, &["name", "paths", "notInImage"], "a denyExec rule");
    if !node.is_map() {
        return None;
    }
    let name = match node.get("name") {
        Some(n) => ctx.str(n, "name")?.to_owned(),
        None => {
            ctx.err(node, "a denyExec rule needs a `name`");
            return None;
        }
    };
    let paths = node
        .get("paths")
        .map(|n| ctx.strings(n, "paths"))
        .unwrap_or_default();
    for (p, n) in paths
        .iter()
        .zip(node.get("paths").map(Node::items).unwrap_or_default())
    {
        if !p.starts_with('/') {
            ctx.err(n, format!("path glob {p:?} must be absolute"));
        }
    }
    let not_in_image = node
        .get("notInImage")
        .is_some_and(|n| ctx.bool(n, "notInImage"));
    if paths.is_empty() && !not_in_image {
        ctx.err(
            node,
            format!("denyExec rule {name:?} needs `paths` or `notInImage: true`"),
        );
    }
    Some(DenyRule {
        name,
        paths,
        not_in_image,
        span: ctx.span(node),
    })
}

/// A Kubernetes label name: an optional DNS-subdomain prefix and `/`, then a 63-character name.
fn label_key_ok(key: &str) -> bool {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    prefix.is_none_or(|p| {
        !p.is_empty()
            && p.len() <= 253
            && p.split('.').all(|l| {
                !l.is_empty()
                    && l.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    && !l.starts_with('-')
                    && !l.ends_with('-')
            })
    }) && !name.is_empty()
        && label_value_ok(name)
}

/// A Kubernetes label value: empty, or 63 characters of `[A-Za-z0-9_.-]` with alphanumeric ends.
fn label_value_ok(v: &str) -> bool {
    v.is_empty()
        || (v.len() <= 63
            && v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            && v.as_bytes()[0].is_ascii_alphanumeric()
            && v.as_bytes()[v.len() - 1].is_ascii_alphanumeric())
}

fn url_ok(url: &str) -> bool {
    url.strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .and_then(|rest| rest.split(['/', '?', '#']).next())
        .is_some_and(|host| !host.is_empty() && !host.starts_with(':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Playbooks, Vec<String>> {
        Playbooks::parse("p.yaml", s.as_bytes())
            .map_err(|d| d.0.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn the_issue_example_loads() {
        let p = parse(
            r#"
playbooks:
  - name: stop containers that read secrets
    match: {rules: ["Read sensitive file untrusted"], priority: ">=Warning"}
    actions: [{action: stop-container}, {action: notify, webhook: "https://hooks.example.com/x"}]
    guards: {skipNamespaces: [kube-system], maxPerMinute: 10}
denyExec:
  - {name: no binaries from tmpfs, paths: ["/dev/shm/**", "/tmp/**"]}
  - {name: drift, notInImage: true}
"#,
        )
        .unwrap();
        assert_eq!(p.playbooks.len(), 1);
        let pb = &p.playbooks[0];
        assert_eq!(pb.actions[0].kind.name(), "stop-container");
        assert_eq!(
            pb.actions[1].kind,
            ActionKind::Notify {
                url: "https://hooks.example.com/x".into(),
                format: NotifyFormat::Falco
            }
        );
        assert_eq!(pb.guards.max_per_minute, Some(10));
        assert_eq!(pb.guards.skip_namespaces, ["kube-system"]);
        assert_eq!(
            pb.matcher.priority,
            Some(PriorityTest::AtLeast(Priority::Warning))
        );
        assert_eq!(p.deny_exec.len(), 2);
        assert!(p.deny_exec[1].not_in_image);
        assert!(p.digest.starts_with("sha256:"));
    }

    #[test]
    fn errors_point_at_file_line_and_column() {
        let errs = parse(
            "playbooks:\n  - name: a\n    match: {priority: \">=Loud\"}\n    actions:\n      - {action: explode}\n      - {action: taint-node, effect: Sometimes}\n    guards: {maxPerMinute: -1, skipNamespace: [x]}\ndenyExec:\n  - {name: d, paths: [tmp]}\n  - {name: e}\n",
        )
        .unwrap_err();
        assert_eq!(
            errs,
            [
                "p.yaml:3:23: priority \">=Loud\": expected a Falco priority (Emergency, Alert, Critical, Error, Warning, Notice, Informational, Debug), optionally after >=, >, <=, < or =",
                "p.yaml:5:18: unknown action \"explode\" (known: kill-process, stop-container, kill-container, pause-container, capture, delete-pod, label-pod, isolate-pod, taint-node, cordon-node, notify)",
                "p.yaml:6:38: effect \"Sometimes\": expected NoSchedule, PreferNoSchedule or NoExecute",
                "p.yaml:7:32: unknown field `skipNamespace` in guards (known: skipNamespaces, skipImages, skipSystem, maxPerMinute, dedupeSeconds)",
                "p.yaml:7:28: maxPerMinute must be a whole number from 0 to 100000",
                "p.yaml:9:23: path glob \"tmp\" must be absolute",
                "p.yaml:10:5: denyExec rule \"e\" needs `paths` or `notInImage: true`",
            ]
        );
    }

    #[test]
    fn broken_yaml_is_one_diagnostic_with_its_position() {
        let errs = parse("playbooks: [\n").unwrap_err();
        assert_eq!(errs.len(), 1);
        assert!(errs[0].starts_with("p.yaml:"), "{errs:?}");
    }

    #[test]
    fn priority_comparisons() {
        let t = |s: &str, p| PriorityTest::parse(s).unwrap().test(p);
        assert!(t(">=Warning", Priority::Critical));
        assert!(t(">=Warning", Priority::Warning));
        assert!(!t(">=Warning", Priority::Notice));
        assert!(!t(">Warning", Priority::Warning));
        assert!(t("<Warning", Priority::Notice));
        assert!(t("<=warning", Priority::Warning));
        assert!(t("Error", Priority::Error));
        assert!(PriorityTest::parse("~Error").is_none());
    }

    #[test]
    fn label_names_and_values() {
        assert!(label_key_ok("palisade.dev/isolated"));
        assert!(label_key_ok("app"));
        assert!(!label_key_ok("Bad_Prefix/x"));
        assert!(!label_key_ok("/x"));
        assert!(label_value_ok(""));
        assert!(!label_value_ok("-x"));
        assert!(!label_value_ok(&"a".repeat(64)));
    }
}
