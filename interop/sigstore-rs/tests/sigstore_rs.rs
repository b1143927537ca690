//! palisade's `.sig` signatures, verified by the `sigstore` crate: palisade signs an image in
//! Debian's `docker-registry` on 127.0.0.1 (pushed there with skopeo), and sigstore-rs's cosign
//! client finds the signature manifest, checks each layer's signature with the public key, the
//! simple-signing payload's digest against the image's, and annotations.
//!
//! Needs `docker-registry`, `htpasswd` and `skopeo` (`.ci/setup` installs them) and the test
//! images (`../shared/tools/build-test-images.sh`); fails with the reason when they are missing.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use palisade_core::{ImageRef, RegistryRef};
use palisade_sign::{Access, PrivateKey};
use sigstore::cosign::verification_constraint::{
    AnnotationVerifier, PublicKeyVerifier, VerificationConstraintVec,
};
use sigstore::cosign::{ClientBuilder, CosignCapabilities, SignatureLayer, verify_constraints};
use sigstore::registry::{Auth, ClientConfig, ClientProtocol, OciReference};

const USER: &str = "palisade";
const PASSWORD: &str = "interop-test-password";

fn require_tool(name: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(found, "{name} is not installed: run .ci/setup");
}

fn images() -> PathBuf {
    let dir = std::env::var_os("PALISADE_IMAGES")
        .map_or_else(|| PathBuf::from("/tmp/palisade-images"), PathBuf::from);
    assert!(
        dir.join("busybox.docker.tar").is_file(),
        "test images missing in {}: run ../shared/tools/build-test-images.sh (or .ci/setup)",
        dir.display()
    );
    dir
}

/// Debian's docker-registry on a free loopback port, with or without htpasswd; stopped on drop.
struct Registry {
    addr: String,
    authenticated: bool,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Registry {
    fn start(authenticated: bool) -> Registry {
        for tool in ["docker-registry", "htpasswd", "skopeo"] {
            require_tool(tool);
        }
        let dir = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let root = dir.path().display();
        let mut config = format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {root}/data\nhttp:\n  addr: {addr}\n"
        );
        if authenticated {
            let htpasswd = Command::new("htpasswd")
                .args(["-Bbn", USER, PASSWORD])
                .output()
                .unwrap();
            std::fs::write(dir.path().join("htpasswd"), htpasswd.stdout).unwrap();
            config.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: palisade-interop\n    path: {root}/htpasswd\n"
            ));
        }
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
            assert!(Instant::now() < deadline, "docker-registry did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Registry {
            addr,
            authenticated,
            child,
            _dir: dir,
        }
    }

    fn push(&self, archive: &str, target: &str) {
        let mut skopeo = Command::new("skopeo");
        skopeo.args(["copy", "-q", "--insecure-policy", "--dest-tls-verify=false"]);
        if self.authenticated {
            skopeo.args(["--dest-creds", &format!("{USER}:{PASSWORD}")]);
        }
        let status = skopeo
            .arg(format!(
                "docker-archive:{}",
                images().join(archive).display()
            ))
            .arg(format!("docker://{}/{target}", self.addr))
            .status()
            .unwrap();
        assert!(status.success(), "skopeo could not push {archive}");
    }

    fn access(&self) -> Access {
        Access {
            credentials: self.authenticated.then(|| palisade_image::Credentials {
                username: USER.into(),
                password: PASSWORD.into(),
            }),
            timeout: Duration::from_secs(10),
        }
    }

    fn auth(&self) -> Auth {
        if self.authenticated {
            Auth::Basic(USER.into(), PASSWORD.into())
        } else {
            Auth::Anonymous
        }
    }

    fn palisade_ref(&self, repo_tag: &str) -> RegistryRef {
        match format!("registry:{}/{repo_tag}", self.addr).parse::<ImageRef>() {
            Ok(ImageRef::Registry(r)) => r,
            other => panic!("not a registry reference: {other:?}"),
        }
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The signature layers sigstore-rs trusts for the image (it resolves the tag, reads
/// `sha256-<hex>.sig`, and keeps the layers whose payload names the image's digest).
async fn sigstore_layers(registry: &Registry, repo_tag: &str) -> Vec<SignatureLayer> {
    let config = ClientConfig {
        protocol: ClientProtocol::Http,
        ..ClientConfig::default()
    };
    let mut client = ClientBuilder::default()
        .with_oci_client_config(config)
        .build()
        .expect("sigstore client");
    let image: OciReference = format!("{}/{repo_tag}", registry.addr).parse().unwrap();
    client
        .trusted_signature_layers(&registry.auth(), &image)
        .await
        .expect("sigstore-rs reads the signature manifest")
}

fn by_key(public_pem: &str) -> VerificationConstraintVec {
    vec![Box::new(
        PublicKeyVerifier::try_from(public_pem.as_bytes()).expect("sigstore-rs reads the key"),
    )]
}

fn accepted(layers: &[SignatureLayer], constraints: &VerificationConstraintVec) -> bool {
    verify_constraints(layers, constraints.iter()).is_ok()
}

async fn check(registry: Registry) {
    registry.push("busybox.docker.tar", "team/app:v1");
    registry.push("layered-app.docker.tar", "team/other:v1");
    let app = registry.palisade_ref("team/app:v1");
    let k1 = PrivateKey::generate();
    let k2 = PrivateKey::generate();
    let k3 = PrivateKey::generate();

    // Unsigned: sigstore-rs finds nothing to trust.
    let layers = sigstore_layers(&registry, "team/app:v1").await;
    assert!(layers.is_empty());

    let annotations = BTreeMap::from([("pipeline".to_owned(), "build-42".to_owned())]);
    palisade_sign::sign_image(&app, &k1, &annotations, false, &registry.access()).unwrap();
    palisade_sign::sign_image(&app, &k2, &BTreeMap::new(), false, &registry.access()).unwrap();

    let layers = sigstore_layers(&registry, "team/app:v1").await;
    assert_eq!(
        layers.len(),
        2,
        "both signatures are layers of one manifest"
    );
    assert!(accepted(&layers, &by_key(&k1.public().to_pem())));
    assert!(accepted(&layers, &by_key(&k2.public().to_pem())));
    assert!(!accepted(&layers, &by_key(&k3.public().to_pem())));

    // Annotations, as sigstore-rs checks them (the simple-signing `optional` object).
    let mut with_annotation = by_key(&k1.public().to_pem());
    with_annotation.push(Box::new(AnnotationVerifier {
        annotations: BTreeMap::from([("pipeline".to_owned(), "build-42".to_owned())]),
    }));
    assert!(accepted(&layers, &with_annotation));
    let mut wrong_annotation = by_key(&k1.public().to_pem());
    wrong_annotation.push(Box::new(AnnotationVerifier {
        annotations: BTreeMap::from([("pipeline".to_owned(), "other".to_owned())]),
    }));
    assert!(!accepted(&layers, &wrong_annotation));

    // The tag moved to another image: sigstore-rs, like palisade, finds no signature for it.
    registry.push("layered-app.docker.tar", "team/app:v1");
    let layers = sigstore_layers(&registry, "team/app:v1").await;
    assert!(!accepted(&layers, &by_key(&k1.public().to_pem())));
}

#[tokio::test(flavor = "current_thread")]
async fn sigstore_rs_verifies_palisade_signatures_anonymous_registry() {
    check(Registry::start(false)).await;
}

#[tokio::test(flavor = "current_thread")]
async fn sigstore_rs_verifies_palisade_signatures_htpasswd_registry() {
    check(Registry::start(true)).await;
}

/// sigstore-rs writes, palisade reads: a key pair sigstore-rs made and encrypted the cosign
/// way, and a signature it pushed as cosign does; palisade decrypts the key, and verifies the
/// signature (with its annotations) against the image's digest.
#[tokio::test(flavor = "current_thread")]
async fn palisade_verifies_what_sigstore_rs_signs() {
    use sigstore::cosign::Constraint;
    use sigstore::cosign::constraint::{AnnotationMarker, PrivateKeySigner};
    use sigstore::crypto::SigningScheme;
    use zeroize::Zeroizing;

    let registry = Registry::start(true);
    registry.push("busybox.docker.tar", "team/app:v1");
    let scheme = SigningScheme::ECDSA_P256_SHA256_ASN1;
    let pair = scheme
        .create_signer()
        .unwrap()
        .to_sigstore_keypair()
        .unwrap();
    let encrypted = pair.private_key_to_encrypted_pem(b"sigstore-rs").unwrap();
    let public_pem = pair.public_key_to_pem().unwrap();

    // The key, as sigstore-rs encrypted it, reads with its password and only with it.
    let key = PrivateKey::from_pem("sigstore-rs.key", &encrypted, b"sigstore-rs").unwrap();
    assert_eq!(
        key.public(),
        palisade_sign::PublicKey::from_pem(&public_pem).unwrap()
    );
    assert!(PrivateKey::from_pem("sigstore-rs.key", &encrypted, b"wrong").is_err());

    let config = ClientConfig {
        protocol: ClientProtocol::Http,
        ..ClientConfig::default()
    };
    let mut client = ClientBuilder::default()
        .with_oci_client_config(config)
        .build()
        .unwrap();
    let image: OciReference = format!("{}/team/app:v1", registry.addr).parse().unwrap();
    let (signature_image, digest) = client.triangulate(&image, &registry.auth()).await.unwrap();
    let mut layer = SignatureLayer::new_unsigned(&image, &digest).unwrap();
    AnnotationMarker {
        annotations: [("team".to_owned(), "platform".to_owned())].into(),
    }
    .add_constraint(&mut layer)
    .unwrap();
    PrivateKeySigner::new_with_raw(
        Zeroizing::new(encrypted.as_bytes().to_vec()),
        Zeroizing::new(b"sigstore-rs".to_vec()),
        &scheme,
    )
    .unwrap()
    .add_constraint(&mut layer)
    .unwrap();
    client
        .push_signature(None, &registry.auth(), &signature_image, vec![layer])
        .await
        .unwrap();

    let app = registry.palisade_ref("team/app:v1");
    let mut options = palisade_sign::VerifyOptions {
        keys: vec![palisade_sign::PublicKey::from_pem(&public_pem).unwrap()],
        annotations: BTreeMap::from([("team".to_owned(), "platform".to_owned())]),
        timeout: Duration::from_secs(10),
        credentials: registry.access().credentials,
    };
    let verified = palisade_sign::verify_image(&app, &options).unwrap();
    assert_eq!(verified.signatures.len(), 1, "{:?}", verified.problems);
    assert_eq!(verified.digest.to_string(), digest);
    options.annotations = BTreeMap::from([("team".to_owned(), "other".to_owned())]);
    assert!(
        palisade_sign::verify_image(&app, &options)
            .unwrap()
            .signatures
            .is_empty()
    );
    options.annotations.clear();
    options.keys = vec![PrivateKey::generate().public()];
    assert!(
        palisade_sign::verify_image(&app, &options)
            .unwrap()
            .signatures
            .is_empty()
    );
}
