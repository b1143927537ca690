//! `dockerfile`: the instructions the image was built with — from the Dockerfile when the user
//! gives it, otherwise rebuilt from the image's history, one Dockerfile line per history entry.

use super::{Controls, Evidence, Fired, Gate, Kind, NotEvaluated, Trigger, p};
use crate::bundle::Rule;

pub const INSTRUCTIONS: &[&str] = &[
    "ADD",
    "ARG",
    "COPY",
    "CMD",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "USER",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "VOLUME",
    "WORKDIR",
];

const CHECKS: &[&str] = &[
    "=",
    "!=",
    "exists",
    "not_exists",
    "like",
    "not_like",
    "in",
    "not_in",
];

const ACTUAL_ONLY: super::Param = p("actual_dockerfile_only", false, Kind::Bool);

pub const GATE: Gate = Gate {
    name: "dockerfile",
    description: "Checks the instructions the image was built with (its Dockerfile, or the \
                  lines rebuilt from its history).",
    triggers: &[
        Trigger {
            name: "instruction",
            description: "Fires for each instruction of the given kind that passes the check \
                          against the value (exists / not_exists need no value).",
            params: &[
                p("instruction", true, Kind::OneOf(INSTRUCTIONS)),
                p("check", true, Kind::OneOf(CHECKS)),
                p("value", false, Kind::Text),
                ACTUAL_ONLY,
            ],
            check: Some(instruction),
            controls: Controls {
                cis: &["4.6", "4.7", "4.9", "4.10"],
                nist: &["4.1.2"],
                pci: &["2.2.1", "6.3.2"],
            },
        },
        Trigger {
            name: "effective_user",
            description: "Fires when the user the container runs as is not in the allowlist \
                          (type whitelist) or is in the blocklist (type blacklist).",
            params: &[
                p("users", true, Kind::List),
                p("type", true, Kind::OneOf(&["whitelist", "blacklist"])),
                ACTUAL_ONLY,
            ],
            check: Some(effective_user),
            controls: Controls {
                cis: &["4.1"],
                nist: &["4.1.2", "4.4.3"],
                pci: &["7.2.1", "2.2.1"],
            },
        },
        Trigger {
            name: "exposed_ports",
            description: "Fires for each exposed port not in the allowlist (type whitelist) or \
                          in the blocklist (type blacklist).",
            params: &[
                p("ports", true, Kind::List),
                p("type", true, Kind::OneOf(&["whitelist", "blacklist"])),
                ACTUAL_ONLY,
            ],
            check: Some(exposed_ports),
            controls: Controls {
                cis: &["4.1"],
                nist: &["4.1.2"],
                pci: &["1.2.5", "2.2.4"],
            },
        },
        Trigger {
            name: "no_dockerfile_provided",
            description: "Fires when the evaluation had no Dockerfile, only the image's history.",
            params: &[],
            check: Some(no_dockerfile_provided),
            controls: Controls {
                cis: &[],
                nist: &["4.1.2"],
                pci: &[],
            },
        },
    ],
};

/// One instruction: its keyword (upper case) and the rest of the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub instruction: String,
    pub value: String,
}

impl Line {
    pub fn text(&self) -> String {
        if self.value.is_empty() {
            self.instruction.clone()
        } else {
            format!("{} {}", self.instruction, self.value)
        }
    }
}

/// The instructions, from the Dockerfile when there is one, else from the history.
fn lines(evidence: &Evidence<'_>) -> Vec<Line> {
    match evidence.dockerfile {
        Some(text) => parse_dockerfile(text),
        None => from_history(evidence.config),
    }
}

/// A Dockerfile's instructions: continuation lines joined, comments and blank lines skipped.
pub fn parse_dockerfile(text: &str) -> Vec<Line> {
    let mut out = Vec::new();
    let mut pending = String::new();
    for raw in text.lines() {
        let trimmed = raw.trim();
        if pending.is_empty() && (trimmed.is_empty() || trimmed.starts_with('#')) {
            continue;
        }
        if let Some(body) = trimmed.strip_suffix('\\') {
            pending.push_str(body);
            pending.push(' ');
            continue;
        }
        pending.push_str(trimmed);
        out.push(split(&pending));
        pending.clear();
    }
    if !pending.trim().is_empty() {
        out.push(split(&pending));
    }
    out
}

fn split(line: &str) -> Line {
    let line = line.trim();
    let (head, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    Line {
        instruction: head.to_ascii_uppercase(),
        value: rest.trim().to_owned(),
    }
}

/// One Dockerfile line per history entry, as the Docker builders record them:
/// `/bin/sh -c #(nop)  CMD ["sh"]` is `CMD ["sh"]`, `/bin/sh -c apt-get …` is `RUN apt-get …`,
/// BuildKit's `RUN /bin/sh -c … # buildkit` is `RUN …`, and a bare command is a `RUN`.
pub fn from_history(config: &palisade_image::ImageConfig) -> Vec<Line> {
    config
        .history
        .iter()
        .filter_map(|h| h.created_by.as_deref())
        .map(history_line)
        .collect()
}

pub fn history_line(created_by: &str) -> Line {
    let mut s = created_by.trim();
    s = s.strip_suffix("# buildkit").unwrap_or(s).trim();
    // BuildKit records build arguments as `|2 A=1 B=2 /bin/sh -c …`.
    if let Some(rest) = s.strip_prefix('|') {
        if let Some(pos) = rest.find("/bin/sh -c") {
            s = rest[pos..].trim();
        }
    }
    for shell in ["/bin/sh -c ", "/bin/bash -c ", "cmd /S /C "] {
        if let Some(rest) = s.strip_prefix(shell) {
            let rest = rest.trim();
            if let Some(nop) = rest.strip_prefix("#(nop)") {
                return split(nop.trim());
            }
            return Line {
                instruction: "RUN".into(),
                value: rest.to_owned(),
            };
        }
    }
    let first = s.split_whitespace().next().unwrap_or("");
    if INSTRUCTIONS.contains(&first) {
        let line = split(s);
        if line.instruction == "RUN" {
            if let Some(rest) = line.value.strip_prefix("/bin/sh -c ") {
                return Line {
                    instruction: "RUN".into(),
                    value: rest.trim().to_owned(),
                };
            }
        }
        return line;
    }
    Line {
        instruction: "RUN".into(),
        value: s.to_owned(),
    }
}

fn check_actual_only(rule: &Rule, evidence: &Evidence<'_>) -> Result<bool, NotEvaluated> {
    // With actual_dockerfile_only, a rule looks only at a real Dockerfile: without one it
    // does not fire (Anchore's behaviour), which is not the same as not evaluated.
    Ok(
        super::truthy(rule.param("actual_dockerfile_only")) == Some(true)
            && evidence.dockerfile.is_none(),
    )
}

fn instruction(rule: &Rule, evidence: &Evidence<'_>) -> Result<Vec<Fired>, NotEvaluated> {
    if check_actual_only(rule, evidence)? {
        return Ok(Vec::new());
    }
    let wanted = rule.param("instruction").unwrap_or("").to_ascii_uppercase();
    let check = rule.param("check").unwrap_or("");
    let value = rule.param("value").unwrap_or("");
    let all = lines(evidence);
    let matching: Vec<&Line> = all.iter().filter(|l| l.instruction == wanted).collect();
    let mut fired = Vec::new();
    match check {
        "exists" => {
            for l in &matching {
                fired.push(Fired::new(
                    format!("{wanted}:exists"),
                    format!(
                        "Dockerfile directive '{wanted}' check 'exists' matched: {}",
                        l.text()
                    ),
                ));
            }
        }
        "not_exists" => {
            if matching.is_empty() {
                fired.push(Fired::new(
                    format!("{wanted}:not_exists"),
                    format!("Dockerfile directive '{wanted}' not found, matching condition 'not_exists' check"),
                ));
            }
        }
        _ => {
            let re = if matches!(check, "like" | "not_like") {
                Some(regex::Regex::new(value).map_err(|e| {
                    NotEvaluated(format!("value {value:?} is not a valid pattern: {e}"))
                })?)
            } else {
                None
            };
            let items = super::list(Some(value));
            for l in &matching {
                let hit = match check {
                    "=" => l.value == value,
                    "!=" => l.value != value,
                    "like" => re.as_ref().is_some_and(|r| r.is_match(&l.value)),
                    "not_like" => re.as_ref().is_some_and(|r| !r.is_match(&l.value)),
                    "in" => items.contains(&l.value.as_str()),
                    "not_in" => !items.contains(&l.value.as_str()),
                    _ => false,
                };
                if hit {
                    fired.push(Fired::new(
                        format!("{wanted}:{check}:{}", l.value),
                        format!(
                            "Dockerfile directive '{wanted}' check '{check}' matched against '{value}' for line '{}'",
                            l.text()
                        ),
                    ));
                }
            }
        }
    }
    Ok(fired)
}

/// The user a container of this image runs as: the last `USER` line, else the config's user,
/// else root.
fn current_user(evidence: &Evidence<'_>) -> String {
    let from_lines = lines(evidence)
        .into_iter()
        .rev()
        .find(|l| l.instruction == "USER")
        .map(|l| l.value);
    let user = from_lines
        .or_else(|| evidence.config.config.user.clone())
        .unwrap_or_default();
    let name = user.split(':').next().unwrap_or("").trim().to_owned();
    if name.is_empty() {
        "root".to_owned()
    } else {
        name
    }
}

fn is_root(user: &str) -> bool {
    user == "root" || user == "0"
}

fn effective_user(rule: &Rule, evidence: &Evidence<'_>) -> Result<Vec<Fired>, NotEvaluated> {
    if check_actual_only(rule, evidence)? {
        return Ok(Vec::new());
    }
    let users = super::list(rule.param("users"));
    let listed = |u: &str| users.iter().any(|x| *x == u || (is_root(x) && is_root(u)));
    let user = current_user(evidence);
    let allowlist = rule.param("type") == Some("whitelist");
    let fire = if allowlist {
        !listed(&user)
    } else {
        listed(&user)
    };
    Ok(if fire {
        let list = if allowlist { "allowed" } else { "denied" };
        vec![Fired::new(
            format!("effective_user:{user}"),
            format!(
                "User {user} found as effective user, which is {}on the {list} list",
                if allowlist { "not " } else { "" }
            ),
        )]
    } else {
        Vec::new()
    })
}

/// Exposed ports: from `EXPOSE` lines, and from the config.
fn ports(evidence: &Evidence<'_>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in lines(evidence).iter().filter(|l| l.instruction == "EXPOSE") {
        out.extend(l.value.split_whitespace().map(str::to_owned));
    }
    if evidence.dockerfile.is_none() {
        if let Some(ports) = &evidence.config.config.exposed_ports {
            out.extend(ports.keys().cloned());
        }
    }
    let mut numbers: Vec<String> = out
        .iter()
        .map(|p| p.split('/').next().unwrap_or("").to_owned())
        .filter(|p| !p.is_empty())
        .collect();
    numbers.sort();
    numbers.dedup();
    numbers
}

fn exposed_ports(rule: &Rule, evidence: &Evidence<'_>) -> Result<Vec<Fired>, NotEvaluated> {
    if check_actual_only(rule, evidence)? {
        return Ok(Vec::new());
    }
    let listed = super::list(rule.param("ports"));
    let allowlist = rule.param("type") == Some("whitelist");
    let mut fired = Vec::new();
    for port in ports(evidence) {
        let on = listed.contains(&port.as_str());
        if allowlist && !on {
            fired.push(Fired::new(
                format!("exposed_ports:{port}"),
                format!(
                    "Dockerfile exposes port ({port}) which is not in policy file ALLOWEDPORTS list"
                ),
            ));
        } else if !allowlist && on {
            fired.push(Fired::new(
                format!("exposed_ports:{port}"),
                format!(
                    "Dockerfile exposes port ({port}) which is in policy file DENIEDPORTS list"
                ),
            ));
        }
    }
    Ok(fired)
}

fn no_dockerfile_provided(_: &Rule, evidence: &Evidence<'_>) -> Result<Vec<Fired>, NotEvaluated> {
    Ok(if evidence.dockerfile.is_none() {
        vec![Fired::new(
            "no_dockerfile_provided",
            "Image was not analyzed with an actual Dockerfile",
        )]
    } else {
        Vec::new()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_lines_read_like_a_dockerfile() {
        let cases = [
            (
                "/bin/sh -c #(nop)  CMD [\"/bin/bash\"]",
                "CMD [\"/bin/bash\"]",
            ),
            ("/bin/sh -c #(nop) COPY dir:app in / ", "COPY dir:app in /"),
            (
                "/bin/sh -c rm /app/id_rsa /etc/motd",
                "RUN rm /app/id_rsa /etc/motd",
            ),
            (
                "/bin/sh -c #(nop)  EXPOSE 22/tcp 8080/tcp",
                "EXPOSE 22/tcp 8080/tcp",
            ),
            (
                "RUN /bin/sh -c apt-get update # buildkit",
                "RUN apt-get update",
            ),
            ("|1 V=2 /bin/sh -c make install", "RUN make install"),
            (
                "HEALTHCHECK &{[\"CMD\" \"true\"] 0s 0s 0s 0s 0}",
                "HEALTHCHECK &{[\"CMD\" \"true\"] 0s 0s 0s 0s 0}",
            ),
            (
                "debootstrap --variant=minbase bookworm",
                "RUN debootstrap --variant=minbase bookworm",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(history_line(input).text(), want, "{input}");
        }
    }

    #[test]
    fn dockerfiles_join_continuations() {
        let lines = parse_dockerfile(
            "FROM debian\n# c\nRUN apt-get update && \\\n  apt-get install -y curl\nuser app\n",
        );
        let texts: Vec<String> = lines.iter().map(Line::text).collect();
        assert_eq!(
            texts,
            vec![
                "FROM debian",
                "RUN apt-get update &&  apt-get install -y curl",
                "USER app"
            ]
        );
    }
}
