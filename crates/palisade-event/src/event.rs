//! [`Event`]: one event, borrowing its parameter bytes from the source's buffer.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::flags;
use crate::table::{self, EventInfo, Format, ParamInfo, ParamType};

/// Enter or exit half of a system call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// `>`: the system call is entered (even event ids).
    Enter,
    /// `<`: the system call returns (odd event ids).
    Exit,
}

impl Direction {
    /// The direction of event type `id`.
    pub fn of(id: u16) -> Direction {
        if id % 2 == 0 {
            Direction::Enter
        } else {
            Direction::Exit
        }
    }

    /// `>` or `<`, as `evt.dir` prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Enter => ">",
            Direction::Exit => "<",
        }
    }
}

/// How parameter lengths are encoded in an event's payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LenWidth {
    /// 16-bit lengths (the usual encoding).
    U16,
    /// 32-bit lengths (large-payload events).
    U32,
}

/// The parameter area of an event: the length array and the concatenated values.
///
/// Built by a source over bytes it owns; [`Params::new`] checks that the lengths fit the data,
/// so accessors never fail on bounds afterwards.
#[derive(Clone, Copy)]
pub struct Params<'a> {
    lens: &'a [u8],
    data: &'a [u8],
    width: LenWidth,
}

/// The declared parameter lengths exceed the event's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("parameter lengths add up to {declared} bytes but the event holds {available}")]
pub struct ParamsError {
    /// Sum of the declared lengths.
    pub declared: u64,
    /// Bytes available.
    pub available: usize,
}

impl<'a> Params<'a> {
    /// Parameters with lengths `lens` (`nparams` × 2 or 4 bytes, little endian) over `data`.
    pub fn new(lens: &'a [u8], data: &'a [u8], width: LenWidth) -> Result<Self, ParamsError> {
        let p = Params { lens, data, width };
        let declared: u64 = (0..p.len()).map(|i| u64::from(p.raw_len(i))).sum();
        if declared > data.len() as u64 {
            return Err(ParamsError {
                declared,
                available: data.len(),
            });
        }
        Ok(p)
    }

    /// Like [`Params::new`] for a source that has already checked the lengths against the
    /// data (as a capture reader does while it frames the event), without summing them again.
    /// Accessors stay bounds-checked: lengths that do not fit yield `None`, never a panic.
    pub fn from_checked(lens: &'a [u8], data: &'a [u8], width: LenWidth) -> Self {
        Params { lens, data, width }
    }

    /// No parameters.
    pub fn empty() -> Self {
        Params {
            lens: &[],
            data: &[],
            width: LenWidth::U16,
        }
    }

    /// Number of parameters.
    pub fn len(&self) -> usize {
        match self.width {
            LenWidth::U16 => self.lens.len() / 2,
            LenWidth::U32 => self.lens.len() / 4,
        }
    }

    /// Whether there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn raw_len(&self, i: usize) -> u32 {
        match self.width {
            LenWidth::U16 => {
                let b = self.lens.get(i * 2..i * 2 + 2).unwrap_or(&[0, 0]);
                u32::from(u16::from_le_bytes([b[0], b[1]]))
            }
            LenWidth::U32 => {
                let b = self.lens.get(i * 4..i * 4 + 4).unwrap_or(&[0, 0, 0, 0]);
                u32::from_le_bytes([b[0], b[1], b[2], b[3]])
            }
        }
    }

    /// The raw bytes of parameter `i`.
    pub fn get(&self, i: usize) -> Option<&'a [u8]> {
        if i >= self.len() {
            return None;
        }
        let mut off = 0usize;
        for j in 0..i {
            off += self.raw_len(j) as usize;
        }
        let len = self.raw_len(i) as usize;
        self.data.get(off..off + len)
    }

    /// The length array and the data, for writers.
    pub fn raw_parts(&self) -> (&'a [u8], &'a [u8], LenWidth) {
        (self.lens, self.data, self.width)
    }
}

impl fmt::Debug for Params<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries((0..self.len()).filter_map(|i| self.get(i)))
            .finish()
    }
}

/// [`Event::flags`] bit set by sources on events that describe the state at the start of a
/// recording (the container events a capture writer puts first) rather than something that
/// happened. Falco and sysdig consume such events silently: they update the state but are not
/// matched against rules or printed.
pub const FLAG_INITIAL_STATE: u32 = 1 << 31;

/// One event. Cheap to copy; borrows its parameters from the source.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    /// Ordinal number in the source, from 1 (`evt.num`).
    pub num: u64,
    /// Timestamp in nanoseconds since the epoch (`evt.rawtime`).
    pub ts: u64,
    /// Thread id (`thread.tid`); -1 for events not tied to a thread.
    pub tid: i64,
    /// CPU the event was recorded on (`evt.cpu`).
    pub cpu: u16,
    /// Event type id: an index into [`table::EVENTS`].
    pub kind: u16,
    /// Flags of flagged event blocks (0 otherwise).
    pub flags: u32,
    /// The parameters.
    pub params: Params<'a>,
}

impl<'a> Event<'a> {
    /// The table entry of this event's type.
    pub fn info(&self) -> &'static EventInfo {
        table::event_info(self.kind)
    }

    /// Whether the source marked this event as initial state ([`FLAG_INITIAL_STATE`]).
    pub fn is_initial_state(&self) -> bool {
        self.flags & FLAG_INITIAL_STATE != 0
    }

    /// `evt.type`: `open`, `execve`, …; generic `syscall` events are named after the system
    /// call they record (`mprotect`), as sysdig and Falco name them.
    pub fn name(&self) -> &'static str {
        if self.kind <= 1 {
            if let Some(id) = self.params.get(0).and_then(|b| match b {
                [a, c] => Some(u64::from(u16::from_le_bytes([*a, *c]))),
                _ => None,
            }) {
                return table::syscall_name(id).unwrap_or("<unknown>");
            }
        }
        self.info().name
    }

    /// `evt.dir`.
    pub fn direction(&self) -> Direction {
        Direction::of(self.kind)
    }

    /// Number of parameters present.
    pub fn nparams(&self) -> usize {
        self.params.len()
    }

    /// Index of parameter `name` if this event carries it.
    pub fn param_index(&self, name: &str) -> Option<usize> {
        self.info()
            .param_index(name)
            .filter(|&i| i < self.params.len())
    }

    /// Parameter `i`: its table entry and value.
    pub fn param(&self, i: usize) -> Option<(&'static ParamInfo, Value<'a>)> {
        let info = self.info().params.get(i)?;
        let raw = self.params.get(i)?;
        Some((info, Value::decode(info, raw)))
    }

    /// `evt.arg.NAME` / `evt.rawarg.NAME`: the decoded parameter called `name`.
    pub fn arg(&self, name: &str) -> Option<Value<'a>> {
        self.param_index(name)
            .and_then(|i| self.param(i))
            .map(|(_, v)| v)
    }

    /// The raw bytes of the parameter called `name`.
    pub fn raw_arg(&self, name: &str) -> Option<&'a [u8]> {
        self.param_index(name).and_then(|i| self.params.get(i))
    }

    /// The return value (`evt.rawres`) of exit events with a `res` (or `fd` for
    /// fd-creating calls) first parameter.
    pub fn res(&self) -> Option<i64> {
        if self.direction() != Direction::Exit {
            return None;
        }
        let (info, v) = self.param(0)?;
        match info.name {
            "res" | "fd" | "res_or_fd" => v.as_i64(),
            _ => None,
        }
    }

    /// `evt.failed`: the exit event returned a negative value.
    pub fn failed(&self) -> bool {
        self.res().is_some_and(|r| r < 0)
    }

    /// The fd the event uses: the `fd` parameter when present.
    pub fn fd_arg(&self) -> Option<i64> {
        match self.arg("fd")? {
            Value::Fd(fd) => Some(fd),
            _ => None,
        }
    }
}

/// A socket address parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SockAddr<'a> {
    /// IPv4 address and port.
    V4(Ipv4Addr, u16),
    /// IPv6 address and port.
    V6(Ipv6Addr, u16),
    /// Unix socket path.
    Unix(&'a [u8]),
    /// Another family.
    Other(u8),
}

/// A socket tuple parameter (the two ends of a connection).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SockTuple<'a> {
    /// IPv4: source address/port, destination address/port.
    V4 {
        /// Source address.
        sip: Ipv4Addr,
        /// Source port.
        sport: u16,
        /// Destination address.
        dip: Ipv4Addr,
        /// Destination port.
        dport: u16,
    },
    /// IPv6: source and destination.
    V6 {
        /// Source address.
        sip: Ipv6Addr,
        /// Source port.
        sport: u16,
        /// Destination address.
        dip: Ipv6Addr,
        /// Destination port.
        dport: u16,
    },
    /// Unix socket: kernel pointers of both ends and the path.
    Unix {
        /// Source socket pointer.
        source: u64,
        /// Destination socket pointer.
        dest: u64,
        /// Path.
        path: &'a [u8],
    },
    /// Another family.
    Other(u8),
}

/// A decoded parameter value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// Empty or missing.
    None,
    /// Signed integer (including errno-style return values).
    Int(i64),
    /// Unsigned integer.
    Uint(u64),
    /// File descriptor.
    Fd(i64),
    /// Process or thread id.
    Pid(i64),
    /// Return value: negative errno on failure.
    Errno(i64),
    /// Flags or enumeration with its name table.
    Flags(u64, Option<&'static flags::NameTable>),
    /// String (without the trailing NUL).
    Str(&'a [u8]),
    /// Bytes.
    Bytes(&'a [u8]),
    /// Socket address.
    SockAddr(SockAddr<'a>),
    /// Socket tuple.
    SockTuple(SockTuple<'a>),
    /// Double.
    Double(f64),
    /// A value whose encoding did not match its declared type; the raw bytes.
    Malformed(&'a [u8]),
}

fn le_u64(b: &[u8]) -> Option<u64> {
    match b.len() {
        1 => Some(u64::from(b[0])),
        2 => Some(u64::from(u16::from_le_bytes([b[0], b[1]]))),
        4 => Some(u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))),
        8 => Some(u64::from_le_bytes([
            b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
        ])),
        _ => None,
    }
}

fn le_i64(b: &[u8]) -> Option<i64> {
    #[allow(
        clippy::cast_possible_wrap,
        reason = "sign extension of fixed-width values"
    )]
    match b.len() {
        1 => Some(i64::from(b[0] as i8)),
        2 => Some(i64::from(i16::from_le_bytes([b[0], b[1]]))),
        4 => Some(i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))),
        8 => Some(i64::from_le_bytes([
            b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
        ])),
        _ => None,
    }
}

/// Strips a trailing NUL (and anything after the first NUL) from a string parameter.
pub fn trim_nul(b: &[u8]) -> &[u8] {
    match memchr_nul(b) {
        Some(i) => &b[..i],
        None => b,
    }
}

fn memchr_nul(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == 0)
}

fn port(b: &[u8]) -> u16 {
    match b {
        [a, c, ..] => u16::from_le_bytes([*a, *c]),
        _ => 0,
    }
}

fn v4(b: &[u8]) -> Ipv4Addr {
    match b {
        [a, c, d, e, ..] => Ipv4Addr::new(*a, *c, *d, *e),
        _ => Ipv4Addr::UNSPECIFIED,
    }
}

fn v6(b: &[u8]) -> Ipv6Addr {
    let mut a = [0u8; 16];
    if let Some(s) = b.get(..16) {
        a.copy_from_slice(s);
    }
    Ipv6Addr::from(a)
}

/// Socket families as encoded in sockaddr and tuple parameters.
pub mod family {
    /// Unix sockets.
    pub const UNIX: u8 = 1;
    /// IPv4.
    pub const INET: u8 = 2;
    /// IPv6.
    pub const INET6: u8 = 10;
}

impl<'a> SockAddr<'a> {
    /// Decodes a sockaddr parameter.
    pub fn decode(b: &'a [u8]) -> Option<Self> {
        let (&fam, rest) = b.split_first()?;
        Some(match fam {
            family::INET if rest.len() >= 6 => SockAddr::V4(v4(rest), port(&rest[4..])),
            family::INET6 if rest.len() >= 18 => SockAddr::V6(v6(rest), port(&rest[16..])),
            family::UNIX => SockAddr::Unix(trim_nul(rest)),
            f => SockAddr::Other(f),
        })
    }
}

impl<'a> SockTuple<'a> {
    /// Decodes a socktuple parameter.
    pub fn decode(b: &'a [u8]) -> Option<Self> {
        let (&fam, r) = b.split_first()?;
        Some(match fam {
            family::INET if r.len() >= 12 => SockTuple::V4 {
                sip: v4(r),
                sport: port(&r[4..]),
                dip: v4(&r[6..]),
                dport: port(&r[10..]),
            },
            family::INET6 if r.len() >= 36 => SockTuple::V6 {
                sip: v6(r),
                sport: port(&r[16..]),
                dip: v6(&r[18..]),
                dport: port(&r[34..]),
            },
            family::UNIX if r.len() >= 16 => SockTuple::Unix {
                source: le_u64(&r[..8]).unwrap_or(0),
                dest: le_u64(&r[8..16]).unwrap_or(0),
                path: trim_nul(&r[16..]),
            },
            f => SockTuple::Other(f),
        })
    }
}

impl<'a> Value<'a> {
    /// Decodes `raw` as described by `info`.
    pub fn decode(info: &ParamInfo, raw: &'a [u8]) -> Value<'a> {
        if raw.is_empty()
            && !matches!(
                info.ty,
                ParamType::CharBuf | ParamType::FsPath | ParamType::FsRelPath | ParamType::ByteBuf
            )
        {
            return Value::None;
        }
        let bad = Value::Malformed(raw);
        match info.ty {
            ParamType::None => Value::None,
            ParamType::Int8 | ParamType::Int16 | ParamType::Int32 | ParamType::Int64 => {
                le_i64(raw).map_or(bad, Value::Int)
            }
            ParamType::Uint8
            | ParamType::Uint16
            | ParamType::Uint32
            | ParamType::Uint64
            | ParamType::SyscallId
            | ParamType::SigType
            | ParamType::RelTime
            | ParamType::AbsTime
            | ParamType::Port
            | ParamType::L4Proto
            | ParamType::SockFamily
            | ParamType::Bool
            | ParamType::Uid
            | ParamType::Gid
            | ParamType::SigSet => le_u64(raw).map_or(bad, Value::Uint),
            ParamType::Flags8
            | ParamType::Flags16
            | ParamType::Flags32
            | ParamType::EnumFlags8
            | ParamType::EnumFlags16
            | ParamType::EnumFlags32
            | ParamType::Mode => le_u64(raw).map_or(bad, |v| Value::Flags(v, info.table)),
            ParamType::Errno => le_i64(raw).map_or(bad, Value::Errno),
            ParamType::Fd => le_i64(raw).map_or(bad, Value::Fd),
            ParamType::Pid => le_i64(raw).map_or(bad, Value::Pid),
            ParamType::CharBuf | ParamType::FsPath | ParamType::FsRelPath => {
                Value::Str(trim_nul(raw))
            }
            ParamType::ByteBuf
            | ParamType::FdList
            | ParamType::CharBufArray
            | ParamType::CharBufPairArray => Value::Bytes(raw),
            ParamType::SockAddr => SockAddr::decode(raw).map_or(bad, Value::SockAddr),
            ParamType::SockTuple => SockTuple::decode(raw).map_or(bad, Value::SockTuple),
            ParamType::Ipv4Addr => {
                if raw.len() == 4 {
                    Value::SockAddr(SockAddr::V4(v4(raw), 0))
                } else {
                    bad
                }
            }
            ParamType::Ipv6Addr => {
                if raw.len() == 16 {
                    Value::SockAddr(SockAddr::V6(v6(raw), 0))
                } else {
                    bad
                }
            }
            ParamType::Double => match raw {
                [a, b, c, d, e, f, g, h] => {
                    Value::Double(f64::from_le_bytes([*a, *b, *c, *d, *e, *f, *g, *h]))
                }
                _ => bad,
            },
            ParamType::Dyn => match raw.split_first() {
                Some((_, rest)) => le_i64(rest).map_or(Value::Bytes(rest), Value::Int),
                None => bad,
            },
        }
    }

    /// The value as a signed integer, for numeric values.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::Int(v) | Value::Fd(v) | Value::Pid(v) | Value::Errno(v) => Some(v),
            Value::Uint(v) | Value::Flags(v, _) => i64::try_from(v).ok(),
            _ => None,
        }
    }

    /// The value as an unsigned integer (`evt.rawarg` of numeric parameters; negative
    /// values wrap like the driver's).
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            Value::Uint(v) | Value::Flags(v, _) => Some(v),
            #[allow(
                clippy::cast_sign_loss,
                reason = "raw two's complement view, as rawarg"
            )]
            Value::Int(v) | Value::Fd(v) | Value::Pid(v) | Value::Errno(v) => Some(v as u64),
            _ => None,
        }
    }

    /// The value as bytes, for strings and buffers.
    pub fn as_bytes(&self) -> Option<&'a [u8]> {
        match *self {
            Value::Str(b) | Value::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// Renders the value like sysdig's `evt.arg.NAME` (`format` as in the table).
    pub fn display(&self, format: Format) -> DisplayValue<'a> {
        DisplayValue {
            value: *self,
            format,
        }
    }
}

/// A [`Value`] rendered like sysdig; see [`Value::display`].
#[derive(Debug, Clone, Copy)]
pub struct DisplayValue<'a> {
    value: Value<'a>,
    format: Format,
}

fn write_lossy(f: &mut fmt::Formatter<'_>, b: &[u8]) -> fmt::Result {
    for chunk in b.utf8_chunks() {
        f.write_str(chunk.valid())?;
        for _ in chunk.invalid() {
            f.write_str(".")?;
        }
    }
    Ok(())
}

/// Writes an IPv6 address the way sysdig does: IPv4-mapped addresses as dotted quads.
fn write_v6(f: &mut fmt::Formatter<'_>, a: &Ipv6Addr) -> fmt::Result {
    match a.to_ipv4_mapped() {
        Some(v4) => write!(f, "{v4}"),
        None => write!(f, "{a}"),
    }
}

impl fmt::Display for SockAddr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SockAddr::V4(a, p) => write!(f, "{a}:{p}"),
            SockAddr::V6(a, p) => {
                write_v6(f, a)?;
                write!(f, ":{p}")
            }
            SockAddr::Unix(path) => write_lossy(f, path),
            SockAddr::Other(fam) => write!(f, "family {fam}"),
        }
    }
}

impl fmt::Display for SockTuple<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SockTuple::V4 {
                sip,
                sport,
                dip,
                dport,
            } => write!(f, "{sip}:{sport}->{dip}:{dport}"),
            SockTuple::V6 {
                sip,
                sport,
                dip,
                dport,
            } => {
                write_v6(f, sip)?;
                write!(f, ":{sport}->")?;
                write_v6(f, dip)?;
                write!(f, ":{dport}")
            }
            SockTuple::Unix { source, dest, path } => {
                write!(f, "{source:x}->{dest:x} ")?;
                write_lossy(f, path)
            }
            SockTuple::Other(fam) => write!(f, "family {fam}"),
        }
    }
}

impl fmt::Display for DisplayValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.value {
            Value::None => Ok(()),
            Value::Int(v) | Value::Pid(v) | Value::Fd(v) => write!(f, "{v}"),
            Value::Uint(v) => match self.format {
                Format::Hex => write!(f, "{v:X}"),
                Format::Oct => write!(f, "{v:o}"),
                _ => write!(f, "{v}"),
            },
            Value::Errno(v) => {
                if v < 0 {
                    match flags::errno_name(v.unsigned_abs()) {
                        Some(n) => f.write_str(n),
                        None => write!(f, "{v}"),
                    }
                } else {
                    write!(f, "{v}")
                }
            }
            Value::Flags(v, Some(t)) => write!(f, "{}", t.render(v)),
            Value::Flags(v, None) => write!(f, "{v:X}"),
            Value::Str(b) | Value::Bytes(b) | Value::Malformed(b) => write_lossy(f, b),
            Value::SockAddr(a) => write!(f, "{a}"),
            Value::SockTuple(t) => write!(f, "{t}"),
            Value::Double(d) => write!(f, "{d}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::ids;

    fn lens(ls: &[u16]) -> Vec<u8> {
        ls.iter().flat_map(|l| l.to_le_bytes()).collect()
    }

    #[test]
    fn openat_exit_params_decode() {
        let mut data = Vec::new();
        data.extend(3i64.to_le_bytes());
        data.extend((-100i64).to_le_bytes());
        data.extend(b"/etc/passwd\0");
        data.extend((flags::o::RDONLY | flags::o::CLOEXEC).to_le_bytes());
        data.extend(0u32.to_le_bytes());
        data.extend(0x803u32.to_le_bytes());
        let l = lens(&[8, 8, 12, 4, 4, 4]);
        let params = Params::new(&l, &data, LenWidth::U16).expect("lengths fit");
        let e = Event {
            num: 1,
            ts: 0,
            tid: 7,
            cpu: 0,
            kind: ids::OPENAT_2_X,
            flags: 0,
            params,
        };
        assert_eq!(e.name(), "openat");
        assert_eq!(e.direction(), Direction::Exit);
        assert_eq!(e.res(), Some(3));
        assert_eq!(e.fd_arg(), Some(3));
        assert_eq!(e.arg("name"), Some(Value::Str(b"/etc/passwd")));
        let (info, flags) = e.param(3).expect("flags");
        assert_eq!(flags.display(info.format).to_string(), "O_RDONLY|O_CLOEXEC");
        assert_eq!(
            flags.as_u64(),
            Some(u64::from(flags::o::RDONLY | flags::o::CLOEXEC))
        );
        assert_eq!(e.arg("ino"), None);
    }

    #[test]
    fn lengths_beyond_data_are_rejected() {
        let l = lens(&[8, 8]);
        assert!(Params::new(&l, &[0; 12], LenWidth::U16).is_err());
    }

    #[test]
    fn tuples_render_like_sysdig() {
        let mut t = vec![family::INET];
        t.extend([10, 0, 0, 1]);
        t.extend(40000u16.to_le_bytes());
        t.extend([93, 184, 216, 34]);
        t.extend(80u16.to_le_bytes());
        let v = SockTuple::decode(&t).expect("tuple");
        assert_eq!(v.to_string(), "10.0.0.1:40000->93.184.216.34:80");
        let mut t6 = vec![family::INET6];
        t6.extend(Ipv6Addr::LOCALHOST.octets());
        t6.extend(0u16.to_le_bytes());
        t6.extend(Ipv6Addr::LOCALHOST.octets());
        t6.extend(2345u16.to_le_bytes());
        assert_eq!(
            SockTuple::decode(&t6).expect("v6").to_string(),
            "::1:0->::1:2345"
        );
    }

    #[test]
    fn errno_renders_name() {
        assert_eq!(Value::Errno(-2).display(Format::Dec).to_string(), "ENOENT");
        assert_eq!(Value::Errno(5).display(Format::Dec).to_string(), "5");
    }
}
