//! Alerts POSTed as JSON to a URL, from a background thread.
//!
//! [`Webhook::send`] only queues the alert (the queue is bounded: when full, the alert is
//! dropped and counted, so detection never waits on the network). The thread POSTs each alert,
//! retrying a failed delivery (a connection error or a status other than 2xx) with exponential
//! backoff. While the endpoint is failing, queued alerts get one attempt each until one goes
//! through, and [`Webhook::finish`] gives the queue [`WebhookOptions::drain`] at most: a dead
//! endpoint costs bounded time, not attempts times timeouts per alert. `https://` endpoints are verified against the Mozilla roots, or against the CA
//! certificates given in [`WebhookOptions::ca_file`] (for an internal CA).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use palisade_rules::Alert;
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};

/// What the webhook receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    /// Falco's JSON alert (`output`, `priority`, `rule`, `time`, `output_fields`, ...).
    Falco,
    /// A Slack incoming-webhook message (`text` and a coloured attachment).
    Slack,
}

/// Webhook settings.
#[derive(Debug, Clone)]
pub struct WebhookOptions {
    /// The body format.
    pub payload: Payload,
    /// PEM file of the CA certificates to trust for `https://`, instead of the public roots.
    pub ca_file: Option<PathBuf>,
    /// Time allowed for one delivery attempt.
    pub timeout: Duration,
    /// Attempts per alert (at least 1).
    pub attempts: u32,
    /// Wait before the second attempt; doubled before each further one.
    pub backoff: Duration,
    /// Alerts waiting for delivery before new ones are dropped.
    pub queue: usize,
    /// Time [`Webhook::finish`] allows for what is still queued; the rest counts as failed.
    pub drain: Duration,
}

impl Default for WebhookOptions {
    fn default() -> Self {
        WebhookOptions {
            payload: Payload::Falco,
            ca_file: None,
            timeout: Duration::from_secs(10),
            attempts: 4,
            backoff: Duration::from_millis(100),
            queue: 1024,
            drain: Duration::from_secs(10),
        }
    }
}

/// Why a webhook could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// The URL is not `http://` or `https://` with a host.
    #[error("webhook URL {url}: {reason}")]
    BadUrl {
        /// The URL.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The CA file could not be read or holds no certificate.
    #[error("reading the webhook CA certificates {path}: {reason}")]
    Ca {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The delivery thread could not be started.
    #[error("starting the webhook thread")]
    Thread(#[source] std::io::Error),
}

/// Delivery counters, final once [`Webhook::finish`] returns them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WebhookStats {
    /// Alerts delivered (answered 2xx).
    pub delivered: u64,
    /// Alerts given up on after every attempt failed.
    pub failed: u64,
    /// Alerts dropped because the queue was full.
    pub dropped: u64,
}

#[derive(Debug, Default)]
struct Counters {
    delivered: AtomicU64,
    failed: AtomicU64,
    dropped: AtomicU64,
}

/// A webhook endpoint with its delivery thread; see the module documentation.
#[derive(Debug)]
pub struct Webhook {
    url: String,
    payload: Payload,
    queue: Option<SyncSender<String>>,
    thread: Option<JoinHandle<()>>,
    counters: Arc<Counters>,
    drain: Duration,
    deadline: Arc<OnceLock<Instant>>,
}

impl Webhook {
    /// Checks `url`, loads the CA certificates and starts the delivery thread.
    pub fn new(url: &str, options: WebhookOptions) -> Result<Webhook, WebhookError> {
        let bad = |reason| WebhookError::BadUrl {
            url: url.to_owned(),
            reason,
        };
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or(bad("only http:// and https:// are supported"))?;
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if host.is_empty() || host.starts_with(':') {
            return Err(bad("no host"));
        }
        let mut tls = TlsConfig::builder();
        if let Some(path) = &options.ca_file {
            tls = tls.root_certs(RootCerts::new_with_certs(&read_ca(path)?));
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(options.timeout))
            .user_agent(concat!("palisade/", env!("CARGO_PKG_VERSION")))
            .tls_config(tls.build())
            .build()
            .into();
        let (queue, jobs) = sync_channel::<String>(options.queue.max(1));
        let counters = Arc::new(Counters::default());
        let deadline = Arc::new(OnceLock::new());
        let worker = Worker {
            agent,
            url: url.to_owned(),
            attempts: options.attempts.max(1),
            backoff: options.backoff,
            counters: Arc::clone(&counters),
            deadline: Arc::clone(&deadline),
        };
        let thread = std::thread::Builder::new()
            .name("alert-webhook".into())
            .spawn(move || worker.run(&jobs))
            .map_err(WebhookError::Thread)?;
        Ok(Webhook {
            url: url.to_owned(),
            payload: options.payload,
            queue: Some(queue),
            thread: Some(thread),
            counters,
            drain: options.drain,
            deadline,
        })
    }

    /// The endpoint.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Queues `alert` for delivery; drops it (and counts it) when the queue is full.
    pub fn send(&self, alert: &Alert) {
        let body = match self.payload {
            Payload::Falco => alert.json(),
            Payload::Slack => alert.slack(),
        }
        .to_string();
        let Some(queue) = &self.queue else { return };
        match queue.try_send(body) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.counters.dropped.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(url = %self.url, rule = %alert.rule, "webhook queue full: alert dropped");
            }
        }
    }

    /// Waits until every queued alert is delivered or given up on (for [`WebhookOptions::drain`]
    /// at most), and returns the counters.
    pub fn finish(mut self) -> WebhookStats {
        self.close();
        WebhookStats {
            delivered: self.counters.delivered.load(Ordering::SeqCst),
            failed: self.counters.failed.load(Ordering::SeqCst),
            dropped: self.counters.dropped.load(Ordering::SeqCst),
        }
    }

    fn close(&mut self) {
        // Closing the queue ends the thread's loop once the queue is empty.
        let _ = self.deadline.set(Instant::now() + self.drain);
        self.queue = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Webhook {
    fn drop(&mut self) {
        self.close();
    }
}

/// Every certificate of a PEM file.
fn read_ca(path: &PathBuf) -> Result<Vec<Certificate<'static>>, WebhookError> {
    let err = |reason: String| WebhookError::Ca {
        path: path.clone(),
        reason,
    };
    let pem = std::fs::read(path).map_err(|e| err(e.to_string()))?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        // Keys and other items in the file are not ours to use.
        if let PemItem::Certificate(c) = item.map_err(|e| err(e.to_string()))? {
            certs.push(c);
        }
    }
    if certs.is_empty() {
        return Err(err("no PEM certificate in the file".into()));
    }
    Ok(certs)
}

/// The delivery thread's side.
struct Worker {
    agent: ureq::Agent,
    url: String,
    attempts: u32,
    backoff: Duration,
    counters: Arc<Counters>,
    /// Set when the webhook is closing: past it, nothing more is sent.
    deadline: Arc<OnceLock<Instant>>,
}

impl Worker {
    fn run(&self, jobs: &Receiver<String>) {
        // After a delivery that failed every attempt, one attempt per alert until one succeeds.
        let mut failing = false;
        while let Ok(body) = jobs.recv() {
            let attempts = if failing { 1 } else { self.attempts };
            match self.deliver(&body, attempts) {
                Ok(()) => {
                    failing = false;
                    self.counters.delivered.fetch_add(1, Ordering::SeqCst);
                }
                Err(e) => {
                    if !failing {
                        tracing::warn!(url = %self.url, error = %e, attempts, "webhook delivery failed");
                    }
                    failing = true;
                    self.counters.failed.fetch_add(1, Ordering::SeqCst);
                }
            }
        }
    }

    fn past_deadline(&self) -> bool {
        self.deadline.get().is_some_and(|d| Instant::now() >= *d)
    }

    fn deliver(&self, body: &str, attempts: u32) -> Result<(), String> {
        let mut delay = self.backoff;
        let mut last = String::from("the webhook was closing and its time was up");
        for attempt in 0..attempts {
            if attempt > 0 {
                std::thread::sleep(delay);
                delay = delay.saturating_mul(2);
            }
            if self.past_deadline() {
                break;
            }
            match self
                .agent
                .post(&self.url)
                .header("Content-Type", "application/json")
                .send(body)
            {
                Ok(r) if r.status().is_success() => return Ok(()),
                Ok(r) => last = format!("answered {}", r.status()),
                Err(e) => last = e.to_string(),
            }
            tracing::debug!(url = %self.url, attempt, error = %last, "webhook attempt failed");
        }
        Err(last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        for (url, ok) in [
            ("http://127.0.0.1:8080/hook", true),
            ("https://hooks.example.com/services/T0/B0/x", true),
            ("ftp://example.com/", false),
            ("http://", false),
            ("https://:443/x", false),
            ("127.0.0.1:8080", false),
        ] {
            assert_eq!(
                Webhook::new(url, WebhookOptions::default()).is_ok(),
                ok,
                "{url}"
            );
        }
    }

    #[test]
    fn a_ca_file_without_certificates_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "not a certificate\n").expect("write");
        let e = Webhook::new(
            "https://127.0.0.1:1/",
            WebhookOptions {
                ca_file: Some(path),
                ..WebhookOptions::default()
            },
        )
        .expect_err("refused");
        assert!(e.to_string().contains("ca.pem"), "{e}");
        let missing = Webhook::new(
            "https://127.0.0.1:1/",
            WebhookOptions {
                ca_file: Some(dir.path().join("missing.pem")),
                ..WebhookOptions::default()
            },
        )
        .expect_err("refused");
        assert!(missing.to_string().contains("missing.pem"), "{missing}");
    }
}
