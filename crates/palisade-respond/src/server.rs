//! The HTTP endpoint of `palisade respond --listen`: Falco's JSON alerts in (what Falco's
//! `http_output`, Falcosidekick's webhook output and palisade's own webhook send), as an axum
//! [`Router`] with bounded bodies, `/healthz` and Prometheus `/metrics`.
//!
//! `POST /` and `POST /alerts` take one alert object or an array of them: `202` when all were
//! queued, `503` when the queue was full for some (they were dropped and counted), `400` for a
//! body that is not Falco JSON, `413` over [`MAX_BODY`].

use std::fmt::Write as _;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::responder::Responder;

/// The largest request body accepted.
pub const MAX_BODY: usize = 1 << 20;

/// The router; the responder is shared with whoever calls [`Responder::finish`] after the
/// server stopped (`Arc::try_unwrap`).
pub fn router(responder: Arc<Responder>) -> Router {
    Router::new()
        .route("/", post(alerts))
        .route("/alerts", post(alerts))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(responder)
}

async fn alerts(State(r): State<Arc<Responder>>, body: Bytes) -> impl IntoResponse {
    let value: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({"error": format!("not JSON: {e}")})),
            );
        }
    };
    let items = match value {
        Value::Array(items) => items,
        v => vec![v],
    };
    let (mut accepted, mut dropped) = (0u64, 0u64);
    for (i, item) in items.into_iter().enumerate() {
        match r.handle_json(item) {
            Ok(true) => accepted += 1,
            Ok(false) => dropped += 1,
            Err(e) => {
                return (
                    StatusCode::BAD_REQUEST,
                    axum::Json(json!({"error": format!("alert {i}: {e}"), "accepted": accepted})),
                );
            }
        }
    }
    let status = if dropped == 0 {
        StatusCode::ACCEPTED
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        axum::Json(json!({"accepted": accepted, "dropped": dropped})),
    )
}

async fn metrics(State(r): State<Arc<Responder>>) -> impl IntoResponse {
    let s = r.stats();
    let mut out = String::new();
    let mut counter = |name: &str, help: &str, rows: &[(&str, u64)]| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
        for (labels, v) in rows {
            let _ = writeln!(out, "{name}{labels} {v}");
        }
    };
    counter(
        "palisade_respond_alerts_total",
        "Alerts accepted for the playbooks.",
        &[("", s.alerts)],
    );
    counter(
        "palisade_respond_alerts_dropped_total",
        "Alerts dropped because the queue was full.",
        &[("", s.dropped)],
    );
    counter(
        "palisade_respond_alerts_matched_total",
        "Alerts that matched a playbook.",
        &[("", s.matched)],
    );
    counter(
        "palisade_respond_actions_total",
        "Action decisions by result.",
        &[
            ("{result=\"done\"}", s.done),
            ("{result=\"failed\"}", s.failed),
            ("{result=\"skipped\"}", s.skipped),
            ("{result=\"dry_run\"}", s.dry_run),
        ],
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out)
}

/// Serves [`router`] on `listener` until `shutdown` completes, then lets requests in flight
/// finish.
pub async fn serve<F>(
    listener: tokio::net::TcpListener,
    responder: Arc<Responder>,
    shutdown: F,
) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    axum::serve(listener, router(responder))
        .with_graceful_shutdown(shutdown)
        .await
}
