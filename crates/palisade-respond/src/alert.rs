//! The alerts playbooks act on, whether raised in process ([`palisade_rules::Alert`]) or
//! received as Falco's JSON (what `Alert::json()`, Falco's `http_output` and Falcosidekick send),
//! and the targets their output fields name.

use palisade_rules::{Alert, Priority};
use serde_json::{Map, Value};

/// One alert, in the form both origins share.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRecord {
    /// A stable id: Falcosidekick's `uuid` when present, else a digest of the alert's content.
    pub id: String,
    pub rule: String,
    /// `None` when the priority is not one of Falco's.
    pub priority: Option<Priority>,
    pub source: String,
    pub tags: Vec<String>,
    /// RFC 3339 time of the event.
    pub time: String,
    pub output: String,
    pub output_fields: Map<String, Value>,
    pub hostname: String,
    /// The alert as Falco's JSON, forwarded as is by `notify`.
    pub json: Value,
}

/// Why a Falco JSON alert was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AlertError {
    #[error("the alert is not a JSON object")]
    NotAnObject,
    #[error("the alert has no `rule` string")]
    NoRule,
}

impl AlertRecord {
    /// From an alert raised in process.
    pub fn from_alert(alert: &Alert) -> AlertRecord {
        AlertRecord::from_json(alert.json()).unwrap_or_else(|_| AlertRecord {
            id: String::new(),
            rule: alert.rule.clone(),
            priority: Some(alert.priority),
            source: alert.source.name().to_owned(),
            tags: alert.tags.clone(),
            time: String::new(),
            output: alert.message.clone(),
            output_fields: alert.output_fields.clone(),
            hostname: alert.hostname.clone(),
            json: Value::Null,
        })
    }

    /// From Falco's JSON alert (`rule`, `priority`, `source`, `tags`, `time`, `output`,
    /// `output_fields`, `hostname`; Falcosidekick's `uuid`).
    pub fn from_json(json: Value) -> Result<AlertRecord, AlertError> {
        let o = json.as_object().ok_or(AlertError::NotAnObject)?;
        let s = |k: &str| {
            o.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let rule = o
            .get("rule")
            .and_then(Value::as_str)
            .ok_or(AlertError::NoRule)?
            .to_owned();
        let id = match o.get("uuid").and_then(Value::as_str) {
            Some(u) if !u.is_empty() => u.to_owned(),
            _ => {
                use sha2::Digest as _;
                let bytes = serde_json::to_vec(&json).unwrap_or_default();
                hex::encode(&sha2::Sha256::digest(&bytes)[..12])
            }
        };
        Ok(AlertRecord {
            id,
            priority: Priority::parse(&s("priority")),
            source: match s("source") {
                s if s.is_empty() => "syscall".to_owned(),
                s => s,
            },
            tags: o
                .get("tags")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            time: s("time"),
            output: s("output"),
            output_fields: o
                .get("output_fields")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
            hostname: s("hostname"),
            rule,
            json,
        })
    }

    /// An output field as text (numbers and booleans written out; null is `None`).
    pub fn field(&self, name: &str) -> Option<String> {
        match self.output_fields.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            v => Some(v.to_string()),
        }
    }

    /// The Slack incoming-webhook payload for this alert.
    pub fn slack(&self) -> Value {
        let priority = self
            .priority
            .map(|p| p.to_string())
            .unwrap_or_else(|| "unknown".into());
        serde_json::json!({
            "text": format!("{} ({}): {}", self.rule, priority, self.output),
            "attachments": [{
                "color": match self.priority {
                    Some(Priority::Emergency | Priority::Alert | Priority::Critical | Priority::Error) => "danger",
                    Some(Priority::Warning) => "warning",
                    _ => "good",
                },
                "fields": [
                    {"title": "rule", "value": self.rule, "short": true},
                    {"title": "priority", "value": priority, "short": true},
                    {"title": "source", "value": self.source, "short": true},
                    {"title": "hostname", "value": self.hostname, "short": true},
                ],
            }],
        })
    }
}

/// What an alert's output fields say about where it happened. Empty parts were not in the alert.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Target {
    /// `proc.pid`: the process id in the host's pid namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<i32>,
    /// `proc.name`, to check a pid was not reused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process_name: Option<String>,
    /// `container.id` (absent for `host` and empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_name: Option<String>,
    /// `container.image.repository`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// `k8s.ns.name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `k8s.pod.name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
    /// The node: the configured node name, else the alert's hostname.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
}

impl Target {
    /// Reads the target from an alert's output fields; `node_name` is this node's name
    /// (configuration or `NODE_NAME`), used before the alert's hostname.
    pub fn of(alert: &AlertRecord, node_name: Option<&str>) -> Target {
        let f = |k: &str| alert.field(k).filter(|v| !v.is_empty() && v != "<NA>");
        Target {
            pid: f("proc.pid").and_then(|p| p.parse().ok()),
            process_name: f("proc.name"),
            container_id: f("container.id").filter(|c| c != "host"),
            container_name: f("container.name").filter(|c| c != "host"),
            image: f("container.image.repository"),
            namespace: f("k8s.ns.name"),
            pod: f("k8s.pod.name"),
            node: node_name
                .map(str::to_owned)
                .or_else(|| Some(alert.hostname.clone()).filter(|h| !h.is_empty())),
        }
    }

    /// Whether the alert came from a process outside any container.
    pub fn on_host(&self) -> bool {
        self.container_id.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falco_json_and_targets() {
        let a = AlertRecord::from_json(serde_json::json!({
            "hostname": "node-1", "output": "x", "priority": "Warning", "rule": "R",
            "source": "syscall", "tags": ["container"], "time": "2026-01-01T00:00:00.000000000Z",
            "output_fields": {"proc.pid": 42, "proc.name": "sh", "container.id": "abc123",
                "container.image.repository": "docker.io/library/busybox",
                "k8s.ns.name": "prod", "k8s.pod.name": "web-1"}
        }))
        .unwrap();
        assert_eq!(a.priority, Some(Priority::Warning));
        assert_eq!(a.id.len(), 24);
        let t = Target::of(&a, None);
        assert_eq!(t.pid, Some(42));
        assert_eq!(t.container_id.as_deref(), Some("abc123"));
        assert_eq!(t.node.as_deref(), Some("node-1"));
        assert_eq!(Target::of(&a, Some("n2")).node.as_deref(), Some("n2"));
        assert!(!t.on_host());
    }

    #[test]
    fn host_processes_have_no_container() {
        let a = AlertRecord::from_json(serde_json::json!({
            "rule": "R", "output_fields": {"container.id": "host", "proc.pid": "7"}
        }))
        .unwrap();
        let t = Target::of(&a, None);
        assert!(t.on_host());
        assert_eq!(t.pid, Some(7));
        assert_eq!(
            AlertRecord::from_json(serde_json::json!([1])),
            Err(AlertError::NotAnObject)
        );
        assert_eq!(
            AlertRecord::from_json(serde_json::json!({"x": 1})),
            Err(AlertError::NoRule)
        );
    }
}
