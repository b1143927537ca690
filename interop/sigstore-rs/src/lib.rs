//! Interoperability tests only (see `tests/`): palisade signs images in a real registry and
//! the `sigstore` crate, cosign's Rust implementation, verifies them.
