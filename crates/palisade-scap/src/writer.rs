//! A small capture writer: section header v1.2, machine info, optional process list, and
//! EV_V2 event blocks — enough for sysdig to read, for tests and forensics exports.

use std::io::{self, Write};

use palisade_event::Event;
use palisade_event::event::LenWidth;
use std::net::IpAddr;

use palisade_event::state::ThreadInfo;
use palisade_event::{FdInfo, FdKind, GroupInfo, L4Proto, UserInfo};

use crate::blocks::{fdtype, ids};

/// Writes a capture to `W`.
#[derive(Debug)]
pub struct ScapWriter<W: Write> {
    out: W,
    scratch: Vec<u8>,
}

fn pad4(v: &mut Vec<u8>) {
    while v.len() % 4 != 0 {
        v.push(0);
    }
}

fn str16(v: &mut Vec<u8>, s: &[u8]) {
    let n = s.len().min(usize::from(u16::MAX));
    v.extend(u16::try_from(n).unwrap_or(u16::MAX).to_le_bytes());
    v.extend(&s[..n]);
}

impl<W: Write> ScapWriter<W> {
    /// Starts a capture: writes the section header and a machine info block for `hostname`.
    pub fn new(mut out: W, hostname: &str, num_cpus: u32) -> io::Result<Self> {
        let mut shb = Vec::new();
        shb.extend(0x1A2B_3C4Du32.to_le_bytes());
        shb.extend(1u16.to_le_bytes());
        shb.extend(2u16.to_le_bytes());
        shb.extend((-1i64).to_le_bytes());
        write_block(&mut out, ids::SHB, &shb)?;
        let mut mi = Vec::new();
        mi.extend(num_cpus.to_le_bytes());
        mi.extend(0u64.to_le_bytes());
        mi.extend(0u64.to_le_bytes());
        mi.extend(4096u64.to_le_bytes());
        let mut host = [0u8; 128];
        let h = hostname.as_bytes();
        let n = h.len().min(127);
        host[..n].copy_from_slice(&h[..n]);
        mi.extend(host);
        // Three reserved 64-bit words, as libscap writes them.
        mi.extend([0u8; 24]);
        write_block(&mut out, ids::MI, &mi)?;
        Ok(ScapWriter {
            out,
            scratch: Vec::new(),
        })
    }

    /// Writes a process list block (version 8 layout) for `threads`.
    pub fn write_threads<'a>(
        &mut self,
        threads: impl IntoIterator<Item = &'a ThreadInfo>,
    ) -> io::Result<()> {
        let v = &mut self.scratch;
        v.clear();
        for t in threads {
            v.extend(t.tid.to_le_bytes());
            v.extend(t.pid.to_le_bytes());
            v.extend(t.ptid.to_le_bytes());
            v.extend(t.sid.to_le_bytes());
            v.extend(t.pgid.to_le_bytes());
            str16(v, capped(t.comm.as_bytes(), PATH_MAX));
            str16(v, capped(t.exe.as_bytes(), PATH_MAX));
            str16(v, capped(t.exepath.as_bytes(), PATH_MAX));
            str16(v, capped(&join_nul(&t.args), LIST_MAX));
            str16(v, capped(t.cwd.as_bytes(), PATH_MAX));
            v.extend(t.fdlimit.to_le_bytes());
            v.extend(t.flags.to_le_bytes());
            v.extend(t.uid.to_le_bytes());
            v.extend(t.gid.to_le_bytes());
            v.extend(t.vmsize_kb.to_le_bytes());
            v.extend(t.vmrss_kb.to_le_bytes());
            v.extend(t.vmswap_kb.to_le_bytes());
            v.extend(0u64.to_le_bytes());
            v.extend(0u64.to_le_bytes());
            str16(v, capped(&join_nul(&t.env), LIST_MAX));
            v.extend(t.vtid.to_le_bytes());
            v.extend(t.vpid.to_le_bytes());
            let cg: Vec<String> = t.cgroups.iter().map(|(k, p)| format!("{k}={p}")).collect();
            str16(v, capped(&join_nul(&cg), LIST_MAX));
            str16(v, capped(t.root.as_bytes(), PATH_MAX));
        }
        let body = std::mem::take(&mut self.scratch);
        let res = write_block(&mut self.out, ids::PL_V8, &body);
        self.scratch = body;
        res
    }

    /// Writes the fd table of process `pid` as an FDL block (files, directories, sockets,
    /// pipes and the other kinds by name).
    pub fn write_fds<'a>(
        &mut self,
        pid: i64,
        fds: impl IntoIterator<Item = (i64, &'a FdInfo)>,
    ) -> io::Result<()> {
        let v = &mut self.scratch;
        v.clear();
        v.extend(pid.to_le_bytes());
        let ip4 = |a: Option<IpAddr>| match a {
            Some(IpAddr::V4(a)) => a.octets(),
            Some(IpAddr::V6(a)) => a.to_ipv4_mapped().map_or([0; 4], |a| a.octets()),
            None => [0; 4],
        };
        let ip6 = |a: Option<IpAddr>| match a {
            Some(IpAddr::V6(a)) => a.octets(),
            Some(IpAddr::V4(a)) => a.to_ipv6_mapped().octets(),
            None => [0; 16],
        };
        for (fd, info) in fds {
            v.extend(fd.to_le_bytes());
            v.extend(info.ino.to_le_bytes());
            let n = &info.net;
            let proto = match n.l4proto {
                L4Proto::Tcp => 3u8,
                L4Proto::Udp => 4,
                L4Proto::Icmp => 5,
                L4Proto::Raw => 2,
                L4Proto::Unknown => 0,
            };
            match info.kind {
                FdKind::Ipv4Socket | FdKind::Ipv6Socket if n.listening => {
                    let v6 = info.kind == FdKind::Ipv6Socket;
                    v.push(if v6 {
                        fdtype::IPV6_SERVSOCK
                    } else {
                        fdtype::IPV4_SERVSOCK
                    });
                    if v6 {
                        v.extend(ip6(n.sip));
                    } else {
                        v.extend(ip4(n.sip));
                    }
                    v.extend(n.sport.to_le_bytes());
                    v.push(proto);
                }
                FdKind::Ipv4Socket => {
                    v.push(fdtype::IPV4_SOCK);
                    v.extend(ip4(n.cip));
                    v.extend(ip4(n.sip));
                    v.extend(n.cport.to_le_bytes());
                    v.extend(n.sport.to_le_bytes());
                    v.push(proto);
                }
                FdKind::Ipv6Socket => {
                    v.push(fdtype::IPV6_SOCK);
                    v.extend(ip6(n.cip));
                    v.extend(ip6(n.sip));
                    v.extend(n.cport.to_le_bytes());
                    v.extend(n.sport.to_le_bytes());
                    v.push(proto);
                }
                FdKind::UnixSocket => {
                    v.push(fdtype::UNIX_SOCK);
                    v.extend(info.unix_ends.0.to_le_bytes());
                    v.extend(info.unix_ends.1.to_le_bytes());
                    str16(v, info.name.as_bytes());
                }
                FdKind::File | FdKind::Directory => {
                    v.push(fdtype::FILE_V2);
                    v.extend(info.open_flags.to_le_bytes());
                    str16(v, info.name.as_bytes());
                }
                other => {
                    v.push(match other {
                        FdKind::Pipe => fdtype::FIFO,
                        FdKind::Event => fdtype::EVENT,
                        FdKind::SignalFd => fdtype::SIGNALFD,
                        FdKind::EventPoll => fdtype::EVENTPOLL,
                        FdKind::Inotify => fdtype::INOTIFY,
                        FdKind::TimerFd => fdtype::TIMERFD,
                        FdKind::Netlink => fdtype::NETLINK,
                        // Kinds newer than sysdig 0.29's reader (bpf, userfaultfd, io_uring,
                        // memfd, pidfd), which refuses a capture holding one.
                        _ => fdtype::UNSUPPORTED,
                    });
                    str16(v, info.name.as_bytes());
                }
            }
        }
        let body = std::mem::take(&mut self.scratch);
        let res = write_block(&mut self.out, ids::FDL, &body);
        self.scratch = body;
        res
    }

    /// Writes the users and groups as a UL block.
    pub fn write_users<'a>(
        &mut self,
        users: impl IntoIterator<Item = &'a UserInfo>,
        groups: impl IntoIterator<Item = &'a GroupInfo>,
    ) -> io::Result<()> {
        let v = &mut self.scratch;
        v.clear();
        for u in users {
            v.push(0);
            v.extend(u.uid.to_le_bytes());
            v.extend(u.gid.to_le_bytes());
            str16(v, u.name.as_bytes());
            str16(v, u.home.as_bytes());
            str16(v, u.shell.as_bytes());
        }
        for g in groups {
            v.push(1);
            v.extend(g.gid.to_le_bytes());
            str16(v, g.name.as_bytes());
        }
        let body = std::mem::take(&mut self.scratch);
        let res = write_block(&mut self.out, ids::UL, &body);
        self.scratch = body;
        res
    }

    /// Writes one event as an EV_V2 block (EV_V2_LARGE when a parameter needs it).
    pub fn write_event(&mut self, e: &Event<'_>) -> io::Result<()> {
        let (lens, data, width) = e.params.raw_parts();
        let n = e.params.len();
        let large = width == LenWidth::U32;
        let used: usize = (0..n)
            .filter_map(|i| e.params.get(i))
            .map(<[u8]>::len)
            .sum();
        let lens_len = if large { n * 4 } else { n * 2 };
        let len = 26 + lens_len + used;
        let v = &mut self.scratch;
        v.clear();
        v.extend(e.cpu.to_le_bytes());
        v.extend(e.ts.to_le_bytes());
        v.extend(e.tid.to_le_bytes());
        v.extend(
            u32::try_from(len)
                .map_err(|_| io::Error::other("event too large"))?
                .to_le_bytes(),
        );
        v.extend(e.kind.to_le_bytes());
        v.extend(u32::try_from(n).unwrap_or(0).to_le_bytes());
        v.extend(&lens[..lens_len.min(lens.len())]);
        v.extend(&data[..used.min(data.len())]);
        let body = std::mem::take(&mut self.scratch);
        let res = write_block(
            &mut self.out,
            if large { ids::EV_V2_LARGE } else { ids::EV_V2 },
            &body,
        );
        self.scratch = body;
        res
    }

    /// Flushes and returns the output.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// The longest path and list (args, env, cgroups) libscap accepts in a process entry
/// (`SCAP_MAX_PATH_SIZE`, `SCAP_MAX_ARGS_SIZE`): a capture with a longer one does not open.
const PATH_MAX: usize = 1024;
const LIST_MAX: usize = 4096;

/// `b` cut to at most `max` bytes, at the end of an item of a NUL-separated list when it can be.
fn capped(b: &[u8], max: usize) -> &[u8] {
    if b.len() <= max {
        return b;
    }
    let cut = &b[..max];
    match cut.iter().rposition(|&c| c == 0) {
        Some(i) => &cut[..=i],
        None => cut,
    }
}

fn join_nul(items: &[String]) -> Vec<u8> {
    let mut v = Vec::new();
    for i in items {
        v.extend(i.as_bytes());
        v.push(0);
    }
    v
}

fn write_block(out: &mut impl Write, block_type: u32, body: &[u8]) -> io::Result<()> {
    let mut padded = body.to_vec();
    pad4(&mut padded);
    let total =
        u32::try_from(padded.len() + 12).map_err(|_| io::Error::other("block too large"))?;
    out.write_all(&block_type.to_le_bytes())?;
    out.write_all(&total.to_le_bytes())?;
    out.write_all(&padded)?;
    out.write_all(&total.to_le_bytes())
}
