//! `palisade detect`: replay events through Falco-format rules and write alerts.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use palisade_event::table::Category;
use palisade_event::{EventSource, Inspector};
use palisade_rules::k8s::AuditEvent;
use palisade_rules::syscall::{SyscallEvent, SyscallTable};
use palisade_rules::{Alert, Engine, Level, Priority, RateLimiter, ruleset};

use crate::{GlobalOptions, Outcome, output};

#[derive(Debug, clap::Args)]
pub struct DetectArgs {
    /// Rules files (Falco's YAML format), loaded in order.
    #[arg(short = 'r', long = "rules", num_args = 1..)]
    rules: Vec<PathBuf>,
    /// Replay a scap capture (gzip-wrapped or not).
    #[arg(long, group = "input")]
    capture: Option<PathBuf>,
    /// Read Kubernetes audit events (JSON lines, or EventList objects) from a file.
    #[arg(long, group = "input")]
    k8s_audit: Option<PathBuf>,
    /// Listen for a Kubernetes API server's audit webhook backend on ADDR (e.g. 127.0.0.1:9765).
    #[arg(long, group = "input", value_name = "ADDR")]
    k8s_audit_listen: Option<String>,
    /// Stop listening after this many requests (default: never).
    #[arg(long, requires = "k8s_audit_listen")]
    max_requests: Option<u64>,
    /// Evaluate one condition instead of rules files and print the number of each matching
    /// event (like `sysdig -p %evt.num FILTER`).
    #[arg(long, conflicts_with = "rules")]
    filter: Option<String>,
    /// Parse and rebuild state only, evaluating nothing (to measure what evaluation costs).
    #[arg(long, conflicts_with_all = ["rules", "filter"])]
    no_rules: bool,
    /// Evaluate rules on system-call enter events too (by default only exit events, like Falco).
    #[arg(long)]
    enter_events: bool,
    /// Write alerts as JSON lines (Falco's json_output format).
    #[arg(long)]
    json: bool,
    /// Write alerts to this file instead of stdout.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Also POST each alert as JSON to this http:// URL (retried with backoff).
    #[arg(long)]
    webhook: Option<String>,
    /// Send Slack-compatible payloads to the webhook.
    #[arg(long, requires = "webhook")]
    slack: bool,
    /// At most this many alerts per second per rule (in event time); 0 = no limit.
    #[arg(long, default_value_t = 0.0)]
    rate_limit: f64,
    /// Alerts a rule may raise at once before the rate limit applies.
    #[arg(long, default_value_t = 10)]
    rate_burst: u32,
    /// Only alerts at or above this priority (emergency … debug).
    #[arg(long, default_value = "debug")]
    min_priority: String,
    /// Host name in alerts (default: the capture's, else this machine's).
    #[arg(long)]
    hostname: Option<String>,
    /// Print counts and events per second to stderr at the end, as JSON.
    #[arg(long)]
    stats: bool,
}

/// Where alerts go.
struct Sinks {
    out: Box<dyn Write>,
    json: bool,
    webhook: Option<Webhook>,
    limiter: Option<RateLimiter>,
    min_priority: Priority,
    alerts: u64,
}

impl Sinks {
    fn emit(&mut self, idx: usize, alert: &Alert) -> anyhow::Result<()> {
        if alert.priority > self.min_priority {
            return Ok(());
        }
        if let Some(l) = self.limiter.as_mut() {
            if !l.allow(idx, alert.ts) {
                return Ok(());
            }
        }
        self.alerts += 1;
        tracing::info!(rule = %alert.rule, priority = %alert.priority, "alert");
        if self.json {
            writeln!(self.out, "{}", alert.json())?;
        } else {
            writeln!(self.out, "{}", alert.text())?;
        }
        if let Some(w) = &self.webhook {
            let body = if w.slack { alert.slack() } else { alert.json() };
            if let Err(e) = w.post(&body.to_string()) {
                tracing::warn!(url = %w.url, error = %format!("{e:#}"), "webhook delivery failed");
            }
        }
        Ok(())
    }
}

/// A JSON POST to an http:// endpoint, retried with exponential backoff.
struct Webhook {
    url: String,
    host_port: String,
    path: String,
    slack: bool,
}

impl Webhook {
    fn parse(url: &str, slack: bool) -> anyhow::Result<Webhook> {
        let Some(rest) = url.strip_prefix("http://") else {
            bail!("webhook URL {url} must start with http://");
        };
        let (hp, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let host_port = if hp.contains(':') {
            hp.to_string()
        } else {
            format!("{hp}:80")
        };
        Ok(Webhook {
            url: url.to_string(),
            host_port,
            path: path.to_string(),
            slack,
        })
    }

    fn post_once(&self, body: &str) -> anyhow::Result<()> {
        let mut s = TcpStream::connect(&self.host_port)
            .with_context(|| format!("connecting to {}", self.url))?;
        s.set_read_timeout(Some(Duration::from_secs(5)))?;
        s.set_write_timeout(Some(Duration::from_secs(5)))?;
        write!(
            s,
            "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.path,
            self.host_port,
            body.len()
        )?;
        let mut status = String::new();
        BufReader::new(s.take(1024)).read_line(&mut status)?;
        let code: u16 = status
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        if !(200..300).contains(&code) {
            bail!("{} answered {}", self.url, status.trim());
        }
        Ok(())
    }

    fn post(&self, body: &str) -> anyhow::Result<()> {
        let mut delay = Duration::from_millis(100);
        let mut last = None;
        for attempt in 0..4 {
            if attempt > 0 {
                std::thread::sleep(delay);
                delay *= 2;
            }
            match self.post_once(body) {
                Ok(()) => return Ok(()),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| anyhow::anyhow!("no attempt made")))
    }
}

fn local_hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

pub fn run(args: DetectArgs, _global: &GlobalOptions) -> anyhow::Result<Outcome> {
    let filter = match &args.filter {
        Some(f) => Some(ruleset::compile_filter(f).map_err(|diags| {
            let msgs: Vec<String> = diags.iter().map(ToString::to_string).collect();
            anyhow::anyhow!("invalid filter:\n{}", msgs.join("\n"))
        })?),
        None => None,
    };
    let set = if args.rules.is_empty() {
        if filter.is_none() && !args.no_rules {
            bail!("give rules files with -r, a --filter, or --no-rules");
        }
        ruleset::Ruleset::default()
    } else {
        let set = ruleset::load(&crate::commands::rules::read_rules(&args.rules)?);
        for d in &set.diagnostics {
            if d.level == Level::Error {
                tracing::error!("{d}");
            } else {
                tracing::debug!("{d}");
            }
        }
        if set.has_errors() {
            bail!("the rules files have errors (see `palisade rules check`)");
        }
        set
    };
    let (mut engine, _) = Engine::new(&set, &SyscallTable);
    let min_priority = Priority::parse(&args.min_priority)
        .with_context(|| format!("unknown priority {}", args.min_priority))?;
    let mut sinks = Sinks {
        out: output::writer(args.output.as_deref())?,
        json: args.json,
        webhook: args
            .webhook
            .as_deref()
            .map(|u| Webhook::parse(u, args.slack))
            .transpose()?,
        limiter: (args.rate_limit > 0.0)
            .then(|| RateLimiter::new(engine.rules().len(), args.rate_limit, args.rate_burst)),
        min_priority,
        alerts: 0,
    };
    let started = Instant::now();
    let events = if let Some(path) = &args.capture {
        let reader = palisade_scap::ScapReader::open(path)
            .with_context(|| format!("opening capture {}", path.display()))?;
        let filter = filter.map(|rule| {
            let one = ruleset::Ruleset {
                rules: vec![rule],
                ..ruleset::Ruleset::default()
            };
            Engine::new(&one, &SyscallTable).0
        });
        replay(reader, &args, filter, &mut engine, &mut sinks)
            .with_context(|| format!("reading capture {}", path.display()))?
    } else if let Some(path) = &args.k8s_audit {
        let file =
            std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
        let mut n = 0;
        audit_lines(BufReader::new(file), &mut n, &args, &mut engine, &mut sinks)
            .with_context(|| format!("reading {}", path.display()))?;
        n
    } else if let Some(addr) = &args.k8s_audit_listen {
        listen(addr, &args, &mut engine, &mut sinks)?
    } else {
        bail!("give an input: --capture FILE, --k8s-audit FILE or --k8s-audit-listen ADDR");
    };
    sinks.out.flush()?;
    if args.stats {
        let secs = started.elapsed().as_secs_f64();
        let stats = serde_json::json!({
            "events": events,
            "seconds": secs,
            "events_per_second": if secs > 0.0 { events as f64 / secs } else { 0.0 },
            "alerts": sinks.alerts,
            "rules": engine.rules().len(),
        });
        #[allow(clippy::print_stderr, reason = "statistics asked for with --stats")]
        {
            eprintln!("{stats}");
        }
    }
    Ok(if sinks.alerts > 0 {
        Outcome::Failed
    } else {
        Outcome::Clean
    })
}

fn replay<S: EventSource>(
    mut src: S,
    args: &DetectArgs,
    mut filter: Option<Engine>,
    engine: &mut Engine,
    sinks: &mut Sinks,
) -> anyhow::Result<u64> {
    // The source may skip events that neither the state nor any rule looks at.
    let mut interest = Inspector::interest();
    for k in engine
        .syscall_kinds()
        .chain(filter.iter().flat_map(Engine::syscall_kinds))
    {
        interest.insert(k);
    }
    src.set_interest(&interest);
    let mut insp = Inspector::new();
    let mut hits: Vec<usize> = Vec::new();
    let mut events = 0u64;
    let fallback_host = args.hostname.clone().unwrap_or_else(local_hostname);
    while let Some(evt) = src.next_event(&mut insp)? {
        insp.process(&evt);
        // Process-table snapshots and internal events are state, not activity.
        if evt.is_initial_state() || evt.info().category == Category::Internal {
            continue;
        }
        events += 1;
        if args.no_rules {
            continue;
        }
        let host = match (&args.hostname, insp.machine()) {
            (None, Some(m)) if !m.hostname.is_empty() => m.hostname.as_str(),
            _ => fallback_host.as_str(),
        };
        let ctx = SyscallEvent::new(&evt, &insp, host);
        if let Some(f) = filter.as_mut() {
            // The filter is a one-rule engine: events of other types never reach it.
            let mut matched = false;
            f.eval_syscall(evt.kind, &ctx, |_| matched = true);
            if matched {
                sinks.alerts += 1;
                writeln!(sinks.out, "{}", evt.num)?;
            }
            continue;
        }
        // Like Falco, rules see the exit half of each system call (where results and new
        // descriptors are known) unless asked otherwise.
        if !args.enter_events && evt.direction() == palisade_event::Direction::Enter {
            continue;
        }
        hits.clear();
        engine.eval_syscall(evt.kind, &ctx, |i| hits.push(i));
        for &i in &hits {
            if let Some(alert) = engine.alert(i, &ctx, evt.ts, host) {
                sinks.emit(i, &alert)?;
            }
        }
    }
    Ok(events)
}

/// Largest audit request body or line accepted.
const MAX_BODY: usize = 16 << 20;

fn audit_value(
    v: &serde_json::Value,
    n: &mut u64,
    host: &str,
    engine: &mut Engine,
    sinks: &mut Sinks,
) -> anyhow::Result<()> {
    if let Some(items) = v.get("items").and_then(|i| i.as_array()) {
        for item in items {
            audit_value(item, n, host, engine, sinks)?;
        }
        return Ok(());
    }
    *n += 1;
    let ts = v
        .get("stageTimestamp")
        .or_else(|| v.get("requestReceivedTimestamp"))
        .and_then(|t| t.as_str())
        .and_then(parse_rfc3339)
        .unwrap_or(0);
    let ev = AuditEvent {
        json: v,
        num: *n,
        ts,
    };
    let mut hits = Vec::new();
    engine.eval_k8s(&ev, |i| hits.push(i));
    for i in hits {
        if let Some(alert) = engine.alert(i, &ev, ts, host) {
            sinks.emit(i, &alert)?;
        }
    }
    Ok(())
}

/// Nanoseconds since the epoch of `2024-01-02T03:04:05.123456Z`.
fn parse_rfc3339(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> { s.get(r)?.parse().ok() };
    let (y, mo, d, h, mi, se) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    );
    if b.get(4) != Some(&b'-') || b.get(10).is_none_or(|c| !matches!(c, b'T' | b't' | b' ')) {
        return None;
    }
    let mut nanos = 0i64;
    if b.get(19) == Some(&b'.') {
        let frac: String = s[20..]
            .chars()
            .take_while(char::is_ascii_digit)
            .take(9)
            .collect();
        nanos = format!("{frac:0<9}").parse().ok()?;
    }
    // Days from civil (H. Hinnant).
    let y2 = if mo <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + h * 3600 + mi * 60 + se;
    u64::try_from(secs * 1_000_000_000 + nanos).ok()
}

fn audit_lines<R: BufRead>(
    r: R,
    n: &mut u64,
    args: &DetectArgs,
    engine: &mut Engine,
    sinks: &mut Sinks,
) -> anyhow::Result<()> {
    let host = args.hostname.clone().unwrap_or_else(local_hostname);
    for (i, line) in r.split(b'\n').enumerate() {
        let line = line?;
        if line.len() > MAX_BODY {
            bail!("line {} is longer than {MAX_BODY} bytes", i + 1);
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<serde_json::Value>(&line) {
            Ok(v) => audit_value(&v, n, &host, engine, sinks)?,
            Err(e) => tracing::warn!(line = i + 1, error = %e, "skipping a line that is not JSON"),
        }
    }
    Ok(())
}

/// Serves the audit webhook: each POST carries an `EventList` (or one `Event`) as JSON.
fn listen(
    addr: &str,
    args: &DetectArgs,
    engine: &mut Engine,
    sinks: &mut Sinks,
) -> anyhow::Result<u64> {
    let listener = TcpListener::bind(addr).with_context(|| format!("listening on {addr}"))?;
    tracing::info!(addr = %listener.local_addr()?, "waiting for audit events");
    let host = args.hostname.clone().unwrap_or_else(local_hostname);
    let mut n = 0u64;
    let mut requests = 0u64;
    for stream in listener.incoming() {
        let mut stream = match stream {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                continue;
            }
        };
        requests += 1;
        let status = match read_request(&mut stream) {
            Ok(body) => match serde_json::from_slice::<serde_json::Value>(&body) {
                Ok(v) => {
                    audit_value(&v, &mut n, &host, engine, sinks)?;
                    sinks.out.flush()?;
                    "200 OK"
                }
                Err(_) => "400 Bad Request",
            },
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "bad audit request");
                "400 Bad Request"
            }
        };
        let _ = write!(
            stream,
            "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        if args.max_requests.is_some_and(|m| requests >= m) {
            break;
        }
    }
    Ok(n)
}

fn read_request(stream: &mut TcpStream) -> anyhow::Result<Vec<u8>> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut r = BufReader::new(stream.take(MAX_BODY as u64 + 64 * 1024));
    let mut line = String::new();
    r.read_line(&mut line)?;
    if !line.starts_with("POST ") {
        bail!("expected a POST, got {}", line.trim());
    }
    let mut len = None;
    loop {
        line.clear();
        if r.read_line(&mut line)? == 0 {
            bail!("connection closed in the headers");
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse::<usize>().ok();
            }
        }
    }
    let len = len.context("missing Content-Length")?;
    if len > MAX_BODY {
        bail!("body of {len} bytes is larger than {MAX_BODY}");
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body)?;
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339() {
        assert_eq!(
            parse_rfc3339("2023-11-14T22:13:20.5Z"),
            Some(1_700_000_000_500_000_000)
        );
        assert_eq!(parse_rfc3339("garbage"), None);
    }

    #[test]
    fn webhook_urls() {
        let w = Webhook::parse("http://127.0.0.1:8080/hook", false).expect("url");
        assert_eq!(
            (w.host_port.as_str(), w.path.as_str()),
            ("127.0.0.1:8080", "/hook")
        );
        assert!(Webhook::parse("https://x", false).is_err());
    }
}
