//! Pulling from OCI distribution registries (the `/v2/` API): plain HTTP on loopback, HTTPS
//! elsewhere; anonymous, basic and bearer-token authentication; indexes resolved to the
//! requested platform; every manifest and blob checked against its digest.

use std::fmt;
use std::io::Read;
use std::sync::Mutex;
use std::time::Duration;

use palisade_core::{Digest, Reference, RegistryRef};

use crate::blob::{BlobKey, BlobSource};
use crate::error::ImageError;
use crate::{Format, Image, OpenOptions, Platform, oci, parse_json, pick, sha256};

/// A user name and password (or token) for a registry.
#[derive(Clone)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
    application/vnd.oci.image.manifest.v1+json, \
    application/vnd.docker.distribution.manifest.list.v2+json, \
    application/vnd.docker.distribution.manifest.v2+json";

/// A connection to one repository of one registry.
struct Client {
    agent: ureq::Agent,
    base: String,
    repository: String,
    name: String,
    credentials: Option<Credentials>,
    /// The `Authorization` header value that worked last.
    auth: Mutex<Option<String>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("repository", &self.repository)
            .finish_non_exhaustive()
    }
}

/// A `WWW-Authenticate` challenge.
#[derive(Debug, PartialEq, Eq)]
enum Challenge {
    Basic,
    Bearer {
        realm: String,
        service: Option<String>,
        scope: Option<String>,
    },
}

fn parse_challenge(header: &str) -> Option<Challenge> {
    let (scheme, params) = header.trim().split_once(' ').unwrap_or((header.trim(), ""));
    if scheme.eq_ignore_ascii_case("basic") {
        return Some(Challenge::Basic);
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let mut realm = None;
    let mut service = None;
    let mut scope = None;
    // key="value" pairs separated by commas; values may contain commas inside quotes.
    let mut rest = params.trim();
    while !rest.is_empty() {
        let (key, after) = rest.split_once('=')?;
        let after = after.trim_start();
        let (value, tail) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"')?;
            (&quoted[..end], &quoted[end + 1..])
        } else {
            after.split_once(',').map_or((after, ""), |(v, t)| (v, t))
        };
        match key.trim() {
            "realm" => realm = Some(value.to_owned()),
            "service" => service = Some(value.to_owned()),
            "scope" => scope = Some(value.to_owned()),
            _ => {}
        }
        rest = tail.trim_start().trim_start_matches(',').trim_start();
    }
    Some(Challenge::Bearer {
        realm: realm?,
        service,
        scope,
    })
}

fn base64(input: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(TABLE[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn percent(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Client {
    fn new(r: &RegistryRef, options: &OpenOptions) -> Client {
        let scheme = if r.is_loopback() { "http" } else { "https" };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(15)))
            .timeout_recv_response(Some(Duration::from_secs(60)))
            .user_agent(concat!("palisade/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Client {
            agent,
            base: format!("{scheme}://{}/v2/{}", r.host, r.repository),
            repository: r.repository.clone(),
            name: format!("registry:{r}"),
            credentials: options.credentials.clone(),
            auth: Mutex::new(None),
        }
    }

    fn error(&self, what: String, source: Option<ureq::Error>) -> ImageError {
        ImageError::Registry {
            image: self.name.clone(),
            what,
            source: source.map(Box::new),
        }
    }

    /// GETs a URL under the repository, authenticating when challenged; anything but 2xx is
    /// an error.
    fn get(
        &self,
        path: &str,
        accept: &str,
    ) -> Result<ureq::http::Response<ureq::Body>, ImageError> {
        let url = format!("{}/{path}", self.base);
        let response = self.send("GET", &url, Some(accept), None, None)?;
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            return Err(self.status_error("GET", &url, status));
        }
        Ok(response)
    }

    fn status_error(&self, method: &str, url: &str, status: u16) -> ImageError {
        let hint = match status {
            401 | 403 => " (access denied: check the credentials)",
            404 => " (not found)",
            _ => "",
        };
        self.error(format!("{method} {url}: HTTP {status}{hint}"), None)
    }

    /// Sends one request to `url`, authenticating when challenged, and returns the response
    /// whatever its status (but 401 after authenticating).
    fn send(
        &self,
        method: &str,
        url: &str,
        accept: Option<&str>,
        content_type: Option<&str>,
        body: Option<&[u8]>,
    ) -> Result<ureq::http::Response<ureq::Body>, ImageError> {
        for attempt in 0..2 {
            let mut request = ureq::http::Request::builder().method(method).uri(url);
            if let Some(accept) = accept {
                request = request.header("Accept", accept);
            }
            if let Some(content_type) = content_type {
                request = request.header("Content-Type", content_type);
            }
            let auth = self.auth.lock().ok().and_then(|a| a.clone());
            if let Some(auth) = &auth {
                request = request.header("Authorization", auth);
            }
            let request = request
                .body(body.unwrap_or_default())
                .map_err(|e| self.error(format!("{method} {url}: {e}"), None))?;
            let response = self
                .agent
                .run(request)
                .map_err(|e| self.error(format!("{method} {url}"), Some(e)))?;
            let status = response.status().as_u16();
            if status == 401 && attempt == 0 {
                let challenge = response
                    .headers()
                    .get("www-authenticate")
                    .and_then(|v| v.to_str().ok())
                    .and_then(parse_challenge)
                    .ok_or_else(|| {
                        self.error(
                            format!("{method} {url}: 401 without a usable challenge"),
                            None,
                        )
                    })?;
                let header = self.authenticate(challenge)?;
                if let Ok(mut slot) = self.auth.lock() {
                    *slot = Some(header);
                }
                continue;
            }
            if status == 401 {
                break;
            }
            return Ok(response);
        }
        Err(self.error(
            format!("{method} {url}: still unauthorized after authenticating"),
            None,
        ))
    }

    fn basic(&self) -> Option<String> {
        self.credentials.as_ref().map(|c| {
            format!(
                "Basic {}",
                base64(format!("{}:{}", c.username, c.password).as_bytes())
            )
        })
    }

    /// Answers a challenge: basic credentials, or a bearer token from the realm.
    fn authenticate(&self, challenge: Challenge) -> Result<String, ImageError> {
        match challenge {
            Challenge::Basic => self.basic().ok_or_else(|| {
                self.error(
                    "the registry requires a user name and password".into(),
                    None,
                )
            }),
            Challenge::Bearer {
                realm,
                service,
                scope,
            } => {
                let scope = scope.unwrap_or_else(|| format!("repository:{}:pull", self.repository));
                let mut url = format!("{realm}?scope={}", percent(&scope));
                if let Some(service) = service {
                    url.push_str(&format!("&service={}", percent(&service)));
                }
                let mut request = self.agent.get(&url);
                if let Some(basic) = self.basic() {
                    request = request.header("Authorization", &basic);
                }
                let response = request
                    .call()
                    .map_err(|e| self.error(format!("token request to {realm}"), Some(e)))?;
                let status = response.status().as_u16();
                if status != 200 {
                    return Err(
                        self.error(format!("token request to {realm}: HTTP {status}"), None)
                    );
                }
                let body = response
                    .into_body()
                    .into_with_config()
                    .limit(1 << 20)
                    .read_to_vec()
                    .map_err(|e| self.error(format!("token response from {realm}"), Some(e)))?;
                #[derive(serde::Deserialize)]
                struct Token {
                    token: Option<String>,
                    access_token: Option<String>,
                }
                let token: Token = parse_json(&self.name, "token response", &body)?;
                let token = token.token.or(token.access_token).ok_or_else(|| {
                    self.error(format!("token response from {realm} has no token"), None)
                })?;
                Ok(format!("Bearer {token}"))
            }
        }
    }

    fn manifest(&self, reference: &str, limit: u64) -> Result<(Vec<u8>, Digest), ImageError> {
        let response = self.get(&format!("manifests/{reference}"), MANIFEST_ACCEPT)?;
        let body = response
            .into_body()
            .into_with_config()
            .limit(limit)
            .read_to_vec()
            .map_err(|e| self.error(format!("reading manifest {reference}"), Some(e)))?;
        let digest = sha256(&body);
        if let Ok(expected) = reference.parse::<Digest>() {
            if expected != digest {
                return Err(ImageError::DigestMismatch {
                    image: self.name.clone(),
                    expected,
                    actual: digest,
                });
            }
        }
        Ok((body, digest))
    }
}

/// Blobs fetched from the registry as they are read.
#[derive(Debug)]
struct RegistryBlobs {
    client: Client,
}

impl BlobSource for RegistryBlobs {
    fn open(&self, key: &BlobKey) -> Result<Box<dyn Read + Send + '_>, ImageError> {
        let BlobKey::Digest(digest) = key else {
            return Err(self
                .client
                .error(format!("blob {key} is not a digest"), None));
        };
        let response = self.client.get(&format!("blobs/{digest}"), "*/*")?;
        Ok(Box::new(response.into_body().into_reader()))
    }
}

/// Opens an image in a registry.
pub fn open(r: &RegistryRef, options: &OpenOptions) -> Result<Image, ImageError> {
    let client = Client::new(r, options);
    let limit = options.limits.max_json_bytes;
    let platform = options.platform.clone().unwrap_or_else(Platform::host);
    let mut reference = match &r.reference {
        Reference::Tag(t) => t.clone(),
        Reference::Digest(d) => d.to_string(),
    };
    for _depth in 0..4 {
        let (body, digest) = client.manifest(&reference, limit)?;
        let value: serde_json::Value = parse_json(&client.name, "manifest", &body)?;
        if value.get("manifests").is_some() {
            let index: oci::Index = parse_json(&client.name, "image index", &body)?;
            let chosen = pick(&client.name, &index.manifests, &platform)?;
            reference = chosen.digest.to_string();
            continue;
        }
        let manifest: oci::Manifest = parse_json(&client.name, "manifest", &body)?;
        let name = client.name.clone();
        let mut image = Image::from_parts(
            name,
            Format::Registry,
            Box::new(RegistryBlobs { client }),
            &manifest,
            Some(digest),
            options.limits,
        )?;
        image.repo_tags = match &r.reference {
            Reference::Tag(t) => vec![format!("{}/{}:{t}", r.host, r.repository)],
            Reference::Digest(_) => Vec::new(),
        };
        return Ok(image);
    }
    Err(client.error("image indexes nested too deeply".into(), None))
}

/// A manifest as stored: its bytes, media type and digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredManifest {
    pub bytes: Vec<u8>,
    pub media_type: String,
    pub digest: Digest,
}

/// One repository of a registry, to read and write manifests and blobs: what signing needs
/// beside the image (signature manifests under tags, OCI 1.1 referrers).
#[derive(Debug)]
pub struct Repository {
    client: Client,
    limit: u64,
}

impl Repository {
    /// Connects to the repository of `r` (no request is made yet). Every request is bounded
    /// by `timeout`.
    pub fn connect(
        r: &RegistryRef,
        credentials: Option<Credentials>,
        timeout: Duration,
    ) -> Repository {
        let options = OpenOptions {
            credentials,
            ..OpenOptions::default()
        };
        let mut client = Client::new(r, &options);
        client.agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .user_agent(concat!("palisade/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Repository {
            client,
            limit: options.limits.max_json_bytes,
        }
    }

    /// The registry reference as given, for messages.
    pub fn name(&self) -> &str {
        &self.client.name
    }

    /// The manifest at a tag or digest, or `None` when there is none. A digest reference is
    /// checked against the bytes.
    pub fn manifest(&self, reference: &str) -> Result<Option<StoredManifest>, ImageError> {
        let url = format!("{}/manifests/{reference}", self.client.base);
        let accept = format!("{MANIFEST_ACCEPT}, application/vnd.oci.artifact.manifest.v1+json");
        let response = self.client.send("GET", &url, Some(&accept), None, None)?;
        let status = response.status().as_u16();
        if status == 404 {
            return Ok(None);
        }
        if !(200..300).contains(&status) {
            return Err(self.client.status_error("GET", &url, status));
        }
        let media_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let bytes = response
            .into_body()
            .into_with_config()
            .limit(self.limit)
            .read_to_vec()
            .map_err(|e| {
                self.client
                    .error(format!("reading manifest {reference}"), Some(e))
            })?;
        let digest = sha256(&bytes);
        if let Ok(expected) = reference.parse::<Digest>() {
            if expected != digest {
                return Err(ImageError::DigestMismatch {
                    image: self.client.name.clone(),
                    expected,
                    actual: digest,
                });
            }
        }
        let media_type = if media_type.is_empty() {
            serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|v| v.get("mediaType")?.as_str().map(str::to_owned))
                .unwrap_or_default()
        } else {
            media_type
        };
        Ok(Some(StoredManifest {
            bytes,
            media_type,
            digest,
        }))
    }

    /// Stores a manifest under a tag (or its digest) and returns its digest.
    pub fn put_manifest(
        &self,
        reference: &str,
        bytes: &[u8],
        media_type: &str,
    ) -> Result<Digest, ImageError> {
        let url = format!("{}/manifests/{reference}", self.client.base);
        let response = self
            .client
            .send("PUT", &url, None, Some(media_type), Some(bytes))?;
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            let body = response.into_body().read_to_string().unwrap_or_default();
            return Err(self.client.error(
                format!(
                    "PUT {url}: HTTP {status}: {}",
                    body.chars().take(300).collect::<String>()
                ),
                None,
            ));
        }
        Ok(sha256(bytes))
    }

    /// A blob's bytes, at most `limit` of them, checked against its digest.
    pub fn blob(&self, digest: &Digest, limit: u64) -> Result<Vec<u8>, ImageError> {
        let response = self.client.get(&format!("blobs/{digest}"), "*/*")?;
        let bytes = response
            .into_body()
            .into_with_config()
            .limit(limit)
            .read_to_vec()
            .map_err(|e| self.client.error(format!("reading blob {digest}"), Some(e)))?;
        let actual = sha256(&bytes);
        if &actual != digest {
            return Err(ImageError::DigestMismatch {
                image: self.client.name.clone(),
                expected: digest.clone(),
                actual,
            });
        }
        Ok(bytes)
    }

    /// Uploads a blob (unless the registry has it) and returns its digest.
    pub fn put_blob(&self, bytes: &[u8]) -> Result<Digest, ImageError> {
        let digest = sha256(bytes);
        let head = format!("{}/blobs/{digest}", self.client.base);
        let response = self.client.send("HEAD", &head, None, None, None)?;
        if response.status().is_success() {
            return Ok(digest);
        }
        let start = format!("{}/blobs/uploads/", self.client.base);
        let response = self.client.send("POST", &start, None, None, Some(&[]))?;
        let status = response.status().as_u16();
        if status != 202 {
            return Err(self.client.status_error("POST", &start, status));
        }
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                self.client
                    .error(format!("POST {start}: no upload location"), None)
            })?
            .to_owned();
        let location = if location.starts_with("http://") || location.starts_with("https://") {
            location
        } else {
            let origin_end = self
                .client
                .base
                .find("/v2/")
                .unwrap_or(self.client.base.len());
            format!("{}{location}", &self.client.base[..origin_end])
        };
        let sep = if location.contains('?') { '&' } else { '?' };
        let put = format!("{location}{sep}digest={}", percent(&digest.to_string()));
        let response = self.client.send(
            "PUT",
            &put,
            None,
            Some("application/octet-stream"),
            Some(bytes),
        )?;
        let status = response.status().as_u16();
        if status != 201 && !(200..300).contains(&status) {
            return Err(self.client.status_error("PUT", &location, status));
        }
        Ok(digest)
    }

    /// The referrers of a manifest (an OCI image index), or `None` when the registry has no
    /// referrers API.
    pub fn referrers(&self, digest: &Digest) -> Result<Option<Vec<u8>>, ImageError> {
        let url = format!("{}/referrers/{digest}", self.client.base);
        let response = self.client.send(
            "GET",
            &url,
            Some("application/vnd.oci.image.index.v1+json"),
            None,
            None,
        )?;
        let status = response.status().as_u16();
        if status == 404 || status == 405 {
            return Ok(None);
        }
        if !(200..300).contains(&status) {
            return Err(self.client.status_error("GET", &url, status));
        }
        let is_index = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("application/vnd.oci.image.index.v1+json"));
        if !is_index {
            return Ok(None);
        }
        let bytes = response
            .into_body()
            .into_with_config()
            .limit(self.limit)
            .read_to_vec()
            .map_err(|e| {
                self.client
                    .error(format!("reading referrers of {digest}"), Some(e))
            })?;
        Ok(Some(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bearer_challenge() {
        let c = parse_challenge(
            r#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push""#,
        )
        .unwrap();
        assert_eq!(
            c,
            Challenge::Bearer {
                realm: "https://auth.example/token".into(),
                service: Some("registry.example".into()),
                scope: Some("repository:a/b:pull,push".into()),
            }
        );
        assert_eq!(
            parse_challenge(r#"Basic realm="x""#),
            Some(Challenge::Basic)
        );
        assert_eq!(parse_challenge("Negotiate"), None);
    }

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
