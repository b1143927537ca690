//! `palisade respond`: check a playbooks file, or serve an endpoint that takes Falco's JSON
//! alerts and runs the playbooks on them.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use palisade_respond::{KubeAccess, Playbooks, RespondOptions, Responder};

use crate::{GlobalOptions, Outcome, output};

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct RespondArgs {
    #[command(subcommand)]
    command: Option<RespondCommand>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, clap::Subcommand)]
enum RespondCommand {
    /// Validate a playbooks file (file:line:column diagnostics; exit 2 when it has errors).
    Check { file: PathBuf },
}

/// Serve POST / and /alerts (Falco's JSON alerts), /healthz and /metrics.
#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Address to listen on (e.g. 0.0.0.0:2801).
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
    /// The playbooks file.
    #[arg(long, value_name = "FILE")]
    playbooks: Option<PathBuf>,
    /// Append one JSON line per action decision here.
    #[arg(long, value_name = "FILE")]
    audit: Option<PathBuf>,
    /// Say what would be done, change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Where notifications wait until their receiver takes them.
    #[arg(long, value_name = "DIR", default_value = "/var/lib/palisade/spool")]
    spool: PathBuf,
    /// The container runtime's API socket (default: podman's, else Docker's).
    #[arg(long, value_name = "PATH")]
    runtime_socket: Option<PathBuf>,
    /// Kubeconfig for the cluster actions (default: KUBECONFIG, ~/.kube/config, in-cluster).
    #[arg(long, value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
    /// This node's name, for taint-node and cordon-node (default: each alert's hostname).
    #[arg(long, env = "NODE_NAME")]
    node_name: Option<String>,
    /// Stop after this long (default: on SIGINT or SIGTERM).
    #[arg(long, value_parser = super::detect::parse_duration)]
    duration: Option<Duration>,
}

pub fn run(args: RespondArgs, _global: &GlobalOptions) -> anyhow::Result<Outcome> {
    if let Some(RespondCommand::Check { file }) = args.command {
        return check(&file);
    }
    let a = args.serve;
    let (Some(listen), Some(path)) = (a.listen, a.playbooks) else {
        bail!("palisade respond needs --listen ADDR and --playbooks FILE (or: respond check FILE)");
    };
    let playbooks = load(&path)?;
    let mut options = RespondOptions {
        node_name: a.node_name.filter(|n| !n.is_empty()),
        dry_run: a.dry_run,
        audit: a.audit,
        spool_dir: a.spool,
        ..RespondOptions::default()
    };
    if let Some(s) = a.runtime_socket {
        options.runtime_socket = s;
    }
    if let Some(k) = a.kubeconfig {
        options.kube = KubeAccess::Kubeconfig(k);
    }
    tracing::info!(
        playbooks = playbooks.playbooks.len(),
        digest = %playbooks.digest,
        dry_run = options.dry_run,
        "playbooks loaded"
    );
    let responder =
        Arc::new(Responder::start(playbooks, options).context("starting the responder")?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let served = {
        let responder = responder.clone();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind(&listen)
                .await
                .with_context(|| format!("listening on {listen}"))?;
            tracing::info!(listen = %listener.local_addr()?, "respond serving");
            let shutdown = async move {
                let mut term =
                    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    {
                        Ok(t) => t,
                        Err(_) => return std::future::pending().await,
                    };
                let limit = async {
                    match a.duration {
                        Some(d) => tokio::time::sleep(d).await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                    () = limit => {}
                }
            };
            palisade_respond::server::serve(listener, responder, shutdown)
                .await
                .context("serving")
        })
    };
    drop(runtime);
    let stats = match Arc::try_unwrap(responder) {
        Ok(r) => r.finish(),
        Err(r) => r.stats(),
    };
    tracing::info!(
        alerts = stats.alerts,
        dropped = stats.dropped,
        done = stats.done,
        failed = stats.failed,
        skipped = stats.skipped,
        dry_run = stats.dry_run,
        notifications_pending = stats.notify.pending,
        "respond stopped"
    );
    served?;
    Ok(Outcome::Clean)
}

pub fn load(path: &std::path::Path) -> anyhow::Result<Playbooks> {
    Playbooks::load(path).map_err(|d| {
        let lines: Vec<String> = d.0.iter().map(ToString::to_string).collect();
        anyhow::anyhow!("{}", lines.join("\n"))
    })
}

fn check(file: &std::path::Path) -> anyhow::Result<Outcome> {
    match Playbooks::load(file) {
        Ok(p) => {
            let mut out = output::writer(None)?;
            let actions: usize = p.playbooks.iter().map(|p| p.actions.len()).sum();
            writeln!(
                out,
                "{}: ok ({} playbooks, {} actions, {} denyExec rules)",
                file.display(),
                p.playbooks.len(),
                actions,
                p.deny_exec.len()
            )?;
            Ok(Outcome::Clean)
        }
        Err(d) => {
            let mut out = output::writer(None)?;
            for diag in &d.0 {
                writeln!(out, "{diag}")?;
            }
            out.flush()?;
            bail!("{}: {} problem(s)", file.display(), d.0.len())
        }
    }
}
