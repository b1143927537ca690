//! The [`Responder`]: matches alerts against playbooks and runs their actions on a worker
//! thread, behind a bounded queue, with guards, dry runs and an audit log.

use std::collections::{HashMap, VecDeque};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use palisade_rules::Alert;
use serde::Serialize;

use crate::alert::{AlertError, AlertRecord, Target};
use crate::cluster::{Cluster, KubeAccess};
use crate::host::{self, ContainerOp, ContainerRuntime};
use crate::notify::{NotifyStats, Spool, SpoolError, SpoolOptions};
use crate::playbook::{Action, ActionKind, NotifyFormat, Playbook, Playbooks};

/// The hook `capture` calls: the live sensor implements it (a scap capture window around the
/// alert); without one, `capture` fails saying no capture source is configured.
pub trait Capture: Send + Sync + std::fmt::Debug {
    /// Starts a capture of `window` around the alert's event; returns where it is written.
    fn capture(
        &self,
        alert: &AlertRecord,
        target: &Target,
        window: Duration,
    ) -> Result<String, String>;
}

/// How the responder runs.
#[derive(Debug, Clone)]
pub struct RespondOptions {
    /// This node's name, for `taint-node` and `cordon-node` (default: `NODE_NAME`); without
    /// one, the alert's hostname is used.
    pub node_name: Option<String>,
    /// Say what would be done, change nothing (every playbook).
    pub dry_run: bool,
    /// Audit log: one JSON line per action decision, appended.
    pub audit: Option<PathBuf>,
    /// The container runtime's API socket.
    pub runtime_socket: PathBuf,
    pub kube: KubeAccess,
    /// The notification spool's directory.
    pub spool_dir: PathBuf,
    pub spool: SpoolOptions,
    /// Alerts waiting for the worker; more are dropped and counted.
    pub queue: usize,
    pub capture: Option<Arc<dyn Capture>>,
    /// Time [`Responder::finish`] allows notifications still spooled.
    pub drain: Duration,
}

impl Default for RespondOptions {
    fn default() -> Self {
        RespondOptions {
            node_name: std::env::var("NODE_NAME").ok().filter(|n| !n.is_empty()),
            dry_run: false,
            audit: None,
            runtime_socket: host::default_runtime_socket(),
            kube: KubeAccess::Infer,
            spool_dir: PathBuf::from("/var/lib/palisade/spool"),
            spool: SpoolOptions::default(),
            queue: 4096,
            capture: None,
            drain: Duration::from_secs(5),
        }
    }
}

/// What became of one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionResult {
    /// Done (or already the case).
    Done,
    /// Tried and failed.
    Failed,
    /// Not done: a guard, or the alert lacks the target.
    Skipped,
    /// Dry run: what would have been done.
    DryRun,
}

/// One audit record (a JSON line).
#[derive(Debug, Clone, Serialize)]
pub struct AuditRecord {
    /// When the decision was made (RFC 3339, UTC, milliseconds).
    pub time: String,
    pub alert_id: String,
    pub rule: String,
    pub playbook: String,
    pub action: &'static str,
    pub target: Target,
    pub result: ActionResult,
    pub detail: String,
    pub dry_run: bool,
    /// Digest of the playbooks file.
    pub playbooks: String,
}

/// Counters, final once [`Responder::finish`] returns them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Alerts accepted into the queue.
    pub alerts: u64,
    /// Alerts dropped because the queue was full.
    pub dropped: u64,
    /// Alerts that matched at least one playbook.
    pub matched: u64,
    pub done: u64,
    pub failed: u64,
    pub skipped: u64,
    pub dry_run: u64,
    pub notify: NotifyStats,
}

#[derive(Debug, Default)]
struct Counters {
    alerts: AtomicU64,
    dropped: AtomicU64,
    matched: AtomicU64,
    done: AtomicU64,
    failed: AtomicU64,
    skipped: AtomicU64,
    dry_run: AtomicU64,
}

impl Counters {
    fn snapshot(&self) -> Stats {
        let l = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Stats {
            alerts: l(&self.alerts),
            dropped: l(&self.dropped),
            matched: l(&self.matched),
            done: l(&self.done),
            failed: l(&self.failed),
            skipped: l(&self.skipped),
            dry_run: l(&self.dry_run),
            notify: NotifyStats::default(),
        }
    }
}

/// Why the responder could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("opening the audit log {path}")]
    Audit {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Spool(#[from] SpoolError),
    #[error("starting the responder thread")]
    Thread(#[source] std::io::Error),
}

/// Runs playbooks on alerts; see the crate documentation.
#[derive(Debug)]
pub struct Responder {
    queue: Option<SyncSender<AlertRecord>>,
    thread: Option<JoinHandle<NotifyStats>>,
    counters: Arc<Counters>,
}

impl Responder {
    /// Opens the audit log and the notification spool (resuming its deliveries) and starts the
    /// worker thread.
    pub fn start(playbooks: Playbooks, options: RespondOptions) -> Result<Responder, StartError> {
        let audit = match &options.audit {
            Some(path) => Some(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|source| StartError::Audit {
                        path: path.clone(),
                        source,
                    })?,
            ),
            None => None,
        };
        let needs_spool = playbooks
            .playbooks
            .iter()
            .flat_map(|p| &p.actions)
            .any(|a| matches!(a.kind, ActionKind::Notify { .. }))
            || options.spool_dir.exists();
        let spool = if needs_spool {
            Some(Spool::open(&options.spool_dir, options.spool.clone())?)
        } else {
            None
        };
        let (queue, jobs) = sync_channel(options.queue.max(1));
        let counters = Arc::new(Counters::default());
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(StartError::Thread)?;
        let guards = vec![GuardState::default(); playbooks.playbooks.len()];
        let worker = Worker {
            playbooks,
            runtime: ContainerRuntime::new(options.runtime_socket.clone()),
            cluster: Cluster::new(options.kube.clone()),
            own_container: host::own_container_id(),
            own_pod: std::env::var("POD_NAMESPACE")
                .ok()
                .zip(std::env::var("POD_NAME").ok()),
            options,
            rt,
            spool,
            audit,
            guards,
            counters: counters.clone(),
        };
        let thread = std::thread::Builder::new()
            .name("palisade-respond".into())
            .spawn(move || worker.run(jobs))
            .map_err(StartError::Thread)?;
        Ok(Responder {
            queue: Some(queue),
            thread: Some(thread),
            counters,
        })
    }

    /// Queues an alert raised in process. Never blocks: when the queue is full the alert is
    /// dropped and counted.
    pub fn handle(&self, alert: &Alert) {
        self.handle_record(AlertRecord::from_alert(alert));
    }

    /// Queues a Falco JSON alert; `Ok(false)` when the queue was full.
    pub fn handle_json(&self, json: serde_json::Value) -> Result<bool, AlertError> {
        Ok(self.handle_record(AlertRecord::from_json(json)?))
    }

    /// Queues an alert; `false` when the queue was full and it was dropped.
    pub fn handle_record(&self, alert: AlertRecord) -> bool {
        let Some(queue) = &self.queue else {
            return false;
        };
        match queue.try_send(alert) {
            Ok(()) => {
                self.counters.alerts.fetch_add(1, Ordering::Relaxed);
                true
            }
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.counters.dropped.fetch_add(1, Ordering::Relaxed);
                false
            }
        }
    }

    /// The counters now (notification counters only in [`Responder::finish`]'s).
    pub fn stats(&self) -> Stats {
        self.counters.snapshot()
    }

    /// Handles what is queued, gives spooled notifications [`RespondOptions::drain`], stops the
    /// threads and returns the counters. Undelivered notifications stay in the spool.
    pub fn finish(mut self) -> Stats {
        self.queue.take();
        let notify = self
            .thread
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default();
        Stats {
            notify,
            ..self.counters.snapshot()
        }
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        self.queue.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[derive(Debug, Clone, Default)]
struct GuardState {
    /// When the playbook's recent actions ran (for maxPerMinute).
    recent: VecDeque<Instant>,
    /// When each (action, target) last ran (for the dedupe window).
    seen: HashMap<String, Instant>,
}

struct Worker {
    playbooks: Playbooks,
    options: RespondOptions,
    rt: tokio::runtime::Runtime,
    runtime: ContainerRuntime,
    cluster: Cluster,
    spool: Option<Spool>,
    audit: Option<File>,
    guards: Vec<GuardState>,
    counters: Arc<Counters>,
    own_container: Option<String>,
    own_pod: Option<(String, String)>,
}

impl Worker {
    fn run(mut self, jobs: Receiver<AlertRecord>) -> NotifyStats {
        for alert in jobs {
            self.alert(&alert);
        }
        match self.spool.take() {
            Some(s) => s.finish(self.options.drain),
            None => NotifyStats::default(),
        }
    }

    fn alert(&mut self, alert: &AlertRecord) {
        let target = Target::of(alert, self.options.node_name.as_deref());
        let mut matched = false;
        for i in 0..self.playbooks.playbooks.len() {
            if !self.playbooks.playbooks[i].matcher.matches(alert) {
                continue;
            }
            matched = true;
            let playbook = self.playbooks.playbooks[i].clone();
            for action in &playbook.actions {
                self.action(i, &playbook, action, alert, &target);
            }
            if !playbook.continue_ {
                break;
            }
        }
        if matched {
            self.counters.matched.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn action(
        &mut self,
        index: usize,
        playbook: &Playbook,
        action: &Action,
        alert: &AlertRecord,
        target: &Target,
    ) {
        let dry_run = self.options.dry_run || playbook.dry_run;
        let (result, detail) = match self.guard(index, playbook, &action.kind, alert, target) {
            Err(why) => (ActionResult::Skipped, why),
            Ok(()) if dry_run => (ActionResult::DryRun, describe(&action.kind, target)),
            Ok(()) => match self.execute(action, alert, target) {
                Ok(d) => (ActionResult::Done, d),
                Err(d) => (ActionResult::Failed, d),
            },
        };
        let counter = match result {
            ActionResult::Done => &self.counters.done,
            ActionResult::Failed => &self.counters.failed,
            ActionResult::Skipped => &self.counters.skipped,
            ActionResult::DryRun => &self.counters.dry_run,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        let record = AuditRecord {
            time: now_rfc3339(),
            alert_id: alert.id.clone(),
            rule: alert.rule.clone(),
            playbook: playbook.name.clone(),
            action: action.kind.name(),
            target: target.clone(),
            result,
            detail,
            dry_run,
            playbooks: self.playbooks.digest.clone(),
        };
        tracing::info!(
            alert = %record.alert_id,
            rule = %record.rule,
            playbook = %record.playbook,
            action = record.action,
            result = ?record.result,
            detail = %record.detail,
            "response action"
        );
        if let Some(f) = &mut self.audit {
            let mut line = serde_json::to_vec(&record).unwrap_or_default();
            line.push(b'\n');
            if let Err(e) = f.write_all(&line) {
                tracing::error!(error = %e, "writing the audit log");
            }
        }
    }

    /// The guards, in order: the target is there, it is not the node's own or a protected one,
    /// the same action on it did not run within the dedupe window, the rate is not exceeded.
    fn guard(
        &mut self,
        index: usize,
        playbook: &Playbook,
        kind: &ActionKind,
        alert: &AlertRecord,
        target: &Target,
    ) -> Result<(), String> {
        let key = format!("{} {}", kind.name(), target_key(kind, alert, target)?);
        let g = &playbook.guards;
        let notify = matches!(kind, ActionKind::Notify { .. });
        if !notify {
            if let Some(ns) = &target.namespace {
                if g.skip_namespaces
                    .iter()
                    .any(|p| palisade_core::glob::glob(p, ns))
                {
                    return Err(format!("namespace {ns} is protected (skipNamespaces)"));
                }
            }
            if let Some(image) = &target.image {
                if g.skip_images
                    .iter()
                    .any(|p| palisade_core::glob::glob(p, image))
                {
                    return Err(format!("image {image} is protected (skipImages)"));
                }
            }
            if g.skip_system {
                self.system(kind, target)?;
            }
        }
        let now = Instant::now();
        let state = &mut self.guards[index];
        if !g.dedupe.is_zero() {
            state.seen.retain(|_, t| now.duration_since(*t) < g.dedupe);
            if let Some(t) = state.seen.get(&key) {
                return Err(format!(
                    "{key} already ran {:.1} s ago (dedupe window {} s)",
                    now.duration_since(*t).as_secs_f64(),
                    g.dedupe.as_secs()
                ));
            }
        }
        if let (Some(max), false) = (g.max_per_minute, notify) {
            while state
                .recent
                .front()
                .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(60))
            {
                state.recent.pop_front();
            }
            if state.recent.len() >= max as usize {
                return Err(format!(
                    "rate limit: {max} actions per minute reached (maxPerMinute)"
                ));
            }
            state.recent.push_back(now);
        }
        if !g.dedupe.is_zero() {
            state.seen.insert(key, now);
        }
        Ok(())
    }

    /// The node's own processes and system containers, and palisade's own.
    fn system(&self, kind: &ActionKind, target: &Target) -> Result<(), String> {
        match kind {
            ActionKind::KillProcess
            | ActionKind::StopContainer { .. }
            | ActionKind::KillContainer { .. }
            | ActionKind::PauseContainer => {
                let Some(id) = &target.container_id else {
                    return Err(
                        "the process runs on the node itself, not in a container (skipSystem)"
                            .into(),
                    );
                };
                if let Some(own) = &self.own_container {
                    if !id.is_empty() && own.starts_with(id.as_str()) {
                        return Err("the target is palisade's own container (skipSystem)".into());
                    }
                }
                Ok(())
            }
            ActionKind::DeletePod { .. }
            | ActionKind::LabelPod { .. }
            | ActionKind::IsolatePod { .. } => {
                if target.namespace.as_deref() == Some("kube-system") {
                    return Err("kube-system pods are the node's system pods (skipSystem)".into());
                }
                if let (Some((ns, pod)), Some(tns), Some(tpod)) =
                    (&self.own_pod, &target.namespace, &target.pod)
                {
                    if ns == tns && pod == tpod {
                        return Err("the target is palisade's own pod (skipSystem)".into());
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn execute(
        &mut self,
        action: &Action,
        alert: &AlertRecord,
        target: &Target,
    ) -> Result<String, String> {
        let timeout = action.timeout;
        let missing = |what: &str| format!("the alert has no {what}");
        match &action.kind {
            ActionKind::KillProcess => host::kill_process(target),
            ActionKind::StopContainer { timeout: t } => {
                let id = target
                    .container_id
                    .clone()
                    .ok_or_else(|| missing("container.id"))?;
                let op = ContainerOp::Stop {
                    timeout_seconds: t.as_secs(),
                };
                self.block_on(timeout + *t, async { self.runtime.act(&id, op).await })
            }
            ActionKind::KillContainer { signal } => {
                let id = target
                    .container_id
                    .clone()
                    .ok_or_else(|| missing("container.id"))?;
                self.block_on(timeout, async {
                    self.runtime.act(&id, ContainerOp::Kill { signal }).await
                })
            }
            ActionKind::PauseContainer => {
                let id = target
                    .container_id
                    .clone()
                    .ok_or_else(|| missing("container.id"))?;
                self.block_on(timeout, async {
                    self.runtime.act(&id, ContainerOp::Pause).await
                })
            }
            ActionKind::Capture { window } => match &self.options.capture {
                Some(c) => c.capture(alert, target, *window),
                None => Err("no capture source: capture runs in `palisade detect --live`".into()),
            },
            ActionKind::DeletePod {
                grace_period_seconds,
            } => {
                let (ns, pod) = pod_of(target)?;
                let grace = *grace_period_seconds as u32;
                let cluster = &mut self.cluster;
                block_on(&self.rt, timeout, cluster.delete_pod(&ns, &pod, grace))
            }
            ActionKind::LabelPod { labels } => {
                let (ns, pod) = pod_of(target)?;
                let cluster = &mut self.cluster;
                block_on(&self.rt, timeout, cluster.label_pod(&ns, &pod, labels))
            }
            ActionKind::IsolatePod { label } => {
                let (ns, pod) = pod_of(target)?;
                let cluster = &mut self.cluster;
                block_on(&self.rt, timeout, cluster.isolate_pod(&ns, &pod, label))
            }
            ActionKind::TaintNode { key, value, effect } => {
                let node = target.node.clone().ok_or_else(|| missing("node name"))?;
                let cluster = &mut self.cluster;
                block_on(
                    &self.rt,
                    timeout,
                    cluster.taint_node(&node, key, value, *effect),
                )
            }
            ActionKind::CordonNode => {
                let node = target.node.clone().ok_or_else(|| missing("node name"))?;
                let cluster = &mut self.cluster;
                block_on(&self.rt, timeout, cluster.cordon_node(&node))
            }
            ActionKind::Notify { url, format } => {
                let body = match format {
                    NotifyFormat::Falco => serde_json::to_vec(&alert.json),
                    NotifyFormat::Slack => serde_json::to_vec(&alert.slack()),
                }
                .map_err(|e| e.to_string())?;
                let spool = self
                    .spool
                    .as_mut()
                    .ok_or("the notification spool is not open")?;
                let seq = spool.enqueue(url, &body).map_err(|e| e.to_string())?;
                Ok(format!("spooled for {url} (#{seq})"))
            }
        }
    }

    fn block_on<F>(&self, timeout: Duration, f: F) -> Result<String, String>
    where
        F: Future<Output = Result<String, String>>,
    {
        block_on(&self.rt, timeout, f)
    }
}

fn block_on<F>(rt: &tokio::runtime::Runtime, timeout: Duration, f: F) -> Result<String, String>
where
    F: Future<Output = Result<String, String>>,
{
    rt.block_on(async {
        match tokio::time::timeout(timeout, f).await {
            Ok(r) => r,
            Err(_) => Err(format!("timed out after {} s", timeout.as_secs_f64())),
        }
    })
}

fn pod_of(target: &Target) -> Result<(String, String), String> {
    match (&target.namespace, &target.pod) {
        (Some(ns), Some(pod)) => Ok((ns.clone(), pod.clone())),
        _ => Err("the alert has no k8s.ns.name and k8s.pod.name".into()),
    }
}

/// What the action acts on, for the dedupe window; an error when the alert lacks it.
fn target_key(kind: &ActionKind, alert: &AlertRecord, t: &Target) -> Result<String, String> {
    let need = |v: &Option<String>, what: &str| {
        v.clone().ok_or_else(|| format!("the alert has no {what}"))
    };
    Ok(match kind {
        ActionKind::KillProcess => format!(
            "pid {}",
            t.pid
                .ok_or_else(|| "the alert has no proc.pid".to_owned())?
        ),
        ActionKind::StopContainer { .. }
        | ActionKind::KillContainer { .. }
        | ActionKind::PauseContainer => {
            format!(
                "container {}",
                t.container_id
                    .clone()
                    .ok_or("the alert names no container (container.id is empty or host)")?
            )
        }
        ActionKind::Capture { .. } => match (&t.container_id, t.pid) {
            (Some(c), _) => format!("container {c}"),
            (None, Some(p)) => format!("pid {p}"),
            (None, None) => format!("host {}", alert.hostname),
        },
        ActionKind::DeletePod { .. }
        | ActionKind::LabelPod { .. }
        | ActionKind::IsolatePod { .. } => {
            format!(
                "pod {}/{}",
                need(&t.namespace, "k8s.ns.name")?,
                need(&t.pod, "k8s.pod.name")?
            )
        }
        ActionKind::TaintNode { .. } | ActionKind::CordonNode => {
            format!("node {}", need(&t.node, "node name")?)
        }
        ActionKind::Notify { url, .. } => format!("alert {} to {url}", alert.id),
    })
}

/// What a dry run would have done.
fn describe(kind: &ActionKind, t: &Target) -> String {
    let c = t.container_id.as_deref().unwrap_or("?");
    let c = &c[..c.len().min(12)];
    let pod = format!(
        "{}/{}",
        t.namespace.as_deref().unwrap_or("?"),
        t.pod.as_deref().unwrap_or("?")
    );
    let node = t.node.as_deref().unwrap_or("?");
    let s = match kind {
        ActionKind::KillProcess => format!("send SIGKILL to pid {}", t.pid.unwrap_or(0)),
        ActionKind::StopContainer { timeout } => {
            format!("stop container {c} (SIGKILL after {} s)", timeout.as_secs())
        }
        ActionKind::KillContainer { signal } => format!("send {signal} to container {c}"),
        ActionKind::PauseContainer => format!("pause container {c}"),
        ActionKind::Capture { window } => {
            format!("capture {} s around the alert", window.as_secs())
        }
        ActionKind::DeletePod {
            grace_period_seconds,
        } => format!("delete pod {pod} (grace period {grace_period_seconds} s)"),
        ActionKind::LabelPod { labels } => {
            let l: Vec<String> = labels
                .iter()
                .map(|(k, v)| match v {
                    Some(v) => format!("{k}={v}"),
                    None => format!("{k}-"),
                })
                .collect();
            format!("label pod {pod} {}", l.join(","))
        }
        ActionKind::IsolatePod { label } => format!(
            "label pod {pod} {}={} and create NetworkPolicy {} denying all its traffic",
            label.0,
            label.1,
            crate::cluster::ISOLATION_POLICY
        ),
        ActionKind::TaintNode { key, value, effect } => {
            format!("taint node {node} {key}={value}:{}", effect.as_str())
        }
        ActionKind::CordonNode => format!("cordon node {node}"),
        ActionKind::Notify { url, .. } => format!("notify {url}"),
    };
    format!("would {s}")
}

fn now_rfc3339() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let s = palisade_core::time::rfc3339(now.as_secs() as i64);
    match s.strip_suffix('Z') {
        Some(base) => format!("{base}.{:03}Z", now.subsec_millis()),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// A capture source that records what it was asked.
    #[derive(Debug, Default)]
    struct Recorder(Mutex<Vec<(String, Option<String>, u64)>>);

    impl Capture for Recorder {
        fn capture(
            &self,
            alert: &AlertRecord,
            target: &Target,
            window: Duration,
        ) -> Result<String, String> {
            self.0.lock().unwrap().push((
                alert.rule.clone(),
                target.container_id.clone(),
                window.as_secs(),
            ));
            Ok(format!("/captures/{}.scap", alert.rule))
        }
    }

    fn run(
        playbooks: &str,
        alerts: &[serde_json::Value],
    ) -> (Stats, Vec<AuditRecordOwned>, Arc<Recorder>) {
        let dir = tempfile::tempdir().unwrap();
        let rec = Arc::new(Recorder::default());
        let audit = dir.path().join("audit.jsonl");
        let r = Responder::start(
            Playbooks::parse("p.yaml", playbooks.as_bytes()).unwrap(),
            RespondOptions {
                audit: Some(audit.clone()),
                spool_dir: dir.path().join("spool"),
                capture: Some(rec.clone()),
                ..RespondOptions::default()
            },
        )
        .unwrap();
        for a in alerts {
            assert!(r.handle_json(a.clone()).unwrap());
        }
        let stats = r.finish();
        let records = std::fs::read_to_string(audit)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        (stats, records, rec)
    }

    #[derive(Debug, serde::Deserialize)]
    struct AuditRecordOwned {
        playbook: String,
        action: String,
        result: ActionResult,
        detail: String,
    }

    fn alert(rule: &str, container: &str, tags: &[&str]) -> serde_json::Value {
        serde_json::json!({"rule": rule, "priority": "Error", "source": "syscall", "tags": tags,
            "output_fields": {"container.id": container, "k8s.ns.name": "prod"}})
    }

    #[test]
    fn capture_goes_through_the_hook() {
        let (stats, audit, rec) = run(
            "playbooks: [{name: c, match: {}, actions: [{action: capture, seconds: 30}]}]",
            &[alert("R", "abc", &[])],
        );
        assert_eq!(stats.done, 1);
        assert_eq!(audit[0].result, ActionResult::Done);
        assert_eq!(audit[0].detail, "/captures/R.scap");
        assert_eq!(
            *rec.0.lock().unwrap(),
            [("R".to_owned(), Some("abc".to_owned()), 30)]
        );
    }

    #[test]
    fn rate_limit_per_playbook() {
        let alerts: Vec<_> = (0..5).map(|i| alert("R", &format!("c{i}"), &[])).collect();
        let (stats, audit, _) = run(
            "playbooks: [{name: c, match: {}, actions: [capture], guards: {maxPerMinute: 2}}]",
            &alerts,
        );
        assert_eq!((stats.done, stats.skipped), (2, 3));
        assert!(
            audit[4].detail.contains("2 actions per minute"),
            "{audit:?}"
        );
    }

    #[test]
    fn first_match_wins_unless_continue() {
        let playbooks = r#"
playbooks:
  - {name: first, match: {tags: [shell]}, actions: [capture]}
  - {name: second, match: {fields: ["k8s.ns.name=prod"]}, actions: [capture], continue: true}
  - {name: third, match: {priority: ">=Critical"}, actions: [capture]}
  - {name: fourth, match: {source: k8s_audit}, actions: [capture]}
  - {name: last, match: {}, actions: [capture]}
"#;
        let (stats, audit, _) = run(
            playbooks,
            &[alert("A", "c1", &["shell"]), alert("B", "c2", &[])],
        );
        let ran: Vec<&str> = audit.iter().map(|r| r.playbook.as_str()).collect();
        // A: `first` matches and stops. B: `second` matches and goes on; `third` (Error is
        // below Critical) and `fourth` (source) do not match; `last` does and stops.
        assert_eq!(ran, ["first", "second", "last"]);
        assert_eq!(stats.matched, 2);
        assert!(audit.iter().all(|r| r.action == "capture"));
    }

    #[test]
    fn without_a_capture_source_capture_fails_and_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let r = Responder::start(
            Playbooks::parse(
                "p.yaml",
                b"playbooks: [{name: c, match: {}, actions: [capture]}]",
            )
            .unwrap(),
            RespondOptions {
                spool_dir: dir.path().join("spool"),
                ..RespondOptions::default()
            },
        )
        .unwrap();
        r.handle_json(alert("R", "abc", &[])).unwrap();
        let stats = r.finish();
        assert_eq!(stats.failed, 1);
    }
}
