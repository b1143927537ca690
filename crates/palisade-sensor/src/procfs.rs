//! The state before the first event, read from `/proc`: every thread with its command line,
//! parent, credentials, cwd and cgroups, every process's open files, pipes and sockets, the
//! users and groups of the host and the machine — handed to the `Inspector` as state records,
//! as a capture's state blocks are.
//!
//! Processes come and go while `/proc` is read: whatever vanished is skipped. Everything read
//! is bounded: at most [`Limits::max_threads`] threads, [`Limits::max_fds`] fds per process,
//! and each file at most 64 KiB.

use std::collections::HashMap;
use std::fs;
use std::io::Read;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use palisade_event::{
    FdInfo, FdKind, GroupInfo, L4Proto, MachineInfo, StateRecord, ThreadInfo, UserInfo,
};

/// Bounds of one scan.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Threads read at most.
    pub max_threads: usize,
    /// Fds read per process at most.
    pub max_fds: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_threads: 131_072,
            max_fds: 4096,
        }
    }
}

const MAX_FILE: u64 = 64 << 10;

fn read_small(path: &Path) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    fs::File::open(path)
        .ok()?
        .take(MAX_FILE)
        .read_to_end(&mut buf)
        .ok()?;
    Some(buf)
}

fn read_text(path: &Path) -> Option<String> {
    read_small(path).map(|b| String::from_utf8_lossy(&b).into_owned())
}

fn nul_list(b: &[u8]) -> Vec<String> {
    b.split(|&c| c == 0)
        .filter(|s| !s.is_empty())
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect()
}

/// `(subsystem, path)` for each line `id:controllers:path` of `/proc/PID/cgroup`; the unified
/// hierarchy's line (`0::/path`) is named `unified`.
pub fn parse_cgroups(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(_), Some(ctrls), Some(path)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if ctrls.is_empty() {
            out.push(("unified".to_owned(), path.to_owned()));
        }
        for c in ctrls.split(',').filter(|c| !c.is_empty()) {
            let c = c.strip_prefix("name=").unwrap_or(c);
            out.push((c.to_owned(), path.to_owned()));
        }
    }
    out
}

/// The fields of `/proc/PID/stat` after the command name: state, ppid, pgrp, session, tty.
fn parse_stat(text: &str) -> Option<(i64, i64, i64, u32)> {
    let rest = &text[text.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some((
        f.get(1)?.parse().ok()?,
        f.get(2)?.parse().ok()?,
        f.get(3)?.parse().ok()?,
        f.get(4)?.parse().ok()?,
    ))
}

/// Effective uid and gid, capabilities and the innermost namespace ids from `status`.
#[derive(Debug, Default)]
struct Status {
    uid: u32,
    gid: u32,
    cap_eff: u64,
    cap_prm: u64,
    cap_inh: u64,
    vtid: i64,
    vpid: i64,
    vm_size: u32,
    vm_rss: u32,
    vm_swap: u32,
}

fn parse_status(text: &str) -> Status {
    let mut s = Status {
        uid: u32::MAX,
        gid: u32::MAX,
        ..Status::default()
    };
    for line in text.lines() {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let words: Vec<&str> = v.split_whitespace().collect();
        let nth = |i: usize| words.get(i).and_then(|w| w.parse::<u32>().ok());
        let last = || {
            words
                .last()
                .and_then(|w| w.parse::<i64>().ok())
                .unwrap_or(0)
        };
        let hex = || {
            words
                .first()
                .and_then(|w| u64::from_str_radix(w, 16).ok())
                .unwrap_or(0)
        };
        match k {
            "Uid" => s.uid = nth(1).unwrap_or(u32::MAX),
            "Gid" => s.gid = nth(1).unwrap_or(u32::MAX),
            "CapEff" => s.cap_eff = hex(),
            "CapPrm" => s.cap_prm = hex(),
            "CapInh" => s.cap_inh = hex(),
            "NSpid" => s.vtid = last(),
            "NStgid" => s.vpid = last(),
            "VmSize" => s.vm_size = nth(0).unwrap_or(0),
            "VmRSS" => s.vm_rss = nth(0).unwrap_or(0),
            "VmSwap" => s.vm_swap = nth(0).unwrap_or(0),
            _ => {}
        }
    }
    s
}

fn link(path: &Path) -> Option<String> {
    fs::read_link(path)
        .ok()
        .map(|p| p.to_string_lossy().into_owned())
}

/// One thread of process `pid` as the state engine keeps it.
fn thread(proc_root: &Path, pid: i64, tid: i64, shared: &ProcShared) -> Option<ThreadInfo> {
    let dir = proc_root
        .join(pid.to_string())
        .join("task")
        .join(tid.to_string());
    let stat = read_text(&dir.join("stat"))?;
    let (ppid, pgid, sid, tty) = parse_stat(&stat)?;
    let status = parse_status(&read_text(&dir.join("status")).unwrap_or_default());
    let comm = read_text(&dir.join("comm")).unwrap_or_default();
    let mut t = ThreadInfo::new(tid);
    t.pid = pid;
    t.ptid = ppid;
    t.sid = sid;
    t.pgid = pgid;
    t.vtid = if status.vtid > 0 { status.vtid } else { tid };
    t.vpid = if status.vpid > 0 { status.vpid } else { pid };
    t.comm = Arc::from(comm.trim_end_matches('\n'));
    t.exe = shared.exe.clone();
    t.exepath = shared.exepath.clone();
    t.args = shared.args.clone();
    t.env = shared.env.clone();
    t.cwd = shared.cwd.clone();
    t.tty = tty;
    t.uid = status.uid;
    t.gid = status.gid;
    t.loginuid = shared.loginuid;
    t.cgroups = shared.cgroups.clone();
    t.fdlimit = shared.fdlimit;
    t.cap_effective = status.cap_eff;
    t.cap_permitted = status.cap_prm;
    t.cap_inheritable = status.cap_inh;
    t.vmsize_kb = status.vm_size;
    t.vmrss_kb = status.vm_rss;
    t.vmswap_kb = status.vm_swap;
    t.exe_ino = shared.exe_ino;
    Some(t)
}

/// What the threads of one process share.
struct ProcShared {
    exe: Arc<str>,
    exepath: Arc<str>,
    args: Arc<[String]>,
    env: Arc<[String]>,
    cwd: Arc<str>,
    cgroups: Arc<[(String, String)]>,
    loginuid: u32,
    fdlimit: i64,
    exe_ino: u64,
}

fn proc_shared(dir: &Path) -> ProcShared {
    let cmdline = nul_list(&read_small(&dir.join("cmdline")).unwrap_or_default());
    let exe = cmdline.first().cloned().unwrap_or_default();
    let args: Vec<String> = cmdline.into_iter().skip(1).collect();
    let env = nul_list(&read_small(&dir.join("environ")).unwrap_or_default());
    let mut cwd = link(&dir.join("cwd")).unwrap_or_default();
    if !cwd.ends_with('/') {
        cwd.push('/');
    }
    let exepath = link(&dir.join("exe")).unwrap_or_default();
    let loginuid = read_text(&dir.join("loginuid"))
        .and_then(|s| s.trim().parse::<u32>().ok())
        .unwrap_or(u32::MAX);
    let fdlimit = read_text(&dir.join("limits"))
        .and_then(|l| {
            l.lines()
                .find(|x| x.starts_with("Max open files"))
                .and_then(|x| x.split_whitespace().nth(3).map(str::to_owned))
        })
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let exe_ino = fs::metadata(dir.join("exe"))
        .map(|m| std::os::unix::fs::MetadataExt::ino(&m))
        .unwrap_or(0);
    ProcShared {
        exe: Arc::from(exe.as_str()),
        exepath: Arc::from(exepath.as_str()),
        args: Arc::from(args),
        env: Arc::from(env),
        cwd: Arc::from(cwd.as_str()),
        cgroups: Arc::from(parse_cgroups(
            &read_text(&dir.join("cgroup")).unwrap_or_default(),
        )),
        loginuid,
        fdlimit,
        exe_ino,
    }
}

/// A socket of `/proc/net/*`, by inode.
#[derive(Debug, Clone)]
struct NetSocket {
    kind: FdKind,
    local: (std::net::IpAddr, u16),
    remote: (std::net::IpAddr, u16),
    listening: bool,
    tcp: bool,
}

fn parse_addr(hex: &str, v6: bool) -> Option<(std::net::IpAddr, u16)> {
    let (a, p) = hex.split_once(':')?;
    let port = u16::from_str_radix(p, 16).ok()?;
    if v6 {
        let mut b = [0u8; 16];
        for i in 0..4 {
            let w = u32::from_str_radix(a.get(i * 8..i * 8 + 8)?, 16).ok()?;
            b[i * 4..i * 4 + 4].copy_from_slice(&w.to_le_bytes());
        }
        Some((Ipv6Addr::from(b).into(), port))
    } else {
        let w = u32::from_str_radix(a, 16).ok()?;
        Some((Ipv4Addr::from(w.to_le_bytes()).into(), port))
    }
}

fn net_sockets(proc_root: &Path) -> HashMap<u64, NetSocket> {
    let mut out = HashMap::new();
    for (file, v6, tcp) in [
        ("tcp", false, true),
        ("tcp6", true, true),
        ("udp", false, false),
        ("udp6", true, false),
    ] {
        let Some(text) = read_big(&proc_root.join("net").join(file)) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            let (Some(l), Some(r), Some(st), Some(ino)) = (f.get(1), f.get(2), f.get(3), f.get(9))
            else {
                continue;
            };
            let (Some(local), Some(remote), Ok(ino)) =
                (parse_addr(l, v6), parse_addr(r, v6), ino.parse::<u64>())
            else {
                continue;
            };
            out.insert(
                ino,
                NetSocket {
                    kind: if v6 {
                        FdKind::Ipv6Socket
                    } else {
                        FdKind::Ipv4Socket
                    },
                    local,
                    remote,
                    listening: tcp && *st == "0A",
                    tcp,
                },
            );
        }
    }
    out
}

/// `/proc/net/*` can be large on busy hosts: read at most 16 MiB.
fn read_big(path: &Path) -> Option<String> {
    let mut buf = Vec::new();
    fs::File::open(path)
        .ok()?
        .take(16 << 20)
        .read_to_end(&mut buf)
        .ok()?;
    Some(String::from_utf8_lossy(&buf).into_owned())
}

fn fd_info(target: &str, sockets: &HashMap<u64, NetSocket>) -> FdInfo {
    let inode = |prefix: &str| {
        target
            .strip_prefix(prefix)
            .and_then(|r| r.strip_suffix(']'))
            .and_then(|n| n.parse::<u64>().ok())
    };
    if let Some(ino) = inode("socket:[") {
        if let Some(s) = sockets.get(&ino) {
            let mut info = FdInfo {
                kind: s.kind,
                ino,
                ..FdInfo::default()
            };
            let n = &mut info.net;
            n.l4proto = if s.tcp { L4Proto::Tcp } else { L4Proto::Udp };
            n.cip = Some(s.local.0);
            n.cport = s.local.1;
            n.sip = Some(s.remote.0);
            n.sport = s.remote.1;
            n.listening = s.listening;
            if s.listening {
                n.sip = Some(s.local.0);
                n.sport = s.local.1;
            }
            info.name = info.net.name();
            return info;
        }
        return FdInfo {
            kind: FdKind::UnixSocket,
            ino,
            ..FdInfo::default()
        };
    }
    if let Some(ino) = inode("pipe:[") {
        return FdInfo {
            kind: FdKind::Pipe,
            ino,
            ..FdInfo::default()
        };
    }
    if let Some(anon) = target.strip_prefix("anon_inode:") {
        let kind = match anon {
            "[eventfd]" => FdKind::Event,
            "[signalfd]" => FdKind::SignalFd,
            "[eventpoll]" => FdKind::EventPoll,
            "inotify" => FdKind::Inotify,
            "[timerfd]" => FdKind::TimerFd,
            "bpf-map" | "bpf-prog" | "bpf_link" => FdKind::Bpf,
            _ => FdKind::Unknown,
        };
        return FdInfo {
            kind,
            name: target.to_owned(),
            ..FdInfo::default()
        };
    }
    FdInfo::file(FdKind::File, target.to_owned(), 0)
}

/// Reads the state of the machine under `proc_root` (normally `/proc`) and the host's
/// `etc_root` (`/etc`): the machine, users and groups, then every thread and its process's fds.
pub fn scan(proc_root: &Path, etc_root: &Path, limits: Limits) -> Vec<StateRecord> {
    let mut out = vec![StateRecord::Machine(machine(proc_root))];
    out.extend(users(etc_root));
    let sockets = net_sockets(proc_root);
    let mut pids: Vec<i64> = fs::read_dir(proc_root)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    pids.sort_unstable();
    let mut threads = 0usize;
    for pid in pids {
        let dir = proc_root.join(pid.to_string());
        let shared = proc_shared(&dir);
        let mut tids: Vec<i64> = fs::read_dir(dir.join("task"))
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
            .collect();
        tids.sort_unstable();
        let mut any = false;
        for tid in tids {
            if threads >= limits.max_threads {
                tracing::warn!(
                    max = limits.max_threads,
                    "thread table full: not all threads read"
                );
                return out;
            }
            if let Some(t) = thread(proc_root, pid, tid, &shared) {
                threads += 1;
                any = true;
                out.push(StateRecord::Thread(Box::new(t)));
            }
        }
        if !any {
            continue;
        }
        let mut fds: Vec<(i64, PathBuf)> = fs::read_dir(dir.join("fd"))
            .into_iter()
            .flatten()
            .filter_map(|e| {
                let e = e.ok()?;
                Some((e.file_name().to_str()?.parse().ok()?, e.path()))
            })
            .collect();
        fds.sort_unstable_by_key(|(fd, _)| *fd);
        for (fd, path) in fds.into_iter().take(limits.max_fds) {
            let Some(target) = link(&path) else { continue };
            out.push(StateRecord::Fd {
                pid,
                fd,
                info: fd_info(&target, &sockets),
            });
        }
    }
    out
}

fn machine(proc_root: &Path) -> MachineInfo {
    let meminfo = read_text(&proc_root.join("meminfo")).unwrap_or_default();
    let mem_kb: u64 = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0);
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
    MachineInfo {
        num_cpus: cpus,
        memory_bytes: mem_kb * 1024,
        page_size: 4096,
        hostname: read_text(&proc_root.join("sys/kernel/hostname"))
            .map(|h| h.trim().to_owned())
            .unwrap_or_default(),
        boot_ts: crate::boot_time_ns(),
        ..MachineInfo::default()
    }
}

fn users(etc_root: &Path) -> Vec<StateRecord> {
    let mut out = Vec::new();
    for line in read_text(&etc_root.join("passwd"))
        .unwrap_or_default()
        .lines()
    {
        let f: Vec<&str> = line.split(':').collect();
        if let [name, _, uid, gid, _, home, shell, ..] = f[..] {
            if let (Ok(uid), Ok(gid)) = (uid.parse(), gid.parse()) {
                out.push(StateRecord::User(UserInfo {
                    uid,
                    gid,
                    name: name.to_owned(),
                    home: home.to_owned(),
                    shell: shell.to_owned(),
                    ..UserInfo::default()
                }));
            }
        }
    }
    for line in read_text(&etc_root.join("group"))
        .unwrap_or_default()
        .lines()
    {
        let f: Vec<&str> = line.split(':').collect();
        if let [name, _, gid, ..] = f[..] {
            if let Ok(gid) = gid.parse() {
                out.push(StateRecord::Group(GroupInfo {
                    gid,
                    name: name.to_owned(),
                    container_id: String::new(),
                }));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cgroup_files_of_both_hierarchies() {
        let text = "12:cpuset:/libpod_parent/libpod-abc\n11:cpu,cpuacct:/libpod_parent/libpod-abc\n1:name=systemd:/\n0::/libpod_parent/libpod-abc\n";
        let cg = parse_cgroups(text);
        assert_eq!(cg[0], ("cpuset".into(), "/libpod_parent/libpod-abc".into()));
        assert_eq!(cg[1].0, "cpu");
        assert_eq!(cg[2].0, "cpuacct");
        assert_eq!(cg[3], ("systemd".into(), "/".into()));
        assert_eq!(cg[4].0, "unified");
    }

    #[test]
    fn stat_with_spaces_and_parens_in_the_name() {
        let (ppid, pgrp, sid, tty) = parse_stat("42 (a) b (c)) S 7 42 7 34816 0").unwrap();
        assert_eq!((ppid, pgrp, sid, tty), (7, 42, 7, 34816));
    }

    #[test]
    fn proc_net_addresses() {
        let (ip, port) = parse_addr("0100007F:1F90", false).unwrap();
        assert_eq!(ip.to_string(), "127.0.0.1");
        assert_eq!(port, 8080);
        let (ip6, _) = parse_addr("00000000000000000000000001000000:0016", true).unwrap();
        assert_eq!(ip6.to_string(), "::1");
    }

    #[test]
    fn this_process_is_in_the_scan() {
        let me = i64::from(std::process::id());
        let recs = scan(Path::new("/proc"), Path::new("/etc"), Limits::default());
        let t = recs
            .iter()
            .find_map(|r| match r {
                StateRecord::Thread(t) if t.tid == me => Some(t),
                _ => None,
            })
            .expect("own thread");
        assert_eq!(t.pid, me);
        assert!(t.exepath.ends_with(|_| true) && !t.exepath.is_empty());
        assert!(t.cwd.ends_with('/'));
        assert!(
            recs.iter()
                .any(|r| matches!(r, StateRecord::User(u) if u.uid == 0))
        );
        assert!(
            recs.iter()
                .any(|r| matches!(r, StateRecord::Fd { pid, .. } if *pid == me))
        );
    }
}
