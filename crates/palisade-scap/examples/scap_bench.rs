//! Throughput of the capture reader against sysdig, on one capture concatenated N times
//! (default: `../shared/scap/inspect_502Error.scap` × 100, 947,800 events shown by sysdig).
//!
//! `cargo run --release -p palisade-scap --example scap_bench [FILE] [COPIES]`
//!
//! Prints events/s for parse only, parse + state, and sysdig reading the same file with a
//! filter that matches nothing (it still parses and tracks state), and the ratios.

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use palisade_event::{EventSource, Inspector};
use palisade_scap::ScapReader;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let src = args.next().map_or_else(
        || {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/scap/inspect_502Error.scap"
            ))
        },
        PathBuf::from,
    );
    let copies: usize = args.next().map_or(Ok(100), |a| a.parse())?;
    let bytes = std::fs::read(&src)?;
    let dir = std::env::temp_dir().join(format!("palisade-scap-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("concat.scap");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path)?);
        for _ in 0..copies {
            f.write_all(&bytes)?;
        }
    }
    let size = std::fs::metadata(&path)?.len();
    println!("{} x{copies}: {:.1} MB", src.display(), size as f64 / 1e6);

    // Parse only: every event decoded to its header and parameter table, no state.
    let t = Instant::now();
    let mut reader = ScapReader::open(&path)?;
    let mut n = 0u64;
    let mut bytes_seen = 0u64;
    while let Some(e) = reader.next_event(&mut ())? {
        n += 1;
        bytes_seen += e.params.len() as u64;
    }
    let parse = t.elapsed().as_secs_f64();
    println!(
        "parse only     {n} events in {parse:.3}s = {:.2} M events/s ({bytes_seen} params)",
        n as f64 / parse / 1e6
    );

    // Parse + state machine.
    let t = Instant::now();
    let mut reader = ScapReader::open(&path)?;
    let mut state = Inspector::new();
    let mut n2 = 0u64;
    while let Some(e) = reader.next_event(&mut state)? {
        state.process(&e);
        n2 += 1;
    }
    let full = t.elapsed().as_secs_f64();
    println!(
        "parse + state  {n2} events in {full:.3}s = {:.2} M events/s",
        n2 as f64 / full / 1e6
    );

    // sysdig, same file, a filter matching nothing.
    let t = Instant::now();
    let out = Command::new("sysdig")
        .arg("-r")
        .arg(&path)
        .arg("evt.num=0")
        .output();
    let sd = t.elapsed().as_secs_f64();
    match out {
        Ok(o) if o.status.success() => {
            println!(
                "sysdig         {n} events in {sd:.3}s = {:.2} M events/s",
                n as f64 / sd / 1e6
            );
            println!(
                "ratio: parse only {:.1}x sysdig, parse + state {:.1}x sysdig",
                sd / parse,
                sd / full
            );
        }
        Ok(o) => println!("sysdig failed: {}", String::from_utf8_lossy(&o.stderr)),
        Err(e) => println!("sysdig not run ({e}); install it with `apt-get install sysdig`"),
    }
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
