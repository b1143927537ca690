//! Every sample capture of `../shared/scap` is read completely and, event by event, agrees
//! with Debian's `sysdig` on `evt.num evt.type evt.dir thread.tid proc.name fd.name`, and on
//! `container.id container.image user.name`.
//!
//! Needs `sysdig` (`apt-get install -y --no-install-recommends sysdig`, or
//! `../shared/tools/install-peers.sh`): the test fails, saying so, when it is missing.

use std::io::{BufReader, Cursor, Read};
use std::path::{Path, PathBuf};
use std::process::Command;

use palisade_event::{EventSource, Inspector};
use palisade_scap::{ScapReader, display};

const FORMAT: &str = "*%evt.num %evt.type %evt.dir %thread.tid %proc.name %fd.name %container.id %container.image %user.name";

fn shared() -> PathBuf {
    match std::env::var_os("PALISADE_SHARED") {
        Some(p) => PathBuf::from(p),
        None => Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("../shared"),
    }
}

fn captures() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["scap", "scap/falco-traces"] {
        let dir = shared().join(dir);
        let entries =
            std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
        for e in entries {
            let p = e.expect("directory entry").path();
            if p.extension().is_some_and(|x| x == "scap") {
                out.push(p);
            }
        }
    }
    out.sort();
    assert!(
        out.len() >= 15,
        "expected the sample captures in {}",
        shared().join("scap").display()
    );
    out
}

fn sysdig(path: &Path) -> Result<Vec<String>, String> {
    let out = Command::new("sysdig")
        .arg("-r")
        .arg(path)
        .arg("-p")
        .arg(FORMAT)
        .output()
        .map_err(|e| {
            format!(
                "cannot run sysdig ({e}): install it with `apt-get install -y --no-install-recommends sysdig` \
                 or ../shared/tools/install-peers.sh"
            )
        })?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() || stderr.contains("Could not initialize reader") {
        return Err(format!("sysdig failed on {}: {stderr}", path.display()));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect())
}

fn ours(path: &Path) -> Vec<String> {
    let mut reader = ScapReader::open(path).unwrap_or_else(|e| panic!("{e}"));
    let mut state = Inspector::new();
    let mut lines = Vec::new();
    while let Some(evt) = reader
        .next_event(&mut state)
        .unwrap_or_else(|e| panic!("{e}"))
    {
        state.process(&evt);
        if display::sysdig_shows(&evt) {
            let mut line = String::new();
            display::write_line(&mut line, &evt, &state);
            display::write_context(&mut line, &evt, &state);
            lines.push(line);
        }
    }
    lines
}

/// Differences explained by the reference implementation's own behaviour, not ours:
/// - a failed `accept` exit: sysdig prints its empty tuple as the placeholder `NULL`; we report
///   no fd;
/// - `sendmsg` on a UDP socket inherited from the capture's fd table: sysdig 0.29 reads the
///   server-socket address as if it were a tuple and prints bytes of unrelated memory
///   (`192.168.128.156:55441->145.216.3.255:514` for a socket bound to `0.0.0.0:55441` sending
///   to `127.0.0.1:514`); we keep the bound address.
fn explained(theirs: &str, mine: &str) -> bool {
    // fd.name may hold spaces: split the three context fields off the end first.
    let (Some((theirs, t_ctx)), Some((mine, m_ctx))) = (split_context(theirs), split_context(mine))
    else {
        return false;
    };
    let t: Vec<&str> = theirs.splitn(6, ' ').collect();
    let m: Vec<&str> = mine.splitn(6, ' ').collect();
    if t.len() != 6 || m.len() != 6 || t[..5] != m[..5] || t_ctx != m_ctx {
        return false;
    }
    (t[1] == "accept" && t[2] == "<" && t[5] == "NULL" && m[5] == "<NA>")
        || (t[1] == "sendmsg"
            && t[5].starts_with("192.168.128.156:55441->")
            && m[5] == "0.0.0.0:55441")
}

fn split_context(line: &str) -> Option<(&str, &str)> {
    let mut idx = line.len();
    for _ in 0..3 {
        idx = line[..idx].rfind(' ')?;
    }
    Some((&line[..idx], &line[idx..]))
}

#[test]
fn every_sample_capture_agrees_with_sysdig() {
    let mut report = Vec::new();
    let mut compared = 0;
    for path in captures() {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let mine = ours(&path);
        let theirs = match sysdig(&path) {
            Ok(t) => t,
            Err(e) if e.starts_with("cannot run sysdig") => panic!("{e}"),
            Err(e) => {
                // sysdig 0.29 cannot read a section header carrying pcapng options (the
                // `_comments` captures); they hold the same events as their plain twins.
                let twin = path.with_file_name(name.replace("_comments", ""));
                assert_ne!(twin, path, "{e}");
                sysdig(&twin).unwrap_or_else(|e| panic!("{e}"))
            }
        };
        assert_eq!(
            mine.len(),
            theirs.len(),
            "{name}: {} events shown by us, {} by sysdig",
            mine.len(),
            theirs.len()
        );
        let mut unexplained = 0;
        let mut explained_n = 0;
        for (t, m) in theirs.iter().zip(&mine) {
            if t != m {
                if explained(t, m) {
                    explained_n += 1;
                } else {
                    unexplained += 1;
                    if unexplained <= 5 {
                        report.push(format!("{name}:\n  sysdig: {t}\n  ours:   {m}"));
                    }
                }
            }
        }
        if unexplained > 5 {
            report.push(format!("{name}: {} more differences", unexplained - 5));
        }
        if explained_n > 0 {
            eprintln!("{name}: {explained_n} lines differ for documented reasons");
        }
        compared += mine.len();
    }
    assert!(
        report.is_empty(),
        "differences with sysdig:\n{}",
        report.join("\n")
    );
    assert!(compared > 15_000, "compared only {compared} events");
}

/// A reader over `n` copies of `bytes`, as `cat f f f … > big.scap` would give.
struct Repeat {
    bytes: Vec<u8>,
    left: usize,
    cur: Cursor<Vec<u8>>,
}

impl Read for Repeat {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let n = self.cur.read(buf)?;
            if n > 0 || self.left == 0 {
                return Ok(n);
            }
            self.left -= 1;
            self.cur = Cursor::new(self.bytes.clone());
        }
    }
}

#[test]
fn concatenated_captures_read_as_one() {
    let path = shared().join("scap/inspect_502Error.scap");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let copies = 100;
    let input = Repeat {
        bytes: bytes.clone(),
        left: copies - 1,
        cur: Cursor::new(bytes),
    };
    let mut reader = ScapReader::new(BufReader::new(input), "inspect_502Error.scap x100");
    let mut shown = 0u64;
    let mut last_num = 0;
    while let Some(evt) = reader.next_event(&mut ()).unwrap_or_else(|e| panic!("{e}")) {
        assert_eq!(evt.num, last_num + 1);
        last_num = evt.num;
        if display::sysdig_shows(&evt) {
            shown += 1;
        }
    }
    // sysdig shows 9,478 events of the single capture, 947,800 of 100 copies.
    assert_eq!(shown, 947_800);
    assert_eq!(reader.stats().sections, copies as u64);
}
