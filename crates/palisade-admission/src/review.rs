//! AdmissionReview `admission.k8s.io/v1`: the request as the API server sends it, and the
//! response it reads back. Only the fields the webhook uses are modelled; unknown fields are
//! ignored, as the API server's own decoder does.

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The most bytes of a request body (the API server's own limit is 3 MiB for objects).
pub const MAX_BODY_BYTES: usize = 3 << 20;
/// The longest warning the API server accepts.
pub const MAX_WARNING_CHARS: usize = 256;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionReview {
    pub api_version: String,
    pub kind: String,
    pub request: Option<Request>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    pub uid: String,
    #[serde(default)]
    pub kind: GroupVersionKind,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub namespace: String,
    #[serde(default)]
    pub operation: String,
    #[serde(default)]
    pub user_info: UserInfo,
    #[serde(default)]
    pub object: Option<Value>,
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct GroupVersionKind {
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub kind: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct UserInfo {
    #[serde(default)]
    pub username: String,
}

/// Why a body is not an AdmissionReview this webhook can answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    #[error("the body is {0} bytes, over the limit of {MAX_BODY_BYTES}")]
    TooLarge(usize),
    #[error("the body is not an AdmissionReview: {0}")]
    Malformed(String),
    #[error("expected apiVersion admission.k8s.io/v1 and kind AdmissionReview, got {0}")]
    WrongVersion(String),
    #[error("the AdmissionReview has no request")]
    NoRequest,
}

/// Parses a request body.
pub fn parse(body: &[u8]) -> Result<Request, ReviewError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(ReviewError::TooLarge(body.len()));
    }
    let review: AdmissionReview = serde_json::from_slice(body).map_err(|e| {
        // serde_json's message names line and column; no input is echoed back.
        ReviewError::Malformed(e.to_string())
    })?;
    if review.api_version != "admission.k8s.io/v1" || review.kind != "AdmissionReview" {
        return Err(ReviewError::WrongVersion(format!(
            "{}/{}",
            review.api_version, review.kind
        )));
    }
    let request = review.request.ok_or(ReviewError::NoRequest)?;
    if request.uid.is_empty() {
        return Err(ReviewError::Malformed("request.uid is empty".into()));
    }
    Ok(request)
}

/// The webhook's answer to one request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub allowed: bool,
    /// HTTP-style code for a refusal (403), with a message a person can act on.
    pub code: u16,
    pub message: String,
    pub warnings: Vec<String>,
    /// JSONPatch operations (mutation only).
    pub patch: Vec<Value>,
    /// The reasons, one per finding, for the audit log.
    pub reasons: Vec<String>,
}

impl Decision {
    pub fn allow() -> Decision {
        Decision {
            allowed: true,
            code: 200,
            ..Decision::default()
        }
    }

    pub fn deny(message: impl Into<String>, reasons: Vec<String>) -> Decision {
        Decision {
            allowed: false,
            code: 403,
            message: message.into(),
            reasons,
            ..Decision::default()
        }
    }
}

/// The AdmissionReview response for a request uid.
pub fn response(uid: &str, decision: &Decision) -> Value {
    let mut response = json!({
        "uid": uid,
        "allowed": decision.allowed,
    });
    if !decision.allowed {
        response["status"] = json!({"code": decision.code, "message": decision.message});
    }
    let warnings: Vec<String> = decision
        .warnings
        .iter()
        .map(|w| {
            if w.chars().count() > MAX_WARNING_CHARS {
                let mut cut: String = w.chars().take(MAX_WARNING_CHARS - 1).collect();
                cut.push('…');
                cut
            } else {
                w.clone()
            }
        })
        .collect();
    if !warnings.is_empty() {
        response["warnings"] = json!(warnings);
    }
    if decision.allowed && !decision.patch.is_empty() {
        let patch = serde_json::to_vec(&decision.patch).unwrap_or_default();
        response["patchType"] = "JSONPatch".into();
        response["patch"] = base64::engine::general_purpose::STANDARD
            .encode(patch)
            .into();
    }
    json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "response": response,
    })
}

/// One container image of a pod spec, and the JSON pointer of its `image` field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerImage {
    pub image: String,
    pub pointer: String,
    pub container: String,
}

/// The kinds whose pod template the webhook checks, and where the pod spec sits.
pub fn pod_spec_pointer(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "Pod" => "/spec",
        "Deployment"
        | "ReplicaSet"
        | "StatefulSet"
        | "DaemonSet"
        | "Job"
        | "ReplicationController" => "/spec/template/spec",
        "CronJob" => "/spec/jobTemplate/spec/template/spec",
        "PodTemplate" => "/template/spec",
        _ => return None,
    })
}

/// The images of every container, init container and ephemeral container.
pub fn images(object: &Value, kind: &str) -> Vec<ContainerImage> {
    let Some(base) = pod_spec_pointer(kind) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for list in ["initContainers", "containers", "ephemeralContainers"] {
        let Some(items) = object
            .pointer(&format!("{base}/{list}"))
            .and_then(Value::as_array)
        else {
            continue;
        };
        for (i, c) in items.iter().enumerate().take(1024) {
            if let Some(image) = c.get("image").and_then(Value::as_str) {
                out.push(ContainerImage {
                    image: image.to_owned(),
                    pointer: format!("{base}/{list}/{i}/image"),
                    container: c
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_echo_the_uid_and_encode_patches() {
        let mut d = Decision::allow();
        d.patch = vec![
            json!({"op": "replace", "path": "/spec/containers/0/image", "value": "a@sha256:00"}),
        ];
        d.warnings = vec!["x".repeat(300)];
        let r = response("u-1", &d);
        assert_eq!(r["response"]["uid"], "u-1");
        assert_eq!(r["response"]["patchType"], "JSONPatch");
        assert_eq!(
            r["response"]["warnings"][0]
                .as_str()
                .unwrap()
                .chars()
                .count(),
            MAX_WARNING_CHARS
        );
        let deny = response("u-2", &Decision::deny("no", vec![]));
        assert_eq!(deny["response"]["allowed"], false);
        assert_eq!(deny["response"]["status"]["code"], 403);
        assert!(deny["response"].get("patch").is_none());
    }

    #[test]
    fn bad_bodies_are_refused_without_echoing_them() {
        assert!(matches!(parse(b"{"), Err(ReviewError::Malformed(_))));
        assert!(matches!(
            parse(br#"{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview"}"#),
            Err(ReviewError::WrongVersion(_))
        ));
        assert!(matches!(
            parse(br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#),
            Err(ReviewError::NoRequest)
        ));
        let big = vec![b' '; MAX_BODY_BYTES + 1];
        assert!(matches!(parse(&big), Err(ReviewError::TooLarge(_))));
    }
}
