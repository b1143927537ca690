//! `palisade policy`: check, convert, list gates and sync bundles; and the `--policy` options
//! `scan` shares.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use palisade_core::verdict::{Action, DatabaseRef, Scanner, VerdictPredicate};
use palisade_core::{ImageRef, Reference};
use palisade_image::Image;
use palisade_policy::bundle::Bundle;
use palisade_policy::diag::Level;
use palisade_policy::eval::{Verdict, evaluate, image_name};
use palisade_policy::facts::{FactsVisitor, ImageFacts, config_for};
use palisade_policy::gates::Evidence;

use crate::{GlobalOptions, Outcome, output};

/// The options of `scan` that put an image under a policy bundle.
#[derive(Debug, clap::Args)]
pub struct PolicyArgs {
    /// A policy bundle (Anchore v1 JSON/YAML or palisade YAML), or a directory holding one
    /// (as `policy sync` writes): the scan ends with its verdict.
    #[arg(long, value_name = "BUNDLE")]
    policy: Option<PathBuf>,
    /// With --policy: warnings about the bundle (rules palisade cannot evaluate) are errors.
    #[arg(long, requires = "policy")]
    strict: bool,
    /// With --policy: exit 1 on WARN too, not only on STOP.
    #[arg(long, requires = "policy")]
    fail_on_warn: bool,
    /// With --policy: the Dockerfile the image was built from, for the dockerfile gate (else
    /// its lines are rebuilt from the image's history).
    #[arg(long, value_name = "FILE", requires = "policy")]
    dockerfile: Option<PathBuf>,
    /// With --policy: group the verdict by the controls of a framework (cis = CIS Docker
    /// Benchmark section 4, nist-800-190, pci).
    #[arg(long, value_name = "FRAMEWORK", requires = "policy")]
    pub compliance: Option<palisade_policy::compliance::Framework>,
    /// With --policy: sign the image (registry images) when the final action is GO (or WARN
    /// with --sign-on-warn), in the same run.
    #[arg(long, value_name = "KEY", requires = "policy")]
    sign_key: Option<PathBuf>,
    /// With --sign-key: also attest the verdict (palisade's verdict predicate type).
    #[arg(long, requires = "sign_key")]
    attest: bool,
    /// With --sign-key: sign on WARN too.
    #[arg(long, requires = "sign_key")]
    sign_on_warn: bool,
    /// With --sign-key: store Sigstore bundles as OCI 1.1 referrers instead of .sig/.att tags.
    #[arg(long, requires = "sign_key")]
    bundle: bool,
    /// With --policy: write the verdict predicate (the palisade verdict attestation's
    /// content) to this file.
    #[arg(long, value_name = "FILE", requires = "policy")]
    verdict_out: Option<PathBuf>,
}

/// What one pass over an image produced: its packages and, under a bundle, the policy facts.
pub struct Inspected {
    pub catalog: palisade_catalog::Catalog,
    pub facts: Option<ImageFacts>,
}

impl PolicyArgs {
    /// Loads the bundle, printing its diagnostics; an invalid bundle is an error.
    pub fn load(&self) -> anyhow::Result<Option<Bundle>> {
        let Some(path) = &self.policy else {
            return Ok(None);
        };
        load_bundle(path, self.strict).map(Some)
    }

    /// Whether the final action fails the run.
    pub fn fails(&self, action: Action) -> bool {
        action == Action::Stop || (self.fail_on_warn && action == Action::Warn)
    }

    /// Evaluates the bundle on an inspected image.
    #[allow(
        clippy::too_many_arguments,
        reason = "each is one piece of the scan's evidence"
    )]
    pub fn evaluate(
        &self,
        bundle: &Bundle,
        reference: &ImageRef,
        image: &Image,
        catalog: &palisade_catalog::Catalog,
        result: &palisade_vulndb::MatchReport,
        database: &palisade_vulndb::DbInfo,
        facts: &Option<ImageFacts>,
    ) -> anyhow::Result<(Verdict, VerdictPredicate)> {
        let dockerfile = match &self.dockerfile {
            Some(path) => Some(
                std::fs::read_to_string(path)
                    .with_context(|| format!("reading Dockerfile {}", path.display()))?,
            ),
            None => None,
        };
        let empty = ImageFacts::default();
        let name = name_of(reference, image);
        let checked = !database.sources.is_empty();
        let evidence = Evidence {
            image: &name,
            config: &image.config,
            layer_count: image.layers.len(),
            size: image.layers.iter().filter_map(|l| l.size).sum(),
            distro: catalog.distro.as_ref(),
            packages: &catalog.packages,
            vulnerabilities: checked.then_some(result.findings.as_slice()),
            database_built: checked.then_some(database.built_at),
            facts: facts.as_ref().unwrap_or(&empty),
            dockerfile: dockerfile.as_deref(),
            now: palisade_core::time::now(),
        };
        let verdict = evaluate(bundle, &evidence);
        let predicate = predicate(&verdict, reference, image, result, database);
        if let Some(path) = &self.verdict_out {
            let text = serde_json::to_string_pretty(&predicate)? + "\n";
            std::fs::write(path, text)
                .with_context(|| format!("writing the verdict to {}", path.display()))?;
        }
        Ok((verdict, predicate))
    }

    /// Signs (and attests) the image when the verdict allows and a key was given.
    pub fn after_verdict(
        &self,
        predicate: &VerdictPredicate,
        reference: &ImageRef,
        access: &palisade_sign::Access,
    ) -> anyhow::Result<()> {
        let Some(key_path) = &self.sign_key else {
            return Ok(());
        };
        let allowed = predicate.final_action == Action::Go
            || (self.sign_on_warn && predicate.final_action == Action::Warn);
        let mut err = std::io::stderr().lock();
        if !allowed {
            writeln!(
                err,
                "not signing: the final action is {}",
                predicate.final_action.as_str().to_ascii_uppercase()
            )?;
            return Ok(());
        }
        let image = reference;
        if !matches!(image, ImageRef::Registry(_) | ImageRef::OciLayout { .. }) {
            bail!("--sign-key signs images in a registry or an OCI layout; {reference} is neither");
        }
        let key = crate::commands::sign::read_private_key(key_path)?;
        let signed = palisade_sign::sign_at(image, &key, &Default::default(), self.bundle, access)?;
        writeln!(
            err,
            "signed {image} ({}) as {}",
            signed.digest, signed.stored_as
        )?;
        if self.attest {
            let value = serde_json::to_value(predicate)?;
            let attested = palisade_sign::attest_at(
                image,
                &key,
                palisade_core::verdict::VERDICT_PREDICATE_TYPE,
                &value,
                self.bundle,
                access,
            )?;
            writeln!(err, "attested the verdict as {}", attested.stored_as)?;
        }
        Ok(())
    }
}

/// Reads the image once: the package catalog and, under a bundle, the facts its gates need.
pub fn inspect(
    image: &Image,
    bundle: Option<&Bundle>,
    progress: &dyn palisade_image::Progress,
) -> anyhow::Result<Inspected> {
    let options = palisade_catalog::Options::default();
    let Some(bundle) = bundle else {
        return Ok(Inspected {
            catalog: palisade_catalog::catalog(image, &options, progress)?,
            facts: None,
        });
    };
    let config = config_for(bundle);
    let visitor = FactsVisitor::new(config.clone())?;
    let (catalog, also) = palisade_catalog::catalog_with(image, &options, progress, &visitor)?;
    let paths = also.nodes.map(|nodes| {
        nodes
            .into_iter()
            .filter(|(_, n)| n.kind == palisade_image::NodeKind::File)
            .map(|(p, _)| p)
            .collect()
    });
    let facts = ImageFacts::from_walk(&config, also.files, also.hidden, paths);
    Ok(Inspected {
        catalog,
        facts: Some(facts),
    })
}

/// The names mappings select on: the registry reference, else the archive's first tag.
fn name_of(reference: &ImageRef, image: &Image) -> palisade_policy::bundle::ImageName {
    let digest = image.manifest_digest.as_ref().map(ToString::to_string);
    let id = image.config_digest.as_ref().map(|d| d.to_string());
    let repo_tag = match reference {
        ImageRef::Registry(r) => Some(match &r.reference {
            Reference::Tag(t) => format!("{}/{}:{t}", r.host, r.repository),
            Reference::Digest(_) => format!("{}/{}", r.host, r.repository),
        }),
        _ => image.repo_tags.first().cloned(),
    };
    image_name(repo_tag.as_deref(), digest.as_deref(), id.as_deref())
}

/// The verdict as an attestation predicate.
pub fn predicate(
    verdict: &Verdict,
    reference: &ImageRef,
    image: &Image,
    result: &palisade_vulndb::MatchReport,
    database: &palisade_vulndb::DbInfo,
) -> VerdictPredicate {
    let mut vulnerabilities = std::collections::BTreeMap::new();
    for f in &result.findings {
        *vulnerabilities
            .entry(f.severity.as_str().to_ascii_lowercase())
            .or_insert(0) += 1;
    }
    VerdictPredicate {
        final_action: verdict.final_action,
        reason: verdict.reason,
        image: reference.to_string(),
        image_digest: image.identity().map(ToString::to_string),
        bundle: verdict.bundle.clone(),
        database: (!database.sources.is_empty()).then(|| DatabaseRef {
            built: Some(palisade_core::time::rfc3339(database.built_at)),
            sources: database.sources.iter().map(|s| s.name.clone()).collect(),
        }),
        vulnerabilities,
        triggers: verdict.counts(),
        scanner: Scanner {
            name: "palisade".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        time: palisade_core::time::rfc3339(palisade_core::time::now()),
    }
}

/// Loads a bundle from a path, writing its diagnostics to stderr.
pub fn load_bundle(path: &Path, strict: bool) -> anyhow::Result<Bundle> {
    let loaded = palisade_policy::load::load_path(path)?;
    let mut stderr = std::io::stderr().lock();
    for d in &loaded.diagnostics {
        let _ = writeln!(stderr, "{d}");
    }
    let warnings = loaded
        .diagnostics
        .iter()
        .filter(|d| d.level == Level::Warning)
        .count();
    match loaded.bundle {
        Some(_) if strict && warnings > 0 => {
            bail!(
                "policy bundle {}: {warnings} warning(s), refused with --strict",
                path.display()
            )
        }
        Some(bundle) => Ok(bundle),
        None => bail!(
            "policy bundle {} is invalid: {} error(s)",
            path.display(),
            loaded.errors().count()
        ),
    }
}

/// Policy bundles: check, convert, list gates, sync from git.
#[derive(Debug, clap::Args)]
pub struct PolicyCommandArgs {
    #[command(subcommand)]
    command: PolicyCommand,
}

#[derive(Debug, clap::Subcommand)]
enum PolicyCommand {
    /// Validate bundles (Anchore v1 or palisade YAML) with file:line:column diagnostics.
    Check {
        /// Bundle files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Warnings (rules palisade cannot evaluate, unknown fields) fail the check too.
        #[arg(long)]
        strict: bool,
        /// Print the bundle's id and digest as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Convert an Anchore v1 bundle into palisade's YAML format.
    Convert {
        bundle: PathBuf,
        /// Write to a file instead of stdout.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// List the gates, their triggers and parameters, and what palisade evaluates.
    Gates,
    /// Fetch a policy repository, validate the bundle at a ref and switch DIR/current to it
    /// atomically; a broken commit keeps the last good bundle in force.
    Sync {
        /// The repository: https://, http://, git:// URL or a local path.
        #[arg(long, value_name = "URL|PATH")]
        repo: String,
        /// Branch, tag or full commit id.
        #[arg(long = "ref", value_name = "REF", default_value = "main")]
        reference: String,
        /// Where `current` and `commits/` live; give `DIR/current` to `scan --policy`.
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// The bundle's directory inside the repository (its root by default).
        #[arg(long, value_name = "PATH", default_value = "")]
        path: String,
        /// Keep syncing at this interval (e.g. 60s, 5m) until interrupted.
        #[arg(long, value_name = "DURATION", value_parser = parse_interval)]
        interval: Option<std::time::Duration>,
    },
}

fn parse_interval(text: &str) -> Result<std::time::Duration, String> {
    // A bare number is seconds.
    let with_unit = if text.bytes().all(|b| b.is_ascii_digit()) {
        format!("{text}s")
    } else {
        text.to_owned()
    };
    let interval = palisade_core::time::parse_duration(&with_unit)
        .ok_or_else(|| format!("{text:?}: expected a duration such as 60s or 5m"))?;
    if interval.as_secs() == 0 {
        return Err("the interval must be at least 1s".into());
    }
    Ok(interval)
}

pub fn run(args: PolicyCommandArgs, _global: &GlobalOptions) -> anyhow::Result<Outcome> {
    match args.command {
        PolicyCommand::Check {
            paths,
            strict,
            json,
        } => {
            let mut failed = false;
            let mut out = output::writer(None)?;
            for path in &paths {
                let loaded = palisade_policy::load::load_path(path)?;
                for d in &loaded.diagnostics {
                    writeln!(out, "{d}")?;
                }
                let warnings = loaded.diagnostics.iter().any(|d| d.level == Level::Warning);
                match &loaded.bundle {
                    Some(b) if !(strict && warnings) => {
                        if json {
                            writeln!(
                                out,
                                "{}",
                                serde_json::json!({"path": path, "id": b.id, "digest": b.digest, "format": b.format, "policies": b.policies.len()})
                            )?;
                        } else {
                            let rules: usize = b.policies.iter().map(|p| p.rules.len()).sum();
                            writeln!(
                                out,
                                "{}: ok, bundle {} ({} policies, {rules} rules, {}), {}",
                                path.display(),
                                b.id,
                                b.policies.len(),
                                match b.format {
                                    palisade_policy::bundle::Format::Anchore => "Anchore v1",
                                    palisade_policy::bundle::Format::Native => "palisade v1",
                                },
                                b.digest
                            )?;
                        }
                    }
                    _ => failed = true,
                }
            }
            out.flush()?;
            Ok(if failed {
                Outcome::Failed
            } else {
                Outcome::Clean
            })
        }
        PolicyCommand::Convert { bundle, output: to } => {
            let b = load_bundle(&bundle, false)?;
            let text = palisade_policy::native::to_yaml(&b);
            let mut out = output::writer(to.as_deref())?;
            out.write_all(text.as_bytes())?;
            out.flush()?;
            Ok(Outcome::Clean)
        }
        PolicyCommand::Sync {
            repo,
            reference,
            dir,
            path,
            interval,
        } => {
            let options = palisade_policy_sync::Options {
                repository: repo,
                reference,
                dir,
                path,
            };
            loop {
                let outcome = palisade_policy_sync::sync(&options);
                let mut err = std::io::stderr().lock();
                match &outcome {
                    Ok(s) => {
                        for d in &s.warnings {
                            let _ = writeln!(err, "{d}");
                        }
                        let _ = writeln!(
                            err,
                            "{} bundle {} ({}) at commit {}",
                            if s.switched { "switched to" } else { "kept" },
                            s.bundle_id,
                            s.digest,
                            s.commit
                        );
                    }
                    Err(e) => {
                        let _ = writeln!(err, "error: {e}");
                        if let Some(c) = palisade_policy_sync::current_commit(&options.dir) {
                            let _ = writeln!(err, "the bundle at commit {c} stays in force");
                        }
                    }
                }
                drop(err);
                match interval {
                    Some(every) => std::thread::sleep(every),
                    None => {
                        return Ok(if outcome.is_ok() {
                            Outcome::Clean
                        } else {
                            Outcome::Failed
                        });
                    }
                }
            }
        }
        PolicyCommand::Gates => {
            let mut out = output::writer(None)?;
            out.write_all(palisade_policy::gates::markdown().as_bytes())?;
            out.flush()?;
            Ok(Outcome::Clean)
        }
    }
}
