//! `key`, `sign`, `verify`, `attest`, `verify-attestation`, `sign-blob`, `verify-blob` end to
//! end: cosign's golden vectors, and round trips against Debian's `docker-registry` on
//! 127.0.0.1 (with htpasswd), images pushed with skopeo.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use support::{REGISTRY_PASSWORD, REGISTRY_USER, Registry, images, shared};

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(support::binary())
        .args(args)
        .current_dir(dir)
        .env("PALISADE_PASSWORD", "correct horse")
        .env("PALISADE_REGISTRY_USERNAME", REGISTRY_USER)
        .env("PALISADE_REGISTRY_PASSWORD", REGISTRY_PASSWORD)
        .env_remove("COSIGN_PASSWORD")
        .output()
        .expect("palisade runs")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = run(dir, args);
    assert!(out.status.success(), "palisade {args:?}: {}", text(&out));
    text(&out)
}

fn status(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = run(dir, args);
    (out.status.code().unwrap_or(-1), text(&out))
}

#[test]
fn blobs_verify_with_cosigns_golden_vectors() {
    let dir = tempfile::tempdir().unwrap();
    let sigstore = shared().join("sigstore");
    let payload = dir.path().join("payload.json");
    std::fs::copy(sigstore.join("simplesigning-payload.json"), &payload).unwrap();
    let key = sigstore.join("simplesigning-payload.pub");
    let sig = sigstore.join("simplesigning-payload.sig.b64");
    let args = |p: &Path| {
        vec![
            "verify-blob".to_owned(),
            "--key".into(),
            key.display().to_string(),
            "--signature".into(),
            sig.display().to_string(),
            p.display().to_string(),
        ]
    };
    let a = args(&payload);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    assert!(ok(dir.path(), &a).contains("Verified OK"));
    let mut bytes = std::fs::read(&payload).unwrap();
    bytes[20] ^= 1;
    std::fs::write(&payload, bytes).unwrap();
    assert_eq!(status(dir.path(), &a).0, 1);

    // Our own blobs, and a key cosign encrypted with password 123.
    ok(dir.path(), &["key", "generate", "--output-prefix", "mine"]);
    std::fs::write(dir.path().join("file.txt"), "release notes\n").unwrap();
    ok(
        dir.path(),
        &[
            "sign-blob",
            "--key",
            "mine.key",
            "--output-signature",
            "file.sig",
            "file.txt",
        ],
    );
    assert!(
        ok(
            dir.path(),
            &[
                "verify-blob",
                "--key",
                "mine.pub",
                "--signature",
                "file.sig",
                "file.txt"
            ]
        )
        .contains("Verified OK")
    );
    let cosign_key = sigstore
        .join("ecdsa_encrypted_private.key")
        .display()
        .to_string();
    let out = Command::new(support::binary())
        .args(["key", "public", "--key", &cosign_key])
        .env("COSIGN_PASSWORD", "123")
        .env_remove("PALISADE_PASSWORD")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("-----BEGIN PUBLIC KEY-----"));
    let out = Command::new(support::binary())
        .args(["key", "public", "--key", &cosign_key])
        .env("COSIGN_PASSWORD", "wrong")
        .env_remove("PALISADE_PASSWORD")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out);
    assert!(err.contains("wrong password"), "{err}");
    assert!(
        !err.contains("ciphertext") && !err.contains("PRIVATE KEY-----\n"),
        "{err}"
    );
}

#[test]
fn image_signatures_round_trip_through_a_registry() {
    let registry = Registry::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let image = images();
    registry.push(
        &format!(
            "docker-archive:{}",
            image.join("busybox.docker.tar").display()
        ),
        "team/app:v1",
    );
    registry.push(
        &format!(
            "docker-archive:{}",
            image.join("layered-app.docker.tar").display()
        ),
        "team/other:v1",
    );
    let app = format!("{}/team/app:v1", registry.addr);
    for k in ["k1", "k2", "k3"] {
        ok(d, &["key", "generate", "--output-prefix", k]);
    }

    // Unsigned: exit 1 and a message that says so.
    let (code, out) = status(d, &["verify", "--key", "k1.pub", &app]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("no signature found"), "{out}");

    ok(
        d,
        &["sign", "--key", "k1.key", "-a", "pipeline=build-42", &app],
    );
    ok(d, &["verify", "--key", "k1.pub", &app]);
    ok(
        d,
        &["verify", "--key", "k1.pub", "-a", "pipeline=build-42", &app],
    );
    let (code, out) = status(
        d,
        &["verify", "--key", "k1.pub", "-a", "pipeline=other", &app],
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("without the required annotation pipeline=other"),
        "{out}"
    );

    // A second signature is added, not a replacement; a third key verifies nothing.
    ok(d, &["sign", "--key", "k2.key", &app]);
    ok(d, &["verify", "--key", "k1.pub", &app]);
    ok(d, &["verify", "--key", "k2.pub", &app]);
    assert_eq!(status(d, &["verify", "--key", "k3.pub", &app]).0, 1);
    // Any of several keys will do.
    ok(d, &["verify", "--key", "k3.pub", "--key", "k2.pub", &app]);

    // The JSON says what was verified.
    let json: serde_json::Value = serde_json::from_str(
        &String::from_utf8(run(d, &["verify", "--key", "k1.pub", "--format", "json", &app]).stdout)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(json["signatures"].as_array().unwrap().len(), 1);
    assert!(json["digest"].as_str().unwrap().starts_with("sha256:"));

    // Sigstore bundle referrers (fallback tag on this registry) are found too.
    ok(d, &["sign", "--bundle", "--key", "k3.key", &app]);
    let json: serde_json::Value = serde_json::from_slice(
        &run(d, &["verify", "--key", "k3.pub", "--format", "json", &app]).stdout,
    )
    .unwrap();
    assert_eq!(json["signatures"][0]["kind"], "bundle");

    // The tag moved to another image: the signatures do not follow it.
    registry.push(
        &format!(
            "docker-archive:{}",
            image.join("layered-app.docker.tar").display()
        ),
        "team/app:v1",
    );
    let (code, out) = status(d, &["verify", "--key", "k1.pub", &app]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("tag was moved"), "{out}");
}

#[test]
fn a_tampered_signature_layer_fails() {
    let registry = Registry::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    registry.push(
        &format!(
            "docker-archive:{}",
            images().join("busybox.docker.tar").display()
        ),
        "team/app:v1",
    );
    let app = format!("{}/team/app:v1", registry.addr);
    ok(d, &["key", "generate", "--output-prefix", "k"]);
    ok(d, &["sign", "--key", "k.key", &app]);
    ok(d, &["verify", "--key", "k.pub", &app]);
    // Rewrite the stored simple-signing payload in place: the registry now serves bytes that
    // do not match their digest.
    let mut tampered = 0;
    for entry in walk(&registry.storage()) {
        if entry.file_name().is_some_and(|n| n == "data") {
            let bytes = std::fs::read(&entry).unwrap();
            if bytes.starts_with(b"{\"critical\"") {
                let text = String::from_utf8(bytes).unwrap().replace(
                    "cosign container image signature",
                    "cosign container image signaturE",
                );
                std::fs::write(&entry, text).unwrap();
                tampered += 1;
            }
        }
    }
    assert_eq!(tampered, 1);
    let (code, out) = status(d, &["verify", "--key", "k.pub", &app]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("tampered"), "{out}");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn verdict_attestations_with_conditions() {
    let registry = Registry::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    registry.push(
        &format!(
            "docker-archive:{}",
            images().join("busybox.docker.tar").display()
        ),
        "team/app:v1",
    );
    let app = format!("{}/team/app:v1", registry.addr);
    ok(d, &["key", "generate", "--output-prefix", "k"]);
    ok(d, &["key", "generate", "--output-prefix", "other"]);
    let now = palisade_time_now();
    std::fs::write(
        d.join("go.json"),
        format!(
            r#"{{"final_action": "go", "time": "{now}", "bundle": {{"digest": "sha256:00"}}}}"#
        ),
    )
    .unwrap();
    std::fs::write(
        d.join("old.json"),
        r#"{"final_action": "go", "time": "2020-01-01T00:00:00Z"}"#,
    )
    .unwrap();

    let (code, out) = status(
        d,
        &[
            "verify-attestation",
            "--key",
            "k.pub",
            "--type",
            "verdict",
            &app,
        ],
    );
    assert_eq!(code, 1, "{out}");
    ok(
        d,
        &[
            "attest",
            "--key",
            "k.key",
            "--type",
            "verdict",
            "--predicate",
            "go.json",
            &app,
        ],
    );
    let out = ok(
        d,
        &[
            "verify-attestation",
            "--key",
            "k.pub",
            "--type",
            "verdict",
            "--require",
            "final_action=go",
            "--max-age",
            "24h",
            &app,
        ],
    );
    assert!(out.contains("\"final_action\": \"go\""), "{out}");
    let (code, out) = status(
        d,
        &[
            "verify-attestation",
            "--key",
            "k.pub",
            "--type",
            "verdict",
            "--require",
            "final_action=stop",
            &app,
        ],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("requires final_action=stop"), "{out}");
    assert_eq!(
        status(
            d,
            &[
                "verify-attestation",
                "--key",
                "other.pub",
                "--type",
                "verdict",
                &app
            ]
        )
        .0,
        1
    );

    // An old verdict, as a bundle referrer: found, but too old.
    registry.push(
        &format!(
            "docker-archive:{}",
            images().join("bookworm-minbase.docker.tar").display()
        ),
        "team/base:v1",
    );
    let base = format!("{}/team/base:v1", registry.addr);
    ok(
        d,
        &[
            "attest",
            "--bundle",
            "--key",
            "k.key",
            "--type",
            "verdict",
            "--predicate",
            "old.json",
            &base,
        ],
    );
    ok(
        d,
        &[
            "verify-attestation",
            "--key",
            "k.pub",
            "--type",
            "verdict",
            &base,
        ],
    );
    let (code, out) = status(
        d,
        &[
            "verify-attestation",
            "--key",
            "k.pub",
            "--type",
            "verdict",
            "--max-age",
            "24h",
            &base,
        ],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("old"), "{out}");
}

fn palisade_time_now() -> String {
    let out = Command::new("date")
        .args(["-u", "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[test]
fn scan_signs_and_attests_only_what_passes() {
    let registry = Registry::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    registry.push(
        &format!(
            "docker-archive:{}",
            images().join("busybox.docker.tar").display()
        ),
        "team/app:v1",
    );
    registry.push(
        &format!(
            "docker-archive:{}",
            images().join("layered-app.docker.tar").display()
        ),
        "team/bad:v1",
    );
    ok(d, &["key", "generate", "--output-prefix", "ci"]);
    std::fs::write(
        d.join("bundle.yaml"),
        "apiVersion: palisade.dev/v1\nkind: PolicyBundle\nmetadata: {name: gate}\npolicies:\n  - id: p\n    rules:\n      - {gate: dockerfile, trigger: exposed_ports, action: stop, params: {ports: \"22\", type: blacklist}}\nmappings:\n  - {image: \"*\", policies: [p]}\n",
    )
    .unwrap();
    let good = format!("registry:{}/team/app:v1", registry.addr);
    let bad = format!("registry:{}/team/bad:v1", registry.addr);
    let scan = |image: &str| {
        status(
            d,
            &[
                "scan",
                "--offline",
                "--db",
                "none.sqlite",
                "--policy",
                "bundle.yaml",
                "--sign-key",
                "ci.key",
                "--attest",
                "-q",
                image,
            ],
        )
    };
    let (code, out) = scan(&good);
    assert_eq!(code, 0, "{out}");
    ok(d, &["verify", "--key", "ci.pub", &good]);
    let out = ok(
        d,
        &[
            "verify-attestation",
            "--key",
            "ci.pub",
            "--type",
            "verdict",
            "--require",
            "final_action=go",
            "--max-age",
            "1h",
            &good,
        ],
    );
    assert!(
        out.contains("\"digest\": \"sha256:"),
        "the verdict names the bundle digest: {out}"
    );

    let (code, out) = scan(&bad);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("not signing: the final action is STOP"),
        "{out}"
    );
    assert_eq!(status(d, &["verify", "--key", "ci.pub", &bad]).0, 1);
}

/// Fetches a blob or manifest from the test registry with curl.
fn fetch(registry: &Registry, path: &str, accept: &str) -> Vec<u8> {
    let out = Command::new("curl")
        .args([
            "-sSf",
            "-u",
            &format!("{REGISTRY_USER}:{REGISTRY_PASSWORD}"),
            "-H",
            &format!("Accept: {accept}"),
        ])
        .arg(format!("http://{}/v2/{path}", registry.addr))
        .output()
        .expect("curl is installed");
    assert!(
        out.status.success(),
        "GET {path}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn independent_verifiers_accept_palisades_signatures() {
    // .sig signatures: Python's `cryptography` over the OCI distribution API; bundles: the npm
    // packages @sigstore/verify and @sigstore/bundle with the public key as trusted material.
    let python = support::python_validators();
    let node_modules = std::env::var("PALISADE_NPM").unwrap_or_else(|_| "/tmp/palisade-npm".into());
    let node_modules = Path::new(&node_modules).join("node_modules");
    assert!(
        node_modules.join("@sigstore/verify").is_dir(),
        "{} lacks @sigstore/verify: run .ci/setup",
        node_modules.display()
    );
    let registry = Registry::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    registry.push(
        &format!(
            "docker-archive:{}",
            images().join("busybox.docker.tar").display()
        ),
        "team/app:v1",
    );
    let app = format!("{}/team/app:v1", registry.addr);
    ok(d, &["key", "generate", "--output-prefix", "k"]);
    ok(d, &["key", "generate", "--output-prefix", "other"]);
    ok(d, &["sign", "--key", "k.key", &app]);
    let json: serde_json::Value = serde_json::from_slice(
        &run(d, &["verify", "--key", "k.pub", "--format", "json", &app]).stdout,
    )
    .unwrap();
    let digest = json["digest"].as_str().unwrap().to_owned();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/verify_sig.py");
    let check = |key: &str| {
        Command::new(&python)
            .arg(&script)
            .args([
                registry.addr.as_str(),
                "team/app",
                &digest,
                key,
                REGISTRY_USER,
                REGISTRY_PASSWORD,
            ])
            .current_dir(d)
            .output()
            .unwrap()
    };
    let out = check("k.pub");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1");
    assert!(!check("other.pub").status.success());

    // A bundle referrer, fetched through the fallback tag, verified by @sigstore/verify.
    ok(d, &["sign", "--bundle", "--key", "k.key", &app]);
    let index: serde_json::Value = serde_json::from_slice(&fetch(
        &registry,
        &format!("team/app/manifests/{}", digest.replace(':', "-")),
        "application/vnd.oci.image.index.v1+json",
    ))
    .unwrap();
    let referrer = index["manifests"][0]["digest"].as_str().unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(&fetch(
        &registry,
        &format!("team/app/manifests/{referrer}"),
        "application/vnd.oci.image.manifest.v1+json",
    ))
    .unwrap();
    assert_eq!(manifest["subject"]["digest"], digest.as_str());
    assert_eq!(
        manifest["artifactType"],
        "application/vnd.dev.sigstore.bundle.v0.3+json"
    );
    let layer = manifest["layers"][0]["digest"].as_str().unwrap();
    let bundle = fetch(&registry, &format!("team/app/blobs/{layer}"), "*/*");
    std::fs::write(d.join("bundle.json"), &bundle).unwrap();
    let js = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/verify_bundle.js");
    let node = |file: &str| {
        Command::new("node")
            .arg(&js)
            .args([file, "k.pub"])
            .env("NODE_PATH", &node_modules)
            .current_dir(d)
            .output()
            .expect("node is installed")
    };
    let out = node("bundle.json");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "verified");
    // One signature byte changed: refused.
    let mut doc: serde_json::Value = serde_json::from_slice(&bundle).unwrap();
    let sig = doc["dsseEnvelope"]["signatures"][0]["sig"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut raw = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, sig).unwrap();
    let last = raw.len() - 2;
    raw[last] ^= 1;
    doc["dsseEnvelope"]["signatures"][0]["sig"] =
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, raw).into();
    std::fs::write(d.join("bad.json"), serde_json::to_vec(&doc).unwrap()).unwrap();
    let out = node("bad.json");
    assert!(!out.status.success(), "{}", text(&out));
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walk(from) {
        let target = to.join(entry.strip_prefix(from).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&entry, &target).unwrap();
    }
}

#[test]
fn signatures_in_an_oci_layout() {
    support::require_tool("skopeo");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    copy_dir(&images().join("busybox.oci"), &d.join("app.oci"));
    ok(d, &["key", "generate", "--output-prefix", "k"]);
    ok(d, &["key", "generate", "--output-prefix", "other"]);
    std::fs::write(
        d.join("go.json"),
        format!(
            r#"{{"final_action": "go", "time": "{}"}}"#,
            palisade_time_now()
        ),
    )
    .unwrap();

    let (code, out) = status(d, &["verify", "--key", "k.pub", "oci:app.oci:latest"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("no signature found"), "{out}");
    ok(
        d,
        &[
            "sign",
            "--key",
            "k.key",
            "-a",
            "env=prod",
            "oci:app.oci:latest",
        ],
    );
    ok(
        d,
        &[
            "attest",
            "--key",
            "k.key",
            "--type",
            "verdict",
            "--predicate",
            "go.json",
            "oci:app.oci",
        ],
    );
    ok(
        d,
        &[
            "sign",
            "--bundle",
            "--key",
            "other.key",
            "oci:app.oci:latest",
        ],
    );

    // The layout's index lists the signatures under cosign's tags.
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("app.oci/index.json")).unwrap()).unwrap();
    let digest = index["manifests"][0]["digest"].as_str().unwrap().to_owned();
    let tags: Vec<&str> = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["annotations"]["org.opencontainers.image.ref.name"].as_str())
        .collect();
    let base = digest.replace(':', "-");
    for tag in [
        "latest".to_owned(),
        format!("{base}.sig"),
        format!("{base}.att"),
        base.clone(),
    ] {
        assert!(tags.contains(&tag.as_str()), "{tag} missing from {tags:?}");
    }

    // Verified by tag, by default image (no tag) and by digest; the wrong key fails.
    let json: serde_json::Value = serde_json::from_slice(
        &run(
            d,
            &[
                "verify",
                "--key",
                "k.pub",
                "-a",
                "env=prod",
                "--format",
                "json",
                "oci:app.oci",
            ],
        )
        .stdout,
    )
    .unwrap();
    assert_eq!(json["digest"], digest.as_str());
    assert_eq!(json["signatures"][0]["kind"], "sig-tag");
    let json: serde_json::Value = serde_json::from_slice(
        &run(
            d,
            &[
                "verify",
                "--key",
                "other.pub",
                "--format",
                "json",
                "oci:app.oci:latest",
            ],
        )
        .stdout,
    )
    .unwrap();
    assert_eq!(json["signatures"][0]["kind"], "bundle");
    let (code, out) = status(
        d,
        &[
            "verify",
            "--key",
            "other.pub",
            "-a",
            "env=prod",
            "oci:app.oci",
        ],
    );
    assert_eq!(code, 1, "{out}");
    ok(
        d,
        &[
            "verify-attestation",
            "--key",
            "k.pub",
            "--type",
            "verdict",
            "--require",
            "final_action=go",
            "--max-age",
            "1h",
            "oci:app.oci:latest",
        ],
    );

    // The layout is still one image to the readers: skopeo, and palisade itself.
    let out = Command::new("skopeo")
        .args([
            "inspect",
            "--raw",
            &format!("oci:{}:latest", d.join("app.oci").display()),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let (code, out) = status(d, &["sbom", "--format", "json", "oci:app.oci"]);
    assert_eq!(code, 0, "{out}");

    // A tampered signature payload in the layout's blobs is refused.
    for entry in walk(&d.join("app.oci/blobs")) {
        let bytes = std::fs::read(&entry).unwrap();
        if bytes.starts_with(b"{\"critical\"") {
            std::fs::write(
                &entry,
                String::from_utf8(bytes).unwrap().replace("env", "enV"),
            )
            .unwrap();
        }
    }
    let (code, out) = status(d, &["verify", "--key", "k.pub", "oci:app.oci"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("tampered"), "{out}");
}

#[test]
fn openssl_keys_sign_blobs_that_openssl_verifies_and_nothing_secret_is_logged() {
    // A plain PKCS#8 key made by openssl; openssl checks palisade's blob signature; with the
    // most verbose logging, no part of the private key shows in palisade's output.
    support::require_tool("openssl");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(d)
            .output()
            .unwrap();
        assert!(out.status.success(), "openssl {args:?}: {}", text(&out));
        out
    };
    openssl(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        "key.pem",
    ]);
    openssl(&["pkey", "-in", "key.pem", "-pubout", "-out", "key.pub"]);
    let public = ok(d, &["key", "public", "--key", "key.pem"]);
    assert_eq!(
        public.trim(),
        std::fs::read_to_string(d.join("key.pub")).unwrap().trim()
    );
    std::fs::write(d.join("release.tar"), b"release bytes\n").unwrap();
    let out = run(
        d,
        &[
            "-vvv",
            "sign-blob",
            "--key",
            "key.pem",
            "--output-signature",
            "release.sig",
            "release.tar",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let logged = text(&out);
    let pem = std::fs::read_to_string(d.join("key.pem")).unwrap();
    for line in pem.lines().filter(|l| !l.starts_with("-----")) {
        for chunk in line.as_bytes().chunks(16).filter(|c| c.len() == 16) {
            let chunk = std::str::from_utf8(chunk).unwrap();
            assert!(
                !logged.contains(chunk),
                "a piece of the private key was printed"
            );
        }
    }
    let der = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        std::fs::read_to_string(d.join("release.sig"))
            .unwrap()
            .trim(),
    )
    .unwrap();
    std::fs::write(d.join("release.sig.der"), der).unwrap();
    let verified = openssl(&[
        "dgst",
        "-sha256",
        "-verify",
        "key.pub",
        "-signature",
        "release.sig.der",
        "release.tar",
    ]);
    assert_eq!(
        String::from_utf8_lossy(&verified.stdout).trim(),
        "Verified OK"
    );
    // And palisade agrees, but not for other bytes.
    ok(
        d,
        &[
            "verify-blob",
            "--key",
            "key.pub",
            "--signature",
            "release.sig",
            "release.tar",
        ],
    );
    std::fs::write(d.join("release.tar"), b"release bytez\n").unwrap();
    assert_eq!(
        status(
            d,
            &[
                "verify-blob",
                "--key",
                "key.pub",
                "--signature",
                "release.sig",
                "release.tar"
            ]
        )
        .0,
        1
    );
}

/// Runs `palisade ARGS` on a pseudo-terminal (util-linux `script`) with `input` typed in and
/// no password in the environment.
fn on_terminal(dir: &Path, args: &str, input: &str) -> Output {
    support::require_tool("script");
    let mut child = Command::new("script")
        .args([
            "-qec",
            &format!("{} {args}", support::binary().display()),
            "/dev/null",
        ])
        .current_dir(dir)
        .env_remove("PALISADE_PASSWORD")
        .env_remove("COSIGN_PASSWORD")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("script runs");
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn passwords_are_asked_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = on_terminal(d, "key generate --output-prefix t", "tty pass\ntty pass\n");
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("Enter password again"),
        "{}",
        text(&out)
    );
    // The key is encrypted with what was typed.
    let out = Command::new(support::binary())
        .args(["key", "public", "--key", "t.key"])
        .current_dir(d)
        .env("PALISADE_PASSWORD", "tty pass")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        std::fs::read_to_string(d.join("t.pub")).unwrap().trim()
    );
    let out = on_terminal(d, "key public --key t.key", "tty pass\n");
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("-----BEGIN PUBLIC KEY-----"));
    // Two different passwords: no key is written.
    let out = on_terminal(d, "key generate --output-prefix u", "one\ntwo\n");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("do not match"), "{}", text(&out));
    assert!(!d.join("u.key").exists());
    // No terminal and no password in the environment: one clear error.
    let out = Command::new(support::binary())
        .args(["key", "public", "--key", "t.key"])
        .current_dir(d)
        .env_remove("PALISADE_PASSWORD")
        .env_remove("COSIGN_PASSWORD")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("set PALISADE_PASSWORD"),
        "{}",
        text(&out)
    );
}
