//! `palisade detect` end to end: captures with the upstream rules, Kubernetes audit files, the
//! audit webhook listener and the alert webhook (servers on 127.0.0.1 started by the test).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_palisade"))
}

fn shared() -> PathBuf {
    match std::env::var_os("PALISADE_SHARED") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")),
    }
}

const K8S_RULES: &str = r#"
- list: trusted_images
  items: [registry.k8s.io/pause]
- rule: Create Privileged Pod
  desc: a pod with a privileged container was created
  source: k8s_audit
  condition: >
    ka.verb = create and ka.target.resource = pods
    and ka.req.pod.containers.privileged intersects (true)
    and not ka.req.pod.containers.image.repository in (trusted_images)
  output: Pod started with privileged container (user=%ka.user.name pod=%ka.target.name ns=%ka.target.namespace images=%ka.req.pod.containers.image)
  priority: WARNING
  tags: [k8s]
"#;

const AUDIT: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a1","stage":"ResponseComplete","verb":"create","user":{"username":"alice"},"objectRef":{"resource":"pods","namespace":"default","name":"evil"},"requestObject":{"spec":{"containers":[{"image":"nginx:1.25","securityContext":{"privileged":true}}]}},"stageTimestamp":"2024-05-01T10:00:00.000000Z"}
{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a2","stage":"ResponseComplete","verb":"create","user":{"username":"bob"},"objectRef":{"resource":"pods","namespace":"default","name":"fine"},"requestObject":{"spec":{"containers":[{"image":"nginx:1.25"}]}},"stageTimestamp":"2024-05-01T10:00:01.000000Z"}
"#;

fn write_rules(dir: &tempfile::TempDir) -> PathBuf {
    let p = dir.path().join("k8s_rules.yaml");
    std::fs::write(&p, K8S_RULES).expect("write rules");
    p
}

#[test]
fn k8s_audit_file_raises_falco_json_alert() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = write_rules(&dir);
    let audit = dir.path().join("audit.jsonl");
    std::fs::write(&audit, AUDIT).expect("write audit");
    let out = bin()
        .args(["detect", "--json", "--hostname", "h1", "-r"])
        .arg(&rules)
        .arg("--k8s-audit")
        .arg(&audit)
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), 1);
    let a = &lines[0];
    assert_eq!(a["rule"], "Create Privileged Pod");
    assert_eq!(a["priority"], "Warning");
    assert_eq!(a["source"], "k8s_audit");
    assert_eq!(a["hostname"], "h1");
    assert_eq!(a["time"], "2024-05-01T10:00:00.000000000Z");
    assert_eq!(a["output_fields"]["ka.user.name"], "alice");
    assert_eq!(
        a["output"],
        "10:00:00.000000000: Warning Pod started with privileged container (user=alice pod=evil ns=default images=nginx:1.25)"
    );
}

#[test]
fn audit_webhook_listener_and_alert_webhook() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = write_rules(&dir);
    // The alert receiver: fails the first attempt, accepts the retry.
    let receiver = TcpListener::bind("127.0.0.1:0").expect("bind");
    let hook = format!("http://{}/alerts", receiver.local_addr().expect("addr"));
    let received = std::thread::spawn(move || {
        let mut bodies = Vec::new();
        for (i, s) in receiver.incoming().take(2).enumerate() {
            let mut s = s.expect("accept");
            let mut r = BufReader::new(s.try_clone().expect("clone"));
            let mut len = 0;
            let mut line = String::new();
            loop {
                line.clear();
                r.read_line(&mut line).expect("read");
                if line.trim().is_empty() {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().expect("length");
                }
            }
            let mut body = vec![0; len];
            r.read_exact(&mut body).expect("body");
            let status = if i == 0 {
                "503 Service Unavailable"
            } else {
                "200 OK"
            };
            write!(s, "HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n").expect("respond");
            bodies.push(String::from_utf8(body).expect("utf8"));
        }
        bodies
    });
    // The audit webhook palisade listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let addr = format!("127.0.0.1:{port}");
    let child = bin()
        .args([
            "detect",
            "--slack",
            "--webhook",
            &hook,
            "--max-requests",
            "1",
            "--k8s-audit-listen",
            &addr,
            "-r",
        ])
        .arg(&rules)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let items: Vec<serde_json::Value> = AUDIT
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let body =
        serde_json::json!({"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "items": items})
            .to_string();
    let mut conn = None;
    for _ in 0..100 {
        match TcpStream::connect(&addr) {
            Ok(c) => {
                conn = Some(c);
                break;
            }
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    let mut conn = conn.expect("palisade did not listen");
    write!(conn, "POST /k8s-audit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len())
        .expect("post");
    let mut resp = String::new();
    conn.read_to_string(&mut resp).expect("response");
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        text.contains("Warning Pod started with privileged container (user=alice"),
        "{text}"
    );
    let bodies = received.join().expect("receiver");
    assert_eq!(bodies.len(), 2, "one failed attempt, one retry");
    let slack: serde_json::Value = serde_json::from_str(&bodies[1]).expect("json");
    assert!(
        slack["text"]
            .as_str()
            .expect("text")
            .starts_with("Create Privileged Pod (Warning)")
    );
    assert_eq!(slack["attachments"][0]["color"], "warning");
}

#[test]
fn capture_replay_with_upstream_rules() {
    let falco = shared().join("falco");
    let out = bin()
        .args(["detect", "--json", "--hostname", "h", "-r"])
        .arg(falco.join("falco_rules.yaml"))
        .arg(falco.join("falco-incubating_rules.yaml"))
        .arg(falco.join("falco-sandbox_rules.yaml"))
        .arg("--capture")
        .arg(shared().join("scap/test_ipv6_client.scap"))
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rules: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).expect("json")["rule"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    assert_eq!(rules, ["Unexpected UDP Traffic", "Unexpected UDP Traffic"]);
    // One alert per rule at most, with a slow refill.
    let limited = bin()
        .args(["detect", "--rate-limit", "0.001", "--rate-burst", "1", "-r"])
        .arg(falco.join("falco-incubating_rules.yaml"))
        .arg("--capture")
        .arg(shared().join("scap/test_ipv6_client.scap"))
        .output()
        .expect("run");
    assert_eq!(String::from_utf8_lossy(&limited.stdout).lines().count(), 1);
}

#[test]
fn filter_prints_matching_event_numbers() {
    let cap = shared().join("scap/test_ipv6_client.scap");
    let out = bin()
        .args(["detect", "--filter", "evt.type=connect"])
        .arg("--capture")
        .arg(&cap)
        .output()
        .expect("run");
    let nums: Vec<u64> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.parse().expect("num"))
        .collect();
    assert!(!nums.is_empty());
    let bad = bin()
        .args(["detect", "--filter", "evt.type = "])
        .arg("--capture")
        .arg(&cap)
        .output()
        .expect("run");
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("<filter>:1:12"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

#[test]
fn bad_audit_lines_are_skipped_and_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = write_rules(&dir);
    let audit = dir.path().join("audit.jsonl");
    // A broken line between two good ones: the alert after it must still come.
    let mut lines = AUDIT.lines();
    let (good, fine) = (lines.next().expect("line"), lines.next().expect("line"));
    std::fs::write(&audit, format!("{fine}\n{{not json\n{good}\n")).expect("write audit");
    let out = bin()
        .args(["detect", "--json", "-r"])
        .arg(&rules)
        .arg("--k8s-audit")
        .arg(&audit)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("audit.jsonl line 2"),
        "the warning names the file and line: {stderr}"
    );
}

#[test]
fn an_unusable_webhook_ca_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = write_rules(&dir);
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, "no certificate here\n").expect("write");
    let out = bin()
        .args([
            "detect",
            "--webhook",
            "https://127.0.0.1:9/hook",
            "--webhook-ca",
        ])
        .arg(&ca)
        .arg("-r")
        .arg(&rules)
        .arg("--k8s-audit")
        .arg(dir.path().join("missing.jsonl"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("ca.pem"), "{stderr}");
}

#[test]
fn a_rules_directory_is_read_in_name_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules_d = dir.path().join("rules.d");
    std::fs::create_dir(&rules_d).expect("mkdir");
    std::fs::write(rules_d.join("00-base.yaml"), K8S_RULES).expect("write");
    // Loaded second: raises the rule's priority, which only works after the rule exists.
    std::fs::write(
        rules_d.join("10-local.yaml"),
        "- rule: Create Privileged Pod\n  priority: CRITICAL\n  override:\n    priority: replace\n",
    )
    .expect("write");
    std::fs::write(rules_d.join("README.md"), "not rules").expect("write");
    let audit = dir.path().join("audit.jsonl");
    std::fs::write(&audit, AUDIT).expect("write audit");
    let out = bin()
        .args(["detect", "--json", "-r"])
        .arg(&rules_d)
        .arg("--k8s-audit")
        .arg(&audit)
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let alert: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).expect("one alert");
    assert_eq!(alert["priority"], "Critical");
}

/// One scap block: type, total length, body padded to 4 bytes, total length.
fn scap_block(kind: u32, body: &[u8]) -> Vec<u8> {
    let pad = (4 - body.len() % 4) % 4;
    let total = (12 + body.len() + pad) as u32;
    let mut b = Vec::with_capacity(total as usize);
    b.extend_from_slice(&kind.to_le_bytes());
    b.extend_from_slice(&total.to_le_bytes());
    b.extend_from_slice(body);
    b.resize(b.len() + pad, 0);
    b.extend_from_slice(&total.to_le_bytes());
    b
}

#[test]
fn issue_14_a_capture_of_400000_threads_is_read_in_bounded_memory() {
    // Each thread enters openat with a kilobyte path and never leaves it: a few megabytes of
    // gzip that once made the state keep every thread and every enter event (over a GiB).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("threads.scap.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&path).unwrap(),
        flate2::Compression::fast(),
    );
    let mut header = 0x1A2B_3C4Du32.to_le_bytes().to_vec();
    header.extend_from_slice(&1u16.to_le_bytes());
    header.extend_from_slice(&2u16.to_le_bytes());
    header.extend_from_slice(&(-1i64).to_le_bytes());
    gz.write_all(&scap_block(0x0A0D_0D0A, &header)).unwrap();
    let name = format!("/tmp/{}\0", "x".repeat(1000));
    let params: [&[u8]; 4] = [
        &(-100i64).to_le_bytes(),
        name.as_bytes(),
        &0u32.to_le_bytes(),
        &0u32.to_le_bytes(),
    ];
    let lens: Vec<u8> = params
        .iter()
        .flat_map(|p| (p.len() as u16).to_le_bytes())
        .collect();
    let data: Vec<u8> = params.concat();
    let event_len = (26 + lens.len() + data.len()) as u32;
    for i in 0..400_000u64 {
        let mut body = 0u16.to_le_bytes().to_vec(); // cpu
        body.extend_from_slice(&(1_700_000_000_000_000_000 + i).to_le_bytes());
        body.extend_from_slice(&(100_000 + i).to_le_bytes()); // tid
        body.extend_from_slice(&event_len.to_le_bytes());
        body.extend_from_slice(&306u16.to_le_bytes()); // openat enter
        body.extend_from_slice(&4u32.to_le_bytes());
        body.extend_from_slice(&lens);
        body.extend_from_slice(&data);
        gz.write_all(&scap_block(0x216, &body)).unwrap();
    }
    gz.finish().unwrap();
    let out = bin()
        .args(["detect", "--capture"])
        .arg(&path)
        .args(["--filter", "evt.type=close"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let usage =
        nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN).unwrap();
    assert!(usage.max_rss() < 512 * 1024, "peak {} KiB", usage.max_rss());
}
