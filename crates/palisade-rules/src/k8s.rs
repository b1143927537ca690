//! Field values of Kubernetes audit events (`source: k8s_audit`), read from the event's JSON.

use std::io::Write as _;

use serde_json::Value as Json;

use crate::fields::FieldId;
use crate::program::{Field, FieldSource, Val};

/// One Kubernetes audit event (an `audit.k8s.io/v1` `Event` object).
#[derive(Debug, Clone, Copy)]
pub struct AuditEvent<'a> {
    pub json: &'a Json,
    /// Position of the event in its stream, from 1 (`evt.num`).
    pub num: u64,
    /// Event time in nanoseconds (`evt.time`).
    pub ts: u64,
}

fn str_of(v: &Json) -> Option<&str> {
    v.as_str()
}

/// Calls `f` on each element reached by `path`, where `*` walks every array element.
fn each<'j>(v: &'j Json, path: &[&str], f: &mut dyn FnMut(&'j Json) -> bool) -> bool {
    let Some((head, rest)) = path.split_first() else {
        return f(v);
    };
    if *head == "*" {
        return v
            .as_array()
            .is_some_and(|a| a.iter().any(|x| each(x, rest, f)));
    }
    v.get(*head).is_some_and(|x| each(x, rest, f))
}

fn scalar<'j>(v: &'j Json, buf: &mut Vec<u8>, f: &mut dyn FnMut(Val<'_>) -> bool) -> bool {
    match v {
        Json::String(s) => f(Val::Str(s.as_bytes())),
        Json::Bool(b) => f(Val::Bool(*b)),
        Json::Number(n) => match n.as_i64() {
            Some(i) => f(Val::Num(i)),
            None => {
                buf.clear();
                let _ = write!(buf, "{n}");
                f(Val::Str(buf))
            }
        },
        Json::Null => false,
        other => {
            buf.clear();
            let _ = serde_json::to_writer(&mut *buf, other);
            f(Val::Str(buf))
        }
    }
}

/// Strips the tag and digest of an image reference.
fn repository(image: &str) -> &str {
    let no_digest = image.split('@').next().unwrap_or(image);
    match no_digest.rfind(':') {
        Some(i) if !no_digest[i..].contains('/') => &no_digest[..i],
        _ => no_digest,
    }
}

impl FieldSource for AuditEvent<'_> {
    fn visit(&self, field: &Field, buf: &mut Vec<u8>, f: &mut dyn FnMut(Val<'_>) -> bool) -> bool {
        use FieldId::*;
        let j = self.json;
        let path: &[&str] = match field.id {
            EvtNum => return f(Val::Num(self.num as i64)),
            EvtRawTime => return f(Val::Num(self.ts as i64)),
            EvtTime => {
                buf.clear();
                crate::time::write_time(self.ts, buf);
                return f(Val::Str(buf));
            }
            EvtDatetime => {
                buf.clear();
                crate::time::write_datetime(self.ts, false, buf);
                return f(Val::Str(buf));
            }
            EvtSource => return f(Val::Str(b"k8s_audit")),
            EvtType => return f(Val::Str(b"k8s_audit")),
            KaAuditid => &["auditID"],
            KaStage => &["stage"],
            KaAuthDecision => &["annotations", "authorization.k8s.io/decision"],
            KaAuthReason => &["annotations", "authorization.k8s.io/reason"],
            KaUserName => &["user", "username"],
            KaUserGroups => &["user", "groups", "*"],
            KaImpuserName => &["impersonatedUser", "username"],
            KaVerb => &["verb"],
            KaUri => &["requestURI"],
            KaUriParam => {
                let Some(uri) = j.get("requestURI").and_then(str_of) else {
                    return false;
                };
                let key = field.key().unwrap_or("");
                let query = uri.split_once('?').map_or("", |(_, q)| q);
                return query
                    .split('&')
                    .filter_map(|kv| kv.split_once('='))
                    .find(|(k, _)| *k == key)
                    .is_some_and(|(_, v)| f(Val::Str(v.as_bytes())));
            }
            KaTargetName | KaReqConfigmapName => &["objectRef", "name"],
            KaTargetNamespace => &["objectRef", "namespace"],
            KaTargetResource => &["objectRef", "resource"],
            KaTargetSubresource => &["objectRef", "subresource"],
            KaReqBindingSubjects => &["requestObject", "subjects", "*", "name"],
            KaReqBindingRole => &["requestObject", "roleRef", "name"],
            KaReqBindingSubjectHasName => {
                let key = field.key().unwrap_or("");
                let has = each(j, &["requestObject", "subjects", "*", "name"], &mut |v| {
                    str_of(v) == Some(key)
                });
                return f(Val::Bool(has));
            }
            KaReqConfigmapObj => &["requestObject", "data"],
            KaReqPodContainersImage | KaReqPodContainersImageRepository => {
                let repo = field.id == KaReqPodContainersImageRepository;
                let containers = j
                    .pointer("/requestObject/spec/containers")
                    .and_then(Json::as_array);
                let Some(cs) = containers else { return false };
                let visit = |c: &Json| {
                    c.get("image").and_then(str_of).is_some_and(|img| {
                        f(Val::Str(
                            if repo { repository(img) } else { img }.as_bytes(),
                        ))
                    })
                };
                return match field.index() {
                    Some(i) => cs.get(i as usize).is_some_and(visit),
                    None => cs.iter().any(visit),
                };
            }
            KaReqPodContainersPrivileged => {
                let Some(cs) = j
                    .pointer("/requestObject/spec/containers")
                    .and_then(Json::as_array)
                else {
                    return false;
                };
                let visit = |c: &Json| {
                    let p = c
                        .pointer("/securityContext/privileged")
                        .and_then(Json::as_bool)
                        .unwrap_or(false);
                    f(Val::Bool(p))
                };
                return match field.index() {
                    Some(i) => cs.get(i as usize).is_some_and(visit),
                    None => cs.iter().any(visit),
                };
            }
            KaReqPodContainersHostPort => &[
                "requestObject",
                "spec",
                "containers",
                "*",
                "ports",
                "*",
                "hostPort",
            ],
            KaReqPodContainersAddCapabilities => &[
                "requestObject",
                "spec",
                "containers",
                "*",
                "securityContext",
                "capabilities",
                "add",
                "*",
            ],
            KaReqPodHostIpc => &["requestObject", "spec", "hostIPC"],
            KaReqPodHostNetwork => &["requestObject", "spec", "hostNetwork"],
            KaReqPodHostPid => &["requestObject", "spec", "hostPID"],
            KaReqPodRunAsUser => &["requestObject", "spec", "securityContext", "runAsUser"],
            KaReqPodVolumesHostpath => {
                &["requestObject", "spec", "volumes", "*", "hostPath", "path"]
            }
            KaReqServiceType => &["requestObject", "spec", "type"],
            KaReqServicePorts => &["requestObject", "spec", "ports"],
            KaReqRoleRulesVerbs => &["requestObject", "rules", "*", "verbs", "*"],
            KaReqRoleRulesResources => &["requestObject", "rules", "*", "resources", "*"],
            KaRespName => &["responseObject", "metadata", "name"],
            KaResponseCode => &["responseStatus", "code"],
            KaResponseReason => &["responseStatus", "reason"],
            KaUseragent => &["userAgent"],
            KaSourceips => &["sourceIPs", "*"],
            _ => return false,
        };
        let mut tmp = Vec::new();
        let r = each(j, path, &mut |v| scalar(v, &mut tmp, f));
        let _ = buf;
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::Scratch;
    use crate::ruleset;

    #[test]
    fn k8s_audit_rule_matches_privileged_pod() {
        let rules = "- rule: privileged pod\n  desc: d\n  source: k8s_audit\n  condition: ka.verb = create and ka.target.resource = pods and ka.req.pod.containers.privileged intersects (true) and ka.req.pod.containers.image.repository intersects (nginx)\n  output: \"%ka.user.name created %ka.target.name\"\n  priority: WARNING\n";
        let set = ruleset::load(&[("k.yaml".into(), rules.into())]);
        assert!(!set.has_errors(), "{:?}", set.diagnostics);
        let ev: Json = serde_json::json!({
            "kind": "Event", "verb": "create", "user": {"username": "alice"},
            "objectRef": {"resource": "pods", "name": "p1", "namespace": "default"},
            "requestObject": {"spec": {"containers": [
                {"image": "busybox:1"},
                {"image": "nginx:1.25", "securityContext": {"privileged": true}}
            ]}}
        });
        let e = AuditEvent {
            json: &ev,
            num: 1,
            ts: 0,
        };
        let mut s = Scratch::default();
        assert!(set.rules[0].condition.eval(&e, &mut s));
        let ev2 = serde_json::json!({"verb": "create", "objectRef": {"resource": "pods"},
            "requestObject": {"spec": {"containers": [{"image": "nginx"}]}}});
        assert!(!set.rules[0].condition.eval(
            &AuditEvent {
                json: &ev2,
                num: 2,
                ts: 0
            },
            &mut s
        ));
    }

    /// Falco's list fields: `in` and `pmatch` need every value, `intersects` one.
    #[test]
    fn list_fields_need_every_value_for_in() {
        let eval = |cond: &str, ev: &Json| {
            let yaml = format!(
                "- rule: r\n  desc: d\n  source: k8s_audit\n  condition: {cond}\n  output: o\n  priority: WARNING\n"
            );
            let set = ruleset::load(&[("k.yaml".into(), yaml)]);
            assert!(!set.has_errors(), "{cond}: {:?}", set.diagnostics);
            let e = AuditEvent {
                json: ev,
                num: 1,
                ts: 0,
            };
            set.rules[0].condition.eval(&e, &mut Scratch::default())
        };
        let pod = |images: &[&str]| {
            let containers: Vec<Json> = images
                .iter()
                .map(|i| serde_json::json!({"image": i}))
                .collect();
            serde_json::json!({"verb": "create", "objectRef": {"resource": "pods"},
                "requestObject": {"spec": {"containers": containers,
                    "volumes": [{"hostPath": {"path": "/var/log/app"}}, {"hostPath": {"path": "/etc"}}]}}})
        };
        let mixed = pod(&["nginx:1.25", "evil/miner:1"]);
        let trusted = pod(&["nginx:1.25", "redis:7"]);
        let none = pod(&[]);
        let allowed = "ka.req.pod.containers.image.repository in (nginx, redis)";
        assert!(!eval(allowed, &mixed));
        assert!(eval(allowed, &trusted));
        assert!(
            !eval(allowed, &none),
            "no container is not every container allowed"
        );
        assert!(eval(
            "not ka.req.pod.containers.image.repository in (nginx, redis)",
            &mixed
        ));
        let any = "ka.req.pod.containers.image.repository intersects (nginx)";
        assert!(eval(any, &mixed) && eval(any, &trusted) && !eval(any, &none));
        // With an index, one value: `in` asks about that one.
        assert!(eval(
            "ka.req.pod.containers.image.repository[0] in (nginx)",
            &mixed
        ));
        assert!(!eval(
            "ka.req.pod.containers.image.repository[1] in (nginx)",
            &mixed
        ));
        // pmatch: every hostPath under an allowed prefix.
        assert!(!eval(
            "ka.req.pod.volumes.hostpath pmatch (/var/log)",
            &mixed
        ));
        assert!(eval(
            "ka.req.pod.volumes.hostpath pmatch (/var/log, /etc)",
            &mixed
        ));
        // Other operators keep "any value".
        assert!(eval("ka.req.pod.containers.image contains miner", &mixed));
    }
}
