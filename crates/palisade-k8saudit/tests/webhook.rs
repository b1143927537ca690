//! The webhook endpoint on 127.0.0.1: events arrive, bad requests are answered and the server
//! keeps serving, oversized bodies are refused unread.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use palisade_k8saudit::server::{AuditServer, ServerConfig};

fn post(addr: SocketAddr, head_extra: &str, body: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let head = format!(
        "POST /k8s-audit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{head_extra}\r\n"
    );
    s.write_all(head.as_bytes()).expect("write head");
    let _ = s.write_all(body);
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

fn with_len(body: &[u8]) -> String {
    format!("Content-Length: {}\r\n", body.len())
}

const LIST: &[u8] = br#"{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[
 {"kind":"Event","auditID":"a1","stage":"ResponseComplete","verb":"create","user":{"username":"system:admin"},
  "objectRef":{"resource":"pods","namespace":"default","name":"nginx"},
  "requestObject":{"spec":{"containers":[{"image":"nginx","securityContext":{"privileged":true}}]}}},
 {"kind":"Event","auditID":"a2","stage":"ResponseComplete","verb":"delete","user":{"username":"bob"},
  "objectRef":{"resource":"configmaps","namespace":"kube-system","name":"x"}}]}"#;

#[test]
fn events_arrive_and_bad_requests_do_not_stop_the_server() {
    let config = ServerConfig {
        max_body: 4096,
        ..ServerConfig::default()
    };
    let server = AuditServer::bind("127.0.0.1:0", config).expect("bind");
    let (handle, rx) = server.serve_channel(16).expect("serve");
    let addr = handle.local_addr();

    let resp = post(addr, &with_len(LIST), LIST);
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    let a = rx
        .recv_timeout(Duration::from_secs(5))
        .expect("first event");
    let b = rx
        .recv_timeout(Duration::from_secs(5))
        .expect("second event");
    assert_eq!(a.audit_id(), Some("a1"));
    assert_eq!(
        a.at("/requestObject/spec/containers/0/securityContext/privileged"),
        Some(&serde_json::Value::Bool(true))
    );
    assert_eq!(b.verb(), Some("delete"));

    let garbage = b"{not json";
    let resp = post(addr, &with_len(garbage), garbage);
    assert!(resp.starts_with("HTTP/1.1 400"), "{resp}");

    let big = vec![b' '; 10_000];
    let resp = post(addr, &with_len(&big), &big);
    assert!(resp.starts_with("HTTP/1.1 413"), "{resp}");

    let resp = post(addr, "", b"");
    assert!(resp.starts_with("HTTP/1.1 411"), "{resp}");

    let mut s = TcpStream::connect(addr).expect("connect");
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("write");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    assert!(out.starts_with("HTTP/1.1 405"), "{out}");

    // Still serving.
    let resp = post(addr, &with_len(LIST), LIST);
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    assert!(rx.recv_timeout(Duration::from_secs(5)).is_ok());
    assert_eq!(
        handle
            .stats()
            .rejected_requests
            .load(std::sync::atomic::Ordering::Relaxed),
        4
    );
    handle.stop();
}
