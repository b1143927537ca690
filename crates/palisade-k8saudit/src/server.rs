//! The audit webhook endpoint: a small blocking HTTP/1.1 server the API server's webhook
//! backend POSTs `EventList` bodies to (`palisade detect --k8s-audit-listen ADDR`).
//!
//! Each connection gets its own thread (up to a limit), a read timeout and a bounded request:
//! oversized bodies are answered `413` without being read, malformed requests `400`, and the
//! server keeps serving. One request per connection (`Connection: close`).

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::{AuditEvent, events_from_body};

/// Server settings.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Largest accepted body.
    pub max_body: usize,
    /// Largest accepted request head (request line and headers).
    pub max_head: usize,
    /// Read and write timeout per connection.
    pub timeout: Duration,
    /// Most connections served at once; more are answered `503`.
    pub max_connections: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_body: 16 << 20,
            max_head: 16 << 10,
            timeout: Duration::from_secs(10),
            max_connections: 64,
        }
    }
}

/// Counters of a running server.
#[derive(Debug, Default)]
pub struct ServerStats {
    /// Requests answered 200 (counted after the answer is written; their events were
    /// delivered before).
    pub accepted_requests: AtomicU64,
    /// Audit events delivered.
    pub events: AtomicU64,
    /// Requests answered with an error status.
    pub rejected_requests: AtomicU64,
}

/// A bound, not yet serving, audit endpoint.
#[derive(Debug)]
pub struct AuditServer {
    listener: TcpListener,
    config: ServerConfig,
}

/// A running server: stop it with [`ServerHandle::stop`].
#[derive(Debug)]
pub struct ServerHandle {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    stats: Arc<ServerStats>,
    thread: Option<JoinHandle<()>>,
}

impl ServerHandle {
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Counters.
    pub fn stats(&self) -> &ServerStats {
        &self.stats
    }

    /// Stops accepting connections and waits for the accept loop to end.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl AuditServer {
    /// Binds `addr` (`127.0.0.1:8765`, port 0 for any).
    pub fn bind(addr: &str, config: ServerConfig) -> io::Result<Self> {
        Ok(AuditServer {
            listener: TcpListener::bind(addr)?,
            config,
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves in a background thread, giving every received event to `sink`.
    pub fn serve(
        self,
        sink: impl Fn(AuditEvent) + Send + Sync + 'static,
    ) -> io::Result<ServerHandle> {
        let addr = self.listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(ServerStats::default());
        let sink = Arc::new(sink);
        let (stop2, stats2, config) = (Arc::clone(&stop), Arc::clone(&stats), self.config);
        let listener = self.listener;
        let active = Arc::new(AtomicUsize::new(0));
        let thread = std::thread::Builder::new()
            .name("k8s-audit-accept".into())
            .spawn(move || {
                for conn in listener.incoming() {
                    if stop2.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(mut stream) = conn else { continue };
                    let _ = stream.set_read_timeout(Some(config.timeout));
                    let _ = stream.set_write_timeout(Some(config.timeout));
                    if active.load(Ordering::SeqCst) >= config.max_connections {
                        stats2.rejected_requests.fetch_add(1, Ordering::Relaxed);
                        let _ = respond(&mut stream, 503, "too many connections");
                        continue;
                    }
                    active.fetch_add(1, Ordering::SeqCst);
                    let (sink, stats, config, done) = (
                        Arc::clone(&sink),
                        Arc::clone(&stats2),
                        config.clone(),
                        Arc::clone(&active),
                    );
                    let spawned = std::thread::Builder::new()
                        .name("k8s-audit-conn".into())
                        .spawn(move || {
                            handle(stream, &config, &stats, &*sink);
                            done.fetch_sub(1, Ordering::SeqCst);
                        });
                    if spawned.is_err() {
                        // The closure (and its counter decrement) never ran.
                        active.fetch_sub(1, Ordering::SeqCst);
                    }
                }
            })?;
        Ok(ServerHandle {
            addr,
            stop,
            stats,
            thread: Some(thread),
        })
    }

    /// Serves in a background thread and delivers events on a bounded channel; when the
    /// channel is full, requests wait (back-pressure to the API server).
    pub fn serve_channel(
        self,
        capacity: usize,
    ) -> io::Result<(ServerHandle, mpsc::Receiver<AuditEvent>)> {
        let (tx, rx) = mpsc::sync_channel(capacity);
        let handle = self.serve(move |e| {
            let _ = tx.send(e);
        })?;
        Ok((handle, rx))
    }
}

fn respond(stream: &mut TcpStream, status: u16, body: &str) -> io::Result<()> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Payload Too Large",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Error",
    };
    write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    stream.flush()
}

/// Reads the request head, bounded by `max`: the request line and the headers.
fn read_head(reader: &mut impl BufRead, max: usize) -> Result<Vec<String>, u16> {
    let mut lines = Vec::new();
    let mut total = 0;
    loop {
        let mut line = Vec::new();
        let n = reader
            .by_ref()
            .take((max - total.min(max)) as u64 + 1)
            .read_until(b'\n', &mut line)
            .map_err(|_| 400u16)?;
        if n == 0 {
            return Err(400);
        }
        total += n;
        if total > max {
            return Err(431);
        }
        let line = String::from_utf8(line).map_err(|_| 400u16)?;
        let line = line.trim_end_matches(['\r', '\n']).to_owned();
        if line.is_empty() {
            return Ok(lines);
        }
        lines.push(line);
    }
}

fn handle(
    stream: TcpStream,
    config: &ServerConfig,
    stats: &ServerStats,
    sink: &(dyn Fn(AuditEvent) + Send + Sync),
) {
    let Ok(mut out) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let (status, msg) = match process(&mut reader, config, stats, sink) {
        Ok(n) => (200, format!("{n} events\n")),
        Err((status, msg)) => (status, msg),
    };
    let _ = respond(&mut out, status, &msg);
    // Counted once answered: a caller that stops after N requests does not cut the last
    // answer short.
    if status == 200 {
        stats.accepted_requests.fetch_add(1, Ordering::SeqCst);
    } else {
        stats.rejected_requests.fetch_add(1, Ordering::SeqCst);
    }
}

fn process(
    reader: &mut BufReader<TcpStream>,
    config: &ServerConfig,
    stats: &ServerStats,
    sink: &(dyn Fn(AuditEvent) + Send + Sync),
) -> Result<usize, (u16, String)> {
    let head = read_head(reader, config.max_head)
        .map_err(|s| (s, "malformed request head\n".to_owned()))?;
    let request = head.first().ok_or((400, "empty request\n".to_owned()))?;
    let mut parts = request.split_whitespace();
    let method = parts.next().unwrap_or_default();
    if method != "POST" {
        return Err((405, "only POST is accepted\n".to_owned()));
    }
    let mut length = None;
    for h in &head[1..] {
        let Some((name, value)) = h.split_once(':') else {
            return Err((400, "malformed header\n".to_owned()));
        };
        let name = name.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(
                value
                    .trim()
                    .parse::<usize>()
                    .map_err(|_| (400, "invalid Content-Length\n".to_owned()))?,
            );
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err((
                411,
                "chunked bodies are not accepted; send Content-Length\n".to_owned(),
            ));
        }
    }
    let length = length.ok_or((411, "Content-Length required\n".to_owned()))?;
    if length > config.max_body {
        return Err((413, format!("body larger than {} bytes\n", config.max_body)));
    }
    let mut body = Vec::with_capacity(length.min(1 << 20));
    reader
        .take(length as u64)
        .read_to_end(&mut body)
        .map_err(|_| (400, "body not received\n".to_owned()))?;
    if body.len() != length {
        return Err((400, "body shorter than Content-Length\n".to_owned()));
    }
    let events = events_from_body(&body).map_err(|e| (400, format!("{e}\n")))?;
    let n = events.len();
    for e in events {
        sink(e);
    }
    stats.events.fetch_add(n as u64, Ordering::Relaxed);
    Ok(n)
}
