//! `palisade sbom IMAGE`: list what is inside an image.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use palisade_sbom::ImageSummary;

use crate::image_args::ImageArgs;
use crate::progress::LayerProgress;
use crate::{GlobalOptions, Outcome, output};

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    /// Packages in columns, for people.
    Table,
    /// palisade's JSON document.
    Json,
    /// CycloneDX 1.5 JSON.
    Cyclonedx,
    /// SPDX 2.3 JSON.
    Spdx,
}

#[derive(Debug, clap::Args)]
pub struct SbomArgs {
    #[command(flatten)]
    image: ImageArgs,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write the document to a file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Run only these catalogers (comma-separated names, e.g. dpkg,npm-package-lock).
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    catalogers: Vec<String>,
}

pub fn run(args: SbomArgs, global: &GlobalOptions) -> anyhow::Result<Outcome> {
    let (reference, image) = args.image.open()?;
    let progress = LayerProgress::new(&image, global.progress());
    let options = palisade_catalog::Options {
        only: args.catalogers,
    };
    let catalog = palisade_catalog::catalog(&image, &options, &progress)
        .with_context(|| format!("reading {reference}"))?;
    progress.finish();
    for d in &catalog.diagnostics {
        tracing::warn!(path = %d.path, cataloger = %d.cataloger, "{}", d.message);
    }
    let summary = ImageSummary::of(&image);
    let now = palisade_sbom::now();
    let text = match args.format {
        Format::Table => palisade_sbom::table(&summary, &catalog),
        Format::Json => json(palisade_sbom::json(&summary, &catalog, now))?,
        Format::Cyclonedx => json(palisade_sbom::cyclonedx(&summary, &catalog, now))?,
        Format::Spdx => json(palisade_sbom::spdx(&summary, &catalog, now))?,
    };
    let mut out = output::writer(args.output.as_deref())?;
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(Outcome::Clean)
}

fn json(value: serde_json::Value) -> anyhow::Result<String> {
    let mut s = serde_json::to_string_pretty(&value)?;
    s.push('\n');
    Ok(s)
}
