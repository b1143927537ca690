//! Container metadata from the container runtime's API over its socket.
//!
//! Podman and Docker serve the Docker-compatible REST API on a unix socket
//! (`/run/podman/podman.sock`, `/var/run/docker.sock`); `GET /containers/{id}/json` gives a
//! container's name, image, labels (Kubernetes pod name, namespace and uid among them, when a
//! kubelet created it) and mounts. [`Runtime::inspect`] asks each configured socket in turn
//! with a short timeout and turns the answer into the container event JSON that sysdig and
//! Falco write into captures (`{"container": {…}}`), which `palisade-event` parses.
//!
//! CRI runtimes (containerd, CRI-O) answer over gRPC; they are not asked yet, so their
//! containers carry an id (from the cgroup) and no name or image.

use std::path::{Path, PathBuf};
use std::time::Duration;

use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use serde_json::{Value as Json, json};

/// The sockets asked when none is configured, in order.
pub const DEFAULT_SOCKETS: &[&str] = &[
    "/run/podman/podman.sock",
    "/var/run/docker.sock",
    "/run/docker.sock",
];

/// The largest inspect answer read.
const MAX_BODY: usize = 4 << 20;

/// Why the runtime could not be asked.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The socket could not be reached or the request failed.
    #[error("{socket}: {message}")]
    Request {
        /// The socket.
        socket: PathBuf,
        /// What happened.
        message: String,
    },
    /// The runtime does not know the container.
    #[error("{socket}: no container {id}")]
    NotFound {
        /// The socket.
        socket: PathBuf,
        /// The container id.
        id: String,
    },
}

/// A client for the runtimes' REST APIs.
#[derive(Debug)]
pub struct Runtime {
    sockets: Vec<PathBuf>,
    timeout: Duration,
    rt: tokio::runtime::Runtime,
}

impl Runtime {
    /// A client asking `sockets` (the existing ones of [`DEFAULT_SOCKETS`] when empty).
    pub fn new(sockets: Vec<PathBuf>, timeout: Duration) -> std::io::Result<Self> {
        let sockets = if sockets.is_empty() {
            DEFAULT_SOCKETS
                .iter()
                .map(PathBuf::from)
                .filter(|p| p.exists())
                .collect()
        } else {
            sockets
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(Runtime {
            sockets,
            timeout,
            rt,
        })
    }

    /// Whether any socket is configured.
    pub fn is_configured(&self) -> bool {
        !self.sockets.is_empty()
    }

    /// `GET path` on `socket`: the status and the body (at most 4 MiB).
    pub fn request(
        &self,
        socket: &Path,
        method: &str,
        path: &str,
    ) -> Result<(u16, Bytes), RuntimeError> {
        let fail = |message: String| RuntimeError::Request {
            socket: socket.to_owned(),
            message,
        };
        let req = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header(hyper::header::HOST, "localhost")
            .body(Empty::<Bytes>::new())
            .map_err(|e| fail(e.to_string()))?;
        let socket_path = socket.to_owned();
        let work = async move {
            let stream = tokio::net::UnixStream::connect(&socket_path)
                .await
                .map_err(|e| format!("connect: {e}"))?;
            let io = hyper_util::rt::TokioIo::new(stream);
            let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
                .await
                .map_err(|e| e.to_string())?;
            tokio::spawn(conn);
            let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
            let status = resp.status().as_u16();
            let body = Limited::new(resp.into_body(), MAX_BODY)
                .collect()
                .await
                .map_err(|e| format!("reading the answer: {e}"))?
                .to_bytes();
            Ok::<_, String>((status, body))
        };
        self.rt
            .block_on(async { tokio::time::timeout(self.timeout, work).await })
            .map_err(|_| fail(format!("no answer within {:?}", self.timeout)))?
            .map_err(fail)
    }

    /// The container event JSON (`{"container": {…}}`) of container `id` (full or short), from
    /// the first socket that knows it.
    pub fn inspect(&self, id: &str) -> Result<Json, RuntimeError> {
        let mut last = None;
        for socket in &self.sockets {
            match self.request(socket, "GET", &format!("/containers/{id}/json")) {
                Ok((200, body)) => {
                    let v: Json =
                        serde_json::from_slice(&body).map_err(|e| RuntimeError::Request {
                            socket: socket.clone(),
                            message: format!("the answer is not JSON: {e}"),
                        })?;
                    return Ok(container_event_json(&v, socket));
                }
                Ok((404, _)) => {
                    last = Some(RuntimeError::NotFound {
                        socket: socket.clone(),
                        id: id.to_owned(),
                    })
                }
                Ok((status, body)) => {
                    last = Some(RuntimeError::Request {
                        socket: socket.clone(),
                        message: format!(
                            "HTTP {status}: {}",
                            String::from_utf8_lossy(&body[..body.len().min(200)])
                        ),
                    })
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| RuntimeError::NotFound {
            socket: PathBuf::new(),
            id: id.to_owned(),
        }))
    }
}

/// sinsp's container types: 0 docker, 11 podman.
fn runtime_type(socket: &Path) -> i64 {
    if socket.to_string_lossy().contains("podman") {
        11
    } else {
        0
    }
}

/// Turns a Docker-compatible inspect answer into the container event JSON of captures.
pub fn container_event_json(v: &Json, socket: &Path) -> Json {
    let s = |p: &str| v.pointer(p).and_then(Json::as_str).unwrap_or_default();
    let image = s("/Config/Image");
    let (repo, tag) = palisade_event::state::split_image(image);
    let digest = v
        .pointer("/ImageDigest")
        .and_then(Json::as_str)
        .map(str::to_owned)
        .or_else(|| image.split_once('@').map(|(_, d)| d.to_owned()))
        .unwrap_or_default();
    let labels = v.pointer("/Config/Labels").cloned().unwrap_or(json!({}));
    let mounts: Vec<Json> = v
        .get("Mounts")
        .and_then(Json::as_array)
        .map(|ms| {
            ms.iter()
                .map(|m| {
                    json!({
                        "Source": m.get("Source").cloned().unwrap_or(Json::Null),
                        "Destination": m.get("Destination").cloned().unwrap_or(Json::Null),
                        "Mode": m.get("Mode").cloned().unwrap_or(json!("")),
                        "RW": m.get("RW").cloned().unwrap_or(json!(false)),
                        "Propagation": m.get("Propagation").cloned().unwrap_or(json!("")),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let created = s("/Created");
    let created_time =
        palisade_core::time::parse_rfc3339_nanos(created).map_or(0, |ns| ns / 1_000_000_000);
    let host_mode = |key: &str| s(&format!("/HostConfig/{key}")) == "host";
    json!({"container": {
        "id": s("/Id"),
        "name": s("/Name").trim_start_matches('/'),
        "image": image,
        "imageid": s("/Image").trim_start_matches("sha256:"),
        "imagerepo": repo,
        "imagetag": tag,
        "imagedigest": digest,
        "type": runtime_type(socket),
        "privileged": v.pointer("/HostConfig/Privileged").and_then(Json::as_bool).unwrap_or(false),
        "labels": labels,
        "Mounts": mounts,
        "ip": s("/NetworkSettings/IPAddress"),
        "created_time": created_time,
        "host_network": host_mode("NetworkMode"),
        "host_pid": host_mode("PidMode"),
        "host_ipc": host_mode("IpcMode"),
    }})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inspect_answers_become_container_events() {
        let v = json!({
            "Id": "4f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8",
            "Name": "/web",
            "Created": "2026-12-03T06:00:00.123456789Z",
            "Image": "sha256:aaaa",
            "ImageDigest": "sha256:bbbb",
            "Config": {"Image": "localhost/palisade-test/busybox:latest",
                       "Labels": {"io.kubernetes.pod.name": "p", "io.kubernetes.pod.namespace": "ns"}},
            "HostConfig": {"Privileged": true, "NetworkMode": "host", "PidMode": ""},
            "Mounts": [{"Source": "/srv", "Destination": "/data", "RW": true}]
        });
        let j = container_event_json(&v, Path::new("/run/podman/podman.sock"));
        let c = palisade_event::state::parse_container_json(j.to_string().as_bytes()).unwrap();
        assert_eq!(c.id, "4f1a2b3c4d5e");
        assert_eq!(c.name, "web");
        assert_eq!(c.runtime, "podman");
        assert_eq!(c.image_repository, "localhost/palisade-test/busybox");
        assert_eq!(c.image_tag, "latest");
        assert_eq!(c.image_digest, "sha256:bbbb");
        assert_eq!(c.image_id, "aaaa");
        assert_eq!(c.k8s_pod_name, "p");
        assert_eq!(c.k8s_namespace, "ns");
        assert_eq!(c.privileged, Some(true));
        assert_eq!(c.host_network, Some(true));
        assert_eq!(c.host_pid, Some(false));
        assert_eq!(c.mounts[0].dest, "/data");
        assert!(c.created_time > 1_700_000_000);
    }
}
