//! Where runtime alerts go.
//!
//! [`Outputs`] writes each alert as a line — Falco's text (`HH:MM:SS.nnnnnnnnn: Priority
//! message`) or its JSON (`json_output`) — to stdout or a file, applies the minimum priority and
//! the per-rule rate limit, and hands the alert to a [`Webhook`] if there is one. The webhook
//! POSTs Falco's JSON or a Slack-compatible payload, over `http://` or `https://`, from a
//! background thread with a bounded queue: a slow or dead endpoint never stalls detection, and
//! [`Outputs::finish`] waits for what is queued.
//!
//! ```
//! use palisade_alert::{Format, Outputs};
//!
//! let mut out = Outputs::new(Box::new(Vec::new()), Format::Json);
//! assert_eq!(out.alerts(), 0);
//! out.finish().unwrap();
//! ```

pub mod webhook;

use std::io::{self, Write};

use palisade_rules::{Alert, Priority, RateLimiter};

pub use webhook::{Payload, Webhook, WebhookError, WebhookOptions, WebhookStats};

/// How alerts are written to the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The rule's output template, after the time and priority (Falco's default).
    Text,
    /// One JSON object per line (Falco's `json_output`).
    Json,
}

/// The alert outputs of one detection run; see the crate documentation.
pub struct Outputs {
    out: Box<dyn Write>,
    format: Format,
    webhook: Option<Webhook>,
    limiter: Option<RateLimiter>,
    min_priority: Priority,
    alerts: u64,
    suppressed: u64,
}

impl std::fmt::Debug for Outputs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outputs")
            .field("format", &self.format)
            .field("webhook", &self.webhook)
            .field("min_priority", &self.min_priority)
            .field("alerts", &self.alerts)
            .finish_non_exhaustive()
    }
}

impl Outputs {
    /// Alerts of every priority, written to `out`, without limit or webhook.
    pub fn new(out: Box<dyn Write>, format: Format) -> Self {
        Outputs {
            out,
            format,
            webhook: None,
            limiter: None,
            min_priority: Priority::Debug,
            alerts: 0,
            suppressed: 0,
        }
    }

    /// Also sends each alert to `webhook`.
    pub fn with_webhook(mut self, webhook: Webhook) -> Self {
        self.webhook = Some(webhook);
        self
    }

    /// Drops alerts less severe than `min`.
    pub fn with_min_priority(mut self, min: Priority) -> Self {
        self.min_priority = min;
        self
    }

    /// Limits each rule's alerts (see [`RateLimiter`]).
    pub fn with_rate_limit(mut self, limiter: RateLimiter) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// Emits the alert of rule number `rule` (as the engine numbers them), unless its
    /// priority is below the minimum or the rule is over its rate. Returns whether it went out.
    pub fn emit(&mut self, rule: usize, alert: &Alert) -> io::Result<bool> {
        if alert.priority > self.min_priority {
            return Ok(false);
        }
        if let Some(l) = self.limiter.as_mut() {
            if !l.allow(rule, alert.ts) {
                self.suppressed += 1;
                return Ok(false);
            }
        }
        self.alerts += 1;
        tracing::info!(rule = %alert.rule, priority = %alert.priority, "alert");
        match self.format {
            Format::Json => writeln!(self.out, "{}", alert.json())?,
            Format::Text => writeln!(self.out, "{}", alert.text())?,
        }
        if let Some(w) = &self.webhook {
            w.send(alert);
        }
        Ok(true)
    }

    /// Writes a line that is not an alert (e.g. the event number a filter matched), counted as
    /// an alert.
    pub fn emit_line(&mut self, line: std::fmt::Arguments<'_>) -> io::Result<()> {
        self.alerts += 1;
        self.out.write_fmt(line)?;
        self.out.write_all(b"\n")
    }

    /// Flushes the stream (after a batch, so that a reader sees alerts promptly).
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Alerts emitted so far.
    pub fn alerts(&self) -> u64 {
        self.alerts
    }

    /// Alerts the rate limit held back so far.
    pub fn suppressed(&self) -> u64 {
        self.suppressed
    }

    /// Flushes the stream and waits for the webhook to deliver (or give up on) what is queued.
    pub fn finish(mut self) -> io::Result<Option<WebhookStats>> {
        self.out.flush()?;
        Ok(self.webhook.take().map(Webhook::finish))
    }
}
