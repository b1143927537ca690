//! `palisade scan IMAGE`: catalog the image and match its packages against the advisory
//! database, in one pass over the image.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use palisade_core::{ImageRef, Severity};
use palisade_report::{ScanReport, Settings};
use palisade_vulndb::matcher::{MatchConfig, match_packages};
use palisade_vulndb::store::Db;

use crate::commands::db::DbLocation;
use crate::{GlobalOptions, Outcome, output};

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Table,
    Json,
    Sarif,
    Cyclonedx,
}

#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// The image: docker-archive:PATH, oci-archive:PATH, oci:DIR[:TAG], dir:PATH,
    /// registry:HOST/REPO[:TAG], or a bare path.
    image: String,
    #[command(flatten)]
    location: DbLocation,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write the report to a file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Exit 1 when a finding at or above this severity remains.
    #[arg(long, value_name = "SEVERITY")]
    fail_on: Option<Severity>,
    /// Leave out findings that no released version fixes.
    #[arg(long)]
    ignore_unfixed: bool,
    /// A TOML ignore file (`[[ignore]]` entries with id, package, expires, reason).
    #[arg(long, value_name = "FILE")]
    ignore_file: Option<PathBuf>,
    /// OpenVEX documents; `not_affected` statements suppress findings (repeatable).
    #[arg(long, value_name = "FILE")]
    vex: Vec<PathBuf>,
}

pub fn run(args: ScanArgs, _global: &GlobalOptions) -> anyhow::Result<Outcome> {
    let db_path = args.location.path()?;
    let db = Db::open_read_only(&db_path)?;
    let mut config = MatchConfig {
        ignore_unfixed: args.ignore_unfixed,
        today: palisade_vulndb::time::now().div_euclid(86_400),
        ..MatchConfig::default()
    };
    if let Some(path) = &args.ignore_file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading ignore file {}", path.display()))?;
        config.ignore_rules = palisade_vulndb::ignore::parse(&path.display().to_string(), &text)?;
    }
    for path in &args.vex {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading VEX document {}", path.display()))?;
        config.vex.extend(palisade_vulndb::vex::parse(
            &path.display().to_string(),
            &text,
        )?);
    }

    let reference: ImageRef = args.image.parse()?;
    let image = palisade_image::open(&reference, &palisade_image::OpenOptions::default())
        .with_context(|| format!("opening {reference}"))?;
    let catalog = palisade_catalog::catalog(
        &image,
        &palisade_catalog::Options::default(),
        &palisade_image::NoProgress,
    )
    .with_context(|| format!("reading {reference}"))?;

    let result = match_packages(&catalog.packages, catalog.distro.as_ref(), &db, &config)?;
    let report = ScanReport {
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        scanned_at: palisade_vulndb::time::rfc3339(palisade_vulndb::time::now()),
        image: reference.to_string(),
        image_digest: image
            .manifest_digest
            .as_ref()
            .or(image.config_digest.as_ref())
            .map(ToString::to_string),
        distro: catalog.distro.clone(),
        database: db.info()?,
        settings: Settings {
            ignore_unfixed: args.ignore_unfixed,
            fail_on: args.fail_on,
            ignore_file: args.ignore_file.as_ref().map(|p| p.display().to_string()),
            vex: args.vex.iter().map(|p| p.display().to_string()).collect(),
        },
        catalog_diagnostics: catalog
            .diagnostics
            .iter()
            .map(|d| format!("{} ({}): {}", d.path, d.cataloger, d.message))
            .collect(),
        packages: catalog.packages,
        result,
    };
    let text = match args.format {
        Format::Table => palisade_report::table(&report),
        Format::Json => palisade_report::json(&report),
        Format::Sarif => palisade_report::sarif(&report),
        Format::Cyclonedx => palisade_report::cyclonedx(&report),
    };
    let mut out = output::writer(args.output.as_deref())?;
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(match args.fail_on {
        Some(threshold) if report.fails(threshold) => Outcome::Failed,
        _ => Outcome::Clean,
    })
}
