//! `palisade scan IMAGE`: catalog the image and match its packages against the advisory
//! database, in one pass over the image.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use palisade_core::Severity;
use palisade_report::{ScanReport, Settings};
use palisade_vulndb::matcher::{MatchConfig, match_packages};
use palisade_vulndb::store::Db;

use crate::commands::db::{DbLocation, fetch_for_first_use};
use crate::image_args::ImageArgs;
use crate::progress::LayerProgress;
use crate::{GlobalOptions, Outcome, output};

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Table,
    Json,
    Sarif,
    Cyclonedx,
    /// JUnit XML of the policy verdict (needs --policy).
    Junit,
}

#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    #[command(flatten)]
    image: ImageArgs,
    /// Never download advisory feeds, even when there is no database yet.
    #[arg(long)]
    offline: bool,
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
    #[command(flatten)]
    policy: crate::commands::policy::PolicyArgs,
    /// Bound on each registry request when signing, in seconds.
    #[arg(
        long = "sign-timeout",
        value_name = "SECONDS",
        default_value_t = 30,
        hide = true
    )]
    sign_timeout: u64,
}

pub fn run(args: ScanArgs, global: &GlobalOptions) -> anyhow::Result<Outcome> {
    let db_path = args.location.path()?;
    let db = open_database(&db_path, args.offline, global)?;
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

    let bundle = args.policy.load()?;
    let (reference, image) = args.image.open()?;
    let progress = LayerProgress::new(&image, global.progress());
    let inspected = crate::commands::policy::inspect(&image, bundle.as_ref(), &progress)
        .with_context(|| format!("reading {reference}"))?;
    progress.finish();
    let catalog = inspected.catalog;

    let result = match_packages(&catalog.packages, catalog.distro.as_ref(), &db, &config)?;
    let database = db.info()?;
    let policy = bundle.as_ref().map(|b| {
        args.policy.evaluate(
            b,
            &reference,
            &image,
            &catalog,
            &result,
            &database,
            &inspected.facts,
        )
    });
    let (policy, predicate) = match policy {
        Some(p) => {
            let (verdict, predicate) = p?;
            (Some(verdict), Some(predicate))
        }
        None => (None, None),
    };
    let report = ScanReport {
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        scanned_at: palisade_vulndb::time::rfc3339(palisade_vulndb::time::now()),
        image: reference.to_string(),
        image_digest: image.identity().map(ToString::to_string),
        distro: catalog.distro.clone(),
        database,
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
        secrets: inspected.facts.map(|f| f.secrets),
        policy,
    };
    if matches!(args.format, Format::Junit) && report.policy.is_none() {
        anyhow::bail!("--format junit writes the policy verdict: give a bundle with --policy");
    }
    let text = match args.format {
        Format::Table => {
            let mut text = palisade_report::table(&report);
            if let (Some(framework), Some(verdict)) = (args.policy.compliance, &report.policy) {
                text.push_str(&palisade_report::policy::compliance_table(
                    verdict, framework,
                ));
            }
            text
        }
        Format::Json if args.policy.compliance.is_some() => {
            let mut value: serde_json::Value =
                serde_json::from_str(&palisade_report::json(&report))?;
            if let (Some(framework), Some(verdict)) = (args.policy.compliance, &report.policy) {
                value["policy"]["compliance"] = serde_json::json!({
                    "framework": framework,
                    "controls": palisade_policy::compliance::group(verdict, framework),
                });
            }
            serde_json::to_string_pretty(&value)? + "\n"
        }
        Format::Json => palisade_report::json(&report),
        Format::Sarif => palisade_report::sarif(&report),
        Format::Cyclonedx => palisade_report::cyclonedx(&report),
        Format::Junit => palisade_report::junit(&report),
    };
    let mut out = output::writer(args.output.as_deref())?;
    out.write_all(text.as_bytes())?;
    out.flush()?;
    if let Some(predicate) = &predicate {
        let access = palisade_sign::Access {
            credentials: args.image.signing_credentials(),
            timeout: std::time::Duration::from_secs(args.sign_timeout.max(1)),
        };
        args.policy.after_verdict(predicate, &reference, &access)?;
    }
    let policy_failed = report
        .policy
        .as_ref()
        .is_some_and(|v| args.policy.fails(v.final_action));
    Ok(match args.fail_on {
        Some(threshold) if report.fails(threshold) => Outcome::Failed,
        _ if policy_failed => Outcome::Failed,
        _ => Outcome::Clean,
    })
}

/// Opens the advisory database. When there is none yet, builds it from the public feeds; when
/// that is impossible (offline, or `--offline`), says so and goes on with an empty database, so
/// the packages are still listed.
fn open_database(
    path: &std::path::Path,
    offline: bool,
    global: &GlobalOptions,
) -> anyhow::Result<Db> {
    if path.exists() {
        return Ok(Db::open_read_only(path)?);
    }
    if offline {
        tracing::warn!(
            "no advisory database at {}: vulnerabilities cannot be matched; \
             load feeds with `palisade db import` or `palisade db update`",
            path.display()
        );
        return Ok(Db::in_memory()?);
    }
    tracing::warn!(
        "no advisory database at {}: downloading the public feeds (first use)",
        path.display()
    );
    match fetch_for_first_use(path, global) {
        Ok(()) => Ok(Db::open_read_only(path)?),
        Err(err) => {
            tracing::warn!(
                "could not fetch the advisory feeds: {err:#}. Packages are listed without \
                 vulnerability matching; for offline use load feeds with `palisade db import \
                 FILES` (OSV, RustSec, npm, Alpine secdb, Debian tracker)"
            );
            Ok(Db::in_memory()?)
        }
    }
}
