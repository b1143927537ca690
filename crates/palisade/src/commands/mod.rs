//! One module per subcommand: each turns its arguments into a library call and writes the
//! result.

pub mod admission;
pub mod agent;
pub mod capture;
pub mod db;
pub mod detect;
pub mod k8s;
pub mod policy;
pub mod respond;
pub mod rules;
pub mod sbom;
pub mod scan;
pub mod sign;
