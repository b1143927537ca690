//! K8S-002: images referenced by `:latest` or without a tag.

use palisade_core::Severity;

use super::{Controls, Docs, Hit, Rule, Target, describe, each_container};
use crate::manifest::Object;

pub(super) static RULE: Rule = Rule {
    id: "K8S-002",
    name: "mutable-image-tag",
    severity: Severity::Medium,
    summary: "image uses the latest tag or no tag",
    target: Target::Workload,
    docs: Docs {
        what: "Flags containers whose image has no tag or the tag `latest`, and no digest.",
        why: "`latest` moves: two nodes can run different code under one spec, a rollback does not roll back, and a scan of yesterday's image says nothing about today's.",
        example: "containers:\n- name: web\n  image: nginx\n",
        fix: "Pin a version tag, better a digest: `image: nginx:1.27.2@sha256:…`.",
        references: &["https://kubernetes.io/docs/concepts/containers/images/#image-names"],
    },
    controls: Controls {
        cis: &[],
        nist: &["4.1.5", "4.2.2"],
        pci: &["6.3.2"],
    },
    check,
};

/// An image string split into name, tag and digest.
pub(crate) struct ImageName<'a> {
    pub tag: Option<&'a str>,
    pub digest: Option<&'a str>,
}

pub(crate) fn split_image(image: &str) -> ImageName<'_> {
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (image, None),
    };
    let tag = match rest.rfind(':') {
        Some(i) if i > rest.rfind('/').unwrap_or(0) => rest.get(i + 1..),
        _ => None,
    };
    ImageName { tag, digest }
}

fn check(obj: &Object, out: &mut Vec<Hit>) {
    each_container(obj, |_, c| {
        let Some(node) = c.node.get("image") else {
            return;
        };
        let Some(image) = node.str() else { return };
        let name = split_image(image);
        if name.digest.is_some() {
            return;
        }
        let problem = match name.tag {
            None => "has no tag (pulls latest)",
            Some("latest") => "uses the latest tag",
            Some(_) => return,
        };
        out.push(Hit {
            span: obj.span(node),
            message: format!("{} image {image:?} {problem}", describe(c)),
        });
    });
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::check;

    #[test]
    fn flags_latest_and_untagged() {
        let hits = check(
            &RULE,
            "kind: Pod\nspec:\n  containers:\n  - {name: a, image: nginx}\n  - {name: b, image: \"nginx:latest\"}\n  - {name: c, image: \"registry:5000/app\"}\n",
        );
        assert_eq!(hits.len(), 3, "{hits:?}");
        assert!(hits[0].starts_with("4:22 container \"a\""));
    }

    #[test]
    fn passes_tags_and_digests() {
        let hits = check(
            &RULE,
            "kind: Pod\nspec:\n  containers:\n  - {name: a, image: \"nginx:1.27\"}\n  - {name: b, image: \"nginx@sha256:0123\"}\n  - {name: c, image: \"registry:5000/app:v2\"}\n",
        );
        assert!(hits.is_empty(), "{hits:?}");
    }
}
