//! `palisade respond`: `check` with positions and exit status 2, and `--listen` end to end over
//! HTTP on 127.0.0.1: a Falco JSON alert kills the process it names and is notified, through
//! the spool, to a second `palisade respond` (palisade's notify output is Falco's JSON, which
//! respond takes); /healthz, /metrics, bad and oversized bodies; SIGTERM stops cleanly.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn palisade() -> Command {
    Command::new(env!("CARGO_BIN_EXE_palisade"))
}

#[test]
fn check_reports_positions_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "playbooks:\n  - name: x\n    match: {priority: \">=Loud\"}\n    actions: [{action: notify, webhook: \"ftp://x\"}]\n",
    )
    .unwrap();
    let out = palisade()
        .args(["respond", "check"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let b = bad.display();
    assert_eq!(
        stdout,
        format!(
            "{b}:3:23: priority \">=Loud\": expected a Falco priority (Emergency, Alert, Critical, Error, Warning, Notice, Informational, Debug), optionally after >=, >, <=, < or =\n\
             {b}:4:41: \"ftp://x\" is not an http:// or https:// URL with a host\n"
        )
    );
    let good = dir.path().join("good.yaml");
    std::fs::write(
        &good,
        r#"
playbooks:
  - name: stop containers that read secrets
    match: {rules: ["Read sensitive file untrusted"], priority: ">=Warning"}
    actions: [{action: stop-container}, {action: notify, webhook: "https://hooks.example.com/x"}]
    guards: {skipNamespaces: [kube-system], maxPerMinute: 10}
denyExec:
  - {name: no binaries from tmpfs, paths: ["/dev/shm/**", "/tmp/**"]}
  - {name: drift, notInImage: true}
"#,
    )
    .unwrap();
    let out = palisade()
        .args(["respond", "check"])
        .arg(&good)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .ends_with("ok (1 playbooks, 2 actions, 2 denyExec rules)\n")
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(dir: &Path, name: &str, playbooks: &str) -> Server {
        let port = free_port();
        let file = dir.join(format!("{name}.yaml"));
        std::fs::write(&file, playbooks).unwrap();
        let child = palisade()
            .args([
                "respond",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--playbooks",
            ])
            .arg(&file)
            .arg("--audit")
            .arg(dir.join(format!("{name}.jsonl")))
            .arg("--spool")
            .arg(dir.join(format!("{name}-spool")))
            .args(["--duration", "120s"])
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let url = format!("http://127.0.0.1:{port}");
        let start = Instant::now();
        while ureq::get(&format!("{url}/healthz")).call().is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{name} never answered /healthz"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Server { child, url }
    }

    /// SIGTERM, then the exit status.
    fn stop(mut self) -> i32 {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        self.child.wait().unwrap().code().unwrap_or(-1)
    }
}

fn audit(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn post(url: &str, body: impl Into<Vec<u8>>) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut resp = agent
        .post(url)
        .header("content-type", "application/json")
        .send(body.into())
        .unwrap();
    (
        resp.status().as_u16(),
        resp.body_mut().read_to_string().unwrap_or_default(),
    )
}

#[test]
fn listen_takes_falco_json_alerts_and_acts_on_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut victim = Command::new("sleep").arg("300").spawn().unwrap();
    // The receiver of the notifications: another palisade respond, rehearsing.
    let receiver = Server::start(
        dir.path(),
        "receiver",
        "playbooks: [{name: log, match: {}, actions: [kill-process], dry_run: true, guards: {skipSystem: false}}]\n",
    );
    let responder = Server::start(
        dir.path(),
        "responder",
        &format!(
            r#"
playbooks:
  - name: kill readers of secrets
    match: {{rules: ["Read sensitive file untrusted"], priority: ">=Warning", fields: ["proc.name=sleep"]}}
    actions: [kill-process, {{action: notify, webhook: "{}/alerts"}}]
    guards: {{skipSystem: false}}
"#,
            receiver.url
        ),
    );

    // Falco's JSON alert, as Falco's http_output and Falcosidekick post it.
    let pid = victim.id();
    let alert = json!({
        "hostname": "node-1",
        "output": "06:00:00.000000000: Warning Sensitive file opened for reading by non-trusted program (file=/etc/shadow process=sleep)",
        "output_fields": {"evt.time": 1796364000000000000u64, "fd.name": "/etc/shadow", "proc.name": "sleep",
                          "proc.pid": pid, "container.id": "host", "user.name": "root"},
        "priority": "Warning",
        "rule": "Read sensitive file untrusted",
        "source": "syscall",
        "tags": ["T1555", "filesystem", "host", "maturity_stable", "mitre_credential_access"],
        "time": "2026-12-03T06:00:00.000000000Z",
    });
    let (status, body) = post(&format!("{}/", responder.url), alert.to_string());
    assert_eq!(status, 202, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"accepted": 1, "dropped": 0})
    );

    let start = Instant::now();
    let exit = loop {
        if let Some(s) = victim.try_wait().unwrap() {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the process was not killed"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(exit.signal(), Some(9));

    // The notification reaches the receiver.
    let receiver_audit = dir.path().join("receiver.jsonl");
    let start = Instant::now();
    while audit(&receiver_audit).is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the notification never arrived"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let got = &audit(&receiver_audit)[0];
    assert_eq!(got["rule"], "Read sensitive file untrusted");
    assert_eq!(got["result"], "dry_run");
    assert_eq!(got["detail"], format!("would send SIGKILL to pid {pid}"));

    // Bodies that are not alerts, too large, the wrong method.
    assert_eq!(
        post(&format!("{}/alerts", responder.url), "{not json").0,
        400
    );
    assert_eq!(
        post(&format!("{}/alerts", responder.url), r#"{"no":"rule"}"#).0,
        400
    );
    assert_eq!(
        post(&format!("{}/alerts", responder.url), vec![b' '; 2 << 20]).0,
        413
    );
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    assert_eq!(
        agent
            .get(&format!("{}/", responder.url))
            .call()
            .unwrap()
            .status()
            .as_u16(),
        405
    );

    let metrics = ureq::get(&format!("{}/metrics", responder.url))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    assert!(
        metrics.contains("palisade_respond_alerts_total 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("palisade_respond_actions_total{result=\"done\"} 2\n"),
        "{metrics}"
    );

    assert_eq!(responder.stop(), 0);
    assert_eq!(receiver.stop(), 0);
    let records = audit(&dir.path().join("responder.jsonl"));
    let summary: Vec<(&str, &str)> = records
        .iter()
        .map(|r| (r["action"].as_str().unwrap(), r["result"].as_str().unwrap()))
        .collect();
    assert_eq!(summary, [("kill-process", "done"), ("notify", "done")]);
    assert_eq!(records[0]["target"]["pid"], pid);
    assert_eq!(records[0]["playbook"], "kill readers of secrets");
}

#[test]
fn agent_manifests_grant_what_the_response_actions_need() {
    let out = palisade().args(["agent", "manifests"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let limits = palisade_k8s::yaml::Limits::default();
    let role = palisade_k8s::yaml::parse_stream(&text, &limits)
        .into_iter()
        .filter_map(|d| d.result.ok())
        .map(|n| n.to_json())
        .find(|v| v["kind"] == "ClusterRole")
        .expect("a ClusterRole");
    let granted = role["rules"].as_array().unwrap();
    for need in palisade_respond::rbac_rules().as_array().unwrap() {
        for group in need["apiGroups"].as_array().unwrap() {
            for resource in need["resources"].as_array().unwrap() {
                for verb in need["verbs"].as_array().unwrap() {
                    assert!(
                        granted.iter().any(|g| {
                            g["apiGroups"].as_array().unwrap().contains(group)
                                && g["resources"].as_array().unwrap().contains(resource)
                                && g["verbs"].as_array().unwrap().contains(verb)
                        }),
                        "the agent's ClusterRole lacks {verb} on {resource} ({group})"
                    );
                }
            }
        }
    }
}
