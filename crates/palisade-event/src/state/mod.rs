//! The system state rebuilt from a source's state records and events: threads with their
//! parent chain, per-process file descriptors, containers, users and groups.
//!
//! [`Inspector::process`] must see every event of [`Inspector::interest`] in order (enter and
//! exit); events outside it do not change the state and may be left out. After it returns,
//! the state reflects the event (an `open` exit has its new fd, an `execve` exit its new
//! command line), and [`Inspector::event_fd`] gives the fd the event is about. Closed fds and
//! exited threads stay visible for the event that closes them and disappear at the next one.

mod container;
mod types;

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::net::IpAddr;
use std::sync::Arc;

pub use container::{
    container_id_from_cgroup, container_id_from_cgroups, parse_container_json, split_image,
};
pub use types::{
    ContainerInfo, FdInfo, FdKind, GroupInfo, IdHasher, IdMap, Interface, L4Proto, MachineInfo,
    Mount, SocketEnds, ThreadInfo, UserInfo,
};

use crate::event::{Direction, Event, LenWidth, Params, SockAddr, SockTuple, Value, trim_nul};
use crate::flags::{cl, o};
use crate::mask::EventMask;
use crate::source::{StateRecord, StateSink};
use crate::table::{EF_CREATES_FD, EF_USES_FD, ids};

/// Events that say nothing about processes, files or containers: CPU usage samples and
/// scheduler switches.
const STATELESS: [u16; 3] = [ids::PROCINFO_E, ids::SCHEDSWITCH_6_E, ids::SCHEDSWITCH_1_E];

/// `AT_FDCWD`: the dirfd meaning "the working directory".
pub const AT_FDCWD: i64 = -100;

/// Largest enter event (parameter bytes) kept per thread for its exit.
const MAX_KEPT_ENTER: usize = 8 << 10;

/// The bytes a thread holds for its last enter event (the buffers' capacity: they are reused
/// from one enter to the next).
fn kept_bytes(t: &ThreadInfo) -> usize {
    t.last.lens.capacity() + t.last.data.capacity()
}

/// Thread id of pseudo-threads attached to events that concern no thread (container events).
pub const NO_THREAD: i64 = -1;

/// Limits that bound the state a hostile or runaway source can make the inspector keep.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Maximum number of threads tracked.
    pub max_threads: usize,
    /// Maximum number of fds tracked per process.
    pub max_fds_per_process: usize,
    /// Maximum number of containers tracked.
    pub max_containers: usize,
    /// Most bytes held for enter events over all threads, for their exits: past it an enter
    /// is not kept, its exit is read without it, and `dropped_by_limits` counts it.
    pub max_kept_enter_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // A thread costs one to two kilobytes: this bounds the table near 200 MiB, and is
            // the bound the live sensor's /proc scan has. Busy hosts run tens of thousands.
            max_threads: 1 << 17,
            max_fds_per_process: 1 << 16,
            max_containers: 1 << 16,
            max_kept_enter_bytes: 64 << 20,
        }
    }
}

/// Counters of what the inspector has seen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Events processed.
    pub events: u64,
    /// State records applied.
    pub records: u64,
    /// Threads, fds or containers not added because a limit was reached.
    pub dropped_by_limits: u64,
}

/// The state machine. See the module documentation.
#[derive(Debug, Default)]
pub struct Inspector {
    threads: IdMap<i64, ThreadInfo>,
    containers: HashMap<String, ContainerInfo>,
    users: IdMap<u32, UserInfo>,
    groups: IdMap<u32, GroupInfo>,
    machine: Option<MachineInfo>,
    interfaces: Vec<Interface>,
    limits: Limits,
    stats: Stats,
    cur_tid: i64,
    cur_fd: Option<i64>,
    pending_close: Option<(i64, i64)>,
    pending_exit: Option<i64>,
    failed_fd: Option<(i64, FdInfo)>,
    server_ports: std::collections::HashSet<u16>,
    empty_fds: IdMap<i64, FdInfo>,
    unknown_fd: FdInfo,
    cur_exit: bool,
    /// The cgroups last parsed from a clone event, and their container id.
    recent_cgroups: (Arc<[(String, String)]>, Option<String>),
    /// Bytes the threads hold for their enter events ([`kept_bytes`]), over all threads.
    kept_enter_bytes: usize,
}

impl StateSink for Inspector {
    fn apply(&mut self, record: StateRecord) {
        self.stats.records += 1;
        match record {
            StateRecord::Machine(m) => self.machine = Some(m),
            StateRecord::Thread(t) => {
                let mut t = *t;
                if t.container_id.is_empty() {
                    if let Some(id) = container_id_from_cgroups(&t.cgroups) {
                        t.container_id = id.to_owned();
                    }
                }
                let fds = self.remove_thread(t.tid).map(|old| old.fds);
                if let Some(fds) = fds {
                    if t.fds.is_empty() {
                        t.fds = fds;
                    }
                }
                self.insert_thread(t);
            }
            StateRecord::Fd { pid, fd, mut info } => {
                // A capture's fd table records sockets as local->remote; the client side comes
                // first when the local port is one a process of the table listens on.
                if info.kind.is_ip_socket() {
                    if info.net.listening {
                        self.server_ports.insert(info.net.sport);
                    } else if self.server_ports.contains(&info.net.cport) {
                        let n = &mut info.net;
                        std::mem::swap(&mut n.cip, &mut n.sip);
                        std::mem::swap(&mut n.cport, &mut n.sport);
                        info.name = info.net.name();
                    }
                }
                let max = self.limits.max_fds_per_process;
                let t = self
                    .threads
                    .entry(pid)
                    .or_insert_with(|| ThreadInfo::new(pid));
                if t.fds.len() < max || t.fds.contains_key(&fd) {
                    t.fds.insert(fd, info);
                } else {
                    self.stats.dropped_by_limits += 1;
                }
            }
            StateRecord::User(u) => {
                self.users.insert(u.uid, u);
            }
            StateRecord::Group(g) => {
                self.groups.insert(g.gid, g);
            }
            StateRecord::Interface(i) => self.interfaces.push(i),
        }
    }
}

/// A parameter that holds a 32-bit id or number (uid, gid, dev), when present and in range.
fn u32_arg(evt: &Event<'_>, name: &str) -> Option<u32> {
    evt.arg(name)
        .and_then(|v| v.as_u64())
        .and_then(|v| u32::try_from(v).ok())
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The items of a NUL-separated list (args, env, cgroups); a trailing NUL ends the last one
/// and an empty list has none.
fn nul_items(b: &[u8]) -> impl Iterator<Item = &[u8]> {
    let b = b.strip_suffix(&[0]).unwrap_or(b);
    b.split(|&c| c == 0)
        .take(if b.is_empty() { 0 } else { usize::MAX })
}

fn split_nul(b: &[u8]) -> Vec<String> {
    nul_items(b).map(lossy).collect()
}

/// `raw` as a string, sharing `inherited` when it says the same.
fn shared_str(raw: &[u8], inherited: &Arc<str>) -> Arc<str> {
    if raw == inherited.as_bytes() {
        Arc::clone(inherited)
    } else {
        String::from_utf8_lossy(raw).into()
    }
}

/// A directory as a string with a trailing `/` (what [`with_slash`] makes of it), sharing
/// `inherited` when it is the same.
fn shared_dir(raw: &[u8], inherited: &Arc<str>) -> Arc<str> {
    let same = if raw.ends_with(b"/") {
        inherited.as_bytes() == raw
    } else {
        inherited.as_bytes().strip_suffix(b"/") == Some(raw)
    };
    if same {
        Arc::clone(inherited)
    } else {
        with_slash(lossy(raw)).into()
    }
}

/// NUL-separated arguments, sharing `inherited` when they are the same.
fn shared_args(raw: &[u8], inherited: &Arc<[String]>) -> Arc<[String]> {
    if nul_items(raw).eq(inherited.iter().map(String::as_bytes)) {
        Arc::clone(inherited)
    } else {
        split_nul(raw).into()
    }
}

fn cgroups_of(b: &[u8]) -> Vec<(String, String)> {
    split_nul(b)
        .into_iter()
        .filter_map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
        })
        .collect()
}

/// Whether the NUL-separated `key=value` list `raw` decodes to exactly `cg` (what
/// [`cgroups_of`] would return), without allocating.
fn same_cgroups(raw: &[u8], cg: &[(String, String)]) -> bool {
    nul_items(raw)
        .filter_map(|kv| {
            let eq = kv.iter().position(|&c| c == b'=')?;
            Some((&kv[..eq], &kv[eq + 1..]))
        })
        .eq(cg.iter().map(|(k, v)| (k.as_bytes(), v.as_bytes())))
}

/// Joins `path` to directory `dir` and normalizes `.` and `..` like sysdig does.
pub fn resolve_path(dir: &str, path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let full_iter = if path.starts_with('/') {
        path.split('/').collect::<Vec<_>>()
    } else {
        dir.split('/').chain(path.split('/')).collect()
    };
    for p in full_iter {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let mut out = String::with_capacity(path.len() + dir.len() + 1);
    for p in &parts {
        out.push('/');
        out.push_str(p);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

impl Inspector {
    /// An empty state with default limits.
    pub fn new() -> Self {
        Inspector::with_limits(Limits::default())
    }

    /// An empty state with `limits`.
    pub fn with_limits(limits: Limits) -> Self {
        Inspector {
            limits,
            cur_tid: NO_THREAD,
            ..Inspector::default()
        }
    }

    /// The event types that change the state: every type but CPU usage samples and scheduler
    /// switches. A source given this mask (or a larger one) keeps the state exact.
    pub fn interest() -> EventMask {
        let mut m = EventMask::all();
        for k in STATELESS {
            m.remove(k);
        }
        m
    }

    /// Whether the state needs enter events of type `kind` when it sees the exits: an enter
    /// carries something its exit does not (the fd of `close`, the domain of `socket`, the uid
    /// of `setuid`); the newer exits carry every parameter of their enter (`openat`,
    /// `execve`'s exit holds more than its enter), and enter events without parameters carry
    /// nothing. A live source may skip the enters this says no to.
    pub fn needs_enter(kind: u16) -> bool {
        if Direction::of(kind) != Direction::Enter {
            return false;
        }
        if matches!(kind, ids::PROCEXIT_E | ids::PROCEXIT_1_E) {
            return true;
        }
        let enter = crate::table::event_info(kind);
        let exit = crate::table::event_info(kind.saturating_add(1));
        if matches!(enter.name, "execve" | "execveat") {
            return false;
        }
        enter
            .params
            .iter()
            .any(|p| !exit.params.iter().any(|q| q.name == p.name))
    }

    /// Counters.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    // ---- queries -------------------------------------------------------------------------

    /// The thread `tid`.
    pub fn thread(&self, tid: i64) -> Option<&ThreadInfo> {
        self.threads.get(&tid)
    }

    /// All threads.
    pub fn threads(&self) -> impl Iterator<Item = &ThreadInfo> {
        self.threads.values()
    }

    /// The main thread of `tid`'s process (the thread itself when it is the main thread or
    /// its leader is unknown).
    pub fn main_thread(&self, tid: i64) -> Option<&ThreadInfo> {
        let t = self.threads.get(&tid)?;
        if t.pid == t.tid {
            return Some(t);
        }
        self.threads.get(&t.pid).or(Some(t))
    }

    /// The parent process of `t` (`proc.pname`, `proc.aname[1]`).
    pub fn parent(&self, t: &ThreadInfo) -> Option<&ThreadInfo> {
        if t.ptid == t.tid || t.ptid <= 0 {
            return None;
        }
        self.threads.get(&t.ptid)
    }

    /// The ancestors of thread `tid`, parent first (`proc.aname[N]` is the N-th, from 1).
    /// Stops at unknown parents and on loops.
    pub fn ancestors(&self, tid: i64) -> Ancestors<'_> {
        Ancestors {
            insp: self,
            cur: self.threads.get(&tid),
            steps: 0,
        }
    }

    /// The open fds of `tid`'s process.
    pub fn fds(&self, tid: i64) -> &IdMap<i64, FdInfo> {
        match self.main_thread(tid) {
            Some(t) => &t.fds,
            None => &self.empty_fds,
        }
    }

    /// Fd `fd` of `tid`'s process.
    pub fn fd(&self, tid: i64, fd: i64) -> Option<&FdInfo> {
        self.fds(tid).get(&fd)
    }

    /// The thread of the last processed event.
    pub fn event_thread(&self) -> Option<&ThreadInfo> {
        self.threads.get(&self.cur_tid)
    }

    /// The fd the last processed event is about (`fd.num`) and its info (`fd.*`), if any.
    ///
    /// For a failed open the fd is the (negative) result and the info describes the file
    /// that could not be opened, as Falco's `fd.name` does for failed opens.
    pub fn event_fd(&self) -> Option<(i64, Option<&FdInfo>)> {
        if let Some((fd, info)) = &self.failed_fd {
            return Some((*fd, Some(info)));
        }
        let fd = self.cur_fd?;
        // Like sysdig, an exit event on an fd the table does not hold (one inherited before the
        // capture began, e.g. a process's stdout, or none at all) still has fd fields: unknown
        // type, empty name.
        let info = self
            .fd(self.cur_tid, fd)
            .or(self.cur_exit.then_some(&self.unknown_fd));
        Some((fd, info))
    }

    /// The container `id` (short id).
    pub fn container(&self, id: &str) -> Option<&ContainerInfo> {
        self.containers.get(id)
    }

    /// All containers.
    pub fn containers(&self) -> impl Iterator<Item = &ContainerInfo> {
        self.containers.values()
    }

    /// The container of thread `tid`, if it runs in a known container.
    pub fn thread_container(&self, tid: i64) -> Option<&ContainerInfo> {
        let t = self.threads.get(&tid)?;
        if t.container_id.is_empty() {
            None
        } else {
            self.containers.get(&t.container_id)
        }
    }

    /// Every user known.
    pub fn users(&self) -> impl Iterator<Item = &UserInfo> {
        self.users.values()
    }

    /// Every group known.
    pub fn groups(&self) -> impl Iterator<Item = &GroupInfo> {
        self.groups.values()
    }

    /// The user `uid`.
    pub fn user(&self, uid: u32) -> Option<&UserInfo> {
        self.users.get(&uid)
    }

    /// The group `gid`.
    pub fn group(&self, gid: u32) -> Option<&GroupInfo> {
        self.groups.get(&gid)
    }

    /// The machine, when the source described it.
    pub fn machine(&self) -> Option<&MachineInfo> {
        self.machine.as_ref()
    }

    /// The network interfaces the source described.
    pub fn interfaces(&self) -> &[Interface] {
        &self.interfaces
    }

    // ---- updates -------------------------------------------------------------------------

    fn insert_thread(&mut self, t: ThreadInfo) {
        if self.threads.len() >= self.limits.max_threads && !self.threads.contains_key(&t.tid) {
            self.stats.dropped_by_limits += 1;
            return;
        }
        self.kept_enter_bytes += kept_bytes(&t);
        if let Some(old) = self.threads.insert(t.tid, t) {
            self.kept_enter_bytes -= kept_bytes(&old);
        }
    }

    /// Removes a thread, and its kept enter event from the count.
    fn remove_thread(&mut self, tid: i64) -> Option<ThreadInfo> {
        let old = self.threads.remove(&tid)?;
        self.kept_enter_bytes -= kept_bytes(&old);
        Some(old)
    }

    /// Adds or replaces a container.
    pub fn add_container(&mut self, c: ContainerInfo) {
        if self.containers.len() >= self.limits.max_containers
            && !self.containers.contains_key(&c.id)
        {
            self.stats.dropped_by_limits += 1;
            return;
        }
        self.containers.insert(c.id.clone(), c);
    }

    fn process_fds_mut(&mut self, tid: i64) -> Option<&mut IdMap<i64, FdInfo>> {
        let pid = self.threads.get(&tid).map_or(tid, |t| t.pid);
        let key = if self.threads.contains_key(&pid) {
            pid
        } else {
            tid
        };
        self.threads.get_mut(&key).map(|t| &mut t.fds)
    }

    fn add_fd(&mut self, tid: i64, fd: i64, info: FdInfo) {
        let max = self.limits.max_fds_per_process;
        let mut dropped = false;
        if let Some(fds) = self.process_fds_mut(tid) {
            if fds.len() < max || fds.contains_key(&fd) {
                fds.insert(fd, info);
            } else {
                dropped = true;
            }
        }
        if dropped {
            self.stats.dropped_by_limits += 1;
        }
        self.cur_fd = Some(fd);
    }

    /// Thread `tid`, added if unknown (within the limit).
    fn thread_entry(&mut self, tid: i64) -> Option<&mut ThreadInfo> {
        if tid == NO_THREAD {
            // Never added for an event, though a pseudo thread may hold the id.
            return self.threads.get_mut(&tid);
        }
        let full = self.threads.len() >= self.limits.max_threads;
        match self.threads.entry(tid) {
            Entry::Occupied(e) => Some(e.into_mut()),
            Entry::Vacant(e) if !full => Some(e.insert(ThreadInfo::new(tid))),
            Entry::Vacant(_) => {
                self.stats.dropped_by_limits += 1;
                None
            }
        }
    }

    fn flush_pending(&mut self) {
        if let Some((tid, fd)) = self.pending_close.take() {
            if let Some(fds) = self.process_fds_mut(tid) {
                fds.remove(&fd);
            }
        }
        if let Some(tid) = self.pending_exit.take() {
            self.remove_thread(tid);
        }
    }

    /// Updates the state with `evt`. Call it for every event, in order.
    pub fn process(&mut self, evt: &Event<'_>) {
        self.stats.events += 1;
        self.flush_pending();
        self.cur_tid = evt.tid;
        self.cur_fd = None;
        self.cur_exit = false;
        self.failed_fd = None;
        let info = evt.info();
        match evt.kind {
            k if STATELESS.contains(&k) => return,
            ids::CONTAINER_JSON_E | ids::CONTAINER_JSON_2_E => {
                self.on_container_json(evt);
                return;
            }
            ids::CONTAINER_E => {
                self.on_container_old(evt);
                return;
            }
            ids::USER_ADDED_E | ids::USER_DELETED_E | ids::GROUP_ADDED_E | ids::GROUP_DELETED_E => {
                self.on_user_event(evt);
                return;
            }
            _ => {}
        }
        // One lookup finds or adds the event's thread.
        let (kept_before, kept_max) = (self.kept_enter_bytes, self.limits.max_kept_enter_bytes);
        let thread = self.thread_entry(evt.tid);
        if evt.direction() == Direction::Enter {
            let fd = if info.flags & EF_USES_FD != 0 {
                evt.params
                    .get(0)
                    .and_then(|b| Value::decode(&info.params[0], b).as_i64())
            } else {
                None
            };
            let mut kept_after = kept_before;
            let mut over_budget = false;
            if let Some(t) = thread {
                let (lens, data, width) = evt.params.raw_parts();
                let before = kept_bytes(t);
                t.last.kind = evt.kind;
                t.last.fd = fd.unwrap_or(-1);
                t.last.wide = width == LenWidth::U32;
                t.last.lens.clear();
                t.last.data.clear();
                // Enter events are small; a huge one is not kept, bounding memory per thread,
                // and all threads together keep at most `max_kept_enter_bytes`.
                let size = lens.len() + data.len();
                let grows = size.saturating_sub(before);
                let room = kept_before + grows <= kept_max;
                t.last.valid = size <= MAX_KEPT_ENTER && room;
                if t.last.valid {
                    t.last.lens.extend_from_slice(lens);
                    t.last.data.extend_from_slice(data);
                } else {
                    t.last.lens = Vec::new();
                    t.last.data = Vec::new();
                    over_budget = !room;
                }
                kept_after = kept_before - before + kept_bytes(t);
            }
            self.kept_enter_bytes = kept_after;
            if over_budget {
                self.stats.dropped_by_limits += 1;
            }
            self.cur_fd = fd;
            self.on_enter(evt);
        } else {
            // The enter is used up by its exit (`with_enter` still reads it for `on_exit`).
            let (matched, last_fd) = match thread {
                Some(t) => {
                    let matched = t.last.valid && t.last.kind.wrapping_add(1) == evt.kind;
                    t.last.valid = false;
                    (matched, Some(t.last.fd))
                }
                None => (false, None),
            };
            self.cur_exit = true;
            // Like sysdig, an exit uses the fd of the thread's last fd-using enter even when
            // that enter was not recorded (0 for a thread never seen entering one).
            if info.flags & EF_USES_FD != 0 {
                self.cur_fd = last_fd;
            }
            self.on_exit(evt, matched);
        }
    }

    fn on_enter(&mut self, evt: &Event<'_>) {
        if evt.kind == ids::PROCEXIT_1_E || evt.kind == ids::PROCEXIT_E {
            self.pending_exit = Some(evt.tid);
        }
    }

    /// Runs `f` over the parameters of the thread's matching enter event.
    fn with_enter<R>(&self, tid: i64, f: impl FnOnce(&Event<'_>) -> R) -> Option<R> {
        let t = self.threads.get(&tid)?;
        let width = if t.last.wide {
            LenWidth::U32
        } else {
            LenWidth::U16
        };
        let params = Params::new(&t.last.lens, &t.last.data, width).ok()?;
        let e = Event {
            num: 0,
            ts: 0,
            tid,
            cpu: 0,
            kind: t.last.kind,
            flags: 0,
            params,
        };
        Some(f(&e))
    }

    fn on_exit(&mut self, evt: &Event<'_>, matched: bool) {
        let res = evt.res().unwrap_or(0);
        match evt.kind {
            ids::OPEN_X
            | ids::CREAT_X
            | ids::OPENAT_X
            | ids::OPENAT_2_X
            | ids::OPENAT2_X
            | ids::OPEN_BY_HANDLE_AT_X => {
                self.on_open_exit(evt, matched);
            }
            ids::SOCKET_X => {
                if res >= 0 && matched {
                    let (domain, ty) = self
                        .with_enter(evt.tid, |e| {
                            (
                                e.arg("domain").and_then(|v| v.as_u64()).unwrap_or(0),
                                e.arg("type").and_then(|v| v.as_u64()).unwrap_or(0),
                            )
                        })
                        .unwrap_or((0, 0));
                    let kind = match domain {
                        2 => FdKind::Ipv4Socket,
                        10 => FdKind::Ipv6Socket,
                        1 => FdKind::UnixSocket,
                        16 => FdKind::Netlink,
                        _ => FdKind::Unknown,
                    };
                    let l4 = match ty & 0xf {
                        1 => L4Proto::Tcp,
                        2 => L4Proto::Udp,
                        3 => L4Proto::Raw,
                        _ => L4Proto::Unknown,
                    };
                    let mut info = FdInfo {
                        kind,
                        ..FdInfo::default()
                    };
                    info.net.l4proto = l4;
                    self.add_fd(evt.tid, res, info);
                } else if res >= 0 {
                    self.add_fd(evt.tid, res, FdInfo::default());
                }
            }
            ids::SOCKETPAIR_X => {
                if res >= 0 {
                    for name in ["fd1", "fd2"] {
                        if let Some(fd) = evt.arg(name).and_then(|v| v.as_i64()) {
                            self.add_fd(
                                evt.tid,
                                fd,
                                FdInfo {
                                    kind: FdKind::UnixSocket,
                                    ..FdInfo::default()
                                },
                            );
                        }
                    }
                }
            }
            ids::PIPE_X | ids::PIPE2_X => {
                if res >= 0 {
                    let ino = evt.arg("ino").and_then(|v| v.as_u64()).unwrap_or(0);
                    for name in ["fd1", "fd2"] {
                        if let Some(fd) = evt.arg(name).and_then(|v| v.as_i64()) {
                            self.add_fd(
                                evt.tid,
                                fd,
                                FdInfo {
                                    kind: FdKind::Pipe,
                                    ino,
                                    ..FdInfo::default()
                                },
                            );
                        }
                    }
                }
            }
            ids::EVENTFD_X
            | ids::EVENTFD2_X
            | ids::SIGNALFD_X
            | ids::SIGNALFD4_X
            | ids::TIMERFD_CREATE_X
            | ids::INOTIFY_INIT_X
            | ids::INOTIFY_INIT1_X
            | ids::EPOLL_CREATE_X
            | ids::EPOLL_CREATE1_X
            | ids::USERFAULTFD_X
            | ids::IO_URING_SETUP_X => {
                if res >= 0 {
                    let kind = match evt.kind {
                        ids::EVENTFD_X | ids::EVENTFD2_X => FdKind::Event,
                        ids::SIGNALFD_X | ids::SIGNALFD4_X => FdKind::SignalFd,
                        ids::TIMERFD_CREATE_X => FdKind::TimerFd,
                        ids::INOTIFY_INIT_X | ids::INOTIFY_INIT1_X => FdKind::Inotify,
                        ids::EPOLL_CREATE_X | ids::EPOLL_CREATE1_X => FdKind::EventPoll,
                        ids::USERFAULTFD_X => FdKind::UserFaultFd,
                        _ => FdKind::IoUring,
                    };
                    self.add_fd(
                        evt.tid,
                        res,
                        FdInfo {
                            kind,
                            ..FdInfo::default()
                        },
                    );
                }
            }
            ids::ACCEPT_X
            | ids::ACCEPT4_X
            | ids::ACCEPT_5_X
            | ids::ACCEPT4_5_X
            | ids::ACCEPT4_6_X => {
                if res >= 0 {
                    let mut info = FdInfo::default();
                    if let Some(Value::SockTuple(t)) = evt.arg("tuple") {
                        apply_tuple(&mut info, &t);
                    }
                    self.add_fd(evt.tid, res, info);
                }
            }
            ids::CONNECT_X => {
                // IP sockets take their peer from a successful (or in-progress) connect;
                // unix sockets name their path even when the connect failed.
                if let (Some(fd), Some(Value::SockTuple(t))) = (self.cur_fd, evt.arg("tuple")) {
                    let ok = res == 0 || res == -115;
                    if let Some(info) = self.process_fds_mut(evt.tid).and_then(|f| f.get_mut(&fd)) {
                        let unix = matches!(t, SockTuple::Unix { .. });
                        if ok && !info.connected {
                            apply_tuple(info, &t);
                            info.connected = true;
                        } else if unix && !ok {
                            // The event still names the path it tried.
                            let mut tmp = info.clone();
                            apply_tuple(&mut tmp, &t);
                            self.failed_fd = Some((fd, tmp));
                        }
                    }
                }
            }
            ids::BIND_X => {
                if res == 0 {
                    if let (Some(fd), Some(Value::SockAddr(a))) = (self.cur_fd, evt.arg("addr")) {
                        if let Some(info) =
                            self.process_fds_mut(evt.tid).and_then(|f| f.get_mut(&fd))
                        {
                            apply_bind(info, &a);
                        }
                    }
                }
            }
            ids::CLOSE_X => {
                if res >= 0 {
                    if let Some(fd) = self.cur_fd {
                        self.pending_close = Some((evt.tid, fd));
                    }
                }
            }
            ids::DUP2_X | ids::DUP3_X | ids::DUP_1_X => {
                let old = evt.arg("oldfd").and_then(|v| v.as_i64()).or(self.cur_fd);
                if res >= 0 {
                    if let Some(info) = old.and_then(|fd| self.fd(evt.tid, fd)).cloned() {
                        let mut info = info;
                        if evt.kind == ids::DUP3_X {
                            let f = evt.arg("flags").and_then(|v| v.as_u64()).unwrap_or(0);
                            info.open_flags = (info.open_flags & !o::CLOEXEC)
                                | (u32::try_from(f).unwrap_or(0) & o::CLOEXEC);
                        } else {
                            info.open_flags &= !o::CLOEXEC;
                        }
                        self.add_fd(evt.tid, res, info);
                    }
                }
            }
            ids::DUP_X | ids::FCNTL_X => {
                let is_dup = evt.kind == ids::DUP_X
                    || self
                        .with_enter(evt.tid, |e| {
                            matches!(e.arg("cmd").and_then(|v| v.as_u64()), Some(1 | 26))
                        })
                        .unwrap_or(false);
                if is_dup && res >= 0 && matched {
                    if let Some(old) = self.cur_fd.and_then(|fd| self.fd(evt.tid, fd)).cloned() {
                        self.add_fd(evt.tid, res, old);
                    }
                }
            }
            ids::CHDIR_X => {
                if res == 0 {
                    if let Some(Value::Str(p)) = evt.arg("path") {
                        let p = lossy(p);
                        if let Some(t) = self.main_thread_mut(evt.tid) {
                            t.cwd = with_slash(resolve_path(&t.cwd, &p)).into();
                        }
                    }
                }
            }
            ids::FCHDIR_X => {
                if res == 0 {
                    if let Some(name) = self.event_fd().and_then(|(_, i)| i).map(|i| i.name.clone())
                    {
                        if let Some(t) = self.main_thread_mut(evt.tid) {
                            t.cwd = with_slash(name).into();
                        }
                    }
                }
            }
            ids::CHROOT_X => {
                if res == 0 {
                    if let Some(Value::Str(p)) = evt.arg("path") {
                        let p = lossy(p);
                        if let Some(t) = self.threads.get_mut(&evt.tid) {
                            t.root = p;
                        }
                    }
                }
            }
            ids::SETUID_X | ids::SETGID_X | ids::SETRESUID_X | ids::SETRESGID_X => {
                if res == 0 && matched {
                    let (field, value) = match evt.kind {
                        ids::SETUID_X => (
                            "uid",
                            self.with_enter(evt.tid, |e| e.arg("uid").and_then(|v| v.as_u64())),
                        ),
                        ids::SETGID_X => (
                            "gid",
                            self.with_enter(evt.tid, |e| e.arg("gid").and_then(|v| v.as_u64())),
                        ),
                        ids::SETRESUID_X => (
                            "uid",
                            self.with_enter(evt.tid, |e| e.arg("euid").and_then(|v| v.as_u64())),
                        ),
                        _ => (
                            "gid",
                            self.with_enter(evt.tid, |e| e.arg("egid").and_then(|v| v.as_u64())),
                        ),
                    };
                    if let Some(v) = value
                        .flatten()
                        .and_then(|v| u32::try_from(v).ok())
                        .filter(|&v| v != u32::MAX)
                    {
                        if let Some(t) = self.threads.get_mut(&evt.tid) {
                            if field == "uid" { t.uid = v } else { t.gid = v }
                        }
                    }
                }
            }
            ids::SETSID_X => {
                if res >= 0 {
                    if let Some(t) = self.threads.get_mut(&evt.tid) {
                        t.sid = res;
                    }
                }
            }
            ids::SETPGID_X => {}
            k if is_execve_exit(k) => self.on_execve_exit(evt, res, matched),
            k if is_clone_exit(k) => self.on_clone_exit(evt, res),
            _ => {
                if evt.info().flags & EF_CREATES_FD != 0
                    && res >= 0
                    && !matches!(evt.kind, ids::BPF_X)
                {
                    // fd-creating call without a dedicated parser: keep the fd known.
                    self.add_fd(evt.tid, res, FdInfo::default());
                }
                self.on_io_tuple(evt, matched);
            }
        }
    }

    /// sendto/sendmsg/recvfrom/recvmsg carry the peer of unconnected sockets.
    fn on_io_tuple(&mut self, evt: &Event<'_>, matched: bool) {
        let tuple = match evt.kind {
            k if k == ids::SENDTO_E + 1 || k == ids::SENDMSG_E + 1 => {
                if !matched {
                    return;
                }
                self.with_enter(evt.tid, |e| match e.arg("tuple") {
                    Some(Value::SockTuple(t)) => Some(OwnedTuple::from(&t)),
                    _ => None,
                })
                .flatten()
            }
            ids::RECVFROM_X | ids::RECVMSG_X => match evt.arg("tuple") {
                Some(Value::SockTuple(t)) => Some(OwnedTuple::from(&t)),
                _ => None,
            },
            _ => None,
        };
        let (Some(tuple), Some(fd)) = (tuple, self.cur_fd) else {
            return;
        };
        if let Some(info) = self.process_fds_mut(evt.tid).and_then(|f| f.get_mut(&fd)) {
            if info.name.is_empty() && (info.kind == tuple.kind || info.kind == FdKind::Unknown) {
                tuple.apply(info);
            }
        }
    }

    fn main_thread_mut(&mut self, tid: i64) -> Option<&mut ThreadInfo> {
        let pid = self.threads.get(&tid)?.pid;
        let key = if self.threads.contains_key(&pid) {
            pid
        } else {
            tid
        };
        self.threads.get_mut(&key)
    }

    fn on_open_exit(&mut self, evt: &Event<'_>, matched: bool) {
        let fd = match evt.arg("fd") {
            Some(v) => v.as_i64().unwrap_or(-1),
            None => -1,
        };
        let name_key = if evt.kind == ids::OPEN_BY_HANDLE_AT_X {
            "path"
        } else {
            "name"
        };
        let mut name = evt.arg(name_key).and_then(|v| v.as_bytes()).map(lossy);
        let mut flags = evt.arg("flags").and_then(|v| v.as_u64());
        let mut dirfd = evt.arg("dirfd").and_then(|v| v.as_i64());
        if matched && (name.is_none() || flags.is_none()) {
            if let Some((n, f, d)) = self.with_enter(evt.tid, |e| {
                (
                    e.arg("name").and_then(|v| v.as_bytes()).map(lossy),
                    e.arg("flags").and_then(|v| v.as_u64()),
                    e.arg("dirfd").and_then(|v| v.as_i64()),
                )
            }) {
                name = name.or(n);
                flags = flags.or(f);
                dirfd = dirfd.or(d);
            }
        }
        let flags = u32::try_from(flags.unwrap_or(0)).unwrap_or(0);
        let raw = name.unwrap_or_default();
        let path = if raw.starts_with('/') || evt.kind == ids::OPEN_BY_HANDLE_AT_X {
            resolve_path("/", &raw)
        } else {
            let base = match dirfd {
                Some(d) if d != AT_FDCWD => self
                    .fd(evt.tid, d)
                    .map(|i| i.name.clone())
                    .unwrap_or_default(),
                _ => self
                    .main_thread(evt.tid)
                    .map(|t| t.cwd.to_string())
                    .unwrap_or_default(),
            };
            if base.is_empty() {
                raw
            } else {
                resolve_path(&base, &raw)
            }
        };
        let kind = if flags & o::DIRECTORY != 0 {
            FdKind::Directory
        } else {
            FdKind::File
        };
        let mut info = FdInfo::file(kind, path, flags);
        info.dev = u32_arg(evt, "dev").unwrap_or(0);
        info.ino = evt.arg("ino").and_then(|v| v.as_u64()).unwrap_or(0);
        if fd < 0 {
            self.failed_fd = Some((fd, info));
        } else {
            self.add_fd(evt.tid, fd, info);
        }
    }

    fn on_execve_exit(&mut self, evt: &Event<'_>, res: i64, matched: bool) {
        if res < 0 {
            return;
        }
        let filename = if matched {
            self.with_enter(evt.tid, |e| {
                e.arg("filename").and_then(|v| v.as_bytes()).map(lossy)
            })
            .flatten()
        } else {
            None
        };
        let str_arg = |n: &str| evt.arg(n).and_then(|v| v.as_bytes()).map(lossy);
        let int_arg = |n: &str| evt.arg(n).and_then(|v| v.as_i64());
        let exe = str_arg("exe");
        let args = evt.arg("args").and_then(|v| v.as_bytes()).map(split_nul);
        let env = evt.arg("env").and_then(|v| v.as_bytes()).map(split_nul);
        let cgroups = evt
            .arg("cgroups")
            .and_then(|v| v.as_bytes())
            .map(cgroups_of);
        let comm = str_arg("comm");
        let cwd = str_arg("cwd");
        let trusted = str_arg("trusted_exepath").filter(|s| !s.is_empty());
        let execve_flags = int_arg("flags").unwrap_or(0);
        let Some(t) = self.threads.get_mut(&evt.tid) else {
            return;
        };
        if let Some(pid) = int_arg("pid") {
            t.pid = pid;
        }
        if let Some(ptid) = int_arg("ptid") {
            if ptid > 0 {
                t.ptid = ptid;
            }
        }
        if let Some(exe) = exe {
            t.exe = exe.into();
        }
        if let Some(args) = args {
            t.args = args.into();
        }
        if let Some(env) = env {
            t.env = env.into();
        }
        if let Some(comm) = comm {
            t.comm = comm.into();
        } else if let Some(base) = t.exe.rsplit('/').next() {
            t.comm = base.chars().take(15).collect::<String>().into();
        }
        if let Some(cwd) = cwd.filter(|c| !c.is_empty()) {
            t.cwd = with_slash(cwd).into();
        }
        t.exepath = match (trusted, filename) {
            (Some(p), _) => p.into(),
            (None, Some(f)) if f.starts_with('/') => resolve_path("/", &f).into(),
            (None, Some(f)) => resolve_path(&t.cwd, &f).into(),
            (None, None) => Arc::clone(&t.exe),
        };
        if let Some(tty) = int_arg("tty") {
            t.tty = u32::try_from(tty).unwrap_or(0);
        }
        if let Some(l) = int_arg("loginuid") {
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "loginuid is a 32-bit id"
            )]
            {
                t.loginuid = l as u32;
            }
        }
        if let Some(v) = u32_arg(evt, "uid") {
            t.uid = v;
        }
        if let Some(v) = u32_arg(evt, "gid") {
            t.gid = v;
        }
        if let Some(v) = evt.arg("cap_effective").and_then(|v| v.as_u64()) {
            t.cap_effective = v;
        }
        if let Some(v) = evt.arg("cap_permitted").and_then(|v| v.as_u64()) {
            t.cap_permitted = v;
        }
        if let Some(v) = evt.arg("cap_inheritable").and_then(|v| v.as_u64()) {
            t.cap_inheritable = v;
        }
        // The executable's inode (newer drivers): a new program, so unknown unless told.
        t.exe_ino = evt.arg("exe_ino").and_then(|v| v.as_u64()).unwrap_or(0);
        t.exe_ino_ctime = evt
            .arg("exe_ino_ctime")
            .and_then(|v| v.as_u64())
            .unwrap_or(0);
        t.exe_ino_mtime = evt
            .arg("exe_ino_mtime")
            .and_then(|v| v.as_u64())
            .unwrap_or(0);
        t.exe_writable = execve_flags & 1 != 0;
        t.exe_upper_layer = execve_flags & 2 != 0;
        t.exe_from_memfd = execve_flags & 4 != 0;
        if let Some(cg) = cgroups {
            if let Some(id) = container_id_from_cgroups(&cg) {
                t.container_id = id.to_owned();
            }
            t.cgroups = cg.into();
        }
        // Close-on-exec fds disappear.
        let pid = t.pid;
        if let Some(fds) = self.process_fds_mut(pid) {
            fds.retain(|_, f| {
                f.open_flags & o::CLOEXEC == 0
                    || !matches!(f.kind, FdKind::File | FdKind::Directory)
            });
        }
    }

    fn on_clone_exit(&mut self, evt: &Event<'_>, res: i64) {
        if res < 0 {
            return;
        }
        let a = CloneArgs::of(evt);
        let flags = u32::try_from(a.flags.unwrap_or(0)).unwrap_or(0);
        // In the parent the event describes the parent: the child is `res`. In the child
        // (res == 0) it describes the child itself.
        let (child_tid, parent_tid) = if res == 0 {
            (evt.tid, a.ptid.unwrap_or(0))
        } else {
            (res, evt.tid)
        };
        if res == 0
            && self
                .threads
                .get(&child_tid)
                .is_some_and(|t| !t.comm.is_empty() && t.clone_ts != 0)
        {
            return;
        }
        if res > 0
            && self
                .threads
                .get(&child_tid)
                .is_some_and(|t| !t.comm.is_empty())
        {
            return;
        }
        let mut child = ThreadInfo::new(child_tid);
        // Copy only what the child inherits: no clone of the parent's whole record (fd table
        // and all) per clone event.
        let parent_pid = self.threads.get(&parent_tid).map(|p| p.pid);
        if let Some(p) = self.threads.get(&parent_tid) {
            child.uid = p.uid;
            child.gid = p.gid;
            child.loginuid = p.loginuid;
            child.sid = p.sid;
            child.pgid = p.pgid;
            child.tty = p.tty;
            child.env = Arc::clone(&p.env);
            child.exepath = Arc::clone(&p.exepath);
            child.exe = Arc::clone(&p.exe);
            child.args = Arc::clone(&p.args);
            child.comm = Arc::clone(&p.comm);
            child.cwd = Arc::clone(&p.cwd);
            child.root.clone_from(&p.root);
            child.container_id.clone_from(&p.container_id);
            child.cgroups = Arc::clone(&p.cgroups);
        }
        // What the event says, sharing the parent's strings where they are the same (the rule
        // for threads and for most forks).
        child.exe = shared_str(a.exe.unwrap_or_default(), &child.exe);
        child.args = shared_args(a.args.unwrap_or_default(), &child.args);
        child.comm = match a.comm {
            Some(c) => shared_str(c, &child.comm),
            None => child.exe.rsplit('/').next().unwrap_or_default().into(),
        };
        child.cwd = shared_dir(a.cwd.unwrap_or_default(), &child.cwd);
        child.fdlimit = a.fdlimit.unwrap_or(0);
        child.flags = flags;
        child.clone_ts = evt.ts;
        if let Some(v) = a.uid {
            child.uid = v;
        }
        if let Some(v) = a.gid {
            child.gid = v;
        }
        if let Some(raw) = a.cgroups {
            // Usually the parent's, and so is the container: then nothing to parse or allocate.
            let inherited = parent_pid.is_some() && same_cgroups(raw, &child.cgroups);
            if !inherited {
                // Else often those of the previous clone (a parent the capture's tables gave no
                // cgroups): parsed once, shared.
                if !same_cgroups(raw, &self.recent_cgroups.0) {
                    let cg: Arc<[(String, String)]> = cgroups_of(raw).into();
                    let id = container_id_from_cgroups(&cg).map(str::to_owned);
                    self.recent_cgroups = (cg, id);
                }
                child.cgroups = Arc::clone(&self.recent_cgroups.0);
                if let Some(id) = &self.recent_cgroups.1 {
                    if child.container_id != *id {
                        child.container_id.clone_from(id);
                    }
                }
            }
        }
        let is_thread = flags & cl::CLONE_THREAD != 0;
        if res == 0 {
            child.pid = a.pid.unwrap_or(child_tid);
            child.ptid = a.ptid.unwrap_or(0);
        } else if is_thread {
            child.pid = a.pid.unwrap_or(parent_tid);
            child.ptid = a.ptid.unwrap_or(0);
        } else {
            child.pid = child_tid;
            child.ptid = a.pid.unwrap_or(parent_tid);
        }
        child.vtid = a.vtid.unwrap_or(child.tid);
        child.vpid = a.vpid.unwrap_or(child.pid);
        if !is_thread {
            // A new process gets a copy of its parent's fd table.
            let fds = self
                .threads
                .get(&parent_pid.unwrap_or(parent_tid))
                .or_else(|| self.threads.get(&parent_tid))
                .map(|p| p.fds.clone());
            if let Some(fds) = fds {
                child.fds = fds;
            }
        }
        self.insert_thread(child);
    }

    fn on_user_event(&mut self, evt: &Event<'_>) {
        let s = |n: &str| {
            evt.arg(n)
                .and_then(|v| v.as_bytes())
                .map(lossy)
                .unwrap_or_default()
        };
        let n = |name: &str| u32_arg(evt, name);
        match evt.kind {
            ids::USER_ADDED_E => {
                if let (Some(uid), Some(gid)) = (n("uid"), n("gid")) {
                    let u = UserInfo {
                        uid,
                        gid,
                        name: s("name"),
                        home: s("home"),
                        shell: s("shell"),
                        container_id: s("container_id"),
                    };
                    self.users.insert(uid, u);
                }
            }
            ids::USER_DELETED_E => {
                if let Some(uid) = n("uid") {
                    self.users.remove(&uid);
                }
            }
            ids::GROUP_ADDED_E => {
                if let Some(gid) = n("gid") {
                    self.groups.insert(
                        gid,
                        GroupInfo {
                            gid,
                            name: s("name"),
                            container_id: s("container_id"),
                        },
                    );
                }
            }
            _ => {
                if let Some(gid) = n("gid") {
                    self.groups.remove(&gid);
                }
            }
        }
    }

    fn on_container_json(&mut self, evt: &Event<'_>) {
        let Some(json) = evt.params.get(0) else {
            return;
        };
        let Some(c) = parse_container_json(trim_nul(json)) else {
            return;
        };
        self.add_pseudo_thread(evt.tid, &c.id);
        self.add_container(c);
    }

    fn on_container_old(&mut self, evt: &Event<'_>) {
        let s = |n: &str| {
            evt.arg(n)
                .and_then(|v| v.as_bytes())
                .map(lossy)
                .unwrap_or_default()
        };
        let image = s("image");
        let (image_repository, image_tag) = split_image(&image);
        let full_id = s("id");
        let c = ContainerInfo {
            id: full_id.get(..12).unwrap_or(&full_id).to_owned(),
            full_id,
            name: s("name"),
            image,
            image_repository,
            image_tag,
            ..ContainerInfo::default()
        };
        self.add_pseudo_thread(evt.tid, &c.id);
        self.add_container(c);
    }

    /// Container events concern no thread: like sysdig, they are attributed to a pseudo
    /// thread named after the container.
    fn add_pseudo_thread(&mut self, tid: i64, id: &str) {
        if tid != NO_THREAD {
            return;
        }
        let mut t = ThreadInfo::new(NO_THREAD);
        t.comm = format!("container:{id}").into();
        t.uid = 0;
        t.gid = 0;
        t.exe = Arc::clone(&t.comm);
        t.container_id = id.to_owned();
        self.threads.insert(NO_THREAD, t);
    }
}

/// The parameters of a clone-family exit that the state uses, found in one pass over the
/// event rather than one search by name each.
#[derive(Default)]
struct CloneArgs<'a> {
    exe: Option<&'a [u8]>,
    args: Option<&'a [u8]>,
    comm: Option<&'a [u8]>,
    cwd: Option<&'a [u8]>,
    cgroups: Option<&'a [u8]>,
    fdlimit: Option<i64>,
    pid: Option<i64>,
    ptid: Option<i64>,
    vtid: Option<i64>,
    vpid: Option<i64>,
    flags: Option<u64>,
    uid: Option<u32>,
    gid: Option<u32>,
}

impl<'a> CloneArgs<'a> {
    fn of(evt: &Event<'a>) -> Self {
        let mut a = CloneArgs::default();
        let id = |v: Value<'_>| v.as_u64().and_then(|v| u32::try_from(v).ok());
        for i in 0..evt.params.len() {
            let Some((p, v)) = evt.param(i) else { continue };
            match p.name {
                "exe" => a.exe = v.as_bytes(),
                "args" => a.args = v.as_bytes(),
                "comm" => a.comm = v.as_bytes(),
                "cwd" => a.cwd = v.as_bytes(),
                "cgroups" => a.cgroups = v.as_bytes(),
                "fdlimit" => a.fdlimit = v.as_i64(),
                "pid" => a.pid = v.as_i64(),
                "ptid" => a.ptid = v.as_i64(),
                "vtid" => a.vtid = v.as_i64(),
                "vpid" => a.vpid = v.as_i64(),
                "flags" => a.flags = v.as_u64(),
                "uid" => a.uid = id(v),
                "gid" => a.gid = id(v),
                _ => {}
            }
        }
        a
    }
}

fn with_slash(mut s: String) -> String {
    if !s.ends_with('/') {
        s.push('/');
    }
    s
}

fn is_execve_exit(k: u16) -> bool {
    matches!(
        k,
        ids::EXECVE_8_X
            | ids::EXECVE_13_X
            | ids::EXECVE_14_X
            | ids::EXECVE_15_X
            | ids::EXECVE_16_X
            | ids::EXECVE_17_X
            | ids::EXECVE_18_X
            | ids::EXECVE_19_X
            | ids::EXECVEAT_X
    )
}

fn is_clone_exit(k: u16) -> bool {
    matches!(
        k,
        ids::CLONE_11_X
            | ids::CLONE_16_X
            | ids::FORK_X
            | ids::VFORK_X
            | ids::CLONE_17_X
            | ids::FORK_17_X
            | ids::VFORK_17_X
            | ids::CLONE_20_X
            | ids::FORK_20_X
            | ids::VFORK_20_X
            | ids::CLONE3_X
    )
}

/// A socket tuple detached from the event buffer.
#[derive(Debug, Clone, Copy)]
struct OwnedTuple {
    ends: Option<SocketEnds>,
    kind: FdKind,
    unix: (u64, u64),
}

/// The client address of a tuple: an unbound (unspecified) source talking to the loopback
/// is the loopback, as sysdig reports it.
fn client_ip(cip: IpAddr, sip: IpAddr) -> IpAddr {
    if cip.is_unspecified() && sip.is_loopback() {
        sip
    } else {
        cip
    }
}

impl From<&SockTuple<'_>> for OwnedTuple {
    fn from(t: &SockTuple<'_>) -> Self {
        let (sip, sport, dip, dport, kind): (IpAddr, _, IpAddr, _, _) = match *t {
            SockTuple::V4 {
                sip,
                sport,
                dip,
                dport,
            } => (sip.into(), sport, dip.into(), dport, FdKind::Ipv4Socket),
            SockTuple::V6 {
                sip,
                sport,
                dip,
                dport,
            } => (sip.into(), sport, dip.into(), dport, FdKind::Ipv6Socket),
            SockTuple::Unix { source, dest, .. } => {
                return OwnedTuple {
                    ends: None,
                    kind: FdKind::UnixSocket,
                    unix: (source, dest),
                };
            }
            SockTuple::Other(_) => {
                return OwnedTuple {
                    ends: None,
                    kind: FdKind::Unknown,
                    unix: (0, 0),
                };
            }
        };
        OwnedTuple {
            ends: Some(SocketEnds {
                cip: Some(client_ip(sip, dip)),
                cport: sport,
                sip: Some(dip),
                sport: dport,
                ..SocketEnds::default()
            }),
            kind,
            unix: (0, 0),
        }
    }
}

impl OwnedTuple {
    fn apply(&self, info: &mut FdInfo) {
        if let Some(mut ends) = self.ends {
            ends.l4proto = if info.net.l4proto == L4Proto::Unknown {
                L4Proto::Tcp
            } else {
                info.net.l4proto
            };
            info.net = ends;
            info.kind = self.kind;
            info.name = info.net.name();
        } else if self.kind == FdKind::UnixSocket {
            info.kind = FdKind::UnixSocket;
            info.unix_ends = self.unix;
        }
    }
}

fn apply_tuple(info: &mut FdInfo, t: &SockTuple<'_>) {
    match *t {
        SockTuple::Unix { source, dest, path } => {
            info.kind = FdKind::UnixSocket;
            info.unix_ends = (source, dest);
            info.name = format!("{source:x}->{dest:x} {}", String::from_utf8_lossy(path));
        }
        _ => OwnedTuple::from(t).apply(info),
    }
}

fn apply_bind(info: &mut FdInfo, a: &SockAddr<'_>) {
    match *a {
        SockAddr::V4(ip, port) => {
            info.kind = FdKind::Ipv4Socket;
            info.net.sip = Some(ip.into());
            info.net.sport = port;
            info.net.listening = true;
            info.name = info.net.name();
        }
        SockAddr::V6(ip, port) => {
            info.kind = FdKind::Ipv6Socket;
            info.net.sip = Some(ip.into());
            info.net.sport = port;
            info.net.listening = true;
            info.name = info.net.name();
        }
        SockAddr::Unix(path) => {
            info.kind = FdKind::UnixSocket;
            info.name = lossy(path);
        }
        SockAddr::Other(_) => {}
    }
}

/// Iterator over a thread's ancestors; see [`Inspector::ancestors`].
#[derive(Debug)]
pub struct Ancestors<'a> {
    insp: &'a Inspector,
    cur: Option<&'a ThreadInfo>,
    steps: usize,
}

impl<'a> Iterator for Ancestors<'a> {
    type Item = &'a ThreadInfo;

    fn next(&mut self) -> Option<&'a ThreadInfo> {
        // A process tree deeper than this is a loop in hostile data.
        if self.steps >= 256 {
            return None;
        }
        self.steps += 1;
        let cur = self.cur?;
        // Threads hang off their process's leader.
        let leader = self.insp.main_thread(cur.tid).unwrap_or(cur);
        let parent = self.insp.parent(leader);
        self.cur = parent;
        parent
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::{
        cgroups_of, lossy, same_cgroups, shared_args, shared_dir, shared_str, split_nul, with_slash,
    };

    #[test]
    fn shared_strings_equal_fresh_ones() {
        let cases: &[&[u8]] = &[
            b"", b"\0", b"/", b"/tmp", b"/tmp/", b"a\0b\0", b"a\0b", b"\xff\0x",
        ];
        for a in cases {
            for b in cases {
                let args: Arc<[String]> = split_nul(b).into();
                assert_eq!(*shared_args(a, &args), *split_nul(a), "{a:?} against {b:?}");
                let dir: Arc<str> = with_slash(lossy(b)).into();
                assert_eq!(
                    *shared_dir(a, &dir),
                    *with_slash(lossy(a)),
                    "{a:?} against {b:?}"
                );
                let s: Arc<str> = lossy(b).into();
                assert_eq!(*shared_str(a, &s), *lossy(a), "{a:?} against {b:?}");
            }
        }
    }

    #[test]
    fn same_cgroups_agrees_with_parsing() {
        let cases: &[&[u8]] = &[
            b"",
            b"\0",
            b"cpuset=/\0cpu=/user.slice\0",
            b"cpuset=/\0cpu=/user.slice",
            b"cpuset=/\0noequals\0memory=/a=b\0",
            b"cpu=/\xff\xfe\0",
        ];
        for a in cases {
            for b in cases {
                let parsed = cgroups_of(b);
                let same = same_cgroups(a, &parsed);
                let equal = cgroups_of(a) == parsed;
                // Never a false "same"; invalid UTF-8 is conservatively "different".
                assert!(!same || equal, "{a:?} against {b:?}");
                if std::str::from_utf8(a).is_ok() {
                    assert_eq!(same, equal, "{a:?} against {b:?}");
                }
            }
        }
    }
}
