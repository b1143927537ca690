//! Response to runtime alerts, and exec prevention.
//!
//! **Playbooks** ([`Playbooks`], read from YAML with file:line:column diagnostics) say which
//! alerts to act on and how: kill the process, stop, kill or pause its container, capture, delete,
//! label or isolate its pod, taint or cordon its node, notify a webhook. A [`Responder`] runs
//! them on a worker thread behind a bounded queue — [`Responder::handle`] never blocks the
//! detection loop — under guards (protected namespaces and images, the node's own processes and
//! system pods, a rate per minute, a dedupe window per action and target), optionally as a dry
//! run, writing one audit JSON line per decision ([`AuditRecord`]). Notifications go through a
//! disk spool ([`notify`]) and survive receiver downtime and restarts, in order.
//!
//! **Exec prevention** ([`denyexec::DenyExec`]) answers fanotify `FAN_OPEN_EXEC_PERM` events:
//! executions matching a `denyExec` rule fail with `EPERM` before they run.
//!
//! # Wiring it into a detector
//!
//! ```no_run
//! use std::path::Path;
//! use palisade_respond::{Playbooks, RespondOptions, Responder};
//! use palisade_respond::denyexec::{DenyExec, DenyExecOptions};
//!
//! let playbooks = Playbooks::load(Path::new("playbooks.yaml"))
//!     .map_err(|d| d.0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))?;
//! // Exec prevention first: it needs only the `denyExec` list.
//! let deny = DenyExec::start(playbooks.deny_exec.clone(), DenyExecOptions::default(), |d| {
//!     eprintln!("refused {} (pid {}): {}", d.path, d.pid, d.reason); // raise an alert here
//! })?;
//! let responder = Responder::start(playbooks, RespondOptions {
//!     audit: Some("/var/log/palisade/respond.jsonl".into()),
//!     spool_dir: "/var/lib/palisade/spool".into(),
//!     ..RespondOptions::default()
//! })?;
//! # let alerts: Vec<palisade_rules::Alert> = Vec::new();
//! for alert in &alerts {
//!     responder.handle(alert); // never blocks
//! }
//! let stats = responder.finish();
//! let deny_stats = deny.stop();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! `capture` calls the [`Capture`] trait given in [`RespondOptions::capture`]: the live sensor
//! implements it; without it the action fails and says so. The ClusterRole rules the cluster
//! actions need are [`rbac_rules`].

#![forbid(unsafe_code)]

pub mod alert;
pub mod cluster;
pub mod denyexec;
pub mod host;
pub mod notify;
pub mod playbook;
pub mod responder;
pub mod server;

pub use alert::{AlertError, AlertRecord, Target};
pub use cluster::{KubeAccess, rbac_rules};
pub use playbook::{Diagnostic, Diagnostics, Playbooks};
pub use responder::{
    ActionResult, AuditRecord, Capture, RespondOptions, Responder, StartError, Stats,
};
