//! The cluster actions against a Kubernetes API served on 127.0.0.1 by the test (no API server
//! can run on our machines). The server checks every request against the Kubernetes API
//! reference — method, path, content type, and body (DeleteOptions, the patch types, the
//! NetworkPolicy object, taints) — answers as the API server does (including 404, 409
//! AlreadyExists and a resourceVersion conflict), and refuses anything else with 400/404/415,
//! which would fail the action.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use palisade_respond::{KubeAccess, Playbooks, RespondOptions, Responder};
use serde_json::{Value, json};

#[derive(Debug, Clone)]
struct Request {
    method: Method,
    path: String,
    content_type: String,
    body: Value,
}

#[derive(Debug, Default)]
struct Api {
    requests: Vec<Request>,
    /// What the reference check refused.
    violations: Vec<String>,
    pod_exists: bool,
    pod_labels: serde_json::Map<String, Value>,
    policy_exists: bool,
    taints: Vec<Value>,
    resource_version: u64,
    unschedulable: bool,
    /// Answer the next node patch with a 409 Conflict (someone else changed the node).
    conflict_once: bool,
}

type Shared = Arc<Mutex<Api>>;

fn status(code: u16, reason: &str, message: &str) -> (StatusCode, String) {
    (
        StatusCode::from_u16(code).unwrap(),
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
               "message": message, "reason": reason, "code": code})
        .to_string(),
    )
}

fn pod(api: &Api) -> String {
    json!({"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "web-1", "namespace": "prod", "labels": api.pod_labels}})
    .to_string()
}

fn node(api: &Api) -> String {
    json!({"apiVersion": "v1", "kind": "Node",
           "metadata": {"name": "node-1", "resourceVersion": api.resource_version.to_string()},
           "spec": {"taints": api.taints, "unschedulable": api.unschedulable}})
    .to_string()
}

/// RFC 1123 label (DNS names of objects), as the API server validates names.
fn dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

const PATCH_TYPES: &[&str] = &[
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
];

async fn handle(
    State(api): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body: Value = if body.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(e) => return status(400, "BadRequest", &format!("body is not JSON: {e}")),
        }
    };
    let mut api = api.lock().unwrap();
    api.requests.push(Request {
        method: method.clone(),
        path: uri.path().to_owned(),
        content_type: content_type.clone(),
        body: body.clone(),
    });
    let refuse = |api: &mut Api, code: u16, why: String| {
        api.violations.push(format!("{method} {uri}: {why}"));
        status(
            code,
            if code == 415 {
                "UnsupportedMediaType"
            } else {
                "BadRequest"
            },
            &why,
        )
    };
    match (method.clone(), uri.path()) {
        // DELETE /api/v1/namespaces/{namespace}/pods/{name}: body DeleteOptions (meta/v1).
        (Method::DELETE, "/api/v1/namespaces/prod/pods/web-1") => {
            if !body.is_null() && content_type != "application/json" {
                return refuse(&mut api, 415, format!("DeleteOptions as {content_type}"));
            }
            let allowed = [
                "apiVersion",
                "kind",
                "dryRun",
                "gracePeriodSeconds",
                "orphanDependents",
                "preconditions",
                "propagationPolicy",
            ];
            if let Some(o) = body.as_object() {
                if let Some(k) = o.keys().find(|k| !allowed.contains(&k.as_str())) {
                    return refuse(&mut api, 400, format!("unknown DeleteOptions field {k}"));
                }
            }
            match body.get("gracePeriodSeconds").and_then(Value::as_i64) {
                Some(g) if g >= 0 => {}
                _ => return refuse(&mut api, 400, "no gracePeriodSeconds (integer >= 0)".into()),
            }
            if !api.pod_exists {
                return status(404, "NotFound", "pods \"web-1\" not found");
            }
            api.pod_exists = false;
            (StatusCode::OK, pod(&api))
        }
        // PATCH /api/v1/namespaces/{namespace}/pods/{name}.
        (Method::PATCH, "/api/v1/namespaces/prod/pods/web-1") => {
            if !PATCH_TYPES.contains(&content_type.as_str()) {
                return refuse(&mut api, 415, format!("PATCH as {content_type}"));
            }
            if content_type != "application/merge-patch+json" {
                return refuse(&mut api, 400, "this test expects a JSON merge patch".into());
            }
            let Some(labels) = body.pointer("/metadata/labels").and_then(Value::as_object) else {
                return refuse(&mut api, 400, "no metadata.labels".into());
            };
            if body.as_object().unwrap().len() != 1
                || body["metadata"].as_object().unwrap().len() != 1
            {
                return refuse(&mut api, 400, "the patch changes more than labels".into());
            }
            for (k, v) in labels {
                match v {
                    Value::Null => {
                        api.pod_labels.remove(k);
                    }
                    Value::String(_) => {
                        api.pod_labels.insert(k.clone(), v.clone());
                    }
                    _ => return refuse(&mut api, 400, format!("label {k} is not a string")),
                }
            }
            (StatusCode::OK, pod(&api))
        }
        // POST /apis/networking.k8s.io/v1/namespaces/{namespace}/networkpolicies.
        (Method::POST, "/apis/networking.k8s.io/v1/namespaces/prod/networkpolicies") => {
            if content_type != "application/json" {
                return refuse(&mut api, 415, format!("create as {content_type}"));
            }
            if body["apiVersion"] != "networking.k8s.io/v1" || body["kind"] != "NetworkPolicy" {
                return refuse(
                    &mut api,
                    400,
                    "not a networking.k8s.io/v1 NetworkPolicy".into(),
                );
            }
            let name = body
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("");
            if !dns_label(name) {
                return refuse(&mut api, 400, format!("metadata.name {name:?}"));
            }
            if body
                .pointer("/metadata/namespace")
                .is_some_and(|n| n != "prod")
            {
                return refuse(
                    &mut api,
                    400,
                    "metadata.namespace does not match the path".into(),
                );
            }
            if body
                .pointer("/spec/podSelector")
                .and_then(Value::as_object)
                .is_none()
            {
                return refuse(&mut api, 400, "spec.podSelector is required".into());
            }
            let types = body.pointer("/spec/policyTypes").and_then(Value::as_array);
            if types.is_none_or(|t| t.iter().any(|v| v != "Ingress" && v != "Egress")) {
                return refuse(
                    &mut api,
                    400,
                    "spec.policyTypes must be Ingress and/or Egress".into(),
                );
            }
            if api.policy_exists {
                return status(
                    409,
                    "AlreadyExists",
                    "networkpolicies.networking.k8s.io \"palisade-isolate\" already exists",
                );
            }
            api.policy_exists = true;
            (StatusCode::CREATED, body.to_string())
        }
        // GET /api/v1/nodes/{name}.
        (Method::GET, "/api/v1/nodes/node-1") => (StatusCode::OK, node(&api)),
        // PATCH /api/v1/nodes/{name}.
        (Method::PATCH, "/api/v1/nodes/node-1") => {
            if !PATCH_TYPES.contains(&content_type.as_str()) {
                return refuse(&mut api, 415, format!("PATCH as {content_type}"));
            }
            if let Some(taints) = body.pointer("/spec/taints") {
                if content_type != "application/merge-patch+json" {
                    return refuse(
                        &mut api,
                        400,
                        "taints: a list without a merge key must be replaced whole (merge patch)"
                            .into(),
                    );
                }
                for t in taints.as_array().into_iter().flatten() {
                    let effect = t["effect"].as_str().unwrap_or("");
                    if t["key"].as_str().is_none_or(str::is_empty)
                        || !["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(&effect)
                    {
                        return refuse(&mut api, 400, format!("invalid taint {t}"));
                    }
                }
                let rv = body
                    .pointer("/metadata/resourceVersion")
                    .and_then(Value::as_str);
                if api.conflict_once {
                    api.conflict_once = false;
                    api.resource_version += 1;
                    return status(
                        409,
                        "Conflict",
                        "the object has been modified; please apply your changes to the latest version and try again",
                    );
                }
                if rv != Some(api.resource_version.to_string().as_str()) {
                    return status(409, "Conflict", "the object has been modified");
                }
                api.taints = taints.as_array().unwrap().clone();
                api.resource_version += 1;
                return (StatusCode::OK, node(&api));
            }
            if body == json!({"spec": {"unschedulable": true}}) {
                if content_type != "application/strategic-merge-patch+json"
                    && content_type != "application/merge-patch+json"
                {
                    return refuse(&mut api, 415, format!("cordon as {content_type}"));
                }
                api.unschedulable = true;
                return (StatusCode::OK, node(&api));
            }
            refuse(&mut api, 400, format!("unexpected node patch {body}"))
        }
        _ => refuse(&mut api, 404, "no such path in this test".into()),
    }
}

/// Serves the API on 127.0.0.1; returns its URL.
fn serve(api: Shared) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let app = Router::new().fallback(handle).with_state(api);
            axum::serve(listener, app).await.unwrap();
        });
    });
    url
}

fn alert(ns: &str) -> Value {
    json!({
        "rule": "Contact K8S API Server From Container", "priority": "Notice", "source": "syscall",
        "hostname": "node-1", "output": "x", "time": "2026-12-03T06:00:00Z", "tags": [],
        "output_fields": {"k8s.ns.name": ns, "k8s.pod.name": "web-1",
                          "container.id": "0123456789ab0123456789ab0123456789ab0123456789ab0123456789abcdef"},
    })
}

fn run(url: &str, alerts: &[Value]) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let playbooks = Playbooks::parse(
        "p.yaml",
        br#"
playbooks:
  - name: contain the pod and its node
    match: {rules: ["Contact K8S API Server From Container"]}
    actions:
      - {action: label-pod, labels: {palisade.dev/quarantine: "true", app: null}}
      - {action: isolate-pod}
      - {action: taint-node, key: palisade.dev/compromised, effect: NoExecute}
      - cordon-node
      - {action: delete-pod, gracePeriodSeconds: 5}
    guards: {dedupeSeconds: 0}
"#,
    )
    .unwrap();
    let audit = dir.path().join("audit.jsonl");
    let r = Responder::start(
        playbooks,
        RespondOptions {
            node_name: Some("node-1".into()),
            audit: Some(audit.clone()),
            kube: KubeAccess::Url(url.to_owned()),
            spool_dir: dir.path().join("spool"),
            ..RespondOptions::default()
        },
    )
    .unwrap();
    for a in alerts {
        r.handle_json(a.clone()).unwrap();
    }
    r.finish();
    std::fs::read_to_string(&audit)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn cluster_actions_send_what_the_api_reference_describes() {
    let api = Shared::new(Mutex::new(Api {
        pod_exists: true,
        pod_labels: [("app".to_owned(), json!("web"))].into_iter().collect(),
        taints: vec![json!({"key": "dedicated", "value": "web", "effect": "NoSchedule"})],
        resource_version: 41,
        conflict_once: true,
        ..Api::default()
    }));
    let url = serve(api.clone());

    let audit = run(&url, &[alert("prod")]);
    let details: Vec<(&str, &str)> = audit
        .iter()
        .map(|r| (r["result"].as_str().unwrap(), r["detail"].as_str().unwrap()))
        .collect();
    assert_eq!(
        details,
        [
            (
                "done",
                "pod prod/web-1 labelled palisade.dev/quarantine, app"
            ),
            (
                "done",
                "pod prod/web-1 isolated (label palisade.dev/isolated=true, NetworkPolicy palisade-isolate created)"
            ),
            (
                "done",
                "node node-1 tainted palisade.dev/compromised=true:NoExecute"
            ),
            ("done", "node node-1 cordoned"),
            ("done", "pod prod/web-1 deleted (grace period 5 s)"),
        ]
    );
    {
        let a = api.lock().unwrap();
        assert!(a.violations.is_empty(), "{:#?}", a.violations);
        let seen: Vec<(String, &str, &str)> = a
            .requests
            .iter()
            .map(|r| {
                (
                    r.method.to_string(),
                    r.path.as_str(),
                    r.content_type.as_str(),
                )
            })
            .collect();
        let m = |s: &str| s.to_owned();
        assert_eq!(
            seen,
            [
                (
                    m("PATCH"),
                    "/api/v1/namespaces/prod/pods/web-1",
                    "application/merge-patch+json"
                ),
                (
                    m("PATCH"),
                    "/api/v1/namespaces/prod/pods/web-1",
                    "application/merge-patch+json"
                ),
                (
                    m("POST"),
                    "/apis/networking.k8s.io/v1/namespaces/prod/networkpolicies",
                    "application/json"
                ),
                (m("GET"), "/api/v1/nodes/node-1", ""),
                (
                    m("PATCH"),
                    "/api/v1/nodes/node-1",
                    "application/merge-patch+json"
                ),
                // The conflict: read again, patch again with the new resourceVersion.
                (m("GET"), "/api/v1/nodes/node-1", ""),
                (
                    m("PATCH"),
                    "/api/v1/nodes/node-1",
                    "application/merge-patch+json"
                ),
                (
                    m("PATCH"),
                    "/api/v1/nodes/node-1",
                    "application/strategic-merge-patch+json"
                ),
                (
                    m("DELETE"),
                    "/api/v1/namespaces/prod/pods/web-1",
                    "application/json"
                ),
            ]
        );
        assert_eq!(
            a.requests[0].body,
            json!({"metadata": {"labels": {"palisade.dev/quarantine": "true", "app": null}}})
        );
        assert_eq!(
            a.requests[2].body,
            json!({
                "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                "metadata": {"name": "palisade-isolate", "namespace": "prod",
                             "labels": {"app.kubernetes.io/managed-by": "palisade"}},
                "spec": {"podSelector": {"matchLabels": {"palisade.dev/isolated": "true"}},
                         "policyTypes": ["Ingress", "Egress"]},
            })
        );
        assert_eq!(a.requests[6].body["metadata"]["resourceVersion"], "42");
        assert_eq!(
            a.requests[6].body["spec"]["taints"],
            json!([
                {"key": "dedicated", "value": "web", "effect": "NoSchedule"},
                {"key": "palisade.dev/compromised", "value": "true", "effect": "NoExecute"},
            ])
        );
        assert_eq!(a.requests[8].body["gracePeriodSeconds"], 5);
        assert_eq!(a.pod_labels.get("app"), None);
        assert!(a.unschedulable);
    }

    // Again: every action is idempotent and says so.
    let audit = run(&url, &[alert("prod")]);
    let details: Vec<&str> = audit
        .iter()
        .map(|r| r["detail"].as_str().unwrap())
        .collect();
    assert_eq!(
        details,
        [
            "pod prod/web-1 labelled palisade.dev/quarantine, app",
            "pod prod/web-1 isolated (label palisade.dev/isolated=true, NetworkPolicy palisade-isolate already there)",
            "node node-1 already tainted palisade.dev/compromised:NoExecute",
            "node node-1 cordoned",
            "pod prod/web-1 already gone",
        ]
    );
    assert!(audit.iter().all(|r| r["result"] == "done"));

    // kube-system pods are the node's own: no request at all for the pod actions.
    let before = api.lock().unwrap().requests.len();
    let audit = run(&url, &[alert("kube-system")]);
    let pods: Vec<&Value> = audit
        .iter()
        .filter(|r| r["action"].as_str().unwrap().ends_with("-pod"))
        .collect();
    assert_eq!(pods.len(), 3);
    assert!(pods.iter().all(|r| r["result"] == "skipped"));
    let a = api.lock().unwrap();
    assert!(
        a.requests[before..]
            .iter()
            .all(|r| r.path.starts_with("/api/v1/nodes/"))
    );
    assert!(a.violations.is_empty(), "{:#?}", a.violations);
}
