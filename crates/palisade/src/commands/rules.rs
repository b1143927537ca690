//! `palisade rules`: check rules files, print the field table.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use palisade_rules::{Level, fields, ruleset};

use crate::{GlobalOptions, Outcome, output};

#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    command: RulesCommand,
}

#[derive(Debug, clap::Subcommand)]
enum RulesCommand {
    /// Load rules files in order and report errors and warnings with file, line and column;
    /// exits 1 if there are errors.
    Check {
        /// Rules files (Falco's YAML format), loaded in order; a directory stands for its
        /// .yaml files in name order.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print diagnostics as JSON lines.
        #[arg(long)]
        json: bool,
        /// Hide warnings.
        #[arg(long)]
        no_warnings: bool,
    },
    /// Print the fields conditions and outputs can use.
    Fields {
        /// Output format.
        #[arg(short, long, value_enum, default_value_t = FieldsFormat::Markdown)]
        format: FieldsFormat,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum FieldsFormat {
    Markdown,
    Json,
}

/// Reads rules files, naming each by the path given.
/// Reads rules files in the order given; a directory stands for its `.yaml` and `.yml` files in
/// name order (as Falco reads `rules.d`).
pub fn read_rules(files: &[PathBuf]) -> anyhow::Result<Vec<(String, String)>> {
    let mut paths = Vec::new();
    for p in files {
        if p.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("reading {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.is_file() && f.extension().is_some_and(|x| x == "yaml" || x == "yml"))
                .collect();
            inside.sort();
            paths.extend(inside);
        } else {
            paths.push(p.clone());
        }
    }
    paths
        .iter()
        .map(|p| {
            let meta = std::fs::metadata(p).with_context(|| format!("reading {}", p.display()))?;
            anyhow::ensure!(
                meta.len() <= palisade_rules::raw::MAX_FILE_BYTES as u64,
                "{} is larger than {} bytes",
                p.display(),
                palisade_rules::raw::MAX_FILE_BYTES
            );
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            Ok((p.display().to_string(), text))
        })
        .collect()
}

pub fn run(args: RulesArgs, _global: &GlobalOptions) -> anyhow::Result<Outcome> {
    match args.command {
        RulesCommand::Check {
            files,
            json,
            no_warnings,
        } => {
            let set = ruleset::load(&read_rules(&files)?);
            let (_, more) =
                palisade_rules::Engine::new(&set, &palisade_rules::syscall::SyscallTable);
            let mut out = output::writer(None)?;
            let mut diags = set.diagnostics.clone();
            diags.extend(more);
            let (mut errors, mut warnings) = (0, 0);
            for d in &diags {
                match d.level {
                    Level::Error => errors += 1,
                    Level::Warning => warnings += 1,
                }
                if no_warnings && d.level == Level::Warning {
                    continue;
                }
                if json {
                    writeln!(out, "{}", serde_json::to_string(d)?)?;
                } else {
                    writeln!(out, "{d}")?;
                }
            }
            if !json {
                writeln!(
                    out,
                    "{} files, {} of {} rules compiled, {errors} errors, {warnings} warnings",
                    files.len(),
                    set.rules.len(),
                    set.defined
                )?;
            }
            out.flush()?;
            Ok(if errors > 0 {
                Outcome::Failed
            } else {
                Outcome::Clean
            })
        }
        RulesCommand::Fields { format } => {
            let mut out = output::writer(None)?;
            match format {
                FieldsFormat::Markdown => out.write_all(fields::markdown_table().as_bytes())?,
                FieldsFormat::Json => {
                    serde_json::to_writer_pretty(&mut out, fields::FIELDS)?;
                    writeln!(out)?;
                }
            }
            out.flush()?;
            Ok(Outcome::Clean)
        }
    }
}
