//! Evaluating a bundle against an image's evidence, as Anchore Engine does: the first mapping
//! that selects the image chooses the policies and allowlists; every rule of those policies is
//! checked; allowlisted firings are reported but do not count; the worst action wins
//! (STOP > WARN > GO); an allowed image is GO and a denied image STOP whatever fired.

use palisade_core::verdict::{Action, BundleRef, Reason};
use serde::Serialize;

use crate::bundle::{AllowItem, Bundle, ImageName, glob};
use crate::gates::{self, Evidence, Fired};

/// One trigger firing, with its rule's action and whether an allowlist accepted it.
#[derive(Debug, Clone, Serialize)]
pub struct TriggerResult {
    pub gate: String,
    pub trigger: String,
    pub trigger_id: String,
    pub check_output: String,
    pub action: Action,
    pub allowlisted: bool,
    /// The allowlist item that accepted it: `allowlist id/item id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowlisted_by: Option<String>,
    pub policy_id: String,
    pub rule_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
}

/// A rule that was not evaluated on this image, and why.
#[derive(Debug, Clone, Serialize)]
pub struct NotEvaluatedRow {
    pub gate: String,
    pub trigger: String,
    pub policy_id: String,
    pub rule_id: String,
    pub action: Action,
    pub reason: String,
}

/// An allowlist item that no longer applies.
#[derive(Debug, Clone, Serialize)]
pub struct ExpiredItem {
    pub allowlist_id: String,
    pub item_id: String,
    pub gate: String,
    pub trigger_id: String,
    pub expired_on: String,
}

/// The outcome of a bundle on one image.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub bundle: BundleRef,
    pub final_action: Action,
    pub reason: Reason,
    /// The mapping that chose the policies (its name or index), when one matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mapping: Option<String>,
    pub policy_ids: Vec<String>,
    pub results: Vec<TriggerResult>,
    pub not_evaluated: Vec<NotEvaluatedRow>,
    pub expired_allowlist_items: Vec<ExpiredItem>,
    /// Rules evaluated (policy id, rule id, gate, trigger), for reports that list passes too
    /// (JUnit).
    #[serde(skip)]
    pub evaluated: Vec<(String, String, String, String)>,
}

impl Verdict {
    /// Firings per action, allowlisted ones not counted.
    pub fn counts(&self) -> std::collections::BTreeMap<String, usize> {
        let mut out = std::collections::BTreeMap::new();
        for a in Action::ALL {
            out.insert(a.to_string(), 0);
        }
        for r in self.results.iter().filter(|r| !r.allowlisted) {
            *out.entry(r.action.to_string()).or_insert(0) += 1;
        }
        out
    }
}

/// Evaluates `bundle` for `evidence.image`.
pub fn evaluate(bundle: &Bundle, evidence: &Evidence<'_>) -> Verdict {
    let image = evidence.image;
    let mapping = bundle
        .mappings
        .iter()
        .enumerate()
        .find(|(_, m)| m.selector.selects(image));
    let mut verdict = Verdict {
        bundle: bundle.reference(),
        final_action: Action::Go,
        reason: Reason::PolicyEvaluation,
        mapping: mapping.map(|(i, m)| {
            m.selector
                .name
                .clone()
                .unwrap_or_else(|| format!("mappings[{i}]"))
        }),
        policy_ids: Vec::new(),
        results: Vec::new(),
        not_evaluated: Vec::new(),
        expired_allowlist_items: Vec::new(),
        evaluated: Vec::new(),
    };
    if let Some((_, m)) = mapping {
        verdict.policy_ids = m.policy_ids.clone();
        let items: Vec<(&str, &AllowItem)> = m
            .allowlist_ids
            .iter()
            .filter_map(|id| bundle.allowlist(id))
            .flat_map(|a| a.items.iter().map(move |i| (a.id.as_str(), i)))
            .collect();
        let (live, expired): (Vec<_>, Vec<_>) = items
            .into_iter()
            .partition(|(_, i)| i.expires_on.is_none_or(|t| t > evidence.now));
        for (list, item) in &expired {
            verdict.expired_allowlist_items.push(ExpiredItem {
                allowlist_id: (*list).to_owned(),
                item_id: item.id.clone(),
                gate: item.gate.clone(),
                trigger_id: item.trigger_id.clone(),
                expired_on: item.expires_on_text.clone().unwrap_or_default(),
            });
        }
        for pid in &m.policy_ids {
            let Some(policy) = bundle.policy(pid) else {
                continue;
            };
            for rule in &policy.rules {
                let outcome = match &rule.not_evaluated {
                    Some(why) => Err(gates::NotEvaluated(why.clone())),
                    None => check(rule, evidence),
                };
                match outcome {
                    Err(gates::NotEvaluated(reason)) => {
                        verdict.not_evaluated.push(NotEvaluatedRow {
                            gate: rule.gate.clone(),
                            trigger: rule.trigger.clone(),
                            policy_id: policy.id.clone(),
                            rule_id: rule.id.clone(),
                            action: rule.action,
                            reason,
                        })
                    }
                    Ok(fired) => {
                        verdict.evaluated.push((
                            policy.id.clone(),
                            rule.id.clone(),
                            rule.gate.clone(),
                            rule.trigger.clone(),
                        ));
                        for f in fired {
                            let by = live.iter().find(|(_, i)| {
                                i.gate.eq_ignore_ascii_case(&rule.gate)
                                    && glob(&i.trigger_id, &f.trigger_id)
                            });
                            verdict
                                .results
                                .push(result(policy.id.as_str(), rule, f, by));
                        }
                    }
                }
            }
        }
    }
    verdict.final_action = verdict
        .results
        .iter()
        .filter(|r| !r.allowlisted)
        .map(|r| r.action)
        .max()
        .unwrap_or(Action::Go);
    if bundle.denied_images.iter().any(|s| s.selects(image)) {
        verdict.final_action = Action::Stop;
        verdict.reason = Reason::Blacklisted;
    } else if bundle.allowed_images.iter().any(|s| s.selects(image)) {
        verdict.final_action = Action::Go;
        verdict.reason = Reason::Whitelisted;
    }
    verdict
}

fn check(
    rule: &crate::bundle::Rule,
    evidence: &Evidence<'_>,
) -> Result<Vec<Fired>, gates::NotEvaluated> {
    let trigger = gates::gate(&rule.gate)
        .and_then(|g| g.trigger(&rule.trigger))
        .ok_or_else(|| {
            gates::NotEvaluated(format!("unknown trigger {}/{}", rule.gate, rule.trigger))
        })?;
    let check = trigger.check.ok_or_else(|| {
        gates::NotEvaluated(format!(
            "palisade cannot evaluate {}/{}",
            rule.gate, rule.trigger
        ))
    })?;
    check(rule, evidence)
}

fn result(
    policy: &str,
    rule: &crate::bundle::Rule,
    f: Fired,
    by: Option<&(&str, &AllowItem)>,
) -> TriggerResult {
    TriggerResult {
        gate: rule.gate.clone(),
        trigger: rule.trigger.clone(),
        trigger_id: f.trigger_id,
        check_output: f.check_output,
        action: rule.action,
        allowlisted: by.is_some(),
        allowlisted_by: by.map(|(list, item)| format!("{list}/{}", item.id)),
        policy_id: policy.to_owned(),
        rule_id: rule.id.clone(),
        path: f.path.filter(|p| !p.is_empty()),
        layer: f.layer,
    }
}

/// The image name parts selectors look at, from a tag like `registry/repo:tag` and digests.
pub fn image_name(repo_tag: Option<&str>, digest: Option<&str>, id: Option<&str>) -> ImageName {
    let mut name = repo_tag.map(ImageName::parse_repo_tag).unwrap_or_default();
    name.digest = digest.unwrap_or_default().to_owned();
    name.id = id
        .unwrap_or_default()
        .trim_start_matches("sha256:")
        .to_owned();
    name
}
