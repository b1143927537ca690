//! `palisade admission`: serve the webhook, check its configuration, make its certificates,
//! print its manifests.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use palisade_admission::{config, deploy, server};

use crate::{GlobalOptions, Outcome, output};

#[derive(Debug, clap::Args)]
pub struct AdmissionArgs {
    #[command(subcommand)]
    command: AdmissionCommand,
}

#[derive(Debug, clap::Subcommand)]
enum AdmissionCommand {
    /// Serve /validate, /mutate, /healthz, /readyz and /metrics over HTTPS.
    Serve {
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
    /// Validate a configuration file (file:line:column diagnostics).
    CheckConfig { config: PathBuf },
    /// Write a CA and a serving certificate for the service's DNS names.
    Certs {
        #[arg(long, default_value = "palisade-admission")]
        service: String,
        #[arg(long, default_value = "palisade-system")]
        namespace: String,
        /// More DNS names or IP addresses for the certificate (repeatable).
        #[arg(long = "name", value_name = "NAME")]
        names: Vec<String>,
        #[arg(long, default_value_t = 365)]
        days: u32,
        /// Where to write ca.crt, tls.crt and tls.key.
        #[arg(long, value_name = "DIR", default_value = ".")]
        out_dir: PathBuf,
    },
    /// Print the manifests that install the webhook (caBundle from --ca).
    Manifests {
        #[arg(long, default_value = "palisade-system")]
        namespace: String,
        #[arg(long, default_value = "ghcr.io/palisade-security/palisade:latest")]
        image: String,
        /// The CA certificate (PEM) that signed the serving certificate.
        #[arg(long, value_name = "FILE")]
        ca: PathBuf,
        /// The API server's timeout for each call, in seconds (1 to 30).
        #[arg(long, default_value_t = 10)]
        timeout: u32,
    },
}

pub fn run(args: AdmissionArgs, _global: &GlobalOptions) -> anyhow::Result<Outcome> {
    match args.command {
        AdmissionCommand::CheckConfig { config: path } => match config::load_file(&path) {
            Ok(c) => {
                let mut out = output::writer(None)?;
                writeln!(
                    out,
                    "{}: ok ({} image rules, listen {})",
                    path.display(),
                    c.images.len(),
                    c.listen
                )?;
                Ok(Outcome::Clean)
            }
            Err(diags) => {
                let mut out = output::writer(None)?;
                for d in &diags {
                    writeln!(out, "{d}")?;
                }
                Ok(Outcome::Failed)
            }
        },
        AdmissionCommand::Certs {
            service,
            namespace,
            names,
            days,
            out_dir,
        } => {
            let mut all = deploy::service_names(&service, &namespace);
            all.extend(names);
            let certs = deploy::certs(&all, days).context("making the certificates")?;
            std::fs::create_dir_all(&out_dir)?;
            std::fs::write(out_dir.join("ca.crt"), &certs.ca_cert)?;
            std::fs::write(out_dir.join("tls.crt"), &certs.cert)?;
            {
                use std::os::unix::fs::OpenOptionsExt;
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .mode(0o600)
                    .open(out_dir.join("tls.key"))?;
                f.write_all(certs.key.as_bytes())?;
            }
            let mut err = std::io::stderr().lock();
            writeln!(
                err,
                "wrote ca.crt, tls.crt and tls.key in {} for {}",
                out_dir.display(),
                all.join(", ")
            )?;
            Ok(Outcome::Clean)
        }
        AdmissionCommand::Manifests {
            namespace,
            image,
            ca,
            timeout,
        } => {
            if !(1..=30).contains(&timeout) {
                bail!("--timeout must be between 1 and 30 seconds (the API server's limit)");
            }
            let pem = std::fs::read_to_string(&ca)
                .with_context(|| format!("reading {}", ca.display()))?;
            let mut out = output::writer(None)?;
            out.write_all(deploy::manifests(&namespace, &image, &pem, timeout).as_bytes())?;
            Ok(Outcome::Clean)
        }
        AdmissionCommand::Serve { config: path } => serve(path),
    }
}

fn load(path: &std::path::Path) -> anyhow::Result<config::Config> {
    config::load_file(path).map_err(|diags| {
        let text: Vec<String> = diags.iter().map(ToString::to_string).collect();
        anyhow::anyhow!("invalid configuration:\n{}", text.join("\n"))
    })
}

fn serve(path: PathBuf) -> anyhow::Result<Outcome> {
    let cfg = load(&path)?;
    let (Some(cert), Some(key)) = (cfg.tls_cert.clone(), cfg.tls_key.clone()) else {
        bail!(
            "{}: `tls: {{cert, key}}` is required (the API server only calls webhooks over HTTPS)",
            path.display()
        );
    };
    let listen = cfg.listen.clone();
    // Registry credentials, as every command reads them.
    let credentials = std::env::var("PALISADE_REGISTRY_USERNAME")
        .ok()
        .map(|username| palisade_image::Credentials {
            username,
            password: std::env::var("PALISADE_REGISTRY_PASSWORD").unwrap_or_default(),
        });
    let verifier = palisade_admission::decide::RegistryVerifier {
        credentials: Some(palisade_sign::Access {
            credentials,
            timeout: cfg.registry_timeout,
        }),
    };
    let state = server::AppState::new(cfg, Arc::new(verifier)).context("opening the audit log")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&listen)
            .await
            .with_context(|| format!("listening on {listen}"))?;
        tracing::info!(%listen, "admission webhook serving");
        // Configuration reload: a valid new file replaces the old one between requests.
        {
            let state = state.clone();
            let path = path.clone();
            tokio::spawn(async move {
                let stamp = |p: &std::path::Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
                let mut seen = stamp(&path);
                loop {
                    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                    let now = stamp(&path);
                    if now != seen {
                        seen = now;
                        match config::load_file(&path) {
                            Ok(c) => {
                                state.reload(c);
                                tracing::info!("configuration reloaded");
                            }
                            Err(d) => tracing::warn!(problems = d.len(), first = %d[0], "configuration changed but is invalid; keeping the previous one"),
                        }
                    }
                }
            });
        }
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        server::serve(listener, server::router(state), server::TlsFiles { cert, key }, shutdown)
            .await
            .map_err(|e| anyhow::anyhow!(e))
    })?;
    Ok(Outcome::Clean)
}
