//! K8S-003: images not pinned by digest.

use palisade_core::Severity;

use super::mutable_image_tag::split_image;
use super::{Controls, Docs, Hit, Rule, Target, describe, each_container};
use crate::manifest::Object;

pub(super) static RULE: Rule = Rule {
    id: "K8S-003",
    name: "image-without-digest",
    severity: Severity::Low,
    summary: "image is not pinned by digest",
    target: Target::Workload,
    docs: Docs {
        what: "Flags containers whose image reference carries no `@sha256:` digest.",
        why: "Tags are mutable: whoever can push to the repository can change what runs. A digest names exactly the bytes that were scanned and signed.",
        example: "containers:\n- name: web\n  image: nginx:1.27\n",
        fix: "Reference the image by digest (`nginx:1.27@sha256:…`), e.g. resolved at build time.",
        references: &["https://kubernetes.io/docs/concepts/containers/images/#image-names"],
    },
    controls: Controls {
        cis: &["5.5.1"],
        nist: &["4.1.5"],
        pci: &["6.3.2"],
    },
    check,
};

fn check(obj: &Object, out: &mut Vec<Hit>) {
    each_container(obj, |_, c| {
        let Some(node) = c.node.get("image") else {
            return;
        };
        let Some(image) = node.str() else { return };
        if split_image(image).digest.is_none() {
            out.push(Hit {
                span: obj.span(node),
                message: format!("{} image {image:?} is not pinned by digest", describe(c)),
            });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::check;

    #[test]
    fn flags_tag_only() {
        assert_eq!(
            check(
                &RULE,
                "kind: Pod\nspec:\n  containers:\n  - name: a\n    image: nginx:1.2\n"
            ),
            ["5:12 container \"a\" image \"nginx:1.2\" is not pinned by digest"]
        );
    }

    #[test]
    fn passes_digest() {
        assert!(
            check(
                &RULE,
                "kind: Pod\nspec:\n  containers:\n  - name: a\n    image: nginx@sha256:ab\n"
            )
            .is_empty()
        );
    }
}
