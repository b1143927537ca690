//! The time exec prevention adds to an allowed `execve`: runs `/bin/true` N times without and
//! with `DenyExec` (the two rules: tmpfs paths and drift), alternating rounds, and prints
//! the means. Needs root. `bench/respond.sh` runs it in release mode.

use std::process::Command;
use std::time::{Duration, Instant};

use palisade_respond::Playbooks;
use palisade_respond::denyexec::{DenyExec, DenyExecOptions};

fn mean_exec(n: u32) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        let ok = Command::new("/bin/true").status().map(|s| s.success());
        assert!(matches!(ok, Ok(true)), "/bin/true failed: {ok:?}");
    }
    start.elapsed() / n
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    let playbooks = Playbooks::parse(
        "bench.yaml",
        b"denyExec:\n  - {name: tmpfs, paths: [\"/dev/shm/**\", \"/tmp/**\"]}\n  - {name: drift, notInImage: true}\n",
    )
    .map_err(|d| d.to_string())?;
    mean_exec(n / 10); // warm up
    let (mut without, mut with) = (Duration::ZERO, Duration::ZERO);
    let rounds = 5;
    let mut stats = None;
    for _ in 0..rounds {
        without += mean_exec(n / rounds);
        let deny = DenyExec::start(
            playbooks.deny_exec.clone(),
            DenyExecOptions::default(),
            |_| {},
        )?;
        with += mean_exec(n / rounds);
        stats = Some(deny.stop());
    }
    let (without, with) = (without / rounds, with / rounds);
    println!(
        "execve of /bin/true, mean of {n}: {:.1} µs without, {:.1} µs with deny-exec: +{:.1} µs per allowed execve",
        without.as_secs_f64() * 1e6,
        with.as_secs_f64() * 1e6,
        (with.saturating_sub(without)).as_secs_f64() * 1e6
    );
    println!("last round: {:?}", stats.unwrap_or_default());
    Ok(())
}
