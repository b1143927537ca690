//! Secret-scanning throughput over a directory tree: every regular file up to 10 MiB is read
//! into memory first, then scanned; prints MB/s of file content scanned (binary files are
//! recognised from their first bytes and counted as skipped, as in an image scan).
//!
//! Usage: cargo run --release -p palisade-secrets --example secret_throughput -- DIR

use std::time::Instant;

fn main() {
    let Some(root) = std::env::args().nth(1) else {
        eprintln!("usage: secret_throughput DIR");
        std::process::exit(2);
    };
    let mut files = Vec::new();
    let mut stack = vec![std::path::PathBuf::from(root)];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() {
                if let Ok(meta) = entry.metadata() {
                    if meta.len() <= 10 << 20 {
                        if let Ok(bytes) = std::fs::read(entry.path()) {
                            files.push(bytes);
                        }
                    }
                }
            }
        }
    }
    let scanner = palisade_secrets::Scanner::new();
    let total: usize = files.iter().map(Vec::len).sum();
    let text: usize = files
        .iter()
        .filter(|f| !palisade_secrets::Scanner::is_binary(f))
        .map(Vec::len)
        .sum();
    let mut best = f64::MAX;
    let mut found = 0;
    for _ in 0..3 {
        let start = Instant::now();
        found = files.iter().map(|f| scanner.scan(f).len()).sum::<usize>();
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!(
        "{} files, {:.1} MB ({:.1} MB text), {found} secrets, best of 3: {:.3} s = {:.0} MB/s of all content, {:.0} MB/s of text",
        files.len(),
        total as f64 / 1e6,
        text as f64 / 1e6,
        best,
        total as f64 / 1e6 / best,
        text as f64 / 1e6 / best
    );
}
