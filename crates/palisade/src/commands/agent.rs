//! `palisade agent`: how the runtime sensor is deployed.

use std::io::Write;

use crate::{GlobalOptions, Outcome};

#[derive(Debug, clap::Args)]
pub struct AgentArgs {
    #[command(subcommand)]
    command: AgentCommand,
}

#[derive(Debug, clap::Subcommand)]
enum AgentCommand {
    /// Print the Kubernetes manifests of the agent DaemonSet (with its RBAC for the response
    /// actions).
    Manifests {
        /// The namespace to install into.
        #[arg(long, default_value = "palisade-system")]
        namespace: String,
        /// The palisade image.
        #[arg(long, default_value = "ghcr.io/palisade-security/palisade:latest")]
        image: String,
    },
}

pub fn run(args: AgentArgs, _global: &GlobalOptions) -> anyhow::Result<Outcome> {
    match args.command {
        AgentCommand::Manifests { namespace, image } => {
            let mut out = crate::output::writer(None)?;
            out.write_all(palisade_sensor::deploy::manifests(&namespace, &image).as_bytes())?;
            out.flush()?;
            Ok(Outcome::Clean)
        }
    }
}
