//! `palisade key`, `sign`, `verify`, `attest`, `verify-attestation`, `sign-blob`,
//! `verify-blob`: cosign-compatible signatures on images, verdicts and files.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use palisade_core::ImageRef;
use palisade_sign::{Access, PrivateKey, PublicKey, VerifyOptions};
use zeroize::Zeroizing;

use crate::{GlobalOptions, Outcome, output};

/// The password for a private key: `PALISADE_PASSWORD`, `COSIGN_PASSWORD`, or a prompt on a
/// terminal.
fn password(prompt: &str, confirm: bool) -> anyhow::Result<Zeroizing<String>> {
    for var in ["PALISADE_PASSWORD", "COSIGN_PASSWORD"] {
        if let Ok(value) = std::env::var(var) {
            return Ok(Zeroizing::new(value));
        }
    }
    if !std::io::stdin().is_terminal() {
        bail!(
            "the key needs a password: set PALISADE_PASSWORD (or COSIGN_PASSWORD), or run on a terminal"
        );
    }
    let first = read_hidden(prompt)?;
    if confirm {
        let again = read_hidden("Enter password again: ")?;
        if *first != *again {
            bail!("the passwords do not match");
        }
    }
    Ok(first)
}

fn read_hidden(prompt: &str) -> anyhow::Result<Zeroizing<String>> {
    let mut err = std::io::stderr().lock();
    write!(err, "{prompt}")?;
    err.flush()?;
    // No echo control without a terminal library: turn echo off with stty when available.
    let stty = |arg: &str| {
        std::process::Command::new("stty")
            .arg(arg)
            .stdin(std::process::Stdio::inherit())
            .status()
    };
    let _ = stty("-echo");
    let mut line = Zeroizing::new(String::new());
    let read = std::io::stdin().read_line(&mut line);
    let _ = stty("echo");
    writeln!(err)?;
    read.context("reading the password")?;
    let trimmed = Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_owned());
    Ok(trimmed)
}

pub fn read_private_key(path: &Path) -> anyhow::Result<PrivateKey> {
    let pem = Zeroizing::new(
        std::fs::read_to_string(path).with_context(|| format!("reading key {}", path.display()))?,
    );
    let pass = if PrivateKey::is_encrypted(&pem) {
        password(
            &format!("Enter password for private key {}: ", path.display()),
            false,
        )?
    } else {
        Zeroizing::new(String::new())
    };
    Ok(PrivateKey::from_pem(
        &path.display().to_string(),
        &pem,
        pass.as_bytes(),
    )?)
}

/// Reads public keys: SPKI PEM files, or private keys (their public half).
fn read_public_keys(paths: &[PathBuf]) -> anyhow::Result<Vec<PublicKey>> {
    let mut keys = Vec::new();
    for path in paths {
        let pem = std::fs::read_to_string(path)
            .with_context(|| format!("reading key {}", path.display()))?;
        if pem.contains("PUBLIC KEY") {
            keys.push(PublicKey::from_pem_named(
                &path.display().to_string(),
                &pem,
            )?);
        } else {
            keys.push(read_private_key(path)?.public());
        }
    }
    if keys.is_empty() {
        bail!("give at least one --key");
    }
    Ok(keys)
}

/// An image whose signatures live beside it: `registry:HOST/REPO[:TAG|@DIGEST]` (the prefix
/// may be left out) or an OCI layout, `oci:DIR[:TAG]`.
fn signable(image: &str) -> anyhow::Result<ImageRef> {
    let parsed: ImageRef = if image.starts_with("registry:") || image.starts_with("oci:") {
        image.parse()?
    } else {
        format!("registry:{image}").parse()?
    };
    match parsed {
        ImageRef::Registry(_) | ImageRef::OciLayout { .. } => Ok(parsed),
        other => bail!(
            "{other}: signatures live in a registry (registry:HOST/REPO[:TAG|@DIGEST]) or an OCI layout (oci:DIR[:TAG])"
        ),
    }
}

fn parse_annotations(items: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    items
        .iter()
        .map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or_else(|| anyhow::anyhow!("annotation {kv:?}: expected key=value"))
        })
        .collect()
}

/// Registry access shared by the signing commands.
#[derive(Debug, clap::Args)]
pub struct RegistryAccess {
    /// Registry user name (also PALISADE_REGISTRY_USERNAME); the password comes from
    /// PALISADE_REGISTRY_PASSWORD.
    #[arg(long, env = "PALISADE_REGISTRY_USERNAME", value_name = "NAME")]
    username: Option<String>,
    /// Bound on each registry request, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    timeout: u64,
}

impl RegistryAccess {
    pub fn access(&self) -> Access {
        Access {
            credentials: self.username.as_ref().map(|u| palisade_image::Credentials {
                username: u.clone(),
                password: std::env::var("PALISADE_REGISTRY_PASSWORD").unwrap_or_default(),
            }),
            timeout: Duration::from_secs(self.timeout.max(1)),
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct KeyArgs {
    #[command(subcommand)]
    command: KeyCommand,
}

#[derive(Debug, clap::Subcommand)]
enum KeyCommand {
    /// Generate an ECDSA P-256 key pair: PREFIX.key (encrypted as cosign does) and PREFIX.pub.
    Generate {
        #[arg(long, default_value = "cosign", value_name = "PREFIX")]
        output_prefix: String,
    },
    /// Print the public key of a private key.
    Public {
        #[arg(long, value_name = "KEY")]
        key: PathBuf,
    },
}

pub fn key(args: KeyArgs, _global: &GlobalOptions) -> anyhow::Result<Outcome> {
    match args.command {
        KeyCommand::Generate { output_prefix } => {
            let private = format!("{output_prefix}.key");
            let public = format!("{output_prefix}.pub");
            for path in [&private, &public] {
                if Path::new(path).exists() {
                    bail!("{path} exists; not overwriting it");
                }
            }
            let pass = password("Enter password for private key: ", true)?;
            let key = PrivateKey::generate();
            let pem = key.to_encrypted_pem(pass.as_bytes());
            write_private(Path::new(&private), &pem)?;
            std::fs::write(&public, key.public().to_pem())
                .with_context(|| format!("writing {public}"))?;
            let mut err = std::io::stderr().lock();
            writeln!(
                err,
                "Private key written to {private}\nPublic key written to {public}"
            )?;
            Ok(Outcome::Clean)
        }
        KeyCommand::Public { key } => {
            let k = read_private_key(&key)?;
            let mut out = output::writer(None)?;
            out.write_all(k.public().to_pem().as_bytes())?;
            Ok(Outcome::Clean)
        }
    }
}

fn write_private(path: &Path, pem: &str) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(pem.as_bytes())?;
    Ok(())
}

#[derive(Debug, clap::Args)]
pub struct SignArgs {
    /// The private key (cosign's encrypted PEM or PKCS#8).
    #[arg(long, value_name = "KEY")]
    key: PathBuf,
    /// Annotation to sign with the digest (repeatable).
    #[arg(short = 'a', long = "annotation", value_name = "KEY=VALUE")]
    annotations: Vec<String>,
    /// Store a Sigstore bundle as an OCI 1.1 referrer instead of the .sig tag.
    #[arg(long)]
    bundle: bool,
    #[command(flatten)]
    registry: RegistryAccess,
    /// registry:HOST/REPO[:TAG|@DIGEST] (the `registry:` prefix may be left out), or
    /// oci:DIR[:TAG] (signatures join the layout's index.json).
    image: String,
}

pub fn sign(args: SignArgs, _global: &GlobalOptions) -> anyhow::Result<Outcome> {
    let key = read_private_key(&args.key)?;
    let image = signable(&args.image)?;
    let annotations = parse_annotations(&args.annotations)?;
    let signed = palisade_sign::sign_at(
        &image,
        &key,
        &annotations,
        args.bundle,
        &args.registry.access(),
    )?;
    let mut err = std::io::stderr().lock();
    writeln!(
        err,
        "signed {image} ({}) as {}",
        signed.digest, signed.stored_as
    )?;
    Ok(Outcome::Clean)
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Public keys (any one of them will do; repeatable).
    #[arg(long = "key", value_name = "PUB", required = true)]
    keys: Vec<PathBuf>,
    /// Annotations every accepted signature must carry (repeatable).
    #[arg(short = 'a', long = "annotation", value_name = "KEY=VALUE")]
    annotations: Vec<String>,
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    registry: RegistryAccess,
    image: String,
}

pub fn verify(args: VerifyArgs, _global: &GlobalOptions) -> anyhow::Result<Outcome> {
    let options = VerifyOptions {
        keys: read_public_keys(&args.keys)?,
        annotations: parse_annotations(&args.annotations)?,
        timeout: args.registry.access().timeout,
        credentials: args.registry.access().credentials,
    };
    let image = signable(&args.image)?;
    let result = palisade_sign::verify_at(&image, &options)?;
    let mut out = output::writer(None)?;
    match args.format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&result)?)?,
        Format::Text => {
            for s in &result.signatures {
                writeln!(
                    out,
                    "verified: {} signed {} with key {} ({})",
                    image,
                    result.digest,
                    args.keys[s.key_index].display(),
                    s.kind
                )?;
            }
            let mut err = std::io::stderr().lock();
            for p in &result.problems {
                writeln!(err, "note: {p}")?;
            }
            if result.signatures.is_empty() {
                writeln!(
                    err,
                    "error: no valid signature by the given key(s) covers {} ({})",
                    image, result.digest
                )?;
            }
        }
    }
    Ok(if result.signatures.is_empty() {
        Outcome::Failed
    } else {
        Outcome::Clean
    })
}

#[derive(Debug, clap::Args)]
pub struct AttestArgs {
    #[arg(long, value_name = "KEY")]
    key: PathBuf,
    /// The predicate (JSON), e.g. the verdict `scan --verdict-out` wrote.
    #[arg(long, value_name = "FILE")]
    predicate: PathBuf,
    /// Predicate type: a URI, or custom, vuln, spdxjson, cyclonedx, slsaprovenance, verdict.
    #[arg(long = "type", value_name = "TYPE", default_value = "custom")]
    predicate_type: String,
    #[arg(long)]
    bundle: bool,
    #[command(flatten)]
    registry: RegistryAccess,
    image: String,
}

pub fn attest(args: AttestArgs, _global: &GlobalOptions) -> anyhow::Result<Outcome> {
    let key = read_private_key(&args.key)?;
    let image = signable(&args.image)?;
    let text = std::fs::read(&args.predicate)
        .with_context(|| format!("reading {}", args.predicate.display()))?;
    let predicate: serde_json::Value = serde_json::from_slice(&text)
        .with_context(|| format!("{}: the predicate is not JSON", args.predicate.display()))?;
    let kind = palisade_sign::envelope::predicate_type(&args.predicate_type);
    let signed = palisade_sign::attest_at(
        &image,
        &key,
        &kind,
        &predicate,
        args.bundle,
        &args.registry.access(),
    )?;
    let mut err = std::io::stderr().lock();
    writeln!(
        err,
        "attested {kind} for {image} ({}) as {}",
        signed.digest, signed.stored_as
    )?;
    Ok(Outcome::Clean)
}

#[derive(Debug, clap::Args)]
pub struct VerifyAttestationArgs {
    #[arg(long = "key", value_name = "PUB", required = true)]
    keys: Vec<PathBuf>,
    #[arg(long = "type", value_name = "TYPE", default_value = "custom")]
    predicate_type: String,
    /// A condition on the predicate: a dotted path and the value it must have
    /// (`final_action=go`); repeatable.
    #[arg(long = "require", value_name = "PATH=VALUE")]
    require: Vec<String>,
    /// Refuse attestations whose predicate `time` (or `metadata.scanFinishedOn`) is older.
    #[arg(long, value_name = "DURATION", value_parser = parse_age)]
    max_age: Option<Duration>,
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    registry: RegistryAccess,
    image: String,
}

fn parse_age(text: &str) -> Result<Duration, String> {
    // A bare number is seconds.
    let with_unit = if text.bytes().all(|b| b.is_ascii_digit()) {
        format!("{text}s")
    } else {
        text.to_owned()
    };
    palisade_core::time::parse_duration(&with_unit)
        .ok_or_else(|| format!("{text:?}: expected a duration such as 30m, 24h, 7d"))
}

pub fn verify_attestation(
    args: VerifyAttestationArgs,
    _global: &GlobalOptions,
) -> anyhow::Result<Outcome> {
    let options = VerifyOptions {
        keys: read_public_keys(&args.keys)?,
        annotations: BTreeMap::new(),
        timeout: args.registry.access().timeout,
        credentials: args.registry.access().credentials,
    };
    let require: Vec<(String, String)> = parse_annotations(&args.require)?.into_iter().collect();
    let image = signable(&args.image)?;
    let kind = palisade_sign::envelope::predicate_type(&args.predicate_type);
    let mut result = palisade_sign::verify_attestations_at(&image, &kind, &options)?;
    let mut rejected = Vec::new();
    result.attestations.retain(|a| {
        match palisade_sign::conditions::unmet(&a.predicate, &require, args.max_age) {
            Some(why) => {
                rejected.push(why);
                false
            }
            None => true,
        }
    });
    result.problems.extend(rejected);
    let mut out = output::writer(None)?;
    match args.format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&result)?)?,
        Format::Text => {
            for a in &result.attestations {
                writeln!(
                    out,
                    "verified {} attestation of {} ({}) with key {}:",
                    a.predicate_type,
                    image,
                    result.digest,
                    args.keys[a.key_index].display()
                )?;
                writeln!(out, "{}", serde_json::to_string_pretty(&a.predicate)?)?;
            }
            let mut err = std::io::stderr().lock();
            for p in &result.problems {
                writeln!(err, "note: {p}")?;
            }
            if result.attestations.is_empty() {
                writeln!(
                    err,
                    "error: no valid {kind} attestation meeting the conditions covers {image} ({})",
                    result.digest
                )?;
            }
        }
    }
    Ok(if result.attestations.is_empty() {
        Outcome::Failed
    } else {
        Outcome::Clean
    })
}

#[derive(Debug, clap::Args)]
pub struct SignBlobArgs {
    #[arg(long, value_name = "KEY")]
    key: PathBuf,
    /// Write the base64 signature here instead of stdout.
    #[arg(long = "output-signature", value_name = "FILE")]
    output_signature: Option<PathBuf>,
    file: PathBuf,
}

fn read_blob(path: &Path) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .with_context(|| format!("opening {}", path.display()))?
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading {}", path.display()))?;
    Ok(bytes)
}

pub fn sign_blob(args: SignBlobArgs, _global: &GlobalOptions) -> anyhow::Result<Outcome> {
    let key = read_private_key(&args.key)?;
    let signature = B64.encode(key.sign(&read_blob(&args.file)?));
    let mut out = output::writer(args.output_signature.as_deref())?;
    writeln!(out, "{signature}")?;
    Ok(Outcome::Clean)
}

#[derive(Debug, clap::Args)]
pub struct VerifyBlobArgs {
    #[arg(long = "key", value_name = "PUB")]
    key: PathBuf,
    /// The base64 signature file (as `sign-blob` and `cosign sign-blob` write).
    #[arg(long, value_name = "SIG")]
    signature: PathBuf,
    file: PathBuf,
}

pub fn verify_blob(args: VerifyBlobArgs, _global: &GlobalOptions) -> anyhow::Result<Outcome> {
    let key = read_public_keys(std::slice::from_ref(&args.key))?.remove(0);
    let text = std::fs::read_to_string(&args.signature)
        .with_context(|| format!("reading {}", args.signature.display()))?;
    let sig = B64
        .decode(text.trim())
        .with_context(|| format!("{}: the signature is not base64", args.signature.display()))?;
    let ok = key.verify(&read_blob(&args.file)?, &sig);
    let mut err = std::io::stderr().lock();
    if ok {
        writeln!(err, "Verified OK")?;
        Ok(Outcome::Clean)
    } else {
        writeln!(
            err,
            "error: the signature in {} does not verify {} with {}",
            args.signature.display(),
            args.file.display(),
            args.key.display()
        )?;
        Ok(Outcome::Failed)
    }
}
