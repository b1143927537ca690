//! Policy as code for images: bundles that say what must stop an image and what only warns,
//! evaluated into a verdict (go / warn / stop) with the evidence for every trigger that fired.
//!
//! Two bundle formats load into one model ([`bundle::Bundle`]): Anchore Engine's v1 bundles,
//! unchanged, and palisade's own YAML (`apiVersion: palisade.dev/v1`, `kind: PolicyBundle`).
//! The gates ([`gates::ALL`]) check evidence gathered in the same pass over the image's layers
//! as the package catalog ([`facts::FactsVisitor`]): secrets in every layer, setuid files,
//! content patterns, `/etc/passwd`; the image config and history; packages, licences and
//! vulnerabilities. Evaluation is a pure function from bundle and evidence to [`eval::Verdict`].
//!
//! ```
//! use palisade_policy::load::load;
//!
//! let bundle = br#"{"version": "1_0", "id": "b", "policies": [{"id": "p", "rules": [
//!     {"gate": "dockerfile", "trigger": "exposed_ports", "action": "STOP",
//!      "params": [{"name": "ports", "value": "22"}, {"name": "type", "value": "blacklist"}]}]}],
//!     "whitelists": [], "mappings": [{"registry": "*", "repository": "*",
//!     "image": {"type": "tag", "value": "*"}, "policy_ids": ["p"], "whitelist_ids": []}]}"#;
//! let loaded = load("bundle.json", bundle, Default::default());
//! assert!(loaded.diagnostics.is_empty());
//! assert_eq!(loaded.bundle.unwrap().policies[0].rules[0].trigger, "exposed_ports");
//! ```

pub mod bundle;
pub mod compliance;
pub mod diag;
pub mod eval;
pub mod facts;
pub mod gates;
pub mod load;
pub mod native;
