//! The unvalidated form of a rules file: what the YAML says, with the place each value came from.
//!
//! Loading never fails as a whole: a malformed item becomes a diagnostic and the rest of the file
//! is still read.

use palisade_core::Span;
use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

use crate::diag::Diagnostic;

/// Rules files larger than this are refused (the upstream sets are about 100 KiB).
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

/// A string from the file and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

/// A string value whose inner positions can be mapped back to the file (for conditions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub value: String,
    /// Where the scalar starts (the quote or block indicator, if any).
    pub span: Span,
    /// Positions in the file of the value's non-blank characters, in order: (byte offset in
    /// `value`, line, column).
    positions: Vec<(u32, u32, u32)>,
    /// For appended texts: from which byte offset on the positions are in another file.
    files: Vec<(u32, String)>,
}

impl Text {
    /// Text not read from a file (appended conditions, tests): every offset maps to `span`.
    pub fn synthetic(value: impl Into<String>, span: Span) -> Text {
        Text {
            value: value.into(),
            span,
            positions: Vec::new(),
            files: Vec::new(),
        }
    }

    /// Maps every character to line 1 at its column (for one-line texts given on a command line).
    pub fn map_columns(&mut self) {
        self.positions = self
            .value
            .char_indices()
            .enumerate()
            .filter(|(_, (_, c))| !c.is_whitespace())
            .map(|(col, (off, _))| (off as u32, self.span.line, self.span.column + col as u32))
            .collect();
    }

    /// Appends a space and `other` in place (for `append`), keeping both texts' positions.
    /// Costs the length of `other` only, so thousands of appends stay linear.
    pub fn append(&mut self, other: &Text) {
        let shift = self.value.len() as u32 + 1;
        if other.positions.is_empty() {
            self.positions
                .push((shift, other.span.line, other.span.column));
        }
        self.positions
            .extend(other.positions.iter().map(|&(o, l, c)| (o + shift, l, c)));
        self.files.push((shift, other.span.file.clone()));
        self.files
            .extend(other.files.iter().map(|(o, f)| (o + shift, f.clone())));
        self.value.push(' ');
        self.value.push_str(&other.value);
    }

    /// `self` followed by a space and `other` (for `append`), keeping both texts' positions.
    pub fn concat(&self, other: &Text) -> Text {
        let shift = self.value.len() as u32 + 1;
        let mut positions = self.positions.clone();
        if other.positions.is_empty() {
            // Synthetic text: map its start at least.
            positions.push((shift, other.span.line, other.span.column));
        }
        positions.extend(other.positions.iter().map(|&(o, l, c)| (o + shift, l, c)));
        let mut files = self.files.clone();
        files.push((shift, other.span.file.clone()));
        files.extend(other.files.iter().map(|(o, f)| (o + shift, f.clone())));
        Text {
            value: format!("{} {}", self.value, other.value),
            span: self.span.clone(),
            positions,
            files,
        }
    }

    /// The place in the file of byte `offset` of the value.
    pub fn span_at(&self, offset: usize) -> Span {
        let idx = self.positions.partition_point(|p| p.0 as usize <= offset);
        match idx.checked_sub(1).and_then(|i| self.positions.get(i)) {
            Some(&(start, line, column)) => {
                let extra = self
                    .value
                    .get(start as usize..offset)
                    .map_or(0, |s| s.chars().count() as u32);
                // `files` is sorted by offset: the last entry at or before `start`.
                let at = self.files.partition_point(|(o, _)| *o <= start);
                let file = at
                    .checked_sub(1)
                    .and_then(|i| self.files.get(i))
                    .map_or(&self.span.file, |(_, f)| f);
                Span::new(file.clone(), line, column + extra)
            }
            None => self.span.clone(),
        }
    }
}

/// How `override` combines a key with the earlier definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merge {
    Append,
    Replace,
}

/// `- list:`
#[derive(Debug, Clone)]
pub struct RawList {
    pub name: Spanned<String>,
    pub items: Option<Vec<Spanned<String>>>,
    pub append: bool,
    pub override_items: Option<Merge>,
    pub span: Span,
}

/// `- macro:`
#[derive(Debug, Clone)]
pub struct RawMacro {
    pub name: Spanned<String>,
    pub condition: Option<Text>,
    pub append: bool,
    pub override_condition: Option<Merge>,
    pub span: Span,
}

/// One entry of a rule's `exceptions`.
#[derive(Debug, Clone)]
pub struct RawException {
    pub name: Spanned<String>,
    /// `fields`: a single field (then `values` is a list of values) or a list of fields.
    pub fields: Option<Spanned<FieldsSpec>>,
    pub comps: Option<Spanned<FieldsSpec>>,
    /// Each value is a tuple for list `fields`, a single value otherwise.
    pub values: Vec<Spanned<ExceptionValue>>,
    pub span: Span,
}

/// A single name or a list of names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldsSpec {
    One(String),
    Many(Vec<String>),
}

/// One entry of an exception's `values`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExceptionValue {
    Scalar(String),
    /// A tuple (for list `fields`), or a list of values for an `in` comparison.
    Seq(Vec<ExceptionValue>),
}

/// `- rule:`
#[derive(Debug, Clone)]
pub struct RawRule {
    pub name: Option<Spanned<String>>,
    pub desc: Option<Spanned<String>>,
    pub condition: Option<Text>,
    pub output: Option<Spanned<String>>,
    pub priority: Option<Spanned<String>>,
    pub tags: Option<Vec<String>>,
    pub enabled: Option<Spanned<bool>>,
    pub source: Option<Spanned<String>>,
    pub exceptions: Option<Vec<RawException>>,
    pub warn_evttypes: Option<bool>,
    pub skip_if_unknown_filter: Option<bool>,
    pub append: bool,
    /// `override: {key: append|replace}` per key.
    pub overrides: Vec<(String, Merge, Span)>,
    pub span: Span,
}

/// One top-level item of a rules file.
#[derive(Debug, Clone)]
pub enum RawItem {
    RequiredEngineVersion(Spanned<String>),
    RequiredPluginVersions(Span),
    List(RawList),
    Macro(RawMacro),
    Rule(Box<RawRule>),
}

/// A loaded rules file: its items in order and what was wrong with it.
#[derive(Debug, Clone)]
pub struct RawFile {
    pub name: String,
    pub items: Vec<RawItem>,
    pub diagnostics: Vec<Diagnostic>,
}

struct Loader<'s> {
    file: String,
    source: &'s str,
    /// Byte offset of each char index, for mapping scanner positions back to the source.
    char_starts: Vec<usize>,
    diagnostics: Vec<Diagnostic>,
}

/// Parses the text of one rules file named `file` (used in spans).
pub fn parse_file(file: &str, source: &str) -> RawFile {
    let relaxed = relax_flow_indentation(source);
    let source: &str = &relaxed;
    let mut loader = Loader {
        file: file.to_string(),
        source,
        char_starts: source.char_indices().map(|(i, _)| i).collect(),
        diagnostics: Vec::new(),
    };
    let mut items = Vec::new();
    if source.len() > MAX_FILE_BYTES {
        loader.diagnostics.push(Diagnostic::error(
            "yaml-syntax",
            Span::new(file, 1, 1),
            format!("file is larger than {MAX_FILE_BYTES} bytes"),
        ));
    } else {
        match MarkedYaml::load_from_str(source) {
            Err(e) => {
                let m = e.marker();
                loader.diagnostics.push(Diagnostic::error(
                    "yaml-syntax",
                    Span::new(file, m.line() as u32, m.col() as u32 + 1),
                    e.info().to_string(),
                ));
            }
            Ok(docs) => {
                for doc in &docs {
                    loader.document(doc, &mut items);
                }
            }
        }
    }
    RawFile {
        name: file.to_string(),
        items,
        diagnostics: loader.diagnostics,
    }
}

/// Indents lines that only close a flow collection (`  ]`) under the key that opened it.
///
/// Falco's YAML reader accepts a closing bracket at the indentation of its key, which YAML 1.2
/// forbids and the upstream files use; padding such lines changes no value or position of
/// anything else.
fn relax_flow_indentation(source: &str) -> std::borrow::Cow<'_, str> {
    let mut depth: i64 = 0;
    let mut opener_indent = 0usize;
    let mut out: Option<String> = None;
    let mut offset = 0usize;
    for line in source.split_inclusive('\n') {
        let trimmed = line.trim_start_matches(' ');
        let indent = line.len() - trimmed.len();
        let body = trimmed.trim_end();
        let only_closers =
            !body.is_empty() && body.chars().all(|c| matches!(c, ']' | '}' | ',' | ' '));
        if depth > 0 && only_closers && indent <= opener_indent {
            let o = out.get_or_insert_with(|| source[..offset].to_string());
            o.push_str(&" ".repeat(opener_indent + 2));
            o.push_str(trimmed);
        } else if let Some(o) = out.as_mut() {
            o.push_str(line);
        }
        // Track flow depth outside quotes and comments.
        let before = depth;
        let mut quote: Option<char> = None;
        let mut prev = ' ';
        for c in line.chars() {
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None => match c {
                    '#' if prev == ' ' || prev == '\t' => break,
                    '"' | '\'' if depth > 0 || prev == ' ' || prev == ':' => quote = Some(c),
                    '[' | '{' => depth += 1,
                    ']' | '}' => depth = (depth - 1).max(0),
                    _ => {}
                },
            }
            prev = c;
        }
        if before == 0 && depth > 0 {
            opener_indent = indent;
        }
        offset += line.len();
    }
    match out {
        Some(o) => std::borrow::Cow::Owned(o),
        None => std::borrow::Cow::Borrowed(source),
    }
}

type Node<'a> = MarkedYaml<'a>;

fn scalar_string(node: &Node<'_>) -> Option<String> {
    match &node.data {
        YamlData::Value(s) => Some(match s {
            Scalar::Null => String::new(),
            Scalar::Boolean(b) => b.to_string(),
            Scalar::Integer(i) => i.to_string(),
            Scalar::FloatingPoint(f) => f.to_string(),
            Scalar::String(s) => s.to_string(),
        }),
        YamlData::Representation(s, _, _) => Some(s.to_string()),
        YamlData::Tagged(_, inner) => scalar_string(inner),
        _ => None,
    }
}

fn scalar_bool(node: &Node<'_>) -> Option<bool> {
    match &node.data {
        YamlData::Value(Scalar::Boolean(b)) => Some(*b),
        YamlData::Value(Scalar::String(s)) | YamlData::Representation(s, _, _) => {
            match s.as_ref() {
                "true" | "True" | "TRUE" => Some(true),
                "false" | "False" | "FALSE" => Some(false),
                _ => None,
            }
        }
        _ => None,
    }
}

fn kind(node: &Node<'_>) -> &'static str {
    match &node.data {
        YamlData::Sequence(_) => "a sequence",
        YamlData::Mapping(_) => "a mapping",
        YamlData::Value(Scalar::Null) => "null",
        _ => "a scalar",
    }
}

impl Loader<'_> {
    fn span(&self, node: &Node<'_>) -> Span {
        let m = node.span.start;
        Span::new(self.file.clone(), m.line() as u32, m.col() as u32 + 1)
    }

    fn bad(&mut self, code: &'static str, node: &Node<'_>, msg: String) {
        let span = self.span(node);
        self.diagnostics.push(Diagnostic::error(code, span, msg));
    }

    fn document(&mut self, doc: &Node<'_>, items: &mut Vec<RawItem>) {
        match &doc.data {
            YamlData::Sequence(seq) => {
                for item in seq {
                    if let Some(it) = self.item(item) {
                        items.push(it);
                    }
                }
            }
            YamlData::Value(Scalar::Null) => {}
            _ => self.bad(
                "invalid-item",
                doc,
                format!("a rules file is a sequence of items, found {}", kind(doc)),
            ),
        }
    }

    fn entries<'n, 'a>(node: &'n Node<'a>) -> Vec<(String, &'n Node<'a>, &'n Node<'a>)> {
        match &node.data {
            YamlData::Mapping(map) => map
                .iter()
                .filter_map(|(k, v)| scalar_string(k).map(|ks| (ks, k, v)))
                .collect(),
            _ => Vec::new(),
        }
    }

    fn string(&mut self, key: &str, node: &Node<'_>) -> Option<Spanned<String>> {
        match scalar_string(node) {
            Some(value) if !matches!(node.data, YamlData::Value(Scalar::Null)) => Some(Spanned {
                value,
                span: self.span(node),
            }),
            _ => {
                self.bad(
                    "invalid-key",
                    node,
                    format!("`{key}` must be a string, found {}", kind(node)),
                );
                None
            }
        }
    }

    fn boolean(&mut self, key: &str, node: &Node<'_>) -> Option<bool> {
        let b = scalar_bool(node);
        if b.is_none() {
            self.bad(
                "invalid-key",
                node,
                format!("`{key}` must be true or false"),
            );
        }
        b
    }

    fn string_list(&mut self, key: &str, node: &Node<'_>) -> Option<Vec<Spanned<String>>> {
        match &node.data {
            YamlData::Sequence(seq) => {
                Some(seq.iter().filter_map(|n| self.string(key, n)).collect())
            }
            YamlData::Value(Scalar::Null) => Some(Vec::new()),
            _ => {
                self.bad(
                    "invalid-key",
                    node,
                    format!("`{key}` must be a sequence, found {}", kind(node)),
                );
                None
            }
        }
    }

    fn text(&mut self, key: &str, node: &Node<'_>) -> Option<Text> {
        let value = self.string(key, node)?.value;
        let span = self.span(node);
        let positions = self.positions(node, &value);
        Some(Text {
            value,
            span,
            positions,
            files: Vec::new(),
        })
    }

    /// Aligns the non-blank characters of a scalar's value with those of its source text, so an
    /// offset inside a condition maps to a line and column even in folded block scalars.
    fn positions(&self, node: &Node<'_>, value: &str) -> Vec<(u32, u32, u32)> {
        let start = node.span.start;
        let end = node.span.end;
        let (Some(&b0), b1) = (
            self.char_starts.get(start.index()),
            self.char_starts
                .get(end.index())
                .copied()
                .unwrap_or(self.source.len()),
        ) else {
            return Vec::new();
        };
        let Some(src) = self.source.get(b0..b1.max(b0)) else {
            return Vec::new();
        };
        let mut line = start.line() as u32;
        let mut col = start.col() as u32 + 1;
        let mut src_chars = src.chars().peekable();
        // Skip a block scalar header (`>-`, `|`) or an opening quote.
        match src_chars.peek() {
            Some('>') | Some('|') => {
                for c in src_chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                        col = 1;
                        break;
                    }
                    col += 1;
                }
            }
            Some('"') | Some('\'') => {
                src_chars.next();
                col += 1;
            }
            _ => {}
        }
        let mut out = Vec::with_capacity(value.len());
        let mut vals = value.char_indices().filter(|(_, c)| !c.is_whitespace());
        let mut next_val = vals.next();
        for c in src_chars {
            let Some((off, vc)) = next_val else { break };
            if c == '\n' {
                line += 1;
                col = 1;
                continue;
            }
            if !c.is_whitespace() {
                if c == vc {
                    out.push((off as u32, line, col));
                    next_val = vals.next();
                } else if c != '\\' && c != '\'' && c != '"' {
                    // Escapes or quoting make the texts diverge: stop mapping precisely.
                    break;
                }
            }
            col += 1;
        }
        out
    }

    fn merge(&mut self, node: &Node<'_>) -> Option<Merge> {
        match scalar_string(node).as_deref() {
            Some("append") => Some(Merge::Append),
            Some("replace") => Some(Merge::Replace),
            _ => {
                self.bad(
                    "invalid-key",
                    node,
                    "override values must be `append` or `replace`".to_string(),
                );
                None
            }
        }
    }

    fn unknown(&mut self, what: &str, key: &str, node: &Node<'_>) {
        let span = self.span(node);
        self.diagnostics.push(Diagnostic::warning(
            "unknown-key",
            span,
            format!("unknown key `{key}` in {what}, ignored"),
        ));
    }

    fn item(&mut self, node: &Node<'_>) -> Option<RawItem> {
        let entries = Self::entries(node);
        if entries.is_empty() {
            self.bad(
                "invalid-item",
                node,
                format!("an item must be a non-empty mapping, found {}", kind(node)),
            );
            return None;
        }
        let has = |k: &str| entries.iter().any(|(ks, _, _)| ks == k);
        if has("rule") {
            self.rule(node, &entries)
                .map(|r| RawItem::Rule(Box::new(r)))
        } else if has("macro") {
            self.macro_(node, &entries).map(RawItem::Macro)
        } else if has("list") {
            self.list(node, &entries).map(RawItem::List)
        } else if let Some((_, _, v)) = entries
            .iter()
            .find(|(k, _, _)| k == "required_engine_version")
        {
            self.string("required_engine_version", v)
                .map(RawItem::RequiredEngineVersion)
        } else if has("required_plugin_versions") {
            Some(RawItem::RequiredPluginVersions(self.span(node)))
        } else {
            let keys: Vec<&str> = entries.iter().map(|(k, _, _)| k.as_str()).collect();
            self.bad(
                "invalid-item",
                node,
                format!(
                    "unknown item with keys {}; expected rule, macro, list, required_engine_version or required_plugin_versions",
                    keys.join(", ")
                ),
            );
            None
        }
    }

    fn list(
        &mut self,
        node: &Node<'_>,
        entries: &[(String, &Node<'_>, &Node<'_>)],
    ) -> Option<RawList> {
        let mut name = None;
        let mut items = None;
        let mut append = false;
        let mut override_items = None;
        for (k, kn, v) in entries {
            match k.as_str() {
                "list" => name = self.string("list", v),
                "items" => items = self.string_list("items", v),
                "append" => append = self.boolean("append", v).unwrap_or(false),
                "override" => {
                    for (ok, okn, ov) in Self::entries(v) {
                        match ok.as_str() {
                            "items" => override_items = self.merge(ov),
                            _ => self.unknown("list override", &ok, okn),
                        }
                    }
                }
                _ => self.unknown("a list", k, kn),
            }
        }
        let name = name?;
        if items.is_none() {
            self.bad(
                "missing-key",
                node,
                format!("list `{}` has no `items`", name.value),
            );
        }
        Some(RawList {
            name,
            items,
            append,
            override_items,
            span: self.span(node),
        })
    }

    fn macro_(
        &mut self,
        node: &Node<'_>,
        entries: &[(String, &Node<'_>, &Node<'_>)],
    ) -> Option<RawMacro> {
        let mut name = None;
        let mut condition = None;
        let mut append = false;
        let mut override_condition = None;
        for (k, kn, v) in entries {
            match k.as_str() {
                "macro" => name = self.string("macro", v),
                "condition" => condition = self.text("condition", v),
                "append" => append = self.boolean("append", v).unwrap_or(false),
                "override" => {
                    for (ok, okn, ov) in Self::entries(v) {
                        match ok.as_str() {
                            "condition" => override_condition = self.merge(ov),
                            _ => self.unknown("macro override", &ok, okn),
                        }
                    }
                }
                _ => self.unknown("a macro", k, kn),
            }
        }
        let name = name?;
        if condition.is_none() {
            self.bad(
                "missing-key",
                node,
                format!("macro `{}` has no `condition`", name.value),
            );
        }
        Some(RawMacro {
            name,
            condition,
            append,
            override_condition,
            span: self.span(node),
        })
    }

    fn rule(
        &mut self,
        node: &Node<'_>,
        entries: &[(String, &Node<'_>, &Node<'_>)],
    ) -> Option<RawRule> {
        let mut r = RawRule {
            name: None,
            desc: None,
            condition: None,
            output: None,
            priority: None,
            tags: None,
            enabled: None,
            source: None,
            exceptions: None,
            warn_evttypes: None,
            skip_if_unknown_filter: None,
            append: false,
            overrides: Vec::new(),
            span: self.span(node),
        };
        for (k, kn, v) in entries {
            match k.as_str() {
                "rule" => r.name = self.string("rule", v),
                "desc" => r.desc = self.string("desc", v),
                "condition" => r.condition = self.text("condition", v),
                "output" => r.output = self.string("output", v),
                "priority" => r.priority = self.string("priority", v),
                "tags" => {
                    r.tags = self
                        .string_list("tags", v)
                        .map(|t| t.into_iter().map(|s| s.value).collect())
                }
                "enabled" => {
                    let span = self.span(v);
                    r.enabled = self
                        .boolean("enabled", v)
                        .map(|value| Spanned { value, span })
                }
                "source" => r.source = self.string("source", v),
                "exceptions" => r.exceptions = self.exceptions(v),
                "warn_evttypes" => r.warn_evttypes = self.boolean("warn_evttypes", v),
                "skip-if-unknown-filter" => {
                    r.skip_if_unknown_filter = self.boolean("skip-if-unknown-filter", v)
                }
                "append" => r.append = self.boolean("append", v).unwrap_or(false),
                "override" => {
                    for (ok, okn, ov) in Self::entries(v) {
                        const KEYS: &[&str] = &[
                            "desc",
                            "condition",
                            "output",
                            "priority",
                            "tags",
                            "enabled",
                            "exceptions",
                            "source",
                            "warn_evttypes",
                            "skip-if-unknown-filter",
                        ];
                        if KEYS.contains(&ok.as_str()) {
                            if let Some(m) = self.merge(ov) {
                                let span = self.span(okn);
                                r.overrides.push((ok, m, span));
                            }
                        } else {
                            self.unknown("rule override", &ok, okn);
                        }
                    }
                }
                _ => self.unknown("a rule", k, kn),
            }
        }
        r.name.as_ref()?;
        Some(r)
    }

    fn fields_spec(&mut self, key: &str, node: &Node<'_>) -> Option<Spanned<FieldsSpec>> {
        let span = self.span(node);
        match &node.data {
            YamlData::Sequence(seq) => {
                let v = seq.iter().filter_map(scalar_string).collect::<Vec<_>>();
                if v.len() != seq.len() {
                    self.bad(
                        "invalid-exception",
                        node,
                        format!("`{key}` entries must be strings"),
                    );
                }
                Some(Spanned {
                    value: FieldsSpec::Many(v),
                    span,
                })
            }
            _ => self.string(key, node).map(|s| Spanned {
                value: FieldsSpec::One(s.value),
                span,
            }),
        }
    }

    fn exception_value(node: &Node<'_>, depth: usize) -> Option<ExceptionValue> {
        match &node.data {
            YamlData::Sequence(seq) if depth < 4 => Some(ExceptionValue::Seq(
                seq.iter()
                    .map(|n| Self::exception_value(n, depth + 1))
                    .collect::<Option<Vec<_>>>()?,
            )),
            YamlData::Sequence(_) | YamlData::Mapping(_) => None,
            _ => scalar_string(node).map(ExceptionValue::Scalar),
        }
    }

    fn exceptions(&mut self, node: &Node<'_>) -> Option<Vec<RawException>> {
        let YamlData::Sequence(seq) = &node.data else {
            if !matches!(node.data, YamlData::Value(Scalar::Null)) {
                self.bad(
                    "invalid-key",
                    node,
                    "`exceptions` must be a sequence".to_string(),
                );
            }
            return Some(Vec::new());
        };
        let mut out = Vec::new();
        for ex in seq {
            let mut name = None;
            let mut fields = None;
            let mut comps = None;
            let mut values = Vec::new();
            for (k, kn, v) in Self::entries(ex) {
                match k.as_str() {
                    "name" => name = self.string("name", v),
                    "fields" => fields = self.fields_spec("fields", v),
                    "comps" => comps = self.fields_spec("comps", v),
                    "values" => match &v.data {
                        YamlData::Sequence(vs) => {
                            for val in vs {
                                match Self::exception_value(val, 0) {
                                    Some(value) => values.push(Spanned {
                                        value,
                                        span: self.span(val),
                                    }),
                                    None => self.bad(
                                        "invalid-exception",
                                        val,
                                        "exception values must be strings or sequences of strings"
                                            .to_string(),
                                    ),
                                }
                            }
                        }
                        YamlData::Value(Scalar::Null) => {}
                        _ => self.bad(
                            "invalid-exception",
                            v,
                            "`values` must be a sequence".to_string(),
                        ),
                    },
                    _ => self.unknown("an exception", &k, kn),
                }
            }
            let Some(name) = name else {
                self.bad("missing-key", ex, "exception has no `name`".to_string());
                continue;
            };
            out.push(RawException {
                name,
                fields,
                comps,
                values,
                span: self.span(ex),
            });
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_condition_positions_in_folded_scalars() {
        let src = "- macro: m\n  condition: >\n    evt.type = open\n    and proc.name = x\n";
        let f = parse_file("t.yaml", src);
        assert!(f.diagnostics.is_empty(), "{:?}", f.diagnostics);
        let RawItem::Macro(m) = &f.items[0] else {
            panic!("not a macro")
        };
        let c = m.condition.as_ref().expect("condition");
        let off = c.value.find("proc").expect("proc");
        assert_eq!(c.span_at(off).to_string(), "t.yaml:4:9");
        assert_eq!(c.span_at(0).to_string(), "t.yaml:3:5");
    }

    #[test]
    fn reports_yaml_errors_with_position() {
        let f = parse_file("bad.yaml", "- rule: x\n  desc: [unclosed\n");
        assert_eq!(f.diagnostics.len(), 1);
        assert_eq!(f.diagnostics[0].code, "yaml-syntax");
        assert_eq!(f.diagnostics[0].span.file, "bad.yaml");
    }
}
