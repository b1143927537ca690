//! The engine: enabled rules indexed by event type, evaluated per event, and the alerts they
//! raise (text from the output template, Falco-compatible JSON).

use std::collections::BTreeSet;
use std::io::Write as _;

use serde::Serialize;

use crate::diag::Diagnostic;
use palisade_event::EventMask;

use crate::condition::Op;
use crate::fields::FieldId;
use crate::program::{FieldSource, KindTest, Matcher, Node, Scratch, Val, write_val};
use crate::ruleset::{EventTypes, OutputPart, Priority, Rule, Ruleset, Source};

/// Compiled rules ready to evaluate. Each syscall event visits only the rules that can match its
/// event type.
#[derive(Debug)]
pub struct Engine {
    rules: Vec<Rule>,
    /// For each event type id, the indexes of the syscall rules that can match it.
    by_kind: Vec<Vec<u32>>,
    /// Rules for Kubernetes audit events.
    k8s: Vec<u32>,
    scratch: Scratch,
    out_buf: Vec<u8>,
}

/// Gives every `evt.type` comparison with names its [`KindTest`], so that evaluation compares
/// ids instead of names.
fn kind_tests(node: &mut Node, table: &dyn EventTypeTable) {
    match node {
        Node::And(v) | Node::Or(v) => v.iter_mut().for_each(|n| kind_tests(n, table)),
        Node::Not(n) => kind_tests(n, table),
        Node::True | Node::False => {}
        Node::Check(c) => {
            if c.field.id != FieldId::EvtType || !c.field.transformers.is_empty() {
                return;
            }
            let (names, negate): (Vec<&[u8]>, bool) = match &c.matcher {
                Matcher::StrCmp(Op::Eq, name) => (vec![name.as_slice()], false),
                Matcher::StrCmp(Op::Ne, name) => (vec![name.as_slice()], true),
                Matcher::StrSet(set) => (set.iter().collect(), false),
                _ => return,
            };
            let mut mask = EventMask::empty();
            for name in names {
                // A name that is no event's never matches, as a name comparison would not.
                if let Ok(name) = std::str::from_utf8(name) {
                    table.ids(name).into_iter().for_each(|k| mask.insert(k));
                }
            }
            c.kinds = Some(Box::new(KindTest { mask, negate }));
        }
    }
}

/// Maps event type names to ids: the event table of the event model.
pub trait EventTypeTable {
    /// Number of event type ids (ids are `0..len`).
    fn kinds(&self) -> usize;
    /// Every id whose name is `name` (both directions); empty if the name is unknown.
    fn ids(&self, name: &str) -> Vec<u16>;
    /// Whether id `kind` is a real event type (not a placeholder of the table).
    fn is_used(&self, kind: u16) -> bool;
}

impl Engine {
    /// Indexes the enabled rules of `set`. Unknown event type names become warnings.
    pub fn new(set: &Ruleset, table: &dyn EventTypeTable) -> (Engine, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let n = table.kinds();
        let mut by_kind: Vec<Vec<u32>> = vec![Vec::new(); n];
        let mut k8s = Vec::new();
        let mut rules = Vec::new();
        for rule in set.rules.iter().filter(|r| r.enabled) {
            let idx = rules.len() as u32;
            match rule.source {
                Source::K8sAudit => k8s.push(idx),
                Source::Syscall => {
                    let ids_of = |names: &BTreeSet<String>, diags: &mut Vec<Diagnostic>| {
                        let mut ids = BTreeSet::new();
                        for name in names {
                            let found = table.ids(name);
                            if found.is_empty() {
                                let span = rule
                                    .event_type_spans
                                    .iter()
                                    .find(|(n, _)| n == name)
                                    .map_or(rule.span.clone(), |(_, s)| s.clone());
                                diags.push(Diagnostic::warning(
                                    "unknown-event-type",
                                    span,
                                    format!("rule `{}`: unknown event type `{name}`", rule.name),
                                ));
                            }
                            ids.extend(found);
                        }
                        ids
                    };
                    let kinds: Vec<u16> = match &rule.event_types {
                        EventTypes::All => (0..n)
                            .filter_map(|k| u16::try_from(k).ok())
                            .filter(|&k| table.is_used(k))
                            .collect(),
                        EventTypes::Only(names) => ids_of(names, &mut diags).into_iter().collect(),
                        EventTypes::AllBut(names) => {
                            let except = ids_of(names, &mut diags);
                            (0..n)
                                .filter_map(|k| u16::try_from(k).ok())
                                .filter(|k| table.is_used(*k) && !except.contains(k))
                                .collect()
                        }
                    };
                    for k in kinds {
                        if let Some(v) = by_kind.get_mut(usize::from(k)) {
                            v.push(idx);
                        }
                    }
                }
            }
            let mut rule = rule.clone();
            if rule.source == Source::Syscall {
                kind_tests(&mut rule.condition, table);
            }
            rules.push(rule);
        }
        let mut seen = std::collections::HashSet::new();
        diags.retain(|d: &Diagnostic| seen.insert((d.span.clone(), d.message.clone())));
        (
            Engine {
                rules,
                by_kind,
                k8s,
                scratch: Scratch::default(),
                out_buf: Vec::new(),
            },
            diags,
        )
    }

    /// The enabled rules, indexed by the numbers [`Engine::eval_syscall`] reports.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The event type ids some enabled syscall rule can match, in increasing order.
    pub fn syscall_kinds(&self) -> impl Iterator<Item = u16> + '_ {
        self.by_kind
            .iter()
            .enumerate()
            .filter(|(_, rules)| !rules.is_empty())
            .filter_map(|(k, _)| u16::try_from(k).ok())
    }

    /// How many rules an event of type `kind` visits.
    pub fn rules_for_kind(&self, kind: u16) -> usize {
        self.by_kind.get(usize::from(kind)).map_or(0, Vec::len)
    }

    /// Evaluates a syscall event of type `kind`; calls `hit` with each matching rule's index,
    /// in rules-file order.
    pub fn eval_syscall<S: FieldSource + ?Sized>(
        &mut self,
        kind: u16,
        src: &S,
        mut hit: impl FnMut(usize),
    ) {
        let Some(idxs) = self.by_kind.get(usize::from(kind)) else {
            return;
        };
        for &i in idxs {
            if let Some(rule) = self.rules.get(i as usize) {
                if rule.condition.eval(src, &mut self.scratch) {
                    hit(i as usize);
                }
            }
        }
    }

    /// Evaluates a Kubernetes audit event.
    pub fn eval_k8s<S: FieldSource + ?Sized>(&mut self, src: &S, mut hit: impl FnMut(usize)) {
        for &i in &self.k8s {
            if let Some(rule) = self.rules.get(i as usize) {
                if rule.condition.eval(src, &mut self.scratch) {
                    hit(i as usize);
                }
            }
        }
    }

    /// Builds the alert of rule `idx` for the event `src` (time `ts` in nanoseconds).
    pub fn alert<S: FieldSource + ?Sized>(
        &mut self,
        idx: usize,
        src: &S,
        ts: u64,
        hostname: &str,
    ) -> Option<Alert> {
        let rule = self.rules.get(idx)?;
        let mut message = String::new();
        let mut fields = serde_json::Map::new();
        for part in &rule.output {
            match part {
                OutputPart::Text(t) => message.push_str(t),
                OutputPart::Field(field, name) => {
                    let out = &mut self.out_buf;
                    out.clear();
                    let mut json = serde_json::Value::Null;
                    let mut first = true;
                    src.visit(field, &mut Vec::new(), &mut |v| {
                        if !first {
                            out.push(b',');
                        }
                        first = false;
                        write_val(v, out);
                        if json.is_null() {
                            json = match v {
                                Val::Num(n) => serde_json::Value::from(n),
                                Val::Bool(b) => serde_json::Value::from(b),
                                _ => serde_json::Value::Null,
                            };
                        }
                        // Any-ancestor fields print the first value only.
                        true
                    });
                    let text = if first {
                        "<NA>".to_string()
                    } else {
                        String::from_utf8_lossy(out).into_owned()
                    };
                    if json.is_null() && !first {
                        json = serde_json::Value::from(text.clone());
                    }
                    message.push_str(&text);
                    fields.insert(name.clone(), json);
                }
            }
        }
        Some(Alert {
            rule: rule.name.clone(),
            priority: rule.priority,
            source: rule.source,
            tags: rule.tags.clone(),
            ts,
            message: message.trim_end().to_string(),
            output_fields: fields,
            hostname: hostname.to_string(),
        })
    }
}

/// A rule that matched an event.
#[derive(Debug, Clone)]
pub struct Alert {
    pub rule: String,
    pub priority: Priority,
    pub source: Source,
    pub tags: Vec<String>,
    /// Event time, nanoseconds since the epoch.
    pub ts: u64,
    /// The rule's output with the fields filled in.
    pub message: String,
    pub output_fields: serde_json::Map<String, serde_json::Value>,
    pub hostname: String,
}

/// Falco's JSON alert.
#[derive(Debug, Serialize)]
struct AlertJson<'a> {
    hostname: &'a str,
    output: String,
    priority: String,
    rule: &'a str,
    source: &'a str,
    tags: &'a [String],
    time: String,
    output_fields: &'a serde_json::Map<String, serde_json::Value>,
}

impl Alert {
    /// `HH:MM:SS.nnnnnnnnn: Priority message`, as Falco prints it.
    pub fn text(&self) -> String {
        let mut b = Vec::new();
        crate::time::write_time(self.ts, &mut b);
        let _ = write!(b, ": {} {}", self.priority, self.message);
        String::from_utf8_lossy(&b).into_owned()
    }

    /// The JSON object Falco writes with `json_output: true`.
    pub fn json(&self) -> serde_json::Value {
        let mut t = Vec::new();
        crate::time::write_datetime(self.ts, true, &mut t);
        let a = AlertJson {
            hostname: &self.hostname,
            output: self.text(),
            priority: self.priority.to_string(),
            rule: &self.rule,
            source: self.source.name(),
            tags: &self.tags,
            time: String::from_utf8_lossy(&t).into_owned(),
            output_fields: &self.output_fields,
        };
        serde_json::to_value(a).unwrap_or(serde_json::Value::Null)
    }

    /// A Slack incoming-webhook payload.
    pub fn slack(&self) -> serde_json::Value {
        serde_json::json!({
            "text": format!("{} ({}): {}", self.rule, self.priority, self.message),
            "attachments": [{
                "color": match self.priority {
                    Priority::Emergency | Priority::Alert | Priority::Critical | Priority::Error => "danger",
                    Priority::Warning => "warning",
                    _ => "good",
                },
                "fields": [
                    {"title": "rule", "value": self.rule, "short": true},
                    {"title": "priority", "value": self.priority.to_string(), "short": true},
                    {"title": "source", "value": self.source.name(), "short": true},
                    {"title": "hostname", "value": self.hostname, "short": true},
                ],
            }],
        })
    }
}

/// At most `burst` alerts per rule at once, refilled at `per_second`, measured in event time
/// (so replays of captures are limited the same way as live events).
#[derive(Debug, Clone)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    state: Vec<(f64, u64)>,
    /// Alerts dropped per rule.
    pub dropped: Vec<u64>,
}

impl RateLimiter {
    pub fn new(rules: usize, per_second: f64, burst: u32) -> RateLimiter {
        RateLimiter {
            per_second,
            burst: f64::from(burst.max(1)),
            state: vec![(f64::from(burst.max(1)), 0); rules],
            dropped: vec![0; rules],
        }
    }

    /// Whether rule `idx` may alert at time `ts` (nanoseconds); takes a token if so.
    pub fn allow(&mut self, idx: usize, ts: u64) -> bool {
        let Some((tokens, last)) = self.state.get_mut(idx) else {
            return true;
        };
        if *last != 0 && ts > *last {
            let dt = (ts - *last) as f64 / 1e9;
            *tokens = (*tokens + dt * self.per_second).min(self.burst);
        }
        if *last == 0 || ts > *last {
            *last = ts;
        }
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            if let Some(d) = self.dropped.get_mut(idx) {
                *d += 1;
            }
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limit_refills_in_event_time() {
        let mut r = RateLimiter::new(1, 1.0, 2);
        let s = 1_000_000_000u64;
        assert!(r.allow(0, s));
        assert!(r.allow(0, s));
        assert!(!r.allow(0, s));
        assert!(r.allow(0, 2 * s));
        assert_eq!(r.dropped[0], 1);
    }
}
