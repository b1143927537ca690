//! `image_config` (palisade's own gate): risky settings in the image's configuration and build
//! history that Anchore's `dockerfile` gate cannot express — secrets in the environment,
//! `ADD` of a URL, a download piped into a shell, volumes, privileged-looking entrypoints.

use super::dockerfile::{Line, from_history, parse_dockerfile};
use super::{Controls, Evidence, Fired, Gate, Kind, NotEvaluated, Trigger, p};
use crate::bundle::Rule;

pub const GATE: Gate = Gate {
    name: "image_config",
    description: "Checks the image configuration and build history for risky settings \
                  (palisade's gate, beyond Anchore's).",
    triggers: &[
        Trigger {
            name: "secret_in_env",
            description: "Fires for each environment variable whose name says it holds a secret \
                          (PASSWORD, SECRET, TOKEN, API_KEY, ACCESS_KEY, PRIVATE_KEY, CREDENTIAL) \
                          and has a value, or whose value is a secret a secret rule recognises. \
                          The value is never shown.",
            params: &[p("allow_names", false, Kind::List)],
            check: Some(secret_in_env),
            controls: Controls {
                cis: &["4.10"],
                nist: &["4.1.4"],
                pci: &["8.3.2", "8.6.2"],
            },
        },
        Trigger {
            name: "add_from_url",
            description: "Fires for each ADD instruction whose source is a URL (its content is \
                          neither pinned nor verified; CIS 4.9 prefers COPY).",
            params: &[],
            check: Some(add_from_url),
            controls: Controls {
                cis: &["4.9"],
                nist: &["4.1.2", "4.1.5"],
                pci: &["6.3.2"],
            },
        },
        Trigger {
            name: "pipe_to_shell",
            description: "Fires for each RUN that pipes a download (curl, wget) into a shell.",
            params: &[],
            check: Some(pipe_to_shell),
            controls: Controls {
                cis: &["4.11"],
                nist: &["4.1.5"],
                pci: &["6.3.2"],
            },
        },
        Trigger {
            name: "volume",
            description: "Fires for each declared volume.",
            params: &[p("allowed", false, Kind::List)],
            check: Some(volume),
            controls: Controls {
                cis: &[],
                nist: &["4.1.2"],
                pci: &[],
            },
        },
        Trigger {
            name: "privileged_entrypoint",
            description: "Fires when the entrypoint or command runs sudo, su, nsenter, capsh or \
                          setcap, or reaches for the container runtime's socket.",
            params: &[],
            check: Some(privileged_entrypoint),
            controls: Controls {
                cis: &["4.1"],
                nist: &["4.4.3"],
                pci: &["7.2.1"],
            },
        },
    ],
};

const SECRET_NAMES: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "ACCESS_KEY",
    "PRIVATE_KEY",
    "CREDENTIAL",
];

fn secret_in_env(rule: &Rule, evidence: &Evidence<'_>) -> Result<Vec<Fired>, NotEvaluated> {
    let allowed = super::list(rule.param("allow_names"));
    let scanner = palisade_secrets::Scanner::new();
    let mut fired = Vec::new();
    for entry in evidence.config.config.env.iter().flatten() {
        let (name, value) = entry.split_once('=').unwrap_or((entry, ""));
        if value.is_empty() || allowed.contains(&name) {
            continue;
        }
        let upper = name.to_ascii_uppercase();
        let by_name = SECRET_NAMES.iter().any(|s| upper.contains(s))
            && !upper.ends_with("_FILE")
            && !upper.ends_with("_PATH");
        let by_value = scanner.scan(value.as_bytes()).first().map(|f| f.rule_id);
        if by_name || by_value.is_some() {
            let why = by_value.map_or_else(
                || "its name says it holds a secret".to_owned(),
                |id| format!("its value is a {id}"),
            );
            fired.push(Fired::new(
                format!("env:{name}"),
                format!(
                    "Environment variable {name} is set in the image config ({why}): {name}={}",
                    "*".repeat(value.chars().count().min(16))
                ),
            ));
        }
    }
    Ok(fired)
}

fn lines(evidence: &Evidence<'_>) -> Vec<Line> {
    match evidence.dockerfile {
        Some(text) => parse_dockerfile(text),
        None => from_history(evidence.config),
    }
}

fn add_from_url(_: &Rule, evidence: &Evidence<'_>) -> Result<Vec<Fired>, NotEvaluated> {
    Ok(lines(evidence)
        .iter()
        .filter(|l| l.instruction == "ADD")
        .filter(|l| {
            l.value
                .split_whitespace()
                .filter(|w| !w.starts_with("--"))
                .any(|w| w.starts_with("http://") || w.starts_with("https://"))
        })
        .map(|l| {
            Fired::new(
                format!("ADD:{}", l.value),
                format!("ADD of a URL: {}", l.text()),
            )
        })
        .collect())
}

fn pipe_to_shell(_: &Rule, evidence: &Evidence<'_>) -> Result<Vec<Fired>, NotEvaluated> {
    let re = regex::Regex::new(
        r"\b(?:curl|wget)\b[^|;&]*\|\s*(?:sudo\s+)?(?:/usr)?(?:/bin/)?(?:ba|z|da|k)?sh\b",
    )
    .map_err(|e| NotEvaluated(e.to_string()))?;
    Ok(lines(evidence)
        .iter()
        .filter(|l| l.instruction == "RUN" && re.is_match(&l.value))
        .map(|l| {
            Fired::new(
                format!("RUN:{}", l.value),
                format!("A download is piped into a shell: {}", l.text()),
            )
        })
        .collect())
}

fn volume(rule: &Rule, evidence: &Evidence<'_>) -> Result<Vec<Fired>, NotEvaluated> {
    let allowed = super::list(rule.param("allowed"));
    let mut volumes: Vec<String> = evidence
        .config
        .config
        .volumes
        .iter()
        .flatten()
        .map(|(k, _)| k.clone())
        .collect();
    for l in lines(evidence).iter().filter(|l| l.instruction == "VOLUME") {
        let v = l.value.trim_matches(['[', ']']);
        volumes.extend(
            v.split([',', ' '])
                .map(|s| s.trim().trim_matches('"').to_owned())
                .filter(|s| !s.is_empty()),
        );
    }
    volumes.sort();
    volumes.dedup();
    Ok(volumes
        .into_iter()
        .filter(|v| !allowed.contains(&v.as_str()))
        .map(|v| {
            Fired::new(
                format!("volume:{v}"),
                format!("The image declares the volume {v}"),
            )
        })
        .collect())
}

fn privileged_entrypoint(_: &Rule, evidence: &Evidence<'_>) -> Result<Vec<Fired>, NotEvaluated> {
    let run = &evidence.config.config;
    let words: Vec<&str> = run
        .entrypoint
        .iter()
        .flatten()
        .chain(run.cmd.iter().flatten())
        .flat_map(|s| s.split_whitespace())
        .collect();
    let risky = words.iter().find(|w| {
        let base = w.rsplit('/').next().unwrap_or(w);
        matches!(
            base,
            "sudo" | "su" | "nsenter" | "capsh" | "setcap" | "doas"
        ) || w.contains("docker.sock")
            || w.contains("containerd.sock")
            || **w == "--privileged"
    });
    Ok(match risky {
        Some(word) => vec![Fired::new(
            format!("entrypoint:{word}"),
            format!("The entrypoint or command uses {word}: {}", words.join(" ")),
        )],
        None => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::ImageName;
    use crate::facts::ImageFacts;

    fn fired(trigger: &str, config: &palisade_image::ImageConfig) -> Vec<String> {
        let rule = Rule {
            id: "r".into(),
            gate: "image_config".into(),
            trigger: trigger.into(),
            action: palisade_core::verdict::Action::Stop,
            params: Default::default(),
            span: palisade_core::Span::new("t", 1, 1),
            not_evaluated: None,
        };
        let facts = ImageFacts::default();
        let image = ImageName::default();
        let evidence = Evidence {
            image: &image,
            config,
            layer_count: 0,
            size: 0,
            distro: None,
            packages: &[],
            vulnerabilities: None,
            database_built: None,
            facts: &facts,
            dockerfile: None,
            now: 0,
        };
        let check = GATE.trigger(trigger).unwrap().check.unwrap();
        check(&rule, &evidence)
            .unwrap()
            .into_iter()
            .map(|f| f.check_output)
            .collect()
    }

    fn history(lines: &[&str]) -> Vec<palisade_image::oci::History> {
        lines
            .iter()
            .map(|l| palisade_image::oci::History {
                created_by: Some((*l).to_owned()),
                ..Default::default()
            })
            .collect()
    }

    #[test]
    fn secrets_in_env_are_found_by_name_or_value_and_never_shown() {
        let mut config = palisade_image::ImageConfig::default();
        config.config.env = Some(vec![
            "PATH=/usr/bin".into(),
            "DB_PASSWORD=hunter2".into(),
            "PASSWORD_FILE=/run/secrets/db".into(),
            "EMPTY_TOKEN=".into(),
            "UPSTREAM=ghp_Pa1isadeTestOnlyNotARealToken00000000".into(),
        ]);
        let out = fired("secret_in_env", &config);
        assert_eq!(out.len(), 2, "{out:?}");
        assert!(out[0].contains("DB_PASSWORD") && !out[0].contains("hunter2"));
        assert!(out[1].contains("github-pat") && !out[1].contains("ghp_"));
    }

    #[test]
    fn history_risks() {
        let mut config = palisade_image::ImageConfig {
            history: history(&[
                "/bin/sh -c #(nop) ADD https://example.com/tool.tgz /opt/",
                "/bin/sh -c #(nop) ADD file:abc in /",
                "/bin/sh -c curl -fsSL https://get.example.com | sh",
                "/bin/sh -c wget -qO- https://x | sudo bash -s",
                "/bin/sh -c curl -o /tmp/x https://x && sha256sum -c x.sha",
                "/bin/sh -c #(nop)  VOLUME [/data]",
            ]),
            ..Default::default()
        };
        config.config.entrypoint = Some(vec!["sudo".into(), "-E".into(), "/app".into()]);
        assert_eq!(fired("add_from_url", &config).len(), 1);
        assert_eq!(fired("pipe_to_shell", &config).len(), 2);
        assert_eq!(
            fired("volume", &config),
            vec!["The image declares the volume /data"]
        );
        assert_eq!(fired("privileged_entrypoint", &config).len(), 1);
    }
}
