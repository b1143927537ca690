//! Decoding of the state blocks of a capture: machine info, process list, fd list, interface
//! list and user list, in every version found in the wild.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use palisade_event::source::StateRecord;
use palisade_event::state::{
    FdInfo, FdKind, GroupInfo, Interface, L4Proto, MachineInfo, SocketEnds, ThreadInfo, UserInfo,
};
use palisade_event::state::{IdMap, container_id_from_cgroups};

/// Block type ids.
#[allow(missing_docs, reason = "names follow libscap's scap_savefile.h")]
pub mod ids {
    pub const SHB: u32 = 0x0A0D_0D0A;
    pub const MI: u32 = 0x201;
    pub const MI_INT: u32 = 0x8002_ABCD;
    pub const PL_V1: u32 = 0x202;
    pub const PL_V1_INT: u32 = 0x8000_ABCD;
    pub const PL_V2: u32 = 0x207;
    pub const PL_V2_INT: u32 = 0x8013_ABCD;
    pub const PL_V3: u32 = 0x209;
    pub const PL_V3_INT: u32 = 0x8014_ABCD;
    pub const PL_V4: u32 = 0x210;
    pub const PL_V5: u32 = 0x211;
    pub const PL_V6: u32 = 0x212;
    pub const PL_V7: u32 = 0x213;
    pub const PL_V8: u32 = 0x214;
    pub const PL_V9: u32 = 0x215;
    pub const FDL: u32 = 0x203;
    pub const FDL_INT: u32 = 0x8001_ABCD;
    pub const FDL_V2: u32 = 0x218;
    pub const EV: u32 = 0x204;
    pub const EV_INT: u32 = 0x8010_ABCD;
    pub const EV_V2: u32 = 0x216;
    pub const EV_V2_LARGE: u32 = 0x221;
    pub const EVF: u32 = 0x208;
    pub const EVF_V2: u32 = 0x217;
    pub const EVF_V2_LARGE: u32 = 0x222;
    pub const IL: u32 = 0x205;
    pub const IL_INT: u32 = 0x8011_ABCD;
    pub const IL_V2: u32 = 0x219;
    pub const UL: u32 = 0x206;
    pub const UL_INT: u32 = 0x8012_ABCD;
    pub const UL_V2: u32 = 0x220;
}

/// Why a block could not be decoded; the position is relative to the block body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} at byte {pos} of the block body")]
pub struct BlockError {
    /// What was being read.
    pub what: &'static str,
    /// Position in the block body.
    pub pos: usize,
}

/// A little-endian cursor over a block body.
pub(crate) struct Cur<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Cur<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Cur { data, pos: 0 }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    pub(crate) fn bytes(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], BlockError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.data.len())
            .ok_or(BlockError {
                what,
                pos: self.pos,
            })?;
        let b = &self.data[self.pos..end];
        self.pos = end;
        Ok(b)
    }

    pub(crate) fn skip_to(&mut self, pos: usize, what: &'static str) -> Result<(), BlockError> {
        if pos < self.pos || pos > self.data.len() {
            return Err(BlockError {
                what,
                pos: self.pos,
            });
        }
        self.pos = pos;
        Ok(())
    }

    fn arr<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], BlockError> {
        let b = self.bytes(N, what)?;
        let mut a = [0u8; N];
        a.copy_from_slice(b);
        Ok(a)
    }

    pub(crate) fn u8(&mut self, what: &'static str) -> Result<u8, BlockError> {
        Ok(self.arr::<1>(what)?[0])
    }

    pub(crate) fn u16(&mut self, what: &'static str) -> Result<u16, BlockError> {
        Ok(u16::from_le_bytes(self.arr(what)?))
    }

    pub(crate) fn u32(&mut self, what: &'static str) -> Result<u32, BlockError> {
        Ok(u32::from_le_bytes(self.arr(what)?))
    }

    pub(crate) fn u64(&mut self, what: &'static str) -> Result<u64, BlockError> {
        Ok(u64::from_le_bytes(self.arr(what)?))
    }

    pub(crate) fn i64(&mut self, what: &'static str) -> Result<i64, BlockError> {
        Ok(i64::from_le_bytes(self.arr(what)?))
    }

    /// A `u16` length followed by that many bytes.
    fn str16(&mut self, what: &'static str) -> Result<&'a [u8], BlockError> {
        let n = self.u16(what)?;
        self.bytes(usize::from(n), what)
    }
}

fn lossy(b: &[u8]) -> String {
    let b = match b.iter().position(|&c| c == 0) {
        Some(i) => &b[..i],
        None => b,
    };
    String::from_utf8_lossy(b).into_owned()
}

fn nul_list(b: &[u8]) -> Vec<String> {
    let b = b.strip_suffix(&[0]).unwrap_or(b);
    if b.is_empty() {
        return Vec::new();
    }
    b.split(|&c| c == 0)
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect()
}

/// Decodes a machine info block.
pub fn machine_info(body: &[u8]) -> Result<MachineInfo, BlockError> {
    let mut c = Cur::new(body);
    let num_cpus = c.u32("machine info num_cpus")?;
    let memory_bytes = c.u64("machine info memory size")?;
    let max_cpu_frequency = c.u64("machine info cpu frequency")?;
    let page_size = c.u64("machine info page size")?;
    let host = c.bytes(c.remaining().min(128), "machine info hostname")?;
    Ok(MachineInfo {
        num_cpus,
        memory_bytes,
        max_cpu_frequency,
        page_size,
        hostname: lossy(host),
        boot_ts: 0,
    })
}

/// Decodes a process list block into thread records.
pub fn proclist(
    block_type: u32,
    body: &[u8],
    out: &mut Vec<StateRecord>,
) -> Result<(), BlockError> {
    use ids::*;
    let version = match block_type {
        PL_V1 | PL_V1_INT => 1,
        PL_V2 | PL_V2_INT => 2,
        PL_V3 | PL_V3_INT => 3,
        PL_V4 => 4,
        PL_V5 => 5,
        PL_V6 => 6,
        PL_V7 => 7,
        PL_V8 => 8,
        _ => 9,
    };
    let mut c = Cur::new(body);
    while c.remaining() >= 4 {
        let start = c.pos();
        let sub_len = if version >= 9 {
            c.u32("process entry length")? as usize
        } else {
            0
        };
        let mut t = ThreadInfo::new(0);
        t.tid = c.i64("process tid")?;
        t.pid = c.i64("process pid")?;
        t.ptid = c.i64("process ptid")?;
        if version >= 6 {
            t.sid = c.i64("process sid")?;
        }
        if version >= 8 {
            t.pgid = c.i64("process vpgid")?;
        }
        t.comm = lossy(c.str16("process comm")?).into();
        t.exe = lossy(c.str16("process exe")?).into();
        if version >= 7 {
            t.exepath = lossy(c.str16("process exepath")?).into();
        }
        t.args = nul_list(c.str16("process args")?).into();
        let mut cwd = lossy(c.str16("process cwd")?);
        if !cwd.is_empty() && !cwd.ends_with('/') {
            cwd.push('/');
        }
        t.cwd = cwd.into();
        #[allow(
            clippy::cast_possible_wrap,
            reason = "fdlimit is a signed 64-bit value on the wire"
        )]
        {
            t.fdlimit = c.u64("process fdlimit")? as i64;
        }
        t.flags = c.u32("process flags")?;
        t.uid = c.u32("process uid")?;
        t.gid = c.u32("process gid")?;
        if version >= 2 {
            t.vmsize_kb = c.u32("process vmsize")?;
            t.vmrss_kb = c.u32("process vmrss")?;
            t.vmswap_kb = c.u32("process vmswap")?;
            c.u64("process pfmajor")?;
            c.u64("process pfminor")?;
            if version >= 3 {
                t.env = nul_list(c.str16("process env")?).into();
            }
            if version >= 4 {
                t.vtid = c.i64("process vtid")?;
                t.vpid = c.i64("process vpid")?;
                t.cgroups = nul_list(c.str16("process cgroups")?)
                    .into_iter()
                    .filter_map(|kv| {
                        kv.split_once('=')
                            .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    })
                    .collect();
                if version >= 5 {
                    t.root = lossy(c.str16("process root")?);
                }
            }
        }
        if version < 4 {
            t.vtid = t.tid;
            t.vpid = t.pid;
        }
        if sub_len != 0 {
            let end = start.checked_add(sub_len).ok_or(BlockError {
                what: "process entry length",
                pos: start,
            })?;
            let room = |c: &Cur<'_>, n: usize| c.pos() + n <= end;
            // libs 0.10 inserted two fields before loginuid; older writers have at most
            // 29 bytes of extras.
            if end.saturating_sub(c.pos()) > 29 {
                if room(&c, 8) {
                    c.u64("process pidns_init_start_ts")?;
                }
                if room(&c, 4) {
                    t.tty = c.u32("process tty")?;
                }
            }
            if room(&c, 4) {
                t.loginuid = c.u32("process loginuid")?;
            }
            if room(&c, 1) {
                t.exe_writable = c.u8("process exe_writable")? != 0;
            }
            if room(&c, 8) {
                t.cap_inheritable = c.u64("process capabilities")?;
            }
            if room(&c, 8) {
                t.cap_permitted = c.u64("process capabilities")?;
            }
            if room(&c, 8) {
                t.cap_effective = c.u64("process capabilities")?;
            }
            if room(&c, 1) {
                t.exe_upper_layer = c.u8("process exe_upper_layer")? != 0;
            }
            if room(&c, 24) {
                c.bytes(24, "process exe inode")?;
            }
            if room(&c, 1) {
                t.exe_from_memfd = c.u8("process exe_from_memfd")? != 0;
            }
            c.skip_to(end, "process entry length")?;
        }
        if let Some(id) = container_id_from_cgroups(&t.cgroups) {
            t.container_id = id.to_owned();
        }
        t.fds = IdMap::default();
        out.push(StateRecord::Thread(Box::new(t)));
    }
    Ok(())
}

/// scap's fd types.
pub(crate) mod fdtype {
    pub const FILE: u8 = 1;
    pub const DIRECTORY: u8 = 2;
    pub const IPV4_SOCK: u8 = 3;
    pub const IPV6_SOCK: u8 = 4;
    pub const IPV4_SERVSOCK: u8 = 5;
    pub const IPV6_SERVSOCK: u8 = 6;
    pub const FIFO: u8 = 7;
    pub const UNIX_SOCK: u8 = 8;
    pub const EVENT: u8 = 9;
    pub const UNSUPPORTED: u8 = 10;
    pub const SIGNALFD: u8 = 11;
    pub const EVENTPOLL: u8 = 12;
    pub const INOTIFY: u8 = 13;
    pub const TIMERFD: u8 = 14;
    pub const NETLINK: u8 = 15;
    pub const FILE_V2: u8 = 16;
    pub const BPF: u8 = 17;
    pub const USERFAULTFD: u8 = 18;
    pub const IOURING: u8 = 19;
    pub const MEMFD: u8 = 20;
    pub const PIDFD: u8 = 21;
}

fn l4(p: u8) -> L4Proto {
    match p {
        2 => L4Proto::Tcp,
        3 => L4Proto::Udp,
        4 => L4Proto::Icmp,
        5 => L4Proto::Raw,
        _ => L4Proto::Unknown,
    }
}

fn v4(c: &mut Cur<'_>, what: &'static str) -> Result<Ipv4Addr, BlockError> {
    let b = c.bytes(4, what)?;
    Ok(Ipv4Addr::new(b[0], b[1], b[2], b[3]))
}

fn v6(c: &mut Cur<'_>, what: &'static str) -> Result<Ipv6Addr, BlockError> {
    let b = c.bytes(16, what)?;
    let mut a = [0u8; 16];
    a.copy_from_slice(b);
    Ok(Ipv6Addr::from(a))
}

fn show(ip: IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map_or_else(|| v6.to_string(), |v4| v4.to_string()),
        IpAddr::V4(v4) => v4.to_string(),
    }
}

/// Decodes an fd list block into fd records of its process.
pub fn fdlist(block_type: u32, body: &[u8], out: &mut Vec<StateRecord>) -> Result<(), BlockError> {
    let mut c = Cur::new(body);
    let pid = c.i64("fd list tid")?;
    while c.remaining() >= 4 {
        let start = c.pos();
        let sub_len = if block_type == ids::FDL_V2 {
            c.u32("fd entry length")? as usize
        } else {
            0
        };
        let fd = c.i64("fd number")?;
        let ino = c.u64("fd inode")?;
        let ty = c.u8("fd type")?;
        let mut info = FdInfo {
            ino,
            ..FdInfo::default()
        };
        match ty {
            fdtype::IPV4_SOCK => {
                let sip = v4(&mut c, "fd ipv4 source")?;
                let dip = v4(&mut c, "fd ipv4 destination")?;
                let sport = c.u16("fd ipv4 source port")?;
                let dport = c.u16("fd ipv4 destination port")?;
                let proto = c.u8("fd l4 protocol")?;
                info.kind = FdKind::Ipv4Socket;
                info.net = SocketEnds {
                    cip: Some(sip.into()),
                    cport: sport,
                    sip: Some(dip.into()),
                    sport: dport,
                    l4proto: l4(proto),
                    listening: false,
                };
                info.name = format!("{sip}:{sport}->{dip}:{dport}");
            }
            fdtype::IPV6_SOCK => {
                let sip = v6(&mut c, "fd ipv6 source")?;
                let dip = v6(&mut c, "fd ipv6 destination")?;
                let sport = c.u16("fd ipv6 source port")?;
                let dport = c.u16("fd ipv6 destination port")?;
                let proto = c.u8("fd l4 protocol")?;
                info.kind = FdKind::Ipv6Socket;
                info.net = SocketEnds {
                    cip: Some(sip.into()),
                    cport: sport,
                    sip: Some(dip.into()),
                    sport: dport,
                    l4proto: l4(proto),
                    listening: false,
                };
                info.name = format!("{}:{sport}->{}:{dport}", show(sip.into()), show(dip.into()));
            }
            fdtype::IPV4_SERVSOCK => {
                let ip = v4(&mut c, "fd ipv4 server address")?;
                let port = c.u16("fd ipv4 server port")?;
                let proto = c.u8("fd l4 protocol")?;
                info.kind = FdKind::Ipv4Socket;
                info.net = SocketEnds {
                    sip: Some(ip.into()),
                    sport: port,
                    l4proto: l4(proto),
                    listening: true,
                    ..SocketEnds::default()
                };
                info.name = format!("{ip}:{port}");
            }
            fdtype::IPV6_SERVSOCK => {
                let ip = v6(&mut c, "fd ipv6 server address")?;
                let port = c.u16("fd ipv6 server port")?;
                let proto = c.u8("fd l4 protocol")?;
                info.kind = FdKind::Ipv6Socket;
                info.net = SocketEnds {
                    sip: Some(ip.into()),
                    sport: port,
                    l4proto: l4(proto),
                    listening: true,
                    ..SocketEnds::default()
                };
                info.name = format!("{}:{port}", show(ip.into()));
            }
            fdtype::UNIX_SOCK => {
                let src = c.u64("fd unix source")?;
                let dst = c.u64("fd unix destination")?;
                info.kind = FdKind::UnixSocket;
                info.unix_ends = (src, dst);
                info.name = lossy(c.str16("fd unix path")?);
            }
            fdtype::FILE_V2 => {
                info.open_flags = c.u32("fd open flags")?;
                info.name = lossy(c.str16("fd name")?);
                if sub_len != 0 && c.pos() - start + 4 <= sub_len {
                    info.dev = c.u32("fd device")?;
                }
                info.kind = if info.open_flags & palisade_event::flags::o::DIRECTORY != 0 {
                    FdKind::Directory
                } else {
                    FdKind::File
                };
            }
            fdtype::FILE
            | fdtype::DIRECTORY
            | fdtype::FIFO
            | fdtype::UNSUPPORTED
            | fdtype::EVENT
            | fdtype::SIGNALFD
            | fdtype::EVENTPOLL
            | fdtype::INOTIFY
            | fdtype::TIMERFD
            | fdtype::NETLINK
            | fdtype::BPF
            | fdtype::USERFAULTFD
            | fdtype::IOURING
            | fdtype::MEMFD
            | fdtype::PIDFD => {
                info.name = lossy(c.str16("fd name")?);
                info.kind = match ty {
                    fdtype::FILE => FdKind::File,
                    fdtype::DIRECTORY => FdKind::Directory,
                    fdtype::FIFO => FdKind::Pipe,
                    fdtype::EVENT => FdKind::Event,
                    fdtype::SIGNALFD => FdKind::SignalFd,
                    fdtype::EVENTPOLL => FdKind::EventPoll,
                    fdtype::INOTIFY => FdKind::Inotify,
                    fdtype::TIMERFD => FdKind::TimerFd,
                    fdtype::NETLINK => FdKind::Netlink,
                    fdtype::BPF => FdKind::Bpf,
                    fdtype::USERFAULTFD => FdKind::UserFaultFd,
                    fdtype::IOURING => FdKind::IoUring,
                    fdtype::MEMFD => FdKind::Memfd,
                    fdtype::PIDFD => FdKind::Pidfd,
                    _ => FdKind::Unknown,
                };
            }
            _ => {
                // A type from a newer writer: without a length it cannot be skipped.
                if sub_len == 0 {
                    return Err(BlockError {
                        what: "unknown fd type without entry length",
                        pos: c.pos(),
                    });
                }
                info.name = format!("unknown-type:[{ty}]");
            }
        }
        if sub_len != 0 {
            let end = start.checked_add(sub_len).ok_or(BlockError {
                what: "fd entry length",
                pos: start,
            })?;
            c.skip_to(end, "fd entry length")?;
        }
        out.push(StateRecord::Fd { pid, fd, info });
    }
    Ok(())
}

/// Decodes a user list block into user and group records.
pub fn userlist(
    block_type: u32,
    body: &[u8],
    out: &mut Vec<StateRecord>,
) -> Result<(), BlockError> {
    let mut c = Cur::new(body);
    while c.remaining() >= 4 {
        let start = c.pos();
        let sub_len = if block_type == ids::UL_V2 {
            c.u32("user entry length")? as usize
        } else {
            0
        };
        let ty = c.u8("user entry type")?;
        if ty == 0 {
            let uid = c.u32("user uid")?;
            let gid = c.u32("user gid")?;
            let name = lossy(c.str16("user name")?);
            let home = lossy(c.str16("user home")?);
            let shell = lossy(c.str16("user shell")?);
            let mut container_id = String::new();
            if sub_len != 0 && c.pos() - start + 2 <= sub_len {
                container_id = lossy(c.str16("user container id")?);
            }
            out.push(StateRecord::User(UserInfo {
                uid,
                gid,
                name,
                home,
                shell,
                container_id,
            }));
        } else {
            let gid = c.u32("group gid")?;
            let name = lossy(c.str16("group name")?);
            let mut container_id = String::new();
            if sub_len != 0 && c.pos() - start + 2 <= sub_len {
                container_id = lossy(c.str16("group container id")?);
            }
            out.push(StateRecord::Group(GroupInfo {
                gid,
                name,
                container_id,
            }));
        }
        if sub_len != 0 {
            let end = start.checked_add(sub_len).ok_or(BlockError {
                what: "user entry length",
                pos: start,
            })?;
            c.skip_to(end, "user entry length")?;
        }
    }
    Ok(())
}

/// Decodes an interface list block.
pub fn iflist(block_type: u32, body: &[u8], out: &mut Vec<StateRecord>) -> Result<(), BlockError> {
    let mut c = Cur::new(body);
    while c.remaining() >= 4 {
        let start = c.pos();
        let entry_len = if block_type == ids::IL_V2 {
            Some(c.u32("interface entry length")? as usize)
        } else {
            None
        };
        let body_start = c.pos();
        let ty = c.u16("interface type")?;
        let namelen = c.u16("interface name length")?;
        let (addr, netmask) = match ty {
            1 | 3 => {
                let a = v4(&mut c, "interface address")?;
                let m = v4(&mut c, "interface netmask")?;
                v4(&mut c, "interface broadcast")?;
                (IpAddr::from(a), IpAddr::from(m))
            }
            2 | 4 => {
                let a = v6(&mut c, "interface address")?;
                let m = v6(&mut c, "interface netmask")?;
                v6(&mut c, "interface broadcast")?;
                (IpAddr::from(a), IpAddr::from(m))
            }
            _ => {
                return Err(BlockError {
                    what: "unknown interface type",
                    pos: start,
                });
            }
        };
        if ty == 1 || ty == 2 {
            c.u64("interface link speed")?;
        }
        let name = lossy(c.bytes(usize::from(namelen), "interface name")?);
        if let Some(len) = entry_len {
            let end = body_start.checked_add(len).ok_or(BlockError {
                what: "interface entry length",
                pos: start,
            })?;
            if end >= c.pos() {
                c.skip_to(end, "interface entry length")?;
            }
        }
        out.push(StateRecord::Interface(Interface {
            name,
            addr,
            netmask,
        }));
    }
    Ok(())
}
