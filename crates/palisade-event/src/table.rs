//! The event table: for every event type id, its name, category, flags and parameters, as
//! recorded by the Falco/sysdig drivers (`driver/event_table.c` of falcosecurity/libs).
//!
//! Event type ids are stable: an even id is the enter event of a system call, the following odd
//! id its exit. Old versions of an event keep their id and are flagged [`EF_OLD_VERSION`]; a
//! newer capture may carry *more* parameters than listed here, and an older one fewer: readers
//! take the count from the capture, names come from this table by position.

use crate::flags::{self, NameTable};

/// The category of an event (`evt.category`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// Unknown.
    Unknown,
    /// Other.
    Other,
    /// File operations.
    File,
    /// Networking.
    Net,
    /// Inter-process communication.
    Ipc,
    /// Memory.
    Memory,
    /// Process management.
    Process,
    /// Sleeps.
    Sleep,
    /// System.
    System,
    /// Signals.
    Signal,
    /// Users and groups.
    User,
    /// Time.
    Time,
    /// Processing (not I/O).
    Processing,
    /// Reads.
    IoRead,
    /// Writes.
    IoWrite,
    /// Other I/O.
    IoOther,
    /// Waits.
    Wait,
    /// Scheduler.
    Scheduler,
    /// Internal events of the capture (state, drops, process info).
    Internal,
}

impl Category {
    /// The name sysdig prints for `evt.category`.
    pub fn name(self) -> &'static str {
        match self {
            Category::Unknown => "unknown",
            Category::Other => "other",
            Category::File => "file",
            Category::Net => "net",
            Category::Ipc => "IPC",
            Category::Memory => "memory",
            Category::Process => "process",
            Category::Sleep => "sleep",
            Category::System => "system",
            Category::Signal => "signal",
            Category::User => "user",
            Category::Time => "time",
            Category::Processing => "processing",
            Category::IoRead | Category::IoWrite | Category::IoOther => "file",
            Category::Wait => "wait",
            Category::Scheduler => "scheduler",
            Category::Internal => "internal",
        }
    }
}

/// No flag.
pub const EF_NONE: u32 = 0;
/// The event creates a file descriptor.
pub const EF_CREATES_FD: u32 = 1 << 0;
/// The event destroys a file descriptor.
pub const EF_DESTROYS_FD: u32 = 1 << 1;
/// The event uses a file descriptor (its first parameter on enter).
pub const EF_USES_FD: u32 = 1 << 2;
/// The event reads from a file descriptor.
pub const EF_READS_FROM_FD: u32 = 1 << 3;
/// The event writes to a file descriptor.
pub const EF_WRITES_TO_FD: u32 = 1 << 4;
/// The event modifies the system state.
pub const EF_MODIFIES_STATE: u32 = 1 << 5;
/// The event id is not used.
pub const EF_UNUSED: u32 = 1 << 6;
/// The event waits.
pub const EF_WAITS: u32 = 1 << 7;
/// The event does not reset the parser's per-thread state.
pub const EF_SKIPPARSERESET: u32 = 1 << 8;
/// An old version of the event, kept for reading old captures.
pub const EF_OLD_VERSION: u32 = 1 << 9;
/// Dropped by simple consumers.
pub const EF_DROP_SIMPLE_CONS: u32 = 1 << 10;
/// Parameter lengths are 32 bits wide.
pub const EF_LARGE_PAYLOAD: u32 = 1 << 11;

/// The wire type of a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    /// No value.
    None,
    /// Signed integers.
    Int8,
    /// Signed 16-bit integer.
    Int16,
    /// Signed 32-bit integer.
    Int32,
    /// Signed 64-bit integer.
    Int64,
    /// Unsigned 8-bit integer.
    Uint8,
    /// Unsigned 16-bit integer.
    Uint16,
    /// Unsigned 32-bit integer.
    Uint32,
    /// Unsigned 64-bit integer.
    Uint64,
    /// NUL-terminated string.
    CharBuf,
    /// Byte buffer (data, or NUL-separated argument lists).
    ByteBuf,
    /// Return value: negative errno on failure (64-bit).
    Errno,
    /// Socket address.
    SockAddr,
    /// Socket tuple (source and destination).
    SockTuple,
    /// File descriptor (64-bit).
    Fd,
    /// Process or thread id (64-bit).
    Pid,
    /// List of file descriptors with poll flags.
    FdList,
    /// File system path, relative to the thread's cwd.
    FsPath,
    /// System call id (16-bit).
    SyscallId,
    /// Signal number (8-bit).
    SigType,
    /// Relative time in nanoseconds (64-bit).
    RelTime,
    /// Absolute time in nanoseconds (64-bit).
    AbsTime,
    /// TCP/UDP port.
    Port,
    /// Layer-4 protocol.
    L4Proto,
    /// Socket family.
    SockFamily,
    /// Boolean.
    Bool,
    /// IPv4 address.
    Ipv4Addr,
    /// Dynamic: the first byte selects the type.
    Dyn,
    /// 8-bit flags.
    Flags8,
    /// 16-bit flags.
    Flags16,
    /// 32-bit flags.
    Flags32,
    /// User id (32-bit).
    Uid,
    /// Group id (32-bit).
    Gid,
    /// Double.
    Double,
    /// Signal set (32-bit).
    SigSet,
    /// Array of strings.
    CharBufArray,
    /// Array of string pairs.
    CharBufPairArray,
    /// IPv6 address.
    Ipv6Addr,
    /// File mode (32-bit).
    Mode,
    /// File system path relative to a directory fd parameter.
    FsRelPath,
    /// 8-bit enumeration.
    EnumFlags8,
    /// 16-bit enumeration.
    EnumFlags16,
    /// 32-bit enumeration.
    EnumFlags32,
}

/// How a numeric parameter is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Not applicable (strings, buffers).
    Na,
    /// Decimal.
    Dec,
    /// Hexadecimal.
    Hex,
    /// Octal.
    Oct,
}

/// One parameter of an event.
#[derive(Debug)]
pub struct ParamInfo {
    /// Name, as used by `evt.arg.NAME`.
    pub name: &'static str,
    /// Wire type.
    pub ty: ParamType,
    /// Print format.
    pub format: Format,
    /// Flag or enum names for flag parameters.
    pub table: Option<&'static NameTable>,
}

/// One entry of the event table.
#[derive(Debug)]
pub struct EventInfo {
    /// Name (`evt.type`): `open`, `execve`, …
    pub name: &'static str,
    /// Category.
    pub category: Category,
    /// `EF_*` flags.
    pub flags: u32,
    /// Parameters in wire order.
    pub params: &'static [ParamInfo],
}

impl EventInfo {
    /// Position of the parameter called `name`.
    pub fn param_index(&self, name: &str) -> Option<usize> {
        self.params.iter().position(|p| p.name == name)
    }
}

macro_rules! p {
    ($n:literal, $t:ident) => {
        ParamInfo {
            name: $n,
            ty: ParamType::$t,
            format: default_format(ParamType::$t),
            table: None,
        }
    };
    ($n:literal, $t:ident, $f:ident) => {
        ParamInfo {
            name: $n,
            ty: ParamType::$t,
            format: Format::$f,
            table: None,
        }
    };
    ($n:literal, $t:ident, $f:ident, $tbl:ident) => {
        ParamInfo {
            name: $n,
            ty: ParamType::$t,
            format: Format::$f,
            table: Some(&flags::$tbl),
        }
    };
}

const fn default_format(t: ParamType) -> Format {
    match t {
        ParamType::CharBuf
        | ParamType::ByteBuf
        | ParamType::FsPath
        | ParamType::FsRelPath
        | ParamType::SockAddr
        | ParamType::SockTuple
        | ParamType::CharBufArray
        | ParamType::CharBufPairArray => Format::Na,
        _ => Format::Dec,
    }
}

macro_rules! e {
    ($n:literal, $c:ident, $f:expr) => {
        EventInfo {
            name: $n,
            category: Category::$c,
            flags: $f,
            params: &[],
        }
    };
    ($n:literal, $c:ident, $f:expr, $params:expr) => {
        EventInfo {
            name: $n,
            category: Category::$c,
            flags: $f,
            params: $params,
        }
    };
}

const OLD: u32 = EF_OLD_VERSION;
const MS: u32 = EF_MODIFIES_STATE;
const CFD: u32 = EF_CREATES_FD | EF_MODIFIES_STATE;
const UFD: u32 = EF_USES_FD;
const DSC: u32 = EF_DROP_SIMPLE_CONS;
const RD: u32 = EF_USES_FD | EF_READS_FROM_FD | EF_DROP_SIMPLE_CONS;
const WR: u32 = EF_USES_FD | EF_WRITES_TO_FD | EF_DROP_SIMPLE_CONS;

const RES: &[ParamInfo] = &[p!("res", Errno)];
const FD: &[ParamInfo] = &[p!("fd", Fd)];
const RES_DATA: &[ParamInfo] = &[p!("res", Errno), p!("data", ByteBuf)];
const FD_SIZE: &[ParamInfo] = &[p!("fd", Fd), p!("size", Uint32)];
const RES_PATH: &[ParamInfo] = &[p!("res", Errno), p!("path", FsPath)];
const VM3: &[ParamInfo] = &[
    p!("res", Errno),
    p!("vm_size", Uint32),
    p!("vm_rss", Uint32),
    p!("vm_swap", Uint32),
];
const SOCKET_E: &[ParamInfo] = &[
    p!("domain", EnumFlags32, Dec, SOCKET_FAMILIES),
    p!("type", Uint32),
    p!("proto", Uint32),
];
const ACCEPT_X: &[ParamInfo] = &[p!("fd", Fd), p!("tuple", SockTuple), p!("queuepct", Uint8)];
const ACCEPT_5_X: &[ParamInfo] = &[
    p!("fd", Fd),
    p!("tuple", SockTuple),
    p!("queuepct", Uint8),
    p!("queuelen", Uint32),
    p!("queuemax", Uint32),
];
const GETSOCKOPT_X: &[ParamInfo] = &[
    p!("res", Errno),
    p!("fd", Fd),
    p!("level", EnumFlags8, Dec, SOCKOPT_LEVELS),
    p!("optname", EnumFlags8),
    p!("val", Dyn),
    p!("optlen", Uint32),
];
const STAT_X: &[ParamInfo] = RES_PATH;

macro_rules! proc_params {
    ($name:ident: $($p:expr),* $(,)?) => {
        const $name: &[ParamInfo] = &[
            p!("res", Errno), p!("exe", CharBuf), p!("args", ByteBuf), p!("tid", Pid),
            p!("pid", Pid), p!("ptid", Pid), p!("cwd", CharBuf), $($p),*
        ];
    };
}
macro_rules! clone_params {
    ($name:ident: $($p:expr),* $(,)?) => {
        const $name: &[ParamInfo] = &[
            p!("res", Pid), p!("exe", CharBuf), p!("args", ByteBuf), p!("tid", Pid),
            p!("pid", Pid), p!("ptid", Pid), p!("cwd", CharBuf), $($p),*
        ];
    };
}

proc_params!(EXECVE_8_X: p!("fdlimit", Uint64));
proc_params!(EXECVE_13_X: p!("fdlimit", Uint64), p!("pgft_maj", Uint64), p!("pgft_min", Uint64),
    p!("vm_size", Uint32), p!("vm_rss", Uint32), p!("vm_swap", Uint32));
proc_params!(EXECVE_14_X: p!("fdlimit", Uint64), p!("pgft_maj", Uint64), p!("pgft_min", Uint64),
    p!("vm_size", Uint32), p!("vm_rss", Uint32), p!("vm_swap", Uint32), p!("env", ByteBuf));
proc_params!(EXECVE_15_X: p!("fdlimit", Uint64), p!("pgft_maj", Uint64), p!("pgft_min", Uint64),
    p!("vm_size", Uint32), p!("vm_rss", Uint32), p!("vm_swap", Uint32), p!("comm", CharBuf),
    p!("env", ByteBuf));
proc_params!(EXECVE_16_X: p!("fdlimit", Uint64), p!("pgft_maj", Uint64), p!("pgft_min", Uint64),
    p!("vm_size", Uint32), p!("vm_rss", Uint32), p!("vm_swap", Uint32), p!("comm", CharBuf),
    p!("cgroups", ByteBuf), p!("env", ByteBuf));
proc_params!(EXECVE_17_X: p!("fdlimit", Uint64), p!("pgft_maj", Uint64), p!("pgft_min", Uint64),
    p!("vm_size", Uint32), p!("vm_rss", Uint32), p!("vm_swap", Uint32), p!("comm", CharBuf),
    p!("cgroups", ByteBuf), p!("env", ByteBuf), p!("tty", Int32));
proc_params!(EXECVE_19_X: p!("fdlimit", Uint64), p!("pgft_maj", Uint64), p!("pgft_min", Uint64),
    p!("vm_size", Uint32), p!("vm_rss", Uint32), p!("vm_swap", Uint32), p!("comm", CharBuf),
    p!("cgroups", ByteBuf), p!("env", ByteBuf), p!("tty", Int32), p!("vpgid", Pid),
    p!("loginuid", Int32), p!("flags", Flags32, Hex, EXECVE_FLAGS), p!("cap_inheritable", Uint64, Hex),
    p!("cap_permitted", Uint64, Hex), p!("cap_effective", Uint64, Hex), p!("exe_ino", Uint64),
    p!("exe_ino_ctime", AbsTime), p!("exe_ino_mtime", AbsTime), p!("uid", Uid),
    p!("trusted_exepath", FsPath), p!("pgid", Pid), p!("gid", Gid));
clone_params!(CLONE_11_X: p!("fdlimit", Int64), p!("flags", Flags32, Hex, CLONE_FLAGS),
    p!("uid", Uint32), p!("gid", Uint32));
clone_params!(CLONE_16_X: p!("fdlimit", Int64), p!("pgft_maj", Uint64), p!("pgft_min", Uint64),
    p!("vm_size", Uint32), p!("vm_rss", Uint32), p!("vm_swap", Uint32),
    p!("flags", Flags32, Hex, CLONE_FLAGS), p!("uid", Uint32), p!("gid", Uint32));
clone_params!(CLONE_17_X: p!("fdlimit", Int64), p!("pgft_maj", Uint64), p!("pgft_min", Uint64),
    p!("vm_size", Uint32), p!("vm_rss", Uint32), p!("vm_swap", Uint32), p!("comm", CharBuf),
    p!("flags", Flags32, Hex, CLONE_FLAGS), p!("uid", Uint32), p!("gid", Uint32));
clone_params!(CLONE_20_X: p!("fdlimit", Int64), p!("pgft_maj", Uint64), p!("pgft_min", Uint64),
    p!("vm_size", Uint32), p!("vm_rss", Uint32), p!("vm_swap", Uint32), p!("comm", CharBuf),
    p!("cgroups", ByteBuf), p!("flags", Flags32, Hex, CLONE_FLAGS), p!("uid", Uint32),
    p!("gid", Uint32), p!("vtid", Pid), p!("vpid", Pid), p!("pidns_init_start_ts", Uint64));

const OPEN_E: &[ParamInfo] = &[
    p!("name", FsPath),
    p!("flags", Flags32, Hex, FILE_FLAGS),
    p!("mode", Uint32, Oct),
];
const OPEN_X: &[ParamInfo] = &[
    p!("fd", Fd),
    p!("name", FsPath),
    p!("flags", Flags32, Hex, FILE_FLAGS),
    p!("mode", Uint32, Oct),
    p!("dev", Uint32, Hex),
    p!("ino", Uint64),
];
const OPENAT_2_X: &[ParamInfo] = &[
    p!("fd", Fd),
    p!("dirfd", Fd),
    p!("name", FsRelPath),
    p!("flags", Flags32, Hex, FILE_FLAGS),
    p!("mode", Uint32, Oct),
    p!("dev", Uint32, Hex),
    p!("ino", Uint64),
];
const SWITCH_6: &[ParamInfo] = &[
    p!("next", Pid),
    p!("pgft_maj", Uint64),
    p!("pgft_min", Uint64),
    p!("vm_size", Uint32),
    p!("vm_rss", Uint32),
    p!("vm_swap", Uint32),
];
const MMAP_E: &[ParamInfo] = &[
    p!("addr", Uint64, Hex),
    p!("length", Uint64),
    p!("prot", Flags32, Hex, PROT_FLAGS),
    p!("flags", Flags32, Hex, MMAP_FLAGS),
    p!("fd", Fd),
    p!("offset", Uint64),
];
const MMAP_X: &[ParamInfo] = &[
    p!("res", Uint64, Hex),
    p!("vm_size", Uint32),
    p!("vm_rss", Uint32),
    p!("vm_swap", Uint32),
];
const JSON: &[ParamInfo] = &[p!("json", CharBuf)];

/// The event table, indexed by event type id.
pub static EVENTS: [EventInfo; 420] = [
    /* 0 */
    e!(
        "syscall",
        Other,
        EF_NONE,
        &[p!("ID", SyscallId), p!("nativeID", Uint16)]
    ),
    e!("syscall", Other, EF_NONE, &[p!("ID", SyscallId)]),
    /* 2 */ e!("open", File, CFD, OPEN_E),
    e!("open", File, CFD, OPEN_X),
    /* 4 */ e!("close", IoOther, EF_DESTROYS_FD | UFD | MS | DSC, FD),
    e!("close", IoOther, EF_DESTROYS_FD | UFD | MS | DSC, RES),
    /* 6 */ e!("read", IoRead, RD, FD_SIZE),
    e!("read", IoRead, RD, RES_DATA),
    /* 8 */ e!("write", IoWrite, WR, FD_SIZE),
    e!("write", IoWrite, WR, RES_DATA),
    /* 10 */ e!("brk", Memory, OLD, &[p!("size", Uint32)]),
    e!("brk", Memory, OLD, &[p!("res", Uint64, Hex)]),
    /* 12 */ e!("execve", Process, MS | OLD),
    e!("execve", Process, MS | OLD, EXECVE_8_X),
    /* 14 */ e!("clone", Process, MS | OLD),
    e!("clone", Process, MS | OLD, CLONE_11_X),
    /* 16 */ e!("procexit", Process, MS | OLD),
    e!("NA1", Process, EF_UNUSED),
    /* 18 */ e!("socket", Net, CFD, SOCKET_E),
    e!("socket", Net, CFD, FD),
    /* 20 */ e!("bind", Net, UFD | MS, FD),
    e!(
        "bind",
        Net,
        UFD | MS,
        &[p!("res", Errno), p!("addr", SockAddr)]
    ),
    /* 22 */
    e!(
        "connect",
        Net,
        UFD | MS,
        &[p!("fd", Fd), p!("addr", SockAddr)]
    ),
    e!(
        "connect",
        Net,
        UFD | MS,
        &[p!("res", Errno), p!("tuple", SockTuple), p!("fd", Fd)]
    ),
    /* 24 */ e!("listen", Net, UFD, &[p!("fd", Fd), p!("backlog", Uint32)]),
    e!("listen", Net, UFD, RES),
    /* 26 */ e!("accept", Net, CFD | OLD),
    e!("accept", Net, CFD | OLD, ACCEPT_X),
    /* 28 */ e!("send", IoWrite, WR, FD_SIZE),
    e!("send", IoWrite, WR, RES_DATA),
    /* 30 */
    e!(
        "sendto",
        IoWrite,
        UFD | EF_WRITES_TO_FD | MS,
        &[p!("fd", Fd), p!("size", Uint32), p!("tuple", SockTuple)]
    ),
    e!("sendto", IoWrite, UFD | EF_WRITES_TO_FD | MS, RES_DATA),
    /* 32 */ e!("recv", IoRead, RD, FD_SIZE),
    e!("recv", IoRead, RD, RES_DATA),
    /* 34 */ e!("recvfrom", IoRead, UFD | EF_READS_FROM_FD | MS, FD_SIZE),
    e!(
        "recvfrom",
        IoRead,
        UFD | EF_READS_FROM_FD | MS,
        &[
            p!("res", Errno),
            p!("data", ByteBuf),
            p!("tuple", SockTuple)
        ]
    ),
    /* 36 */
    e!(
        "shutdown",
        Net,
        UFD | MS | DSC,
        &[p!("fd", Fd), p!("how", EnumFlags8, Hex, SHUTDOWN_HOW)]
    ),
    e!("shutdown", Net, UFD | MS | DSC, RES),
    /* 38 */ e!("getsockname", Net, DSC),
    e!("getsockname", Net, DSC),
    /* 40 */ e!("getpeername", Net, DSC),
    e!("getpeername", Net, DSC),
    /* 42 */ e!("socketpair", Ipc, CFD, SOCKET_E),
    e!(
        "socketpair",
        Ipc,
        CFD,
        &[
            p!("res", Errno),
            p!("fd1", Fd),
            p!("fd2", Fd),
            p!("source", Uint64, Hex),
            p!("peer", Uint64, Hex)
        ]
    ),
    /* 44 */ e!("setsockopt", Net, EF_NONE),
    e!("setsockopt", Net, UFD, GETSOCKOPT_X),
    /* 46 */ e!("getsockopt", Net, MS | DSC),
    e!("getsockopt", Net, UFD | MS | DSC, GETSOCKOPT_X),
    /* 48 */
    e!(
        "sendmsg",
        IoWrite,
        UFD | EF_WRITES_TO_FD | MS,
        &[p!("fd", Fd), p!("size", Uint32), p!("tuple", SockTuple)]
    ),
    e!("sendmsg", IoWrite, UFD | EF_WRITES_TO_FD | MS, RES_DATA),
    /* 50 */ e!("sendmmsg", IoWrite, DSC),
    e!("sendmmsg", IoWrite, DSC),
    /* 52 */ e!("recvmsg", IoRead, UFD | EF_READS_FROM_FD | MS, FD),
    e!(
        "recvmsg",
        IoRead,
        UFD | EF_READS_FROM_FD | MS,
        &[
            p!("res", Errno),
            p!("size", Uint32),
            p!("data", ByteBuf),
            p!("tuple", SockTuple)
        ]
    ),
    /* 54 */ e!("recvmmsg", IoRead, DSC),
    e!("recvmmsg", IoRead, DSC),
    /* 56 */ e!("accept", Net, CFD | OLD, &[p!("flags", Int32, Hex)]),
    e!("accept", Net, CFD | OLD, ACCEPT_X),
    /* 58 */
    e!(
        "creat",
        File,
        CFD,
        &[p!("name", FsPath), p!("mode", Uint32, Oct)]
    ),
    e!(
        "creat",
        File,
        CFD,
        &[
            p!("fd", Fd),
            p!("name", FsPath),
            p!("mode", Uint32, Oct),
            p!("dev", Uint32, Hex),
            p!("ino", Uint64)
        ]
    ),
    /* 60 */ e!("pipe", Ipc, CFD),
    e!(
        "pipe",
        Ipc,
        CFD,
        &[
            p!("res", Errno),
            p!("fd1", Fd),
            p!("fd2", Fd),
            p!("ino", Uint64)
        ]
    ),
    /* 62 */
    e!(
        "eventfd",
        Ipc,
        CFD | DSC,
        &[p!("initval", Uint64), p!("flags", Flags32, Hex)]
    ),
    e!("eventfd", Ipc, CFD | DSC, &[p!("res", Fd)]),
    /* 64 */
    e!(
        "futex",
        Ipc,
        DSC,
        &[
            p!("addr", Uint64, Hex),
            p!("op", Flags16, Hex, FUTEX_OPERATIONS),
            p!("val", Uint64)
        ]
    ),
    e!("futex", Ipc, DSC, RES),
    /* 66 */ e!("stat", File, DSC),
    e!("stat", File, DSC, STAT_X),
    /* 68 */ e!("lstat", File, DSC),
    e!("lstat", File, DSC, STAT_X),
    /* 70 */ e!("fstat", File, UFD | DSC, FD),
    e!("fstat", File, UFD | DSC, RES),
    /* 72 */ e!("stat64", File, DSC),
    e!("stat64", File, DSC, STAT_X),
    /* 74 */ e!("lstat64", File, DSC),
    e!("lstat64", File, DSC, STAT_X),
    /* 76 */ e!("fstat64", File, UFD | DSC, FD),
    e!("fstat64", File, UFD | DSC, RES),
    /* 78 */
    e!(
        "epoll_wait",
        Wait,
        EF_WAITS | DSC,
        &[p!("maxevents", Errno)]
    ),
    e!("epoll_wait", Wait, EF_WAITS | DSC, RES),
    /* 80 */
    e!(
        "poll",
        Wait,
        EF_WAITS | DSC,
        &[p!("fds", FdList), p!("timeout", Int64)]
    ),
    e!(
        "poll",
        Wait,
        EF_WAITS | DSC,
        &[p!("res", Errno), p!("fds", FdList)]
    ),
    /* 82 */ e!("select", Wait, EF_WAITS | DSC),
    e!("select", Wait, EF_WAITS | DSC, RES),
    /* 84 */ e!("select", Wait, EF_WAITS | DSC),
    e!("select", Wait, EF_WAITS | DSC, RES),
    /* 86 */
    e!(
        "lseek",
        File,
        UFD | DSC,
        &[
            p!("fd", Fd),
            p!("offset", Uint64),
            p!("whence", EnumFlags8, Dec, LSEEK_WHENCE)
        ]
    ),
    e!("lseek", File, UFD | DSC, RES),
    /* 88 */
    e!(
        "llseek",
        File,
        UFD | DSC,
        &[
            p!("fd", Fd),
            p!("offset", Uint64),
            p!("whence", EnumFlags8, Dec, LSEEK_WHENCE)
        ]
    ),
    e!("llseek", File, UFD | DSC, RES),
    /* 90 */
    e!(
        "ioctl",
        IoOther,
        UFD | OLD,
        &[p!("fd", Fd), p!("request", Uint64, Hex)]
    ),
    e!("ioctl", IoOther, UFD | OLD, RES),
    /* 92 */ e!("getcwd", File, DSC),
    e!(
        "getcwd",
        File,
        DSC,
        &[p!("res", Errno), p!("path", CharBuf)]
    ),
    /* 94 */ e!("chdir", File, MS),
    e!("chdir", File, MS, &[p!("res", Errno), p!("path", CharBuf)]),
    /* 96 */ e!("fchdir", File, UFD | MS, FD),
    e!("fchdir", File, UFD | MS, RES),
    /* 98 */
    e!(
        "mkdir",
        File,
        OLD,
        &[p!("path", FsPath), p!("mode", Uint32, Hex)]
    ),
    e!("mkdir", File, OLD, RES),
    /* 100 */ e!("rmdir", File, OLD, &[p!("path", FsPath)]),
    e!("rmdir", File, OLD, RES),
    /* 102 */
    e!(
        "openat",
        File,
        CFD | OLD,
        &[
            p!("dirfd", Fd),
            p!("name", CharBuf),
            p!("flags", Flags32, Hex, FILE_FLAGS),
            p!("mode", Uint32, Oct)
        ]
    ),
    e!("openat", File, CFD | OLD, FD),
    /* 104 */
    e!(
        "link",
        File,
        OLD,
        &[p!("oldpath", FsPath), p!("newpath", FsPath)]
    ),
    e!("link", File, OLD, RES),
    /* 106 */
    e!(
        "linkat",
        File,
        OLD,
        &[
            p!("olddir", Fd),
            p!("oldpath", CharBuf),
            p!("newdir", Fd),
            p!("newpath", CharBuf)
        ]
    ),
    e!("linkat", File, OLD, RES),
    /* 108 */ e!("unlink", File, OLD, &[p!("path", FsPath)]),
    e!("unlink", File, OLD, RES),
    /* 110 */
    e!(
        "unlinkat",
        File,
        OLD,
        &[p!("dirfd", Fd), p!("name", CharBuf)]
    ),
    e!("unlinkat", File, OLD, RES),
    /* 112 */
    e!(
        "pread",
        IoRead,
        RD,
        &[p!("fd", Fd), p!("size", Uint32), p!("pos", Uint64)]
    ),
    e!("pread", IoRead, RD, RES_DATA),
    /* 114 */
    e!(
        "pwrite",
        IoWrite,
        WR,
        &[p!("fd", Fd), p!("size", Uint32), p!("pos", Uint64)]
    ),
    e!("pwrite", IoWrite, WR, RES_DATA),
    /* 116 */ e!("readv", IoRead, RD, FD),
    e!(
        "readv",
        IoRead,
        RD,
        &[p!("res", Errno), p!("size", Uint32), p!("data", ByteBuf)]
    ),
    /* 118 */ e!("writev", IoWrite, WR, FD_SIZE),
    e!("writev", IoWrite, WR, RES_DATA),
    /* 120 */ e!("preadv", IoRead, RD, &[p!("fd", Fd), p!("pos", Uint64)]),
    e!(
        "preadv",
        IoRead,
        RD,
        &[p!("res", Errno), p!("size", Uint32), p!("data", ByteBuf)]
    ),
    /* 122 */
    e!(
        "pwritev",
        IoWrite,
        WR,
        &[p!("fd", Fd), p!("size", Uint32), p!("pos", Uint64)]
    ),
    e!("pwritev", IoWrite, WR, RES_DATA),
    /* 124 */ e!("dup", IoOther, CFD | UFD, FD),
    e!("dup", IoOther, CFD | UFD, &[p!("res", Fd)]),
    /* 126 */
    e!(
        "signalfd",
        Signal,
        CFD,
        &[
            p!("fd", Fd),
            p!("mask", Uint32, Hex),
            p!("flags", Flags8, Hex)
        ]
    ),
    e!("signalfd", Signal, CFD, &[p!("res", Fd)]),
    /* 128 */
    e!(
        "kill",
        Signal,
        EF_NONE,
        &[p!("pid", Pid), p!("sig", SigType)]
    ),
    e!("kill", Signal, EF_NONE, RES),
    /* 130 */
    e!(
        "tkill",
        Signal,
        EF_NONE,
        &[p!("tid", Pid), p!("sig", SigType)]
    ),
    e!("tkill", Signal, EF_NONE, RES),
    /* 132 */
    e!(
        "tgkill",
        Signal,
        EF_NONE,
        &[p!("pid", Pid), p!("tid", Pid), p!("sig", SigType)]
    ),
    e!("tgkill", Signal, EF_NONE, RES),
    /* 134 */
    e!(
        "nanosleep",
        Sleep,
        EF_WAITS | DSC,
        &[p!("interval", RelTime)]
    ),
    e!("nanosleep", Sleep, EF_WAITS | DSC, RES),
    /* 136 */
    e!(
        "timerfd_create",
        Time,
        CFD | DSC,
        &[p!("clockid", Uint8), p!("flags", Flags8, Hex)]
    ),
    e!("timerfd_create", Time, CFD | DSC, &[p!("res", Fd)]),
    /* 138 */ e!("inotify_init", Ipc, CFD, &[p!("flags", Flags8, Hex)]),
    e!("inotify_init", Ipc, CFD, &[p!("res", Fd)]),
    /* 140 */
    e!(
        "getrlimit",
        Process,
        DSC,
        &[p!("resource", EnumFlags8, Dec, RLIMIT_RESOURCES)]
    ),
    e!(
        "getrlimit",
        Process,
        DSC,
        &[p!("res", Errno), p!("cur", Int64), p!("max", Int64)]
    ),
    /* 142 */
    e!(
        "setrlimit",
        Process,
        DSC,
        &[p!("resource", EnumFlags8, Dec, RLIMIT_RESOURCES)]
    ),
    e!(
        "setrlimit",
        Process,
        DSC,
        &[p!("res", Errno), p!("cur", Int64), p!("max", Int64)]
    ),
    /* 144 */
    e!(
        "prlimit",
        Process,
        EF_NONE,
        &[
            p!("pid", Pid),
            p!("resource", EnumFlags8, Dec, RLIMIT_RESOURCES)
        ]
    ),
    e!(
        "prlimit",
        Process,
        EF_NONE,
        &[
            p!("res", Errno),
            p!("newcur", Int64),
            p!("newmax", Int64),
            p!("oldcur", Int64),
            p!("oldmax", Int64)
        ]
    ),
    /* 146 */
    e!(
        "switch",
        Scheduler,
        EF_SKIPPARSERESET | OLD | DSC,
        &[p!("next", Pid)]
    ),
    e!("NA2", Scheduler, EF_SKIPPARSERESET | EF_UNUSED | OLD),
    /* 148 */ e!("drop", Internal, EF_SKIPPARSERESET, &[p!("ratio", Uint32)]),
    e!("drop", Internal, EF_SKIPPARSERESET, &[p!("ratio", Uint32)]),
    /* 150 */
    e!(
        "fcntl",
        IoOther,
        UFD | MS | DSC,
        &[p!("fd", Fd), p!("cmd", EnumFlags8, Dec, FCNTL_COMMANDS)]
    ),
    e!("fcntl", IoOther, UFD | MS | DSC, &[p!("res", Fd)]),
    /* 152 */ e!("switch", Scheduler, DSC, SWITCH_6),
    e!("NA2", Scheduler, EF_UNUSED),
    /* 154 */ e!("execve", Process, MS | OLD),
    e!("execve", Process, MS | OLD, EXECVE_13_X),
    /* 156 */ e!("clone", Process, MS | OLD),
    e!("clone", Process, MS | OLD, CLONE_16_X),
    /* 158 */ e!("brk", Memory, DSC, &[p!("addr", Uint64, Hex)]),
    e!("brk", Memory, DSC, MMAP_X),
    /* 160 */ e!("mmap", Memory, DSC, MMAP_E),
    e!("mmap", Memory, DSC, MMAP_X),
    /* 162 */ e!("mmap2", Memory, DSC, MMAP_E),
    e!("mmap2", Memory, DSC, MMAP_X),
    /* 164 */
    e!(
        "munmap",
        Memory,
        DSC,
        &[p!("addr", Uint64, Hex), p!("length", Uint64)]
    ),
    e!("munmap", Memory, DSC, VM3),
    /* 166 */
    e!(
        "splice",
        IoOther,
        UFD | DSC,
        &[
            p!("fd_in", Fd),
            p!("fd_out", Fd),
            p!("size", Uint64),
            p!("flags", Flags32, Hex, SPLICE_FLAGS)
        ]
    ),
    e!("splice", IoOther, UFD | DSC, RES),
    /* 168 */
    e!(
        "ptrace",
        Process,
        EF_NONE,
        &[
            p!("request", EnumFlags16, Dec, PTRACE_REQUESTS),
            p!("pid", Pid)
        ]
    ),
    e!(
        "ptrace",
        Process,
        EF_NONE,
        &[p!("res", Errno), p!("addr", Dyn, Hex), p!("data", Dyn, Hex)]
    ),
    /* 170 */
    e!(
        "ioctl",
        IoOther,
        UFD,
        &[
            p!("fd", Fd),
            p!("request", Uint64, Hex),
            p!("argument", Uint64, Hex)
        ]
    ),
    e!("ioctl", IoOther, UFD, RES),
    /* 172 */ e!("execve", Process, MS | OLD),
    e!("execve", Process, MS | OLD, EXECVE_14_X),
    /* 174 */ e!("rename", File, EF_NONE),
    e!(
        "rename",
        File,
        EF_NONE,
        &[
            p!("res", Errno),
            p!("oldpath", FsPath),
            p!("newpath", FsPath)
        ]
    ),
    /* 176 */ e!("renameat", File, EF_NONE),
    e!(
        "renameat",
        File,
        EF_NONE,
        &[
            p!("res", Errno),
            p!("olddirfd", Fd),
            p!("oldpath", FsRelPath),
            p!("newdirfd", Fd),
            p!("newpath", FsRelPath)
        ]
    ),
    /* 178 */ e!("symlink", File, EF_NONE),
    e!(
        "symlink",
        File,
        EF_NONE,
        &[
            p!("res", Errno),
            p!("target", CharBuf),
            p!("linkpath", FsPath)
        ]
    ),
    /* 180 */ e!("symlinkat", File, EF_NONE),
    e!(
        "symlinkat",
        File,
        EF_NONE,
        &[
            p!("res", Errno),
            p!("target", CharBuf),
            p!("linkdirfd", Fd),
            p!("linkpath", FsRelPath)
        ]
    ),
    /* 182 */ e!("fork", Process, MS | OLD),
    e!("fork", Process, MS | OLD, CLONE_16_X),
    /* 184 */ e!("vfork", Process, MS | OLD),
    e!("vfork", Process, MS | OLD, CLONE_16_X),
    /* 186 */
    e!(
        "procexit",
        Process,
        MS,
        &[
            p!("status", Errno),
            p!("ret", Errno),
            p!("sig", SigType),
            p!("core", Uint8),
            p!("reaper_tid", Pid)
        ]
    ),
    e!("NA1", Process, EF_UNUSED),
    /* 188 */
    e!(
        "sendfile",
        IoWrite,
        UFD | DSC,
        &[
            p!("out_fd", Fd),
            p!("in_fd", Fd),
            p!("offset", Uint64),
            p!("size", Uint64)
        ]
    ),
    e!(
        "sendfile",
        IoWrite,
        UFD | DSC,
        &[p!("res", Errno), p!("offset", Uint64)]
    ),
    /* 190 */
    e!(
        "quotactl",
        User,
        EF_NONE,
        &[
            p!("cmd", Flags16, Dec, QUOTACTL_CMDS),
            p!("type", Flags8, Dec, QUOTACTL_TYPES),
            p!("id", Uint32),
            p!("quota_fmt", Flags8, Dec, QUOTACTL_QUOTA_FMTS)
        ]
    ),
    e!(
        "quotactl",
        User,
        EF_NONE,
        &[
            p!("res", Errno),
            p!("special", CharBuf),
            p!("quotafilepath", CharBuf)
        ]
    ),
    /* 192 */
    e!(
        "setresuid",
        User,
        MS,
        &[p!("ruid", Uid), p!("euid", Uid), p!("suid", Uid)]
    ),
    e!("setresuid", User, MS, RES),
    /* 194 */
    e!(
        "setresgid",
        User,
        MS,
        &[p!("rgid", Gid), p!("egid", Gid), p!("sgid", Gid)]
    ),
    e!("setresgid", User, MS, RES),
    /* 196 */
    e!(
        "scapevent",
        Internal,
        EF_SKIPPARSERESET,
        &[p!("event_type", Uint32), p!("event_data", Uint64)]
    ),
    e!("scapevent", Internal, EF_UNUSED),
    /* 198 */ e!("setuid", User, MS, &[p!("uid", Uid)]),
    e!("setuid", User, MS, RES),
    /* 200 */ e!("setgid", User, MS, &[p!("gid", Gid)]),
    e!("setgid", User, MS, RES),
    /* 202 */ e!("getuid", User, DSC),
    e!("getuid", User, DSC, &[p!("uid", Uid)]),
    /* 204 */ e!("geteuid", User, DSC),
    e!("geteuid", User, DSC, &[p!("euid", Uid)]),
    /* 206 */ e!("getgid", User, DSC),
    e!("getgid", User, DSC, &[p!("gid", Gid)]),
    /* 208 */ e!("getegid", User, DSC),
    e!("getegid", User, DSC, &[p!("egid", Gid)]),
    /* 210 */ e!("getresuid", User, DSC),
    e!(
        "getresuid",
        User,
        DSC,
        &[
            p!("res", Errno),
            p!("ruid", Uid),
            p!("euid", Uid),
            p!("suid", Uid)
        ]
    ),
    /* 212 */ e!("getresgid", User, DSC),
    e!(
        "getresgid",
        User,
        DSC,
        &[
            p!("res", Errno),
            p!("rgid", Gid),
            p!("egid", Gid),
            p!("sgid", Gid)
        ]
    ),
    /* 214 */ e!("execve", Process, MS | OLD),
    e!("execve", Process, MS | OLD, EXECVE_15_X),
    /* 216 */ e!("clone", Process, MS | OLD),
    e!("clone", Process, MS | OLD, CLONE_17_X),
    /* 218 */ e!("fork", Process, MS | OLD),
    e!("fork", Process, MS | OLD, CLONE_17_X),
    /* 220 */ e!("vfork", Process, MS | OLD),
    e!("vfork", Process, MS | OLD, CLONE_17_X),
    /* 222 */ e!("clone", Process, MS),
    e!("clone", Process, MS, CLONE_20_X),
    /* 224 */ e!("fork", Process, MS),
    e!("fork", Process, MS, CLONE_20_X),
    /* 226 */ e!("vfork", Process, MS),
    e!("vfork", Process, MS, CLONE_20_X),
    /* 228 */
    e!(
        "container",
        Internal,
        EF_SKIPPARSERESET | MS | OLD,
        &[
            p!("id", CharBuf),
            p!("type", Uint32),
            p!("name", CharBuf),
            p!("image", CharBuf)
        ]
    ),
    e!("container", Internal, EF_UNUSED | OLD),
    /* 230 */ e!("execve", Process, MS | OLD),
    e!("execve", Process, MS | OLD, EXECVE_16_X),
    /* 232 */
    e!(
        "signaldeliver",
        Signal,
        DSC,
        &[p!("spid", Pid), p!("dpid", Pid), p!("sig", SigType)]
    ),
    e!("signaldeliver", Signal, EF_UNUSED),
    /* 234 */
    e!(
        "procinfo",
        Internal,
        EF_SKIPPARSERESET | DSC,
        &[p!("cpu_usr", Uint64), p!("cpu_sys", Uint64)]
    ),
    e!("NA2", Internal, EF_UNUSED),
    /* 236 */ e!("getdents", File, UFD | DSC, FD),
    e!("getdents", File, UFD | DSC, RES),
    /* 238 */ e!("getdents64", File, UFD | DSC, FD),
    e!("getdents64", File, UFD | DSC, RES),
    /* 240 */
    e!(
        "setns",
        Process,
        UFD,
        &[p!("fd", Fd), p!("nstype", Flags32, Hex, CLONE_FLAGS)]
    ),
    e!("setns", Process, UFD, RES),
    /* 242 */
    e!(
        "flock",
        File,
        UFD,
        &[p!("fd", Fd), p!("operation", Flags32, Hex, FLOCK_FLAGS)]
    ),
    e!("flock", File, UFD, RES),
    /* 244 */
    e!(
        "cpu_hotplug",
        System,
        EF_SKIPPARSERESET | MS,
        &[p!("cpu", Uint32), p!("action", Uint32)]
    ),
    e!("NA2", System, EF_UNUSED),
    /* 246 */ e!("accept", Net, CFD),
    e!("accept", Net, CFD, ACCEPT_5_X),
    /* 248 */ e!("accept", Net, CFD, &[p!("flags", Int32, Hex)]),
    e!("accept", Net, CFD, ACCEPT_5_X),
    /* 250 */ e!("semop", Process, DSC, &[p!("semid", Int32)]),
    e!(
        "semop",
        Process,
        DSC,
        &[
            p!("res", Errno),
            p!("nsops", Uint32),
            p!("sem_num_0", Uint16),
            p!("sem_op_0", Int16),
            p!("sem_flg_0", Flags16, Hex, SEMOP_FLAGS),
            p!("sem_num_1", Uint16),
            p!("sem_op_1", Int16),
            p!("sem_flg_1", Flags16, Hex, SEMOP_FLAGS)
        ]
    ),
    /* 252 */
    e!(
        "semctl",
        Process,
        DSC,
        &[
            p!("semid", Int32),
            p!("semnum", Int32),
            p!("cmd", Flags16, Hex, SEMCTL_COMMANDS),
            p!("val", Int32)
        ]
    ),
    e!("semctl", Process, DSC, RES),
    /* 254 */
    e!(
        "ppoll",
        Wait,
        EF_WAITS | DSC,
        &[
            p!("fds", FdList),
            p!("timeout", RelTime),
            p!("sigmask", SigSet)
        ]
    ),
    e!(
        "ppoll",
        Wait,
        EF_WAITS | DSC,
        &[p!("res", Errno), p!("fds", FdList)]
    ),
    /* 256 */ e!("mount", File, MS, &[p!("flags", Flags32, Hex, MOUNT_FLAGS)]),
    e!(
        "mount",
        File,
        MS,
        &[
            p!("res", Errno),
            p!("dev", CharBuf),
            p!("dir", FsPath),
            p!("type", CharBuf)
        ]
    ),
    /* 258 */
    e!(
        "umount",
        File,
        MS,
        &[p!("flags", Flags32, Hex, UMOUNT_FLAGS)]
    ),
    e!("umount", File, MS, &[p!("res", Errno), p!("name", FsPath)]),
    /* 260 */ e!("k8s", Internal, EF_SKIPPARSERESET | MS, JSON),
    e!("NA3", System, EF_UNUSED),
    /* 262 */
    e!(
        "semget",
        Process,
        DSC,
        &[
            p!("key", Int32, Hex),
            p!("nsems", Int32),
            p!("semflg", Flags32, Hex, SEMGET_FLAGS)
        ]
    ),
    e!("semget", Process, DSC, RES),
    /* 264 */
    e!(
        "access",
        File,
        DSC,
        &[p!("mode", Flags32, Hex, ACCESS_FLAGS)]
    ),
    e!("access", File, DSC, &[p!("res", Errno), p!("name", FsPath)]),
    /* 266 */ e!("chroot", Process, MS),
    e!(
        "chroot",
        Process,
        MS,
        &[p!("res", Errno), p!("path", FsPath)]
    ),
    /* 268 */
    e!(
        "tracer",
        Other,
        EF_NONE,
        &[
            p!("id", Int64),
            p!("tags", CharBufArray),
            p!("args", CharBufPairArray)
        ]
    ),
    e!(
        "tracer",
        Other,
        EF_NONE,
        &[
            p!("id", Int64),
            p!("tags", CharBufArray),
            p!("args", CharBufPairArray)
        ]
    ),
    /* 270 */ e!("mesos", Internal, EF_SKIPPARSERESET | MS, JSON),
    e!("NA4", System, EF_UNUSED),
    /* 272 */ e!("container", Process, MS, JSON),
    e!("container", Process, EF_UNUSED),
    /* 274 */ e!("setsid", Process, MS),
    e!("setsid", Process, MS, &[p!("res", Pid)]),
    /* 276 */ e!("mkdir", File, EF_NONE, &[p!("mode", Uint32, Hex)]),
    e!("mkdir", File, EF_NONE, RES_PATH),
    /* 278 */ e!("rmdir", File, EF_NONE),
    e!("rmdir", File, EF_NONE, RES_PATH),
    /* 280 */
    e!(
        "notification",
        Other,
        EF_SKIPPARSERESET,
        &[p!("id", CharBuf), p!("desc", CharBuf)]
    ),
    e!("NA4", System, EF_UNUSED),
    /* 282 */ e!("execve", Process, MS | OLD),
    e!("execve", Process, MS | OLD, EXECVE_17_X),
    /* 284 */
    e!(
        "unshare",
        Process,
        EF_NONE,
        &[p!("flags", Flags32, Hex, CLONE_FLAGS)]
    ),
    e!("unshare", Process, EF_NONE, RES),
    /* 286 */
    e!(
        "infra",
        Internal,
        EF_SKIPPARSERESET,
        &[
            p!("source", CharBuf),
            p!("name", CharBuf),
            p!("description", CharBuf),
            p!("scope", CharBuf)
        ]
    ),
    e!("NA4", System, EF_UNUSED),
    /* 288 */ e!("execve", Process, MS | OLD, &[p!("filename", FsPath)]),
    e!("execve", Process, MS | OLD, EXECVE_17_X),
    /* 290 */
    e!(
        "page_fault",
        Other,
        EF_SKIPPARSERESET | DSC,
        &[
            p!("addr", Uint64, Hex),
            p!("ip", Uint64, Hex),
            p!("error", Flags32, Hex, PF_FLAGS)
        ]
    ),
    e!("NA5", Other, EF_UNUSED),
    /* 292 */ e!("execve", Process, MS, &[p!("filename", FsPath)]),
    e!("execve", Process, MS, EXECVE_19_X),
    /* 294 */ e!("setpgid", Process, MS, &[p!("pid", Pid), p!("pgid", Pid)]),
    e!("setpgid", Process, MS, &[p!("res", Pid)]),
    /* 296 */ e!("bpf", Other, EF_CREATES_FD, &[p!("cmd", Int64)]),
    e!("bpf", Other, EF_CREATES_FD, &[p!("res_or_fd", Dyn)]),
    /* 298 */
    e!(
        "seccomp",
        Other,
        EF_NONE,
        &[p!("op", Uint64), p!("flags", Uint64, Hex)]
    ),
    e!("seccomp", Other, EF_NONE, RES),
    /* 300 */ e!("unlink", File, EF_NONE),
    e!("unlink", File, EF_NONE, RES_PATH),
    /* 302 */ e!("unlinkat", File, EF_NONE),
    e!(
        "unlinkat",
        File,
        EF_NONE,
        &[
            p!("res", Errno),
            p!("dirfd", Fd),
            p!("name", FsRelPath),
            p!("flags", Flags32, Hex, UNLINKAT_FLAGS)
        ]
    ),
    /* 304 */ e!("mkdirat", File, EF_NONE),
    e!(
        "mkdirat",
        File,
        EF_NONE,
        &[
            p!("res", Errno),
            p!("dirfd", Fd),
            p!("path", FsRelPath),
            p!("mode", Uint32, Hex)
        ]
    ),
    /* 306 */
    e!(
        "openat",
        File,
        CFD,
        &[
            p!("dirfd", Fd),
            p!("name", FsRelPath),
            p!("flags", Flags32, Hex, FILE_FLAGS),
            p!("mode", Uint32, Oct)
        ]
    ),
    e!("openat", File, CFD, OPENAT_2_X),
    /* 308 */ e!("link", File, EF_NONE),
    e!(
        "link",
        File,
        EF_NONE,
        &[
            p!("res", Errno),
            p!("oldpath", FsPath),
            p!("newpath", FsPath)
        ]
    ),
    /* 310 */ e!("linkat", File, EF_NONE),
    e!(
        "linkat",
        File,
        EF_NONE,
        &[
            p!("res", Errno),
            p!("olddir", Fd),
            p!("oldpath", FsRelPath),
            p!("newdir", Fd),
            p!("newpath", FsRelPath),
            p!("flags", Flags32, Hex, LINKAT_FLAGS)
        ]
    ),
    /* 312 */ e!("fchmodat", File, EF_NONE),
    e!(
        "fchmodat",
        File,
        EF_NONE,
        &[
            p!("res", Errno),
            p!("dirfd", Fd),
            p!("filename", FsRelPath),
            p!("mode", Mode, Oct, CHMOD_MODE)
        ]
    ),
    /* 314 */ e!("chmod", File, EF_NONE),
    e!(
        "chmod",
        File,
        EF_NONE,
        &[
            p!("res", Errno),
            p!("filename", FsPath),
            p!("mode", Mode, Oct, CHMOD_MODE)
        ]
    ),
    /* 316 */ e!("fchmod", File, EF_NONE),
    e!(
        "fchmod",
        File,
        EF_NONE,
        &[
            p!("res", Errno),
            p!("fd", Fd),
            p!("mode", Mode, Oct, CHMOD_MODE)
        ]
    ),
    /* 318 */ e!("renameat2", File, EF_NONE),
    e!(
        "renameat2",
        File,
        EF_NONE,
        &[
            p!("res", Errno),
            p!("olddirfd", Fd),
            p!("oldpath", FsRelPath),
            p!("newdirfd", Fd),
            p!("newpath", FsRelPath),
            p!("flags", Flags32, Hex, RENAMEAT2_FLAGS)
        ]
    ),
    /* 320 */ e!("userfaultfd", File, CFD),
    e!(
        "userfaultfd",
        File,
        CFD,
        &[p!("res", Errno), p!("flags", Flags32, Hex, FILE_FLAGS)]
    ),
    /* 322 */
    e!(
        "pluginevent",
        Other,
        EF_LARGE_PAYLOAD,
        &[p!("plugin_id", Uint32), p!("event_data", ByteBuf)]
    ),
    e!("pluginevent", Other, EF_UNUSED),
    /* 324 */ e!("container", Process, MS | EF_LARGE_PAYLOAD, JSON),
    e!("container", Process, EF_UNUSED),
    /* 326 */
    e!(
        "openat2",
        File,
        CFD,
        &[
            p!("dirfd", Fd),
            p!("name", FsRelPath),
            p!("flags", Flags32, Hex, FILE_FLAGS),
            p!("mode", Uint32, Oct),
            p!("resolve", Flags32, Hex, OPENAT2_FLAGS)
        ]
    ),
    e!(
        "openat2",
        File,
        CFD,
        &[
            p!("fd", Fd),
            p!("dirfd", Fd),
            p!("name", FsRelPath),
            p!("flags", Flags32, Hex, FILE_FLAGS),
            p!("mode", Uint32, Oct),
            p!("resolve", Flags32, Hex, OPENAT2_FLAGS)
        ]
    ),
    /* 328 */
    e!(
        "mprotect",
        Memory,
        DSC,
        &[
            p!("addr", Uint64, Hex),
            p!("length", Uint64),
            p!("prot", Flags32, Hex, PROT_FLAGS)
        ]
    ),
    e!("mprotect", Memory, DSC, RES),
    /* 330 */
    e!(
        "execveat",
        Process,
        MS,
        &[
            p!("dirfd", Fd),
            p!("pathname", FsRelPath),
            p!("flags", Flags32, Hex, EXECVEAT_FLAGS)
        ]
    ),
    e!("execveat", Process, MS, EXECVE_19_X),
    /* 332 */
    e!(
        "copy_file_range",
        File,
        UFD | EF_READS_FROM_FD | EF_WRITES_TO_FD,
        &[p!("fdin", Fd), p!("offin", Uint64), p!("len", Uint64)]
    ),
    e!(
        "copy_file_range",
        File,
        UFD | EF_READS_FROM_FD | EF_WRITES_TO_FD,
        &[p!("res", Errno), p!("fdout", Fd), p!("offout", Uint64)]
    ),
    /* 334 */ e!("clone3", Process, MS),
    e!("clone3", Process, MS, CLONE_20_X),
    /* 336 */ e!("open_by_handle_at", File, CFD),
    e!(
        "open_by_handle_at",
        File,
        CFD,
        &[
            p!("fd", Fd),
            p!("mountfd", Fd),
            p!("flags", Flags32, Hex, FILE_FLAGS),
            p!("path", FsPath)
        ]
    ),
    /* 338 */ e!("io_uring_setup", Other, CFD),
    e!(
        "io_uring_setup",
        Other,
        CFD,
        &[
            p!("res", Errno),
            p!("entries", Uint32),
            p!("sq_entries", Uint32),
            p!("cq_entries", Uint32),
            p!("flags", Flags32, Hex, IO_URING_SETUP_FLAGS),
            p!("sq_thread_cpu", Uint32),
            p!("sq_thread_idle", Uint32),
            p!("features", Flags32, Hex, IO_URING_SETUP_FEATS)
        ]
    ),
    /* 340 */ e!("io_uring_enter", IoOther, UFD | EF_WRITES_TO_FD),
    e!(
        "io_uring_enter",
        IoOther,
        UFD | EF_WRITES_TO_FD,
        &[
            p!("res", Errno),
            p!("fd", Fd),
            p!("to_submit", Uint32),
            p!("min_complete", Uint32),
            p!("flags", Flags32, Hex, IO_URING_ENTER_FLAGS),
            p!("sig", SigSet)
        ]
    ),
    /* 342 */ e!("io_uring_register", Other, UFD | MS),
    e!(
        "io_uring_register",
        Other,
        UFD | MS,
        &[
            p!("res", Errno),
            p!("fd", Fd),
            p!("opcode", EnumFlags16),
            p!("arg", Uint64, Hex),
            p!("nr_args", Uint32)
        ]
    ),
    /* 344 */ e!("mlock", Memory, DSC),
    e!(
        "mlock",
        Memory,
        DSC,
        &[p!("res", Errno), p!("addr", Uint64, Hex), p!("len", Uint64)]
    ),
    /* 346 */ e!("munlock", Memory, DSC),
    e!(
        "munlock",
        Memory,
        DSC,
        &[p!("res", Errno), p!("addr", Uint64, Hex), p!("len", Uint64)]
    ),
    /* 348 */ e!("mlockall", Memory, DSC),
    e!(
        "mlockall",
        Memory,
        DSC,
        &[p!("res", Errno), p!("flags", Flags32, Hex, MLOCKALL_FLAGS)]
    ),
    /* 350 */ e!("munlockall", Memory, DSC),
    e!("munlockall", Memory, DSC, RES),
    /* 352 */ e!("capset", Process, MS),
    e!(
        "capset",
        Process,
        MS,
        &[
            p!("res", Errno),
            p!("cap_inheritable", Uint64, Hex),
            p!("cap_permitted", Uint64, Hex),
            p!("cap_effective", Uint64, Hex)
        ]
    ),
    /* 354 */ e!("useradded", Internal, MS, USER_PARAMS),
    e!("NA", Internal, EF_UNUSED),
    /* 356 */ e!("userdeleted", Internal, MS, USER_PARAMS),
    e!("NA", Internal, EF_UNUSED),
    /* 358 */ e!("groupadded", Internal, MS, GROUP_PARAMS),
    e!("NA", Internal, EF_UNUSED),
    /* 360 */ e!("groupdeleted", Internal, MS, GROUP_PARAMS),
    e!("NA", Internal, EF_UNUSED),
    /* 362 */ e!("dup2", IoOther, CFD | UFD, FD),
    e!(
        "dup2",
        IoOther,
        CFD | UFD,
        &[p!("res", Fd), p!("oldfd", Fd), p!("newfd", Fd)]
    ),
    /* 364 */ e!("dup3", IoOther, CFD | UFD, FD),
    e!(
        "dup3",
        IoOther,
        CFD | UFD,
        &[
            p!("res", Fd),
            p!("oldfd", Fd),
            p!("newfd", Fd),
            p!("flags", Flags32, Hex, FILE_FLAGS)
        ]
    ),
    /* 366 */ e!("dup", IoOther, CFD | UFD, FD),
    e!("dup", IoOther, CFD | UFD, &[p!("res", Fd), p!("oldfd", Fd)]),
    /* 368 */ e!("bpf", Other, EF_CREATES_FD, &[p!("cmd", Int64)]),
    e!(
        "bpf",
        Other,
        EF_CREATES_FD,
        &[p!("fd", Fd), p!("cmd", Int32)]
    ),
    /* 370 */ e!("mlock2", Memory, EF_NONE),
    e!(
        "mlock2",
        Memory,
        EF_NONE,
        &[
            p!("res", Errno),
            p!("addr", Uint64, Hex),
            p!("len", Uint64),
            p!("flags", Uint32, Hex)
        ]
    ),
    /* 372 */ e!("fsconfig", System, EF_NONE),
    e!(
        "fsconfig",
        System,
        UFD,
        &[
            p!("res", Errno),
            p!("fd", Fd),
            p!("cmd", EnumFlags32),
            p!("key", CharBuf),
            p!("value_bytebuf", ByteBuf),
            p!("value_charbuf", CharBuf),
            p!("aux", Int32)
        ]
    ),
    /* 374 */ e!("epoll_create", Wait, CFD, &[p!("size", Int32)]),
    e!("epoll_create", Wait, CFD, RES),
    /* 376 */
    e!(
        "epoll_create1",
        Wait,
        CFD,
        &[p!("flags", Flags32, Hex, EPOLL_CREATE1_FLAGS)]
    ),
    e!("epoll_create1", Wait, CFD, RES),
    /* 378 */ e!("chown", File, EF_NONE),
    e!("chown", File, EF_NONE, CHOWN_X),
    /* 380 */ e!("lchown", File, EF_NONE),
    e!("lchown", File, EF_NONE, CHOWN_X),
    /* 382 */ e!("fchown", File, EF_NONE),
    e!(
        "fchown",
        File,
        UFD,
        &[
            p!("res", Errno),
            p!("fd", Fd),
            p!("uid", Uint32),
            p!("gid", Uint32)
        ]
    ),
    /* 384 */ e!("fchownat", File, EF_NONE),
    e!(
        "fchownat",
        File,
        EF_NONE,
        &[
            p!("res", Errno),
            p!("dirfd", Fd),
            p!("pathname", FsRelPath),
            p!("uid", Uint32),
            p!("gid", Uint32),
            p!("flags", Flags32, Hex)
        ]
    ),
    /* 386 */ e!("umount", File, MS),
    e!("umount", File, MS, &[p!("res", Errno), p!("name", FsPath)]),
    /* 388 */ e!("accept4", Net, CFD, &[p!("flags", Int32, Hex)]),
    e!("accept4", Net, CFD, ACCEPT_5_X),
    /* 390 */
    e!(
        "umount2",
        File,
        MS,
        &[p!("flags", Flags32, Hex, UMOUNT_FLAGS)]
    ),
    e!("umount2", File, MS, &[p!("res", Errno), p!("name", FsPath)]),
    /* 392 */ e!("pipe2", Ipc, CFD),
    e!(
        "pipe2",
        Ipc,
        CFD,
        &[
            p!("res", Errno),
            p!("fd1", Fd),
            p!("fd2", Fd),
            p!("ino", Uint64),
            p!("flags", Flags32, Hex, FILE_FLAGS)
        ]
    ),
    /* 394 */ e!("inotify_init1", Ipc, CFD),
    e!(
        "inotify_init1",
        Ipc,
        CFD,
        &[p!("res", Fd), p!("flags", Flags16, Hex, FILE_FLAGS)]
    ),
    /* 396 */ e!("eventfd2", Ipc, CFD, &[p!("initval", Uint64)]),
    e!(
        "eventfd2",
        Ipc,
        CFD,
        &[p!("res", Fd), p!("flags", Flags16, Hex, FILE_FLAGS)]
    ),
    /* 398 */
    e!(
        "signalfd4",
        Signal,
        CFD,
        &[p!("fd", Fd), p!("mask", Uint32, Hex)]
    ),
    e!(
        "signalfd4",
        Signal,
        CFD,
        &[p!("res", Fd), p!("flags", Flags16, Hex)]
    ),
    /* 400 */ e!("prctl", Process, MS),
    e!(
        "prctl",
        Process,
        MS,
        &[
            p!("res", Errno),
            p!("option", EnumFlags32),
            p!("arg2_str", CharBuf),
            p!("arg2_int", Int64)
        ]
    ),
    /* 402 */
    e!(
        "asyncevent",
        Internal,
        EF_LARGE_PAYLOAD,
        &[
            p!("plugin_id", Uint32),
            p!("name", CharBuf),
            p!("data", ByteBuf)
        ]
    ),
    e!("NA", Internal, EF_UNUSED),
    /* 404 */ e!("memfd_create", Memory, CFD),
    e!(
        "memfd_create",
        Memory,
        CFD,
        &[p!("fd", Fd), p!("name", CharBuf), p!("flags", Flags32, Hex)]
    ),
    /* 406 */ e!("pidfd_getfd", Process, CFD),
    e!(
        "pidfd_getfd",
        Process,
        CFD,
        &[
            p!("fd", Fd),
            p!("pid_fd", Fd),
            p!("target_fd", Fd),
            p!("flags", Flags32, Hex)
        ]
    ),
    /* 408 */ e!("pidfd_open", Process, CFD),
    e!(
        "pidfd_open",
        Process,
        CFD,
        &[p!("fd", Fd), p!("pid", Pid), p!("flags", Flags32, Hex)]
    ),
    /* 410 */ e!("init_module", Other, EF_NONE),
    e!(
        "init_module",
        Other,
        EF_NONE,
        &[
            p!("res", Errno),
            p!("img", ByteBuf),
            p!("length", Uint64),
            p!("uargs", CharBuf)
        ]
    ),
    /* 412 */ e!("finit_module", Other, EF_NONE),
    e!(
        "finit_module",
        Other,
        EF_USES_FD | EF_READS_FROM_FD,
        &[
            p!("res", Errno),
            p!("fd", Fd),
            p!("uargs", CharBuf),
            p!("flags", Flags32)
        ]
    ),
    /* 414 */ e!("mknod", Other, EF_NONE),
    e!(
        "mknod",
        Other,
        EF_NONE,
        &[
            p!("res", Errno),
            p!("path", FsPath),
            p!("mode", Mode, Oct),
            p!("dev", Uint32)
        ]
    ),
    /* 416 */ e!("mknodat", Other, EF_NONE),
    e!(
        "mknodat",
        Other,
        UFD,
        &[
            p!("res", Errno),
            p!("dirfd", Fd),
            p!("path", FsRelPath),
            p!("mode", Mode, Oct),
            p!("dev", Uint32)
        ]
    ),
    /* 418 */ e!("newfstatat", File, EF_NONE),
    e!(
        "newfstatat",
        File,
        UFD,
        &[
            p!("res", Errno),
            p!("dirfd", Fd),
            p!("path", FsRelPath),
            p!("flags", Flags32, Hex)
        ]
    ),
];

const CHOWN_X: &[ParamInfo] = &[
    p!("res", Errno),
    p!("path", FsPath),
    p!("uid", Uint32),
    p!("gid", Uint32),
];

const USER_PARAMS: &[ParamInfo] = &[
    p!("uid", Uint32),
    p!("gid", Uint32),
    p!("name", CharBuf),
    p!("home", CharBuf),
    p!("shell", CharBuf),
    p!("container_id", CharBuf),
];
const GROUP_PARAMS: &[ParamInfo] = &[
    p!("gid", Uint32),
    p!("name", CharBuf),
    p!("container_id", CharBuf),
];

/// Names of the driver's portable system call codes (`PPM_SC_*`), carried by the `ID`
/// parameter of generic `syscall` events: sysdig shows those events under the call's name.
pub static SYSCALL_NAMES: [&str; 321] = [
    "unknown",
    "restart_syscall",
    "exit",
    "read",
    "write",
    "open",
    "close",
    "creat",
    "link",
    "unlink",
    "chdir",
    "time",
    "mknod",
    "chmod",
    "stat",
    "lseek",
    "getpid",
    "mount",
    "ptrace",
    "alarm",
    "fstat",
    "pause",
    "utime",
    "access",
    "sync",
    "kill",
    "rename",
    "mkdir",
    "rmdir",
    "dup",
    "pipe",
    "times",
    "brk",
    "acct",
    "ioctl",
    "fcntl",
    "setpgid",
    "umask",
    "chroot",
    "ustat",
    "dup2",
    "getppid",
    "getpgrp",
    "setsid",
    "sethostname",
    "setrlimit",
    "getrusage",
    "gettimeofday",
    "settimeofday",
    "symlink",
    "lstat",
    "readlink",
    "uselib",
    "swapon",
    "reboot",
    "mmap",
    "munmap",
    "truncate",
    "ftruncate",
    "fchmod",
    "getpriority",
    "setpriority",
    "statfs",
    "fstatfs",
    "syslog",
    "setitimer",
    "getitimer",
    "uname",
    "vhangup",
    "wait4",
    "swapoff",
    "sysinfo",
    "fsync",
    "setdomainname",
    "adjtimex",
    "mprotect",
    "init_module",
    "delete_module",
    "quotactl",
    "getpgid",
    "fchdir",
    "sysfs",
    "personality",
    "getdents",
    "select",
    "flock",
    "msync",
    "readv",
    "writev",
    "getsid",
    "fdatasync",
    "mlock",
    "munlock",
    "mlockall",
    "munlockall",
    "sched_setparam",
    "sched_getparam",
    "sched_setscheduler",
    "sched_getscheduler",
    "sched_yield",
    "sched_get_priority_max",
    "sched_get_priority_min",
    "sched_rr_get_interval",
    "nanosleep",
    "mremap",
    "poll",
    "prctl",
    "rt_sigaction",
    "rt_sigprocmask",
    "rt_sigpending",
    "rt_sigtimedwait",
    "rt_sigqueueinfo",
    "rt_sigsuspend",
    "getcwd",
    "capget",
    "capset",
    "sendfile",
    "getrlimit",
    "lchown",
    "getuid",
    "getgid",
    "geteuid",
    "getegid",
    "setreuid",
    "setregid",
    "getgroups",
    "setgroups",
    "fchown",
    "setresuid",
    "getresuid",
    "setresgid",
    "getresgid",
    "chown",
    "setuid",
    "setgid",
    "setfsuid",
    "setfsgid",
    "pivot_root",
    "mincore",
    "madvise",
    "gettid",
    "setxattr",
    "lsetxattr",
    "fsetxattr",
    "getxattr",
    "lgetxattr",
    "fgetxattr",
    "listxattr",
    "llistxattr",
    "flistxattr",
    "removexattr",
    "lremovexattr",
    "fremovexattr",
    "tkill",
    "futex",
    "sched_setaffinity",
    "sched_getaffinity",
    "set_thread_area",
    "get_thread_area",
    "io_setup",
    "io_destroy",
    "io_getevents",
    "io_submit",
    "io_cancel",
    "exit_group",
    "epoll_create",
    "epoll_ctl",
    "epoll_wait",
    "remap_file_pages",
    "set_tid_address",
    "timer_create",
    "timer_settime",
    "timer_gettime",
    "timer_getoverrun",
    "timer_delete",
    "clock_settime",
    "clock_gettime",
    "clock_getres",
    "clock_nanosleep",
    "tgkill",
    "utimes",
    "mq_open",
    "mq_unlink",
    "mq_timedsend",
    "mq_timedreceive",
    "mq_notify",
    "mq_getsetattr",
    "kexec_load",
    "waitid",
    "add_key",
    "request_key",
    "keyctl",
    "ioprio_set",
    "ioprio_get",
    "inotify_init",
    "inotify_add_watch",
    "inotify_rm_watch",
    "openat",
    "mkdirat",
    "mknodat",
    "fchownat",
    "futimesat",
    "unlinkat",
    "renameat",
    "linkat",
    "symlinkat",
    "readlinkat",
    "fchmodat",
    "faccessat",
    "pselect6",
    "ppoll",
    "unshare",
    "set_robust_list",
    "get_robust_list",
    "splice",
    "tee",
    "vmsplice",
    "getcpu",
    "epoll_pwait",
    "utimensat",
    "signalfd",
    "timerfd_create",
    "eventfd",
    "timerfd_settime",
    "timerfd_gettime",
    "signalfd4",
    "eventfd2",
    "epoll_create1",
    "dup3",
    "pipe2",
    "inotify_init1",
    "preadv",
    "pwritev",
    "rt_tgsigqueueinfo",
    "perf_event_open",
    "fanotify_init",
    "prlimit64",
    "clock_adjtime",
    "syncfs",
    "setns",
    "getdents64",
    "socket",
    "bind",
    "connect",
    "listen",
    "accept",
    "getsockname",
    "getpeername",
    "socketpair",
    "sendto",
    "recvfrom",
    "shutdown",
    "setsockopt",
    "getsockopt",
    "sendmsg",
    "sendmmsg",
    "recvmsg",
    "recvmmsg",
    "accept4",
    "semop",
    "semget",
    "semctl",
    "msgsnd",
    "msgrcv",
    "msgget",
    "msgctl",
    "shmdt",
    "shmget",
    "shmctl",
    "statfs64",
    "fstatfs64",
    "fstatat64",
    "sendfile64",
    "ugetrlimit",
    "bdflush",
    "sigprocmask",
    "ipc",
    "socketcall",
    "stat64",
    "lstat64",
    "fstat64",
    "fcntl64",
    "mmap2",
    "_newselect",
    "sgetmask",
    "ssetmask",
    "sigpending",
    "olduname",
    "umount",
    "signal",
    "nice",
    "stime",
    "_llseek",
    "waitpid",
    "pread64",
    "pwrite64",
    "arch_prctl",
    "shmat",
    "sigreturn",
    "fallocate",
    "newfstatat",
    "process_vm_readv",
    "process_vm_writev",
    "fork",
    "vfork",
    "setuid32",
    "getuid32",
    "setgid32",
    "geteuid32",
    "getgid32",
    "setresuid32",
    "setresgid32",
    "getresuid32",
    "getresgid32",
    "finit_module",
    "bpf",
    "seccomp",
    "sigaltstack",
    "getrandom",
    "fadvise64",
    "renameat2",
];

/// The name of portable system call code `id`, if known.
pub fn syscall_name(id: u64) -> Option<&'static str> {
    usize::try_from(id)
        .ok()
        .and_then(|i| SYSCALL_NAMES.get(i))
        .copied()
        .filter(|n| *n != "unknown")
}

static UNKNOWN: EventInfo = e!("unknown", Unknown, EF_UNUSED);

/// The table entry of event type `id`; an `unknown` entry without parameters for ids beyond the
/// table.
pub fn event_info(id: u16) -> &'static EventInfo {
    EVENTS.get(usize::from(id)).unwrap_or(&UNKNOWN)
}

/// Every event type id whose name is `name` (both directions, every version), e.g. the ids
/// `evt.type = open` matches.
pub fn event_ids(name: &str) -> impl Iterator<Item = u16> + '_ {
    EVENTS
        .iter()
        .enumerate()
        .filter(move |(_, e)| e.name == name && e.flags & EF_UNUSED == 0)
        .filter_map(|(i, _)| u16::try_from(i).ok())
}

/// Well-known event type ids.
#[allow(missing_docs, reason = "the names are the driver's PPME_* names")]
pub mod ids {
    pub const GENERIC_E: u16 = 0;
    pub const GENERIC_X: u16 = 1;
    pub const OPEN_E: u16 = 2;
    pub const OPEN_X: u16 = 3;
    pub const CLOSE_E: u16 = 4;
    pub const CLOSE_X: u16 = 5;
    pub const EXECVE_8_X: u16 = 13;
    pub const CLONE_11_X: u16 = 15;
    pub const PROCEXIT_E: u16 = 16;
    pub const SOCKET_E: u16 = 18;
    pub const SOCKET_X: u16 = 19;
    pub const BIND_X: u16 = 21;
    pub const CONNECT_E: u16 = 22;
    pub const CONNECT_X: u16 = 23;
    pub const ACCEPT_X: u16 = 27;
    pub const SENDTO_E: u16 = 30;
    pub const RECVFROM_X: u16 = 35;
    pub const SOCKETPAIR_X: u16 = 43;
    pub const SENDMSG_E: u16 = 48;
    pub const RECVMSG_X: u16 = 53;
    pub const ACCEPT4_X: u16 = 57;
    pub const CREAT_E: u16 = 58;
    pub const CREAT_X: u16 = 59;
    pub const PIPE_X: u16 = 61;
    pub const EVENTFD_X: u16 = 63;
    pub const CHDIR_X: u16 = 95;
    pub const FCHDIR_E: u16 = 96;
    pub const FCHDIR_X: u16 = 97;
    pub const OPENAT_E: u16 = 102;
    pub const OPENAT_X: u16 = 103;
    pub const DUP_X: u16 = 125;
    pub const SIGNALFD_X: u16 = 127;
    pub const TIMERFD_CREATE_X: u16 = 137;
    pub const INOTIFY_INIT_X: u16 = 139;
    pub const SCHEDSWITCH_1_E: u16 = 146;
    pub const FCNTL_E: u16 = 150;
    pub const FCNTL_X: u16 = 151;
    pub const SCHEDSWITCH_6_E: u16 = 152;
    pub const EXECVE_13_X: u16 = 155;
    pub const CLONE_16_X: u16 = 157;
    pub const EXECVE_14_X: u16 = 173;
    pub const FORK_X: u16 = 183;
    pub const VFORK_X: u16 = 185;
    pub const PROCEXIT_1_E: u16 = 186;
    pub const SETRESUID_E: u16 = 192;
    pub const SETRESUID_X: u16 = 193;
    pub const SETRESGID_E: u16 = 194;
    pub const SETRESGID_X: u16 = 195;
    pub const SETUID_E: u16 = 198;
    pub const SETUID_X: u16 = 199;
    pub const SETGID_E: u16 = 200;
    pub const SETGID_X: u16 = 201;
    pub const EXECVE_15_X: u16 = 215;
    pub const CLONE_17_X: u16 = 217;
    pub const FORK_17_X: u16 = 219;
    pub const VFORK_17_X: u16 = 221;
    pub const CLONE_20_X: u16 = 223;
    pub const FORK_20_X: u16 = 225;
    pub const VFORK_20_X: u16 = 227;
    pub const CONTAINER_E: u16 = 228;
    pub const EXECVE_16_X: u16 = 231;
    pub const PROCINFO_E: u16 = 234;
    pub const ACCEPT_5_X: u16 = 247;
    pub const ACCEPT4_5_X: u16 = 249;
    pub const CHROOT_X: u16 = 267;
    pub const CONTAINER_JSON_E: u16 = 272;
    pub const SETSID_X: u16 = 275;
    pub const EXECVE_17_X: u16 = 283;
    pub const EXECVE_18_X: u16 = 289;
    pub const EXECVE_19_E: u16 = 292;
    pub const EXECVE_19_X: u16 = 293;
    pub const SETPGID_X: u16 = 295;
    pub const BPF_X: u16 = 297;
    pub const OPENAT_2_E: u16 = 306;
    pub const OPENAT_2_X: u16 = 307;
    pub const USERFAULTFD_X: u16 = 321;
    pub const CONTAINER_JSON_2_E: u16 = 324;
    pub const OPENAT2_E: u16 = 326;
    pub const OPENAT2_X: u16 = 327;
    pub const EXECVEAT_X: u16 = 331;
    pub const CLONE3_X: u16 = 335;
    pub const OPEN_BY_HANDLE_AT_X: u16 = 337;
    pub const IO_URING_SETUP_X: u16 = 339;
    pub const USER_ADDED_E: u16 = 354;
    pub const USER_DELETED_E: u16 = 356;
    pub const GROUP_ADDED_E: u16 = 358;
    pub const GROUP_DELETED_E: u16 = 360;
    pub const DUP2_X: u16 = 363;
    pub const DUP3_X: u16 = 365;
    pub const DUP_1_X: u16 = 367;
    pub const BPF_2_X: u16 = 369;
    pub const EPOLL_CREATE_X: u16 = 375;
    pub const EPOLL_CREATE1_X: u16 = 377;
    pub const ACCEPT4_6_X: u16 = 389;
    pub const PIPE2_X: u16 = 393;
    pub const INOTIFY_INIT1_X: u16 = 395;
    pub const EVENTFD2_X: u16 = 397;
    pub const SIGNALFD4_X: u16 = 399;
    pub const ASYNCEVENT_E: u16 = 402;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_match_names() {
        assert_eq!(event_info(ids::OPENAT_2_X).name, "openat");
        assert_eq!(event_info(ids::EXECVE_19_X).name, "execve");
        assert_eq!(event_info(ids::CLONE_20_X).name, "clone");
        assert_eq!(event_info(ids::PROCEXIT_1_E).name, "procexit");
        assert_eq!(event_info(ids::CONTAINER_JSON_E).name, "container");
        assert_eq!(event_info(ids::PROCINFO_E).name, "procinfo");
        assert_eq!(event_info(ids::SCHEDSWITCH_6_E).name, "switch");
        assert_eq!(event_info(ids::CLONE3_X).name, "clone3");
        assert_eq!(event_info(ids::IO_URING_SETUP_X).name, "io_uring_setup");
        assert_eq!(event_info(9999).name, "unknown");
    }

    #[test]
    fn enter_and_exit_share_names() {
        for (i, pair) in EVENTS.chunks(2).enumerate() {
            let [enter, exit] = pair else {
                panic!("odd table")
            };
            if enter.flags & EF_UNUSED == 0 && exit.flags & EF_UNUSED == 0 {
                assert_eq!(enter.name, exit.name, "pair at id {}", i * 2);
            }
        }
    }

    #[test]
    fn lookup_by_name() {
        let open: Vec<u16> = event_ids("open").collect();
        assert_eq!(open, vec![2, 3]);
        let execve: Vec<u16> = event_ids("execve").collect();
        assert!(execve.contains(&292) && execve.contains(&293) && execve.contains(&13));
    }

    /// Events of newer drivers (ids 368 and up) that Falco's rules name.
    #[test]
    fn newer_driver_events() {
        let ids_of = |n: &str| event_ids(n).collect::<Vec<u16>>();
        assert_eq!(ids_of("init_module"), vec![410, 411]);
        assert_eq!(ids_of("finit_module"), vec![412, 413]);
        assert_eq!(ids_of("accept4"), vec![388, 389]);
        assert_eq!(ids_of("dup2"), vec![362, 363]);
        assert_eq!(ids_of("dup3"), vec![364, 365]);
        assert_eq!(ids_of("pipe2"), vec![392, 393]);
        assert_eq!(ids_of("newfstatat"), vec![418, 419]);
        assert_eq!(EVENTS.len(), 420);
        let fin = event_info(413);
        assert_eq!(fin.param_index("fd"), Some(1));
        assert!(fin.flags & EF_USES_FD != 0);
        assert_eq!(event_info(ids::ACCEPT4_6_X).params.len(), 5);
        assert_eq!(event_info(ids::ASYNCEVENT_E).name, "asyncevent");
    }
}
