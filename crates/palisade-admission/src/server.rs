//! The HTTP side: an axum [`Router`] with `/validate`, `/mutate`, `/healthz`, `/readyz` and
//! `/metrics`, and [`serve`], which puts it behind rustls on a TCP listener. The router is a
//! library value, so tests call it without a network.
//!
//! Decisions run off the async threads (`spawn_blocking`) under a semaphore; bodies are
//! bounded; a malformed body is a 400 that names the problem without echoing the input; the
//! server keeps serving whatever a request does.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use tokio::sync::Semaphore;

use crate::config::Config;
use crate::decide::{Cache, Touched, Verifier, decide};
use crate::review::{self, MAX_BODY_BYTES};

/// Latency buckets of the histogram, in seconds.
const BUCKETS: [f64; 10] = [
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.5,
];

/// Counters for `/metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    /// (operation, kind, decision) → requests.
    requests: BTreeMap<(String, String, String), u64>,
    bad_requests: u64,
    latency_buckets: [u64; BUCKETS.len()],
    latency_sum: f64,
    latency_count: u64,
    cache_hits: u64,
    registry_errors: u64,
}

impl Metrics {
    fn record(
        &mut self,
        operation: &str,
        kind: &str,
        decision: &str,
        seconds: f64,
        touched: Touched,
    ) {
        *self
            .requests
            .entry((operation.to_owned(), kind.to_owned(), decision.to_owned()))
            .or_insert(0) += 1;
        for (i, b) in BUCKETS.iter().enumerate() {
            if seconds <= *b {
                self.latency_buckets[i] += 1;
            }
        }
        self.latency_sum += seconds;
        self.latency_count += 1;
        self.cache_hits += touched.cache_hits;
        self.registry_errors += touched.registry_errors;
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP palisade_admission_requests_total Admission requests by operation, kind and decision.\n# TYPE palisade_admission_requests_total counter\n");
        for ((op, kind, decision), n) in &self.requests {
            out.push_str(&format!(
                "palisade_admission_requests_total{{operation=\"{}\",kind=\"{}\",decision=\"{}\"}} {n}\n",
                escape(op),
                escape(kind),
                decision
            ));
        }
        out.push_str(&format!(
            "# HELP palisade_admission_bad_requests_total Bodies that were not an AdmissionReview v1.\n# TYPE palisade_admission_bad_requests_total counter\npalisade_admission_bad_requests_total {}\n",
            self.bad_requests
        ));
        out.push_str("# HELP palisade_admission_duration_seconds Time to decide.\n# TYPE palisade_admission_duration_seconds histogram\n");
        for (i, b) in BUCKETS.iter().enumerate() {
            out.push_str(&format!(
                "palisade_admission_duration_seconds_bucket{{le=\"{b}\"}} {}\n",
                self.latency_buckets[i]
            ));
        }
        out.push_str(&format!(
            "palisade_admission_duration_seconds_bucket{{le=\"+Inf\"}} {c}\npalisade_admission_duration_seconds_sum {}\npalisade_admission_duration_seconds_count {c}\n",
            self.latency_sum,
            c = self.latency_count
        ));
        out.push_str(&format!(
            "# HELP palisade_admission_verification_cache_hits_total Image verifications answered from the cache.\n# TYPE palisade_admission_verification_cache_hits_total counter\npalisade_admission_verification_cache_hits_total {}\n",
            self.cache_hits
        ));
        out.push_str(&format!(
            "# HELP palisade_admission_registry_errors_total Registries that could not be asked in time (refused, fail closed).\n# TYPE palisade_admission_registry_errors_total counter\npalisade_admission_registry_errors_total {}\n",
            self.registry_errors
        ));
        out
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// What the handlers share.
pub struct AppState {
    pub config: RwLock<Arc<Config>>,
    pub verifier: Arc<dyn Verifier>,
    pub cache: Cache,
    pub metrics: Mutex<Metrics>,
    pub limit: Semaphore,
    pub audit: Mutex<Option<std::fs::File>>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

impl AppState {
    /// State for a configuration; opens the audit log when one is configured.
    pub fn new(config: Config, verifier: Arc<dyn Verifier>) -> std::io::Result<Arc<AppState>> {
        let audit = match &config.audit_path {
            Some(p) => Some(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)?,
            ),
            None => None,
        };
        Ok(Arc::new(AppState {
            limit: Semaphore::new(config.max_concurrent),
            config: RwLock::new(Arc::new(config)),
            verifier,
            cache: Cache::default(),
            metrics: Mutex::new(Metrics::default()),
            audit: Mutex::new(audit),
        }))
    }

    /// Swaps the configuration in; requests in flight finish with the one they started with.
    pub fn reload(&self, config: Config) {
        if let Ok(mut slot) = self.config.write() {
            *slot = Arc::new(config);
        }
    }

    fn current(&self) -> Arc<Config> {
        self.config
            .read()
            .map(|c| c.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }
}

/// The webhook's routes.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/validate", post(validate))
        .route("/mutate", post(mutate))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let text = state.metrics.lock().map(|m| m.render()).unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

async fn validate(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    handle(state, body, false).await
}

async fn mutate(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    handle(state, body, true).await
}

async fn handle(state: Arc<AppState>, body: Bytes, mutating: bool) -> Response {
    let started = Instant::now();
    let request = match review::parse(&body) {
        Ok(r) => r,
        Err(e) => {
            if let Ok(mut m) = state.metrics.lock() {
                m.bad_requests += 1;
            }
            return (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response();
        }
    };
    let Ok(_permit) = state.limit.acquire().await else {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n").into_response();
    };
    let config = state.current();
    let work_state = state.clone();
    let work_config = config.clone();
    let work_request = request.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        let mut touched = Touched::default();
        let decision = decide(
            &work_config,
            work_state.verifier.as_ref(),
            &work_state.cache,
            &work_request,
            mutating,
            &mut touched,
        );
        (decision, touched)
    })
    .await;
    let (decision, touched) = match outcome {
        Ok(d) => d,
        Err(_) => (
            review::Decision::deny(
                "the webhook failed while deciding (refused: fail closed)",
                vec![],
            ),
            Touched::default(),
        ),
    };
    let elapsed = started.elapsed();
    if let Ok(mut m) = state.metrics.lock() {
        let label = if decision.allowed {
            "allowed"
        } else {
            "denied"
        };
        m.record(
            &request.operation,
            &request.kind.kind,
            label,
            elapsed.as_secs_f64(),
            touched,
        );
    }
    if !request.dry_run {
        audit(&state, &config, &request, &decision, mutating);
    }
    let body = review::response(&request.uid, &decision);
    (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// One JSON line per decision.
fn audit(
    state: &AppState,
    config: &Config,
    request: &review::Request,
    decision: &review::Decision,
    mutating: bool,
) {
    let Ok(mut slot) = state.audit.lock() else {
        return;
    };
    let Some(file) = slot.as_mut() else { return };
    let line = json!({
        "time": palisade_core::time::rfc3339(palisade_core::time::now()),
        "uid": request.uid,
        "webhook": if mutating { "mutate" } else { "validate" },
        "operation": request.operation,
        "namespace": request.namespace,
        "kind": request.kind.kind,
        "name": request.name,
        "user": request.user_info.username,
        "allowed": decision.allowed,
        "message": decision.message,
        "reasons": decision.reasons,
        "patched": !decision.patch.is_empty(),
        "config_digest": config.digest,
    });
    if let Err(e) = writeln!(file, "{line}") {
        tracing::warn!(error = %e, "could not write the admission audit log");
    }
}

/// TLS material that is reloaded when its files change.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

fn modified(path: &std::path::Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Builds a rustls server configuration from PEM files.
pub fn tls_config(files: &TlsFiles) -> Result<Arc<rustls::ServerConfig>, String> {
    use rustls_pki_types::pem::PemObject;
    let certs = rustls_pki_types::CertificateDer::pem_file_iter(&files.cert)
        .map_err(|e| format!("reading {}: {e}", files.cert.display()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("reading {}: {e}", files.cert.display()))?;
    let key = rustls_pki_types::PrivateKeyDer::from_pem_file(&files.key)
        .map_err(|e| format!("reading {}: {e}", files.key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("{} and {}: {e}", files.cert.display(), files.key.display()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Serves the router over TLS until `shutdown` resolves. The certificate and key are read
/// again when their files change; connections already open keep theirs.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    tls: TlsFiles,
    shutdown: impl Future<Output = ()>,
) -> Result<(), String> {
    let current = Arc::new(RwLock::new(tls_config(&tls)?));
    {
        let current = current.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let mut seen = (modified(&tls.cert), modified(&tls.key));
            loop {
                tokio::time::sleep(Duration::from_secs(2)).await;
                let now = (modified(&tls.cert), modified(&tls.key));
                if now != seen {
                    seen = now;
                    match tls_config(&tls) {
                        Ok(c) => {
                            if let Ok(mut slot) = current.write() {
                                *slot = c;
                            }
                            tracing::info!("TLS certificate reloaded");
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "TLS files changed but do not load; keeping the previous certificate")
                        }
                    }
                }
            }
        });
    }
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            () = &mut shutdown => return Ok(()),
        };
        let Ok((stream, _)) = accepted else { continue };
        let config = current
            .read()
            .map(|c| c.clone())
            .unwrap_or_else(|p| p.into_inner().clone());
        let service = router.clone();
        tokio::spawn(async move {
            let acceptor = tokio_rustls::TlsAcceptor::from(config);
            let Ok(Ok(tls)) =
                tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await
            else {
                return;
            };
            let io = hyper_util::rt::TokioIo::new(tls);
            let service = hyper_util::service::TowerToHyperService::new(service);
            let builder =
                hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
            let _ = builder.serve_connection(io, service).await;
        });
    }
}
