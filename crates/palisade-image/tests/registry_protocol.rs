//! The distribution protocol against a minimal registry served by the test on 127.0.0.1:
//! bearer-token authentication, anonymous access, image indexes with platform selection, and
//! blobs whose bytes do not match their digest. (Pulls from Debian's real docker-registry with
//! basic auth are tested in the palisade binary's integration tests.)

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::Arc;

use palisade_core::{Algorithm, Digest, ImageRef};
use palisade_image::{Credentials, FileEntry, FileVisitor, NoProgress, OpenOptions, Platform};
use sha2::{Digest as _, Sha256};

fn sha(bytes: &[u8]) -> Digest {
    Digest::from_bytes(Algorithm::Sha256, &Sha256::digest(bytes))
}

fn gz_tar(files: &[(&str, &[u8])]) -> (Vec<u8>, Digest) {
    let mut b = tar::Builder::new(Vec::new());
    for (path, data) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, path, *data).unwrap();
    }
    let tar = b.into_inner().unwrap();
    let diff_id = sha(&tar);
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&tar).unwrap();
    (enc.finish().unwrap(), diff_id)
}

/// What the mock registry serves: path → (content type, body).
struct Content {
    objects: HashMap<String, (String, Vec<u8>)>,
    token_required: bool,
}

fn descriptor(media_type: &str, bytes: &[u8]) -> serde_json::Value {
    serde_json::json!({ "mediaType": media_type, "digest": sha(bytes).to_string(), "size": bytes.len() })
}

/// Adds one single-platform image to `objects` and returns its manifest bytes.
fn add_image(
    objects: &mut HashMap<String, (String, Vec<u8>)>,
    repo: &str,
    arch: &str,
    marker: &str,
) -> Vec<u8> {
    let (layer, diff_id) = gz_tar(&[("etc/os-release", format!("ID={marker}\n").as_bytes())]);
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": arch, "os": "linux",
        "rootfs": { "type": "layers", "diff_ids": [diff_id.to_string()] }
    }))
    .unwrap();
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": descriptor("application/vnd.oci.image.config.v1+json", &config),
        "layers": [descriptor("application/vnd.oci.image.layer.v1.tar+gzip", &layer)],
    }))
    .unwrap();
    for blob in [&layer, &config] {
        objects.insert(
            format!("/v2/{repo}/blobs/{}", sha(blob)),
            ("application/octet-stream".into(), blob.clone()),
        );
    }
    objects.insert(
        format!("/v2/{repo}/manifests/{}", sha(&manifest)),
        (
            "application/vnd.oci.image.manifest.v1+json".into(),
            manifest.clone(),
        ),
    );
    manifest
}

fn serve(content: Content) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let content = Arc::new(content);
    let realm = format!("http://{addr}/token");
    std::thread::spawn(move || {
        for stream in listener.incoming().take(200) {
            let Ok(mut stream) = stream else { continue };
            let content = content.clone();
            let realm = realm.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                reader.read_line(&mut request_line).unwrap();
                let path = request_line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("/")
                    .to_owned();
                let mut auth = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some((k, v)) = line.split_once(':') {
                        if k.eq_ignore_ascii_case("authorization") {
                            auth = Some(v.trim().to_owned());
                        }
                    }
                }
                let respond = |stream: &mut std::net::TcpStream,
                               status: &str,
                               headers: &str,
                               body: &[u8]| {
                    let head = format!(
                        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n{headers}\r\n",
                        body.len()
                    );
                    let _ = stream.write_all(head.as_bytes());
                    let _ = stream.write_all(body);
                };
                if let Some(query) = path.strip_prefix("/token?") {
                    // alice:secret, base64.
                    let ok = auth.as_deref() == Some("Basic YWxpY2U6c2VjcmV0")
                        && query.contains("scope=repository%3A");
                    if ok {
                        respond(
                            &mut stream,
                            "200 OK",
                            "Content-Type: application/json\r\n",
                            br#"{"token":"t0ken"}"#,
                        );
                    } else {
                        respond(&mut stream, "401 Unauthorized", "", b"");
                    }
                    return;
                }
                if content.token_required && auth.as_deref() != Some("Bearer t0ken") {
                    let challenge = format!(
                        "WWW-Authenticate: Bearer realm=\"{realm}\",service=\"mock\",scope=\"repository:app:pull\"\r\n"
                    );
                    respond(&mut stream, "401 Unauthorized", &challenge, b"");
                    return;
                }
                match content.objects.get(&path) {
                    Some((media_type, body)) => respond(
                        &mut stream,
                        "200 OK",
                        &format!("Content-Type: {media_type}\r\n"),
                        body,
                    ),
                    None => respond(&mut stream, "404 Not Found", "", b""),
                }
            });
        }
    });
    addr
}

struct OsRelease;

impl FileVisitor for OsRelease {
    type Output = String;
    fn wants(&self, path: &str) -> bool {
        path == "/etc/os-release"
    }
    fn visit(&self, _: &FileEntry<'_>, content: &mut dyn Read) -> Option<String> {
        let mut s = String::new();
        content.read_to_string(&mut s).ok()?;
        Some(s)
    }
}

fn multi_platform(token_required: bool) -> String {
    let mut objects = HashMap::new();
    let amd = add_image(&mut objects, "app", "amd64", "amd");
    let arm = add_image(&mut objects, "app", "arm64", "arm");
    let mut amd_desc = descriptor("application/vnd.oci.image.manifest.v1+json", &amd);
    amd_desc["platform"] = serde_json::json!({ "os": "linux", "architecture": "amd64" });
    let mut arm_desc = descriptor("application/vnd.oci.image.manifest.v1+json", &arm);
    arm_desc["platform"] =
        serde_json::json!({ "os": "linux", "architecture": "arm64", "variant": "v8" });
    let index = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [amd_desc, arm_desc],
    }))
    .unwrap();
    objects.insert(
        "/v2/app/manifests/v1".into(),
        ("application/vnd.oci.image.index.v1+json".into(), index),
    );
    serve(Content {
        objects,
        token_required,
    })
}

fn read_os_release(reference: &str, options: &OpenOptions) -> Result<String, String> {
    let reference: ImageRef = reference.parse().unwrap();
    let image = palisade_image::open(&reference, options).map_err(|e| e.to_string())?;
    let walk = image
        .walk(&OsRelease, &NoProgress)
        .map_err(|e| e.to_string())?;
    Ok(walk
        .file("/etc/os-release")
        .map(|v| v.output.clone())
        .unwrap_or_default())
}

#[test]
fn anonymous_pull_picks_the_requested_platform() {
    let addr = multi_platform(false);
    let arm = OpenOptions {
        platform: Platform::parse("linux/arm64"),
        ..OpenOptions::default()
    };
    assert_eq!(
        read_os_release(&format!("registry:{addr}/app:v1"), &arm).unwrap(),
        "ID=arm\n"
    );
    let amd = OpenOptions {
        platform: Platform::parse("linux/amd64"),
        ..OpenOptions::default()
    };
    assert_eq!(
        read_os_release(&format!("registry:{addr}/app:v1"), &amd).unwrap(),
        "ID=amd\n"
    );
    let s390 = OpenOptions {
        platform: Platform::parse("linux/s390x"),
        ..OpenOptions::default()
    };
    let err = read_os_release(&format!("registry:{addr}/app:v1"), &s390).unwrap_err();
    assert!(
        err.contains("no image for platform linux/s390x") && err.contains("linux/arm64/v8"),
        "{err}"
    );
}

#[test]
fn bearer_tokens_are_fetched_with_the_credentials() {
    let addr = multi_platform(true);
    let reference = format!("registry:{addr}/app:v1");
    let options = OpenOptions {
        platform: Platform::parse("linux/amd64"),
        credentials: Some(Credentials {
            username: "alice".into(),
            password: "secret".into(),
        }),
        ..OpenOptions::default()
    };
    assert_eq!(read_os_release(&reference, &options).unwrap(), "ID=amd\n");

    let wrong = OpenOptions {
        credentials: Some(Credentials {
            username: "alice".into(),
            password: "nope".into(),
        }),
        ..options.clone()
    };
    let err = read_os_release(&reference, &wrong).unwrap_err();
    assert!(
        err.contains("token request") && err.contains("401"),
        "{err}"
    );
}

#[test]
fn tampered_blobs_are_refused() {
    let mut objects = HashMap::new();
    let manifest = add_image(&mut objects, "app", "amd64", "ok");
    objects.insert(
        "/v2/app/manifests/latest".into(),
        (
            "application/vnd.oci.image.manifest.v1+json".into(),
            manifest.clone(),
        ),
    );
    // Swap the layer's bytes for other bytes under the same digest.
    let layer_key = objects
        .iter()
        .find(|(_, (_, body))| body.starts_with(&[0x1f, 0x8b]))
        .map(|(k, _)| k.clone())
        .unwrap();
    let (evil, _) = gz_tar(&[("etc/os-release", b"ID=evil\n")]);
    objects.get_mut(&layer_key).unwrap().1 = evil;
    let addr = serve(Content {
        objects,
        token_required: false,
    });
    let err =
        read_os_release(&format!("registry:{addr}/app"), &OpenOptions::default()).unwrap_err();
    assert!(err.contains("mismatch"), "{err}");

    // Pulling by a digest the manifest does not have fails before any blob is read.
    let other = sha(b"something else");
    let err = read_os_release(
        &format!("registry:{addr}/app@{other}"),
        &OpenOptions::default(),
    )
    .unwrap_err();
    assert!(err.contains("404"), "{err}");
    let _ = manifest;
}
