//! Kubernetes audit events — Falco's `k8s_audit` source — for palisade's rules engine.
//!
//! Events come from a file of JSON lines (what an API server's log backend writes: one
//! `audit.k8s.io` `Event` per line, or an `EventList` per line) or from the audit webhook
//! backend, which POSTs `EventList` bodies to [`server::AuditServer`]. Each event is handed over
//! as an [`AuditEvent`]: the JSON value the engine extracts `ka.*` fields from.
//!
//! ```
//! use palisade_k8saudit::events_from_body;
//!
//! let body = br#"{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[
//!   {"kind":"Event","verb":"create","user":{"username":"alice"},
//!    "objectRef":{"resource":"pods","namespace":"default","name":"web"}}]}"#;
//! let events = events_from_body(body).unwrap();
//! assert_eq!(events[0].str_at("/user/username"), Some("alice"));
//! assert_eq!(events[0].str_at("/objectRef/resource"), Some("pods"));
//! ```

pub mod server;

use std::io::BufRead;

use serde_json::Value;

/// One Kubernetes audit event (`audit.k8s.io/v1` `Event`).
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    /// The event as sent by the API server.
    pub json: Value,
}

impl AuditEvent {
    /// The value at JSON pointer `ptr` (`/objectRef/resource`).
    pub fn at(&self, ptr: &str) -> Option<&Value> {
        self.json.pointer(ptr)
    }

    /// The string at JSON pointer `ptr`.
    pub fn str_at(&self, ptr: &str) -> Option<&str> {
        self.at(ptr).and_then(Value::as_str)
    }

    /// `ka.verb`.
    pub fn verb(&self) -> Option<&str> {
        self.str_at("/verb")
    }

    /// `ka.auditid`.
    pub fn audit_id(&self) -> Option<&str> {
        self.str_at("/auditID")
    }
}

/// Why a body or a line is not an audit event list.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// Not JSON.
    #[error("invalid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// JSON, but neither an `Event` nor an `EventList`.
    #[error("not an audit Event or EventList (kind {0:?})")]
    NotAudit(String),
}

/// Parses a webhook body or a log line: an `EventList` (its `items`) or a single `Event`.
pub fn events_from_body(body: &[u8]) -> Result<Vec<AuditEvent>, ParseError> {
    let v: Value = serde_json::from_slice(body)?;
    events_from_value(v)
}

fn events_from_value(v: Value) -> Result<Vec<AuditEvent>, ParseError> {
    let kind = v
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    match kind.as_str() {
        "EventList" => match v {
            Value::Object(mut m) => match m.remove("items") {
                Some(Value::Array(items)) => Ok(items
                    .into_iter()
                    .filter(Value::is_object)
                    .map(|json| AuditEvent { json })
                    .collect()),
                Some(Value::Null) | None => Ok(Vec::new()),
                Some(_) => Err(ParseError::NotAudit(
                    "EventList with non-array items".into(),
                )),
            },
            _ => Err(ParseError::NotAudit(kind)),
        },
        "Event" => Ok(vec![AuditEvent { json: v }]),
        // Log lines of some versions omit `kind`; an object with a verb and a stage is an event.
        "" if v.get("verb").is_some() && v.get("stage").is_some() => {
            Ok(vec![AuditEvent { json: v }])
        }
        _ => Err(ParseError::NotAudit(kind)),
    }
}

/// A line of an audit log that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("reading audit log {file} line {line}: {kind}")]
pub struct LineError {
    /// The file.
    pub file: String,
    /// 1-based line number.
    pub line: u64,
    /// Why.
    #[source]
    pub kind: LineErrorKind,
}

/// Why a line could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LineErrorKind {
    /// I/O error.
    #[error("i/o error")]
    Io(#[source] std::io::Error),
    /// The line exceeds the limit.
    #[error("line longer than {0} bytes")]
    TooLong(usize),
    /// Not an audit event.
    #[error(transparent)]
    Parse(#[from] ParseError),
}

/// Reads audit events from JSON lines. Bad lines are reported and skipped: the reader goes on
/// with the next line. Memory is bounded by `max_line`.
#[derive(Debug)]
pub struct JsonLines<R> {
    input: R,
    file: String,
    line: u64,
    max_line: usize,
    buf: Vec<u8>,
    pending: std::vec::IntoIter<AuditEvent>,
}

/// Default longest accepted line (16 MiB).
pub const DEFAULT_MAX_LINE: usize = 16 << 20;

impl<R: BufRead> JsonLines<R> {
    /// Reads `input`, naming it `file` in errors.
    pub fn new(input: R, file: impl Into<String>) -> Self {
        JsonLines {
            input,
            file: file.into(),
            line: 0,
            max_line: DEFAULT_MAX_LINE,
            buf: Vec::new(),
            pending: Vec::new().into_iter(),
        }
    }

    /// Sets the longest accepted line.
    pub fn with_max_line(mut self, max: usize) -> Self {
        self.max_line = max;
        self
    }

    fn err(&self, kind: LineErrorKind) -> LineError {
        LineError {
            file: self.file.clone(),
            line: self.line,
            kind,
        }
    }

    /// Reads one line into `buf` (without the newline), bounded; Ok(false) at the end.
    fn read_line(&mut self) -> Result<bool, LineError> {
        self.buf.clear();
        self.line += 1;
        let mut too_long = false;
        loop {
            let chunk = match self.input.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.err(LineErrorKind::Io(e))),
            };
            if chunk.is_empty() {
                if too_long {
                    return Err(self.err(LineErrorKind::TooLong(self.max_line)));
                }
                return Ok(!self.buf.is_empty());
            }
            let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (chunk.len(), false),
            };
            if !too_long {
                if self.buf.len() + take > self.max_line + 1 {
                    too_long = true;
                    self.buf.clear();
                } else {
                    self.buf.extend_from_slice(&chunk[..take]);
                }
            }
            self.input.consume(take);
            if done {
                if too_long {
                    return Err(self.err(LineErrorKind::TooLong(self.max_line)));
                }
                return Ok(true);
            }
        }
    }
}

impl<R: BufRead> Iterator for JsonLines<R> {
    type Item = Result<AuditEvent, LineError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(e) = self.pending.next() {
                return Some(Ok(e));
            }
            match self.read_line() {
                Ok(false) => return None,
                Ok(true) => {}
                Err(e) => return Some(Err(e)),
            }
            let line = self.buf.trim_ascii();
            if line.is_empty() {
                continue;
            }
            match events_from_body(line) {
                Ok(events) => self.pending = events.into_iter(),
                Err(e) => return Some(Err(self.err(LineErrorKind::Parse(e)))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_with_errors_continue() {
        let input = b"{\"kind\":\"Event\",\"verb\":\"get\"}\nnot json\n\n{\"kind\":\"EventList\",\"items\":[{\"verb\":\"delete\"},{\"verb\":\"create\"}]}\n{\"kind\":\"Pod\"}\n";
        let got: Vec<_> = JsonLines::new(&input[..], "audit.log").collect();
        assert_eq!(got.len(), 5);
        assert_eq!(got[0].as_ref().ok().and_then(|e| e.verb()), Some("get"));
        let e = got[1].as_ref().expect_err("bad line");
        assert_eq!(e.line, 2);
        assert!(e.to_string().contains("audit.log line 2"), "{e}");
        assert_eq!(got[2].as_ref().ok().and_then(|e| e.verb()), Some("delete"));
        assert_eq!(got[3].as_ref().ok().and_then(|e| e.verb()), Some("create"));
        assert!(matches!(got[4], Err(LineError { line: 5, .. })));
    }

    #[test]
    fn long_lines_are_rejected_with_bounded_memory() {
        let mut input = vec![b'x'; 10_000];
        input.push(b'\n');
        input.extend(b"{\"kind\":\"Event\",\"verb\":\"get\"}\n");
        let got: Vec<_> = JsonLines::new(&input[..], "a.log")
            .with_max_line(1000)
            .collect();
        assert!(matches!(
            got[0],
            Err(LineError {
                kind: LineErrorKind::TooLong(1000),
                line: 1,
                ..
            })
        ));
        assert_eq!(got[1].as_ref().ok().and_then(|e| e.verb()), Some("get"));
    }
}
