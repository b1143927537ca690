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
    // Every alert is read before any is queued: a bad batch is refused whole.
    let mut records = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        match crate::alert::AlertRecord::from_json(item) {
            Ok(a) => records.push(a),
            Err(e) => {
                return (
                    StatusCode::BAD_REQUEST,
                    axum::Json(json!({"error": format!("alert {i}: {e}")})),
                );
            }
        }
    }
    let (mut accepted, mut dropped) = (0u64, 0u64);
    for a in records {
        if r.handle_record(a) {
            accepted += 1;
        } else {
            dropped += 1;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Playbooks, RespondOptions};
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    async fn call(app: &Router, method: &str, path: &str, body: Vec<u8>) -> (u16, String) {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", "application/json")
            .body(Body::from(body))
            .unwrap();
        let resp = app.clone().oneshot(req).await.unwrap();
        let status = resp.status().as_u16();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    #[tokio::test]
    async fn alerts_health_and_metrics() {
        let dir = tempfile::tempdir().unwrap();
        let playbooks = Playbooks::parse(
            "p.yaml",
            b"playbooks: [{name: p, match: {rules: [R]}, actions: [kill-process]}]",
        )
        .unwrap();
        let r = Arc::new(
            Responder::start(
                playbooks,
                RespondOptions {
                    spool_dir: dir.path().join("spool"),
                    ..RespondOptions::default()
                },
            )
            .unwrap(),
        );
        let app = router(r.clone());
        let alert = br#"{"rule":"R","priority":"Warning","output_fields":{"proc.pid":1}}"#;
        assert_eq!(
            call(&app, "POST", "/", alert.to_vec()).await,
            (202, r#"{"accepted":1,"dropped":0}"#.into())
        );
        let two = format!("[{0},{0}]", String::from_utf8_lossy(alert));
        assert_eq!(call(&app, "POST", "/alerts", two.into_bytes()).await.0, 202);
        assert_eq!(call(&app, "POST", "/alerts", b"{".to_vec()).await.0, 400);
        let (status, body) = call(&app, "POST", "/alerts", b"[{\"rule\":\"R\"},3]".to_vec()).await;
        assert_eq!(status, 400);
        assert!(
            body.contains("alert 1: the alert is not a JSON object"),
            "{body}"
        );
        assert_eq!(
            call(&app, "POST", "/", vec![b' '; MAX_BODY + 1]).await.0,
            413
        );
        assert_eq!(
            call(&app, "GET", "/healthz", Vec::new()).await,
            (200, "ok\n".into())
        );
        let (_, metrics) = call(&app, "GET", "/metrics", Vec::new()).await;
        assert!(
            metrics.contains("palisade_respond_alerts_total 3\n"),
            "{metrics}"
        );
        drop(app);
        let stats = Arc::try_unwrap(r).unwrap().finish();
        // The alerts name no container: the node's own processes are not killed.
        assert_eq!(stats.alerts, 3);
        assert_eq!(stats.skipped, 3, "{stats:?}");
    }
}
