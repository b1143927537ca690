//! Policy sync against a real git server: Debian's `git daemon`, started on 127.0.0.1 by the
//! test, serving a repository with three commits (good, broken, good).

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use palisade_policy_sync::{Options, SyncError, current_commit, sync};

const GOOD: &str = "apiVersion: palisade.dev/v1
kind: PolicyBundle
metadata: {name: from-git}
policies:
  - id: p
    rules:
      - {gate: dockerfile, trigger: exposed_ports, action: stop, params: {ports: \"22\", type: blacklist}}
mappings:
  - {image: \"*\", policies: [p]}
";

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "policy team")
        .env("GIT_AUTHOR_EMAIL", "policy@example.com")
        .env("GIT_COMMITTER_NAME", "policy team")
        .env("GIT_COMMITTER_EMAIL", "policy@example.com")
        .output()
        .expect("git is installed (Debian's git package)");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn commit(repo: &Path, text: &str, message: &str) -> String {
    std::fs::write(repo.join("bundle.yaml"), text).unwrap();
    git(repo, &["add", "bundle.yaml"]);
    git(repo, &["commit", "-q", "-m", message]);
    git(repo, &["rev-parse", "HEAD"])
}

struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn daemon(base: &Path) -> (Daemon, u16) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("git")
        .args([
            "daemon",
            "--export-all",
            "--reuseaddr",
            "--listen=127.0.0.1",
            &format!("--port={port}"),
            &format!("--base-path={}", base.display()),
        ])
        .arg(base)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("git daemon starts (Debian's git package)");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "git daemon did not listen"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (Daemon(child), port)
}

#[test]
fn a_broken_commit_keeps_the_last_good_bundle() {
    let base = tempfile::tempdir().unwrap();
    let repo = base.path().join("policy");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    let first = commit(&repo, GOOD, "good");
    let (_daemon, port) = daemon(base.path());
    let out = tempfile::tempdir().unwrap();
    let options = Options {
        repository: format!("git://127.0.0.1:{port}/policy"),
        reference: "main".into(),
        dir: out.path().to_owned(),
        path: String::new(),
    };

    let synced = sync(&options).unwrap();
    assert_eq!(synced.commit, first);
    assert!(synced.switched);
    assert_eq!(current_commit(out.path()).as_deref(), Some(first.as_str()));
    let again = sync(&options).unwrap();
    assert!(!again.switched, "nothing new: current stays");

    // A broken commit: reported with the bundle's own diagnostics, the first stays in force.
    let broken = commit(
        &repo,
        &GOOD.replace("action: stop", "action: explode"),
        "broken",
    );
    match sync(&options) {
        Err(SyncError::Invalid {
            commit,
            diagnostics,
        }) => {
            assert_eq!(commit, broken);
            assert!(
                diagnostics.iter().any(|d| d.message.contains("explode")),
                "{diagnostics:?}"
            );
        }
        other => panic!("expected the broken commit to be refused: {other:?}"),
    }
    assert_eq!(current_commit(out.path()).as_deref(), Some(first.as_str()));
    let loaded = palisade_policy::load::load_path(&out.path().join("current")).unwrap();
    assert_eq!(
        loaded.bundle.unwrap().source.commit.as_deref(),
        Some(first.as_str())
    );

    // A good commit again: current moves, and the bundle says which commit it is.
    let third = commit(&repo, &GOOD.replace("\"22\"", "\"22,23\""), "good again");
    let synced = sync(&options).unwrap();
    assert_eq!(synced.commit, third);
    let bundle = palisade_policy::load::load_path(&out.path().join("current"))
        .unwrap()
        .bundle
        .unwrap();
    assert_eq!(bundle.source.commit.as_deref(), Some(third.as_str()));
    assert_eq!(
        bundle.source.repository.as_deref(),
        Some(options.repository.as_str())
    );

    // A pinned commit id works as a ref too.
    let pinned = sync(&Options {
        reference: first.clone(),
        ..options.clone()
    })
    .unwrap();
    assert_eq!(pinned.commit, first);
}

#[test]
fn an_unreachable_repository_is_an_error_that_names_it() {
    let out = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = sync(&Options {
        repository: format!("git://127.0.0.1:{port}/nothing"),
        reference: "main".into(),
        dir: out.path().to_owned(),
        path: String::new(),
    })
    .unwrap_err();
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
    assert_eq!(current_commit(out.path()), None);
}
