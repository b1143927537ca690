//! The reader on real, damaged and hostile captures, and the writer checked by reading back
//! (and by sysdig, which must accept what we write).

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::Command;

use palisade_event::table::ids;
use palisade_event::{EventBuilder, EventMask, EventSource, Inspector, MemorySource, OwnedEvent};
use palisade_scap::writer::ScapWriter;
use palisade_scap::{ScapError, ScapErrorKind, ScapReader};

fn shared() -> PathBuf {
    match std::env::var_os("PALISADE_SHARED") {
        Some(p) => PathBuf::from(p),
        None => Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("../shared"),
    }
}

fn read_all(mut r: ScapReader<impl std::io::BufRead>) -> (Vec<OwnedEvent>, Option<ScapError>) {
    let mut out = Vec::new();
    let mut state = Inspector::new();
    loop {
        match r.next_event(&mut state) {
            Ok(Some(e)) => {
                state.process(&e);
                out.push(OwnedEvent::from_event(&e));
            }
            Ok(None) => return (out, None),
            Err(e) => return (out, Some(e)),
        }
    }
}

fn from_bytes(bytes: Vec<u8>) -> ScapReader<palisade_scap::FileInput> {
    ScapReader::from_read(Cursor::new(bytes), "test.scap").unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn gzip_and_plain_captures_are_the_same() {
    for name in ["curl_google", "single_ipv6_conn", "test_ipv6_client"] {
        let gz = ScapReader::open(&shared().join(format!("scap/{name}.scap"))).expect("gz opens");
        let raw =
            ScapReader::open(&shared().join(format!("scap/{name}.raw.scap"))).expect("raw opens");
        let (a, ea) = read_all(gz);
        let (b, eb) = read_all(raw);
        assert!(ea.is_none() && eb.is_none(), "{name}: {ea:?} {eb:?}");
        assert!(!a.is_empty());
        assert_eq!(a, b, "{name}");
    }
}

#[test]
fn truncated_files_yield_events_then_a_clear_error() {
    let path = shared().join("scap/test_ipv6_client.raw.scap");
    let bytes = std::fs::read(&path).expect("sample capture");
    let (all, err) = read_all(from_bytes(bytes.clone()));
    assert!(err.is_none());
    let mut cut = 37;
    while cut < bytes.len() {
        let mut r = match ScapReader::from_read(Cursor::new(bytes[..cut].to_vec()), "cut.scap") {
            Ok(r) => r,
            Err(e) => {
                assert!(e.to_string().contains("cut.scap"), "{e}");
                cut += 997;
                continue;
            }
        };
        let mut n = 0;
        let err = loop {
            match r.next_event(&mut ()) {
                Ok(Some(_)) => n += 1,
                Ok(None) => break None,
                Err(e) => break Some(e),
            }
        };
        // Cutting at a block boundary is a valid shorter capture; anywhere else is an error.
        if let Some(e) = err {
            let msg = e.to_string();
            assert!(msg.contains("cut.scap") && msg.contains("at byte"), "{msg}");
            assert!(matches!(e.kind, ScapErrorKind::Truncated(_)), "{msg}");
        }
        assert!(n <= all.len());
        assert_eq!(
            r.next_event(&mut ())
                .expect("finished after an error")
                .map(|e| e.num),
            None
        );
        cut += 997;
    }
}

#[test]
fn hostile_lengths_are_rejected_without_allocating_them() {
    let bytes =
        std::fs::read(shared().join("scap/single_ipv6_conn.raw.scap")).expect("sample capture");
    // Section header (28 bytes) then a block claiming 4 GiB.
    let mut evil = bytes[..28].to_vec();
    evil.extend(0x216u32.to_le_bytes());
    evil.extend(0xFFFF_FFF0u32.to_le_bytes());
    evil.extend([0u8; 64]);
    let (events, err) = read_all(from_bytes(evil));
    assert!(events.is_empty());
    let e = err.expect("error");
    assert!(
        matches!(e.kind, ScapErrorKind::BadBlockLength { .. }),
        "{e}"
    );
    assert_eq!(e.offset, 28);

    // An event whose parameter lengths exceed its block.
    let mut w = ScapWriter::new(Vec::new(), "h", 1).expect("writer");
    let ev = EventBuilder::new(ids::OPEN_E)
        .str("/etc/passwd")
        .u32(1)
        .u32(0)
        .build();
    w.write_event(&ev.as_event(1)).expect("write");
    let mut good = w.finish().expect("finish");
    let len = good.len();
    // The event block is the last 68 bytes: header 8, cpu 2, event header 26, lengths 6,
    // data 20, padding 2, trailer 4. Inflate the first parameter length beyond the data.
    let lens_at = len - 68 + 8 + 2 + 26;
    good[lens_at..lens_at + 2].copy_from_slice(&60000u16.to_le_bytes());
    let (_, err) = read_all(from_bytes(good));
    let e = err.expect("error");
    assert!(matches!(e.kind, ScapErrorKind::BadEvent(_)), "{e}");

    // Not a capture at all.
    let e = ScapReader::from_read(Cursor::new(b"hello world, not a capture".to_vec()), "x")
        .expect_err("not scap");
    assert!(matches!(e.kind, ScapErrorKind::NotScap(_)), "{e}");
}

fn sample_events() -> Vec<OwnedEvent> {
    vec![
        EventBuilder::new(ids::OPENAT_2_E)
            .tid(42)
            .ts(1_000)
            .i64(-100)
            .str("/etc/shadow")
            .u32(1)
            .u32(0)
            .build(),
        EventBuilder::new(ids::OPENAT_2_X)
            .tid(42)
            .ts(2_000)
            .i64(3)
            .i64(-100)
            .str("/etc/shadow")
            .u32(1)
            .u32(0)
            .u32(0x803)
            .build(),
        EventBuilder::new(ids::CLOSE_E)
            .tid(42)
            .ts(3_000)
            .i64(3)
            .build(),
        EventBuilder::new(ids::CLOSE_X)
            .tid(42)
            .ts(4_000)
            .i64(0)
            .build(),
    ]
}

#[test]
fn written_captures_read_back_identically() {
    let events = sample_events();
    let mut w = ScapWriter::new(Vec::new(), "palisade-test", 2).expect("writer");
    let mut src = MemorySource::new(events.clone());
    while let Some(e) = src.next_event(&mut ()).expect("infallible") {
        w.write_event(&e).expect("write");
    }
    let bytes = w.finish().expect("finish");
    let (back, err) = read_all(from_bytes(bytes));
    assert!(err.is_none(), "{err:?}");
    assert_eq!(back, events);
}

#[test]
fn sysdig_accepts_written_captures() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("written.scap");
    let mut w = ScapWriter::new(
        std::fs::File::create(&path).expect("create"),
        "palisade-test",
        2,
    )
    .expect("writer");
    let mut t = palisade_event::ThreadInfo::new(42);
    t.comm = "cat".into();
    t.exe = "cat".into();
    t.exepath = "/usr/bin/cat".into();
    t.cwd = "/root/".into();
    t.ptid = 1;
    w.write_threads([&t]).expect("threads");
    for e in sample_events() {
        w.write_event(&e.as_event(0)).expect("write");
    }
    w.finish().expect("finish");
    let out = Command::new("sysdig")
        .arg("-r")
        .arg(&path)
        .arg("-p")
        .arg("*%evt.num %evt.type %evt.dir %thread.tid %proc.name %fd.name %evt.arg.flags")
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run sysdig ({e}): install it with `apt-get install -y --no-install-recommends sysdig`")
        });
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "sysdig failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "1 openat > 42 cat <NA> O_RDONLY",
            "2 openat < 42 cat /etc/shadow O_RDONLY",
            "3 close > 42 cat /etc/shadow <NA>",
            "4 close < 42 cat /etc/shadow <NA>",
        ]
    );
}

#[test]
fn large_and_flagged_event_blocks() {
    // A container event with 32-bit parameter lengths (EV_V2_LARGE), written and read back.
    let json = format!(
        r#"{{"container":{{"id":"abcdef012345","name":"big","image":"x","env":["{}"]}}}}"#,
        "A".repeat(70_000)
    );
    let mut data = json.into_bytes();
    data.push(0);
    let big = OwnedEvent {
        ts: 5,
        tid: -1,
        cpu: 0,
        kind: ids::CONTAINER_JSON_2_E,
        flags: 0,
        lens: u32::try_from(data.len())
            .expect("fits")
            .to_le_bytes()
            .to_vec(),
        data,
        wide: true,
    };
    let mut w = ScapWriter::new(Vec::new(), "h", 1).expect("writer");
    w.write_event(&big.as_event(1)).expect("write");
    let mut bytes = w.finish().expect("finish");

    // A flagged v2 block (EVF_V2): cpu, 32-bit flags, then the event.
    let ev = EventBuilder::new(ids::CLOSE_E).tid(9).ts(6).i64(3).build();
    let mut body = Vec::new();
    body.extend(1u16.to_le_bytes());
    body.extend(0x10u32.to_le_bytes());
    body.extend(ev.ts.to_le_bytes());
    body.extend(ev.tid.to_le_bytes());
    body.extend((26u32 + 2 + 8).to_le_bytes());
    body.extend(ev.kind.to_le_bytes());
    body.extend(1u32.to_le_bytes());
    body.extend(&ev.lens);
    body.extend(&ev.data);
    while body.len() % 4 != 0 {
        body.push(0);
    }
    let total = u32::try_from(body.len() + 12).expect("fits");
    bytes.extend(0x217u32.to_le_bytes());
    bytes.extend(total.to_le_bytes());
    bytes.extend(&body);
    bytes.extend(total.to_le_bytes());

    let mut r = from_bytes(bytes);
    let mut state = Inspector::new();
    let e = r.next_event(&mut state).expect("ok").expect("large event");
    assert_eq!(e.name(), "container");
    assert_eq!(e.params.get(0).map(<[u8]>::len), Some(big.data.len()));
    state.process(&e);
    assert_eq!(
        state.container("abcdef012345").map(|c| c.name.as_str()),
        Some("big")
    );
    let e = r
        .next_event(&mut state)
        .expect("ok")
        .expect("flagged event");
    assert_eq!(
        (e.name(), e.cpu, e.flags, e.fd_arg()),
        ("close", 1, 0x10, Some(3))
    );
    assert!(r.next_event(&mut state).expect("clean end").is_none());
}

#[test]
fn corrupted_captures_never_panic() {
    let bytes =
        std::fs::read(shared().join("scap/test_ipv6_client.raw.scap")).expect("sample capture");
    // A deterministic xorshift drives the corruptions.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for _ in 0..300 {
        let mut b = bytes.clone();
        for _ in 0..(next() % 8 + 1) {
            let i = (next() % b.len() as u64) as usize;
            b[i] = (next() & 0xff) as u8;
        }
        if next() % 4 == 0 {
            let cut = (next() % b.len() as u64) as usize;
            b.truncate(cut);
        }
        let Ok(r) = ScapReader::from_read(Cursor::new(b), "corrupt.scap") else {
            continue;
        };
        let mut r = r.with_max_block(1 << 20);
        let mut state = Inspector::new();
        let mut s = String::new();
        while let Ok(Some(e)) = r.next_event(&mut state) {
            state.process(&e);
            s.clear();
            for i in 0..e.nparams() {
                if let Some((info, v)) = e.param(i) {
                    s.push_str(&v.display(info.format).to_string());
                }
            }
            let _ = e.name();
        }
    }
}

/// Hands out at most a few bytes per read, so that no block lies whole in the reader's buffer
/// and every event takes the copying path.
struct Trickle {
    bytes: Vec<u8>,
    pos: usize,
}

impl std::io::Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let step = 1 + self.pos % 7;
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        let n = step.min(rest.len()).min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.pos += n;
        Ok(n)
    }
}

#[test]
fn events_read_in_place_equal_events_read_piecewise() {
    let path = shared().join("scap/curl_google.raw.scap");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let (whole, e1) = read_all(from_bytes(bytes.clone()));
    let (piecewise, e2) = read_all(ScapReader::new(
        std::io::BufReader::new(Trickle { bytes, pos: 0 }),
        "trickle",
    ));
    assert!(e1.is_none() && e2.is_none(), "{e1:?} {e2:?}");
    assert!(whole.len() > 1000);
    assert_eq!(whole, piecewise);
}

/// `(number, type)` of every event, reading with `interest` (everything when None).
fn numbered(
    r: &mut ScapReader<impl std::io::BufRead>,
    interest: Option<&EventMask>,
) -> Vec<(u64, u16)> {
    if let Some(m) = interest {
        r.set_interest(m);
    }
    let mut out = Vec::new();
    while let Some(e) = r.next_event(&mut ()).unwrap_or_else(|e| panic!("{e}")) {
        out.push((e.num, e.kind));
    }
    out
}

#[test]
fn skipped_events_keep_their_numbers() {
    for name in ["inspect_502Error", "curl_google", "test_ipv6_client"] {
        let path = shared().join(format!("scap/{name}.scap"));
        let all = numbered(&mut ScapReader::open(&path).expect("opens"), None);
        let mut interest = Inspector::interest();
        interest.remove(ids::OPEN_E);
        let mut r = ScapReader::open(&path).expect("opens");
        let some = numbered(&mut r, Some(&interest));
        let expected: Vec<_> = all
            .iter()
            .copied()
            .filter(|&(_, k)| interest.contains(k))
            .collect();
        assert_eq!(some, expected, "{name}");
        let skipped = all.len() - some.len();
        assert_eq!(r.stats().skipped_uninteresting, skipped as u64, "{name}");
        assert!(skipped > 0, "{name}: nothing was skipped");
        assert!(
            all.iter().any(|&(_, k)| k == ids::PROCINFO_E),
            "{name}: expected CPU usage samples in the capture"
        );
    }
    // The same through the slow path, where blocks are read piecewise.
    // (This capture is not gzip-wrapped: `ScapReader::new` takes it as it is.)
    let bytes = std::fs::read(shared().join("scap/inspect_502Error.scap")).expect("capture");
    let mut piecewise = ScapReader::new(
        std::io::BufReader::with_capacity(16, Cursor::new(bytes.clone())),
        "small buffer",
    );
    let mut whole = from_bytes(bytes);
    let interest = Inspector::interest();
    assert_eq!(
        numbered(&mut piecewise, Some(&interest)),
        numbered(&mut whole, Some(&interest))
    );
}
