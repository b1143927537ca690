//! Writing scap captures that sysdig and Sysdig Inspect open: [`CaptureAll`] writes every
//! event (optionally those a condition matches), [`CaptureWindow`] keeps a bounded ring of
//! recent events and, when a rule fires, writes the events from `window` before the alert to
//! `window` after it into a file named after the alert.
//!
//! Each file starts with the state as of its first event — the machine, the users and groups,
//! every thread and every process's fd table — so that a capture of a container that is gone
//! still says which process did what.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;

use palisade_event::{Event, Inspector, OwnedEvent};
use palisade_rules::syscall::{SyscallEvent, SyscallTable};
use palisade_rules::{Alert, Engine, ruleset};
use palisade_scap::writer::ScapWriter;

use crate::Observer;

/// Starts a capture at `path` with the state of `insp`.
fn start(path: &Path, insp: &Inspector) -> io::Result<ScapWriter<BufWriter<File>>> {
    let file = File::create(path)?;
    let (host, cpus) = insp.machine().map_or((String::new(), 1), |m| {
        (m.hostname.clone(), m.num_cpus.max(1))
    });
    let mut w = ScapWriter::new(BufWriter::new(file), &host, cpus)?;
    w.write_threads(insp.threads())?;
    for t in insp.threads().filter(|t| t.is_main_thread()) {
        let fds = insp.fds(t.tid);
        if !fds.is_empty() {
            w.write_fds(t.pid, fds.iter().map(|(fd, info)| (*fd, info)))?;
        }
    }
    w.write_users(insp.users(), insp.groups())?;
    Ok(w)
}

/// Writes every event to one capture (`palisade capture -w FILE`), or the events a condition
/// matches; container events are always kept, so the capture names its containers.
pub struct CaptureAll {
    path: PathBuf,
    writer: Option<ScapWriter<BufWriter<File>>>,
    filter: Option<Engine>,
    host: String,
    written: u64,
}

impl std::fmt::Debug for CaptureAll {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaptureAll")
            .field("path", &self.path)
            .field("written", &self.written)
            .finish_non_exhaustive()
    }
}

impl CaptureAll {
    /// A capture to `path` (created at the first event), of the events `filter` matches if
    /// given.
    pub fn new(path: PathBuf, filter: Option<ruleset::Rule>) -> Self {
        let filter = filter.map(|rule| {
            let one = ruleset::Ruleset {
                rules: vec![rule],
                ..ruleset::Ruleset::default()
            };
            Engine::new(&one, &SyscallTable).0
        });
        CaptureAll {
            path,
            writer: None,
            filter,
            host: String::new(),
            written: 0,
        }
    }

    /// Events written so far.
    pub fn written(&self) -> u64 {
        self.written
    }
}

impl Observer for CaptureAll {
    fn event(&mut self, evt: &Event<'_>, insp: &Inspector) -> io::Result<()> {
        if self.writer.is_none() {
            self.writer = Some(start(&self.path, insp)?);
        }
        let keep = evt.info().name == "container"
            || match self.filter.as_mut() {
                None => true,
                Some(f) => {
                    let ctx = SyscallEvent::new(evt, insp, &self.host);
                    let mut m = false;
                    f.eval_syscall(evt.kind, &ctx, |_| m = true);
                    m
                }
            };
        if keep {
            if let Some(w) = self.writer.as_mut() {
                w.write_event(evt)?;
                self.written += 1;
            }
        }
        Ok(())
    }

    fn finish(&mut self, insp: &Inspector) -> io::Result<()> {
        let w = match self.writer.take() {
            Some(w) => w,
            None => start(&self.path, insp)?,
        };
        w.finish()?.flush()
    }
}

/// The capture being written after an alert.
struct Pending {
    writer: ScapWriter<BufWriter<File>>,
    path: PathBuf,
    until: u64,
    alerts: u64,
}

/// Keeps the last `window` of events (at most `max_bytes` of them) and writes a capture from
/// `window` before an alert to `window` after it, in `dir`, named
/// `<time>-<rule>.scap`. Alerts while a capture is being written extend nothing: they are in
/// it. At most `max_files` captures are written in a run.
pub struct CaptureWindow {
    dir: PathBuf,
    window_ns: u64,
    max_bytes: usize,
    max_files: usize,
    ring: VecDeque<OwnedEvent>,
    ring_bytes: usize,
    /// The container events met (the newest 4,096): every capture starts with them, so it
    /// names containers met before its window.
    containers: VecDeque<OwnedEvent>,
    pending: Option<Pending>,
    written: Vec<PathBuf>,
    /// Capture on every alert (`--capture-dir`), or only when asked through `requests`.
    on_alert: bool,
    requests: Option<Receiver<CaptureRequest>>,
}

/// A capture asked for from another thread (a playbook's `capture` action): the file to write
/// and how long after the request it goes on.
#[derive(Debug, Clone)]
pub struct CaptureRequest {
    /// Where to write.
    pub path: PathBuf,
    /// How long the capture goes on after the request.
    pub after: std::time::Duration,
}

impl std::fmt::Debug for CaptureWindow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaptureWindow")
            .field("dir", &self.dir)
            .field("window_ns", &self.window_ns)
            .field("ring", &self.ring.len())
            .field("written", &self.written)
            .finish_non_exhaustive()
    }
}

/// A file name part from a rule name: letters, digits and `-`.
pub fn slug(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    while s.contains("--") {
        s = s.replace("--", "-");
    }
    s.trim_matches('-').chars().take(60).collect()
}

impl CaptureWindow {
    /// Captures into `dir` (which must exist) around each alert.
    pub fn new(
        dir: PathBuf,
        window: std::time::Duration,
        max_bytes: usize,
        max_files: usize,
    ) -> Self {
        CaptureWindow {
            dir,
            window_ns: u64::try_from(window.as_nanos()).unwrap_or(u64::MAX),
            max_bytes,
            max_files,
            ring: VecDeque::new(),
            ring_bytes: 0,
            containers: VecDeque::new(),
            pending: None,
            written: Vec::new(),
            on_alert: true,
            requests: None,
        }
    }

    /// Captures only when asked through `rx` (not on every alert), e.g. by a playbook.
    pub fn on_request(mut self, rx: Receiver<CaptureRequest>, also_on_alert: bool) -> Self {
        self.requests = Some(rx);
        self.on_alert = also_on_alert;
        self
    }

    /// Starts writing `path`: the state of `insp`, the containers met, the ring, then the
    /// events until `until`.
    fn begin(&mut self, path: PathBuf, until: u64, insp: &Inspector) -> io::Result<()> {
        if self.written.len() >= self.max_files {
            return Ok(());
        }
        let mut writer = start(&path, insp)?;
        for (i, e) in self.containers.iter().chain(&self.ring).enumerate() {
            writer.write_event(&e.as_event(i as u64 + 1))?;
        }
        self.ring.clear();
        self.ring_bytes = 0;
        self.pending = Some(Pending {
            writer,
            path,
            until,
            alerts: 1,
        });
        Ok(())
    }

    /// The captures written (complete) so far.
    pub fn written(&self) -> &[PathBuf] {
        &self.written
    }

    fn close(&mut self) -> io::Result<()> {
        if let Some(p) = self.pending.take() {
            p.writer.finish()?.flush()?;
            tracing::info!(path = %p.path.display(), alerts = p.alerts, "capture written");
            self.written.push(p.path);
        }
        Ok(())
    }
}

impl Observer for CaptureWindow {
    fn event(&mut self, evt: &Event<'_>, insp: &Inspector) -> io::Result<()> {
        if let Some(p) = self.pending.as_mut() {
            if evt.ts > p.until {
                self.close()?;
            } else {
                p.writer.write_event(evt)?;
                return Ok(());
            }
        }
        // A capture asked for while another was being written starts when that one ends.
        if let Some(req) = self.requests.as_ref().and_then(|rx| rx.try_recv().ok()) {
            tracing::info!(path = %req.path.display(), "capture asked for");
            let after = u64::try_from(req.after.as_nanos()).unwrap_or(u64::MAX);
            self.begin(req.path, evt.ts.saturating_add(after), insp)?;
            if let Some(p) = self.pending.as_mut() {
                p.writer.write_event(evt)?;
                return Ok(());
            }
        }
        let owned = OwnedEvent::from_event(evt);
        if evt.info().name == "container" {
            if self.containers.len() >= 4096 {
                self.containers.pop_front();
            }
            self.containers.push_back(owned);
            return Ok(());
        }
        self.ring_bytes += owned.data.len() + owned.lens.len() + 64;
        self.ring.push_back(owned);
        let horizon = evt.ts.saturating_sub(self.window_ns);
        while let Some(front) = self.ring.front() {
            if (front.ts >= horizon && self.ring_bytes <= self.max_bytes) || self.ring.len() == 1 {
                break;
            }
            if let Some(old) = self.ring.pop_front() {
                self.ring_bytes -= old.data.len() + old.lens.len() + 64;
            }
        }
        Ok(())
    }

    fn alert(&mut self, alert: &Alert, evt: &Event<'_>, insp: &Inspector) -> io::Result<()> {
        if let Some(p) = self.pending.as_mut() {
            p.alerts += 1;
            return Ok(());
        }
        if !self.on_alert {
            return Ok(());
        }
        let secs = alert.ts / 1_000_000_000;
        let name = format!(
            "{}-{:09}-{}.scap",
            secs,
            alert.ts % 1_000_000_000,
            slug(&alert.rule)
        );
        let path = self.dir.join(name);
        self.begin(path, evt.ts.saturating_add(self.window_ns), insp)
    }

    fn finish(&mut self, _insp: &Inspector) -> io::Result<()> {
        self.close()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_file_names() {
        assert_eq!(
            slug("Read sensitive file untrusted"),
            "read-sensitive-file-untrusted"
        );
        assert_eq!(slug("../../etc/x"), "etc-x");
    }
}
