//! Actions on the cluster through the Kubernetes API (`kube`): `delete-pod`, `label-pod`,
//! `isolate-pod`, `taint-node`, `cordon-node`. Each is idempotent: a pod already gone, a label
//! already set, a policy already there, a taint already present, a node already cordoned are
//! successes that say so.
//!
//! The requests, as the API reference describes them:
//!
//! | action | request |
//! |---|---|
//! | delete-pod | `DELETE /api/v1/namespaces/{ns}/pods/{pod}` with a `DeleteOptions` body carrying `gracePeriodSeconds` |
//! | label-pod | `PATCH …/pods/{pod}`, `application/merge-patch+json`, `{"metadata":{"labels":{…}}}` (null removes) |
//! | isolate-pod | the label patch, then `POST /apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies` of a policy selecting the label with `policyTypes: [Ingress, Egress]` and no rules (deny all) |
//! | taint-node | `GET /api/v1/nodes/{node}`, then `PATCH`, `application/merge-patch+json`, `{"metadata":{"resourceVersion":…},"spec":{"taints":[…]}}` (the resource version makes a concurrent change a conflict, retried) |
//! | cordon-node | `PATCH /api/v1/nodes/{node}`, `application/strategic-merge-patch+json`, `{"spec":{"unschedulable":true}}` (as `kubectl cordon`) |

use std::path::PathBuf;

use k8s_openapi::api::core::v1::{Node, Pod};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use serde_json::json;

use crate::playbook::TaintEffect;

/// How to reach the Kubernetes API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum KubeAccess {
    /// `KUBECONFIG` / `~/.kube/config`, else the in-cluster service account.
    #[default]
    Infer,
    /// A kubeconfig file (its current context).
    Kubeconfig(PathBuf),
    /// An API server URL without credentials (tests against a local server).
    Url(String),
}

/// The Kubernetes API client, made on first use.
pub struct Cluster {
    access: KubeAccess,
    client: Option<kube::Client>,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("access", &self.access)
            .field("connected", &self.client.is_some())
            .finish()
    }
}

fn api_error(e: kube::Error) -> String {
    match e {
        kube::Error::Api(r) => format!("{} {}: {}", r.code, r.reason, r.message),
        e => e.to_string(),
    }
}

fn status_code(e: &kube::Error) -> Option<u16> {
    match e {
        kube::Error::Api(r) => Some(r.code),
        _ => None,
    }
}

impl Cluster {
    pub fn new(access: KubeAccess) -> Cluster {
        Cluster {
            access,
            client: None,
        }
    }

    async fn client(&mut self) -> Result<kube::Client, String> {
        if let Some(c) = &self.client {
            return Ok(c.clone());
        }
        let config = match &self.access {
            KubeAccess::Infer => kube::Config::infer().await.map_err(|e| {
                format!("finding the Kubernetes API (kubeconfig or in-cluster): {e}")
            })?,
            KubeAccess::Kubeconfig(path) => {
                let kc = kube::config::Kubeconfig::read_from(path)
                    .map_err(|e| format!("reading kubeconfig {}: {e}", path.display()))?;
                kube::Config::from_custom_kubeconfig(kc, &Default::default())
                    .await
                    .map_err(|e| format!("using kubeconfig {}: {e}", path.display()))?
            }
            KubeAccess::Url(url) => kube::Config::new(
                url.parse::<hyper::Uri>()
                    .map_err(|e| format!("API server URL {url:?}: {e}"))?,
            ),
        };
        // kube's TLS uses rustls' process-wide provider, which rustls cannot choose by itself
        // when a program links both of its providers (git fetching brings the other one).
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            // Losing the race to another thread installing one is fine: any provider works.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let client =
            kube::Client::try_from(config).map_err(|e| format!("making the API client: {e}"))?;
        self.client = Some(client.clone());
        Ok(client)
    }

    /// Deletes a pod with a grace period.
    pub async fn delete_pod(&mut self, ns: &str, pod: &str, grace: u32) -> Result<String, String> {
        let api: Api<Pod> = Api::namespaced(self.client().await?, ns);
        let dp = DeleteParams {
            grace_period_seconds: Some(grace),
            ..DeleteParams::default()
        };
        match api.delete(pod, &dp).await {
            Ok(_) => Ok(format!("pod {ns}/{pod} deleted (grace period {grace} s)")),
            Err(e) if status_code(&e) == Some(404) => Ok(format!("pod {ns}/{pod} already gone")),
            Err(e) => Err(format!("deleting pod {ns}/{pod}: {}", api_error(e))),
        }
    }

    /// Sets labels on a pod (a `None` value removes the label).
    pub async fn label_pod(
        &mut self,
        ns: &str,
        pod: &str,
        labels: &[(String, Option<String>)],
    ) -> Result<String, String> {
        let api: Api<Pod> = Api::namespaced(self.client().await?, ns);
        let map: serde_json::Map<String, serde_json::Value> = labels
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.clone().map_or(serde_json::Value::Null, Into::into),
                )
            })
            .collect();
        let patch = json!({"metadata": {"labels": map}});
        api.patch(pod, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .map_err(|e| format!("labelling pod {ns}/{pod}: {}", api_error(e)))?;
        let names: Vec<&str> = labels.iter().map(|(k, _)| k.as_str()).collect();
        Ok(format!("pod {ns}/{pod} labelled {}", names.join(", ")))
    }

    /// Labels the pod and makes sure a deny-all NetworkPolicy selects that label.
    pub async fn isolate_pod(
        &mut self,
        ns: &str,
        pod: &str,
        label: &(String, String),
    ) -> Result<String, String> {
        self.label_pod(ns, pod, &[(label.0.clone(), Some(label.1.clone()))])
            .await?;
        let api: Api<NetworkPolicy> = Api::namespaced(self.client().await?, ns);
        let policy: NetworkPolicy = serde_json::from_value(isolation_policy(ns, label))
            .map_err(|e| format!("building the NetworkPolicy: {e}"))?;
        match api.create(&PostParams::default(), &policy).await {
            Ok(_) => Ok(format!(
                "pod {ns}/{pod} isolated (label {}={}, NetworkPolicy {ISOLATION_POLICY} created)",
                label.0, label.1
            )),
            Err(e) if status_code(&e) == Some(409) => Ok(format!(
                "pod {ns}/{pod} isolated (label {}={}, NetworkPolicy {ISOLATION_POLICY} already there)",
                label.0, label.1
            )),
            Err(e) => Err(format!(
                "creating NetworkPolicy {ns}/{ISOLATION_POLICY}: {}",
                api_error(e)
            )),
        }
    }

    /// Adds a taint to a node unless a taint with the same key and effect is there.
    pub async fn taint_node(
        &mut self,
        node: &str,
        key: &str,
        value: &str,
        effect: TaintEffect,
    ) -> Result<String, String> {
        let api: Api<Node> = Api::all(self.client().await?);
        for _ in 0..3 {
            let n = api
                .get(node)
                .await
                .map_err(|e| format!("reading node {node}: {}", api_error(e)))?;
            let mut taints: Vec<serde_json::Value> = n
                .spec
                .and_then(|s| s.taints)
                .unwrap_or_default()
                .into_iter()
                .map(|t| serde_json::to_value(t).unwrap_or_default())
                .collect();
            if taints
                .iter()
                .any(|t| t["key"] == key && t["effect"] == effect.as_str())
            {
                return Ok(format!(
                    "node {node} already tainted {key}:{}",
                    effect.as_str()
                ));
            }
            taints.push(json!({"key": key, "value": value, "effect": effect.as_str()}));
            let patch = json!({
                "metadata": {"resourceVersion": n.metadata.resource_version},
                "spec": {"taints": taints},
            });
            match api
                .patch(node, &PatchParams::default(), &Patch::Merge(&patch))
                .await
            {
                Ok(_) => {
                    return Ok(format!(
                        "node {node} tainted {key}={value}:{}",
                        effect.as_str()
                    ));
                }
                Err(e) if status_code(&e) == Some(409) => continue,
                Err(e) => return Err(format!("tainting node {node}: {}", api_error(e))),
            }
        }
        Err(format!(
            "tainting node {node}: the node kept changing (3 conflicts)"
        ))
    }

    /// Marks a node unschedulable.
    pub async fn cordon_node(&mut self, node: &str) -> Result<String, String> {
        let api: Api<Node> = Api::all(self.client().await?);
        let patch = json!({"spec": {"unschedulable": true}});
        api.patch(node, &PatchParams::default(), &Patch::Strategic(&patch))
            .await
            .map_err(|e| format!("cordoning node {node}: {}", api_error(e)))?;
        Ok(format!("node {node} cordoned"))
    }
}

/// The name of the deny-all NetworkPolicy `isolate-pod` creates in a namespace.
pub const ISOLATION_POLICY: &str = "palisade-isolate";

/// The deny-all NetworkPolicy selecting pods with `label`.
pub fn isolation_policy(ns: &str, label: &(String, String)) -> serde_json::Value {
    json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {
            "name": ISOLATION_POLICY,
            "namespace": ns,
            "labels": {"app.kubernetes.io/managed-by": "palisade"},
        },
        "spec": {
            "podSelector": {"matchLabels": {label.0.clone(): label.1.clone()}},
            "policyTypes": ["Ingress", "Egress"],
        },
    })
}

/// The ClusterRole rules the cluster actions need, as a JSON list of PolicyRules (for the
/// agent's manifests).
pub fn rbac_rules() -> serde_json::Value {
    json!([
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "delete", "patch"]},
        {"apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "patch"]},
        {"apiGroups": ["networking.k8s.io"], "resources": ["networkpolicies"], "verbs": ["get", "create"]},
    ])
}
