//! A fixed-rate load generator for the webhook: RATE requests per second for SECONDS over
//! HTTPS keep-alive connections (one per thread), a tenth of them malformed; prints p50, p99
//! and max latency and counts wrong answers (a malformed body not refused with 400, a pod
//! decided other than expected).
//!
//! Usage: load URL CA.pem RATE SECONDS

use std::sync::Arc;
use std::time::{Duration, Instant};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, ca, rate, seconds] = args.as_slice() else {
        return Err("usage: load URL CA.pem RATE SECONDS".into());
    };
    let rate: u64 = rate.parse()?;
    let seconds: u64 = seconds.parse()?;
    let ca = ureq::tls::Certificate::from_pem(&std::fs::read(ca)?)?.to_owned();
    let threads = 10u64;
    let per_thread = rate / threads;
    let interval = Duration::from_secs_f64(1.0 / per_thread as f64);
    let good = br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"group":"","version":"v1","kind":"Pod"},"namespace":"default","operation":"CREATE","userInfo":{"username":"load"},"object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"busybox:1.36"}]}}}}"#.to_vec();
    let bad = br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"#
        .to_vec();
    let (good, bad) = (Arc::new(good), Arc::new(bad));
    let mut handles = Vec::new();
    let start = Instant::now() + Duration::from_millis(200);
    for t in 0..threads {
        let (url, ca, good, bad) = (url.clone(), ca.clone(), good.clone(), bad.clone());
        handles.push(std::thread::spawn(move || {
            let tls = ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![ca])))
                .build();
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .tls_config(tls)
                .http_status_as_error(false)
                .timeout_global(Some(Duration::from_secs(5)))
                .build()
                .into();
            let mut latencies = Vec::new();
            let mut wrong = 0u64;
            let total = per_thread * seconds;
            for i in 0..total {
                let due = start
                    + interval.mul_f64(i as f64)
                    + interval.mul_f64(t as f64 / threads as f64);
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                let malformed = (i + t) % 10 == 0;
                let body: &[u8] = if malformed { &bad } else { &good };
                let sent = Instant::now();
                let result = agent
                    .post(&url)
                    .header("Content-Type", "application/json")
                    .send(body);
                // Latency from when the request was due, so a stall is not hidden.
                latencies.push(
                    Instant::now()
                        .duration_since(due.max(start))
                        .max(sent.elapsed()),
                );
                match result {
                    Ok(mut r) => {
                        let status = r.status().as_u16();
                        let text = r.body_mut().read_to_string().unwrap_or_default();
                        let right = if malformed {
                            status == 400
                        } else {
                            status == 200 && text.contains("\"allowed\":true")
                        };
                        if !right {
                            wrong += 1;
                        }
                    }
                    Err(_) => wrong += 1,
                }
            }
            (latencies, wrong)
        }));
    }
    let mut all = Vec::new();
    let mut wrong = 0;
    for h in handles {
        let (l, w) = h.join().map_err(|_| "a load thread panicked")?;
        all.extend(l);
        wrong += w;
    }
    all.sort();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    println!(
        "{} requests at {rate}/s for {seconds} s (10% malformed): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms, {wrong} wrong answers",
        all.len(),
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        all.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    Ok(())
}
