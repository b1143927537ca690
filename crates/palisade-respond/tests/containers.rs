//! Playbooks against real containers (podman + runc): stop-container through podman's REST
//! socket, kill-process by pidfd, the guards, dry runs. Needs root and podman
//! (`../shared/tools/podman-setup.sh`); skips loudly without them.

mod support;

use std::path::Path;
use std::time::Duration;

use palisade_respond::{Playbooks, RespondOptions, Responder, Stats};
use serde_json::{Value, json};
use support::{Container, Service};

fn ready() -> bool {
    if !support::is_root() {
        eprintln!(
            "\n!!! SKIPPING container response tests: they need root (podman, pidfd on other users' processes); .ci/run runs as root\n"
        );
        return false;
    }
    support::podman_ready()
}

fn alert(rule: &str, fields: Value) -> Value {
    json!({
        "hostname": "node-1",
        "output": format!("{rule} (test)"),
        "priority": "Warning",
        "rule": rule,
        "source": "syscall",
        "tags": ["container", "shell"],
        "time": "2026-12-03T06:00:00.000000000Z",
        "output_fields": fields,
    })
}

/// Runs `alerts` through `playbooks` against podman's socket; returns the counters and the
/// audit records.
fn respond(playbooks: &str, socket: &Path, alerts: &[Value]) -> (Stats, Vec<Value>) {
    let dir = tempfile::tempdir().unwrap();
    let playbooks = Playbooks::parse("playbooks.yaml", playbooks.as_bytes()).unwrap();
    let audit = dir.path().join("audit.jsonl");
    let r = Responder::start(
        playbooks,
        RespondOptions {
            node_name: Some("node-1".into()),
            audit: Some(audit.clone()),
            runtime_socket: socket.to_owned(),
            spool_dir: dir.path().join("spool"),
            ..RespondOptions::default()
        },
    )
    .unwrap();
    for a in alerts {
        assert!(r.handle_json(a.clone()).unwrap());
    }
    let stats = r.finish();
    let records = std::fs::read_to_string(&audit)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (stats, records)
}

/// The host pid of the process in container `c` whose command line is `cmdline`.
fn host_pid(c: &Container, cmdline: &str) -> i32 {
    let want = cmdline.replace(' ', "\0");
    let mut found = None;
    support::wait_for(Duration::from_secs(5), || {
        found = std::fs::read_dir("/proc").unwrap().flatten().find_map(|e| {
            let pid: i32 = e.file_name().to_str()?.parse().ok()?;
            let cg = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).ok()?;
            let cmd = std::fs::read_to_string(format!("/proc/{pid}/cmdline")).ok()?;
            (cg.contains(&c.id) && cmd.trim_end_matches('\0') == want).then_some(pid)
        });
        found.is_some()
    });
    found.unwrap_or_else(|| panic!("no {cmdline:?} in container {}", c.name))
}

#[test]
fn stop_container_stops_a_running_container_through_the_podman_socket() {
    if !ready() {
        return;
    }
    let svc = Service::start();
    let c = Container::start("palisade-respond-stop", &["sleep", "300"]);
    assert_eq!(c.state(), "running");
    let (stats, audit) = respond(
        r#"
playbooks:
  - name: stop shells
    match: {rules: ["Terminal shell in container"], priority: ">=Notice"}
    actions: [{action: stop-container, timeoutSeconds: 1}]
"#,
        &svc.socket,
        &[alert(
            "Terminal shell in container",
            json!({"container.id": c.id, "container.name": c.name, "k8s.ns.name": "prod"}),
        )],
    );
    assert_eq!(c.state(), "exited");
    assert_eq!(stats.done, 1, "{audit:?}");
    assert_eq!(audit.len(), 1);
    let rec = &audit[0];
    assert_eq!(rec["action"], "stop-container");
    assert_eq!(rec["result"], "done");
    assert_eq!(rec["dry_run"], false);
    assert_eq!(rec["target"]["container_id"], c.id.as_str());
    assert_eq!(rec["detail"], format!("container {} stopped", &c.id[..12]));
    assert!(rec["alert_id"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(rec["time"].as_str().unwrap().ends_with('Z'));

    // Idempotent: stopping it again is a success that says so.
    let (_, audit) = respond(
        "playbooks: [{name: s, match: {}, actions: [stop-container]}]",
        &svc.socket,
        &[alert("x", json!({"container.id": c.id}))],
    );
    assert_eq!(audit[0]["result"], "done");
    assert_eq!(
        audit[0]["detail"],
        format!("container {} already stopped", &c.id[..12])
    );
}

#[test]
fn kill_container_signals_the_container() {
    if !ready() {
        return;
    }
    let svc = Service::start();
    let c = Container::start("palisade-respond-killc", &["sleep", "300"]);
    let (stats, audit) = respond(
        "playbooks: [{name: k, match: {}, actions: [{action: kill-container, signal: KILL}]}]",
        &svc.socket,
        &[alert("x", json!({"container.id": c.id}))],
    );
    assert_eq!(stats.done, 1, "{audit:?}");
    assert_eq!(
        audit[0]["detail"],
        format!("container {} killed", &c.id[..12])
    );
    assert!(support::wait_for(Duration::from_secs(5), || c.state() == "exited"));
    // Again: not running any more is a success that says so.
    let (_, audit) = respond(
        "playbooks: [{name: k, match: {}, actions: [kill-container]}]",
        &svc.socket,
        &[alert("x", json!({"container.id": c.id}))],
    );
    assert_eq!(audit[0]["result"], "done", "{audit:?}");
    assert_eq!(
        audit[0]["detail"],
        format!("container {} not running", &c.id[..12])
    );
}

#[test]
fn kill_process_kills_the_process_the_alert_names() {
    if !ready() {
        return;
    }
    let svc = Service::start();
    let c = Container::start(
        "palisade-respond-kill",
        &["sh", "-c", "sleep 301 & wait; echo reaped; sleep 300"],
    );
    let pid = host_pid(&c, "sleep 301");
    let (stats, audit) = respond(
        r#"
playbooks:
  - name: kill droppers
    match: {rules: ["Drop and execute new binary in container"]}
    actions: [kill-process]
"#,
        &svc.socket,
        &[alert(
            "Drop and execute new binary in container",
            json!({"proc.pid": pid, "proc.name": "sleep", "container.id": c.id}),
        )],
    );
    assert_eq!(stats.done, 1, "{audit:?}");
    assert_eq!(audit[0]["detail"], format!("sent SIGKILL to pid {pid}"));
    assert!(support::wait_for(Duration::from_secs(5), || !Path::new(
        &format!("/proc/{pid}")
    )
    .exists()));
    assert!(support::wait_for(Duration::from_secs(5), || {
        support::podman_out(&["logs", &c.name]).contains("reaped")
    }));
    assert_eq!(
        c.state(),
        "running",
        "only the process dies, not its container"
    );
}

#[test]
fn guards_protect_namespaces_images_and_the_host_and_a_flood_gives_one_action() {
    if !ready() {
        return;
    }
    let svc = Service::start();
    let c = Container::start("palisade-respond-guards", &["sleep", "300"]);
    let mut host_sleep = std::process::Command::new("sleep")
        .arg("300")
        .spawn()
        .unwrap();
    let playbooks = r#"
playbooks:
  - name: pause on anything
    match: {priority: ">=Warning"}
    actions: [pause-container, kill-process]
    guards: {skipNamespaces: [payments], skipImages: ["registry.example.com/critical/**"], maxPerMinute: 100, dedupeSeconds: 60}
"#;
    let fields = |ns: &str, image: &str| json!({"container.id": c.id, "k8s.ns.name": ns, "container.image.repository": image});
    // A protected namespace and a protected image: untouched.
    let (stats, audit) = respond(
        playbooks,
        &svc.socket,
        &[
            alert("A", fields("payments", "localhost/palisade-test/busybox")),
            alert("B", fields("prod", "registry.example.com/critical/db")),
            // A process of the node itself (container.id "host"): untouched.
            alert(
                "C",
                json!({"container.id": "host", "proc.pid": host_sleep.id(), "proc.name": "sleep"}),
            ),
        ],
    );
    assert_eq!(stats.skipped, 6, "{audit:#?}");
    assert_eq!(stats.done + stats.failed, 0, "{audit:#?}");
    assert_eq!(c.state(), "running");
    assert!(
        host_sleep.try_wait().unwrap().is_none(),
        "the host's process lives"
    );
    let details: Vec<&str> = audit
        .iter()
        .map(|r| r["detail"].as_str().unwrap())
        .collect();
    assert!(
        details[0].contains("namespace payments is protected"),
        "{details:?}"
    );
    assert!(
        details[2].contains("image registry.example.com/critical/db is protected"),
        "{details:?}"
    );
    assert!(details[4].contains("names no container"), "{details:?}");
    assert!(details[5].contains("not in a container"), "{details:?}");

    // A flood of the same alert (500 events a few ns apart): one pause.
    let flood: Vec<Value> = (0..500)
        .map(|i| {
            let mut a = alert(
                "Flood",
                json!({"container.id": c.id, "k8s.ns.name": "prod"}),
            );
            a["time"] = json!(format!("2026-12-03T06:00:00.{i:09}Z"));
            a
        })
        .collect();
    let (stats, audit) = respond(
        "playbooks: [{name: p, match: {}, actions: [pause-container]}]",
        &svc.socket,
        &flood,
    );
    assert_eq!(stats.done, 1, "{stats:?}");
    assert_eq!(stats.skipped, 499);
    assert_eq!(
        audit[0]["detail"],
        format!("container {} paused", &c.id[..12])
    );
    assert!(
        audit[1]["detail"]
            .as_str()
            .unwrap()
            .contains("dedupe window 60 s")
    );
    assert_eq!(c.state(), "paused");
    let _ = host_sleep.kill();
    let _ = host_sleep.wait();
}

#[test]
fn dry_run_changes_nothing_and_says_what_it_would_do() {
    if !ready() {
        return;
    }
    let svc = Service::start();
    let c = Container::start(
        "palisade-respond-dry",
        &["sh", "-c", "sleep 302 & wait; sleep 300"],
    );
    let pid = host_pid(&c, "sleep 302");
    let (stats, audit) = respond(
        r#"
playbooks:
  - name: rehearse
    match: {rules: ["Terminal shell *"]}
    actions: [kill-process, {action: stop-container, timeoutSeconds: 0}, {action: delete-pod, gracePeriodSeconds: 5}]
    dry_run: true
"#,
        &svc.socket,
        &[alert(
            "Terminal shell in container",
            json!({"proc.pid": pid, "proc.name": "sleep", "container.id": c.id,
                   "k8s.ns.name": "prod", "k8s.pod.name": "web-1"}),
        )],
    );
    assert_eq!(stats.dry_run, 3, "{audit:#?}");
    assert_eq!(stats.done, 0);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(c.state(), "running");
    assert!(Path::new(&format!("/proc/{pid}")).exists());
    let details: Vec<&str> = audit
        .iter()
        .map(|r| r["detail"].as_str().unwrap())
        .collect();
    assert_eq!(
        details,
        [
            format!("would send SIGKILL to pid {pid}"),
            format!("would stop container {} (SIGKILL after 0 s)", &c.id[..12]),
            "would delete pod prod/web-1 (grace period 5 s)".to_owned(),
        ]
    );
    assert!(
        audit
            .iter()
            .all(|r| r["dry_run"] == true && r["result"] == "dry_run")
    );
}
