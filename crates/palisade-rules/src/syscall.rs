//! Field values of system-call events: the event itself plus the process, fd, user and
//! container tables an [`Inspector`] rebuilt up to it.

use std::cell::OnceCell;
use std::io::Write as _;
use std::net::IpAddr;
use std::sync::LazyLock;

use palisade_event::event::Value;
use palisade_event::state::{FdInfo, ThreadInfo};
use palisade_event::table::Format;
use palisade_event::{Event, EventMask, Inspector, flags};

use crate::fields::{FieldArg, FieldId};
use crate::program::{Field, FieldSource, Glob, Val};

/// One system-call event with the state as of that event (call [`Inspector::process`] first).
///
/// The event's thread and fd are looked up once, on first use, however many fields ask.
#[derive(Debug, Clone)]
pub struct SyscallEvent<'a> {
    pub evt: &'a Event<'a>,
    pub insp: &'a Inspector,
    /// `evt.hostname`, when the capture does not say.
    pub hostname: &'a str,
    thread: OnceCell<Option<&'a ThreadInfo>>,
    fd: OnceCell<Option<(i64, Option<&'a FdInfo>)>>,
}

const CAPS: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

fn write_caps(mask: u64, buf: &mut Vec<u8>) {
    buf.clear();
    for (i, name) in CAPS.iter().enumerate() {
        if mask & (1u64 << i) != 0 {
            if !buf.is_empty() {
                buf.push(b' ');
            }
            buf.extend_from_slice(name.as_bytes());
        }
    }
}

fn join<'s>(items: impl Iterator<Item = &'s str>, buf: &mut Vec<u8>) {
    buf.clear();
    for (i, s) in items.enumerate() {
        if i > 0 {
            buf.push(b' ');
        }
        buf.extend_from_slice(s.as_bytes());
    }
}

/// The event types of the open family.
static OPEN_KINDS: LazyLock<EventMask> = LazyLock::new(|| {
    let mut m = EventMask::empty();
    for name in ["open", "openat", "openat2", "open_by_handle_at", "creat"] {
        for k in palisade_event::table::event_ids(name) {
            m.insert(k);
        }
    }
    m
});

impl<'a> SyscallEvent<'a> {
    /// The event `evt`, with `insp` holding the state as of it.
    pub fn new(evt: &'a Event<'a>, insp: &'a Inspector, hostname: &'a str) -> Self {
        SyscallEvent {
            evt,
            insp,
            hostname,
            thread: OnceCell::new(),
            fd: OnceCell::new(),
        }
    }

    fn thread(&self) -> Option<&'a ThreadInfo> {
        *self.thread.get_or_init(|| self.insp.event_thread())
    }

    fn parent(&self) -> Option<&'a ThreadInfo> {
        let t = self.thread()?;
        self.insp.ancestors(t.tid).next()
    }

    fn fd(&self) -> Option<(i64, Option<&'a FdInfo>)> {
        *self.fd.get_or_init(|| self.insp.event_fd())
    }

    fn fdinfo(&self) -> Option<&'a FdInfo> {
        self.fd().and_then(|(_, i)| i)
    }

    fn container(&self) -> Option<&'a palisade_event::state::ContainerInfo> {
        self.insp.thread_container(self.evt.tid)
    }

    /// The open flags of an open-family exit event.
    fn open_flags(&self) -> Option<u32> {
        if !OPEN_KINDS.contains(self.evt.kind)
            || self.evt.direction() != palisade_event::event::Direction::Exit
        {
            return None;
        }
        self.evt
            .arg("flags")
            .and_then(|v| v.as_u64())
            .map(|f| f as u32)
    }

    fn arg_value(&self, key: &str) -> Option<(Value<'a>, Format)> {
        let idx = match key.parse::<usize>() {
            Ok(i) => i,
            Err(_) => self.evt.param_index(key)?,
        };
        let (info, v) = self.evt.param(idx)?;
        Some((v, info.format))
    }

    fn is_socket_enter(&self) -> bool {
        matches!(self.evt.name(), "socket" | "accept" | "accept4")
    }

    /// The local end is the server's for server-side sockets.
    fn is_server(&self, fi: &FdInfo) -> bool {
        if fi.net.listening {
            return true;
        }
        let Some(t) = self.thread() else { return false };
        // Accepted connections: the process owns the server port.
        let _ = t;
        matches!(self.evt.name(), "accept" | "accept4")
    }
}

fn ip_val(ip: Option<IpAddr>) -> Option<Val<'static>> {
    ip.map(|ip| match ip {
        IpAddr::V6(v6) => Val::Ip(v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4)),
        v4 => Val::Ip(v4),
    })
}

fn tstr(
    t: Option<&ThreadInfo>,
    get: fn(&ThreadInfo) -> &str,
    f: &mut dyn FnMut(Val<'_>) -> bool,
) -> bool {
    t.is_some_and(|t| f(Val::Str(get(t).as_bytes())))
}

impl<'a> FieldSource for SyscallEvent<'a> {
    fn event_kind(&self) -> Option<u16> {
        Some(self.evt.kind)
    }

    #[allow(clippy::too_many_lines, reason = "one arm per field")]
    fn visit(&self, field: &Field, buf: &mut Vec<u8>, f: &mut dyn FnMut(Val<'_>) -> bool) -> bool {
        use FieldId::*;
        let e = self.evt;
        let one = |v: Option<Val<'_>>, f: &mut dyn FnMut(Val<'_>) -> bool| v.is_some_and(f);
        match field.id {
            EvtNum => one(Some(Val::Num(e.num as i64)), f),
            EvtTime => {
                buf.clear();
                crate::time::write_time(e.ts, buf);
                f(Val::Str(buf))
            }
            EvtDatetime => {
                buf.clear();
                crate::time::write_datetime(e.ts, false, buf);
                f(Val::Str(buf))
            }
            EvtRawTime => f(Val::Num(e.ts as i64)),
            EvtType => f(Val::Str(e.name().as_bytes())),
            EvtDir => f(Val::Str(e.direction().as_str().as_bytes())),
            EvtCpu => f(Val::Num(i64::from(e.cpu))),
            EvtRes => match e.res() {
                Some(r) if r < 0 => match flags::errno_name(r.unsigned_abs()) {
                    Some(n) => f(Val::Str(n.as_bytes())),
                    None => f(Val::Num(r)),
                },
                Some(_) => f(Val::Str(b"SUCCESS")),
                None => false,
            },
            EvtRawRes => one(e.res().map(Val::Num), f),
            EvtFailed => f(Val::Bool(e.failed())),
            EvtArg => {
                let Some((v, fmt)) = field.key().and_then(|k| self.arg_value(k)) else {
                    return false;
                };
                match v {
                    Value::Str(s) | Value::Bytes(s) => f(Val::Str(s)),
                    Value::Int(n) | Value::Pid(n) | Value::Fd(n) => f(Val::Num(n)),
                    Value::Uint(n) if fmt == Format::Dec => f(Val::Num(n as i64)),
                    other => {
                        buf.clear();
                        let _ = write!(buf, "{}", other.display(fmt));
                        f(Val::Str(buf))
                    }
                }
            }
            EvtRawArg => {
                let Some((v, _)) = field.key().and_then(|k| self.arg_value(k)) else {
                    return false;
                };
                match v.as_i64() {
                    Some(n) => f(Val::Num(n)),
                    None => match v.as_bytes() {
                        Some(b) => f(Val::Str(b)),
                        None => false,
                    },
                }
            }
            EvtArgs => {
                buf.clear();
                for i in 0..e.nparams() {
                    if let Some((info, v)) = e.param(i) {
                        if !buf.is_empty() {
                            buf.push(b' ');
                        }
                        let _ = write!(buf, "{}={}", info.name, v.display(info.format));
                    }
                }
                f(Val::Str(buf))
            }
            EvtIsOpenRead => one(
                self.open_flags()
                    .map(|fl| Val::Bool(fl & flags::o::RDONLY != 0)),
                f,
            ),
            EvtIsOpenWrite => one(
                self.open_flags()
                    .map(|fl| Val::Bool(fl & flags::o::WRONLY != 0)),
                f,
            ),
            EvtIsOpenExec => one(
                self.open_flags().map(|fl| {
                    Val::Bool(
                        fl & flags::o::CREAT != 0
                            && e.arg("mode")
                                .and_then(|m| m.as_u64())
                                .is_some_and(|m| m & 0o111 != 0),
                    )
                }),
                f,
            ),
            EvtBuffer => one(e.arg("data").and_then(|v| v.as_bytes()).map(Val::Str), f),
            EvtHostname => {
                let h = self
                    .insp
                    .machine()
                    .map(|m| m.hostname.as_str())
                    .filter(|h| !h.is_empty())
                    .unwrap_or(self.hostname);
                f(Val::Str(h.as_bytes()))
            }
            EvtSource => f(Val::Str(b"syscall")),
            ProcName => tstr(self.thread(), |t| &t.comm, f),
            ProcExe => tstr(self.thread(), |t| &t.exe, f),
            ProcExepath => tstr(self.thread(), |t| &t.exepath, f),
            ProcPexe => tstr(self.parent(), |t| &t.exe, f),
            ProcPexepath => tstr(self.parent(), |t| &t.exepath, f),
            ProcCmdline | ProcPcmdline => {
                let t = if field.id == ProcCmdline {
                    self.thread()
                } else {
                    self.parent()
                };
                let Some(t) = t else { return false };
                join(
                    std::iter::once(&*t.comm).chain(t.args.iter().map(String::as_str)),
                    buf,
                );
                f(Val::Str(buf))
            }
            ProcArgs => {
                let Some(t) = self.thread() else { return false };
                join(t.args.iter().map(String::as_str), buf);
                f(Val::Str(buf))
            }
            ProcPid => one(self.thread().map(|t| Val::Num(t.pid)), f),
            ProcPpid => one(self.parent().map(|t| Val::Num(t.pid)), f),
            ProcPname => tstr(self.parent(), |t| &t.comm, f),
            ProcAname | ProcApid | ProcAexe | ProcAexepath => {
                let Some(t) = self.thread() else { return false };
                let id = field.id;
                let val = |a: &'a ThreadInfo| -> Val<'a> {
                    match id {
                        ProcApid => Val::Num(a.pid),
                        ProcAexe => Val::Str(a.exe.as_bytes()),
                        ProcAexepath => Val::Str(a.exepath.as_bytes()),
                        _ => Val::Str(a.comm.as_bytes()),
                    }
                };
                match field.index() {
                    Some(0) => f(val(t)),
                    Some(n) => match self.insp.ancestors(t.tid).nth(n as usize - 1) {
                        Some(a) => f(val(a)),
                        None => false,
                    },
                    None => {
                        for a in self.insp.ancestors(t.tid) {
                            if f(val(a)) {
                                return true;
                            }
                        }
                        false
                    }
                }
            }
            ProcTty => one(self.thread().map(|t| Val::Num(i64::from(t.tty))), f),
            ProcCwd => tstr(self.thread(), |t| &t.cwd, f),
            ProcSid => one(self.thread().map(|t| Val::Num(t.sid)), f),
            ProcSname => {
                let Some(t) = self.thread() else { return false };
                one(
                    self.insp.thread(t.sid).map(|s| Val::Str(s.comm.as_bytes())),
                    f,
                )
            }
            ProcVpid => one(self.thread().map(|t| Val::Num(t.vpid)), f),
            ProcVpgid => one(self.thread().map(|t| Val::Num(t.pgid)), f),
            ProcVpgidName | ProcVpgidExe => {
                let Some(t) = self.thread() else { return false };
                let leader = self.insp.thread(t.pgid);
                one(
                    leader.map(|l| {
                        Val::Str(if field.id == ProcVpgidName {
                            l.comm.as_bytes()
                        } else {
                            l.exe.as_bytes()
                        })
                    }),
                    f,
                )
            }
            ProcIsVpgidLeader => one(self.thread().map(|t| Val::Bool(t.pid == t.pgid)), f),
            ProcEnv => {
                let Some(t) = self.thread() else { return false };
                match field.key() {
                    Some(k) => one(t.env_var(k).map(|v| Val::Str(v.as_bytes())), f),
                    None => {
                        join(t.env.iter().map(String::as_str), buf);
                        f(Val::Str(buf))
                    }
                }
            }
            ProcDuration => one(
                self.thread()
                    .filter(|t| t.clone_ts > 0)
                    .map(|t| Val::Num(e.ts.saturating_sub(t.clone_ts) as i64)),
                f,
            ),
            ProcPpidDuration => one(
                self.parent()
                    .filter(|t| t.clone_ts > 0)
                    .map(|t| Val::Num(e.ts.saturating_sub(t.clone_ts) as i64)),
                f,
            ),
            ProcIsExeUpperLayer => one(self.thread().map(|t| Val::Bool(t.exe_upper_layer)), f),
            ProcIsExeFromMemfd => one(self.thread().map(|t| Val::Bool(t.exe_from_memfd)), f),
            ProcExeIno | ProcExeInoMtime | ProcExeInoCtime => {
                let v = self.thread().map_or(0, |t| match field.id {
                    ProcExeIno => t.exe_ino,
                    ProcExeInoMtime => t.exe_ino_mtime,
                    _ => t.exe_ino_ctime,
                });
                one((v > 0).then_some(Val::Num(v as i64)), f)
            }
            ProcExeInoCtimeDurationProcStart => one(
                self.thread()
                    .filter(|t| t.exe_ino_ctime > 0 && t.clone_ts > t.exe_ino_ctime)
                    .map(|t| Val::Num((t.clone_ts - t.exe_ino_ctime) as i64)),
                f,
            ),
            ThreadTid => f(Val::Num(e.tid)),
            ThreadVtid => one(self.thread().map(|t| Val::Num(t.vtid)), f),
            ThreadCapPermitted | ThreadCapEffective | ThreadCapInheritable => {
                let Some(t) = self.thread() else { return false };
                let mask = match field.id {
                    ThreadCapPermitted => t.cap_permitted,
                    ThreadCapEffective => t.cap_effective,
                    _ => t.cap_inheritable,
                };
                write_caps(mask, buf);
                f(Val::Str(buf))
            }
            UserUid => one(self.thread().map(|t| Val::Num(i64::from(t.uid))), f),
            UserName | UserHomedir | UserShell => {
                let Some(t) = self.thread() else { return false };
                let Some(u) = self.insp.user(t.uid) else {
                    return false;
                };
                f(Val::Str(match field.id {
                    UserName => u.name.as_bytes(),
                    UserHomedir => u.home.as_bytes(),
                    _ => u.shell.as_bytes(),
                }))
            }
            UserLoginuid => one(
                self.thread().map(|t| {
                    Val::Num(if t.loginuid == u32::MAX {
                        -1
                    } else {
                        i64::from(t.loginuid)
                    })
                }),
                f,
            ),
            UserLoginname => {
                let Some(t) = self.thread() else { return false };
                one(
                    self.insp
                        .user(t.loginuid)
                        .map(|u| Val::Str(u.name.as_bytes())),
                    f,
                )
            }
            GroupGid => one(self.thread().map(|t| Val::Num(i64::from(t.gid))), f),
            GroupName => {
                let Some(t) = self.thread() else { return false };
                one(
                    self.insp.group(t.gid).map(|g| Val::Str(g.name.as_bytes())),
                    f,
                )
            }
            FdNum => one(self.fd().map(|(n, _)| Val::Num(n)), f),
            FdType => one(self.fdinfo().map(|i| Val::Str(i.kind.name().as_bytes())), f),
            FdTypechar => match self.fdinfo() {
                Some(i) => {
                    let mut b = [0u8; 4];
                    let s = i.kind.typechar().encode_utf8(&mut b);
                    f(Val::Str(s.as_bytes()))
                }
                // sysdig reports `4` for the socket a `socket` or `accept` event creates before
                // it has one (and when it failed), whatever its domain.
                None if self.is_socket_enter() => f(Val::Str(b"4")),
                None => false,
            },
            FdTypes => {
                let Some(t) = self.thread() else { return false };
                let fds = self.insp.fds(t.tid);
                match field.index() {
                    Some(n) => one(
                        fds.get(&i64::from(n))
                            .map(|i| Val::Str(i.kind.name().as_bytes())),
                        f,
                    ),
                    None => fds.values().any(|i| f(Val::Str(i.kind.name().as_bytes()))),
                }
            }
            FdName | FdNameraw => one(self.fdinfo().map(|i| Val::Str(i.name.as_bytes())), f),
            FdDirectory | FdFilename => {
                let Some(i) = self.fdinfo() else { return false };
                if !matches!(
                    i.kind,
                    palisade_event::state::FdKind::File | palisade_event::state::FdKind::Directory
                ) {
                    return false;
                }
                let n = i.name.as_str();
                let (dir, file) = match n.rfind('/') {
                    Some(0) => ("/", &n[1..]),
                    Some(p) => (&n[..p], &n[p + 1..]),
                    None => ("", n),
                };
                f(Val::Str(if field.id == FdDirectory {
                    dir.as_bytes()
                } else {
                    file.as_bytes()
                }))
            }
            FdNameChanged => f(Val::Bool(
                self.fdinfo().is_some_and(|i| i.kind.is_ip_socket())
                    && matches!(
                        e.name(),
                        "connect" | "sendto" | "sendmsg" | "accept" | "accept4"
                    )
                    && e.direction() == palisade_event::event::Direction::Exit,
            )),
            FdIp | FdNet => {
                let Some(i) = self.fdinfo().filter(|i| i.kind.is_ip_socket()) else {
                    return false;
                };
                ip_val(i.net.cip).is_some_and(&mut *f) || ip_val(i.net.sip).is_some_and(f)
            }
            FdCip | FdCnet => one(self.fdinfo().and_then(|i| ip_val(i.net.cip)), f),
            FdSip | FdSnet => one(self.fdinfo().and_then(|i| ip_val(i.net.sip)), f),
            FdLip | FdLnet | FdRip | FdRnet => {
                let Some(i) = self.fdinfo().filter(|i| i.kind.is_ip_socket()) else {
                    return false;
                };
                let server = self.is_server(i);
                let local = matches!(field.id, FdLip | FdLnet);
                one(
                    ip_val(if local == server {
                        i.net.sip
                    } else {
                        i.net.cip
                    }),
                    f,
                )
            }
            FdCipName | FdSipName | FdLipName | FdRipName => false,
            FdPort => {
                let Some(i) = self.fdinfo().filter(|i| i.kind.is_ip_socket()) else {
                    return false;
                };
                f(Val::Num(i64::from(i.net.cport))) || f(Val::Num(i64::from(i.net.sport)))
            }
            FdCport | FdSport | FdLport | FdRport => {
                let Some(i) = self.fdinfo().filter(|i| i.kind.is_ip_socket()) else {
                    return false;
                };
                let server = self.is_server(i);
                let port = match field.id {
                    FdCport => i.net.cport,
                    FdSport => i.net.sport,
                    FdLport => {
                        if server {
                            i.net.sport
                        } else {
                            i.net.cport
                        }
                    }
                    _ => {
                        if server {
                            i.net.cport
                        } else {
                            i.net.sport
                        }
                    }
                };
                f(Val::Num(i64::from(port)))
            }
            FdL4proto => {
                // Known once an end has an address and port, as sysdig reports it.
                let Some(i) = self.fdinfo().filter(|i| {
                    i.kind.is_ip_socket()
                        && ((i.net.sip.is_some() && i.net.sport != 0)
                            || (i.net.cip.is_some() && i.net.cport != 0))
                }) else {
                    return false;
                };
                f(Val::Str(i.net.l4proto.name().as_bytes()))
            }
            FdSockfamily => {
                let Some(i) = self.fdinfo() else { return false };
                match i.kind {
                    k if k.is_ip_socket() => f(Val::Str(b"ip")),
                    palisade_event::state::FdKind::UnixSocket => f(Val::Str(b"unix")),
                    _ => false,
                }
            }
            FdIsServer => one(
                self.fdinfo()
                    .filter(|i| i.kind.is_ip_socket())
                    .map(|i| Val::Bool(self.is_server(i))),
                f,
            ),
            FdConnected => one(
                self.fdinfo().filter(|i| i.kind.is_ip_socket()).map(|i| {
                    Val::Bool(!i.net.listening && i.net.sip.is_some() && i.net.sport != 0)
                }),
                f,
            ),
            ContainerId | ContainerName => match self.container() {
                Some(c) => f(Val::Str(if field.id == ContainerId {
                    c.id.as_bytes()
                } else {
                    c.name.as_bytes()
                })),
                None => {
                    let t = self.thread();
                    match t {
                        Some(t) if !t.container_id.is_empty() && field.id == ContainerId => {
                            f(Val::Str(t.container_id.as_bytes()))
                        }
                        Some(t) if t.container_id.is_empty() => f(Val::Str(b"host")),
                        _ => false,
                    }
                }
            },
            ContainerImage
            | ContainerImageId
            | ContainerImageRepository
            | ContainerImageTag
            | ContainerType => {
                let Some(c) = self.container() else {
                    return false;
                };
                let s = match field.id {
                    ContainerImage => &c.image,
                    ContainerImageId => &c.image_id,
                    ContainerImageRepository => &c.image_repository,
                    ContainerImageTag => &c.image_tag,
                    _ => &c.runtime,
                };
                f(Val::Str(s.as_bytes()))
            }
            ContainerPrivileged => one(
                self.container().and_then(|c| c.privileged).map(Val::Bool),
                f,
            ),
            ContainerMounts => {
                let Some(c) = self.container() else {
                    return false;
                };
                buf.clear();
                for (i, m) in c.mounts.iter().enumerate() {
                    if i > 0 {
                        buf.push(b',');
                    }
                    let _ = write!(
                        buf,
                        "{}:{}:{}:{}:{}",
                        m.source, m.dest, m.mode, m.rw, m.propagation
                    );
                }
                f(Val::Str(buf))
            }
            ContainerMountDest => {
                let Some(c) = self.container() else {
                    return false;
                };
                let Some(key) = field.key() else { return false };
                let g = Glob::new(key.as_bytes());
                one(
                    c.mounts
                        .iter()
                        .find(|m| g.matches(m.source.as_bytes()))
                        .map(|m| Val::Str(m.dest.as_bytes())),
                    f,
                )
            }
            ContainerStartTs => one(
                self.container()
                    .filter(|c| c.created_time > 0)
                    .map(|c| Val::Num(c.created_time.saturating_mul(1_000_000_000))),
                f,
            ),
            K8sNsName => one(
                self.container()
                    .filter(|c| !c.k8s_namespace.is_empty())
                    .map(|c| Val::Str(c.k8s_namespace.as_bytes())),
                f,
            ),
            K8sPodName => one(
                self.container()
                    .filter(|c| !c.k8s_pod_name.is_empty())
                    .map(|c| Val::Str(c.k8s_pod_name.as_bytes())),
                f,
            ),
            K8sPodUid => one(
                self.container()
                    .filter(|c| !c.k8s_pod_uid.is_empty())
                    .map(|c| Val::Str(c.k8s_pod_uid.as_bytes())),
                f,
            ),
            K8sPodLabels => {
                let Some(c) = self.container() else {
                    return false;
                };
                buf.clear();
                for (i, (k, v)) in c.k8s_pod_labels.iter().enumerate() {
                    if i > 0 {
                        buf.extend_from_slice(b", ");
                    }
                    let _ = write!(buf, "{k}:{v}");
                }
                f(Val::Str(buf))
            }
            K8sPodLabel => {
                let Some(c) = self.container() else {
                    return false;
                };
                let key = field.key().unwrap_or("");
                one(
                    c.k8s_pod_labels
                        .iter()
                        .find(|(k, _)| k == key)
                        .map(|(_, v)| Val::Str(v.as_bytes())),
                    f,
                )
            }
            _ => {
                let _ = FieldArg::None;
                false
            }
        }
    }
}

/// The event table of the event model, for [`crate::Engine::new`].
#[derive(Debug, Clone, Copy, Default)]
pub struct SyscallTable;

impl crate::engine::EventTypeTable for SyscallTable {
    fn kinds(&self) -> usize {
        palisade_event::table::EVENTS.len()
    }

    fn ids(&self, name: &str) -> Vec<u16> {
        palisade_event::table::event_ids(name).collect()
    }

    fn is_used(&self, kind: u16) -> bool {
        palisade_event::table::EVENTS
            .get(usize::from(kind))
            .is_some_and(|e| e.flags & palisade_event::table::EF_UNUSED == 0)
    }
}
