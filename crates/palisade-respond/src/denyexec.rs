//! Exec prevention: fanotify permission events (`FAN_OPEN_EXEC_PERM`) refuse, before it runs,
//! an execution that a deny rule matches. The refused `execve` fails with `EPERM` (a shell says
//! `Operation not permitted` and exits 126).
//!
//! **What is watched.** Filesystems are marked whole (`FAN_MARK_FILESYSTEM`): the root's, and
//! every filesystem mounted in any process's mount namespace (container overlay roots, their
//! `/dev/shm` and `/tmp` tmpfs, volumes), reached through `/proc/PID/root/MOUNTPOINT`. Pseudo
//! filesystems (proc, sysfs, cgroup, ...) are skipped. [`DenyExec::rescan`] marks what appeared
//! since; it runs every [`DenyExecOptions::rescan`] and may be called when a container starts.
//!
//! **What is judged.** The executable's path as the executing process sees it (so `/dev/shm/x`
//! inside a container is `/dev/shm/x`), against each rule's globs; and, for `notInImage`, whether
//! the file lives in the writable upper layer of the overlay mount it was opened through (read
//! from the process's `/proc/PID/mountinfo`: the mount of the file's `mnt_id` and its
//! `upperdir=`): an executable written or modified after the container started. Files on other
//! mounts (tmpfs, volumes, the host) are judged by paths only.
//!
//! **Bounded answers.** A process waiting for permission is blocked in the kernel, so every
//! event is answered within [`DenyExecOptions::timeout`]: the decision runs on a second thread,
//! and when it is late (or still busy with an earlier event) the event gets
//! [`DenyExecOptions::on_timeout`] (default: allow, so a stuck palisade slows executions by at
//! most the timeout and never stops the node). When palisade exits, the kernel allows whatever
//! is pending. palisade's own executions are always allowed.
//!
//! **No deadlock with the waiting process.** A process waiting for an answer may hold locks that
//! reading its `/proc` files needs (an `execve` opening its ELF interpreter holds its exec
//! lock). So the thread that answers reads no other process's `/proc`; the threads that do (the
//! decision thread, the mount scanner, the notifier) are never what an answer waits for: the
//! decision thread is bounded by the timeout, nothing is marked before the answering thread
//! runs, and on stop the scanner is stopped while answers still flow.
//!
//! Decisions worth telling (every denial, every default answer) go to the `on_decision`
//! callback on a thread of its own, through a bounded queue: a slow callback loses decisions
//! (counted), it never delays an answer.

use std::collections::HashSet;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::sys::fanotify::{
    EventFFlags, Fanotify, FanotifyResponse, InitFlags, MarkFlags, MaskFlags, Response,
};
use palisade_core::glob::glob;

use crate::playbook::DenyRule;

/// Allow or deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Allow,
    Deny,
}

/// Settings.
#[derive(Debug, Clone)]
pub struct DenyExecOptions {
    /// The longest a decision may take before the event gets `on_timeout` (default 250 ms).
    pub timeout: Duration,
    /// The answer when a decision is late (default allow).
    pub on_timeout: Verdict,
    /// How often new mounts are looked for (default 1 s).
    pub rescan: Duration,
}

impl Default for DenyExecOptions {
    fn default() -> Self {
        DenyExecOptions {
            timeout: Duration::from_millis(250),
            on_timeout: Verdict::Allow,
            rescan: Duration::from_secs(1),
        }
    }
}

/// One decision, as `on_decision` sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Decision {
    pub verdict: Verdict,
    /// The rule that denied it; `None` for a default answer after a timeout.
    pub rule: Option<String>,
    /// Why, in words ("path /dev/shm/x matches /dev/shm/**").
    pub reason: String,
    /// The executing process (host pid).
    pub pid: i32,
    /// The executable, as the process sees it.
    pub path: String,
    /// The process's container, from its cgroup.
    pub container_id: Option<String>,
    /// Time from reading the event to answering it.
    pub latency_us: u64,
}

impl Decision {
    /// The alert that tells of this decision, as the rules engine would raise it: rule
    /// `Execution denied: RULE` (or `Execution answered by default`), priority Critical for a
    /// denial and Warning otherwise, tags `process` and `mitre_execution`, and the output fields
    /// `proc.pid`, `proc.exepath`, `container.id` (`host` outside containers),
    /// `palisade.deny.rule`, `palisade.deny.verdict`.
    pub fn to_alert(&self, hostname: &str) -> palisade_rules::Alert {
        use palisade_rules::{Priority, Source};
        let ts = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        let container = self.container_id.as_deref().unwrap_or("host");
        let verdict = match self.verdict {
            Verdict::Allow => "allowed",
            Verdict::Deny => "denied",
        };
        let rule = match &self.rule {
            Some(r) => format!("Execution denied: {r}"),
            None => "Execution answered by default".to_owned(),
        };
        let mut fields = serde_json::Map::new();
        fields.insert("proc.pid".into(), self.pid.into());
        fields.insert("proc.exepath".into(), self.path.clone().into());
        fields.insert("container.id".into(), container.into());
        fields.insert(
            "palisade.deny.rule".into(),
            self.rule
                .clone()
                .map_or(serde_json::Value::Null, Into::into),
        );
        fields.insert("palisade.deny.verdict".into(), verdict.into());
        palisade_rules::Alert {
            message: format!(
                "Execution {verdict} before it ran (path={} pid={} container_id={container} reason={})",
                self.path, self.pid, self.reason
            ),
            rule,
            priority: if self.verdict == Verdict::Deny {
                Priority::Critical
            } else {
                Priority::Warning
            },
            source: Source::Syscall,
            tags: vec!["process".into(), "mitre_execution".into()],
            ts,
            output_fields: fields,
            hostname: hostname.to_owned(),
        }
    }
}

/// Counters.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct DenyStats {
    pub allowed: u64,
    pub denied: u64,
    /// Answered with the default because the decision was late.
    pub timed_out: u64,
    /// palisade's own executions (always allowed).
    pub own: u64,
    /// Filesystems marked.
    pub marked: u64,
    /// Decisions the callback was too slow to take.
    pub lost_decisions: u64,
}

#[derive(Debug, Default)]
struct Counters {
    allowed: AtomicU64,
    denied: AtomicU64,
    timed_out: AtomicU64,
    own: AtomicU64,
    lost: AtomicU64,
}

/// Why exec prevention could not start.
#[derive(Debug, thiserror::Error)]
pub enum DenyExecError {
    #[error(
        "creating the fanotify group (needs CAP_SYS_ADMIN and a kernel with fanotify permission events)"
    )]
    Init(#[source] nix::Error),
    #[error("marking {path} for FAN_OPEN_EXEC_PERM")]
    Mark {
        path: PathBuf,
        #[source]
        source: nix::Error,
    },
    #[error("starting the exec prevention threads")]
    Thread(#[source] std::io::Error),
}

struct Job {
    id: u64,
    fd: OwnedFd,
    pid: i32,
}

struct Judged {
    id: u64,
    verdict: Verdict,
    rule: Option<String>,
    reason: String,
    path: String,
    container_id: Option<String>,
}

/// Exec prevention, running; see the module documentation.
#[derive(Debug)]
pub struct DenyExec {
    fan: Arc<Fanotify>,
    marked: Arc<Mutex<HashSet<String>>>,
    stop: Arc<AtomicBool>,
    stop_scan: Arc<AtomicBool>,
    reader: Option<JoinHandle<()>>,
    scanner: Option<JoinHandle<()>>,
    counters: Arc<Counters>,
}

impl DenyExec {
    /// Creates the fanotify group, marks the filesystems there are now and starts answering.
    /// `on_decision` hears of every denial and every default answer.
    pub fn start<F>(
        rules: Vec<DenyRule>,
        options: DenyExecOptions,
        on_decision: F,
    ) -> Result<DenyExec, DenyExecError>
    where
        F: Fn(&Decision) + Send + 'static,
    {
        let fan = Fanotify::init(
            InitFlags::FAN_CLASS_CONTENT | InitFlags::FAN_CLOEXEC | InitFlags::FAN_NONBLOCK,
            EventFFlags::O_RDONLY | EventFFlags::O_LARGEFILE | EventFFlags::O_CLOEXEC,
        )
        .map_err(DenyExecError::Init)?;
        let fan = Arc::new(fan);
        let marked = Arc::new(Mutex::new(HashSet::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let stop_scan = Arc::new(AtomicBool::new(false));
        let counters: Arc<Counters> = Arc::default();

        let (notes_tx, notes_rx) = sync_channel::<Decision>(1024);
        std::thread::Builder::new()
            .name("palisade-denyexec-notify".into())
            .spawn(move || {
                for mut d in notes_rx {
                    if d.container_id.is_none() {
                        d.container_id = container_of(d.pid);
                    }
                    on_decision(&d);
                }
            })
            .map_err(DenyExecError::Thread)?;
        let (jobs_tx, jobs_rx) = sync_channel::<Job>(1);
        let (judged_tx, judged_rx) = sync_channel::<Judged>(16);
        let rules = Arc::new(rules);
        let options_r = options.clone();
        std::thread::Builder::new()
            .name("palisade-denyexec-judge".into())
            .spawn(move || judge_loop(&rules, jobs_rx, judged_tx))
            .map_err(DenyExecError::Thread)?;
        // Nothing is marked before the reader answers: a process waiting for an answer may hold
        // locks that reading its /proc files needs (an execve opening its interpreter holds
        // its exec_update_lock), so a thread that reads /proc must never be what the answer
        // waits for.
        let reader = {
            let fan = fan.clone();
            let stop = stop.clone();
            let counters = counters.clone();
            std::thread::Builder::new()
                .name("palisade-denyexec".into())
                .spawn(move || {
                    read_loop(
                        &fan, &stop, &counters, &options_r, &jobs_tx, &judged_rx, &notes_tx,
                    )
                })
                .map_err(DenyExecError::Thread)?
        };
        let mut deny = DenyExec {
            fan: fan.clone(),
            marked: marked.clone(),
            stop,
            stop_scan: stop_scan.clone(),
            reader: Some(reader),
            scanner: None,
            counters,
        };
        mark(&fan, Path::new("/"))?;
        rescan(&fan, &marked);
        // New mounts are looked for on a thread of their own: a scan of /proc never delays an
        // answer.
        deny.scanner = Some({
            let stop = stop_scan;
            let marked = marked.clone();
            let every = options.rescan;
            std::thread::Builder::new()
                .name("palisade-denyexec-scan".into())
                .spawn(move || {
                    let mut last = Instant::now();
                    while !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(Duration::from_millis(100).min(every));
                        if last.elapsed() >= every {
                            rescan(&fan, &marked);
                            last = Instant::now();
                        }
                    }
                })
                .map_err(DenyExecError::Thread)?
        });
        Ok(deny)
    }

    /// Marks the filesystems mounted since the last scan (in every mount namespace); returns
    /// how many were new.
    pub fn rescan(&self) -> usize {
        rescan(&self.fan, &self.marked)
    }

    /// The counters now.
    pub fn stats(&self) -> DenyStats {
        let l = |c: &AtomicU64| c.load(Ordering::Relaxed);
        DenyStats {
            allowed: l(&self.counters.allowed),
            denied: l(&self.counters.denied),
            timed_out: l(&self.counters.timed_out),
            own: l(&self.counters.own),
            marked: self.marked.lock().map(|m| m.len() as u64).unwrap_or(0),
            lost_decisions: l(&self.counters.lost),
        }
    }

    /// Stops answering (the kernel allows what is pending once the group is closed) and returns
    /// the counters.
    pub fn stop(mut self) -> DenyStats {
        self.shut_down();
        self.stats()
    }

    /// The scanner first, while the reader still answers (it may be waiting on a process that
    /// waits for an answer), then the reader; the group closes when the last handle goes.
    fn shut_down(&mut self) {
        self.stop_scan.store(true, Ordering::Relaxed);
        if let Some(s) = self.scanner.take() {
            let _ = s.join();
        }
        self.stop.store(true, Ordering::Relaxed);
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
    }
}

impl Drop for DenyExec {
    fn drop(&mut self) {
        self.shut_down();
    }
}

fn mark(fan: &Fanotify, path: &Path) -> Result<(), DenyExecError> {
    fan.mark(
        MarkFlags::FAN_MARK_ADD | MarkFlags::FAN_MARK_FILESYSTEM,
        MaskFlags::FAN_OPEN_EXEC_PERM,
        rustix::fs::CWD,
        Some(path),
    )
    .map_err(|source| DenyExecError::Mark {
        path: path.to_owned(),
        source,
    })
}

/// Filesystems nothing is executed from.
const PSEUDO: &[&str] = &[
    "proc",
    "sysfs",
    "cgroup",
    "cgroup2",
    "devpts",
    "mqueue",
    "securityfs",
    "debugfs",
    "tracefs",
    "bpf",
    "pstore",
    "configfs",
    "fusectl",
    "binfmt_misc",
    "nsfs",
    "efivarfs",
    "autofs",
    "hugetlbfs",
    "rpc_pipefs",
    "selinuxfs",
];

/// One line of `/proc/PID/mountinfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct MountInfo {
    id: u64,
    /// `major:minor` of the filesystem.
    dev: String,
    mount_point: String,
    fstype: String,
    super_options: String,
}

fn parse_mountinfo(text: &str) -> Vec<MountInfo> {
    text.lines()
        .filter_map(|line| {
            let (left, right) = line.split_once(" - ")?;
            let l: Vec<&str> = left.split(' ').collect();
            let r: Vec<&str> = right.split(' ').collect();
            Some(MountInfo {
                id: l.first()?.parse().ok()?,
                dev: (*l.get(2)?).to_owned(),
                mount_point: unescape(l.get(4)?),
                fstype: (*r.first()?).to_owned(),
                super_options: r.get(2).map(|s| unescape(s)).unwrap_or_default(),
            })
        })
        .collect()
}

/// mountinfo escapes space, tab, newline and backslash as `\ooo`.
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            out.push((b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0'));
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn rescan(fan: &Fanotify, marked: &Mutex<HashSet<String>>) -> usize {
    let mut seen_ns = HashSet::new();
    let mut new = 0;
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    for entry in dir.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(ns) = std::fs::read_link(format!("/proc/{pid}/ns/mnt")) else {
            continue;
        };
        if !seen_ns.insert(ns) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/mountinfo")) else {
            continue;
        };
        for m in parse_mountinfo(&text) {
            if PSEUDO.contains(&m.fstype.as_str()) {
                continue;
            }
            if marked.lock().map(|s| s.contains(&m.dev)).unwrap_or(true) {
                continue;
            }
            let path = format!("/proc/{pid}/root{}", m.mount_point);
            match mark(fan, Path::new(&path)) {
                Ok(()) => {
                    if let Ok(mut s) = marked.lock() {
                        s.insert(m.dev.clone());
                    }
                    new += 1;
                    tracing::debug!(mount = %m.mount_point, pid, fstype = %m.fstype, dev = %m.dev, "marked for exec prevention");
                }
                Err(e) => tracing::debug!(mount = %m.mount_point, pid, error = %e, "not marked"),
            }
        }
    }
    new
}

fn read_loop(
    fan: &Fanotify,
    stop: &AtomicBool,
    counters: &Counters,
    options: &DenyExecOptions,
    jobs: &SyncSender<Job>,
    judged: &Receiver<Judged>,
    notes: &SyncSender<Decision>,
) {
    let me = std::process::id() as i32;
    let mut next_id = 0u64;
    let answer = |fd: BorrowedFd<'_>, v: Verdict| {
        let r = match v {
            Verdict::Allow => Response::FAN_ALLOW,
            Verdict::Deny => Response::FAN_DENY,
        };
        if let Err(e) = fan.write_response(FanotifyResponse::new(fd, r)) {
            tracing::warn!(error = %e, "answering a fanotify permission event");
        }
    };
    let note = |d: Decision| {
        if let Err(TrySendError::Full(_)) = notes.try_send(d) {
            counters.lost.fetch_add(1, Ordering::Relaxed);
        }
    };
    while !stop.load(Ordering::Relaxed) {
        let mut fds = [rustix::event::PollFd::new(
            fan,
            rustix::event::PollFlags::IN,
        )];
        let timeout = rustix::event::Timespec {
            tv_sec: 0,
            tv_nsec: 100_000_000,
        };
        match rustix::event::poll(&mut fds, Some(&timeout)) {
            Ok(0) => continue,
            Ok(_) => {}
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => {
                tracing::error!(error = %e, "polling the fanotify group");
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
        }
        let events = match fan.read_events() {
            Ok(ev) => ev,
            Err(nix::errno::Errno::EAGAIN) => continue,
            Err(e) => {
                tracing::error!(error = %e, "reading fanotify events");
                continue;
            }
        };
        for ev in events {
            if !ev.check_version() {
                continue;
            }
            let Some(fd) = ev.fd() else {
                tracing::warn!("fanotify queue overflow");
                continue;
            };
            if !ev.mask().contains(MaskFlags::FAN_OPEN_EXEC_PERM) {
                continue;
            }
            let start = Instant::now();
            let pid = ev.pid();
            if pid == me {
                counters.own.fetch_add(1, Ordering::Relaxed);
                answer(fd, Verdict::Allow);
                continue;
            }
            next_id += 1;
            let id = next_id;
            let late = |reason: &str| {
                counters.timed_out.fetch_add(1, Ordering::Relaxed);
                answer(fd, options.on_timeout);
                note(Decision {
                    verdict: options.on_timeout,
                    rule: None,
                    reason: format!("{reason}: answered {:?} by default", options.on_timeout),
                    pid,
                    path: exe_path(fd).unwrap_or_default(),
                    // Filled in by the notifier: the reader reads no other process's /proc.
                    container_id: None,
                    latency_us: start.elapsed().as_micros() as u64,
                });
            };
            let Ok(dup) = fd.try_clone_to_owned() else {
                late("could not duplicate the event's file descriptor");
                continue;
            };
            // Late answers to earlier events are dropped here, so the decision thread never
            // blocks on a full channel.
            while judged.try_recv().is_ok() {}
            if jobs.try_send(Job { id, fd: dup, pid }).is_err() {
                late("the decision thread is busy with an earlier execution");
                continue;
            }
            let deadline = start + options.timeout;
            let verdict = loop {
                match judged.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                    Ok(j) if j.id == id => break Some(j),
                    Ok(_) => continue, // a late answer to an earlier event
                    Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break None,
                }
            };
            match verdict {
                None => late(&format!(
                    "no decision within {} ms",
                    options.timeout.as_millis()
                )),
                Some(j) => {
                    answer(fd, j.verdict);
                    if j.verdict == Verdict::Deny {
                        counters.denied.fetch_add(1, Ordering::Relaxed);
                        note(Decision {
                            verdict: j.verdict,
                            rule: j.rule,
                            reason: j.reason,
                            pid,
                            path: j.path,
                            container_id: j.container_id,
                            latency_us: start.elapsed().as_micros() as u64,
                        });
                    } else {
                        counters.allowed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }
    }
}

fn judge_loop(rules: &[DenyRule], jobs: Receiver<Job>, judged: SyncSender<Judged>) {
    for job in jobs {
        let path = exe_path(job.fd.as_fd()).unwrap_or_default();
        let (verdict, rule, reason) = match judge(rules, &path, || not_in_image(&job, &path)) {
            Some((rule, reason)) => (Verdict::Deny, Some(rule.name.clone()), reason),
            None => (Verdict::Allow, None, String::new()),
        };
        let out = Judged {
            id: job.id,
            verdict,
            rule,
            reason,
            container_id: if verdict == Verdict::Deny {
                container_of(job.pid)
            } else {
                None
            },
            path,
        };
        if judged.send(out).is_err() {
            return;
        }
    }
}

/// The first rule that denies executing `path`; `upper` says whether the file is in an overlay
/// upper layer (asked only when a rule needs it).
fn judge<'r>(
    rules: &'r [DenyRule],
    path: &str,
    upper: impl FnOnce() -> Option<String>,
) -> Option<(&'r DenyRule, String)> {
    let mut upper = Some(upper);
    let mut upper_value: Option<Option<String>> = None;
    for rule in rules {
        if let Some(g) = rule.paths.iter().find(|g| glob(g, path)) {
            return Some((rule, format!("path {path} matches {g}")));
        }
        if rule.not_in_image {
            let v = upper_value.get_or_insert_with(|| upper.take().and_then(|f| f()));
            if let Some(at) = v {
                return Some((
                    rule,
                    format!(
                        "{path} is not part of the container's image (it is in the writable layer {at})"
                    ),
                ));
            }
        }
    }
    None
}

/// The executable's path, as the executing process sees it.
fn exe_path(fd: BorrowedFd<'_>) -> Option<String> {
    std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd()))
        .ok()
        .map(|p| p.to_string_lossy().into_owned())
}

fn container_of(pid: i32) -> Option<String> {
    crate::host::container_of_cgroup(&std::fs::read_to_string(format!("/proc/{pid}/cgroup")).ok()?)
}

/// Where in an overlay upper directory the executable lives, when it does.
fn not_in_image(job: &Job, path: &str) -> Option<String> {
    // Most executions are not from an overlay: one fstatfs answers them.
    const OVERLAYFS_SUPER_MAGIC: i64 = 0x794c_7630;
    let fs = rustix::fs::fstatfs(&job.fd).ok()?;
    if fs.f_type as i64 != OVERLAYFS_SUPER_MAGIC {
        return None;
    }
    let fdinfo =
        std::fs::read_to_string(format!("/proc/self/fdinfo/{}", job.fd.as_raw_fd())).ok()?;
    let mnt_id: u64 = fdinfo
        .lines()
        .find_map(|l| l.strip_prefix("mnt_id:"))?
        .trim()
        .parse()
        .ok()?;
    let mountinfo = std::fs::read_to_string(format!("/proc/{}/mountinfo", job.pid)).ok()?;
    let mount = parse_mountinfo(&mountinfo)
        .into_iter()
        .find(|m| m.id == mnt_id)?;
    upper_path(&mount, path)
}

/// The file in the mount's upper directory that `path` (inside the mount) is, if it exists.
fn upper_path(mount: &MountInfo, path: &str) -> Option<String> {
    if mount.fstype != "overlay" {
        return None;
    }
    let upper = mount
        .super_options
        .split(',')
        .find_map(|o| o.strip_prefix("upperdir="))?;
    let rel = if mount.mount_point == "/" {
        path.strip_prefix('/')?
    } else {
        path.strip_prefix(mount.mount_point.as_str())?
            .strip_prefix('/')?
    };
    let candidate = Path::new(upper).join(rel);
    let meta = std::fs::symlink_metadata(&candidate).ok()?;
    // A whiteout (a 0:0 character device) hides a lower file; it is not the executable.
    use std::os::unix::fs::FileTypeExt;
    if meta.file_type().is_char_device() {
        return None;
    }
    Some(candidate.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_core::Span;

    fn rule(name: &str, paths: &[&str], not_in_image: bool) -> DenyRule {
        DenyRule {
            name: name.into(),
            paths: paths.iter().map(|s| s.to_string()).collect(),
            not_in_image,
            span: Span::new("t", 1, 1),
        }
    }

    #[test]
    fn judges_paths_then_drift() {
        let rules = [
            rule("tmpfs", &["/dev/shm/**", "/tmp/**"], false),
            rule("drift", &[], true),
        ];
        let (r, why) = judge(&rules, "/dev/shm/busybox", || None).unwrap();
        assert_eq!(r.name, "tmpfs");
        assert_eq!(why, "path /dev/shm/busybox matches /dev/shm/**");
        assert!(judge(&rules, "/bin/true", || None).is_none());
        let (r, _) = judge(&rules, "/usr/bin/x", || Some("/upper/usr/bin/x".into())).unwrap();
        assert_eq!(r.name, "drift");
    }

    #[test]
    fn a_denial_becomes_an_alert() {
        let d = Decision {
            verdict: Verdict::Deny,
            rule: Some("tmpfs".into()),
            reason: "path /dev/shm/x matches /dev/shm/**".into(),
            pid: 42,
            path: "/dev/shm/x".into(),
            container_id: Some("abc".into()),
            latency_us: 10,
        };
        let a = d.to_alert("node-1");
        assert_eq!(a.rule, "Execution denied: tmpfs");
        assert_eq!(a.priority, palisade_rules::Priority::Critical);
        assert_eq!(a.output_fields["container.id"], "abc");
        assert_eq!(a.output_fields["proc.exepath"], "/dev/shm/x");
        assert_eq!(
            a.message,
            "Execution denied before it ran (path=/dev/shm/x pid=42 container_id=abc reason=path /dev/shm/x matches /dev/shm/**)"
        );
    }

    #[test]
    fn mountinfo_lines() {
        let m = parse_mountinfo(
            "1211 1150 0:73 / / rw,relatime - overlay overlay rw,lowerdir=/l1:/l2,upperdir=/var/lib/containers/storage/overlay/abc/diff,workdir=/w\n\
             1220 1211 0:80 / /dev/shm rw,nosuid - tmpfs shm rw,size=64000k\n\
             30 1 8:1 / /with\\040space rw - ext4 /dev/sda1 rw\n",
        );
        assert_eq!(m.len(), 3);
        assert_eq!(m[0].fstype, "overlay");
        assert_eq!(m[0].dev, "0:73");
        assert!(
            m[0].super_options
                .contains("upperdir=/var/lib/containers/storage/overlay/abc/diff")
        );
        assert_eq!(m[1].mount_point, "/dev/shm");
        assert_eq!(m[2].mount_point, "/with space");
    }

    #[test]
    fn upper_layer_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("usr/bin")).unwrap();
        std::fs::write(dir.path().join("usr/bin/dropped"), b"x").unwrap();
        let m = MountInfo {
            id: 1,
            dev: "0:1".into(),
            mount_point: "/".into(),
            fstype: "overlay".into(),
            super_options: format!(
                "rw,lowerdir=/l,upperdir={},workdir=/w",
                dir.path().display()
            ),
        };
        assert!(upper_path(&m, "/usr/bin/dropped").is_some());
        assert!(upper_path(&m, "/usr/bin/true").is_none());
        let tmpfs = MountInfo {
            fstype: "tmpfs".into(),
            ..m
        };
        assert!(upper_path(&tmpfs, "/usr/bin/dropped").is_none());
    }
}
