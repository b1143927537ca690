//! Real containers for the tests: rootful podman with runc (`../shared/tools/podman-setup.sh`).
#![allow(dead_code, reason = "each test binary uses part of the support module")]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub const IMAGE: &str = "localhost/palisade-test/busybox:latest";

fn shared() -> PathBuf {
    std::env::var_os("PALISADE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"))
}

fn conf() -> PathBuf {
    std::env::var_os("PALISADE_PODMAN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/palisade-podman"))
        .join("containers.conf")
}

/// Whether podman works here, running the setup script once if needed. When it cannot, the
/// caller skips with a loud message naming the command that sets it up.
pub fn podman_ready() -> bool {
    static READY: OnceLock<bool> = OnceLock::new();
    *READY.get_or_init(|| {
        let ok = || {
            conf().exists()
                && podman(&["image", "exists", IMAGE])
                    .status()
                    .is_ok_and(|s| s.success())
        };
        if ok() {
            return true;
        }
        let script = shared().join("tools/podman-setup.sh");
        let status = Command::new("bash").arg(&script).stdout(Stdio::null()).status();
        let ready = status.is_ok_and(|s| s.success()) && ok();
        if !ready {
            eprintln!(
                "\n!!! SKIPPING container tests: podman is not usable here. Set it up with `bash {}` (root, Debian's podman and runc) or `.ci/setup`.\n",
                script.display()
            );
        }
        ready
    })
}

/// A podman command with the test configuration.
pub fn podman(args: &[&str]) -> Command {
    let mut c = Command::new("podman");
    c.args(args).env("CONTAINERS_CONF", conf());
    c
}

/// Runs podman and returns its stdout; panics with stderr on failure.
pub fn podman_out(args: &[&str]) -> String {
    let out = podman(args).output().expect("running podman");
    assert!(
        out.status.success(),
        "podman {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A running busybox container, removed on drop.
#[derive(Debug)]
pub struct Container {
    pub name: String,
    pub id: String,
}

impl Container {
    pub fn start(name: &str, cmd: &[&str]) -> Container {
        let _ = podman(&["rm", "-f", "-t", "0", name]).output();
        let mut args = vec!["run", "-d", "--network=none", "--name", name, IMAGE];
        args.extend_from_slice(cmd);
        let id = podman_out(&args);
        Container {
            name: name.to_owned(),
            id,
        }
    }

    pub fn state(&self) -> String {
        podman_out(&["inspect", "-f", "{{.State.Status}}", &self.name])
    }

    pub fn pid(&self) -> i32 {
        podman_out(&["inspect", "-f", "{{.State.Pid}}", &self.name])
            .parse()
            .unwrap()
    }

    /// `podman exec NAME sh -c SCRIPT`: (exit status, stdout + stderr).
    pub fn sh(&self, script: &str) -> (i32, String) {
        let out = podman(&["exec", &self.name, "sh", "-c", script])
            .output()
            .unwrap();
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stderr));
        (out.status.code().unwrap_or(-1), text)
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = podman(&["rm", "-f", "-t", "0", &self.name]).output();
    }
}

/// `podman system service` on a unix socket in a temporary directory, stopped on drop.
#[derive(Debug)]
pub struct Service {
    child: Child,
    pub socket: PathBuf,
    _dir: tempfile::TempDir,
}

impl Service {
    pub fn start() -> Service {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("podman.sock");
        let child = podman(&[
            "system",
            "service",
            "--time=0",
            &format!("unix://{}", socket.display()),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting podman system service");
        let start = Instant::now();
        while !socket.exists() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "podman's socket never appeared"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Service {
            child,
            socket,
            _dir: dir,
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until `f` holds, up to `limit`.
pub fn wait_for(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    f()
}

pub fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}
