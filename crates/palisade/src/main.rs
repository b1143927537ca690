//! The `palisade` command: parses arguments, sets up logging, calls into the library crates and
//! maps the outcome to an exit status (0 clean, 1 findings or policy failure, 2 error).

mod commands;
mod image_args;
mod output;
mod progress;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Container security from build to runtime.
#[derive(Debug, Parser)]
#[command(name = "palisade", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    global: GlobalOptions,
    #[command(subcommand)]
    command: Command,
}

/// Options every subcommand accepts.
#[derive(Debug, clap::Args)]
pub struct GlobalOptions {
    /// More log output (-v info, -vv debug, -vvv trace). Logs go to stderr.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Only errors on stderr, and no progress bars.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// Never show progress bars, even on a terminal.
    #[arg(long, global = true)]
    no_progress: bool,
}

impl GlobalOptions {
    /// Whether progress bars may be drawn (stderr is a terminal and the user did not opt out).
    pub fn progress(&self) -> bool {
        use std::io::IsTerminal;
        !self.quiet && !self.no_progress && std::io::stderr().is_terminal()
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the packages inside an image (table, JSON, CycloneDX, SPDX).
    Sbom(commands::sbom::SbomArgs),
    /// Check Falco-format rules files; print the field table.
    Rules(commands::rules::RulesArgs),
    /// Run Falco-format rules on live events (eBPF), scap captures or Kubernetes audit events.
    Detect(commands::detect::DetectArgs),
    /// Record this machine's live events into a scap capture (sysdig, Sysdig Inspect).
    Capture(commands::capture::CaptureArgs),
    /// The runtime agent: manifests of its DaemonSet.
    Agent(commands::agent::AgentArgs),
    /// Playbooks on alerts: check a playbooks file, or take Falco's JSON alerts over HTTP.
    Respond(commands::respond::RespondArgs),
    /// Kubernetes workload checks: scan, pss, advise, rules.
    K8s(commands::k8s::K8sArgs),
    /// Import, inspect and update the advisory database.
    Db(commands::db::DbArgs),
    /// Scan an image for vulnerable packages (and, with --policy, judge it by a bundle).
    Scan(commands::scan::ScanArgs),
    /// Policy bundles: check, convert, list gates, sync from git.
    Policy(commands::policy::PolicyCommandArgs),
    /// Signing keys as cosign keeps them: generate, public.
    Key(commands::sign::KeyArgs),
    /// Sign an image's digest (cosign-compatible .sig tag, or a Sigstore bundle referrer).
    Sign(commands::sign::SignArgs),
    /// Verify an image's signatures against public keys; exit 0 only if one covers its digest.
    Verify(commands::sign::VerifyArgs),
    /// Attest a predicate (a verdict, an SBOM, a vulnerability report) about an image.
    Attest(commands::sign::AttestArgs),
    /// Verify an image's attestations of a type, with conditions on the predicate.
    VerifyAttestation(commands::sign::VerifyAttestationArgs),
    /// Sign a file (base64 DER signature, as cosign sign-blob).
    SignBlob(commands::sign::SignBlobArgs),
    /// The Kubernetes admission webhook: serve, check-config, certs, manifests.
    Admission(commands::admission::AdmissionArgs),
    /// Verify a file's signature (as cosign verify-blob --key).
    VerifyBlob(commands::sign::VerifyBlobArgs),
}

/// What a command concluded, mapped to the process exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to report at or above the threshold.
    Clean,
    /// Findings or a policy failure the user asked to fail on.
    Failed,
}

fn init_tracing(global: &GlobalOptions) {
    let default = match (global.quiet, global.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        (false, _) => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("PALISADE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(&cli.global);
    let result = match cli.command {
        Command::Sbom(args) => commands::sbom::run(args, &cli.global),
        Command::Rules(args) => commands::rules::run(args, &cli.global),
        Command::Detect(args) => commands::detect::run(args, &cli.global),
        Command::Capture(args) => commands::capture::run(args, &cli.global),
        Command::Agent(args) => commands::agent::run(args, &cli.global),
        Command::Respond(args) => commands::respond::run(args, &cli.global),
        Command::K8s(args) => commands::k8s::run(args, &cli.global),
        Command::Db(args) => commands::db::run(args, &cli.global),
        Command::Scan(args) => commands::scan::run(args, &cli.global),
        Command::Policy(args) => commands::policy::run(args, &cli.global),
        Command::Admission(args) => commands::admission::run(args, &cli.global),
        Command::Key(args) => commands::sign::key(args, &cli.global),
        Command::Sign(args) => commands::sign::sign(args, &cli.global),
        Command::Verify(args) => commands::sign::verify(args, &cli.global),
        Command::Attest(args) => commands::sign::attest(args, &cli.global),
        Command::VerifyAttestation(args) => commands::sign::verify_attestation(args, &cli.global),
        Command::SignBlob(args) => commands::sign::sign_blob(args, &cli.global),
        Command::VerifyBlob(args) => commands::sign::verify_blob(args, &cli.global),
    };
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Failed) => ExitCode::from(1),
        Err(err) if output::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            #[allow(clippy::print_stderr, reason = "the binary reports its own errors")]
            {
                eprintln!("error: {err:#}");
            }
            ExitCode::from(2)
        }
    }
}
