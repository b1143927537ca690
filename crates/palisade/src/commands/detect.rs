//! `palisade detect`: replay events through Falco-format rules and write alerts.

use std::io::BufReader;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use palisade_alert::{Format, Outputs, Payload, Webhook, WebhookOptions};
use palisade_k8saudit::server::{AuditServer, ServerConfig};
use palisade_k8saudit::{JsonLines, LineErrorKind};
use palisade_rules::k8s::AuditEvent;
use palisade_rules::syscall::SyscallTable;
use palisade_rules::{Engine, Level, Priority, RateLimiter, ruleset};
use palisade_runtime::capture::CaptureWindow;
use palisade_runtime::{Observer, Pipeline, PipelineOptions};

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
    /// Watch this machine live through the eBPF sensor (root). Stops on SIGINT or SIGTERM
    /// (draining what the kernel has written) or after --duration.
    #[arg(long, group = "input")]
    live: bool,
    /// With --live: stop after this long (e.g. 30s, 10m).
    #[arg(long, requires = "live", value_parser = parse_duration)]
    duration: Option<Duration>,
    /// With --live: container runtime sockets to ask for container names, images and labels
    /// (default: podman's and Docker's usual sockets, those that exist).
    #[arg(long = "runtime-socket", requires = "live", value_name = "PATH")]
    runtime_sockets: Vec<PathBuf>,
    /// With --live: the host's /etc (users and groups), when palisade runs in a container.
    #[arg(long, requires = "live", default_value = "/etc", value_name = "DIR")]
    host_etc: PathBuf,
    /// With --live: keep the recent events and, when a rule fires, write a capture from
    /// --capture-window before the alert to --capture-window after it into DIR.
    #[arg(long, requires = "live", value_name = "DIR")]
    capture_dir: Option<PathBuf>,
    /// How much before and after an alert a capture holds.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    capture_window: Duration,
    /// At most this many alert captures per run.
    #[arg(long, default_value_t = 100)]
    capture_max: usize,
    /// With --live: run these playbooks on the alerts (kill the process, stop the container,
    /// notify, …; see `palisade respond check`). Alerts then also carry `pid=%proc.pid`.
    #[arg(long, requires = "live", value_name = "FILE")]
    playbooks: Option<PathBuf>,
    /// With --live: refuse, before they run, the executions the `denyExec` rules of FILE match
    /// (fanotify permission events); each refusal is an alert.
    #[arg(long, requires = "live", value_name = "FILE")]
    deny_exec: Option<PathBuf>,
    /// With --playbooks: append one JSON line per action decision to FILE.
    #[arg(long, requires = "playbooks", value_name = "FILE")]
    audit: Option<PathBuf>,
    /// With --playbooks: say what each action would do, change nothing.
    #[arg(long, requires = "playbooks")]
    dry_run: bool,
    /// Fields appended to the output of every syscall rule, as Falco's append_output does
    /// (the default names the container of every alert).
    #[arg(long, default_value = DEFAULT_APPEND_OUTPUT)]
    append_output: String,
    /// Append nothing to rule outputs.
    #[arg(long)]
    no_append_output: bool,
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

/// What every syscall alert carries besides its rule's output: the container (`host` for
/// processes on the host) and its image.
pub const DEFAULT_APPEND_OUTPUT: &str = "container_id=%container.id container_name=%container.name container_image=%container.image.repository:%container.image.tag";

pub fn parse_duration(s: &str) -> Result<Duration, String> {
    palisade_core::time::parse_duration(s)
        .ok_or_else(|| format!("not a duration: {s:?} (e.g. 30s, 5m, 1h)"))
}

pub fn local_hostname() -> String {
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
    let mut set = set;
    if !args.no_append_output && !args.append_output.trim().is_empty() {
        set.append_output(palisade_rules::Source::Syscall, &args.append_output);
    }
    if args.playbooks.is_some() {
        // The process a playbook acts on.
        set.append_output(palisade_rules::Source::Syscall, "pid=%proc.pid");
    }
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
    let mut live_stats: Option<palisade_sensor::SensorStats> = None;
    let options = PipelineOptions {
        enter_events: args.enter_events,
        no_rules: args.no_rules,
        hostname: args.hostname.clone(),
        fallback_host: host.clone(),
    };
    let events = if let Some(path) = &args.capture {
        let reader = palisade_scap::ScapReader::open(path)
            .with_context(|| format!("opening capture {}", path.display()))?;
        let mut pipeline = Pipeline::new(&set, filter, outputs, options);
        let stats = pipeline
            .run(reader, &mut ())
            .with_context(|| format!("reading capture {}", path.display()));
        outputs = pipeline.into_outputs();
        stats?.events
    } else if args.live {
        let (n, o, sensor) = live(&args, &set, filter, outputs, options)?;
        outputs = o;
        live_stats = Some(sensor);
        n
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
        bail!("give an input: --capture FILE, --live, --k8s-audit FILE or --k8s-audit-listen ADDR");
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
            "sensor": live_stats.map(|s| serde_json::json!({
                "kernel_events": s.kernel_events,
                "kernel_drops": s.kernel_drops,
                "truncated_params": s.truncated,
                "containers": s.containers,
                "state_records": s.state_records,
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

/// Runs the rules on this machine's live events until SIGINT, SIGTERM or `--duration`.
fn live(
    args: &DetectArgs,
    set: &ruleset::Ruleset,
    filter: Option<ruleset::Rule>,
    outputs: Outputs,
    options: PipelineOptions,
) -> anyhow::Result<(u64, Outputs, palisade_sensor::SensorStats)> {
    palisade_sensor::available().map_err(|e| anyhow::anyhow!("cannot watch live: {e}"))?;
    let sensor_opts = palisade_sensor::SensorOptions {
        duration: args.duration,
        runtime_sockets: args.runtime_sockets.clone(),
        etc_root: args.host_etc.clone(),
        ..palisade_sensor::SensorOptions::default()
    };
    let mut sensor = palisade_sensor::Sensor::start(&sensor_opts)?;
    let stop = sensor.stop_handle();
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, stop.clone()).context("installing the signal handlers")?;
    }
    let mut observers: Vec<Box<dyn Observer>> = Vec::new();
    let playbooks = match &args.playbooks {
        Some(path) => Some(super::respond::load(path)?),
        None => None,
    };
    // A playbook's `capture` action asks the capture window for a file.
    let wants_capture = playbooks.as_ref().is_some_and(|p| {
        p.playbooks.iter().any(|b| {
            b.actions.iter().any(|a| {
                matches!(
                    a.kind,
                    palisade_respond::playbook::ActionKind::Capture { .. }
                )
            })
        })
    });
    let mut capture_hook = None;
    if args.capture_dir.is_some() || wants_capture {
        let dir = args
            .capture_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("/var/lib/palisade/captures"));
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("creating the capture directory {}", dir.display()))?;
        let mut window = CaptureWindow::new(
            dir.clone(),
            args.capture_window,
            256 << 20,
            args.capture_max,
        );
        if wants_capture {
            let (tx, rx) = std::sync::mpsc::channel();
            window = window.on_request(rx, args.capture_dir.is_some());
            capture_hook = Some(Arc::new(LiveCapture {
                dir,
                tx: std::sync::Mutex::new(tx),
            }));
        }
        observers.push(Box::new(window));
    }
    let responder = match playbooks {
        Some(playbooks) => {
            let mut options = palisade_respond::RespondOptions {
                dry_run: args.dry_run,
                audit: args.audit.clone(),
                ..palisade_respond::RespondOptions::default()
            };
            if let Some(socket) = args.runtime_sockets.first() {
                options.runtime_socket = socket.clone();
            }
            if let Some(hook) = capture_hook {
                options.capture = Some(hook);
            }
            let r = Arc::new(
                palisade_respond::Responder::start(playbooks, options)
                    .context("starting the playbooks")?,
            );
            observers.push(Box::new(Respond(r.clone())));
            Some(r)
        }
        None => None,
    };
    let (deny_tx, deny_rx) = std::sync::mpsc::channel();
    let deny = match &args.deny_exec {
        Some(path) => {
            let rules = super::respond::load(path)?.deny_exec;
            if rules.is_empty() {
                bail!("{}: no denyExec rules", path.display());
            }
            let host = options
                .hostname
                .clone()
                .unwrap_or_else(|| options.fallback_host.clone());
            let d = palisade_respond::denyexec::DenyExec::start(
                rules,
                palisade_respond::denyexec::DenyExecOptions::default(),
                move |decision| {
                    let _ = deny_tx.send(decision.to_alert(&host));
                },
            )
            .context("starting exec prevention")?;
            Some(d)
        }
        None => None,
    };
    tracing::info!("watching live events");
    let host = options
        .hostname
        .clone()
        .unwrap_or_else(|| options.fallback_host.clone());
    let mut pipeline = Pipeline::new(set, filter, outputs, options).with_injected(deny_rx);
    let run = pipeline.run(&mut sensor, &mut observers);
    if let Err(e) = &run {
        tracing::error!("live detection stopped: {e}");
    }
    let stats = sensor.stats();
    if let Some(d) = deny {
        let s = d.stop();
        tracing::info!(?s, "exec prevention stopped");
    }
    drop(observers);
    if let Some(r) = responder.and_then(Arc::into_inner) {
        let s = r.finish();
        tracing::info!(?s, "playbooks stopped");
    }
    let mut outputs = pipeline.into_outputs();
    let run = run.context("reading live events")?;
    if stats.kernel_drops > 0 {
        // Falco's alert for the same condition, so that existing routing keeps working.
        let ts = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let mut fields = serde_json::Map::new();
        fields.insert("n_drops".into(), stats.kernel_drops.into());
        fields.insert("n_evts".into(), stats.kernel_events.into());
        let alert = palisade_rules::Alert {
            rule: "Falco internal: syscall event drop".into(),
            priority: Priority::Debug,
            source: palisade_rules::Source::Syscall,
            tags: Vec::new(),
            ts,
            message: format!(
                "Falco internal: syscall event drop. {} system calls dropped of {}",
                stats.kernel_drops,
                stats.kernel_drops + stats.kernel_events
            ),
            output_fields: fields,
            hostname: host,
        };
        outputs.emit(usize::MAX, &alert)?;
    }
    Ok((run.events, outputs, stats))
}

/// Hands every alert to the playbooks.
struct Respond(Arc<palisade_respond::Responder>);

impl Observer for Respond {
    fn alert(
        &mut self,
        alert: &palisade_rules::Alert,
        _evt: &palisade_event::Event<'_>,
        _insp: &palisade_event::Inspector,
    ) -> std::io::Result<()> {
        self.0.handle(alert);
        Ok(())
    }
}

/// The playbooks' `capture` action on the live sensor: asks the capture window for a file
/// holding the recent events and `window` more.
#[derive(Debug)]
struct LiveCapture {
    dir: PathBuf,
    tx: std::sync::Mutex<std::sync::mpsc::Sender<palisade_runtime::capture::CaptureRequest>>,
}

impl palisade_respond::Capture for LiveCapture {
    fn capture(
        &self,
        alert: &palisade_respond::AlertRecord,
        _target: &palisade_respond::Target,
        window: Duration,
    ) -> Result<String, String> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let path = self.dir.join(format!(
            "{}-{:09}-{}.scap",
            now.as_secs(),
            now.subsec_nanos(),
            palisade_runtime::capture::slug(&alert.rule)
        ));
        let req = palisade_runtime::capture::CaptureRequest {
            path: path.clone(),
            after: window,
        };
        self.tx
            .lock()
            .map_err(|_| "the capture window is gone".to_owned())?
            .send(req)
            .map_err(|_| "the capture window is gone".to_owned())?;
        Ok(path.display().to_string())
    }
}
