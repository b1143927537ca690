//! Webhook delivery against endpoints the tests serve on 127.0.0.1: retries after a failure,
//! HTTPS with a private CA (and refused without it), a dead endpoint, a full queue.
//!
//! The HTTPS test makes its certificates with the `openssl` command.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use palisade_alert::{Format, Outputs, Payload, Webhook, WebhookOptions};
use palisade_rules::{Alert, Priority, Source};

fn alert(rule: &str) -> Alert {
    let mut fields = serde_json::Map::new();
    fields.insert("proc.name".into(), "sh".into());
    Alert {
        rule: rule.into(),
        priority: Priority::Warning,
        source: Source::Syscall,
        tags: vec!["shell".into()],
        ts: 1_700_000_000_000_000_000,
        message: format!("{rule} (proc=sh)"),
        output_fields: fields,
        hostname: "node-1".into(),
    }
}

fn fast(payload: Payload) -> WebhookOptions {
    WebhookOptions {
        payload,
        timeout: Duration::from_secs(5),
        attempts: 3,
        backoff: Duration::from_millis(20),
        ..WebhookOptions::default()
    }
}

/// Reads one HTTP request; returns its request line and body.
fn read_request(stream: &mut impl Read) -> (String, String) {
    let mut r = BufReader::new(stream);
    let mut first = String::new();
    r.read_line(&mut first).expect("request line");
    let mut len = 0;
    loop {
        let mut line = String::new();
        r.read_line(&mut line).expect("header");
        if line.trim().is_empty() {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().expect("length");
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).expect("body");
    (
        first.trim().to_owned(),
        String::from_utf8(body).expect("utf8"),
    )
}

/// Serves `statuses.len()` requests over plain HTTP, answering each with the next status;
/// returns the request bodies.
fn http_server(statuses: Vec<u16>) -> (String, JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let t = std::thread::spawn(move || {
        let mut bodies = Vec::new();
        for status in statuses {
            let (mut s, _) = listener.accept().expect("accept");
            let (line, body) = read_request(&mut s);
            assert!(line.starts_with("POST /hook "), "{line}");
            write!(
                s,
                "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            .expect("respond");
            bodies.push(body);
        }
        bodies
    });
    (url, t)
}

#[test]
fn a_failed_delivery_is_retried() {
    let (url, server) = http_server(vec![503, 200, 200]);
    let webhook = Webhook::new(&url, fast(Payload::Falco)).expect("webhook");
    let mut out = Outputs::new(Box::new(std::io::sink()), Format::Text).with_webhook(webhook);
    out.emit(0, &alert("Shell in container")).expect("emit");
    out.emit(1, &alert("Write below etc")).expect("emit");
    let stats = out.finish().expect("finish").expect("webhook stats");
    assert_eq!((stats.delivered, stats.failed, stats.dropped), (2, 0, 0));
    let bodies = server.join().expect("server");
    assert_eq!(
        bodies.len(),
        3,
        "one refused attempt, its retry, the second alert"
    );
    assert_eq!(bodies[0], bodies[1], "the retry sends the same alert");
    let first: serde_json::Value = serde_json::from_str(&bodies[1]).expect("json");
    assert_eq!(first["rule"], "Shell in container");
    assert_eq!(first["priority"], "Warning");
    assert_eq!(first["hostname"], "node-1");
    assert_eq!(first["output_fields"]["proc.name"], "sh");
    let second: serde_json::Value = serde_json::from_str(&bodies[2]).expect("json");
    assert_eq!(second["rule"], "Write below etc");
}

#[test]
fn slack_payloads() {
    let (url, server) = http_server(vec![200]);
    let webhook = Webhook::new(&url, fast(Payload::Slack)).expect("webhook");
    webhook.send(&alert("Shell in container"));
    assert_eq!(webhook.finish().delivered, 1);
    let bodies = server.join().expect("server");
    let v: serde_json::Value = serde_json::from_str(&bodies[0]).expect("json");
    assert!(
        v["text"]
            .as_str()
            .expect("text")
            .starts_with("Shell in container (Warning)"),
        "{v}"
    );
    assert_eq!(v["attachments"][0]["color"], "warning");
}

#[test]
fn a_dead_endpoint_gives_up_after_every_attempt() {
    // A port nothing listens on: bind, note it, close.
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let webhook = Webhook::new(
        &format!("http://127.0.0.1:{port}/hook"),
        fast(Payload::Falco),
    )
    .expect("webhook");
    webhook.send(&alert("r"));
    let stats = webhook.finish();
    assert_eq!((stats.delivered, stats.failed), (0, 1));
}

#[test]
fn a_full_queue_drops_alerts_instead_of_waiting() {
    // The endpoint takes the first request but answers nothing until released; then it answers
    // every request until told to stop.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let url = format!("http://{addr}/hook");
    let (release, released) = mpsc::channel::<()>();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop2 = Arc::clone(&stop);
    let server = std::thread::spawn(move || {
        let mut first = true;
        for conn in listener.incoming() {
            if stop2.load(std::sync::atomic::Ordering::SeqCst) {
                break;
            }
            let Ok(mut s) = conn else { continue };
            if std::mem::take(&mut first) {
                released.recv().expect("release");
            }
            let _ = read_request(&mut s);
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    let webhook = Webhook::new(
        &url,
        WebhookOptions {
            queue: 1,
            ..fast(Payload::Falco)
        },
    )
    .expect("webhook");
    for i in 0..3 {
        webhook.send(&alert(&format!("r{i}")));
    }
    release.send(()).expect("release");
    let stats = webhook.finish();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    // Wake the accept.
    let _ = TcpStream::connect(addr);
    server.join().expect("server");
    // Whether the first alert had left the queue when the others came decides how many fit.
    assert!(stats.dropped >= 1, "{stats:?}");
    assert_eq!(stats.delivered + stats.dropped, 3, "{stats:?}");
    assert_eq!(stats.failed, 0, "{stats:?}");
}

/// Makes a CA and a certificate for 127.0.0.1 signed by it, with `openssl`.
fn make_certificates(dir: &Path) {
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap_or_else(|e| {
                panic!(
                    "the openssl command is needed to make test certificates \
                     (apt-get install -y openssl): {e}"
                )
            });
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];
    let mut ca = vec!["req", "-x509", "-nodes", "-days", "2"];
    ca.extend(ec);
    ca.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-subj",
        "/CN=palisade test CA",
    ]);
    run(&ca);
    let mut csr = vec!["req", "-nodes"];
    csr.extend(ec);
    csr.extend([
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    run(&csr);
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .expect("ext");
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
        "-out",
        "server.pem",
    ]);
}

/// Serves HTTPS on 127.0.0.1 with the certificate of `dir`; answers each request 200 and
/// sends its body on the channel. Handshake failures are skipped.
fn https_server(dir: &Path) -> (String, mpsc::Receiver<String>) {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(dir.join("server.pem"))
        .expect("server.pem")
        .collect::<Result<_, _>>()
        .expect("certificates");
    let key = PrivateKeyDer::from_pem_file(dir.join("server.key")).expect("server.key");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .expect("server config");
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("https://{}/hook", listener.local_addr().expect("addr"));
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for tcp in listener.incoming() {
            let Ok(tcp): Result<TcpStream, _> = tcp else {
                continue;
            };
            let conn = rustls::ServerConnection::new(Arc::clone(&config)).expect("connection");
            let mut tls = rustls::StreamOwned::new(conn, tcp);
            // A client that refuses our certificate ends the handshake here.
            let mut failed = false;
            while tls.conn.is_handshaking() && !failed {
                failed = tls.conn.complete_io(&mut tls.sock).is_err();
            }
            if failed {
                continue;
            }
            let mut r = BufReader::new(&mut tls);
            let mut line = String::new();
            if r.read_line(&mut line).is_err() || line.is_empty() {
                continue;
            }
            let mut len = 0;
            loop {
                let mut h = String::new();
                if r.read_line(&mut h).is_err() || h.trim().is_empty() {
                    break;
                }
                if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; len];
            if r.read_exact(&mut body).is_err() {
                continue;
            }
            let _ = write!(
                tls,
                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = tls.flush();
            tls.conn.send_close_notify();
            let _ = tls.flush();
            if tx
                .send(String::from_utf8_lossy(&body).into_owned())
                .is_err()
            {
                break;
            }
        }
    });
    (url, rx)
}

#[test]
fn https_with_a_private_ca_and_refused_without_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    make_certificates(dir.path());
    let (url, bodies) = https_server(dir.path());

    let trusted = Webhook::new(
        &url,
        WebhookOptions {
            ca_file: Some(dir.path().join("ca.pem")),
            ..fast(Payload::Falco)
        },
    )
    .expect("webhook");
    trusted.send(&alert("Shell in container"));
    let stats = trusted.finish();
    assert_eq!((stats.delivered, stats.failed), (1, 0), "{stats:?}");
    let body = bodies
        .recv_timeout(Duration::from_secs(10))
        .expect("the alert arrived over TLS");
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(v["rule"], "Shell in container");

    // The public roots do not know the test CA: every attempt fails verification.
    let untrusted = Webhook::new(&url, fast(Payload::Falco)).expect("webhook");
    untrusted.send(&alert("Shell in container"));
    let stats = untrusted.finish();
    assert_eq!((stats.delivered, stats.failed), (0, 1), "{stats:?}");
    assert!(
        bodies.recv_timeout(Duration::from_millis(200)).is_err(),
        "nothing may arrive without verification"
    );
}

#[test]
fn a_silent_endpoint_costs_bounded_time() {
    // Accepts connections and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (accepted2, stop2) = (Arc::clone(&accepted), Arc::clone(&stop));
    let server = std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming() {
            if stop2.load(std::sync::atomic::Ordering::SeqCst) {
                break;
            }
            accepted2.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            held.push(conn);
        }
    });
    let webhook = Webhook::new(
        &format!("http://{addr}/hook"),
        WebhookOptions {
            timeout: Duration::from_millis(300),
            attempts: 3,
            backoff: Duration::from_millis(20),
            drain: Duration::from_millis(500),
            ..fast(Payload::Falco)
        },
    )
    .expect("webhook");
    for i in 0..20 {
        webhook.send(&alert(&format!("r{i}")));
    }
    let stats = webhook.finish();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let _ = TcpStream::connect(addr);
    server.join().expect("server");
    assert_eq!((stats.delivered, stats.failed), (0, 20), "{stats:?}");
    // 20 alerts x 3 attempts would be 60 connections: after the first alert failed, the others
    // got one attempt each, and none once the drain time was up.
    let tries = accepted.load(std::sync::atomic::Ordering::SeqCst);
    assert!((1..=10).contains(&tries), "{tries} connections");
}
