//! `palisade detect`: replay events through Falco-format rules and write alerts.

use std::io::BufReader;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use palisade_alert::{Format, Outputs, Payload, Webhook, WebhookOptions};
use palisade_event::table::Category;
use palisade_event::{EventSource, Inspector};
use palisade_k8saudit::server::{AuditServer, ServerConfig};
use palisade_k8saudit::{JsonLines, LineErrorKind};
use palisade_rules::k8s::AuditEvent;
use palisade_rules::syscall::{SyscallEvent, SyscallTable};
use palisade_rules::{Engine, Level, Priority, RateLimiter, ruleset};

use crate::{GlobalOptions, Outcome, output};

#[derive(Debug, clap::Args)]
pub struct DetectArgs {
    /// Rules files (Falco's YAML format), loaded in order; a directory stands for its .yaml
    /// files in name order.
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
    /// Also POST each alert as JSON to this http:// or https:// URL (from a background queue,
    /// retried with backoff).
    #[arg(long)]
    webhook: Option<String>,
    /// Send Slack-compatible payloads to the webhook.
    #[arg(long, requires = "webhook")]
    slack: bool,
    /// PEM file of the CA certificates that sign the webhook's HTTPS certificate (default: the
    /// public roots).
    #[arg(long, requires = "webhook", value_name = "PEM")]
    webhook_ca: Option<PathBuf>,
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
    let format = if args.json {
        Format::Json
    } else {
        Format::Text
    };
    let mut outputs = Outputs::new(output::writer(args.output.as_deref())?, format)
        .with_min_priority(min_priority);
    if args.rate_limit > 0.0 {
        outputs = outputs.with_rate_limit(RateLimiter::new(
            engine.rules().len(),
            args.rate_limit,
            args.rate_burst,
        ));
    }
    if let Some(url) = &args.webhook {
        let options = WebhookOptions {
            payload: if args.slack {
                Payload::Slack
            } else {
                Payload::Falco
            },
            ca_file: args.webhook_ca.clone(),
            ..WebhookOptions::default()
        };
        outputs = outputs.with_webhook(Webhook::new(url, options)?);
    }
    let host = args.hostname.clone().unwrap_or_else(local_hostname);
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
        replay(reader, &args, &host, filter, &mut engine, &mut outputs)
            .with_context(|| format!("reading capture {}", path.display()))?
    } else if let Some(path) = &args.k8s_audit {
        let file =
            std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
        let mut n = 0;
        for item in JsonLines::new(BufReader::new(file), path.display().to_string()) {
            match item {
                Ok(ev) => {
                    n += 1;
                    audit_event(&ev.json, n, &host, &mut engine, &mut outputs)?;
                }
                Err(e) if matches!(e.kind, LineErrorKind::Io(_)) => return Err(e.into()),
                // A bad line is skipped; the file goes on.
                Err(e) => tracing::warn!("{e}"),
            }
        }
        n
    } else if let Some(addr) = &args.k8s_audit_listen {
        listen(addr, &args, &host, &mut engine, &mut outputs)?
    } else {
        bail!("give an input: --capture FILE, --k8s-audit FILE or --k8s-audit-listen ADDR");
    };
    let alerts = outputs.alerts();
    let suppressed = outputs.suppressed();
    let delivery = outputs.finish()?;
    if let Some(d) = delivery {
        if d.failed + d.dropped > 0 {
            tracing::warn!(
                delivered = d.delivered,
                failed = d.failed,
                dropped = d.dropped,
                "some alerts did not reach the webhook"
            );
        }
    }
    if args.stats {
        let secs = started.elapsed().as_secs_f64();
        let stats = serde_json::json!({
            "events": events,
            "seconds": secs,
            "events_per_second": if secs > 0.0 { events as f64 / secs } else { 0.0 },
            "alerts": alerts,
            "rate_limited": suppressed,
            "rules": engine.rules().len(),
            "webhook": delivery.map(|d| serde_json::json!({
                "delivered": d.delivered, "failed": d.failed, "dropped": d.dropped,
            })),
        });
        #[allow(clippy::print_stderr, reason = "statistics asked for with --stats")]
        {
            eprintln!("{stats}");
        }
    }
    Ok(if alerts > 0 {
        Outcome::Failed
    } else {
        Outcome::Clean
    })
}

/// Replays a source through the filter or the engine; `fallback_host` names the machine when the
/// source does not.
fn replay<S: EventSource>(
    mut src: S,
    args: &DetectArgs,
    fallback_host: &str,
    mut filter: Option<Engine>,
    engine: &mut Engine,
    outputs: &mut Outputs,
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
            _ => fallback_host,
        };
        let ctx = SyscallEvent::new(&evt, &insp, host);
        if let Some(f) = filter.as_mut() {
            // The filter is a one-rule engine: events of other types never reach it.
            let mut matched = false;
            f.eval_syscall(evt.kind, &ctx, |_| matched = true);
            if matched {
                outputs.emit_line(format_args!("{}", evt.num))?;
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
                outputs.emit(i, &alert)?;
            }
        }
    }
    Ok(events)
}

/// Evaluates the `k8s_audit` rules on event number `num` of a stream.
fn audit_event(
    json: &serde_json::Value,
    num: u64,
    host: &str,
    engine: &mut Engine,
    outputs: &mut Outputs,
) -> anyhow::Result<()> {
    let ts = json
        .get("stageTimestamp")
        .or_else(|| json.get("requestReceivedTimestamp"))
        .and_then(|t| t.as_str())
        .and_then(palisade_core::time::parse_rfc3339_nanos)
        .and_then(|t| u64::try_from(t).ok())
        .unwrap_or(0);
    let ev = AuditEvent { json, num, ts };
    let mut hits = Vec::new();
    engine.eval_k8s(&ev, |i| hits.push(i));
    for i in hits {
        if let Some(alert) = engine.alert(i, &ev, ts, host) {
            outputs.emit(i, &alert)?;
        }
    }
    Ok(())
}

/// Serves the audit webhook (see `palisade_k8saudit::server`) and evaluates what arrives, until
/// `--max-requests` requests have been answered (or forever).
fn listen(
    addr: &str,
    args: &DetectArgs,
    host: &str,
    engine: &mut Engine,
    outputs: &mut Outputs,
) -> anyhow::Result<u64> {
    let server = AuditServer::bind(addr, ServerConfig::default())
        .with_context(|| format!("listening on {addr}"))?;
    tracing::info!(addr = %server.local_addr()?, "waiting for audit events");
    let (handle, events) = server
        .serve_channel(1024)
        .with_context(|| format!("serving on {addr}"))?;
    let answered = || {
        let s = handle.stats();
        s.accepted_requests.load(Ordering::SeqCst) + s.rejected_requests.load(Ordering::SeqCst)
    };
    let mut n = 0u64;
    loop {
        match events.recv_timeout(Duration::from_millis(100)) {
            Ok(ev) => {
                n += 1;
                audit_event(&ev.json, n, host, engine, outputs)?;
                // Audit events arrive at the API server's pace: show alerts at once.
                outputs.flush()?;
                continue;
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        // Requests are counted once answered, after their events were queued.
        if args.max_requests.is_some_and(|m| answered() >= m) {
            while let Ok(ev) = events.try_recv() {
                n += 1;
                audit_event(&ev.json, n, host, engine, outputs)?;
            }
            break;
        }
    }
    handle.stop();
    Ok(n)
}
