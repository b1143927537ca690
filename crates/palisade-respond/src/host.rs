//! Actions on this host: `kill-process` through a pidfd, and the container actions through the
//! container runtime's REST API (podman's or Docker's Docker-compatible endpoints) over its unix
//! socket.

use std::path::{Path, PathBuf};

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use rustix::process::{Pid, PidfdFlags, Signal, pidfd_open, pidfd_send_signal};

use crate::alert::Target;

/// Sends SIGKILL to the target's `proc.pid` through a pidfd, after checking that the pid is not
/// host pid 1, not palisade itself, and (when the alert names it) still runs the process the
/// alert saw. The pidfd is opened before the checks, so a pid reused after them cannot be hit.
pub fn kill_process(target: &Target) -> Result<String, String> {
    let pid = target.pid.ok_or("the alert has no proc.pid")?;
    if pid <= 1 {
        return Err(format!("refusing to kill pid {pid} (the host's init)"));
    }
    let me = std::process::id() as i32;
    if pid == me || thread_group(pid) == Some(me) {
        return Err(format!("refusing to kill pid {pid} (palisade itself)"));
    }
    let Some(p) = Pid::from_raw(pid) else {
        return Err(format!("pid {pid} is not a process id"));
    };
    let fd = match pidfd_open(p, PidfdFlags::empty()) {
        Ok(fd) => fd,
        Err(rustix::io::Errno::SRCH) => return Ok(format!("pid {pid} already gone")),
        Err(e) => return Err(format!("opening a pidfd for pid {pid}: {e}")),
    };
    if let Some(name) = &target.process_name {
        match std::fs::read_to_string(format!("/proc/{pid}/comm")) {
            Ok(comm) => {
                let comm = comm.trim_end_matches('\n');
                // The kernel keeps 15 bytes of the name.
                let want: String = name.chars().take(15).collect();
                if comm != want && !(name.len() > 15 && name.starts_with(comm)) {
                    return Err(format!(
                        "pid {pid} now runs {comm:?}, not {name:?}: not killed (the pid was reused or the process executed another program)"
                    ));
                }
            }
            Err(_) => return Ok(format!("pid {pid} already gone")),
        }
    }
    match pidfd_send_signal(&fd, Signal::KILL) {
        Ok(()) => Ok(format!("sent SIGKILL to pid {pid}")),
        Err(rustix::io::Errno::SRCH) => Ok(format!("pid {pid} already gone")),
        Err(e) => Err(format!("signalling pid {pid}: {e}")),
    }
}

fn thread_group(pid: i32) -> Option<i32> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Tgid:"))
        .and_then(|v| v.trim().parse().ok())
}

/// The container this process runs in, from its cgroup (`libpod-<id>`, `docker-<id>.scope`,
/// `cri-containerd-<id>.scope`, `crio-<id>.scope`, or a 64-hex path component).
pub fn own_container_id() -> Option<String> {
    container_of_cgroup(&std::fs::read_to_string("/proc/self/cgroup").ok()?)
}

/// The container id named in a `/proc/PID/cgroup` file.
pub fn container_of_cgroup(cgroup: &str) -> Option<String> {
    for line in cgroup.lines() {
        let path = line.splitn(3, ':').nth(2).unwrap_or_default();
        for comp in path.split('/').rev() {
            let comp = comp.strip_suffix(".scope").unwrap_or(comp);
            let id = comp.rsplit(['-', '_']).next().unwrap_or(comp);
            if id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Some(id.to_owned());
            }
        }
    }
    None
}

/// A container runtime's Docker-compatible REST API on a unix socket (podman's
/// `podman system service unix:///run/podman/podman.sock`, or Docker's `/var/run/docker.sock`).
#[derive(Debug, Clone)]
pub struct ContainerRuntime {
    pub socket: PathBuf,
}

/// The container actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerOp<'a> {
    /// `POST /containers/{id}/stop?t=N`.
    Stop { timeout_seconds: u64 },
    /// `POST /containers/{id}/kill?signal=S`.
    Kill { signal: &'a str },
    /// `POST /containers/{id}/pause`.
    Pause,
}

impl ContainerRuntime {
    pub fn new(socket: impl Into<PathBuf>) -> ContainerRuntime {
        ContainerRuntime {
            socket: socket.into(),
        }
    }

    /// Runs `op` on container `id`. Idempotent: a container already stopped, not running or
    /// already paused is a success that says so.
    pub async fn act(&self, id: &str, op: ContainerOp<'_>) -> Result<String, String> {
        if id.is_empty()
            || !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
        {
            return Err(format!("{id:?} is not a container id or name"));
        }
        let (path, what) = match op {
            ContainerOp::Stop { timeout_seconds } => (
                format!("/containers/{id}/stop?t={timeout_seconds}"),
                "stopped",
            ),
            ContainerOp::Kill { signal } => {
                (format!("/containers/{id}/kill?signal={signal}"), "killed")
            }
            ContainerOp::Pause => (format!("/containers/{id}/pause"), "paused"),
        };
        let (status, body) = self.post(&path).await?;
        let body = String::from_utf8_lossy(&body);
        let message = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_owned))
            .unwrap_or_else(|| body.trim().chars().take(200).collect());
        let short = &id[..id.len().min(12)];
        match (op, status) {
            (_, 200..=299) => Ok(format!("container {short} {what}")),
            (ContainerOp::Stop { .. }, 304) => Ok(format!("container {short} already stopped")),
            // Docker answers 409; podman 500 "can only kill running containers ... state improper".
            (ContainerOp::Kill { .. }, 409 | 500)
                if status == 409 || message.contains("can only kill running") =>
            {
                Ok(format!("container {short} not running"))
            }
            (ContainerOp::Pause, 409 | 500) if message.contains("paused") => {
                Ok(format!("container {short} already paused"))
            }
            (_, 404) => Err(format!("container {short} not found ({message})")),
            (_, s) => Err(format!("container {short}: {s} {message}")),
        }
    }

    /// One HTTP/1.1 POST over the socket (hyper's client on a tokio `UnixStream`).
    async fn post(&self, path: &str) -> Result<(u16, Bytes), String> {
        let stream = tokio::net::UnixStream::connect(&self.socket)
            .await
            .map_err(|e| {
                format!(
                    "connecting to the container runtime at {}: {e}",
                    self.socket.display()
                )
            })?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("container runtime handshake: {e}"))?;
        let conn = tokio::spawn(conn);
        let req = hyper::Request::post(path)
            .header(hyper::header::HOST, "localhost")
            .body(Empty::<Bytes>::new())
            .map_err(|e| format!("building the request: {e}"))?;
        let resp = sender
            .send_request(req)
            .await
            .map_err(|e| format!("POST {path}: {e}"))?;
        let status = resp.status().as_u16();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("reading the answer to POST {path}: {e}"))?
            .to_bytes();
        drop(sender);
        conn.abort();
        Ok((status, body))
    }
}

/// The default runtime socket: podman's rootful socket if it exists, else Docker's.
pub fn default_runtime_socket() -> PathBuf {
    let podman = Path::new("/run/podman/podman.sock");
    if podman.exists() {
        podman.to_owned()
    } else {
        PathBuf::from("/var/run/docker.sock")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_ids_from_cgroups() {
        let id = "76122f4e78fdab23668e3164e08eb2466fd0c894e773ba089679c2b90f4823ee";
        assert_eq!(
            container_of_cgroup(&format!("0::/libpod_parent/libpod-{id}\n")).as_deref(),
            Some(id)
        );
        assert_eq!(
            container_of_cgroup(&format!(
                "0::/kubepods.slice/kubepods-pod1.slice/cri-containerd-{id}.scope\n"
            ))
            .as_deref(),
            Some(id)
        );
        assert_eq!(container_of_cgroup("0::/user.slice\n"), None);
    }

    #[test]
    fn never_pid_1_nor_itself() {
        let t = |pid| Target {
            pid: Some(pid),
            ..Target::default()
        };
        assert!(kill_process(&t(1)).unwrap_err().contains("init"));
        assert!(
            kill_process(&t(std::process::id() as i32))
                .unwrap_err()
                .contains("palisade itself")
        );
        assert!(kill_process(&Target::default()).is_err());
    }
}
