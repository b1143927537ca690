//! `palisade capture`: record this machine's live events into a scap capture that sysdig and
//! Sysdig Inspect read.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use palisade_alert::{Format, Outputs};
use palisade_rules::ruleset;
use palisade_runtime::capture::CaptureAll;
use palisade_runtime::{Pipeline, PipelineOptions};

use crate::{GlobalOptions, Outcome};

#[derive(Debug, clap::Args)]
pub struct CaptureArgs {
    /// The capture file to write.
    #[arg(short = 'w', long = "write", value_name = "FILE")]
    write: PathBuf,
    /// Stop after this long (default: at SIGINT or SIGTERM).
    #[arg(long, value_parser = super::detect::parse_duration)]
    duration: Option<Duration>,
    /// Keep only the events this condition matches (Falco/sysdig filter syntax); the state
    /// blocks at the start and the container events are always written.
    #[arg(long, value_name = "COND")]
    filter: Option<String>,
    /// Container runtime sockets to ask for container names and images.
    #[arg(long = "runtime-socket", value_name = "PATH")]
    runtime_sockets: Vec<PathBuf>,
}

pub fn run(args: CaptureArgs, _global: &GlobalOptions) -> anyhow::Result<Outcome> {
    let filter = match &args.filter {
        Some(f) => Some(ruleset::compile_filter(f).map_err(|diags| {
            let msgs: Vec<String> = diags.iter().map(ToString::to_string).collect();
            anyhow::anyhow!("invalid filter:\n{}", msgs.join("\n"))
        })?),
        None => None,
    };
    palisade_sensor::available().map_err(|e| anyhow::anyhow!("cannot capture: {e}"))?;
    let mut sensor = palisade_sensor::Sensor::start(&palisade_sensor::SensorOptions {
        duration: args.duration,
        runtime_sockets: args.runtime_sockets.clone(),
        ..palisade_sensor::SensorOptions::default()
    })?;
    let stop = sensor.stop_handle();
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, stop.clone()).context("installing the signal handlers")?;
    }
    let mut capture = CaptureAll::new(args.write.clone(), filter);
    tracing::info!("capturing live events to {}", args.write.display());
    // Nothing is evaluated: the pipeline only keeps the state the capture starts with.
    let options = PipelineOptions {
        no_rules: true,
        fallback_host: super::detect::local_hostname(),
        ..PipelineOptions::default()
    };
    let outputs = Outputs::new(Box::new(std::io::sink()), Format::Text);
    let mut pipeline = Pipeline::new(&ruleset::Ruleset::default(), None, outputs, options);
    pipeline
        .run(&mut sensor, &mut capture)
        .with_context(|| format!("capturing to {}", args.write.display()))?;
    let stats = sensor.stats();
    tracing::info!(
        written = capture.written(),
        drops = stats.kernel_drops,
        "capture written to {}",
        args.write.display()
    );
    if stats.kernel_drops > 0 {
        tracing::warn!(
            drops = stats.kernel_drops,
            "the kernel dropped events: the capture is incomplete"
        );
    }
    Ok(Outcome::Clean)
}
