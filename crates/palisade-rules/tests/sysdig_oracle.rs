//! The oracle: for every sample capture and every filter below, the event numbers palisade
//! matches equal those of `sysdig -r FILE -p %evt.num FILTER` (Debian's sysdig 0.29).
//!
//! Needs `sysdig` on PATH (`apt-get install -y --no-install-recommends sysdig`, or
//! `../shared/tools/install-peers.sh`) and the shared captures in `../shared/scap`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use palisade_event::{EventSource, Inspector};
use palisade_rules::ruleset::{Ruleset, compile_filter};
use palisade_rules::syscall::{SyscallEvent, SyscallTable};
use palisade_rules::{Engine, Rule};

/// Filters in the subset of the language sysdig 0.29 understands: every comparison operator,
/// `in`, `exists`, `and`, `or`, `not` and parentheses.
const FILTERS: &[&str] = &[
    "evt.type=open",
    "evt.type=socket",
    "evt.type=execve and evt.dir=<",
    "evt.type in (open, openat, close)",
    "evt.type!=read and evt.type!=write and evt.dir=>",
    "proc.name=curl",
    "proc.name=curl and evt.type=connect",
    "proc.name!=curl and evt.type=close",
    "proc.name in (curl, bash, sh, nginx, haproxy, cat, ping)",
    "evt.num<300",
    "evt.num<=250 and evt.num>=220",
    "evt.num>1200 and evt.type=read",
    "fd.name contains /etc",
    "fd.name icontains ETC",
    "fd.name startswith /usr/lib",
    "fd.name endswith .so.6",
    "fd.name glob '/etc/*'",
    "fd.name glob '/lib/*/lib?.so*'",
    "fd.name pmatch (/etc, /usr/lib)",
    "fd.name exists and evt.type in (open, read)",
    "(not evt.type=read) and proc.name=curl",
    "not (evt.type=read or evt.type=write or evt.type=close)",
    "(evt.type=connect or evt.type=accept) and evt.dir=<",
    "fd.typechar=4",
    "fd.typechar=6 and evt.dir=<",
    "fd.type=ipv4 or fd.type=unix",
    "fd.sport=80",
    "fd.cport>1024 and evt.type=connect",
    "fd.l4proto=tcp and evt.dir=<",
    "evt.rawres<0",
    "evt.res=ENOENT",
    "evt.failed=true and evt.type=open",
    "evt.arg.flags contains O_RDONLY",
    "evt.arg.name startswith /etc",
    "proc.cmdline contains google",
    "proc.args contains www",
    "proc.exe contains curl",
    "proc.pid>0 and evt.type=execve",
    "thread.tid exists and evt.type=brk",
    "fd.directory=/etc",
    "fd.filename=passwd or fd.filename=ld.so.cache",
    "fd.num>=3 and evt.type=write",
    "container.id!=host and evt.type=execve",
    "container.image.repository exists and evt.type=execve",
    "user.uid=4294967295",
    "user.uid=0",
    "user.uid!=0 and evt.type=read",
    "fd.num<3 and evt.type in (read, write)",
    "fd.num=1 and fd.name exists",
    "fd.num=2 and fd.typechar=f",
    "fd.num<3 and fd.name=''",
    "proc.name=haproxy and fd.typechar=4",
    "fd.typechar=o and evt.dir=<",
    "proc.name=haproxy and fd.num=8 and fd.name exists",
    "proc.name=haproxy and fd.num in (0, 1) and fd.sport=80",
    "fd.num=4 and fd.name exists",
];

/// sysdig's matches per (capture, filter), or its error.
type SysdigResults = BTreeMap<(usize, usize), Result<Vec<u64>, String>>;

fn shared() -> PathBuf {
    match std::env::var_os("PALISADE_SHARED") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")),
    }
}

fn captures() -> Vec<PathBuf> {
    let dir = shared().join("scap");
    let mut out = Vec::new();
    for d in [dir.clone(), dir.join("falco-traces")] {
        let entries = std::fs::read_dir(&d).unwrap_or_else(|e| {
            panic!("reading {}: {e} (the shared captures must be beside the repo, or set PALISADE_SHARED)", d.display())
        });
        for e in entries.flatten() {
            let p = e.path();
            // `X.raw.scap` is `X.scap` without the gzip wrapping: the same events.
            let raw = p.to_string_lossy().ends_with(".raw.scap");
            if p.extension().is_some_and(|x| x == "scap") && !raw {
                out.push(p);
            }
        }
    }
    out.sort();
    assert!(
        out.len() >= 12,
        "expected the sample captures in {}",
        dir.display()
    );
    out
}

/// Each filter is a one-rule engine, as in `palisade detect --filter`, and reads the capture on
/// its own with the source told to skip what neither the state nor the filter needs: sysdig,
/// which reads and tests everything, checks that nothing needed was skipped or left unvisited.
fn palisade_matches(path: &Path, filters: &[Rule]) -> Vec<Vec<u64>> {
    filters
        .iter()
        .map(|f| {
            let one = Ruleset {
                rules: vec![f.clone()],
                ..Ruleset::default()
            };
            let (mut engine, _) = Engine::new(&one, &SyscallTable);
            let mut interest = Inspector::interest();
            for k in engine.syscall_kinds() {
                interest.insert(k);
            }
            let mut src = palisade_scap::ScapReader::open(path)
                .unwrap_or_else(|e| panic!("opening {}: {e}", path.display()));
            src.set_interest(&interest);
            let mut insp = Inspector::new();
            let mut out = Vec::new();
            while let Some(evt) = src
                .next_event(&mut insp)
                .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
            {
                insp.process(&evt);
                if !palisade_scap::display::sysdig_shows(&evt) {
                    continue;
                }
                let ctx = SyscallEvent::new(&evt, &insp, "");
                let mut hit = false;
                engine.eval_syscall(evt.kind, &ctx, |_| hit = true);
                if hit {
                    out.push(evt.num);
                }
            }
            out
        })
        .collect()
}

fn sysdig_matches(path: &Path, filter: &str) -> Result<Vec<u64>, String> {
    let out = Command::new("sysdig")
        .arg("-r")
        .arg(path)
        .args(["-p", "%evt.num", filter])
        .output()
        .map_err(|e| format!("running sysdig: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect())
}

#[test]
fn filters_match_sysdig_on_every_capture() {
    if Command::new("sysdig").arg("--version").output().is_err() {
        panic!(
            "sysdig is missing: this oracle test needs Debian's sysdig \
             (apt-get install -y --no-install-recommends sysdig, or ../shared/tools/install-peers.sh)"
        );
    }
    let filters: Vec<Rule> = FILTERS
        .iter()
        .map(|f| {
            compile_filter(f).unwrap_or_else(|d| panic!("filter {f:?} does not compile: {d:?}"))
        })
        .collect();
    let caps = captures();
    // sysdig mostly waits, so run many at once.
    let jobs: Vec<(usize, usize)> = (0..caps.len())
        .flat_map(|c| (0..FILTERS.len()).map(move |f| (c, f)))
        .collect();
    let results: Mutex<SysdigResults> = Mutex::new(BTreeMap::new());
    let next = Mutex::new(0usize);
    std::thread::scope(|s| {
        for _ in 0..24 {
            s.spawn(|| {
                loop {
                    let job = {
                        let mut n = next.lock().expect("lock");
                        let j = jobs.get(*n).copied();
                        *n += 1;
                        j
                    };
                    let Some((c, f)) = job else { break };
                    let m = sysdig_matches(&caps[c], FILTERS[f]);
                    results.lock().expect("lock").insert((c, f), m);
                }
            });
        }
    });
    let results = results.into_inner().expect("lock");
    let mut failures = Vec::new();
    let mut compared = 0;
    let mut nonempty = vec![0usize; FILTERS.len()];
    let mut unreadable = Vec::new();
    for (c, cap) in caps.iter().enumerate() {
        // A capture sysdig itself cannot open has no oracle (palisade reads it regardless).
        if let Some(Err(e)) = results.get(&(c, 0)) {
            if e.contains("Could not initialize reader") {
                unreadable.push(cap.display().to_string());
                continue;
            }
        }
        let ours = palisade_matches(cap, &filters);
        for (f, filter) in FILTERS.iter().enumerate() {
            let theirs = match &results[&(c, f)] {
                Ok(t) => t,
                Err(e) => {
                    failures.push(format!(
                        "sysdig failed on {} with {filter:?}: {e}",
                        cap.display()
                    ));
                    continue;
                }
            };
            compared += 1;
            if !theirs.is_empty() {
                nonempty[f] += 1;
            }
            if &ours[f] != theirs {
                let only_ours: Vec<u64> = ours[f]
                    .iter()
                    .filter(|n| !theirs.contains(n))
                    .take(5)
                    .copied()
                    .collect();
                let only_theirs: Vec<u64> = theirs
                    .iter()
                    .filter(|n| !ours[f].contains(n))
                    .take(5)
                    .copied()
                    .collect();
                failures.push(format!(
                    "{} {filter:?}: palisade {} events, sysdig {}; only palisade: {only_ours:?}, only sysdig: {only_theirs:?}",
                    cap.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                    ours[f].len(),
                    theirs.len()
                ));
            }
        }
    }
    assert!(unreadable.len() <= 2, "sysdig cannot read {unreadable:?}");
    if !unreadable.is_empty() {
        eprintln!("not compared (sysdig cannot read them): {unreadable:?}");
    }
    assert!(
        failures.is_empty(),
        "{} of {compared} comparisons differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Every filter matched something somewhere, so no comparison is vacuous.
    let vacuous: Vec<&str> = FILTERS
        .iter()
        .zip(&nonempty)
        .filter(|(_, n)| **n == 0)
        .map(|(f, _)| *f)
        .collect();
    assert!(
        vacuous.is_empty(),
        "filters matching nothing on any capture: {vacuous:?}"
    );
}
