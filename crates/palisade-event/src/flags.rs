//! Name tables for flag and enum parameters, and their sysdig-style rendering.
//!
//! Values are the driver's portable `PPM_*` encodings (not the raw Linux values), as found in
//! captures. [`render_flags`] renders a bit set like sysdig does (`O_RDONLY|O_CLOEXEC`);
//! [`render_enum`] renders an enumeration (`AF_INET`).

use std::fmt;

/// One named value of a flag or enum table.
pub type Flag = (&'static str, u32);

/// Whether a table holds bit flags or an enumeration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableKind {
    /// Bit set: every named bit present is listed, joined by `|`.
    Flags,
    /// Enumeration: the single matching name.
    Enum,
}

/// A named table of values attached to a parameter.
#[derive(Debug, PartialEq, Eq)]
pub struct NameTable {
    /// The table's name as in the driver sources (`FILE_FLAGS`).
    pub name: &'static str,
    /// Bit set or enumeration.
    pub kind: TableKind,
    /// Names and values, in rendering order.
    pub values: &'static [Flag],
}

impl NameTable {
    /// Renders `value` with this table (see [`render_flags`] and [`render_enum`]).
    pub fn render(&'static self, value: u64) -> Rendered {
        Rendered { table: self, value }
    }

    /// The value of `name` in this table, if any.
    pub fn value_of(&self, name: &str) -> Option<u32> {
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }
}

/// A value rendered through a [`NameTable`]; formats without allocating.
#[derive(Debug, Clone, Copy)]
pub struct Rendered {
    table: &'static NameTable,
    value: u64,
}

impl fmt::Display for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.table.kind {
            TableKind::Flags => render_flags(f, self.table.values, self.value),
            TableKind::Enum => render_enum(f, self.table.values, self.value),
        }
    }
}

/// Writes the names of the bits of `value` found in `table`, joined by `|`, like sysdig: a
/// name with value 0 is written only when `value` is 0 and no other name matched; if nothing
/// matches, nothing is written.
pub fn render_flags(out: &mut dyn fmt::Write, table: &[Flag], value: u64) -> fmt::Result {
    let mut first = true;
    let mut remaining = value;
    for &(name, v) in table {
        let v = u64::from(v);
        if v == 0 {
            continue;
        }
        if value & v == v && remaining & v != 0 {
            if !first {
                out.write_char('|')?;
            }
            out.write_str(name)?;
            first = false;
            remaining &= !v;
        }
    }
    if first && value == 0 {
        if let Some((name, _)) = table.iter().find(|(_, v)| *v == 0) {
            out.write_str(name)?;
        }
    }
    Ok(())
}

/// Writes the first name of `table` equal to `value`; nothing when none matches.
pub fn render_enum(out: &mut dyn fmt::Write, table: &[Flag], value: u64) -> fmt::Result {
    if let Some((name, _)) = table.iter().find(|(_, v)| u64::from(*v) == value) {
        out.write_str(name)?;
    }
    Ok(())
}

macro_rules! table {
    ($id:ident, $kind:ident, [$(($n:literal, $v:expr)),* $(,)?]) => {
        #[doc = concat!("The driver's `", stringify!($id), "` name table.")]
        pub static $id: NameTable = NameTable {
            name: stringify!($id),
            kind: TableKind::$kind,
            values: &[$(($n, $v)),*],
        };
    };
}

table!(
    SOCKET_FAMILIES,
    Enum,
    [
        ("AF_NFC", 39),
        ("AF_ALG", 38),
        ("AF_CAIF", 37),
        ("AF_IEEE802154", 36),
        ("AF_PHONET", 35),
        ("AF_ISDN", 34),
        ("AF_RXRPC", 33),
        ("AF_IUCV", 32),
        ("AF_BLUETOOTH", 31),
        ("AF_TIPC", 30),
        ("AF_CAN", 29),
        ("AF_LLC", 26),
        ("AF_WANPIPE", 25),
        ("AF_PPPOX", 24),
        ("AF_IRDA", 23),
        ("AF_SNA", 22),
        ("AF_RDS", 21),
        ("AF_ATMSVC", 20),
        ("AF_ECONET", 19),
        ("AF_ASH", 18),
        ("AF_PACKET", 17),
        ("AF_ROUTE", 16),
        ("AF_NETLINK", 16),
        ("AF_KEY", 15),
        ("AF_SECURITY", 14),
        ("AF_NETBEUI", 13),
        ("AF_DECnet", 12),
        ("AF_ROSE", 11),
        ("AF_INET6", 10),
        ("AF_X25", 9),
        ("AF_ATMPVC", 8),
        ("AF_BRIDGE", 7),
        ("AF_NETROM", 6),
        ("AF_APPLETALK", 5),
        ("AF_IPX", 4),
        ("AF_AX25", 3),
        ("AF_INET", 2),
        ("AF_LOCAL", 1),
        ("AF_UNIX", 1),
        ("AF_UNSPEC", 0),
    ]
);

/// `PPM_O_*` open flags.
pub mod o {
    /// No flag.
    pub const NONE: u32 = 0;
    /// Read only.
    pub const RDONLY: u32 = 1 << 0;
    /// Write only.
    pub const WRONLY: u32 = 1 << 1;
    /// Read and write.
    pub const RDWR: u32 = RDONLY | WRONLY;
    /// Create.
    pub const CREAT: u32 = 1 << 2;
    /// Append.
    pub const APPEND: u32 = 1 << 3;
    /// Data sync.
    pub const DSYNC: u32 = 1 << 4;
    /// Exclusive create.
    pub const EXCL: u32 = 1 << 5;
    /// Non-blocking.
    pub const NONBLOCK: u32 = 1 << 6;
    /// Sync.
    pub const SYNC: u32 = 1 << 7;
    /// Truncate.
    pub const TRUNC: u32 = 1 << 8;
    /// Direct I/O.
    pub const DIRECT: u32 = 1 << 9;
    /// Must be a directory.
    pub const DIRECTORY: u32 = 1 << 10;
    /// Large file.
    pub const LARGEFILE: u32 = 1 << 11;
    /// Close on exec.
    pub const CLOEXEC: u32 = 1 << 12;
    /// Unnamed temporary file.
    pub const TMPFILE: u32 = 1 << 13;
    /// The file was created by this open.
    pub const F_CREATED: u32 = 1 << 14;
}

table!(
    FILE_FLAGS,
    Flags,
    [
        ("O_LARGEFILE", o::LARGEFILE),
        ("O_DIRECTORY", o::DIRECTORY),
        ("O_DIRECT", o::DIRECT),
        ("O_TRUNC", o::TRUNC),
        ("O_SYNC", o::SYNC),
        ("O_NONBLOCK", o::NONBLOCK),
        ("O_EXCL", o::EXCL),
        ("O_DSYNC", o::DSYNC),
        ("O_APPEND", o::APPEND),
        ("O_CREAT", o::CREAT),
        ("O_RDWR", o::RDWR),
        ("O_WRONLY", o::WRONLY),
        ("O_RDONLY", o::RDONLY),
        ("O_CLOEXEC", o::CLOEXEC),
        ("O_NONE", o::NONE),
        ("O_TMPFILE", o::TMPFILE),
        ("O_F_CREATED", o::F_CREATED),
    ]
);

table!(
    FLOCK_FLAGS,
    Flags,
    [
        ("LOCK_SH", 1 << 0),
        ("LOCK_EX", 1 << 1),
        ("LOCK_NB", 1 << 2),
        ("LOCK_UN", 1 << 3),
        ("LOCK_NONE", 0),
    ]
);

/// `PPM_CL_*` clone flags the state machine uses ([`CLONE_FLAGS`] names them all).
pub mod cl {
    /// Share the fd table.
    pub const CLONE_FILES: u32 = 1 << 0;
    /// New pid namespace.
    pub const CLONE_NEWPID: u32 = 1 << 6;
    /// New thread in the same thread group.
    pub const CLONE_THREAD: u32 = 1 << 13;
    /// New user namespace.
    pub const CLONE_NEWUSER: u32 = 1 << 20;
    /// vfork.
    pub const CLONE_VFORK: u32 = 1 << 27;
    /// The child is not in the initial pid namespace.
    pub const CHILD_IN_PIDNS: u32 = 1 << 29;
}

table!(
    CLONE_FLAGS,
    Flags,
    [
        ("CLONE_FILES", 1 << 0),
        ("CLONE_FS", 1 << 1),
        ("CLONE_IO", 1 << 2),
        ("CLONE_NEWIPC", 1 << 3),
        ("CLONE_NEWNET", 1 << 4),
        ("CLONE_NEWNS", 1 << 5),
        ("CLONE_NEWPID", 1 << 6),
        ("CLONE_NEWUTS", 1 << 7),
        ("CLONE_PARENT", 1 << 8),
        ("CLONE_PARENT_SETTID", 1 << 9),
        ("CLONE_PTRACE", 1 << 10),
        ("CLONE_SIGHAND", 1 << 11),
        ("CLONE_SYSVSEM", 1 << 12),
        ("CLONE_THREAD", 1 << 13),
        ("CLONE_UNTRACED", 1 << 14),
        ("CLONE_VM", 1 << 15),
        ("CLONE_INVERTED", 1 << 16),
        ("NAME_CHANGED", 1 << 17),
        ("CLOSED", 1 << 18),
        ("CLONE_NEWUSER", 1 << 20),
        ("CLONE_CHILD_CLEARTID", 1 << 23),
        ("CLONE_CHILD_SETTID", 1 << 24),
        ("CLONE_SETTLS", 1 << 25),
        ("CLONE_STOPPED", 1 << 26),
        ("CLONE_VFORK", 1 << 27),
        ("CLONE_NEWCGROUP", 1 << 28),
    ]
);

table!(
    QUOTACTL_CMDS,
    Flags,
    [
        ("Q_QUOTAON", 1 << 0),
        ("Q_QUOTAOFF", 1 << 1),
        ("Q_GETFMT", 1 << 2),
        ("Q_GETINFO", 1 << 3),
        ("Q_SETINFO", 1 << 4),
        ("Q_GETQUOTA", 1 << 5),
        ("Q_SETQUOTA", 1 << 6),
        ("Q_SYNC", 1 << 7),
        ("Q_XQUOTAON", 1 << 8),
        ("Q_XQUOTAOFF", 1 << 9),
        ("Q_XGETQUOTA", 1 << 10),
        ("Q_XSETQLIM", 1 << 11),
        ("Q_XGETQSTAT", 1 << 12),
        ("Q_XQUOTARM", 1 << 13),
        ("Q_XQUOTASYNC", 1 << 14),
    ]
);

table!(
    QUOTACTL_TYPES,
    Flags,
    [("USRQUOTA", 1 << 0), ("GRPQUOTA", 1 << 1)]
);

table!(
    QUOTACTL_QUOTA_FMTS,
    Flags,
    [
        ("QFMT_NOT_USED", 1 << 0),
        ("QFMT_VFS_OLD", 1 << 1),
        ("QFMT_VFS_V0", 1 << 2),
        ("QFMT_VFS_V1", 1 << 3),
    ]
);

table!(
    SEMCTL_COMMANDS,
    Flags,
    [
        ("IPC_STAT", 1 << 0),
        ("IPC_SET", 1 << 1),
        ("IPC_RMID", 1 << 2),
        ("IPC_INFO", 1 << 3),
        ("SEM_INFO", 1 << 4),
        ("SEM_STAT", 1 << 5),
        ("GETALL", 1 << 6),
        ("GETNCNT", 1 << 7),
        ("GETPID", 1 << 8),
        ("GETVAL", 1 << 9),
        ("GETZCNT", 1 << 10),
        ("SETALL", 1 << 11),
        ("SETVAL", 1 << 12),
    ]
);

table!(
    IO_URING_SETUP_FLAGS,
    Flags,
    [
        ("IORING_SETUP_IOPOLL", 1 << 0),
        ("IORING_SETUP_SQPOLL", 1 << 1),
        ("IORING_SQ_NEED_WAKEUP", 1 << 2),
        ("IORING_SETUP_SQ_AFF", 1 << 3),
        ("IORING_SETUP_CQSIZE", 1 << 4),
        ("IORING_SETUP_CLAMP", 1 << 5),
        ("IORING_SETUP_ATTACH_WQ", 1 << 6),
        ("IORING_SETUP_R_DISABLED", 1 << 7),
    ]
);

table!(
    IO_URING_SETUP_FEATS,
    Flags,
    [
        ("IORING_FEAT_SINGLE_MMAP", 1 << 0),
        ("IORING_FEAT_NODROP", 1 << 1),
        ("IORING_FEAT_SUBMIT_STABLE", 1 << 2),
        ("IORING_FEAT_RW_CUR_POS", 1 << 3),
        ("IORING_FEAT_CUR_PERSONALITY", 1 << 4),
        ("IORING_FEAT_FAST_POLL", 1 << 5),
        ("IORING_FEAT_POLL_32BITS", 1 << 6),
        ("IORING_FEAT_SQPOLL_NONFIXED", 1 << 7),
        ("IORING_FEAT_ENTER_EXT_ARG", 1 << 8),
        ("IORING_FEAT_NATIVE_WORKERS", 1 << 9),
        ("IORING_FEAT_RSRC_TAGS", 1 << 10),
    ]
);

table!(
    IO_URING_ENTER_FLAGS,
    Flags,
    [
        ("IORING_ENTER_GETEVENTS", 1 << 0),
        ("IORING_ENTER_SQ_WAKEUP", 1 << 1),
        ("IORING_ENTER_SQ_WAIT", 1 << 2),
        ("IORING_ENTER_EXT_ARG", 1 << 3),
    ]
);

table!(EPOLL_CREATE1_FLAGS, Flags, [("EPOLL_CLOEXEC", 1 << 0)]);

table!(
    FUTEX_OPERATIONS,
    Flags,
    [
        ("FUTEX_CLOCK_REALTIME", 256),
        ("FUTEX_PRIVATE_FLAG", 128),
        ("FUTEX_CMP_REQUEUE_PI", 12),
        ("FUTEX_WAIT_REQUEUE_PI", 11),
        ("FUTEX_WAKE_BITSET", 10),
        ("FUTEX_WAIT_BITSET", 9),
        ("FUTEX_TRYLOCK_PI", 8),
        ("FUTEX_UNLOCK_PI", 7),
        ("FUTEX_LOCK_PI", 6),
        ("FUTEX_WAKE_OP", 5),
        ("FUTEX_CMP_REQUEUE", 4),
        ("FUTEX_REQUEUE", 3),
        ("FUTEX_FD", 2),
        ("FUTEX_WAKE", 1),
        ("FUTEX_WAIT", 0),
    ]
);

table!(
    MOUNT_FLAGS,
    Flags,
    [
        ("RDONLY", 1 << 0),
        ("NOSUID", 1 << 1),
        ("NODEV", 1 << 2),
        ("NOEXEC", 1 << 3),
        ("SYNCHRONOUS", 1 << 4),
        ("REMOUNT", 1 << 5),
        ("MANDLOCK", 1 << 6),
        ("DIRSYNC", 1 << 7),
        ("NOATIME", 1 << 10),
        ("NODIRATIME", 1 << 11),
        ("BIND", 1 << 12),
        ("MOVE", 1 << 13),
        ("REC", 1 << 14),
        ("SILENT", 1 << 15),
        ("POSIXACL", 1 << 16),
        ("UNBINDABLE", 1 << 17),
        ("PRIVATE", 1 << 18),
        ("SLAVE", 1 << 19),
        ("SHARED", 1 << 20),
        ("RELATIME", 1 << 21),
        ("KERNMOUNT", 1 << 22),
        ("I_VERSION", 1 << 23),
        ("STRICTATIME", 1 << 24),
        ("LAZYTIME", 1 << 25),
        ("NOSEC", 1 << 28),
        ("BORN", 1 << 29),
        ("ACTIVE", 1 << 30),
        ("NOUSER", 1 << 31),
    ]
);

table!(
    UMOUNT_FLAGS,
    Flags,
    [("FORCE", 1), ("DETACH", 2), ("EXPIRE", 4), ("NOFOLLOW", 8)]
);

table!(
    LSEEK_WHENCE,
    Enum,
    [("SEEK_END", 2), ("SEEK_CUR", 1), ("SEEK_SET", 0)]
);

table!(
    SHUTDOWN_HOW,
    Enum,
    [("SHUT_RDWR", 2), ("SHUT_WR", 1), ("SHUT_RD", 0)]
);

table!(
    RLIMIT_RESOURCES,
    Enum,
    [
        ("RLIMIT_UNKNOWN", 255),
        ("RLIMIT_RTTIME", 15),
        ("RLIMIT_RTPRIO", 14),
        ("RLIMIT_NICE", 13),
        ("RLIMIT_MSGQUEUE", 12),
        ("RLIMIT_SIGPENDING", 11),
        ("RLIMIT_LOCKS", 10),
        ("RLIMIT_AS", 9),
        ("RLIMIT_MEMLOCK", 8),
        ("RLIMIT_NOFILE", 7),
        ("RLIMIT_NPROC", 6),
        ("RLIMIT_RSS", 5),
        ("RLIMIT_CORE", 4),
        ("RLIMIT_STACK", 3),
        ("RLIMIT_DATA", 2),
        ("RLIMIT_FSIZE", 1),
        ("RLIMIT_CPU", 0),
    ]
);

table!(
    FCNTL_COMMANDS,
    Enum,
    [
        ("F_GETPIPE_SZ", 29),
        ("F_SETPIPE_SZ", 28),
        ("F_NOTIFY", 27),
        ("F_DUPFD_CLOEXEC", 26),
        ("F_CANCELLK", 25),
        ("F_GETLEASE", 24),
        ("F_SETLEASE", 23),
        ("F_GETOWN_EX", 22),
        ("F_SETOWN_EX", 21),
        ("F_GETSIG", 15),
        ("F_SETSIG", 13),
        ("F_GETOWN", 12),
        ("F_SETOWN", 10),
        ("F_SETLKW", 9),
        ("F_SETLK", 8),
        ("F_GETLK", 6),
        ("F_SETFL", 5),
        ("F_GETFL", 4),
        ("F_SETFD", 3),
        ("F_GETFD", 2),
        ("F_DUPFD", 1),
        ("F_OFD_GETLK", 30),
        ("F_OFD_SETLK", 31),
        ("F_OFD_SETLKW", 32),
        ("UNKNOWN", 0),
    ]
);

table!(
    PROT_FLAGS,
    Flags,
    [
        ("PROT_READ", 1 << 0),
        ("PROT_WRITE", 1 << 1),
        ("PROT_EXEC", 1 << 2),
        ("PROT_SEM", 1 << 3),
        ("PROT_GROWSDOWN", 1 << 4),
        ("PROT_GROWSUP", 1 << 5),
        ("PROT_SAO", 1 << 6),
        ("PROT_NONE", 0),
    ]
);

table!(
    MMAP_FLAGS,
    Flags,
    [
        ("MAP_SHARED", 1 << 0),
        ("MAP_PRIVATE", 1 << 1),
        ("MAP_FIXED", 1 << 2),
        ("MAP_ANONYMOUS", 1 << 3),
        ("MAP_32BIT", 1 << 4),
        ("MAP_RENAME", 1 << 5),
        ("MAP_NORESERVE", 1 << 6),
        ("MAP_POPULATE", 1 << 7),
        ("MAP_NONBLOCK", 1 << 8),
        ("MAP_GROWSDOWN", 1 << 9),
        ("MAP_DENYWRITE", 1 << 10),
        ("MAP_EXECUTABLE", 1 << 11),
        ("MAP_INHERIT", 1 << 12),
        ("MAP_FILE", 1 << 13),
        ("MAP_LOCKED", 1 << 14),
    ]
);

table!(
    SPLICE_FLAGS,
    Flags,
    [
        ("SPLICE_F_MOVE", 1),
        ("SPLICE_F_NONBLOCK", 2),
        ("SPLICE_F_MORE", 4),
        ("SPLICE_F_GIFT", 8),
    ]
);

table!(
    ACCESS_FLAGS,
    Flags,
    [
        ("F_OK", 0),
        ("R_OK", 1 << 2),
        ("W_OK", 1 << 1),
        ("X_OK", 1 << 0)
    ]
);

table!(UNLINKAT_FLAGS, Flags, [("AT_REMOVEDIR", 0x200)]);

table!(
    LINKAT_FLAGS,
    Flags,
    [("AT_SYMLINK_FOLLOW", 0x400), ("AT_EMPTY_PATH", 0x1000)]
);

table!(
    RENAMEAT2_FLAGS,
    Flags,
    [
        ("RENAME_EXCHANGE", 1 << 1),
        ("RENAME_NOREPLACE", 1 << 0),
        ("RENAME_WHITEOUT", 1 << 2),
    ]
);

table!(
    EXECVE_FLAGS,
    Flags,
    [
        ("EXE_WRITABLE", 1 << 0),
        ("EXE_UPPER_LAYER", 1 << 1),
        ("EXE_FROM_MEMFD", 1 << 2),
        ("EXE_LOWER_LAYER", 1 << 3),
    ]
);

table!(
    EXECVEAT_FLAGS,
    Flags,
    [("AT_EMPTY_PATH", 1 << 0), ("AT_SYMLINK_NOFOLLOW", 1 << 1)]
);

table!(
    OPENAT2_FLAGS,
    Flags,
    [
        ("RESOLVE_BENEATH", 1 << 0),
        ("RESOLVE_IN_ROOT", 1 << 1),
        ("RESOLVE_NO_MAGICLINKS", 1 << 2),
        ("RESOLVE_NO_SYMLINKS", 1 << 3),
        ("RESOLVE_NO_XDEV", 1 << 4),
        ("RESOLVE_CACHED", 1 << 5),
    ]
);

table!(
    CHMOD_MODE,
    Flags,
    [
        ("S_IXOTH", 1 << 0),
        ("S_IWOTH", 1 << 1),
        ("S_IROTH", 1 << 2),
        ("S_IXGRP", 1 << 3),
        ("S_IWGRP", 1 << 4),
        ("S_IRGRP", 1 << 5),
        ("S_IXUSR", 1 << 6),
        ("S_IWUSR", 1 << 7),
        ("S_IRUSR", 1 << 8),
        ("S_ISVTX", 1 << 9),
        ("S_ISGID", 1 << 10),
        ("S_ISUID", 1 << 11),
    ]
);

table!(
    PTRACE_REQUESTS,
    Enum,
    [
        ("PTRACE_SINGLEBLOCK", 38),
        ("PTRACE_SYSEMU_SINGLESTEP", 37),
        ("PTRACE_SYSEMU", 36),
        ("PTRACE_ARCH_PRCTL", 35),
        ("PTRACE_SET_THREAD_AREA", 34),
        ("PTRACE_GET_THREAD_AREA", 33),
        ("PTRACE_OLDSETOPTIONS", 32),
        ("PTRACE_SETFPXREGS", 31),
        ("PTRACE_GETFPXREGS", 30),
        ("PTRACE_SETFPREGS", 29),
        ("PTRACE_GETFPREGS", 28),
        ("PTRACE_SETREGS", 27),
        ("PTRACE_GETREGS", 26),
        ("PTRACE_SETSIGMASK", 25),
        ("PTRACE_GETSIGMASK", 24),
        ("PTRACE_PEEKSIGINFO", 23),
        ("PTRACE_LISTEN", 22),
        ("PTRACE_INTERRUPT", 21),
        ("PTRACE_SEIZE", 20),
        ("PTRACE_SETREGSET", 19),
        ("PTRACE_GETREGSET", 18),
        ("PTRACE_SETSIGINFO", 17),
        ("PTRACE_GETSIGINFO", 16),
        ("PTRACE_GETEVENTMSG", 15),
        ("PTRACE_SETOPTIONS", 14),
        ("PTRACE_SYSCALL", 13),
        ("PTRACE_DETACH", 12),
        ("PTRACE_ATTACH", 11),
        ("PTRACE_SINGLESTEP", 10),
        ("PTRACE_KILL", 9),
        ("PTRACE_CONT", 8),
        ("PTRACE_POKEUSR", 7),
        ("PTRACE_POKEDATA", 6),
        ("PTRACE_POKETEXT", 5),
        ("PTRACE_PEEKUSR", 4),
        ("PTRACE_PEEKDATA", 3),
        ("PTRACE_PEEKTEXT", 2),
        ("PTRACE_TRACEME", 1),
        ("PTRACE_UNKNOWN", 0),
    ]
);

table!(
    SOCKOPT_LEVELS,
    Enum,
    [("SOL_SOCKET", 1), ("SOL_TCP", 2), ("UNKNOWN", 0)]
);

table!(
    SEMOP_FLAGS,
    Flags,
    [("IPC_NOWAIT", 1 << 0), ("SEM_UNDO", 1 << 1)]
);

table!(
    SEMGET_FLAGS,
    Flags,
    [("IPC_EXCL", 1 << 12), ("IPC_CREAT", 1 << 13)]
);

table!(
    PF_FLAGS,
    Flags,
    [
        ("PROTECTION_VIOLATION", 1 << 0),
        ("PAGE_NOT_PRESENT", 1 << 1),
        ("WRITE_ACCESS", 1 << 2),
        ("READ_ACCESS", 1 << 3),
        ("USER_FAULT", 1 << 4),
        ("SUPERVISOR_FAULT", 1 << 5),
        ("RESERVED_PAGE", 1 << 6),
        ("INSTRUCTION_FETCH", 1 << 7),
    ]
);

table!(
    MLOCKALL_FLAGS,
    Flags,
    [("MCL_CURRENT", 1), ("MCL_FUTURE", 2), ("MCL_ONFAULT", 4)]
);

/// The errno name (`ENOENT`) of a positive error number.
pub fn errno_name(errno: u64) -> Option<&'static str> {
    const NAMES: [&str; 134] = [
        "",
        "EPERM",
        "ENOENT",
        "ESRCH",
        "EINTR",
        "EIO",
        "ENXIO",
        "E2BIG",
        "ENOEXEC",
        "EBADF",
        "ECHILD",
        "EAGAIN",
        "ENOMEM",
        "EACCES",
        "EFAULT",
        "ENOTBLK",
        "EBUSY",
        "EEXIST",
        "EXDEV",
        "ENODEV",
        "ENOTDIR",
        "EISDIR",
        "EINVAL",
        "ENFILE",
        "EMFILE",
        "ENOTTY",
        "ETXTBSY",
        "EFBIG",
        "ENOSPC",
        "ESPIPE",
        "EROFS",
        "EMLINK",
        "EPIPE",
        "EDOM",
        "ERANGE",
        "EDEADLK",
        "ENAMETOOLONG",
        "ENOLCK",
        "ENOSYS",
        "ENOTEMPTY",
        "ELOOP",
        "",
        "ENOMSG",
        "EIDRM",
        "ECHRNG",
        "EL2NSYNC",
        "EL3HLT",
        "EL3RST",
        "ELNRNG",
        "EUNATCH",
        "ENOCSI",
        "EL2HLT",
        "EBADE",
        "EBADR",
        "EXFULL",
        "ENOANO",
        "EBADRQC",
        "EBADSLT",
        "",
        "EBFONT",
        "ENOSTR",
        "ENODATA",
        "ETIME",
        "ENOSR",
        "ENONET",
        "ENOPKG",
        "EREMOTE",
        "ENOLINK",
        "EADV",
        "ESRMNT",
        "ECOMM",
        "EPROTO",
        "EMULTIHOP",
        "EDOTDOT",
        "EBADMSG",
        "EOVERFLOW",
        "ENOTUNIQ",
        "EBADFD",
        "EREMCHG",
        "ELIBACC",
        "ELIBBAD",
        "ELIBSCN",
        "ELIBMAX",
        "ELIBEXEC",
        "EILSEQ",
        "ERESTART",
        "ESTRPIPE",
        "EUSERS",
        "ENOTSOCK",
        "EDESTADDRREQ",
        "EMSGSIZE",
        "EPROTOTYPE",
        "ENOPROTOOPT",
        "EPROTONOSUPPORT",
        "ESOCKTNOSUPPORT",
        "EOPNOTSUPP",
        "EPFNOSUPPORT",
        "EAFNOSUPPORT",
        "EADDRINUSE",
        "EADDRNOTAVAIL",
        "ENETDOWN",
        "ENETUNREACH",
        "ENETRESET",
        "ECONNABORTED",
        "ECONNRESET",
        "ENOBUFS",
        "EISCONN",
        "ENOTCONN",
        "ESHUTDOWN",
        "ETOOMANYREFS",
        "ETIMEDOUT",
        "ECONNREFUSED",
        "EHOSTDOWN",
        "EHOSTUNREACH",
        "EALREADY",
        "EINPROGRESS",
        "ESTALE",
        "EUCLEAN",
        "ENOTNAM",
        "ENAVAIL",
        "EISNAM",
        "EREMOTEIO",
        "EDQUOT",
        "ENOMEDIUM",
        "EMEDIUMTYPE",
        "ECANCELED",
        "ENOKEY",
        "EKEYEXPIRED",
        "EKEYREVOKED",
        "EKEYREJECTED",
        "EOWNERDEAD",
        "ENOTRECOVERABLE",
        "ERFKILL",
        "EHWPOISON",
    ];
    match errno {
        512 => Some("ERESTARTSYS"),
        513 => Some("ERESTARTNOINTR"),
        514 => Some("ERESTARTNOHAND"),
        515 => Some("ENOIOCTLCMD"),
        516 => Some("ERESTART_RESTARTBLOCK"),
        _ => usize::try_from(errno)
            .ok()
            .and_then(|i| NAMES.get(i))
            .copied()
            .filter(|n| !n.is_empty()),
    }
}

/// The signal name (`SIGKILL`) of a signal number.
pub fn signal_name(sig: u64) -> Option<&'static str> {
    const NAMES: [&str; 32] = [
        "",
        "SIGHUP",
        "SIGINT",
        "SIGQUIT",
        "SIGILL",
        "SIGTRAP",
        "SIGABRT",
        "SIGBUS",
        "SIGFPE",
        "SIGKILL",
        "SIGUSR1",
        "SIGSEGV",
        "SIGUSR2",
        "SIGPIPE",
        "SIGALRM",
        "SIGTERM",
        "SIGSTKFLT",
        "SIGCHLD",
        "SIGCONT",
        "SIGSTOP",
        "SIGTSTP",
        "SIGTTIN",
        "SIGTTOU",
        "SIGURG",
        "SIGXCPU",
        "SIGXFSZ",
        "SIGVTALRM",
        "SIGPROF",
        "SIGWINCH",
        "SIGIO",
        "SIGPWR",
        "SIGSYS",
    ];
    usize::try_from(sig)
        .ok()
        .and_then(|i| NAMES.get(i))
        .copied()
        .filter(|n| !n.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(t: &'static NameTable, v: u64) -> String {
        t.render(v).to_string()
    }

    #[test]
    fn open_flags_render_like_sysdig() {
        assert_eq!(
            flags(&FILE_FLAGS, u64::from(o::RDONLY | o::CLOEXEC)),
            "O_RDONLY|O_CLOEXEC"
        );
        assert_eq!(
            flags(&FILE_FLAGS, u64::from(o::RDWR | o::CREAT)),
            "O_CREAT|O_RDWR"
        );
        assert_eq!(flags(&FILE_FLAGS, u64::from(o::WRONLY)), "O_WRONLY");
        assert_eq!(flags(&FILE_FLAGS, 0), "O_NONE");
    }

    #[test]
    fn enums_render_first_match() {
        assert_eq!(flags(&SOCKET_FAMILIES, 2), "AF_INET");
        assert_eq!(flags(&SOCKET_FAMILIES, 1), "AF_LOCAL");
        assert_eq!(flags(&SOCKET_FAMILIES, 999), "");
        assert_eq!(FILE_FLAGS.value_of("O_CREAT"), Some(o::CREAT));
    }

    #[test]
    fn newer_event_flags_have_names() {
        assert_eq!(
            flags(&IO_URING_SETUP_FLAGS, 0b11),
            "IORING_SETUP_IOPOLL|IORING_SETUP_SQPOLL"
        );
        assert_eq!(flags(&IO_URING_ENTER_FLAGS, 1), "IORING_ENTER_GETEVENTS");
        assert_eq!(flags(&SEMCTL_COMMANDS, 1 << 12), "SETVAL");
        assert_eq!(flags(&QUOTACTL_CMDS, 1 << 5), "Q_GETQUOTA");
        assert_eq!(flags(&EPOLL_CREATE1_FLAGS, 1), "EPOLL_CLOEXEC");
        // The event table points at them.
        let table_of = |event: &str, param: &str| {
            crate::table::EVENTS
                .iter()
                .filter(|e| e.name == event)
                .flat_map(|e| e.params.iter())
                .find(|p| p.name == param)
                .and_then(|p| p.table)
                .map(|t| t.name)
        };
        assert_eq!(table_of("semctl", "cmd"), Some("SEMCTL_COMMANDS"));
        assert_eq!(
            table_of("io_uring_setup", "features"),
            Some("IO_URING_SETUP_FEATS")
        );
        assert_eq!(
            table_of("epoll_create1", "flags"),
            Some("EPOLL_CREATE1_FLAGS")
        );
        assert_eq!(
            table_of("quotactl", "quota_fmt"),
            Some("QUOTACTL_QUOTA_FMTS")
        );
    }

    #[test]
    fn errno_and_signal_names() {
        assert_eq!(errno_name(2), Some("ENOENT"));
        assert_eq!(errno_name(115), Some("EINPROGRESS"));
        assert_eq!(errno_name(0), None);
        assert_eq!(signal_name(9), Some("SIGKILL"));
    }
}
