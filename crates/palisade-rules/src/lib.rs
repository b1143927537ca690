//! Falco-compatible runtime rules for palisade.
//!
//! Rules files (`list`, `macro`, `rule`, with `append`, `override` and `exceptions`) are parsed
//! into an unvalidated form with positions ([`raw`]), then merged, checked and compiled into a
//! [`Ruleset`] ([`ruleset`]) whose conditions are trees of prepared matchers ([`program`]).
//! The engine indexes the enabled rules by event type and evaluates each event against only the
//! rules that can match it, without allocating per event.
//!
//! ```
//! use palisade_rules::ruleset;
//!
//! let rules = ruleset::load(&[(
//!     "local.yaml".to_string(),
//!     "- rule: shell\n  desc: a shell ran\n  condition: evt.type = execve and proc.name in (bash, sh)\n  output: shell %proc.name\n  priority: WARNING\n".to_string(),
//! )]);
//! assert!(!rules.has_errors(), "{:?}", rules.diagnostics);
//! assert_eq!(rules.rules.len(), 1);
//! ```

pub mod byteset;
pub mod condition;
pub mod diag;
pub mod engine;
pub mod fields;
pub mod k8s;
pub mod program;
pub mod raw;
pub mod ruleset;
pub mod syscall;
pub mod time;

pub use diag::{Diagnostic, Level};
pub use engine::{Alert, Engine, EventTypeTable, RateLimiter};
pub use program::{Field, FieldSource, Scratch, Val};
pub use ruleset::{Priority, Rule, Ruleset, Source};
