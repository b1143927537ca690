//! Shared helpers for the binary's integration tests.
#![allow(dead_code, reason = "each test file uses a different subset")]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_palisade"))
}

/// Runs palisade with `args`, without the environment's database setting.
pub fn run(args: &[&str]) -> std::process::Output {
    Command::new(binary())
        .args(args)
        .env_remove("PALISADE_DB")
        .output()
        .expect("palisade runs")
}

/// The workspace's `../shared` (or `$PALISADE_SHARED`).
pub fn shared() -> PathBuf {
    std::env::var_os("PALISADE_SHARED").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")),
        PathBuf::from,
    )
}

/// The directory of test images; panics with the command that builds them when absent.
pub fn images() -> PathBuf {
    let dir = std::env::var_os("PALISADE_IMAGES")
        .map_or_else(|| PathBuf::from("/tmp/palisade-images"), PathBuf::from);
    assert!(
        dir.join("layered-app.docker.tar").is_file(),
        "test images missing in {}: run ../shared/tools/build-test-images.sh (or .ci/setup)",
        dir.display()
    );
    dir
}

pub fn require_tool(name: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found,
        "{name} is not installed: run .ci/setup (it installs the test prerequisites)"
    );
}

/// Runs palisade, asserting success, and returns stdout.
pub fn palisade(args: &[&str]) -> Vec<u8> {
    let out = Command::new(binary())
        .args(args)
        .output()
        .expect("palisade runs");
    assert!(
        out.status.success(),
        "palisade {args:?} failed ({:?}):\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

pub fn palisade_json(args: &[&str]) -> Value {
    serde_json::from_slice(&palisade(args)).expect("palisade prints JSON")
}

/// The Python interpreter with the SBOM validators (`.ci/setup` makes it).
pub fn python_validators() -> PathBuf {
    let venv = std::env::var_os("PALISADE_PYTOOLS")
        .map_or_else(|| PathBuf::from("/tmp/palisade-pytools"), PathBuf::from);
    let python = venv.join("bin/python");
    assert!(
        python.is_file(),
        "{} missing: run .ci/setup (a venv with cyclonedx-python-lib and spdx-tools)",
        python.display()
    );
    python
}

pub fn validator_script() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/support/validate_sbom.py"
    ))
}

pub const REGISTRY_USER: &str = "palisade";
pub const REGISTRY_PASSWORD: &str = "test-only-password";

/// Debian's docker-registry on a free loopback port, with htpasswd authentication, storing
/// under a temporary directory. Stopped on drop.
pub struct Registry {
    pub addr: String,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Registry {
    pub fn start() -> Registry {
        require_tool("docker-registry");
        require_tool("htpasswd");
        require_tool("skopeo");
        let dir = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let htpasswd = Command::new("htpasswd")
            .args(["-Bbn", REGISTRY_USER, REGISTRY_PASSWORD])
            .output()
            .unwrap();
        std::fs::write(dir.path().join("htpasswd"), htpasswd.stdout).unwrap();
        let config = format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {root}/data\n\
             http:\n  addr: {addr}\nauth:\n  htpasswd:\n    realm: palisade-test\n    path: {root}/htpasswd\n",
            root = dir.path().display()
        );
        let config_path = dir.path().join("config.yml");
        std::fs::write(&config_path, config).unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(&addr).is_err() {
            assert!(
                Instant::now() < deadline,
                "docker-registry did not start on {addr}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Registry {
            addr,
            child,
            _dir: dir,
        }
    }

    /// Pushes an image (a skopeo source reference) as `repo:tag`.
    pub fn push(&self, source: &str, target: &str) {
        let status = Command::new("skopeo")
            .args([
                "copy",
                "-q",
                "--insecure-policy",
                "--dest-tls-verify=false",
                "--dest-creds",
            ])
            .arg(format!("{REGISTRY_USER}:{REGISTRY_PASSWORD}"))
            .arg(source)
            .arg(format!("docker://{}/{target}", self.addr))
            .status()
            .unwrap();
        assert!(status.success(), "skopeo push of {source} failed");
    }
}

impl Registry {
    /// Where the registry keeps its blobs (`docker/registry/v2/blobs/sha256/…/data`).
    pub fn storage(&self) -> PathBuf {
        self._dir.path().join("data")
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Microsoft's SARIF Multitool (npm `@microsoft/sarif-multitool`), installed by `.ci/setup`.
pub fn sarif_multitool() -> PathBuf {
    let npm = std::env::var_os("PALISADE_NPM")
        .map_or_else(|| PathBuf::from("/tmp/palisade-npm"), PathBuf::from);
    let tool = npm.join("node_modules/.bin/sarif-multitool");
    assert!(
        tool.is_file(),
        "{} missing: run .ci/setup (npm @microsoft/sarif-multitool)",
        tool.display()
    );
    tool
}
