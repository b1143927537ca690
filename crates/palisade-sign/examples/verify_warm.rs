//! Times `verify_located` on one registry connection kept warm, as a long-running verifier
//! (the admission webhook) would call it: `verify_warm REGISTRY/REPO:TAG KEY.pub [RUNS]`.
//! Prints the mean, median and slowest call in milliseconds, and the signatures found.

use std::time::{Duration, Instant};

use palisade_core::ImageRef;
use palisade_image::Repository;
use palisade_sign::{Located, PublicKey, VerifyOptions, verify_located};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, image, key, rest @ ..] = args.as_slice() else {
        eprintln!("usage: verify_warm REGISTRY/REPO:TAG KEY.pub [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = rest.first().and_then(|r| r.parse().ok()).unwrap_or(200);
    let Ok(ImageRef::Registry(image)) = format!("registry:{image}").parse::<ImageRef>() else {
        eprintln!("{image}: not a registry reference");
        std::process::exit(2);
    };
    let pem = std::fs::read_to_string(key).expect("reading the public key");
    let options = VerifyOptions {
        keys: vec![PublicKey::from_pem(&pem).expect("a P-256 public key")],
        annotations: Default::default(),
        timeout: Duration::from_secs(5),
        credentials: None,
    };
    let store = Repository::connect(&image, None, options.timeout);
    let reference = match &image.reference {
        palisade_core::Reference::Tag(t) => t.clone(),
        palisade_core::Reference::Digest(d) => d.to_string(),
    };
    let located = Located::new(
        Box::new(store),
        &reference,
        &format!("{}/{}", image.host, image.repository),
    );
    let first = verify_located(&located, &options).expect("verification runs");
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let result = verify_located(&located, &options).expect("verification runs");
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(result.signatures.len(), first.signatures.len());
    }
    times.sort_by(f64::total_cmp);
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    println!(
        "verify_located, warm connection, {runs} calls: mean {mean:.2} ms, median {:.2} ms, max {:.2} ms ({} valid signature(s))",
        times[times.len() / 2],
        times[times.len() - 1],
        first.signatures.len()
    );
}
