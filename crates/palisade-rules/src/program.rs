//! Compiled conditions and their evaluation.
//!
//! Constants are prepared once when a rules set is compiled (sets for `in`, substring finders,
//! path-prefix sets for `pmatch`, compiled globs and regexes); evaluation reuses the buffers of
//! a [`Scratch`] and does not allocate once they have grown to fit.

use std::net::IpAddr;

use memchr::memmem;
use palisade_event::EventMask;

use crate::byteset::ByteSet;
use crate::condition::{Op, Transformer};
use crate::fields::{FieldArg, FieldId, FieldType};

/// A value extracted from an event. Strings borrow from the event, the state tables or a
/// scratch buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Val<'a> {
    Str(&'a [u8]),
    Num(i64),
    Bool(bool),
    Ip(IpAddr),
}

/// A field as compiled: which one, its argument, the transformers to apply.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Field {
    pub id: FieldId,
    pub arg: FieldArg,
    pub ty: FieldType,
    pub transformers: Vec<Transformer>,
}

impl Field {
    /// The index argument (`proc.aname[2]` → 2).
    pub fn index(&self) -> Option<u32> {
        match self.arg {
            FieldArg::Index(i) => Some(i),
            _ => None,
        }
    }

    /// The key argument (`evt.arg.flags` → `flags`).
    pub fn key(&self) -> Option<&str> {
        match &self.arg {
            FieldArg::Key(k) => Some(k),
            _ => None,
        }
    }
}

/// Where field values come from: implemented for each kind of event (system calls with their
/// state tables, Kubernetes audit events) and for test doubles.
pub trait FieldSource {
    /// Calls `f` with each value of `field` until it returns true; returns whether one did.
    /// A field with no value calls `f` zero times. Computed strings go in `buf`.
    fn visit(&self, field: &Field, buf: &mut Vec<u8>, f: &mut dyn FnMut(Val<'_>) -> bool) -> bool;

    /// The event type id, for sources whose events have one (system calls).
    fn event_kind(&self) -> Option<u16> {
        None
    }
}

/// Reusable buffers for evaluation; keep one per thread and pass it to every call.
#[derive(Debug, Default)]
pub struct Scratch {
    extract: Vec<u8>,
    transform: Vec<u8>,
    transform2: Vec<u8>,
    lower: Vec<u8>,
    rhs_buf: Vec<u8>,
    rhs: Vec<u8>,
}

/// An IP network constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Net {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl Net {
    pub fn parse(s: &str) -> Option<Net> {
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = a.trim().parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) => p.trim().parse::<u8>().ok().filter(|&n| n <= max)?,
            None => max,
        };
        Some(Net { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            (IpAddr::V4(n), IpAddr::V6(a)) => a.to_ipv4_mapped().is_some_and(|a| {
                Net {
                    addr: IpAddr::V4(n),
                    prefix: self.prefix,
                }
                .contains(IpAddr::V4(a))
            }),
            (IpAddr::V6(_), IpAddr::V4(_)) => false,
        }
    }
}

/// A shell-style pattern: `*`, `?`, `[abc]`, `[a-z]`, `[!x]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    pattern: Vec<u8>,
}

impl Glob {
    pub fn new(pattern: &[u8]) -> Glob {
        Glob {
            pattern: pattern.to_vec(),
        }
    }

    /// Matches the whole of `text`, backtracking only to the last `*`.
    pub fn matches(&self, text: &[u8]) -> bool {
        let p = &self.pattern;
        let (mut pi, mut ti) = (0usize, 0usize);
        let mut star: Option<(usize, usize)> = None;
        while ti < text.len() {
            let (ok, next) = match p.get(pi) {
                Some(b'*') => {
                    star = Some((pi, ti));
                    pi += 1;
                    continue;
                }
                Some(b'?') => (true, pi + 1),
                Some(b'[') => match class(p, pi, text[ti]) {
                    Some((m, end)) => (m, end),
                    None => (text[ti] == b'[', pi + 1),
                },
                Some(b'\\') if pi + 1 < p.len() => (p[pi + 1] == text[ti], pi + 2),
                Some(&c) => (c == text[ti], pi + 1),
                None => (false, pi),
            };
            if ok {
                pi = next;
                ti += 1;
            } else if let Some((sp, st)) = star {
                pi = sp + 1;
                ti = st + 1;
                star = Some((sp, st + 1));
            } else {
                return false;
            }
        }
        while p.get(pi) == Some(&b'*') {
            pi += 1;
        }
        pi == p.len()
    }
}

/// Matches `c` against the class starting at `p[start] == b'['`; returns (matched, index after `]`).
fn class(p: &[u8], start: usize, c: u8) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negate = matches!(p.get(i), Some(b'!') | Some(b'^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let &lo = p.get(i)?;
        if lo == b']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if p.get(i + 1) == Some(&b'-') && p.get(i + 2).is_some_and(|&h| h != b']') {
            let &hi = p.get(i + 2)?;
            matched |= lo <= c && c <= hi;
            i += 3;
        } else {
            matched |= lo == c;
            i += 1;
        }
    }
}

/// What a comparison does with each extracted value.
#[derive(Debug, Clone)]
pub enum Matcher {
    Exists,
    StrCmp(Op, Vec<u8>),
    StrSet(ByteSet),
    Contains(memmem::Finder<'static>),
    /// Needle already lower-cased.
    IContains(memmem::Finder<'static>),
    StartsWith(Vec<u8>),
    EndsWith(Vec<u8>),
    Glob(Glob),
    IGlob(Glob),
    /// Path prefixes: a value matches if it is one of them or lies below one.
    PMatch(ByteSet),
    Regex(regex::bytes::Regex),
    NumCmp(Op, i64),
    NumSet(Vec<i64>),
    BoolEq(bool, bool),
    NetEq(Op, Net),
    NetSet(Vec<Net>),
    /// For arguments: compare as numbers when both sides are, else as text.
    DynCmp(Op, Vec<u8>, Option<i64>),
    DynSet(ByteSet, Vec<i64>),
    /// `val(field)`: compare with another field of the same event.
    Field(Op, Box<Field>),
}

/// A compiled condition.
#[derive(Debug, Clone)]
pub enum Node {
    True,
    False,
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Check(Box<Check>),
}

/// One comparison.
#[derive(Debug, Clone)]
pub struct Check {
    pub field: Field,
    pub matcher: Matcher,
    /// The same comparison on event type ids, for `evt.type` compared with names: set by the
    /// engine, which knows the event table, so that no name is compared per event.
    pub kinds: Option<Box<KindTest>>,
    /// Every value of the field must match (`in` and `pmatch` on a list field), rather than
    /// one. A field with no value matches neither way.
    pub all_values: bool,
}

/// `evt.type` compared with names, as a set of event type ids.
#[derive(Debug, Clone)]
pub struct KindTest {
    /// The ids whose names the comparison names.
    pub mask: EventMask,
    /// Whether the comparison holds for ids *outside* the mask (`!=`).
    pub negate: bool,
}

impl Node {
    /// Evaluates the condition on one event.
    pub fn eval<S: FieldSource + ?Sized>(&self, src: &S, scratch: &mut Scratch) -> bool {
        match self {
            Node::True => true,
            Node::False => false,
            Node::And(v) => v.iter().all(|n| n.eval(src, scratch)),
            Node::Or(v) => v.iter().any(|n| n.eval(src, scratch)),
            Node::Not(n) => !n.eval(src, scratch),
            Node::Check(c) => c.eval(src, scratch),
        }
    }
}

fn num_text(n: i64, out: &mut [u8; 24]) -> &[u8] {
    let mut i = out.len();
    let neg = n < 0;
    let mut u = n.unsigned_abs();
    loop {
        i -= 1;
        out[i] = b'0' + (u % 10) as u8;
        u /= 10;
        if u == 0 || i == 0 {
            break;
        }
    }
    if neg && i > 0 {
        i -= 1;
        out[i] = b'-';
    }
    &out[i..]
}

fn parse_num(s: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(s).ok()?.trim();
    if let Some(h) = s.strip_prefix("0x") {
        return i64::from_str_radix(h, 16).ok();
    }
    s.parse::<i64>().ok()
}

fn cmp_ord(op: Op, o: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match op {
        Op::Eq => o == Equal,
        Op::Ne => o != Equal,
        Op::Lt => o == Less,
        Op::Le => o != Greater,
        Op::Gt => o == Greater,
        Op::Ge => o != Less,
        _ => false,
    }
}

fn str_op(op: Op, v: &[u8], c: &[u8]) -> bool {
    match op {
        Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge => cmp_ord(op, v.cmp(c)),
        Op::Contains | Op::BContains => memmem::find(v, c).is_some(),
        Op::IContains => {
            let lv = v.to_ascii_lowercase();
            memmem::find(&lv, &c.to_ascii_lowercase()).is_some()
        }
        Op::StartsWith | Op::BStartsWith => v.starts_with(c),
        Op::EndsWith => v.ends_with(c),
        Op::Glob => Glob::new(c).matches(v),
        Op::IGlob => Glob::new(&c.to_ascii_lowercase()).matches(&v.to_ascii_lowercase()),
        _ => false,
    }
}

fn pmatch(set: &ByteSet, v: &[u8]) -> bool {
    if set.contains(v) {
        return true;
    }
    // Every `/`-delimited prefix of the value.
    for (i, &c) in v.iter().enumerate() {
        if c == b'/' && i > 0 && set.contains(&v[..i]) {
            return true;
        }
    }
    // A prefix given with a trailing slash, or the root.
    for (i, &c) in v.iter().enumerate() {
        if c == b'/' && set.contains(&v[..=i]) {
            return true;
        }
    }
    false
}

fn lower_into<'b>(v: &[u8], buf: &'b mut Vec<u8>) -> &'b [u8] {
    buf.clear();
    buf.extend(v.iter().map(u8::to_ascii_lowercase));
    buf
}

impl Matcher {
    fn matches(&self, v: Val<'_>, lower: &mut Vec<u8>, rhs: Option<&[u8]>) -> bool {
        let mut nb = [0u8; 24];
        match (self, v) {
            (Matcher::Exists, _) => true,
            (Matcher::StrCmp(op, c), Val::Str(s)) => cmp_ord(*op, s.cmp(c)),
            (Matcher::StrSet(set), Val::Str(s)) => set.contains(s),
            (Matcher::Contains(f), Val::Str(s)) => f.find(s).is_some(),
            (Matcher::IContains(f), Val::Str(s)) => f.find(lower_into(s, lower)).is_some(),
            (Matcher::StartsWith(c), Val::Str(s)) => s.starts_with(c),
            (Matcher::EndsWith(c), Val::Str(s)) => s.ends_with(c),
            (Matcher::Glob(g), Val::Str(s)) => g.matches(s),
            (Matcher::IGlob(g), Val::Str(s)) => g.matches(lower_into(s, lower)),
            (Matcher::PMatch(set), Val::Str(s)) => pmatch(set, s),
            (Matcher::Regex(r), Val::Str(s)) => r.is_match(s),
            (Matcher::NumCmp(op, c), Val::Num(n)) => cmp_ord(*op, n.cmp(c)),
            (Matcher::NumCmp(op, c), Val::Str(s)) => {
                parse_num(s).is_some_and(|n| cmp_ord(*op, n.cmp(c)))
            }
            (Matcher::NumSet(set), Val::Num(n)) => set.contains(&n),
            (Matcher::BoolEq(eq, c), Val::Bool(b)) => (b == *c) == *eq,
            (Matcher::BoolEq(eq, c), Val::Num(n)) => ((n != 0) == *c) == *eq,
            (Matcher::NetEq(op, net), Val::Ip(ip)) => net.contains(ip) == (*op == Op::Eq),
            (Matcher::NetSet(nets), Val::Ip(ip)) => nets.iter().any(|n| n.contains(ip)),
            (Matcher::DynCmp(op, _, Some(c)), Val::Num(n)) => cmp_ord(*op, n.cmp(c)),
            (Matcher::DynCmp(op, text, None), Val::Num(n)) => {
                str_op(*op, num_text(n, &mut nb), text)
            }
            (Matcher::DynCmp(op, text, _), Val::Str(s)) => str_op(*op, s, text),
            (Matcher::DynCmp(op, text, _), Val::Bool(b)) => {
                str_op(*op, if b { b"true" } else { b"false" }, text)
            }
            (Matcher::DynSet(_, nums), Val::Num(n)) if !nums.is_empty() => nums.contains(&n),
            (Matcher::DynSet(set, _), Val::Num(n)) => set.contains(num_text(n, &mut nb)),
            (Matcher::DynSet(set, _), Val::Str(s)) => set.contains(s),
            (Matcher::Field(op, _), v) => {
                let Some(r) = rhs else { return false };
                match v {
                    Val::Str(s) => str_op(*op, s, r),
                    Val::Num(n) => match parse_num(r) {
                        Some(rn) if !matches!(op, Op::Contains | Op::StartsWith | Op::EndsWith) => {
                            cmp_ord(*op, n.cmp(&rn))
                        }
                        _ => str_op(*op, num_text(n, &mut nb), r),
                    },
                    Val::Bool(b) => str_op(*op, if b { b"true" } else { b"false" }, r),
                    Val::Ip(ip) => {
                        let t = ip.to_string();
                        str_op(*op, t.as_bytes(), r)
                    }
                }
            }
            // Values of another type than the field's (e.g. a number given for a string):
            // compare their text.
            (m, Val::Num(n)) => m.matches(Val::Str(num_text(n, &mut nb)), lower, rhs),
            _ => false,
        }
    }
}

/// Renders a value as text (for outputs and `val()`).
pub fn write_val(v: Val<'_>, out: &mut Vec<u8>) {
    use std::io::Write;
    match v {
        Val::Str(s) => out.extend_from_slice(s),
        Val::Num(n) => {
            let _ = write!(out, "{n}");
        }
        Val::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
        Val::Ip(ip) => {
            let _ = write!(out, "{ip}");
        }
    }
}

fn b64_decode(input: &[u8], out: &mut Vec<u8>) -> bool {
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for &c in input {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            b'\n' | b'\r' | b' ' => continue,
            _ => return false,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    true
}

/// Applies transformers to a value, writing the result into `out` (using `tmp` between steps).
fn transform(ts: &[Transformer], v: Val<'_>, out: &mut Vec<u8>, tmp: &mut Vec<u8>) -> bool {
    out.clear();
    write_val(v, out);
    for t in ts {
        std::mem::swap(out, tmp);
        out.clear();
        match t {
            Transformer::ToLower => out.extend(tmp.iter().map(u8::to_ascii_lowercase)),
            Transformer::ToUpper => out.extend(tmp.iter().map(u8::to_ascii_uppercase)),
            Transformer::B64 => {
                if !b64_decode(tmp, out) {
                    return false;
                }
            }
            Transformer::Basename => {
                let s = tmp.as_slice();
                let trimmed = s.strip_suffix(b"/").unwrap_or(s);
                let base = match memchr::memrchr(b'/', trimmed) {
                    Some(i) => &trimmed[i + 1..],
                    None => trimmed,
                };
                out.extend_from_slice(base);
            }
        }
    }
    true
}

impl Check {
    fn eval<S: FieldSource + ?Sized>(&self, src: &S, scratch: &mut Scratch) -> bool {
        if let (Some(test), Some(kind)) = (&self.kinds, src.event_kind()) {
            return test.mask.contains(kind) != test.negate;
        }
        let Scratch {
            extract,
            transform: tbuf,
            transform2,
            lower,
            rhs_buf,
            rhs,
        } = scratch;
        let rhs_val: Option<&[u8]> = if let Matcher::Field(_, rf) = &self.matcher {
            rhs.clear();
            let mut found = false;
            src.visit(rf, rhs_buf, &mut |v| {
                if rf.transformers.is_empty() {
                    write_val(v, rhs);
                } else {
                    // `transform2` is free until the left side is extracted below.
                    transform(&rf.transformers, v, rhs, transform2);
                }
                found = true;
                true
            });
            if !found {
                return false;
            }
            Some(rhs.as_slice())
        } else {
            None
        };
        let matcher = &self.matcher;
        let ts = &self.field.transformers;
        let mut one = |v: Val<'_>| {
            if ts.is_empty() {
                matcher.matches(v, lower, rhs_val)
            } else {
                transform(ts, v, tbuf, transform2)
                    && matcher.matches(Val::Str(tbuf), lower, rhs_val)
            }
        };
        if self.all_values {
            // Look for a value that does not match.
            let mut seen = false;
            let miss = src.visit(&self.field, extract, &mut |v| {
                seen = true;
                !one(v)
            });
            return seen && !miss;
        }
        src.visit(&self.field, extract, &mut one)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        let g = |p: &str, t: &str| Glob::new(p.as_bytes()).matches(t.as_bytes());
        assert!(g("/home/*/.ssh/*", "/home/a/.ssh/id_rsa"));
        assert!(!g("/home/*/.ssh/*", "/home/a/.ss/id"));
        assert!(g("a?c", "abc"));
        assert!(g("[a-c]x", "bx"));
        assert!(!g("[!a-c]x", "bx"));
        assert!(g("*", ""));
        assert!(g("*.log", "x.y.log"));
        assert!(!g("abc", "abcd"));
    }

    #[test]
    fn nets() {
        let n = Net::parse("10.0.0.0/8").expect("net");
        assert!(n.contains("10.1.2.3".parse().expect("ip")));
        assert!(!n.contains("11.1.2.3".parse().expect("ip")));
        let all = Net::parse("0.0.0.0/0").expect("net");
        assert!(all.contains("1.2.3.4".parse().expect("ip")));
        assert!(Net::parse("1.2.3.4/33").is_none());
    }

    #[test]
    fn pmatch_prefixes() {
        let set: ByteSet = ["/etc", "/usr/lib/"].iter().map(|s| s.as_bytes()).collect();
        assert!(pmatch(&set, b"/etc"));
        assert!(pmatch(&set, b"/etc/passwd"));
        assert!(!pmatch(&set, b"/etcx"));
        assert!(pmatch(&set, b"/usr/lib/x"));
    }

    #[test]
    fn base64() {
        let mut out = Vec::new();
        assert!(b64_decode(b"aGVsbG8=", &mut out));
        assert_eq!(out, b"hello");
    }

    #[test]
    fn numbers_as_text() {
        let mut b = [0u8; 24];
        assert_eq!(num_text(-120, &mut b), b"-120");
        assert_eq!(num_text(0, &mut b), b"0");
        assert_eq!(num_text(i64::MIN, &mut b), b"-9223372036854775808");
    }
}
