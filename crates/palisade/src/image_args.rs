//! The image argument and the options for opening it, shared by every command that reads an
//! image.

use std::io::Read;

use anyhow::Context;
use palisade_core::ImageRef;
use palisade_image::{Credentials, Image, OpenOptions, Platform};

/// Which image to read and how to reach it.
#[derive(Debug, clap::Args)]
pub struct ImageArgs {
    /// The image: docker-archive:PATH, oci-archive:PATH, oci:DIR[:TAG], dir:PATH,
    /// registry:HOST[:PORT]/REPO[:TAG|@DIGEST], or a bare path (format detected).
    #[arg(value_name = "IMAGE")]
    pub image: String,
    /// The platform to pick from a multi-platform image (os/arch[/variant]); the host's by
    /// default.
    #[arg(long, value_name = "OS/ARCH")]
    pub platform: Option<String>,
    /// Registry user name (also PALISADE_REGISTRY_USERNAME).
    #[arg(long, env = "PALISADE_REGISTRY_USERNAME", value_name = "NAME")]
    pub username: Option<String>,
    /// Read the registry password or token from stdin (else PALISADE_REGISTRY_PASSWORD).
    #[arg(long)]
    pub password_stdin: bool,
}

impl ImageArgs {
    /// The registry credentials for writing signatures beside the image: the user name and
    /// `PALISADE_REGISTRY_PASSWORD` (stdin was already read when the image was opened).
    pub fn signing_credentials(&self) -> Option<Credentials> {
        self.username.as_ref().map(|username| Credentials {
            username: username.clone(),
            password: std::env::var("PALISADE_REGISTRY_PASSWORD").unwrap_or_default(),
        })
    }

    /// Parses the reference and opens the image.
    pub fn open(&self) -> anyhow::Result<(ImageRef, Image)> {
        let reference: ImageRef = self
            .image
            .parse()
            .with_context(|| format!("image reference {:?}", self.image))?;
        let platform = match &self.platform {
            Some(p) => Some(Platform::parse(p).with_context(|| {
                format!("platform {p:?}: expected os/arch[/variant], e.g. linux/amd64")
            })?),
            None => None,
        };
        let credentials = match &self.username {
            Some(username) => {
                let password = if self.password_stdin {
                    let mut s = String::new();
                    std::io::stdin()
                        .take(64 << 10)
                        .read_to_string(&mut s)
                        .context("reading the password from stdin")?;
                    s.trim_end_matches(['\r', '\n']).to_owned()
                } else {
                    std::env::var("PALISADE_REGISTRY_PASSWORD").unwrap_or_default()
                };
                Some(Credentials {
                    username: username.clone(),
                    password,
                })
            }
            None => None,
        };
        let options = OpenOptions {
            platform,
            credentials,
            ..OpenOptions::default()
        };
        let image = palisade_image::open(&reference, &options)?;
        Ok((reference, image))
    }
}
