//! Signing images and verdicts the way cosign does.
pub mod keys;
