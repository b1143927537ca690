//! Namespace advice: what the Pod Security Policy advisor did, for Pod Security Admission.
//!
//! For each namespace: the strictest level and version all its workloads satisfy, the
//! `pod-security.kubernetes.io/*` labels to set, and for each workload that is not `restricted`
//! the smallest securityContext patch that makes it pass (re-evaluated after applying it), plus
//! the privileges the workloads use — the PodSecurityPolicy one would have written.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::manifest::{Manifests, Object};
use crate::pod::{self, ContainerKind};
use crate::pss::{self, Level, Version, Violation};
use crate::yaml::Node;

/// Advice for one namespace.
#[derive(Debug, Clone, Serialize)]
pub struct NamespaceAdvice {
    pub namespace: String,
    pub workloads: usize,
    /// The strictest level all workloads satisfy.
    pub level: Level,
    /// The newest policy version at which they all satisfy it.
    pub version: String,
    /// `pod-security.kubernetes.io/…` labels to set.
    pub labels: Vec<(String, String)>,
    /// Workloads that do not pass `restricted:latest`.
    pub blockers: Vec<WorkloadAdvice>,
    pub privileges: Privileges,
}

/// Why a workload is not `restricted`, and the patch that fixes what a securityContext can fix.
#[derive(Debug, Clone, Serialize)]
pub struct WorkloadAdvice {
    pub object: String,
    pub kind: String,
    pub name: String,
    pub level: Level,
    pub violations: Vec<Violation>,
    /// A strategic merge patch (`kubectl patch --type=strategic -p …`).
    pub patch: Value,
    /// Violations of `restricted:latest` left after applying the patch (they need more than a
    /// securityContext change).
    pub remaining: Vec<String>,
}

/// The privileges a namespace's workloads use.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Privileges {
    pub privileged: bool,
    pub host_network: bool,
    pub host_pid: bool,
    pub host_ipc: bool,
    pub host_ports: BTreeSet<i64>,
    pub host_paths: BTreeSet<String>,
    pub volume_types: BTreeSet<String>,
    pub added_capabilities: BTreeSet<String>,
    pub run_as_users: BTreeSet<String>,
    pub allow_privilege_escalation: bool,
}

/// Advice for every namespace that has workloads, in name order.
pub fn advise(manifests: &Manifests) -> Vec<NamespaceAdvice> {
    let mut by_ns: BTreeMap<&str, Vec<&Object>> = BTreeMap::new();
    for obj in manifests.objects.iter().filter(|o| o.pod().is_some()) {
        by_ns
            .entry(obj.effective_namespace())
            .or_default()
            .push(obj);
    }
    by_ns
        .into_iter()
        .map(|(ns, objs)| advise_namespace(ns, &objs))
        .collect()
}

fn passes_all(objs: &[&Object], level: Level, version: Version) -> bool {
    objs.iter()
        .all(|o| pss::evaluate(o, level, version).is_none_or(|v| v.is_empty()))
}

fn advise_namespace(ns: &str, objs: &[&Object]) -> NamespaceAdvice {
    let (level, version) = [Level::Restricted, Level::Baseline]
        .into_iter()
        .find_map(|level| {
            Version::all()
                .rev()
                .find(|&v| passes_all(objs, level, v))
                .map(|v| (level, v.to_string()))
        })
        .unwrap_or((Level::Privileged, "latest".to_owned()));
    let key = |mode: &str| format!("pod-security.kubernetes.io/{mode}");
    let mut labels = vec![
        (key("enforce"), level.to_string()),
        (key("enforce-version"), version.clone()),
    ];
    for mode in ["audit", "warn"] {
        labels.push((key(mode), Level::Restricted.to_string()));
        labels.push((key(&format!("{mode}-version")), "latest".to_owned()));
    }
    let blockers = objs.iter().filter_map(|o| workload_advice(o)).collect();
    let mut privileges = Privileges::default();
    for o in objs {
        collect_privileges(o, &mut privileges);
    }
    NamespaceAdvice {
        namespace: ns.to_owned(),
        workloads: objs.len(),
        level,
        version,
        labels,
        blockers,
        privileges,
    }
}

fn workload_advice(obj: &Object) -> Option<WorkloadAdvice> {
    let pod = obj.pod()?;
    let violations = pss::evaluate(obj, Level::Restricted, Version::LATEST)?;
    if violations.is_empty() {
        return None;
    }
    let spec_patch = security_context_patch(pod.spec, &violations);
    let mut patched = pod.spec.to_json();
    merge(&mut patched, &spec_patch);
    let patched = Node::from_json(&patched, pod.spec.line, pod.spec.column);
    let remaining = pss::evaluate_pod(
        pod.metadata,
        &patched,
        Level::Restricted,
        Version::LATEST,
        &obj.file,
    )
    .iter()
    .map(Violation::message)
    .collect();
    let mut patch = spec_patch;
    for key in pod.spec_path.rsplit('.') {
        patch = json!({ key: patch });
    }
    Some(WorkloadAdvice {
        object: obj.display_name(),
        kind: obj.kind.clone(),
        name: obj.name.clone(),
        level: pss::strictest_level(obj, Version::LATEST).unwrap_or(Level::Privileged),
        violations,
        patch,
        remaining,
    })
}

/// The smallest securityContext changes that clear the restricted violations a securityContext
/// can clear.
fn security_context_patch(spec: &Node, violations: &[Violation]) -> Value {
    let violated = |id: &str| violations.iter().any(|v| v.check == id);
    let mut pod_sc = Map::new();
    if violated("runAsNonRoot") {
        pod_sc.insert("runAsNonRoot".into(), json!(true));
    }
    if violated("runAsUser") && pod::pod_sc(spec, "runAsUser").and_then(Node::int) == Some(0) {
        pod_sc.insert("runAsUser".into(), Value::Null);
    }
    let seccomp_ok = |n: Option<&Node>| {
        matches!(
            n.and_then(|p| p.get("type")).and_then(Node::str),
            Some("RuntimeDefault" | "Localhost")
        )
    };
    if (violated("seccompProfile_restricted") || violated("seccompProfile_baseline"))
        && !seccomp_ok(pod::pod_sc(spec, "seccompProfile"))
    {
        pod_sc.insert("seccompProfile".into(), json!({"type": "RuntimeDefault"}));
    }
    if violated("seLinuxOptions") && pod::pod_sc(spec, "seLinuxOptions").is_some() {
        pod_sc.insert("seLinuxOptions".into(), Value::Null);
    }
    if violated("appArmorProfile") && pod::pod_sc(spec, "appArmorProfile").is_some() {
        pod_sc.insert("appArmorProfile".into(), json!({"type": "RuntimeDefault"}));
    }
    let mut lists: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    for c in pod::containers(spec) {
        let mut sc = Map::new();
        if c.sc("allowPrivilegeEscalation").and_then(Node::bool) != Some(false) {
            sc.insert("allowPrivilegeEscalation".into(), json!(false));
        }
        if c.sc("privileged").is_some_and(Node::is_true) {
            sc.insert("privileged".into(), json!(false));
        }
        let mut caps = Map::new();
        if !c.capabilities("drop").any(|d| d.str() == Some("ALL")) {
            caps.insert("drop".into(), json!(["ALL"]));
        }
        let added: Vec<&str> = c.capabilities("add").filter_map(Node::str).collect();
        if added.iter().any(|a| *a != "NET_BIND_SERVICE") {
            let keep: Vec<&str> = added
                .into_iter()
                .filter(|a| *a == "NET_BIND_SERVICE")
                .collect();
            caps.insert(
                "add".into(),
                if keep.is_empty() {
                    Value::Null
                } else {
                    json!(keep)
                },
            );
        }
        if !caps.is_empty() {
            sc.insert("capabilities".into(), Value::Object(caps));
        }
        if c.sc("runAsNonRoot")
            .is_some_and(|f| f.bool() == Some(false))
        {
            sc.insert("runAsNonRoot".into(), json!(true));
        }
        if c.sc("runAsUser").and_then(Node::int) == Some(0) {
            sc.insert("runAsUser".into(), Value::Null);
        }
        if let Some(t) = c
            .sc("seccompProfile")
            .and_then(|p| p.get("type"))
            .and_then(Node::str)
        {
            if !matches!(t, "RuntimeDefault" | "Localhost") {
                sc.insert("seccompProfile".into(), json!({"type": "RuntimeDefault"}));
            }
        }
        if c.sc("procMount")
            .and_then(Node::str)
            .is_some_and(|p| p != "Default")
        {
            sc.insert("procMount".into(), Value::Null);
        }
        if violated("seLinuxOptions") && c.sc("seLinuxOptions").is_some() {
            sc.insert("seLinuxOptions".into(), Value::Null);
        }
        if violated("appArmorProfile") && c.sc("appArmorProfile").is_some() {
            sc.insert("appArmorProfile".into(), json!({"type": "RuntimeDefault"}));
        }
        if violated("windowsHostProcess") && c.sc("windowsOptions").is_some() {
            sc.insert("windowsOptions".into(), json!({"hostProcess": null}));
        }
        if !sc.is_empty() {
            lists
                .entry(c.kind.field())
                .or_default()
                .push(json!({"name": c.name, "securityContext": sc}));
        }
    }
    let mut patch = Map::new();
    if !pod_sc.is_empty() {
        patch.insert("securityContext".into(), Value::Object(pod_sc));
    }
    for (field, items) in lists {
        patch.insert(field.into(), Value::Array(items));
    }
    Value::Object(patch)
}

/// Applies a strategic merge patch the way the API server does for the fields we patch:
/// objects merge, `null` deletes, container lists merge by `name`, other values replace.
fn merge(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                    continue;
                }
                let by_name = [
                    ContainerKind::Init,
                    ContainerKind::Regular,
                    ContainerKind::Ephemeral,
                ]
                .iter()
                .any(|c| c.field() == k);
                match (t.get_mut(k), v) {
                    (Some(Value::Array(items)), Value::Array(patches)) if by_name => {
                        for p in patches {
                            let name = p.get("name");
                            match items.iter_mut().find(|i| i.get("name") == name) {
                                Some(item) => merge(item, p),
                                None => items.push(p.clone()),
                            }
                        }
                    }
                    (Some(existing), _) if existing.is_object() && v.is_object() => {
                        merge(existing, v)
                    }
                    _ => {
                        let mut fresh = Value::Object(Map::new());
                        if v.is_object() {
                            merge(&mut fresh, v);
                        } else {
                            fresh = v.clone();
                        }
                        t.insert(k.clone(), fresh);
                    }
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
}

fn collect_privileges(obj: &Object, p: &mut Privileges) {
    let Some(pod) = obj.pod() else { return };
    let spec = pod.spec;
    let flag = |f: &str| spec.get(f).is_some_and(Node::is_true);
    p.host_network |= flag("hostNetwork");
    p.host_pid |= flag("hostPID");
    p.host_ipc |= flag("hostIPC");
    for vol in spec.get("volumes").map(Node::items).unwrap_or_default() {
        let source = vol
            .entries()
            .iter()
            .filter_map(|(k, _)| k.str())
            .find(|k| *k != "name")
            .unwrap_or("emptyDir");
        p.volume_types.insert(source.to_owned());
        if let Some(path) = vol.at(&["hostPath", "path"]).and_then(Node::str) {
            p.host_paths.insert(path.to_owned());
        }
    }
    let pod_uid = pod::pod_sc(spec, "runAsUser").and_then(Node::int);
    for c in pod::containers(spec) {
        p.privileged |= c.sc("privileged").is_some_and(Node::is_true);
        p.allow_privilege_escalation |=
            c.sc("allowPrivilegeEscalation").and_then(Node::bool) != Some(false);
        for cap in c.capabilities("add").filter_map(Node::str) {
            p.added_capabilities.insert(cap.to_owned());
        }
        for port in c.node.get("ports").map(Node::items).unwrap_or_default() {
            if let Some(hp) = port.get("hostPort").and_then(Node::int).filter(|n| *n != 0) {
                p.host_ports.insert(hp);
            }
        }
        let uid = c.sc("runAsUser").and_then(Node::int).or(pod_uid);
        p.run_as_users
            .insert(uid.map_or_else(|| "image default".to_owned(), |u| u.to_string()));
    }
}

impl Privileges {
    /// The PodSecurityPolicy (policy/v1beta1) that would have admitted exactly these workloads.
    pub fn pod_security_policy(&self, name: &str) -> String {
        let list = |items: &BTreeSet<String>| {
            if items.is_empty() {
                "[]".to_owned()
            } else {
                format!(
                    "[{}]",
                    items
                        .iter()
                        .map(|i| format!("{i:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        };
        let mut volumes = self.volume_types.clone();
        if volumes.is_empty() {
            volumes.insert("configMap".into());
        }
        let run_as = if self
            .run_as_users
            .iter()
            .any(|u| u == "0" || u == "image default")
        {
            "    rule: RunAsAny".to_owned()
        } else {
            let ranges: Vec<String> = self
                .run_as_users
                .iter()
                .map(|u| format!("    - {{min: {u}, max: {u}}}"))
                .collect();
            format!("    rule: MustRunAs\n    ranges:\n{}", ranges.join("\n"))
        };
        let ports: Vec<String> = self
            .host_ports
            .iter()
            .map(|p| format!("  - {{min: {p}, max: {p}}}"))
            .collect();
        let paths: Vec<String> = self
            .host_paths
            .iter()
            .map(|p| format!("  - pathPrefix: {p:?}"))
            .collect();
        format!(
            "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata:\n  name: {name}\nspec:\n  privileged: {}\n  allowPrivilegeEscalation: {}\n  hostNetwork: {}\n  hostPID: {}\n  hostIPC: {}\n  hostPorts:{}\n  allowedHostPaths:{}\n  volumes: {}\n  allowedCapabilities: {}\n  requiredDropCapabilities: {}\n  runAsUser:\n{run_as}\n  seLinux: {{rule: RunAsAny}}\n  supplementalGroups: {{rule: RunAsAny}}\n  fsGroup: {{rule: RunAsAny}}\n",
            self.privileged,
            self.allow_privilege_escalation,
            self.host_network,
            self.host_pid,
            self.host_ipc,
            if ports.is_empty() {
                " []".to_owned()
            } else {
                format!("\n{}", ports.join("\n"))
            },
            if paths.is_empty() {
                " []".to_owned()
            } else {
                format!("\n{}", paths.join("\n"))
            },
            list(&volumes),
            list(&self.added_capabilities),
            if self.added_capabilities.contains("ALL") || self.privileged {
                "[]"
            } else {
                "[\"ALL\"]"
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::read_bytes;
    use crate::yaml::Limits;

    const NS: &str = "\
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      containers:
      - name: web
        image: nginx:1.27
        securityContext:
          runAsUser: 0
          capabilities: {add: [NET_ADMIN]}
---
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    spec:
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:
      - name: api
        image: api:2
        securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
";

    #[test]
    fn advises_level_labels_and_patches() {
        let m = read_bytes("ns.yaml", NS.as_bytes(), &Limits::default());
        let advice = advise(&m);
        assert_eq!(advice.len(), 1);
        let shop = &advice[0];
        assert_eq!(shop.level, Level::Privileged);
        assert_eq!(shop.blockers.len(), 1);
        let web = &shop.blockers[0];
        assert!(web.remaining.is_empty(), "{:?}", web.remaining);
        let sc = &web.patch["spec"]["template"]["spec"]["containers"][0]["securityContext"];
        assert_eq!(sc["capabilities"]["add"], Value::Null);
        assert_eq!(sc["capabilities"]["drop"], json!(["ALL"]));
        assert_eq!(sc["runAsUser"], Value::Null);
        assert_eq!(
            web.patch["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"],
            json!(true)
        );
        assert!(shop.privileges.added_capabilities.contains("NET_ADMIN"));
        assert!(
            shop.privileges
                .pod_security_policy("shop")
                .contains("allowedCapabilities: [\"NET_ADMIN\"]")
        );
    }

    #[test]
    fn restricted_namespace_pins_latest_version() {
        let m = read_bytes(
            "ns.yaml",
            NS.split("---\n").nth(1).unwrap().as_bytes(),
            &Limits::default(),
        );
        let shop = &advise(&m)[0];
        assert_eq!(shop.level, Level::Restricted);
        assert_eq!(shop.version, format!("v1.{}", pss::LATEST_MINOR));
        assert!(shop.blockers.is_empty());
    }

    #[test]
    fn unfixable_violations_remain() {
        let yaml = "kind: Pod\nmetadata: {name: p, namespace: n}\nspec:\n  hostNetwork: true\n  containers: [{name: c}]\n";
        let m = read_bytes("p.yaml", yaml.as_bytes(), &Limits::default());
        let advice = advise(&m);
        assert_eq!(
            advice[0].blockers[0].remaining,
            ["host namespaces (hostNetwork=true)"]
        );
    }
}
