//! The Kubernetes admission webhook: AdmissionReview v1 over HTTPS, Pod Security Standards,
//! image signatures and signed verdicts, digest pinning.
//!
//! - [`config`]: the webhook's YAML configuration, validated with file:line:column
//!   diagnostics.
//! - [`review`]: AdmissionReview v1 requests and responses, container images of the nine
//!   workload kinds.

pub mod config;
pub mod decide;
pub mod deploy;
pub mod review;
pub mod server;
