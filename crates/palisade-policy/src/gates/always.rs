//! `always`: fires on every image, to force an action (a bundle for images that must never
//! ship, or a test of the pipeline).

use super::{Controls, Evidence, Fired, Gate, NotEvaluated, Trigger};
use crate::bundle::Rule;

pub const GATE: Gate = Gate {
    name: "always",
    description: "Fires on every image.",
    triggers: &[Trigger {
        name: "always",
        description: "Fires once, whatever the image.",
        params: &[],
        check: Some(always),
        controls: Controls {
            cis: &[],
            nist: &[],
            pci: &[],
        },
    }],
};

fn always(_: &Rule, _: &Evidence<'_>) -> Result<Vec<Fired>, NotEvaluated> {
    Ok(vec![Fired::new("always", "always")])
}
