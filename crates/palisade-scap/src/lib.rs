//! Reader of scap capture files — the format sysdig and Falco write — as a
//! [`palisade_event::EventSource`].
//!
//! A capture is a sequence of little-endian blocks `[u32 type][u32 total_len][body][u32
//! total_len]`, optionally gzip-compressed as a whole: a section header, state blocks (machine,
//! processes, fds, interfaces, users) and event blocks (v1, v2, large, with flags). Several
//! captures concatenated are read as one, like sysdig does.
//!
//! The reader is built for hostile input: every declared length is checked against a limit and
//! against the bytes actually present, memory stays bounded by the largest block, and a
//! truncated or corrupt file yields every event before the damage and then an error naming the
//! file and the byte offset.
//!
//! Events that describe the state at the start of a section (the container and user events a
//! writer puts first) carry [`palisade_event::FLAG_INITIAL_STATE`]: sysdig and Falco consume
//! them silently. [`writer::ScapWriter`] writes captures sysdig reads; [`display`] prints events
//! the way `sysdig -p` does, which the tests use to compare the two event by event.
//!
//! ```no_run
//! use palisade_event::{EventSource, Inspector};
//! use palisade_scap::ScapReader;
//!
//! let mut reader = ScapReader::open("capture.scap".as_ref())?;
//! let mut state = Inspector::new();
//! while let Some(evt) = reader.next_event(&mut state)? {
//!     state.process(&evt);
//!     println!("{} {} {}", evt.num, evt.name(), evt.direction().as_str());
//! }
//! # Ok::<(), palisade_scap::ScapError>(())
//! ```

pub mod blocks;
pub mod display;
pub mod readahead;
pub mod writer;

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use flate2::bufread::MultiGzDecoder;
use palisade_event::event::{FLAG_INITIAL_STATE, LenWidth, Params};
use palisade_event::source::{EventSource, StateRecord, StateSink};
use palisade_event::table::{self, ids as ev};
use palisade_event::{Event, EventMask};

use blocks::{BlockError, ids};

/// The buffer of decompressed input: events that lie wholly inside it are decoded in place,
/// without a copy.
const READ_BUFFER: usize = 1 << 18;

/// The largest block the reader accepts (bytes).
pub const DEFAULT_MAX_BLOCK: u32 = 64 << 20;

/// What went wrong, without the place.
#[derive(Debug, thiserror::Error)]
pub enum ScapErrorKind {
    /// Reading the file failed.
    #[error("i/o error")]
    Io(#[source] io::Error),
    /// The file does not start with a section header block.
    #[error("not a scap capture (first block type {0:#x}, expected the section header 0x0a0d0d0a)")]
    NotScap(u32),
    /// The section header is invalid.
    #[error("invalid section header: {0}")]
    BadSection(&'static str),
    /// The file ends inside a block.
    #[error("truncated file: {0}")]
    Truncated(&'static str),
    /// A block's declared length is impossible or too large.
    #[error("invalid block length {len} for block type {block_type:#x} (limit {limit})")]
    BadBlockLength {
        /// Block type.
        block_type: u32,
        /// Declared length.
        len: u32,
        /// Limit.
        limit: u32,
    },
    /// The trailing length of a block differs from the leading one.
    #[error("block trailer length {trailer} differs from header length {header}")]
    BadTrailer {
        /// Length in the header.
        header: u32,
        /// Length in the trailer.
        trailer: u32,
    },
    /// An event block is malformed.
    #[error("malformed event: {0}")]
    BadEvent(String),
    /// A state block is malformed.
    #[error("malformed block {block_type:#x}")]
    BadBlock {
        /// Block type.
        block_type: u32,
        /// Why.
        #[source]
        source: BlockError,
    },
}

/// A capture could not be read: the file, the byte offset (in the decompressed stream for
/// gzip captures) of the block at fault, and why.
#[derive(Debug, thiserror::Error)]
#[error("reading capture {file} at byte {offset}{gz}: {kind}", gz = if *.gzip { " of the decompressed stream" } else { "" })]
pub struct ScapError {
    /// The file (or stream name).
    pub file: String,
    /// Offset of the block at fault.
    pub offset: u64,
    /// Whether the offset is in the decompressed stream.
    pub gzip: bool,
    /// Why.
    #[source]
    pub kind: ScapErrorKind,
}

/// Counters of a read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Sections (concatenated captures) seen.
    pub sections: u64,
    /// Blocks read.
    pub blocks: u64,
    /// Events yielded.
    pub events: u64,
    /// Event blocks skipped because their type is unknown to the event table.
    pub skipped_unknown_events: u64,
    /// Events skipped, undecoded, because the consumer did not ask for their type.
    pub skipped_uninteresting: u64,
    /// Blocks of unknown type skipped.
    pub skipped_unknown_blocks: u64,
    /// Bytes read (decompressed).
    pub bytes: u64,
}

/// Reads a scap capture; see the crate documentation.
pub struct ScapReader<R> {
    input: R,
    /// Bytes of the last event, still in `input`'s buffer, to consume on the next read.
    pending: usize,
    name: String,
    gzip: bool,
    offset: u64,
    block_offset: u64,
    buf: Vec<u8>,
    records: Vec<StateRecord>,
    num: u64,
    done: bool,
    in_section_prologue: bool,
    max_block: u32,
    /// Event types the consumer needs; others are skipped without decoding.
    interest: EventMask,
    stats: ReadStats,
}

impl<R> std::fmt::Debug for ScapReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScapReader")
            .field("name", &self.name)
            .field("offset", &self.offset)
            .field("stats", &self.stats)
            .finish()
    }
}

/// The input of a reader opened with [`ScapReader::open`] or [`ScapReader::from_read`].
pub enum FileInput {
    /// A file read ahead on a second thread.
    Ahead(readahead::ReadAhead),
    /// Any other buffered reader: a gzip decoder, a stream given by the caller.
    Other(Box<dyn BufRead + Send>),
}

impl std::fmt::Debug for FileInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FileInput::Ahead(_) => "FileInput::Ahead",
            FileInput::Other(_) => "FileInput::Other",
        })
    }
}

impl Read for FileInput {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            FileInput::Ahead(r) => r.read(buf),
            FileInput::Other(r) => r.read(buf),
        }
    }
}

impl BufRead for FileInput {
    #[inline]
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        match self {
            FileInput::Ahead(r) => r.fill_buf(),
            FileInput::Other(r) => r.fill_buf(),
        }
    }

    #[inline]
    fn consume(&mut self, n: usize) {
        match self {
            FileInput::Ahead(r) => r.consume(n),
            FileInput::Other(r) => r.consume(n),
        }
    }
}

impl ScapReader<FileInput> {
    /// Opens a capture file, gzip-compressed or not. The file is read on a second thread
    /// ([`readahead`]), ahead of decoding.
    pub fn open(path: &Path) -> Result<Self, ScapError> {
        let name = path.display().to_string();
        let file = File::open(path).map_err(|e| ScapError {
            file: name.clone(),
            offset: 0,
            gzip: false,
            kind: ScapErrorKind::Io(e),
        })?;
        let input = match readahead::ReadAhead::spawn(file) {
            Ok(r) => FileInput::Ahead(r),
            // No thread to be had: read in place.
            Err((file, _)) => {
                FileInput::Other(Box::new(BufReader::with_capacity(READ_BUFFER, file)))
            }
        };
        Self::detect_gzip(input, name)
    }

    /// Reads a capture from any buffered reader, detecting gzip.
    pub fn from_read<B: BufRead + Send + 'static>(
        input: B,
        name: impl Into<String>,
    ) -> Result<Self, ScapError> {
        Self::detect_gzip(FileInput::Other(Box::new(input)), name.into())
    }

    fn detect_gzip(mut input: FileInput, name: String) -> Result<Self, ScapError> {
        let head = input.fill_buf().map_err(|e| ScapError {
            file: name.clone(),
            offset: 0,
            gzip: false,
            kind: ScapErrorKind::Io(e),
        })?;
        let gzip = head.starts_with(&[0x1f, 0x8b]);
        let input = if gzip {
            FileInput::Other(Box::new(BufReader::with_capacity(
                READ_BUFFER,
                MultiGzDecoder::new(input),
            )))
        } else {
            input
        };
        let mut r = ScapReader::new(input, name);
        r.gzip = gzip;
        r.start()?;
        Ok(r)
    }
}

impl<R: BufRead> ScapReader<R> {
    /// A reader over an uncompressed capture stream; the section header is checked on the
    /// first read. Events lying wholly inside `input`'s buffer are decoded without a copy.
    pub fn new(input: R, name: impl Into<String>) -> Self {
        ScapReader {
            input,
            pending: 0,
            name: name.into(),
            gzip: false,
            offset: 0,
            block_offset: 0,
            buf: Vec::with_capacity(1 << 16),
            records: Vec::new(),
            num: 0,
            done: false,
            in_section_prologue: true,
            max_block: DEFAULT_MAX_BLOCK,
            interest: EventMask::all(),
            stats: ReadStats::default(),
        }
    }

    /// Sets the largest accepted block.
    pub fn with_max_block(mut self, max: u32) -> Self {
        self.max_block = max;
        self
    }

    /// Counters so far.
    pub fn stats(&self) -> ReadStats {
        ReadStats {
            bytes: self.offset,
            ..self.stats
        }
    }

    /// The file name used in errors.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn err(&mut self, kind: ScapErrorKind) -> ScapError {
        self.done = true;
        ScapError {
            file: self.name.clone(),
            offset: self.block_offset,
            gzip: self.gzip,
            kind,
        }
    }

    /// Reads exactly `n` bytes into `self.buf`; Ok(false) on a clean end before any byte.
    fn read_into_buf(&mut self, n: usize) -> io::Result<usize> {
        self.buf.clear();
        if n <= self.buf.capacity().max(1 << 20) {
            self.buf.resize(n, 0);
            let mut got = 0;
            while got < n {
                match self.input.read(&mut self.buf[got..]) {
                    Ok(0) => break,
                    Ok(k) => got += k,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            self.buf.truncate(got);
            Ok(got)
        } else {
            // Large declared size: grow with the data actually present.
            (&mut self.input).take(n as u64).read_to_end(&mut self.buf)
        }
    }

    fn read_header(&mut self) -> Result<Option<(u32, u32)>, ScapError> {
        let mut h = [0u8; 8];
        let mut got = 0;
        while got < 8 {
            match self.input.read(&mut h[got..]) {
                Ok(0) => break,
                Ok(k) => got += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.err(ScapErrorKind::Io(e))),
            }
        }
        self.block_offset = self.offset;
        self.offset += got as u64;
        match got {
            0 => Ok(None),
            8 => Ok(Some((
                u32::from_le_bytes([h[0], h[1], h[2], h[3]]),
                u32::from_le_bytes([h[4], h[5], h[6], h[7]]),
            ))),
            _ => Err(self.err(ScapErrorKind::Truncated(
                "end of file inside a block header",
            ))),
        }
    }

    /// Reads the rest of a block (body and trailer) into `self.buf`, leaving the body.
    fn read_block(&mut self, block_type: u32, len: u32) -> Result<(), ScapError> {
        let limit = self.max_block;
        if len < 12 || len > limit {
            return Err(self.err(ScapErrorKind::BadBlockLength {
                block_type,
                len,
                limit,
            }));
        }
        let n = (len - 8) as usize;
        let got = self
            .read_into_buf(n)
            .map_err(|e| self.err(ScapErrorKind::Io(e)))?;
        self.offset += got as u64;
        if got < n {
            return Err(self.err(ScapErrorKind::Truncated("end of file inside a block")));
        }
        let t = &self.buf[n - 4..];
        let trailer = u32::from_le_bytes([t[0], t[1], t[2], t[3]]);
        if trailer != len {
            return Err(self.err(ScapErrorKind::BadTrailer {
                header: len,
                trailer,
            }));
        }
        self.buf.truncate(n - 4);
        self.stats.blocks += 1;
        Ok(())
    }

    fn start(&mut self) -> Result<(), ScapError> {
        match self.read_header()? {
            Some((ids::SHB, len)) => {
                self.read_block(ids::SHB, len)?;
                self.section()
            }
            Some((t, _)) => Err(self.err(ScapErrorKind::NotScap(t))),
            None => Err(self.err(ScapErrorKind::Truncated("empty file"))),
        }
    }

    fn section(&mut self) -> Result<(), ScapError> {
        let b = &self.buf;
        if b.len() < 16 {
            return Err(self.err(ScapErrorKind::BadSection(
                "section header shorter than 16 bytes",
            )));
        }
        let magic = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let major = u16::from_le_bytes([b[4], b[5]]);
        if magic != 0x1A2B_3C4D {
            return Err(self.err(ScapErrorKind::BadSection(
                "bad byte-order magic (big-endian captures are not supported)",
            )));
        }
        if major != 1 {
            return Err(self.err(ScapErrorKind::BadSection("unsupported major version")));
        }
        self.stats.sections += 1;
        self.in_section_prologue = true;
        Ok(())
    }

    /// Looks at the next block where it lies in the read buffer; see [`Fast`].
    fn event_in_buffer(&mut self) -> Result<Fast, ScapErrorKind> {
        let avail = match self.input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(Fast::Slow),
            Err(e) => return Err(ScapErrorKind::Io(e)),
        };
        let Some(h) = avail.get(..8) else {
            return Ok(Fast::Slow);
        };
        let block_type = u32::from_le_bytes([h[0], h[1], h[2], h[3]]);
        let len = u32::from_le_bytes([h[4], h[5], h[6], h[7]]);
        if !is_event_block(block_type) || len < 12 || len > self.max_block {
            return Ok(Fast::Slow);
        }
        let n = len as usize;
        let Some(block) = avail.get(..n) else {
            return Ok(Fast::Slow);
        };
        let t = &block[n - 4..];
        if u32::from_le_bytes([t[0], t[1], t[2], t[3]]) != len {
            // The slow path reports it with the place.
            return Ok(Fast::Slow);
        }
        let body = &block[8..n - 4];
        // Types the table does not know go through `event_layout`, which counts them apart.
        let fast = match event_kind(block_type, body) {
            Some(k) if usize::from(k) < table::EVENTS.len() && !self.interest.contains(k) => {
                Fast::Skipped(k)
            }
            _ => match event_layout(block_type, body) {
                Ok(Some(l)) => Fast::Event(l),
                Ok(None) => Fast::Unknown,
                Err(msg) => Fast::Bad(msg),
            },
        };
        self.block_offset = self.offset;
        self.offset += len as u64;
        self.stats.blocks += 1;
        if let Fast::Event(_) = fast {
            self.pending = n;
        } else {
            self.input.consume(n);
        }
        Ok(fast)
    }

    /// Counts an event the consumer did not ask for: it keeps its number.
    fn skip(&mut self, kind: u16) {
        if !is_state_event(kind) {
            self.in_section_prologue = false;
        }
        self.num += 1;
        self.stats.skipped_uninteresting += 1;
    }

    fn state_block(&mut self, block_type: u32, sink: &mut dyn StateSink) -> Result<(), ScapError> {
        self.records.clear();
        let res = match block_type {
            ids::MI | ids::MI_INT => {
                blocks::machine_info(&self.buf).map(|m| self.records.push(StateRecord::Machine(m)))
            }
            ids::PL_V1
            | ids::PL_V1_INT
            | ids::PL_V2
            | ids::PL_V2_INT
            | ids::PL_V3
            | ids::PL_V3_INT
            | ids::PL_V4
            | ids::PL_V5
            | ids::PL_V6
            | ids::PL_V7
            | ids::PL_V8
            | ids::PL_V9 => blocks::proclist(block_type, &self.buf, &mut self.records),
            ids::FDL | ids::FDL_INT | ids::FDL_V2 => {
                blocks::fdlist(block_type, &self.buf, &mut self.records)
            }
            ids::UL | ids::UL_INT | ids::UL_V2 => {
                blocks::userlist(block_type, &self.buf, &mut self.records)
            }
            ids::IL | ids::IL_INT | ids::IL_V2 => {
                blocks::iflist(block_type, &self.buf, &mut self.records)
            }
            _ => {
                self.stats.skipped_unknown_blocks += 1;
                Ok(())
            }
        };
        if let Err(source) = res {
            return Err(self.err(ScapErrorKind::BadBlock { block_type, source }));
        }
        for r in self.records.drain(..) {
            sink.apply(r);
        }
        Ok(())
    }
}

/// Checks the event block body `b` and returns its layout, or None to skip it.
fn event_layout(block_type: u32, b: &[u8]) -> Result<Option<EventLayout>, String> {
    {
        let flagged = is_flagged(block_type);
        let v2 = matches!(
            block_type,
            ids::EV_V2 | ids::EV_V2_LARGE | ids::EVF_V2 | ids::EVF_V2_LARGE
        );
        let large = matches!(block_type, ids::EV_V2_LARGE | ids::EVF_V2_LARGE);
        let hdr = event_header_at(block_type);
        let hlen = if v2 { 26 } else { 22 };
        let Some(h) = b.get(hdr..hdr + hlen) else {
            return Err(format!(
                "event block of {} bytes is shorter than an event header",
                b.len()
            ));
        };
        let cpu = u16::from_le_bytes([b[0], b[1]]);
        let flags = if flagged {
            u32::from_le_bytes([b[2], b[3], b[4], b[5]])
        } else {
            0
        };
        let le64 = |s: &[u8]| u64::from_le_bytes([s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]]);
        let ts = le64(&h[0..8]);
        #[allow(
            clippy::cast_possible_wrap,
            reason = "thread ids are signed on the wire"
        )]
        let tid = le64(&h[8..16]) as i64;
        let mut len = u32::from_le_bytes([h[16], h[17], h[18], h[19]]) as usize;
        let kind = u16::from_le_bytes([h[20], h[21]]);
        if usize::from(kind) >= table::EVENTS.len() {
            return Ok(None);
        }
        if !v2 && (kind == 280 || kind == 286) {
            // Old writers recorded these two events 3 bytes too long.
            len = len.saturating_sub(3);
        }
        let width = if large { 4 } else { 2 };
        let start = hdr + hlen;
        let end = hdr + len;
        if len < hlen || end > b.len() {
            return Err(format!(
                "event length {len} does not fit its block of {} bytes",
                b.len() - hdr
            ));
        }
        let body = &b[start..end];
        let nparams = if v2 {
            u32::from_le_bytes([h[22], h[23], h[24], h[25]]) as usize
        } else {
            // v1 events do not record their parameter count: the largest count whose
            // lengths add up to the event's length, as libscap does.
            // `2n + sum of the first n lengths` only grows with n: one forward pass.
            let max = table::event_info(kind).params.len();
            let mut found = None;
            let mut total = 0usize;
            for n in 0..=max {
                if total == body.len() {
                    found = Some(n);
                }
                let Some(l) = body.get(2 * n..2 * n + 2) else {
                    break;
                };
                total += 2 + usize::from(u16::from_le_bytes([l[0], l[1]]));
                if total > body.len() {
                    break;
                }
            }
            found.ok_or_else(|| {
                format!(
                    "cannot infer the parameter count of a v1 `{}` event",
                    table::event_info(kind).name
                )
            })?
        };
        let lens_len = nparams
            .checked_mul(width)
            .filter(|&l| l <= body.len())
            .ok_or_else(|| {
                format!(
                    "{nparams} parameters do not fit an event of {} bytes",
                    body.len()
                )
            })?;
        let lens = &body[..lens_len];
        // A v1 count was inferred from the lengths adding up exactly: nothing more to check.
        let declared: u64 = if !v2 {
            0
        } else if large {
            lens.chunks_exact(4)
                .map(|c| u64::from(u32::from_le_bytes([c[0], c[1], c[2], c[3]])))
                .sum()
        } else {
            lens.chunks_exact(2)
                .map(|c| u64::from(u16::from_le_bytes([c[0], c[1]])))
                .sum()
        };
        let available = body.len() - lens_len;
        if declared > available as u64 {
            return Err(format!(
                "`{}` event: parameter lengths add up to {declared} bytes but the event holds {available}",
                table::event_info(kind).name
            ));
        }
        Ok(Some(EventLayout {
            cpu,
            flags,
            ts,
            tid,
            kind,
            lens: start..start + lens_len,
            data: start + lens_len..end,
            large,
        }))
    }
}

struct EventLayout {
    cpu: u16,
    flags: u32,
    ts: u64,
    tid: i64,
    kind: u16,
    lens: std::ops::Range<usize>,
    data: std::ops::Range<usize>,
    large: bool,
}

/// What [`ScapReader::event_in_buffer`] found at the head of the read buffer.
enum Fast {
    /// An event block wholly in the buffer, decoded where it lies (consumed on the next read).
    Event(EventLayout),
    /// An event of a type the consumer did not ask for, consumed undecoded.
    Skipped(u16),
    /// An event of a type unknown to the event table, consumed.
    Unknown,
    /// A malformed event block.
    Bad(String),
    /// Anything else (a state block, a block across the buffer's end): read it the slow way.
    Slow,
}

/// Whether an event block carries 4 bytes of flags after the CPU number.
fn is_flagged(block_type: u32) -> bool {
    matches!(block_type, ids::EVF | ids::EVF_V2 | ids::EVF_V2_LARGE)
}

/// Where the event header starts in an event block's body: after the CPU number (2 bytes) and,
/// in flagged blocks, the flags (4).
fn event_header_at(block_type: u32) -> usize {
    if is_flagged(block_type) { 6 } else { 2 }
}

/// The type of the event in block body `b`, if the body is long enough to hold it.
fn event_kind(block_type: u32, b: &[u8]) -> Option<u16> {
    // The header: ts (8), tid (8), len (4), then the type (2).
    let at = event_header_at(block_type) + 20;
    b.get(at..at + 2).map(|k| u16::from_le_bytes([k[0], k[1]]))
}

/// Events that describe the state at the start of a section rather than activity.
fn is_state_event(kind: u16) -> bool {
    matches!(
        kind,
        ev::CONTAINER_E
            | ev::CONTAINER_JSON_E
            | ev::CONTAINER_JSON_2_E
            | ev::USER_ADDED_E
            | ev::USER_DELETED_E
            | ev::GROUP_ADDED_E
            | ev::GROUP_DELETED_E
    )
}

fn is_event_block(t: u32) -> bool {
    matches!(
        t,
        ids::EV
            | ids::EV_INT
            | ids::EV_V2
            | ids::EV_V2_LARGE
            | ids::EVF
            | ids::EVF_V2
            | ids::EVF_V2_LARGE
    )
}

impl<R: BufRead> EventSource for ScapReader<R> {
    type Error = ScapError;

    fn set_interest(&mut self, mask: &EventMask) {
        self.interest = mask.clone();
    }

    fn next_event(&mut self, sink: &mut dyn StateSink) -> Result<Option<Event<'_>>, ScapError> {
        if self.pending > 0 {
            self.input.consume(self.pending);
            self.pending = 0;
        }
        if self.done {
            return Ok(None);
        }
        if self.stats.sections == 0 {
            self.start()?;
        }
        let (layout, in_place) = loop {
            // Fast path: an event block wholly inside the read buffer is decoded where it lies.
            match self.event_in_buffer() {
                Ok(Fast::Event(l)) => break (l, true),
                Ok(Fast::Skipped(kind)) => {
                    self.skip(kind);
                    continue;
                }
                Ok(Fast::Unknown) => {
                    self.stats.skipped_unknown_events += 1;
                    continue;
                }
                Ok(Fast::Bad(msg)) => return Err(self.err(ScapErrorKind::BadEvent(msg))),
                Ok(Fast::Slow) => {}
                Err(e) => return Err(self.err(e)),
            }
            let Some((block_type, len)) = self.read_header()? else {
                self.done = true;
                return Ok(None);
            };
            self.read_block(block_type, len)?;
            if block_type == ids::SHB {
                self.section()?;
                continue;
            }
            if !is_event_block(block_type) {
                self.state_block(block_type, sink)?;
                continue;
            }
            match event_layout(block_type, &self.buf) {
                Ok(Some(l)) if !self.interest.contains(l.kind) => {
                    self.skip(l.kind);
                    continue;
                }
                Ok(Some(l)) => break (l, false),
                Ok(None) => {
                    self.stats.skipped_unknown_events += 1;
                    continue;
                }
                Err(msg) => return Err(self.err(ScapErrorKind::BadEvent(msg))),
            }
        };
        let mut flags = layout.flags & !FLAG_INITIAL_STATE;
        if is_state_event(layout.kind) && self.in_section_prologue {
            flags |= FLAG_INITIAL_STATE;
        } else {
            self.in_section_prologue = false;
        }
        self.num += 1;
        self.stats.events += 1;
        let width = if layout.large {
            LenWidth::U32
        } else {
            LenWidth::U16
        };
        let block: &[u8] = if in_place {
            // The block is still at the start of the read buffer (consumed on the next read),
            // so asking for the buffer again reads nothing.
            match self.input.fill_buf() {
                Ok(b) => b.get(8..).unwrap_or_default(),
                Err(e) => {
                    // Fields, not `self.err`: `self.input` stays borrowed by the other arm.
                    self.done = true;
                    return Err(ScapError {
                        file: self.name.clone(),
                        offset: self.block_offset,
                        gzip: self.gzip,
                        kind: ScapErrorKind::Io(e),
                    });
                }
            }
        } else {
            &self.buf
        };
        let lens = block.get(layout.lens.clone()).unwrap_or_default();
        let data = block.get(layout.data.clone()).unwrap_or_default();
        // The lengths were checked against the data by `event_layout`.
        let params = Params::from_checked(lens, data, width);
        Ok(Some(Event {
            num: self.num,
            ts: layout.ts,
            tid: layout.tid,
            cpu: layout.cpu,
            kind: layout.kind,
            flags,
            params,
        }))
    }
}
