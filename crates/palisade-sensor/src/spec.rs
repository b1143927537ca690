//! Which system calls become which scap events, and how the kernel reads each parameter.
//!
//! The kernel program (`bpf/sensor.bpf.c`) has one generic encoder: for a system call and a
//! direction it looks up a [`Spec`] (the event type and one [`Op`] per parameter) in the
//! `specs` map that [`SYSCALLS`] fills. Exec, clone and process exit, whose parameters come
//! from the task rather than the registers, are encoded by hand in the kernel and listed in
//! [`HANDWRITTEN`]. The tests check every spec against the event table of `palisade-event`:
//! the event type's name, the number of parameters and the width of each.

use palisade_event::table::{self, EF_OLD_VERSION, EF_UNUSED, ParamType};

/// How the kernel fills one parameter; the numbers are the `OP_*` of the kernel program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// The return value (8 bytes).
    Res,
    /// Argument `a` as 8 bytes.
    ArgI64(u8),
    /// Argument `a` as an `int`, sign-extended to 8 bytes (fds, pids).
    ArgS32(u8),
    /// Argument `a` as 4 bytes.
    ArgU32(u8),
    /// Argument `a` as 2 bytes.
    ArgU16(u8),
    /// Argument `a` as 1 byte.
    ArgU8(u8),
    /// The NUL-terminated user string argument `a` points to.
    ArgStr(u8),
    /// Argument `a`'s `O_*` flags as `PPM_O_*` (4 bytes), with `O_F_CREATED` when the open
    /// created the file.
    OpenFlags(u8),
    /// Argument `a`'s `CLONE_*` flags as `PPM_CL_*` (4 bytes).
    CloneFlags(u8),
    /// An empty parameter.
    Empty,
    /// The device of the file the returned fd refers to (4 bytes).
    ResDev,
    /// The inode of the file the returned fd refers to (8 bytes).
    ResIno,
    /// The socket tuple of the fd in argument `a`.
    TupleArg(u8),
    /// The socket tuple of the returned fd.
    TupleRes,
    /// The user sockaddr at argument `a`, argument `b` bytes long.
    SockAddr(u8, u8),
    /// The first bytes (snaplen) of the user buffer at argument `a`, as many as returned.
    ResData(u8),
    /// The first bytes (snaplen) of the user buffer at argument `a`, argument `b` bytes long.
    ArgData(u8, u8),
    /// One byte 0.
    ZeroU8,
    /// Four bytes 0.
    ZeroU32,
    /// Eight bytes 0.
    ZeroU64,
    /// Argument `a`'s ptrace request as `PPM_PTRACE_*` (2 bytes).
    PtraceReq(u8),
    /// The int at index `b` of the user int array at argument `a` (8 bytes): `pipe`'s fds.
    UserS32(u8, u8),
    /// Field `b` of the `struct open_how` at argument `a`: 0 flags, 1 mode, 2 resolve (4 bytes).
    OpenHow(u8, u8),
}

impl Op {
    /// `(opcode, a, b)` as the kernel program reads them.
    pub fn encode(self) -> (u8, u8, u8) {
        match self {
            Op::Res => (1, 0, 0),
            Op::ArgI64(a) => (2, a, 0),
            Op::ArgS32(a) => (3, a, 0),
            Op::ArgU32(a) => (4, a, 0),
            Op::ArgStr(a) => (5, a, 0),
            Op::OpenFlags(a) => (6, a, 0),
            Op::CloneFlags(a) => (7, a, 0),
            Op::Empty => (8, 0, 0),
            Op::ResDev => (9, 0, 0),
            Op::ResIno => (10, 0, 0),
            Op::TupleArg(a) => (11, a, 0),
            Op::TupleRes => (12, 0, 0),
            Op::SockAddr(a, b) => (13, a, b),
            Op::ResData(a) => (14, a, 0),
            Op::ZeroU8 => (15, 0, 0),
            Op::ZeroU32 => (16, 0, 0),
            Op::PtraceReq(a) => (17, a, 0),
            Op::UserS32(a, b) => (18, a, b),
            Op::ArgU16(a) => (19, a, 0),
            Op::OpenHow(a, b) => (20, a, b),
            Op::ArgData(a, b) => (21, a, b),
            Op::ZeroU64 => (22, 0, 0),
            Op::ArgU8(a) => (23, a, 0),
        }
    }

    /// The number of bytes the kernel writes, or `None` for variable-length parameters.
    pub fn width(self) -> Option<usize> {
        match self {
            Op::Res
            | Op::ArgI64(_)
            | Op::ArgS32(_)
            | Op::ResIno
            | Op::ZeroU64
            | Op::UserS32(..) => Some(8),
            Op::ArgU32(_)
            | Op::OpenFlags(_)
            | Op::CloneFlags(_)
            | Op::ResDev
            | Op::ZeroU32
            | Op::OpenHow(..) => Some(4),
            Op::ArgU16(_) | Op::PtraceReq(_) => Some(2),
            Op::ArgU8(_) | Op::ZeroU8 => Some(1),
            Op::ArgStr(_)
            | Op::Empty
            | Op::TupleArg(_)
            | Op::TupleRes
            | Op::SockAddr(..)
            | Op::ResData(_)
            | Op::ArgData(..) => None,
        }
    }
}

/// One system call: its number (x86_64), the event name, and how its enter and exit events'
/// parameters are read (`None`: that direction is written by hand in the kernel).
#[derive(Debug, Clone, Copy)]
pub struct Syscall {
    /// The x86_64 system call number.
    pub nr: u32,
    /// The event name (`evt.type`).
    pub name: &'static str,
    /// The enter event's parameters.
    pub enter: &'static [Op],
    /// The exit event's parameters, or `None` if the kernel writes the exit by hand.
    pub exit: Option<&'static [Op]>,
}

pub use list::SYSCALLS;

mod list {
    use super::Op::*;
    use super::{Op, Syscall};

    const fn sc(
        nr: u32,
        name: &'static str,
        enter: &'static [Op],
        exit: Option<&'static [Op]>,
    ) -> Syscall {
        Syscall {
            nr,
            name,
            enter,
            exit,
        }
    }

    /// The system calls the sensor reports: every one the upstream Falco rules name and the state
    /// engine needs (processes, fds, sockets, credentials, cwd, mounts, modules, ptrace, bpf,
    /// memfd, namespaces).
    pub const SYSCALLS: &[Syscall] = &[
        sc(
            2,
            "open",
            &[ArgStr(0), OpenFlags(1), ArgU32(2)],
            Some(&[Res, ArgStr(0), OpenFlags(1), ArgU32(2), ResDev, ResIno]),
        ),
        sc(
            257,
            "openat",
            &[ArgS32(0), ArgStr(1), OpenFlags(2), ArgU32(3)],
            Some(&[
                Res,
                ArgS32(0),
                ArgStr(1),
                OpenFlags(2),
                ArgU32(3),
                ResDev,
                ResIno,
            ]),
        ),
        sc(
            437,
            "openat2",
            &[
                ArgS32(0),
                ArgStr(1),
                OpenHow(2, 0),
                OpenHow(2, 1),
                OpenHow(2, 2),
            ],
            Some(&[
                Res,
                ArgS32(0),
                ArgStr(1),
                OpenHow(2, 0),
                OpenHow(2, 1),
                OpenHow(2, 2),
            ]),
        ),
        sc(
            85,
            "creat",
            &[ArgStr(0), ArgU32(1)],
            Some(&[Res, ArgStr(0), ArgU32(1), ResDev, ResIno]),
        ),
        sc(3, "close", &[ArgS32(0)], Some(&[Res])),
        sc(87, "unlink", &[], Some(&[Res, ArgStr(0)])),
        sc(
            263,
            "unlinkat",
            &[],
            Some(&[Res, ArgS32(0), ArgStr(1), ArgU32(2)]),
        ),
        sc(84, "rmdir", &[], Some(&[Res, ArgStr(0)])),
        sc(82, "rename", &[], Some(&[Res, ArgStr(0), ArgStr(1)])),
        sc(
            264,
            "renameat",
            &[],
            Some(&[Res, ArgS32(0), ArgStr(1), ArgS32(2), ArgStr(3)]),
        ),
        sc(
            316,
            "renameat2",
            &[],
            Some(&[Res, ArgS32(0), ArgStr(1), ArgS32(2), ArgStr(3), ArgU32(4)]),
        ),
        sc(83, "mkdir", &[ArgU32(1)], Some(&[Res, ArgStr(0)])),
        sc(
            258,
            "mkdirat",
            &[],
            Some(&[Res, ArgS32(0), ArgStr(1), ArgU32(2)]),
        ),
        sc(88, "symlink", &[], Some(&[Res, ArgStr(0), ArgStr(1)])),
        sc(
            266,
            "symlinkat",
            &[],
            Some(&[Res, ArgStr(0), ArgS32(1), ArgStr(2)]),
        ),
        sc(86, "link", &[], Some(&[Res, ArgStr(0), ArgStr(1)])),
        sc(
            265,
            "linkat",
            &[],
            Some(&[Res, ArgS32(0), ArgStr(1), ArgS32(2), ArgStr(3), ArgU32(4)]),
        ),
        sc(90, "chmod", &[], Some(&[Res, ArgStr(0), ArgU32(1)])),
        sc(91, "fchmod", &[], Some(&[Res, ArgS32(0), ArgU32(1)])),
        sc(
            268,
            "fchmodat",
            &[],
            Some(&[Res, ArgS32(0), ArgStr(1), ArgU32(2)]),
        ),
        sc(80, "chdir", &[], Some(&[Res, ArgStr(0)])),
        sc(81, "fchdir", &[ArgS32(0)], Some(&[Res])),
        sc(32, "dup", &[ArgS32(0)], Some(&[Res, ArgS32(0)])),
        sc(33, "dup2", &[ArgS32(0)], Some(&[Res, ArgS32(0), ArgS32(1)])),
        sc(
            292,
            "dup3",
            &[ArgS32(0)],
            Some(&[Res, ArgS32(0), ArgS32(1), OpenFlags(2)]),
        ),
        sc(
            22,
            "pipe",
            &[],
            Some(&[Res, UserS32(0, 0), UserS32(0, 1), ZeroU64]),
        ),
        sc(
            293,
            "pipe2",
            &[],
            Some(&[Res, UserS32(0, 0), UserS32(0, 1), ZeroU64, OpenFlags(1)]),
        ),
        sc(
            41,
            "socket",
            &[ArgU32(0), ArgU32(1), ArgU32(2)],
            Some(&[Res]),
        ),
        sc(
            42,
            "connect",
            &[ArgS32(0), SockAddr(1, 2)],
            Some(&[Res, TupleArg(0), ArgS32(0)]),
        ),
        sc(
            43,
            "accept",
            &[ZeroU32],
            Some(&[Res, TupleRes, ZeroU8, ZeroU32, ZeroU32]),
        ),
        sc(
            288,
            "accept4",
            &[ArgU32(3)],
            Some(&[Res, TupleRes, ZeroU8, ZeroU32, ZeroU32]),
        ),
        sc(49, "bind", &[ArgS32(0)], Some(&[Res, SockAddr(1, 2)])),
        sc(50, "listen", &[ArgS32(0), ArgU32(1)], Some(&[Res])),
        sc(
            44,
            "sendto",
            &[ArgS32(0), ArgU32(2), TupleArg(0)],
            Some(&[Res, ResData(1)]),
        ),
        sc(
            46,
            "sendmsg",
            &[ArgS32(0), ZeroU32, TupleArg(0)],
            Some(&[Res, Empty]),
        ),
        sc(
            45,
            "recvfrom",
            &[ArgS32(0), ArgU32(2)],
            Some(&[Res, ResData(1), TupleArg(0)]),
        ),
        sc(
            47,
            "recvmsg",
            &[ArgS32(0)],
            Some(&[Res, ZeroU32, Empty, TupleArg(0)]),
        ),
        sc(105, "setuid", &[ArgU32(0)], Some(&[Res])),
        sc(106, "setgid", &[ArgU32(0)], Some(&[Res])),
        sc(62, "kill", &[ArgS32(0), ArgU8(1)], Some(&[Res])),
        sc(
            101,
            "ptrace",
            &[PtraceReq(0), ArgS32(1)],
            Some(&[Res, Empty, Empty]),
        ),
        sc(321, "bpf", &[ArgI64(0)], Some(&[Res, ArgU32(0)])),
        sc(272, "unshare", &[CloneFlags(0)], Some(&[Res])),
        sc(308, "setns", &[ArgS32(0), CloneFlags(1)], Some(&[Res])),
        sc(
            175,
            "init_module",
            &[],
            Some(&[Res, ArgData(0, 1), ArgI64(1), ArgStr(2)]),
        ),
        sc(
            313,
            "finit_module",
            &[],
            Some(&[Res, ArgS32(0), ArgStr(1), ArgU32(2)]),
        ),
        sc(319, "memfd_create", &[], Some(&[Res, ArgStr(0), ArgU32(1)])),
        sc(323, "userfaultfd", &[], Some(&[Res, ArgU32(0)])),
        sc(
            165,
            "mount",
            &[ArgU32(3)],
            Some(&[Res, ArgStr(0), ArgStr(1), ArgStr(2)]),
        ),
        sc(166, "umount2", &[ArgU32(1)], Some(&[Res, ArgStr(0)])),
        sc(59, "execve", &[ArgStr(0)], None),
        sc(322, "execveat", &[ArgS32(0), ArgStr(1), ZeroU32], None),
        sc(56, "clone", &[], None),
        sc(57, "fork", &[], None),
        sc(58, "vfork", &[], None),
        sc(435, "clone3", &[], None),
    ];
}

/// Event types the kernel writes by hand, with their parameter counts: the exec and clone
/// exits and the process exit.
pub const HANDWRITTEN: &[(u16, usize)] = &[
    (table::ids::EXECVE_19_X, 30),
    (table::ids::EXECVEAT_X, 30),
    (table::ids::CLONE_20_X, 21),
    (table::ids::FORK_20_X, 21),
    (table::ids::VFORK_20_X, 21),
    (table::ids::CLONE3_X, 21),
    (table::ids::PROCEXIT_1_E, 5),
];

/// The event type the sensor writes for system call `name` in direction `exit`: the newest
/// version in the event table.
pub fn event_type(name: &str, exit: bool) -> Option<u16> {
    table::event_ids(name)
        .filter(|&id| (id % 2 == 1) == exit)
        .filter(|&id| table::event_info(id).flags & (EF_OLD_VERSION | EF_UNUSED) == 0)
        .max()
}

/// A spec as the `specs` map stores it: `evt: u16, nparams: u8, pad: u8, op[8], a[8], b[8]`.
pub const SPEC_SIZE: usize = 28;

/// The most parameters a generic spec has.
pub const MAX_PARAMS: usize = 8;

/// The `specs` map value for event type `evt` with parameters `ops`.
pub fn encode(evt: u16, ops: &[Op]) -> [u8; SPEC_SIZE] {
    let mut v = [0u8; SPEC_SIZE];
    v[..2].copy_from_slice(&evt.to_le_bytes());
    v[2] = ops.len().min(MAX_PARAMS) as u8;
    for (i, op) in ops.iter().take(MAX_PARAMS).enumerate() {
        let (o, a, b) = op.encode();
        v[4 + i] = o;
        v[12 + i] = a;
        v[20 + i] = b;
    }
    v
}

/// The width scap gives parameters of type `ty`, or `None` if it varies.
pub fn type_width(ty: ParamType) -> Option<usize> {
    use ParamType as T;
    match ty {
        T::Int8 | T::Uint8 | T::Flags8 | T::SigType | T::L4Proto | T::SockFamily | T::Bool => {
            Some(1)
        }
        T::Int16 | T::Uint16 | T::Flags16 | T::Port | T::SyscallId => Some(2),
        T::Int32 | T::Uint32 | T::Flags32 | T::Uid | T::Gid | T::Ipv4Addr | T::SigSet => Some(4),
        T::Int64 | T::Uint64 | T::Errno | T::Fd | T::Pid | T::RelTime | T::AbsTime | T::Double => {
            Some(8)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(name: &str, id: u16, ops: &[Op]) {
        let info = table::event_info(id);
        assert_eq!(info.name, name, "event {id}");
        assert_eq!(
            info.params.len(),
            ops.len(),
            "{name} ({id}): the table has {} parameters, the spec {}",
            info.params.len(),
            ops.len()
        );
        assert!(ops.len() <= MAX_PARAMS, "{name}: too many parameters");
        for (p, op) in info.params.iter().zip(ops) {
            if let (Some(w), Some(t)) = (op.width(), type_width(p.ty)) {
                assert_eq!(w, t, "{name} ({id}) parameter {}: {op:?}", p.name);
            }
            if op.width().is_none() && *op != Op::Empty {
                assert!(
                    type_width(p.ty).is_none(),
                    "{name} ({id}) parameter {}: {op:?} is variable, {:?} is not",
                    p.name,
                    p.ty
                );
            }
        }
    }

    #[test]
    fn every_spec_matches_the_event_table() {
        for s in SYSCALLS {
            let enter = event_type(s.name, false).unwrap_or_else(|| panic!("{} >", s.name));
            check(s.name, enter, s.enter);
            if let Some(exit) = s.exit {
                let id = event_type(s.name, true).unwrap_or_else(|| panic!("{} <", s.name));
                check(s.name, id, exit);
            }
        }
    }

    #[test]
    fn handwritten_events_have_the_table_parameter_counts() {
        for &(id, n) in HANDWRITTEN {
            assert_eq!(table::event_info(id).params.len(), n, "event {id}");
        }
        for s in SYSCALLS.iter().filter(|s| s.exit.is_none()) {
            let id = event_type(s.name, true).expect("exit");
            assert!(
                HANDWRITTEN.iter().any(|&(h, _)| h == id),
                "{} exit ({id}) is neither generic nor handwritten",
                s.name
            );
        }
    }

    #[test]
    fn specs_encode_as_the_kernel_reads_them() {
        let v = encode(307, &[Op::Res, Op::ArgS32(0), Op::ArgStr(1)]);
        assert_eq!(&v[..4], &[0x33, 0x01, 3, 0]);
        assert_eq!(&v[4..7], &[1, 3, 5]);
        assert_eq!(&v[12..15], &[0, 0, 1]);
    }
}
