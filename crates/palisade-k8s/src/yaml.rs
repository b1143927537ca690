//! A YAML reader that keeps the line and column of every node and refuses hostile input.
//!
//! Manifests are attacker-controlled bytes: this module bounds what one file may cost. Anchors
//! and aliases are expanded while the tree is built, and every expanded node is charged to a
//! budget, so an alias bomb ends with an error instead of filling memory. Nesting depth, node
//! count and file size are bounded the same way.
//!
//! A file is split into documents at `---` lines before parsing, so one broken document does not
//! hide the ones after it.

use std::collections::{HashMap, HashSet};
use std::fmt;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError};

/// How much one file may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest file read, in bytes.
    pub max_file_bytes: usize,
    /// Deepest nesting of sequences and mappings.
    pub max_depth: usize,
    /// Most nodes in one document, counting the copies that aliases make.
    pub max_nodes: usize,
    /// Most nodes that aliases may copy in one document.
    pub max_alias_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 32 * 1024 * 1024,
            max_depth: 128,
            max_nodes: 1_000_000,
            max_alias_nodes: 100_000,
        }
    }
}

/// Why a document could not be read. Line and column are 1-based.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line} column {column}: {message}")]
pub struct YamlError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// A node of a parsed document and the place it starts at (1-based line and column).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub line: u32,
    pub column: u32,
}

/// What a node holds. Scalars keep their text; typing happens when a check asks for a type, the
/// way Kubernetes' decoder resolves plain scalars.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar and whether it was plain (unquoted): only plain scalars resolve to null, booleans
    /// and numbers.
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

static EMPTY_NODES: [Node; 0] = [];
static EMPTY_ENTRIES: [(Node, Node); 0] = [];

impl Node {
    /// The value at `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()
            .iter()
            .find(|(k, _)| k.scalar_text() == Some(key))
            .map(|(_, v)| v)
    }

    /// The value at a path of mapping keys.
    pub fn at(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |node, key| node.get(key))
    }

    /// The text of any scalar, including quoted ones; `None` for null, sequences and mappings.
    pub fn str(&self) -> Option<&str> {
        if self.is_null() {
            return None;
        }
        self.scalar_text()
    }

    fn scalar_text(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// A plain scalar that Kubernetes' YAML decoder reads as a boolean (YAML 1.1 words included).
    pub fn bool(&self) -> Option<bool> {
        match &self.value {
            Value::Scalar { text, plain: true } => match text.as_str() {
                "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "y" | "Y" | "on" | "On"
                | "ON" => Some(true),
                "false" | "False" | "FALSE" | "no" | "No" | "NO" | "n" | "N" | "off" | "Off"
                | "OFF" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// Whether the node is the boolean `true`.
    pub fn is_true(&self) -> bool {
        self.bool() == Some(true)
    }

    /// A plain scalar read as an integer (decimal, or hexadecimal with `0x`).
    pub fn int(&self) -> Option<i64> {
        match &self.value {
            Value::Scalar { text, plain: true } => {
                let t = text.replace('_', "");
                if let Some(hex) = t.strip_prefix("0x") {
                    i64::from_str_radix(hex, 16).ok()
                } else {
                    t.parse::<i64>().ok()
                }
            }
            _ => None,
        }
    }

    /// Whether the node is null: a plain `null`, `~` or empty scalar.
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, plain: true }
            if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// The items of a sequence; empty for anything else.
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &EMPTY_NODES,
        }
    }

    /// The entries of a mapping; empty for anything else.
    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &EMPTY_ENTRIES,
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    /// The node as JSON, with scalars typed the way Kubernetes' decoder types them.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Scalar { text, plain } => {
                if self.is_null() {
                    J::Null
                } else if let Some(b) = self.bool() {
                    J::Bool(b)
                } else if let Some(i) = self.int() {
                    J::from(i)
                } else if *plain {
                    text.parse::<f64>()
                        .ok()
                        .filter(|f| f.is_finite())
                        .and_then(serde_json::Number::from_f64)
                        .map_or_else(|| J::String(text.clone()), J::Number)
                } else {
                    J::String(text.clone())
                }
            }
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.scalar_text().unwrap_or("").to_owned(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// Builds a node from JSON; every node gets the given position.
    pub fn from_json(value: &serde_json::Value, line: u32, column: u32) -> Node {
        use serde_json::Value as J;
        let scalar = |text: String, plain| Value::Scalar { text, plain };
        let value = match value {
            J::Null => scalar("null".into(), true),
            J::Bool(b) => scalar(b.to_string(), true),
            J::Number(n) => scalar(n.to_string(), true),
            J::String(s) => scalar(s.clone(), false),
            J::Array(items) => Value::Seq(
                items
                    .iter()
                    .map(|i| Node::from_json(i, line, column))
                    .collect(),
            ),
            J::Object(map) => Value::Map(
                map.iter()
                    .map(|(k, v)| {
                        (
                            Node {
                                value: scalar(k.clone(), false),
                                line,
                                column,
                            },
                            Node::from_json(v, line, column),
                        )
                    })
                    .collect(),
            ),
        };
        Node {
            value,
            line,
            column,
        }
    }

    fn count(&self) -> usize {
        1 + match &self.value {
            Value::Scalar { .. } => 0,
            Value::Seq(items) => items.iter().map(Node::count).sum(),
            Value::Map(entries) => entries.iter().map(|(k, v)| k.count() + v.count()).sum(),
        }
    }
}

/// One document of a YAML stream: its root, or why it could not be read.
#[derive(Debug, Clone)]
pub struct Document {
    /// The 1-based line the document starts on.
    pub line: u32,
    pub result: Result<Node, YamlError>,
}

/// Decodes a file's bytes as UTF-8 (a UTF-8 byte-order mark is skipped), or says where it is not.
pub fn decode(bytes: &[u8]) -> Result<&str, YamlError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(YamlError {
            line: 1,
            column: 1,
            message: "UTF-16 text is not supported; convert the file to UTF-8".into(),
        });
    }
    std::str::from_utf8(bytes).map_err(|e| {
        let good = bytes.get(..e.valid_up_to()).unwrap_or_default();
        let line = 1 + good.iter().filter(|&&b| b == b'\n').count();
        let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let column = String::from_utf8_lossy(good.get(line_start..).unwrap_or_default())
            .chars()
            .count()
            + 1;
        YamlError {
            line: saturate(line),
            column: saturate(column),
            message: format!("invalid UTF-8 at byte {}", e.valid_up_to()),
        }
    })
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Parses every document of a YAML (or JSON) stream. A document that fails does not stop the
/// ones after the next `---` line.
pub fn parse_stream(text: &str, limits: &Limits) -> Vec<Document> {
    let mut docs = Vec::new();
    for_each_document(text, limits, |d| docs.push(d));
    docs
}

/// [`parse_stream`] one document at a time: each tree can be dropped before the next is built.
pub fn for_each_document(text: &str, limits: &Limits, mut f: impl FnMut(Document)) {
    let mut docs = Vec::new();
    for (first_line, chunk) in split_documents(text) {
        parse_chunk(chunk, first_line, limits, &mut docs);
        docs.drain(..).for_each(&mut f);
    }
}

/// Splits at lines that start a document (`---` at column 1), keeping each chunk's first line
/// number (0-based). Chunks with nothing but comments, directives and blank lines are dropped.
fn split_documents(text: &str) -> Vec<(usize, &str)> {
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut start_line = 0;
    let mut offset = 0;
    for (line_no, line) in text.split_inclusive('\n').enumerate() {
        let is_marker = line.starts_with("---")
            && line
                .as_bytes()
                .get(3)
                .is_none_or(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'));
        if is_marker && offset > start {
            chunks.push((start_line, &text[start..offset]));
            start = offset;
            start_line = line_no;
        }
        offset += line.len();
    }
    if offset > start {
        chunks.push((start_line, &text[start..offset]));
    }
    chunks.retain(|(_, chunk)| {
        chunk.lines().any(|l| {
            let t = l.trim();
            !(t.is_empty() || t.starts_with('#') || t.starts_with('%') || t == "---")
        })
    });
    chunks
}

fn parse_chunk(chunk: &str, first_line: usize, limits: &Limits, docs: &mut Vec<Document>) {
    let mut parser = Parser::new_from_str(chunk);
    let mut builder: Option<Builder> = None;
    let line_of = |line: usize| saturate(first_line + line);
    let scan_error = |e: &ScanError| YamlError {
        line: line_of(e.marker().line()),
        column: saturate(e.marker().col() + 1),
        message: e.info().to_owned(),
    };
    while let Some(next) = parser.next_event() {
        let (event, span) = match next {
            Ok(ev) => ev,
            Err(e) => {
                let line = builder.as_ref().map_or(line_of(1), |b| b.start_line);
                docs.push(Document {
                    line,
                    result: Err(scan_error(&e)),
                });
                return;
            }
        };
        let mark = (line_of(span.start.line()), saturate(span.start.col() + 1));
        match event {
            Event::StreamStart | Event::Nothing => {}
            Event::StreamEnd => return,
            Event::DocumentStart(_) => builder = Some(Builder::new(mark.0, limits)),
            Event::DocumentEnd => {
                if let Some(b) = builder.take() {
                    let line = b.start_line;
                    let result = b.finish(mark);
                    docs.push(Document { line, result });
                }
            }
            other => {
                let Some(b) = builder.as_mut() else { continue };
                if let Err(e) = b.event(other, mark) {
                    docs.push(Document {
                        line: b.start_line,
                        result: Err(e),
                    });
                    return;
                }
            }
        }
    }
}

enum Frame {
    Seq {
        items: Vec<Node>,
        mark: (u32, u32),
        anchor: usize,
    },
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        seen: HashSet<String>,
        mark: (u32, u32),
        anchor: usize,
    },
}

struct Builder<'l> {
    limits: &'l Limits,
    start_line: u32,
    stack: Vec<Frame>,
    root: Option<Node>,
    anchors: HashMap<usize, (Node, usize)>,
    nodes: usize,
    alias_nodes: usize,
}

impl<'l> Builder<'l> {
    fn new(start_line: u32, limits: &'l Limits) -> Self {
        Builder {
            limits,
            start_line,
            stack: Vec::new(),
            root: None,
            anchors: HashMap::new(),
            nodes: 0,
            alias_nodes: 0,
        }
    }

    fn error(mark: (u32, u32), message: impl Into<String>) -> YamlError {
        YamlError {
            line: mark.0,
            column: mark.1,
            message: message.into(),
        }
    }

    fn charge(&mut self, n: usize, mark: (u32, u32)) -> Result<(), YamlError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > self.limits.max_nodes {
            return Err(Self::error(
                mark,
                format!(
                    "document has more than {} nodes; refusing to read further",
                    self.limits.max_nodes
                ),
            ));
        }
        Ok(())
    }

    fn event(&mut self, event: Event<'_>, mark: (u32, u32)) -> Result<(), YamlError> {
        match event {
            Event::Scalar(text, style, anchor, _tag) => {
                self.charge(1, mark)?;
                let node = Node {
                    value: Value::Scalar {
                        text: text.into_owned(),
                        plain: style == ScalarStyle::Plain,
                    },
                    line: mark.0,
                    column: mark.1,
                };
                self.complete(node, anchor)
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                self.charge(1, mark)?;
                if self.stack.len() >= self.limits.max_depth {
                    return Err(Self::error(
                        mark,
                        format!("nesting deeper than {} levels", self.limits.max_depth),
                    ));
                }
                self.stack
                    .push(if matches!(event, Event::SequenceStart(..)) {
                        Frame::Seq {
                            items: Vec::new(),
                            mark,
                            anchor,
                        }
                    } else {
                        Frame::Map {
                            entries: Vec::new(),
                            key: None,
                            seen: HashSet::new(),
                            mark,
                            anchor,
                        }
                    });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Frame::Seq {
                        items,
                        mark,
                        anchor,
                    }) => (
                        Node {
                            value: Value::Seq(items),
                            line: mark.0,
                            column: mark.1,
                        },
                        anchor,
                    ),
                    Some(Frame::Map {
                        entries,
                        mark,
                        anchor,
                        ..
                    }) => (merge_keys(entries, mark), anchor),
                    None => return Err(Self::error(mark, "unbalanced collection end")),
                };
                self.complete(node, anchor)
            }
            Event::Alias(id) => {
                let Some((node, size)) = self.anchors.get(&id) else {
                    return Err(Self::error(mark, "alias to an unknown anchor"));
                };
                let (mut node, size) = (node.clone(), *size);
                self.alias_nodes = self.alias_nodes.saturating_add(size);
                if self.alias_nodes > self.limits.max_alias_nodes {
                    return Err(Self::error(
                        mark,
                        format!(
                            "aliases expand to more than {} nodes (an alias bomb?)",
                            self.limits.max_alias_nodes
                        ),
                    ));
                }
                self.charge(size, mark)?;
                node.line = mark.0;
                node.column = mark.1;
                self.complete(node, 0)
            }
            _ => Ok(()),
        }
    }

    fn complete(&mut self, node: Node, anchor: usize) -> Result<(), YamlError> {
        if anchor != 0 {
            let size = node.count();
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                Ok(())
            }
            Some(Frame::Seq { items, .. }) => {
                items.push(node);
                Ok(())
            }
            Some(Frame::Map {
                entries, key, seen, ..
            }) => {
                match key.take() {
                    None => {
                        if let Value::Scalar { text, .. } = &node.value {
                            if text != "<<" && !seen.insert(text.clone()) {
                                return Err(Self::error(
                                    (node.line, node.column),
                                    format!("duplicate key {text:?} in mapping"),
                                ));
                            }
                        }
                        *key = Some(node);
                    }
                    Some(k) => entries.push((k, node)),
                }
                Ok(())
            }
        }
    }

    fn finish(self, mark: (u32, u32)) -> Result<Node, YamlError> {
        if !self.stack.is_empty() {
            return Err(Self::error(mark, "document ends inside a collection"));
        }
        Ok(self.root.unwrap_or(Node {
            value: Value::Scalar {
                text: String::new(),
                plain: true,
            },
            line: self.start_line,
            column: 1,
        }))
    }
}

/// Applies YAML merge keys (`<<: *base`): entries of the merged mappings that the mapping does not
/// set itself are added, the way Kubernetes' decoder does.
fn merge_keys(entries: Vec<(Node, Node)>, mark: (u32, u32)) -> Node {
    let has_merge = entries
        .iter()
        .any(|(k, _)| matches!(&k.value, Value::Scalar { text, plain: true } if text == "<<"));
    let make = |entries| Node {
        value: Value::Map(entries),
        line: mark.0,
        column: mark.1,
    };
    if !has_merge {
        return make(entries);
    }
    let mut own = Vec::new();
    let mut merged = Vec::new();
    for (k, v) in entries {
        if matches!(&k.value, Value::Scalar { text, plain: true } if text == "<<") {
            match v.value {
                Value::Map(m) => merged.push(m),
                Value::Seq(items) => {
                    merged.extend(items.into_iter().filter_map(|i| match i.value {
                        Value::Map(m) => Some(m),
                        _ => None,
                    }))
                }
                Value::Scalar { .. } => {}
            }
        } else {
            own.push((k, v));
        }
    }
    for map in merged {
        for (k, v) in map {
            let present = own
                .iter()
                .any(|(o, _)| o.scalar_text().is_some() && o.scalar_text() == k.scalar_text());
            if !present {
                own.push((k, v));
            }
        }
    }
    make(own)
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_json())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<Document> {
        parse_stream(text, &Limits::default())
    }

    #[test]
    fn keeps_positions() {
        let docs = parse("a: 1\nb:\n  c: [x, y]\n");
        let root = docs[0].result.as_ref().unwrap();
        let c = root.at(&["b", "c"]).unwrap();
        assert_eq!((c.line, c.column), (3, 6));
        assert_eq!(c.items()[1].str(), Some("y"));
        assert_eq!((c.items()[1].line, c.items()[1].column), (3, 10));
    }

    #[test]
    fn broken_document_does_not_hide_the_next() {
        let docs = parse("a: 1\n---\nb: [unclosed\n---\nc: 3\n");
        assert_eq!(docs.len(), 3);
        assert!(docs[0].result.is_ok());
        let err = docs[1].result.as_ref().unwrap_err();
        assert!(err.line >= 3, "{err}");
        assert_eq!(
            docs[2].result.as_ref().unwrap().get("c").unwrap().int(),
            Some(3)
        );
        assert_eq!(docs[2].line, 4);
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let docs = parse(&text);
        let err = docs[0].result.as_ref().unwrap_err();
        assert!(err.message.contains("alias"), "{err}");
    }

    #[test]
    fn deep_nesting_is_refused() {
        // Flow nesting is stopped by the scanner, block nesting by the depth limit.
        let text = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(parse(&text)[0].result.is_err());
        let mut text = String::new();
        for depth in 0..300 {
            text.push_str(&" ".repeat(depth));
            text.push_str("k:\n");
        }
        let err = parse(&text)[0].result.clone().unwrap_err();
        assert!(err.message.contains("nesting"), "{err}");
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let err = parse("a: 1\na: 2\n")[0].result.clone().unwrap_err();
        assert_eq!((err.line, err.column), (2, 1));
    }

    #[test]
    fn merge_keys_apply() {
        let docs = parse("base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n");
        let d = docs[0].result.as_ref().unwrap().get("d").unwrap();
        assert_eq!(d.get("x").unwrap().int(), Some(1));
        assert_eq!(d.get("y").unwrap().int(), Some(3));
    }

    #[test]
    fn invalid_utf8_names_the_place() {
        let err = decode(b"a: 1\nb: \xff\n").unwrap_err();
        assert_eq!((err.line, err.column), (2, 4));
    }

    #[test]
    fn json_is_read() {
        let docs = parse("{\"kind\": \"Pod\", \"spec\": {\"hostPID\": true}}");
        let root = docs[0].result.as_ref().unwrap();
        assert!(root.at(&["spec", "hostPID"]).unwrap().is_true());
    }

    #[test]
    fn quoted_true_is_not_a_boolean() {
        let docs = parse("a: \"true\"\nb: yes\n");
        let root = docs[0].result.as_ref().unwrap();
        assert_eq!(root.get("a").unwrap().bool(), None);
        assert!(root.get("b").unwrap().is_true());
    }
}
