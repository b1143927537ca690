//! `notify`: alerts POSTed to webhooks (Falco's JSON or Slack's payload), through a spool on
//! disk so that none is lost while the receiver is down or palisade restarts, delivered in
//! order.
//!
//! Each webhook URL has a directory under the spool root (named by the URL's digest, with the
//! URL in `url`) holding one file per alert, `<sequence>.json`, written to a temporary name and
//! renamed into place. A thread per URL POSTs the oldest file, removes it once the receiver
//! answered 2xx, and otherwise retries the same file with a growing pause (100 ms to 5 s):
//! later alerts never overtake an undelivered one. On start the spool directories already there
//! are resumed. Each request carries `X-Palisade-Sequence` so a receiver can drop the one
//! duplicate a crash between its 2xx and the file's removal may cause.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Why an alert could not be spooled.
#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("writing the notification spool {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the notification spool for {url} is full ({max} alerts waiting)")]
    Full { url: String, max: u64 },
}

/// Spool settings.
#[derive(Debug, Clone)]
pub struct SpoolOptions {
    /// Time allowed for one POST.
    pub timeout: Duration,
    /// Most alerts waiting per URL; more are refused (and audited as failed).
    pub max_pending: u64,
    /// Longest pause between attempts while a receiver is failing.
    pub max_backoff: Duration,
}

impl Default for SpoolOptions {
    fn default() -> Self {
        SpoolOptions {
            timeout: Duration::from_secs(10),
            max_pending: 100_000,
            max_backoff: Duration::from_secs(5),
        }
    }
}

/// Delivery counters.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct NotifyStats {
    /// Alerts written to the spool.
    pub spooled: u64,
    /// Alerts the receivers answered 2xx.
    pub delivered: u64,
    /// Failed POST attempts (retried).
    pub failed_attempts: u64,
    /// Alerts still waiting in the spool.
    pub pending: u64,
}

#[derive(Debug, Default)]
struct Counters {
    spooled: AtomicU64,
    delivered: AtomicU64,
    failed_attempts: AtomicU64,
}

#[derive(Debug)]
struct QueueState {
    /// The next sequence number to write.
    next: u64,
    /// The oldest sequence number not yet delivered.
    head: u64,
    /// Set by `finish`: deliver until the deadline, then stop.
    stop: Option<Instant>,
}

#[derive(Debug)]
struct Queue {
    url: String,
    dir: PathBuf,
    state: Mutex<QueueState>,
    wake: Condvar,
}

/// The notification spool and its delivery threads.
#[derive(Debug)]
pub struct Spool {
    root: PathBuf,
    options: SpoolOptions,
    agent: ureq::Agent,
    queues: HashMap<String, (Arc<Queue>, JoinHandle<()>)>,
    counters: Arc<Counters>,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> SpoolError + '_ {
    move |source| SpoolError::Io {
        path: path.to_owned(),
        source,
    }
}

impl Spool {
    /// Opens (creating) the spool at `root` and resumes delivery of what is waiting there.
    pub fn open(root: &Path, options: SpoolOptions) -> Result<Spool, SpoolError> {
        fs::create_dir_all(root).map_err(io_err(root))?;
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(options.timeout))
            .user_agent(concat!("palisade/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        let mut spool = Spool {
            root: root.to_owned(),
            options,
            agent,
            queues: HashMap::new(),
            counters: Arc::default(),
        };
        for entry in fs::read_dir(root).map_err(io_err(root))? {
            let entry = entry.map_err(io_err(root))?;
            let url_file = entry.path().join("url");
            if let Ok(url) = fs::read_to_string(&url_file) {
                spool.queue(url.trim())?;
            }
        }
        Ok(spool)
    }

    fn queue(&mut self, url: &str) -> Result<Arc<Queue>, SpoolError> {
        if let Some((q, _)) = self.queues.get(url) {
            return Ok(q.clone());
        }
        let dir = self.root.join(url_dir(url));
        fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        fs::write(dir.join("url"), url).map_err(io_err(&dir))?;
        let mut seqs: Vec<u64> = Vec::new();
        for entry in fs::read_dir(&dir).map_err(io_err(&dir))? {
            let entry = entry.map_err(io_err(&dir))?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if let Some(n) = name
                .strip_suffix(".json")
                .and_then(|s| s.parse::<u64>().ok())
            {
                seqs.push(n);
            } else if name.ends_with(".tmp") {
                let _ = fs::remove_file(entry.path());
            }
        }
        let head = seqs.iter().copied().min().unwrap_or(0);
        let next = seqs.iter().copied().max().map_or(0, |m| m + 1);
        let queue = Arc::new(Queue {
            url: url.to_owned(),
            dir,
            state: Mutex::new(QueueState {
                next,
                head,
                stop: None,
            }),
            wake: Condvar::new(),
        });
        let worker = {
            let queue = queue.clone();
            let agent = self.agent.clone();
            let counters = self.counters.clone();
            let max_backoff = self.options.max_backoff;
            std::thread::Builder::new()
                .name("palisade-notify".into())
                .spawn(move || deliver(&queue, &agent, &counters, max_backoff))
                .map_err(io_err(&self.root))?
        };
        self.queues.insert(url.to_owned(), (queue.clone(), worker));
        Ok(queue)
    }

    /// Writes `body` to the spool of `url`; the delivery thread POSTs it in its turn.
    pub fn enqueue(&mut self, url: &str, body: &[u8]) -> Result<u64, SpoolError> {
        let queue = self.queue(url)?;
        let mut state = queue.state.lock().unwrap_or_else(|p| p.into_inner());
        if state.next - state.head >= self.options.max_pending {
            return Err(SpoolError::Full {
                url: url.to_owned(),
                max: self.options.max_pending,
            });
        }
        let seq = state.next;
        let tmp = queue.dir.join(format!("{seq:020}.tmp"));
        let path = queue.dir.join(format!("{seq:020}.json"));
        let mut f = fs::File::create(&tmp).map_err(io_err(&tmp))?;
        f.write_all(body).map_err(io_err(&tmp))?;
        drop(f);
        fs::rename(&tmp, &path).map_err(io_err(&path))?;
        state.next += 1;
        self.counters.spooled.fetch_add(1, Ordering::Relaxed);
        queue.wake.notify_all();
        Ok(seq)
    }

    /// The counters now.
    pub fn stats(&self) -> NotifyStats {
        NotifyStats {
            spooled: self.counters.spooled.load(Ordering::Relaxed),
            delivered: self.counters.delivered.load(Ordering::Relaxed),
            failed_attempts: self.counters.failed_attempts.load(Ordering::Relaxed),
            pending: self
                .queues
                .values()
                .map(|(q, _)| {
                    let s = q.state.lock().unwrap_or_else(|p| p.into_inner());
                    s.next - s.head
                })
                .sum(),
        }
    }

    /// Delivers what is waiting for at most `drain`, then stops the threads; what is left stays
    /// in the spool for the next start.
    pub fn finish(mut self, drain: Duration) -> NotifyStats {
        let deadline = Instant::now() + drain;
        for (q, _) in self.queues.values() {
            q.state.lock().unwrap_or_else(|p| p.into_inner()).stop = Some(deadline);
            q.wake.notify_all();
        }
        let queues: Vec<_> = self.queues.drain().collect();
        let mut pending = 0;
        for (_, (q, thread)) in queues {
            let _ = thread.join();
            let s = q.state.lock().unwrap_or_else(|p| p.into_inner());
            pending += s.next - s.head;
        }
        NotifyStats {
            pending,
            ..self.stats()
        }
    }
}

/// The directory of a URL's spool: the first 16 hex digits of its SHA-256.
fn url_dir(url: &str) -> String {
    use sha2::Digest as _;
    hex::encode(&sha2::Sha256::digest(url.as_bytes())[..8])
}

fn deliver(queue: &Queue, agent: &ureq::Agent, counters: &Counters, max_backoff: Duration) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let seq = {
            let mut s = queue.state.lock().unwrap_or_else(|p| p.into_inner());
            loop {
                if s.head < s.next && s.stop.is_none_or(|d| Instant::now() < d) {
                    break s.head;
                }
                if s.stop.is_some() {
                    return;
                }
                s = queue
                    .wake
                    .wait_timeout(s, Duration::from_secs(1))
                    .unwrap_or_else(|p| p.into_inner())
                    .0;
            }
        };
        let path = queue.dir.join(format!("{seq:020}.json"));
        let body = match fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                if e.kind() != std::io::ErrorKind::NotFound {
                    tracing::warn!(file = %path.display(), error = %e, "unreadable spooled alert skipped");
                }
                queue.state.lock().unwrap_or_else(|p| p.into_inner()).head = seq + 1;
                continue;
            }
        };
        let result = agent
            .post(&queue.url)
            .header("content-type", "application/json")
            .header("x-palisade-sequence", seq.to_string())
            .send(&body[..]);
        match result {
            Ok(resp) if resp.status().is_success() => {
                let _ = fs::remove_file(&path);
                queue.state.lock().unwrap_or_else(|p| p.into_inner()).head = seq + 1;
                counters.delivered.fetch_add(1, Ordering::Relaxed);
                backoff = Duration::from_millis(100);
            }
            other => {
                counters.failed_attempts.fetch_add(1, Ordering::Relaxed);
                let why = match other {
                    Ok(resp) => format!("status {}", resp.status()),
                    Err(e) => e.to_string(),
                };
                tracing::debug!(url = %queue.url, seq, error = %why, "notification not delivered, will retry");
                let s = queue.state.lock().unwrap_or_else(|p| p.into_inner());
                if s.stop.is_some_and(|d| Instant::now() >= d) {
                    return;
                }
                let pause = match s.stop {
                    Some(d) => backoff.min(d.saturating_duration_since(Instant::now())),
                    None => backoff,
                };
                // New alerts queue behind this one: a wake-up only shortens one pause.
                drop(
                    queue
                        .wake
                        .wait_timeout(s, pause)
                        .unwrap_or_else(|p| p.into_inner()),
                );
                backoff = (backoff * 2).min(max_backoff);
            }
        }
    }
}
