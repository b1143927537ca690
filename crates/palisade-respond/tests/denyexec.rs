//! Exec prevention with fanotify permission events, on the host and in a real container.
//! Needs root (CAP_SYS_ADMIN for fanotify) and, for the container part, podman.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use palisade_core::Span;
use palisade_respond::denyexec::{DenyExec, DenyExecOptions, Verdict};
use palisade_respond::playbook::DenyRule;

fn rule(name: &str, paths: &[&str], not_in_image: bool) -> DenyRule {
    DenyRule {
        name: name.into(),
        paths: paths.iter().map(|s| s.to_string()).collect(),
        not_in_image,
        span: Span::new("test", 1, 1),
    }
}

/// Mean wall time of `n` runs of /bin/true.
fn exec_time(n: u32) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        assert!(Command::new("/bin/true").status().unwrap().success());
    }
    start.elapsed() / n
}

#[test]
fn deny_exec_refuses_tmpfs_binaries_and_drift_and_allows_the_rest() {
    if !support::is_root() {
        eprintln!(
            "\n!!! SKIPPING deny-exec: fanotify permission events need root (CAP_SYS_ADMIN); .ci/run runs as root\n"
        );
        return;
    }
    let tag = std::process::id();
    let dir = format!("/dev/shm/palisade-deny-{tag}");
    std::fs::create_dir_all(&dir).unwrap();
    let copy = format!("{dir}/true");
    std::fs::copy("/bin/true", &copy).unwrap();
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).unwrap();

    let before = exec_time(200);
    let (tx, rx) = mpsc::channel();
    let deny = DenyExec::start(
        vec![
            rule(
                "no binaries from tmpfs",
                &["/dev/shm/palisade-deny-*/**", "/tmp/palisade-deny-*/**"],
                false,
            ),
            rule("drift", &[], true),
        ],
        DenyExecOptions::default(),
        move |d| {
            let _ = tx.send(d.clone());
        },
    )
    .expect("fanotify FAN_OPEN_EXEC_PERM");

    // On the host: the copy is refused with EPERM, /bin/true runs.
    let err = Command::new(&copy).status().unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc_eperm()), "{err}");
    let out = Command::new("/bin/sh")
        .args(["-c", &format!("{copy}; echo rc=$?")])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("rc=126"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(Command::new("/bin/true").status().unwrap().success());
    let d = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(d.verdict, Verdict::Deny);
    assert_eq!(d.rule.as_deref(), Some("no binaries from tmpfs"));
    assert_eq!(d.path, copy);
    let after = exec_time(200);
    eprintln!(
        "exec of /bin/true: {:?} without, {:?} with deny-exec (added {:?} per execve)",
        before,
        after,
        after.saturating_sub(before)
    );
    while rx.try_recv().is_ok() {}

    // In a container: a binary copied to /tmp fails with 126 (podman mounts the container's
    // /dev/shm noexec, so /tmp is the place a dropper would use), one written elsewhere into
    // the container's writable layer is drift, the image's own binaries run.
    if support::podman_ready() {
        let c = support::Container::start(&format!("palisade-deny-{tag}"), &["sleep", "300"]);
        deny.rescan();
        let dir = format!("/tmp/palisade-deny-{tag}");
        let (rc, out) = c.sh(&format!(
            "mkdir -p {dir} && cp /bin/busybox {dir}/bb && {dir}/bb true; echo rc=$?"
        ));
        assert_eq!(rc, 0, "{out}");
        assert!(out.contains("rc=126"), "{out}");
        let d = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(d.rule.as_deref(), Some("no binaries from tmpfs"));
        assert_eq!(d.path, format!("{dir}/bb"));
        assert_eq!(d.container_id.as_deref(), Some(c.id.as_str()));

        let (_, out) = c.sh("cp /bin/busybox /bin/dropped && /bin/dropped true; echo rc=$?");
        assert!(out.contains("rc=126"), "{out}");
        let d = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(d.rule.as_deref(), Some("drift"), "{d:?}");
        assert_eq!(d.path, "/bin/dropped");

        let (_, out) = c.sh("/bin/busybox true; echo rc=$?; ls / >/dev/null; echo ok");
        assert!(out.contains("rc=0") && out.contains("ok"), "{out}");
    }
    let stats = deny.stop();
    assert!(stats.denied >= 2, "{stats:?}");
    assert!(stats.allowed >= 400, "{stats:?}");
    assert_eq!(stats.timed_out, 0, "{stats:?}");

    // A late decision gets the default answer (here: allow) and is reported as such: with no
    // time at all to decide, the copy runs.
    let (tx, rx) = mpsc::channel();
    let deny = DenyExec::start(
        vec![rule("tmpfs", &["/dev/shm/palisade-deny-*/**"], false)],
        DenyExecOptions {
            timeout: Duration::ZERO,
            ..DenyExecOptions::default()
        },
        move |d| {
            let _ = tx.send(d.clone());
        },
    )
    .unwrap();
    let ran = (0..20)
        .filter(|_| Command::new(&copy).status().is_ok_and(|s| s.success()))
        .count();
    let stats = deny.stop();
    assert!(stats.timed_out >= 1, "{stats:?}");
    assert!(ran >= 1, "{stats:?}");
    let late: Vec<_> = rx.try_iter().filter(|d| d.rule.is_none()).collect();
    assert!(!late.is_empty());
    assert!(late.iter().all(|d| d.verdict == Verdict::Allow
        && d.reason.ends_with("answered Allow by default")), "{late:?}");
    let _ = std::fs::remove_dir_all(format!("/dev/shm/palisade-deny-{tag}"));
}

fn libc_eperm() -> i32 {
    rustix::io::Errno::PERM.raw_os_error()
}
