//! The validated bundle: what the evaluator runs. Both file formats load into this one model.

use std::collections::BTreeMap;

use palisade_core::Span;
use palisade_core::verdict::{Action, BundleRef, BundleSource};
use serde::Serialize;

/// Which file format a bundle was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Anchore Engine's v1 bundle (`"version": "1_0"`), JSON or YAML.
    Anchore,
    /// palisade's own (`apiVersion: palisade.dev/v1`, `kind: PolicyBundle`).
    Native,
}

/// A policy bundle: policies, allowlists, the mappings that choose them, and images that are
/// always allowed or always refused.
#[derive(Debug, Clone, Serialize)]
pub struct Bundle {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub format: Format,
    pub policies: Vec<Policy>,
    pub allowlists: Vec<Allowlist>,
    pub mappings: Vec<Mapping>,
    /// Images that get GO whatever fires (Anchore's `whitelisted_images`).
    pub allowed_images: Vec<ImageSelector>,
    /// Images that get STOP whatever fires (Anchore's `blacklisted_images`).
    pub denied_images: Vec<ImageSelector>,
    /// `sha256:…` of the bundle's canonical JSON form.
    pub digest: String,
    pub source: BundleSource,
}

impl Bundle {
    /// The bundle's identity as a verdict records it.
    pub fn reference(&self) -> BundleRef {
        BundleRef {
            id: self.id.clone(),
            name: self.name.clone(),
            digest: self.digest.clone(),
            source: self.source.clone(),
        }
    }

    pub fn policy(&self, id: &str) -> Option<&Policy> {
        self.policies.iter().find(|p| p.id == id)
    }

    pub fn allowlist(&self, id: &str) -> Option<&Allowlist> {
        self.allowlists.iter().find(|a| a.id == id)
    }
}

/// A named list of rules.
#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub rules: Vec<Rule>,
}

/// One gate/trigger check and the action it takes when it fires.
#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    pub id: String,
    pub gate: String,
    pub trigger: String,
    pub action: Action,
    /// Parameters in the order written; names as the gate spells them.
    pub params: BTreeMap<String, String>,
    /// Where the rule is written.
    pub span: Span,
    /// Why palisade cannot evaluate this rule, when it cannot (reported on every verdict).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_evaluated: Option<String>,
}

impl Rule {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }
}

/// Triggers that fired but are accepted, each until an optional date.
#[derive(Debug, Clone, Serialize)]
pub struct Allowlist {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub items: Vec<AllowItem>,
}

/// One accepted trigger.
#[derive(Debug, Clone, Serialize)]
pub struct AllowItem {
    pub id: String,
    pub gate: String,
    /// The trigger id it accepts (`CVE-2020-8203+lodash`, a path, …); `*` wildcards allowed.
    pub trigger_id: String,
    /// Unix seconds after which the item no longer applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_on_text: Option<String>,
}

/// What part of an image reference a selector matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageMatch {
    Tag,
    Digest,
    Id,
}

/// Selects images by registry, repository and tag, digest or id; `*` is a wildcard in each.
#[derive(Debug, Clone, Serialize)]
pub struct ImageSelector {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub registry: String,
    pub repository: String,
    pub kind: ImageMatch,
    pub value: String,
}

/// Chooses the policies and allowlists for the images it selects; the first match wins.
#[derive(Debug, Clone, Serialize)]
pub struct Mapping {
    pub selector: ImageSelector,
    pub policy_ids: Vec<String>,
    pub allowlist_ids: Vec<String>,
}

/// The parts of an image's name that selectors look at.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImageName {
    pub registry: String,
    pub repository: String,
    pub tag: String,
    /// Manifest digest (`sha256:…`).
    pub digest: String,
    /// Image id (config digest hex).
    pub id: String,
}

impl ImageName {
    /// Splits `registry/repo:tag` as Docker does: the first component is a registry when it
    /// has a dot or a colon or is `localhost`; otherwise the registry is `docker.io`, and a
    /// one-component repository gets `library/`.
    pub fn parse_repo_tag(repo_tag: &str) -> ImageName {
        let (name, tag) = match repo_tag.rsplit_once(':') {
            Some((n, t)) if !t.contains('/') => (n, t),
            _ => (repo_tag, "latest"),
        };
        let (registry, repository) = match name.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first.to_owned(), rest.to_owned())
            }
            _ if !name.contains('/') => ("docker.io".to_owned(), format!("library/{name}")),
            _ => ("docker.io".to_owned(), name.to_owned()),
        };
        ImageName {
            registry,
            repository,
            tag: tag.to_owned(),
            ..ImageName::default()
        }
    }
}

impl ImageSelector {
    /// Whether this selector selects `image`.
    pub fn selects(&self, image: &ImageName) -> bool {
        if !glob(&self.registry, &image.registry) {
            return false;
        }
        let repository_ok = glob(&self.repository, &image.repository)
            || (image.registry == "docker.io"
                && image
                    .repository
                    .strip_prefix("library/")
                    .is_some_and(|short| glob(&self.repository, short)));
        if !repository_ok {
            return false;
        }
        match self.kind {
            ImageMatch::Tag => glob(&self.value, &image.tag),
            ImageMatch::Digest => !image.digest.is_empty() && glob(&self.value, &image.digest),
            ImageMatch::Id => {
                !image.id.is_empty()
                    && (glob(&self.value, &image.id)
                        || glob(&self.value, &format!("sha256:{}", image.id)))
            }
        }
    }
}

/// `*` matches any run of characters (including none); everything else is literal. Runs in
/// linear time in `pattern × text`, whatever the pattern.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p = pattern.as_bytes();
    let t = text.as_bytes();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("*", ""));
        assert!(glob("*", "anything"));
        assert!(glob("docker.io", "docker.io"));
        assert!(!glob("docker.io", "docker.iox"));
        assert!(glob("library/*", "library/alpine"));
        assert!(glob("*-dev", "app-dev"));
        assert!(!glob("*-dev", "app-prod"));
        assert!(glob("a*b*c", "aXXbYYc"));
        assert!(!glob("a*b*c", "aXXbYY"));
        // No exponential blow-up on many stars.
        let long = "a".repeat(5000);
        assert!(!glob(&"*a".repeat(100).replace("a", "a*b"), &long));
    }

    #[test]
    fn image_names_split_like_docker() {
        let n = ImageName::parse_repo_tag("alpine:latest");
        assert_eq!(
            (n.registry.as_str(), n.repository.as_str(), n.tag.as_str()),
            ("docker.io", "library/alpine", "latest")
        );
        let n = ImageName::parse_repo_tag("localhost:5000/team/app");
        assert_eq!(
            (n.registry.as_str(), n.repository.as_str(), n.tag.as_str()),
            ("localhost:5000", "team/app", "latest")
        );
        let n = ImageName::parse_repo_tag("localhost/palisade-test/layered-app:v1");
        assert_eq!(
            (n.registry.as_str(), n.repository.as_str(), n.tag.as_str()),
            ("localhost", "palisade-test/layered-app", "v1")
        );
    }

    #[test]
    fn selectors_match_anchore_style_short_repositories() {
        let sel = ImageSelector {
            id: None,
            name: None,
            registry: "docker.io".into(),
            repository: "alpine".into(),
            kind: ImageMatch::Tag,
            value: "latest".into(),
        };
        assert!(sel.selects(&ImageName::parse_repo_tag("alpine:latest")));
        assert!(!sel.selects(&ImageName::parse_repo_tag("alpine:3.19")));
        assert!(!sel.selects(&ImageName::parse_repo_tag("quay.io/alpine:latest")));
    }
}
