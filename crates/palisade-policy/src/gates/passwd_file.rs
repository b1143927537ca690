//! `passwd_file`: the users of `/etc/passwd`.

use super::{Controls, Evidence, Fired, Gate, Kind, NotEvaluated, Trigger, p};
use crate::bundle::Rule;

const CONTROLS: Controls = Controls {
    cis: &["4.1"],
    nist: &["4.1.2"],
    pci: &["8.2.2", "7.2.1"],
};

pub const GATE: Gate = Gate {
    name: "passwd_file",
    description: "Checks the users, ids and shells of /etc/passwd.",
    triggers: &[
        Trigger {
            name: "content_not_available",
            description: "Fires when the image has no readable /etc/passwd.",
            params: &[],
            check: Some(content_not_available),
            controls: CONTROLS,
        },
        Trigger {
            name: "blacklist_usernames",
            description: "Fires for each listed user name found.",
            params: &[p("user_names", true, Kind::List)],
            check: Some(usernames),
            controls: CONTROLS,
        },
        Trigger {
            name: "blacklist_userids",
            description: "Fires for each listed user id found.",
            params: &[p("user_ids", true, Kind::List)],
            check: Some(userids),
            controls: CONTROLS,
        },
        Trigger {
            name: "blacklist_groupids",
            description: "Fires for each listed group id found.",
            params: &[p("group_ids", true, Kind::List)],
            check: Some(groupids),
            controls: CONTROLS,
        },
        Trigger {
            name: "blacklist_shells",
            description: "Fires for each user with a listed login shell.",
            params: &[p("shells", true, Kind::List)],
            check: Some(shells),
            controls: CONTROLS,
        },
        Trigger {
            name: "blacklist_full_entry",
            description: "Fires for each line equal to the entry.",
            params: &[p("entry", true, Kind::Text)],
            check: Some(full_entry),
            controls: CONTROLS,
        },
    ],
};

/// One line of /etc/passwd.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub line: String,
    pub name: String,
    pub uid: String,
    pub gid: String,
    pub shell: String,
}

/// Parses /etc/passwd; malformed lines are skipped.
pub fn parse(text: &str) -> Vec<Entry> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() >= 7).then(|| Entry {
                line: l.to_owned(),
                name: f[0].to_owned(),
                uid: f[2].to_owned(),
                gid: f[3].to_owned(),
                shell: f[6].to_owned(),
            })
        })
        .collect()
}

const PASSWD: &str = "/etc/passwd";

fn entries(evidence: &Evidence<'_>) -> Option<Vec<Entry>> {
    let bytes = evidence.facts.content(PASSWD)?;
    Some(parse(&String::from_utf8_lossy(bytes)))
}

fn content_not_available(_: &Rule, evidence: &Evidence<'_>) -> Result<Vec<Fired>, NotEvaluated> {
    Ok(if entries(evidence).is_none() {
        vec![Fired::new(
            "content_not_available",
            "No passwd file content available in image",
        )]
    } else {
        Vec::new()
    })
}

fn by_field(
    rule: &Rule,
    evidence: &Evidence<'_>,
    param: &str,
    what: &str,
    field: fn(&Entry) -> &str,
) -> Result<Vec<Fired>, NotEvaluated> {
    let listed = super::list(rule.param(param));
    let layer = evidence
        .facts
        .files
        .get(PASSWD)
        .and_then(|f| super::layer_of(f.layer.as_ref()));
    Ok(entries(evidence)
        .unwrap_or_default()
        .iter()
        .filter(|e| listed.contains(&field(e)))
        .map(|e| {
            Fired::new(
                format!("{what}:{}", field(e)),
                format!("Blacklisted {what} '{}' found in image's /etc/passwd: pw_name={} pw_uid={} pw_gid={} pw_shell={}", field(e), e.name, e.uid, e.gid, e.shell),
            )
            .at(PASSWD, layer.clone())
        })
        .collect())
}

fn usernames(rule: &Rule, evidence: &Evidence<'_>) -> Result<Vec<Fired>, NotEvaluated> {
    by_field(rule, evidence, "user_names", "user", |e| &e.name)
}

fn userids(rule: &Rule, evidence: &Evidence<'_>) -> Result<Vec<Fired>, NotEvaluated> {
    by_field(rule, evidence, "user_ids", "uid", |e| &e.uid)
}

fn groupids(rule: &Rule, evidence: &Evidence<'_>) -> Result<Vec<Fired>, NotEvaluated> {
    by_field(rule, evidence, "group_ids", "gid", |e| &e.gid)
}

fn shells(rule: &Rule, evidence: &Evidence<'_>) -> Result<Vec<Fired>, NotEvaluated> {
    by_field(rule, evidence, "shells", "shell", |e| &e.shell)
}

fn full_entry(rule: &Rule, evidence: &Evidence<'_>) -> Result<Vec<Fired>, NotEvaluated> {
    let entry = rule.param("entry").unwrap_or("");
    Ok(entries(evidence)
        .unwrap_or_default()
        .iter()
        .filter(|e| e.line == entry)
        .map(|e| {
            Fired::new(
                format!("entry:{}", e.name),
                format!(
                    "Blacklisted full entry '{}' found in image's /etc/passwd",
                    e.line
                ),
            )
            .at(PASSWD, None)
        })
        .collect())
}
