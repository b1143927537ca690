//! The live system-call sensor: eBPF programs that write scap events in the kernel, loaded
//! with `aya`, read as an [`EventSource`] like any capture.
//!
//! - **Kernel side** (`bpf/sensor.bpf.c`, CO-RE, built by `bpf/build.sh`; the object is
//!   committed so that building palisade needs no clang): `tp_btf/sys_enter` and
//!   `tp_btf/sys_exit` encode the system calls of [`spec::SYSCALLS`] through one generic,
//!   table-driven encoder; exec, clone and `sched_process_exit` are written by hand. Only the
//!   event types a consumer asked for ([`EventSource::set_interest`]) are encoded. Events go
//!   to one ring buffer shared by the CPUs, written without wake-ups and polled every
//!   millisecond or two, so one reader sees the events of all CPUs in the order they were
//!   reserved, with no merge by timestamp. Per-CPU counters count events written, dropped
//!   (buffer full) and cut short ([`SensorStats`]).
//! - **State before the first event** ([`procfs`]): threads, fds, users and the machine,
//!   handed to the consumer's [`StateSink`] as a capture's state blocks are.
//! - **Containers** ([`runtime`]): a thread's container id comes from its cgroups; the first
//!   time an id is seen, the runtime's API (podman, Docker) is asked for its name, image and
//!   labels, and a container event (`container` JSON, as sysdig writes into captures) is
//!   yielded before the event that revealed it.
//!
//! Loading needs root (CAP_BPF and CAP_PERFMON) and the kernel's BTF
//! (`/sys/kernel/btf/vmlinux`). Only x86_64 system call numbers are known.

pub mod deploy;
pub mod procfs;
pub mod runtime;
pub mod spec;

use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use aya::maps::{Array, MapData, PerCpuArray, RingBuf};
use aya::programs::BtfTracePoint;
use aya::{Btf, Ebpf, EbpfLoader};
use palisade_event::event::{Event, LenWidth, Params};
use palisade_event::table::{self, EF_LARGE_PAYLOAD, ids};
use palisade_event::{EventMask, EventSource, StateRecord, StateSink};

/// The compiled kernel programs (`bpf/build.sh` rebuilds them from `bpf/sensor.bpf.c`).
static OBJECT: &[u8] = aya::include_bytes_aligned!("../bpf/sensor.bpf.o");

/// The scap event header: ts (8), tid (8), len (4), type (2), nparams (4).
const HEADER: usize = 26;

/// Why the sensor could not start or read.
#[derive(Debug, thiserror::Error)]
pub enum SensorError {
    /// The programs could not be loaded or attached.
    #[error("loading the eBPF sensor: {0}")]
    Load(String),
    /// A map could not be set up or read.
    #[error("eBPF map {map}: {message}")]
    Map {
        /// The map's name.
        map: &'static str,
        /// What happened.
        message: String,
    },
    /// The kernel wrote an event that does not frame (a bug: the kernel programs and this
    /// reader disagree).
    #[error("malformed event from the kernel at event {num}: {message}")]
    Malformed {
        /// The event number.
        num: u64,
        /// What is wrong.
        message: String,
    },
}

impl SensorError {
    fn load(what: &str, e: impl std::fmt::Display) -> Self {
        let hint = if rustix::process::geteuid().is_root() {
            ""
        } else {
            " (the sensor needs root)"
        };
        SensorError::Load(format!("{what}: {e}{hint}"))
    }
}

/// How to start the sensor.
#[derive(Debug, Clone)]
pub struct SensorOptions {
    /// The `/proc` to read the initial state from.
    pub proc_root: PathBuf,
    /// The `/etc` of the host (users and groups).
    pub etc_root: PathBuf,
    /// Container runtime sockets to ask for container metadata (the usual places when empty).
    pub runtime_sockets: Vec<PathBuf>,
    /// Stop reading after this long.
    pub duration: Option<Duration>,
    /// How long to wait for the ring buffer when it is empty.
    pub poll_interval: Duration,
    /// Limits of the `/proc` scan.
    pub limits: procfs::Limits,
}

impl Default for SensorOptions {
    fn default() -> Self {
        SensorOptions {
            proc_root: PathBuf::from("/proc"),
            etc_root: PathBuf::from("/etc"),
            runtime_sockets: Vec::new(),
            duration: None,
            poll_interval: Duration::from_millis(2),
            limits: procfs::Limits::default(),
        }
    }
}

/// What the sensor counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SensorStats {
    /// Events the kernel wrote to the ring buffer.
    pub kernel_events: u64,
    /// Events the kernel dropped because the ring buffer was full.
    pub kernel_drops: u64,
    /// Parameters left empty because the event would have grown past its limit.
    pub truncated: u64,
    /// Events read and yielded.
    pub events: u64,
    /// Containers met (and asked the runtime about).
    pub containers: u64,
    /// Threads, fds, users and groups read from `/proc` and `/etc` at start.
    pub state_records: u64,
}

/// The running sensor; an [`EventSource`] until it is stopped (see [`Sensor::stop_handle`])
/// or its duration is over.
pub struct Sensor {
    /// Kept alive: dropping it detaches the programs.
    ebpf: Ebpf,
    ring: RingBuf<MapData>,
    counters: PerCpuArray<MapData, u64>,
    /// The event being lent.
    buf: Vec<u8>,
    /// A container event yielded before `buf`'s event.
    aux: Vec<u8>,
    /// `buf` holds an event not yet yielded (a container event went first).
    held: bool,
    state: Vec<StateRecord>,
    /// Container events to yield before the next event from the kernel.
    queued: VecDeque<Vec<u8>>,
    containers: HashSet<String>,
    runtime: Option<runtime::Runtime>,
    stop: Arc<AtomicBool>,
    deadline: Option<Instant>,
    poll: Duration,
    num: u64,
    finished: bool,
    stats: SensorStats,
}

impl std::fmt::Debug for Sensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sensor")
            .field("num", &self.num)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

/// Nanoseconds since the epoch at which the machine booted (`CLOCK_REALTIME` minus
/// `CLOCK_BOOTTIME`), what the kernel adds to its boot-relative clock.
pub fn boot_time_ns() -> u64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let boot = rustix::time::clock_gettime(rustix::time::ClockId::Boottime);
    let since_boot = (boot.tv_sec as u64) * 1_000_000_000 + boot.tv_nsec as u64;
    now.saturating_sub(since_boot)
}

impl Sensor {
    /// Loads and attaches the programs, reads the state of the machine, and asks the
    /// container runtime about the containers already running.
    pub fn start(opts: &SensorOptions) -> Result<Sensor, SensorError> {
        let btf = Btf::from_sys_fs().map_err(|e| {
            SensorError::load("reading the kernel's BTF (/sys/kernel/btf/vmlinux)", e)
        })?;
        let boot = boot_time_ns();
        let me = std::process::id();
        let mut ebpf = EbpfLoader::new()
            .btf(Some(&btf))
            .set_global("boot_time", &boot, true)
            .set_global("self_tgid", &me, true)
            .set_max_entries("scratch", possible_cpus())
            .load(OBJECT)
            .map_err(|e| SensorError::load("loading the programs", e))?;
        fill_specs(&mut ebpf)?;
        set_interest_map(&mut ebpf, None)?;
        for (prog, tp) in [
            ("sys_enter", "sys_enter"),
            ("sys_exit", "sys_exit"),
            ("sched_process_exit", "sched_process_exit"),
        ] {
            let p: &mut BtfTracePoint = ebpf
                .program_mut(prog)
                .ok_or_else(|| SensorError::Load(format!("program {prog} missing")))?
                .try_into()
                .map_err(|e| SensorError::load(prog, e))?;
            p.load(tp, &btf)
                .map_err(|e| SensorError::load(&format!("verifying {prog}"), e))?;
            p.attach()
                .map_err(|e| SensorError::load(&format!("attaching {prog}"), e))?;
        }
        let ring = RingBuf::try_from(take(&mut ebpf, "events")?).map_err(|e| SensorError::Map {
            map: "events",
            message: e.to_string(),
        })?;
        let counters =
            PerCpuArray::try_from(take(&mut ebpf, "counters")?).map_err(|e| SensorError::Map {
                map: "counters",
                message: e.to_string(),
            })?;
        // The programs are attached before /proc is read, so no process falls in between.
        let state = procfs::scan(&opts.proc_root, &opts.etc_root, opts.limits);
        let runtime = runtime::Runtime::new(opts.runtime_sockets.clone(), Duration::from_secs(2))
            .ok()
            .filter(runtime::Runtime::is_configured);
        let mut sensor = Sensor {
            ebpf,
            ring,
            counters,
            buf: Vec::with_capacity(1 << 16),
            aux: Vec::new(),
            held: false,
            state: Vec::new(),
            queued: VecDeque::new(),
            containers: HashSet::new(),
            runtime,
            stop: Arc::new(AtomicBool::new(false)),
            deadline: opts.duration.map(|d| Instant::now() + d),
            poll: opts.poll_interval,
            num: 0,
            finished: false,
            stats: SensorStats::default(),
        };
        let mut ids: Vec<String> = Vec::new();
        for rec in &state {
            if let StateRecord::Thread(t) = rec {
                if let Some(id) = full_container_id(t.cgroups.iter().map(|(_, p)| p.as_str())) {
                    ids.push(id.to_owned());
                }
            }
        }
        sensor.stats.state_records = state.len() as u64;
        sensor.state = state;
        for id in ids {
            if let Some(evt) = sensor.container_event(&id) {
                sensor.queued.push_back(evt);
            }
        }
        Ok(sensor)
    }

    /// A flag that stops the sensor at its next poll when set (from a signal handler's
    /// thread, say): `next_event` then returns `None`.
    pub fn stop_handle(&self) -> Arc<AtomicBool> {
        self.stop.clone()
    }

    /// What was counted so far, the kernel's per-CPU counters summed.
    pub fn stats(&self) -> SensorStats {
        let mut s = self.stats;
        let sum = |i: u32| {
            self.counters
                .get(&i, 0)
                .map(|v| v.iter().sum::<u64>())
                .unwrap_or(0)
        };
        s.kernel_events = sum(0);
        s.kernel_drops = sum(1);
        s.truncated = sum(2);
        s
    }

    /// The container event for container `full_id` the first time it is met.
    fn container_event(&mut self, full_id: &str) -> Option<Vec<u8>> {
        let short = full_id.get(..12).unwrap_or(full_id).to_owned();
        if !self.containers.insert(short) {
            return None;
        }
        self.stats.containers += 1;
        let asked = Instant::now();
        let answer = self.runtime.as_ref().map(|r| r.inspect(full_id));
        tracing::debug!(container = full_id, took = ?asked.elapsed(), "container metadata");
        let json = match answer {
            Some(Ok(j)) => j,
            Some(Err(e)) => {
                tracing::warn!(container = full_id, error = %e, "no container metadata");
                serde_json::json!({"container": {"id": full_id}})
            }
            None => serde_json::json!({"container": {"id": full_id}}),
        };
        Some(encode_container_event(
            &json.to_string(),
            self.last_ts(),
            self.last_tid(),
        ))
    }

    fn last_ts(&self) -> u64 {
        self.buf
            .get(..8)
            .map_or(0, |b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
    }

    fn last_tid(&self) -> i64 {
        self.buf
            .get(8..16)
            .map_or(0, |b| i64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
    }

    /// The container id a clone or exec event in `buf` reveals, if it was not met before.
    fn new_container_in_buf(&self) -> Option<String> {
        let kind = u16::from_le_bytes([self.buf[20], self.buf[21]]);
        let is_proc = matches!(
            kind,
            ids::EXECVE_19_X
                | ids::EXECVEAT_X
                | ids::CLONE_20_X
                | ids::FORK_20_X
                | ids::VFORK_20_X
                | ids::CLONE3_X
        );
        if !is_proc {
            return None;
        }
        let evt = frame(&self.buf, 0).ok()?;
        let cgroups = evt.params.get(14)?;
        let id = full_container_id(
            cgroups
                .split(|&b| b == 0)
                .filter_map(|e| std::str::from_utf8(e).ok())
                .filter_map(|e| e.split_once('=').map(|(_, p)| p)),
        )?;
        (!self.containers.contains(id.get(..12)?)).then(|| id.to_owned())
    }
}

/// The full (64 hex digit) container id in any of these cgroup paths.
fn full_container_id<'a>(paths: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    for path in paths {
        for seg in path.rsplit('/') {
            let seg = seg.strip_suffix(".scope").unwrap_or(seg);
            let id = ["docker-", "crio-", "cri-containerd-", "libpod-"]
                .iter()
                .find_map(|p| seg.strip_prefix(p))
                .unwrap_or(seg);
            if id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Some(id);
            }
        }
    }
    None
}

/// A `container` event (`CONTAINER_JSON_2_E`, 4-byte lengths) holding `json`.
pub fn encode_container_event(json: &str, ts: u64, tid: i64) -> Vec<u8> {
    let payload = json.len() + 1;
    let len = HEADER + 4 + payload;
    let mut b = Vec::with_capacity(len);
    b.extend(ts.to_le_bytes());
    b.extend(tid.to_le_bytes());
    b.extend((len as u32).to_le_bytes());
    b.extend(ids::CONTAINER_JSON_2_E.to_le_bytes());
    b.extend(1u32.to_le_bytes());
    b.extend((payload as u32).to_le_bytes());
    b.extend(json.as_bytes());
    b.push(0);
    b
}

/// The number of possible CPUs (`/sys/devices/system/cpu/possible`, e.g. `0-3`).
fn possible_cpus() -> u32 {
    std::fs::read_to_string("/sys/devices/system/cpu/possible")
        .ok()
        .and_then(|s| {
            s.trim()
                .split(',')
                .filter_map(|r| r.rsplit('-').next()?.parse::<u32>().ok())
                .max()
        })
        .map_or(256, |max| max + 1)
}

/// Frames the scap event in `b` (header, lengths, parameters) as an [`Event`] numbered `num`.
pub fn frame(b: &[u8], num: u64) -> Result<Event<'_>, String> {
    if b.len() < HEADER {
        return Err(format!("{} bytes, shorter than the header", b.len()));
    }
    let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    let ts = u64::from_le_bytes(b[..8].try_into().map_err(|_| "header")?);
    let tid = i64::from_le_bytes(b[8..16].try_into().map_err(|_| "header")?);
    let len = u32_at(16) as usize;
    let kind = u16::from_le_bytes([b[20], b[21]]);
    let nparams = u32_at(22) as usize;
    if len != b.len() {
        return Err(format!("length {len} but {} bytes", b.len()));
    }
    if nparams > 64 {
        return Err(format!("{nparams} parameters"));
    }
    let wide = table::event_info(kind).flags & EF_LARGE_PAYLOAD != 0;
    let (width, lw) = if wide {
        (LenWidth::U32, 4)
    } else {
        (LenWidth::U16, 2)
    };
    let lens_end = HEADER + nparams * lw;
    if lens_end > b.len() {
        return Err(format!(
            "{nparams} parameter lengths do not fit in {len} bytes"
        ));
    }
    let params =
        Params::new(&b[HEADER..lens_end], &b[lens_end..], width).map_err(|e| e.to_string())?;
    Ok(Event {
        num,
        ts,
        tid,
        cpu: 0,
        kind,
        flags: 0,
        params,
    })
}

fn take(ebpf: &mut Ebpf, name: &'static str) -> Result<aya::maps::Map, SensorError> {
    ebpf.take_map(name).ok_or(SensorError::Map {
        map: name,
        message: "not in the object".into(),
    })
}

fn fill_specs(ebpf: &mut Ebpf) -> Result<(), SensorError> {
    let err = |e: aya::maps::MapError| SensorError::Map {
        map: "specs",
        message: e.to_string(),
    };
    let map = ebpf.map_mut("specs").ok_or(SensorError::Map {
        map: "specs",
        message: "not in the object".into(),
    })?;
    let mut specs: Array<&mut MapData, [u8; spec::SPEC_SIZE]> =
        Array::try_from(map).map_err(err)?;
    for s in spec::SYSCALLS {
        if let Some(id) = spec::event_type(s.name, false) {
            specs
                .set(s.nr * 2, spec::encode(id, s.enter), 0)
                .map_err(err)?;
        }
        if let (Some(ops), Some(id)) = (s.exit, spec::event_type(s.name, true)) {
            specs
                .set(s.nr * 2 + 1, spec::encode(id, ops), 0)
                .map_err(err)?;
        }
    }
    Ok(())
}

/// Every event type the sensor can write.
pub fn sensor_events() -> EventMask {
    let mut m = EventMask::default();
    for s in spec::SYSCALLS {
        for exit in [false, true] {
            if let Some(id) = spec::event_type(s.name, exit) {
                m.insert(id);
            }
        }
    }
    for &(id, _) in spec::HANDWRITTEN {
        m.insert(id);
    }
    m
}

/// Marks in the kernel's `interest` map the event types of `mask` (all the sensor writes when
/// `None`).
fn set_interest_map(ebpf: &mut Ebpf, mask: Option<&EventMask>) -> Result<(), SensorError> {
    let err = |e: aya::maps::MapError| SensorError::Map {
        map: "interest",
        message: e.to_string(),
    };
    let map = ebpf.map_mut("interest").ok_or(SensorError::Map {
        map: "interest",
        message: "not in the object".into(),
    })?;
    let mut interest: Array<&mut MapData, u8> = Array::try_from(map).map_err(err)?;
    let all = sensor_events();
    for id in all.iter() {
        let on = mask.is_none_or(|m| m.contains(id));
        interest.set(u32::from(id), u8::from(on), 0).map_err(err)?;
    }
    Ok(())
}

impl EventSource for Sensor {
    type Error = SensorError;

    fn next_event(&mut self, sink: &mut dyn StateSink) -> Result<Option<Event<'_>>, SensorError> {
        for rec in self.state.drain(..) {
            sink.apply(rec);
        }
        if self.finished {
            return Ok(None);
        }
        if let Some(evt) = self.queued.pop_front() {
            self.aux = evt;
            self.num += 1;
            self.stats.events += 1;
            return frame(&self.aux, self.num).map(Some).map_err(|message| {
                SensorError::Malformed {
                    num: self.num,
                    message,
                }
            });
        }
        if !self.held {
            loop {
                if self.stop.load(Ordering::Relaxed)
                    || self.deadline.is_some_and(|d| Instant::now() >= d)
                {
                    self.finished = true;
                    return Ok(None);
                }
                if let Some(item) = self.ring.next() {
                    self.buf.clear();
                    self.buf.extend_from_slice(&item);
                    break;
                }
                std::thread::sleep(self.poll);
            }
            if let Some(id) = self.new_container_in_buf() {
                if let Some(evt) = self.container_event(&id) {
                    self.held = true;
                    self.aux = evt;
                    self.num += 1;
                    self.stats.events += 1;
                    return frame(&self.aux, self.num).map(Some).map_err(|message| {
                        SensorError::Malformed {
                            num: self.num,
                            message,
                        }
                    });
                }
            }
        }
        self.held = false;
        self.num += 1;
        self.stats.events += 1;
        let num = self.num;
        frame(&self.buf, num)
            .map(Some)
            .map_err(|message| SensorError::Malformed { num, message })
    }

    fn set_interest(&mut self, mask: &EventMask) {
        let mut m = mask.clone();
        // The state engine needs these whatever the rules ask for.
        for id in [
            ids::CLONE_20_X,
            ids::FORK_20_X,
            ids::VFORK_20_X,
            ids::CLONE3_X,
            ids::EXECVE_19_X,
            ids::EXECVEAT_X,
            ids::PROCEXIT_1_E,
        ] {
            m.insert(id);
        }
        if let Err(e) = set_interest_map(&mut self.ebpf, Some(&m)) {
            tracing::warn!(error = %e, "could not narrow the sensor's events");
        }
    }
}

/// Whether this machine can run the sensor: root, and the kernel's BTF present.
pub fn available() -> Result<(), String> {
    if !rustix::process::geteuid().is_root() {
        return Err("the sensor needs root".into());
    }
    if !Path::new("/sys/kernel/btf/vmlinux").exists() {
        return Err("the kernel has no BTF (/sys/kernel/btf/vmlinux)".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_events_frame_and_parse() {
        let b = encode_container_event(r#"{"container":{"id":"0123456789ab"}}"#, 5, 7);
        let e = frame(&b, 1).unwrap();
        assert_eq!(e.kind, ids::CONTAINER_JSON_2_E);
        assert_eq!(e.ts, 5);
        assert_eq!(e.tid, 7);
        let json = e.params.get(0).unwrap();
        let c = palisade_event::state::parse_container_json(&json[..json.len() - 1]).unwrap();
        assert_eq!(c.id, "0123456789ab");
    }

    #[test]
    fn bad_frames_are_errors() {
        assert!(frame(&[0; 10], 1).is_err());
        let mut b = encode_container_event("{}", 0, 0);
        b.pop();
        assert!(frame(&b, 1).is_err());
    }

    #[test]
    fn full_ids_from_cgroup_paths() {
        let id = "4f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8";
        let p = format!("/libpod_parent/libpod-{id}");
        assert_eq!(full_container_id([p.as_str()].into_iter()), Some(id));
        assert_eq!(full_container_id(["/user.slice"].into_iter()), None);
    }
}
