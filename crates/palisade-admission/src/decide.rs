//! The decision for one AdmissionReview request: Pod Security at the namespace's level and
//! version (the engine of `palisade k8s pss`), then every container image against the first
//! image rule that matches it (allow, deny, or a valid signature and signed verdict), then —
//! for `/mutate` — the JSONPatch that pins verified images to their digests.
//!
//! Pure and synchronous: the server runs it off the async threads. Registry access goes through
//! the [`Verifier`] trait, so tests decide without a registry.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use palisade_core::{ImageRef, RegistryRef};
use palisade_k8s::pss;
use palisade_k8s::yaml::Node;
use palisade_sign::PublicKey;
use serde_json::{Value, json};

use crate::config::{AttestationRule, Config, ImageAction, ImageRule, glob};
use crate::review::{ContainerImage, Decision, Request, images, pod_spec_pointer};

/// Checks an image against a rule's keys and attestations.
pub trait Verifier: Send + Sync {
    /// `Ok(digest)` when a valid signature (and every required attestation) covers the image;
    /// `Err(reason)` otherwise, including when the registry could not be asked in time.
    fn check(
        &self,
        image: &RegistryRef,
        keys: &[PublicKey],
        attestations: &[AttestationRule],
        timeout: Duration,
    ) -> Result<String, String>;
}

/// The verifier over real registries (`palisade-sign`), with the credentials it reads with.
#[derive(Debug, Default)]
pub struct RegistryVerifier {
    pub credentials: Option<palisade_sign::image::Access>,
}

impl Verifier for RegistryVerifier {
    fn check(
        &self,
        image: &RegistryRef,
        keys: &[PublicKey],
        attestations: &[AttestationRule],
        timeout: Duration,
    ) -> Result<String, String> {
        let options = palisade_sign::VerifyOptions {
            keys: keys.to_vec(),
            annotations: Default::default(),
            timeout,
            credentials: self
                .credentials
                .as_ref()
                .and_then(|a| a.credentials.clone()),
        };
        let verified = palisade_sign::verify_image(image, &options).map_err(|e| {
            format!(
                "could not verify within {} ms (fail closed): {e}",
                timeout.as_millis()
            )
        })?;
        if verified.signatures.is_empty() {
            return Err(format!(
                "no valid signature by the configured keys ({})",
                verified.problems.join("; ")
            ));
        }
        let digest = verified.digest.to_string();
        for rule in attestations {
            let found = palisade_sign::verify_attestations(image, &rule.predicate_type, &options)
                .map_err(|e| {
                format!(
                    "could not read attestations within {} ms (fail closed): {e}",
                    timeout.as_millis()
                )
            })?;
            let ok = found
                .attestations
                .iter()
                .any(|a| unmet(&a.predicate, rule).is_none());
            if !ok {
                let why = found
                    .attestations
                    .iter()
                    .find_map(|a| unmet(&a.predicate, rule))
                    .unwrap_or_else(|| found.problems.join("; "));
                return Err(format!(
                    "no signed {} attestation that passes: {why}",
                    rule.predicate_type
                ));
            }
        }
        Ok(digest)
    }
}

/// Why a verified predicate does not meet the rule, if it does not.
pub fn unmet(predicate: &Value, rule: &AttestationRule) -> Option<String> {
    palisade_sign::conditions::unmet(predicate, &rule.require, rule.max_age)
}

/// Verified images, so a busy cluster does not ask the registry for every pod.
#[derive(Debug, Default)]
pub struct Cache {
    entries: Mutex<HashMap<(String, usize), (Instant, String)>>,
}

impl Cache {
    fn get(&self, key: &(String, usize), ttl: Duration) -> Option<String> {
        let entries = self.entries.lock().ok()?;
        let (at, digest) = entries.get(key)?;
        (at.elapsed() < ttl).then(|| digest.clone())
    }

    fn put(&self, key: (String, usize), digest: String) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() > 100_000 {
                entries.clear();
            }
            entries.insert(key, (Instant::now(), digest));
        }
    }
}

/// What deciding touched, for metrics.
#[derive(Debug, Default, Clone, Copy)]
pub struct Touched {
    pub cache_hits: u64,
    pub registry_errors: u64,
}

/// `registry:`-style parts of an image reference as a pod names it (`nginx` is
/// `docker.io/library/nginx:latest`).
pub fn registry_ref(image: &str) -> Option<RegistryRef> {
    let (name, _) = image
        .split_once('@')
        .map_or((image, None), |(n, d)| (n, Some(d)));
    let first = name.split('/').next().unwrap_or("");
    let qualified = if name.contains('/')
        && (first.contains('.') || first.contains(':') || first == "localhost")
    {
        image.to_owned()
    } else if name.contains('/') {
        format!("docker.io/{image}")
    } else {
        format!("docker.io/library/{image}")
    };
    match format!("registry:{qualified}").parse::<ImageRef>().ok()? {
        ImageRef::Registry(r) => Some(r),
        _ => None,
    }
}

/// Decides one request. `mutate` adds the digest-pinning patch.
pub fn decide(
    config: &Config,
    verifier: &dyn Verifier,
    cache: &Cache,
    request: &Request,
    mutate: bool,
    touched: &mut Touched,
) -> Decision {
    if !matches!(request.operation.as_str(), "CREATE" | "UPDATE") {
        return Decision::allow();
    }
    let kind = request.kind.kind.as_str();
    let Some(object) = request.object.as_ref() else {
        return Decision::allow();
    };
    let Some(spec_pointer) = pod_spec_pointer(kind) else {
        return Decision::allow();
    };
    let name = if request.name.is_empty() {
        object
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    } else {
        request.name.clone()
    };
    let what = format!("{} {:?}", kind.to_ascii_lowercase(), name);
    let mut reasons = Vec::new();
    let mut warnings = Vec::new();

    // Pod Security.
    if !config.exempt_namespaces.contains(&request.namespace) {
        let ps = config
            .pod_security_namespaces
            .get(&request.namespace)
            .copied()
            .unwrap_or(config.pod_security_default);
        let root = Node::from_json(object, 1, 1);
        let template_pointer = spec_pointer.trim_end_matches("/spec");
        let template = if template_pointer.is_empty() {
            Some(&root)
        } else {
            let path: Vec<&str> = template_pointer
                .trim_start_matches('/')
                .split('/')
                .collect();
            root.at(&path)
        };
        if let Some(spec) = template.and_then(|t| t.get("spec")) {
            let metadata = template.and_then(|t| t.get("metadata"));
            let violations = pss::evaluate_pod(metadata, spec, ps.level, ps.version, "request");
            if !violations.is_empty() {
                let summary = pss::summary(ps.level, ps.version, &violations);
                reasons.extend(
                    violations
                        .iter()
                        .map(|v| format!("{}: {}", v.check, v.message())),
                );
                return Decision::deny(format!("{what} is forbidden: {summary}"), reasons);
            }
        }
    }

    // Images.
    let mut patch = Vec::new();
    for container in images(object, kind) {
        match check_image(config, verifier, cache, &container, touched) {
            ImageOutcome::Allowed => {}
            ImageOutcome::Verified(digest) => {
                if mutate && config.pin_digests {
                    if let Some(pinned) = pin(&container.image, &digest) {
                        patch.push(
                            json!({"op": "replace", "path": container.pointer, "value": pinned}),
                        );
                    }
                }
                reasons.push(format!("{}: signed ({digest})", container.image));
            }
            ImageOutcome::Refused(why) => {
                reasons.push(format!("{}: {why}", container.image));
                return Decision::deny(
                    format!(
                        "{what} is forbidden: container {:?} image {:?}: {why}",
                        container.container, container.image
                    ),
                    reasons,
                );
            }
        }
    }
    if let Some(min) = config.kubesec_min_score {
        let root = Node::from_json(object, 1, 1);
        let obj = palisade_k8s::manifest::Object {
            file: "request".into(),
            kind: kind.to_owned(),
            api_version: object
                .get("apiVersion")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            name: name.clone(),
            namespace: Some(request.namespace.clone()),
            root,
        };
        let score = palisade_k8s::kubesec::score(&obj).score;
        if score < min {
            return Decision::deny(
                format!("{what} is forbidden: kubesec score {score} is below the minimum {min}"),
                vec![format!("kubesec score {score} < {min}")],
            );
        }
    }
    let _ = &mut warnings;
    let mut decision = Decision::allow();
    decision.patch = patch;
    decision.reasons = reasons;
    decision.warnings = warnings;
    decision
}

enum ImageOutcome {
    Allowed,
    Verified(String),
    Refused(String),
}

fn check_image(
    config: &Config,
    verifier: &dyn Verifier,
    cache: &Cache,
    container: &ContainerImage,
    touched: &mut Touched,
) -> ImageOutcome {
    let Some((index, rule)) = config
        .images
        .iter()
        .enumerate()
        .find(|(_, r)| glob(&r.pattern, &container.image))
    else {
        return ImageOutcome::Allowed;
    };
    match &rule.action {
        ImageAction::Allow => ImageOutcome::Allowed,
        ImageAction::Deny => ImageOutcome::Refused(format!(
            "denied by image rule {:?} ({})",
            rule.pattern, rule.span
        )),
        ImageAction::Verify {
            keys, attestations, ..
        } => {
            // `repo:tag@sha256:…` (as pinning writes it) is the same image as `repo:tag`.
            let (base, pinned) = match container.image.split_once('@') {
                Some((b, d)) => (b, Some(d)),
                None => (container.image.as_str(), None),
            };
            let key = (base.to_owned(), index);
            if let Some(digest) = cache.get(&key, config.cache_ttl) {
                if pinned.is_none_or(|p| p == digest) {
                    touched.cache_hits += 1;
                    return ImageOutcome::Verified(digest);
                }
            }
            let lookup = match pinned {
                // A digest names the image exactly; the tag beside it is only a label.
                Some(d) => format!(
                    "{}@{d}",
                    base.rsplit_once(':')
                        .filter(|(_, t)| !t.contains('/'))
                        .map_or(base, |(r, _)| r)
                ),
                None => base.to_owned(),
            };
            let Some(reference) = registry_ref(&lookup) else {
                return ImageOutcome::Refused(format!(
                    "{:?} is not an image reference palisade can verify",
                    container.image
                ));
            };
            match verifier.check(&reference, keys, attestations, config.registry_timeout) {
                Ok(digest) => {
                    if let Some(pinned) = pinned {
                        if pinned != digest {
                            return ImageOutcome::Refused(format!(
                                "the pinned digest {pinned} is not the verified {digest}"
                            ));
                        }
                    }
                    cache.put(key, digest.clone());
                    ImageOutcome::Verified(digest)
                }
                Err(why) => {
                    if why.contains("fail closed") {
                        touched.registry_errors += 1;
                    }
                    ImageOutcome::Refused(format!(
                        "{why} (rule {:?} at {})",
                        rule.pattern,
                        rule_place(rule)
                    ))
                }
            }
        }
    }
}

fn rule_place(rule: &ImageRule) -> String {
    rule.span.to_string()
}

/// `repo:tag` → `repo:tag@sha256:…`; an image already pinned is left alone (idempotent).
pub fn pin(image: &str, digest: &str) -> Option<String> {
    if image.contains('@') {
        return None;
    }
    Some(format!("{image}@{digest}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_qualified_like_the_container_runtime() {
        let r = registry_ref("nginx").unwrap();
        assert_eq!(
            (r.host.as_str(), r.repository.as_str()),
            ("docker.io", "library/nginx")
        );
        let r = registry_ref("127.0.0.1:5000/team/app:v1").unwrap();
        assert_eq!(
            (r.host.as_str(), r.repository.as_str()),
            ("127.0.0.1:5000", "team/app")
        );
        assert_eq!(
            pin("a/b:v1", "sha256:00").as_deref(),
            Some("a/b:v1@sha256:00")
        );
        assert_eq!(pin("a/b:v1@sha256:00", "sha256:00"), None);
    }
}
