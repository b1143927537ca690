//! Live detection with the eBPF sensor, on real containers (podman + runc): the upstream Falco
//! rules fire on behaviours inside a busybox container and the alerts name that container, its
//! name and image; benign commands raise nothing; a process started before the sensor carries
//! its command line and parent; captures open in sysdig.
//!
//! Needs root, the kernel's BTF and podman (`.ci/setup` runs `../shared/tools/podman-setup.sh`).

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{binary, require_tool, shared};

fn podman() -> Command {
    let mut c = Command::new("podman");
    let conf = std::env::var_os("PALISADE_PODMAN")
        .map_or_else(|| PathBuf::from("/tmp/palisade-podman"), PathBuf::from)
        .join("containers.conf");
    assert!(
        conf.is_file(),
        "{} is missing: run ../shared/tools/podman-setup.sh (or .ci/setup)",
        conf.display()
    );
    c.env("CONTAINERS_CONF", conf);
    c
}

fn podman_ok(args: &[&str]) -> String {
    let out = podman().args(args).output().expect("podman runs");
    assert!(
        out.status.success(),
        "podman {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A busybox container that lives for the test and is removed after it.
struct Container {
    id: String,
    name: String,
}

impl Container {
    fn start(name: &str, cmd: &[&str]) -> Container {
        let _ = podman().args(["rm", "-f", "-t", "0", name]).output();
        let mut args = vec![
            "run",
            "-d",
            "--name",
            name,
            "localhost/palisade-test/busybox:latest",
        ];
        args.extend(cmd);
        let id = podman_ok(&args);
        Container {
            id,
            name: name.to_owned(),
        }
    }

    fn exec(&self, cmd: &[&str]) {
        let mut args = vec!["exec", self.name.as_str()];
        args.extend(cmd);
        // Exit codes of the behaviours do not matter (nc has nobody to talk to).
        let _ = podman().args(&args).output().expect("podman exec runs");
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = podman().args(["rm", "-f", "-t", "0", &self.name]).output();
    }
}

/// `podman system service` on a socket of its own, for container metadata.
struct Service {
    child: Child,
    socket: PathBuf,
}

impl Service {
    fn start(dir: &Path) -> Service {
        let socket = dir.join("podman.sock");
        let child = podman()
            .args([
                "system",
                "service",
                "--time=0",
                &format!("unix://{}", socket.display()),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("podman system service starts");
        let t0 = Instant::now();
        while !socket.exists() {
            assert!(
                t0.elapsed() < Duration::from_secs(20),
                "podman socket never appeared"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Service { child, socket }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `palisade detect --live` (or another live command) started in the background; returns once
/// the sensor is attached (its log says so).
fn start_live(args: &[&str]) -> Child {
    let mut child = Command::new(binary())
        .arg("-v")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("palisade starts");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("watching live events") || line.contains("capturing live events") {
                let _ = tx.send(());
            }
            eprintln!("[palisade] {line}");
        }
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("the sensor attached within a minute");
    child
}

fn stop(mut child: Child) -> std::process::ExitStatus {
    let pid = child.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let t0 = Instant::now();
    loop {
        if let Some(st) = child.try_wait().expect("wait") {
            return st;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "palisade did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn alerts(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("alert lines are JSON"))
        .collect()
}

fn preflight() {
    require_tool("podman");
    assert!(
        rustix_is_root(),
        "the live tests need root (loading eBPF programs)"
    );
}

fn rustix_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .and_then(|l| l.split_whitespace().nth(2).map(|u| u == "0"))
        .unwrap_or(false)
}

#[test]
fn upstream_rules_fire_on_a_busybox_container_and_name_it() {
    preflight();
    let dir = tempfile::tempdir().unwrap();
    let service = Service::start(dir.path());
    // A process that exists before the sensor: it reads /etc/shadow when told to.
    let c = Container::start(
        "palisade-live-1",
        &[
            "sh",
            "-c",
            "echo 'root:*:19000:0:99999:7:::' > /etc/shadow; \
             while true; do if [ -f /tmp/go ]; then rm /tmp/go; cat /etc/shadow; fi; sleep 0.1; done",
        ],
    );
    std::thread::sleep(Duration::from_millis(500));
    let out = dir.path().join("alerts.json");
    let rules = shared().join("falco");
    let live = start_live(&[
        "detect",
        "--live",
        "-r",
        rules.join("falco_rules.yaml").to_str().unwrap(),
        rules.join("falco-incubating_rules.yaml").to_str().unwrap(),
        rules.join("falco-sandbox_rules.yaml").to_str().unwrap(),
        "--runtime-socket",
        service.socket.to_str().unwrap(),
        "--json",
        "-o",
        out.to_str().unwrap(),
        "--stats",
        "--append-output",
        "container_id=%container.id container_name=%container.name \
         container_image=%container.image.repository:%container.image.tag \
         pcmdline=%proc.pcmdline",
    ]);
    // Benign first, then the behaviours the upstream rules are written for.
    c.exec(&["ls", "/"]);
    c.exec(&["echo", "hello"]);
    c.exec(&["cat", "/etc/hostname"]);
    c.exec(&["touch", "/tmp/go"]);
    c.exec(&["find", "/", "-name", "id_rsa"]);
    c.exec(&["nc", "127.0.0.1", "9", "-e", "/bin/sh"]);
    // Give the loop in the container time to react to /tmp/go.
    std::thread::sleep(Duration::from_secs(2));
    let status = stop(live);
    assert!(
        status.code().is_some_and(|c| c == 0 || c == 1),
        "palisade ended with {status:?}"
    );
    let alerts = alerts(&out);
    let short = &c.id[..12];
    let mine: Vec<&Value> = alerts
        .iter()
        .filter(|a| a["output_fields"]["container.id"] == short)
        .collect();
    let find = |rule: &str| {
        mine.iter()
            .copied()
            .find(|a| a["rule"] == rule)
            .unwrap_or_else(|| {
                let seen: Vec<String> = alerts
                    .iter()
                    .map(|a| format!("{} [{}]", a["rule"], a["output_fields"]["container.id"]))
                    .collect();
                panic!("no {rule:?} alert for container {short}; alerts: {seen:#?}")
            })
            .clone()
    };
    for rule in [
        "Read sensitive file untrusted",
        "Search Private Keys or Passwords",
        "Netcat Remote Code Execution in Container",
    ] {
        let a = find(rule);
        let f = &a["output_fields"];
        assert_eq!(f["container.name"], "palisade-live-1", "{a}");
        assert_eq!(
            f["container.image.repository"], "localhost/palisade-test/busybox",
            "{a}"
        );
        assert_eq!(f["container.image.tag"], "latest", "{a}");
        assert!(a["output"].as_str().unwrap().contains("container_id="));
    }
    // The reader of /etc/shadow was started by a shell that ran before the sensor: its parent's
    // command line comes from /proc. (busybox's shell runs its applets through /proc/self/exe,
    // so the kernel names the reader `exe`, and so do Falco's proc.name and proc.cmdline.)
    let shadow = find("Read sensitive file untrusted");
    let f = &shadow["output_fields"];
    assert_eq!(f["proc.cmdline"], "exe /etc/shadow", "{shadow}");
    assert_eq!(f["proc.pname"], "sh", "{shadow}");
    assert!(
        f["proc.pcmdline"]
            .as_str()
            .unwrap_or("")
            .contains("while true"),
        "{shadow}"
    );
    let nc = find("Netcat Remote Code Execution in Container");
    assert_eq!(
        nc["output_fields"]["proc.cmdline"],
        "nc 127.0.0.1 9 -e /bin/sh"
    );
    // Benign commands raise nothing.
    for a in &mine {
        let cmd = a["output_fields"]["proc.cmdline"].as_str().unwrap_or("");
        assert!(
            !["ls /", "echo hello", "cat /etc/hostname"].contains(&cmd),
            "a benign command raised {a}"
        );
    }
}

#[test]
fn a_capture_of_live_events_opens_in_sysdig_and_replays_with_the_same_alerts() {
    preflight();
    require_tool("sysdig");
    let dir = tempfile::tempdir().unwrap();
    let c = Container::start("palisade-live-2", &["sleep", "300"]);
    let scap = dir.path().join("live.scap");
    let cap = start_live(&["capture", "-w", scap.to_str().unwrap()]);
    c.exec(&["find", "/", "-name", "id_rsa"]);
    c.exec(&["cat", "/etc/passwd"]);
    std::thread::sleep(Duration::from_millis(500));
    assert!(stop(cap).success());
    // sysdig reads the capture: the state blocks, then the events.
    let out = Command::new("sysdig")
        .args([
            "-r",
            scap.to_str().unwrap(),
            "-p",
            "%proc.name %evt.type %fd.name",
            "proc.name=cat and evt.type=openat and evt.dir=<",
        ])
        .output()
        .expect("sysdig runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "sysdig: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("cat openat /etc/passwd"), "{text}");
    // The same capture replayed through palisade raises the rule the live run would have.
    let rules = shared().join("falco/falco_rules.yaml");
    let replay = Command::new(binary())
        .args([
            "detect",
            "--capture",
            scap.to_str().unwrap(),
            "-r",
            rules.to_str().unwrap(),
            "--json",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&replay.stdout);
    let hit = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|a| a["rule"] == "Search Private Keys or Passwords")
        .unwrap_or_else(|| panic!("no alert in the replay: {text}"));
    assert_eq!(hit["output_fields"]["container.id"], &c.id[..12]);
}

#[test]
fn an_alert_leaves_a_capture_of_its_window_that_sysdig_reads() {
    preflight();
    require_tool("sysdig");
    let dir = tempfile::tempdir().unwrap();
    let c = Container::start("palisade-live-3", &["sleep", "300"]);
    let caps = dir.path().join("captures");
    let rules = shared().join("falco/falco_rules.yaml");
    let live = start_live(&[
        "detect",
        "--live",
        "-r",
        rules.to_str().unwrap(),
        "--json",
        "-o",
        dir.path().join("alerts.json").to_str().unwrap(),
        "--capture-dir",
        caps.to_str().unwrap(),
        "--capture-window",
        "1s",
    ]);
    c.exec(&["ls", "/etc"]);
    c.exec(&["find", "/", "-name", "id_rsa"]);
    std::thread::sleep(Duration::from_millis(2500));
    // The container is gone when its capture is opened.
    drop(c);
    stop(live);
    let files: Vec<PathBuf> = std::fs::read_dir(&caps)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let cap = files
        .iter()
        .find(|p| {
            p.to_string_lossy()
                .ends_with("search-private-keys-or-passwords.scap")
        })
        .unwrap_or_else(|| panic!("no capture named after the alert in {files:?}"));
    let out = Command::new("sysdig")
        .args([
            "-r",
            cap.to_str().unwrap(),
            "-p",
            "%proc.cmdline",
            "evt.type=execve and evt.dir=<",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    // The window starts before the alert: the earlier `ls /etc` is in it.
    assert!(text.contains("ls /etc"), "{text}");
    assert!(text.contains("find / -name id_rsa"), "{text}");
}

#[test]
fn agent_manifests_validate_for_kubernetes_1_30_and_1_37() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(binary())
        .args(["agent", "manifests"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let path = dir.path().join("agent.yaml");
    std::fs::write(&path, &out.stdout).unwrap();
    let validator = support::python_validators().with_file_name("kubernetes-validate");
    assert!(
        validator.is_file(),
        "{} is missing: run .ci/setup",
        validator.display()
    );
    for version in ["1.30", "1.37"] {
        let v = Command::new(&validator)
            .args(["--strict", "-k", version, path.to_str().unwrap()])
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&v.stdout),
            String::from_utf8_lossy(&v.stderr)
        );
        assert!(v.status.success(), "{version}: {text}");
        assert_eq!(text.matches("passed").count(), 6, "{version}: {text}");
    }
    let yaml = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "hostPID: true",
        "privileged: true",
        "- --live",
        "operator: Exists",
        "NODE_NAME",
    ] {
        assert!(yaml.contains(needle), "{needle}");
    }
}

#[test]
fn a_live_alert_runs_its_playbook_and_exec_prevention_refuses_drift() {
    preflight();
    let dir = tempfile::tempdir().unwrap();
    let service = Service::start(dir.path());
    let c = Container::start("palisade-live-4", &["sleep", "300"]);
    let book = dir.path().join("playbooks.yaml");
    std::fs::write(
        &book,
        r#"playbooks:
  - name: stop containers that search for keys
    match: {rules: ["Search Private Keys or Passwords"], priority: ">=Warning"}
    actions: [{action: capture, seconds: 1}, {action: stop-container}]
    guards: {maxPerMinute: 10}
denyExec:
  - {name: no binaries from tmp, paths: ["/tmp/palisade-deny-test/**"]}
"#,
    )
    .unwrap();
    // A copy of busybox in the container's /tmp, made before the sensor. (Deny rules hold for
    // the whole machine: the directory is one nothing else here executes from.)
    c.exec(&["mkdir", "-p", "/tmp/palisade-deny-test"]);
    c.exec(&["cp", "/bin/busybox", "/tmp/palisade-deny-test/bb"]);
    let out = dir.path().join("alerts.json");
    let audit = dir.path().join("audit.json");
    let rules = shared().join("falco/falco_rules.yaml");
    let live = start_live(&[
        "detect",
        "--live",
        "-r",
        rules.to_str().unwrap(),
        "--runtime-socket",
        service.socket.to_str().unwrap(),
        "--playbooks",
        book.to_str().unwrap(),
        "--deny-exec",
        book.to_str().unwrap(),
        "--audit",
        audit.to_str().unwrap(),
        "--capture-dir",
        dir.path().join("captures").to_str().unwrap(),
        "--capture-window",
        "1s",
        "--json",
        "-o",
        out.to_str().unwrap(),
    ]);
    // Refused before it runs: the shell reports 126.
    let refused = podman()
        .args([
            "exec",
            &c.name,
            "sh",
            "-c",
            "/tmp/palisade-deny-test/bb true; echo rc=$?",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&refused.stdout);
    assert!(
        text.contains("rc=126"),
        "{text} {}",
        String::from_utf8_lossy(&refused.stderr)
    );
    // The image's own binaries still run.
    assert_eq!(podman_ok(&["exec", &c.name, "echo", "ok"]), "ok");
    c.exec(&["find", "/", "-name", "id_rsa"]);
    let t0 = Instant::now();
    loop {
        // "stopping" is not stopped yet: the action's answer comes when podman is done.
        let state = podman_ok(&["inspect", "-f", "{{.State.Status}}", &c.name]);
        if state == "exited" || state == "stopped" {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "the playbook did not stop the container"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    stop(live);
    let audit = std::fs::read_to_string(&audit).unwrap();
    assert!(audit.contains("stop-container"), "{audit}");
    // The capture action wrote a file sysdig reads, holding the search.
    let capture: Value = audit
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|l| l["action"] == "capture")
        .unwrap_or_else(|| panic!("no capture in the audit: {audit}"));
    assert_eq!(capture["result"], "done", "{capture}");
    let path = capture["detail"].as_str().unwrap();
    let path = &path[path.find('/').unwrap_or(0)..];
    let read = Command::new("sysdig")
        .args([
            "-r",
            path,
            "-p",
            "%proc.cmdline",
            "evt.type=execve and evt.dir=<",
        ])
        .output()
        .unwrap();
    assert!(
        read.status.success(),
        "sysdig -r {path}: {} (captures: {:?})",
        String::from_utf8_lossy(&read.stderr),
        std::fs::read_dir(dir.path().join("captures"))
            .map(|d| d.map(|e| e.map(|e| e.file_name())).collect::<Vec<_>>())
    );
    let alerts = alerts(&out);
    assert!(
        alerts.iter().any(|a| a["output"]
            .as_str()
            .unwrap_or("")
            .contains("/tmp/palisade-deny-test/bb")),
        "no alert for the refused exec: {alerts:?}"
    );
}
