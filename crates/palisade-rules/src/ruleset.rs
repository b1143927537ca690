//! Validation: merges rules files in order (append, override), expands macros and lists,
//! resolves fields and compiles conditions and outputs into a [`Ruleset`], with diagnostics
//! pointing at the file, line and column of each problem.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;

use memchr::memmem;
use palisade_core::Span;
use serde::Serialize;

use crate::byteset::ByteSet;
use crate::condition::{self, Expr, FieldExpr, Op, Rhs, Value};
use crate::diag::{Diagnostic, Level};
use crate::fields::{self, FieldError, FieldId, FieldSource as FieldSrc, FieldType};
use crate::program::{Check, Field, Glob, Matcher, Net, Node};
use crate::raw::{
    ExceptionValue, FieldsSpec, Merge, RawException, RawFile, RawItem, RawList, RawMacro, RawRule,
    Spanned, Text,
};

/// The rules-file engine version palisade implements (files may require up to this).
pub const ENGINE_VERSION: &str = "0.57.0";

/// How urgent an alert is, in Falco's (syslog's) order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Priority {
    Emergency,
    Alert,
    Critical,
    Error,
    Warning,
    Notice,
    Informational,
    Debug,
}

impl Priority {
    pub fn parse(s: &str) -> Option<Priority> {
        Some(match s.to_ascii_lowercase().as_str() {
            "emergency" => Priority::Emergency,
            "alert" => Priority::Alert,
            "critical" => Priority::Critical,
            "error" => Priority::Error,
            "warning" => Priority::Warning,
            "notice" => Priority::Notice,
            "info" | "informational" => Priority::Informational,
            "debug" => Priority::Debug,
            _ => return None,
        })
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Priority::Emergency => "Emergency",
            Priority::Alert => "Alert",
            Priority::Critical => "Critical",
            Priority::Error => "Error",
            Priority::Warning => "Warning",
            Priority::Notice => "Notice",
            Priority::Informational => "Informational",
            Priority::Debug => "Debug",
        })
    }
}

/// The kind of events a rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Source {
    #[serde(rename = "syscall")]
    Syscall,
    #[serde(rename = "k8s_audit")]
    K8sAudit,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Syscall => "syscall",
            Source::K8sAudit => "k8s_audit",
        }
    }
}

/// A piece of an output template.
#[derive(Debug, Clone)]
pub enum OutputPart {
    Text(String),
    /// A field, and its name as written (the key in `output_fields`).
    Field(Field, String),
}

/// The event types a rule can match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventTypes {
    /// No restriction: every event visits the rule.
    All,
    /// Only these.
    Only(BTreeSet<String>),
    /// All but these.
    AllBut(BTreeSet<String>),
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    pub desc: String,
    pub priority: Priority,
    pub tags: Vec<String>,
    pub source: Source,
    pub enabled: bool,
    pub output: Vec<OutputPart>,
    pub condition: Node,
    pub event_types: EventTypes,
    /// Where each `evt.type` value was named (for diagnostics about unknown event types).
    pub event_type_spans: Vec<(String, Span)>,
    pub span: Span,
}

/// The result of loading rules files: the rules that compiled and everything that was wrong.
#[derive(Debug, Clone, Default)]
pub struct Ruleset {
    pub rules: Vec<Rule>,
    pub diagnostics: Vec<Diagnostic>,
    /// Rules defined, including those that did not compile.
    pub defined: usize,
}

impl Ruleset {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.level == Level::Error)
    }

    /// Appends `extra` (an output template such as `container_id=%container.id`) to the output
    /// of every rule of `source`, as Falco's `append_output` setting does. Unknown fields are
    /// warnings, kept in [`Ruleset::diagnostics`].
    pub fn append_output(&mut self, source: Source, extra: &str) {
        let text = Spanned {
            value: format!(" {}", extra.trim()),
            span: Span::new("<append_output>", 1, 1),
        };
        let parts = parse_output(&text, &mut self.diagnostics);
        for rule in self.rules.iter_mut().filter(|r| r.source == source) {
            rule.output.extend(parts.iter().cloned());
        }
    }
}

struct ListDef {
    items: Vec<Spanned<String>>,
    span: Span,
}

struct MacroDef {
    text: Text,
    span: Span,
}

struct RuleDef {
    raw: RawRule,
}

/// The evt.type restriction of a sub-condition.
#[derive(Debug, Clone)]
enum Evt {
    /// Not about event types (e.g. `proc.name = x`): neutral under `not`.
    Any,
    Only(BTreeSet<String>),
    AllBut(BTreeSet<String>),
}

impl Evt {
    fn not(self) -> Evt {
        match self {
            Evt::Any => Evt::Any,
            Evt::Only(s) => Evt::AllBut(s),
            Evt::AllBut(s) => Evt::Only(s),
        }
    }

    fn and(self, o: Evt) -> Evt {
        match (self, o) {
            (Evt::Any, x) | (x, Evt::Any) => x,
            (Evt::Only(a), Evt::Only(b)) => Evt::Only(a.intersection(&b).cloned().collect()),
            (Evt::Only(a), Evt::AllBut(b)) | (Evt::AllBut(b), Evt::Only(a)) => {
                Evt::Only(a.difference(&b).cloned().collect())
            }
            (Evt::AllBut(a), Evt::AllBut(b)) => Evt::AllBut(a.union(&b).cloned().collect()),
        }
    }

    fn or(self, o: Evt) -> Evt {
        match (self, o) {
            (Evt::Any, _) | (_, Evt::Any) => Evt::Any,
            (Evt::Only(a), Evt::Only(b)) => Evt::Only(a.union(&b).cloned().collect()),
            (Evt::Only(a), Evt::AllBut(b)) | (Evt::AllBut(b), Evt::Only(a)) => {
                Evt::AllBut(b.difference(&a).cloned().collect())
            }
            (Evt::AllBut(a), Evt::AllBut(b)) => Evt::AllBut(a.intersection(&b).cloned().collect()),
        }
    }
}

/// Loads rules files given as (name, text) pairs, in order.
pub fn load(files: &[(String, String)]) -> Ruleset {
    let raws: Vec<RawFile> = files
        .iter()
        .map(|(name, text)| crate::raw::parse_file(name, text))
        .collect();
    compile(&raws)
}

/// Compiles parsed rules files, in order.
pub fn compile(files: &[RawFile]) -> Ruleset {
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut lists: HashMap<String, ListDef> = HashMap::new();
    let mut list_order: Vec<String> = Vec::new();
    let mut macros: HashMap<String, MacroDef> = HashMap::new();
    let mut macro_order: Vec<String> = Vec::new();
    let mut rules: Vec<RuleDef> = Vec::new();
    let mut rule_idx: HashMap<String, usize> = HashMap::new();

    for f in files {
        diags.extend(f.diagnostics.iter().cloned());
        for item in &f.items {
            match item {
                RawItem::RequiredEngineVersion(v) => {
                    if !is_engine_version(&v.value) {
                        diags.push(Diagnostic::warning(
                            "engine-version",
                            v.span.clone(),
                            format!(
                                "required_engine_version {:?} is not a version (MAJOR.MINOR.PATCH, or the old integer form)",
                                v.value
                            ),
                        ));
                    } else if version_gt(&semver_of(&v.value), ENGINE_VERSION) {
                        diags.push(Diagnostic::warning(
                            "engine-version",
                            v.span.clone(),
                            format!(
                                "file requires engine version {}, palisade implements {ENGINE_VERSION}",
                                v.value
                            ),
                        ));
                    }
                }
                RawItem::RequiredPluginVersions(_) => {}
                RawItem::List(l) => merge_list(l, &mut lists, &mut list_order, &mut diags),
                RawItem::Macro(m) => merge_macro(m, &mut macros, &mut macro_order, &mut diags),
                RawItem::Rule(r) => merge_rule(r, &mut rules, &mut rule_idx, &mut diags),
            }
        }
    }

    let mut parsed: HashMap<String, Result<Expr, condition::ParseError>> = HashMap::new();
    for name in &macro_order {
        if let Some(m) = macros.get(name) {
            let p = condition::parse(&m.text.value);
            if let Err(e) = &p {
                diags.push(Diagnostic::error(
                    "condition-syntax",
                    m.text.span_at(e.at),
                    format!("in macro `{name}`: {}", e.message),
                ));
            }
            parsed.insert(name.clone(), p);
        }
    }

    let mut cx = Cx {
        lists: &lists,
        macros: &macros,
        parsed: &parsed,
        diags: Vec::new(),
        stack: Vec::new(),
        used_lists: HashSet::new(),
        used_macros: HashSet::new(),
        source: Source::Syscall,
        unknown_field: false,
        evt_spans: Vec::new(),
        expansions: 0,
        list_overflow: false,
        list_span: Span::new("", 0, 0),
        list_visits: 0,
    };
    let mut out = Vec::new();
    let defined = rules.len();
    for def in &rules {
        if let Some(rule) = cx.rule(&def.raw) {
            out.push(rule);
        }
    }
    // Lists used only by other lists count as used.
    for name in list_order.iter() {
        if cx.used_lists.contains(name) {
            continue;
        }
        let referenced = lists
            .values()
            .any(|l| l.items.iter().any(|i| i.value == *name));
        if referenced {
            cx.used_lists.insert(name.clone());
        }
    }
    let mut diags2 = std::mem::take(&mut cx.diags);
    for name in &list_order {
        if !cx.used_lists.contains(name) {
            if let Some(l) = lists.get(name) {
                diags2.push(Diagnostic::warning(
                    "unused-list",
                    l.span.clone(),
                    format!("list `{name}` is not used by any rule"),
                ));
            }
        }
    }
    for name in &macro_order {
        if !cx.used_macros.contains(name) {
            if let Some(m) = macros.get(name) {
                diags2.push(Diagnostic::warning(
                    "unused-macro",
                    m.span.clone(),
                    format!("macro `{name}` is not used by any rule"),
                ));
            }
        }
    }
    diags.extend(diags2);
    // The same macro expanded in many rules reports its problems once.
    let mut seen = HashSet::new();
    diags.retain(|d| seen.insert((d.span.clone(), d.code, d.message.clone())));
    diags.sort_by(|a, b| {
        (a.span.file.as_str(), a.span.line, a.span.column).cmp(&(
            b.span.file.as_str(),
            b.span.line,
            b.span.column,
        ))
    });
    // Keep the files' order, not alphabetical.
    let order: HashMap<&str, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.name.as_str(), i))
        .collect();
    diags.sort_by_key(|d| {
        order
            .get(d.span.file.as_str())
            .copied()
            .unwrap_or(usize::MAX)
    });
    Ruleset {
        rules: out,
        diagnostics: diags,
        defined,
    }
}

/// Falco's forms: `0.31.0` (semantic version), or an old engine number such as `10`.
fn is_engine_version(v: &str) -> bool {
    let parts: Vec<&str> = v.trim().split('.').collect();
    let numbers = parts
        .iter()
        .all(|p| !p.is_empty() && p.len() <= 9 && p.bytes().all(|b| b.is_ascii_digit()));
    numbers && (parts.len() == 3 || (parts.len() == 1 && parts[0].len() <= 4))
}

/// The old integer engine versions are Falco's `0.N.0`.
fn semver_of(v: &str) -> String {
    let v = v.trim();
    if v.contains('.') {
        v.to_owned()
    } else {
        format!("0.{v}.0")
    }
}

fn version_gt(a: &str, b: &str) -> bool {
    let p = |s: &str| -> Vec<u64> {
        s.split('.')
            .map(|x| x.trim().parse().unwrap_or(0))
            .collect()
    };
    p(a) > p(b)
}

fn merge_list(
    l: &RawList,
    lists: &mut HashMap<String, ListDef>,
    order: &mut Vec<String>,
    diags: &mut Vec<Diagnostic>,
) {
    let name = &l.name.value;
    let items = l.items.clone().unwrap_or_default();
    let append = l.append || l.override_items == Some(Merge::Append);
    if append {
        match lists.get_mut(name) {
            Some(def) => def.items.extend(items),
            None => diags.push(Diagnostic::error(
                "append-without-base",
                l.span.clone(),
                format!("list `{name}` appends to a list not defined before"),
            )),
        }
        return;
    }
    if l.override_items == Some(Merge::Replace) && !lists.contains_key(name) {
        diags.push(Diagnostic::error(
            "append-without-base",
            l.span.clone(),
            format!("list `{name}` overrides a list not defined before"),
        ));
        return;
    }
    if !lists.contains_key(name) {
        order.push(name.clone());
    }
    lists.insert(
        name.clone(),
        ListDef {
            items,
            span: l.span.clone(),
        },
    );
}

fn merge_macro(
    m: &RawMacro,
    macros: &mut HashMap<String, MacroDef>,
    order: &mut Vec<String>,
    diags: &mut Vec<Diagnostic>,
) {
    let name = &m.name.value;
    let Some(text) = &m.condition else { return };
    let append = m.append || m.override_condition == Some(Merge::Append);
    if append {
        match macros.get_mut(name) {
            Some(def) => def.text.append(text),
            None => diags.push(Diagnostic::error(
                "append-without-base",
                m.span.clone(),
                format!("macro `{name}` appends to a macro not defined before"),
            )),
        }
        return;
    }
    if m.override_condition == Some(Merge::Replace) && !macros.contains_key(name) {
        diags.push(Diagnostic::error(
            "append-without-base",
            m.span.clone(),
            format!("macro `{name}` overrides a macro not defined before"),
        ));
        return;
    }
    if !macros.contains_key(name) {
        order.push(name.clone());
    }
    macros.insert(
        name.clone(),
        MacroDef {
            text: text.clone(),
            span: m.span.clone(),
        },
    );
}

fn merge_rule(
    r: &RawRule,
    rules: &mut Vec<RuleDef>,
    idx: &mut HashMap<String, usize>,
    diags: &mut Vec<Diagnostic>,
) {
    let Some(name) = r.name.as_ref().map(|n| n.value.clone()) else {
        return;
    };
    let existing = idx.get(&name).copied();
    let only_enabled = r.condition.is_none()
        && r.output.is_none()
        && r.priority.is_none()
        && r.desc.is_none()
        && r.exceptions.is_none()
        && r.enabled.is_some();
    if r.append || !r.overrides.is_empty() || (only_enabled && existing.is_some()) {
        let Some(base) = existing.and_then(|i| rules.get_mut(i)) else {
            diags.push(Diagnostic::error(
                "append-without-base",
                r.span.clone(),
                format!("rule `{name}` appends to or overrides a rule not defined before"),
            ));
            return;
        };
        let b = &mut base.raw;
        let mode = |key: &str| -> Option<Merge> {
            if let Some((_, m, _)) = r.overrides.iter().find(|(k, _, _)| k == key) {
                return Some(*m);
            }
            if r.append && matches!(key, "condition" | "exceptions") {
                return Some(Merge::Append);
            }
            None
        };
        for (key, _, span) in &r.overrides {
            let present = match key.as_str() {
                "desc" => r.desc.is_some(),
                "condition" => r.condition.is_some(),
                "output" => r.output.is_some(),
                "priority" => r.priority.is_some(),
                "tags" => r.tags.is_some(),
                "enabled" => r.enabled.is_some(),
                "exceptions" => r.exceptions.is_some(),
                "source" => r.source.is_some(),
                "warn_evttypes" => r.warn_evttypes.is_some(),
                "skip-if-unknown-filter" => r.skip_if_unknown_filter.is_some(),
                _ => true,
            };
            if !present {
                diags.push(Diagnostic::error(
                    "missing-key",
                    span.clone(),
                    format!("rule `{name}` overrides `{key}` but does not give it"),
                ));
            }
        }
        if let Some(c) = &r.condition {
            match mode("condition") {
                Some(Merge::Append) => match &mut b.condition {
                    Some(old) => old.append(c),
                    None => b.condition = Some(c.clone()),
                },
                Some(Merge::Replace) => b.condition = Some(c.clone()),
                None => {}
            }
        }
        if let Some(ex) = &r.exceptions {
            match mode("exceptions") {
                Some(Merge::Append) => {
                    let list = b.exceptions.get_or_insert_with(Vec::new);
                    for e in ex {
                        match list.iter_mut().find(|x| x.name.value == e.name.value) {
                            Some(x) => x.values.extend(e.values.iter().cloned()),
                            None => list.push(e.clone()),
                        }
                    }
                }
                Some(Merge::Replace) => b.exceptions = Some(ex.clone()),
                None => {}
            }
        }
        macro_rules! text_key {
            ($key:literal, $f:ident) => {
                if let Some(v) = &r.$f {
                    match mode($key) {
                        Some(Merge::Append) => {
                            b.$f = Some(match &b.$f {
                                Some(old) => Spanned {
                                    value: format!("{} {}", old.value, v.value),
                                    span: old.span.clone(),
                                },
                                None => v.clone(),
                            })
                        }
                        Some(Merge::Replace) => b.$f = Some(v.clone()),
                        None => {}
                    }
                }
            };
        }
        text_key!("output", output);
        text_key!("desc", desc);
        if let Some(t) = &r.tags {
            match mode("tags") {
                Some(Merge::Append) => b
                    .tags
                    .get_or_insert_with(Vec::new)
                    .extend(t.iter().cloned()),
                Some(Merge::Replace) => b.tags = Some(t.clone()),
                None => {}
            }
        }
        if mode("priority").is_some() {
            if let Some(p) = &r.priority {
                b.priority = Some(p.clone());
            }
        }
        if mode("source").is_some() {
            if let Some(s) = &r.source {
                b.source = Some(s.clone());
            }
        }
        // `enabled` always applies (legacy form: `- rule: x` + `enabled: false`).
        if let Some(e) = &r.enabled {
            b.enabled = Some(e.clone());
        }
        if r.warn_evttypes.is_some() {
            b.warn_evttypes = r.warn_evttypes;
        }
        if r.skip_if_unknown_filter.is_some() {
            b.skip_if_unknown_filter = r.skip_if_unknown_filter;
        }
        return;
    }
    let def = RuleDef { raw: r.clone() };
    match existing {
        Some(i) => {
            if let Some(slot) = rules.get_mut(i) {
                *slot = def;
            }
        }
        None => {
            idx.insert(name, rules.len());
            rules.push(def);
        }
    }
}

struct Cx<'a> {
    lists: &'a HashMap<String, ListDef>,
    macros: &'a HashMap<String, MacroDef>,
    parsed: &'a HashMap<String, Result<Expr, condition::ParseError>>,
    diags: Vec<Diagnostic>,
    stack: Vec<String>,
    used_lists: HashSet<String>,
    used_macros: HashSet<String>,
    source: Source,
    unknown_field: bool,
    evt_spans: Vec<(String, Span)>,
    /// Macro references expanded for the current rule (bounded by [`MAX_MACRO_EXPANSIONS`]).
    expansions: usize,
    /// Whether the current comparison's lists were cut at [`MAX_LIST_ITEMS`], and where it is.
    list_overflow: bool,
    list_span: Span,
    list_visits: usize,
}

/// Splits an output template into text and fields (`%name`, `%name[arg]`); an unknown field
/// is a warning and prints as `<NA>`.
fn parse_output(o: &Spanned<String>, diags: &mut Vec<Diagnostic>) -> Vec<OutputPart> {
    let s = o.value.as_str();
    let b = s.as_bytes();
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && b.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic()) {
            let start = i + 1;
            let mut j = start;
            while b
                .get(j)
                .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.')
            {
                j += 1;
            }
            let mut name = &s[start..j];
            let mut arg = None;
            let mut end = j;
            if b.get(j) == Some(&b'[') {
                if let Some(close) = s[j..].find(']') {
                    arg = Some(&s[j + 1..j + close]);
                    end = j + close + 1;
                }
            }
            let mut res = fields::resolve(name, arg);
            while res.is_err() && name.ends_with('.') && arg.is_none() {
                name = &name[..name.len() - 1];
                end -= 1;
                res = fields::resolve(name, arg);
            }
            match res {
                Ok((info, farg)) => {
                    if !lit.is_empty() {
                        parts.push(OutputPart::Text(std::mem::take(&mut lit)));
                    }
                    parts.push(OutputPart::Field(
                        Field {
                            id: info.id,
                            arg: farg,
                            ty: info.ty,
                            transformers: Vec::new(),
                        },
                        s[start..end].to_string(),
                    ));
                }
                Err(e) => {
                    diags.push(Diagnostic::warning(
                        "unknown-field",
                        Span::new(o.span.file.clone(), o.span.line, o.span.column),
                        format!("in output: {e}; printed as <NA>"),
                    ));
                    lit.push_str("<NA>");
                }
            }
            i = end;
        } else {
            let ch = s[i..].chars().next().unwrap_or(' ');
            lit.push(ch);
            i += ch.len_utf8();
        }
    }
    if !lit.is_empty() {
        parts.push(OutputPart::Text(lit));
    }
    parts
}

/// How deep macros may nest (Falco's own rules nest a handful deep).
const MAX_MACRO_DEPTH: usize = 64;
/// How many macro references one rule's condition may expand to.
const MAX_MACRO_EXPANSIONS: usize = 20_000;
/// How many values the lists of one comparison may expand to.
const MAX_LIST_ITEMS: usize = 100_000;

/// Whether a field of type `ty` can be compared with `op`: text takes every operator, the
/// other types equality, order (numbers) and sets.
fn accepts(ty: FieldType, op: Op) -> bool {
    use Op::*;
    match ty {
        FieldType::Str | FieldType::Dyn => true,
        FieldType::Num => matches!(op, Eq | Ne | Lt | Le | Gt | Ge | In | Intersects | Exists),
        FieldType::Bool | FieldType::Ip | FieldType::Net => {
            matches!(op, Eq | Ne | In | Intersects | Exists)
        }
    }
}

impl Cx<'_> {
    fn err(&mut self, code: &'static str, span: Span, msg: String) {
        self.diags.push(Diagnostic::error(code, span, msg));
    }

    fn rule(&mut self, r: &RawRule) -> Option<Rule> {
        let name = r.name.as_ref()?.value.clone();
        self.expansions = 0;
        let mut ok = true;
        for (key, present) in [
            ("condition", r.condition.is_some()),
            ("output", r.output.is_some()),
            ("priority", r.priority.is_some()),
        ] {
            if !present {
                self.err(
                    "missing-key",
                    r.span.clone(),
                    format!("rule `{name}` has no `{key}`"),
                );
                ok = false;
            }
        }
        let source = match r.source.as_ref().map(|s| s.value.as_str()) {
            None | Some("syscall") => Source::Syscall,
            Some("k8s_audit") => Source::K8sAudit,
            Some(other) => {
                let span = r.source.as_ref().map_or(r.span.clone(), |s| s.span.clone());
                self.diags.push(Diagnostic::warning(
                    "unknown-source",
                    span,
                    format!(
                        "rule `{name}` has source `{other}`, which palisade does not read; skipped"
                    ),
                ));
                return None;
            }
        };
        let priority = match &r.priority {
            Some(p) => match Priority::parse(&p.value) {
                Some(p) => p,
                None => {
                    self.err(
                        "invalid-key",
                        p.span.clone(),
                        format!("unknown priority `{}`", p.value),
                    );
                    ok = false;
                    Priority::Debug
                }
            },
            None => Priority::Debug,
        };
        let text = r.condition.as_ref()?;
        self.source = source;
        self.unknown_field = false;
        self.evt_spans.clear();
        let before = self.diags.len();
        let expr = match condition::parse(&text.value) {
            Ok(e) => e,
            Err(e) => {
                self.err(
                    "condition-syntax",
                    text.span_at(e.at),
                    format!("in rule `{name}`: {}", e.message),
                );
                return None;
            }
        };
        let (mut node, mut evt) = self.expr(&expr, text);
        if let Some(exs) = &r.exceptions {
            let mut alts = Vec::new();
            for ex in exs {
                if let Some((n, _)) = self.exception(ex) {
                    alts.push(n);
                }
            }
            if !alts.is_empty() {
                node = Node::And(vec![node, Node::Not(Box::new(Node::Or(alts)))]);
                evt = evt.and(Evt::Any);
            }
        }
        let output = r
            .output
            .as_ref()
            .map(|o| self.output(o))
            .unwrap_or_default();
        let failed = self.diags[before..].iter().any(|d| d.level == Level::Error);
        if failed && self.unknown_field && r.skip_if_unknown_filter == Some(true) {
            self.diags.truncate(before);
            self.diags.push(Diagnostic::warning(
                "unknown-filter-skipped",
                r.span.clone(),
                format!("rule `{name}` uses a field palisade does not know; skipped"),
            ));
            return None;
        }
        if failed || !ok {
            return None;
        }
        let event_types = match evt {
            Evt::Any => EventTypes::All,
            Evt::AllBut(s) if s.is_empty() => EventTypes::All,
            Evt::AllBut(s) => EventTypes::AllBut(s),
            Evt::Only(s) => EventTypes::Only(s),
        };
        if event_types == EventTypes::All
            && source == Source::Syscall
            && r.warn_evttypes != Some(false)
        {
            self.diags.push(Diagnostic::warning(
                "no-event-type",
                text.span.clone(),
                format!(
                    "rule `{name}` does not restrict evt.type, so every event is checked against it"
                ),
            ));
        }
        Some(Rule {
            name,
            desc: r.desc.as_ref().map(|d| d.value.clone()).unwrap_or_default(),
            priority,
            tags: r.tags.clone().unwrap_or_default(),
            source,
            enabled: r.enabled.as_ref().is_none_or(|e| e.value),
            output,
            condition: node,
            event_types,
            event_type_spans: std::mem::take(&mut self.evt_spans),
            span: r.span.clone(),
        })
    }

    fn output(&mut self, o: &Spanned<String>) -> Vec<OutputPart> {
        parse_output(o, &mut self.diags)
    }

    fn exception(&mut self, ex: &RawException) -> Option<(Node, Evt)> {
        let span = ex.span.clone();
        let text = Text::synthetic(String::new(), span.clone());
        let Some(fields) = &ex.fields else {
            self.err(
                "invalid-exception",
                span,
                format!("exception `{}` has no `fields`", ex.name.value),
            );
            return None;
        };
        let mk_val = |v: &str| Value {
            text: v.to_string(),
            quoted: false,
            at: 0,
        };
        let field_expr = |name: &str| -> FieldExpr {
            let (n, arg) = match name.find('[') {
                Some(i) if name.ends_with(']') => {
                    (&name[..i], Some(name[i + 1..name.len() - 1].to_string()))
                }
                _ => (name, None),
            };
            FieldExpr {
                name: n.to_string(),
                arg,
                transformers: Vec::new(),
                at: 0,
            }
        };
        let op_of = |c: &str| Op::ALL.iter().find(|(n, _)| *n == c).map(|(_, o)| *o);
        let mut alts = Vec::new();
        match &fields.value {
            FieldsSpec::One(f) => {
                let comp = match &ex.comps {
                    Some(Spanned {
                        value: FieldsSpec::One(c),
                        ..
                    }) => c.clone(),
                    _ => "in".to_string(),
                };
                let Some(op) = op_of(&comp) else {
                    self.err(
                        "invalid-exception",
                        span,
                        format!("unknown comparison `{comp}`"),
                    );
                    return None;
                };
                let mut items = Vec::new();
                for v in &ex.values {
                    match &v.value {
                        ExceptionValue::Scalar(s) => items.push(mk_val(s)),
                        ExceptionValue::Seq(seq) => {
                            for x in seq {
                                if let ExceptionValue::Scalar(s) = x {
                                    items.push(mk_val(s));
                                }
                            }
                        }
                    }
                }
                if items.is_empty() {
                    return None;
                }
                if op.takes_list() {
                    alts.push(Expr::Compare {
                        field: field_expr(f),
                        op,
                        rhs: Rhs::List(items),
                        at: 0,
                    });
                } else {
                    for it in items {
                        alts.push(Expr::Compare {
                            field: field_expr(f),
                            op,
                            rhs: Rhs::Value(it),
                            at: 0,
                        });
                    }
                }
            }
            FieldsSpec::Many(fs) => {
                let comps: Vec<String> = match &ex.comps {
                    Some(Spanned {
                        value: FieldsSpec::Many(c),
                        ..
                    }) => c.clone(),
                    Some(Spanned {
                        value: FieldsSpec::One(c),
                        ..
                    }) => vec![c.clone(); fs.len()],
                    None => vec!["=".to_string(); fs.len()],
                };
                if comps.len() != fs.len() {
                    self.err(
                        "invalid-exception",
                        span,
                        format!(
                            "exception `{}` has {} fields but {} comps",
                            ex.name.value,
                            fs.len(),
                            comps.len()
                        ),
                    );
                    return None;
                }
                for v in &ex.values {
                    let ExceptionValue::Seq(tuple) = &v.value else {
                        self.err(
                            "invalid-exception",
                            v.span.clone(),
                            "exception values must be tuples, one value per field".into(),
                        );
                        continue;
                    };
                    if tuple.len() != fs.len() {
                        self.err(
                            "invalid-exception",
                            v.span.clone(),
                            format!("tuple has {} values for {} fields", tuple.len(), fs.len()),
                        );
                        continue;
                    }
                    let mut conj = Vec::new();
                    for ((f, c), val) in fs.iter().zip(&comps).zip(tuple) {
                        let Some(op) = op_of(c) else {
                            self.err(
                                "invalid-exception",
                                v.span.clone(),
                                format!("unknown comparison `{c}`"),
                            );
                            return None;
                        };
                        let rhs = match val {
                            ExceptionValue::Scalar(s) if op.takes_list() => {
                                Rhs::List(vec![mk_val(s)])
                            }
                            ExceptionValue::Scalar(s) => Rhs::Value(mk_val(s)),
                            ExceptionValue::Seq(items) => Rhs::List(
                                items
                                    .iter()
                                    .filter_map(|x| match x {
                                        ExceptionValue::Scalar(s) => Some(mk_val(s)),
                                        ExceptionValue::Seq(_) => None,
                                    })
                                    .collect(),
                            ),
                        };
                        conj.push(Expr::Compare {
                            field: field_expr(f),
                            op,
                            rhs,
                            at: 0,
                        });
                    }
                    alts.push(Expr::And(conj));
                }
            }
        }
        if alts.is_empty() {
            return None;
        }
        Some(self.expr(&Expr::Or(alts), &text))
    }

    fn expr(&mut self, e: &Expr, text: &Text) -> (Node, Evt) {
        match e {
            Expr::And(v) => {
                let mut nodes = Vec::with_capacity(v.len());
                let mut evt = Evt::Any;
                for x in v {
                    let (n, ev) = self.expr(x, text);
                    nodes.push(n);
                    evt = evt.and(ev);
                }
                (Node::And(nodes), evt)
            }
            Expr::Or(v) => {
                let mut nodes = Vec::with_capacity(v.len());
                let mut evt: Option<Evt> = None;
                for x in v {
                    let (n, ev) = self.expr(x, text);
                    nodes.push(n);
                    evt = Some(match evt {
                        None => ev,
                        Some(acc) => acc.or(ev),
                    });
                }
                (Node::Or(nodes), evt.unwrap_or(Evt::Any))
            }
            Expr::Not(x) => {
                let (n, ev) = self.expr(x, text);
                (Node::Not(Box::new(n)), ev.not())
            }
            Expr::Macro { name, at } => self.macro_ref(name, text.span_at(*at)),
            Expr::Compare { field, op, rhs, at } => self.compare(field, *op, rhs, text, *at),
        }
    }

    fn macro_ref(&mut self, name: &str, span: Span) -> (Node, Evt) {
        let Some(def) = self.macros.get(name) else {
            let msg = if name.contains('.') {
                format!("`{name}` is neither a macro nor followed by an operator")
            } else {
                format!("undefined macro `{name}`")
            };
            self.err("undefined-macro", span, msg);
            return (Node::False, Evt::Any);
        };
        self.used_macros.insert(name.to_string());
        if self.stack.len() >= MAX_MACRO_DEPTH {
            self.err(
                "macro-too-deep",
                span,
                format!(
                    "macro `{name}` is nested more than {MAX_MACRO_DEPTH} macros deep (through {} …)",
                    self.stack.iter().take(3).cloned().collect::<Vec<_>>().join(" -> ")
                ),
            );
            return (Node::False, Evt::Any);
        }
        self.expansions += 1;
        if self.expansions > MAX_MACRO_EXPANSIONS {
            if self.expansions == MAX_MACRO_EXPANSIONS + 1 {
                self.err(
                    "condition-too-large",
                    span,
                    format!(
                        "the condition expands to more than {MAX_MACRO_EXPANSIONS} macro references; \
                         simplify the macros it uses"
                    ),
                );
            }
            return (Node::False, Evt::Any);
        }
        if self.stack.iter().any(|s| s == name) {
            self.err(
                "macro-cycle",
                span,
                format!(
                    "macro `{name}` refers to itself through {}",
                    self.stack.join(" -> ")
                ),
            );
            return (Node::False, Evt::Any);
        }
        match self.parsed.get(name) {
            Some(Ok(expr)) => {
                self.stack.push(name.to_string());
                let r = self.expr(expr, &def.text);
                self.stack.pop();
                r
            }
            // The parse error was reported once already.
            _ => {
                self.diags.push(Diagnostic::error(
                    "condition-syntax",
                    span,
                    format!("macro `{name}` does not parse"),
                ));
                (Node::False, Evt::Any)
            }
        }
    }

    fn resolve_field(&mut self, f: &FieldExpr, text: &Text) -> Option<Field> {
        let span = text.span_at(f.at);
        match fields::resolve(&f.name, f.arg.as_deref()) {
            Ok((info, arg)) => {
                let ok_source = matches!(
                    (info.source, self.source),
                    (FieldSrc::Any, _)
                        | (FieldSrc::Syscall, Source::Syscall)
                        | (FieldSrc::K8sAudit, Source::K8sAudit)
                );
                if !ok_source {
                    self.unknown_field = true;
                    self.err(
                        "unknown-field",
                        span,
                        format!(
                            "field `{}` does not exist for {} events",
                            f.name,
                            self.source.name()
                        ),
                    );
                    return None;
                }
                let ty = if f.transformers.is_empty() {
                    info.ty
                } else {
                    FieldType::Str
                };
                Some(Field {
                    id: info.id,
                    arg,
                    ty,
                    transformers: f.transformers.clone(),
                })
            }
            Err(e) => {
                if matches!(e, FieldError::Unknown(_)) {
                    self.unknown_field = true;
                }
                self.err("unknown-field", span, e.to_string());
                None
            }
        }
    }

    /// Expands list names among values (recursively), marking lists used. The values of one
    /// comparison are bounded ([`MAX_LIST_ITEMS`]): lists that double at each level cannot
    /// make loading exponential.
    fn expand(&mut self, values: &[Value], out: &mut Vec<String>, depth: usize) {
        for v in values {
            self.list_visits += 1;
            if out.len() >= MAX_LIST_ITEMS || self.list_visits > 4 * MAX_LIST_ITEMS {
                if !self.list_overflow {
                    self.list_overflow = true;
                    let span = self.list_span.clone();
                    self.err(
                        "list-too-large",
                        span,
                        format!("the lists of one comparison expand to more than {MAX_LIST_ITEMS} values"),
                    );
                }
                return;
            }
            if !v.quoted {
                if let Some(l) = self.lists.get(&v.text) {
                    self.used_lists.insert(v.text.clone());
                    if depth >= 32 {
                        let span = self.list_span.clone();
                        self.err(
                            "list-too-deep",
                            span,
                            format!("list `{}` nests lists more than 32 deep", v.text),
                        );
                        return;
                    }
                    {
                        let items: Vec<Value> = l
                            .items
                            .iter()
                            .map(|i| Value {
                                text: i.value.clone(),
                                quoted: false,
                                at: v.at,
                            })
                            .collect();
                        self.expand(&items, out, depth + 1);
                    }
                    continue;
                }
            }
            // List items are spliced into conditions as written, so `'"10.0.0.0/8"'` is a
            // quoted string.
            let t = v.text.as_str();
            let unquoted = if !v.quoted
                && t.len() >= 2
                && ((t.starts_with('"') && t.ends_with('"'))
                    || (t.starts_with('\'') && t.ends_with('\'')))
            {
                &t[1..t.len() - 1]
            } else {
                t
            };
            out.push(unquoted.to_string());
        }
    }

    fn compare(
        &mut self,
        fe: &FieldExpr,
        op: Op,
        rhs: &Rhs,
        text: &Text,
        at: usize,
    ) -> (Node, Evt) {
        let fail = (Node::False, Evt::Any);
        let Some(field) = self.resolve_field(fe, text) else {
            return fail;
        };
        if !accepts(field.ty, op) {
            self.err(
                "wrong-operator",
                text.span_at(at),
                format!(
                    "operator `{}` does not apply to `{}` ({})",
                    op.name(),
                    fe.name,
                    field.ty.name()
                ),
            );
            return fail;
        }
        self.list_overflow = false;
        self.list_visits = 0;
        self.list_span = text.span_at(at);
        let values: Vec<String> = match rhs {
            Rhs::None => Vec::new(),
            Rhs::Value(v) => {
                if op.takes_list() {
                    let mut out = Vec::new();
                    self.expand(std::slice::from_ref(v), &mut out, 0);
                    out
                } else {
                    vec![v.text.clone()]
                }
            }
            Rhs::List(vs) => {
                if !op.takes_list() {
                    self.err(
                        "wrong-operator",
                        text.span_at(at),
                        format!("operator `{}` takes one value, not a list", op.name()),
                    );
                    return fail;
                }
                let mut out = Vec::new();
                self.expand(vs, &mut out, 0);
                out
            }
            Rhs::Field(rf) => {
                let Some(rfield) = self.resolve_field(rf, text) else {
                    return fail;
                };
                if op.takes_list() || matches!(op, Op::Regex | Op::PMatch | Op::Exists) {
                    self.err(
                        "wrong-operator",
                        text.span_at(at),
                        format!("operator `{}` cannot compare with val()", op.name()),
                    );
                    return fail;
                }
                return (
                    Node::Check(Box::new(Check {
                        kinds: None,
                        all_values: false,
                        field,
                        matcher: Matcher::Field(op, Box::new(rfield)),
                    })),
                    Evt::Any,
                );
            }
        };
        // Unquoted single-word list items that look like list names but are not lists.
        if let Rhs::List(vs) = rhs {
            for v in vs {
                const LIST_SUFFIXES: &[&str] = &[
                    "_binaries",
                    "_dirs",
                    "_directories",
                    "_files",
                    "_images",
                    "_list",
                    "_names",
                    "_domains",
                    "_ports",
                    "_paths",
                    "_procs",
                    "_addresses",
                    "_containers",
                    "_users",
                ];
                if !v.quoted
                    && !self.lists.contains_key(&v.text)
                    && field.id != FieldId::EvtType
                    && LIST_SUFFIXES.iter().any(|s| v.text.ends_with(s))
                    && v.text
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_')
                {
                    self.diags.push(Diagnostic::warning(
                        "undefined-list",
                        text.span_at(v.at),
                        format!(
                            "`{}` is not a defined list; compared as a literal value",
                            v.text
                        ),
                    ));
                }
            }
        }
        if field.id == FieldId::EvtType && field.transformers.is_empty() {
            for v in &values {
                self.evt_spans.push((v.clone(), text.span_at(at)));
            }
        }
        let evt = if field.id == FieldId::EvtType && field.transformers.is_empty() {
            let set: BTreeSet<String> = values.iter().cloned().collect();
            match op {
                Op::Eq | Op::In | Op::Intersects => Evt::Only(set),
                Op::Ne => Evt::AllBut(set),
                _ => Evt::Any,
            }
        } else {
            Evt::Any
        };
        let all_values = matches!(op, Op::In | Op::PMatch) && fields::is_list(field.id, &field.arg);
        match self.matcher(&field, op, &values) {
            Ok(matcher) => (
                Node::Check(Box::new(Check {
                    field,
                    matcher,
                    kinds: None,
                    all_values,
                })),
                evt,
            ),
            Err(msg) => {
                self.err("invalid-value", text.span_at(at), msg);
                fail
            }
        }
    }

    fn matcher(&self, field: &Field, op: Op, values: &[String]) -> Result<Matcher, String> {
        let one = || values.first().cloned().unwrap_or_default();
        let bytes_set =
            |vals: &[String]| -> ByteSet { vals.iter().map(|v| v.as_bytes()).collect() };
        if op == Op::Exists {
            return Ok(Matcher::Exists);
        }
        let num = |s: &str| -> Result<i64, String> {
            let t = s.trim();
            let parsed = if let Some(h) = t.strip_prefix("0x") {
                i64::from_str_radix(h, 16).ok()
            } else {
                t.parse::<i64>()
                    .ok()
                    .or_else(|| t.parse::<u64>().ok().map(|u| u as i64))
            };
            parsed.ok_or_else(|| format!("`{s}` is not a number"))
        };
        Ok(match field.ty {
            FieldType::Str => match op {
                Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                    Matcher::StrCmp(op, one().into_bytes())
                }
                Op::In | Op::Intersects => Matcher::StrSet(bytes_set(values)),
                Op::Contains | Op::BContains => {
                    Matcher::Contains(memmem::Finder::new(one().as_bytes()).into_owned())
                }
                Op::IContains => Matcher::IContains(
                    memmem::Finder::new(one().to_ascii_lowercase().as_bytes()).into_owned(),
                ),
                Op::StartsWith | Op::BStartsWith => Matcher::StartsWith(one().into_bytes()),
                Op::EndsWith => Matcher::EndsWith(one().into_bytes()),
                Op::Glob => Matcher::Glob(Glob::new(one().as_bytes())),
                Op::IGlob => Matcher::IGlob(Glob::new(one().to_ascii_lowercase().as_bytes())),
                Op::PMatch => Matcher::PMatch(bytes_set(values)),
                Op::Regex => {
                    let pat = format!("^(?:{})$", one());
                    Matcher::Regex(
                        regex::bytes::RegexBuilder::new(&pat)
                            .size_limit(1 << 20)
                            .build()
                            .map_err(|e| format!("invalid regex: {e}"))?,
                    )
                }
                Op::Exists => Matcher::Exists,
            },
            FieldType::Num => match op {
                Op::In | Op::Intersects => {
                    Matcher::NumSet(values.iter().map(|v| num(v)).collect::<Result<_, _>>()?)
                }
                _ => Matcher::NumCmp(op, num(&one())?),
            },
            FieldType::Bool => {
                let b = |s: &str| match s.to_ascii_lowercase().as_str() {
                    "true" | "1" => Ok(true),
                    "false" | "0" => Ok(false),
                    _ => Err(format!("`{s}` is not true or false")),
                };
                match op {
                    Op::In | Op::Intersects => {
                        let vals: Vec<bool> =
                            values.iter().map(|v| b(v)).collect::<Result<_, _>>()?;
                        match (vals.contains(&true), vals.contains(&false)) {
                            (true, true) => Matcher::Exists,
                            (true, false) => Matcher::BoolEq(true, true),
                            (false, true) => Matcher::BoolEq(true, false),
                            (false, false) => Matcher::NumSet(Vec::new()),
                        }
                    }
                    Op::Ne => Matcher::BoolEq(false, b(&one())?),
                    _ => Matcher::BoolEq(true, b(&one())?),
                }
            }
            FieldType::Ip | FieldType::Net => {
                let net = |s: &str| {
                    Net::parse(s).ok_or_else(|| format!("`{s}` is not an IP address or network"))
                };
                match op {
                    Op::In | Op::Intersects => {
                        Matcher::NetSet(values.iter().map(|v| net(v)).collect::<Result<_, _>>()?)
                    }
                    _ => Matcher::NetEq(op, net(&one())?),
                }
            }
            FieldType::Dyn => match op {
                Op::In | Op::Intersects => {
                    let nums: Option<Vec<i64>> =
                        values.iter().map(|v| v.trim().parse().ok()).collect();
                    Matcher::DynSet(bytes_set(values), nums.unwrap_or_default())
                }
                Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                    let v = one();
                    let n = v.trim().parse::<i64>().ok();
                    Matcher::DynCmp(op, v.into_bytes(), n)
                }
                Op::Contains
                | Op::BContains
                | Op::IContains
                | Op::StartsWith
                | Op::BStartsWith
                | Op::EndsWith
                | Op::Glob
                | Op::IGlob
                | Op::PMatch
                | Op::Regex => {
                    // Text comparisons on arguments: compare their text form.
                    let f = Field {
                        ty: FieldType::Str,
                        ..field.clone()
                    };
                    return self.matcher(&f, op, values);
                }
                Op::Exists => Matcher::Exists,
            },
        })
    }
}

/// Compiles a single condition (a sysdig-style filter) with no rules file around it.
pub fn compile_filter(condition: &str) -> Result<Rule, Vec<Diagnostic>> {
    let span = Span::new("<filter>", 1, 1);
    let mut text = Text::synthetic(condition, span.clone());
    text.map_columns();
    let raw = RawRule {
        name: Some(Spanned {
            value: "filter".into(),
            span: span.clone(),
        }),
        desc: None,
        condition: Some(text),
        output: Some(Spanned {
            value: String::new(),
            span: span.clone(),
        }),
        priority: Some(Spanned {
            value: "debug".into(),
            span: span.clone(),
        }),
        tags: None,
        enabled: None,
        source: None,
        exceptions: None,
        warn_evttypes: Some(false),
        skip_if_unknown_filter: None,
        append: false,
        overrides: Vec::new(),
        span,
    };
    let file = RawFile {
        name: "<filter>".into(),
        items: vec![RawItem::Rule(Box::new(raw))],
        diagnostics: Vec::new(),
    };
    let mut set = compile(&[file]);
    let errors: Vec<Diagnostic> = set
        .diagnostics
        .iter()
        .filter(|d| d.level == Level::Error)
        .cloned()
        .collect();
    match set.rules.pop() {
        Some(rule) if errors.is_empty() => Ok(rule),
        _ => Err(errors),
    }
}
