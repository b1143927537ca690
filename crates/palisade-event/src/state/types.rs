//! The state tables' records: threads, file descriptors, containers, users, the machine.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::net::IpAddr;
use std::sync::Arc;

/// A multiply-rotate hasher, much cheaper than SipHash, for keys the other side does not choose
/// at scale: thread ids and fds from the kernel or a capture (a hostile capture can at worst slow
/// its own replay), and the rules' constant string sets (members come from the rules; an event
/// can only be looked up, not lengthen a probe sequence). Bytes are mixed eight at a time.
#[derive(Debug, Default, Clone, Copy)]
pub struct IdHasher(u64);

impl IdHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            self.add(u64::from_le_bytes([
                w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7],
            ]));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }

    fn write_i64(&mut self, i: i64) {
        #[allow(clippy::cast_sign_loss, reason = "hashing the bit pattern")]
        self.add(i as u64);
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
}

/// A map keyed by thread id, fd or uid.
pub type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// What a file descriptor refers to (`fd.type`, `fd.typechar`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FdKind {
    /// Unknown.
    #[default]
    Unknown,
    /// Regular file.
    File,
    /// Directory.
    Directory,
    /// IPv4 socket.
    Ipv4Socket,
    /// IPv6 socket.
    Ipv6Socket,
    /// Unix socket.
    UnixSocket,
    /// Pipe or FIFO.
    Pipe,
    /// eventfd.
    Event,
    /// signalfd.
    SignalFd,
    /// epoll.
    EventPoll,
    /// inotify.
    Inotify,
    /// timerfd.
    TimerFd,
    /// Netlink socket.
    Netlink,
    /// BPF program or map.
    Bpf,
    /// userfaultfd.
    UserFaultFd,
    /// io_uring.
    IoUring,
    /// memfd.
    Memfd,
    /// pidfd.
    Pidfd,
}

impl FdKind {
    /// `fd.type` as sysdig names it.
    pub fn name(self) -> &'static str {
        match self {
            FdKind::Unknown => "unknown",
            FdKind::File => "file",
            FdKind::Directory => "directory",
            FdKind::Ipv4Socket => "ipv4",
            FdKind::Ipv6Socket => "ipv6",
            FdKind::UnixSocket => "unix",
            FdKind::Pipe => "pipe",
            FdKind::Event => "event",
            FdKind::SignalFd => "signalfd",
            FdKind::EventPoll => "eventpoll",
            FdKind::Inotify => "inotify",
            FdKind::TimerFd => "timerfd",
            FdKind::Netlink => "netlink",
            FdKind::Bpf => "bpf",
            FdKind::UserFaultFd => "userfaultfd",
            FdKind::IoUring => "io_uring",
            FdKind::Memfd => "memfd",
            FdKind::Pidfd => "pidfd",
        }
    }

    /// `fd.typechar`.
    pub fn typechar(self) -> char {
        match self {
            FdKind::Unknown => 'o',
            FdKind::File | FdKind::Memfd => 'f',
            FdKind::Directory => 'd',
            FdKind::Ipv4Socket => '4',
            FdKind::Ipv6Socket => '6',
            FdKind::UnixSocket => 'u',
            FdKind::Pipe => 'p',
            FdKind::Event => 'e',
            FdKind::SignalFd => 's',
            FdKind::EventPoll => 'l',
            FdKind::Inotify => 'i',
            FdKind::TimerFd => 't',
            FdKind::Netlink => 'n',
            FdKind::Bpf => 'b',
            FdKind::UserFaultFd => 'u',
            FdKind::IoUring => 'r',
            FdKind::Pidfd => 'P',
        }
    }

    /// Whether it is an IPv4 or IPv6 socket.
    pub fn is_ip_socket(self) -> bool {
        matches!(self, FdKind::Ipv4Socket | FdKind::Ipv6Socket)
    }
}

/// Layer-4 protocol of a socket (`fd.l4proto`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum L4Proto {
    /// Unknown.
    #[default]
    Unknown,
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
    /// ICMP.
    Icmp,
    /// Raw.
    Raw,
}

impl L4Proto {
    /// `fd.l4proto` as sysdig prints it.
    pub fn name(self) -> &'static str {
        match self {
            L4Proto::Unknown => "unknown",
            L4Proto::Tcp => "tcp",
            L4Proto::Udp => "udp",
            L4Proto::Icmp => "icmp",
            L4Proto::Raw => "raw",
        }
    }
}

/// The endpoints of an IP socket: client and server sides (`fd.cip`, `fd.cport`, `fd.sip`,
/// `fd.sport`). For a listening socket only the server side is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SocketEnds {
    /// Client address.
    pub cip: Option<IpAddr>,
    /// Client port.
    pub cport: u16,
    /// Server address.
    pub sip: Option<IpAddr>,
    /// Server port.
    pub sport: u16,
    /// Layer-4 protocol.
    pub l4proto: L4Proto,
    /// The socket listens (server role).
    pub listening: bool,
}

impl SocketEnds {
    /// `fd.name` of an IP socket: `sip:sport` while listening, else `cip:cport->sip:sport`
    /// (IPv4-mapped IPv6 addresses written as IPv4).
    pub fn name(&self) -> String {
        let ip = |a: Option<IpAddr>| match a {
            Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
                Some(v4) => v4.to_string(),
                None => v6.to_string(),
            },
            Some(a) => a.to_string(),
            None => String::new(),
        };
        if self.listening {
            format!("{}:{}", ip(self.sip), self.sport)
        } else {
            format!(
                "{}:{}->{}:{}",
                ip(self.cip),
                self.cport,
                ip(self.sip),
                self.sport
            )
        }
    }
}

/// One file descriptor.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FdInfo {
    /// What it refers to.
    pub kind: FdKind,
    /// `fd.name`: the path of files, the tuple of sockets (`cip:cport->sip:sport`), …
    pub name: String,
    /// Open flags (`PPM_O_*`) of files.
    pub open_flags: u32,
    /// Device of files.
    pub dev: u32,
    /// Inode of files and pipes.
    pub ino: u64,
    /// Endpoints of IP sockets.
    pub net: SocketEnds,
    /// Kernel pointers of unix sockets (source, destination).
    pub unix_ends: (u64, u64),
    /// A connect on this socket succeeded (or is in progress): later connects keep the first
    /// peer, as sysdig does.
    pub connected: bool,
}

impl FdInfo {
    /// A file or directory at `path`.
    pub fn file(kind: FdKind, path: String, open_flags: u32) -> Self {
        FdInfo {
            kind,
            name: path,
            open_flags,
            ..FdInfo::default()
        }
    }
}

/// A thread, with its process attributes (`proc.*`, `thread.*`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThreadInfo {
    /// Thread id (`thread.tid`).
    pub tid: i64,
    /// Process id (`proc.pid`): the thread group leader's tid.
    pub pid: i64,
    /// Parent process id (`proc.ppid`).
    pub ptid: i64,
    /// Session id (`proc.sid`).
    pub sid: i64,
    /// Process group id.
    pub pgid: i64,
    /// Thread id in its pid namespace (`thread.vtid`).
    pub vtid: i64,
    /// Process id in its pid namespace (`proc.vpid`).
    pub vpid: i64,
    /// `proc.name`: the command name (at most 16 bytes in the kernel). Strings a thread
    /// inherits are shared with its parent, not copied.
    pub comm: Arc<str>,
    /// `proc.exe`: argv\[0\] as given to execve.
    pub exe: Arc<str>,
    /// `proc.exepath`: full path of the executable.
    pub exepath: Arc<str>,
    /// `proc.args`: the arguments after argv\[0\].
    pub args: Arc<[String]>,
    /// `proc.env`: the environment, `NAME=value`; shared with the threads that inherited it.
    pub env: Arc<[String]>,
    /// `proc.cwd`: working directory, with a trailing `/`.
    pub cwd: Arc<str>,
    /// `proc.tty`: controlling terminal number, 0 for none.
    pub tty: u32,
    /// `user.uid` (effective); `u32::MAX` when unknown.
    pub uid: u32,
    /// `group.gid` (effective); `u32::MAX` when unknown.
    pub gid: u32,
    /// `user.loginuid`; `u32::MAX` when unset.
    pub loginuid: u32,
    /// Control groups, `(subsystem, path)`; shared with the threads that inherited them.
    pub cgroups: Arc<[(String, String)]>,
    /// `container.id` (12 hex digits), empty on the host.
    pub container_id: String,
    /// Clone flags and driver flags (`PPM_CL_*`) of the thread's creation.
    pub flags: u32,
    /// Maximum number of fds.
    pub fdlimit: i64,
    /// Root directory (after chroot).
    pub root: String,
    /// Creation time (ns), 0 when unknown (`proc.duration`).
    pub clone_ts: u64,
    /// The executable was writable by the user (`proc.is_exe_writable`).
    pub exe_writable: bool,
    /// The executable lives on an overlay upper layer (`proc.is_exe_upper_layer`).
    pub exe_upper_layer: bool,
    /// The executable was run from a memfd (`proc.is_exe_from_memfd`).
    pub exe_from_memfd: bool,
    /// Inode number of the executable, 0 when unknown (`proc.exe_ino`).
    pub exe_ino: u64,
    /// Change time (ns) of the executable's inode, 0 when unknown.
    pub exe_ino_ctime: u64,
    /// Modification time (ns) of the executable's inode, 0 when unknown.
    pub exe_ino_mtime: u64,
    /// Effective capabilities.
    pub cap_effective: u64,
    /// Permitted capabilities.
    pub cap_permitted: u64,
    /// Inheritable capabilities.
    pub cap_inheritable: u64,
    /// Virtual memory size (KiB).
    pub vmsize_kb: u32,
    /// Resident memory (KiB).
    pub vmrss_kb: u32,
    /// Swap (KiB).
    pub vmswap_kb: u32,
    /// Open files (of the process: kept on the thread group leader).
    pub fds: IdMap<i64, FdInfo>,
    /// The thread's last enter event, for its exit.
    pub(crate) last: LastEnter,
}

/// What the parser remembers of a thread's last enter event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LastEnter {
    pub(crate) kind: u16,
    pub(crate) fd: i64,
    pub(crate) valid: bool,
    pub(crate) lens: Vec<u8>,
    pub(crate) data: Vec<u8>,
    pub(crate) wide: bool,
}

impl ThreadInfo {
    /// A thread known only by its id: user and group unknown (`u32::MAX`), as sysdig reports
    /// threads that appear without a creation event.
    pub fn new(tid: i64) -> Self {
        ThreadInfo {
            tid,
            pid: tid,
            uid: u32::MAX,
            gid: u32::MAX,
            loginuid: u32::MAX,
            ..ThreadInfo::default()
        }
    }

    /// Whether this thread is its process's main thread.
    pub fn is_main_thread(&self) -> bool {
        self.tid == self.pid
    }

    /// `proc.cmdline`: `comm` followed by the arguments.
    pub fn cmdline(&self) -> String {
        let mut s = self.comm.to_string();
        for a in self.args.iter() {
            s.push(' ');
            s.push_str(a);
        }
        s
    }

    /// The value of environment variable `name`.
    pub fn env_var(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .find_map(|kv| kv.strip_prefix(name).and_then(|r| r.strip_prefix('=')))
    }
}

/// A container mount (`container.mounts`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mount {
    /// Host path.
    pub source: String,
    /// Path in the container.
    pub dest: String,
    /// Mount mode (`ro`, `rw`, `z`, …).
    pub mode: String,
    /// Read-write.
    pub rw: bool,
    /// Propagation.
    pub propagation: String,
}

/// A container (`container.*`), with its Kubernetes pod when known (`k8s.*`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerInfo {
    /// Short id (12 hex digits).
    pub id: String,
    /// Full id when known.
    pub full_id: String,
    /// Name.
    pub name: String,
    /// Runtime: `docker`, `cri-o`, `containerd`, `podman`, …
    pub runtime: String,
    /// Image as given (`nginx:latest`).
    pub image: String,
    /// Image id.
    pub image_id: String,
    /// Image repository (`nginx`).
    pub image_repository: String,
    /// Image tag (`latest`).
    pub image_tag: String,
    /// Image digest (`sha256:…`).
    pub image_digest: String,
    /// Privileged.
    pub privileged: Option<bool>,
    /// Creation time in seconds since the epoch, 0 when unknown (`container.start_ts`).
    pub created_time: i64,
    /// Mounts.
    pub mounts: Vec<Mount>,
    /// Labels.
    pub labels: Vec<(String, String)>,
    /// Container IP.
    pub ip: String,
    /// Kubernetes pod name.
    pub k8s_pod_name: String,
    /// Kubernetes namespace.
    pub k8s_namespace: String,
    /// Kubernetes pod UID.
    pub k8s_pod_uid: String,
    /// Kubernetes pod labels.
    pub k8s_pod_labels: Vec<(String, String)>,
    /// This container is a pod sandbox (the pause container).
    pub is_pod_sandbox: bool,
    /// Host network.
    pub host_network: Option<bool>,
    /// Host PID namespace.
    pub host_pid: Option<bool>,
    /// Host IPC namespace.
    pub host_ipc: Option<bool>,
}

impl ContainerInfo {
    /// The value of label `key`.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// A user (`user.name`, `user.homedir`, `user.shell`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserInfo {
    /// Uid.
    pub uid: u32,
    /// Primary gid.
    pub gid: u32,
    /// Name.
    pub name: String,
    /// Home directory.
    pub home: String,
    /// Login shell.
    pub shell: String,
    /// The container the user belongs to (empty: the host).
    pub container_id: String,
}

/// A group (`group.name`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupInfo {
    /// Gid.
    pub gid: u32,
    /// Name.
    pub name: String,
    /// The container the group belongs to (empty: the host).
    pub container_id: String,
}

/// The machine events were recorded on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MachineInfo {
    /// Number of CPUs.
    pub num_cpus: u32,
    /// Physical memory in bytes.
    pub memory_bytes: u64,
    /// Maximum CPU frequency.
    pub max_cpu_frequency: u64,
    /// Page size.
    pub page_size: u64,
    /// Host name.
    pub hostname: String,
    /// Boot time (ns since the epoch), 0 when unknown.
    pub boot_ts: u64,
}

/// A network interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    /// Name.
    pub name: String,
    /// Address.
    pub addr: IpAddr,
    /// Netmask (IPv4) or prefix (IPv6).
    pub netmask: IpAddr,
}
