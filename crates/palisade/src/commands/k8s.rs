//! `palisade k8s …`: Kubernetes workload checks (kubesec score and palisade rules, Pod Security
//! Standards, namespace advice, rule docs).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use palisade_k8s::compliance::{self, Framework};
use palisade_k8s::manifest::{self, Manifests};
use palisade_k8s::pss::{self, Level, Version};
use palisade_k8s::yaml::Limits;
use palisade_k8s::{advise, render, rules};

use crate::{GlobalOptions, Outcome, output};

#[derive(Debug, Args)]
pub struct K8sArgs {
    #[command(subcommand)]
    command: K8sCommand,
}

#[derive(Debug, Subcommand)]
enum K8sCommand {
    /// Score workloads (kubesec rules) and run palisade's rules; every finding with file:line:col.
    Scan(ScanArgs),
    /// Evaluate Pod Security Standards as Pod Security Admission does.
    #[command(disable_version_flag = true)]
    Pss(PssArgs),
    /// Per namespace: strictest Pod Security level, labels, patches and the privileges used.
    Advise(AdviseArgs),
    /// Print the rule table, or the full Markdown rule reference.
    Rules(RulesArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ScanFormat {
    Table,
    Json,
    Kubesec,
    Sarif,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ComplianceArg {
    Cis,
    #[value(name = "nist-800-190")]
    Nist800190,
    Pci,
}

impl From<ComplianceArg> for Framework {
    fn from(c: ComplianceArg) -> Framework {
        match c {
            ComplianceArg::Cis => Framework::Cis,
            ComplianceArg::Nist800190 => Framework::Nist800190,
            ComplianceArg::Pci => Framework::Pci,
        }
    }
}

#[derive(Debug, Args)]
struct Input {
    /// Files or directories (searched recursively for .yaml, .yml, .json); `-` reads stdin.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Write the report here instead of stdout.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct ScanArgs {
    #[command(flatten)]
    input: Input,
    #[arg(short, long, value_enum, default_value = "table")]
    format: ScanFormat,
    /// Exit 1 when an object's kubesec score is below N.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    min_score: Option<i64>,
    /// Exit 1 when a finding at or above this severity remains (as `scan --fail-on`).
    #[arg(long, value_name = "SEVERITY")]
    fail_on: Option<palisade_core::Severity>,
    /// Group findings by the controls of a framework, with pass/fail counts.
    #[arg(long, value_enum)]
    compliance: Option<ComplianceArg>,
}

#[derive(Debug, Args)]
struct PssArgs {
    #[command(flatten)]
    input: Input,
    /// The level to check against: baseline or restricted.
    #[arg(long)]
    level: Level,
    /// Policy version: v1.0 … latest.
    #[arg(long = "version", id = "policy_version", default_value = "latest")]
    policy_version: Version,
    /// JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Group the violations by the controls of a framework, with pass/fail counts.
    #[arg(long, value_enum)]
    compliance: Option<ComplianceArg>,
}

#[derive(Debug, Args)]
struct AdviseArgs {
    #[command(flatten)]
    input: Input,
    /// JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct RulesArgs {
    /// Full Markdown reference (rules and Pod Security checks) instead of the table.
    #[arg(long)]
    markdown: bool,
}

fn read(input: &Input) -> Manifests {
    let m = manifest::read_paths(&input.paths, &Limits::default());
    tracing::info!(
        files = m.files,
        objects = m.objects.len(),
        diagnostics = m.diagnostics.len(),
        "manifests read"
    );
    m
}

pub fn run(args: K8sArgs, _global: &GlobalOptions) -> anyhow::Result<Outcome> {
    match args.command {
        K8sCommand::Scan(a) => scan(a),
        K8sCommand::Pss(a) => pss_cmd(a),
        K8sCommand::Advise(a) => advise_cmd(a),
        K8sCommand::Rules(a) => {
            let mut out = output::writer(None)?;
            if a.markdown {
                write!(
                    out,
                    "{}\n## Pod Security Standards checks\n\n{}",
                    rules::markdown(),
                    pss::checks_markdown()
                )?;
            } else {
                write!(out, "{}", rules::table())?;
            }
            out.flush()?;
            Ok(Outcome::Clean)
        }
    }
}

/// Every document was unreadable: nothing was checked, which is an error, not a pass.
fn nothing_readable(manifests: &Manifests) -> anyhow::Result<()> {
    if manifests.objects.is_empty() && !manifests.diagnostics.is_empty() {
        let first = &manifests.diagnostics[0];
        anyhow::bail!(
            "no readable Kubernetes object in the input ({} problem(s); the first: {}: {})",
            manifests.diagnostics.len(),
            first.span,
            first.message
        );
    }
    Ok(())
}

fn scan(a: ScanArgs) -> anyhow::Result<Outcome> {
    let mut below = false;
    let mut severe = false;
    let mut judge = |o: &palisade_k8s::ObjectReport| {
        below |= a.min_score.is_some_and(|min| {
            o.kubesec.message != "This resource kind is not supported by kubesec"
                && o.kubesec.score < min
        });
        severe |= a
            .fail_on
            .is_some_and(|threshold| o.findings.iter().any(|f| f.severity >= threshold));
    };
    let streamed = match a.format {
        ScanFormat::Table => Some(render::Streamed::Table),
        ScanFormat::Json => Some(render::Streamed::Json),
        ScanFormat::Kubesec => Some(render::Streamed::Kubesec),
        ScanFormat::Sarif => None,
    };
    let mut out = output::writer(a.input.output.as_deref())?;
    match (a.compliance, streamed) {
        (None, Some(format)) => {
            // One document's tree and one object's results in memory at a time, however large
            // the input; nothing is written until the first object is read.
            let mut stream = render::Stream::new(format, &mut out);
            let mut written = Ok(());
            let manifests = Manifests::stream_paths(&a.input.paths, &Limits::default(), |obj| {
                let report = palisade_k8s::scan_object(&obj);
                judge(&report);
                if written.is_ok() {
                    written = stream.object(&report);
                }
            });
            written.context("writing the report")?;
            if stream.objects() == 0 {
                nothing_readable(&manifests)?;
            }
            stream
                .finish(manifests.files, &manifests.diagnostics)
                .context("writing the report")?;
        }
        (compliance, _) => {
            let manifests = read(&a.input);
            nothing_readable(&manifests)?;
            let report = palisade_k8s::scan(&manifests);
            report.objects.iter().for_each(&mut judge);
            if let Some(c) = compliance {
                let framework = Framework::from(c);
                let controls = compliance::group(&report, framework);
                if matches!(a.format, ScanFormat::Json) {
                    serde_json::to_writer_pretty(&mut out, &controls)?;
                    writeln!(out)?;
                } else {
                    render::compliance(framework, &controls, &mut out)?;
                }
            } else {
                render::sarif(&report, &mut out)?;
            }
        }
    }
    out.flush().context("writing the report")?;
    Ok(if below || severe {
        Outcome::Failed
    } else {
        Outcome::Clean
    })
}

fn pss_cmd(a: PssArgs) -> anyhow::Result<Outcome> {
    let manifests = read(&a.input);
    nothing_readable(&manifests)?;
    let mut out = output::writer(a.input.output.as_deref())?;
    let mut failed = false;
    let mut results = Vec::new();
    let mut outcomes = Vec::new();
    for obj in &manifests.objects {
        let Some(violations) = pss::evaluate(obj, a.level, a.policy_version) else {
            continue;
        };
        failed |= !violations.is_empty();
        if a.compliance.is_some() {
            outcomes.push(pss::outcome(obj, a.level, a.policy_version, &violations));
        } else if a.json {
            results.push(serde_json::json!({
                "object": obj.display_name(),
                "file": &*obj.file,
                "allowed": violations.is_empty(),
                "violations": violations,
            }));
        } else if violations.is_empty() {
            writeln!(
                out,
                "{}: {}:{} allowed",
                obj.start(),
                obj.display_name(),
                a.policy_version
            )?;
        } else {
            writeln!(
                out,
                "{}: {} {}",
                obj.start(),
                obj.display_name(),
                pss::summary(a.level, a.policy_version, &violations)
            )?;
            for v in &violations {
                writeln!(out, "  {}: {}: {}", v.span, v.check, v.message())?;
            }
        }
    }
    if let Some(c) = a.compliance {
        let framework = Framework::from(c);
        let controls = compliance::group_outcomes(framework, &pss::compliance_checks(), &outcomes);
        if a.json {
            serde_json::to_writer_pretty(&mut out, &controls)?;
            writeln!(out)?;
        } else {
            render::compliance(framework, &controls, &mut out)?;
        }
    } else if a.json {
        serde_json::to_writer_pretty(
            &mut out,
            &serde_json::json!({
                "level": a.level, "version": a.policy_version.to_string(), "objects": results,
                "diagnostics": manifests.diagnostics,
            }),
        )?;
        writeln!(out)?;
    } else {
        for d in &manifests.diagnostics {
            writeln!(out, "error: {}: {}", d.span, d.message)?;
        }
    }
    out.flush()?;
    Ok(if failed {
        Outcome::Failed
    } else {
        Outcome::Clean
    })
}

fn advise_cmd(a: AdviseArgs) -> anyhow::Result<Outcome> {
    let manifests = read(&a.input);
    let advice = advise::advise(&manifests);
    let mut out = output::writer(a.input.output.as_deref())?;
    if a.json {
        serde_json::to_writer_pretty(&mut out, &advice)?;
        writeln!(out)?;
        out.flush()?;
        return Ok(Outcome::Clean);
    }
    for ns in &advice {
        writeln!(
            out,
            "namespace {}: {} workloads; strictest level all satisfy: {} ({})",
            ns.namespace, ns.workloads, ns.level, ns.version
        )?;
        let labels: Vec<String> = ns.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        writeln!(
            out,
            "  kubectl label --overwrite namespace {} {}",
            ns.namespace,
            labels.join(" ")
        )?;
        for w in &ns.blockers {
            writeln!(out, "  {} is {} (not restricted):", w.object, w.level)?;
            for v in &w.violations {
                writeln!(out, "    {}: {}", v.span, v.message())?;
            }
            writeln!(
                out,
                "    fix: kubectl patch {} {} -n {} --type=strategic -p '{}'",
                w.kind.to_ascii_lowercase(),
                w.name,
                ns.namespace,
                w.patch
            )?;
            if w.remaining.is_empty() {
                writeln!(out, "    after the patch it passes restricted:latest")?;
            } else {
                writeln!(
                    out,
                    "    still needed beyond securityContext: {}",
                    w.remaining.join(", ")
                )?;
            }
        }
        writeln!(
            out,
            "  privileges used (the PodSecurityPolicy you would have written):"
        )?;
        for line in ns.privileges.pod_security_policy(&ns.namespace).lines() {
            writeln!(out, "    {line}")?;
        }
    }
    for d in &manifests.diagnostics {
        writeln!(out, "error: {}: {}", d.span, d.message)?;
    }
    out.flush()?;
    Ok(Outcome::Clean)
}
